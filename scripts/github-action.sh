#!/usr/bin/env bash
# The `Run migrasafe` step of action.yml, kept in a file so it can be tested locally
# (tests/action_test.sh). Reads the action's inputs from INPUT_* variables and the migrasafe binary
# from MIGRASAFE_BIN; writes GitHub annotations to stdout, the SARIF report, a Markdown job summary
# with the release plan of the same migrations (when GITHUB_STEP_SUMMARY is set) and the step outputs exit-code, findings, sarif-file (absolute:
# later steps run elsewhere) and repository-root to GITHUB_OUTPUT. Runs in the action's
# working-directory; annotations and SARIF name files from the repository root. It always exits 0 when it could run migrasafe: a later step fails the job, after
# the SARIF upload.
set -euo pipefail

bin=${MIGRASAFE_BIN:-migrasafe}
output=${GITHUB_OUTPUT:-/dev/null}
sarif=${INPUT_SARIF_FILE:-migrasafe.sarif}

# Paths separated by spaces or new lines; globs reach migrasafe unexpanded.
set -f
read -r -d '' -a paths <<<"${INPUT_PATHS:-}" || true
set +f

args=(--fail-on "${INPUT_FAIL_ON:-warning}")
plan_args=()  # the release plan in the job summary: the same migrations, no --fail-on or baseline
[[ -n ${INPUT_CONFIG:-} ]] && args+=(--config "$INPUT_CONFIG") && plan_args+=(--config "$INPUT_CONFIG")
[[ -n ${INPUT_BASELINE:-} ]] && args+=(--baseline "$INPUT_BASELINE")

# SARIF covers every migration: code scanning compares it with the base branch's analysis itself,
# and an alert missing from a partial report would show as fixed by the pull request.
sarif_args=("${args[@]}")

finish() {  # exit-code findings sarif-file
  local root
  root=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
  { echo "exit-code=$1"; echo "findings=$2"; echo "sarif-file=$3"; echo "repository-root=$root"; } >>"$output"
  exit 0
}

# In a container job the checkout belongs to another user, and git refuses to read it without this
# (the checkout may be a subdirectory of the workspace: actions/checkout with `path:`).
if [[ ${GITHUB_ACTIONS:-} == true && -n ${GITHUB_WORKSPACE:-} ]]; then
  git config --global --add safe.directory "$GITHUB_WORKSPACE"
  if checkout=$(git -c safe.directory='*' rev-parse --show-toplevel 2>/dev/null); then
    git config --global --add safe.directory "$checkout"
  fi
fi

# Pull request: only the migrations changed since the base branch (the history is still replayed).
if [[ -n ${INPUT_BASE_REF:-} ]]; then
  if [[ $(git rev-parse --is-shallow-repository 2>/dev/null) == true ]]; then
    echo "::error title=migrasafe::the checkout is shallow, so the merge base with ${INPUT_BASE_REF} is unknown: use actions/checkout with fetch-depth: 0"
    finish 2 0 ""
  fi
  base=""
  for candidate in "origin/$INPUT_BASE_REF" "$INPUT_BASE_REF"; do
    if git rev-parse --verify --quiet --end-of-options "$candidate^{commit}" >/dev/null; then
      base=$candidate
      break
    fi
  done
  if [[ -z $base ]] && git fetch --quiet --no-tags origin "+refs/heads/$INPUT_BASE_REF:refs/remotes/origin/$INPUT_BASE_REF"; then
    base="origin/$INPUT_BASE_REF"
  fi
  if [[ -z $base ]]; then
    echo "::error title=migrasafe::cannot find the base ref ${INPUT_BASE_REF} (fetched neither locally nor from origin)"
    finish 2 0 ""
  fi
  args+=(--changed-since "$base")
  plan_args+=(--changed-since "$base")
  echo "migrasafe: reporting the migrations changed since the merge base with $base"
fi

rc=0
"$bin" check --format github "${args[@]}" "${paths[@]}" || rc=$?
# The SARIF report and the job summary; their exit codes do not decide the step's.
"$bin" check --format sarif --output "$sarif" "${sarif_args[@]}" "${paths[@]}" 2>/dev/null || true
if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  "$bin" check --format markdown "${args[@]}" "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" 2>/dev/null || true
  "$bin" plan --format markdown "${plan_args[@]}" "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" 2>/dev/null || true
fi
if [[ -s $sarif ]]; then sarif=$(realpath "$sarif"); else sarif=""; fi
findings=0
[[ -n $sarif ]] && findings=$(grep -c '"ruleId"' "$sarif" || true)
echo "migrasafe: exit code $rc, $findings findings${sarif:+, SARIF in $sarif}"
finish "$rc" "$findings" "$sarif"
