// Migration-tool layouts (sources/layouts.h): detection, order, up/down
// pairing, dbmate sections and transaction defaults, over fixtures/layouts/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "parser/dump.h"
#include "sources/layouts.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;

namespace {

// The set for fixtures/layouts/<name>, with paths relative to the source dir.
MigrationSet fixture_set(const std::string& name, std::optional<Layout> force = std::nullopt) {
  fs::path old = fs::current_path();
  fs::current_path(testing::source_dir());
  std::vector<InputError> errors;
  auto files = discover({"fixtures/layouts/" + name}, "", errors);
  MigrationSet set = build_migration_set(files, force);
  fs::current_path(old);
  REQUIRE(errors.empty());
  return set;
}

std::vector<std::string> names(const MigrationSet& set) {
  std::vector<std::string> out;
  for (const Migration& m : set.migrations) out.push_back(m.name);
  return out;
}

std::string file_of(const std::string& path) { return fs::path(path).filename().string(); }

nlohmann::json check_json(const std::string& args) {
  auto r = testing::run_cli("check --format json " + args);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  return nlohmann::json::parse(r.out);
}

const nlohmann::json& file_in(const nlohmann::json& doc, const std::string& suffix) {
  for (const auto& f : doc["files"])
    if (f["path"].get<std::string>().ends_with(suffix)) return f;
  FAIL("no file ending in " << suffix);
  static nlohmann::json none;
  return none;
}

std::vector<std::string> rules_at(const nlohmann::json& file, int line) {
  std::vector<std::string> out;
  for (const auto& f : file["findings"])
    if (f["line"] == line) out.push_back(f["rule"]);
  return out;
}

bool reported_at(const nlohmann::json& file, int line, const std::string& rule) {
  auto at = rules_at(file, line);
  return std::find(at.begin(), at.end(), rule) != at.end();
}

bool reported(const nlohmann::json& file, const std::string& rule) {
  for (const auto& f : file["findings"])
    if (f["rule"] == rule) return true;
  return false;
}

}  // namespace

TEST_CASE("versions compare numerically by parts", "[layouts]") {
  CHECK(compare_versions("1_10", "1_9") > 0);
  CHECK(compare_versions("1.10", "1.9") > 0);
  CHECK(compare_versions("2", "1.5") > 0);
  CHECK(compare_versions("1_5", "1.5") == 0);
  CHECK(compare_versions("1", "1.0") == 0);
  CHECK(compare_versions("1", "1.1") < 0);
  CHECK(compare_versions("10", "9") > 0);
  CHECK(compare_versions("20240102090000", "20240101120000") > 0);
  CHECK(compare_versions("0001", "2") < 0);
  CHECK(compare_versions("2019-02-26-002946", "2026-07-08-184840-0000") < 0);
  CHECK(natural_less("2_seed.sql", "10_indexes.sql"));
  CHECK(!natural_less("10_indexes.sql", "2_seed.sql"));
  CHECK(natural_less("a.sql", "b.sql"));
}

TEST_CASE("version comparison is an order: signs agree both ways and with equal versions", "[layouts]") {
  const std::vector<std::string> versions{"",       "0",      "00",    "1",       "1.0",     "1_0_0", "01",
                                          "1.1",    "1.10",   "1_9",   "1a",      "1.a",     "a",     "b1",
                                          "1.0.a",  "1.0.0.1", "2",    "10",      "9.9.9",   "v2",    "-",
                                          "2019-02-26-002946", "2019-02-26-002946-0000", "20240101120000", "1..2"};
  for (const std::string& a : versions)
    for (const std::string& b : versions) {
      INFO(a << " vs " << b);
      int ab = compare_versions(a, b), ba = compare_versions(b, a);
      CHECK((ab > 0) == (ba < 0));
      CHECK((ab == 0) == (ba == 0));
      for (const std::string& c : versions)  // equal versions sort alike against every other
        if (ab == 0) CHECK(compare_versions(a, c) == compare_versions(b, c));
    }
  CHECK(compare_versions("1.0.0", "1") == 0);
  CHECK(compare_versions("1.0.a", "1") > 0);  // a word left over is not a zero
  CHECK(compare_versions("1a", "1") > 0);
  CHECK(compare_versions("1", "a") < 0);     // numbers before words
  CHECK(compare_versions("", "0") == 0);
  CHECK(compare_versions("", "1") < 0);
}

TEST_CASE("layout names and aliases", "[layouts]") {
  CHECK(parse_layout("flyway") == Layout::Flyway);
  CHECK(parse_layout("diesel") == Layout::DirPairs);
  CHECK(parse_layout("pop") == Layout::GolangMigrate);
  CHECK(!parse_layout("auto"));
  CHECK(!parse_layout("liquibase-xml"));
  for (Layout l : {Layout::Plain, Layout::Flyway, Layout::GolangMigrate, Layout::DirPairs, Layout::Dbmate,
                   Layout::Sqitch, Layout::Prisma, Layout::Liquibase})
    CHECK(parse_layout(layout_name(l)) == l);
}

