#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "analysis/catalog_diff.h"
#include "analysis/context.h"
#include "analysis/effects.h"
#include "analysis/type_change.h"
#include "analysis/volatility.h"
#include "parser/ast.h"
#include "parser/column_def.h"
#include "rules/engine.h"
#include "support.h"

using namespace migrasafe;

namespace {

// Effects of the last statement of `sql`, after replaying the ones before it.
Effects last_effects(const std::string& sql, AnalysisOptions opts = {}) {
  auto f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
  REQUIRE(f.problems.empty());
  Context ctx(opts);
  Effects e;
  for (const auto& s : f.statements) {
    e = compute_effects(s, ctx);
    ctx.apply(s, e);
  }
  return e;
}

Context replay(const std::string& sql, AnalysisOptions opts = {}) {
  auto f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
  Context ctx(opts);
  for (const auto& s : f.statements) ctx.apply(s, compute_effects(s, ctx));
  return ctx;
}

// Whether view public.`view` reads public.`table`.`column`.
bool view_uses(const Catalog& c, const char* view, const char* table, const char* column) {
  auto v = c.views_using({"public", table}, column);
  return std::find(v.begin(), v.end(), QualifiedName{"public", view}) != v.end();
}

LockMode mode_on(const Effects& e, const std::string& schema, const std::string& name) {
  auto m = e.lock_on({schema, name});
  REQUIRE(m.has_value());
  return *m;
}

}  // namespace

TEST_CASE("effects: lock modes as PostgreSQL 15 takes them", "[effects]") {
  // Each was checked against pg_locks on a PostgreSQL 15 server.
  CHECK(mode_on(last_effects("CREATE INDEX i ON t (a)"), "public", "t") == LockMode::Share);
  CHECK(mode_on(last_effects("CREATE INDEX CONCURRENTLY i ON t (a)"), "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("ALTER TABLE t ADD COLUMN a int"), "public", "t") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects("ALTER TABLE t SET (fillfactor = 70)"), "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("ALTER TABLE t ALTER COLUMN a SET STATISTICS 100"), "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("ALTER TABLE t VALIDATE CONSTRAINT c"), "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"), "public", "t") == LockMode::ShareRowExclusive);
  CHECK(mode_on(last_effects("COMMENT ON TABLE t IS 'x'"), "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("ALTER INDEX i RENAME TO j"), "public", "i") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("LOCK TABLE t IN SHARE MODE"), "public", "t") == LockMode::Share);

  Effects fk = last_effects("ALTER TABLE app.t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES billing.p (id)");
  CHECK(mode_on(fk, "app", "t") == LockMode::ShareRowExclusive);
  CHECK(mode_on(fk, "billing", "p") == LockMode::ShareRowExclusive);
  CHECK(fk.scan == Tri::Yes);
  CHECK(last_effects("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) NOT VALID").scan == Tri::No);

  Effects attach = last_effects("ALTER TABLE pt ATTACH PARTITION pt1 FOR VALUES FROM (0) TO (100)");
  CHECK(mode_on(attach, "public", "pt") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(attach, "public", "pt1") == LockMode::AccessExclusive);
  AnalysisOptions pg11;
  pg11.pg_version = 11;
  CHECK(mode_on(last_effects("ALTER TABLE pt ATTACH PARTITION pt1 FOR VALUES FROM (0) TO (100)", pg11), "public", "pt") ==
        LockMode::AccessExclusive);
}

TEST_CASE("effects: foreign keys lock the table they reference, also when dropped", "[effects]") {
  std::string setup = "CREATE TABLE child (id int, order_id int REFERENCES app.orders (id), "
                      "CONSTRAINT child_c_fk FOREIGN KEY (id) REFERENCES customers (id));";
  CHECK(mode_on(last_effects(setup + "DROP TABLE child"), "app", "orders") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects(setup + "DROP TABLE child"), "public", "customers") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects(setup + "ALTER TABLE child DROP CONSTRAINT child_order_id_fkey"), "app", "orders") ==
        LockMode::AccessExclusive);
  CHECK(!last_effects(setup + "ALTER TABLE child DROP CONSTRAINT child_c_fk").lock_on({"app", "orders"}));
  CHECK(mode_on(last_effects("DROP TRIGGER tr ON app.orders"), "app", "orders") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects("COMMENT ON COLUMN app.orders.total IS 'x'"), "app", "orders") ==
        LockMode::ShareUpdateExclusive);
}

TEST_CASE("effects: rewrites, scans and transaction restrictions", "[effects]") {
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()").rewrite == Tri::Yes);
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now()").rewrite == Tri::No);
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a int DEFAULT my_func()").rewrite == Tri::Unknown);
  AnalysisOptions pg10;
  pg10.pg_version = 10;
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a int DEFAULT 0", pg10).rewrite == Tri::Yes);
  CHECK(last_effects("ALTER TABLE t SET TABLESPACE slow").rewrite == Tri::Yes);
  CHECK(last_effects("VACUUM FULL t").rewrite == Tri::Yes);
  CHECK(last_effects("REINDEX INDEX i").rewrite == Tri::Yes);
  CHECK(last_effects("REINDEX TABLE t").rewrite == Tri::No);
  CHECK(last_effects("REFRESH MATERIALIZED VIEW CONCURRENTLY mv").rewrite == Tri::No);
  CHECK(last_effects("REFRESH MATERIALIZED VIEW mv").rewrite == Tri::Yes);
  CHECK(!last_effects("VACUUM t").transaction_allowed);
  CHECK(last_effects("ANALYZE t").transaction_allowed);
  CHECK(!last_effects("REINDEX TABLE CONCURRENTLY t").transaction_allowed);
  CHECK(last_effects("ALTER TYPE e ADD VALUE 'x'").transaction_allowed);
  AnalysisOptions pg11;
  pg11.pg_version = 11;
  CHECK(!last_effects("ALTER TYPE e ADD VALUE 'x'", pg11).transaction_allowed);
  CHECK(last_effects("BEGIN; CREATE TYPE e AS ENUM ('a'); ALTER TYPE e ADD VALUE 'x'", pg11).transaction_allowed);
  CHECK(last_effects("ALTER TABLE t ALTER COLUMN a SET NOT NULL").scan == Tri::Yes);
  CHECK(last_effects("ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;"
                     "ALTER TABLE t VALIDATE CONSTRAINT c; ALTER TABLE t ALTER COLUMN a SET NOT NULL")
            .scan == Tri::No);
}

TEST_CASE("effects: weak locks on what a statement reads, checks or draws from", "[effects]") {
  // Each was checked against pg_locks on a PostgreSQL 15 server (tests/pg_differential.py).
  std::string setup = "CREATE TABLE customers (id bigint PRIMARY KEY);"
                      "CREATE TABLE items (id serial PRIMARY KEY, customer_id bigint REFERENCES customers (id), name text);";
  Effects view = last_effects("CREATE VIEW v AS WITH r AS (SELECT 1) SELECT * FROM orders JOIN app.c ON true, r");
  CHECK(mode_on(view, "public", "orders") == LockMode::AccessShare);
  CHECK(mode_on(view, "app", "c") == LockMode::AccessShare);
  CHECK(!view.lock_on({"public", "r"}));  // a CTE, not a table
  CHECK(view.target == QualifiedName{"public", "v"});
  CHECK(mode_on(last_effects("CREATE TABLE t AS SELECT * FROM orders"), "public", "orders") == LockMode::AccessShare);
  CHECK(mode_on(last_effects("CREATE TABLE t (LIKE orders)"), "public", "orders") == LockMode::AccessShare);
  CHECK(mode_on(last_effects("CREATE TABLE t () INHERITS (base)"), "public", "base") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(last_effects("SELECT setval('app.seq', 5)"), "app", "seq") == LockMode::RowExclusive);
  CHECK(mode_on(last_effects("SELECT nextval('Seq'::regclass)"), "public", "seq") == LockMode::RowExclusive);

  Effects insert = last_effects(setup + "INSERT INTO items (customer_id, name) VALUES (1, 'x')");
  CHECK(mode_on(insert, "public", "items") == LockMode::RowExclusive);
  CHECK(mode_on(insert, "public", "items_id_seq") == LockMode::RowExclusive);
  CHECK(mode_on(insert, "public", "customers") == LockMode::RowShare);
  Effects given = last_effects(setup + "INSERT INTO items (id, name) VALUES (1, 'x')");
  CHECK(!given.lock_on({"public", "items_id_seq"}));
  CHECK(!given.lock_on({"public", "customers"}));
  CHECK(mode_on(last_effects(setup + "DELETE FROM customers WHERE id = 1"), "public", "items") == LockMode::RowShare);
  CHECK(mode_on(last_effects(setup + "UPDATE items SET customer_id = 2"), "public", "customers") == LockMode::RowShare);

  // CASCADE reaches the tables that reference the dropped or emptied one.
  CHECK(mode_on(last_effects(setup + "DROP TABLE customers CASCADE"), "public", "items") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects(setup + "TRUNCATE customers CASCADE"), "public", "items") == LockMode::AccessExclusive);
  CHECK(!last_effects(setup + "TRUNCATE customers").lock_on({"public", "items"}));
}

TEST_CASE("effects: a write locks only its table when the table has no foreign keys or owned sequences", "[effects]") {
  CHECK(last_effects("CREATE TABLE plain (a int, b text); INSERT INTO plain VALUES (1, 'x')").locks.size() == 1);
  CHECK(last_effects("CREATE TABLE plain (a int, b text); UPDATE plain SET a = 2").locks.size() == 1);
  // An UPDATE draws from no sequence; only an INSERT does.
  std::string serial = "CREATE TABLE s (id serial, n text);";
  CHECK(last_effects(serial + "UPDATE s SET n = 'x'").locks.size() == 1);
  CHECK(mode_on(last_effects(serial + "INSERT INTO s (n) VALUES ('x')"), "public", "s_id_seq") == LockMode::RowExclusive);
  // A foreign key alone: its referenced table is read only when the key column is written.
  std::string keyed = "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int REFERENCES p, n text);";
  CHECK(!last_effects(keyed + "INSERT INTO c (n) VALUES ('x')").lock_on({"public", "p"}));
  CHECK(mode_on(last_effects(keyed + "INSERT INTO c (p_id) VALUES (1)"), "public", "p") == LockMode::RowShare);
  CHECK(mode_on(last_effects(keyed + "UPDATE c SET p_id = 2"), "public", "p") == LockMode::RowShare);
}

TEST_CASE("effects: policies, rules, SET SCHEMA, statistics, publications, CLUSTER", "[effects]") {
  CHECK(mode_on(last_effects("CREATE POLICY p ON t USING (true)"), "public", "t") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects("ALTER POLICY p ON t USING (false)"), "public", "t") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"), "public", "t") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects("ALTER TABLE t SET SCHEMA app"), "public", "t") == LockMode::AccessExclusive);
  CHECK(last_effects("ALTER FUNCTION f() SET SCHEMA app").locks.empty());
  CHECK(mode_on(last_effects("CREATE STATISTICS s ON a, b FROM t"), "public", "t") == LockMode::ShareUpdateExclusive);
  Effects pub = last_effects("CREATE PUBLICATION p FOR TABLE t, app.u");
  CHECK(mode_on(pub, "public", "t") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(pub, "app", "u") == LockMode::ShareUpdateExclusive);
  CHECK(last_effects("CREATE PUBLICATION p FOR ALL TABLES").locks.empty());
  Effects cluster_all = last_effects("CLUSTER");
  CHECK(!cluster_all.transaction_allowed);
  CHECK(!cluster_all.locks_unknown.empty());
  CHECK(last_effects("CLUSTER t USING i").transaction_allowed);
}

TEST_CASE("effects: what the analysis cannot name is unknown, never silently no lock", "[effects]") {
  CHECK(!last_effects("SELECT my_migration_step()").locks_unknown.empty());
  CHECK(last_effects("SELECT count(*) FROM t").locks_unknown.empty());
  CHECK(!last_effects("CALL p()").locks_unknown.empty());
  CHECK(!last_effects("DROP SCHEMA s CASCADE").locks_unknown.empty());  // what is in it may predate the migrations
  CHECK(!last_effects("DROP FUNCTION f() CASCADE").locks_unknown.empty());
  CHECK(last_effects("DROP FUNCTION f()").locks_unknown.empty());
  CHECK(!last_effects("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0)").locks_unknown.empty());
  CHECK(last_effects("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'").locks_unknown.empty());
  CHECK(last_effects("GRANT SELECT ON t TO r").locks_unknown.empty());
}

TEST_CASE("effects: DROP TRIGGER IF EXISTS of a trigger that is not there locks nothing", "[effects]") {
  // PostgreSQL 15 takes no lock when the trigger (or its table) does not exist.
  std::string table = "CREATE TABLE t (id int);";
  CHECK(last_effects(table + "DROP TRIGGER IF EXISTS tr ON t").locks.empty());
  CHECK(mode_on(last_effects(table + "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"
                                     "DROP TRIGGER IF EXISTS tr ON t"),
                "public", "t") == LockMode::AccessExclusive);
  CHECK(last_effects(table + "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"
                             "DROP TRIGGER tr ON t; DROP TRIGGER IF EXISTS tr ON t")
            .locks.empty());
  // A table the migrations do not define may have it; so may code the replay cannot see.
  CHECK(mode_on(last_effects("DROP TRIGGER IF EXISTS tr ON other"), "public", "other") == LockMode::AccessExclusive);
  CHECK(mode_on(last_effects(table + "SELECT add_audit_trigger('t'); DROP TRIGGER IF EXISTS tr ON t"), "public", "t") ==
        LockMode::AccessExclusive);
  CHECK(mode_on(last_effects(table + "DROP TRIGGER tr ON t"), "public", "t") == LockMode::AccessExclusive);
}

TEST_CASE("effects: ADD COLUMN NOT NULL without a default reads the table", "[effects]") {
  // PostgreSQL 15 checks the new column row by row: it fails on a non-empty
  // table, and still scans an empty one (pg_stat_xact_user_tables.seq_scan).
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a int NOT NULL").scan == Tri::Yes);
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0").scan == Tri::No);
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a bigserial NOT NULL").scan == Tri::No);
  CHECK(last_effects("ALTER TABLE t ADD COLUMN a int").scan == Tri::No);
}

