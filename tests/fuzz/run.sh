#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time: tests/fuzz/run.sh TARGET NAME SECONDS [SEED_DIR...].
# The seeds (tests/fuzz/seeds/NAME, every past crash among them, and the SEED_DIRs, searched
# recursively) are run first; new corpus
# entries go to a temp directory, never into the repository. FUZZ_FLAGS: more libFuzzer flags
# (e.g. -max_len=4096 -jobs=2). Exit 0 when nothing was found;
# otherwise libFuzzer's report, and the crashing input is kept in ${FUZZ_ARTIFACTS:-/tmp}.
set -euo pipefail
[[ $# -ge 3 ]] || { echo "usage: tests/fuzz/run.sh TARGET NAME SECONDS [SEED_DIR...]" >&2; exit 2; }
target=$1 name=$2 seconds=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x $target ]] || { echo "fuzz: $target is not built" >&2; exit 1; }
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
artifacts=${FUZZ_ARTIFACTS:-/tmp}/
mkdir -p "$artifacts"
dict=()
[[ -f $here/$name.dict ]] && dict=(-dict="$here/$name.dict")
seeds=("$@")
[[ -d $here/seeds/$name ]] && seeds+=("$here/seeds/$name")
# libpg_query's known leak (docs/notes/libpg_query-plpgsql-leak.md) is suppressed by name.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
# -rss_limit_mb: the sanitizers' own memory included; one run per input is bounded.
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts$name-" "${dict[@]}" ${FUZZ_FLAGS:-} "$corpus" "${seeds[@]}" 2>"$corpus.log" || {
  rc=$?
  grep -v '^#' "$corpus.log" | tail -40 >&2
  rm -f "$corpus.log"
  exit "$rc"
}
grep -E '^stat::number_of_executed_units|^Done' "$corpus.log"
rm -f "$corpus.log"
