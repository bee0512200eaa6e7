#!/usr/bin/env bash
# Time the whole process for app crates of N CRUD entities in one backend, both ways:
#
#   scripts/scale.sh [N ...]        (default: 500 1000 5000; REPS=9)
#
# For each N, scripts/gen-app.py writes an app crate into $SCALE_DIR (default
# /tmp/atakora-scale), and every crate is built first (`cargo build`, unoptimised, as users
# build). Then, REPS rounds, each running every N in turn (so a busy moment of the machine
# falls on all of them alike), each run timed with a nanosecond clock:
#   - build script: the crate's compiled build script run as cargo runs it
#     (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, OUT_DIR; a fresh output folder each time);
#   - CLI: `cargo-atakora atakora synth` (release), whole process.
# Prints the median of each, peak memory (the largest of the runs), the parts written (from the
# manifest), and the growth ratios between the first N and the others. Run it by hand on a
# quiet machine; it says how busy the machine was.
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
for n in "${sizes[@]}"; do
  app="$work/app-$n"
  # Generated once: a rerun reuses the crate and its build.
  if [ ! -f "$app/src/lib.rs" ]; then python3 "$repo/scripts/gen-app.py" "$app" "$n"; fi
  cp "$repo/Cargo.lock" "$app/"
  # Each crate its own output folder (they all name their backend `scale-backend`).
  (cd "$app" && ATAKORA_OUT_DIR="$work/build-out-$n" cargo build -q)
done
# Every crate's build script is the same program (`atakora::build::emit()`): the newest serves.
bs="$(ls -t "$CARGO_TARGET_DIR"/debug/build/scale-app-*/build-script-build | head -1)"
echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$bs" "$CARGO_TARGET_DIR/release/cargo-atakora" "${REPS:-9}" "${sizes[@]}" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time
work, bs, cli, reps, sizes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]

def run(argv, env):
    """Seconds and peak resident kilobytes of one whole process."""
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss

times = {(way, n): [] for way in ("script", "cli") for n in sizes}
peak = {(way, n): 0 for way in ("script", "cli") for n in sizes}
for _ in range(reps):
    for n in sizes:
        app, out, synth = f"{work}/app-{n}", f"{work}/out-{n}", f"{work}/synth-{n}"
        shutil.rmtree(out, ignore_errors=True)
        env = dict(os.environ, CARGO_MANIFEST_DIR=app, CARGO_PKG_NAME="scale-app",
                   OUT_DIR=f"{work}/out-dir", ATAKORA_OUT_DIR=out)
        for way, argv, e in (("script", [bs], env),
                             ("cli", [cli, "atakora", "synth", "--manifest-path", f"{app}/Cargo.toml", "--out", synth], dict(os.environ))):
            if way == "cli":
                shutil.rmtree(synth, ignore_errors=True)
            t, kb = run(argv, e)
            times[(way, n)].append(t)
            peak[(way, n)] = max(peak[(way, n)], kb)
median = {k: statistics.median(v) for k, v in times.items()}
for n in sizes:
    manifest = json.load(open(f"{work}/out-{n}/scale-backend/dev/manifest.json"))
    parts = manifest["parts"]
    largest_r = max(parts, key=lambda p: p["resources"])
    largest_b = max(parts, key=lambda p: p["bytes"])
    output = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(f"{work}/out-{n}") for f in fs)
    print(f"N={n}: build script {median[('script', n)]:.3f} s (peak {peak[('script', n)] / 1024:.1f} MB), "
          f"cargo atakora synth {median[('cli', n)]:.3f} s (peak {peak[('cli', n)] / 1024:.1f} MB); "
          f"{len(parts)} template(s), {sum(p['bytes'] for p in parts):,} bytes, {output:,} bytes written in all; "
          f"largest part {largest_r['resources']} resources, {largest_b['bytes']:,} bytes")
first = sizes[0]
for n in sizes[1:]:
    print(f"time({n})/time({first}): build script {median[('script', n)] / median[('script', first)]:.1f}, "
          f"CLI {median[('cli', n)] / median[('cli', first)]:.1f}")
print(f"median of {reps} runs each, the sizes in turn")
PY
