#!/usr/bin/env bash
# `make bench`: migrasafe against squawk 2.66.0 and against the parse-only floor (bench/parse_floor:
# libpg_query alone over the same files), in one run on one machine, on
#   corpus      every .sql file of ${MIGRASAFE_CORPUS:-<repo>/../shared/corpus}, passed as a file list
#   corpus-1/4, corpus-1/2  the first quarter and half of those files (path order), for scaling
#   big-1, big-2, big-4     a generated, deterministic migration file of ~1, 2 and 4 MiB
#   single      one small corpus file (latency)
# The three tools take turns, run after run, on each dataset. Wall time is the best of BENCH_RUNS
# (default 5) runs, 20 for `single` (BENCH_SINGLE_RUNS); CPU time is the least and peak RSS the
# largest of three more runs under /usr/bin/time. Prints a table, the ratios to squawk and
# to parse_floor per dataset, and migrasafe's time per phase (MIGRASAFE_TIMINGS=1) on corpus and big-4.
# BENCH_HUGE_MIB=50 also times one run of migrasafe alone on a generated 50 MiB file (memory bound).
#
# Usage: bench/run.sh BUILD_DIR      (BUILD_DIR holds migrasafe and parse_floor)
# squawk is installed once into ${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/squawk.
set -euo pipefail

