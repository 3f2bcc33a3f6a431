#!/usr/bin/env bash
# Runs ENMA's benchmarks and writes benches/report.md (+ report-ratios.png,
# report.json): TPC-H and the energy workload on ENMA (embedded, over REST,
# on a loopback cluster), raw DataFusion, DuckDB and Spark, interleaved;
# the Criterion micro-benchmarks; the key-value store's puts, gets and scans
# (benches/kv.sh: embedded, over HBase REST and Thrift); MapReduce word count
# (benches/mapreduce/wordcount.py: ENMA embedded and on a loopback cluster, Spark).
#
#   benches/run.sh [--sf N] [--meters M] [--reps R] [--systems LIST] [--no-micro] [--no-kv]
#                  [--no-mapreduce]
#
# Installs what it needs: DuckDB, PySpark and matplotlib into a venv
# ($ENMA_BENCH_VENV, default ~/.cache/enma-bench-venv), Java 17 from Debian
# when no java is on PATH. Data is generated once per size under
# $ENMA_BENCH_DATA (default ~/.cache/enma-bench-data).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

sf=1
meters=
reps=3
systems=
micro=1
kv=1
mapreduce=1
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --sf) [[ $# -ge 2 ]] || die "--sf needs a value"; sf=$2; shift 2 ;;
        --meters) [[ $# -ge 2 ]] || die "--meters needs a value"; meters=$2; shift 2 ;;
        --reps) [[ $# -ge 2 ]] || die "--reps needs a value"; reps=$2; shift 2 ;;
        --systems) [[ $# -ge 2 ]] || die "--systems needs a value"; systems=$2; shift 2 ;;
        --no-micro) micro=0; shift ;;
        --no-kv) kv=0; shift ;;
        --no-mapreduce) mapreduce=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $sf =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--sf must be a number, not '$sf'"
# 1000 meters per unit of scale: at SF1, 17.5 million hourly readings over two years.
meters=${meters:-$(python3 -c "print(max(100, int(1000 * $sf)))")}

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/enma-target}
venv=${ENMA_BENCH_VENV:-$HOME/.cache/enma-bench-venv}
data=${ENMA_BENCH_DATA:-$HOME/.cache/enma-bench-data}

step() { echo "== $*" >&2; }

step "peers: DuckDB, PySpark, matplotlib in $venv"
if ! "$venv/bin/python" -c "import duckdb, pyspark, matplotlib" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb pyspark matplotlib
fi
if ! command -v java >/dev/null; then
    step "Java 17 for Spark"
    sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

step "building enma and enma-bench (release)"
cargo build --release --quiet -p enma -p enma-bench
bin=$CARGO_TARGET_DIR/release

tpch=$data/tpch-sf$sf
energy=$data/energy-m$meters
step "data: TPC-H SF$sf in $tpch"
"$bin/enma-bench" gen-tpch --sf "$sf" --out "$tpch"
step "data: $meters meters x 2 years of hourly readings in $energy"
"$bin/enma-bench" gen-energy --meters "$meters" --out "$energy"

criterion_args=()
if [[ $micro == 1 ]]; then
    step "micro-benchmarks (Criterion)"
    rm -rf "$CARGO_TARGET_DIR/criterion"
    cargo bench --quiet -p enma-bench --bench hot_paths --bench kernels -- --warm-up-time 1 --measurement-time 3 >&2
    criterion_args=(--criterion "$CARGO_TARGET_DIR/criterion")
fi

kv_args=()
if [[ $kv == 1 ]]; then
    step "key-value store: puts, gets and scans, embedded and over HBase REST and Thrift (benches/kv.sh)"
    # A failure costs this section only; the report lists it under "Not run".
    if ! bash benches/kv.sh --out benches/kv-results.json >&2; then
        echo "run.sh: benches/kv.sh failed (see above)" >&2
        rm -f benches/kv-results.json
    fi
    kv_args=(--kv-json benches/kv-results.json)
fi

wordcount_args=()
if [[ $mapreduce == 1 ]]; then
    step "MapReduce word count: ENMA embedded and on a loopback cluster, Spark (benches/mapreduce/wordcount.py)"
    # As for the key-value store: a failure costs this section only, listed under "Not run".
    if ! "$venv/bin/python" benches/mapreduce/wordcount.py --enma "$bin/enma" --json benches/wordcount-results.json >&2; then
        echo "run.sh: benches/mapreduce/wordcount.py failed (see above)" >&2
        rm -f benches/wordcount-results.json
    fi
    wordcount_args=(--wordcount-json benches/wordcount-results.json)
fi

step "queries"
args=(--tpch "$tpch" --tpch-ddl "$tpch/ddl.hql" --energy "$energy" --energy-ddl "$energy/ddl.hql"
    --sf "$sf" --meters "$meters" --reps "$reps" --enma "$bin/enma" --bench-bin "$bin/enma-bench"
    --out benches/report.md "${criterion_args[@]}" "${kv_args[@]}" "${wordcount_args[@]}")
[[ -n $systems ]] && args+=(--systems "$systems")
"$venv/bin/python" benches/run.py "${args[@]}"
