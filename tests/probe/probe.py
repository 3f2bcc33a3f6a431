#!/usr/bin/env python3
"""Robustness probe: hostile and careless requests against a real `enma serve`.

Starts the given binary with a fresh data directory, `--memory-limit 256M`,
`--query-timeout 2`, one allowed directory and `--allow-command 'cat*'`, with
HBase's REST and Thrift APIs on, then sends the cases of the robustness issue
(escapes from the warehouse and the allowed directories, the environment,
shell injection, deep statements, big results, timeouts, leftovers, frames
and keys past HBase's limits). Prints one line per case and a summary: cases
tried, 5xx answers, crashes (the server gone), unexpected outcomes and the
server's peak RSS. Exit status 1 when a case is unexpected or the server died.

    python3 tests/probe/probe.py target/release/enma [--query-timeout SECONDS]

A debug build plans long operator chains several times slower than a release
build: give it a longer query timeout (the timeout case then waits as long).
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, root, query_timeout):
        self.root = root
        self.allowed = os.path.join(root, "allowed")
        self.secret = os.path.join(root, "secret")
        os.makedirs(self.allowed)
        os.makedirs(self.secret)
        with open(os.path.join(self.secret, "data.txt"), "w") as f:
            f.write("top secret\n")
        os.symlink(self.secret, os.path.join(self.allowed, "link"))
        self.port, self.rest, self.thrift = free_port(), free_port(), free_port()
        env = dict(os.environ, ENMA_S3_SECRET_ACCESS_KEY="probe-secret-value", ENMA_LOG="error")
        self.proc = subprocess.Popen(
            [binary, "--data-dir", os.path.join(root, "data"), "--memory-limit", "256M",
             "--allow-local-dir", self.allowed, "--allow-command", "cat*",
             "serve", "--listen", f"127.0.0.1:{self.port}", "--query-timeout", str(query_timeout),
             "--hbase", "--hbase-rest-listen", f"127.0.0.1:{self.rest}",
             "--hbase-thrift-listen", f"127.0.0.1:{self.thrift}"],
            env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.peak = 0
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                self.request("GET", f"http://127.0.0.1:{self.port}/health", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def alive(self):
        return self.proc.poll() is None

    def rss_peak_mb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def request(self, method, url, body=None, headers=None, timeout=60):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def sql(self, sql, timeout=60):
        return self.request("POST", f"http://127.0.0.1:{self.port}/v1/sql", {"sql": sql}, timeout=timeout)

    def api(self, method, path, body=None, headers=None):
        return self.request(method, f"http://127.0.0.1:{self.port}{path}", body, headers)

    def hbase(self, method, path, body=None, headers=None):
        return self.request(method, f"http://127.0.0.1:{self.rest}{path}", body, headers)


def main():
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--query-timeout"):
        raise SystemExit(__doc__)
    binary = os.path.abspath(args[0])
    query_timeout = int(args[2]) if len(args) == 3 else 2
    root = tempfile.mkdtemp(prefix="enma-probe-")
    server = Server(binary, root, query_timeout)
    results = []

    def case(name, run, ok, expected_5xx=None):
        """Runs one case; `ok(status, body)` says whether the outcome is the fixed one."""
        started = time.time()
        try:
            status, body = run()
        except Exception as e:  # a dropped connection or a timeout
            status, body = None, str(e).encode()
        took = time.time() - started
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        alive = server.alive()
        good = alive and status is not None and (status < 500 or status == expected_5xx) and ok(status, text)
        results.append((name, status, took, alive, good))
        print(f"{'ok ' if good else 'BAD'} {str(status):>4} {took:6.2f}s  {name}  {text[:140]!r}")
        if not alive:
            raise SystemExit(f"the server died on: {name}\n{server.proc.stderr.read().decode()[-2000:]}")

    refused = lambda *codes: (lambda s, t: s in codes and '"error"' in t)
    fine = lambda s, t: s == 200
    secret = server.secret

    # 1-3: names and locations
    case("table named ../../etc", lambda: server.sql("CREATE TABLE `../../../../../../../../etc` (line STRING) STORED AS TEXTFILE"), refused(400))
    case("managed table ../../victim", lambda: server.sql("CREATE TABLE `../../victim` (x INT)"), refused(400))
    case("database ../../x", lambda: server.sql("CREATE DATABASE `../../x`"), refused(400))
    case("NUL in a table name", lambda: server.sql("CREATE TABLE `a\u0000b` (x INT)"), refused(400))
    case("LOCATION with ..", lambda: server.sql(f"CREATE EXTERNAL TABLE e1 (l STRING) LOCATION '{server.allowed}/../../../../{secret}'"), refused(403))
    case("LOCATION through a link", lambda: server.sql(f"CREATE EXTERNAL TABLE e2 (l STRING) LOCATION '{server.allowed}/link'"), refused(403))
    # 4: environment
    case("${env:} of a secret", lambda: server.sql("SELECT '${env:ENMA_S3_SECRET_ACCESS_KEY}' AS v"),
         lambda s, t: s == 200 and "probe-secret-value" not in t)
    # 5: shell injection
    marker = os.path.join(root, "injected")
    case("TRANSFORM 'cat; touch'", lambda: server.sql(f"SELECT TRANSFORM (1) USING 'cat; touch {marker}' FROM (SELECT 1) t"),
         lambda s, t: s == 403 and not os.path.exists(marker))
    with open(os.path.join(server.allowed, "in.txt"), "w") as f:
        f.write("a b\n")
    case("MapReduce mapper 'cat; touch'", lambda: server.api("POST", "/v1/mapreduce", {
        "input": [os.path.join(server.allowed, "in.txt")], "output": os.path.join(server.allowed, "out1"),
        "mapper": f"cat; touch {marker}", "reducer": "cat"}),
         lambda s, t: s == 403 and not os.path.exists(marker))
    # 6: deep statements
    case("400 UNION ALL branches", lambda: server.sql(" UNION ALL ".join(["SELECT 1"] * 400)), fine)
    case("2,000-term 1+1+...", lambda: server.sql("SELECT " + "+".join(["1"] * 2000)), fine)
    case("2,000-term OR chain", lambda: server.sql("SELECT 1 WHERE " + " OR ".join(["1=1"] * 2000)), fine)
    case("50,000-term 1+1+...", lambda: server.sql("SELECT " + "+".join(["1"] * 50000)), refused(400))
    # 9: memory
    case("length(repeat('x', 2^28)) x 4", lambda: server.sql("SELECT length(repeat(cast(value AS STRING), 268435456)) FROM range(4)"),
         lambda s, t: s in (200, 400))
    case("repeat: 16 MB x 64 rows", lambda: server.sql("SELECT length(repeat(cast(value % 10 AS STRING), 16000000)) FROM range(64)"),
         refused(400))
    case("MapReduce num_reducers 100000", lambda: server.api("POST", "/v1/mapreduce", {
        "input": [os.path.join(server.allowed, "in.txt")], "output": os.path.join(server.allowed, "out2"),
        "job": "wordcount", "num_reducers": 100000}), refused(400))
    # 11: file:// output
    case("MapReduce file:// output", lambda: server.api("POST", "/v1/mapreduce", {
        "input": ["file://" + os.path.join(server.allowed, "in.txt")], "output": "file://" + os.path.join(server.allowed, "out3"),
        "job": "wordcount"}), lambda s, t: s == 202 and not os.path.exists(os.path.join(root, "file:")))
    # 13: error shapes
    case("in_file refused", lambda: server.sql(f"SELECT in_file('x', '{secret}/data.txt')"), refused(403))
    case("reflect refused", lambda: server.sql("SELECT reflect('java.lang.Runtime', 'exec', 'id')"), refused(400))
    case("regex too large", lambda: server.sql("SELECT 'a' RLIKE '(a{1000}){1000}'"), lambda s, t: s in (200, 400))
    case("bad JSON to /v1/mapreduce", lambda: server.api("POST", "/v1/mapreduce", b"{not json"), refused(400, 415, 422))
    case("bad UTF-8 in a path", lambda: server.api("GET", "/v1/databases/%FF%FE/tables"), refused(400, 404))
    case("URI of 70 KB", lambda: server.api("GET", "/v1/databases/" + "x" * 70000), lambda s, t: s in (400, 404, 414))
    # HBase REST (8, 9, 13)
    case("HBase REST: create table", lambda: server.hbase("PUT", "/t1/schema", b'{"name":"t1","ColumnSchema":[{"name":"f"}]}',
         {"Content-Type": "application/json", "Accept": "application/json"}), lambda s, t: s in (200, 201))
    long_key = "k" * 70000
    case("HBase REST: 70,000-byte row key", lambda: server.hbase("PUT", f"/t1/{long_key}/f:a", b"v",
         {"Content-Type": "application/octet-stream"}), lambda s, t: s in (400, 414))
    b64 = lambda v: __import__("base64").b64encode(v).decode()
    cellset = {"Row": [{"key": b64(b"k" * 70000), "Cell": [{"column": b64(b"f:a"), "$": b64(b"v")}]}]}
    case("HBase REST: 70,000-byte row key in a CellSet", lambda: server.hbase("PUT", "/t1/fakerow", json.dumps(cellset).encode(),
         {"Content-Type": "application/json"}), refused(400))
    case("HBase REST: empty PUT", lambda: server.hbase("PUT", "/t1/row1", b'{"Row":[]}',
         {"Content-Type": "application/json"}), lambda s, t: s == 400)
    # 9: four concurrent stateless scans of a 48 MB table stream instead of gathering it
    def big_scans():
        status, _ = server.hbase("PUT", "/big/schema", b'{"name":"big","ColumnSchema":[{"name":"f"}]}',
                                 {"Content-Type": "application/json"})
        value = b64(b"v" * 1000)
        for batch in range(48):
            rows = [{"key": b64(b"row%06d" % (batch * 1000 + i)), "Cell": [{"column": b64(b"f:a"), "$": value}]}
                    for i in range(1000)]
            status, body = server.hbase("PUT", "/big/fakerow", json.dumps({"Row": rows}).encode(),
                                        {"Content-Type": "application/json"})
            if status >= 300:
                return status, body
        before = server.rss_peak_mb()
        sizes = []

        def scan():
            status, body = server.hbase("GET", "/big/*", headers={"Accept": "application/json"})
            sizes.append((status, len(body)))

        threads = [threading.Thread(target=scan) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = server.rss_peak_mb()
        ok = all(s == 200 and n > 48_000_000 for s, n in sizes)
        return (200 if ok else 500), f"peak RSS {before:.0f} -> {after:.0f} MB over 4 scans of {sizes[0][1] / 1e6:.0f} MB each".encode()
    case("HBase REST: 4 concurrent scans of a 48 MB table", big_scans,
         lambda s, t: float(t.split()[4]) - float(t.split()[2]) < 200)
    # 7: Thrift frames announced but not sent
    def thrift_frames():
        socks = []
        for _ in range(64):
            s = socket.create_connection(("127.0.0.1", server.thrift))
            s.sendall(struct.pack(">I", 16 << 20) + b"\x80\x01\x00\x01\x00")
            socks.append(s)
        time.sleep(2)
        rss = server.rss_peak_mb()
        for s in socks:
            s.close()
        return 200, f"peak RSS {rss:.0f} MB".encode()
    case("HBase Thrift: 64 x 16 MB frames announced", thrift_frames, lambda s, t: float(t.split()[2]) < 600)

    # 10: timeout
    case("cross join past the query timeout", lambda: server.sql(
        "SELECT a.value FROM range(200000) a CROSS JOIN range(200000) b WHERE (a.value*b.value)%1000003=5"),
         lambda s, t: s == 504, expected_5xx=504)
    results[-1] = results[-1][:4] + (results[-1][4] and results[-1][2] < query_timeout + 1.0,)
    case("health while the cancelled join unwinds", lambda: server.api("GET", "/health"), lambda s, t: s == 200)
    # The server must still answer queries.
    case("still alive", lambda: server.sql("SELECT 40 + 2 AS answer"), lambda s, t: s == 200 and "42" in t)
    peak = server.rss_peak_mb()
    server.proc.terminate()
    server.proc.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)
    fives = sum(1 for r in results if r[1] is not None and r[1] >= 500 and r[0] != "cross join past the query timeout")
    bad = [r[0] for r in results if not r[4]]
    print(f"\ncases {len(results)}, 5xx {fives}, crashes 0, unexpected {len(bad)}, peak RSS {peak:.0f} MB")
    for name in bad:
        print(f"  unexpected: {name}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
