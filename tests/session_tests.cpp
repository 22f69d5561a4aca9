// LintSession (engine/session.h): per-set histories, relint of an unsaved
// buffer with the history before it, and the schema cache relint keeps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "engine/pipeline.h"
#include "engine/session.h"
#include "reporters/registry.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;

namespace {

SessionConfig default_config() { return SessionConfig(Settings(Config{}, CommandLine{})); }

std::size_t count_rule(const FileResult& f, RuleId rule) {
  return static_cast<std::size_t>(
      std::count_if(f.diagnostics.begin(), f.diagnostics.end(), [&](const Diagnostic& d) { return d.rule == rule; }));
}

// "rule@offset: message" for each finding, in the file's order.
std::vector<std::string> findings(const FileResult& f) {
  std::vector<std::string> out;
  for (const Diagnostic& d : f.diagnostics)
    out.push_back(std::string(rule_info(d.rule).name) + "@" + std::to_string(d.begin) + ": " + d.message);
  return out;
}

const FileResult& file_named(const RunResult& run, const fs::path& path) {
  auto it = std::find_if(run.files.begin(), run.files.end(), [&](const FileResult& f) { return f.path == path.string(); });
  REQUIRE(it != run.files.end());
  return *it;
}

// Project a creates `accounts` with email varchar(50); project b widens an
// `accounts.email` of its own, whose type it does not know.
fs::path two_projects() {
  fs::path root = testing::fresh_dir("session", "projects");
  testing::write_file(root / "a/001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n");
  testing::write_file(root / "b/001_widen.sql", "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n");
  return root;
}

// A history of three migrations; the last widens a column the first declared.
fs::path history_dir(const std::string& name) {
  fs::path dir = testing::fresh_dir("session", name);
  testing::write_file(dir / "001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n");
  testing::write_file(dir / "002_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n");
  testing::write_file(dir / "003_widen.sql", "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n");
  return dir;
}

}  // namespace

TEST_CASE("session: each directory named is its own history", "[session]") {
  fs::path root = two_projects();
  // Alone, b does not know accounts.email's type: the change may rewrite the table.
  LintSession alone(default_config());
  RunResult b_only = alone.run({(root / "b").string()});
  CHECK(count_rule(file_named(b_only, root / "b/001_widen.sql"), RuleId::alter_column_type) == 1);
  // Beside a, it must not borrow a's table (varchar(50) -> varchar(100) would look safe).
  LintSession both(default_config());
  RunResult run = both.run({(root / "a").string(), (root / "b").string()});
  REQUIRE(!run.failure);
  CHECK(count_rule(file_named(run, root / "b/001_widen.sql"), RuleId::alter_column_type) == 1);
  // Files named one by one are one history, as a shell glob over one directory expects.
  fs::path dir = history_dir("loose");
  LintSession loose(default_config());
  RunResult files = loose.run({(dir / "001_accounts.sql").string(), (dir / "003_widen.sql").string()});
  CHECK(count_rule(file_named(files, dir / "003_widen.sql"), RuleId::alter_column_type) == 0);
}

TEST_CASE("session: sets replayed side by side each see their own history, in order", "[session]") {
  // Eight projects, each a chain where every migration's findings depend on
  // the one before it (a column widened from the type the previous migration
  // set): the sets replay on several threads at once, each in its order.
  // They differ in length, so the longest, which replays first, is not the first named.
  fs::path root = testing::fresh_dir("session", "parallel-sets");
  std::vector<std::string> dirs;
  for (int p = 0; p < 8; ++p) {
    fs::path dir = root / ("p" + std::to_string(p));
    testing::write_file(dir / "000_t.sql", "CREATE TABLE t (id bigint PRIMARY KEY, c varchar(10));\n");
    for (int m = 1; m <= 6 + p; ++m) {
      // Widening (safe after the previous step) or narrowing (rewrites), by project and step.
      int len = (m + p) % 3 == 0 ? 5 + m : 10 + 10 * m;
      char name[32];
      std::snprintf(name, sizeof name, "%03d_c.sql", m);
      testing::write_file(dir / name, "ALTER TABLE t ALTER COLUMN c TYPE varchar(" + std::to_string(len) + ");\n");
    }
    dirs.push_back(dir.string());
  }
  LintSession together(default_config());
  RunResult all = together.run(dirs);
  REQUIRE(!all.failure);
  std::size_t rewrites = 0;
  for (std::size_t p = 0; p < dirs.size(); ++p) {
    LintSession alone(default_config());
    RunResult one = alone.run({dirs[p]});
    REQUIRE(one.files.size() == 7 + p);  // 000 and 6 + p migrations
    for (const FileResult& f : one.files) {
      INFO(f.path);
      CHECK(findings(file_named(all, f.path)) == findings(f));
      rewrites += count_rule(f, RuleId::alter_column_type);
    }
  }
  CHECK(rewrites > 0);
  CHECK(rewrites < 8 * 6 + 28);  // the widenings are judged safe: each saw the type before it
}