TEST_CASE("each fixture tree is detected as its layout", "[layouts]") {
  for (const char* name : {"flyway", "golang-migrate", "dir-pairs", "dbmate", "sqitch", "prisma", "liquibase", "plain"}) {
    INFO(name);
    MigrationSet set = fixture_set(name);
    CHECK(layout_name(set.layout) == name);
    CHECK(!set.mixed());
    CHECK(!set.forced);
  }
}

TEST_CASE("flyway: numeric version order, undo pairing, repeatables last, transactional", "[layouts]") {
  MigrationSet set = fixture_set("flyway");
  CHECK(names(set) == std::vector<std::string>{"create_accounts", "create_invoices", "add_accounts_email",
                                               "index_accounts_email", "invoice_status", "account_totals_view",
                                               "active_accounts_view"});
  REQUIRE(set.migrations.size() == 7);
  const Migration& v1_10 = set.migrations[3];
  CHECK(v1_10.version == "1_10");
  REQUIRE(v1_10.down);
  CHECK(file_of(*v1_10.down) == "U1_10__index_accounts_email.sql");
  for (const Migration& m : set.migrations) {
    CHECK(m.transaction);
    // The directory has an undo migration, so every versioned one expects one.
    CHECK(m.expected_down.empty() == m.repeatable);
  }
  CHECK(set.migrations[5].repeatable);
  CHECK(up_role(set.migrations[0], std::nullopt).kind == MigrationRole::Kind::Up);
  CHECK(up_role(set.migrations[5], std::nullopt).kind == MigrationRole::Kind::Plain);
}

TEST_CASE("flyway without undo migrations expects no down script", "[layouts]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-layout-" + std::to_string(::getpid()));
  fs::create_directories(d);
  for (const char* f : {"V1__a.sql", "V2__b.sql"}) std::ofstream(d / f) << "SELECT 1;\n";
  std::vector<InputError> errors;
  MigrationSet set = build_migration_set(discover({d.string()}, "", errors));
  fs::remove_all(d);
  CHECK(set.layout == Layout::Flyway);
  REQUIRE(set.migrations.size() == 2);
  for (const Migration& m : set.migrations) CHECK(up_role(m, std::nullopt).kind == MigrationRole::Kind::Plain);
}

TEST_CASE("golang-migrate: numeric order, pairs, no transaction", "[layouts]") {
  MigrationSet set = fixture_set("golang-migrate");
  CHECK(names(set) == std::vector<std::string>{"create_users", "create_sessions", "widen_login_count"});
  REQUIRE(set.migrations.size() == 3);
  CHECK(file_of(set.migrations[0].up) == "1_create_users.up.sql");
  REQUIRE(set.migrations[0].down);
  CHECK(file_of(*set.migrations[0].down) == "1_create_users.down.sql");
  CHECK(!set.migrations[2].down);
  CHECK(file_of(set.migrations[2].expected_down) == "10_widen_login_count.down.sql");
  for (const Migration& m : set.migrations) CHECK(!m.transaction);
}

TEST_CASE("dir pairs: version order, pairs, transactional unless metadata says not", "[layouts]") {
  MigrationSet set = fixture_set("dir-pairs");
  CHECK(names(set) == std::vector<std::string>{"create_projects", "add_projects_owner", "index_projects_owner"});
  REQUIRE(set.migrations.size() == 3);
  CHECK(set.migrations[0].version == "2024-01-05-093000");
  CHECK(set.migrations[0].transaction);
  CHECK(set.migrations[1].transaction);
  CHECK(!set.migrations[2].transaction);  // metadata.toml: run_in_transaction = false
  for (const Migration& m : set.migrations) CHECK(m.down);
}

TEST_CASE("dbmate: sections, their transaction options, analysed in place", "[layouts]") {
  MigrationSet set = fixture_set("dbmate");
  REQUIRE(set.migrations.size() == 3);
  const Migration& create = set.migrations[0];
  CHECK(create.name == "create_events");
  REQUIRE(create.up_section);
  REQUIRE(create.down_section);
  CHECK(create.down == create.up);
  std::string text = testing::read_file(fs::path(testing::source_dir()) / create.up);
  CHECK(text.substr(create.up_section->begin, 12) == "CREATE TABLE");
  CHECK(text.substr(create.down_section->begin) == "DROP TABLE events;\n");
  CHECK(create.transaction);
  CHECK(!set.migrations[1].transaction);  // -- migrate:up transaction:false
  CHECK(!set.migrations[1].down_transaction);
  CHECK(set.migrations[2].transaction);

  auto s = dbmate_sections("-- a comment\n-- migrate:up\nSELECT 1;\n--migrate:down   transaction:false\n");
  REQUIRE(s);
  CHECK(s->up->begin == 27);
  CHECK(s->up_transaction);
  CHECK(!s->down_transaction);
  CHECK(!dbmate_sections("-- migrate:upgrade\nSELECT 1;\n"));
  // A file with the words but no marker line, or with only a down marker, has no sections.
  CHECK(!dbmate_sections("SELECT 'migrate:up';\n"));
  CHECK(!dbmate_sections("-- migrate:down\nDROP TABLE t;\n"));
  CHECK(dbmate_sections("SELECT 1;\n--\tmigrate:up\n"));
  std::string blanked = blank_outside("ab\r\ncd\nef", {4, 6});
  CHECK(blanked == "  \r\ncd\n  ");

  // Findings keep the file's own lines: the down section's DROP TABLE is on line 9.
  auto doc = check_json("fixtures/layouts/dbmate");
  const auto& f = file_in(doc, "20240101120000_create_events.sql");
  REQUIRE(f["statements"].size() == 2);
  CHECK(f["statements"][0]["line"] == 2);
  CHECK(f["statements"][1]["line"] == 9);
  CHECK(f["statements"][0]["effects"]["held_until"] == "transaction");
  CHECK(rules_at(f, 9) == std::vector<std::string>{"missing-lock-timeout"});  // not drop-table: it undoes the up
  // transaction:false: CREATE INDEX CONCURRENTLY is fine there.
  const auto& idx = file_in(doc, "20240102090000_index_events_kind.sql");
  CHECK(idx["findings"].empty());
  CHECK(idx["statements"][0]["effects"]["held_until"] == "statement");
  // An empty down section with an `irreversible` comment is accepted.
  CHECK(file_in(doc, "20240103080000_events_created_at.sql")["findings"].empty());
  CHECK(doc["summary"]["files"] == 3);
}

