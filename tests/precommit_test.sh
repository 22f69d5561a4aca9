#!/usr/bin/env bash
# CTest `pre-commit`: both hooks of .pre-commit-hooks.yaml run by the real pre-commit (Debian's
# package) from a hook repository made of this checkout's hook files, in every mode pre-commit has:
#   git commit (staged), pre-commit run --all-files, pre-commit run --from-ref/--to-ref.
# Each mode must block a dangerous migration it covers and leave out the ones it does not, with the
# history replayed. The build hook reuses the binary under test (MIGRASAFE_BUILD_DIR) instead of
# building.
# Usage: tests/precommit_test.sh MIGRASAFE_BIN
set -euo pipefail

die() { echo "pre-commit test: $*" >&2; exit 1; }
[[ $# -eq 1 && -x $1 ]] || die "usage: tests/precommit_test.sh MIGRASAFE_BIN"
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v pre-commit >/dev/null || { echo "pre-commit test: pre-commit not installed (scripts/setup-deps.sh --test); skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export PRE_COMMIT_HOME=$tmp/cache GIT_CONFIG_GLOBAL=$tmp/gitconfig
git config --file "$GIT_CONFIG_GLOBAL" init.defaultBranch main
status=0
fail() { echo "FAIL $*"; status=1; }
ok() { echo "ok   $*"; }

# The hook repository, as pre-commit clones it: this checkout's hook files at one commit.
hooks=$tmp/hooks
mkdir -p "$hooks/scripts"
cp "$root/.pre-commit-hooks.yaml" "$hooks/"
cp "$root/scripts/pre-commit-run.sh" "$root/scripts/pre-commit-hook.sh" "$hooks/scripts/"
git -C "$hooks" init -q && git -C "$hooks" add . && git -C "$hooks" commit -qm hooks
rev=$(git -C "$hooks" rev-parse HEAD)

# The binary: on PATH for the `migrasafe` hook, as the finished build for `migrasafe-build`.
mkdir -p "$tmp/bin" && ln -s "$bin" "$tmp/bin/migrasafe"
export PATH="$tmp/bin:$PATH" MIGRASAFE_BUILD_DIR="$tmp/bin"

for hook in migrasafe migrasafe-build; do
  repo=$tmp/project-$hook
  mkdir -p "$repo/db" "$repo/docs"
  cd "$repo"
  git init -q
  cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: file://$hooks
    rev: $rev
    hooks:
      - id: $hook
        args: [db]
EOF
  printf 'CREATE TABLE t (id int, c text);\n' >db/001_create.sql
  printf 'SELECT 1;\n' >docs/query.sql  # a .sql file outside the migrations: never linted
  git add . && git commit -qm init
  pre-commit install >/dev/null

  # git commit: the staged migration is checked against the history (001's int column).
  printf "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN id TYPE bigint;\n" >db/002_type.sql
  git add db/002_type.sql
  rc=0; out=$(git commit -qm type 2>&1) || rc=$?
  if [[ $rc != 0 && $out == *"db/002_type.sql:2:"*"int4 to int8"* && $out == *Failed* ]]; then
    ok "$hook: git commit blocks the staged type change, judged with the history"
  else
    fail "$hook: git commit (exit $rc): $out"
  fi
  # What the commit records is judged: unstaged edits do not hide the staged statement.
  printf 'SELECT 1;\n' >db/002_type.sql
  rc=0; out=$(git commit -qm type 2>&1) || rc=$?
  [[ $rc != 0 && $out == *"db/002_type.sql:2:"* ]] && ok "$hook: git commit judges the staged content, not the working tree" ||
    fail "$hook: staged content with unstaged edits (exit $rc): $out"
  git checkout -q -- db/002_type.sql
  git commit -qm type --no-verify

  # A safe migration commits; the dangerous 002 already committed is not reported again.
  printf "SET lock_timeout = '1s';\nCREATE TABLE u (id bigint PRIMARY KEY);\n" >db/003_safe.sql
  git add db/003_safe.sql
  rc=0; out=$(git commit -qm safe 2>&1) || rc=$?
  [[ $rc == 0 && $out != *002_type* ]] && ok "$hook: git commit passes a safe migration" || fail "$hook: safe commit (exit $rc): $out"

  # --all-files: nothing is staged, every migration is checked.
  rc=0; out=$(pre-commit run --all-files 2>&1) || rc=$?
  if [[ $rc != 0 && $out == *"db/002_type.sql:2:"* && $out != *query.sql* ]]; then
    ok "$hook: pre-commit run --all-files checks every migration"
  else
    fail "$hook: --all-files (exit $rc): $out"
  fi

  # --from-ref/--to-ref: the migrations changed on the branch since main, not 002 from main.
  git branch -q -m main 2>/dev/null || true
  git checkout -qb feature
  printf 'ALTER TABLE u ADD COLUMN n int NOT NULL;\n' >db/004_required.sql
  git add db/004_required.sql && git commit -qm required --no-verify
  rc=0; out=$(pre-commit run --from-ref main --to-ref HEAD 2>&1) || rc=$?
  if [[ $rc != 0 && $out == *"db/004_required.sql:1:"* && $out != *002_type* ]]; then
    ok "$hook: pre-commit run --from-ref main --to-ref HEAD checks the branch's migrations only"
  else
    fail "$hook: --from-ref/--to-ref (exit $rc): $out"
  fi
  # The same range without a dangerous migration passes.
  git checkout -q main && git checkout -qb clean
  printf 'SELECT 1;\n' >db/005_noop.sql
  git add db/005_noop.sql && git commit -qm noop --no-verify
  rc=0; out=$(pre-commit run --from-ref main --to-ref HEAD 2>&1) || rc=$?
  [[ $rc == 0 ]] && ok "$hook: --from-ref/--to-ref passes a branch with no dangerous migration" ||
    fail "$hook: clean --from-ref/--to-ref (exit $rc): $out"
  cd "$tmp"
done

[[ $status == 0 ]] && echo "pre-commit: OK" || echo "pre-commit: FAILED"
exit $status