TEST_CASE("parse_duration_ms: units, exponents, and what PostgreSQL rejects", "[context]") {
  CHECK(parse_duration_ms("1500") == 1500);
  CHECK(parse_duration_ms("1500", false) == 1'500'000);  // a bare number in seconds
  CHECK(parse_duration_ms(" 2 min ") == 120'000);
  CHECK(parse_duration_ms("1e3s") == 1'000'000);  // PostgreSQL reads an exponent
  CHECK(parse_duration_ms("1.5E-3min") == 90);
  CHECK(parse_duration_ms("2147483647") == 2147483647);  // PostgreSQL's largest lock_timeout
  CHECK(parse_duration_ms("2147483.647s") == 2147483647);
  CHECK(parse_duration_ms("-5s") == -5000);  // in range: the caller rejects it, as PostgreSQL does
  // Beyond an int of milliseconds ("Value exceeds integer range"), or not a number:
  // PostgreSQL rejects the SET, and converting such a double to an integer was undefined.
  CHECK(!parse_duration_ms("2147483648"));
  CHECK(!parse_duration_ms("1e300s"));
  CHECK(!parse_duration_ms("-1e300s"));
  CHECK(!parse_duration_ms("1e999"));
  CHECK(!parse_duration_ms("99999999999999999999999999d"));
  CHECK(!parse_duration_ms("inf"));
  CHECK(!parse_duration_ms("-inf"));
  CHECK(!parse_duration_ms("infinity"));
  CHECK(!parse_duration_ms("nan"));
  CHECK(!parse_duration_ms("1e"));
  CHECK(!parse_duration_ms("1-2s"));
  CHECK(!parse_duration_ms("5 fortnights"));
  // Through SET: a rejected value sets no timeout.
  CHECK(!replay("SET lock_timeout = '1e300s'").timeout_ms("lock_timeout"));
  CHECK(!replay("SET lock_timeout = '-5s'").timeout_ms("lock_timeout"));
  CHECK(!replay("SET lock_timeout = 'nan'").timeout_ms("lock_timeout"));
  CHECK(replay("SET lock_timeout = '1e3ms'").timeout_ms("lock_timeout") == 1000);
  // What a finding says about it.
  CHECK(replay("SELECT 1").no_timeout_reason("lock_timeout") == "no lock_timeout is set");
  CHECK(replay("SET lock_timeout = 0").no_timeout_reason("lock_timeout") == "lock_timeout is set to 0 (off)");
  CHECK(replay("SET lock_timeout = '1e300s'").no_timeout_reason("lock_timeout") ==
        "lock_timeout is set to '1e300s', which PostgreSQL rejects");
  CHECK(replay("SET statement_timeout = '-5s'").no_timeout_reason("statement_timeout") ==
        "statement_timeout is set to '-5s', which PostgreSQL rejects");
}

TEST_CASE("context: transactions, SET, SET LOCAL, RESET, set_config and ROLLBACK", "[context]") {
  CHECK(!replay("SET lock_timeout = '2s'; RESET lock_timeout").timeout_ms("lock_timeout"));
  CHECK(replay("SET lock_timeout = '2s'").timeout_ms("lock_timeout") == 2000);
  CHECK(replay("SET lock_timeout TO 1500").timeout_ms("lock_timeout") == 1500);
  CHECK(replay("SET lock_timeout = '1min'").timeout_ms("lock_timeout") == 60000);
  CHECK(!replay("SET lock_timeout = 0").timeout_ms("lock_timeout"));
  CHECK(!replay("SET LOCAL lock_timeout = '1s'").timeout_ms("lock_timeout"));  // no effect outside a block
  CHECK(replay("BEGIN; SET LOCAL lock_timeout = '1s'").timeout_ms("lock_timeout") == 1000);
  CHECK(!replay("BEGIN; SET LOCAL lock_timeout = '1s'; COMMIT").timeout_ms("lock_timeout"));
  CHECK(replay("BEGIN; SET lock_timeout = '1s'; COMMIT").timeout_ms("lock_timeout") == 1000);
  CHECK(!replay("BEGIN; SET lock_timeout = '1s'; ROLLBACK").timeout_ms("lock_timeout"));
  CHECK(replay("SELECT set_config('lock_timeout', '3s', false)").timeout_ms("lock_timeout") == 3000);
  CHECK(!replay("SELECT set_config('lock_timeout', '3s', true)").timeout_ms("lock_timeout"));
  CHECK(!replay("SET lock_timeout = '3s'; RESET ALL").timeout_ms("lock_timeout"));

  Context c = replay("BEGIN; CREATE TABLE app.t (id int); CREATE TABLE u (id int)");
  CHECK(c.in_transaction());
  CHECK(c.created_in_transaction({"app", "t"}));
  CHECK(!c.created_in_migration({"billing", "t"}));
  CHECK(c.created_in_migration({"public", "u"}));
  CHECK(!replay("BEGIN; CREATE TABLE t (id int); ROLLBACK").created_in_migration({"public", "t"}));
  CHECK(replay("CREATE TABLE t (id int); ALTER TABLE t RENAME TO t2").created_in_migration({"public", "t2"}));
  CHECK(replay("SET search_path = app, public; CREATE TABLE t (id int)").created_in_migration({"app", "t"}));

  AnalysisOptions assume;
  assume.assume_in_transaction = true;
  CHECK(replay("SELECT 1", assume).in_transaction());
  CHECK(!replay("SELECT 1; COMMIT", assume).in_transaction());
}

TEST_CASE("context: ROLLBACK puts back the schema of BEGIN, and only what its own block changed", "[context][catalog]") {
  const std::string history =
      "CREATE TABLE t (id int, a text); CREATE INDEX t_a_idx ON t (a); CREATE TYPE mood AS ENUM ('ok');"
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';"
      "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a <> '');";
  Context c = replay(history +
                     "BEGIN; ALTER TABLE t ADD COLUMN b int; ALTER TABLE t DROP COLUMN a; ALTER TABLE t RENAME TO t2;"
                     "DROP INDEX t_a_idx; CREATE TABLE n (id int); CREATE VIEW v AS SELECT id FROM n;"
                     "ALTER TYPE mood ADD VALUE 'meh';"
                     "CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql VOLATILE AS 'BEGIN RETURN NEW; END';"
                     "ROLLBACK");
  const Catalog& cat = c.catalog();
  REQUIRE(cat.table({"public", "t"}));
  CHECK(cat.column({"public", "t"}, "a"));
  CHECK(!cat.column({"public", "t"}, "b"));
  CHECK(!cat.table({"public", "t2"}));
  CHECK(!cat.table({"public", "n"}));
  CHECK(!cat.view({"public", "v"}));
  CHECK(cat.index({"public", "t_a_idx"}));
  CHECK(cat.constraints({"public", "t"}).count("t_a_check"));
  CHECK(cat.enum_type({"public", "mood"})->values == std::vector<std::string>{"ok"});
  CHECK(cat.function_volatility({"public", "f"}) == Volatility::Immutable);
  CHECK(!cat.is_trigger_function({"public", "f"}));

  // A committed block stays; a later rolled-back one undoes its own changes only.
  Context d = replay(history + "BEGIN; ALTER TABLE t ADD COLUMN b int; COMMIT; BEGIN; ALTER TABLE t ADD COLUMN c int;"
                               "ALTER TABLE t DROP COLUMN b; ROLLBACK");
  CHECK(d.catalog().column({"public", "t"}, "b"));
  CHECK(!d.catalog().column({"public", "t"}, "c"));
  // A DO block's own transaction commits; changes outside any block are never undone.
  Context e = replay(history + "DO $$ BEGIN ALTER TABLE t ADD COLUMN b int; END $$; ALTER TABLE t ADD COLUMN c int; ROLLBACK");
  CHECK(e.catalog().column({"public", "t"}, "b"));
  CHECK(e.catalog().column({"public", "t"}, "c"));
}

TEST_CASE("volatility comes from pg_proc, including qualified calls and calls with arguments", "[effects]") {
  CHECK(builtin_volatility("now") == Volatility::Stable);
  CHECK(builtin_volatility("clock_timestamp") == Volatility::Volatile);
  CHECK(builtin_volatility("lower") == Volatility::Immutable);
  CHECK(builtin_volatility("no_such_function") == Volatility::Unknown);
  auto f = parse_file(std::make_shared<const SourceFile>("t.sql", "SELECT pg_catalog.random() * 10, nextval('s'), abs(-1)"));
  REQUIRE(f.statements.size() == 1);
  std::string culprit;
  CHECK(expression_volatility(f.statements[0].node, &culprit) == Volatility::Volatile);
}

TEST_CASE("catalog: indexes with PostgreSQL's generated names, and the table they belong to", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE app.orders (id bigserial PRIMARY KEY, code text UNIQUE, total int);"
      "CREATE INDEX ON app.orders (total);"
      "CREATE INDEX ON app.orders (total);"  // a clash: PostgreSQL appends a number
      "CREATE UNIQUE INDEX ON app.orders (lower(code)) WHERE total > 0;"
      "ALTER TABLE app.orders ADD CONSTRAINT orders_total_code_uq UNIQUE (total, code);"
      "CREATE INDEX named ON app.orders (code);"
      "ALTER INDEX app.named RENAME TO renamed;");
  const Catalog& c = ctx.catalog();
  REQUIRE(c.index({"app", "orders_pkey"}));
  CHECK(c.index({"app", "orders_pkey"})->primary);
  CHECK(c.index({"app", "orders_code_key"})->unique);
  CHECK(c.index({"app", "orders_total_idx"})->columns == std::vector<std::string>{"total"});
  CHECK(c.index({"app", "orders_total_idx1"}));
  REQUIRE(c.index({"app", "orders_expr_key"}));
  CHECK(c.index({"app", "orders_expr_key"})->partial);
  CHECK(c.index({"app", "orders_total_code_uq"})->columns == std::vector<std::string>{"total", "code"});
  CHECK(!c.index({"app", "named"}));
  CHECK(ctx.table_of_index({"app", "renamed"}) == QualifiedName{"app", "orders"});
  // Long names are shortened to 63 bytes the way PostgreSQL does it.
  Context long_names = replay("CREATE TABLE " + std::string(40, 't') + " (" + std::string(40, 'c') + " int);"
                              "CREATE INDEX ON " + std::string(40, 't') + " (" + std::string(40, 'c') + ");");
  QualifiedName expected{"public", std::string(29, 't') + "_" + std::string(29, 'c') + "_idx"};
  CHECK(long_names.catalog().index(expected));
  // The index moves with its table, and goes with it.
  CHECK(mode_on(last_effects("CREATE TABLE t (a int); CREATE INDEX ON t (a); COMMIT; DROP INDEX t_a_idx"), "public", "t") ==
        LockMode::AccessExclusive);
  Context dropped = replay("CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP TABLE t;");
  CHECK(!dropped.catalog().index({"public", "i"}));
}

// The catalog finds a relation's indexes by lookup (no scan of every index),
// also for a table it does not know; renames keep that lookup right.
TEST_CASE("catalog: the indexes of a table are found through renames, also for an unknown table", "[catalog]") {
  // Unknown table: its indexes, renamed or not, go with DROP TABLE; an unrelated one stays.
  Context unknown = replay("CREATE INDEX i ON ext (a); CREATE INDEX k ON other (a); ALTER INDEX i RENAME TO j;"
                           "DROP TABLE ext;");
  CHECK(!unknown.catalog().index({"public", "i"}));
  CHECK(!unknown.catalog().index({"public", "j"}));
  CHECK(unknown.catalog().index({"public", "k"}));
  CHECK(unknown.catalog().index_names({"public", "other"}) == std::vector<std::string>{"k"});
  // A renamed table takes its indexes along.
  Context renamed = replay("CREATE TABLE t (a int); CREATE UNIQUE INDEX u ON t (a); ALTER TABLE t RENAME TO v;");
  CHECK(renamed.catalog().index_names({"public", "v"}) == std::vector<std::string>{"u"});
  CHECK(renamed.catalog().index({"public", "u"})->table == QualifiedName{"public", "v"});
  // DROP INDEX IF EXISTS of an index never created changes nothing.
  Context none = replay("CREATE INDEX k ON other (a); DROP INDEX IF EXISTS nope;");
  CHECK(none.catalog().index({"public", "k"}));
  // A materialized view's indexes go with it.
  Context mv = replay("CREATE MATERIALIZED VIEW m AS SELECT 1 AS a; CREATE UNIQUE INDEX mi ON m (a);"
                      "DROP MATERIALIZED VIEW m;");
  CHECK(!mv.catalog().index({"public", "mi"}));
  CHECK(mv.catalog().index_names({"public", "m"}).empty());
}

// DROP TABLE takes the table's indexes off its entry of the index lookup at
// once; what stays must be what dropping them one by one leaves.
TEST_CASE("catalog: a dropped table's indexes all go, in a copy, and back on ROLLBACK", "[catalog]") {
  const char* kTables = "CREATE TABLE t (a int, b int, c int); CREATE INDEX ta ON t (a); CREATE UNIQUE INDEX tb ON t (b);"
                        "CREATE INDEX tc ON t (c, a); CREATE TABLE u (a int); CREATE INDEX ua ON u (a);";
  Context dropped = replay(std::string(kTables) + "DROP TABLE t; CREATE TABLE t (a int);");
  for (const char* gone : {"ta", "tb", "tc"}) CHECK(!dropped.catalog().index({"public", gone}));
  CHECK(dropped.catalog().index_names({"public", "t"}).empty());
  CHECK(dropped.catalog().index_names({"public", "u"}) == std::vector<std::string>{"ua"});
  // An index created again under a dropped one's name belongs to its new table.
  Context again = replay(std::string(kTables) + "DROP TABLE t; CREATE INDEX ta ON u (a);");
  CHECK(again.catalog().index({"public", "ta"})->table == QualifiedName{"public", "u"});
  CHECK(again.catalog().index_names({"public", "u"}) == std::vector<std::string>{"ta", "ua"});
  // Dropped in a copy (a down script's schema): the original keeps them.
  Catalog before = replay(kTables).catalog();
  Catalog after = replay_schema(parse_file(std::make_shared<const SourceFile>("d.sql", "DROP TABLE t;")), before, {});
  CHECK(after.index_names({"public", "t"}).empty());
  CHECK(!after.index({"public", "tb"}));
  CHECK(before.index_names({"public", "t"}) == std::vector<std::string>{"ta", "tb", "tc"});
  CHECK(before.index({"public", "tb"}));
  // Rolled back: the table and its indexes are as they were.
  Context rolled_back = replay(std::string(kTables) + "BEGIN; DROP TABLE t; ROLLBACK;");
  CHECK(rolled_back.catalog().index_names({"public", "t"}) == std::vector<std::string>{"ta", "tb", "tc"});
  CHECK(rolled_back.catalog().index({"public", "tc"})->table == QualifiedName{"public", "t"});
  Context after_rollback = replay(std::string(kTables) + "BEGIN; DROP TABLE t; ROLLBACK; DROP TABLE t;");
  CHECK(!after_rollback.catalog().index({"public", "ta"}));
  CHECK(after_rollback.catalog().index_names({"public", "t"}).empty());
}

TEST_CASE("catalog: a rollback restores the index lists of relations the model does not know", "[catalog]") {
  // An index on a table created before these migrations, dropped and rolled back: still listed, so
  // that dropping the table drops it.
  const std::string on_unknown = "CREATE INDEX ext_a ON ext (a); CREATE INDEX ext_b ON ext (b);"
                                 "BEGIN; DROP INDEX ext_a; CREATE INDEX ext_c ON ext (a); ROLLBACK;";
  Context ctx = replay(on_unknown);
  CHECK(ctx.catalog().index_names({"public", "ext"}) == std::vector<std::string>{"ext_a", "ext_b"});
  Context dropped = replay(on_unknown + "DROP TABLE ext;");
  CHECK(dropped.catalog().index_names({"public", "ext"}).empty());
  CHECK(!dropped.catalog().index({"public", "ext_a"}));
  // A materialized view's unique index, dropped and rolled back: REFRESH ... CONCURRENTLY can still use it.
  Context view = replay("CREATE TABLE t (id int); CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;"
                        "CREATE UNIQUE INDEX mv_id ON mv (id); BEGIN; DROP INDEX mv_id; ROLLBACK;");
  CHECK(view.catalog().has_plain_unique_index({"public", "mv"}));
  Context view_dropped = replay("CREATE TABLE t (id int); CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;"
                                "CREATE UNIQUE INDEX mv_id ON mv (id); BEGIN; DROP INDEX mv_id; COMMIT;");
  CHECK_FALSE(view_dropped.catalog().has_plain_unique_index({"public", "mv"}));
  // An index whose column was renamed is found under its new key columns only, and listed once.
  Context renamed = replay("CREATE INDEX ext_a ON ext (a); CREATE TABLE t (a int, b int); CREATE INDEX t_a ON t (a, b);"
                           "ALTER TABLE t RENAME COLUMN a TO z;");
  std::vector<std::string> seen;
  renamed.catalog().visit_indexes_sharing_prefix({"public", "t"}, {"a"}, [&](const std::string& name, const IndexInfo&) {
    seen.push_back(name);
    return false;
  });
  CHECK(seen.empty());
  renamed.catalog().visit_indexes_sharing_prefix({"public", "t"}, {"z"}, [&](const std::string& name, const IndexInfo&) {
    seen.push_back(name);
    return false;
  });
  CHECK(seen == std::vector<std::string>{"t_a"});
}

