#!/usr/bin/env bash
# A local ENMA cluster on loopback, for development and tests: one Ballista
# scheduler and N executors of the `enma` binary, run in the background, with
# their logs, pid files and shuffle work dirs under one directory.
#
#   cluster/local.sh start [-n EXECUTORS] [--dir DIR] [--bin PATH]
#   cluster/local.sh stop [--dir DIR]
#   cluster/local.sh status [--dir DIR]
#
# Settings (warehouse, S3, ports, slots) come from the environment and from
# cluster/conf/cluster.env, or the file $ENMA_CLUSTER_CONF names; the file is
# read before starting and wins over the environment. See cluster/README.md.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
startup_timeout=30
stop_timeout=10

usage() {
    cat <<'USAGE'
usage: cluster/local.sh start [-n EXECUTORS] [--dir DIR] [--bin PATH]
       cluster/local.sh stop [--dir DIR]
       cluster/local.sh status [--dir DIR]

  -n EXECUTORS  executors to start (default 2)
  --dir DIR     logs/, pids/ and work/ of the cluster (default ./enma-cluster)
  --bin PATH    the enma binary (default $ENMA_BIN, else target/release/enma,
                else target/debug/enma, in $CARGO_TARGET_DIR or the repository,
                else enma on PATH)

Ports: scheduler $ENMA_SCHEDULER_PORT (default 50050); executor N listens on
base+2(N-1) (Arrow Flight) and base+2(N-1)+1 (gRPC), base being
$ENMA_EXECUTOR_BASE_PORT (default 50051). Status exits 0 only if every
process is alive.
USAGE
}

die() {
    echo "local.sh: $*" >&2
    exit 1
}