die() { echo "bench: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: bench/run.sh BUILD_DIR"
[[ -d $1 ]] || die "build directory not found: $1"
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
migrasafe=$build/migrasafe
floor=$build/parse_floor
for b in "$migrasafe" "$floor"; do
  [[ -x $b ]] || die "$b is missing: build it (cmake --build $build --target migrasafe parse_floor)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is required for peak RSS (Debian: apt-get install time)"
for tool in npm python3; do command -v "$tool" >/dev/null || die "$tool is required"; done
runs=${BENCH_RUNS:-5}
single_runs=${BENCH_SINGLE_RUNS:-20}

corpus=${MIGRASAFE_CORPUS:-$root/../shared/corpus}
[[ -d $corpus ]] || die "corpus not found at $corpus (set MIGRASAFE_CORPUS)"
corpus=$(cd "$corpus" && pwd)

# --- squawk ------------------------------------------------------------------------------------------
squawk_version=2.66.0
cache=${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/squawk
squawk=$cache/node_modules/@squawk-cli/linux-x64/bin/squawk
installed=
if [[ -f $cache/node_modules/squawk-cli/package.json ]]; then
  installed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
    "$cache/node_modules/squawk-cli/package.json" || true)
fi
if [[ ! -f $squawk || $installed != "$squawk_version" ]]; then
  echo "installing squawk-cli@$squawk_version into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --save-exact --loglevel=error \
    "squawk-cli@$squawk_version" || die "npm install of squawk-cli@$squawk_version failed"
fi
[[ -f $squawk ]] || die "squawk binary not found at $squawk (is this linux-x64?)"
chmod u+x "$squawk"  # npm may skip the package's postinstall
"$squawk" --version | grep -q " $squawk_version" || die "$squawk is not squawk $squawk_version"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"  # no .squawk.toml or other config from the caller's directory

# --- datasets ----------------------------------------------------------------------------------------
# A deterministic ~4 MiB migration: tables are created before they are altered, with the statement
# kinds real migrations use (DDL of every common shape, backfills, inserts, comments, a few
# transactions, functions and DO blocks).
generate() { python3 "$root/bench/generate.py" "$2" "$1"; }  # generate MIB FILE
mapfile -t corpus_files < <(find -L "$corpus" -type f -iname '*.sql' | LC_ALL=C sort)
[[ ${#corpus_files[@]} -gt 0 ]] || die "no .sql files under $corpus"
# corpus-dirs: the same files, but migrasafe is given the 11 project directories, as a team runs it (each
# project its own history); named one by one, as squawk takes them, the files form one history.
mapfile -t corpus_dirs < <(find -L "$corpus" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort)
# The single-file latency input: the first corpus file (in path order) of 300 B to 2 KB that
# libpg_query parses without error.
single=
while IFS= read -r f; do
  if [[ $("$floor" "$f") == "1 files, 0 with parse errors" ]]; then single=$f; break; fi
done < <(find -L "$corpus" -type f -iname '*.sql' -size +299c -size -2049c | LC_ALL=C sort | head -n 50)
[[ -n $single ]] || single=${corpus_files[0]}

for mib in 1 2 4; do generate "$mib" "$tmp/big-$mib.sql"; done
huge_mib=${BENCH_HUGE_MIB:-0}
if ((huge_mib > 0)); then generate "$huge_mib" "$tmp/huge.sql"; fi
# Corpus scaling: the first quarter and half of the files in path order (whole early histories).
n_corpus=${#corpus_files[@]}
corpus_quarter=("${corpus_files[@]:0:$(((n_corpus + 3) / 4))}")
corpus_half=("${corpus_files[@]:0:$(((n_corpus + 1) / 2))}")

# --- measurement -------------------------------------------------------------------------------------
us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }  # microseconds, without forking date
check_rc() {  # check_rc RC COMMAND...: exit codes 0 and 1 (findings) are normal
  if [[ $1 -gt 1 ]]; then
    echo "bench: command failed with exit code $1: ${*:2:3} ..." >&2
    sed 's/^/    /' "$tmp/err" | head -20 >&2
    exit 1
  fi
}
# measure N COMMAND...: sets $secs (best of N wall times), and from one extra run under
# /usr/bin/time: $cpu_secs (user + system) and $peak_mb (peak RSS). (The huge file's single run.)
measure() {
  local n=$1 best=0 k s e rc; shift
  for ((k = 0; k < n; k++)); do
    rc=0
    s=$(us); "$@" >/dev/null 2>"$tmp/err" || rc=$?; e=$(us)
    check_rc "$rc" "$@"
    if ((best == 0 || e - s < best)); then best=$((e - s)); fi
  done
  rc=0
  /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || rc=$?
  check_rc "$rc" "$@"
  secs=$(printf '%d.%06d' $((best / 1000000)) $((best % 1000000)))
  # The last line: time writes "Command exited with non-zero status 1" first when there are findings.
  read -r peak_mb cpu_secs < <(awk '{ kb = $1; cpu = $2 + $3 } END { printf "%.1f %.2f\n", kb / 1024, cpu }' "$tmp/rss")
}

# Sanity first (not timed): every tool sees every file.
rc=0; "$migrasafe" check --format json "${corpus_files[@]}" >"$tmp/m.json" 2>"$tmp/err" || rc=$?
check_rc "$rc" migrasafe check
rc=0; "$migrasafe" check --format json "${corpus_dirs[@]}" >"$tmp/md.json" 2>"$tmp/err" || rc=$?
check_rc "$rc" migrasafe check
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["summary"]["files"] != int(sys.argv[2]))' \
  "$tmp/md.json" "${#corpus_files[@]}" || die "the corpus directories do not hold the ${#corpus_files[@]} files of the list"
rc=0; "$squawk" --reporter json "${corpus_files[@]}" >"$tmp/s.json" 2>"$tmp/err" || rc=$?
check_rc "$rc" squawk
rc=0; "$floor" "${corpus_files[@]}" >"$tmp/f.txt" 2>"$tmp/err" || rc=$?
check_rc "$rc" parse_floor
python3 - "$tmp/m.json" "$tmp/s.json" "$tmp/f.txt" "${#corpus_files[@]}" <<'PY' || die "sanity check failed"
import json, sys
m, s, f, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), open(sys.argv[3]).read(), int(sys.argv[4])
ok = m["summary"]["files"] == n and f.startswith(f"{n} files")
print(f"corpus: {n} files; migrasafe {m['summary']['findings']} findings, squawk {len(s)} violations, parse_floor: {f.strip()}")
sys.exit(0 if ok else 1)
PY
for mib in 1 2 4; do
  [[ $("$floor" "$tmp/big-$mib.sql") == "1 files, 0 with parse errors" ]] ||
    die "the generated big-$mib.sql does not parse cleanly: $("$floor" "$tmp/big-$mib.sql")"
done

mb_of() { cat "$@" | wc -c | awk '{ printf "%.2f", $1 / 1048576 }'; }
echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools in turns; best of $runs runs ($single_runs for single), wall seconds; cpu_s (user + system) the least and peak_MB the largest of three more runs"
echo "big-4: $(wc -c <"$tmp/big-4.sql") bytes, $(wc -l <"$tmp/big-4.sql") lines, sha256 $(sha256sum "$tmp/big-4.sql" | cut -c1-16)"
echo "single: ${single#"$corpus"/} ($(wc -c <"$single") bytes)"
echo
datasets=(corpus-1/4 corpus-1/2 corpus corpus-dirs big-1 big-2 big-4 single)
tools=(migrasafe squawk parse_floor)
# command_for TOOL DATASET: sets cmd to the tool's command line on the dataset's files ($args).
command_for() {
  case $1 in
    migrasafe)
      if [[ $2 == corpus-dirs ]]; then cmd=("$migrasafe" check --format json "${corpus_dirs[@]}")
      else cmd=("$migrasafe" check --format json "${args[@]}"); fi ;;
    squawk) cmd=("$squawk" --reporter json "${args[@]}") ;;
    parse_floor) cmd=("$floor" "${args[@]}") ;;
  esac
}
# measure_in_turns N DATASET: the tools take turns run after run, so that a slow stretch of this
# machine falls on all of them alike. Per tool: best_us (best of N wall times), and from three more
# runs under /usr/bin/time, again in turns, least_cpu (the least user + system seconds) and most_kb
# (the largest peak RSS).
measure_in_turns() {
  local n=$1 dataset=$2 k tool s e rc kb cpu
  declare -gA best_us least_cpu most_kb
  for tool in "${tools[@]}"; do best_us[$tool]=0; least_cpu[$tool]=; most_kb[$tool]=0; done
  for ((k = 0; k < n; k++)); do
    for tool in "${tools[@]}"; do
      command_for "$tool" "$dataset"
      rc=0
      s=$(us); "${cmd[@]}" >/dev/null 2>"$tmp/err" || rc=$?; e=$(us)
      check_rc "$rc" "${cmd[@]}"
      if ((best_us[$tool] == 0 || e - s < best_us[$tool])); then best_us[$tool]=$((e - s)); fi
    done
  done
  for ((k = 0; k < 3; k++)); do
    for tool in "${tools[@]}"; do
      command_for "$tool" "$dataset"
      rc=0
      /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "${cmd[@]}" >/dev/null 2>"$tmp/err" || rc=$?
      check_rc "$rc" "${cmd[@]}"
      # The last line: time writes "Command exited with non-zero status 1" first when there are findings.
      read -r kb cpu < <(awk '{ kb = $1; cpu = $2 + $3 } END { printf "%d %.2f\n", kb, cpu }' "$tmp/rss")
      if [[ -z ${least_cpu[$tool]} ]] || awk -v a="$cpu" -v b="${least_cpu[$tool]}" 'BEGIN { exit !(a < b) }'; then
        least_cpu[$tool]=$cpu
      fi
      if ((kb > most_kb[$tool])); then most_kb[$tool]=$kb; fi
    done
  done
}
printf '%-12s %-11s %7s %10s %8s %9s %10s\n' tool dataset MB seconds cpu_s peak_MB 's_per_MB'
declare -A T C M S
for dataset in "${datasets[@]}"; do
  case $dataset in
    corpus-1/4) args=("${corpus_quarter[@]}"); n=$runs ;;
    corpus-1/2) args=("${corpus_half[@]}"); n=$runs ;;
    corpus | corpus-dirs) args=("${corpus_files[@]}"); n=$runs ;;
    big-*) args=("$tmp/$dataset.sql"); n=$runs ;;
    single) args=("$single"); n=$single_runs ;;
  esac
  S[$dataset]=$(mb_of "${args[@]}")
  measure_in_turns "$n" "$dataset"
  for tool in "${tools[@]}"; do
    secs=$(printf '%d.%06d' $((best_us[$tool] / 1000000)) $((best_us[$tool] % 1000000)))
    T[$tool.$dataset]=$secs
    C[$tool.$dataset]=${least_cpu[$tool]}
    M[$tool.$dataset]=$(awk -v kb="${most_kb[$tool]}" 'BEGIN { printf "%.1f", kb / 1024 }')
    printf '%-12s %-11s %7s %10.4f %8s %9s %10s\n' "$tool" "$dataset" "${S[$dataset]}" "$secs" "${C[$tool.$dataset]}" \
      "${M[$tool.$dataset]}" "$(awk -v t="$secs" -v mb="${S[$dataset]}" 'BEGIN { if (mb > 0) printf "%.4f", t / mb; else print "-" }')"
  done
