#!/usr/bin/env bash
# The runtime benchmark (docs/performance.md, "Runtime"): point reads and creates over HTTP
# against the SQLite store, at 16 and 64 connections, in one run, for
#   runtime   the shop example's API backend (`atakora::serve`), request log on (to /dev/null)
#   baseline  a minimal axum + rusqlite handler (atakora-runtime/examples/baseline.rs)
#   json      json-server 0.17.4 (npm), the mock many teams use
# Servers and load generator are pinned to different cores (taskset): servers on CPU 0, wrk
# on CPU 1. Each cell is the median of ROUNDS (default 3) runs, the servers interleaved.
# Installs wrk (Debian) and json-server (npm, into target/bench) when missing: run it by
# hand, not in CI. Output: a markdown table on stdout and in target/bench/runtime.md.
#
#   [ROUNDS=3] scripts/bench-runtime.sh [seconds-per-run (default 10)]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
N=1000
out=target/bench
mkdir -p "$out"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q wrk >/dev/null; }
command -v taskset >/dev/null || apt-get install -y -q util-linux >/dev/null
if [ ! -x "$out/node/node_modules/.bin/json-server" ]; then
  npm install --prefix "$out/node" --no-audit --no-fund --silent json-server@0.17.4 >/dev/null
fi

busy() { # CPU time other processes used in the last second, in percent of both cores
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5}' /proc/stat); sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5}' /proc/stat)
  echo "$a $b" | awk '{ busy=$3-$1; idle=$4-$2; printf "%.0f", 100*busy/(busy+idle) }'
}

echo "building (release)..." >&2
cargo build --release -q -p atakora-example-shop
cargo build --release -q -p atakora-runtime --example baseline

wait_up() { # url
  for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "server at $1 did not start" >&2; exit 1
}

load() { # base-url collection-path
  for i in $(seq 1 "$N"); do
    printf '{"id":"u%d","tenantId":"acme","email":"u%d@example.test","displayName":"User %d"}' "$i" "$i" "$i"
    echo
  done > "$work/docs.jsonl"
  while read -r doc; do
    curl -s -o /dev/null -X POST "$1$2" -H 'content-type: application/json' -d "$doc"
  done < "$work/docs.jsonl"
}

result() { # name op conns round wrk-output-file
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$5")
  p50=$(awk '/^ +50%/ {print $2}' "$5")
  p99=$(awk '/^ +99%/ {print $2}' "$5")
  echo "$1|$2|$3|$4|$rps|$p50|$p99" >> "$work/runs"
}

declare -A BASE READ_PREFIX READ_SUFFIX CREATE_PATH

run() { # name op conns round
  local f="$work/$1-$2-$3-$4.txt" base="${BASE[$1]}"
  if [ "$2" = read ]; then
    BENCH_PREFIX="${READ_PREFIX[$1]}" BENCH_SUFFIX="${READ_SUFFIX[$1]}" BENCH_N=$N \
      taskset -c 1 wrk -t1 -c"$3" -d"${DURATION}s" --latency -s scripts/bench/read.lua "$base" > "$f"
  else
    BENCH_PATH="${CREATE_PATH[$1]}" BENCH_TAG="$1-$3-$4" \
      taskset -c 1 wrk -t1 -c"$3" -d"${DURATION}s" --latency -s scripts/bench/create.lua "$base" > "$f"
  fi
  if grep -q 'Non-2xx' "$f"; then echo "$1 $2 $3: non-2xx responses:" >&2; cat "$f" >&2; exit 1; fi
  result "$1" "$2" "$3" "$4" "$f"
}

checkpoint() { # sqlite-file: fold the loading's WAL into the database, for both SQLite servers
  if [ -n "$1" ]; then
    python3 -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')" "$1"
  fi
}

prepare() { # name base read-prefix read-suffix create-path [sqlite-file]
  BASE[$1]="$2" READ_PREFIX[$1]="$3" READ_SUFFIX[$1]="$4" CREATE_PATH[$1]="$5"
  load "$2" "$5"
  checkpoint "${6:-}"
  curl -sf -o /dev/null "$2$3"1"$4" || { echo "$1: reading a loaded document failed" >&2; exit 1; }
  # A short warm-up.
  BENCH_PREFIX="$3" BENCH_SUFFIX="$4" BENCH_N=$N taskset -c 1 wrk -t1 -c16 -d1s -s scripts/bench/read.lua "$2" > /dev/null
}

