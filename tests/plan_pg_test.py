#!/usr/bin/env python3
"""`migrasafe plan`'s verification queries, run on a real PostgreSQL 15.

1. Each case is one migration statement on a table holding rows that make it
   fail. The plan's preconditions must say so (a query returns something other
   than its expected value) and PostgreSQL must refuse the statement; after the
   rows are fixed, every precondition returns its expected value, the
   statement succeeds, and every postcondition returns its expected value.
2. The bundled examples (examples/migrations), applied in order the way
   golang-migrate sends them (each file as one query): before each, its
   preconditions hold; after it, its postconditions hold, or the migration
   fails and the plan predicted it (a critical risk). Then every down script,
   newest first, and its rollback verification queries.

Usage: plan_pg_test.py MIGRASAFE_BIN
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pg_differential import BIN, Cluster, run  # noqa: E402

ROOT = os.path.dirname(HERE)

# (name, setup with rows that make the statement fail or None, fix, migration)
CASES = [
    ("set not null", "CREATE TABLE t (id int, c int); INSERT INTO t VALUES (1, NULL), (2, 3);",
     "UPDATE t SET c = 0 WHERE c IS NULL;", "ALTER TABLE t ALTER COLUMN c SET NOT NULL;"),
    ("named unique constraint", "CREATE TABLE t (id int, c int); INSERT INTO t VALUES (1, 1), (2, 1), (3, NULL), (4, NULL);",
     "DELETE FROM t WHERE id = 2;", "ALTER TABLE t ADD CONSTRAINT t_c_uniq UNIQUE (c);"),
    ("unnamed two-column unique", "CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 1), (1, 1), (1, NULL), (1, NULL);",
     "DELETE FROM t WHERE b IS NOT NULL; INSERT INTO t VALUES (1, 1);", "ALTER TABLE t ADD UNIQUE (a, b);"),
    ("primary key", "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (1), (NULL);",
     "DELETE FROM t; INSERT INTO t VALUES (1), (2);", "ALTER TABLE t ADD PRIMARY KEY (id);"),
    ("foreign key", "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int, pid int); "
                    "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1), (2, 2), (3, NULL);",
     "DELETE FROM child WHERE id = 2;", "ALTER TABLE child ADD FOREIGN KEY (pid) REFERENCES parent (id);"),
    ("two-column foreign key", "CREATE TABLE parent (x int, y int, PRIMARY KEY (x, y)); CREATE TABLE child (a int, b int); "
                               "INSERT INTO parent VALUES (1, 1); INSERT INTO child VALUES (1, 1), (1, 2), (NULL, 5);",
     "DELETE FROM child WHERE b = 2;", "ALTER TABLE child ADD FOREIGN KEY (a, b) REFERENCES parent (x, y);"),
    ("check", "CREATE TABLE t (c int); INSERT INTO t VALUES (-1), (NULL), (5);",
     "DELETE FROM t WHERE c < 0;", "ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0 AND (c < 100));"),
    ("unnamed two-column check", "CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 0);",
     "UPDATE t SET b = 2;", "ALTER TABLE t ADD CHECK (a < b);"),
    ("unique index", "CREATE TABLE t (c text); INSERT INTO t VALUES ('a'), ('a'), (NULL), (NULL);",
     "DELETE FROM t WHERE c = 'a'; INSERT INTO t VALUES ('a');", "CREATE UNIQUE INDEX t_c_idx ON t (c);"),
    ("add column not null", "CREATE TABLE t (id int); INSERT INTO t VALUES (1);",
     "DELETE FROM t;", "ALTER TABLE t ADD COLUMN d int NOT NULL;"),
    ("quoted names", 'CREATE TABLE "Order" ("Total" int, "select" int); INSERT INTO "Order" VALUES (NULL, 1);',
     'UPDATE "Order" SET "Total" = 1;', 'ALTER TABLE "Order" ALTER COLUMN "Total" SET NOT NULL, ALTER COLUMN "select" SET NOT NULL;'),
    # No failing rows: only the postconditions.
    ("column types", "CREATE TABLE t (id int); INSERT INTO t VALUES (1);", None,
     "ALTER TABLE t ADD COLUMN a varchar(20), ADD COLUMN b timestamptz, ADD COLUMN c numeric(12, 2), "
     "ADD COLUMN d text[], ADD COLUMN e char(3), ADD COLUMN f timestamp(3), ADD COLUMN g double precision, "
     "ADD COLUMN h boolean, ADD COLUMN i bigserial, ADD COLUMN j smallint, ADD COLUMN k char, "
     "ADD COLUMN l time with time zone, ADD COLUMN m real, ADD COLUMN n bit varying(5), ADD COLUMN o jsonb;"),
    ("column check on two columns", "CREATE TABLE t (a int);", None,
     "ALTER TABLE t ADD COLUMN c int CHECK (c > 0 AND c < a), ADD COLUMN d int CHECK (d > 0);"),
    ("type change", "CREATE TABLE t (c int); INSERT INTO t VALUES (1);", None,
     "ALTER TABLE t ALTER COLUMN c TYPE bigint;"),
    ("check not valid", "CREATE TABLE t (c int); INSERT INTO t VALUES (-1);", None,
     "ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0) NOT VALID;"),
    ("validate", "CREATE TABLE t (c int); INSERT INTO t VALUES (1); "
                 "ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0) NOT VALID;", None,
     "ALTER TABLE t VALIDATE CONSTRAINT c_positive;"),
    ("renames and drops", "CREATE TABLE t (a int, b int CONSTRAINT b_pos CHECK (b > 0)); CREATE TABLE gone (x int); "
                          "CREATE INDEX t_a_idx ON t (a);", None,
     "ALTER TABLE t RENAME COLUMN a TO a2; ALTER TABLE t DROP CONSTRAINT b_pos; ALTER TABLE t DROP COLUMN b; "
     "DROP TABLE gone; DROP INDEX t_a_idx; ALTER TABLE t RENAME TO t2;"),
]


def plan_of(migrasafe, directory):
    r = run([migrasafe, "plan", "--format", "json", directory])
    if r.returncode != 0:
        sys.exit(f"migrasafe plan {directory} exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)["migrations"]


class Database:
    def __init__(self, cluster, name):
        self.cluster, self.name = cluster, name
        r = cluster.psql(f"CREATE DATABASE {name};")
        if r.returncode:
            sys.exit(f"CREATE DATABASE {name}: {r.stderr}")

    def psql(self, args, text=None):
        return run([f"{BIN}/psql", "-X", "-q", "-At", "-h", self.cluster.root, "-U", "postgres", "-d", self.name,
                    "-v", "ON_ERROR_STOP=1"] + args, input=text)

    def query(self, sql):
        r = self.psql(["-c", sql])
        if r.returncode:
            return "ERROR: " + r.stderr.strip()
        return r.stdout.strip()

    def apply(self, sql):  # one query, as golang-migrate sends a file
        r = self.psql(["-c", sql])
        return r.returncode == 0, r.stderr.strip()


def checks(migration, when):
    return migration["verification"][when]


def check_all(db, items, label, problems, expect_hold=True):
    held = True
    for c in items:
        got = db.query(c["query"])
        if got != c["expected"]:
            held = False
            if expect_hold:
                problems.append(f"{label}: {c['purpose']}: {c['query']} returned {got!r}, expected {c['expected']!r}")
    return held


def run_cases(migrasafe, cluster, problems):
    counted = 0
    for n, (name, setup, fix, statement) in enumerate(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "0001_case.sql"), "w") as f:
                f.write(statement + "\n")
            [migration] = plan_of(migrasafe, tmp)
        before, after = checks(migration, "before"), checks(migration, "after")
        if not after:
            problems.append(f"{name}: the plan has no postcondition")
        db = Database(cluster, f"case{n}")
        ok, err = db.apply(setup)
        if not ok:
            sys.exit(f"{name}: setup failed: {err}")
        if fix is not None:
            if not before:
                problems.append(f"{name}: the plan has no precondition")
            if check_all(db, before, name + " (failing rows)", problems, expect_hold=False):
                problems.append(f"{name}: every precondition holds on rows that make the statement fail")
            ok, _ = db.apply(statement)
            if ok:
                problems.append(f"{name}: PostgreSQL accepted the statement on the failing rows (bad case)")
                continue
            db.apply(fix)
        check_all(db, before, name, problems)
        ok, err = db.apply(statement)
        if not ok:
            problems.append(f"{name}: the statement failed after the fix: {err}")
            continue
        check_all(db, after, name + " (after)", problems)
        counted += len(before) + len(after)
    return counted


def run_examples(migrasafe, cluster, problems):
    directory = os.path.join(ROOT, "examples", "migrations")
    plans = plan_of(migrasafe, directory)
    db = Database(cluster, "examples")
    applied, counted = [], 0
    for m in plans:
        label = os.path.basename(m["path"])
        check_all(db, checks(m, "before"), label + " (before)", problems)
        with open(m["path"]) as f:
            ok, err = db.apply(f.read())
        if not ok:
            if not any(r["severity"] == "critical" for r in m["risks"]):
                problems.append(f"{label}: failed on PostgreSQL ({err}) and the plan has no critical risk")
            continue
        check_all(db, checks(m, "after"), label + " (after)", problems)
        counted += len(checks(m, "before")) + len(checks(m, "after"))
        applied.append(m)
    for m in reversed(applied):
        down = m["rollback_plan"]["down_script"]
        if not down:
            continue
        with open(down) as f:
            ok, err = db.apply(f.read())
        if not ok:
            problems.append(f"{down}: rollback failed: {err}")
            continue
        for step in m["rollback_plan"]["steps"]:
            check_all(db, step["verification"], os.path.basename(down), problems)
            counted += len(step["verification"])
    if len(applied) < 4:
        problems.append(f"only {len(applied)} example migrations applied")
    return counted


def main():
    migrasafe = os.path.abspath(sys.argv[1])
    if not os.path.exists(f"{BIN}/initdb"):
        print(f"skipped: no PostgreSQL server binaries in {BIN}")
        sys.exit(77)
    problems = []
    root = tempfile.mkdtemp(prefix="migrasafe-plan-")
    cluster = Cluster(root)
    cluster.start()
    try:
        cases = run_cases(migrasafe, cluster, problems)
        examples = run_examples(migrasafe, cluster, problems)
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", root])
    for p in problems:
        print("FAIL", p)
    print(f"plan verification queries: {cases} in {len(CASES)} cases, {examples} on the examples; "
          f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
