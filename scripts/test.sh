#!/usr/bin/env bash
# Runs every Herald test on a fresh Debian machine: the one command the README and CI use.
#
#   1. installs redis-server / redis-tools (Debian packages) if missing (reference server for
#      the comparison tests);
#   2. creates the Python virtualenv .venv (repo root) if missing and installs
#      tests/python/requirements.txt into it (again only when that file changed);
#   3. cargo build --release --bins     (the herald-server binary the Python tests run);
#   4. cargo test --all-targets         (the whole Rust suite), then cargo test --doc;
#   5. .venv/bin/python -m pytest tests/python -q   (redis-py against a real herald-server).
#
# Exits non-zero if anything fails. A failing Rust suite does not stop the Python suite from
# running (both results are shown); a failing build or setup step stops at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

START_TS=$(date +%s)
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/herald-test.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

section() {
    printf '\n==================== %s ====================\n' "$*"
}

die() {
    printf 'test.sh: %s\n' "$*" >&2
    exit 1
}

# ------------------------------------------------------------------ system packages
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
        die "need root or sudo to install $*"
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
        APT_UPDATED=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

section "Setup: system packages"
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    echo "redis-server and redis-cli present: $(redis-server --version)"
else
    echo "installing redis-server and redis-tools"
    apt_install redis-server redis-tools
fi

# The Python TLS tests make their certificates with the openssl CLI.
command -v openssl >/dev/null 2>&1 || apt_install openssl

if [ -z "$(command -v cargo || true)" ] && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (rustup)"
echo "$(cargo --version)"

if ! command -v python3 >/dev/null 2>&1; then
    echo "installing python3"
    apt_install python3 python3-venv
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "installing python3-venv"
    apt_install python3-venv
fi
echo "$(python3 --version)"

# ------------------------------------------------------------------ Python virtualenv
section "Setup: Python virtualenv (.venv)"
VENV="$ROOT/.venv"
REQ="$ROOT/tests/python/requirements.txt"
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo ".venv is broken (its interpreter does not run): recreating it"
    rm -rf "$VENV"
fi
if [ ! -d "$VENV" ]; then
    echo "creating .venv with $(command -v python3)"
    python3 -m venv "$VENV"
fi
REQ_HASH="$(sha256sum "$REQ" | cut -d' ' -f1)"
STAMP="$VENV/.herald-requirements.sha256"
if [ "$(cat "$STAMP" 2>/dev/null || true)" = "$REQ_HASH" ] \
    && "$VENV/bin/python" -c 'import redis, pytest, pytest_asyncio' >/dev/null 2>&1; then
    echo "requirements already installed"
else
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQ"
    echo "$REQ_HASH" >"$STAMP"
fi
"$VENV/bin/python" -c 'import redis, pytest, pytest_asyncio, sys; print("python", sys.version.split()[0], "| redis-py", redis.__version__, "| pytest", pytest.__version__, "| pytest-asyncio", pytest_asyncio.__version__)'

# ------------------------------------------------------------------ Rust
section "Build: cargo build --release --bins"
t0=$(date +%s)
cargo build --release --bins
echo "build finished in $(( $(date +%s) - t0 ))s"

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
export HERALD_BIN="$TARGET_DIR/release/herald-server"
[ -x "$HERALD_BIN" ] || die "$HERALD_BIN was not built"

RUST_RC=0
section "Rust tests: cargo test --all-targets"
t0=$(date +%s)
if cargo test --all-targets 2>&1 | tee "$LOG_DIR/rust.log"; then
    echo "Rust tests passed in $(( $(date +%s) - t0 ))s"
else
    RUST_RC=1
    echo "Rust tests FAILED (after $(( $(date +%s) - t0 ))s)"
fi

section "Rust doc tests: cargo test --doc"
t0=$(date +%s)
if cargo test --doc 2>&1 | tee "$LOG_DIR/rustdoc.log"; then
    echo "Rust doc tests passed in $(( $(date +%s) - t0 ))s"
else
    RUST_RC=1
    echo "Rust doc tests FAILED (after $(( $(date +%s) - t0 ))s)"
fi

# ------------------------------------------------------------------ Python
PY_RC=0
section "Python tests: .venv/bin/python -m pytest tests/python -q"
t0=$(date +%s)
if "$VENV/bin/python" -m pytest tests/python -q -rfEx 2>&1 | tee "$LOG_DIR/python.log"; then
    echo "Python tests passed in $(( $(date +%s) - t0 ))s"
else
    PY_RC=1
    echo "Python tests FAILED (after $(( $(date +%s) - t0 ))s)"
fi

# ------------------------------------------------------------------ summary
# Sums cargo's "test result: ... N passed; M failed; K ignored" lines.
rust_count() {
    { grep -hoE "[0-9]+ $1;" "$LOG_DIR"/rust.log "$LOG_DIR"/rustdoc.log 2>/dev/null || true; } \
        | awk '{s += $1} END {print s + 0}'
}
# Reads pytest's closing line ("3 failed, 80 passed, 6 xfailed in 5.1s").
py_count() {
    { grep -E "^=*[ ]*[0-9]+ [a-z]+.* in [0-9.]+s" "$LOG_DIR/python.log" 2>/dev/null || true; } \
        | tail -n 1 | { grep -oE "[0-9]+ $1\b" || true; } | awk '{s += $1} END {print s + 0}'
}
R_PASS=$(rust_count passed); R_FAIL=$(rust_count failed); R_IGN=$(rust_count ignored)
P_PASS=$(py_count passed); P_FAIL=$(py_count failed); P_ERR=$(py_count errors)
P_ERR=$(( P_ERR + $(py_count error) )); P_XFAIL=$(py_count xfailed); P_SKIP=$(py_count skipped)

section "Summary"
echo "rust:   ${R_PASS} passed, ${R_FAIL} failed, ${R_IGN} ignored $([ "$RUST_RC" -eq 0 ] && echo '(ok)' || echo '(FAILED)')"
echo "python: ${P_PASS} passed, ${P_FAIL} failed, ${P_ERR} errors, ${P_XFAIL} xfailed (known Herald differences), ${P_SKIP} skipped $([ "$PY_RC" -eq 0 ] && echo '(ok)' || echo '(FAILED)')"
echo "total time: $(( $(date +%s) - START_TS ))s"
TOTAL_FAIL=$(( R_FAIL + P_FAIL + P_ERR ))
if [ "$RUST_RC" -ne 0 ] || [ "$PY_RC" -ne 0 ]; then
    # A suite can fail without a failed test (a compile error, pytest finding no tests).
    [ "$TOTAL_FAIL" -gt 0 ] || TOTAL_FAIL=1
fi
echo "Summary: $(( R_PASS + P_PASS )) passed, ${TOTAL_FAIL} failed"
if [ "$RUST_RC" -ne 0 ] || [ "$PY_RC" -ne 0 ]; then
    exit 1
fi
