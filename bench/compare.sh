#!/usr/bin/env bash
# Herald vs Redis: runs the same benchmark matrix against herald-server and redis-server on free
# loopback ports, alternating which server goes first, and writes a Markdown table of
# Herald/Redis ratios to stdout and to bench/results/<date>.md. See bench/README.md.
#
# Environment:
#   QUICK=1        shorter runs (1 s per fan-out, 2,000 connections), for trying the script
#                  out; the table then goes to stdout and the temporary directory only
#   KEEP_RAW=1     also copy the raw JSON and logs to bench/results/<date>-raw/
#   REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI   binaries to use (default: from PATH)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# --- Tools -------------------------------------------------------------------------------
# The conns scenario holds 10,000 connections open in herald-bench and in each server.
if ! ulimit -n 65536 2>/dev/null; then
    # Without CAP_SYS_RESOURCE the hard limit caps it: take what there is.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    echo "compare.sh: ulimit -n 65536 refused; open-file limit is $(ulimit -n)" >&2
fi

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "compare.sh: $* missing and not root to install it" >&2
        exit 1
    fi
    echo "compare.sh: installing $* with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}
command -v "$REDIS_SERVER" >/dev/null || apt_install redis-server
command -v "$REDIS_BENCHMARK" >/dev/null || apt_install redis-tools
command -v jq >/dev/null || apt_install jq

echo "compare.sh: building release binaries" >&2
cargo build --release --bins --quiet
HERALD_SERVER="$ROOT/target/release/herald-server"
BENCH="$ROOT/target/release/herald-bench"

# --- Servers -----------------------------------------------------------------------------
WORK=$(mktemp -d -t herald-compare.XXXXXX)
HERALD_PID=""
REDIS_PID=""
cleanup() {
    # Stop only the two servers this script started.
    [ -n "$HERALD_PID" ] && kill "$HERALD_PID" 2>/dev/null || true
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

wait_ping() {
    local port=$1 name=$2
    for _ in $(seq 1 100); do
        if "$REDIS_CLI" -p "$port" ping 2>/dev/null | grep -q PONG; then
            return
        fi
        sleep 0.1
    done
    echo "compare.sh: $name did not answer PING on port $port" >&2
    exit 1
}

HERALD_PORT=$(free_port)
"$HERALD_SERVER" --port "$HERALD_PORT" --bind 127.0.0.1 --save "" --appendonly no --maxclients 20000 \
    >"$WORK/herald-server.log" 2>&1 &
HERALD_PID=$!
REDIS_PORT=$(free_port)
while [ "$REDIS_PORT" = "$HERALD_PORT" ]; do REDIS_PORT=$(free_port); done
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --maxclients 20000 --daemonize no >"$WORK/redis-server.log" 2>&1 &
REDIS_PID=$!
wait_ping "$HERALD_PORT" herald-server
wait_ping "$REDIS_PORT" redis-server

HERALD_VERSION=$("$HERALD_SERVER" --version 2>/dev/null | head -1)
REDIS_VERSION=$("$REDIS_SERVER" --version | head -1)
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- src Cargo.toml 2>/dev/null; then GIT_REV="$GIT_REV+dirty"; fi

# --- Running -----------------------------------------------------------------------------
D=3        # seconds of publishing per fan-out run
CONNS=10000
if [ "${QUICK:-0}" = 1 ]; then D=1; CONNS=2000; fi
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $((CONNS + 1000)) ]; then
    CONNS=$((NOFILE - 1000))
    echo "compare.sh: open-file limit $NOFILE: conns scenario reduced to $CONNS connections" >&2
fi

SCENARIO_INDEX=0
ORDER=""
port_of() { if [ "$1" = herald ]; then echo "$HERALD_PORT"; else echo "$REDIS_PORT"; fi; }
pid_of() { if [ "$1" = herald ]; then echo "$HERALD_PID"; else echo "$REDIS_PID"; fi; }
# Alternate which server goes first from one scenario to the next.
next_order() {
    if [ $((SCENARIO_INDEX % 2)) = 0 ]; then ORDER="herald redis"; else ORDER="redis herald"; fi
    SCENARIO_INDEX=$((SCENARIO_INDEX + 1))
}