TEST_CASE("liquibase: each changeset a migration, rollback lines its down script, runInTransaction honoured",
          "[layouts]") {
  MigrationSet set = fixture_set("liquibase");
  CHECK(names(set) == std::vector<std::string>{"alice:1", "alice:2", "bob:3", "carol:4"});
  const Migration& create = set.migrations[0];
  REQUIRE(create.up_section);
  CHECK(create.down == create.up);
  CHECK(create.transaction);
  CHECK(!set.migrations[1].transaction);  // runInTransaction:false
  CHECK(!set.migrations[1].down_transaction);
  CHECK(!set.migrations[3].down);  // no rollback lines: no down script, and none expected
  CHECK(set.migrations[3].expected_down.empty());
  std::string text = testing::read_file(fs::path(testing::source_dir()) / create.up);
  // The up script keeps the changeset's SQL, without its rollback; the down script is the rollback's SQL,
  // both in place.
  std::string up = section_script(create, false, text), down = section_script(create, true, text);
  REQUIRE(up.size() == text.size());
  REQUIRE(down.size() == text.size());
  CHECK(up.find("CREATE TABLE orders") == text.find("CREATE TABLE orders"));
  CHECK(up.find("DROP TABLE") == std::string::npos);
  CHECK(up.find("changeset") == std::string::npos);
  CHECK(down.find("DROP TABLE orders;") == text.find("DROP TABLE orders;"));
  CHECK(down.find_first_not_of(" \n") == text.find("DROP TABLE orders;"));
  CHECK(down.find("CREATE") == std::string::npos);
  // Not a changelog: the marker must be the first line.
  CHECK(liquibase_changesets("SELECT 1;\n--liquibase formatted sql\n--changeset a:1\nSELECT 2;\n").empty());
  CHECK(liquibase_changesets("-- liquibase formatted sql\n--changesets a:1\n").empty());

  // Findings keep the file's lines; each changeset is judged in its own transaction (or none).
  auto doc = check_json("fixtures/layouts/liquibase");
  const auto& first = file_in(doc, "001-orders.sql");
  // CREATE INDEX CONCURRENTLY outside a transaction: only the advice on retrying it, not forbidden-in-transaction.
  CHECK(rules_at(first, 10) == std::vector<std::string>{"concurrent-index-retry"});
  CHECK(reported_at(first, 15, "down-does-not-undo-up"));  // its rollback drops another column
  CHECK_FALSE(reported(first, "drop-table"));  // the rollback of alice:1 undoes its own table
  const auto& second = file_in(doc, "002-customers.sql");
  CHECK(reported_at(second, 5, "create-index-non-concurrently"));  // the table is known from 001: history replayed
  CHECK_FALSE(reported(second, "missing-down-script"));
  CHECK(doc["summary"]["files"] == 2);
}

TEST_CASE("dbmate: an empty down section is a missing down script where the project writes downs", "[layouts]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-dbmate-" + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "20240101000000_t.sql") << "-- migrate:up\nCREATE TABLE t (id bigint);\n\n-- migrate:down\n\n";
  std::ofstream(d / "20240102000000_u.sql") << "-- migrate:up\nCREATE TABLE u (id bigint);\n";
  std::ofstream(d / "20240103000000_v.sql") << "-- migrate:up\n-- nothing yet\n-- migrate:down\n";
  // Every down section empty (supabase-postgres): the project does not use them.
  auto unused = check_json("'" + d.string() + "'");
  CHECK(rules_at(file_in(unused, "_t.sql"), 2).empty());
  CHECK(rules_at(file_in(unused, "_u.sql"), 2).empty());
  // One written down section: the others are expected too, except for the
  // migration without statements (nothing to undo).
  std::ofstream(d / "20240104000000_w.sql") << "-- migrate:up\nCREATE TABLE w (id bigint);\n-- migrate:down\nDROP TABLE w;\n";
  auto used = check_json("'" + d.string() + "'");
  // Checking one file alone: the other files on disk still say the project writes downs.
  auto alone = check_json("'" + (d / "20240102000000_u.sql").string() + "'");
  fs::remove_all(d);
  CHECK(rules_at(file_in(used, "_t.sql"), 2) == std::vector<std::string>{"missing-down-script"});
  CHECK(rules_at(file_in(used, "_u.sql"), 2) == std::vector<std::string>{"missing-down-script"});
  CHECK(file_in(used, "_v.sql")["findings"].empty());
  CHECK(rules_at(file_in(used, "_w.sql"), 2).empty());
  CHECK(rules_at(file_in(alone, "_u.sql"), 2) == std::vector<std::string>{"missing-down-script"});
}

