#!/usr/bin/env bash
# Entry of the pre-commit hooks (.pre-commit-hooks.yaml): runs `migrasafe check` over the migration
# directories given as the hook's `args` (or the `migrations` of .migrasafe.toml), replaying the
# whole history, and reports the files that pre-commit's mode selects:
#   PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF set (`pre-commit run --from-ref A --to-ref B`, pre-push):
#       --changed-since A: the migrations changed since the merge base with A;
#   every file pre-commit passed is staged (`git commit`, plain `pre-commit run`):
#       --staged: the staged migrations, as the index has them;
#   otherwise (`pre-commit run --all-files`, `--files ...`): every migration under the paths.
# pre-commit appends the matching file names after the hook's args; they decide the mode only
# (the history needs the whole directories), so trailing *.sql arguments are not passed on: give
# directories in `args`. MIGRASAFE_BIN is the binary (default: migrasafe on PATH).
set -euo pipefail

bin=${MIGRASAFE_BIN:-migrasafe}
args=("$@")
files=()
while ((${#args[@]})) && [[ ${args[-1]} == *.sql && -e ${args[-1]} ]]; do
  files=("${args[-1]}" "${files[@]}")
  unset 'args[-1]'
done

if [[ -n ${PRE_COMMIT_FROM_REF:-} && -n ${PRE_COMMIT_TO_REF:-} ]]; then
  mode=(--changed-since "$PRE_COMMIT_FROM_REF")
else
  mode=(--staged)
  staged=$(git diff --cached --name-only --diff-filter=d --no-renames -z | tr '\0' '\n')
  for f in "${files[@]}"; do
    if ! grep -qxF -- "${f#./}" <<<"$staged"; then
      mode=()  # a file pre-commit chose is not staged: --all-files or --files
      break
    fi
  done
fi
exec "$bin" check "${mode[@]}" "${args[@]}"
