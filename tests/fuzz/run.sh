#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time: tests/fuzz/run.sh TARGET NAME SECONDS [SEED_DIR...].
# The seeds (tests/fuzz/seeds/NAME, every past crash among them, and the SEED_DIRs, searched
# recursively) are run first; new corpus
# entries go to a temp directory, never into the repository, or to FUZZ_CORPUS when set (a
# directory outside the repository that a campaign grows run after run). Inputs are at most 4096
# bytes (-max_len; a longer seed is cut): every target's seeds fit, and an execution stays fast.
# FUZZ_FLAGS: more libFuzzer flags (they win over these). Exit 0 when nothing was found;
# otherwise libFuzzer's report, and the crashing input is kept in ${FUZZ_ARTIFACTS:-/tmp}.
set -euo pipefail
[[ $# -ge 3 ]] || { echo "usage: tests/fuzz/run.sh TARGET NAME SECONDS [SEED_DIR...]" >&2; exit 2; }
target=$1 name=$2 seconds=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x $target ]] || { echo "fuzz: $target is not built" >&2; exit 1; }
if [[ -n ${FUZZ_CORPUS:-} ]]; then
  corpus=$FUZZ_CORPUS
  mkdir -p "$corpus"
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
else
  corpus=$(mktemp -d)
  log=$corpus.log
  trap 'rm -rf "$corpus" "$log"' EXIT
fi
artifacts=${FUZZ_ARTIFACTS:-/tmp}/
mkdir -p "$artifacts"
dict=()
[[ -f $here/$name.dict ]] && dict=(-dict="$here/$name.dict")
seeds=("$@")
[[ -d $here/seeds/$name ]] && seeds+=("$here/seeds/$name")
# libpg_query's known leak (docs/notes/libpg_query-plpgsql-leak.md) is suppressed by name.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
# The binary parses on 256 MiB stacks (engine/pipeline.cpp); libFuzzer runs an input on the main
# thread, whose stack this makes as large (ASan's frames are several times larger, too).
ulimit -s 262144
# The past findings first, each whole (as seeds, one longer than -max_len would be cut).
regressions=("$here/seeds/$name"/*)
if [[ -f ${regressions[0]} ]]; then
  "$target" -timeout=10 -rss_limit_mb=2048 "${regressions[@]}" >"$log" 2>&1 || {
    rc=$?
    grep -v '^#' "$log" | tail -40 >&2
    exit "$rc"
  }
  echo "regressions: ${#regressions[@]} inputs of seeds/$name, nothing found"
fi
# -rss_limit_mb: the sanitizers' own memory included; one run per input is bounded.
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$artifacts$name-" "${dict[@]}" ${FUZZ_FLAGS:-} "$corpus" "${seeds[@]}" 2>"$log" || {
  rc=$?
  grep -v '^#' "$log" | tail -40 >&2
  exit "$rc"
}
grep -E '^stat::number_of_executed_units|^Done' "$log"
