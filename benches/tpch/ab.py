#!/usr/bin/env python3
"""Compares two builds of ENMA on TPC-H, side by side in one run.

Starts one `enma-bench worker --system enma` of each build (A and B), each
with its own data directory and the TPC-H tables' DDL, and runs every query
on both in turn (A B, B A, A B, ...), after one warm-up run each. The time is the
worker's own (plan, execute, collect). Prints a table of medians and the
ratio A/B per query, and the geometric mean of the ratios.

    benches/tpch/ab.py --a NEW/enma-bench --b OLD/enma-bench --tpch DATA/tpch-sf1 [--reps 5]

DATA comes from `enma-bench gen-tpch --sf 1 --out DATA/tpch-sf1` (with its ddl.hql).
"""

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "queries"


class Worker:
    def __init__(self, binary: Path, data: Path, work: Path, log: Path):
        self.log = log.open("w")
        cmd = [str(binary), "worker", "--system", "enma", "--data-dir", str(work), "--ddl", str(data / "ddl.hql")]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        # The worker says `ready` once the DDL has run.
        assert self.proc.stdout
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            sys.exit(f"{binary}: the worker said {line!r} instead of 'ready'; see {log}")

    def run(self, query: Path) -> tuple[float, int]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"run tpch {query}\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if not reply.startswith("ok "):
            sys.exit(f"{query.name}: {reply or 'the worker exited; see ' + self.log.name}")
        _, ms, rows = reply.split()
        return float(ms), int(rows)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="enma-bench of build A (the new one)")
    parser.add_argument("--b", type=Path, required=True, help="enma-bench of build B (the baseline)")
    parser.add_argument("--tpch", type=Path, required=True, help="TPC-H data with its ddl.hql")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per query and build (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="enma-ab-") as tmp:
        work = Path(tmp)
        a = Worker(args.a, args.tpch, work / "a", work / "a.log")
        b = Worker(args.b, args.tpch, work / "b", work / "b.log")
        print(f"{'query':<6}{'A ms':>10}{'B ms':>10}{'A/B':>8}  rows")
        ratios = []
        totals = [0.0, 0.0]
        for query in sorted(QUERIES.glob("q*.sql")):
            a_rows, b_rows = a.run(query)[1], b.run(query)[1]
            if a_rows != b_rows:
                sys.exit(f"{query.name}: A returned {a_rows} rows, B {b_rows}")
            times: tuple[list[float], list[float]] = ([], [])
            # Which build goes first alternates, so neither gains from the other's warm caches.
            for rep in range(args.reps):
                if rep % 2 == 0:
                    times[0].append(a.run(query)[0])
                    times[1].append(b.run(query)[0])
                else:
                    times[1].append(b.run(query)[0])
                    times[0].append(a.run(query)[0])
            ma, mb = statistics.median(times[0]), statistics.median(times[1])
            totals[0] += ma
            totals[1] += mb
            ratios.append(ma / mb)
            print(f"{query.stem:<6}{ma:>10.1f}{mb:>10.1f}{ma / mb:>8.3f}  {a_rows}", flush=True)
        a.close()
        b.close()
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"{'total':<6}{totals[0]:>10.1f}{totals[1]:>10.1f}{totals[0] / totals[1]:>8.3f}")
    print(f"geometric mean of A/B over {len(ratios)} queries: {geomean:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
