#!/usr/bin/env bash
# `make bench`: migrasafe against squawk 2.66 and against the parse-only floor
# (libpg_query alone), in one run, on ../shared/corpus and a generated 4 MB
# file. Prints best-of-N wall time, peak RSS and the ratios.
set -euo pipefail
build=$(realpath "${1:-build}")
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${MIGRASAFE_CORPUS:-$root/../shared/corpus}
cache=${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/squawk
squawk=$cache/node_modules/@squawk-cli/linux-x64/bin/squawk
if [[ ! -f $squawk ]]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error squawk-cli@2.66.0)
fi
chmod u+x "$squawk"
[[ -d $corpus ]] || { echo "corpus not found at $corpus (set MIGRASAFE_CORPUS)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A deterministic ~4 MB migration of the statement kinds real migrations use.
python3 - "$tmp/big.sql" <<'PY'
import sys
out, i = [], 0
while sum(map(len, out)) < 4 * 1024 * 1024:
    t = f"t{i % 500}"
    out.append(f"-- step {i}\nCREATE TABLE IF NOT EXISTS {t}_{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\n")
    out.append(f"ALTER TABLE {t} ADD COLUMN c{i} integer DEFAULT 0, DROP COLUMN IF EXISTS d{i};\n")
    out.append(f"CREATE INDEX {t}_c{i}_idx ON {t} (c{i}) WHERE c{i} > 10;\n")
    out.append(f"ALTER TABLE {t} ALTER COLUMN c{i} SET NOT NULL;\n")
    out.append(f"UPDATE {t} SET c{i} = c{i} + 1 WHERE id IN (SELECT id FROM {t} WHERE c{i} IS NULL LIMIT 1000);\n")
    out.append(f"INSERT INTO audit (table_name, note) VALUES ('{t}', 'migrated step {i}');\n")
    i += 1
open(sys.argv[1], "w").write("".join(out))
PY
mapfile -t corpus_files < <(find "$corpus" -type f -iname '*.sql' | sort)
small=$(find "$corpus" -type f -iname '*.sql' -size +1k | sort | head -1)

best() {  # runs "$@" N times (N in $runs); prints "seconds peak_mb"
  local b=999999 peak=0
  for ((k = 0; k < runs; k++)); do
    local s e rc=0
    s=$(date +%s.%N)
    /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || rc=$?
    e=$(date +%s.%N)
    if [[ $rc -gt 1 ]]; then echo "command failed ($rc): $*" >&2; cat "$tmp/err" >&2; exit 1; fi
    b=$(python3 -c "print(min($b, $e - $s))")
    peak=$(python3 -c "print(max($peak, $(tail -1 "$tmp/rss") / 1024))")
  done
  printf '%.4f %.1f\n' "$b" "$peak"
}

printf '%-22s %-14s %10s %9s\n' tool dataset seconds peak_MB
declare -A T
for dataset in corpus big single; do
  case $dataset in
    corpus) args=("${corpus_files[@]}"); runs=5 ;;
    big) args=("$tmp/big.sql"); runs=5 ;;
    single) args=("$small"); runs=20 ;;
  esac
  for tool in migrasafe squawk parse_floor; do
    case $tool in
      migrasafe) cmd=("$build/migrasafe" check --format json "${args[@]}") ;;
      squawk) cmd=("$squawk" --reporter json "${args[@]}") ;;
      parse_floor) cmd=("$build/parse_floor" "${args[@]}") ;;
    esac
    read -r secs mb < <(best "${cmd[@]}")
    T[$tool.$dataset]=$secs
    printf '%-22s %-14s %10s %9s\n' "$tool" "$dataset" "$secs" "$mb"
  done
done
echo
for dataset in corpus big single; do
  python3 -c "
m, s, f = ${T[migrasafe.$dataset]}, ${T[squawk.$dataset]}, ${T[parse_floor.$dataset]}
print(f'$dataset: migrasafe/squawk = {m/s:.2f}  migrasafe/parse_floor = {m/f:.2f}')"
done
echo "(corpus: ${#corpus_files[@]} files; big: $(wc -c < "$tmp/big.sql") bytes; single: $small)"
