#!/usr/bin/env bash
# CTest `integrations`: the files other tools read from this repository, tried the way those tools
# use them.
#  - .pre-commit-hooks.yaml: see tests/precommit_test.sh, which runs the hooks with pre-commit itself.
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
   [[ $(output_of pr sarif-file) == "$tmp/pr/migrasafe.sarif" ]] && python3 -m json.tool "$tmp/pr/migrasafe.sarif" >/dev/null &&
   grep -q 002_drop "$tmp/pr/migrasafe.sarif" && [[ $(output_of pr findings) -ge 2 ]] && grep -q '^## migrasafe' "$tmp/pr.summary" \
   && grep -q '^## Release plan' "$tmp/pr.summary" && grep -q '^### db/003' "$tmp/pr.summary" \
   && ! grep -q '^### db/00[12]' "$tmp/pr.summary"; then
  ok "action: annotations for the changed migration only, full SARIF, outputs, job summary with the release plan"
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

# --- action.yml, every step, as a runner runs it (tests/action_runner.py) ---------------------------
# run_job NAME WORKSPACE INPUTS_JSON [VAR=VALUE...]: the whole action in WORKSPACE on a pull request
# into main; its log in $tmp/NAME.log, its state (outputs, GITHUB_ENV, cache) in $tmp/NAME/.
run_job() {
  local name=$1 workspace=$2 inputs=$3; shift 3
  mkdir -p "$tmp/$name"
  env "$@" python3 "$root/tests/action_runner.py" "$root" "$workspace" "$tmp/$name" "$inputs" '{"base_ref": "main"}' \
    >"$tmp/$name.log" 2>&1
}
job_output() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/$1/outputs.json" "$2"; }

# A release as `make dist` names it, in a directory standing in for GitHub's release downloads.
release=$tmp/releases/v9.9.9
mkdir -p "$release/migrasafe-9.9.9-linux-x86_64"
cp "$bin" "$release/migrasafe-9.9.9-linux-x86_64/migrasafe"
tar -czf "$release/migrasafe-9.9.9-linux-x86_64.tar.gz" -C "$release" migrasafe-9.9.9-linux-x86_64
(cd "$release" && sha256sum migrasafe-9.9.9-linux-x86_64.tar.gz >migrasafe-9.9.9-linux-x86_64.tar.gz.sha256)
# A cmake stand-in for the build-from-source path: it "builds" by copying the binary under test and
# logs each call, so the test sees whether a run built.
mkdir -p "$tmp/fake-cmake"
{
  echo '#!/usr/bin/env bash'
  echo "echo \"\$*\" >>'$tmp/cmake-calls'"
  echo 'args=("$@")'
  echo 'for ((i = 0; i < $#; i++)); do'
  echo '  [[ ${args[i]} == -B ]] && mkdir -p "${args[i+1]}"'
  echo "  [[ \${args[i]} == --build ]] && cp '$bin' \"\${args[i+1]}/migrasafe\""
  echo 'done'
  echo 'exit 0'
} >"$tmp/fake-cmake/cmake"
chmod +x "$tmp/fake-cmake/cmake"
: >"$tmp/cmake-calls"

# The repository checked out into a subdirectory of the workspace (actions/checkout with path:).
workspace=$tmp/workspace
mkdir -p "$workspace" && git clone -q --branch feature "file://$origin" "$workspace/app"
sarif_location() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; ls=[x["locations"][0]["physicalLocation"]["artifactLocation"] for x in r["results"]]
print(*sorted({l["uri"] for l in ls}), *sorted({str(l.get("uriBaseId")) for l in ls}), r["originalUriBaseIds"]["SRCROOT"]["uri"])' "$1"
}
upload_inputs() { python3 -c 'import json,sys; u=json.load(open(sys.argv[1])); print(u["sarif_file"], u["checkout_path"])' "$1"; }