TEST_CASE("catalog: a column's flags and position stay when its type changes (they share the type's padding)",
          "[catalog]") {
  Context ctx = replay("CREATE TABLE t (a int, b varchar(20) NOT NULL DEFAULT 'x', c int[]);"
                       "ALTER TABLE t ALTER COLUMN b TYPE numeric(12,2)[];"
                       "ALTER TABLE t ALTER COLUMN c TYPE text;");
  const Catalog& c = ctx.catalog();
  const ColumnInfo* a = c.column({"public", "t"}, "a");
  const ColumnInfo* b = c.column({"public", "t"}, "b");
  const ColumnInfo* col_c = c.column({"public", "t"}, "c");
  REQUIRE((a && b && col_c));
  CHECK(b->type == ColumnType{"numeric", {12, 2}, true});
  CHECK(b->not_null);
  CHECK(b->has_default);
  CHECK(!b->generated);
  CHECK(col_c->type == ColumnType{"text", {}, false});
  CHECK(!col_c->not_null);
  CHECK(!col_c->has_default);
  CHECK(a->position < b->position);
  CHECK(b->position < col_c->position);
  // A copy written again keeps them too (a shared column list is copied on write).
  Catalog copy = c;
  Context again(AnalysisOptions{}, std::move(copy));
  const int b_position = b->position;
  auto alter = parse_file(std::make_shared<const SourceFile>("t.sql", "ALTER TABLE t ALTER COLUMN b TYPE bigint;"));
  for (const auto& s : alter.statements) again.apply(s, compute_effects(s, again));
  const ColumnInfo* b_again = again.catalog().column({"public", "t"}, "b");
  REQUIRE(b_again);
  CHECK(b_again->type == ColumnType{"int8", {}, false});
  CHECK(b_again->not_null);
  CHECK(b_again->has_default);
  CHECK(b_again->position == b_position);
}

TEST_CASE("catalog: a column type's modifiers are held inline, two at most", "[catalog]") {
  Context ctx = replay("CREATE TABLE t (a varchar(20), b numeric(12,2)[], c interval day to second(3), d timestamptz,"
                       " e mytype(1,2,3), f numeric(-5), g int);");
  const Catalog& c = ctx.catalog();
  const ColumnInfo* a = c.column({"public", "t"}, "a");
  const ColumnInfo* b = c.column({"public", "t"}, "b");
  const ColumnInfo* col_c = c.column({"public", "t"}, "c");
  const ColumnInfo* d = c.column({"public", "t"}, "d");
  const ColumnInfo* f = c.column({"public", "t"}, "f");
  REQUIRE((a && b && col_c && d && f));
  CHECK(a->type.typmods.size() == 1);
  CHECK(a->type.typmods[0] == 20);
  CHECK(a->type.display() == "varchar(20)");
  CHECK(b->type.typmods.size() == 2);
  CHECK(b->type.display() == "numeric(12,2)[]");
  CHECK(col_c->type.typmods.size() == 2);
  CHECK(col_c->type.typmods[1] == 3);
  CHECK(d->type.typmods.empty());
  CHECK(d->type.display() == "timestamptz");
  CHECK(f->type.typmods[0] == -5);
  // A third modifier is one the model does not read: the column is unknown, as
  // one with a modifier that is not a constant.
  CHECK(!c.column({"public", "t"}, "e"));
  CHECK(!c.table({"public", "t"})->columns_known);
  CHECK(c.column({"public", "t"}, "g"));
  TypeModifiers mods;
  CHECK(mods.push_back(std::numeric_limits<std::int32_t>::max()));
  CHECK(!mods.push_back(std::numeric_limits<std::int32_t>::min()));
  CHECK(mods.push_back(0));
  CHECK(!mods.push_back(1));
  CHECK(mods == TypeModifiers{std::numeric_limits<std::int32_t>::max(), 0});
  CHECK(TypeModifiers{6} != TypeModifiers{6, 0});
}

TEST_CASE("catalog: an index is known as B-tree unless another access method builds it", "[catalog]") {
  Context ctx = replay("CREATE TABLE t (id int PRIMARY KEY, c int, d tsvector, UNIQUE (c));"
                       "CREATE INDEX plain ON t (c); CREATE INDEX named ON t USING btree (c);"
                       "CREATE INDEX h ON t USING hash (c); CREATE INDEX g ON t USING gin (d);");
  const Catalog& c = ctx.catalog();
  for (const char* name : {"t_pkey", "t_c_key", "plain", "named"}) {
    INFO(name);
    REQUIRE(c.index({"public", name}));
    CHECK(c.index({"public", name})->btree);
  }
  for (const char* name : {"h", "g"}) {
    INFO(name);
    REQUIRE(c.index({"public", name}));
    CHECK(!c.index({"public", name})->btree);
  }
  CHECK(c.index({"public", "t_pkey"})->primary);
  CHECK(c.index({"public", "t_c_key"})->unique);
}

TEST_CASE("catalog: serial and identity sequences, OWNED BY, and what a drop takes with it", "[catalog]") {
  Context ctx = replay("CREATE TABLE t (id serial, n bigint GENERATED ALWAYS AS IDENTITY, x int DEFAULT 1, y int);"
                       "CREATE SEQUENCE s; ALTER SEQUENCE s OWNED BY t.y;");
  const Catalog& c = ctx.catalog();
  CHECK(c.owned_sequences({"public", "t"}).size() == 3);
  CHECK(c.owned_sequences({"public", "t"}, "id") == std::vector<QualifiedName>{{"public", "t_id_seq"}});
  CHECK(c.column({"public", "t"}, "x")->has_default);
  CHECK(!c.column({"public", "t"}, "y")->has_default);
  CHECK(c.column({"public", "t"}, "n")->not_null);
  Effects drop = last_effects("CREATE TABLE t (id serial); COMMIT; DROP TABLE t");
  CHECK(drop.lock_on({"public", "t_id_seq"}) == LockMode::AccessExclusive);
  CHECK(replay("CREATE TABLE t (id serial); DROP TABLE t;").catalog().sequence({"public", "t_id_seq"}) == nullptr);
}

TEST_CASE("catalog: enums keep their values in order", "[catalog]") {
  Context ctx = replay("CREATE TYPE mood AS ENUM ('sad', 'ok');"
                       "ALTER TYPE mood ADD VALUE 'happy';"
                       "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';"
                       "ALTER TYPE mood ADD VALUE 'blue' AFTER 'sad';"
                       "ALTER TYPE mood RENAME VALUE 'sad' TO 'down';"
                       "ALTER TYPE mood RENAME TO feeling;");
  REQUIRE(ctx.catalog().enum_type({"public", "feeling"}));
  CHECK(ctx.catalog().enum_type({"public", "feeling"})->values == std::vector<std::string>{"down", "blue", "meh", "ok", "happy"});
  CHECK(!ctx.catalog().enum_type({"public", "mood"}));
}

TEST_CASE("catalog: views know which columns they read", "[catalog]") {
  Context ctx = replay("CREATE TABLE a (id int, x int, y int); CREATE TABLE b (id int, z int);"
                       "CREATE VIEW v AS SELECT a.x, z FROM a JOIN b USING (id) WHERE y > 0;"
                       "CREATE VIEW w AS WITH c AS (SELECT * FROM a) SELECT * FROM c;"
                       "ALTER TABLE a ADD COLUMN later int;");
  const Catalog& c = ctx.catalog();
  CHECK(c.views_using({"public", "a"}, "x") == std::vector<QualifiedName>{{"public", "v"}, {"public", "w"}});
  CHECK(c.views_using({"public", "a"}, "y").size() == 2);
  CHECK(c.views_using({"public", "b"}, "z") == std::vector<QualifiedName>{{"public", "v"}});
  CHECK(c.views_using({"public", "a"}, "later").empty());  // * was expanded when w was created
  CHECK(c.views_using({"public", "b"}, "").size() == 1);
  CHECK(!c.view({"public", "c"}));  // a CTE is not a table
  CHECK(c.views_using({"public", "a"}, "id").size() == 2);  // USING (id) reads both sides
  CHECK(c.views_using({"public", "b"}, "id").size() == 1);
}

TEST_CASE("catalog: view columns are resolved SELECT by SELECT", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE a (id int, x int, y int); CREATE TABLE b (id int, z int);"
      // * over a subquery is the subquery's columns, not every column of a.
      "CREATE VIEW sub AS SELECT * FROM (SELECT x FROM a) s;"
      // A correlated subquery: `id` is b's inside, `x` is the outer a's.
      "CREATE VIEW corr AS SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.id = a.id AND z > x);"
      // ORDER BY an output name; a UNION reads both sides.
      "CREATE VIEW ord AS SELECT x AS total FROM a UNION ALL SELECT z FROM b ORDER BY total;"
      "CREATE VIEW lat AS SELECT l.m FROM a, LATERAL (SELECT max(z) AS m FROM b WHERE b.id = a.id) l;");
  const Catalog& c = ctx.catalog();
  auto uses = [&](const char* view, const char* table, const char* column) { return view_uses(c, view, table, column); };
  CHECK(uses("sub", "a", "x"));
  CHECK(!uses("sub", "a", "y"));
  CHECK(c.view({"public", "sub"})->columns_known);
  CHECK(uses("corr", "a", "x"));
  CHECK(uses("corr", "a", "id"));
  CHECK(uses("corr", "b", "z"));
  CHECK(!uses("corr", "a", "y"));
  CHECK(c.view({"public", "corr"})->columns_known);
  CHECK(uses("ord", "a", "x"));
  CHECK(uses("ord", "b", "z"));
  CHECK(c.view({"public", "ord"})->columns_known);
  CHECK(uses("lat", "b", "z"));
  CHECK(uses("lat", "a", "id"));
  CHECK(!uses("lat", "a", "x"));
  CHECK(c.view({"public", "lat"})->columns_known);
}

// ViewReader skips constants and names (String nodes) without looking inside:
// the columns beside them, in casts, calls, CASE and IN lists, are still read.
TEST_CASE("catalog: view columns beside constants, casts and function names", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE a (id int, x int, y text, z int, w int);"
      "CREATE VIEW v AS SELECT pg_catalog.lower(y::varchar(10)) AS l, CASE WHEN x > 1 THEN 'big' ELSE w::text END AS s,"
      " coalesce(z, 0) + 1 AS n FROM a WHERE id IN (1, 2, 3) AND 'k' = 'k';"
      "CREATE VIEW u AS SELECT 1 AS one, 'x'::text AS t FROM a;");
  const Catalog& c = ctx.catalog();
  auto uses = [&](const char* view, const char* column) { return view_uses(c, view, "a", column); };
  for (const char* column : {"id", "x", "y", "z", "w"}) CHECK(uses("v", column));
  CHECK(c.view({"public", "v"})->columns_known);
  for (const char* column : {"id", "x", "y", "z", "w"}) CHECK_FALSE(uses("u", column));
  CHECK(c.view({"public", "u"})->columns_known);
  CHECK(c.views_using({"public", "a"}, "") == std::vector<QualifiedName>{{"public", "u"}, {"public", "v"}});
}

TEST_CASE("catalog and effects: partitions are locked with their parent", "[catalog]") {
  std::string setup = "CREATE TABLE pt (id int, v text) PARTITION BY RANGE (id);"
                      "CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10);"
                      "CREATE TABLE pt_2 (id int, v text);"
                      "ALTER TABLE pt ATTACH PARTITION pt_2 FOR VALUES FROM (10) TO (20);"
                      "COMMIT;";
  Context ctx = replay(setup);
  CHECK(ctx.catalog().table({"public", "pt"})->partitions.size() == 2);
  CHECK(ctx.catalog().column({"public", "pt_1"}, "v"));  // a partition has its parent's columns
  Effects add = last_effects(setup + "ALTER TABLE pt ADD COLUMN c int");
  CHECK(add.lock_on({"public", "pt_1"}) == LockMode::AccessExclusive);
  CHECK(add.lock_on({"public", "pt_2"}) == LockMode::AccessExclusive);
  CHECK(!last_effects(setup + "ALTER TABLE ONLY pt ALTER COLUMN v SET DEFAULT 'x'").lock_on({"public", "pt_1"}));
  // Each sub-command decides: OWNER TO stays on the parent, SET DEFAULT after it recurses.
  CHECK(!last_effects(setup + "ALTER TABLE pt OWNER TO app").lock_on({"public", "pt_1"}));
  CHECK(last_effects(setup + "ALTER TABLE pt OWNER TO app, ALTER COLUMN v SET DEFAULT 'x'").lock_on({"public", "pt_1"}) ==
        LockMode::AccessExclusive);
  CHECK(last_effects(setup + "CREATE INDEX ON pt (v)").lock_on({"public", "pt_2"}) == LockMode::Share);
  CHECK(last_effects(setup + "DROP TABLE pt_1").lock_on({"public", "pt"}) == LockMode::AccessExclusive);
  Effects detach = last_effects(setup + "ALTER TABLE pt DETACH PARTITION pt_2; ALTER TABLE pt ADD COLUMN c int");
  CHECK(!detach.lock_on({"public", "pt_2"}));
}

// A partition name the catalog holds out of line, to compare.
static std::optional<QualifiedName> value_of(const OutOfLine<QualifiedName>& name) {
  return name ? std::optional<QualifiedName>(*name) : std::nullopt;
}

TEST_CASE("catalog: renames carry indexes, views, sequences and partitions along", "[catalog]") {
  Context ctx = replay("CREATE TABLE a (id serial, x int); CREATE INDEX ai ON a (x); CREATE VIEW v AS SELECT x FROM a;"
                       "CREATE TABLE pt (id int) PARTITION BY RANGE (id);"
                       "CREATE TABLE p1 PARTITION OF pt FOR VALUES FROM (0) TO (10);"
                       "ALTER TABLE a RENAME TO b; ALTER TABLE b RENAME COLUMN x TO y;"
                       "ALTER TABLE pt RENAME TO qt; ALTER TABLE p1 RENAME TO q1;");
  const Catalog& c = ctx.catalog();
  CHECK(ctx.table_of_index({"public", "ai"}) == QualifiedName{"public", "b"});
  CHECK(c.index({"public", "ai"})->columns == std::vector<std::string>{"y"});
  CHECK(c.views_using({"public", "b"}, "y") == std::vector<QualifiedName>{{"public", "v"}});
  CHECK(c.views_using({"public", "a"}, "x").empty());
  CHECK(c.owned_sequences({"public", "b"}).size() == 1);
  CHECK(c.table({"public", "qt"})->partitions.get() == std::set<QualifiedName>{{"public", "q1"}});
  CHECK(value_of(c.table({"public", "q1"})->partition_of) == QualifiedName{"public", "qt"});
}

TEST_CASE("catalog: a renamed table keeps its constraints, and foreign keys to it follow", "[catalog]") {
  Context ctx = replay("CREATE TABLE parent (id bigint PRIMARY KEY); CREATE TABLE child (pid bigint);"
                       "ALTER TABLE child ADD CONSTRAINT child_pid_fk FOREIGN KEY (pid) REFERENCES parent;"
                       "ALTER TABLE child ADD CONSTRAINT pid_set CHECK (pid IS NOT NULL);"
                       "ALTER TABLE parent RENAME TO parents; ALTER TABLE child RENAME TO children;");
  CHECK(ctx.referenced_tables({"public", "children"}) == std::vector<QualifiedName>{{"public", "parents"}});
  CHECK(ctx.referenced_tables({"public", "child"}).empty());
  CHECK(ctx.foreign_key_target({"public", "children"}, "child_pid_fk") == QualifiedName{"public", "parents"});
  CHECK(ctx.has_valid_not_null_check({"public", "children"}, "pid"));
  CHECK(!ctx.has_valid_not_null_check({"public", "child"}, "pid"));
  // Dropping the column after the rename still drops the constraints that use it.
  Context dropped = replay("CREATE TABLE parent (id bigint PRIMARY KEY); CREATE TABLE child (pid bigint);"
                           "ALTER TABLE child ADD CONSTRAINT child_pid_fk FOREIGN KEY (pid) REFERENCES parent;"
                           "ALTER TABLE child ADD CONSTRAINT pid_set CHECK (pid IS NOT NULL);"
                           "ALTER TABLE child RENAME TO children; ALTER TABLE children DROP COLUMN pid;");
  CHECK(!dropped.has_valid_not_null_check({"public", "children"}, "pid"));
  CHECK(dropped.referenced_tables({"public", "children"}).empty());
}