TEST_CASE("no down script is expected where the project writes none, nor for an empty up script", "[layouts]") {
  MigrationSet set = fixture_set("golang-migrate-up-only");
  CHECK(set.layout == Layout::GolangMigrate);
  REQUIRE(set.migrations.size() == 3);
  for (const Migration& m : set.migrations) {
    CHECK(m.expected_down.empty());
    CHECK(up_role(m, std::nullopt).kind == MigrationRole::Kind::Plain);
  }
  auto doc = check_json("fixtures/layouts/golang-migrate-up-only");
  for (const auto& f : doc["files"])
    for (const auto& finding : f["findings"]) CHECK(finding["rule"] != "missing-down-script");
  // The golang-migrate fixture has down scripts: its up script without one is reported ...
  auto with_downs = check_json("fixtures/layouts/golang-migrate");
  CHECK(rules_at(file_in(with_downs, "10_widen_login_count.up.sql"), 1) ==
        std::vector<std::string>{"missing-down-script"});
  // ... also when it is checked alone (a pre-commit hook on one staged file), and by its bare name
  // from its own directory.
  auto alone = check_json("fixtures/layouts/golang-migrate/10_widen_login_count.up.sql");
  CHECK(rules_at(file_in(alone, "10_widen_login_count.up.sql"), 1) == std::vector<std::string>{"missing-down-script"});
  auto bare = testing::run_cli("check --format json 10_widen_login_count.up.sql 2>&1",
                               testing::source_dir() + "/fixtures/layouts/golang-migrate");
  CHECK(bare.exit_code == 1);
  REQUIRE(bare.out.find("internal error") == std::string::npos);
  CHECK(rules_at(file_in(nlohmann::json::parse(bare.out), "10_widen_login_count.up.sql"), 1) ==
        std::vector<std::string>{"missing-down-script"});

  // A project with downs, and an up script holding only a comment with an empty down: nothing to undo.
  fs::path d = fs::temp_directory_path() / ("migrasafe-empty-up-" + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "1_a.up.sql") << "CREATE TABLE a (id bigint);\n";
  std::ofstream(d / "1_a.down.sql") << "DROP TABLE a;\n";
  std::ofstream(d / "2_squashed.up.sql") << "-- squashed into 1_a\n";
  std::ofstream(d / "2_squashed.down.sql") << "";
  auto empty_up = check_json("'" + d.string() + "'");
  fs::remove_all(d);
  CHECK(file_in(empty_up, "2_squashed.up.sql")["findings"].empty());
}

TEST_CASE("sqitch: plan order, revert and verify scripts, no transaction", "[layouts]") {
  MigrationSet set = fixture_set("sqitch");
  CHECK(names(set) == std::vector<std::string>{"appschema", "users", "flips"});
  REQUIRE(set.migrations.size() == 3);
  CHECK(set.migrations[0].down);
  CHECK(set.migrations[0].verify);
  CHECK(!set.migrations[2].down);  // flips has no revert script
  for (const Migration& m : set.migrations) CHECK(!m.transaction);
  auto doc = check_json("fixtures/layouts/sqitch");
  CHECK(doc["summary"]["files"] == 8);
  CHECK(rules_at(file_in(doc, "deploy/flips.sql"), 1) == std::vector<std::string>{"missing-down-script"});
}

TEST_CASE("a second script of the same part is its own migration, never dropped", "[layouts]") {
  // Found by layout_fuzz: revert/users.sql and revert/users.SQL are both the
  // revert script of change `users`; the second one was silently lost.
  fs::path d = testing::fresh_dir("layouts", "second-part");
  testing::write_file(d / "sq/sqitch.plan", "%project=x\nusers 2024-01-01T00:00:00Z a <a@b>\n");
  testing::write_file(d / "sq/deploy/users.sql", "CREATE TABLE users (id int);\n");
  testing::write_file(d / "sq/revert/users.SQL", "DROP TABLE users;\n");
  testing::write_file(d / "sq/revert/users.sql", "DROP TABLE users;\n");
  testing::write_file(d / "fw/V1__a.sql", "CREATE TABLE a (id int);\n");
  testing::write_file(d / "fw/U1__a.sql", "DROP TABLE a;\n");
  testing::write_file(d / "fw/U1__b.sql", "DROP TABLE a;\n");
  for (const char* dir : {"sq", "fw"}) {
    std::vector<InputError> errors;
    auto files = discover({(d / dir).string()}, "", errors);
    MigrationSet set = build_migration_set(files, std::nullopt);
    std::set<std::string> in_set;
    for (const Migration& m : set.migrations)
      for (const std::optional<std::string>& p : {std::optional(m.up), m.down, m.verify})
        if (p && !p->empty()) CHECK(in_set.insert(*p).second);  // each file once
    CHECK(in_set.size() == 3);
    REQUIRE(set.migrations.size() == 2);
    CHECK(file_of(set.migrations[0].up) == (std::string(dir) == "sq" ? "users.sql" : "V1__a.sql"));
    CHECK(file_of(*set.migrations[0].down) == (std::string(dir) == "sq" ? "users.sql" : "U1__a.sql"));
    CHECK(set.migrations[1].up.empty());  // the lone down script is not paired with the up again
    REQUIRE(set.notes.size() == 1);
    CHECK(set.notes[0].find("a second down script") != std::string::npos);
  }
  fs::remove_all(d);
}