TEST_CASE("session: two project directories on the command line do not share tables", "[session][cli]") {
  fs::path root = two_projects();
  auto r = testing::run_cli("check --format gcc a b", root.string());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("b/001_widen.sql:1:22: warning: changing the type of `accounts.email`") != std::string::npos);
}

TEST_CASE("session: a down script is judged with what its up script did, the up script checked with it or not",
          "[session][cli]") {
  // The down script drops the column its up script added (undoing it: no
  // finding) and one the history had before (data loss). What the up script
  // did is read at parse time, from the up script's parse, or from its file
  // on disk when only the down script is named.
  fs::path d = testing::fresh_dir("session", "down-undoes-up");
  testing::write_file(d / "0_u.up.sql", "CREATE TABLE u (id int PRIMARY KEY, keep int);\n");
  testing::write_file(d / "0_u.down.sql", "DROP TABLE u;\n");
  testing::write_file(d / "1_a.up.sql", "ALTER TABLE u ADD COLUMN added int;\n");
  testing::write_file(d / "1_a.down.sql",
                      "SET lock_timeout = '1s';\nALTER TABLE u DROP COLUMN added;\nALTER TABLE u DROP COLUMN keep;\n");
  for (const std::string& paths : {std::string("."), std::string("./1_a.down.sql")}) {
    INFO(paths);
    auto r = testing::run_cli("check --format gcc " + paths, d.string());
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("1_a.down.sql:3:15: error") != std::string::npos);  // keep: its data is lost
    CHECK(r.out.find("1_a.down.sql:2:") == std::string::npos);         // added: the up script's own column
  }
}

TEST_CASE("session: relint judges the unsaved text with the history before it", "[session]") {
  fs::path dir = history_dir("relint");
  LintSession session(default_config());
  RunResult run = session.run({dir.string()});
  REQUIRE(!run.failure);
  // The disk copy widens a varchar the history declared: no rewrite.
  CHECK(count_rule(file_named(run, dir / "003_widen.sql"), RuleId::alter_column_type) == 0);
  std::string path = (dir / "003_widen.sql").string();
  FileResult same = session.relint(path, testing::read_file(path));
  CHECK(same.path == path);
  CHECK(count_rule(same, RuleId::alter_column_type) == 0);  // the history was used
  // The buffer, not the disk copy: varchar to integer rewrites the table.
  FileResult edited = session.relint(path, "ALTER TABLE accounts ALTER COLUMN email TYPE integer USING 0;\n");
  CHECK(count_rule(edited, RuleId::alter_column_type) == 1);
  CHECK(edited.parsed.source->text.find("integer") != std::string::npos);
  CHECK(testing::read_file(path).find("integer") == std::string::npos);  // nothing written
}

