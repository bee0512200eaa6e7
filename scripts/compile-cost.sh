#!/usr/bin/env bash
# What atakora's attributes add to compile time: a crate of 200 entity structs, `cargo check`
# with #[crud_api] + #[backend] (and the build script) against the same structs with serde's
# derives only.
#
#   scripts/compile-cost.sh [N]     (default 200)
#
# Dependencies are built first (not timed); each crate's own check is then timed 3 times after
# touching its source, and the medians compared. Target: ratio <= 1.5.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
n="${1:-200}"
work="${COMPILE_COST_DIR:-/tmp/atakora-compile-cost}"
export CARGO_TARGET_DIR="$work/target"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A took full
for mode in serde atakora; do
  app="$work/$mode"
  rm -rf "$app"
  python3 "$repo/scripts/gen-app.py" "$app" "$n" "$mode"
  cp "$repo/Cargo.lock" "$app/"
  (cd "$app" && cargo check -q 2>/dev/null || true)
  times=()
  for _ in 1 2 3; do
    # An edit to the sources, as a user makes it: the crate is checked again and (atakora)
    # its build script reruns, because it watches the sources; the build script itself is
    # not recompiled.
    touch "$app/src/lib.rs"
    start=$(date +%s.%N)
    (cd "$app" && cargo check -q 2>/dev/null)
    end=$(date +%s.%N)
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
  done
  took[$mode]="$(printf '%s\n' "${times[@]}" | median)"
  echo "$mode: cargo check of $n entities ${took[$mode]} s (median of ${times[*]})"
  # The same without incremental compilation: the whole crate checked again, as after an edit
  # that changes what every item depends on (or in CI).
  # Untimed first: without incremental compilation the path dependencies are built again.
  (cd "$app" && CARGO_INCREMENTAL=0 cargo check -q 2>/dev/null || true)
  times=()
  for _ in 1 2 3; do
    touch "$app/src/lib.rs"
    start=$(date +%s.%N)
    (cd "$app" && CARGO_INCREMENTAL=0 cargo check -q 2>/dev/null)
    end=$(date +%s.%N)
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
  done
  full[$mode]="$(printf '%s\n' "${times[@]}" | median)"
  echo "$mode: the same, not incremental ${full[$mode]} s (median of ${times[*]})"
done
awk -v a="${took[atakora]}" -v s="${took[serde]}" 'BEGIN { printf "ratio atakora / serde: %.2f (target <= 1.5)\n", a / s }'
awk -v a="${full[atakora]}" -v s="${full[serde]}" 'BEGIN { printf "ratio atakora / serde, not incremental: %.2f\n", a / s }'
