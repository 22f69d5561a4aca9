#include <catch2/catch.hpp>

#include "analysis/context.h"
#include "analysis/effects.h"
#include "analysis/volatility.h"
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
