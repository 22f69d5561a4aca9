#!/usr/bin/env bash
# CTest `recipes`: the framework recipes of docs/recipes/, run with the real frameworks from Debian's
# packages on small example projects, their SQL piped into migrasafe.
#  - Django (python3-django, python3-psycopg2): `manage.py sqlmigrate` against a throwaway
#    PostgreSQL 15 (Django reads the applied migrations from it), per migration and through
#    docs/recipes/django-lint-unapplied.sh.
#  - Alembic (python3-alembic): offline mode, `alembic upgrade --sql base:head` and one revision.
# Usage: tests/recipes_test.sh MIGRASAFE_BIN
set -euo pipefail

die() { echo "recipes: $*" >&2; exit 1; }
[[ $# -eq 1 && -x $1 ]] || die "usage: tests/recipes_test.sh MIGRASAFE_BIN"
bin=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's python3 has Debian's packages (another python3 may come first on PATH).
python=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import django, alembic, psycopg2' 2>/dev/null; then python=$candidate; break; fi
done
[[ -n $python ]] || { echo "recipes: python3-django, python3-alembic or python3-psycopg2 missing (scripts/setup-deps.sh --test); skipped"; exit 77; }
pg=/usr/lib/postgresql/15/bin
[[ -x $pg/initdb ]] || { echo "recipes: postgresql-15 missing; skipped"; exit 77; }
tmp=$(mktemp -d)
status=0
fail() { echo "FAIL $*"; status=1; }
ok() { echo "ok   $*"; }
# findings FILE: "rule@line" for each finding of migrasafe's JSON report, sorted.
findings() { "$python" -c 'import json,sys
for f in json.load(open(sys.argv[1]))["files"]:
    for d in f["findings"]: print(f["path"].rsplit("/", 1)[-1], d["rule"], d["line"], sep="@")' "$1" | sort; }

# --- a throwaway PostgreSQL (Django's sqlmigrate and showmigrations read the applied migrations) ---
as_user=()
if [[ $(id -u) == 0 ]]; then chown postgres "$tmp"; as_user=(runuser -u postgres --); fi
"${as_user[@]}" "$pg/initdb" -D "$tmp/pgdata" -A trust -U postgres --no-sync >"$tmp/initdb.log" 2>&1 || die "initdb failed: $(cat "$tmp/initdb.log")"
"${as_user[@]}" "$pg/pg_ctl" -D "$tmp/pgdata" -w -l "$tmp/pg.log" -o "-k $tmp -c listen_addresses='' -c fsync=off" start >/dev/null ||
  die "PostgreSQL did not start: $(cat "$tmp/pg.log")"
trap '"${as_user[@]}" "$pg/pg_ctl" -D "$tmp/pgdata" -m immediate stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# --- Django -------------------------------------------------------------------------------------------
django=$tmp/django
mkdir -p "$django" && cd "$django"
"$python" -m django startproject store . >/dev/null
"$python" manage.py startapp shop >/dev/null
"$python" - "$tmp" <<'PY'
import re, sys
path = "store/settings.py"
s = open(path).read().replace("'django.contrib.staticfiles',", "'django.contrib.staticfiles',\n    'shop',")
s = re.sub(r"DATABASES = \{.*?\n\}\n",
           "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'postgres', "
           f"'USER': 'postgres', 'HOST': '{sys.argv[1]}'}}}}\n", s, flags=re.S)
open(path, "w").write(s)
PY
cat >shop/models.py <<'PY'
from django.db import models

class Order(models.Model):
    number = models.CharField(max_length=20)
PY
"$python" manage.py makemigrations shop >/dev/null
# The second migration: a new indexed column with a default.
cat >shop/models.py <<'PY'
from django.db import models

class Order(models.Model):
    number = models.CharField(max_length=20)
    status = models.TextField(default="new", db_index=True)
PY
"$python" manage.py makemigrations shop --name order_status >/dev/null

# One migration's SQL, piped in: what Django would run for 0002 on PostgreSQL.
"$python" manage.py sqlmigrate shop 0002 >"$tmp/0002.sql"
rc=0
"$bin" check --format json --stdin-filename shop_0002.sql - <"$tmp/0002.sql" >"$tmp/0002.json" || rc=$?
got=$(findings "$tmp/0002.json" | tr '\n' ' ')
# The recipe page lists these as the expected findings.
expected="shop_0002.sql@create-index-non-concurrently@7 shop_0002.sql@create-index-non-concurrently@8 shop_0002.sql@lock-held-across-statements@7 shop_0002.sql@missing-lock-timeout@5 "
if [[ $rc == 1 && $got == "$expected" ]] && grep -q '^BEGIN;' "$tmp/0002.sql"; then
  ok "django: sqlmigrate shop 0002 | migrasafe check - reports the index builds and the missing lock_timeout"
else
  fail "django: sqlmigrate shop 0002 (exit $rc): $got"; cat "$tmp/0002.sql"
fi

# The unapplied migrations only: everything is applied but shop's 0002.
"$python" manage.py migrate >/dev/null
"$python" manage.py migrate shop 0001 >/dev/null
rc=0
MIGRASAFE=$bin PYTHON=$python KEEP_SQL=$tmp/unapplied bash "$root/docs/recipes/django-lint-unapplied.sh" --format json \
  >"$tmp/unapplied.json" 2>"$tmp/unapplied.err" || rc=$?
got=$(findings "$tmp/unapplied.json" | cut -d@ -f1 | sort -u | tr '\n' ' ')
if [[ $rc == 1 && $got == "0001_shop_0002_order_status.sql " ]] && findings "$tmp/unapplied.json" | grep -q create-index-non-concurrently; then
  ok "django: django-lint-unapplied.sh lints only the unapplied migration"
else
  fail "django: django-lint-unapplied.sh (exit $rc): $got $(cat "$tmp/unapplied.err")"
fi
# Everything applied: nothing to lint, exit 0 (a DDL-free run, whatever migrasafe would say).
"$python" manage.py migrate >/dev/null
rc=0; out=$(MIGRASAFE=$bin PYTHON=$python bash "$root/docs/recipes/django-lint-unapplied.sh" 2>&1) || rc=$?
[[ $rc == 0 && $out == *"no unapplied migrations"* ]] && ok "django: nothing unapplied passes" || fail "django: all applied (exit $rc): $out"

# --- Alembic (offline mode: no database) -----------------------------------------------------------------
alembic_dir=$tmp/alembic
mkdir -p "$alembic_dir" && cd "$alembic_dir"
"$python" -m alembic init migrations >/dev/null
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://app@localhost/app|' alembic.ini
cat >migrations/versions/a1_create_account.py <<'PY'
"""create account"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None

def upgrade():
    op.create_table("account", sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("email", sa.Text))

def downgrade():
    op.drop_table("account")
PY
cat >migrations/versions/a2_account_email.py <<'PY'
"""index and require the e-mail"""
from alembic import op

revision = "a2"
down_revision = "a1"

def upgrade():
    op.create_index("account_email", "account", ["email"])
    op.alter_column("account", "email", nullable=False)

def downgrade():
    op.alter_column("account", "email", nullable=True)
    op.drop_index("account_email")
PY
rc=0
"$python" -m alembic upgrade --sql base:head >"$tmp/alembic-all.sql" 2>"$tmp/alembic.err" || die "alembic upgrade --sql: $(cat "$tmp/alembic.err")"
"$bin" check --format json --stdin-filename upgrade.sql - <"$tmp/alembic-all.sql" >"$tmp/alembic-all.json" || rc=$?
got=$(findings "$tmp/alembic-all.json" | cut -d@ -f2 | sort -u | tr '\n' ' ')
# From base, `account` is created in the same script: its index and NOT NULL cost nothing; only the
# schema-design notes remain (alembic_version's varchar(32), a bigint key without identity).
if [[ $rc == 0 && $got == "prefer-identity prefer-text-over-varchar " ]]; then
  ok "alembic: upgrade --sql base:head: only notes, since the table is new in the same script"
else
  fail "alembic: base:head (exit $rc): $got"
fi
rc=0
"$python" -m alembic upgrade --sql a1:a2 >"$tmp/alembic-a2.sql" 2>>"$tmp/alembic.err"
"$bin" check --format json --stdin-filename a2.sql - <"$tmp/alembic-a2.sql" >"$tmp/alembic-a2.json" || rc=$?
got=$(findings "$tmp/alembic-a2.json" | cut -d@ -f2 | sort -u | tr '\n' ' ')
if [[ $rc == 1 && $got == "create-index-non-concurrently fails-on-existing-data lock-held-across-statements missing-lock-timeout set-not-null-scan " ]]; then
  ok "alembic: upgrade --sql a1:a2 reports the index build and the NOT NULL on the existing table"
else
  fail "alembic: a1:a2 (exit $rc): $got"; cat "$tmp/alembic-a2.sql"
fi

cd "$root"
[[ $status == 0 ]] && echo "recipes: OK" || echo "recipes: FAILED"
exit $status
