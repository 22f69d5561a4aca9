#!/usr/bin/env bash
# Regenerates docs/rules/README.md from the rule table (via `migrasafe rules --format json`).
# Usage: scripts/gen-rule-index.sh [MIGRASAFE_BIN]   (default: build/migrasafe)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/migrasafe}
"$bin" rules --format json | python3 -c '
import json, sys
rules = json.load(sys.stdin)
print("# Rules\n")
print("Generated from `rules/rules.def` by `scripts/gen-rule-index.sh`; do not edit by hand.\n")
print("Each page says what the rule checks, why it is dangerous, an example, the safe alternative and when")
print("it is safe to ignore. Rule names, `MSnnn` codes and the listed aliases (squawk rule names) are accepted")
print("by `--select` and `--ignore`.\n")
print("| code | rule | category | severity | aliases | summary |")
print("|---|---|---|---|---|---|")
for r in rules:
    aliases = ", ".join(r["aliases"]) or "-"
    print("| %s | [%s](%s.md) | %s | %s | %s | %s |" % (r["code"], r["name"], r["name"], r["category"], r["severity"], aliases, r["summary"]))
' > "$root/docs/rules/README.md"
echo "wrote docs/rules/README.md"