TEST_CASE("catalog: tables_referencing answers from its index what a scan of every constraint finds", "[catalog]") {
  // The scan the index replaces: every table's constraints, by shard, then name.
  auto scanned = [](const Catalog& c, const QualifiedName& table) {
    std::vector<QualifiedName> out;
    c.all_constraints().for_each([&](const QualifiedName& t, const TableConstraints& all) {
      if (std::any_of(all.begin(), all.end(), [&](const auto& k) { return k.second.references == table; })) out.push_back(t);
    });
    std::sort(out.begin(), out.end(), [](const QualifiedName& a, const QualifiedName& b) {
      return std::pair(Catalog::shard_of(a), a) < std::pair(Catalog::shard_of(b), b);
    });
    return out;
  };
  std::string sql = "CREATE TABLE p (id bigint PRIMARY KEY, up bigint REFERENCES p);";
  for (int i = 0; i < 40; ++i)
    sql += "CREATE TABLE c" + std::to_string(i) + " (id bigint PRIMARY KEY, pid bigint REFERENCES p);";
  sql += "ALTER TABLE p RENAME TO parent; ALTER TABLE c3 RENAME TO child3; DROP TABLE c5;"
         "ALTER TABLE c7 DROP COLUMN pid; ALTER TABLE c8 DROP CONSTRAINT c8_pid_fkey;"
         "BEGIN; ALTER TABLE c9 RENAME TO gone9; CREATE TABLE late (pid bigint REFERENCES parent); ROLLBACK;"
         "CREATE TABLE other (cid bigint REFERENCES c1);";
  Context ctx = replay(sql);
  const Catalog& c = ctx.catalog();
  for (const QualifiedName& t : {QualifiedName{"public", "parent"}, QualifiedName{"public", "p"},
                                 QualifiedName{"public", "c1"}, QualifiedName{"public", "late"}})
    CHECK(c.tables_referencing(t) == scanned(c, t));
  std::vector<QualifiedName> referencing = c.tables_referencing({"public", "parent"});
  CHECK(referencing.size() == 38);  // 40 children and the table itself, less c5, c7 and c8
  auto has = [&](const char* name) {
    return std::count(referencing.begin(), referencing.end(), QualifiedName{"public", name}) == 1;
  };
  CHECK((has("parent") && has("child3") && has("c9") && !has("c3") && !has("gone9") && !has("late")));
  CHECK(c.tables_referencing({"public", "p"}).empty());
}

TEST_CASE("catalog: visit_indexes_sharing_prefix finds from its index what a scan of the table's indexes finds", "[catalog]") {
  // The scan the index replaces: every index of the table, by name.
  auto scanned = [](const Catalog& c, const QualifiedName& table, const std::vector<std::string>& columns) {
    std::set<std::string> out;
    for (const std::string& name : c.index_names(table)) {
      const IndexInfo* idx = c.index({table.schema, name});
      std::size_t common = std::min(idx->columns.size(), columns.size());
      if (std::equal(columns.begin(), columns.begin() + static_cast<long>(common), idx->columns.begin())) out.insert(name);
    }
    return out;
  };
  std::string sql = "CREATE TABLE t (a int, b int, c int, d int); CREATE TABLE u (a int, b int);";
  for (int i = 0; i < 30; ++i) {
    std::string cols = i % 3 == 0 ? "a" : i % 3 == 1 ? "a, b" : "b, a, c";
    sql += "CREATE INDEX i" + std::to_string(i) + " ON t (" + cols + ");";
  }
  sql += "CREATE INDEX ua ON u (a, b); ALTER TABLE t ADD CONSTRAINT t_abc UNIQUE (a, b, c);"
         "DROP INDEX i4; ALTER INDEX i7 RENAME TO seven; ALTER TABLE t RENAME COLUMN b TO bb;"
         "BEGIN; DROP INDEX i10; CREATE INDEX late ON t (a, d); ALTER TABLE t RENAME COLUMN a TO aa; ROLLBACK;"
         "DROP INDEX i1; CREATE INDEX i1 ON t (c, a); CREATE INDEX expr ON t ((a + 1), c);";
  Context ctx = replay(sql);
  const Catalog& c = ctx.catalog();
  auto visited = [&](const QualifiedName& table, const std::vector<std::string>& columns) {
    std::vector<std::string> names;  // in visiting order, which must be name order
    c.visit_indexes_sharing_prefix(table, columns, [&](const std::string& name, const IndexInfo& idx) {
      CHECK(&idx == c.index({table.schema, name}));
      names.push_back(name);
      return false;
    });
    CHECK(std::is_sorted(names.begin(), names.end()));
    return std::set<std::string>(names.begin(), names.end());
  };
  QualifiedName t{"public", "t"};
  for (const std::vector<std::string>& columns :
       {std::vector<std::string>{"a"}, {"a", "bb"}, {"a", "bb", "c"}, {"a", "b"}, {"bb", "a", "c", "d"}, {"c"},
        {"c", "a", "x"}, {"d"}, {"", "c"}, {"aa"}})
    CHECK(visited(t, columns) == scanned(c, t, columns));
  // Visiting stops at the first name the visitor takes.
  std::vector<std::string> seen;
  c.visit_indexes_sharing_prefix(t, {"a"}, [&](const std::string& name, const IndexInfo&) {
    seen.push_back(name);
    return seen.size() == 2;
  });
  CHECK(seen.size() == 2);
  std::set<std::string> led_by_a = visited(t, {"a"});
  CHECK((led_by_a.count("seven") && led_by_a.count("t_abc") && !led_by_a.count("i7") && !led_by_a.count("i4") &&
         led_by_a.count("i10") && !led_by_a.count("late") && !led_by_a.count("i1")));
  CHECK(visited(t, {"a", "b"}).empty() == false);  // i0, i3, ...: (a) leads (a, b)
  CHECK(visited({"public", "u"}, {"a"}) == std::set<std::string>{"ua"});
  CHECK(visited({"public", "none"}, {"a"}).empty());
}

TEST_CASE("catalog: indexes sharing a prefix are found per table, and a copy of the history keeps its own", "[catalog]") {
  // Names that run together ("t" + "ab", "ta" + "b"), and a catalog copied
  // from the history before its indexes change.
  Context first = replay("CREATE TABLE t (ab int, a int, b int); CREATE TABLE ta (b int, ab int);"
                         "CREATE INDEX t_ab ON t (ab); CREATE INDEX t_a_b ON t (a, b); CREATE INDEX ta_b ON ta (b);");
  Catalog before = first.catalog();
  auto later = parse_file(std::make_shared<const SourceFile>(
      "t.sql", "CREATE INDEX ta_ab ON ta (ab, b); DROP INDEX t_a_b; CREATE INDEX t_a ON t (a);"));
  Context ctx(AnalysisOptions{}, before);
  for (const Statement& stmt : later.statements) ctx.apply(stmt, compute_effects(stmt, ctx));
  auto visited = [](const Catalog& c, const QualifiedName& table, const std::vector<std::string>& columns) {
    std::vector<std::string> names;
    c.visit_indexes_sharing_prefix(table, columns, [&](const std::string& name, const IndexInfo&) {
      names.push_back(name);
      return false;
    });
    return names;
  };
  const Catalog& after = ctx.catalog();
  CHECK(visited(after, {"public", "t"}, {"ab"}) == std::vector<std::string>{"t_ab"});
  CHECK(visited(after, {"public", "t"}, {"a", "b"}) == std::vector<std::string>{"t_a"});
  CHECK(visited(after, {"public", "ta"}, {"b"}) == std::vector<std::string>{"ta_b"});
  CHECK(visited(after, {"public", "ta"}, {"ab"}) == std::vector<std::string>{"ta_ab"});
  CHECK(visited(after, {"public", "t"}, {"b"}).empty());
  // The copy the history kept is unchanged.
  CHECK(visited(before, {"public", "t"}, {"a"}) == std::vector<std::string>{"t_a_b"});
  CHECK(visited(before, {"public", "ta"}, {"ab"}).empty());
}

TEST_CASE("catalog: a SELECT calling a user function makes triggers uncertain, for good", "[catalog]") {
  const std::string setup = "CREATE TABLE t (a int);";
  CHECK(replay(setup + "SELECT count(*), now() FROM t;").catalog().trigger_absent({"public", "t"}, "audit"));
  // The SELECTs after the call are not read again; the flag stays, in copies too.
  Context ctx = replay(setup + "SELECT now(); SELECT make_triggers(); SELECT count(*) FROM t; SELECT 1;");
  CHECK_FALSE(ctx.catalog().trigger_absent({"public", "t"}, "audit"));
  Catalog copy = ctx.catalog();
  CHECK_FALSE(copy.trigger_absent({"public", "t"}, "audit"));
}

TEST_CASE("catalog: what the model cannot read is marked unknown", "[catalog]") {
  Context ctx = replay("CREATE TABLE base (a int); CREATE TABLE l (LIKE base); CREATE TABLE s AS SELECT 1 AS one;"
                       "CREATE TABLE k (b int) INHERITS (base); CREATE TABLE ok (a int);");
  CHECK(!ctx.catalog().table({"public", "l"})->columns_known);
  CHECK(!ctx.catalog().table({"public", "s"})->columns_known);
  CHECK(!ctx.catalog().table({"public", "k"})->columns_known);
  CHECK(ctx.catalog().table({"public", "ok"})->columns_known);
  // CREATE TABLE IF NOT EXISTS on an existing table changes nothing.
  Context kept = replay("CREATE TABLE t (a int); CREATE TABLE IF NOT EXISTS t (b text);");
  CHECK(kept.catalog().column({"public", "t"}, "a"));
}

TEST_CASE("column definition facts: serial, identity, NOT NULL, default, defined once", "[column-def]") {
  // The first column definition of a CREATE TABLE.
  auto facts = [](const std::string& column) {
    auto f = parse_file(std::make_shared<const SourceFile>("t.sql", "CREATE TABLE t (" + column + ");"));
    REQUIRE(f.statements.size() == 1);
    auto def = ast::as<"ColumnDef">(ast::list(f.statements[0].node, "tableElts")[0]);
    REQUIRE(def);
    return column_def_facts(*def);
  };
  for (const char* serial : {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}) {
    INFO(serial);
    ColumnDefFacts c = facts(std::string("a ") + serial);
    CHECK(c.serial);
    CHECK(c.not_null);
    CHECK(c.fills_rows());
    CHECK_FALSE(c.needs_value());
  }
  // PostgreSQL expands only an unqualified serial name; a type whose name contains "serial" is no serial.
  CHECK_FALSE(facts("a pg_catalog.serial").serial);
  CHECK_FALSE(facts("a myserial").serial);
  CHECK_FALSE(facts("a serialized_blob").serial);
  CHECK(serial_integer_type("bigserial") == "int8");
  CHECK(serial_integer_type("serial") == "int4");
  CHECK(serial_integer_type("smallserial") == "int2");
  CHECK(serial_integer_type("int4").empty());
  // Identity and generated columns fill their rows; identity is NOT NULL.
  CHECK(facts("a int GENERATED ALWAYS AS IDENTITY").identity);
  CHECK(facts("a int GENERATED BY DEFAULT AS IDENTITY").not_null);
  CHECK_FALSE(facts("a int NOT NULL GENERATED ALWAYS AS IDENTITY").needs_value());
  CHECK(facts("a int GENERATED ALWAYS AS (1) STORED").generated);
  CHECK_FALSE(facts("a int NOT NULL GENERATED ALWAYS AS (1) STORED").needs_value());
  // NOT NULL or PRIMARY KEY with nothing to fill it needs a value; DEFAULT NULL fills nothing.
  CHECK(facts("a int NOT NULL").needs_value());
  CHECK(facts("a int PRIMARY KEY").needs_value());
  CHECK(facts("a int NOT NULL DEFAULT NULL").needs_value());
  CHECK(facts("a int NOT NULL DEFAULT NULL::integer").needs_value());
  CHECK_FALSE(facts("a int NOT NULL DEFAULT NULL").has_default);
  CHECK_FALSE(facts("a int NOT NULL DEFAULT 0").needs_value());
  CHECK_FALSE(facts("a int").needs_value());
  CHECK_FALSE(facts("a int DEFAULT NULL").fills_rows());
}

TEST_CASE("effects: ADD COLUMN ... NOT NULL DEFAULT NULL breaks INSERTs that leave the column out", "[effects]") {
  std::string setup = "CREATE TABLE t (id int); COMMIT;";
  CHECK(last_effects(setup + "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT NULL").compat_breaks.size() == 1);
  CHECK(last_effects(setup + "ALTER TABLE t ADD COLUMN c int NOT NULL").compat_breaks.size() == 1);
  CHECK(last_effects(setup + "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0").compat_breaks.empty());
  CHECK(last_effects(setup + "ALTER TABLE t ADD COLUMN c bigserial").compat_breaks.empty());
  // The catalog records what the facts say: serial and identity are NOT NULL with a default.
  Context ctx = replay("CREATE TABLE s (a serial, b int GENERATED ALWAYS AS IDENTITY, c int NOT NULL DEFAULT NULL);");
  CHECK(ctx.catalog().column({"public", "s"}, "a")->type.name == "int4");
  CHECK(ctx.catalog().column({"public", "s"}, "a")->not_null);
  CHECK(ctx.catalog().column({"public", "s"}, "a")->has_default);
  CHECK(ctx.catalog().column({"public", "s"}, "b")->not_null);
  CHECK(ctx.catalog().column({"public", "s"}, "b")->has_default);
  CHECK_FALSE(ctx.catalog().column({"public", "s"}, "c")->has_default);
}