if run_job release "$workspace" '{"version": "v9.9.9", "paths": "db", "working-directory": "app", "upload-sarif": "true"}' \
     MIGRASAFE_RELEASES="file://$tmp/releases"; then
  fail "action with version: the job passed despite the findings"; cat "$tmp/release.log"
elif grep -q '^::warning file=db/003_index.sql,line=1' "$tmp/release.log" && ! grep '^::' "$tmp/release.log" | grep -q 002_drop &&
     grep -q 'skipped: Build migrasafe' "$tmp/release.log" && [[ $(job_output release exit-code) == 1 ]] &&
     [[ $(upload_inputs "$tmp/release/upload.json") == "$workspace/app/migrasafe.sarif $workspace/app" ]] &&
     [[ $(sarif_location "$workspace/app/migrasafe.sarif") == "db/001_create.sql db/002_drop.sql db/003_index.sql SRCROOT file://$workspace/app/" ]]; then
  ok "action with version: release binary verified and used, no build; checkout in a subdirectory: annotations and SARIF from its root"
else
  fail "action with version:"; cat "$tmp/release.log"
fi

# A tampered archive is refused before anything runs it.
echo "0000000000000000000000000000000000000000000000000000000000000000  migrasafe-9.9.9-linux-x86_64.tar.gz" \
  >"$release/migrasafe-9.9.9-linux-x86_64.tar.gz.sha256"
if ! run_job tampered "$workspace" '{"version": "9.9.9", "paths": "db", "working-directory": "app"}' MIGRASAFE_RELEASES="file://$tmp/releases" &&
   grep -q 'does not match its SHA-256' "$tmp/tampered.log" && ! grep -q 'run: Run migrasafe' "$tmp/tampered.log"; then
  ok "action with version: an archive that does not match its .sha256 is refused"
else
  fail "action with a tampered archive:"; cat "$tmp/tampered.log"
fi

# Without a version: the first run builds and saves the binary; the next one (a new runner: only the
# cache carries over) restores it and does not build. Run from a directory below the checkout's root.
build_inputs='{"paths": ".", "working-directory": "app/db", "fail-on": "never"}'
if run_job build1 "$workspace" "$build_inputs" PATH="$tmp/fake-cmake:$PATH" && grep -q 'cache miss' "$tmp/build1.log" &&
   [[ $(grep -c -- '--build' "$tmp/cmake-calls") == 1 ]] && grep -q '^::warning file=db/003_index.sql' "$tmp/build1.log" &&
   mkdir -p "$tmp/build2" && cp -r "$tmp/build1/cache" "$tmp/build2/cache" &&
   run_job build2 "$workspace" "$build_inputs" PATH="$tmp/fake-cmake:$PATH" && grep -q 'cache hit' "$tmp/build2.log" &&
   grep -q 'using the cached build' "$tmp/build2.log" && [[ $(grep -c -- '--build' "$tmp/cmake-calls") == 1 ]] &&
   grep -q '^::warning file=db/003_index.sql' "$tmp/build2.log"; then
  ok "action without version: builds once, the next run restores the cached binary; working-directory below the root"
else
  fail "action without version:"; cat "$tmp/build1.log" "$tmp/build2.log" 2>/dev/null
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
# Vim: columns are characters, so the errorformat must read them as %v (screen columns), not %c (bytes).
efm = re.search(r"^:set errorformat=(.+)$", doc, re.M)
if not efm:
    sys.exit("FAIL editors.md: no Vim errorformat")
patterns = efm.group(1).replace("\\ ", " ").split(",")
if not all(p.startswith("%f:%l:%v: %t") for p in patterns):
    sys.exit(f"FAIL editors.md: every errorformat pattern must read file, line and %v column: {patterns}")
severities = {p.split("%t", 1)[1].split(":")[0] for p in patterns}
if severities != {"rror", "arning", "ote"}:
    sys.exit(f"FAIL editors.md: errorformat severities {severities}")
print("ok   editors.md: the Vim errorformat reads columns with %v for every severity")
PY

[[ $status == 0 ]] && echo "integrations: OK" || echo "integrations: FAILED"
exit $status