TEST_CASE("prisma and plain: order, no downs, no transaction", "[layouts]") {
  MigrationSet prisma = fixture_set("prisma");
  CHECK(names(prisma) == std::vector<std::string>{"init", "add_post_slug"});
  for (const Migration& m : prisma.migrations) {
    CHECK(!m.transaction);
    CHECK(up_role(m, std::nullopt).kind == MigrationRole::Kind::Plain);
  }
  MigrationSet plain = fixture_set("plain");
  REQUIRE(plain.migrations.size() == 3);
  CHECK(file_of(plain.migrations[0].up) == "1_schema.sql");
  CHECK(file_of(plain.migrations[1].up) == "2_seed.sql");
  CHECK(file_of(plain.migrations[2].up) == "10_tags_label_unique.sql");
  for (const Migration& m : plain.migrations) CHECK(!m.transaction);
}

TEST_CASE("a forced layout; a mixed tree", "[layouts]") {
  MigrationSet forced = fixture_set("golang-migrate", Layout::Plain);
  CHECK(forced.forced);
  CHECK(forced.layout == Layout::Plain);
  CHECK(forced.migrations.size() == 5);  // every file on its own
  MigrationSet all = fixture_set("");
  CHECK(all.mixed());
  CHECK(all.files_by_layout.size() == 8);
}

TEST_CASE("check replays in migration order with the layout's transaction default", "[layouts][cli]") {
  // 10_widen_login_count sorts before 1_... by path; replayed after 1_create_users
  // it knows login_count is an integer, so the type change rewrites the table.
  auto doc = check_json("fixtures/layouts/golang-migrate");
  const auto& widen = file_in(doc, "10_widen_login_count.up.sql");
  CHECK(widen["statements"][1]["effects"]["rewrite"] == "yes");
  // golang-migrate wraps nothing, but sends the file as one query: PostgreSQL runs a query of several
  // statements as one implicit transaction, and a single statement on its own.
  CHECK(widen["statements"][1]["effects"]["held_until"] == "transaction");
  CHECK(file_in(doc, "2_create_sessions.up.sql")["statements"][0]["effects"]["held_until"] == "statement");
  auto forced_tx = check_json("--assume-in-transaction fixtures/layouts/golang-migrate");
  CHECK(file_in(forced_tx, "10_widen_login_count.up.sql")["statements"][1]["effects"]["held_until"] == "transaction");
  auto flyway = check_json("fixtures/layouts/flyway");
  CHECK(file_in(flyway, "V2__invoice_status.sql")["statements"][0]["effects"]["held_until"] == "transaction");
  auto as_plain = check_json("--layout plain fixtures/layouts/flyway");
  CHECK(file_in(as_plain, "V2__invoice_status.sql")["statements"][0]["effects"]["held_until"] == "statement");
  CHECK(rules_at(file_in(as_plain, "V2__invoice_status.sql"), 1) == std::vector<std::string>{"missing-lock-timeout"});
}

TEST_CASE("migrasafe sources: text and JSON", "[layouts][cli]") {
  auto text = testing::run_cli("sources fixtures/layouts/flyway");
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("layout: flyway\nmigrations: 7 (8 files)\n", 0) == 0);
  CHECK(text.out.find("4  1_10     index_accounts_email  yes  fixtures/layouts/flyway/V1_10__index_accounts_email.sql  "
                      "fixtures/layouts/flyway/U1_10__index_accounts_email.sql\n") != std::string::npos);
  auto json = testing::run_cli("sources --format json fixtures/layouts/dbmate");
  CHECK(json.exit_code == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["layout"] == "dbmate");
  CHECK(doc["mixed"] == false);
  REQUIRE(doc["migrations"].size() == 3);
  CHECK(doc["migrations"][0]["up_section"]["line"] == 2);
  CHECK(doc["migrations"][0]["down_section"]["line"] == 9);
  CHECK(doc["migrations"][1]["transaction"] == false);
  auto forced = nlohmann::json::parse(testing::run_cli("sources --format json --layout plain fixtures/layouts/dbmate").out);
  CHECK(forced["layout"] == "plain");
  CHECK(forced["forced"] == true);
  CHECK(testing::run_cli("sources no/such/dir 2>/dev/null").exit_code == 3);
  CHECK(testing::run_cli("sources --layout liquibase-xml fixtures/layouts 2>/dev/null").exit_code == 2);
  CHECK(testing::run_cli("check --layout liquibase-xml fixtures/layouts 2>/dev/null").exit_code == 2);
}

