// History integrity (sources/history.*): duplicate versions, gaps, versions
// out of order against the git base, migrasafe.sum (`migrasafe lock`) and
// migrations edited since the base; on temporary trees and git repositories.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "parser/sha256.h"
#include "sources/discovery.h"
#include "sources/history.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;
using testing::run_cli;

namespace {

struct Tree {
  fs::path root;
  explicit Tree(const std::string& name) : root(fs::temp_directory_path() / ("migrasafe-history-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~Tree() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
  }
  MigrationSet set(const std::string& dir = "") const {
    std::vector<InputError> errors;
    return build_migration_set(discover({(root / dir).string()}, "", errors));
  }
};

// rule name -> file names it reports (history issues on migration files).
std::multimap<std::string, std::string> issues(const HistoryResult& h) {
  std::multimap<std::string, std::string> out;
  for (const auto& [path, list] : h.by_file)
    for (const HistoryIssue& i : list) out.emplace(std::string(rule_info(i.rule).name), fs::path(path).filename().string());
  return out;
}

// (rule, file) pairs of a `check --format json` report.
std::multimap<std::string, std::string> findings(const std::string& json) {
  std::multimap<std::string, std::string> out;
  auto doc = nlohmann::json::parse(json);
  for (const auto& f : doc["files"])
    for (const auto& d : f["findings"])
      out.emplace(d["rule"].get<std::string>(), fs::path(f["path"].get<std::string>()).filename().string());
  return out;
}

bool has_git() { return std::system("command -v git >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("history: duplicate versions in one set, on every file that has them", "[history]") {
  Tree t("dup");
  t.write("flyway/V1__a.sql", "SELECT 1;\n");
  t.write("flyway/V2__b.sql", "SELECT 1;\n");
  t.write("flyway/V2__c.sql", "SELECT 1;\n");
  t.write("flyway/V1_1__d.sql", "SELECT 1;\n");
  t.write("flyway/R__views.sql", "SELECT 1;\n");
  auto flyway = issues(check_history(t.set("flyway"), {}, nullptr));
  CHECK(flyway == std::multimap<std::string, std::string>{{"duplicate-version", "V2__b.sql"}, {"duplicate-version", "V2__c.sql"}});

  // golang-migrate: same version, different names; up and down of one migration are not duplicates.
  t.write("gm/001_a.up.sql", "SELECT 1;\n");
  t.write("gm/001_a.down.sql", "SELECT 1;\n");
  t.write("gm/001_b.up.sql", "SELECT 1;\n");
  t.write("gm/002_c.up.sql", "SELECT 1;\n");
  auto gm = issues(check_history(t.set("gm"), {}, nullptr));
  CHECK(gm == std::multimap<std::string, std::string>{{"duplicate-version", "001_a.up.sql"}, {"duplicate-version", "001_b.up.sql"}});

  // Plain files follow no tool's versioning: numbered sub-steps are not duplicates.
  t.write("plain/10/10_fill.sql", "SELECT 1;\n");
  t.write("plain/10/10_update.sql", "SELECT 1;\n");
  CHECK(issues(check_history(t.set("plain"), {}, nullptr)).empty());

  // The same version in two directories (two sets) is fine.
  t.write("two/a/001_x.up.sql", "SELECT 1;\n");
  t.write("two/b/001_x.up.sql", "SELECT 1;\n");
  CHECK(issues(check_history(t.set("two"), {}, nullptr)).empty());
}

TEST_CASE("history: gaps only in plain numbered files, not in timestamps or tool layouts", "[history]") {
  Tree t("gap");
  t.write("plain/001_a.sql", "SELECT 1;\n");
  t.write("plain/002_b.sql", "SELECT 1;\n");
  t.write("plain/005_c.sql", "SELECT 1;\n");
  auto plain = check_history(t.set("plain"), {}, nullptr);
  CHECK(issues(plain) == std::multimap<std::string, std::string>{{"version-gap", "005_c.sql"}});
  CHECK_THAT(plain.by_file.begin()->second.front().message, Catch::Contains("3 to 4 is missing"));
  t.write("stamps/20240101120000_a.sql", "SELECT 1;\n");
  t.write("stamps/20240301090000_b.sql", "SELECT 1;\n");
  CHECK(issues(check_history(t.set("stamps"), {}, nullptr)).empty());
  t.write("flyway/V1__a.sql", "SELECT 1;\n");
  t.write("flyway/V5__b.sql", "SELECT 1;\n");
  CHECK(issues(check_history(t.set("flyway"), {}, nullptr)).empty());
  // Opt-in: `check` reports it only when selected.
  std::string plain_dir = "'" + (t.root / "plain").string() + "'";
  CHECK(findings(run_cli("check --format json " + plain_dir).out).empty());
  CHECK(findings(run_cli("check --format json --select version-gap " + plain_dir).out) ==
        std::multimap<std::string, std::string>{{"version-gap", "005_c.sql"}});
}

TEST_CASE("history: migration_hash ignores CRLF and a byte order mark, nothing else", "[history]") {
  CHECK(migration_hash("SELECT 1;\r\nSELECT 2;\r\n") == migration_hash("SELECT 1;\nSELECT 2;\n"));
  CHECK(migration_hash("\xEF\xBB\xBFSELECT 1;\n") == migration_hash("SELECT 1;\n"));
  CHECK(migration_hash("SELECT 1; \n") != migration_hash("SELECT 1;\n"));
  CHECK(migration_hash("SELECT 1;\r") != migration_hash("SELECT 1;\n"));
}

TEST_CASE("history: the migrasafe.sum reader numbers every line once, malformed lines included", "[history]") {
  const std::string hash(64, 'a');
  std::string text = "1 " + hash + " db/1.sql\nnot a sum line\n\n2 " + hash + " db/2.sql\n";
  // Many malformed lines: each message names its line (counting from the top for each was quadratic).
  for (int i = 0; i < 20000; ++i) text += "junk\n";
  text += "total " + hash + "\n";
  std::vector<SumFinding> findings;
  std::vector<SumLine> lines = read_sum_lines(text, findings);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].line == 1);
  CHECK(lines[1].line == 4);
  CHECK(lines[1].path == "db/2.sql");
  CHECK(text.substr(lines[1].begin, lines[1].end - lines[1].begin) == "2 " + hash + " db/2.sql");
  REQUIRE(findings.size() == 20002);  // the malformed lines, then the wrong total
  CHECK_THAT(findings[0].message, Catch::StartsWith("Line 2 of migrasafe.sum is not"));
  CHECK_THAT(findings[20000].message, Catch::StartsWith("Line 20004 of migrasafe.sum is not"));
  CHECK_THAT(findings.back().message, Catch::Contains("total hash of migrasafe.sum does not match"));
}

TEST_CASE("lock: writes migrasafe.sum; check reports edits, vanished files, a tampered sum and new files", "[history][cli]") {
  Tree t("lock");
  t.write("m/V1__create.sql", "CREATE TABLE a (id bigint);\n");
  t.write("m/V2__more.sql", "CREATE TABLE b (id bigint);\r\n");
  t.write("m/R__grants.sql", "GRANT SELECT ON a TO reporting;\n");
  std::string dir = (t.root / "m").string();
  auto lock = run_cli("lock '" + dir + "'");
  CHECK(lock.exit_code == 0);
  CHECK_THAT(lock.out, Catch::Contains("(2 migrations)"));
  std::string sum = testing::read_file(t.root / "m" / kSumFileName);
  CHECK_THAT(sum, Catch::StartsWith("1 " + migration_hash("CREATE TABLE a (id bigint);\n") + " V1__create.sql\n2 "));
  CHECK(sum.find("R__grants") == std::string::npos);  // repeatable migrations are meant to change
  CHECK(sum.substr(sum.rfind("total ")) == "total " + sha256_hex(sum.substr(0, sum.rfind("total "))) + "\n");
  auto clean = run_cli("check --format json '" + dir + "'");
  CHECK(clean.exit_code == 0);
  CHECK(findings(clean.out).empty());

  // Line endings do not count; a repeatable migration may change.
  t.write("m/V2__more.sql", "CREATE TABLE b (id bigint);\n");
  t.write("m/R__grants.sql", "GRANT SELECT ON a, b TO reporting;\n");
  CHECK(findings(run_cli("check --format json '" + dir + "'").out).empty());

  // Edit one migration, delete another, add a new one.
  t.write("m/V1__create.sql", "CREATE TABLE a (id bigint, note text);\n");
  fs::remove(t.root / "m" / "V2__more.sql");
  t.write("m/V3__new.sql", "CREATE TABLE c (id bigint);\n");
  auto changed = run_cli("check --format json '" + dir + "'");
  CHECK(changed.exit_code == 1);
  auto f = findings(changed.out);
  CHECK(f == std::multimap<std::string, std::string>{{"edited-migration", "V1__create.sql"},
                                                     {"vanished-migration", "migrasafe.sum"},
                                                     {"unlocked-migration", "V3__new.sql"}});
  // The vanished migration is reported on its line of the sum file.
  auto doc = nlohmann::json::parse(changed.out);
  for (const auto& file : doc["files"])
    if (fs::path(file["path"].get<std::string>()).filename() == kSumFileName) CHECK(file["findings"][0]["line"] == 2);

  // Hand-edit the sum to silence the edit: its total no longer matches.
  std::string edited = sum;
  std::string old_hash = migration_hash("CREATE TABLE a (id bigint);\n");
  edited.replace(edited.find(old_hash), old_hash.size(), migration_hash("CREATE TABLE a (id bigint, note text);\n"));
  t.write("m/migrasafe.sum", edited);
  f = findings(run_cli("check --format json '" + dir + "'").out);
  CHECK(f.count("sum-file-mismatch") == 1);
  CHECK(f.count("edited-migration") == 0);

  // SARIF: the sum file's findings have locations like any other.
  auto sarif = run_cli("check --format sarif '" + dir + "'");
  CHECK_THAT(sarif.out, Catch::Contains("migrasafe.sum"));

  // Relocking records the present state.
  CHECK(run_cli("lock '" + dir + "'").exit_code == 0);
  CHECK(findings(run_cli("check --format json '" + dir + "'").out).empty());
  CHECK(run_cli("lock '" + (t.root / "nope").string() + "' 2>&1").exit_code == 3);  // a missing path: input
}

TEST_CASE("history with git: out-of-order versions and migrations edited since the base", "[history][git]") {
  if (!has_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Tree t("git");
  std::string git = "cd '" + t.root.string() + "' && git -c user.email=t@t -c user.name=t ";
  t.write("db/20240101000000_a.up.sql", "CREATE TABLE a (id bigint);\n");
  t.write("db/20240101000000_a.down.sql", "DROP TABLE a;\n");
  t.write("db/20240301000000_b.up.sql", "CREATE TABLE b (id bigint);\n");
  t.write("db/20240301000000_b.down.sql", "DROP TABLE b;\n");
  REQUIRE(std::system((git + "init -q -b main && " + git + "add . && " + git + "commit -qm init").c_str()) == 0);
  REQUIRE(std::system((git + "checkout -qb feature").c_str()) == 0);
  t.write("db/20240201000000_old.up.sql", "CREATE TABLE c (id bigint);\n");  // older than b: out of order
  t.write("db/20240201000000_old.down.sql", "DROP TABLE c;\n");
  t.write("db/20240401000000_new.up.sql", "CREATE TABLE d (id bigint);\n");  // fine
  t.write("db/20240401000000_new.down.sql", "DROP TABLE d;\n");
  t.write("db/20240101000000_a.up.sql", "CREATE TABLE a (id bigint, note text);\n");  // edited history
  t.write("db/20240301000000_b.down.sql", "DROP TABLE IF EXISTS b;\n");    // a down script may be fixed
  auto r = run_cli("check --format json --select edited-migration,version-out-of-order,duplicate-version --changed-since main db", t.root.string());
  CHECK(r.exit_code == 1);
  CHECK(findings(r.out) == std::multimap<std::string, std::string>{{"edited-migration", "20240101000000_a.up.sql"},
                                                                   {"version-out-of-order", "20240201000000_old.up.sql"}});
  CHECK_THAT(r.out, Catch::Contains("golang-migrate records only the latest version"));
}
