#!/usr/bin/env bash
# CTest `sarif-validator`: runs Microsoft's SARIF validator (npm @microsoft/sarif-multitool 5.7.0,
# `validate` with the SARIF *and* GitHub ingestion rule sets) over migrasafe's SARIF for fixtures/,
# examples/ and a few awkward generated inputs (CRLF, non-ASCII identifiers and file names, a syntax
# error, a missing path). Fails if the validator reports any error or warning (with
# MIGRASAFE_SARIF_FAIL_ON_WARNINGS=0, errors only); prints the warning and note counts. Also checks
# invocations[0].executionSuccessful and that partialFingerprints are present and survive edits
# above a finding. The validator (a .NET program that takes seconds to start) runs once, over every log.
#
# Usage: tests/sarif_validate.sh MIGRASAFE_BIN
# The multitool is installed once into ${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/sarif.
set -euo pipefail

die() { echo "sarif_validate: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: tests/sarif_validate.sh MIGRASAFE_BIN"
[[ -x $1 && -f $1 ]] || die "migrasafe binary not found or not executable: $1"
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in npm npx node python3; do
  command -v "$tool" >/dev/null || die "$tool is required (Debian: apt-get install nodejs npm python3)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the validator -------------------------------------------------------------------------------
version=5.7.0
cache=${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/sarif
platform=$(node -p process.platform)  # the native package is @microsoft/sarif-multitool-<platform>
installed() {  # prints the installed version of an npm package in $cache, or nothing
  local pj=$cache/node_modules/$1/package.json
  if [[ -f $pj ]]; then node -p "require(process.argv[1]).version" "$pj" 2>/dev/null || true; fi
}
if [[ $(installed @microsoft/sarif-multitool) != "$version" ||
      $(installed "@microsoft/sarif-multitool-$platform") != "$version" ]]; then
  echo "installing @microsoft/sarif-multitool@$version into $cache"
  mkdir -p "$cache"
  # The wrapper pulls its native package as an optional dependency with a ^ range: pin both.
  npm install --prefix "$cache" --no-audit --no-fund --save-exact --loglevel=error \
    "@microsoft/sarif-multitool@$version" "@microsoft/sarif-multitool-$platform@$version" \
    || die "npm install of @microsoft/sarif-multitool@$version failed"
fi
# npm skips the native package's postinstall (chmod u+x) under --ignore-scripts and some configs.
native=$(find "$cache"/node_modules/@microsoft/sarif-multitool*/ -maxdepth 1 -type f \
  \( -name Sarif.Multitool -o -name Sarif.Multitool.exe \) | head -n 1)
[[ -n $native ]] || die "no Sarif.Multitool binary under $cache/node_modules/@microsoft/"
chmod u+x "$native"

# The package's bin.js re-runs the native tool through a shell (spawnSync with shell: true), so
# every argument is joined into one /bin/sh command line: an unquoted "Gh;Sarif" would end the
# command at the ';'. Quote each argument for that shell.
shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
# Rule kinds: Sarif = the SARIF spec rules (SARIF1xxx/2xxx), Gh = GitHub code scanning ingestion
# rules (GH1xxx/GH2xxx). --level includes notes so that everything is counted.
validator_args=(--rule-kind "Gh;Sarif" --level "Error;Warning;Note")
# SARIF2006 (a note, "URIs should be reachable") makes an HTTP GET per helpUri: without internet
# each validation waits ~5 s and its notes depend on the network. Disabled through a policy file
# unless MIGRASAFE_SARIF_CHECK_URIS=1.
if [[ ${MIGRASAFE_SARIF_CHECK_URIS:-0} != 1 ]]; then
  cat >"$tmp/validator-config.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
XML
  validator_args+=(--config "$tmp/validator-config.xml")
fi
# run_validator RESULT_LOG CONSOLE_LOG SARIF_IN...: one validator run over every input (starting .NET
# costs seconds, so the whole suite validates in one call); results name their input file.
run_validator() {
  local result=$1 console=$2; shift 2
  local args=(validate "$@" "${validator_args[@]}" --output "$result" --log ForceOverwrite) quoted=() a
  for a in "${args[@]}"; do quoted+=("$(shq "$a")"); done
  rm -f "$result"
  # The validator's own exit code is 0 even when it reports errors: the result log is the verdict.
  npx --no --prefix "$cache" sarif-multitool "${quoted[@]}" >"$console" 2>&1 || true
  [[ -s $result ]]
}

# summarize RESULT_LOG SARIF_IN NAME: prints the counts, errors and warnings the validator reported
# for the input SARIF_IN; exit 1 when it must fail.
summarize() {
  python3 - "$1" "$2" "$3" "${MIGRASAFE_SARIF_FAIL_ON_WARNINGS:-1}" <<'PY'
import collections, json, os, re, sys, urllib.parse
path, validated, name, strict = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
def about_input(result):
    for loc in result.get("locations", []):
        uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")
        if os.path.realpath(urllib.parse.unquote(urllib.parse.urlparse(uri).path)) == os.path.realpath(validated):
            return True
    return False
log = json.load(open(path, encoding="utf-8"))
counts, notes, shown = collections.Counter(), collections.Counter(), []
ok = True
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    by_id = {r.get("id"): r for r in rules}
    for inv in run.get("invocations", []):
        if not inv.get("executionSuccessful", True):
            ok = False
            shown.append(("error", "-", "the validator did not run to completion"))
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level", "warning") == "error":
                ok = False
                shown.append(("error", "-", n.get("message", {}).get("text", "")))
    for r in run.get("results", []):
        if not about_input(r):
            continue
        rule = rules[r["ruleIndex"]] if 0 <= r.get("ruleIndex", -1) < len(rules) else by_id.get(r.get("ruleId"), {})
        # SARIF: an absent level comes from the rule's defaultConfiguration, else "warning".
        level = r.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
        if r.get("kind", "fail") != "fail":
            level = "none"
        counts[level] += 1
        msg = r.get("message", {})
        text = msg.get("text")
        if text is None:
            tmpl = rule.get("messageStrings", {}).get(msg.get("id"), {}).get("text", msg.get("id", ""))
            args = msg.get("arguments", [])
            text = re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), tmpl)
        if level in ("error", "warning"):
            shown.append((level, r.get("ruleId"), text))
        elif level == "note":
            notes[r.get("ruleId")] += 1
note_ids = ", ".join(f"{k} x{v}" for k, v in sorted(notes.items()))
print(f"  {name:9} errors={counts['error']} warnings={counts['warning']} notes={counts['note']}"
      + (f"  (notes: {note_ids})" if note_ids else ""))
for level, rule_id, text in shown:
    print(f"    {level} {rule_id}: {text}")
fail = not ok or counts["error"] > 0 or (strict and counts["warning"] > 0)
sys.exit(1 if fail else 0)
PY
}