TEST_CASE("session: a second relint reuses the schema cached at file boundaries", "[session]") {
  fs::path dir = history_dir("cache");
  std::string last = (dir / "003_widen.sql").string(), middle = (dir / "002_orders.sql").string();
  LintSession session(default_config());  // no run: the file's own directory is the history
  session.relint(last, testing::read_file(last));
  CHECK(session.stats().scripts_replayed == 3);  // two earlier migrations, then the file
  CHECK(session.stats().history_reuses == 0);
  FileResult again = session.relint(last, "ALTER TABLE accounts ALTER COLUMN email TYPE integer USING 0;\n");
  CHECK(session.stats().scripts_replayed == 4);  // only the file itself
  CHECK(session.stats().history_reuses == 1);
  CHECK(count_rule(again, RuleId::alter_column_type) == 1);
  // An earlier file: its own boundary is cached too; what follows it is forgotten.
  session.relint(middle, testing::read_file(middle));
  CHECK(session.stats().scripts_replayed == 5);
  CHECK(session.stats().history_reuses == 2);
  session.relint(last, testing::read_file(last));
  CHECK(session.stats().scripts_replayed == 7);  // 002 again (its text may have changed), then 003
}

TEST_CASE("session: free memory goes back to the system after a large run or relint, not a small one", "[session][memory]") {
  // Input of `bytes` bytes or more, whole statements.
  auto sql_of = [](std::size_t bytes) {
    std::string sql;
    for (int i = 0; sql.size() < bytes; ++i) sql += "CREATE TABLE t" + std::to_string(i) + " (id int);\n";
    return sql;
  };
  const std::string small = sql_of(LintSession::kReleaseMemoryAfterBytes / 4);
  const std::string large = sql_of(LintSession::kReleaseMemoryAfterBytes);
  for (const std::string* sql : {&small, &large}) {
    SessionConfig config = default_config();
    config.stdin_text = *sql;
    LintSession session(std::move(config));
    RunResult run = session.run({"-"});
    REQUIRE(run.files.size() == 1);
    CHECK(session.stats().memory_releases == (sql == &large ? 1u : 0u));
  }
  // An editor's relints: a small buffer's none, a large buffer's each.
  fs::path dir = history_dir("release");
  std::string path = (dir / "003_widen.sql").string();
  LintSession session(default_config());
  session.relint(path, small);
  session.relint(path, small + "SELECT 1;\n");
  CHECK(session.stats().memory_releases == 0);
  session.relint(path, large);
  CHECK(session.stats().memory_releases == 1);
}

