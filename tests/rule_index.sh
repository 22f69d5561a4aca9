#!/usr/bin/env bash
# Fails when docs/rules/README.md or README.md's rules table is not what
# scripts/gen-rule-index.sh makes from the rule table (run it to fix).
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docs/rules"
cp README.md "$tmp/README.md"
bash scripts/gen-rule-index.sh "$bin" "$tmp" >/dev/null
status=0
for f in README.md docs/rules/README.md; do
  if ! diff -u "$f" "$tmp/$f"; then
    echo "FAIL: $f is out of date: run scripts/gen-rule-index.sh" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "OK: rule index and README rules table are up to date"
exit $status