# bench ID ARGS...: runs herald-bench ARGS against both servers; "{pid}" in ARGS becomes the
# server's pid. Results: $WORK/ID.<server>.json (an {"error": ...} object on failure).
bench() {
    local id=$1
    shift
    next_order
    local s args a
    for s in $ORDER; do
        args=()
        for a in "$@"; do args+=("${a//\{pid\}/$(pid_of "$s")}"); done
        echo "compare.sh: [$s] herald-bench ${args[*]}" >&2
        if ! "$BENCH" --port "$(port_of "$s")" --json -q "${args[@]}" \
            >"$WORK/$id.$s.json" 2>"$WORK/$id.$s.log"; then
            jq -n --arg e "$(tail -3 "$WORK/$id.$s.log")" '{error: $e}' >"$WORK/$id.$s.json"
            echo "compare.sh:   failed: $(tail -1 "$WORK/$id.$s.log")" >&2
        fi
        sleep 0.5
    done
}

# rbench ID ARGS...: runs redis-benchmark ARGS against both; one JSON object per test name.
rbench() {
    local id=$1
    shift
    next_order
    local s
    for s in $ORDER; do
        echo "compare.sh: [$s] redis-benchmark $*" >&2
        if "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$(port_of "$s")" "$@" \
            >"$WORK/$id.$s.raw" 2>&1; then
            tr '\r' '\n' <"$WORK/$id.$s.raw" | grep 'requests per second' |
                sed -E 's/^ *([^:]+): ([0-9.]+) requests per second.*p50=([0-9.]+).*/\1\t\2\t\3/' |
                jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
                    | {(.[0]): {rps: (.[1] | tonumber), p50_ms: (.[2] | tonumber)}}) | add // {}' \
                    >"$WORK/$id.$s.json"
        else
            jq -n --arg e "$(tail -2 "$WORK/$id.$s.raw")" '{error: $e}' >"$WORK/$id.$s.json"
        fi
        sleep 0.5
    done
}

echo "compare.sh: herald on $HERALD_PORT (pid $HERALD_PID), redis on $REDIS_PORT (pid $REDIS_PID)" >&2
START=$(date +%s)

# Memory first, on fresh servers.
bench conns conns -n "$CONNS" --pid "{pid}" --settle 5
rbench rb-basic -t ping,set,get -P 16 -q
rbench rb-data -t incr,lpush,rpop,sadd,hset,zadd -P 16 -q
rbench rb-pub -q -n 200000 publish ch msg
rbench rb-pub-p16 -q -n 200000 -P 16 publish ch msg
for b in 64 1024; do
    bench "f1x1-$b" fanout -s 1 -c 1 -b "$b" -w 16 -d "$D"
    bench "f1x100-$b" fanout -s 100 -c 1 -b "$b" -w 16 -d "$D"
    bench "f1x1000-$b" fanout -s 1000 -c 1 -b "$b" -w 16 -d "$D"
    bench "f100x10-$b" fanout -s 1000 -c 100 -p 4 -b "$b" -w 16 -d "$D"
done
bench fixed-rate fanout -s 100 -c 1 -b 64 --rate 2000 -d "$D"
bench resp3 --resp 3 fanout -s 10 -c 1 -b 64 -d "$D"
bench mode-patterns fanout -s 10 -c 10 -b 64 --mode patterns -d "$D"
bench mode-sharded fanout -s 10 -c 10 -b 64 --mode sharded -d "$D"
bench slowsub slowsub --healthy 2 -n 100000 -b 1024 --pid "{pid}"
bench churn churn --clients 20 -d "$D"
# Pattern rows last: Redis 7.0 keeps its pattern table at its largest size after the patterns
# are gone, and every later PUBLISH walks it (10x slower after 10,000 patterns).
bench pat1000 patterns -k 1000 -b 64 -d "$D"
bench pat10000 patterns -k 10000 -b 64 -d "$D"
ELAPSED=$(($(date +%s) - START))