done
echo
echo "ratios (below 1: migrasafe is faster / smaller); s_per_MB above stays flat when a tool scales linearly"
printf '%-11s %14s %14s %14s %14s %14s\n' dataset wall/squawk cpu/squawk wall/floor RSS/squawk RSS/floor
for dataset in "${datasets[@]}"; do
  awk -v d="$dataset" -v m="${T[migrasafe.$dataset]}" -v s="${T[squawk.$dataset]}" -v f="${T[parse_floor.$dataset]}" \
      -v mc="${C[migrasafe.$dataset]}" -v sc="${C[squawk.$dataset]}" \
      -v mm="${M[migrasafe.$dataset]}" -v sm="${M[squawk.$dataset]}" -v fm="${M[parse_floor.$dataset]}" \
      'function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
       BEGIN { printf "%-11s %14s %14s %14s %14s %14s\n", d, r(m, s), r(mc, sc), r(m, f), r(mm, sm), r(mm, fm) }'
done

# Where migrasafe's time goes (MIGRASAFE_TIMINGS=1, one run each; phases on several threads add up).
echo
echo "migrasafe phases (seconds, one run each; parse runs on several threads, so phases can add up to more than wall)"
phase_rows=()
for dataset in corpus big-4; do
  case $dataset in
    corpus) args=("${corpus_files[@]}") ;;
    big-4) args=("$tmp/big-4.sql") ;;
  esac
  rc=0
  MIGRASAFE_TIMINGS=1 "$migrasafe" check --format json "${args[@]}" >/dev/null 2>"$tmp/err" || rc=$?
  check_rc "$rc" migrasafe check
  if ! grep -q '^migrasafe timings' "$tmp/err"; then
    echo "(none: this migrasafe predates MIGRASAFE_TIMINGS)"
    break
  fi
  cp "$tmp/err" "$tmp/phases-$dataset"
  phase_rows+=("$dataset")
