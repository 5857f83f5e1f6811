#!/usr/bin/env bash
# Streams, Herald vs Redis: starts a release herald-server and /usr/bin/redis-server on free
# loopback ports and measures, on each, with redis-benchmark (-P 16, 50 clients):
#   * XADD throughput:            XADD s * f v  (N requests)
#   * XREADGROUP delivery rate:   XREADGROUP GROUP g c COUNT 1 STREAMS s >  over a stream
#                                 prefilled with N entries (one entry delivered per request)
#   * memory per entry:           INFO used_memory growth for 1M entries of 3 small fields
#                                 (XADD m * f1 v1 f2 v2 f3 v3)
# and writes a Markdown table with the Herald/Redis ratios to stdout and to
# bench/results/streams-<date>.md.
#
# Throughput is the best of ROUNDS (default 3) rounds, alternating which server goes first.
# Environment: N (default 200000) requests per throughput run; ENTRIES (default 1000000) for the
# memory run; ROUNDS; REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI binaries (default /usr/bin ones).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${N:-200000}
ENTRIES=${ENTRIES:-1000000}
ROUNDS=${ROUNDS:-3}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}

cargo build --release --bins --quiet
HERALD_SERVER="$ROOT/target/release/herald-server"

WORK=$(mktemp -d -t herald-streams.XXXXXX)
HERALD_PID=""
REDIS_PID=""
cleanup() {
    # Stop only the two servers this script started.
    [ -n "$HERALD_PID" ] && kill "$HERALD_PID" 2>/dev/null || true
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

wait_ping() {
    for _ in $(seq 1 100); do
        if "$REDIS_CLI" -p "$1" ping 2>/dev/null | grep -q PONG; then return; fi
        sleep 0.1
    done
    echo "streams.sh: no PING answer on port $1" >&2
    exit 1
}

HERALD_PORT=$(free_port)
"$HERALD_SERVER" --port "$HERALD_PORT" --bind 127.0.0.1 >"$WORK/herald.log" 2>&1 &
HERALD_PID=$!
REDIS_PORT=$(free_port)
while [ "$REDIS_PORT" = "$HERALD_PORT" ]; do REDIS_PORT=$(free_port); done
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
wait_ping "$HERALD_PORT"
wait_ping "$REDIS_PORT"

cli() { "$REDIS_CLI" -p "$1" "${@:2}"; }

# rps PORT ARGS...: requests per second redis-benchmark reports for one command.
rps() {
    local port=$1
    shift
    "$REDIS_BENCHMARK" -p "$port" -c 50 -P 16 -q "$@" 2>/dev/null | tr '\r' '\n' \
        | grep "requests per second" | tail -1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'
}

used_memory() { cli "$1" info memory | tr -d '\r' | awk -F: '$1=="used_memory"{print $2}'; }

declare -A XADD READ BYTES
for s in herald redis; do XADD[$s]=0; READ[$s]=0; done
max() { awk -v a="$1" -v b="$2" 'BEGIN{ print (a + 0 > b + 0) ? a : b }'; }
# Throughput: ROUNDS rounds, alternating which server goes first; the best round counts (the
# machine is shared, so the best is the least disturbed).
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="herald redis"; else order="redis herald"; fi
    for s in $order; do
        if [ "$s" = herald ]; then port=$HERALD_PORT; else port=$REDIS_PORT; fi
        echo "streams.sh: [$s] round $round: XADD x $N, XREADGROUP x $N" >&2
        cli "$port" flushall >/dev/null
        XADD[$s]=$(max "${XADD[$s]}" "$(rps "$port" -n "$N" XADD s '*' f v)")
        cli "$port" xgroup create s g 0 >/dev/null
        READ[$s]=$(max "${READ[$s]}" "$(rps "$port" -n "$N" XREADGROUP GROUP g c COUNT 1 STREAMS s '>')")
        pending=$(cli "$port" xpending s g | head -1)
        if [ "$pending" != "$N" ]; then
            echo "streams.sh: [$s] expected $N pending entries after the read run, got $pending" >&2
            exit 1
        fi
    done
done
for s in herald redis; do
    if [ "$s" = herald ]; then port=$HERALD_PORT; else port=$REDIS_PORT; fi
    echo "streams.sh: [$s] memory of $ENTRIES entries" >&2
    cli "$port" flushall >/dev/null
    sleep 0.5
    before=$(used_memory "$port")
    "$REDIS_BENCHMARK" -p "$port" -c 50 -P 64 -q -n "$ENTRIES" XADD m '*' f1 v1 f2 v2 f3 v3 >/dev/null 2>&1
    len=$(cli "$port" xlen m)
    if [ "$len" != "$ENTRIES" ]; then
        echo "streams.sh: [$s] expected $ENTRIES entries, got $len" >&2
        exit 1
    fi
    sleep 0.5
    after=$(used_memory "$port")
    BYTES[$s]=$(awk -v a="$after" -v b="$before" -v n="$ENTRIES" 'BEGIN{printf "%.1f", (a-b)/n}')
    cli "$port" flushall >/dev/null
done

ratio() { awk -v h="$1" -v r="$2" 'BEGIN{ if (r > 0) printf "%.2f", h/r; else print "n/a" }'; }
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
OUT="bench/results/streams-$(date -u +%Y-%m-%d).md"
{
    echo "# Streams: Herald vs Redis"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Herald $GIT_REV (release), $("$REDIS_SERVER" --version | awk '{print $3}'),"
    echo "redis-benchmark -c 50 -P 16, $N requests per throughput run, best of $ROUNDS rounds; $(nproc) cores shared by"
    echo "both servers, the load generator and other work (load average $(cut -d' ' -f1 /proc/loadavg) at the end)."
    echo
    echo "| measure | Herald | Redis | Herald/Redis |"
    echo "|---|---:|---:|---:|"
    echo "| XADD s * f v (requests/s) | ${XADD[herald]} | ${XADD[redis]} | $(ratio "${XADD[herald]}" "${XADD[redis]}") |"
    echo "| XREADGROUP COUNT 1, entries delivered/s | ${READ[herald]} | ${READ[redis]} | $(ratio "${READ[herald]}" "${READ[redis]}") |"
    echo "| bytes per entry, $ENTRIES x (f1 v1 f2 v2 f3 v3) | ${BYTES[herald]} | ${BYTES[redis]} | $(ratio "${BYTES[herald]}" "${BYTES[redis]}") |"
} | tee "$OUT"
echo "streams.sh: wrote $OUT" >&2
