#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (default 60 s each) and reports the result.
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain accept
# them, since this machine has no other toolchain. Usage: scripts/fuzz.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser glob)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${secs}s"
  log="$(mktemp)"
  if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" >"$log" 2>&1); then
    echo "fuzz target $t FAILED:"
    tail -40 "$log"
    exit 1
  fi
  grep -E '^Done' "$log"
done
