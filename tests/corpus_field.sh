#!/usr/bin/env bash
# CTest `corpus-field`: migrasafe over every project of the real-migration corpus
# (${MIGRASAFE_CORPUS:-<repo>/../shared/corpus}: one top-level directory per project).
# For each project, `migrasafe check --format json DIR` under a 60 s timeout (CORPUS_FIELD_TIMEOUT) must exit 0 or 1, print
# no "internal error", and report exactly as many files as the directory holds .sql files. Then the
# whole corpus once as SARIF (exit 0 or 1, a parseable log). Prints per project: files, statements,
# findings (top 5 rules) and seconds. Then per project `migrasafe sources --format json DIR` must exit 0
# with a parseable document holding every .sql file; prints the detected layout, the migration count,
# how many have a down script, and the reversibility and history findings of the check above.
#
# Usage: tests/corpus_field.sh MIGRASAFE_BIN
# MIGRASAFE_ALLOW_NO_CORPUS=1 turns a missing corpus into a skip (exit 77, CTest SKIP_RETURN_CODE),
# for checkouts without ../shared (e.g. CI on GitHub).
set -euo pipefail

die() { echo "corpus_field: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: tests/corpus_field.sh MIGRASAFE_BIN"
[[ -x $1 && -f $1 ]] || die "migrasafe binary not found or not executable: $1"
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in python3 timeout; do command -v "$tool" >/dev/null || die "$tool is required"; done
limit=${CORPUS_FIELD_TIMEOUT:-60}  # seconds per run; the sanitizer build sets more

corpus=${MIGRASAFE_CORPUS:-$root/../shared/corpus}
if [[ ! -d $corpus ]]; then
  echo "corpus_field: corpus not found at $corpus (set MIGRASAFE_CORPUS to its directory)" >&2
  if [[ ${MIGRASAFE_ALLOW_NO_CORPUS:-} == 1 ]]; then echo "corpus_field: SKIP (MIGRASAFE_ALLOW_NO_CORPUS=1)"; exit 77; fi
  exit 1
fi
corpus=$(cd "$corpus" && pwd)
mapfile -t projects < <(find "$corpus" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort)
[[ ${#projects[@]} -gt 0 ]] || die "no project directories under $corpus"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# why_exit CODE: a readable name for a bad exit code.
why_exit() {
  case $1 in
    124) echo "timed out after ${limit}s" ;;
    2) echo "usage error" ;;
    3) echo "unreadable input" ;;
    4) echo "internal error" ;;
    *) if (($1 > 128)); then echo "killed by signal $(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
       else echo "unexpected exit code"; fi ;;
  esac
}
# run_checked NAME OUT ARGS...: migrasafe with a timeout; fails NAME on a bad exit or an internal error.
run_checked() {
  local name=$1 out=$2 rc=0; shift 2
  timeout -k 5 "$limit" "$bin" check "$@" >"$out" 2>"$tmp/stderr" || rc=$?
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    echo "FAIL $name: migrasafe exit code $rc ($(why_exit $rc))"; sed 's/^/    /' "$tmp/stderr" | head -20; return 1
  fi
  if grep -q "internal error" "$tmp/stderr"; then
    echo "FAIL $name: migrasafe reported an internal error:"; grep "internal error" "$tmp/stderr" | sed 's/^/    /' | head -20
    return 1
  fi
}

status=0
total_files=0
echo "corpus: $corpus (${#projects[@]} projects, limit ${limit}s each)"
printf '%-20s %6s %10s %9s %8s  %s\n' project files statements findings seconds "top rules"
for project in "${projects[@]}"; do
  name=$(basename "$project")
  # migrasafe's directory walk takes *.sql case-insensitively and follows symlinks.
  expected=$(find -L "$project" -type f -iname '*.sql' | wc -l)
  total_files=$((total_files + expected))
  start=$(date +%s.%N)
  run_checked "$name" "$tmp/$name.json" --format json "$project" || { status=1; continue; }
  end=$(date +%s.%N)
  python3 - "$tmp/$name.json" "$name" "$expected" "$start" "$end" <<'PY' || status=1
import collections, json, sys
path, name, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
secs = float(sys.argv[5]) - float(sys.argv[4])
try:
    doc = json.load(open(path, encoding="utf-8"))
    files, summary = doc["files"], doc["summary"]