# --- canary: the rule sets are really on ----------------------------------------------------------
# A log GitHub would reject (a result without locations or message text, a rule without a name) must
# produce GH errors; otherwise the options did not reach the validator and a pass would mean nothing.
cat >"$tmp/canary.sarif" <<'EOF'
{"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
 "runs": [{"tool": {"driver": {"name": "canary", "rules": [{"id": "C1", "messageStrings": {"m": {"text": "x {0}"}}}]}},
           "results": [{"ruleId": "C1", "message": {"id": "m", "arguments": ["a"]}}]}]}
EOF
check_canary() {
python3 - "$tmp/all.result.sarif" "$tmp/canary.sarif" <<'PY' || die "canary: the GitHub and SARIF rule sets did not both run (see above)"
import json, os, sys, urllib.parse
def uri_path(r):
    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return os.path.realpath(urllib.parse.unquote(urllib.parse.urlparse(uri).path))
ids = [r.get("ruleId", "") for run in json.load(open(sys.argv[1]))["runs"] for r in run.get("results", [])
       if r.get("locations") and uri_path(r) == os.path.realpath(sys.argv[2])]
gh, sarif = [i for i in ids if i.startswith("GH")], [i for i in ids if i.startswith("SARIF")]
print(f"validator canary: {len(gh)} GitHub results ({', '.join(sorted(set(gh)))}), {len(sarif)} SARIF results")
sys.exit(0 if gh and sarif else 1)
PY
}

# --- inputs ------------------------------------------------------------------------------------------
mkdir -p "$tmp/in"
printf 'SET lock_timeout = %s;\r\nALTER TABLE t\r\n  DROP COLUMN c;\r\nCREATE INDEX t_x ON t (x);\r\n' "'1s'" \
  >"$tmp/in/crlf.sql"
printf '%s\n' 'ALTER TABLE "Bestellungen" DROP COLUMN "größe";' \
  'ALTER TABLE "注文" ADD COLUMN "合計" int NOT NULL; -- 🙂 non-BMP in a comment' \
  'CREATE INDEX "idx_ü" ON "Bestellungen" ("straße");' >"$tmp/in/unicode.sql"
printf 'CREATE TABLE a (id int);\nSELEC 1;\n\\set x 1\nALTER TABLE a ADD COLUMN b int;\n' >"$tmp/in/broken.sql"
printf 'DROP TABLE "Größe";\n' >"$tmp/in/Größe #1 [x]%.sql"
printf -- '-- nothing to report\nSELECT 1;\n' >"$tmp/in/clean.sql"

