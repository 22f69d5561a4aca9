#!/usr/bin/env bash
# Runs Microsoft's SARIF validator (npm @microsoft/sarif-multitool 5.7.0, with
# the SARIF and GitHub ingestion rule sets) on migrasafe's SARIF for the
# fixtures, the examples and a few awkward inputs. Fails on any error or warning.
set -euo pipefail
bin=$(realpath "${1:?usage: sarif_validate.sh MIGRASAFE_BIN}")
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/sarif
native=$cache/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [[ ! -f $native ]]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0)
fi
chmod u+x "$native"  # npm may skip the package's postinstall chmod

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'SET lock_timeout = %s;\r\nALTER TABLE t\r\n  DROP COLUMN c;\r\n' "'1s'" > "$tmp/crlf.sql"
printf 'ALTER TABLE "Bestellungen" DROP COLUMN "größe";\nALTER TABLE "注文" ADD COLUMN "合計" int NOT NULL;\n' > "$tmp/unicode.sql"
printf 'CREATE TABLE a (id int);\nSELEC 1;\n\\set x 1\n' > "$tmp/broken.sql"
printf 'SELECT 1;\n' > "$tmp/file with spaces#1.sql"

cd "$root"
status=0
validate() {  # name, migrasafe args...
  local name=$1; shift
  local rc=0
  "$bin" check --format sarif --output "$tmp/$name.sarif" "$@" 2>/dev/null || rc=$?
  if [[ $rc -gt 3 ]]; then echo "FAIL $name: migrasafe exit code $rc"; status=1; return; fi
  (cd "$tmp" && "$native" validate "$name.sarif" --rule-kind "Gh;Sarif" --level "Error;Warning;Note" \
      -o "$name.result.sarif" --log ForceOverwrite >/dev/null 2>&1) || true
  if [[ ! -f $tmp/$name.result.sarif ]]; then echo "FAIL $name: the validator produced no result"; status=1; return; fi
  python3 - "$tmp/$name.result.sarif" "$name" <<'PY' || status=1
import collections, json, sys
log = json.load(open(sys.argv[1]))
results = [r for run in log["runs"] for r in run.get("results", [])]
levels = collections.Counter(r.get("level", "warning") for r in results)
print(f"{sys.argv[2]:10} errors={levels['error']} warnings={levels['warning']} notes={levels['note']}")
for r in results:
    if r.get("level", "warning") in ("error", "warning"):
        print("   ", r.get("ruleId"), r["message"].get("text", r["message"].get("id")))
sys.exit(1 if levels["error"] or levels["warning"] else 0)
PY
}
validate fixtures fixtures/
validate examples examples/
validate awkward "$tmp/crlf.sql" "$tmp/unicode.sql" "$tmp/broken.sql" "$tmp/file with spaces#1.sql"
validate unreadable "$tmp/crlf.sql" "$tmp/does-not-exist.sql"
exit $status
