#!/usr/bin/env bash
# Field test: migrasafe over every file of ../shared/corpus (real migrations
# from 11 projects). Fails on a crash, an internal error, a run over 60
# seconds, or a file missing from the report.
set -euo pipefail
bin=${1:?usage: corpus_field.sh MIGRASAFE_BIN}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${MIGRASAFE_CORPUS:-$root/../shared/corpus}
if [[ ! -d $corpus ]]; then
  echo "corpus not found at $corpus (set MIGRASAFE_CORPUS)" >&2
  # Outside the project's own CI (e.g. on GitHub) the corpus may be absent on purpose.
  [[ ${MIGRASAFE_ALLOW_NO_CORPUS:-} == 1 ]] && exit 77
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for project in "$corpus"/*/; do
  name=$(basename "$project")
  expected=$(find "$project" -type f -iname '*.sql' | wc -l)
  start=$(date +%s.%N)
  rc=0
  timeout 60 "$bin" check --format json "$project" >"$tmp/out.json" 2>"$tmp/err.txt" || rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    echo "FAIL $name: exit code $rc (124 = over 60 s)"; cat "$tmp/err.txt"; status=1; continue
  fi
  if grep -q "internal error" "$tmp/err.txt"; then
    echo "FAIL $name: internal error"; cat "$tmp/err.txt"; status=1; continue
  fi
  python3 - "$tmp/out.json" "$name" "$expected" "$secs" <<'PY' || status=1
import collections, json, sys
path, name, expected, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
doc = json.load(open(path))
files = doc["files"]
rules = collections.Counter(f["rule"] for x in files for f in x["findings"])
top = ", ".join(f"{r} {n}" for r, n in rules.most_common(5))
print(f"{name:18} {len(files):5} files {doc['summary']['statements']:6} statements "
      f"{doc['summary']['findings']:5} findings {secs:6.2f}s  {top}")
if len(files) != expected:
    print(f"FAIL {name}: {len(files)} files reported, {expected} .sql files on disk")
    sys.exit(1)
PY
done
rc=0
timeout 60 "$bin" check --format sarif "$corpus" >"$tmp/all.sarif" 2>"$tmp/err.txt" || rc=$?
if [[ $rc -ne 0 && $rc -ne 1 ]] || grep -q "internal error" "$tmp/err.txt"; then
  echo "FAIL whole corpus as SARIF: exit code $rc"; cat "$tmp/err.txt"; status=1
fi
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/all.sarif" || status=1
exit $status
