"""Read checkov's JSON report and the templates it scanned; print the figures; fail on any
failed check, any parsing error, or fewer resources scanned than the templates declare."""
import glob
import json
import sys

report_path, root = sys.argv[1], sys.argv[2]
with open(report_path) as f:
    report = json.load(f)
reports = report if isinstance(report, list) else [report]
arm = [r for r in reports if r.get("check_type") == "arm"] or reports


def keys(resources):
    """(type, name) of every resource, nested ones included (symbolic-name maps too)."""
    if isinstance(resources, dict):
        resources = [dict(r, name=r.get("name", k)) for k, r in resources.items()]
    for r in resources:
        yield (r["type"], json.dumps(r["name"]))
        yield from keys(r.get("resources", []))


templates = sorted(glob.glob(f"{root}/*/*/azuredeploy.json"))
# checkov identifies a resource by its type and name within a file, so two apps' nested `ftp`
# policies are one resource to it: compare with what it can tell apart.
declared = total = 0
for t in templates:
    with open(t) as f:
        all_keys = list(keys(json.load(f)["resources"]))
    total += len(all_keys)
    declared += len(set(all_keys))

summary = {k: sum(r["summary"].get(k, 0) for r in arm) for k in ("passed", "failed", "skipped", "parsing_errors", "resource_count")}
skipped = sorted(
    {c["check_id"] for r in arm for c in r["results"].get("skipped_checks", [])},
    key=lambda c: int(c.rsplit("_", 1)[1]),
)
print(
    f"checkov: {len(templates)} templates, {total} resources declared ({declared} distinct by type and name), {summary['resource_count']} scanned; "
    f"passed {summary['passed']}, failed {summary['failed']}, skipped {summary['skipped']} "
    f"({len(skipped)} distinct: {', '.join(skipped)}), parsing errors {summary['parsing_errors']}"
)
for r in arm:
    for c in r["results"].get("failed_checks", []):
        print(f"  FAILED {c['check_id']} {c['resource']} in {c['file_path']}: {c.get('check_name', '')}")
problems = []
if not templates:
    problems.append("no templates found")
if summary["failed"]:
    problems.append(f"{summary['failed']} failed checks")
if summary["parsing_errors"]:
    problems.append(f"{summary['parsing_errors']} parsing errors")
if summary["resource_count"] < declared:
    problems.append(f"checkov scanned {summary['resource_count']} resources, fewer than the {declared} declared")
if problems:
    print("checkov: FAILED: " + "; ".join(problems))
    sys.exit(1)
print("checkov: ok")
