"""Word count over generated text: ENMA's Rust job and ENMA running the Python
streaming scripts beside this file, embedded and on a loopback cluster (a
scheduler and two executors of one task slot each, from cluster/local.sh),
and Spark (`local[2]`, RDD and DataFrame), each checked against a reference
count. Prints a markdown table and writes JSON.

    python benches/mapreduce/wordcount.py --enma target/release/enma [--mb 100] [--runs 2] [--no-cluster]

Run with the benchmark venv's Python (benches/run.sh makes it), which has pyspark.
"""
import argparse
import collections
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def generate(path: Path, size: int) -> None:
    """Deterministic text: 12 words a line from a 20,000-word Zipf vocabulary."""
    rng = random.Random(7)
    vocab = [f"w{i}" + "x" * (i % 6) for i in range(20000)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    written = 0
    with open(path, "w") as f:
        while written < size:
            words = rng.choices(vocab, weights, k=120000)
            chunk = "\n".join(" ".join(words[i:i + 12]) for i in range(0, len(words), 12)) + "\n"
            f.write(chunk)
            written += len(chunk)


def reference(path: Path) -> dict:
    counts = collections.Counter()
    with open(path) as f:
        for line in f:
            counts.update(line.split())
    return dict(counts)


def read_output(out: Path) -> dict:
    counts = {}
    for part in sorted(out.glob("part-*")):
        for line in part.read_text().splitlines():
            word, n = line.split("\t")
            counts[word] = int(n)
    return counts


def enma_job(enma: Path, work: Path, text: Path, args: list, scheduler: str = None) -> float:
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    cluster = ["--scheduler", scheduler] if scheduler else []
    start = time.perf_counter()
    subprocess.run([str(enma), "--data-dir", str(work / "data"), *cluster, "mapreduce", "--input", str(text), "--output", str(out), *args],
                   check=True, capture_output=True)
    seconds = time.perf_counter() - start
    return seconds, read_output(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and two one-slot executors (2 cores: one task per core), via cluster/local.sh."""

    def __init__(self, enma: Path, work: Path):
        self.dir = work / "cluster"
        port = free_port()
        self.env = dict(os.environ, ENMA_SCHEDULER_PORT=str(port), ENMA_EXECUTOR_BASE_PORT=str(free_port()),
                        ENMA_EXECUTOR_SLOTS="1")
        self.script = HERE.parent.parent / "cluster" / "local.sh"
        self.url = f"df://127.0.0.1:{port}"
        subprocess.run(["bash", str(self.script), "start", "-n", "2", "--dir", str(self.dir), "--bin", str(enma)],
                       env=self.env, check=True, capture_output=True)

    def stop(self):
        subprocess.run(["bash", str(self.script), "stop", "--dir", str(self.dir)], env=self.env, capture_output=True)


def spark_jobs(text: Path, runs: int) -> dict:
    from pyspark.sql import SparkSession, functions as F
    spark = (SparkSession.builder.master("local[2]").config("spark.driver.memory", "8g")
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    times = {"Spark RDD (Python)": [], "Spark DataFrame": []}
    results = {}
    for _ in range(runs):
        start = time.perf_counter()
        rdd = spark.sparkContext.textFile(str(text)).flatMap(lambda l: l.split()).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
        results["Spark RDD (Python)"] = dict(rdd.collect())
        times["Spark RDD (Python)"].append(time.perf_counter() - start)
        start = time.perf_counter()
        df = (spark.read.text(str(text)).select(F.explode(F.split(F.col("value"), " ")).alias("w"))
              .where("w != ''").groupBy("w").count())
        results["Spark DataFrame"] = {r["w"]: r["count"] for r in df.collect()}
        times["Spark DataFrame"].append(time.perf_counter() - start)
    spark.stop()
    return times, results


def main() -> int:
    # Unbuffered Python (a setting some shells export) writes every `print` of the
    # streaming scripts with its own system call and makes them several times slower;
    # no Hadoop or Spark worker runs that way, so neither does this benchmark.
    os.environ.pop("PYTHONUNBUFFERED", None)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enma", type=Path, required=True, help="the enma binary (release)")
    ap.add_argument("--mb", type=int, default=100, help="megabytes of text (default 100)")
    ap.add_argument("--runs", type=int, default=2, help="runs per system; the best is reported (default 2)")
    ap.add_argument("--data", type=Path, default=Path.home() / ".cache/enma-bench-data", help="where the text is kept")
    ap.add_argument("--json", type=Path, default=HERE.parent / "wordcount-results.json")
    ap.add_argument("--no-cluster", action="store_true", help="skip the loopback cluster runs")
    args = ap.parse_args()
    text = args.data / f"wordcount-{args.mb}mb.txt"
    if not text.exists():
        args.data.mkdir(parents=True, exist_ok=True)
        generate(text.with_suffix(".partial"), args.mb * 1_000_000)
        text.with_suffix(".partial").rename(text)
    size = text.stat().st_size
    expected = reference(text)
    work = Path(tempfile.mkdtemp(prefix="enma-wordcount-"))
    systems = {
        "ENMA Rust job": ["--job", "wordcount", "--num-reducers", "2"],
        "ENMA streaming (Python)": ["--mapper", f"python3 {HERE / 'map.py'}", "--reducer", f"python3 {HERE / 'reduce.py'}", "--num-reducers", "2"],
    }
    runs = [(name, flags, None) for name, flags in systems.items()]
    cluster = None
    if not args.no_cluster:
        cluster = Cluster(args.enma, work)
        runs += [(f"{name}, cluster", flags, cluster.url) for name, flags in systems.items()]
    times = {name: [] for name, _, _ in runs}
    try:
        for _ in range(args.runs):
            for name, flags, scheduler in runs:
                seconds, counts = enma_job(args.enma, work, text, flags, scheduler)
                if counts != expected:
                    print(f"{name}: output differs from the reference", file=sys.stderr)
                    return 1
                times[name].append(seconds)
    finally:
        if cluster:
            cluster.stop()
    spark_times, spark_results = spark_jobs(text, args.runs)
    for name, counts in spark_results.items():
        if counts != expected:
            print(f"{name}: output differs from the reference", file=sys.stderr)
            return 1
    times.update(spark_times)
    shutil.rmtree(work, ignore_errors=True)
    rows = [{"system": n, "best_s": min(t), "runs_s": t, "mb_per_s": size / 1e6 / min(t)} for n, t in times.items()]
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "input_bytes": size, "words": sum(expected.values()),
              "distinct": len(expected), "runs": args.runs, "systems": rows}
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"Word count over {size / 1e6:.0f} MB ({result['words']:,} words, {len(expected):,} distinct), best of {args.runs} runs; every output equals the reference:\n")
    print("| system | best | MB/s | runs |\n|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['system']} | {r['best_s']:.2f} s | {r['mb_per_s']:.1f} | {', '.join(f'{t:.2f}' for t in r['runs_s'])} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
