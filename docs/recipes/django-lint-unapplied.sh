#!/usr/bin/env bash
# Lints every migration of a Django project that the database has not applied yet, as PostgreSQL
# will run it: `manage.py sqlmigrate` for each one, in the order `migrate` would apply them, written
# to a directory that migrasafe checks as one migration history (a later migration is judged with
# what the earlier ones created).
#   usage: django-lint-unapplied.sh [MIGRASAFE_OPTIONS...]   (from the directory of manage.py)
# Environment: PYTHON (default python3), MANAGE (default manage.py), MIGRASAFE (default migrasafe),
# KEEP_SQL=DIR to keep the generated SQL in DIR. Exit code: migrasafe's (0 when nothing is unapplied).
set -euo pipefail

python=${PYTHON:-python3}
manage=${MANAGE:-manage.py}
migrasafe=${MIGRASAFE:-migrasafe}
out=${KEEP_SQL:-$(mktemp -d)}
[[ -n ${KEEP_SQL:-} ]] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out"

# `showmigrations --plan` lists every migration in apply order, "[ ]" for the unapplied ones.
plan=$("$python" "$manage" showmigrations --plan)
n=0
while read -r mark label; do
  [[ $mark == "[" ]] || continue  # "[ ]  app.name" splits as "[" and "]  app.name"
  label=${label#]}
  label=${label#"${label%%[![:space:]]*}"}
  app=${label%%.*} name=${label#*.}
  n=$((n + 1))
  "$python" "$manage" sqlmigrate "$app" "$name" >"$out/$(printf %04d "$n")_${app}_${name}.sql"
done <<<"$plan"
if ((n == 0)); then
  echo "django-lint-unapplied: no unapplied migrations"
  exit 0
fi
echo "django-lint-unapplied: $n unapplied migration(s), SQL in $out" >&2
"$migrasafe" check "$@" "$out"