namespace {

// 0010 creates accounts without email; 0020 creates orders; 0030 changes the
// type of accounts.email: a column the history on disk does not know.
fs::path buffers_dir(const std::string& name) {
  fs::path dir = testing::fresh_dir("session", name);
  testing::write_file(dir / "0010_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
  testing::write_file(dir / "0020_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n");
  testing::write_file(dir / "0030_widen.sql", "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n");
  return dir;
}

}  // namespace

TEST_CASE("session: every unsaved buffer of a set stands in for its disk copy", "[session]") {
  fs::path dir = buffers_dir("buffers");
  std::string first = (dir / "0010_accounts.sql").string(), second = (dir / "0020_orders.sql").string(),
              last = (dir / "0030_widen.sql").string();
  LintSession session(default_config());
  // On disk, email's type is unknown: the change may rewrite the table.
  CHECK(count_rule(session.relint(last), RuleId::alter_column_type) == 1);
  // An unsaved edit of the first migration declares email varchar(50): widening it only changes the catalog.
  session.set_buffer(first, "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n");
  CHECK(count_rule(session.relint(last), RuleId::alter_column_type) == 0);
  // A second unsaved buffer of the same set, the migration between them, makes email an integer: a rewrite.
  session.set_buffer(second, "ALTER TABLE accounts ALTER COLUMN email TYPE integer USING 0;\n");
  FileResult both = session.relint(last);
  CHECK(count_rule(both, RuleId::alter_column_type) == 1);
  CHECK(both.parsed.source->text == testing::read_file(last));  // the file itself: its disk copy
  // The whole-set run reads the same buffers.
  RunResult run = session.run({dir.string()});
  REQUIRE(!run.failure);
  CHECK(count_rule(file_named(run, dir / "0030_widen.sql"), RuleId::alter_column_type) == 1);
  CHECK(file_named(run, dir / "0020_orders.sql").parsed.source->text.find("integer") != std::string::npos);
  // Closing a buffer brings the disk copy back.
  session.clear_buffer(second);
  CHECK(count_rule(session.relint(last), RuleId::alter_column_type) == 0);
  session.clear_buffer(first);
  CHECK(count_rule(session.relint(last), RuleId::alter_column_type) == 1);
  CHECK(testing::read_file(first).find("email") == std::string::npos);  // nothing written
}

TEST_CASE("session: a buffer of a file not on disk yet is judged in its set", "[session]") {
  fs::path dir = buffers_dir("new-file");
  std::string added = (dir / "0040_narrow.sql").string();
  LintSession session(default_config());
  session.set_buffer((dir / "0010_accounts.sql").string(),
                     "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n");
  // After 0030 widened email to varchar(100), widening it again only changes the catalog.
  FileResult result = session.relint(added, "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\n");
  CHECK(result.path == added);
  CHECK(count_rule(result, RuleId::alter_column_type) == 0);
  CHECK(session.stats().scripts_replayed == 4);  // three migrations on disk, then the new file
  CHECK(!fs::exists(added));
}

TEST_CASE("session: relint replays from the first migration whose text changed", "[session]") {
  fs::path dir = buffers_dir("invalidation");
  std::string first = (dir / "0010_accounts.sql").string(), second = (dir / "0020_orders.sql").string(),
              last = (dir / "0030_widen.sql").string();
  LintSession session(default_config());
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 3);
  // An edit of the file itself: the history is reused whole.
  session.relint(last, "ALTER TABLE accounts ADD COLUMN email text;\n");
  CHECK(session.stats().scripts_replayed == 4);
  CHECK(session.stats().history_reuses == 1);
  // An unsaved edit of the second migration: the first one's schema is reused.
  session.set_buffer(second, "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n");
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 6);
  // Relinting an earlier file keeps what was cached after it while that is unchanged.
  session.relint(second);
  CHECK(session.stats().scripts_replayed == 7);
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 8);
  // Files on disk (told with files_changed, as an editor's file watcher does): a migration created
  // between two others, then deleted, then an edit of the first one.
  testing::write_file(dir / "0025_items.sql", "CREATE TABLE items (id bigint PRIMARY KEY);\n");
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 9);  // not told yet: the plan is kept
  session.files_changed();
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 11);  // 0025, then 0030
  fs::remove(dir / "0025_items.sql");
  session.files_changed();
  session.relint(last);
  CHECK(session.stats().scripts_replayed == 12);  // 0030 alone: 0010 and 0020 are as cached before 0025
  session.clear_buffer(last);
  CHECK(count_rule(session.relint(last), RuleId::alter_column_type) == 1);  // email's type is unknown
  CHECK(session.stats().scripts_replayed == 13);
  testing::write_file(first, "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n");
  session.files_changed();
  FileResult edited = session.relint(last);
  CHECK(session.stats().scripts_replayed == 16);  // from the first migration
  CHECK(count_rule(edited, RuleId::alter_column_type) == 0);  // the disk's new text was read
}

TEST_CASE("session: a buffer that moves dbmate's sections is planned again", "[session]") {
  fs::path dir = testing::fresh_dir("session", "dbmate-buffer");
  testing::write_file(dir / "001_accounts.sql",
                      "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY, email integer);\n"
                      "-- migrate:down\nDROP TABLE accounts;\n");
  std::string last = (dir / "002_widen.sql").string();
  testing::write_file(last, "-- migrate:up\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n"
                            "-- migrate:down\nALTER TABLE accounts ALTER COLUMN email TYPE integer USING 0;\n");
  LintSession session(default_config());
  FileResult on_disk = session.relint(last);
  CHECK(count_rule(on_disk, RuleId::alter_column_type) >= 1);  // integer -> varchar rewrites the table
  // The buffer's up section starts further down and declares varchar(50): read with the sections of
  // the disk copy, it would create nothing.
  session.set_buffer((dir / "001_accounts.sql").string(),
                     "-- accounts: who signs in\n-- (one row per person)\n\n"
                     "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));\n"
                     "-- migrate:down\nDROP TABLE accounts;\n");
  FileResult edited = session.relint(last);
  CHECK(count_rule(edited, RuleId::alter_column_type) < count_rule(on_disk, RuleId::alter_column_type));
}

