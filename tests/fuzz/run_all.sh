#!/usr/bin/env bash
# Every fuzz target of a sanitizer build for SECONDS each (tests/fuzz/README.md):
# tests/fuzz/run_all.sh BUILD_DIR SECONDS [TARGET...]. Seeds: the rule fixtures and
# ${MIGRASAFE_CORPUS:-../shared/corpus} (read in place, or turned into each target's input format by
# make_seeds.py in a temp directory), plus the committed seeds/NAME/. Stops at the first finding.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: tests/fuzz/run_all.sh BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${MIGRASAFE_CORPUS:-$root/../shared/corpus}
sources=("$root/fixtures/rules" "$root/fixtures/layouts")
[[ -d $corpus ]] && sources+=("$corpus")
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(toml pipeline baseline sum layout lsp)
# A short run (make test's) starts from fewer pipeline seeds: libFuzzer runs every seed before it
# looks at the clock.
export FUZZ_MAX_SEEDS=${FUZZ_MAX_SEEDS:-$((seconds < 60 ? 400 : 3000))}
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
for name in "${targets[@]}"; do
  start=$SECONDS
  case $name in
    toml) seeds=() ;;
    *) python3 "$here/make_seeds.py" "$name" "$generated/$name" "${sources[@]}" >/dev/null
       seeds=("$generated/$name") ;;
  esac
  echo "fuzz $name (${seconds} s):"
  [[ -n ${FUZZ_CORPUS_ROOT:-} ]] && export FUZZ_CORPUS=$FUZZ_CORPUS_ROOT/$name
  bash "$here/run.sh" "$build/${name}_fuzz" "$name" "$seconds" "${seeds[@]}" | sed 's/^/  /'
  echo "  in $((SECONDS - start)) s"
done
