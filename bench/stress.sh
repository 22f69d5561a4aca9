#!/usr/bin/env bash
# The stress section of `make bench` (also runs alone): inputs that grow one dimension at a
# time, each at size N and 2N, with CPU time (user + system: steady on a shared machine) and peak RSS of one `migrasafe check` run. Doubling an
# input must at most about double time and memory (ratio above STRESS_MAX_RATIO, default 2.6, fails:
# one run each on a shared machine is noisy, a quadratic step shows as 4).
#   statements  N simple DDL statements, one per line
#   one-line    a file of statements on one line (N bytes)
#   ignores     N statements each under a `-- migrasafe-ignore` comment
#   index-pairs N DROP INDEX CONCURRENTLY IF EXISTS + CREATE INDEX CONCURRENTLY pairs
#   table-indexes N indexes on one table, each 1 in 50 redundant with an earlier one (redundant-index)
#   deep-expr   one SELECT of N left-deep terms (reported, never a crash)
#   functions   N tables, each followed by a PL/pgSQL function whose body has expressions
#   files       N one-statement files in one directory
#   big-file    the bench's big-file generator scaled to N MB (STRESS_BIG_MB, default 25)
#
# For `files`, memory must also stay in proportion to what the report holds: the peak RSS that the
# second N files add, per file, may be at most STRESS_MAX_FILE_MEMORY (default 2) times the JSON report
# bytes they add per file (their statements, effects and findings). A file's parse tree, tokens,
# per-statement schema or parse state kept after its analysis show as a larger multiple (2.2 when
# each unit's parse state stayed allocated until the end of the run; 1.5 without).
#
# Usage: bench/stress.sh BUILD_DIR
set -euo pipefail

