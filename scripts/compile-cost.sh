#!/usr/bin/env bash
# What atakora's attributes add to compile time: a crate of 200 entity structs, `cargo check`
# with #[crud_api] + #[backend] (and the build script) against the same structs with serde's
# derives only.
#
#   scripts/compile-cost.sh [N]     (default 200; ROUNDS=5)
#
# Both crates are generated and their dependencies built first (not timed). Then, in each of
# ROUNDS rounds, each crate's source is touched and checked, serde's then atakora's, so a
# machine that slows down slows both; the medians are compared. The same again without
# incremental compilation. Target: ratio <= 1.5.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
n="${1:-200}"
rounds="${ROUNDS:-5}"
work="${COMPILE_COST_DIR:-/tmp/atakora-compile-cost}"
export CARGO_TARGET_DIR="$work/target"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
modes=(serde atakora)
for mode in "${modes[@]}"; do
  app="$work/$mode"
  rm -rf "$app"
  python3 "$repo/scripts/gen-app.py" "$app" "$n" "$mode"
  cp "$repo/Cargo.lock" "$app/"
done
# An edit to the sources, as a user makes it: the crate is checked again and (atakora) its
# build script reruns, because it watches the sources; the build script itself is not
# recompiled. `incremental`: the default; `whole`: CARGO_INCREMENTAL=0, the whole crate
# checked again, as after an edit that changes what every item depends on (or in CI).
check() { # mode incremental(1|0) -> seconds
  local app="$work/$1" start end
  touch "$app/src/lib.rs"
  start=$(date +%s.%N)
  (cd "$app" && CARGO_INCREMENTAL="$2" cargo check -q 2>/dev/null)
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}
declare -A median_of
for incremental in 1 0; do
  label=$([ "$incremental" = 1 ] && echo incremental || echo "whole (CARGO_INCREMENTAL=0)")
  # Untimed first: dependencies built for this mode, incremental state in place.
  for mode in "${modes[@]}"; do
    (cd "$work/$mode" && CARGO_INCREMENTAL="$incremental" cargo check -q 2>/dev/null || true)
    check "$mode" "$incremental" >/dev/null
  done
  declare -A times=()
  for _ in $(seq "$rounds"); do
    for mode in "${modes[@]}"; do
      times[$mode]+="$(check "$mode" "$incremental") "
    done
  done
  for mode in "${modes[@]}"; do
    median_of[$mode,$incremental]="$(printf '%s\n' ${times[$mode]} | median)"
    echo "$mode, $label: cargo check of $n entities ${median_of[$mode,$incremental]} s (median of ${times[$mode]% })"
  done
  unset times
done
awk -v a="${median_of[atakora,1]}" -v s="${median_of[serde,1]}" 'BEGIN { printf "ratio atakora / serde: %.2f (target <= 1.5)\n", a / s }'
awk -v a="${median_of[atakora,0]}" -v s="${median_of[serde,0]}" 'BEGIN { printf "ratio atakora / serde, whole: %.2f\n", a / s }'
