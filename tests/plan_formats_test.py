#!/usr/bin/env python3
"""`migrasafe plan` output formats.

- Golden files: the plan of examples/migrations in each format must equal
  tests/plan/examples.<format> (UPDATE_GOLDEN=1 rewrites them after a reviewed change).
- YAML and JSON are one document: the YAML, parsed, must equal the JSON, also
  for a migration whose names hold quotes, colons, '#', '- ' and line breaks.
- The JSON has the documented fields (docs/plan.md).

Usage: plan_formats_test.py MIGRASAFE_BIN
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FORMATS = {"text": "txt", "markdown": "md", "yaml": "yaml", "json": "json"}
ADVERSARIAL = '''CREATE TABLE "a: b #c" ("- x" int, "it's" text);
ALTER TABLE "a: b #c" ALTER COLUMN "- x" SET NOT NULL;
CREATE UNIQUE INDEX "i
j" ON "a: b #c" ("it's");
DROP TABLE "a: b #c";
'''


def plan(migrasafe, fmt, path, cwd=ROOT):
    r = subprocess.run([migrasafe, "plan", "--format", fmt, path], capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        sys.exit(f"plan --format {fmt} {path}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def main():
    migrasafe = os.path.abspath(sys.argv[1])
    problems = []
    for fmt, ext in FORMATS.items():
        got = plan(migrasafe, fmt, "examples/migrations")
        golden = os.path.join(HERE, "plan", f"examples.{ext}")
        if os.environ.get("UPDATE_GOLDEN"):
            with open(golden, "w") as f:
                f.write(got)
        with open(golden) as f:
            want = f.read()
        if got != want:
            problems.append(f"{fmt}: differs from {os.path.relpath(golden, ROOT)} (UPDATE_GOLDEN=1 to accept)")

    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "0001_odd_names.sql"), "w") as f:
            f.write(ADVERSARIAL)
        for path in ["examples/migrations", tmp]:
            as_json = json.loads(plan(migrasafe, "json", path))
            as_yaml = yaml.safe_load(plan(migrasafe, "yaml", path))
            if as_json != as_yaml:
                problems.append(f"{path}: the YAML plan does not parse to the JSON plan")
        odd = json.loads(plan(migrasafe, "json", tmp))["migrations"][0]
        queries = [c["query"] for c in odd["verification"]["before"] + odd["verification"]["after"]]
        if not any('"a: b #c"' in q for q in queries):
            problems.append(f"quoted names not quoted in the queries: {queries}")

    doc = json.loads(plan(migrasafe, "json", "examples/migrations"))
    fields = {"path", "phase", "deploy_order", "steps", "risks", "rollback_classification", "rollback_plan",
              "verification"}
    for m in doc["migrations"]:
        if set(m) != fields:
            problems.append(f"{m['path']}: fields {sorted(m)} are not the documented {sorted(fields)}")
    by_name = {os.path.basename(m["path"]): m for m in doc["migrations"]}
    expect = {
        "0004_index_orders_by_customer.up.sql": ("expand", "forward-fix-only"),
        "0006_drop_customer_legacy.up.sql": ("contract", "compensating"),
        "0003_add_order_status.up.sql": ("expand", "reversible-with-data-loss"),
    }
    for name, (phase, rollback) in expect.items():
        m = by_name.get(name)
        if not m or (m["phase"], m["rollback_classification"]) != (phase, rollback):
            problems.append(f"{name}: expected phase {phase} and rollback {rollback}, got "
                            f"{m and (m['phase'], m['rollback_classification'])}")
    if any("down.sql" in p for p in by_name):
        problems.append("down scripts have plans of their own; they belong to their up script's rollback")

    for p in problems:
        print("FAIL", p)
    print(f"plan formats: {len(FORMATS)} golden files, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
