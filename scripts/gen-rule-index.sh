#!/usr/bin/env bash
# Regenerates, from the rule table (via `migrasafe rules --format json`):
#   - docs/rules/README.md, the index of rule pages;
#   - the rules table in README.md, between its rules-table markers.
# Usage: scripts/gen-rule-index.sh [MIGRASAFE_BIN [ROOT]]
#   MIGRASAFE_BIN defaults to build/migrasafe; ROOT (default: this checkout) is
#   where README.md and docs/rules/ are read and written.
# The rule-index CTest fails when either file is out of date.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/migrasafe}
root=${2:-$root}
rules_json=$("$bin" rules --format json)
RULES_JSON=$rules_json python3 - "$root" <<'PY'
import json, os, sys, pathlib
root = pathlib.Path(sys.argv[1])
rules = sorted(json.loads(os.environ["RULES_JSON"]), key=lambda r: r["code"])

def severity(r):
    return r["severity"] + ("" if r["enabled_by_default"] else " (opt-in)")

def fix(r):
    return "yes" if r["fixable"] else "-"

index = ["# Rules", "",
         "Generated from `rules/rules.def` by `scripts/gen-rule-index.sh`; do not edit by hand.", "",
         "Each page says what the rule checks, why it is dangerous, an example, the safe alternative and when",
         "it is safe to ignore (`migrasafe rule NAME` prints it). Rule names, `MSnnn` codes and the listed",
         "aliases (other tools' rule names) are accepted by `--select`, `--ignore`, the configuration and",
         "ignore comments. Opt-in rules run only when selected or given a severity in the configuration.", "",
         "| code | rule | category | severity | fix | aliases | summary |", "|---|---|---|---|---|---|---|"]
for r in rules:
    index.append("| %s | [%s](%s.md) | %s | %s | %s | %s | %s |" % (
        r["code"], r["name"], r["name"], r["category"], severity(r), fix(r), ", ".join(r["aliases"]) or "-", r["summary"]))
(root / "docs/rules/README.md").write_text("\n".join(index) + "\n")

begin, end = "<!-- rules-table:begin -->", "<!-- rules-table:end -->"
table = [begin, "| code | rule | category | severity | fix |", "|---|---|---|---|---|"]
for r in rules:
    table.append("| %s | [%s](docs/rules/%s.md) | %s | %s | %s |" % (
        r["code"], r["name"], r["name"], r["category"], severity(r), fix(r)))
table.append(end)
readme = (root / "README.md").read_text()
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
(root / "README.md").write_text(head + "\n".join(table) + tail)
PY
echo "wrote docs/rules/README.md and the rules table in README.md"
