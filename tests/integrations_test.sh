#!/usr/bin/env bash
# CTest `integrations`: the files other tools read from this repository, tried the way those tools
# use them.
#  - .pre-commit-hooks.yaml: parsed; each hook's entry (with `args` as a user would give them) is
#    run in a throwaway repository with a dangerous staged migration and must block it.
#  - action.yml: parsed; every input and step output it refers to exists; every `run` script is
#    valid bash; scripts/github-action.sh runs against a fake GitHub environment (a pull request
#    branch cloned from an origin) and must annotate only the changed migration, write the SARIF
#    report and the step outputs; a shallow checkout gives a clear error.
#  - docs/integrations/editors.md: the tasks.json problem matcher regex, taken from the page, must
#    match every line of real `--format gcc` output.
# Usage: tests/integrations_test.sh MIGRASAFE_BIN
set -euo pipefail

die() { echo "integrations: $*" >&2; exit 1; }
[[ $# -eq 1 && -x $1 ]] || die "usage: tests/integrations_test.sh MIGRASAFE_BIN"
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v git >/dev/null || { echo "integrations: git not installed; skipped"; exit 77; }
command -v python3 >/dev/null || die "python3 is required"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
status=0
fail() { echo "FAIL $*"; status=1; }
ok() { echo "ok   $*"; }

# YAML as JSON: PyYAML when installed (Debian python3-yaml), else the test is skipped.
yaml_json() {
  python3 - "$1" <<'PY'
import json, sys
try:
    import yaml
except ImportError:
    sys.exit(77)
print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))
PY
}

# A repository with a history (001 creates the table) and a dangerous staged migration (002).
new_repo() {
  local d=$1
  mkdir -p "$d/db"
  git -C "$d" init -q -b main
  printf 'CREATE TABLE t (id int, c text);\n' >"$d/db/001_create.sql"
  printf '# notes\n' >"$d/README.md"
  git -C "$d" add . && git -C "$d" commit -qm init
  printf 'ALTER TABLE t DROP COLUMN c;\n' >"$d/db/002_drop.sql"
  git -C "$d" add db/002_drop.sql
}

# --- .pre-commit-hooks.yaml ------------------------------------------------------------------------
hooks_json=$(yaml_json "$root/.pre-commit-hooks.yaml") || { rc=$?; [[ $rc == 77 ]] && { echo "integrations: python3-yaml missing; skipped"; exit 77; }; die "cannot parse .pre-commit-hooks.yaml"; }
mkdir -p "$tmp/bin" && ln -s "$bin" "$tmp/bin/migrasafe"
while IFS=$'\t' read -r id language entry files pass_filenames; do
  # The framework's rules: files is a Python regex over repository paths.
  python3 -c 'import re,sys; r=re.compile(sys.argv[1]); sys.exit(0 if r.search("db/001_x.sql") and not r.search("README.md") else 1)' "$files" ||
    fail "$id: files pattern $files"
  [[ $pass_filenames == False ]] || fail "$id: pass_filenames must be false (the hook replays the history itself)"
  repo=$tmp/precommit-$id
  new_repo "$repo"
  read -r -a words <<<"$entry"
  case $language in
    system) [[ ${words[0]} == migrasafe ]] || fail "$id: entry must start with migrasafe"
            cmd=("${words[@]}") ;;
    script) [[ -x $root/${words[0]} ]] || fail "$id: ${words[0]} is not an executable file in the repository"
            cmd=("$root/${words[0]}" "${words[@]:1}") ;;
    *) fail "$id: language $language"; continue ;;
  esac
  # As pre-commit runs it: from the repository root, the hook's `args` ([db]) appended.
  rc=0
  out=$(cd "$repo" && PATH="$tmp/bin:$PATH" MIGRASAFE_BUILD_DIR="$tmp/bin" "${cmd[@]}" db 2>&1) || rc=$?
  if [[ $rc == 1 && $out == *"db/002_drop.sql:1:"*drop-column* && $out != *001_create* ]]; then
    ok "pre-commit hook $id ($language): blocks the staged DROP COLUMN, history replayed"
  else
    fail "pre-commit hook $id: exit $rc, output: $out"
  fi
  git -C "$repo" reset -q db/002_drop.sql && rm "$repo/db/002_drop.sql"
  rc=0
  (cd "$repo" && PATH="$tmp/bin:$PATH" MIGRASAFE_BUILD_DIR="$tmp/bin" "${cmd[@]}" db >/dev/null 2>&1) || rc=$?
  [[ $rc == 0 ]] && ok "pre-commit hook $id: nothing staged passes" || fail "$id: exit $rc with nothing staged"