done
((${#phase_rows[@]} == 0)) || printf '%-10s' phase; for d in "${phase_rows[@]}"; do printf ' %10s' "$d"; done; echo
for phase in discovery read parse replay rules report phases wall; do
  ((${#phase_rows[@]} > 0)) || break
  printf '%-10s' "$phase"
  for d in "${phase_rows[@]}"; do printf ' %10s' "$(awk -v p="$phase" '$1 == p { print $2 }' "$tmp/phases-$d")"; done
  echo
done

# A very large file (BENCH_HUGE_MIB, e.g. 50): migrasafe's time and peak memory, one run.
if ((huge_mib > 0)); then
  measure 1 "$migrasafe" check --format json "$tmp/huge.sql"
  echo
  echo "huge: $(mb_of "$tmp/huge.sql") MB generated file: migrasafe $secs s wall, $cpu_secs s CPU, peak $peak_mb MB" \
       "($(awk -v m="$peak_mb" -v s="$(mb_of "$tmp/huge.sql")" 'BEGIN { printf "%.1f", m / s }')x its size)"
fi

# --- editor latency ------------------------------------------------------------------------------------
# `migrasafe lsp` in a generated workspace of 1,000 migrations: the first open (a full replay), then
# the time from each edit to its diagnostics (budget: 50 ms per edit).
echo
python3 "$root/bench/lsp_latency.py" "$migrasafe" --migrations 1000 --edits 50
echo
echo "stress (bench/stress.sh): each input at N and 2N"
bash "$root/bench/stress.sh" "$build"