die() { echo "stress: $*" >&2; exit 1; }
[[ $# -eq 1 && -x $1/migrasafe ]] || die "usage: bench/stress.sh BUILD_DIR (holding migrasafe)"
migrasafe=$(cd "$1" && pwd)/migrasafe
[[ -x /usr/bin/time ]] || die "/usr/bin/time is required for peak RSS (Debian: apt-get install time)"
max_ratio=${STRESS_MAX_RATIO:-2.6}
max_file_memory=${STRESS_MAX_FILE_MEMORY:-2}
big_mb=${STRESS_BIG_MB:-25}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# gen KIND N OUT: writes the input (a file, or a directory for `files`).
gen() {
  python3 - "$@" <<'PY'
import os, random, sys
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "files":
    os.makedirs(out)
    for i in range(n):
        with open(os.path.join(out, f"V{i + 1:06d}__m.sql"), "w") as f:
            f.write(f"ALTER TABLE t{i % 50} ADD COLUMN c{i} integer;\n")
    sys.exit(0)
with open(out, "w") as f:
    if kind == "statements":
        f.write("CREATE TABLE t (id bigint);\n")
        for i in range(n):
            f.write(f"ALTER TABLE t ADD COLUMN c{i} integer;\n" if i % 2 else f"COMMENT ON TABLE t IS 'v{i}';\n")
    elif kind == "one-line":
        size, i = 0, 0
        while size < n:
            s = f"ALTER TABLE t{i % 20} ADD COLUMN c{i} integer NOT NULL; "
            f.write(s); size += len(s); i += 1
        f.write("\n")
    elif kind == "ignores":
        for i in range(n):
            f.write(f"-- migrasafe-ignore drop-table: fixture {i}\nDROP TABLE t{i};\n")
    elif kind == "index-pairs":
        for i in range(n):
            f.write(f"DROP INDEX CONCURRENTLY IF EXISTS idx_{i};\nCREATE INDEX CONCURRENTLY idx_{i} ON t (c{i});\n")
    elif kind == "table-indexes":
        f.write("CREATE TABLE t (" + ", ".join(f"c{c} int" for c in range(100)) + ");\n")
        for i in range(n):
            key = [f"c{i % 100}", f"c{i // 100 % 100}", f"c{i // 10000}"]
            if i % 50 == 49:  # the first two columns of the index before: redundant with it
                key = [f"c{(i - 1) % 100}", f"c{(i - 1) // 100 % 100}"]
            f.write(f"CREATE INDEX CONCURRENTLY idx_{i} ON t ({', '.join(key)});\n")
    elif kind == "deep-expr":
        f.write("SELECT 1" + " + 1" * n + ";\n")
    elif kind == "functions":
        for i in range(n):
            f.write(f"CREATE TABLE t{i} (id bigint);\n"
                    f"CREATE FUNCTION f{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.id > {i} THEN NEW.id := NEW.id + 1; END IF; RETURN NEW; END $$;\n")
    elif kind == "big-file":
        rng, size, step = random.Random(n), 0, 0
        target = n * 1024 * 1024
        while size < target:
            step += 1
            t = f"t{step % 200}"
            s = rng.choice([f"CREATE TABLE IF NOT EXISTS {t} (id bigint PRIMARY KEY, v text);\n",
                            f"ALTER TABLE {t} ADD COLUMN c{step} integer;\n",
                            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_c{step}_idx ON {t} (v);\n",
                            f"UPDATE {t} SET v = 'x' WHERE id < {step};\n",
                            f"INSERT INTO {t} (id, v) VALUES ({step}, 'y');\n"])
            f.write(s); size += len(s)
PY
}

# run INPUT: sets secs and peak_mb for a check run (exit codes 0 and 1 are normal): the lowest CPU
# time of three runs, since one run on a shared machine can be slowed by half (CI runs saw 3.0, and
# with the lower of two runs 2.8, for doublings whose instruction counts are exactly 2.0). Runs under
# a second get five tries: their system time (opening 10,000 files) varies the most (a bench run saw
# 2.6 for `files`, whose instruction counts doubled to 2.03).
run() {
  local rc attempt best=
  for attempt in 1 2 3 4 5; do
    if ((attempt > 3)) && awk -v b="$best" 'BEGIN { exit !(b >= 1) }'; then break; fi
    rc=0
    /usr/bin/time -f '%U %S %M' -o "$tmp/t" "$migrasafe" check --format json "$1" >"$tmp/out.json" 2>"$tmp/err" || rc=$?
    if ((rc > 1)); then
      echo "stress: migrasafe exited with $rc on $1:" >&2
      head -5 "$tmp/err" >&2
      failed=1
    fi
    read -r user sys kb < <(tail -n 1 "$tmp/t")  # after "Command exited with non-zero status 1"
    secs=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$secs
      peak_kb=$kb
    fi
  done
  secs=$best
  peak_mb=$(awk -v kb="$peak_kb" 'BEGIN { printf "%.1f", kb / 1024 }')
  report_bytes=$(wc -c <"$tmp/out.json")
}

failed=0
printf '%-12s %10s %9s %9s %10s %9s %9s %8s\n' input N seconds peak_MB 2N seconds peak_MB ratios
for spec in "statements 50000" "one-line 524288" "ignores 10000" "index-pairs 10000" "table-indexes 5000" "deep-expr 100000" "functions 5000" \
            "files 10000" "big-file $big_mb"; do
  read -r kind n <<<"$spec"
  gen "$kind" "$n" "$tmp/$kind.1"
  gen "$kind" $((2 * n)) "$tmp/$kind.2"
  run "$tmp/$kind.1"; s1=$secs m1=$peak_mb k1=$peak_kb r1=$report_bytes
  run "$tmp/$kind.2"; s2=$secs m2=$peak_mb k2=$peak_kb r2=$report_bytes
  rm -rf "$tmp/$kind.1" "$tmp/$kind.2"
  verdict=$(awk -v s1="$s1" -v s2="$s2" -v m1="$m1" -v m2="$m2" -v max="$max_ratio" 'BEGIN {
    # Times under 0.2 s are mostly start-up: compared from 0.2 s up.
    t = (s2 < 0.2 ? 1 : s2 / (s1 < 0.2 ? 0.2 : s1)); m = m2 / m1
    printf "%.1f/%.1f%s", t, m, (t > max || m > max) ? " SUPERLINEAR" : "" }')
  [[ $verdict == *SUPERLINEAR* ]] && failed=1
  printf '%-12s %10s %9s %9s %10s %9s %9s %8s\n' "$kind" "$n" "$s1" "$m1" $((2 * n)) "$s2" "$m2" "$verdict"
  if [[ $kind == files ]]; then
    per_file=$(awk -v k1="$k1" -v k2="$k2" -v r1="$r1" -v r2="$r2" -v n="$n" -v max="$max_file_memory" 'BEGIN {
      mem = (k2 - k1) * 1024 / n; rep = (r2 - r1) / n
      printf "%.0f %.0f %.2f%s", mem, rep, mem / rep, (mem > max * rep) ? " TOO-LARGE" : "" }')
    read -r mem_per_file report_per_file per_file_ratio per_file_verdict <<<"$per_file"
    echo "             the second $n files: $mem_per_file bytes of peak memory per file for $report_per_file bytes of report" \
         "(${per_file_ratio}x; above ${max_file_memory}x fails)${per_file_verdict:+ $per_file_verdict}"
    [[ -n $per_file_verdict ]] && failed=1
  fi
done
echo "(ratios: time/memory of 2N over N; above $max_ratio is reported SUPERLINEAR)"
exit "$failed"