TEST_CASE("session: a file directly in the home directory is judged alone, not with the whole tree", "[session]") {
  fs::path home = history_dir("home");
  std::string widen = (home / "003_widen.sql").string();
  const char* saved = std::getenv("HOME");
  std::string previous = saved ? saved : "";
  setenv("HOME", home.c_str(), 1);
  LintSession alone(default_config());
  alone.relint(widen, "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n");
  CHECK(alone.stats().scripts_replayed == 1);
  setenv("HOME", (home / "elsewhere").c_str(), 1);
  LintSession in_set(default_config());
  in_set.relint(widen, "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\n");
  CHECK(in_set.stats().scripts_replayed == 3);
  if (saved) setenv("HOME", previous.c_str(), 1); else unsetenv("HOME");
}

TEST_CASE("session: relint of a later script of a multi-script step counts what the earlier ones created as new",
          "[session][layouts]") {
  // Zitadel's numbered step: 14/01 creates events2, 14/02 constrains it. The
  // step's state travels with the set's history (SetHistory), cached or not.
  fs::path dir = testing::fresh_dir("session", "step");
  testing::write_file(dir / "05.sql", "CREATE TABLE events (id bigint, kind text);\n");
  testing::write_file(dir / "14/01_create.sql", "CREATE TABLE events2 AS SELECT id, kind FROM events;\n");
  std::string second = (dir / "14/02_constrain.sql").string();
  testing::write_file(second, "ALTER TABLE events2 ALTER COLUMN kind SET NOT NULL;\n");
  LintSession session(default_config());
  RunResult run = session.run({dir.string()});
  REQUIRE(!run.failure);
  CHECK(count_rule(file_named(run, second), RuleId::set_not_null_scan) == 0);
  CHECK(count_rule(session.relint(second, testing::read_file(second)), RuleId::set_not_null_scan) == 0);
  // Again, from the cached history before the step's second script.
  FileResult again = session.relint(second, "ALTER TABLE events2 ALTER COLUMN id SET NOT NULL;\n");
  CHECK(session.stats().history_reuses >= 1);
  CHECK(count_rule(again, RuleId::set_not_null_scan) == 0);
  // A table the step did not create is an existing one.
  FileResult other = session.relint(second, "ALTER TABLE events ALTER COLUMN kind SET NOT NULL;\n");
  CHECK(count_rule(other, RuleId::set_not_null_scan) == 1);
}

TEST_CASE("session: results that keep only what the reports read give the same reports", "[session][report]") {
  // Liquibase files hold several migrations (results merged across units),
  // dbmate files two sections, the rule fixtures every kind of finding and fix.
  for (const char* dir : {"fixtures/rules", "fixtures/layouts/liquibase", "fixtures/layouts/dbmate",
                          "fixtures/layouts/dir-pairs", "fixtures/layouts/sqitch"}) {
    CAPTURE(dir);
    std::vector<std::string> paths = {(fs::path(testing::source_dir()) / dir).string()};
    LintSession full(default_config());
    RunResult kept = full.run(paths);
    SessionConfig lean_config = default_config();
    lean_config.keep_full_results = false;
    LintSession lean(std::move(lean_config));
    RunResult trimmed = lean.run(paths);
    REQUIRE(kept.files.size() == trimmed.files.size());
    bool any_tokens = false;
    for (std::size_t i = 0; i < kept.files.size(); ++i) {
      any_tokens = any_tokens || !kept.files[i].parsed.tokens.empty();
      CHECK(trimmed.files[i].parsed.tokens.empty());
      kept.files[i].seconds = trimmed.files[i].seconds = 0;  // JUnit's times
    }
    CHECK(any_tokens);
    for (Format format : {Format::Text, Format::Json, Format::Github, Format::Gcc, Format::Markdown, Format::Junit}) {
      REQUIRE(!reads_fingerprints(format));
      for (bool explain : {false, true}) {
        CAPTURE(format_name(format), explain);
        ReportOptions options;
        options.fail_on = Severity::Warning;
        options.explain = explain;
        std::ostringstream a, b;
        write_report(a, format, kept, options);
        write_report(b, format, trimmed, options);
        CHECK(a.str() == b.str());
      }
    }
  }
}