# --- Table -------------------------------------------------------------------------------
# val ID SERVER JQ: one number (or "err"/"-").
val() {
    local f="$WORK/$1.$2.json"
    if [ ! -s "$f" ]; then echo "-"; return; fi
    if jq -e 'has("error")' "$f" >/dev/null 2>&1; then echo "err"; return; fi
    jq -r "($3) as \$v | if \$v == null then \"-\" else \$v end" "$f" 2>/dev/null || echo "-"
}
fmt() {
    case "$1" in
        -|err|true|false) echo "$1" ;;
        *) awk -v v="$1" 'BEGIN {
                a = v < 0 ? -v : v
                if (a >= 1e6) printf "%.2fM", v / 1e6
                else if (a >= 1e4) printf "%.1fk", v / 1e3
                else if (a >= 100) printf "%.0f", v
                else printf "%.2f", v }' ;;
    esac
}
# row LABEL METRIC ID JQ DIRECTION(higher|lower)
row() {
    local h r ratio better
    h=$(val "$3" herald "$4")
    r=$(val "$3" redis "$4")
    ratio=$(awk -v h="$h" -v r="$r" 'BEGIN {
        if (h ~ /^-?[0-9.e+]+$/ && r ~ /^-?[0-9.e+]+$/ && r + 0 != 0) printf "%.2f", h / r
        else printf "-" }')
    better="-"
    if [ "$ratio" != "-" ]; then
        better=$(awk -v x="$ratio" -v d="$5" 'BEGIN {
            if (x > 1.05) print (d == "higher" ? "Herald" : "Redis")
            else if (x < 0.95) print (d == "higher" ? "Redis" : "Herald")
            else print "≈" }')
    fi
    echo "| $1 | $2 | $(fmt "$h") | $(fmt "$r") | $ratio | $better |"
}
fanout_rows() {
    row "$1" "delivered msg/s" "$2" '.delivered_rate' higher
    row "$1" "publish msg/s" "$2" '.publish_rate' higher
    row "$1" "p50 latency µs" "$2" '.latency.p50_us' lower
    row "$1" "p99 latency µs" "$2" '.latency.p99_us' lower
}
# check ID LABEL: a correctness line for both servers.
check() {
    local s f line=""
    for s in herald redis; do
        f="$WORK/$1.$s.json"
        if [ ! -s "$f" ] || jq -e 'has("error")' "$f" >/dev/null 2>&1; then
            line="$line | error: $(jq -r '.error // "no output"' "$f" 2>/dev/null | tr '\n|' '  ')"
        else
            line="$line | $(jq -r '"lost \(.lost), dup \(.duplicated), reordered \(.reordered), errors \(.errors)" + (if .extra.violations != null then ", violations \(.extra.violations)" else "" end) + (if (.notes | length) > 0 then " (" + (.notes | join("; ")) + ")" else "" end)' "$f" | tr '\n|' '  ')"
        fi
    done
    echo "| $2$line |"
}

DATE=$(date -u +%Y-%m-%d)
OUT_DIR="$ROOT/bench/results"
mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/$DATE.md"
if [ -e "$OUT" ]; then OUT="$OUT_DIR/$DATE-$(date -u +%H%M).md"; fi
if [ "${QUICK:-0}" = 1 ]; then OUT="$WORK/quick.md"; fi # trial runs stay out of results/

