#!/usr/bin/env python3
# The bench's generated migration file: python3 bench/generate.py OUT.sql MIB (deterministic).
import random, sys
rng = random.Random(20240601)
target = int(sys.argv[2]) * 1024 * 1024
types = ["integer", "bigint", "text", "varchar(255)", "boolean", "timestamptz", "numeric(12,2)", "jsonb", "uuid"]
defaults = {"integer": "0", "bigint": "0", "text": "''", "varchar(255)": "''", "boolean": "false",
            "timestamptz": "now()", "numeric(12,2)": "0", "jsonb": "'{}'::jsonb", "uuid": "gen_random_uuid()"}
tables, columns, out, size, step = [], {}, [], 0, 0

def emit(s):
    global size
    out.append(s)
    size += len(s.encode())

def col(t):
    return rng.choice(columns[t])

while size < target:
    step += 1
    emit(f"-- migration step {step}: {rng.choice(['add reporting fields', 'backfill', 'index hot paths', 'cleanup', 'new feature tables'])}\n")
    if not tables or rng.random() < 0.12:
        t = f"app_{rng.choice(['orders', 'users', 'events', 'invoices', 'items', 'accounts'])}_{step}"
        cols = [f"c{j}_{rng.choice(['name', 'amount', 'status', 'ref', 'flag', 'at'])}" for j in range(rng.randint(3, 9))]
        body = ",\n  ".join([f"id bigserial PRIMARY KEY"] + [f"{c} {rng.choice(types)}{' NOT NULL' if rng.random() < 0.3 else ''}" for c in cols]
                             + ["created_at timestamptz NOT NULL DEFAULT now()"])
        emit(f"CREATE TABLE IF NOT EXISTS {t} (\n  {body}\n);\n")
        if tables and rng.random() < 0.5:
            ref = rng.choice(tables)
            emit(f"ALTER TABLE {t} ADD COLUMN {ref}_id bigint REFERENCES {ref} (id);\n")
        tables.append(t)
        columns[t] = cols + ["created_at"]
        continue
    t = rng.choice(tables)
    k = rng.random()
    if k < 0.05:
        emit("BEGIN;\nSET LOCAL lock_timeout = '2s';\n")
        emit(f"ALTER TABLE {t} ADD COLUMN note_{step} text;\nCOMMIT;\n")
        columns[t].append(f"note_{step}")
    elif k < 0.20:
        ty = rng.choice(types)
        nn = f" NOT NULL DEFAULT {defaults[ty]}" if rng.random() < 0.4 else (f" DEFAULT {defaults[ty]}" if rng.random() < 0.5 else "")
        emit(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS x{step} {ty}{nn};\n")
        columns[t].append(f"x{step}")
    elif k < 0.27 and len(columns[t]) > 2:
        c = columns[t].pop(rng.randrange(1, len(columns[t])))
        emit(f"ALTER TABLE {t} DROP COLUMN IF EXISTS {c};\n")
    elif k < 0.34:
        emit(f"ALTER TABLE {t} ALTER COLUMN {col(t)} SET NOT NULL;\n")
    elif k < 0.38:
        c = col(t)
        emit(f"ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_chk_{step} CHECK ({c} IS NOT NULL) NOT VALID;\n"
             f"ALTER TABLE {t} VALIDATE CONSTRAINT {t}_{c}_chk_{step};\n")
    elif k < 0.52:
        c = col(t)
        conc = " CONCURRENTLY" if rng.random() < 0.4 else ""
        where = f" WHERE {c} IS NOT NULL" if rng.random() < 0.3 else ""
        emit(f"CREATE INDEX{conc} IF NOT EXISTS {t}_{c}_idx_{step} ON {t} ({c}){where};\n")
    elif k < 0.55:
        emit(f"DROP INDEX{' CONCURRENTLY' if rng.random() < 0.5 else ''} IF EXISTS {t}_old_idx_{step};\n")
    elif k < 0.58:
        emit(f"ALTER TABLE {t} ALTER COLUMN {col(t)} TYPE text;\n")
    elif k < 0.70:
        c = col(t)
        emit(f"UPDATE {t} SET {c} = DEFAULT WHERE id IN (SELECT id FROM {t} WHERE {c} IS NULL LIMIT {rng.choice([500, 1000, 5000])});\n")
    elif k < 0.86:
        rows = ", ".join(f"({rng.randint(1, 10**6)}, '{rng.choice(['a', 'b', 'c'])}{i}')" for i in range(rng.randint(1, 6)))
        emit(f"INSERT INTO audit_log (ref, label) VALUES {rows} ON CONFLICT DO NOTHING;\n")
    elif k < 0.90:
        emit(f"COMMENT ON TABLE {t} IS 'owned by team {rng.randint(1, 40)}';\n")
    elif k < 0.93:
        emit(f"CREATE OR REPLACE FUNCTION {t}_touch_{step}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
             f"BEGIN\n  NEW.created_at := now();\n  IF NEW.id IS NULL THEN\n    RAISE EXCEPTION 'no id';\n  END IF;\n  RETURN NEW;\nEND;\n$$;\n")
    elif k < 0.95:
        emit(f"DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'st_{step}') THEN\n"
             f"    CREATE TYPE st_{step} AS ENUM ('new', 'active', 'done');\n  END IF;\nEND\n$$;\n")
    elif k < 0.97:
        emit(f"ALTER TABLE {t} RENAME COLUMN {col(t)} TO {col(t)}_v{step};\n")
    else:
        emit(f"DELETE FROM {t} WHERE created_at < now() - interval '{rng.randint(30, 400)} days';\n")
open(sys.argv[1], "w", encoding="utf-8").write("".join(out))