TEST_CASE("a schema dump is a snapshot: replayed after the migrations beside it, one note, no findings", "[layouts][cli]") {
  CHECK(looks_like_schema_dump("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"));
  CHECK(looks_like_schema_dump("\xEF\xBB\xBFSET client_encoding = 'UTF8';\r\nSELECT pg_catalog.set_config('search_path', '', false);\r\n"));
  CHECK(!looks_like_schema_dump("SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE t (id int);\n"));
  CHECK(!looks_like_schema_dump("-- PostgreSQL database dump of nothing: a comment\nCREATE TABLE t (id int);\n"));
  CHECK(!looks_like_schema_dump(std::string(kDumpHeadBytes, '\n') + "-- PostgreSQL database dump\n"));

  // dbmate's db/schema.sql (no version) sits in a directory that sorts before db/migrations: it still replays last.
  MigrationSet set = fixture_set("schema-dump");
  REQUIRE(set.migrations.size() == 3);
  CHECK(file_of(set.migrations[0].up) == "20240101000000_create_orders.sql");
  CHECK(file_of(set.migrations[2].up) == "schema.sql");
  CHECK(set.migrations[2].snapshot);
  auto sources = nlohmann::json::parse(testing::run_cli("sources --format json fixtures/layouts/schema-dump").out);
  CHECK(sources["migrations"][2]["snapshot"] == true);
  CHECK(!sources["migrations"][0].contains("snapshot"));

  auto doc = check_json("fixtures/layouts/schema-dump");
  const auto& dump = file_in(doc, "db/schema.sql");
  REQUIRE(dump["findings"].size() == 1);
  CHECK(dump["findings"][0]["rule"] == "schema-dump");
  CHECK(dump["findings"][0]["severity"] == "note");
  CHECK(dump["findings"][0]["line"] == 1);
  // Its --clean DROPs are replayed, not judged: no drop-table, no drop-index-non-concurrently.
  CHECK(dump["statements"].size() > 10);
  // The migrations beside it are judged as before (transaction:false: CONCURRENTLY is fine there).
  CHECK(!reported(file_in(doc, "20240102000000_index_orders_customer.sql"), "forbidden-in-transaction"));

  // What a user types: the dump alone exits 0 (a note), and a new migration on stdin is checked
  // against the dumped schema (bigint -> integer on a known column rewrites the table).
  auto alone = testing::run_cli("check fixtures/layouts/schema-dump/db/schema.sql >/dev/null");
  CHECK(alone.exit_code == 0);
  auto piped = testing::run_cli(
      "check --format json fixtures/layouts/schema-dump/db/schema.sql - <<'SQL'\n"
      "ALTER TABLE public.orders ALTER COLUMN customer_id TYPE integer;\nSQL");
  CHECK(piped.exit_code == 1);
  auto stdin_doc = nlohmann::json::parse(piped.out);
  const auto& from_stdin = file_in(stdin_doc, "<stdin>");
  CHECK(from_stdin["statements"][0]["effects"]["rewrite"] == "yes");
  CHECK(reported_at(from_stdin, 1, "alter-column-type"));
  // --schema replays a dump silently (no note: it is not among the files checked).
  auto seeded = check_json("--schema fixtures/layouts/schema-dump/db/schema.sql fixtures/layouts/golang-migrate-up-only/3_jobs_note.up.sql");
  for (const auto& f : seeded["files"])
    for (const auto& finding : f["findings"]) CHECK(finding["rule"] != "schema-dump");
}

TEST_CASE("flyway: a migration of CONCURRENTLY statements only runs outside a transaction; a mix fails", "[layouts][cli]") {
  MigrationSet set = fixture_set("flyway-concurrently");
  REQUIRE(set.migrations.size() == 5);
  CHECK(set.migrations[1].transaction);  // decided from its statements when it is analysed
  CHECK(!set.migrations[4].transaction);  // V5__archive_flag.sql.conf: executeInTransaction=false

  auto doc = check_json("fixtures/layouts/flyway-concurrently");
  const auto& only_concurrently = file_in(doc, "V2__index_orders_concurrently.sql");
  CHECK(!reported(only_concurrently, "forbidden-in-transaction"));
  CHECK(only_concurrently["statements"][1]["effects"]["held_until"] == "statement");
  const auto& mixed = file_in(doc, "V3__note_and_index.sql");
  CHECK(!reported_at(mixed, 2, "forbidden-in-transaction"));
  CHECK(reported_at(mixed, 3, "forbidden-in-transaction"));
  auto message_of = [](const nlohmann::json& file, const std::string& rule) {
    for (const auto& f : file["findings"])
      if (f["rule"] == rule) return f["severity"].get<std::string>() + ": " + f["message"].get<std::string>();
    return std::string();
  };
  CHECK_THAT(message_of(mixed, "forbidden-in-transaction"), Catch::StartsWith("error: CREATE INDEX CONCURRENTLY"));
  const auto& reindex = file_in(doc, "V4__reindex_customer.sql");
  CHECK_THAT(message_of(reindex, "forbidden-in-transaction"), Catch::StartsWith("error: REINDEX CONCURRENTLY"));
  CHECK(!reported(file_in(doc, "V5__archive_flag.sql"), "forbidden-in-transaction"));

  // Flyway's own list, by statement: what it runs outside a transaction.
  auto outside = [](const std::string& sql, int pg_version = 15) {
    ParsedFile f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
    REQUIRE(f.statements.size() == 1);
    return flyway_runs_outside_transaction(f.statements[0], pg_version);
  };
  CHECK(outside("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)"));
  CHECK(outside("DROP INDEX CONCURRENTLY IF EXISTS i"));
  CHECK(outside("VACUUM t"));
  CHECK(outside("CREATE DATABASE d"));
  CHECK(outside("ALTER SYSTEM SET work_mem = '64MB'"));
  CHECK(outside("REINDEX SCHEMA app"));
  CHECK(outside("DISCARD ALL"));
  CHECK(outside("ALTER TYPE mood ADD VALUE 'meh'", 11));
  CHECK(!outside("ALTER TYPE mood ADD VALUE 'meh'", 12));
  CHECK(!outside("REINDEX INDEX CONCURRENTLY i"));
  CHECK(!outside("ANALYZE t"));
  CHECK(!outside("CREATE INDEX i ON t (a)"));
  CHECK(!outside("DROP INDEX i"));
  // Statements inside a function body are not Flyway's to see.
  ParsedFile body = parse_file(std::make_shared<const SourceFile>(
      "t.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\nDO $$ BEGIN PERFORM 1; END $$;\n"));
  CHECK(flyway_transaction(body, 15) == FlywayTransaction::Mixed);
  ParsedFile only = parse_file(std::make_shared<const SourceFile>(
      "t.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;\n"));
  CHECK(flyway_transaction(only, 15) == FlywayTransaction::Outside);
}

