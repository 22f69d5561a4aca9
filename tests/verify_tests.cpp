// `migrasafe verify` with the real binary on a real PostgreSQL 15 (Debian
// postgresql-15, as `make test` installs it): the examples, the fixtures with
// deliberate mistakes (fixtures/verify/), and the server's lifecycle: removed
// at the end, on failure and on SIGTERM; a --database server keeps only what
// it had.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "support.h"
#include "verify/database_state.h"

namespace fs = std::filesystem;

namespace {

const std::string kPgBin = "/usr/lib/postgresql/15/bin";

struct VerifyRun {
  int exit_code;
  std::string out;
  fs::path tmpdir;  // TMPDIR of the run: the ephemeral cluster lives (and must die) there
};

// Runs `script` in bash from the source directory with $MIGRASAFE set to the
// binary and TMPDIR to a fresh directory.
VerifyRun run_script(const std::string& name, const std::string& script) {
  fs::path tmp = testing::fresh_dir("verify", name);
  fs::path file = tmp.parent_path() / (name + ".sh");
  testing::write_file(file, "cd '" + testing::source_dir() + "' || exit 99\nexport TMPDIR='" + tmp.string() +
                                "' MIGRASAFE='" + MIGRASAFE_BINARY + "'\n" + script + "\n");
  FILE* p = popen(("bash '" + file.string() + "' 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, tmp};
}

VerifyRun verify(const std::string& name, const std::string& args) {
  return run_script(name, "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " " + args);
}

// The findings of a JSON report (check's shape: per file), each with its file's path.
std::vector<nlohmann::json> json_findings(const nlohmann::json& doc) {
  std::vector<nlohmann::json> out;
  for (const auto& file : doc["files"])
    for (auto f : file["findings"]) {
      f["path"] = file["path"];
      out.push_back(f);
    }
  return out;
}

}  // namespace

TEST_CASE("verify examples/: what fails on PostgreSQL, and the observed locks in JSON", "[verify]") {
  VerifyRun r = verify("examples", "--format json examples/");
  INFO(r.out);
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  // The diesel example alters the orders table of the other directory, which runs after it (path order),
  // and 0005's CONCURRENTLY inside BEGIN fails; each stops its own sequence only.
  CHECK(doc["summary"]["migrations_applied"] == 4);
  CHECK(doc["options"]["pg_version"] == 15);  // the server's: the static effects are PostgreSQL 15's
  CHECK(doc["server"]["version_num"].get<int>() / 10000 == 15);
  std::vector<std::string> failures;
  for (const auto& f : json_findings(doc)) {
    CHECK(f["rule"] == "verify-statement-failed");  // the static predictions agree with PostgreSQL 15
    CHECK(f["code"] == "MS508");
    CHECK(f["category"] == "compatibility");
    CHECK(f["severity"] == "error");
    failures.push_back(f["path"].get<std::string>() + ":" + std::to_string(f["line"].get<int>()) + " " +
                       f["message"].get<std::string>());
  }
  CHECK(failures == std::vector<std::string>{
                        "examples/diesel/2024-03-01-120000_add_order_tags/up.sql:4 up: relation \"orders\" does not "
                        "exist (SQLSTATE 42P01) (in the migration's transaction, rolled back)",
                        "examples/migrations/0005_order_tracking.up.sql:7 up: CREATE INDEX CONCURRENTLY cannot run "
                        "inside a transaction block (SQLSTATE 25001) (in the migration's transaction, rolled back)"});
  // ADD COLUMN with a constant default: ACCESS EXCLUSIVE on orders, as predicted, and no new file.
  bool seen = false;
  for (const auto& script : doc["scripts"]) {
    if (script["path"] != "examples/migrations/0003_add_order_status.up.sql" || script["phase"] != "up") continue;
    for (const auto& st : script["statements"]) {
      if (st["kind"] != "AlterTableStmt") continue;
      seen = true;
      CHECK(st["observed"] == true);
      CHECK(st["locks"] == nlohmann::json::parse(R"([{"relation": "public.orders", "mode": "AccessExclusiveLock"}])"));
      CHECK(st["predicted_locks"] == st["locks"]);
      CHECK(st["rewritten"].empty());
    }
  }
  CHECK(seen);
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify catches a down script that misses a column", "[verify]") {
  VerifyRun r = verify("down-misses-column", "fixtures/verify/down-misses-column");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("fixtures/verify/down-misses-column/002_profile.down.sql:1:1: "
                                    "warning[MS605 verify-down-incomplete]: after up and down: left behind column "
                                    "public.accounts.bio (text)"));
  // ... and the second up then fails on the column the down left.
  CHECK_THAT(r.out, Catch::Contains("002_profile.up.sql:3:1: error[MS604 verify-reapply-failed]: up again: column \"bio\" "
                                    "of relation \"accounts\" already exists (SQLSTATE 42701)"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify catches a down script that loses the table's rows", "[verify]") {
  VerifyRun r = verify("down-loses-data", "fixtures/verify/down-loses-data");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("002_widen_name.down.sql:2:1: warning[MS606 verify-rows-not-restored]: public.accounts: "
                                    "0 rows after up and down, 1000 before"));
  CHECK_THAT(r.out, !Catch::Contains("verify-down-incomplete"));  // the schema itself comes back
}

TEST_CASE("verify catches a down script that adds a dropped column back without its values", "[verify]") {
  VerifyRun r = verify("down-loses-column-values", "fixtures/verify/down-loses-column-values");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("002_drop_legacy_code.down.sql:2:1: warning[MS607 verify-values-not-restored]: "
                                    "public.accounts.legacy_code: 1000 values before the up, 0 after up and down"));
  CHECK_THAT(r.out, !Catch::Contains("verify-down-incomplete"));
  CHECK_THAT(r.out, !Catch::Contains("verify-rows-not-restored"));
}

TEST_CASE("verify --rows: an up that fails on a table with rows; with --rows 0 it passes", "[verify]") {
  VerifyRun r = verify("up-fails-on-data", "fixtures/verify/up-fails-on-data");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("002_require_email.up.sql:2:1: error[MS508 verify-statement-failed]: up: column "
                                    "\"email\" of relation \"accounts\" contains null values (SQLSTATE 23502)"));
  VerifyRun empty = verify("up-fails-on-data-empty", "--rows 0 fixtures/verify/up-fails-on-data");
  INFO(empty.out);
  CHECK_THAT(empty.out, !Catch::Contains("verify-statement-failed"));
  CHECK_THAT(empty.out, Catch::Contains("2 migrations applied"));
}

TEST_CASE("verify --schema: the dump is applied first, and its tables get synthetic rows", "[verify]") {
  VerifyRun r = run_script("schema",
                           "echo 'CREATE TABLE public.accounts (id integer PRIMARY KEY, name text NOT NULL);' > "
                           "\"$TMPDIR/../schema.sql\"\n"
                           "mkdir -p \"$TMPDIR/../on-schema\" && cp fixtures/verify/up-fails-on-data/002* \"$TMPDIR/../on-schema/\"\n"
                           "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --schema \"$TMPDIR/../schema.sql\" \"$TMPDIR/../on-schema\"");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("002_require_email.up.sql:2:1: error[MS508 verify-statement-failed]"));
  CHECK_THAT(r.out, Catch::Contains("contains null values (SQLSTATE 23502)"));
}