except (ValueError, KeyError, TypeError) as e:
    print(f"FAIL {name}: the JSON report does not parse or lacks files/summary: {e!r}")
    sys.exit(1)
rules = collections.Counter(f["rule"] for x in files for f in x.get("findings", []))
top = ", ".join(f"{r} {n}" for r, n in rules.most_common(5)) or "-"
print(f"{name:20} {len(files):6} {summary.get('statements', '?'):>10} {summary.get('findings', '?'):>9} {secs:8.2f}  {top}")
problems = []
if len(files) != expected:
    problems.append(f"{len(files)} files in the report, {expected} .sql files on disk")
if summary.get("files") != len(files):
    problems.append(f"summary.files = {summary.get('files')} but the files array has {len(files)} entries")
paths = [x.get("path") for x in files]
if len(set(paths)) != len(paths):
    problems.append("a file appears twice in the report")
for p in problems:
    print(f"FAIL {name}: {p}")
sys.exit(1 if problems else 0)
PY
done

# `migrasafe sources` per project: the detected layout and migration count (exit 0, a parseable document).
echo
printf '%-20s %-24s %10s %6s %6s  %-40s %s\n' project layout migrations downs files "down-script findings" "files by layout / history findings"
for project in "${projects[@]}"; do
  name=$(basename "$project")
  rc=0
  timeout -k 5 "$limit" "$bin" sources --format json "$project" >"$tmp/$name.sources.json" 2>"$tmp/stderr" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $name: migrasafe sources exit code $rc ($(why_exit $rc))"; sed 's/^/    /' "$tmp/stderr" | head -20
    status=1; continue
  fi
  python3 - "$tmp/$name.sources.json" "$name" "$(find -L "$project" -type f -iname '*.sql' | wc -l)" "$tmp/$name.json" <<'PY' || status=1
import collections, json, os, sys
path, name, expected, check = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    doc = json.load(open(path, encoding="utf-8"))
    layout, migrations, by = doc["layout"], doc["migrations"], doc["files_by_layout"]
except (ValueError, KeyError, TypeError) as e:
    print(f"FAIL {name}: the sources JSON does not parse or lacks layout/migrations: {e!r}")
    sys.exit(1)
files = doc.get("files")
downs = sum(1 for m in migrations if m.get("down"))
# Reversibility and history findings of the check run above (when it ran).
found = collections.Counter()
if os.path.exists(check):
    for x in json.load(open(check, encoding="utf-8"))["files"]:
        for f in x.get("findings", []):
            if f.get("category") in ("reversibility", "history"):
                found[(f["category"], f["rule"])] += 1
def counts(category):
    return ", ".join(f"{r} {n}" for (c, r), n in sorted(found.items()) if c == category) or "-"
print(f"{name:20} {layout + (' (mixed)' if doc.get('mixed') else ''):24} {len(migrations):10} {downs:6} {files:6}  "
      f"{counts('reversibility'):40} " + ", ".join(f"{k} {v}" for k, v in by.items())
      + (f" / history: {counts('history')}" if counts('history') != "-" else ""))
if files != expected:
    print(f"FAIL {name}: the set holds {files} files, {expected} .sql files on disk")
    sys.exit(1)
PY
done

echo
start=$(date +%s.%N)
if run_checked "whole corpus as SARIF" "$tmp/all.sarif" --format sarif "$corpus"; then
  end=$(date +%s.%N)
  python3 - "$tmp/all.sarif" "$total_files" "$start" "$end" <<'PY' || status=1
import json, sys
try:
    log = json.load(open(sys.argv[1], encoding="utf-8"))
    runs = log["runs"]
    results = sum(len(r.get("results", [])) for r in runs)
except (ValueError, KeyError, TypeError) as e:
    print(f"FAIL whole corpus as SARIF: the log does not parse or lacks runs: {e!r}")
    sys.exit(1)
located = sum(1 for r in runs for x in r.get("results", []) if x.get("locations"))
print(f"whole corpus as SARIF: {sys.argv[2]} files, {results} results, "
      f"{float(sys.argv[4]) - float(sys.argv[3]):.2f}s")
if located != results:
    print(f"FAIL whole corpus as SARIF: {results - located} results without a location")
    sys.exit(1)
PY
else
  status=1
fi

if [[ $status -ne 0 ]]; then echo "corpus_field: FAILED"; exit 1; fi
echo "corpus_field: OK (${#projects[@]} projects, $total_files files)"