TEST_CASE("metadata beside the SQL: Sourcegraph's createIndexConcurrently runs the up script outside a transaction",
          "[layouts][cli]") {
  MigrationSet set = fixture_set("sourcegraph-metadata");
  REQUIRE(set.migrations.size() == 2);
  CHECK(set.migrations[0].transaction);
  CHECK(!set.migrations[1].transaction);
  CHECK(set.migrations[1].down_transaction);  // Sourcegraph runs down scripts in a transaction
  auto doc = check_json("fixtures/layouts/sourcegraph-metadata");
  const auto& up = file_in(doc, "1528395954/up.sql");
  CHECK(!reported(up, "forbidden-in-transaction"));
  CHECK(up["statements"][0]["effects"]["held_until"] == "statement");
  // Without the metadata (the corpus copied only .sql files) the migrator wraps it: it would fail.
  fs::path d = fs::temp_directory_path() / ("migrasafe-sg-" + std::to_string(::getpid()));
  fs::create_directories(d / "1528395954");
  fs::copy_file(fs::path(testing::source_dir()) / "fixtures/layouts/sourcegraph-metadata/frontend/1528395954/up.sql",
                d / "1528395954/up.sql");
  auto without = check_json("'" + d.string() + "'");
  fs::remove_all(d);
  CHECK(reported_at(file_in(without, "1528395954/up.sql"), 1, "forbidden-in-transaction"));
}

TEST_CASE("a schema dump is not applied history: migrasafe.sum leaves it out, rewriting it is no edit", "[layouts][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-dump-sum-" + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "001_orders.sql") << "CREATE TABLE orders (id bigint PRIMARY KEY);\n";
  fs::copy_file(fs::path(testing::source_dir()) / "fixtures/layouts/schema-dump/db/schema.sql", d / "structure.sql");
  MigrationSet set = build_migration_set({{(d / "structure.sql").string()}, {(d / "001_orders.sql").string()}});
  REQUIRE(set.migrations.size() == 2);
  CHECK(file_of(set.migrations[1].up) == "structure.sql");
  CHECK(set.migrations[1].snapshot);
  CHECK(!set.migrations[0].snapshot);
  CHECK(testing::run_cli("lock '" + d.string() + "' >/dev/null").exit_code == 0);
  std::string sum = testing::read_file(d / "migrasafe.sum");
  CHECK(sum.find("001_orders.sql") != std::string::npos);
  CHECK(sum.find("structure.sql") == std::string::npos);
  std::ofstream(d / "structure.sql", std::ios::app) << "CREATE TABLE public.notes (id bigint NOT NULL);\n";
  auto doc = check_json("'" + d.string() + "'");
  fs::remove_all(d);
  const auto& dump = file_in(doc, "structure.sql");
  REQUIRE(dump["findings"].size() == 1);
  CHECK(dump["findings"][0]["rule"] == "schema-dump");
}

TEST_CASE("tern's disable-tx comment runs a directory-pair script outside a transaction", "[layouts]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-tern-" + std::to_string(::getpid()));
  fs::create_directories(d / "001_orders");
  fs::create_directories(d / "002_orders_idx");
  std::ofstream(d / "001_orders/up.sql") << "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n";
  std::ofstream(d / "001_orders/down.sql") << "DROP TABLE orders;\n";
  std::ofstream(d / "002_orders_idx/up.sql")
      << "---- tern: disable-tx ----\r\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n";
  std::ofstream(d / "002_orders_idx/down.sql") << "DROP INDEX orders_customer_idx;\n";
  std::vector<InputError> errors;
  MigrationSet set = build_migration_set(discover({d.string()}, "", errors));
  auto doc = check_json("'" + d.string() + "'");
  fs::remove_all(d);
  REQUIRE(set.migrations.size() == 2);
  CHECK(set.migrations[0].transaction);
  CHECK(!set.migrations[1].transaction);
  CHECK(set.migrations[1].down_transaction);
  CHECK(!reported(file_in(doc, "002_orders_idx/up.sql"), "forbidden-in-transaction"));
}