TEST_CASE("verify --seed: the team's rows instead of synthetic ones", "[verify]") {
  VerifyRun r = run_script("seed",
                           "printf 'CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL);\n"
                           "INSERT INTO accounts VALUES (1, %s);\n' \"'one'\" > \"$TMPDIR/../seed.sql\"\n"
                           "mkdir -p \"$TMPDIR/../seeded\" && cp fixtures/verify/up-fails-on-data/002* \"$TMPDIR/../seeded/\"\n"
                           "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --seed \"$TMPDIR/../seed.sql\" \"$TMPDIR/../seeded\"");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("contains null values (SQLSTATE 23502)"));
}

TEST_CASE("verify: dbmate runs the up in a transaction, where CONCURRENTLY fails", "[verify]") {
  VerifyRun r = verify("concurrently", "fixtures/verify/concurrently-in-transaction");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("20240102000000_index_name.sql:3:1: error[MS508 verify-statement-failed]: up: CREATE "
                                    "INDEX CONCURRENTLY cannot run inside a transaction block (SQLSTATE 25001) (in the "
                                    "migration's transaction, rolled back)"));
}

TEST_CASE("verify: a clean dbmate set round-trips with transaction:false and agrees with the analysis", "[verify]") {
  VerifyRun r = verify("clean", "--format json fixtures/verify/clean");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(json_findings(doc).empty());
  CHECK(doc["summary"]["migrations_applied"] == 3);
  CHECK(doc["scripts"].size() == 9);  // up, down, up again for each
  int outside = 0;
  for (const auto& script : doc["scripts"])
    for (const auto& st : script["statements"])
      if (st["refused_in_transaction"] == true) {
        ++outside;
        CHECK(script["transaction"] == false);  // transaction:false
        CHECK(st["observed"] == false);
        CHECK(st["sampled"] == true);  // read from a second connection while it ran
        // A sample may miss a lock; what it sees is what the analysis predicts (SHARE UPDATE EXCLUSIVE).
        for (const auto& lock : st["locks"]) {
          CHECK(lock["mode"] == "ShareUpdateExclusiveLock");
          CHECK(std::count(st["predicted_locks"].begin(), st["predicted_locks"].end(), lock) == 1);
        }
      }
  CHECK(outside == 3);  // CREATE INDEX CONCURRENTLY (up, up again) and DROP INDEX CONCURRENTLY (down)
}

