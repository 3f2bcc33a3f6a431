#!/usr/bin/env bash
# Eve-compatible resources under load, side by side in one run: ENMA on its
# embedded store, ENMA on MongoDB, and Eve 2.3.1 on the same MongoDB server
# (the nx-27017 stand-in, in memory), all serving benches/resources/readings.json.
# For each: bulk POST ingest of meter readings, GETs of one item, GETs of a
# filtered, sorted page (32 concurrent clients). Writes the figures to one
# JSON file and prints them as a markdown table with ENMA/Eve ratios.
#
#   benches/resources.sh [--readings N] [--gets N] [--out FILE] [-- LOAD-FLAGS...]
#
# --out defaults to benches/resources-results.json; flags after `--` go to
# every `resources-bench` run (see `resources-bench --help`).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
caller=$PWD
cd "$repo"

readings=100000
gets=20000
out=$repo/benches/resources-results.json
extra=()
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "resources.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --readings) [[ $# -ge 2 ]] || die "--readings needs a value"; readings=$2; shift 2 ;;
        --gets) [[ $# -ge 2 ]] || die "--gets needs a value"; gets=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || die "--out needs a value"; out=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $readings =~ ^[1-9][0-9]*$ ]] || die "--readings must be a positive whole number, not '$readings'"
[[ $gets =~ ^[1-9][0-9]*$ ]] || die "--gets must be a positive whole number, not '$gets'"
[[ $out == /* ]] || out=$caller/$out

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/enma-target}
step() { echo "== $*" >&2; }

standin=$repo/../shared/tools/mongodb/mongo_standin.py
[[ -f $standin ]] || die "the MongoDB stand-in is missing: $standin (../shared beside the repository)"

venv=${ENMA_BENCH_EVE_VENV:-$HOME/.cache/enma-eve-venv}
if ! "$venv/bin/python" -c 'import eve, nx_27017, neosqlite, pymongo' 2>/dev/null; then
    step "installing Eve 2.3.1 and the stand-in into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet eve==2.3.1 nx-27017==0.8.1 neosqlite==1.17.2 pymongo
fi
py=$venv/bin/python

step "building enma and resources-bench (release)"
cargo build --release --quiet -p enma -p enma-resources-bench --bin enma --bin resources-bench
enma=$CARGO_TARGET_DIR/release/enma
bench=$CARGO_TARGET_DIR/release/resources-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/enma-resources-bench.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    local port=$1 what=$2 pid=$3
    for _ in $(seq 600); do
        kill -0 "$pid" 2>/dev/null || die "$what exited before listening (logs in $work)"
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    die "$what did not listen on port $port within 60 s"
}
stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

mongo_port=$(free_port)
"$py" "$standin" --db memory -p "$mongo_port" --log-file "$work/nx.log" --pid-file "$work/nx.pid" >"$work/nx.out" 2>&1 &
pids+=($!)
wait_port "$mongo_port" "the MongoDB stand-in" "$!"
mongo=mongodb://127.0.0.1:$mongo_port

settings=$repo/benches/resources/readings.json
load=(--readings "$readings" --gets "$gets" "${extra[@]}")

run_enma() {
    local label=$1; shift
    local port sql
    port=$(free_port); sql=$(free_port)
    "$enma" --data-dir "$work/$label" serve --listen "127.0.0.1:$sql" --resources "$settings" \
        --resources-listen "127.0.0.1:$port" "$@" >"$work/$label.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_port "$port" "enma serve ($label)" "$pid"
    "$bench" --base "http://127.0.0.1:$port" --label "$label" "${load[@]}" --json "$work/$label.json"
    stop "$pid"
}

step "ENMA, embedded store"
run_enma enma-embedded
step "ENMA on MongoDB (the stand-in)"
run_enma enma-mongodb --mongodb-uri "$mongo/bench_enma"

step "Eve 2.3.1 on the same MongoDB server"
port=$(free_port)
"$py" -c 'import json,sys; s=json.load(open(sys.argv[1])); s["MONGO_URI"]=sys.argv[2]; json.dump(s, open(sys.argv[3], "w"))' \
    "$settings" "$mongo/bench_eve" "$work/eve.json"
"$py" tests/resources/eve_server.py "$work/eve.json" 127.0.0.1 "$port" >"$work/eve.log" 2>&1 &
eve=$!
pids+=("$eve")
wait_port "$port" "Eve" "$eve"
"$bench" --base "http://127.0.0.1:$port" --label eve "${load[@]}" --json "$work/eve.json.out"
stop "$eve"

python3 - "$out" "$work" "$(git rev-parse --short HEAD)" <<'PY'
import json, os, platform, sys, datetime
out, work, commit = sys.argv[1], sys.argv[2], sys.argv[3]
runs = [json.load(open(os.path.join(work, f))) for f in ("enma-embedded.json", "enma-mongodb.json", "eve.json.out")]
result = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": commit,
    "machine": f"{os.cpu_count()} cores, {platform.machine()}",
    "runs": runs,
}
with open(out, "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
eve = runs[2]
rows = [("bulk POST ingest", "ingest", "readings_per_sec", "readings/s"),
        ("GET one item", "item", "ops_per_sec", "requests/s"),
        ("GET a filtered, sorted page", "page", "ops_per_sec", "requests/s")]
print("| line | " + " | ".join(r["label"] for r in runs) + " | embedded / Eve | MongoDB / Eve |")
print("|---|" + "---:|" * (len(runs) + 2))
for name, phase, key, unit in rows:
    cells = []
    for r in runs:
        p = r[phase]
        cells.append(f"{p[key]:,.0f} {unit}, p50 {p['p50_us'] / 1000:.2f} ms, p99 {p['p99_us'] / 1000:.2f} ms")
    ratio = lambda r: r[phase][key] / eve[phase][key] if eve[phase][key] else float("nan")
    print(f"| {name} | " + " | ".join(cells) + f" | {ratio(runs[0]):.1f}x | {ratio(runs[1]):.1f}x |")
PY
