#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (default 60 s each) and reports the result.
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain accept
# them, since this machine has no other toolchain. Usage: scripts/fuzz.sh [seconds] [target...]
#
# Each target starts from the committed seeds in fuzz/seeds/<target> and keeps what it finds in
# fuzz/corpus/<target> (not committed; it grows across runs). A target with a dictionary
# (fuzz/<target>.dict) gets it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser glob commands)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${secs}s"
  log="$(mktemp)"
  mkdir -p "fuzz/corpus/$t"
  dirs=("corpus/$t")
  [ -d "fuzz/seeds/$t" ] && dirs+=("seeds/$t")
  opts=(-max_total_time="$secs")
  [ -f "fuzz/$t.dict" ] && opts+=(-dict="$t.dict")
  if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "${dirs[@]}" -- "${opts[@]}" >"$log" 2>&1); then
    echo "fuzz target $t FAILED:"
    tail -40 "$log"
    exit 1
  fi
  grep -E '^Done' "$log"
  echo "corpus: $(find "fuzz/corpus/$t" -type f | wc -l) files"
done