TEST_CASE("verify: COPY TO STDOUT is read and dropped, COPY FROM STDIN is not sent (no hang)", "[verify]") {
  VerifyRun r = run_script("copy",
                           "mkdir -p \"$TMPDIR/../copy\" && printf 'CREATE TABLE t (a int);\\nCOPY t TO STDOUT;\\n"
                           "COPY t FROM stdin;\\n\\\\.\\n' > \"$TMPDIR/../copy/001_copy.sql\"\n"
                           "timeout 120 \"$MIGRASAFE\" verify --pg-bin " + kPgBin + " \"$TMPDIR/../copy\"");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("001_copy.sql:3: not sent: COPY ... FROM STDIN reads data that psql sends after it"));
  CHECK_THAT(r.out, Catch::Contains("statements: no findings\nmigrasafe verify: 1 migration applied\n"));
}

TEST_CASE("verify without server binaries: exit 2 with the reason, nothing left behind", "[verify]") {
  VerifyRun r = run_script("no-server", "\"$MIGRASAFE\" verify --pg-bin \"$TMPDIR\" examples/");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Catch::Contains("--pg-bin " + r.tmpdir.string() + ": no initdb, pg_ctl and postgres there"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify: a path that does not exist is exit 3 before any server starts", "[verify]") {
  VerifyRun r = verify("missing-path", "examples/migrations/0009_missing.up.sql");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Catch::Contains("migrasafe: error: examples/migrations/0009_missing.up.sql: no such file"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify: SIGTERM while a statement runs removes the cluster", "[verify]") {
  VerifyRun r = run_script(
      "interrupted",
      "mkdir -p \"$TMPDIR/../slow\" && echo 'SELECT pg_sleep(60);' > \"$TMPDIR/../slow/001_slow.sql\"\n"
      "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " \"$TMPDIR/../slow\" & pid=$!\n"
      // Wait for the server's socket, then for the statement to be sent.
      "for i in $(seq 300); do ls \"$TMPDIR\"/migrasafe-verify-*/.s.PGSQL.* >/dev/null 2>&1 && break; sleep 0.1; done\n"
      "sleep 1; kill -TERM $pid; wait $pid; echo \"exit=$?\"");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("interrupted: removing the verify server"));
  CHECK_THAT(r.out, Catch::Contains("exit=143"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify: SIGTERM while the cluster is being created removes it too", "[verify]") {
  // At 0.3 s the run is in initdb or pg_ctl start on any machine this suite runs on; whatever
  // it is doing, nothing may be left (initdb, stopped, removes what it wrote: give it a moment).
  VerifyRun r = run_script("interrupted-early",
                           "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " examples/migrations & pid=$!\n"
                           "sleep 0.3; kill -TERM $pid; wait $pid; echo \"exit=$?\"; sleep 2");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("exit=143"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify --database: works in a scratch database, drops it, touches nothing else; --keep says how to reach it", "[verify]") {
  // A server to point --database at: a cluster kept by an earlier verify (--keep).
  VerifyRun r = run_script(
      "database",
      "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --keep fixtures/verify/clean > /dev/null 2>&1 || exit 98\n"
      "dir=$(ls -d \"$TMPDIR\"/migrasafe-verify-*)\n"
      "psql -X -q -h \"$dir\" -U postgres -d postgres -c 'CREATE TABLE untouched (id int); INSERT INTO untouched VALUES (1);'\n"
      "\"$MIGRASAFE\" verify --database \"host=$dir user=postgres dbname=postgres\" fixtures/verify/clean | tail -2\n"
      "echo \"exit=${PIPESTATUS[0]}\"\n"
      "psql -X -At -h \"$dir\" -U postgres -d postgres -c \"SELECT 'scratch left: ' || count(*) FROM pg_database "
      "WHERE datname LIKE 'migrasafe_verify%'\" -c \"SELECT count(*) || ' untouched row' FROM untouched\" "
      "-c \"SELECT 'accounts in postgres: ' || count(*) FROM pg_class WHERE relname = 'accounts'\"\n"
      // --keep with a URL: the printed commands reach the scratch database and drop it.
      "\"$MIGRASAFE\" verify --keep --rows 7 --database \"postgresql://postgres@/postgres?host=$dir\" "
      "fixtures/verify/clean 2> \"$TMPDIR/../kept.err\" > /dev/null\n"
      "eval \"$(sed -n 's/^  connect: //p' \"$TMPDIR/../kept.err\") -X -At -c 'SELECT count(*) FROM accounts'\" "
      "| sed 's/^/kept accounts: /'\n"
      "eval \"$(sed -n 's/^  remove: //p' \"$TMPDIR/../kept.err\")\"\n"
      "psql -X -At -h \"$dir\" -U postgres -d postgres -c \"SELECT 'scratch after remove: ' || count(*) FROM pg_database "
      "WHERE datname LIKE 'migrasafe_verify%'\"\n"
      "runuser -u postgres -- " + kPgBin + "/pg_ctl -D \"$dir/data\" -m immediate stop >/dev/null; rm -rf \"$dir\"");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("statements: no findings\nmigrasafe verify: 3 migrations applied\n"));
  CHECK_THAT(r.out, Catch::Contains("exit=0"));
  CHECK_THAT(r.out, Catch::Contains("scratch left: 0"));
  CHECK_THAT(r.out, Catch::Contains("1 untouched row"));
  CHECK_THAT(r.out, Catch::Contains("accounts in postgres: 1"));  // what the kept cluster's own run left, unchanged
  CHECK_THAT(r.out, Catch::Contains("kept accounts: 7"));
  CHECK_THAT(r.out, Catch::Contains("scratch after remove: 0"));
}

TEST_CASE("schema_differences names what is missing, left behind and changed", "[verify_state]") {
  using migrasafe::verify::schema_differences;
  migrasafe::verify::SchemaSnapshot before = {{"column public.t.a", "integer NOT NULL"},
                                               {"column public.t.b", "text"},
                                               {"relation public.t", "table"}};
  migrasafe::verify::SchemaSnapshot after = {{"column public.t.a", "bigint NOT NULL"},
                                              {"column public.t.c", "text"},
                                              {"relation public.t", "table"}};
  CHECK(schema_differences(before, before).empty());
  CHECK(schema_differences(before, after) ==
        std::vector<std::string>{"changed column public.t.a: was integer NOT NULL, now bigint NOT NULL",
                                 "missing column public.t.b (text)", "left behind column public.t.c (text)"});
}

TEST_CASE("verify: a unique index over duplicate rows fails, stays INVALID, and the duplicates are counted", "[verify]") {
  VerifyRun r = verify("duplicates", "fixtures/verify/unique-index-over-duplicates");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  const std::string file = "fixtures/verify/unique-index-over-duplicates/20240102000000_unique_plan.sql:3:1: ";
  CHECK_THAT(r.out, Catch::Contains(file + "error[MS508 verify-statement-failed]: up: could not create unique index "
                                           "\"accounts_plan_key\" (SQLSTATE 23505)"));
  CHECK_THAT(r.out, Catch::Contains(file + "warning[MS803 verify-invalid-index]: public.accounts_plan_key is INVALID"));
  CHECK_THAT(r.out, Catch::Contains(file + "warning[MS510 verify-duplicate-rows]: public.accounts: 1000 rows share 1 "
                                           "key (plan) of the unique index public.accounts_plan_key, which is INVALID"));
}

TEST_CASE("verify --seed: a NOT VALID foreign key over orphaned rows is caught before VALIDATE fails", "[verify]") {
  VerifyRun r = verify("orphans", "--seed fixtures/verify/seeds/orders-without-accounts.sql "
                                  "fixtures/verify/not-valid-foreign-key");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  // Order 3 references account 99; order 4's NULL key is not checked (MATCH SIMPLE).
  CHECK_THAT(r.out, Catch::Contains("001_orders_account.up.sql:2:1: warning[MS509 verify-orphaned-rows]: "
                                    "public.orders: 1 row references no row of public.accounts by foreign key "
                                    "orders_account_id_fkey (NOT VALID: VALIDATE CONSTRAINT will fail)"));
  CHECK_THAT(r.out, !Catch::Contains("verify-statement-failed"));  // ADD ... NOT VALID itself succeeds
  // Reported once: the up again re-adds the same key over the same rows.
  CHECK(r.out.find("verify-orphaned-rows") == r.out.rfind("verify-orphaned-rows"));
}

TEST_CASE("verify --rows: synthetic values meet CHECK constraints; a table none meets is reported empty", "[verify]") {
  VerifyRun r = verify("checks", "--rows 50 fixtures/verify/check-constraints");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  // products got rows (status IN (...), BETWEEN, LIKE, > 0, >= 10 all met), so a new NOT NULL column fails ...
  CHECK_THAT(r.out, Catch::Contains("002_require_weight.up.sql:2:1: error[MS508 verify-statement-failed]: up: column "
                                    "\"weight_grams\" of relation \"products\" contains null values (SQLSTATE 23502)"));
  CHECK_THAT(r.out, !Catch::Contains("public.products left empty"));
  // ... and the domain's pattern has no simple value: warehouses is left empty and said so, once.
  CHECK_THAT(r.out, Catch::Contains("002_require_weight.up.sql:2:1: note[MS005 verify-table-not-filled]: "
                                    "public.warehouses left empty before this migration: "));
  CHECK(r.out.find("public.warehouses left empty") == r.out.rfind("public.warehouses left empty"));
}

TEST_CASE("verify: every report format carries the verify findings, with check's exit codes", "[verify]") {
  // One run per format on the same fixture: a down that misses a column (warning) and the failed up again (error).
  VerifyRun r = run_script(
      "formats",
      "for f in sarif github gcc gitlab markdown junit; do\n"
      "  \"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --format $f fixtures/verify/down-misses-column > \"$TMPDIR/../out.$f\"\n"
      "  echo \"$f exit=$?\"\n"
      "done\n"
      "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --fail-on never fixtures/verify/down-misses-column >/dev/null; "
      "echo \"never exit=$?\"");
  INFO(r.out);
  for (const char* format : {"sarif", "github", "gcc", "gitlab", "markdown", "junit"})
    CHECK_THAT(r.out, Catch::Contains(std::string(format) + " exit=1"));
  CHECK_THAT(r.out, Catch::Contains("never exit=0"));
  auto report = [&](const std::string& format) { return testing::read_file(r.tmpdir.parent_path() / ("out." + format)); };
  auto sarif = nlohmann::json::parse(report("sarif"));
  std::set<std::string> rule_ids;
  for (const auto& result : sarif["runs"][0]["results"]) {
    rule_ids.insert(result["ruleId"].get<std::string>());
    CHECK(result["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>() >= 1);
  }
  CHECK(rule_ids == std::set<std::string>{"MS604", "MS605"});
  CHECK_THAT(report("github"), Catch::Contains("title=MS605 verify-down-incomplete::after up and down: left behind "
                                               "column public.accounts.bio (text)"));
  CHECK_THAT(report("gcc"), Catch::Contains("fixtures/verify/down-misses-column/002_profile.up.sql:3:1: error: up again: "));
  CHECK_THAT(report("gitlab"), Catch::Contains("\"check_name\": \"verify-down-incomplete\""));
  CHECK_THAT(report("markdown"), Catch::Contains("verify-down-incomplete"));
  CHECK_THAT(report("junit"), Catch::Contains("MS604"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify --keep: the printed commands connect to the kept cluster and remove it", "[verify]") {
  VerifyRun r = run_script(
      "keep",
      "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --keep fixtures/verify/clean 2> \"$TMPDIR/../keep.err\" >/dev/null\n"
      "echo \"exit=$?\"; cat \"$TMPDIR/../keep.err\"\n"
      "connect=$(sed -n 's/^  connect: //p' \"$TMPDIR/../keep.err\")\n"
      "remove=$(sed -n 's/^  stop and remove: //p' \"$TMPDIR/../keep.err\")\n"
      "eval \"$connect -X -At -c 'SELECT count(*) || '\\'' accounts kept'\\'' FROM accounts'\"\n"
      "eval \"$remove\" > /dev/null && echo removed");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("exit=0"));
  CHECK_THAT(r.out, Catch::Contains("migrasafe: the cluster is kept in " + r.tmpdir.string() + "/migrasafe-verify-"));
  CHECK_THAT(r.out, Catch::Contains("1000 accounts kept"));
  CHECK_THAT(r.out, Catch::Contains("removed"));
  CHECK(fs::is_empty(r.tmpdir));
}

TEST_CASE("verify: a TMPDIR with a space in its name holds the cluster as well", "[verify]") {
  VerifyRun r = run_script("space", "export TMPDIR=\"$TMPDIR/with space\"; mkdir -p \"$TMPDIR\"\n"
                                    "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " --rows 3 fixtures/verify/clean; "
                                    "echo \"exit=$?\"; ls -A \"$TMPDIR\" | wc -l | sed 's/^/left: /'");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("migrasafe verify: 3 migrations applied"));
  CHECK_THAT(r.out, Catch::Contains("exit=0"));
  CHECK_THAT(r.out, Catch::Contains("left: 0"));
}

TEST_CASE("verify: ignore comments, [rules] and [[overrides]] apply to verify findings as to check's", "[verify]") {
  // The down-misses-column mistake in a project of its own: the down leaves `bio` behind
  // (verify-down-incomplete) and the second up fails on it (verify-reapply-failed).
  const std::string copy =
      "mkdir -p \"$TMPDIR/../suppress-project\" && cd \"$TMPDIR/../suppress-project\" && rm -rf ./* ./.migrasafe.toml && "
      "cp '" + testing::source_dir() + "'/fixtures/verify/down-misses-column/* . && ";
  SECTION("an ignore comment above the statement removes its finding; check does not call it unused") {
    VerifyRun r = run_script("suppress-comment", copy +
        "printf -- '-- migrasafe-ignore verify-down-incomplete: bio is dropped by hand after the release\\n"
        "ALTER TABLE accounts DROP COLUMN nickname;\\n' > 002_profile.down.sql && "
        "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " . ; echo \"verify exit $?\"; "
        "\"$MIGRASAFE\" check . ; echo \"check exit $?\"");
    INFO(r.out);
    CHECK_THAT(r.out, !Catch::Contains("verify-down-incomplete"));
    CHECK_THAT(r.out, Catch::Contains("002_profile.up.sql:3:1: error[MS604 verify-reapply-failed]"));
    CHECK_THAT(r.out, Catch::Contains("verify exit 1"));
    CHECK_THAT(r.out, !Catch::Contains("unused-suppression"));
  }
  SECTION("an ignore comment that suppresses no verify finding is not reported by verify or by check") {
    VerifyRun r = run_script("suppress-unused", copy +
        "printf -- '-- migrasafe-ignore verify-lock-mismatch: not expected here\\nCREATE TABLE accounts (id integer PRIMARY KEY, "
        "name text NOT NULL);\\n' > 001_accounts.up.sql && "
        "\"$MIGRASAFE\" verify --pg-bin " + kPgBin + " . ; \"$MIGRASAFE\" check . ; echo \"check exit $?\"");
    INFO(r.out);
    CHECK_THAT(r.out, !Catch::Contains("unused-suppression"));
    CHECK_THAT(r.out, Catch::Contains("verify-down-incomplete"));
  }
  SECTION("[rules] ignore and [rules.severity] re-level and drop verify findings") {
    VerifyRun r = run_script("suppress-config", copy +
        "printf '[rules]\\nignore = [\"verify-reapply-failed\"]\\n[rules.severity]\\nverify-down-incomplete = \"note\"\\n' "
        "> .migrasafe.toml && \"$MIGRASAFE\" verify --pg-bin " + kPgBin + " . ; echo \"verify exit $?\"");
    INFO(r.out);
    CHECK_THAT(r.out, Catch::Contains("002_profile.down.sql:1:1: note[MS605 verify-down-incomplete]"));
    CHECK_THAT(r.out, !Catch::Contains("verify-reapply-failed"));
    CHECK_THAT(r.out, Catch::Contains("verify exit 0"));  // a note is below --fail-on warning
  }
  SECTION("[[overrides]] apply to the files they match only, and --config names another file") {
    VerifyRun r = run_script("suppress-overrides", copy +
        "printf '[[overrides]]\\npaths = [\"002_profile.down.sql\"]\\nseverity = { verify-down-incomplete = \"error\" }\\n"
        "[[overrides]]\\npaths = [\"001_*.sql\"]\\nignore = [\"verify-reapply-failed\"]\\n' > other.toml && "
        "\"$MIGRASAFE\" verify --config other.toml --pg-bin " + kPgBin + " . ; echo \"verify exit $?\"; "
        "printf '[rules]\\nignore = [\"no-such-rule\"]\\n' > bad.toml && "
        "\"$MIGRASAFE\" verify --config bad.toml --pg-bin " + kPgBin + " . ; echo \"bad config exit $?\"");
    INFO(r.out);
    CHECK_THAT(r.out, Catch::Contains("002_profile.down.sql:1:1: error[MS605 verify-down-incomplete]"));
    CHECK_THAT(r.out, Catch::Contains("002_profile.up.sql:3:1: error[MS604 verify-reapply-failed]"));  // 002 is not 001_*
    CHECK_THAT(r.out, Catch::Contains("verify exit 1"));
    CHECK_THAT(r.out, Catch::Contains("bad.toml"));
    CHECK_THAT(r.out, Catch::Contains("bad config exit 2"));
  }
}