SERVERS=(runtime baseline json)

# All three servers run at once, pinned to CPU 0, each idle while another is measured.
(cd "$work" && PORT=18080 ATAKORA_STORE="sqlite:$work/runtime.db" RUST_LOG=warn \
  exec taskset -c 0 "$OLDPWD/target/release/atakora-example-shop" > /dev/null 2> "$work/runtime.log") &
pids+=($!)
PORT=18081 DB="$work/baseline.db" taskset -c 0 target/release/examples/baseline 2> "$work/baseline.log" &
pids+=($!)
echo '{"users":[]}' > "$work/db.json"
taskset -c 0 node "$out/node/node_modules/json-server/lib/cli/bin.js" --port 18082 --quiet "$work/db.json" > "$work/json.log" 2>&1 &
pids+=($!)
wait_up http://127.0.0.1:18080/health
wait_up http://127.0.0.1:18081/items/none
wait_up http://127.0.0.1:18082/users
prepare runtime http://127.0.0.1:18080 "/api/users/u" "?tenantId=acme" /api/users "$work/runtime.db"
prepare baseline http://127.0.0.1:18081 "/items/u" "" /items "$work/baseline.db"
prepare json http://127.0.0.1:18082 "/users/u" "" /users

# Rounds interleave the servers, so a slow moment of the machine hits all of them alike;
# each cell reports the median round. Reads first (the loaded documents), then creates.
ROUNDS="${ROUNDS:-3}"
BUSY_BEFORE=$(busy)
for op in read create; do
  for c in 16 64; do
    for r in $(seq 1 "$ROUNDS"); do
      for s in "${SERVERS[@]}"; do run "$s" "$op" "$c" "$r"; done
    done
  done
done

# The median round of each cell (by req/s).
for s in "${SERVERS[@]}"; do
  for op in read create; do
    for c in 16 64; do
      awk -F'|' -v n="$s" -v o="$op" -v c="$c" '$1==n && $2==o && $3==c' "$work/runs" | sort -t'|' -k5 -g \
        | awk -v m=$(( (ROUNDS + 1) / 2 )) 'NR==m' | cut -d'|' -f1-3,5- >> "$work/results"
    done
  done
done

{
  echo "| server | operation | connections | req/s | p50 | p99 |"
  echo "|---|---|---:|---:|---:|---:|"
  while IFS='|' read -r name op c rps p50 p99; do
    echo "| $name | $op | $c | $rps | $p50 | $p99 |"
  done < "$work/results"
  echo
  echo "| ratio (same run) | 16 connections | 64 connections |"
  echo "|---|---:|---:|"
  ratio() { # op a b conns
    local a b
    a=$(awk -F'|' -v n="$2" -v o="$1" -v c="$4" '$1==n && $2==o && $3==c {print $4}' "$work/results")
    b=$(awk -F'|' -v n="$3" -v o="$1" -v c="$4" '$1==n && $2==o && $3==c {print $4}' "$work/results")
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
  }
  echo "| reads: runtime / baseline | $(ratio read runtime baseline 16) | $(ratio read runtime baseline 64) |"
  echo "| reads: runtime / json-server | $(ratio read runtime json 16) | $(ratio read runtime json 64) |"
  echo "| creates: runtime / baseline | $(ratio create runtime baseline 16) | $(ratio create runtime baseline 64) |"
  echo "| creates: runtime / json-server | $(ratio create runtime json 16) | $(ratio create runtime json 64) |"
  echo
  echo "Machine busy with other work at the start: ${BUSY_BEFORE}% of its CPU time (idle servers: ~0%)."
  echo "wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), ${DURATION} s per run, median of $ROUNDS rounds, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), server on CPU 0, wrk on CPU 1."
} | tee "$out/runtime.md"
cp "$work/runs" "$out/runtime-runs.txt"