done < <(python3 -c 'import json,sys
for h in json.loads(sys.argv[1]):
    print("\t".join([h["id"], h["language"], h["entry"], h["files"], str(h.get("pass_filenames", True))]))' "$hooks_json")

# --- action.yml ----------------------------------------------------------------------------------
action_json=$(yaml_json "$root/action.yml") || die "cannot parse action.yml"
python3 - "$action_json" "$root" "$tmp" <<'PY' || status=1
import json, os, re, subprocess, sys
action, root, tmp = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
ok = True
def fail(msg):
    global ok
    ok = False
    print("FAIL action.yml: " + msg)
assert action["runs"]["using"] == "composite"
text = open(os.path.join(root, "action.yml"), encoding="utf-8").read()
for name in re.findall(r"inputs\.([A-Za-z0-9_-]+)", text):
    if name not in action["inputs"]:
        fail(f"inputs.{name} is used but not declared")
steps = action["runs"]["steps"]
ids = {s.get("id") for s in steps}
script = open(os.path.join(root, "scripts/github-action.sh"), encoding="utf-8").read()
for step_id, out in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
    if step_id not in ids:
        fail(f"steps.{step_id} does not exist")
    if step_id == "run" and f"{out}=" not in script:
        fail(f"steps.run.outputs.{out} is never written by scripts/github-action.sh")
for s in steps:
    if "run" in s:
        if s.get("shell") != "bash":
            fail(f"step {s.get('name')}: composite run steps need shell: bash")
        if "${{" in s["run"]:
            fail(f"step {s.get('name')}: expressions in a run script can inject code; pass them through env")
        path = os.path.join(tmp, "step.sh")
        open(path, "w").write(s["run"])
        if subprocess.run(["bash", "-n", path]).returncode != 0:
            fail(f"step {s.get('name')}: not valid bash")
    elif "uses" not in s:
        fail(f"step {s.get('name')}: neither run nor uses")
print("ok   action.yml: composite, inputs, outputs and run scripts consistent" if ok else "FAIL action.yml")
sys.exit(0 if ok else 1)
PY

# A pull request: origin has main (history), the checkout is the feature branch adding 003.
origin=$tmp/origin.git
work=$tmp/seed
new_repo "$work"
git -C "$work" commit -qm "drop c"
git init -q --bare "$origin" && git -C "$work" push -q "$origin" main
git -C "$work" checkout -qb feature
printf 'CREATE INDEX t_id ON t (id);\n' >"$work/db/003_index.sql"
git -C "$work" add . && git -C "$work" commit -qm index && git -C "$work" push -q "$origin" feature
# run_action DIR NAME [VAR=VALUE...]: the `Run migrasafe` step in DIR with a fake GitHub environment.
run_action() {
  local dir=$1 name=$2; shift 2
  : >"$tmp/$name.output"; : >"$tmp/$name.summary"
  (cd "$dir" && env GITHUB_OUTPUT="$tmp/$name.output" GITHUB_STEP_SUMMARY="$tmp/$name.summary" MIGRASAFE_BIN="$bin" \
     INPUT_PATHS="db" INPUT_FAIL_ON=warning INPUT_CONFIG= INPUT_BASELINE= INPUT_BASE_REF=main \
     INPUT_SARIF_FILE=migrasafe.sarif "$@" bash "$root/scripts/github-action.sh") >"$tmp/$name.stdout" 2>&1
}
output_of() { sed -n "s/^$2=//p" "$tmp/$1.output"; }

git clone -q --branch feature "file://$origin" "$tmp/pr"
if run_action "$tmp/pr" pr && [[ $(output_of pr exit-code) == 1 ]] &&
   grep -q '^::warning file=db/003_index.sql,line=1' "$tmp/pr.stdout" && ! grep -q '002_drop' "$tmp/pr.stdout" &&
   [[ $(output_of pr sarif-file) == migrasafe.sarif ]] && python3 -m json.tool "$tmp/pr/migrasafe.sarif" >/dev/null &&
   grep -q 002_drop "$tmp/pr/migrasafe.sarif" && [[ $(output_of pr findings) -ge 2 ]] && grep -q '^## migrasafe' "$tmp/pr.summary"; then
  ok "action: annotations for the changed migration only, full SARIF, outputs, job summary"
else
  fail "action on a pull request:"; cat "$tmp/pr.stdout" "$tmp/pr.output"
fi
# Only the PR branch fetched: the script fetches the base from origin.
git clone -q --single-branch --branch feature "file://$origin" "$tmp/single"
if run_action "$tmp/single" single && [[ $(output_of single exit-code) == 1 ]] && ! grep -q '002_drop' "$tmp/single.stdout"; then
  ok "action: fetches a base branch that was not checked out"
else
  fail "action with the base not fetched:"; cat "$tmp/single.stdout" "$tmp/single.output"
fi
git clone -q --depth 1 --branch feature "file://$origin" "$tmp/shallow"
if run_action "$tmp/shallow" shallow && [[ $(output_of shallow exit-code) == 2 ]] && grep -q 'fetch-depth: 0' "$tmp/shallow.stdout"; then
  ok "action: a shallow checkout is a clear error"
else
  fail "action on a shallow checkout:"; cat "$tmp/shallow.stdout" "$tmp/shallow.output"
fi
# A push (no base ref): every migration is reported; fail-on never passes.
if run_action "$tmp/pr" push INPUT_BASE_REF= INPUT_FAIL_ON=never && [[ $(output_of push exit-code) == 0 ]] &&
   grep -q '^::error file=db/002_drop.sql' "$tmp/push.stdout"; then
  ok "action: without a base ref every migration is annotated"
else
  fail "action without a base ref:"; cat "$tmp/push.stdout" "$tmp/push.output"
fi

# --- editors.md: the tasks.json problem matcher against real gcc output -----------------------------
(cd "$root" && "$bin" check --format gcc fixtures/reporters/ "$tmp/missing.sql" >"$tmp/gcc.out" 2>/dev/null) || true
python3 - "$root/docs/integrations/editors.md" "$tmp/gcc.out" <<'PY' || status=1
import json, re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
blocks = [b for b in re.findall(r"```jsonc?\n(.*?)```", doc, re.S) if '"problemMatcher"' in b]
if not blocks:
    sys.exit("FAIL editors.md: no tasks.json block with a problemMatcher")
tasks = json.loads(blocks[0])
matcher = tasks["tasks"][0]["problemMatcher"]
pattern = matcher["pattern"]
regex = re.compile(pattern["regexp"])
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(lines) > 10, lines
bad = [l for l in lines if not regex.search(l)]
seen = set()
for l in lines:
    m = regex.search(l)
    if not m:
        continue
    g = lambda k: m.group(pattern[k])
    assert g("severity") in ("error", "warning", "note"), l
    assert int(g("line")) >= 1 and int(g("column")) >= 1, l
    assert re.fullmatch(r"MS\d{3}|migrasafe", g("code")), (l, g("code"))
    assert l.startswith(g("file") + ":"), l
    seen.add(g("severity"))
if bad or seen != {"error", "warning", "note"}:
    sys.exit(f"FAIL editors.md: the problem matcher misses {len(bad)} lines (e.g. {bad[:2]}), severities seen {seen}")
print(f"ok   editors.md: the tasks.json problem matcher matches all {len(lines)} gcc lines")
PY

[[ $status == 0 ]] && echo "integrations: OK" || echo "integrations: FAILED"
exit $status