TEST_CASE("effects: data loss and compatibility breaks", "[effects]") {
  std::string setup = "CREATE TABLE t (id int, n numeric(10,2), ts timestamptz, c text); COMMIT;";
  auto loss = [&](const std::string& sql) { return last_effects(setup + sql).data_loss; };
  auto breaks = [&](const std::string& sql) { return last_effects(setup + sql).compat_breaks; };
  CHECK(loss("ALTER TABLE t DROP COLUMN c").size() == 1);
  CHECK(loss("DROP TABLE t").size() == 1);
  CHECK(loss("TRUNCATE t").size() == 1);
  CHECK(loss("DELETE FROM t").size() == 1);
  CHECK(loss("DELETE FROM t WHERE id = 1").empty());
  CHECK(loss("UPDATE t SET c = 'x', id = 0").size() == 2);  // one per overwritten column
  CHECK(loss("UPDATE t SET c = 'x' WHERE id = 1").empty());
  CHECK(loss("ALTER TABLE t ALTER COLUMN n TYPE numeric(10,1)").size() == 1);
  CHECK(loss("ALTER TABLE t ALTER COLUMN n TYPE int").size() == 1);
  CHECK(loss("ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2)").empty());
  CHECK(loss("ALTER TABLE t ALTER COLUMN ts TYPE date").size() == 1);
  CHECK(loss("ALTER TABLE t ALTER COLUMN c TYPE varchar(10)").empty());  // fails instead of truncating
  CHECK(loss("DROP SCHEMA app CASCADE").size() == 1);
  CHECK(loss("DROP SCHEMA app").empty());
  CHECK(loss("CREATE INDEX ON t (id)").empty());
  CHECK(breaks("ALTER TABLE t RENAME COLUMN c TO d").size() == 1);
  CHECK(breaks("ALTER TABLE t RENAME TO u").size() == 1);
  CHECK(breaks("ALTER TABLE t ADD COLUMN r int NOT NULL").size() == 1);
  CHECK(breaks("ALTER TABLE t ADD COLUMN r int NOT NULL DEFAULT 0").empty());
  CHECK(breaks("ALTER TABLE t ALTER COLUMN c SET NOT NULL").size() == 1);
  CHECK(breaks("ALTER TABLE t ADD COLUMN r int").empty());
  CHECK(breaks("DROP FUNCTION f(int)").size() == 1);
  // Each consequence has its kind, which the reporting rules read.
  auto kind_of = [](std::span<const Consequence> list) { return list.size() == 1 ? list[0].kind : static_cast<ConsequenceKind>(-1); };
  CHECK(kind_of(loss("ALTER TABLE t DROP COLUMN c")) == ConsequenceKind::ColumnDeleted);
  CHECK(kind_of(loss("TRUNCATE t")) == ConsequenceKind::RowsTruncated);
  CHECK(kind_of(loss("DELETE FROM t")) == ConsequenceKind::AllRowsDeleted);
  CHECK(kind_of(loss("ALTER TABLE t ALTER COLUMN n TYPE int")) == ConsequenceKind::ColumnValuesNarrowed);
  CHECK(kind_of(breaks("ALTER TABLE t ALTER COLUMN c DROP DEFAULT")) == ConsequenceKind::DefaultDropped);
  CHECK(kind_of(breaks("ALTER TABLE t RENAME TO u")) == ConsequenceKind::TableRenamed);
  CHECK(kind_of(breaks("DROP FOREIGN TABLE ft")) == ConsequenceKind::DroppedRelationUsed);
  CHECK(kind_of(loss("DROP FOREIGN TABLE ft")) == ConsequenceKind::ForeignTableDropped);
  // Renaming what code names by text breaks it, as rename-object reports.
  CHECK(kind_of(breaks("ALTER FUNCTION f(int) RENAME TO g")) == ConsequenceKind::ObjectRenamed);
  CHECK(kind_of(breaks("ALTER SCHEMA app RENAME TO application")) == ConsequenceKind::ObjectRenamed);
  CHECK(kind_of(breaks("ALTER TYPE mood RENAME TO feeling")) == ConsequenceKind::ObjectRenamed);
  CHECK(kind_of(breaks("ALTER VIEW v RENAME TO w")) == ConsequenceKind::RelationRenamed);
  CHECK(breaks("ALTER TYPE mood RENAME TO feeling")[0].object == QualifiedName{"public", "mood"});
  CHECK(consequence_kind_name(ConsequenceKind::DefaultDropped) == "default-dropped");
}

TEST_CASE("type changes that fail on values that do not convert", "[effects]") {
  auto t = [](const char* name, TypeModifiers mods = {}) { return ColumnType{name, mods, false}; };
  auto fails = [&](const ColumnType& from, const ColumnType& to, bool using_expr = false) {
    return !type_change_failure(from, to, using_expr).empty();
  };
  CHECK(fails(t("varchar", {40}), t("varchar", {10})));
  CHECK(fails(t("text"), t("varchar", {10})));
  CHECK(fails(t("text"), t("int4")));  // no automatic cast
  CHECK(fails(t("text"), t("int4"), true));  // values may not parse
  CHECK(fails(t("int8"), t("int4")));
  CHECK(fails(t("numeric", {12, 2}), t("numeric", {6, 2})));
  CHECK(fails(t("float8"), t("int8")));
  CHECK(fails(t("int4"), t("numeric", {5, 0})));
  CHECK_FALSE(fails(t("varchar", {10}), t("varchar", {40})));
  CHECK_FALSE(fails(t("varchar", {10}), t("text")));
  CHECK_FALSE(fails(t("int4"), t("int8")));
  CHECK_FALSE(fails(t("int2"), t("numeric", {10, 2})));
  CHECK_FALSE(fails(t("numeric", {12, 2}), t("numeric", {14, 2})));
  CHECK_FALSE(fails(t("int8"), t("text")));
  CHECK_FALSE(fails(t("timestamptz"), t("date")));  // loses the time instead (type_change_loss)
}

TEST_CASE("newer syntax: on a target newer than the grammar, a rejected statement is a note and its words count",
          "[effects][context][newer-syntax]") {
  std::string sql =
      "CREATE TABLE posts (id bigint);\n"
      "CREATE TABLE actions AS SELECT 1 AS id FROM (SELECT 1);\n"       // PostgreSQL 16: no alias
      "CREATE INDEX actions_idx ON actions ((JSON_OBJECT('a': id)));\n"  // PostgreSQL 16: SQL/JSON
      "ALTER TABLE posts RENAME TO articles x;\n"                        // a typo: only the lock is read
      "ALTER TABLE old_posts RENAME TO older_posts;\n"
      "DROP TABLE actions, junk junk;\n";
  AnalysisOptions pg17;
  pg17.pg_version = 17;
  Context ctx = replay(sql, pg17);
  QualifiedName actions{"public", "actions"};
  CHECK(ctx.created_in_migration(actions));
  REQUIRE(ctx.catalog().table(actions));
  CHECK(ctx.catalog().table(actions)->created_unparsed);
  CHECK_FALSE(ctx.catalog().table(actions)->columns_known);
  REQUIRE(ctx.catalog().index({"public", "actions_idx"}));
  CHECK(ctx.catalog().index({"public", "actions_idx"})->table == actions);
  CHECK(ctx.created_in_migration({"public", "actions_idx"}));
  CHECK(ctx.catalog().table({"public", "posts"}));  // the ALTER TABLE that did not parse renamed nothing

  // On PostgreSQL 15 the statement fails: nothing of it counts.
  Context pg15 = replay(sql);
  CHECK_FALSE(pg15.created_in_migration(actions));
  CHECK_FALSE(pg15.catalog().table(actions));

  // ALTER TABLE: ACCESS EXCLUSIVE on the table (and its partitions), work unknown.
  auto f = parse_file(std::make_shared<const SourceFile>("t.sql", "ALTER TABLE posts ALTER CONSTRAINT c NOT ENFORCED"));
  REQUIRE(f.statements.size() == 1);
  Context fresh(pg17);
  Effects e = compute_effects(f.statements[0], fresh);
  REQUIRE(e.target);
  CHECK(*e.target == QualifiedName{"public", "posts"});
  CHECK(e.lock_on({"public", "posts"}) == LockMode::AccessExclusive);
  CHECK(e.rewrite == Tri::Unknown);
  CHECK(e.scan == Tri::Unknown);
  Context old(AnalysisOptions{});
  CHECK(compute_effects(f.statements[0], old).locks.empty());

  // ADD CONSTRAINT ... NOT NULL alone: a scan, no rewrite; NOT VALID: neither.
  auto nn = parse_file(std::make_shared<const SourceFile>(
      "t.sql", "ALTER TABLE posts ADD CONSTRAINT n NOT NULL id;\nALTER TABLE posts ADD NOT NULL id NOT VALID;"));
  REQUIRE(nn.statements.size() == 2);
  Effects scan = compute_effects(nn.statements[0], fresh);
  CHECK(scan.scan == Tri::Yes);
  CHECK(scan.rewrite == Tri::No);
  Effects no_scan = compute_effects(nn.statements[1], fresh);
  CHECK(no_scan.scan == Tri::No);
  CHECK(no_scan.lock_on({"public", "posts"}) == LockMode::AccessExclusive);
}

TEST_CASE("newer syntax: the syntax-error finding is a note naming the grammar and what was inferred",
          "[rules][newer-syntax]") {
  std::string sql = "CREATE TABLE actions AS SELECT 1 AS id FROM (SELECT 1);\nSELEC 1;\n";
  LintOptions opts;
  opts.analysis.pg_version = 16;
  auto r = testing::lint_text(sql, opts);
  REQUIRE(r.diagnostics.size() == 2);
  for (const auto& d : r.diagnostics) {
    CHECK(d.rule == RuleId::syntax_error);
    CHECK(d.severity == Severity::Note);
    CHECK_THAT(d.message, Catch::StartsWith("not analysed: PostgreSQL 16 syntax that the PostgreSQL 15 grammar cannot parse ("));
  }
  CHECK_THAT(r.diagnostics[0].message,
             Catch::EndsWith("from its words migrasafe infers that it creates table `actions` (new in this migration; "
                             "its columns are unknown)"));
  CHECK_THAT(r.diagnostics[0].message, Catch::Contains("subquery in FROM must have an alias"));

  auto pg15 = testing::lint_text(sql);
  REQUIRE(pg15.diagnostics.size() == 2);
  for (const auto& d : pg15.diagnostics) {
    CHECK(d.severity == Severity::Error);
    CHECK_THAT(d.message, !Catch::Contains("not analysed"));
  }
}

TEST_CASE("table-rewrite recommends REPACK (CONCURRENTLY) from PostgreSQL 19 on", "[rules][newer-syntax]") {
  auto help = [](int pg_version, const std::string& sql) {
    LintOptions opts;
    opts.analysis.pg_version = pg_version;
    auto r = testing::lint_text(sql, opts);
    for (const auto& d : r.diagnostics)
      if (d.rule == RuleId::table_rewrite) return d.help;
    return std::string("(no table-rewrite finding)");
  };
  CHECK_THAT(help(19, "VACUUM FULL orders;"), Catch::StartsWith("On PostgreSQL 19 use REPACK (CONCURRENTLY) orders; instead"));
  CHECK_THAT(help(19, "CLUSTER app.orders USING orders_pkey;"),
             Catch::StartsWith("On PostgreSQL 19 use REPACK (CONCURRENTLY) app.orders USING INDEX orders_pkey; instead"));
  CHECK_THAT(help(19, "ALTER TABLE orders SET TABLESPACE fast;"), !Catch::Contains("REPACK"));
  CHECK_THAT(help(18, "VACUUM FULL orders;"), !Catch::Contains("REPACK"));
}

TEST_CASE("catalog: one record of a constraint's columns, which renames and drops keep up to date", "[catalog]") {
  const std::string base = "CREATE TABLE p (id bigint PRIMARY KEY); CREATE TABLE t (a int, pid bigint REFERENCES p);"
                           "ALTER TABLE t ADD CONSTRAINT a_set CHECK (a IS NOT NULL) NOT VALID;"
                           "ALTER TABLE t VALIDATE CONSTRAINT a_set;";
  // RENAME COLUMN: the CHECK proves the column under its new name.
  Context renamed = replay(base + "ALTER TABLE t RENAME COLUMN a TO b;");
  CHECK(renamed.has_valid_not_null_check({"public", "t"}, "b"));
  CHECK(!renamed.has_valid_not_null_check({"public", "t"}, "a"));
  CHECK(checks_using_column({"public", "t"}, "b", renamed) == std::vector<std::string>{"a_set"});
  // ... and dropping the renamed column drops it; the old name no longer does.
  CHECK(!replay(base + "ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t DROP COLUMN b;").has_valid_not_null_check({"public", "t"}, "b"));
  // A renamed table, then a renamed column: both follow.
  Context both = replay(base + "ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME COLUMN a TO b;");
  CHECK(both.has_valid_not_null_check({"public", "u"}, "b"));
  // The same on a table created before the migrations analysed (no columns known).
  Context unknown = replay("ALTER TABLE ext ADD CONSTRAINT x_set CHECK (x IS NOT NULL); ALTER TABLE ext RENAME COLUMN x TO y;");
  CHECK(unknown.has_valid_not_null_check({"public", "ext"}, "y"));
  // DROP CONSTRAINT, DROP COLUMN and DROP TABLE remove the whole record.
  CHECK(replay(base + "ALTER TABLE t DROP CONSTRAINT a_set;").catalog().constraints({"public", "t"}).count("a_set") == 0);
  CHECK(replay(base + "ALTER TABLE t DROP COLUMN pid;").catalog().constraints({"public", "t"}).count("t_pid_fkey") == 0);
  CHECK(replay(base + "ALTER TABLE t DROP COLUMN pid;").catalog().constraints({"public", "t"}).count("a_set") == 1);
  CHECK(replay(base + "DROP TABLE t;").catalog().constraints({"public", "t"}).empty());
  // A dropped table takes the foreign keys that reference it along (CASCADE).
  CHECK(replay(base + "DROP TABLE p CASCADE;").referenced_tables({"public", "t"}).empty());
  // A constraint dropped and added again under the same name starts afresh.
  Context readded = replay(base + "ALTER TABLE t DROP CONSTRAINT a_set; ALTER TABLE t ADD CONSTRAINT a_set CHECK (pid > 0);");
  CHECK(!readded.has_valid_not_null_check({"public", "t"}, "a"));
}

TEST_CASE("catalog: every constraint kind follows table and column renames and goes with drops", "[catalog]") {
  // CHECK and FOREIGN KEY: the constraint record (kind, columns, validity, references).
  const std::string base = "CREATE TABLE p (id bigint PRIMARY KEY); CREATE TABLE t (a int, pid bigint);"
                           "ALTER TABLE t ADD CONSTRAINT a_set CHECK (a IS NOT NULL) NOT VALID;"
                           "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (pid) REFERENCES p NOT VALID;";
  auto constraint = [](const Context& ctx, const char* table, const char* name) -> const ConstraintInfo* {
    const TableConstraints& all = ctx.catalog().constraints({"public", table});
    auto it = all.find(name);
    return it == all.end() ? nullptr : &it->second;
  };
  Context renamed_table = replay(base + "ALTER TABLE t RENAME TO u;");
  REQUIRE(constraint(renamed_table, "u", "a_set"));
  CHECK(constraint(renamed_table, "u", "a_set")->kind == ConstraintInfo::Kind::Check);
  CHECK_FALSE(constraint(renamed_table, "u", "a_set")->valid);
  REQUIRE(constraint(renamed_table, "u", "t_fk"));
  CHECK(constraint(renamed_table, "u", "t_fk")->columns == std::set<std::string>{"pid"});
  CHECK(constraint(renamed_table, "u", "t_fk")->references == QualifiedName{"public", "p"});
  CHECK_FALSE(constraint(renamed_table, "t", "a_set"));
  // Renaming the referenced table moves the reference.
  CHECK(constraint(replay(base + "ALTER TABLE p RENAME TO q;"), "t", "t_fk")->references == QualifiedName{"public", "q"});
  Context renamed_columns = replay(base + "ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME COLUMN pid TO parent;");
  CHECK(constraint(renamed_columns, "t", "a_set")->columns == std::set<std::string>{"b"});
  CHECK(constraint(renamed_columns, "t", "a_set")->not_null_columns == std::set<std::string>{"b"});
  CHECK(constraint(renamed_columns, "t", "t_fk")->columns == std::set<std::string>{"parent"});
  // VALIDATE after the renames validates the same record.
  Context validated = replay(base + "ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME COLUMN a TO b;"
                                    "ALTER TABLE u VALIDATE CONSTRAINT a_set; ALTER TABLE u VALIDATE CONSTRAINT t_fk;");
  CHECK(constraint(validated, "u", "a_set")->valid);
  CHECK(constraint(validated, "u", "t_fk")->valid);
  CHECK(validated.has_valid_not_null_check({"public", "u"}, "b"));
  Context dropped_columns = replay(base + "ALTER TABLE t DROP COLUMN a; ALTER TABLE t DROP COLUMN pid;");
  CHECK_FALSE(constraint(dropped_columns, "t", "a_set"));
  CHECK_FALSE(constraint(dropped_columns, "t", "t_fk"));
  Context dropped = replay(base + "ALTER TABLE t DROP CONSTRAINT a_set; ALTER TABLE t DROP CONSTRAINT t_fk;");
  CHECK(dropped.catalog().constraints({"public", "t"}).empty());
  CHECK(dropped.referenced_tables({"public", "t"}).empty());

  // PRIMARY KEY and UNIQUE: recorded as the index that backs them.
  const std::string keyed = "CREATE TABLE k (id bigint, code text, CONSTRAINT k_pkey PRIMARY KEY (id));"
                            "ALTER TABLE k ADD CONSTRAINT k_code_key UNIQUE (code);";
  auto index = [](const Context& ctx, const char* name) { return ctx.catalog().index({"public", name}); };
  Context keyed_renamed = replay(keyed + "ALTER TABLE k RENAME TO kk; ALTER TABLE kk RENAME COLUMN id TO kid;"
                                         "ALTER TABLE kk RENAME COLUMN code TO c;");
  REQUIRE(index(keyed_renamed, "k_pkey"));
  CHECK(index(keyed_renamed, "k_pkey")->primary);
  CHECK(index(keyed_renamed, "k_pkey")->table == QualifiedName{"public", "kk"});
  CHECK(index(keyed_renamed, "k_pkey")->columns == std::vector<std::string>{"kid"});
  REQUIRE(index(keyed_renamed, "k_code_key"));
  CHECK(index(keyed_renamed, "k_code_key")->unique);
  CHECK(index(keyed_renamed, "k_code_key")->columns == std::vector<std::string>{"c"});
  CHECK(keyed_renamed.table_of_index({"public", "k_code_key"}) == QualifiedName{"public", "kk"});
  Context keyed_dropped_columns = replay(keyed + "ALTER TABLE k DROP COLUMN code; ALTER TABLE k DROP COLUMN id;");
  CHECK_FALSE(index(keyed_dropped_columns, "k_code_key"));
  CHECK_FALSE(index(keyed_dropped_columns, "k_pkey"));
  Context keyed_dropped = replay(keyed + "ALTER TABLE k DROP CONSTRAINT k_code_key; ALTER TABLE k DROP CONSTRAINT k_pkey;");
  CHECK_FALSE(index(keyed_dropped, "k_code_key"));
  CHECK_FALSE(index(keyed_dropped, "k_pkey"));
  CHECK_FALSE(replay(keyed + "DROP TABLE k;").catalog().index({"public", "k_pkey"}));

  // NOT NULL: a column attribute, which the column's rename carries.
  Context not_null = replay("CREATE TABLE n (a int NOT NULL); ALTER TABLE n RENAME COLUMN a TO b; ALTER TABLE n RENAME TO m;");
  REQUIRE(not_null.catalog().column({"public", "m"}, "b"));
  CHECK(not_null.catalog().column({"public", "m"}, "b")->not_null);
}

