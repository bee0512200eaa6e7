#!/usr/bin/env bash
# Time the whole process for app crates of N CRUD entities in one backend, both ways:
#
#   scripts/scale.sh [N ...]        (default: 500 1000 5000)
#
# For each N, scripts/gen-app.py writes an app crate into $SCALE_DIR (default
# /tmp/atakora-scale), which is built once (`cargo build`, unoptimised, as users build); then
#   - build script: the crate's compiled build script is run 5 times as cargo runs it
#     (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, OUT_DIR; a fresh output folder each time);
#   - CLI: `cargo-atakora atakora synth` (release) 5 times, whole process.
# Prints the median of each, peak memory, and the growth ratios between the first N and the
# others. Run it by hand on a quiet machine; it says how busy the machine was.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
sizes=("${@:-500 1000 5000}")
read -r -a sizes <<< "${sizes[*]}"
work="${SCALE_DIR:-/tmp/atakora-scale}"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build -q --release -p cargo-atakora
cli="$CARGO_TARGET_DIR/release/cargo-atakora"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A script_s cli_s
for n in "${sizes[@]}"; do
  app="$work/app-$n"
  # Generated once: a rerun reuses the crate and its build.
  if [ ! -f "$app/src/lib.rs" ]; then python3 "$repo/scripts/gen-app.py" "$app" "$n"; fi
  cp "$repo/Cargo.lock" "$app/"
  # Each crate its own output folder (they all name their backend `scale-backend`).
  (cd "$app" && ATAKORA_OUT_DIR="$work/build-out-$n" cargo build -q 2>/dev/null ||
    ATAKORA_OUT_DIR="$work/build-out-$n" cargo build -q)
  bs="$(ls -t "$CARGO_TARGET_DIR"/debug/build/scale-app-*/build-script-build | head -1)"
  times=(); mem=0
  for _ in 1 2 3 4 5; do
    rm -rf "$work/out-$n"
    /usr/bin/time -o "$work/time" -f '%e %M' env CARGO_MANIFEST_DIR="$app" CARGO_PKG_NAME=scale-app \
      OUT_DIR="$work/out-dir" ATAKORA_OUT_DIR="$work/out-$n" "$bs" > /dev/null 2>&1
    line="$(tail -1 "$work/time")"
    times+=("${line% *}"); mem="${line#* }"
  done
  script_s[$n]="$(printf '%s\n' "${times[@]}" | median)"
  parts="$(ls "$work/out-$n"/scale-backend/dev/azuredeploy*.json | wc -l)"
  times=()
  for _ in 1 2 3 4 5; do
    rm -rf "$work/synth-$n"
    /usr/bin/time -o "$work/time" -f '%e %M' "$cli" atakora synth --manifest-path "$app/Cargo.toml" --out "$work/synth-$n" > /dev/null 2>&1
    line="$(tail -1 "$work/time")"
    times+=("${line% *}"); cli_mem="${line#* }"
  done
  cli_s[$n]="$(printf '%s\n' "${times[@]}" | median)"
  bytes="$(du -cb "$work/out-$n"/scale-backend/dev/azuredeploy*.json | tail -1 | cut -f1)"
  echo "N=$n: build script ${script_s[$n]} s (peak ${mem} KB), cargo atakora synth ${cli_s[$n]} s (peak ${cli_mem} KB); $parts template part(s), $bytes bytes"
done
first="${sizes[0]}"
for n in "${sizes[@]:1}"; do
  awk -v a="${script_s[$first]}" -v b="${script_s[$n]}" -v c="${cli_s[$first]}" -v d="${cli_s[$n]}" -v f="$first" -v n="$n" \
    'BEGIN { printf "time(%s)/time(%s): build script %.1f, CLI %.1f\n", n, f, b / a, d / c }'
done
