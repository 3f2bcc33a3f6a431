#!/usr/bin/env python3
"""ENMA benchmark orchestrator.

Runs the TPC-H queries (benches/tpch/queries) and the energy workload
(benches/energy/queries) on ENMA (embedded, over REST, on a loopback Ballista
cluster) and on its peers (raw DataFusion, DuckDB, Spark), all reading the same
Parquet files. Runs are interleaved: for each query and each repetition every
system runs once, the order rotating per repetition, so that machine noise hits
all systems alike. Each (query, system) gets --warmup untimed runs, then --reps
timed runs; the report shows medians.

Writes the report (default benches/report.md), next to it a plot of the
per-query ratios (report-ratios.png) and the raw results (report.json).
With --kv-json, the report also gets the key-value store's figures from
benches/kv.sh (puts, gets and scans: embedded, over HBase REST and Thrift);
with --wordcount-json, the word count of benches/mapreduce/wordcount.py (ENMA's
MapReduce, embedded and on a loopback cluster, against Spark).
With --from-json, nothing runs: the report, its JSON and the plot are written
again from an earlier report.json (say, after a change to the report's layout).

    benches/run.py --tpch DATA/tpch --tpch-ddl tpch.hql --sf 1 \\
        --energy DATA/energy --energy-ddl energy.hql --meters 1000 \\
        --enma target/release/enma --bench-bin target/release/enma-bench

Needs Python 3.11; DuckDB, PySpark (with Java 17) and matplotlib are optional:
a system that cannot start is reported as not run, and without matplotlib
there is no plot.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import http.client
import json
import math
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

TPCH_TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
ENERGY_TABLES = ("meters", "readings")

LABELS = {
    "enma": "ENMA",
    "enma-rest": "ENMA REST",
    "enma-cluster": "ENMA cluster",
    "datafusion": "DataFusion",
    "duckdb": "DuckDB",
    "spark": "Spark",
}
ALL_SYSTEMS = tuple(LABELS)
PEER_COLORS = {"datafusion": "tab:blue", "duckdb": "tab:orange", "spark": "tab:red"}
ENMA_SYSTEMS = ("enma", "enma-rest", "enma-cluster")

WORKER_READY_TIMEOUT = 300  # seconds for a worker to declare its tables
HEALTH_TIMEOUT = 60  # seconds for a REST server to answer its health check
CLUSTER_START_TIMEOUT = 180  # seconds for cluster/local.sh start
STOP_TIMEOUT = 10  # seconds a child gets to exit before it is killed
HTTP_GRACE = 30  # seconds the REST client waits beyond the server's own query timeout
CLUSTER_EXECUTORS = 2
SETTLE_BUSY = 0.15  # share of all CPUs below which the machine counts as idle before a run
SETTLE_MAX_WAIT = 5.0  # seconds to wait at most for it


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def one_line(text: object, limit: int = 400) -> str:
    """An error message squeezed onto one line, cut at `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Unavailable(Exception):
    """A system could not start or declare its tables."""


# --- Workloads and results ----------------------------------------------------


@dataclasses.dataclass
class Query:
    id: str  # file stem: q01, e03
    title: str
    path: Path
    sql: str

    @classmethod
    def load(cls, path: Path) -> Query:
        sql = path.read_text()
        first = sql.splitlines()[0] if sql else ""
        match = re.match(r"--[^:]*:\s*(.+)", first)
        return cls(path.stem, match.group(1).strip() if match else path.stem, path.resolve(), sql)


@dataclasses.dataclass
class Workload:
    name: str  # also the ENMA database
    title: str
    data: Path
    ddl: Path | None
    tables: tuple[str, ...]
    systems: tuple[str, ...]  # the systems that can run it, in table order
    peers: tuple[str, ...]  # the systems ENMA's ratios are taken against
    queries: list[Query]


@dataclasses.dataclass
class Run:
    status: str  # ok, error or timeout
    ms: float | None  # the time reported for the system
    wall_ms: float  # wall clock in this process around the request
    rows: int | None = None
    error: str | None = None
    warmup: bool = False

    @classmethod
    def ok(cls, ms: float, wall_ms: float, rows: int) -> Run:
        return cls("ok", ms, wall_ms, rows)

    @classmethod
    def failed(cls, wall_ms: float, error: str) -> Run:
        return cls("error", None, wall_ms, error=one_line(error))

    @classmethod
    def timed_out(cls, wall_ms: float, timeout: float) -> Run:
        return cls("timeout", None, wall_ms, error=f"timeout: no result within {timeout:g} s")


@dataclasses.dataclass
class Cell:
    """The runs of one query on one system."""

    runs: list[Run] = dataclasses.field(default_factory=list)

    @property
    def failure(self) -> Run | None:
        return next((run for run in self.runs if run.status != "ok"), None)

    @property
    def status(self) -> str:
        failure = self.failure
        return failure.status if failure else "ok"

    def _timed(self, attr: str) -> float | None:
        if self.failure:
            return None
        values = [getattr(run, attr) for run in self.runs if not run.warmup]
        return statistics.median(values) if values else None

    @property
    def median_ms(self) -> float | None:
        return self._timed("ms")

    @property
    def median_wall_ms(self) -> float | None:
        return self._timed("wall_ms")

    @property
    def rows(self) -> int | None:
        return next((run.rows for run in reversed(self.runs) if run.status == "ok"), None)

    def to_json(self) -> dict:
        failure = self.failure
        return {
            "status": self.status,
            "median_ms": self.median_ms,
            "median_wall_ms": self.median_wall_ms,
            "rows": self.rows,
            "error": failure.error if failure else None,
            "runs": [dataclasses.asdict(run) for run in self.runs],
        }


@dataclasses.dataclass
class QueryResult:
    query: Query
    cells: dict[str, Cell]  # by system, for the systems that ran the workload

    def median(self, system: str) -> float | None:
        cell = self.cells.get(system)
        return cell.median_ms if cell else None

    def ratio(self, peer: str) -> float | None:
        enma, other = self.median("enma"), self.median(peer)
        return enma / other if enma is not None and other else None

    def row_counts(self) -> dict[str, int]:
        return {name: cell.rows for name, cell in self.cells.items() if cell.status == "ok"}

    @property
    def rows_differ(self) -> bool:
        return len(set(self.row_counts().values())) > 1

    @property
    def complete(self) -> bool:
        return all(cell.status == "ok" for cell in self.cells.values())


# --- Processes, ports, HTTP -----------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """The environment for ENMA processes: none of the caller's ENMA_* settings
    (a stray ENMA_SCHEDULER or ENMA_TOKEN would change what is measured) but
    its log filter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENMA_") or k == "ENMA_LOG"}
    env.update(extra)
    return env


def spawn(cmd: list[str], log_path: Path, *, pipes: bool = False) -> subprocess.Popen:
    """Starts cmd in its own session (so Ctrl-C reaches only this script, which
    then stops it in order), stderr (and stdout unless piped) to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        log_file.write(f"=== {datetime.datetime.now():%Y-%m-%d %H:%M:%S} {shlex.join(cmd)}\n".encode())
        log_file.flush()
        return subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else log_file,
            stderr=log_file,
            text=pipes,
            bufsize=1 if pipes else -1,
            env=child_env(),
            start_new_session=True,
        )


def end_process(proc: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL if the process is still there after STOP_TIMEOUT."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_range(count: int, avoid: set[int]) -> int:
    """The first of `count` consecutive free ports, none of them in `avoid`."""
    for _ in range(100):
        base = free_port()
        ports = range(base, base + count)
        if ports[-1] <= 65535 and not avoid.intersection(ports) and all(map(port_is_free, ports)):
            return base
    raise Unavailable(f"found no {count} consecutive free ports")


_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def http(url: str, payload: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
    """GET (or POST payload as JSON) without keep-alive; returns status and
    the whole body, error statuses included."""
    headers = {"Accept": "application/json"}
    data = None
    if payload is not None:
        data = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with _HTTP.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def api_error(body: bytes) -> tuple[str, bool]:
    """The message of an ENMA error body and whether it is a timeout."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return one_line(body.decode(errors="replace")), False
    if isinstance(error, dict):
        code = error.get("code", "")
        return one_line(f"{code}: {error.get('message', '')}"), code == "timeout"
    return one_line(error), False


def is_timeout(error: Exception) -> bool:
    return isinstance(error, TimeoutError) or (
        isinstance(error, urllib.error.URLError) and isinstance(error.reason, TimeoutError)
    )


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# --- Systems ------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    work: Path
    timeout: float
    workloads: dict[str, Workload]
    enma: Path | None
    bench_bin: Path | None


def require_binary(path: Path | None, flag: str) -> Path:
    if path is None:
        raise Unavailable(f"no {flag} given")
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise Unavailable(f"{flag} {path} is not an executable file")
    return path.resolve()


def fresh_dir(path: Path) -> Path:
    """An empty directory at path (this script's own scratch space)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


class System:
    """One system under test. start() brings it up, setup() declares the
    tables (both raise Unavailable), run() runs one query and reports it as a
    Run, never raising for a failed query, stop() ends everything start()
    began and is safe to call after a failed or partial start."""

    name = ""
    workloads: tuple[str, ...] = ("tpch", "energy")

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @property
    def log_path(self) -> Path:
        return self.ctx.work / "logs" / f"{self.name}.log"

    def start(self) -> None:
        pass

    def setup(self) -> None:
        pass

    def run(self, workload: Workload, query: Query) -> Run:
        raise NotImplementedError

    def stop(self) -> None:
        pass


class WorkerSystem(System):
    """ENMA embedded or raw DataFusion in a long-lived `enma-bench worker`
    process, driven by a line protocol: `run <database> <sql file>` answered by
    `ok <ms> <rows>` or `err <message>`. The reported time is the worker's own
    (plan, execute, collect every batch). A worker that times out is killed
    and started afresh for its next query."""

    def __init__(self, ctx: Context, name: str):
        super().__init__(ctx)
        self.name = name
        self.workloads = ("tpch",) if name == "datafusion" else ("tpch", "energy")
        self.proc: subprocess.Popen | None = None
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.broken: str | None = None

    def command(self) -> list[str]:
        cmd = [str(require_binary(self.ctx.bench_bin, "--bench-bin")), "worker", "--system", self.name]
        if self.name == "datafusion":
            return cmd + ["--tpch", str(self.ctx.workloads["tpch"].data)]
        cmd += ["--data-dir", str(fresh_dir(self.ctx.work / "enma-embedded"))]
        for workload in self.ctx.workloads.values():
            cmd += ["--ddl", str(workload.ddl)]
        return cmd

    def start(self) -> None:
        self.proc = spawn(self.command(), self.log_path, pipes=True)
        self.replies = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.replies), daemon=True).start()

    @staticmethod
    def _pump(stream, replies: queue.Queue) -> None:
        for line in stream:
            replies.put(line.rstrip("\n"))
        replies.put(None)

    def _reply(self, timeout: float) -> str | None:
        """The worker's next line, None if it exited; raises TimeoutError."""
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None

    def _exited(self) -> str:
        code = self.proc.wait() if self.proc else None
        self.proc = None
        return f"worker exited with code {code}; see {self.log_path}"

    def setup(self) -> None:
        try:
            line = self._reply(WORKER_READY_TIMEOUT)
        except TimeoutError:
            raise Unavailable(f"worker not ready within {WORKER_READY_TIMEOUT} s; see {self.log_path}") from None
        if line is None:
            raise Unavailable(f"{self._exited()}:\n{log_tail(self.log_path)}")
        if line != "ready":
            raise Unavailable(f"worker said {line!r} instead of 'ready'")

    def _restart(self) -> None:
        if self.broken:
            raise Unavailable(self.broken)
        log(f"  restarting the {self.name} worker")
        try:
            self.start()
            self.setup()
        except Unavailable as e:
            self.stop()
            self.broken = f"restart failed: {e}"
            raise Unavailable(self.broken) from None

    def run(self, workload: Workload, query: Query) -> Run:
        start = time.perf_counter()
        try:
            if self.proc is None:
                self._restart()
            self.proc.stdin.write(f"run {workload.name} {query.path}\n")
            self.proc.stdin.flush()
            start = time.perf_counter()
            line = self._reply(self.ctx.timeout)
        except Unavailable as e:
            return Run.failed(ms_since(start), str(e))
        except TimeoutError:
            wall = ms_since(start)
            self.stop()
            return Run.timed_out(wall, self.ctx.timeout)
        except BrokenPipeError:
            return Run.failed(ms_since(start), self._exited())
        wall = ms_since(start)
        if line is None:
            return Run.failed(wall, self._exited())
        return self._parse(line, wall)

    @staticmethod
    def _parse(line: str, wall: float) -> Run:
        word, _, rest = line.partition(" ")
        if word == "err":
            return Run.failed(wall, rest)
        if word == "ok":
            try:
                ms, rows = rest.split()
                return Run.ok(float(ms), wall, int(rows))
            except ValueError:
                pass
        return Run.failed(wall, f"unexpected reply from the worker: {line!r}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            proc.wait(STOP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            end_process(proc)


class RestSystem(System):
    """ENMA behind `enma serve`: queries are POST /v1/sql with JSON results,
    timed by the wall clock of the request until the whole body is read."""

    name = "enma-rest"
    data_dir = "enma-rest"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.serve: subprocess.Popen | None = None
        self.url = ""

    def global_flags(self) -> list[str]:
        return []

    def start(self) -> None:
        enma = require_binary(self.ctx.enma, "--enma")
        port = free_port()
        cmd = [str(enma), "--data-dir", str(fresh_dir(self.ctx.work / self.data_dir))]
        for workload in self.ctx.workloads.values():
            cmd += ["--allow-local-dir", str(workload.data)]
        cmd += self.global_flags()
        cmd += ["serve", "--listen", f"127.0.0.1:{port}", "--query-timeout", f"{self.ctx.timeout:g}"]
        self.serve = spawn(cmd, self.log_path)
        self.url = f"http://127.0.0.1:{port}"
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while time.monotonic() < deadline:
            if self.serve.poll() is not None:
                raise Unavailable(f"enma serve exited with code {self.serve.returncode}:\n{log_tail(self.log_path)}")
            with contextlib.suppress(OSError):
                if http(f"{self.url}/health", timeout=2)[0] == 200:
                    return
            time.sleep(0.2)
        raise Unavailable(f"enma serve not healthy within {HEALTH_TIMEOUT} s; see {self.log_path}")

    def _post(self, sql: str, database: str) -> tuple[int, bytes]:
        return http(f"{self.url}/v1/sql", {"sql": sql, "database": database}, self.ctx.timeout + HTTP_GRACE)

    def setup(self) -> None:
        for workload in self.ctx.workloads.values():
            try:
                status, body = self._post(workload.ddl.read_text(), "default")
            except (OSError, http.client.HTTPException) as e:
                raise Unavailable(f"{workload.ddl}: {e}") from None
            if status != 200:
                raise Unavailable(f"{workload.ddl}: HTTP {status}: {body.decode(errors='replace')}")

    def run(self, workload: Workload, query: Query) -> Run:
        if self.serve.poll() is not None:
            return Run.failed(0, f"enma serve exited with code {self.serve.returncode}; see {self.log_path}")
        start = time.perf_counter()
        try:
            status, body = self._post(query.sql, workload.name)
        except (OSError, http.client.HTTPException) as e:
            wall = ms_since(start)
            return Run.timed_out(wall, self.ctx.timeout) if is_timeout(e) else Run.failed(wall, f"HTTP: {e}")
        wall = ms_since(start)
        if status != 200:
            message, timed_out = api_error(body)
            return Run.timed_out(wall, self.ctx.timeout) if timed_out else Run.failed(wall, f"HTTP {status}: {message}")
        try:
            rows = json.loads(body)["row_count"]
        except (ValueError, KeyError, TypeError) as e:
            return Run.failed(wall, f"unreadable result ({e}): {body[-200:]!r}")
        return Run.ok(wall, wall, rows)

    def stop(self) -> None:
        end_process(self.serve)
        self.serve = None


class ClusterSystem(RestSystem):
    """ENMA on a loopback Ballista cluster (cluster/local.sh: a scheduler and
    two executors), queried through its own `enma serve --scheduler`."""

    name = "enma-cluster"
    data_dir = "enma-cluster-serve"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.cluster_dir = ctx.work / "cluster"
        self.scheduler = ""
        self.cluster_started = False

    def global_flags(self) -> list[str]:
        return ["--scheduler", self.scheduler]

    def _local_sh(self, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
        cmd = ["bash", str(REPO_DIR / "cluster" / "local.sh"), *args, "--dir", str(self.cluster_dir)]
        with open(self.log_path, "ab") as log_file:
            log_file.write(f"=== {shlex.join(cmd)}\n".encode())
            log_file.flush()
            return subprocess.run(
                cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                env=env, timeout=CLUSTER_START_TIMEOUT, check=False,
            )

    def _cluster_env(self, **ports: int) -> dict[str, str]:
        # An empty settings file, so a local cluster/conf/cluster.env cannot move ports or storage.
        conf = self.ctx.work / "cluster.env"
        conf.write_text("")
        return child_env(ENMA_CLUSTER_CONF=str(conf), **{k: str(v) for k, v in ports.items()})

    def start(self) -> None:
        enma = require_binary(self.ctx.enma, "--enma")
        scheduler_port = free_port()
        base = free_port_range(2 * CLUSTER_EXECUTORS, {scheduler_port})
        env = self._cluster_env(ENMA_SCHEDULER_PORT=scheduler_port, ENMA_EXECUTOR_BASE_PORT=base)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.cluster_started = True
        done = self._local_sh("start", "-n", str(CLUSTER_EXECUTORS), "--bin", str(enma), env=env)
        if done.returncode != 0:
            raise Unavailable(f"cluster/local.sh start failed:\n{log_tail(self.log_path)}")
        self.scheduler = f"df://127.0.0.1:{scheduler_port}"
        super().start()

    def stop(self) -> None:
        super().stop()
        if self.cluster_started:
            self.cluster_started = False
            done = self._local_sh("stop", env=self._cluster_env())
            if done.returncode != 0:
                log(f"  cluster/local.sh stop failed; see {self.log_path}")


class Watchdog:
    """Calls cancel() once the with-block has run for timeout seconds, then
    again every second until it ends, as an engine may start new work after
    a cancel. A failing cancel() is ignored: the run then just takes long."""

    def __init__(self, timeout: float, cancel):
        self.timeout = timeout
        self.cancel = cancel
        self.fired = False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        if self.done.wait(self.timeout):
            return
        self.fired = True
        while True:
            with contextlib.suppress(Exception):
                self.cancel()
            if self.done.wait(1):
                return

    def __enter__(self) -> Watchdog:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()


def run_in_process(execute, cancel, timeout: float) -> Run:
    """Times execute() (which returns the row count) by the wall clock,
    cancelling it with cancel() once it runs past timeout."""
    start = time.perf_counter()
    try:
        with Watchdog(timeout, cancel) as watchdog:
            rows = execute()
    except Exception as e:  # the engine's own error types
        wall = ms_since(start)
        return Run.timed_out(wall, timeout) if watchdog.fired else Run.failed(wall, f"{type(e).__name__}: {e}")
    wall = ms_since(start)
    return Run.ok(wall, wall, rows)


class DuckDBSystem(System):
    """DuckDB in this process on two threads, over views of the Parquet files;
    TPC-H only. Results are fetched as Python rows."""

    name = "duckdb"
    workloads = ("tpch",)

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.con = None

    def start(self) -> None:
        try:
            import duckdb
        except ImportError as e:
            raise Unavailable(f"duckdb is not installed ({e})") from None
        self.con = duckdb.connect()
        self.con.execute("SET threads=2")

    def setup(self) -> None:
        workload = self.ctx.workloads["tpch"]
        for table in workload.tables:
            files = str(workload.data / table / "*.parquet").replace("'", "''")
            try:
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}')")
            except Exception as e:  # duckdb.Error, e.g. no files
                raise Unavailable(f"cannot read {files}: {one_line(e)}") from None

    def run(self, workload: Workload, query: Query) -> Run:
        return run_in_process(lambda: len(self.con.execute(query.sql).fetchall()), self.con.interrupt, self.ctx.timeout)

    def stop(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def ensure_java_home() -> None:
    """Points JAVA_HOME at a Java 17 under /usr/lib/jvm when it is unset."""
    if os.environ.get("JAVA_HOME"):
        return
    for home in sorted(Path("/usr/lib/jvm").glob("*17*")):
        if (home / "bin" / "java").is_file():
            os.environ["JAVA_HOME"] = str(home)
            return


@contextlib.contextmanager
def output_to(path: Path):
    """Sends this process's stdout and stderr file descriptors to path for the
    block; child processes started in it keep writing there."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as log_file:
        os.dup2(log_file.fileno(), 1)
        os.dup2(log_file.fileno(), 2)
    try:
        yield
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


class SparkSystem(System):
    """Spark SQL in local[2] mode through PySpark, over temporary views of the
    Parquet files; the JVM's output goes to the log."""

    name = "spark"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.spark = None

    def start(self) -> None:
        ensure_java_home()
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:
            raise Unavailable(f"pyspark is not installed ({e})") from None
        builder = (
            SparkSession.builder.master("local[2]")
            .appName("enma-bench")
            .config("spark.driver.memory", "8g")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.local.dir", str(fresh_dir(self.ctx.work / "spark-local")))
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # PySpark installs a SIGINT handler that cancels jobs from inside the
        # signal; keep ours, so that Ctrl-C stops everything in order.
        sigint = signal.getsignal(signal.SIGINT)
        try:
            with output_to(self.log_path):
                self.spark = builder.getOrCreate()
        except Exception as e:  # a missing or unsuitable Java shows up here
            raise Unavailable(f"Spark did not start: {one_line(e)}; see {self.log_path}") from None
        finally:
            signal.signal(signal.SIGINT, sigint)
        # Query errors go to the report; PySpark would also print each as JSON.
        from pyspark.logger import PySparkLogger

        PySparkLogger.getLogger("SQLQueryContextLogger").disabled = True
        self.spark.sparkContext.setLogLevel("WARN")

    def setup(self) -> None:
        for workload in self.ctx.workloads.values():
            for table in workload.tables:
                try:
                    self.spark.read.parquet(str(workload.data / table)).createOrReplaceTempView(table)
                except Exception as e:
                    raise Unavailable(f"cannot read {workload.data / table}: {one_line(e)}") from None

    def run(self, workload: Workload, query: Query) -> Run:
        return run_in_process(
            lambda: len(self.spark.sql(query.sql).collect()), self.spark.interruptAll, self.ctx.timeout
        )

    def stop(self) -> None:
        if self.spark is not None:
            spark, self.spark = self.spark, None
            with contextlib.suppress(Exception):
                spark.stop()


def make_system(name: str, ctx: Context) -> System:
    if name in ("enma", "datafusion"):
        return WorkerSystem(ctx, name)
    return {"enma-rest": RestSystem, "enma-cluster": ClusterSystem, "duckdb": DuckDBSystem, "spark": SparkSystem}[name](ctx)


# --- The benchmark --------------------------------------------------------------


def cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def settle(max_wait: float = SETTLE_MAX_WAIT) -> None:
    """Waits until the CPUs are idle (below SETTLE_BUSY over a 100 ms window),
    at most max_wait seconds, so that work a system leaves behind after
    answering (a JVM's garbage collection, a cluster's shuffle clean-up) does
    not land on the next system's run."""
    deadline = time.monotonic() + max_wait
    before = cpu_times()
    while before is not None and time.monotonic() < deadline:
        time.sleep(0.1)
        after = cpu_times()
        if after is None or after[1] == before[1]:
            return
        if (after[0] - before[0]) / (after[1] - before[1]) < SETTLE_BUSY:
            return
        before = after


def run_query(systems: list[System], workload: Workload, query: Query, warmup: int, reps: int, timeout: float) -> QueryResult:
    """Every system in turn, warm-up then timed runs, the order rotating per
    repetition. A system's first failure on the query ends its runs of it."""
    cells = {system.name: Cell() for system in systems}
    for rep in range(warmup + reps):
        shift = rep % len(systems)
        for system in systems[shift:] + systems[:shift]:
            cell = cells[system.name]
            if cell.failure:
                continue
            settle()
            try:
                run = system.run(workload, query)
            except Exception as e:  # a bug in a driver must not end the whole benchmark
                run = Run.failed(0, f"{type(e).__name__}: {e}")
            if run.status == "ok" and max(run.ms, run.wall_ms) > timeout * 1000:
                run = Run.timed_out(run.wall_ms, timeout)
            run.warmup = rep < warmup
            cell.runs.append(run)
    return QueryResult(query, cells)


def progress_line(workload: Workload, result: QueryResult) -> str:
    parts = []
    for name, cell in result.cells.items():
        median = cell.median_ms
        parts.append(f"{LABELS[name]} {fmt_ms(median) + ' ms' if median is not None else cell.status}")
    flag = "  [rows differ]" if result.rows_differ else ""
    return f"{workload.name} {result.query.id} {result.query.title}: {', '.join(parts)}{flag}"


def run_workloads(systems: list[System], workloads: dict[str, Workload], args, not_run: dict[str, str]) -> list[tuple[Workload, list[QueryResult]]]:
    runs = []
    for workload in workloads.values():
        active = [system for system in systems if workload.name in system.workloads]
        if active:
            runs.append((workload, run_workload(active, workload, args)))
        else:
            not_run[f"{workload.title} workload"] = "none of the systems that can run it started"
    return runs


def run_workload(active: list[System], workload: Workload, args) -> list[QueryResult]:
    log(f"{workload.title}: {len(workload.queries)} queries on {', '.join(LABELS[s.name] for s in active)}")
    results = []
    for query in workload.queries:
        result = run_query(active, workload, query, args.warmup, args.reps, args.query_timeout)
        log(progress_line(workload, result))
        results.append(result)
    return results


def start_systems(names: list[str], ctx: Context, not_run: dict[str, str], started: list[System]) -> None:
    """Starts each system, appending it to `started` first so that the caller
    stops it even if an interrupt comes in mid-start."""
    for name in names:
        system = make_system(name, ctx)
        if not set(system.workloads) & set(ctx.workloads):
            not_run[name] = "it runs none of the workloads given"
            continue
        log(f"starting {LABELS[name]}")
        started.append(system)
        try:
            system.start()
            system.setup()
        except Unavailable as e:
            not_run[name] = str(e)
            log(f"  {LABELS[name]} not run: {e}")
            started.remove(system)
            system.stop()


def stop_systems(systems: list[System]) -> None:
    for system in reversed(systems):
        try:
            system.stop()
        except Exception as e:
            log(f"stopping {LABELS[system.name]} failed: {e}")


# --- Metadata -----------------------------------------------------------------------


def command_output(cmd: list[str], *, stderr: bool = False) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stderr if stderr else done.stdout).strip() if done.returncode == 0 else None


def machine_info() -> dict:
    cpu = memory = None
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), None)
    with contextlib.suppress(OSError, ValueError):
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
        memory = round(kib / 2**20, 1)
    uname = platform.uname()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory, "kernel": f"{uname.system} {uname.release} {uname.machine}"}


def module_version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def versions(bench_bin: Path | None) -> dict:
    commit = command_output(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"])
    if commit and command_output(["git", "-C", str(REPO_DIR), "status", "--porcelain", "--untracked-files=no"]):
        commit += " (dirty)"
    engines = {}
    if bench_bin is not None:
        for line in (command_output([str(bench_bin), "versions"]) or "").splitlines():
            name, _, version = line.strip().partition(" ")
            if name:
                engines[name] = version.strip()
    java_home = os.environ.get("JAVA_HOME")
    java = command_output([str(Path(java_home) / "bin" / "java") if java_home else "java", "-version"], stderr=True)
    return {
        "enma": commit,
        "engines": engines,  # from `enma-bench versions`: datafusion and the like
        "duckdb": module_version("duckdb"),
        "pyspark": module_version("pyspark"),
        "java": java.splitlines()[0] if java else None,
    }


# --- Micro-benchmarks (criterion) --------------------------------------------------


def criterion_results(root: Path) -> list[dict]:
    """One entry per benchmark under a criterion output directory, from its
    new/estimates.json (and new/benchmark.json for its name)."""
    results = []
    for estimates in sorted(root.glob("**/new/estimates.json")):
        bench_id = estimates.relative_to(root).as_posix().removesuffix("/new/estimates.json")
        try:
            median = json.loads(estimates.read_text())["median"]
        except (OSError, ValueError, KeyError) as e:
            log(f"skipping {estimates}: {e}")
            continue
        name = bench_id
        meta = estimates.parent / "benchmark.json"
        if meta.is_file():
            with contextlib.suppress(OSError, ValueError):
                info = json.loads(meta.read_text())
                name = info.get("full_id") or info.get("title") or bench_id
        interval = median.get("confidence_interval", {})
        results.append({
            "id": bench_id,
            "name": name,
            "median_ns": median["point_estimate"],
            "lower_ns": interval.get("lower_bound"),
            "upper_ns": interval.get("upper_bound"),
        })
    return results


def fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "—"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


# --- The key-value store (benches/kv.sh) -------------------------------------------

KV_HEADING = "## Key-value store (HBase API)"
KV_MODES = {"embedded": "Embedded", "rest": "REST", "thrift": "Thrift"}
KV_PHASES = ("put", "get", "scan")
KV_SIZES = ("rows", "value_bytes", "clients", "gets", "scans", "scan_rows")
KV_NOT_RUN = KV_HEADING.removeprefix("## ")  # its entry under "Not run" when there are no results


def kv_results(path: Path) -> dict:
    """What benches/kv.sh writes: {date, machine, command, runs: [{mode,
    phases: {put|get|scan: {ops, seconds, ops_per_sec, p50_us, p99_us, max_us}},
    params}]}; ValueError when the file is something else."""
    data = json.loads(path.read_text())
    runs = data.get("runs") if isinstance(data, dict) else None
    ok = isinstance(runs, list) and runs and all(
        isinstance(run, dict) and isinstance(run.get("phases"), dict) and isinstance(run.get("params"), dict) and "mode" in run
        for run in runs
    )
    if not ok:
        raise ValueError(f"{path} is not benches/kv.sh's output (a list of runs with mode, phases and params)")
    return data


def fmt_us(us: float | None) -> str:
    return fmt_ns(None if us is None else us * 1000)


def kv_section(data: dict) -> list[str]:
    """The report's key-value store section: how the load ran, then a mode × phase table."""
    runs = data["runs"]
    p = runs[0]["params"]
    cores = (data.get("machine") or {}).get("cores")
    lines = [
        KV_HEADING,
        "",
        f"`benches/kv.sh`, {data.get('date') or 'date unknown'}: {p['rows']:,} rows of one {p['value_bytes']}-byte cell "
        f"(`d:v`, random bytes), written in a shuffled order by {p['clients']} concurrent clients, one put per call; then "
        f"{p['gets']:,} point gets of random rows and {p['scans']:,} scans of {p['scan_rows']} rows from random start rows "
        "by the same clients. Each client is one thread (over REST and Thrift with a connection of its own) making "
        "one call at a time: latency is "
        "timed in the client around each call, ops/s is all clients' calls over the phase's wall-clock time, and every "
        "answer is checked (a get's value length, a scan's rows). **Embedded** is the store's own API in the load "
        "process, no server. For **REST** and **Thrift** the store runs behind HBase's REST and Thrift1 servers in a "
        "`kv-bench serve` process (the servers `enma serve --hbase` runs, default settings) and the load comes from a "
        "separate `kv-bench load` process over loopback; server and load share the machine's "
        f"{cores if cores else 'same'} cores.",
        "",
    ]
    rows = []
    for run in runs:
        for phase in KV_PHASES:
            s = run["phases"].get(phase)
            if s:
                rows.append([
                    KV_MODES.get(run["mode"], run["mode"]), phase, f"{s['ops']:,}", f"{s['ops_per_sec']:,.0f}",
                    fmt_us(s.get("p50_us")), fmt_us(s.get("p99_us")), fmt_us(s.get("max_us")),
                ])
    lines += markdown_table(["mode", "phase", "calls", "ops/s", "p50", "p99", "max"], rows, text_columns=2)
    lines += ["", "What one call is:", ""]
    for run in runs:
        params, calls = run["params"], run["params"].get("calls") or {}
        wire = ""
        if run["mode"] == "rest":
            wire = " (HTTP/1.1 keep-alive, JSON)"
        elif params.get("protocol"):
            wire = f" ({params['protocol']} protocol, {params.get('transport', '?')} transport, as happybase by default)"
        described = "; ".join(f"{phase}: {calls[phase]}" for phase in KV_PHASES if calls.get(phase))
        lines.append(f"- {KV_MODES.get(run['mode'], run['mode'])}{wire}: {described}".replace("*", "\\*"))
    differ = [run["mode"] for run in runs if any(run["params"].get(k) != p.get(k) for k in KV_SIZES)]
    if differ:
        lines += ["", f"Sizes differ from {runs[0]['mode']}'s for: {', '.join(differ)}; see the JSON for each run's."]
    return lines


# --- Word count (benches/mapreduce/wordcount.py) --------------------------------------

WORDCOUNT_HEADING = "## Word count (MapReduce)"
WORDCOUNT_NOT_RUN = WORDCOUNT_HEADING.removeprefix("## ")  # its entry under "Not run" when there are no results
# the section's ratios: each ENMA way of running the job against the Spark API closest to it
WORDCOUNT_RATIOS = (("ENMA Rust job", "Spark DataFrame"), ("ENMA streaming (Python)", "Spark RDD (Python)"))
WORDCOUNT_SIZES = ("input_bytes", "words", "distinct", "runs")


def is_number(value: object) -> bool:
    """A JSON number (bool is an int to Python, not to JSON)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def wordcount_results(path: Path) -> dict:
    """What benches/mapreduce/wordcount.py writes: {date, input_bytes, words,
    distinct, runs, systems: [{system, best_s, runs_s, mb_per_s}]}; ValueError
    when the file is something else, so that a stale or foreign file never
    becomes a table."""
    data = json.loads(path.read_text())
    systems = data.get("systems") if isinstance(data, dict) else None
    ok = (
        isinstance(systems, list) and systems
        and all(is_number(data.get(key)) for key in WORDCOUNT_SIZES)
        and all(
            isinstance(row, dict) and isinstance(row.get("system"), str)
            and is_number(row.get("best_s")) and row["best_s"] > 0 and is_number(row.get("mb_per_s"))
            and isinstance(row.get("runs_s"), list) and row["runs_s"] and all(map(is_number, row["runs_s"]))
            for row in systems
        )
    )
    if not ok:
        raise ValueError(
            f"{path} is not benches/mapreduce/wordcount.py's output (input_bytes, words, distinct, runs and "
            "a list of systems with system, best_s, runs_s and mb_per_s)"
        )
    return data


def wordcount_ratios(systems: list[dict]) -> list[str]:
    """`ENMA system / peer ratio` for each pair of WORDCOUNT_RATIOS with both rows
    in the results: the cluster rows and a run without Spark have none."""
    best = {row["system"]: row["best_s"] for row in systems}
    pairs = [(enma, peer) for enma, peer in WORDCOUNT_RATIOS if enma in best and peer in best]
    return [f"{enma} / {peer} {fmt_ratio(best[enma] / best[peer])}" for enma, peer in pairs]


# The sections filled from another script's results: their report.json key, the
# run.py option that names the results, its loader, their "Not run" entry, the script.
EXTRA_SECTIONS = (
    ("kv_store", "kv_json", kv_results, KV_NOT_RUN, "benches/kv.sh"),
    ("wordcount", "wordcount_json", wordcount_results, WORDCOUNT_NOT_RUN, "benches/mapreduce/wordcount.py"),
)


def wordcount_section(data: dict) -> list[str]:
    """The report's word-count section: what ran, a table of best times, then ENMA's ratios to Spark."""
    lines = [
        WORDCOUNT_HEADING,
        "",
        f"`benches/mapreduce/wordcount.py`, {data.get('date') or 'date unknown'}: word count over "
        f"{data['input_bytes'] / 1e6:,.0f} MB of generated text ({data['words']:,} words, {data['distinct']:,} distinct), "
        f"best of {data['runs']} runs per system, every system's output equal to a reference count made in Python; "
        "the ENMA cluster rows run on a scheduler and two executors of one task slot each over loopback "
        "(`cluster/local.sh`), Spark in `local[2]`.",
        "",
    ]
    rows = [
        [row["system"], f"{row['best_s']:.2f}", f"{row['mb_per_s']:.1f}", ", ".join(f"{t:.2f}" for t in row["runs_s"])]
        for row in data["systems"]
    ]
    lines += markdown_table(["system", "best (s)", "MB/s", "runs (s)"], rows, text_columns=1)
    ratios = wordcount_ratios(data["systems"])
    if ratios:
        lines += ["", f"Ratios of best times (below 1: ENMA faster): {'; '.join(ratios)}."]
    return lines


# --- The report ---------------------------------------------------------------------

FINDINGS_HEADING = "## Findings"
FINDINGS_PLACEHOLDER = "_(filled in by hand after profiling)_"


def previous_findings(report: Path) -> str | None:
    """The body of the `## Findings` section of an earlier report, verbatim."""
    try:
        lines = report.read_text().splitlines()
    except OSError:
        return None
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == FINDINGS_HEADING)
    except StopIteration:
        return None
    body, fenced = [], False
    for line in lines[start + 1:]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            break
        body.append(line)
    return "\n".join(body).strip("\n")