TEST_CASE("effects: SET NOT NULL on a column that is NOT NULL already does nothing", "[effects]") {
  const std::string base = "CREATE TABLE t (id bigint PRIMARY KEY, n serial, g int GENERATED ALWAYS AS IDENTITY, "
                           "d date NOT NULL, k text, x text); ALTER TABLE t ADD PRIMARY KEY (k); COMMIT;";
  for (const char* column : {"id", "n", "g", "d", "k"}) {
    Effects e = last_effects(base + "ALTER TABLE t ALTER COLUMN " + column + " SET NOT NULL;");
    INFO(column);
    CHECK(e.scan == Tri::No);
    CHECK(e.compat_breaks.empty());  // writes of NULL failed before too
  }
  CHECK(last_effects(base + "ALTER TABLE t ALTER COLUMN x SET NOT NULL;").scan == Tri::Yes);
  // DROP NOT NULL earlier in the same statement: the column is checked again.
  CHECK(last_effects(base + "ALTER TABLE t ALTER COLUMN d DROP NOT NULL, ALTER COLUMN d SET NOT NULL;").scan == Tri::Yes);
  // After DROP NOT NULL in an earlier statement, too.
  CHECK(last_effects(base + "ALTER TABLE t ALTER COLUMN d DROP NOT NULL; ALTER TABLE t ALTER COLUMN d SET NOT NULL;").scan == Tri::Yes);
}

TEST_CASE("context and effects: DISCARD ALL resets the session and cannot run in a transaction block", "[effects]") {
  Effects e = last_effects("DISCARD ALL;");
  CHECK_FALSE(e.transaction_allowed);
  CHECK(e.forbidden_in_transaction == "DISCARD ALL");
  CHECK(last_effects("DISCARD PLANS;").transaction_allowed);
  Context ctx = replay("SET lock_timeout = '2s'; SET statement_timeout = '1min'; DISCARD ALL;");
  CHECK(!ctx.timeout_ms("lock_timeout"));
  CHECK(!ctx.setting("statement_timeout"));
  CHECK(replay("SET lock_timeout = '2s'; DISCARD PLANS;").timeout_ms("lock_timeout") == 2000);
}

namespace {

// Findings of `rule` on `sql` after replaying `history` (earlier migrations) into the schema.
std::vector<Diagnostic> findings_after(const std::string& history, const std::string& sql, RuleId rule,
                                       int pg_version = 15) {
  LintOptions o;
  o.analysis.pg_version = pg_version;
  std::fill(o.enabled.begin(), o.enabled.end(), false);
  o.enabled[static_cast<std::size_t>(rule)] = true;
  SetHistory schema;
  analyse_file(parse_file(std::make_shared<const SourceFile>("001.sql", history)), {}, o, nullptr, &schema);
  auto r = analyse_file(parse_file(std::make_shared<const SourceFile>("002.sql", sql)), {}, o, nullptr, &schema);
  return r.diagnostics;
}

}  // namespace

TEST_CASE("data-loss findings are errors only where the loss is certain", "[rules][severity]") {
  const std::string history =
      "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id bigint);\n"
      "CREATE TABLE access_log (id bigint); CREATE TABLE audit_log (id bigint);\n"
      "CREATE TABLE logs (value jsonb, fulltext tsvector GENERATED ALWAYS AS (to_tsvector('simple', value::text)) STORED);\n";
  SECTION("drop-schema: known tables lost, unknown content, the migration's own schema") {
    auto d = findings_after(history, "DROP SCHEMA billing CASCADE;", RuleId::drop_schema);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    CHECK(d[0].message.find("billing.invoices") != std::string::npos);
    d = findings_after(history, "DROP SCHEMA billing;", RuleId::drop_schema);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    CHECK(d[0].message.find("fails") != std::string::npos);
    d = findings_after(history, "DROP SCHEMA r CASCADE;", RuleId::drop_schema);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(findings_after(history, "CREATE SCHEMA tmp; CREATE TABLE tmp.t (id int); DROP SCHEMA tmp CASCADE;",
                         RuleId::drop_schema).empty());
  }
  SECTION("drop-table: rows copied first, IF EXISTS of a table the history never created") {
    auto d = findings_after(history, "INSERT INTO audit_log SELECT * FROM access_log;\nDROP TABLE access_log;",
                            RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(d[0].message.find("copied into `audit_log` (line 1)") != std::string::npos);
    d = findings_after(history, "CREATE TEMP TABLE keep AS SELECT * FROM access_log;\nDROP TABLE access_log;",
                       RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    // A DO block's FOR loop that inserts a row per row it reads copies them too.
    const std::string loop = "DO $$\nDECLARE a RECORD;\nBEGIN\n  FOR a IN SELECT * FROM access_log LOOP\n"
                             "    IF a.id > 0 THEN\n      INSERT INTO audit_log (id) VALUES (a.id);\n    END IF;\n"
                             "  END LOOP;\nEND $$;\nDROP TABLE access_log;";
    d = findings_after(history, loop, RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(d[0].message.find("copied into `audit_log` (line 6)") != std::string::npos);
    // A copy in PostgreSQL 16 syntax, read from its words (its FROM names the source).
    const std::string ctas = "CREATE TABLE actions AS SELECT id FROM (SELECT id FROM access_log);\nDROP TABLE access_log;";
    d = findings_after(history, ctas, RuleId::drop_table, 16);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(d[0].message.find("copied into `actions` (line 1)") != std::string::npos);
    // ... a temporary table keeps nothing.
    d = findings_after(history, "CREATE TEMP TABLE actions AS SELECT id FROM (SELECT id FROM access_log);\nDROP TABLE access_log;",
                       RuleId::drop_table, 16);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    // ... but not when the inserted values do not come from the loop's rows.
    const std::string counter = "DO $$\nDECLARE a RECORD;\nBEGIN\n  FOR a IN SELECT * FROM access_log LOOP\n"
                                "    INSERT INTO audit_log (id) VALUES (1);\n  END LOOP;\nEND $$;\nDROP TABLE access_log;";
    d = findings_after(history, counter, RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    d = findings_after(history, "DROP TABLE IF EXISTS acces_log;", RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    d = findings_after(history, "DROP TABLE acces_log;", RuleId::drop_table);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    d = findings_after("", "DROP TABLE IF EXISTS orders;", RuleId::drop_table);  // no history: nothing known
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
  }
  SECTION("drop-column: a generated column loses no data") {
    auto d = findings_after(history, "ALTER TABLE logs DROP COLUMN fulltext;", RuleId::drop_column);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Note);
    CHECK(d[0].message.find("permanently") == std::string::npos);
    d = findings_after(history, "ALTER TABLE logs DROP COLUMN value;", RuleId::drop_column);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
  }
  SECTION("drop-column: a column the history shows absent destroys no data") {
    // IF EXISTS: nothing to drop. Without it: PostgreSQL rejects the statement.
    auto d = findings_after(history, "ALTER TABLE logs DROP COLUMN IF EXISTS legacy;", RuleId::drop_column);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(d[0].message.find("drops nothing") != std::string::npos);
    d = findings_after(history, "ALTER TABLE logs DROP COLUMN legacy;", RuleId::drop_column);
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Warning);
    CHECK(d[0].message.find("column does not exist") != std::string::npos);
    // Not where the history does not know every column: an unknown table, CREATE TABLE AS, a
    // partition (its parent may have gained columns), a table created IF NOT EXISTS in this migration
    // that the file expects to exist already (ADD COLUMN IF NOT EXISTS).
    const std::string partial = history +
        "CREATE TABLE copied AS SELECT * FROM logs;\n"
        "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n"
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n";
    for (const char* sql : {"ALTER TABLE unknown_table DROP COLUMN legacy;", "ALTER TABLE copied DROP COLUMN legacy;",
                            "ALTER TABLE events_2026 DROP COLUMN legacy;"}) {
      d = findings_after(partial, sql, RuleId::drop_column);
      INFO(sql);
      REQUIRE(d.size() == 1);
      CHECK(d[0].severity == Severity::Error);
    }
    d = findings_after(history,
                       "CREATE TABLE IF NOT EXISTS drafts (id int);\nALTER TABLE drafts ADD COLUMN IF NOT EXISTS body text;\n"
                       "ALTER TABLE drafts DROP COLUMN legacy;",
                       RuleId::drop_column);
    REQUIRE(d.size() == 1);
    CHECK(d[0].message.find("permanently deletes") != std::string::npos);
  }
  SECTION("drop-column: the transaction deletes every row later anyway") {
    CHECK(findings_after(history, "BEGIN; ALTER TABLE logs DROP COLUMN value; DELETE FROM logs; COMMIT;",
                         RuleId::drop_column).empty());
    CHECK(findings_after(history, "BEGIN; ALTER TABLE logs DROP COLUMN value; TRUNCATE access_log, logs; COMMIT;",
                         RuleId::drop_column).empty());
    // A filtered DELETE, a later transaction, or another table after a rename keep the finding.
    for (const char* sql : {"BEGIN; ALTER TABLE logs DROP COLUMN value; DELETE FROM logs WHERE value IS NULL; COMMIT;",
                            "BEGIN; ALTER TABLE logs DROP COLUMN value; COMMIT; DELETE FROM logs;",
                            "BEGIN; ALTER TABLE logs DROP COLUMN value; ALTER TABLE logs RENAME TO old_logs;"
                            " CREATE TABLE logs (id int); DELETE FROM logs; COMMIT;"}) {
      INFO(sql);
      CHECK(findings_after(history, sql, RuleId::drop_column).size() == 1);
    }
  }
}

TEST_CASE("context: CREATE TABLE AS and SELECT INTO create tables", "[context]") {
  Context ctx = replay("CREATE TABLE a AS SELECT 1 AS x;\nSELECT 1 AS x INTO b;\nSELECT 1 AS x INTO TEMP c;\n");
  CHECK(ctx.created_in_migration({"public", "a"}));
  CHECK(ctx.created_in_migration({"public", "b"}));
  CHECK(ctx.catalog().table({"public", "b"}) != nullptr);
  CHECK(ctx.created_in_migration({"public", "c"}));
}

TEST_CASE("missing-lock-timeout names the table of a dropped index", "[rules]") {
  auto d = findings_after("CREATE TABLE orders (id bigint, total int);\nCREATE INDEX orders_total_idx ON orders (total);\n",
                          "DROP INDEX orders_total_idx;", RuleId::missing_lock_timeout);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("lock on `orders`") != std::string::npos);
}

TEST_CASE("effects: VALIDATE of a foreign key reads the referenced table under ROW SHARE", "[effects]") {
  std::string setup = "CREATE TABLE child (id int, parent_id int);"
                      "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;";
  Effects e = last_effects(setup + "ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk");
  CHECK(mode_on(e, "public", "child") == LockMode::ShareUpdateExclusive);
  CHECK(mode_on(e, "public", "parents") == LockMode::RowShare);
  // ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables.
  Effects add = last_effects("ALTER TABLE child ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID");
  CHECK(mode_on(add, "public", "child") == LockMode::ShareRowExclusive);
  CHECK(mode_on(add, "public", "parents") == LockMode::ShareRowExclusive);
}

TEST_CASE("catalog: serial is NOT NULL, SET DEFAULT NULL removes a default, TEMP tables are known", "[catalog]") {
  Context ctx = replay("CREATE TABLE t (id serial, a int DEFAULT 1, b int DEFAULT NULL);"
                       "CREATE TEMP TABLE scratch (id int);"
                       "ALTER TABLE t ALTER COLUMN a SET DEFAULT NULL;");
  const ColumnInfo* id = ctx.catalog().column({"public", "t"}, "id");
  REQUIRE(id);
  CHECK(id->not_null);
  CHECK(id->has_default);
  CHECK_FALSE(ctx.catalog().column({"public", "t"}, "a")->has_default);
  CHECK_FALSE(ctx.catalog().column({"public", "t"}, "b")->has_default);
  CHECK(ctx.catalog().table({"public", "scratch"})->temporary);
  CHECK_FALSE(ctx.catalog().table({"public", "t"})->temporary);
  // SET DEFAULT NULL breaks INSERTs that relied on the default, as DROP DEFAULT does.
  CHECK(last_effects("ALTER TABLE t ALTER COLUMN a SET DEFAULT NULL").compat_breaks.size() == 1);
  CHECK(last_effects("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0").compat_breaks.empty());
}

TEST_CASE("context: a table emptied in the open transaction until rows go in again", "[context]") {
  CHECK(replay("BEGIN; TRUNCATE t;").emptied_in_transaction({"public", "t"}));
  CHECK(replay("BEGIN; DELETE FROM t;").emptied_in_transaction({"public", "t"}));
  CHECK_FALSE(replay("BEGIN; DELETE FROM t WHERE id > 3;").emptied_in_transaction({"public", "t"}));
  CHECK_FALSE(replay("BEGIN; DELETE FROM t; INSERT INTO t VALUES (1);").emptied_in_transaction({"public", "t"}));
  CHECK_FALSE(replay("BEGIN; DELETE FROM t; COPY t FROM STDIN;").emptied_in_transaction({"public", "t"}));
  CHECK_FALSE(replay("BEGIN; TRUNCATE t; COMMIT;").emptied_in_transaction({"public", "t"}));
  CHECK_FALSE(replay("TRUNCATE t;").emptied_in_transaction({"public", "t"}));  // autocommit: rows may come back
}

TEST_CASE("severity policy: error only where the statement fails or certainly destroys data", "[fixtures]") {
  auto severity_of = [](const std::string& sql, RuleId rule) {
    std::vector<Severity> out;
    for (const Diagnostic& d : testing::lint_text(sql).diagnostics)
      if (d.rule == rule) out.push_back(d.severity);
    return out;
  };
  using V = std::vector<Severity>;
  // Nothing known in the schema: it may hold tables made outside the migrations, so not certain.
  CHECK(severity_of("DROP SCHEMA legacy CASCADE;", RuleId::drop_schema) == V{Severity::Warning});
  CHECK(severity_of("DROP SCHEMA legacy;", RuleId::drop_schema) == V{Severity::Warning});

  auto history_then = [&](const std::string& sql, RuleId rule) {
    LintOptions o;
    SetHistory history;
    analyse_file(parse_file(std::make_shared<const SourceFile>("1.sql", "CREATE TABLE t (a int, b int); CREATE VIEW v AS SELECT a FROM t;")),
                 {}, o, nullptr, &history);
    std::vector<Severity> out;
    for (const Diagnostic& d : analyse_file(parse_file(std::make_shared<const SourceFile>("2.sql", sql)), {}, o, nullptr, &history).diagnostics)
      if (d.rule == rule) out.push_back(d.severity);
    return out;
  };
  CHECK(history_then("ALTER TABLE t DROP COLUMN a;", RuleId::breaks_dependent_view) == V{Severity::Error});
  CHECK(history_then("ALTER TABLE t DROP COLUMN a CASCADE;", RuleId::breaks_dependent_view) == V{Severity::Warning});
  CHECK(severity_of("DELETE FROM orders;", RuleId::delete_without_where) == V{Severity::Error});
  CHECK(severity_of("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM orders; END $$;",
                    RuleId::delete_without_where) == V{Severity::Warning});
  CHECK(rule_info(RuleId::uncommitted_transaction).severity == Severity::Warning);
}

TEST_CASE("effects: data-modifying CTEs lock and change rows like the statements they are", "[effects]") {
  Effects del = last_effects("WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d");
  CHECK(mode_on(del, "public", "t") == LockMode::RowExclusive);
  REQUIRE(del.data_loss.size() == 1);
  CHECK(del.data_loss[0].object == QualifiedName{"public", "t"});
  Effects upd = last_effects("WITH u AS (UPDATE t SET a = 1 RETURNING *) INSERT INTO log SELECT * FROM u");
  CHECK(mode_on(upd, "public", "t") == LockMode::RowExclusive);
  CHECK(mode_on(upd, "public", "log") == LockMode::RowExclusive);
  REQUIRE(upd.data_loss.size() == 1);
  CHECK(upd.data_loss[0].column == "a");
  CHECK(last_effects("WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d").data_loss.empty());
}

TEST_CASE("effects: DROP TYPE ... CASCADE loses data only where a column may use the enum", "[effects]") {
  std::string setup = "CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TYPE old_mood AS ENUM ('a');"
                      "CREATE TABLE people (id int, m mood);";
  CHECK(last_effects(setup + "DROP TYPE old_mood CASCADE").data_loss.empty());
  CHECK(last_effects(setup + "DROP TYPE mood CASCADE").data_loss.size() == 1);
  CHECK(last_effects(setup + "ALTER TABLE people ALTER COLUMN m TYPE old_mood USING 'a'; DROP TYPE old_mood CASCADE")
            .data_loss.size() == 1);
  // A table whose columns are not known may use it.
  CHECK(last_effects(setup + "CREATE TABLE copy AS SELECT * FROM people; DROP TYPE old_mood CASCADE").data_loss.size() == 1);
  // A type the history does not define is not known to be unused.
  CHECK(last_effects("DROP TYPE unknown_type CASCADE").data_loss.size() == 1);
}

TEST_CASE("severity policy: drop-column on a table that may or may not have existed is a warning", "[fixtures]") {
  auto drops = [](const std::string& sql) {
    std::vector<Severity> out;
    for (const Diagnostic& d : testing::lint_text(sql).diagnostics)
      if (d.rule == RuleId::drop_column) out.push_back(d.severity);
    return out;
  };
  using V = std::vector<Severity>;
  CHECK(drops("CREATE TABLE IF NOT EXISTS q (id int); ALTER TABLE q ADD COLUMN IF NOT EXISTS c int;"
              "ALTER TABLE q DROP COLUMN IF EXISTS old;") == V{Severity::Warning});
  CHECK(drops("ALTER TABLE q DROP COLUMN old;") == V{Severity::Error});
  CHECK(drops("CREATE TABLE IF NOT EXISTS q (id int, old int); ALTER TABLE q DROP COLUMN old;").empty());
}

TEST_CASE("lock-held-across-statements: locks on relations the transaction drops are not a wait of their own",
          "[rules]") {
  const std::string history = "CREATE TABLE users (id bigint PRIMARY KEY);\n"
                              "CREATE TABLE reports (id bigint, user_id bigint REFERENCES users (id));\n"
                              "CREATE TABLE orders (id bigint);\n";
  // Only dropped relations are locked: nothing to report.
  CHECK(findings_after(history, "BEGIN;\nDROP VIEW IF EXISTS v;\nDROP TABLE orders;\nCOMMIT;",
                       RuleId::lock_held_across_statements).empty());
  // The DROP of reports locks users (its foreign key's triggers), which stays: the message names users
  // and the line its lock was taken on, not the dropped table's.
  auto d = findings_after(history, "BEGIN;\nDROP TABLE orders;\nDROP TABLE reports;\nUPDATE users SET id = id + 0;\nCOMMIT;",
                          RuleId::lock_held_across_statements);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("lock on `users` taken at line 3") != std::string::npos);
  CHECK(d[0].message.find("orders") == std::string::npos);
}

TEST_CASE("lock-held-across-statements: statements outside a transaction block leave nothing to the next block",
          "[rules]") {
  const std::string history = "CREATE TABLE users (id bigint PRIMARY KEY);\n"
                              "CREATE TABLE orders (id bigint);\n"
                              "CREATE TABLE sessions (id bigint);\n";
  // Each statement before BEGIN is a transaction of its own: its lock on
  // users and its DROP of sessions end with it.
  auto d = findings_after(history,
                          "ALTER TABLE users ADD COLUMN a int;\nDROP TABLE sessions;\nBEGIN;\n"
                          "ALTER TABLE users ADD COLUMN b int;\nUPDATE orders SET id = id + 0;\nCOMMIT;",
                          RuleId::lock_held_across_statements);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("lock on `users` taken at line 4") != std::string::npos);
}

