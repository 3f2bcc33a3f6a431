#!/usr/bin/env python3
"""Checks that the test build reuses every third-party artifact of the binary's build.

`cargo run -- demo` builds the root package `enma` (its lib and bin) and
`bash tests/run.sh` runs `cargo test --workspace --all-targets`. Cargo
resolves features per command, over the packages it selects, so without the
workspace hack (crates/workspace-hack, made by `cargo hakari generate`) the
two commands built DataFusion and its neighbours twice, with different
features. This script lists the compiled artifacts of both commands with
`--message-format=json` (their file names embed a hash of the package's
features, dependencies and profile) and prints every third-party package
whose artifacts differ between the two.

Usage (from anywhere in the workspace; both builds run, so the first run
after a change compiles what changed):

    python3 tests/layers/features.py
    python3 tests/layers/features.py --from build.json test.json   # saved outputs

Exit status 1 if a third-party package shared by both builds has different
artifacts in each, or if the binary's build has a package the test build
lacks.
"""

import json
import os
import subprocess
import sys
from collections import defaultdict

BUILD = ["cargo", "build", "-p", "enma", "--bin", "enma", "--message-format=json"]
TEST = ["cargo", "test", "--workspace", "--all-targets", "--no-run", "--message-format=json"]


def run(cmd: list[str]) -> list[str]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    print("==", " ".join(cmd), file=sys.stderr)
    out = subprocess.run(cmd, cwd=root, check=True, stdout=subprocess.PIPE, text=True).stdout
    return out.splitlines()


def artifacts(lines: list[str]) -> dict[str, set[str]]:
    """Third-party package (name@version) -> file names of its artifacts and build-script outputs."""
    by_package: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        package_id = msg.get("package_id", "")
        if package_id.startswith("path+"):
            continue  # the workspace's own crates
        name = package_id.rsplit("#", 1)[-1]
        if msg.get("reason") == "compiler-artifact":
            for f in msg["filenames"]:
                by_package[name].add(os.path.basename(f))
        elif msg.get("reason") == "build-script-executed":
            by_package[name].add("out:" + os.path.basename(os.path.dirname(msg["out_dir"])))
    return by_package


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--from":
        build_lines = open(argv[1]).read().splitlines()
        test_lines = open(argv[2]).read().splitlines()
    elif not argv:
        build_lines, test_lines = run(BUILD), run(TEST)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    build, test = artifacts(build_lines), artifacts(test_lines)
    shared = sorted(build.keys() & test.keys())
    differ = [p for p in shared if build[p] != test[p]]
    missing = sorted(build.keys() - test.keys())
    for p in differ:
        print(f"differs: {p}")
        print(f"    build only: {sorted(build[p] - test[p])}")
        print(f"    test only:  {sorted(test[p] - build[p])}")
    for p in missing:
        print(f"in the binary's build only: {p}")
    print(
        f"features: {len(build)} third-party packages in the binary's build, "
        f"{len(test)} in the test build, {len(differ)} with different artifacts, "
        f"{len(missing)} missing from the test build"
    )
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
