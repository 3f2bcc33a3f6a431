#!/usr/bin/env bash
# Throughput and latency of ENMA's key-value store: puts, point gets and
# scans, embedded (the store in the load process), then over HBase's REST and
# Thrift1 APIs (a `kv-bench serve` process, loaded from a separate
# `kv-bench load` process over loopback). Writes all figures to one JSON file
# and prints them as a markdown table.
#
#   benches/kv.sh [--rows N] [--out FILE] [-- LOAD-FLAGS...]
#
# --out defaults to benches/kv-results.json; flags after `--` go to every
# `kv-bench load` (e.g. -- --clients 8 --gets 20000). Scratch data lives in a
# temporary directory under $TMPDIR (default /tmp), removed at the end.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
caller=$PWD
cd "$repo"

rows=100000
out=$repo/benches/kv-results.json
extra=()
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "kv.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) [[ $# -ge 2 ]] || die "--rows needs a value"; rows=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || die "--out needs a value"; out=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $rows =~ ^[1-9][0-9]*$ ]] || die "--rows must be a positive whole number, not '$rows'"
[[ $out == /* ]] || out=$caller/$out

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/enma-target}
step() { echo "== $*" >&2; }

step "building kv-bench (release)"
cargo build --release --quiet -p enma-kv-bench
bin=$CARGO_TARGET_DIR/release/kv-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/enma-kv-bench.XXXXXX")
server=
cleanup() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

load=(load --rows "$rows" "${extra[@]}")

step "embedded: the store in the load process"
"$bin" "${load[@]}" --mode embedded --dir "$work/embedded" --json "$work/embedded.json"

# Two ports the kernel just handed out, bound at once so they differ.
read -r rest_port thrift_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')

step "server: kv-bench serve, REST on 127.0.0.1:$rest_port, Thrift on 127.0.0.1:$thrift_port"
"$bin" serve --dir "$work/served" --rest "127.0.0.1:$rest_port" --thrift "127.0.0.1:$thrift_port" \
    >"$work/serve.out" 2>"$work/serve.log" &
server=$!
for _ in $(seq 300); do
    grep -qx ready "$work/serve.out" && break
    kill -0 "$server" 2>/dev/null || die "kv-bench serve exited: $(tail -n 5 "$work/serve.log")"
    sleep 0.1
done
grep -qx ready "$work/serve.out" || die "kv-bench serve not ready within 30 s: $(tail -n 5 "$work/serve.log")"

step "REST: a separate load process"
"$bin" "${load[@]}" --mode rest --addr "127.0.0.1:$rest_port" --json "$work/rest.json"
step "Thrift: a separate load process"
"$bin" "${load[@]}" --mode thrift --addr "127.0.0.1:$thrift_port" --json "$work/thrift.json"

kill "$server"
wait "$server" 2>/dev/null || true
server=

# One file for the report (benches/run.py --kv-json), and its table here.
python3 - "$out" "$work"/{embedded,rest,thrift}.json "kv.sh --rows $rows${extra[*]:+ -- ${extra[*]}}" <<'EOF'
import datetime, json, sys
sys.path.insert(0, "benches")
import run

out, *inputs, command = sys.argv[1:]
results = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "machine": run.machine_info(),
    "command": command,
    "runs": [json.load(open(path)) for path in inputs],
}
with open(out, "w") as f:
    json.dump(results, f, indent=1)
    f.write("\n")
print("\n".join(run.kv_section(results)))
print(f"\nwritten to {out}", file=sys.stderr)
EOF