namespace {
// The effects of the last statement of `sql` as the engine computes them (function bodies read after CREATE FUNCTION).
Effects engine_effects(const std::string& sql) {
  FileResult r = lint_source(std::make_shared<const SourceFile>("t.sql", sql), {}, {});
  REQUIRE(!r.effects.empty());
  return r.effects.back();
}
}  // namespace

TEST_CASE("effects: triggers and user functions the migrations define are followed through their bodies", "[effects]") {
  const std::string schema =
      "CREATE TABLE t (id int); CREATE TABLE log (id int);\n"
      "CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;\n"
      "CREATE FUNCTION refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW CONCURRENTLY mv; "
      "RETURN NULL; END $$;\n"
      "CREATE TRIGGER t_refresh AFTER DELETE ON t FOR EACH STATEMENT EXECUTE FUNCTION refresh();\n";
  Effects del = engine_effects(schema + "DELETE FROM t WHERE id = 1;");
  CHECK(mode_on(del, "public", "mv") == LockMode::Exclusive);
  CHECK(del.locks_unknown.empty());
  CHECK(std::any_of(del.locks.begin(), del.locks.end(),
                    [](const RelationLock& l) { return l.relation.name == "mv" && l.role == LockRole::Trigger; }));
  // An event the trigger is not for fires nothing.
  CHECK(!engine_effects(schema + "UPDATE t SET id = 2;").lock_on({"public", "mv"}));
  // Calls are followed when the function is called: a callee defined after its caller counts, and
  // mutual recursion ends.
  Effects calls = engine_effects(
      "CREATE TABLE t (id int);\n"
      "CREATE FUNCTION f(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF n > 0 THEN RETURN g(n - 1); END IF; "
      "RETURN 0; END $$;\n"
      "CREATE FUNCTION g(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (n); RETURN f(n); END $$;\n"
      "SELECT f(3);");
  CHECK(mode_on(calls, "public", "t") == LockMode::RowExclusive);
  CHECK(calls.locks_unknown.empty());
  // What a body runs that cannot be read stays unknown.
  CHECK(!engine_effects("CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE ' || 'x'; END $$;\n"
                        "SELECT h();").locks_unknown.empty());
  CHECK(!engine_effects("CREATE FUNCTION c() RETURNS int LANGUAGE c AS 'lib', 'c';\nSELECT c();").locks_unknown.empty());
  CHECK(!engine_effects("CREATE FUNCTION k() RETURNS int LANGUAGE sql AS 'SELECT other()';\nSELECT k();").locks_unknown.empty());
}

TEST_CASE("effects: INSERT without a column list locks the sequence of a column its rows leave to the default", "[effects]") {
  const std::string table = "CREATE TABLE s (id serial, label text);\n";
  CHECK(mode_on(engine_effects(table + "INSERT INTO s VALUES (DEFAULT, 'x');"), "public", "s_id_seq") == LockMode::RowExclusive);
  CHECK(mode_on(engine_effects(table + "INSERT INTO s DEFAULT VALUES;"), "public", "s_id_seq") == LockMode::RowExclusive);
  CHECK(!engine_effects(table + "INSERT INTO s VALUES (1, 'x');").lock_on({"public", "s_id_seq"}));
  // Columns in table order: the rows fill the first one only, the serial is left to its default.
  CHECK(mode_on(engine_effects("CREATE TABLE s2 (label text, id serial);\nINSERT INTO s2 VALUES ('x');"), "public", "s2_id_seq") ==
        LockMode::RowExclusive);
}

namespace {

// The history after `sql` is analysed as a migration of `kind` on top of `history`.
void analyse_into(SetHistory& history, const std::string& sql, MigrationRole::Kind kind = MigrationRole::Kind::Plain) {
  MigrationRole role;
  role.kind = kind;
  analyse_file(parse_file(std::make_shared<const SourceFile>("m.sql", sql)), role, LintOptions{}, nullptr, &history);
}

}  // namespace

TEST_CASE("history: the schema moves from file to file without copying what a file changes", "[context][catalog]") {
  SetHistory h;
  analyse_into(h, "CREATE TABLE t (id int, a text);");
  const TableInfo* t = h.schema.table({"public", "t"});
  REQUIRE(t);
  // Changed in place: the history hands over the only copy of the schema.
  analyse_into(h, "ALTER TABLE t ADD COLUMN b int;");
  CHECK(h.schema.table({"public", "t"}) == t);
  CHECK(h.schema.column({"public", "t"}, "b"));
  // A transaction of a file without ROLLBACK keeps no undo journal, so nothing is copied either.
  analyse_into(h, "BEGIN; ALTER TABLE t ADD COLUMN c int; COMMIT;");
  CHECK(h.schema.table({"public", "t"}) == t);
  CHECK(h.schema.column({"public", "t"}, "c"));
  // With a ROLLBACK in the file, the rolled-back block is still undone and the committed one kept.
  analyse_into(h, "BEGIN; ALTER TABLE t ADD COLUMN d int; ROLLBACK; BEGIN; ALTER TABLE t ADD COLUMN e int; COMMIT;");
  CHECK_FALSE(h.schema.column({"public", "t"}, "d"));
  CHECK(h.schema.column({"public", "t"}, "e"));
  // A down script works on a copy: the history keeps what it drops.
  analyse_into(h, "DROP TABLE t;", MigrationRole::Kind::Down);
  CHECK(h.schema.column({"public", "t"}, "e"));
  analyse_into(h, "ALTER TABLE t DROP COLUMN e;");
  CHECK_FALSE(h.schema.column({"public", "t"}, "e"));
}

TEST_CASE("has_rollback: a ROLLBACK statement anywhere in the file", "[context]") {
  auto parsed = [](const std::string& sql) { return parse_file(std::make_shared<const SourceFile>("t.sql", sql)); };
  CHECK_FALSE(has_rollback(parsed("BEGIN; CREATE TABLE t (id int); COMMIT;")));
  CHECK(has_rollback(parsed("BEGIN; CREATE TABLE t (id int); ROLLBACK;")));
  CHECK_FALSE(has_rollback(parsed("SAVEPOINT s; ROLLBACK TO SAVEPOINT s;")));  // undoes nothing the replay models
}

TEST_CASE("catalog: ALTER TABLE takes a shared table for writing only to change it", "[catalog]") {
  Context history = replay("CREATE TABLE t (id int, a text, b int);");
  const TableInfo* t = history.catalog().table({"public", "t"});
  auto after = [&](const std::string& sql) {
    Context ctx(AnalysisOptions{}, history.catalog());  // shares the table with `history`
    auto f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
    for (const auto& s : f.statements) ctx.apply(s, compute_effects(s, ctx));
    return ctx;
  };
  // Constraints are kept beside the table, not in its record: it stays shared.
  Context constrained = after("ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0), ALTER COLUMN nope SET NOT NULL;");
  CHECK(constrained.catalog().table({"public", "t"}) == t);
  CHECK(constrained.catalog().constraints({"public", "t"}).count("t_b_check"));
  // A change copies it, and leaves the original as it was.
  Context changed = after("ALTER TABLE t ALTER COLUMN b SET NOT NULL, ALTER COLUMN a TYPE varchar(10);");
  CHECK(changed.catalog().table({"public", "t"}) != t);
  CHECK(changed.catalog().column({"public", "t"}, "b")->not_null);
  CHECK(changed.catalog().column({"public", "t"}, "a")->type.display() == "varchar(10)");
  CHECK_FALSE(history.catalog().column({"public", "t"}, "b")->not_null);
  CHECK(history.catalog().column({"public", "t"}, "a")->type.display() == "text");
}

TEST_CASE("CopyOnWrite: copies share one container until one of them writes", "[catalog]") {
  CopyOnWrite<std::set<std::string>> a;
  CHECK(a.empty());
  CHECK(a.find("x") == a.end());
  a.write().insert("x");
  CopyOnWrite<std::set<std::string>> b = a;
  CHECK(b.shares_with(a));
  b.write().insert("y");
  CHECK_FALSE(b.shares_with(a));
  CHECK(a.size() == 1);
  CHECK(b.size() == 2);
  CHECK_FALSE(a.count("y"));
  CopyOnWrite<std::set<std::string>> c = a;
  a.write();  // shared with c: copied, though unchanged
  CHECK_FALSE(c.shares_with(a));
  CHECK(c == a);
}