TEST_CASE("plan: the sets planned side by side are the sets planned one by one, in the order named", "[session]") {
  // Directories of different layouts, more of them than cores: plan_run plans them on several threads.
  fs::path root = testing::fresh_dir("session", "planned-sets");
  std::vector<std::string> dirs;
  for (int copy = 0; copy < 3; ++copy) {
    std::string n = std::to_string(copy);
    testing::write_file(root / ("golang" + n) / "001_a.up.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / ("golang" + n) / "001_a.down.sql", "DROP TABLE a;\n");
    testing::write_file(root / ("golang" + n) / "002_b.up.sql", "CREATE TABLE b (id int);\n");
    testing::write_file(root / ("flyway" + n) / "V1__a.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / ("flyway" + n) / "V2__b.sql", "CREATE TABLE b (id int);\n");
    testing::write_file(root / ("flyway" + n) / "U2__b.sql", "DROP TABLE b;\n");
    testing::write_file(root / ("pairs" + n) / "001_a/up.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / ("pairs" + n) / "001_a/down.sql", "DROP TABLE a;\n");
    testing::write_file(root / ("plain" + n) / "001.sql", "CREATE TABLE a (id int);\n");
    for (const char* layout : {"golang", "flyway", "pairs", "plain"}) dirs.push_back((root / (layout + n)).string());
  }
  auto migrations = [](const MigrationSet& set) {
    std::vector<std::string> out;
    for (const Migration& m : set.migrations) out.push_back(m.up + " | " + m.down.value_or("") + " | " + m.version);
    return out;
  };
  std::vector<InputError> errors;
  std::vector<InputFile> inputs = discover(dirs, "", errors);
  RunPlan all = plan_run(inputs, dirs, std::nullopt, {}, nullptr);
  REQUIRE(all.sets.size() == dirs.size());
  std::size_t units = 0;
  for (std::size_t k = 0; k < dirs.size(); ++k) {
    INFO(dirs[k]);
    std::vector<InputFile> own = discover({dirs[k]}, "", errors);
    RunPlan one = plan_run(own, {dirs[k]}, std::nullopt, {}, nullptr);
    REQUIRE(one.sets.size() == 1);
    CHECK(all.sets[k].layout == one.sets[0].layout);
    CHECK(migrations(all.sets[k]) == migrations(one.sets[0]));
    CHECK(all.histories[k].by_file.size() == one.histories[0].by_file.size());
    units += one.units.size();
  }
  CHECK(errors.empty());
  CHECK(all.units.size() == units);
  CHECK(std::is_sorted(all.units.begin(), all.units.end(), [](const WorkUnit& a, const WorkUnit& b) { return a.set < b.set; }));
  CHECK(all.sets[0].layout == Layout::GolangMigrate);
  CHECK(all.sets[1].layout == Layout::Flyway);
}

TEST_CASE("session: down scripts analysed beside the set's later replays give what relint's one-by-one replay gives",
          "[session][reversal][pipeline]") {
  // run() analyses each down script (and its up script's reversal check)
  // on another thread while the set's later migrations replay, all on
  // copies that share the schema's tables; relint replays one migration at
  // a time. Every up script changes a table earlier ones created and `hub`,
  // which every migration writes, while the earlier down scripts read them.
  fs::path dir = testing::fresh_dir("session", "down-beside");
  constexpr int kMigrations = 200;
  testing::write_file(dir / "0000_hub.up.sql", "CREATE TABLE hub (id bigint PRIMARY KEY, h0 int);\n");
  testing::write_file(dir / "0000_hub.down.sql", "DROP TABLE hub;\n");
  for (int k = 1; k < kMigrations; ++k) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d_step", k);
    const std::string t = "t" + std::to_string(k), prev = k == 1 ? "hub" : "t" + std::to_string(k - 1);
    const std::string c = "c" + std::to_string(k), h = "h" + std::to_string(k);
    testing::write_file(dir / (std::string(stem) + ".up.sql"),
                        "CREATE TABLE " + t + " (id int, note text NOT NULL);\n"
                        "ALTER TABLE " + prev + " ADD COLUMN " + c + " int;\n"
                        "CREATE INDEX " + t + "_" + c + " ON " + prev + " (" + c + ");\n"
                        "ALTER TABLE hub ADD COLUMN " + h + " int;\n"
                        "ALTER TABLE hub ALTER COLUMN h" + std::to_string(k - 1) + " SET NOT NULL;\n");
    // Every third one leaves something behind: a reversal finding.
    std::string down = "ALTER TABLE hub ALTER COLUMN h" + std::to_string(k - 1) + " DROP NOT NULL;\n"
                       "ALTER TABLE hub DROP COLUMN " + h + ";\n"
                       "DROP INDEX " + t + "_" + c + ";\n";
    if (k % 3 != 0) down += "ALTER TABLE " + prev + " DROP COLUMN " + c + ";\n";
    down += "DROP TABLE " + t + ";\n";
    testing::write_file(dir / (std::string(stem) + ".down.sql"), down);
  }
  LintSession together(default_config());
  RunResult run = together.run({dir.string()});
  REQUIRE(!run.failure);
  REQUIRE(run.files.size() == 2 * kMigrations);
  LintSession one_by_one(default_config());
  std::size_t reversal_findings = 0;
  for (const FileResult& f : run.files) {  // in migration order: each relint reuses the history before it
    CAPTURE(f.path);
    CHECK(findings(one_by_one.relint(f.path)) == findings(f));
    reversal_findings += count_rule(f, RuleId::down_does_not_undo_up);
  }
  CHECK(reversal_findings == (kMigrations - 1) / 3);
}

TEST_CASE("pipeline: parse threads run further ahead of a set's replay over small files than over large ones",
          "[session][pipeline]") {
  CHECK(parse_ahead_allowed(0, 0, 0));
  CHECK(parse_ahead_allowed(7, 15, std::size_t{100} << 20));  // a few units, whatever their texts
  CHECK_FALSE(parse_ahead_allowed(8, 8, std::size_t{1} << 20));  // more only while their texts are small
  CHECK_FALSE(parse_ahead_allowed(0, 16, std::size_t{2} << 20));
  CHECK(parse_ahead_allowed(31, 63, std::size_t{64} << 10));
  CHECK_FALSE(parse_ahead_allowed(32, 32, 0));  // and not without bound
  CHECK_FALSE(parse_ahead_allowed(0, 64, 0));
}

TEST_CASE("plan: one set's files and directories looked at on several threads give the set planned on one",
          "[session][layout]") {
  // A file list of many tools' directories is one set: build_migration_set
  // matches its files and builds its groups side by side.
  fs::path root = testing::fresh_dir("session", "set-threads");
  for (int copy = 0; copy < 4; ++copy) {
    const fs::path n = std::to_string(copy);
    testing::write_file(root / "golang" / n / "001_a.up.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / "golang" / n / "001_a.down.sql", "DROP TABLE a;\n");
    testing::write_file(root / "flyway" / n / "V1__a.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / "flyway" / n / "V2__b.sql", "CREATE INDEX CONCURRENTLY i ON a (id);\n");
    testing::write_file(root / "flyway" / n / "V2__b.sql.conf", "executeInTransaction=false\n");
    testing::write_file(root / "pairs" / n / "001_a/up.sql", "---- tern: disable-tx ----\nCREATE TABLE a (id int);\n");
    testing::write_file(root / "pairs" / n / "001_a/down.sql", "DROP TABLE a;\n");
    testing::write_file(root / "pairs" / n / "002_b/up.sql", "CREATE TABLE b (id int);\n");
    testing::write_file(root / "pairs" / n / "002_b/metadata.toml", "run_in_transaction = false\n");
    testing::write_file(root / "dbmate" / n / "20240101_a.sql",
                        "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
    testing::write_file(root / "liquibase" / n / "changelog.sql",
                        "--liquibase formatted sql\n--changeset me:1\nCREATE TABLE a (id int);\n--rollback DROP TABLE a;\n");
    testing::write_file(root / "plain" / n / "structure.sql", "--\n-- PostgreSQL database dump\n--\nCREATE TABLE a (id int);\n");
    testing::write_file(root / "plain" / n / "001_seed.sql", "INSERT INTO a VALUES (1);\n");
    testing::write_file(root / "sqitch" / n / "sqitch.plan", "%project=x\nb 2024-01-01 me\n");
    testing::write_file(root / "sqitch" / n / "deploy/a.sql", "CREATE TABLE a (id int);\n");
    testing::write_file(root / "sqitch" / n / "revert/a.sql", "DROP TABLE a;\n");
  }
  std::vector<InputError> errors;
  std::vector<InputFile> files = discover({root.string()}, "", errors);
  REQUIRE(errors.empty());
  auto described = [](const MigrationSet& set) {
    std::vector<std::string> out{std::string(layout_name(set.layout))};
    for (const auto& [layout, count] : set.files_by_layout) out.push_back(std::string(layout_name(layout)) + " " + std::to_string(count));
    for (const Migration& m : set.migrations)
      out.push_back(std::string(layout_name(m.layout)) + " " + m.up + " | " + m.down.value_or("") + " | " + m.version +
                    " | " + m.name + " | " + m.expected_down + (m.transaction ? " t" : " n") +
                    (m.down_transaction ? " t" : " n") + (m.snapshot ? " snapshot" : "") + (m.up_section ? " section" : ""));
    out.insert(out.end(), set.notes.begin(), set.notes.end());
    return out;
  };
  const std::vector<std::string> one = described(build_migration_set(files, std::nullopt, {}, 1));
  CHECK(one.size() > 40);
  CHECK(std::count_if(one.begin(), one.end(), [](const std::string& l) { return l.ends_with(" snapshot"); }) == 4);
  CHECK(std::count_if(one.begin(), one.end(), [](const std::string& l) { return l.find("not in the plan") != std::string::npos; }) == 4);
  for (unsigned threads : {2u, 3u, 8u}) {
    INFO(threads << " threads");
    CHECK(described(build_migration_set(files, std::nullopt, {}, threads)) == one);
  }
}

TEST_CASE("plan: a file named beside directories goes with the directory that holds it; a directory named like a file is a set",
          "[session]") {
  fs::path root = testing::fresh_dir("session", "named-files-and-dirs");
  testing::write_file(root / "a" / "001_a.up.sql", "CREATE TABLE a (id int);\n");
  testing::write_file(root / "b" / "001_b.up.sql", "CREATE TABLE b (id int);\n");
  testing::write_file(root / "b" / "002_b.up.sql", "CREATE TABLE b2 (id int);\n");
  testing::write_file(root / "odd.sql" / "001_c.up.sql", "CREATE TABLE c (id int);\n");
  testing::write_file(root / "loose.sql", "CREATE TABLE l (id int);\n");
  const std::vector<std::string> paths = {(root / "b" / "002_b.up.sql").string(), (root / "loose.sql").string(),
                                          (root / "a").string(), (root / "b").string(), (root / "odd.sql").string()};
  std::vector<InputError> errors;
  std::vector<InputFile> inputs = discover(paths, "", errors);
  REQUIRE(errors.empty());
  RunPlan plan = plan_run(inputs, paths, std::nullopt, {}, nullptr);
  REQUIRE(plan.sets.size() == 4);  // a, b (with the file named first), odd.sql, the loose file
  auto set_of = [&](const std::string& file) {
    for (const WorkUnit& u : plan.units)
      for (const ScriptRef& s : u.scripts)
        if (inputs[s.input].path.ends_with(file)) return u.set;
    return plan.sets.size();
  };
  CHECK(set_of("/002_b.up.sql") == set_of("/001_b.up.sql"));
  CHECK(set_of("/001_a.up.sql") != set_of("/001_b.up.sql"));
  CHECK(set_of("/001_c.up.sql") != set_of("/loose.sql"));
  CHECK(set_of("/001_c.up.sql") != set_of("/001_a.up.sql"));
  CHECK(plan.sets[set_of("/001_b.up.sql")].migrations.size() == 2);
  CHECK(plan.sets[set_of("/loose.sql")].migrations.size() == 1);
}