{
    echo "# Herald vs Redis — $DATE"
    echo
    echo "- Herald: $HERALD_VERSION (git $GIT_REV); Redis: $REDIS_VERSION"
    echo "- Machine: $(nproc) cores, $(uname -sr), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);" \
         "client and servers share the machine; matrix took ${ELAPSED} s"
    echo "- Load generator: herald-bench (own RESP client, tokio), redis-benchmark $("$REDIS_BENCHMARK" --version 2>/dev/null | awk '{print $2}' | tr -d 'v=')"
    echo "- Ratio = Herald / Redis. \"Better\" names the winner when they differ by more than 5%;" \
         "one run each, so treat differences under ~20% as noise (see bench/README.md)."
    echo
    echo "## Throughput, latency and memory"
    echo
    echo "| Scenario | Metric | Herald | Redis | Herald/Redis | Better |"
    echo "|---|---|---:|---:|---:|---|"
    for b in 64 1024; do
        fanout_rows "fanout 1→1, ${b} B" "f1x1-$b"
        fanout_rows "fanout 1→100, ${b} B" "f1x100-$b"
        fanout_rows "fanout 1→1000, ${b} B" "f1x1000-$b"
        fanout_rows "fanout 100 ch × 10 subs, 4 pubs, ${b} B" "f100x10-$b"
    done
    row "fanout 1→100 at 2,000 msg/s, 64 B" "p50 latency µs" fixed-rate '.latency.p50_us' lower
    row "fanout 1→100 at 2,000 msg/s, 64 B" "p99 latency µs" fixed-rate '.latency.p99_us' lower
    row "fanout 1→100 at 2,000 msg/s, 64 B" "p99.9 latency µs" fixed-rate '.latency.p999_us' lower
    row "fanout 1→10 RESP3, 64 B" "delivered msg/s" resp3 '.delivered_rate' higher
    row "fanout 10 ch × 1 psubscriber, 64 B" "delivered msg/s" mode-patterns '.delivered_rate' higher
    row "fanout 10 ch × 1 ssubscriber, 64 B" "delivered msg/s" mode-sharded '.delivered_rate' higher
    row "patterns: 1,000 non-matching" "publish msg/s" pat1000 '.publish_rate' higher
    row "patterns: 1,000 non-matching" "p99 latency µs" pat1000 '.latency.p99_us' lower
    row "patterns: 10,000 non-matching" "publish msg/s" pat10000 '.publish_rate' higher
    row "patterns: 10,000 non-matching" "p99 latency µs" pat10000 '.latency.p99_us' lower
    row "conns: $CONNS idle subscribers" "used_memory B/conn" conns '.extra.used_memory_per_conn' lower
    row "conns: $CONNS idle subscribers" "RSS B/conn" conns '.extra.rss_per_conn' lower
    row "conns: $CONNS idle subscribers" "connects/s" conns '.extra.connects_per_sec' higher
    row "slowsub: 100k × 1 KB, 2 healthy" "publish msg/s" slowsub '.publish_rate' higher
    row "slowsub: 100k × 1 KB, 2 healthy" "peak used_memory growth B" slowsub '.extra.used_memory_peak_growth' lower
    row "slowsub: 100k × 1 KB, 2 healthy" "peak RSS growth B" slowsub '.extra.rss_peak_growth' lower
    row "churn: 20 clients, window 1" "publish msg/s" churn '.publish_rate' higher
    row "churn: 20 clients, window 1" "sub/unsub cycles" churn '.extra.cycles' higher
    for t in PING_INLINE PING_MBULK SET GET; do
        row "redis-benchmark -P 16" "$t req/s" rb-basic ".$t.rps" higher
    done
    for t in INCR LPUSH RPOP SADD HSET ZADD; do
        row "redis-benchmark -P 16" "$t req/s" rb-data ".$t.rps" higher
    done
    row "redis-benchmark -n 200000" "PUBLISH req/s" rb-pub '.[keys[0]].rps' higher
    row "redis-benchmark -n 200000" "PUBLISH p50 ms" rb-pub '.[keys[0]].p50_ms' lower
    row "redis-benchmark -n 200000 -P 16" "PUBLISH req/s" rb-pub-p16 '.[keys[0]].rps' higher
    echo
    echo "## Slow subscriber"
    echo
    echo "| | Herald | Redis |"
    echo "|---|---|---|"
    for k in slow_disconnected slow_final_read healthy_all_received healthy_missing output_buffer_disconnections; do
        echo "| $k | $(val slowsub herald ".extra.$k") | $(val slowsub redis ".extra.$k") |"
    done
    echo
    echo "## Correctness (lost / duplicated / reordered / errors)"
    echo
    echo "| Scenario | Herald | Redis |"
    echo "|---|---|---|"
    for b in 64 1024; do
        check "f1x1-$b" "fanout 1→1, $b B"
        check "f1x100-$b" "fanout 1→100, $b B"
        check "f1x1000-$b" "fanout 1→1000, $b B"
        check "f100x10-$b" "fanout 100 ch × 10 subs, $b B"
    done
    check fixed-rate "fanout 1→100 at 2,000 msg/s"
    check resp3 "fanout RESP3"
    check mode-patterns "fanout, pattern subscribers"
    check mode-sharded "fanout, shard channels"
    check pat1000 "patterns 1,000"
    check pat10000 "patterns 10,000"
    check churn "churn (invariant: see bench/README.md)"
} >"$OUT"

if [ "${KEEP_RAW:-0}" = 1 ]; then
    mkdir -p "${OUT%.md}-raw"
    cp "$WORK"/* "${OUT%.md}-raw/"
fi
cat "$OUT"
echo >&2
echo "compare.sh: wrote $OUT (raw results in $WORK)" >&2