TEST_CASE("catalog: a table copied for a change shares the lists the change leaves alone", "[catalog]") {
  Context history = replay("CREATE TABLE t (id int PRIMARY KEY, a text); CREATE INDEX t_a_idx ON t (a);"
                           "CREATE TABLE p (id int) PARTITION BY RANGE (id);"
                           "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (9);");
  const TableInfo* t = history.catalog().table({"public", "t"});
  REQUIRE(t);
  auto after = [&](const std::string& sql) {
    Context ctx(AnalysisOptions{}, history.catalog());  // shares the tables with `history`
    auto f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
    for (const auto& s : f.statements) ctx.apply(s, compute_effects(s, ctx));
    return ctx;
  };
  // A new index copies the record and its list of indexes; the columns stay shared.
  Context indexed = after("CREATE INDEX t_id_a_idx ON t (id, a);");
  const TableInfo* with_index = indexed.catalog().table({"public", "t"});
  REQUIRE(with_index);
  CHECK(with_index != t);
  CHECK(with_index->columns.shares_with(t->columns));
  CHECK(with_index->indexes.count("t_id_a_idx"));
  CHECK_FALSE(t->indexes.count("t_id_a_idx"));
  // A renamed column copies the columns, not the indexes; the original keeps its own.
  Context renamed = after("ALTER TABLE t RENAME COLUMN a TO b;");
  const TableInfo* with_b = renamed.catalog().table({"public", "t"});
  REQUIRE(with_b);
  CHECK(with_b->indexes.shares_with(t->indexes));
  CHECK_FALSE(with_b->columns.shares_with(t->columns));
  CHECK(with_b->columns.count("b"));
  CHECK_FALSE(with_b->columns.count("a"));
  CHECK(t->columns.count("a"));
  CHECK_FALSE(t->columns.count("b"));
  CHECK(renamed.catalog().index({"public", "t_a_idx"})->columns == std::vector<std::string>{"b"});
  CHECK(history.catalog().index({"public", "t_a_idx"})->columns == std::vector<std::string>{"a"});
  // SET NOT NULL and a detached partition change the copy only.
  Context altered = after("ALTER TABLE t ALTER COLUMN a SET NOT NULL; ALTER TABLE p DETACH PARTITION p1;");
  CHECK(altered.catalog().column({"public", "t"}, "a")->not_null);
  CHECK_FALSE(history.catalog().column({"public", "t"}, "a")->not_null);
  CHECK(altered.catalog().table({"public", "p"})->partitions.empty());
  CHECK(history.catalog().table({"public", "p"})->partitions.count(QualifiedName{"public", "p1"}));
  // The partition's parent, held out of line, is the copy's own.
  CHECK_FALSE(altered.catalog().table({"public", "p1"})->partition_of);
  CHECK(value_of(history.catalog().table({"public", "p1"})->partition_of) == QualifiedName{"public", "p"});
  // A default partition attached and the parent renamed in a copy: the history keeps its names.
  Context with_default = after("CREATE TABLE pd (id int); ALTER TABLE p ATTACH PARTITION pd DEFAULT;"
                               "ALTER TABLE p RENAME TO q;");
  const TableInfo* q = with_default.catalog().table({"public", "q"});
  REQUIRE(q);
  CHECK(value_of(q->default_partition) == QualifiedName{"public", "pd"});
  CHECK(value_of(with_default.catalog().table({"public", "pd"})->partition_of) == QualifiedName{"public", "q"});
  CHECK(value_of(with_default.catalog().table({"public", "p1"})->partition_of) == QualifiedName{"public", "q"});
  CHECK_FALSE(history.catalog().table({"public", "p"})->default_partition);
  CHECK(value_of(history.catalog().table({"public", "p1"})->partition_of) == QualifiedName{"public", "p"});
  CHECK_FALSE(history.catalog().table({"public", "pd"}));
  TableInfo copied = *q;
  copied.default_partition.reset();
  CHECK(value_of(q->default_partition) == QualifiedName{"public", "pd"});
  // Dropped in a copy: the history keeps the table and its index.
  Context dropped = after("DROP TABLE t;");
  CHECK_FALSE(dropped.catalog().table({"public", "t"}));
  CHECK_FALSE(dropped.catalog().index({"public", "t_a_idx"}));
  CHECK(history.catalog().index({"public", "t_a_idx"}));
  CHECK(history.catalog().table({"public", "t"})->indexes.count("t_pkey"));
}

TEST_CASE("context: unqualified names take the first schema of search_path that can be one", "[context]") {
  CHECK(replay("SELECT 1").qualify("", "t") == QualifiedName{"public", "t"});
  CHECK(replay("SET search_path = app, public").qualify("", "t") == QualifiedName{"app", "t"});
  CHECK(replay("SET search_path = app, public").qualify("other", "t") == QualifiedName{"other", "t"});
  CHECK(replay("SET search_path = \"$user\", pg_temp, \"app\"").qualify("", "t") == QualifiedName{"app", "t"});
  CHECK(replay("SET search_path = \"$user\"").qualify("", "t") == QualifiedName{"public", "t"});
  CHECK(replay("SET search_path = ''").qualify("", "t") == QualifiedName{"public", "t"});
  CHECK(replay("SELECT set_config('search_path', ' , \"app\" ,x', false)").qualify("", "t") == QualifiedName{"app", "t"});
  // SET LOCAL wins within its block, and the session value comes back after it.
  CHECK(replay("SET search_path = a; BEGIN; SET LOCAL search_path = b").qualify("", "t") == QualifiedName{"b", "t"});
  CHECK(replay("SET search_path = a; BEGIN; SET LOCAL search_path = b; COMMIT").qualify("", "t") == QualifiedName{"a", "t"});
}

TEST_CASE("catalog: view FROM items by alias, CTEs before tables of their name", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE a (id int, x int); CREATE TABLE b (id int, z int);"
      // A CTE named like a table hides it: a.z is the CTE's column, which reads b.
      "CREATE VIEW cte AS WITH a AS (SELECT z FROM b) SELECT a.z FROM a;"
      // Aliases name the tables; a USING column is read from both sides.
      "CREATE VIEW j AS SELECT t1.x, id FROM a AS t1 JOIN b AS t2 USING (id);"
      // A name no FROM item has is unknown.
      "CREATE VIEW bad AS SELECT q.x FROM a;");
  const Catalog& c = ctx.catalog();
  auto uses = [&](const char* view, const char* table, const char* column) { return view_uses(c, view, table, column); };
  CHECK(uses("cte", "b", "z"));
  CHECK_FALSE(c.view({"public", "cte"})->tables.count(QualifiedName{"public", "a"}));
  CHECK(c.view({"public", "cte"})->columns_known);
  CHECK(uses("j", "a", "x"));
  CHECK(uses("j", "a", "id"));
  CHECK(uses("j", "b", "id"));
  CHECK_FALSE(uses("j", "b", "z"));
  CHECK(c.view({"public", "j"})->columns_known);
  CHECK_FALSE(c.view({"public", "bad"})->columns_known);
}

TEST_CASE("ShardedMap: find_or_put finds or creates in one lookup, copies what a copy shares, logs and undoes", "[catalog]") {
  using Names = std::set<std::string>;
  const QualifiedName a{"public", "a"}, b{"other", "a"};
  ShardedMap<Names> map;
  map.find_or_put(a).insert("x");
  map.find_or_put(a).insert("y");  // the same value
  CHECK(*map.find(a) == Names{"x", "y"});
  CHECK(map.find(b) == nullptr);  // same name, other schema: same shard, another entry
  CHECK(map.find(a, ShardedMap<Names>::hash_of(a)) == map.find(a));
  CHECK(map.find(b, ShardedMap<Names>::hash_of(b)) == nullptr);
  // A copy shares the value until one side writes it.
  ShardedMap<Names> copy = map;
  CHECK(copy.find(a) == map.find(a));
  copy.find_or_put(a).insert("z");
  CHECK(*map.find(a) == Names{"x", "y"});
  CHECK(*copy.find(a) == Names{"x", "y", "z"});
  copy.find_or_put(b).insert("w");
  CHECK(map.find(b) == nullptr);
  // Names written are logged; a rollback takes out what was created and puts back what was changed.
  std::vector<QualifiedName> changed;
  map.log_changes_to(&changed);
  map.begin_undo();
  map.find_or_put(b).insert("new");
  map.find_or_put(a).erase("x");
  CHECK(changed == std::vector<QualifiedName>{b, a});
  map.end_undo(false);
  CHECK(map.find(b) == nullptr);
  CHECK(*map.find(a) == Names{"x", "y"});
}

TEST_CASE("ShardedMap: lookups by hash find every name; differences come shard by shard in name order", "[catalog]") {
  using Names = std::set<std::string>;
  ShardedMap<Names> map;
  std::vector<QualifiedName> names;
  for (int i = 0; i < 500; ++i) names.push_back({i % 3 ? "public" : "app", "t" + std::to_string(i)});
  for (const QualifiedName& n : names) map.find_or_put(n).insert(n.name);
  for (const QualifiedName& n : names) {
    REQUIRE(map.find(n));
    CHECK(*map.find(n) == Names{n.name});
    CHECK(map.find({n.schema == "app" ? "public" : "app", n.name}) == nullptr);
  }
  // A copy changed and added to: its differences, this side's in name order
  // per shard, then the names only the original has.
  ShardedMap<Names> copy = map;
  for (int i = 0; i < 500; i += 7) copy.find_or_put(names[i]).insert("changed");
  for (int i = 1; i < 500; i += 11) copy.erase(names[i]);
  copy.find_or_put({"public", "added"});
  std::vector<std::pair<std::size_t, QualifiedName>> mine, theirs, order;
  copy.for_each_difference(map, [&](const QualifiedName& n, const Names* a, const Names* b) {
    order.push_back({ShardedMap<Names>::shard_of(n), n});
    (a ? mine : theirs).push_back({ShardedMap<Names>::shard_of(n), n});
    if (a && b) CHECK(a->count("changed"));
  });
  CHECK(mine.size() == 72 - 6 + 1);  // every 7th changed, less the 6 of them erased, and the added one
  CHECK(theirs.size() == 46);
  // Within a shard: the changed and added names in name order, then the erased ones in name order.
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (order[i].first != order[i - 1].first) {
      CHECK(order[i].first > order[i - 1].first);
      continue;
    }
    const bool prev_mine = std::count(mine.begin(), mine.end(), order[i - 1]) > 0;
    const bool this_mine = std::count(mine.begin(), mine.end(), order[i]) > 0;
    if (prev_mine == this_mine) CHECK(order[i - 1].second < order[i].second);
    else CHECK((prev_mine && !this_mine));
  }
}

TEST_CASE("column types: builtin spellings take pg_catalog's names, qualified ones stay as written", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE t (a int, b integer, c bigint, d smallint, e serial, f bigserial, g smallserial, h serial8,"
      " i pg_catalog.int4, j app.integer, k app.serial, l varchar(20)[], m \"int\", n text);");
  const Catalog& c = ctx.catalog();
  auto type = [&](const char* column) { return c.column({"public", "t"}, column)->type.display(); };
  CHECK(type("a") == "int4");
  CHECK(type("b") == "int4");
  CHECK(type("c") == "int8");
  CHECK(type("d") == "int2");
  CHECK(type("e") == "int4");
  CHECK(type("f") == "int8");
  CHECK(type("g") == "int2");
  CHECK(type("h") == "int8");
  CHECK(type("i") == "int4");
  CHECK(type("j") == "app.integer");  // a type of that name in another schema
  CHECK(type("k") == "app.serial");
  CHECK(type("l") == "varchar(20)[]");
  CHECK(type("m") == "int4");
  CHECK(type("n") == "text");
}

TEST_CASE("catalog: a relation created again after a drop has nothing of the old one", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE t (id serial PRIMARY KEY, x int CHECK (x > 0), y int REFERENCES t (id));"
      "CREATE INDEX t_x ON t (x);"
      "CREATE MATERIALIZED VIEW mv AS SELECT x FROM t; CREATE UNIQUE INDEX mv_x ON mv (x);"
      "DROP MATERIALIZED VIEW mv; DROP TABLE t;"
      "CREATE TABLE t (z int); CREATE TABLE mv (w int);");
  const Catalog& c = ctx.catalog();
  CHECK(c.index_names({"public", "t"}).empty());
  CHECK(c.index_names({"public", "mv"}).empty());
  CHECK_FALSE(c.index({"public", "t_pkey"}));
  CHECK_FALSE(c.index({"public", "t_x"}));
  CHECK_FALSE(c.index({"public", "mv_x"}));
  CHECK_FALSE(c.sequence({"public", "t_id_seq"}));
  CHECK(c.constraints({"public", "t"}).empty());
  CHECK_FALSE(c.view({"public", "mv"}));
  CHECK(c.column({"public", "t"}, "z"));
  CHECK_FALSE(c.column({"public", "t"}, "x"));
  // CREATE TABLE of a name an index has replaces the index (PostgreSQL would refuse; the model keeps one relation).
  Context again = replay("CREATE TABLE t (x int); CREATE INDEX i ON t (x); CREATE TABLE i (y int);");
  CHECK_FALSE(again.catalog().index({"public", "i"}));
  CHECK(again.catalog().index_names({"public", "t"}).empty());
  CHECK(again.catalog().column({"public", "i"}, "y"));
}

TEST_CASE("catalog: view columns of tables the model knows partly or not at all", "[catalog]") {
  Context ctx = replay(
      "CREATE TABLE a (id int, x int); CREATE TABLE l (LIKE a);"
      // One FROM item the model does not know: the column is its.
      "CREATE VIEW one AS SELECT q FROM elsewhere;"
      // A known table without the column and one with unknown columns: the column is the latter's.
      "CREATE VIEW like_t AS SELECT a.x, r FROM a, l;"
      // Two unknown tables: the column cannot be placed.
      "CREATE VIEW two AS SELECT q FROM elsewhere, l;"
      // * of an unknown table is every column it has; an alias given again names the later table.
      "CREATE VIEW star AS SELECT s.* FROM elsewhere s;"
      "CREATE VIEW aliased AS SELECT t.x FROM (SELECT 1) t, a t;"
      "CREATE VIEW aliased_unknown AS SELECT nope FROM (SELECT 1) t, a t;");
  const Catalog& c = ctx.catalog();
  auto uses = [&](const char* view, const char* table, const char* column) { return view_uses(c, view, table, column); };
  CHECK(uses("one", "elsewhere", "q"));
  CHECK(c.view({"public", "one"})->columns_known);
  CHECK(c.view({"public", "like_t"})->columns.count({QualifiedName{"public", "a"}, "x"}));
  CHECK_FALSE(c.view({"public", "like_t"})->columns_known);
  CHECK_FALSE(c.view({"public", "two"})->columns_known);
  CHECK(c.view({"public", "star"})->all_columns_of.count(QualifiedName{"public", "elsewhere"}));
  CHECK(uses("aliased", "a", "x"));
  CHECK(c.view({"public", "aliased"})->columns_known);
  CHECK_FALSE(c.view({"public", "aliased_unknown"})->columns_known);  // a has no such column
}

TEST_CASE("statement facts: the rules of one ALTER TABLE share what they ask of its table", "[rules]") {
  // Each rule of the statement asks whether the table is new or dropped later;
  // the answer is computed once (StatementFacts), and a rule that keeps
  // tables dropped later (add-required-column: the ADD fails first) must still
  // see them after a rule that skips them asked.
  auto rules_of = [](const std::string& sql) {
    std::multiset<RuleId> out;
    for (const Diagnostic& d : testing::lint_text(sql).diagnostics) out.insert(d.rule);
    return out;
  };
  const std::string alter =
      "ALTER TABLE orders ADD COLUMN code text NOT NULL, ADD COLUMN token uuid DEFAULT gen_random_uuid(), "
      "ADD COLUMN ref text NOT NULL, SET TABLESPACE archive;\n";
  auto kept = rules_of("BEGIN;\n" + alter + "COMMIT;\n");
  CHECK(kept.count(RuleId::add_required_column) == 2);
  CHECK(kept.count(RuleId::add_column_volatile_default) == 1);
  CHECK(kept.count(RuleId::table_rewrite) == 1);
  // Dropped later in the transaction: only the failing ADDs are reported.
  auto dropped = rules_of("BEGIN;\n" + alter + "DROP TABLE orders;\nCOMMIT;\n");
  CHECK(dropped.count(RuleId::add_required_column) == 2);
  CHECK(dropped.count(RuleId::add_column_volatile_default) == 0);
  CHECK(dropped.count(RuleId::table_rewrite) == 0);
  // Created by this migration: nobody's table yet, unless created IF NOT EXISTS
  // and then given a column IF NOT EXISTS (it may be an older table, with rows).
  auto created = rules_of("CREATE TABLE orders (id bigint);\n" + alter);
  CHECK(created.count(RuleId::add_required_column) == 0);
  CHECK(created.count(RuleId::add_column_volatile_default) == 0);
  CHECK(created.count(RuleId::table_rewrite) == 0);
  auto maybe_older = rules_of(
      "CREATE TABLE IF NOT EXISTS orders (id bigint);\n"
      "ALTER TABLE orders ADD COLUMN IF NOT EXISTS code text NOT NULL, ADD COLUMN IF NOT EXISTS token uuid DEFAULT "
      "gen_random_uuid();\n");
  CHECK(maybe_older.count(RuleId::add_required_column) == 1);
  CHECK(maybe_older.count(RuleId::add_column_volatile_default) == 1);
}