cd "$root"
status=0
validated=0
# check NAME ALLOWED_EXIT_CODES DIR migrasafe-paths...: migrasafe --format sarif --output, then validate.
check() {
  local name=$1 allowed=$2 dir=$3; shift 3
  local out=$tmp/$name.sarif rc=0
  (cd "$dir" && "$bin" check --format sarif --output "$out" "$@") 2>"$tmp/$name.stderr" || rc=$?
  if grep -q "internal error" "$tmp/$name.stderr"; then
    echo "FAIL $name: migrasafe reported an internal error:"; sed 's/^/    /' "$tmp/$name.stderr"; status=1; return
  fi
  if [[ " $allowed " != *" $rc "* ]]; then
    echo "FAIL $name: migrasafe exit code $rc, expected one of: $allowed"; sed 's/^/    /' "$tmp/$name.stderr"
    status=1; return
  fi
  if [[ ! -s $out ]]; then echo "FAIL $name: migrasafe (exit $rc) wrote no SARIF to --output"; status=1; return; fi
  logs+=("$out"); log_names+=("$name (migrasafe exit $rc)")
}
logs=() log_names=()

printf "validator: npx --no --prefix %q sarif-multitool validate FILE" "$cache"; printf " %q" "${validator_args[@]}" --output RESULT --log ForceOverwrite; echo
for d in fixtures examples; do
  if [[ -d $d ]]; then
    check "$d" "0 1" "$root" "$d/"
  else
    echo "SKIP $d: $root/$d does not exist"
  fi
done
# Relative paths (run from the temp dir), then the same files as absolute paths (file:// URIs).
awkward=(crlf.sql unicode.sql broken.sql "Größe #1 [x]%.sql")
check relative "1" "$tmp/in" "${awkward[@]}"
check absolute "1" "$tmp/in" "${awkward[@]/#/$tmp/in/}"
check clean "0" "$tmp/in" clean.sql
# Unreadable input: exit 3, and the SARIF must still be valid.
check missing "3" "$tmp/in" crlf.sql does-not-exist.sql
check missing-only "3" "$tmp/in" "$tmp/in/no-such-dir/x.sql"

# One validator run over the canary and every log, then a verdict per log.
run_validator "$tmp/all.result.sarif" "$tmp/all.console" "$tmp/canary.sarif" "${logs[@]}" ||
  { cat "$tmp/all.console" >&2; die "the validator produced no result log"; }
check_canary
for i in "${!logs[@]}"; do
  summarize "$tmp/all.result.sarif" "${logs[$i]}" "${log_names[$i]}" || status=1
  validated=$((validated + 1))
done

# migrasafe's own promises: the invocation's success, and fingerprints on every result that stay the
# same when lines are added above the findings, and differ between two identical findings.
mkdir -p "$tmp/fp"
fp_run() { (cd "$tmp/fp" && "$bin" check --format sarif --output "$tmp/$1.sarif" m.sql) || true; }
{ cat "$tmp/in/crlf.sql"; printf 'DELETE FROM t;\nDELETE FROM t;\n'; } >"$tmp/fp/m.sql"
fp_run fp-before
{ printf -- '-- a new comment\n\n\nSET statement_timeout = %s;\n' "'5s'"; cat "$tmp/in/crlf.sql";
  printf '\n\nDELETE   FROM t;\n-- between\ndelete from t;\n'; } >"$tmp/fp/m.sql"
fp_run fp-after
python3 - "$tmp/fp-before.sarif" "$tmp/fp-after.sarif" "$tmp/relative.sarif" "$tmp/missing.sarif" "$tmp/clean.sarif" <<'PY' || status=1
import json, re, sys
def run(path):
    return json.load(open(path, encoding="utf-8"))["runs"][0]
ok = True
def fail(msg):
    global ok
    ok = False
    print("FAIL " + msg)
prints = []
for path in sys.argv[1:]:
    for r in run(path)["results"]:
        fp = r.get("partialFingerprints", {}).get("migrasafe/v1", "")
        if not re.fullmatch(r"[0-9a-f]{64}", fp):
            fail(f"{path}: a result without a 64-hex partialFingerprints value: {r['ruleId']}")
before = [(r["ruleId"], r["partialFingerprints"]["migrasafe/v1"]) for r in run(sys.argv[1])["results"]]
after = [(r["ruleId"], r["partialFingerprints"]["migrasafe/v1"]) for r in run(sys.argv[2])["results"]]
if before != after:
    fail(f"fingerprints changed after edits above the findings:\n  {before}\n  {after}")
deletes = [fp for rule, fp in before if rule == "MS406"]
if len(deletes) != 2 or deletes[0] == deletes[1]:
    fail(f"two identical findings must have two fingerprints: {deletes}")
success = [run(p)["invocations"][0]["executionSuccessful"] for p in sys.argv[3:]]
if success != [True, False, True]:
    fail(f"executionSuccessful for relative, missing, clean: {success} (expected True, False, True)")
print(f"  fingerprints ({len(before)} results) and executionSuccessful:", "OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY

if [[ $status -ne 0 ]]; then
  echo "sarif_validate: FAILED"
  exit 1
fi
echo "sarif_validate: OK ($validated SARIF logs valid under the SARIF and GitHub rule sets)"
