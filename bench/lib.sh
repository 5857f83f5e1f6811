# Shell helpers shared by the bench scripts (sourced, not run).

# A loopback port nothing listens on.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    echo "$(basename "$0"): no free port found" >&2
    exit 1
}
