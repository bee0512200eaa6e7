#!/usr/bin/env bash
# Compare what every example emits at two revisions.
#
#   scripts/compare-templates.sh [BEFORE] [AFTER]     (defaults: HEAD~1 and the work tree)
#
# Each revision is checked out into a temporary worktree and built with its own target
# directory (`cargo build --workspace`, which runs every example's build script). Then, for
# every backend and environment, the template and parameter files are compared byte for byte
# and the manifests by the resources they list. Prints one line per deployment and a summary;
# exits 1 when a template or parameter file differs. Needs git, cargo and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
before="${1:-HEAD~1}"
after="${2:-}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/before" >/dev/null 2>&1 || true;
      git worktree remove --force "$work/after" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

emit() { # <label> <rev or empty for the work tree>
  local label="$1" rev="$2" src
  if [ -z "$rev" ]; then
    src="$(pwd)"
  else
    git worktree add --detach --quiet "$work/$label" "$rev"
    src="$work/$label"
  fi
  echo "== building $label (${rev:-work tree})" >&2
  (cd "$src" && CARGO_TARGET_DIR="$work/target-$label" cargo build --workspace --quiet >&2)
  cp -r "$work/target-$label/atakora" "$work/out-$label"
}
emit before "$before"
emit after "$after"

python3 - "$work/out-before" "$work/out-after" <<'PY'
import json, pathlib, sys
before, after = map(pathlib.Path, sys.argv[1:3])
def deployments(root):
    return sorted(p.parent.relative_to(root) for p in root.glob("*/*/azuredeploy.json"))
b, a = deployments(before), deployments(after)
if b != a:
    print(f"deployments differ: only before {sorted(set(b) - set(a))}, only after {sorted(set(a) - set(b))}")
    sys.exit(1)
def listed(path):
    return {(r["type"], r["name"]) for r in json.loads(path.read_text())["resources"]}
differing, listed_before, listed_after = 0, 0, 0
for d in b:
    same = [(before / d / f).read_bytes() == (after / d / f).read_bytes()
            for f in ("azuredeploy.json", "azuredeploy.parameters.json")]
    mb, ma = listed(before / d / "manifest.json"), listed(after / d / "manifest.json")
    listed_before, listed_after = listed_before + len(mb), listed_after + len(ma)
    state = "identical" if all(same) else "DIFFERENT"
    differing += not all(same)
    gone = f", {len(mb - ma)} no longer listed" if mb - ma else ""
    print(f"{str(d):45} template+parameters {state}; manifest {len(mb)} -> {len(ma)} resources{gone}")
print(f"{len(b)} deployments: {len(b) - differing} identical, {differing} different; "
      f"manifests list {listed_before} -> {listed_after} resources")
sys.exit(1 if differing else 0)
PY
