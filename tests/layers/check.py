#!/usr/bin/env python3
"""Fails if a crate of the workspace depends on a crate of a higher layer.

Reads `cargo metadata` and checks every dependency between the workspace's
own crates (normal, build and dev) against the layers below, which are the
ones ARCHITECTURE.md draws. A crate may depend on crates of its own layer or
lower ones; Cargo already refuses cycles. A crate missing from the table
fails the check too, so a new crate has to say where it belongs.

Usage: python3 tests/layers/check.py  (from anywhere in the workspace)
"""

import json
import subprocess
import sys

# Lowest first. Crates in one layer may depend on each other (one way: Cargo refuses cycles).
LAYERS = [
    ("test data", ["enma-datagen"]),
    ("foundations", ["enma-common", "enma-values"]),
    ("functions and stores", ["enma-udfs", "enma-kv", "enma-storage"]),
    ("catalog", ["enma-metastore"]),
    ("HiveQL front end", ["enma-hive"]),
    ("engine", ["enma-engine"]),
    ("extensions", ["enma-hbase-handler", "enma-mapreduce", "enma-cluster"]),
    ("HTTP plumbing", ["enma-http"]),
    ("services", ["enma-sql-api", "enma-hbase-server"]),
    ("binary", ["enma"]),
    ("benchmarks", ["enma-bench", "enma-kv-bench"]),
]

# Exceptions, each as (crate, dependency): "the reason". None today.
ALLOWED: dict[tuple[str, str], str] = {}


def main() -> int:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    meta = json.loads(out)
    layer_of = {}
    for rank, (_, crates) in enumerate(LAYERS):
        for crate in crates:
            layer_of[crate] = rank
    ours = {p["name"] for p in meta["packages"]}
    errors = []
    for crate in sorted(ours - layer_of.keys()):
        errors.append(f"{crate} is in no layer: add it to LAYERS in tests/layers/check.py")
    for package in meta["packages"]:
        name = package["name"]
        for dep in package["dependencies"]:
            target = dep["name"]
            if target not in ours or name not in layer_of or target not in layer_of:
                continue
            if (name, target) in ALLOWED:
                continue
            if layer_of[target] > layer_of[name]:
                kind = dep.get("kind") or "normal"
                errors.append(
                    f"{name} ({LAYERS[layer_of[name]][0]}) depends on {target} "
                    f"({LAYERS[layer_of[target]][0]}), a higher layer [{kind}]"
                )
    if errors:
        print("layers: FAILED")
        for e in errors:
            print(f"  {e}")
        return 1
    edges = sum(1 for p in meta["packages"] for d in p["dependencies"] if d["name"] in ours)
    print(f"layers: ok ({len(ours)} crates, {edges} dependencies between them, {len(LAYERS)} layers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
