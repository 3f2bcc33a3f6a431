#!/usr/bin/env python3
"""Replay scenarios against a running server and compare with the gold files.

    python replay.py --base http://127.0.0.1:PORT [--gold-dir DIR] scenario-name ...
    python replay.py --base http://127.0.0.1:PORT --all
    python replay.py --settings-out DIR [scenario-name ... | --all]

The server must already run with the scenario's settings (see --settings-out)
on an empty store. Each step is sent exactly as record.py sent it, masked the
same way and compared with gold/<name>.json: status, the kept headers (one
present on one side only is a difference) and the body as parsed JSON (dict
key order ignored, list order kept, 1 / 1.0 / true all distinct).
Prints a diff per failing step, then `replay <scenario>: N/M steps match`.
Exit code 1 if any step differs (or a gold file is missing), else 0.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
import harness  # noqa: E402


def replay_scenario(name, base, gold_dir, scenario_dir, verbose=False, known=None):
    """Replays one scenario. `known` maps the ids of steps expected to
    differ to why; the scenario passes when exactly those steps differ."""
    known = known or {}
    import requests

    sc = harness.load_scenario(name, scenario_dir)
    gold_path = os.path.join(gold_dir, name + ".json")
    if not os.path.exists(gold_path):
        print(f"replay {name}: no gold file {gold_path}")
        return False
    with open(gold_path, encoding="utf-8") as f:
        gold = {e["id"]: e for e in json.load(f)["steps"]}

    masker = harness.Masker(base=base)
    variables = {}
    session = requests.Session()
    matched = 0
    failed = []
    differing_known = []
    total = len(sc["steps"])
    for step in sc["steps"]:
        sid = step["id"]
        diffs = []
        notes = []
        try:
            method, path, headers, js, body = harness.prepare_request(step, variables)
        except harness.MissingVariable as e:
            print(f"\n--- step {sid}: DIFFERS\n    cannot build the request: variable {e} was not saved "
                  f"by an earlier step")
            failed.append(sid)
            continue
        try:
            resp = harness.send(session, base, method, path, headers, js, body)
        except requests.RequestException as e:
            print(f"\n--- step {sid}: DIFFERS\n    {method} {path}: request failed: {e}")
            failed.append(sid)
            continue
        parsed = harness.parse_body(resp)
        notes.extend(harness.save_values(step, resp, parsed, variables))
        actual = harness.record_entry(masker, step, method, path, headers, js, body, resp)
        expected = gold.get(sid)
        if expected is None:
            diffs.append("no gold entry for this step (record again)")
        else:
            diffs.extend(harness.compare_entries(expected, actual))
            if expected["request"] != actual["request"]:
                notes.append("the masked request differs from the recorded one: "
                             f"expected {json.dumps(expected['request'], ensure_ascii=False)}, "
                             f"sent {json.dumps(actual['request'], ensure_ascii=False)}")
        if diffs and sid in known:
            differing_known.append(sid)
            if verbose:
                print(f"\n--- step {sid}: differs, as known ({known[sid]})")
                for d in diffs:
                    print(f"    {d}")
            continue
        if diffs:
            failed.append(sid)
            print(f"\n--- step {sid}: DIFFERS\n    {method} {actual['request']['path']}")
            for d in diffs:
                print(f"    {d}")
            for n in notes:
                print(f"    note: {n}")
            if verbose and expected is not None:
                print("    expected: " + json.dumps({k: expected[k] for k in ("status", "headers", "body")},
                                                     ensure_ascii=False))
                print("    actual:   " + json.dumps({k: actual[k] for k in ("status", "headers", "body")},
                                                     ensure_ascii=False))
        else:
            matched += 1
    session.close()
    now_matching = [sid for sid in known if sid not in differing_known and sid in {s["id"] for s in sc["steps"]}]
    for sid in now_matching:
        print(f"\n--- step {sid}: now matches the gold file; take it off the known list")
    print(f"replay {name}: {matched}/{total} steps match, {len(differing_known)} known to differ, "
          f"{len(failed)} differ unexpectedly")
    return not failed and not now_matching


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--all", action="store_true", help="every scenario in the scenario dir")
    ap.add_argument("--base", help="base URL of the running server, e.g. http://127.0.0.1:5000")
    ap.add_argument("--gold-dir", default=harness.GOLD_DIR)
    ap.add_argument("--scenario-dir", default=harness.SCENARIO_DIR)
    ap.add_argument("--settings-out", metavar="DIR",
                    help="write each scenario's Eve settings to DIR/<name>.json and exit")
    ap.add_argument("--known", metavar="FILE",
                    help="JSON {scenario: {step id: reason}}: steps known to differ")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print whole expected/actual entries")
    args = ap.parse_args()

    names = harness.scenario_names(args.scenario_dir) if args.all else args.scenarios
    if args.settings_out:
        if not names:
            names = harness.scenario_names(args.scenario_dir)
        for name in names:
            sc = harness.load_scenario(name, args.scenario_dir)
            harness.write_json(os.path.join(args.settings_out, name + ".json"), sc["settings"])
            print(f"settings {name} -> {os.path.join(args.settings_out, name + '.json')}")
        return 0
    if not args.base:
        ap.error("--base is required (unless --settings-out)")
    if not names:
        ap.error("name scenarios or pass --all")
    known = {}
    if args.known:
        with open(args.known, encoding="utf-8") as f:
            known = json.load(f)
    ok = True
    for name in names:
        ok = replay_scenario(name, args.base, args.gold_dir, args.scenario_dir, args.verbose,
                             known.get(name, {})) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