TEST_CASE("a versioned schema dump (a squashed baseline) keeps its place and seeds the migrations after it",
          "[layouts][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-baseline-" + std::to_string(::getpid()));
  fs::create_directories(d);
  fs::copy_file(fs::path(testing::source_dir()) / "fixtures/layouts/schema-dump/db/schema.sql", d / "V1__baseline.sql");
  std::ofstream(d / "V2__narrow_customer.sql") << "ALTER TABLE public.orders ALTER COLUMN customer_id TYPE integer;\n";
  std::vector<InputError> errors;
  MigrationSet set = build_migration_set(discover({d.string()}, "", errors));
  auto doc = check_json("'" + d.string() + "'");
  fs::remove_all(d);
  REQUIRE(set.migrations.size() == 2);
  CHECK(file_of(set.migrations[0].up) == "V1__baseline.sql");
  CHECK(!set.migrations[0].snapshot);  // applied history: recorded by migrasafe lock like any migration
  const auto& baseline = file_in(doc, "V1__baseline.sql");
  REQUIRE(baseline["findings"].size() == 1);
  CHECK(baseline["findings"][0]["rule"] == "schema-dump");
  const auto& narrow = file_in(doc, "V2__narrow_customer.sql");
  CHECK(narrow["statements"][0]["effects"]["rewrite"] == "yes");
  CHECK(reported_at(narrow, 1, "alter-column-type"));
}

TEST_CASE("a numbered directory of scripts numbered 1..N is one step: what one creates is new in the next", "[layouts]") {
  // Zitadel's setup steps: setup/14/01_*.sql ... run in order as one step.
  fs::path d = testing::fresh_dir("layouts", "steps");
  auto project = [&](const std::string& name, const std::string& dir, const std::string& second) {
    testing::write_file(d / name / "05.sql", "CREATE TABLE events (id bigint, kind text);\n");
    testing::write_file(d / name / dir / "01_create.sql", "CREATE TABLE events2 AS SELECT id, kind FROM events;\n");
    testing::write_file(d / name / dir / second, "ALTER TABLE events2 ALTER COLUMN kind SET NOT NULL;\n");
    return file_in(check_json("'" + (d / name).string() + "'"), dir + "/" + second);
  };
  CHECK_FALSE(reported(project("step", "14", "02_constrain.sql"), "set-not-null-scan"));
  // Not numbered 1..N, or not in a numbered directory: separate migrations,
  // and events2 is an existing table in the second.
  CHECK(reported(project("gap", "14", "03_constrain.sql"), "set-not-null-scan"));
  CHECK(reported(project("named", "notes", "02_constrain.sql"), "set-not-null-scan"));
}

TEST_CASE("a path spelt with doubled separators or from inside its directory names the same migrations", "[layouts]") {
  // Planning splits each path on the string (no path objects): the splits must be
  // std::filesystem's, for every spelling a shell or a file list can give.
  auto plan = [](const std::string& cwd, const std::vector<std::string>& paths) {
    fs::path old = fs::current_path();
    fs::current_path(fs::path(testing::source_dir()) / cwd);
    std::vector<InputFile> files;
    for (const std::string& p : paths) files.push_back({p, false});
    MigrationSet set = build_migration_set(files);
    fs::current_path(old);
    std::vector<std::string> out{std::string(layout_name(set.layout))};
    for (const Migration& m : set.migrations)
      out.push_back(m.version + " " + m.name + " " + fs::path(m.up).filename().string() + " " +
                    (m.down ? fs::path(*m.down).filename().string() : "-"));
    return out;
  };
  const std::string golang = "fixtures/layouts/golang-migrate";
  auto clean = plan(".", {golang + "/1_create_users.up.sql", golang + "/1_create_users.down.sql"});
  CHECK(clean.size() == 2);
  CHECK(plan(".", {golang + "//1_create_users.up.sql", golang + "//1_create_users.down.sql"}) == clean);
  CHECK(plan(golang, {"1_create_users.up.sql", "1_create_users.down.sql"}) == clean);
  CHECK(plan(golang, {"./1_create_users.up.sql", ".//1_create_users.down.sql"}) == clean);
  // Migration directories: up.sql named from inside its directory, or through doubled separators.
  const std::string pairs = "fixtures/layouts/dir-pairs";
  std::string first_dir;
  for (const auto& entry : fs::directory_iterator(fs::path(testing::source_dir()) / pairs))
    if (entry.is_directory() && (first_dir.empty() || entry.path().filename().string() < first_dir))
      first_dir = entry.path().filename().string();
  REQUIRE(!first_dir.empty());
  auto in_pairs = plan(".", {pairs + "/" + first_dir + "/up.sql"});
  CHECK(in_pairs.front() == "dir-pairs");
  CHECK(plan(".", {pairs + "//" + first_dir + "//up.sql"}) == in_pairs);
  CHECK(plan(pairs + "/" + first_dir, {"up.sql"}) == in_pairs);
  CHECK(plan(pairs + "/" + first_dir, {"./up.sql"}) == in_pairs);
}