def fmt_ms(ms: float) -> str:
    if ms >= 100:
        return f"{ms:,.0f}"
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}"


def geomean(values: list[float]) -> float | None:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def cell_text(result: QueryResult, system: str) -> str:
    cell = result.cells.get(system)
    if cell is None:
        return "—"
    median = cell.median_ms
    return fmt_ms(median) if median is not None else cell.status


def rows_text(result: QueryResult) -> str:
    counts = result.row_counts()
    if not counts:
        return "—"
    if result.rows_differ:
        return "**rows differ**: " + ", ".join(f"{LABELS[name]} {rows}" for name, rows in counts.items())
    return str(next(iter(counts.values())))


def markdown_table(header: list[str], rows: list[list[str]], text_columns: int) -> list[str]:
    """A table whose first text_columns columns are left-aligned, the rest right-aligned."""
    rule = ["---" if i < text_columns else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def workload_totals(results: list[QueryResult]) -> tuple[int, dict[str, float]]:
    """How many queries every system ran without error, and each system's sum
    of medians over those queries (empty when there are none)."""
    complete = [r for r in results if r.complete]
    if not complete:
        return 0, {}
    return len(complete), {system: sum(r.median(system) for r in complete) for system in complete[0].cells}


def workload_table(workload: Workload, results: list[QueryResult], heading: str) -> list[str]:
    header = ["query", "title"] + [LABELS[s] for s in workload.systems]
    header += [f"ENMA/{LABELS[p]}" for p in workload.peers] + ["rows"]
    rows = []
    for result in results:
        row = [result.query.id, result.query.title] + [cell_text(result, s) for s in workload.systems]
        rows.append(row + [fmt_ratio(result.ratio(p)) for p in workload.peers] + [rows_text(result)])

    complete, totals = workload_totals(results)
    total_row = ["**total**", f"{complete} of {len(results)} queries"]
    total_row += [fmt_ms(totals[s]) if s in totals else "—" for s in workload.systems]
    for peer in workload.peers:
        both = "enma" in totals and totals.get(peer)
        total_row.append(fmt_ratio(totals["enma"] / totals[peer] if both else None))
    rows.append(total_row + [""])

    geo_row = ["**geo. mean**", "of the per-query ratios"] + [""] * len(workload.systems)
    geo_row += [fmt_ratio(geomean([r.ratio(p) for r in results if r.ratio(p) is not None])) for p in workload.peers]
    rows.append(geo_row + [""])

    notes = [
        "",
        f"Times in ms. The total sums the medians of the {complete} queries on which every system "
        "that ran this workload succeeded, and its ratios are ratios of those sums; the geometric mean is "
        "over the queries on which both ENMA and the peer succeeded. \"—\": not run.",
    ]
    return [heading, ""] + markdown_table(header, rows, text_columns=2) + notes


def ratio_label(value: float, _position=None) -> str:
    return f"{value:g}×" if value >= 1 else f"1/{1 / value:g}×"


def plot_panel(ax, workload: Workload, results: list[QueryResult]) -> None:
    """One group of bars per query, one bar per peer, growing from 1 (parity):
    up when ENMA is slower, down when it is faster."""
    series = {peer: [(x, r.ratio(peer)) for x, r in enumerate(results) if r.ratio(peer) is not None] for peer in workload.peers}
    series = {peer: points for peer, points in series.items() if points}
    width = 0.8 / max(len(series), 2)
    for i, (peer, points) in enumerate(series.items()):
        offset = (i - (len(series) - 1) / 2) * width
        ax.bar(
            [x + offset for x, _ in points], [ratio - 1 for _, ratio in points], width,
            bottom=1, color=PEER_COLORS[peer], label=f"ENMA / {LABELS[peer]}",
        )
    span = max(1.0, max(abs(math.log2(ratio)) for points in series.values() for _, ratio in points)) + 0.5
    ax.set_yscale("log", base=2)
    ax.set_ylim(2**-span, 2**span)
    ax.yaxis.set_major_formatter(ratio_label)
    ax.axhline(1, color="black", linewidth=0.8)
    ax.set_xticks(range(len(results)), [r.query.id for r in results])
    ax.set_xlim(-0.6, len(results) - 0.4)
    ax.set_title(f"{workload.title}: ENMA median / peer median (below 1: ENMA faster)")
    ax.set_ylabel("ratio (log₂ scale)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")


def plot_ratios(path: Path, panels: list[tuple[Workload, list[QueryResult]]]) -> str | None:
    """Writes the ratio plot, one panel per workload with ratios; returns why
    not when there is nothing to plot or no matplotlib."""
    panels = [(w, rs) for w, rs in panels if any(r.ratio(p) is not None for r in rs for p in w.peers)]
    if not panels:
        return "no query has both an ENMA time and a peer time"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return f"matplotlib is not installed ({e})"
    widest = max(len(rs) for _, rs in panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(max(8, 0.5 * widest + 2), 4 * len(panels)), squeeze=False)
    for ax, (workload, results) in zip(axes[:, 0], panels):
        plot_panel(ax, workload, results)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None


def metadata_section(meta: dict) -> list[str]:
    machine, versions_ = meta["machine"], meta["versions"]
    engines = ", ".join(f"{name} {version}" for name, version in versions_["engines"].items()) or "unknown"
    unknown = "unknown"
    return [
        f"- Date: {meta['date']}",
        f"- Machine: {machine['cpu'] or unknown}, {machine['cores']} cores, {machine['memory_gib'] or unknown} GiB, {machine['kernel']}",
        f"- ENMA commit: {versions_['enma'] or unknown}",
        f"- Engines (enma-bench): {engines}",
        f"- DuckDB {versions_['duckdb'] or unknown}, PySpark {versions_['pyspark'] or unknown}, Java: {versions_['java'] or unknown}",
        f"- TPC-H scale factor: {unknown if meta['sf'] is None else format(meta['sf'], 'g')}; "
        f"energy meters: {unknown if meta['meters'] is None else meta['meters']}",
        f"- Runs: {meta['warmup']} warm-up + {meta['reps']} timed per query and system, interleaved; query timeout {meta['query_timeout']:g} s",
        f"- Command: `{meta['command']}`",
    ] + ([f"- Re-rendered: {meta['rerendered']['date']} with `{meta['rerendered']['command']}`"] if meta.get("rerendered") else [])


def how_to_read(meta: dict) -> list[str]:
    return [
        "## How to read",
        "",
        f"Each time is the median of {meta['reps']} timed runs after {meta['warmup']} warm-up run(s), in milliseconds. "
        "The systems run interleaved: for each query and repetition every system runs once, in an order that "
        "rotates per repetition, so machine noise hits all of them alike; before each run the runner waits (up to "
        f"{SETTLE_MAX_WAIT:.0f} s) for the CPUs to go idle, so work one system leaves behind (a JVM's garbage "
        "collection, shuffle clean-up) does not land on the next one's time. A ratio is the ENMA (embedded) median "
        "divided by the peer's median: below 1, ENMA is faster.",
        "",
        "- **ENMA**: ENMA's embedded engine in a long-lived `enma-bench worker`; the time is measured inside it "
        "(plan, execute and collect every batch).",
        "- **DataFusion**: raw DataFusion, same crate version, same worker and measurement: the floor of ENMA's overhead.",
        "- **ENMA REST**: the same engine behind `POST /v1/sql` with JSON results; wall clock of the request until "
        "the whole body is read.",
        f"- **ENMA cluster**: a Ballista scheduler and {CLUSTER_EXECUTORS} executors on this same machine "
        f"({meta['machine']['cores']} cores), queried over REST like ENMA REST.",
        "- **DuckDB** (two threads, TPC-H only) and **Spark** (`local[2]`): in this process, wall clock around "
        "running the query and fetching all rows (DuckDB `fetchall()`, Spark `collect()`).",
        "",
        f"A run longer than {meta['query_timeout']:g} s counts as a failure (\"timeout\"). \"error\" and \"timeout\" "
        "cells are listed under Errors; a system's first failure on a query ends its runs of that query. "
        "\"rows differ\" flags a query whose systems returned different row counts.",
    ]


def render_report(meta, runs, not_run, plot_name, plot_missing, micro, findings, kv=None, wordcount=None) -> str:
    lines = ["# ENMA performance report", ""] + metadata_section(meta) + [""] + how_to_read(meta)
    for workload, results in runs:
        heading = f"## {workload.title} workload"
        if workload.name == "tpch":
            heading = "## TPC-H" + (f" SF {meta['sf']:g}" if meta["sf"] is not None else "")
        elif meta["meters"] is not None:
            heading += f", {meta['meters']} meters"
        lines += [""] + workload_table(workload, results, heading)
    lines += ["", "## Per-query ratios", ""]
    lines.append(f"![per-query ratios]({plot_name})" if plot_missing is None else f"No plot: {plot_missing}.")
    lines += ["", FINDINGS_HEADING, "", findings if findings is not None else FINDINGS_PLACEHOLDER]
    if micro:
        lines += ["", "## Micro-benchmarks", "", "Criterion medians with their 95% confidence interval.", ""]
        lines += markdown_table(
            ["benchmark", "median", "95% CI"],
            [[m["name"], fmt_ns(m["median_ns"]), f"{fmt_ns(m['lower_ns'])} – {fmt_ns(m['upper_ns'])}"] for m in micro],
            text_columns=1,
        )
    if kv:
        lines += [""] + kv_section(kv)
    if wordcount:
        lines += [""] + wordcount_section(wordcount)
    errors = [
        f"- {workload.title} {result.query.id} on {LABELS[name]}: {cell.failure.error}"
        for workload, results in runs for result in results for name, cell in result.cells.items() if cell.failure
    ]
    lines += ["", "## Errors", ""] + (errors or ["None."])
    lines += ["", "## Not run", ""]
    lines += [f"- {LABELS.get(name, name)}: {one_line(reason, 600)}" for name, reason in not_run.items()] or ["Everything ran."]
    return "\n".join(lines) + "\n"


def report_json(meta, runs, not_run, micro, kv=None, wordcount=None) -> dict:
    return {
        "metadata": meta,
        "not_run": not_run,
        "workloads": {
            workload.name: {
                "title": workload.title,
                "queries": {
                    result.query.id: {
                        "title": result.query.title,
                        "rows_differ": result.rows_differ,
                        "ratios": {peer: result.ratio(peer) for peer in workload.peers},
                        "systems": {name: cell.to_json() for name, cell in result.cells.items()},
                    }
                    for result in results
                },
            }
            for workload, results in runs
        },
        "micro_benchmarks": micro,
        "kv_store": kv,
        "wordcount": wordcount,
    }


def summary(runs: list[tuple[Workload, list[QueryResult]]]) -> list[str]:
    lines = []
    for workload, results in runs:
        complete, totals = workload_totals(results)
        text = ", ".join(f"{LABELS[system]} {fmt_ms(total)} ms" for system, total in totals.items())
        lines.append(f"{workload.title}: {complete}/{len(results)} queries ran everywhere; totals over those: {text or '—'}")
        for peer in workload.peers:
            ratio = geomean([r.ratio(peer) for r in results if r.ratio(peer) is not None])
            if ratio is not None:
                lines.append(f"  geometric mean ENMA/{LABELS[peer]}: {ratio:.2f}")
        failures = sum(1 for r in results for c in r.cells.values() if c.failure)
        differ = [r.query.id for r in results if r.rows_differ]
        if failures or differ:
            lines.append(f"  {failures} failed (query, system) pairs; rows differ: {', '.join(differ) or 'none'}")
    return lines


# --- Command line -------------------------------------------------------------------


# the options that only matter when the benchmarks run (not with --from-json)
RUN_OPTIONS = (
    "tpch", "tpch_ddl", "energy", "energy_ddl", "sf", "meters", "reps", "warmup",
    "enma", "bench_bin", "systems", "work", "query_timeout",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tpch", type=Path, help="TPC-H Parquet data: DIR/<table>/*.parquet")
    parser.add_argument("--tpch-ddl", type=Path, help="HiveQL script declaring database tpch for ENMA")
    parser.add_argument("--energy", type=Path, help="energy data: DIR/meters/*.parquet, DIR/readings/month=YYYY-MM/*.parquet")
    parser.add_argument("--energy-ddl", type=Path, help="HiveQL script declaring database energy for ENMA")
    parser.add_argument("--sf", type=float, help="TPC-H scale factor (for the report)")
    parser.add_argument("--meters", type=int, help="meters in the energy data (for the report)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs per query and system (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up runs per query and system (default 1)")
    parser.add_argument("--enma", type=Path, help="the enma binary")
    parser.add_argument("--bench-bin", type=Path, help="the enma-bench binary")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS), help=f"comma list (default: {','.join(ALL_SYSTEMS)})")
    parser.add_argument("--work", type=Path, help="scratch directory: data dirs, logs, cluster (default: a new temporary one)")
    parser.add_argument("--criterion", type=Path, help="criterion output (target/criterion) to summarise")
    parser.add_argument("--kv-json", type=Path, help="benches/kv.sh's results, for the key-value store section")
    parser.add_argument(
        "--wordcount-json", type=Path,
        help="benches/mapreduce/wordcount.py's results, for the word count (MapReduce) section",
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "report.md", help="the report (default benches/report.md)")
    parser.add_argument("--query-timeout", type=float, default=600, help="seconds before a run counts as failed (default 600)")
    parser.add_argument(
        "--from-json", type=Path, metavar="REPORT_JSON",
        help="run nothing: write the report, its JSON and plot again from an earlier report.json, keeping its "
        "date, commit and command (with --kv-json, --wordcount-json or --criterion, their results replace the stored ones)",
    )
    args = parser.parse_args(argv)

    if args.from_json is not None:
        running = [name for name in RUN_OPTIONS if getattr(args, name) != parser.get_default(name)]
        if running:
            parser.error(f"--from-json runs nothing; drop {', '.join('--' + name.replace('_', '-') for name in running)}")
        if not args.from_json.is_file():
            parser.error(f"--from-json {args.from_json} is not a file")
        return args

    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in args.systems if s not in LABELS]
    if unknown:
        parser.error(f"unknown systems {', '.join(unknown)} (known: {', '.join(ALL_SYSTEMS)})")
    if args.tpch is None and args.energy is None:
        parser.error("give --tpch or --energy (or both)")
    if args.reps < 1 or args.warmup < 0 or args.query_timeout <= 0:
        parser.error("--reps must be at least 1, --warmup at least 0, --query-timeout positive")
    wants_enma = any(s in ENMA_SYSTEMS for s in args.systems)
    for name in ("tpch", "energy"):
        data, ddl = getattr(args, name), getattr(args, f"{name}_ddl")
        if data is not None and not data.is_dir():
            parser.error(f"--{name} {data} is not a directory")
        if data is not None and wants_enma and ddl is None:
            parser.error(f"--{name} needs --{name}-ddl for the ENMA systems")
        if ddl is not None and not ddl.is_file():
            parser.error(f"--{name}-ddl {ddl} is not a file")
    return args


# name, title, tables, the systems that can run it (in table order), ENMA's peers, query files
WORKLOAD_SPECS = (
    ("tpch", "TPC-H", TPCH_TABLES, ("enma", "enma-rest", "enma-cluster", "datafusion", "duckdb", "spark"), ("datafusion", "duckdb", "spark"), "q*.sql"),
    ("energy", "Energy", ENERGY_TABLES, ("enma", "enma-rest", "enma-cluster", "spark"), ("spark",), "e*.sql"),
)


def load_workloads(args: argparse.Namespace, not_run: dict[str, str]) -> dict[str, Workload]:
    workloads = {}
    for name, title, tables, systems, peers, pattern in WORKLOAD_SPECS:
        data = getattr(args, name)
        if data is None:
            not_run[f"{title} workload"] = f"no --{name} given"
            continue
        queries = [Query.load(path) for path in sorted((BENCH_DIR / name / "queries").glob(pattern))]
        if not queries:
            not_run[f"{title} workload"] = f"no queries in {BENCH_DIR / name / 'queries'}"
            continue
        ddl = getattr(args, f"{name}_ddl")
        workloads[name] = Workload(name, title, data.resolve(), ddl.resolve() if ddl else None, tables, systems, peers, queries)
    return workloads


def interrupt_on_sigterm() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json is not None:
        return rerender(args)
    interrupt_on_sigterm()
    work = (args.work or Path(tempfile.mkdtemp(prefix="enma-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log(f"scratch directory (logs under logs/): {work}")

    not_run: dict[str, str] = {name: "not selected with --systems" for name in ALL_SYSTEMS if name not in args.systems}
    workloads = load_workloads(args, not_run)
    if not workloads:
        log("nothing to run: " + "; ".join(not_run.values()))
        return 1
    if "spark" in args.systems:
        ensure_java_home()
    ctx = Context(work, args.query_timeout, workloads, args.enma, args.bench_bin)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "versions": versions(args.bench_bin),
        "sf": args.sf,
        "meters": args.meters,
        "reps": args.reps,
        "warmup": args.warmup,
        "query_timeout": args.query_timeout,
        "systems": args.systems,
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }

    started: list[System] = []
    try:
        start_systems(args.systems, ctx, not_run, started)
        runs = run_workloads(started, workloads, args, not_run)
    except KeyboardInterrupt:
        log("interrupted; stopping what was started")
        return 130
    finally:
        stop_systems(started)

    micro = criterion_results(args.criterion) if args.criterion else []
    if args.criterion and not micro:
        log(f"no criterion results under {args.criterion}")
    extra = {}
    for key, option, load, entry, script in EXTRA_SECTIONS:
        if path := getattr(args, option):
            try:
                extra[key] = load(path)
            except (OSError, ValueError) as e:
                not_run[entry] = f"no results from {script}: {e}"
    write_report(args.out, meta, runs, not_run, micro, extra.get("kv_store"), extra.get("wordcount"))
    return 0


def write_report(
    out: Path, meta: dict, runs, not_run: dict[str, str], micro: list[dict], kv: dict | None, wordcount: dict | None
) -> None:
    """The report at out, with report-ratios.png and report.json next to it; the
    Findings section of the report already at out is kept."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    plot = out.with_name(f"{out.stem}-ratios.png")
    plot_missing = plot_ratios(plot, runs)
    findings = previous_findings(out)
    out.write_text(render_report(meta, runs, not_run, plot.name, plot_missing, micro, findings, kv, wordcount))
    out.with_suffix(".json").write_text(json.dumps(report_json(meta, runs, not_run, micro, kv, wordcount), indent=1) + "\n")

    for line in summary(runs):
        log(line)
    log(f"report: {out}" + (f"; plot: {plot}" if plot_missing is None else f"; no plot ({plot_missing})"))


# --- Re-rendering an earlier report.json (--from-json) ------------------------------


def option_value(command: str, flag: str) -> str | None:
    """The value of `flag` in a recorded command line, if it is there."""
    with contextlib.suppress(ValueError):
        words = shlex.split(command)
        for i, word in enumerate(words):
            if word == flag and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


def runs_from_json(data: dict) -> list[tuple[Workload, list[QueryResult]]]:
    """The workloads and their results back from what report_json wrote: each
    system's runs as recorded, from which medians, ratios and row counts follow."""
    specs = {spec[0]: spec for spec in WORKLOAD_SPECS}
    command = data["metadata"].get("command") or ""
    runs = []
    for name, stored in data["workloads"].items():
        if name not in specs:
            raise ValueError(f"unknown workload {name!r} (known: {', '.join(specs)})")
        _, _, tables, systems, peers, _ = specs[name]
        queries_dir = BENCH_DIR / name / "queries"
        data_dir, ddl = option_value(command, f"--{name}"), option_value(command, f"--{name}-ddl")
        workload = Workload(
            name, stored["title"], Path(data_dir or "."), Path(ddl) if ddl else None, tables, systems, peers, []
        )
        results = []
        for query_id, q in stored["queries"].items():
            path = (queries_dir / f"{query_id}.sql").resolve()
            query = Query(query_id, q["title"], path, path.read_text() if path.is_file() else "")
            workload.queries.append(query)
            cells = {}
            for system, c in q["systems"].items():
                if system not in systems:
                    raise ValueError(f"{name} {query_id}: system {system!r} does not run this workload")
                cells[system] = Cell([
                    Run(r["status"], r["ms"], r["wall_ms"], r.get("rows"), r.get("error"), r.get("warmup", False))
                    for r in c["runs"]
                ])
                again = cells[system].to_json()
                if any(again[key] != c.get(key) for key in ("status", "median_ms", "median_wall_ms", "rows", "error")):
                    log(f"warning: {name} {query_id} on {system}: the stored summary differs from its runs; the report follows the runs")
            results.append(QueryResult(query, cells))
        runs.append((workload, results))
    return runs


def rerender(args: argparse.Namespace) -> int:
    """--from-json: the report written again from an earlier report.json, with
    that run's metadata and a line saying when and how it was re-rendered."""
    try:
        data = json.loads(args.from_json.read_text())
        meta = data["metadata"]
        runs = runs_from_json(data)
        not_run = dict(data.get("not_run") or {})
        micro = list(data.get("micro_benchmarks") or [])
        extra = {key: data.get(key) for key, *_ in EXTRA_SECTIONS}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        log(f"--from-json {args.from_json}: not a report.json written by run.py ({type(e).__name__}: {e})")
        return 1
    if args.criterion:
        micro = criterion_results(args.criterion)
        if not micro:
            log(f"no criterion results under {args.criterion}")
            return 1
    for key, option, load, entry, _ in EXTRA_SECTIONS:
        if path := getattr(args, option):
            try:
                extra[key] = load(path)
            except (OSError, ValueError) as e:
                log(f"--{option.replace('_', '-')} {path}: {e}")
                return 1
            not_run.pop(entry, None)
    meta["rerendered"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }
    write_report(args.out, meta, runs, not_run, micro, extra.get("kv_store"), extra.get("wordcount"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
