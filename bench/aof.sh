#!/usr/bin/env bash
# SET throughput with the append-only file on: Herald vs redis-server with the same
# `appendfsync` (everysec, always), each in a fresh directory on the same disk, in the same run.
# redis-benchmark -t set, 50 clients, with -P 16 pipelining and without. Writes a Markdown table
# of requests/s and Herald/Redis ratios to stdout and bench/results/aof-<date>.md.
#
# Environment:
#   N=100000          requests per run (the always/unpipelined runs use N/10: one fsync each)
#   REPS=3            runs per server and setting; the table shows the median
#   REDIS_SERVER, REDIS_BENCHMARK   binaries to use (default: from PATH)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${N:-100000}
REPS=${REPS:-3}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
command -v "$REDIS_SERVER" >/dev/null || { echo "aof.sh: redis-server not found" >&2; exit 1; }
command -v "$REDIS_BENCHMARK" >/dev/null || { echo "aof.sh: redis-benchmark not found" >&2; exit 1; }

echo "aof.sh: building release binaries" >&2
cargo build --release --bins --quiet
HERALD="$ROOT/target/release/herald-server"

WORK=$(mktemp -d -p "${TMPDIR:-/tmp}" herald-aof-bench.XXXXXX)
PID=""
cleanup() {
    # Stop only the server this script started.
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

wait_ping() {
    for _ in $(seq 1 200); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "aof.sh: server on port $1 did not start" >&2
    exit 1
}

# start <herald|redis> <fsync> -> sets PID and PORT
start() {
    local kind=$1 fsync=$2 dir="$WORK/$1-$2"
    rm -rf "$dir"; mkdir -p "$dir"
    PORT=$(free_port)
    if [ "$kind" = herald ]; then
        "$HERALD" --port "$PORT" --bind 127.0.0.1 --appendonly yes --appendfsync "$fsync" \
            --dir "$dir" --auto-aof-rewrite-percentage 0 >"$dir.log" 2>&1 &
    else
        "$REDIS_SERVER" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly yes \
            --appendfsync "$fsync" --dir "$dir" --auto-aof-rewrite-percentage 0 \
            --aof-use-rdb-preamble no >"$dir.log" 2>&1 &
    fi
    PID=$!
    wait_ping "$PORT"
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

# rps <port> <pipeline> <n>: requests per second of redis-benchmark -t set
rps() {
    "$REDIS_BENCHMARK" -p "$1" -t set -n "$3" -P "$2" -c 50 -r 100000 -q --csv 2>/dev/null |
        awk -F'","' '/"SET"/ { gsub(/"/, "", $2); print $2 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A R
for fsync in everysec always; do
    for pipeline in 16 1; do
        n=$N
        [ "$fsync" = always ] && [ "$pipeline" = 1 ] && n=$((N / 10))
        declare -A S=([herald]="" [redis]="")
        for rep in $(seq 1 "$REPS"); do
            # Alternate which server goes first.
            order="herald redis"
            [ $((rep % 2)) = 0 ] && order="redis herald"
            for kind in $order; do
                start "$kind" "$fsync"
                rps "$PORT" "$pipeline" "$((n / 5))" >/dev/null   # warm-up
                S[$kind]+="$(rps "$PORT" "$pipeline" "$n") "
                stop
            done
        done
        for kind in herald redis; do
            R[$kind,$fsync,$pipeline]=$(echo "${S[$kind]}" | tr ' ' '\n' | grep . | median)
        done
        echo "aof.sh: appendfsync $fsync -P $pipeline: herald ${S[herald]}/ redis ${S[redis]}" >&2
    done
done

mkdir -p bench/results
OUT="bench/results/aof-$(date -u +%Y-%m-%d-%H%M).md"
{
    echo "# SET throughput with the AOF on: Herald vs Redis"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores, $("$REDIS_SERVER" --version | awk '{print $3}')."
    echo "redis-benchmark -t set -c 50 -r 100000 (n=$N; always without pipelining n=$((N / 10))); each server in a fresh directory on the same disk, rewrites off; median of $REPS runs per cell, servers alternating."
    echo
    echo "| appendfsync | pipeline | Herald req/s | Redis req/s | Herald / Redis |"
    echo "| --- | --- | --- | --- | --- |"
    for fsync in everysec always; do
        for pipeline in 16 1; do
            h=${R[herald,$fsync,$pipeline]}
            r=${R[redis,$fsync,$pipeline]}
            ratio=$(awk -v h="$h" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", h / r; else print "n/a" }')
            echo "| $fsync | $pipeline | $h | $r | $ratio |"
        done
    done
} | tee "$OUT"
echo "aof.sh: wrote $OUT" >&2
