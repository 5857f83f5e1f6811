#!/usr/bin/env bash
# CPU work per operation, Herald vs Redis, counted by valgrind's callgrind: user-space
# instructions executed by the server process for a fixed workload. Unlike a throughput
# figure, the count does not depend on what else the (shared, noisy) machine is doing, so a
# change that makes the server do less work shows here even when a timed benchmark cannot tell.
# Kernel time (system calls, TCP) is not counted: it is what throughput adds on top.
#
# Each workload runs once against each server under callgrind; the table gives the program's
# total instructions (start-up included, a few million) divided by the operations done.
#
# Environment: REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: from PATH). Needs valgrind
# (Debian package `valgrind`, installed when missing and running as root).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}
if ! command -v valgrind >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "callgrind.sh: valgrind missing" >&2; exit 1; }
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
cargo build --release --bins >&2
HERALD="$ROOT/target/release/herald-server"
BENCH="$ROOT/target/release/herald-bench"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/herald-callgrind.XXXXXX")
trap 'pkill -f "callgrind-out-file=$TMP" 2>/dev/null || true; rm -rf "$TMP"' EXIT

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# run_one SERVER NAME WORKLOAD...: starts SERVER under callgrind, runs the workload command
# (with PORT set), stops the server and prints its total instruction count.
run_one() {
    local server=$1 name=$2
    shift 2
    local port out
    port=$(free_port)
    out="$TMP/$server.$name.out"
    if [ "$server" = herald ]; then
        valgrind --tool=callgrind --callgrind-out-file="$out" "$HERALD" --port "$port" \
            --bind 127.0.0.1 --save "" --appendonly no >"$TMP/$server.$name.log" 2>&1 &
    else
        valgrind --tool=callgrind --callgrind-out-file="$out" "$REDIS_SERVER" --port "$port" \
            --save '' --appendonly no >"$TMP/$server.$name.log" 2>&1 &
    fi
    local vg=$!
    for _ in $(seq 1 100); do
        "$REDIS_CLI" -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    PORT=$port "$@" >"$TMP/$server.$name.workload" 2>&1
    "$REDIS_CLI" -p "$port" shutdown nosave >/dev/null 2>&1 || kill -INT "$vg" 2>/dev/null || true
    wait "$vg" 2>/dev/null || true
    callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

set_workload() { "$REDIS_BENCHMARK" -p "$PORT" -t set -n 100000 -P 16 -c 4 -q; }
get_workload() { "$REDIS_BENCHMARK" -p "$PORT" -t get -n 100000 -P 16 -c 4 -q; }
fan1_workload() { "$BENCH" -q --port "$PORT" fanout -s 1 -c 1 -b 1024 -w 16 -n 100000 -d 300; }
fan100_workload() { "$BENCH" -q --port "$PORT" fanout -s 100 -c 1 -b 64 -w 16 -n 20000 -d 300; }

echo "| Workload | Operations | Herald instr/op | Redis instr/op | Herald/Redis |"
echo "|---|---:|---:|---:|---:|"
row() {
    local label=$1 name=$2 ops=$3 h r
    h=$(run_one herald "$name" "${name}_workload")
    r=$(run_one redis "$name" "${name}_workload")
    awk -v l="$label" -v o="$ops" -v h="$h" -v r="$r" 'BEGIN {
        printf "| %s | %d | %.0f | %.0f | %.2f |\n", l, o, h / o, r / o, h / r }'
}
row "SET, redis-benchmark -P 16 -c 4" set 100000
row "GET, redis-benchmark -P 16 -c 4" get 100000
row "PUBLISH 1→1, 1 KiB (per delivered message)" fan1 100000
row "PUBLISH 1→100, 64 B (per delivered message)" fan100 2000000
