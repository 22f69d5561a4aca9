#!/usr/bin/env bash
# The sanitizer run of `make test` (`make sanitize`), in a clang ASan+UBSan build
# (-DMIGRASAFE_SANITIZE=ON, tests/fuzz/README.md):
#   1. the unit suite without the tests that need PostgreSQL ([verify]); its CLI tests run the
#      sanitized binary, so every command-line path is covered too; the rule fixtures are among them;
#   2. the sanitized binary over the rule and layout fixtures (`check`, `sources`);
#   3. the corpus field test (tests/corpus_field.sh: every project of ../shared/corpus);
#   4. each fuzz target for SANITIZE_FUZZ_SECONDS (default 15), seeded as `make fuzz` seeds them.
# Any sanitizer report fails the run (the first error is fatal). Prints each step's seconds.
# Usage: tests/sanitize.sh BUILD_DIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: tests/sanitize.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# libpg_query's known leak is suppressed by name, with the reason (tests/fuzz/lsan.supp).
export LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0
export ASAN_OPTIONS=abort_on_error=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$root"
step() { echo "sanitize: $1 in $((SECONDS - start)) s"; start=$SECONDS; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run_logged WHAT COMMAND...: the command's last lines, or all of its tail when it fails.
run_logged() {
  local what=$1 rc=0; shift
  "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -60 "$log" >&2
    echo "sanitize: $what failed (exit $rc)" >&2
    exit 1
  fi
  tail -3 "$log"
}

start=$SECONDS
tests=("~[verify]")
[[ -n ${SANITIZE_TESTS:-} ]] && tests=("$SANITIZE_TESTS")  # a Catch2 test spec, e.g. "[config]"
# ASan's frames are several times larger: the deep-tree tests, which parse on the main thread, get
# the stack the binary's parse workers have (256 MiB) instead of overflowing 8 MiB.
ulimit -s 262144
run_logged "the unit suite" "$build/migrasafe_tests" "${tests[@]}"
step "unit suite (${tests[*]})"

# Findings exit 1; anything above (unreadable input, internal error, a sanitizer's abort) fails.
for dir in fixtures/rules fixtures/layouts; do
  for command in check sources; do
    rc=0
    "$build/migrasafe" "$command" --format json "$dir" >/dev/null 2>"$log" || rc=$?
    if ((rc > 1)); then
      tail -30 "$log" >&2
      echo "sanitize: migrasafe $command $dir exited $rc" >&2
      exit 1
    fi
  done
done
step "fixtures through the binary"

# ASan and UBSan make a run several times slower: a longer timeout per run.
CORPUS_FIELD_TIMEOUT=300 run_logged "the corpus field test" bash tests/corpus_field.sh "$build/migrasafe"
step "corpus field test"

bash tests/fuzz/run_all.sh "$build" "${SANITIZE_FUZZ_SECONDS:-15}"
step "fuzz targets"