action=${1:-}
[[ $# -gt 0 ]] && shift
executors=2
dir=./enma-cluster
bin=${ENMA_BIN:-}
start_only=()
need_value() {
    [[ $# -ge 2 ]] || die "$1 needs a value"
}
while [[ $# -gt 0 ]]; do
    case $1 in
        -n) need_value "$@"; executors=$2; start_only+=("$1"); shift 2 ;;
        --dir) need_value "$@"; dir=$2; shift 2 ;;
        --bin) need_value "$@"; bin=$2; start_only+=("$1"); shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case $action in
    start | stop | status) ;;
    -h | --help | help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac
if [[ $action != start && ${#start_only[@]} -gt 0 ]]; then
    die "${start_only[0]} only applies to start"
fi

pid_dir=$dir/pids
log_dir=$dir/logs
work_dir=$dir/work

# True if PID is a running process; a zombie counts as gone.
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
    [[ $state != Z* ]]
}

# Prints the pid in FILE if it names a live process of ROLE. The command-line
# check guards against signalling an unrelated process that reused the pid.
live_pid() {
    local file=$1 role=$2 pid args
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    if [[ ! $pid =~ ^[0-9]+$ ]] || ! alive "$pid"; then
        return 1
    fi
    if args=$(ps -o args= -p "$pid" 2>/dev/null); then
        [[ $args == *" $role"* ]] || return 1
    fi
    echo "$pid"
}

# The role in a pid file's name: scheduler.pid -> scheduler, executor-2.pid -> executor.
role_of() {
    local name
    name=$(basename "$1" .pid)
    echo "${name%%-*}"
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

load_conf() {
    local conf=${ENMA_CLUSTER_CONF:-$script_dir/conf/cluster.env}
    if [[ -f $conf ]]; then
        set -a
        # shellcheck source=SCRIPTDIR/conf/cluster.env
        . "$conf"
        set +a
    elif [[ -n ${ENMA_CLUSTER_CONF:-} ]]; then
        die "ENMA_CLUSTER_CONF names no file: $conf"
    fi
}

find_bin() {
    local target candidate
    if [[ -n $bin ]]; then
        if [[ $bin == */* ]]; then
            [[ -f $bin && -x $bin ]] || die "not an executable file: $bin"
        else
            command -v "$bin" >/dev/null || die "no command '$bin' on PATH"
        fi
        return
    fi
    for candidate in release/enma debug/enma; do
        for target in ${CARGO_TARGET_DIR:+"$CARGO_TARGET_DIR"} "$repo_dir/target"; do
            if [[ -f $target/$candidate && -x $target/$candidate ]]; then
                bin=$target/$candidate
                return
            fi
        done
    done
    if command -v enma >/dev/null; then
        bin=enma
        return
    fi
    die "no enma binary found: run 'cargo build --release', or pass --bin PATH or set ENMA_BIN"
}

# Sends SIGTERM to every live process with a pid file, waits up to
# $stop_timeout seconds, then sends SIGKILL to what is left.
stop_all() {
    local file name pid deadline pids=() names=()
    shopt -s nullglob
    for file in "$pid_dir"/executor-*.pid "$pid_dir"/scheduler.pid; do
        name=$(basename "$file" .pid)
        if pid=$(live_pid "$file" "$(role_of "$file")"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$name")
        fi
        rm -f "$file"
    done
    shopt -u nullglob
    if [[ ${#pids[@]} -eq 0 ]]; then
        echo "nothing running in $dir"
        return 0
    fi
    deadline=$((SECONDS + stop_timeout))
    local i left
    while true; do
        left=0
        for i in "${!pids[@]}"; do
            alive "${pids[$i]}" && left=$((left + 1))
        done
        [[ $left -eq 0 || $SECONDS -ge $deadline ]] && break
        sleep 0.2
    done
    for i in "${!pids[@]}"; do
        if alive "${pids[$i]}"; then
            kill -KILL "${pids[$i]}" 2>/dev/null || true
            echo "killed ${names[$i]} (pid ${pids[$i]}) after ${stop_timeout} s"
        else
            echo "stopped ${names[$i]} (pid ${pids[$i]})"
        fi
    done
}

# Reports a failed start with the end of its log, and stops what was started.
fail_start() {
    echo "local.sh: $1; last lines of $2:" >&2
    tail -n 30 "$2" >&2 || true
    echo "local.sh: stopping what was started" >&2
    stop_all >&2
    exit 1
}

# Waits until PORT accepts connections, failing early if PID exits.
wait_for_port() {
    local port=$1 pid=$2 name=$3 log=$4 deadline=$((SECONDS + startup_timeout))
    until port_open "$port"; do
        alive "$pid" || fail_start "$name exited during startup" "$log"
        ((SECONDS < deadline)) || fail_start "$name did not open port $port within ${startup_timeout} s" "$log"
        sleep 0.2
    done
}

# Starts one role in the background; its pid goes to pids/NAME.pid.
spawn() {
    local name=$1 log=$log_dir/$1.log pid
    shift
    echo "=== $(date '+%Y-%m-%d %H:%M:%S') $bin $*" >>"$log"
    nohup "$bin" "$@" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pid_dir/$name.pid"
    echo "$pid"
}

start() {
    local file pid port sched_port base n flight grpc
    [[ $executors =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive number, got '$executors'"
    load_conf
    find_bin
    sched_port=${ENMA_SCHEDULER_PORT:-50050}
    base=${ENMA_EXECUTOR_BASE_PORT:-50051}
    [[ $sched_port =~ ^[0-9]+$ && $base =~ ^[0-9]+$ ]] || die "ports must be numbers: ENMA_SCHEDULER_PORT=$sched_port ENMA_EXECUTOR_BASE_PORT=$base"
    ((base + 2 * executors <= 65536)) || die "$executors executors from port $base run past 65535"
    if ((sched_port >= base && sched_port < base + 2 * executors)); then
        die "scheduler port $sched_port is among the executor ports $base-$((base + 2 * executors - 1)); change ENMA_SCHEDULER_PORT or ENMA_EXECUTOR_BASE_PORT"
    fi

    mkdir -p "$pid_dir" "$log_dir" "$work_dir"
    dir=$(cd "$dir" && pwd)
    pid_dir=$dir/pids log_dir=$dir/logs work_dir=$dir/work

    shopt -s nullglob
    for file in "$pid_dir"/*.pid; do
        if pid=$(live_pid "$file" "$(role_of "$file")"); then
            die "$(basename "$file" .pid) is already running (pid $pid); run: $0 stop --dir $dir"
        fi
        rm -f "$file"
    done
    shopt -u nullglob
    local ports=("$sched_port")
    for ((port = base; port < base + 2 * executors; port++)); do
        ports+=("$port")
    done
    for port in "${ports[@]}"; do
        if port_open "$port"; then
            die "port $port on 127.0.0.1 is in use; set ENMA_SCHEDULER_PORT or ENMA_EXECUTOR_BASE_PORT"
        fi
    done

    pid=$(spawn scheduler scheduler --bind 127.0.0.1 --port "$sched_port")
    wait_for_port "$sched_port" "$pid" scheduler "$log_dir/scheduler.log"
    local pids=("$pid")

    for ((n = 1; n <= executors; n++)); do
        flight=$((base + 2 * (n - 1)))
        grpc=$((flight + 1))
        mkdir -p "$work_dir/executor-$n"
        pid=$(spawn "executor-$n" executor --scheduler "df://127.0.0.1:$sched_port" \
            --bind 127.0.0.1 --external-host 127.0.0.1 --port "$flight" --grpc-port "$grpc" \
            --work-dir "$work_dir/executor-$n")
        pids+=("$pid")
    done
    for ((n = 1; n <= executors; n++)); do
        flight=$((base + 2 * (n - 1)))
        # Executors pull their tasks, so only the Flight port listens.
        wait_for_port "$flight" "${pids[$n]}" "executor-$n" "$log_dir/executor-$n.log"
    done

    echo "ENMA local cluster: 1 scheduler, $executors executor(s), binary $bin"
    printf '  %-12s %-28s pid %s\n' scheduler "df://127.0.0.1:$sched_port" "${pids[0]}"
    for ((n = 1; n <= executors; n++)); do
        flight=$((base + 2 * (n - 1)))
        printf '  %-12s %-28s pid %s\n' "executor-$n" "flight $flight, grpc $((flight + 1))" "${pids[$n]}"
    done
    echo "  warehouse    ${ENMA_WAREHOUSE:-<data dir>/warehouse (local files, shared on this machine)}"
    echo "Logs in $log_dir; stop with: $0 stop --dir $dir"
    echo
    echo "Run queries on it:"
    echo "  export ENMA_SCHEDULER=df://127.0.0.1:$sched_port"
}

status() {
    local file name pid all_alive=0
    shopt -s nullglob
    local files=("$pid_dir"/executor-*.pid)
    shopt -u nullglob
    if [[ -f $pid_dir/scheduler.pid ]]; then
        files=("$pid_dir/scheduler.pid" "${files[@]}")
    else
        printf '%-12s not running (no pid file)\n' scheduler
        all_alive=1
    fi
    for file in "${files[@]}"; do
        name=$(basename "$file" .pid)
        if pid=$(live_pid "$file" "$(role_of "$file")"); then
            printf '%-12s pid %-8s running\n' "$name" "$pid"
        else
            printf '%-12s pid %-8s not running\n' "$name" "$(<"$file")"
            all_alive=1
        fi
    done
    return "$all_alive"
}

case $action in
    start) start ;;
    stop) stop_all ;;
    status) status ;;
esac
