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
RULES_JSON=$rules_json python3 "$(dirname "$0")/rule_index.py" "$root"
echo "wrote docs/rules/README.md and the rules table in README.md"
