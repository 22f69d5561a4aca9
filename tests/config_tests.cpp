// The configuration file (.migrasafe.toml): discovery, every key's effect on
// a run, the command line on top, error messages, and `migrasafe init`.
#include <catch2/catch.hpp>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "sources/discovery.h"
#include "support.h"

using testing::run_cli;
using namespace migrasafe;
namespace fs = std::filesystem;

namespace {

// A fresh project directory per test case.
fs::path project(const std::string& name) { return testing::fresh_dir("config", name); }
void write(const fs::path& p, const std::string& s) { testing::write_file(p, s); }

// Findings of a JSON run: "path-suffix rule severity" per finding.
std::vector<std::string> findings(const testing::Run& r) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["files"]) {
    std::string path = fs::path(f["path"].get<std::string>()).filename().string();
    for (const auto& d : f["findings"])
      out.push_back(path + " " + d["rule"].get<std::string>() + " " + d["severity"].get<std::string>());
  }
  return out;
}

std::string message_of(const testing::Run& r, const std::string& rule) {
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["files"])
    for (const auto& d : f["findings"])
      if (d["rule"] == rule) return d["message"].get<std::string>();
  return "";
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("config: found by walking up from a subdirectory; migrations are the default paths", "[config]") {
  fs::path d = project("discovery");
  write(d / ".migrasafe.toml", "migrations = [\"db\"]\nformat = \"json\"\n");
  write(d / "db/001_drop.sql", "DROP TABLE t;\n");
  write(d / "src/app/deep/readme.txt", "");
  fs::path deep = d / "src/app/deep";

  auto found = find_config(deep);
  REQUIRE(found);
  CHECK(fs::equivalent(*found, d / ".migrasafe.toml"));

  auto r = run_cli("check --select drop-table", deep.string());
  CHECK(r.exit_code == 1);
  CHECK(findings(r) == V{"001_drop.sql drop-table error"});
  CHECK_THAT(r.out, Catch::Contains("../../../db/001_drop.sql"));  // shown relative to the working directory

  // explain uses the same migrations (and ignores `format`, which is check's).
  auto e = run_cli("explain", deep.string());
  CHECK(e.exit_code == 0);
  CHECK_THAT(e.out, Catch::Contains("DROP TABLE t"));

  // Without a configuration file and without paths: a usage error.
  fs::path bare = project("bare");
  if (!find_config(bare)) {
    auto none = run_cli("check 2>&1", bare.string());
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.out, Catch::Contains("no paths given"));
  }
}

TEST_CASE("config: --config names the file; a missing one is an error", "[config]") {
  fs::path d = project("explicit");
  write(d / "conf/team.toml", "migrations = [\"../db\"]\n[rules]\nignore = [\"drop-table\"]\n");
  write(d / "db/001.sql", "DROP TABLE t; ALTER TABLE u DROP COLUMN c;\n");
  auto r = run_cli("check --format json --config conf/team.toml --ignore missing-lock-timeout", d.string());
  CHECK(findings(r) == V{"001.sql drop-column error"});

  auto missing = run_cli("check --config nope.toml db 2>&1", d.string());
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.out, Catch::Contains("nope.toml") && Catch::Contains("does not exist"));
  auto explain_missing = run_cli("explain --config nope.toml db 2>&1", d.string());
  CHECK(explain_missing.exit_code == 2);
}

TEST_CASE("config: [rules] select/ignore and [rules.severity] re-level or turn rules off", "[config]") {
  fs::path d = project("severity");
  write(d / "db/001.sql",
        "SET lock_timeout = '2s';\nALTER TABLE t RENAME COLUMN a TO b;\nTRUNCATE t;\n\\set x 1\nDELETE FROM t;\n");
  write(d / ".migrasafe.toml",
        "[rules]\nignore = [\"MS406\"]\n[rules.severity]\nrename-column = \"error\"\ntruncate-table = \"note\"\n"
        "skipped-content = \"off\"\n");
  auto r = run_cli("check --format json db", d.string());
  CHECK(findings(r) == V{"001.sql rename-column error", "001.sql truncate-table note"});
  CHECK(r.exit_code == 1);

  // select in the file; squawk aliases name rules too.
  write(d / ".migrasafe.toml", "[rules]\nselect = [\"renaming-column\"]\n");
  CHECK(findings(run_cli("check --format json db", d.string())) == V{"001.sql rename-column warning"});
}

TEST_CASE("config: [[overrides]] apply to the files their globs match", "[config]") {
  fs::path d = project("overrides");
  std::string drop = "ALTER TABLE t DROP COLUMN c;\n";
  write(d / "db/001.sql", drop);
  write(d / "db/legacy/002.sql", drop);
  write(d / "db/legacy/old/003.sql", drop);
  write(d / "db/004.sql", "ALTER TABLE t ADD COLUMN d int DEFAULT 0;\n");
  write(d / ".migrasafe.toml",
        "migrations = [\"db\"]\n[rules]\nselect = [\"drop-column\", \"add-column-volatile-default\"]\n"
        "[[overrides]]\npaths = [\"db/legacy/**\"]\nseverity = { drop-column = \"warning\" }\n"
        "[[overrides]]\npaths = [\"db/legacy/old\"]\nignore = [\"drop-column\"]\n"
        "[[overrides]]\npaths = [\"db/00[4-9].sql\"]\npg_version = 10\n");
  auto r = run_cli("check --format json", d.string());
  // 003 is under db/legacy/old (a directory covers its files); 004 runs as PostgreSQL 10,
  // where a constant default still rewrites the table.
  CHECK(findings(r) == V{"001.sql drop-column error", "004.sql add-column-volatile-default warning",
                         "002.sql drop-column warning"});

  // The glob translation.
  auto full = [](const std::string& glob, const std::string& path) {
    return RE2::FullMatch(path, RE2(glob_to_regex(glob)));
  };
  CHECK(full("db/**/*.sql", "db/a.sql"));
  CHECK(full("db/**/*.sql", "db/x/y/a.sql"));
  CHECK_FALSE(full("db/*.sql", "db/x/a.sql"));
  CHECK(full("db/**", "db/x/a.sql"));
  CHECK(full("**/*.down.sql", "a/b/1.down.sql"));
  CHECK(full("./db/?.sql", "db/a.sql"));
  CHECK(full("db/{up,down}.sql", "db/down.sql"));
  CHECK_FALSE(full("db/[!a]*.sql", "db/a1.sql"));
  CHECK(full("db/a+b(1).sql", "db/a+b(1).sql"));
}

TEST_CASE("config: hot_tables raise findings on statements that lock them", "[config]") {
  fs::path d = project("hot");
  write(d / "db/001.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX orders_a_idx ON orders (a);\nCREATE INDEX users_a_idx ON app.users (a);\n"
        "CREATE INDEX items_a_idx ON items (a);\n");
  write(d / ".migrasafe.toml", "hot_tables = [\"public.orders\", \"Users\"]\n");
  auto r = run_cli("check --format json --select create-index-non-concurrently db", d.string());
  CHECK(findings(r) == V{"001.sql create-index-non-concurrently error", "001.sql create-index-non-concurrently error",
                         "001.sql create-index-non-concurrently warning"});
  CHECK_THAT(message_of(r, "create-index-non-concurrently"), Catch::EndsWith("(`public.orders` is listed in hot_tables)"));

  // A note goes to warning; re-levelled severity is raised from its new level.
  write(d / ".migrasafe.toml",
        "hot_tables = [\"orders\"]\n[rules.severity]\ncreate-index-non-concurrently = \"note\"\n");
  CHECK(findings(run_cli("check --format json --select create-index-non-concurrently db", d.string())) ==
        V{"001.sql create-index-non-concurrently warning", "001.sql create-index-non-concurrently note",
          "001.sql create-index-non-concurrently note"});
}

TEST_CASE("config: max_lock_timeout reports a lock_timeout that is too long", "[config]") {
  fs::path d = project("timeout");
  write(d / "db/001.sql", "SET lock_timeout = '1min';\nALTER TABLE orders ADD COLUMN note text;\n");
  write(d / ".migrasafe.toml", "max_lock_timeout = \"5s\"\n");
  auto r = run_cli("check --format json --select missing-lock-timeout db", d.string());
  CHECK(findings(r) == V{"001.sql missing-lock-timeout warning"});
  CHECK_THAT(message_of(r, "missing-lock-timeout"),
             Catch::Contains("lock_timeout = 1min") && Catch::Contains("max_lock_timeout of 5s"));
  // The rule's own table, [rules.missing-lock-timeout], of which the top-level key is an alias.
  write(d / ".migrasafe.toml", "[rules.missing-lock-timeout]\nmax_lock_timeout = \"5s\"\n");
  CHECK(findings(run_cli("check --format json --select missing-lock-timeout db", d.string())) ==
        V{"001.sql missing-lock-timeout warning"});
  write(d / ".migrasafe.toml", "max_lock_timeout = 60000\n");  // a number is milliseconds
  CHECK(findings(run_cli("check --format json --select missing-lock-timeout db", d.string())).empty());
  // Without the key a long timeout is fine.
  fs::remove(d / ".migrasafe.toml");
  CHECK(findings(run_cli("check --format json --select missing-lock-timeout db", d.string())).empty());
}

TEST_CASE("config: max_file_size and --max-file-size: a larger file is an input error naming it", "[config]") {
  fs::path d = project("max-size");
  std::string big = "-- padding\n";
  while (big.size() < 2000) big += "SELECT 1;\n";
  write(d / "db/001_big.sql", big);
  write(d / "db/002_small.sql", "DROP TABLE t;\n");
  auto over = run_cli("check --format json --select drop-table --max-file-size 1kB db 2>/dev/null", d.string());
  CHECK(over.exit_code == 3);  // unreadable input, while the other file is still analysed
  CHECK(findings(over) == V{"002_small.sql drop-table error"});
  auto said = run_cli("check --max-file-size 1kB db/001_big.sql 2>&1", d.string());
  CHECK(said.exit_code == 3);
  CHECK_THAT(said.out, Catch::Contains("db/001_big.sql: error: cannot analyse: the file is " + std::to_string(big.size()) +
                                       " bytes, over the largest size migrasafe reads (1kB)") &&
                           Catch::Contains("--max-file-size"));
  // Stdin is read no further than the limit.
  auto piped = run_cli("check --max-file-size 1kB - < db/001_big.sql 2>&1", d.string());
  CHECK(piped.exit_code == 3);
  CHECK_THAT(piped.out, Catch::Contains("the file is more than 1kB"));
  CHECK(run_cli("check --max-file-size 3000 db/001_big.sql", d.string()).exit_code == 0);
  // The configuration key, under the command line.
  write(d / ".migrasafe.toml", "max_file_size = \"1kB\"\n");
  CHECK(run_cli("check db/001_big.sql", d.string()).exit_code == 3);
  CHECK(run_cli("check --max-file-size 1MB db/001_big.sql", d.string()).exit_code == 0);
  write(d / ".migrasafe.toml", "max_file_size = 4096\n");
  CHECK(run_cli("check db/001_big.sql", d.string()).exit_code == 0);
  // Sizes that are not sizes are usage errors.
  write(d / ".migrasafe.toml", "\nmax_file_size = \"64 parsecs\"\n");
  auto bad = run_cli("check db/001_big.sql 2>&1", d.string());
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.out, Catch::Contains(".migrasafe.toml:2: \"max_file_size\" must be a positive size"));
  fs::remove(d / ".migrasafe.toml");
  for (const char* v : {"0", "12XB", "-5", "99999999999999999999"})
    CHECK(run_cli(std::string("check --max-file-size ") + v + " db/001_big.sql", d.string()).exit_code == 2);
}

TEST_CASE("config: [naming] patterns drive naming-convention", "[config]") {
  fs::path d = project("naming");
  write(d / "db/001.sql", "CREATE TABLE \"OrderItems\" (id bigint, total_cents bigint);\nCREATE INDEX by_total ON \"OrderItems\" (total_cents);\n");
  auto silent = run_cli("check --format json --select naming-convention db", d.string());
  CHECK(findings(silent).empty());
  write(d / ".migrasafe.toml", "[naming]\ntable = \"^[a-z][a-z0-9_]*$\"\nindex = \"_idx$\"\n");
  auto r = run_cli("check --format json --select naming-convention db", d.string());
  CHECK(findings(r) == V{"001.sql naming-convention note", "001.sql naming-convention note"});
  CHECK_THAT(message_of(r, "naming-convention"),
             Catch::Contains("`OrderItems`") && Catch::Contains("[rules.naming-convention] table"));
  // Its own table, [rules.naming-convention], says the same.
  write(d / ".migrasafe.toml", "[rules.naming-convention]\ntable = \"^[a-z][a-z0-9_]*$\"\nindex = \"_idx$\"\n");
  CHECK(findings(run_cli("check --format json --select naming-convention db", d.string())) == findings(r));
}

TEST_CASE("config: a rule's options reach check and explain alike, from any directory", "[config]") {
  fs::path d = project("rule-options");
  write(d / "db/001.sql", "CREATE TABLE \"Orders\" (id bigint);\nSET lock_timeout = '1min';\nALTER TABLE legacy ADD COLUMN note text;\n");
  write(d / ".migrasafe.toml", "[rules.missing-lock-timeout]\nmax_lock_timeout = \"5s\"\n"
                               "[rules.naming-convention]\ntable = \"^[a-z]+$\"\n");
  auto checked = run_cli("check --format json 001.sql", (d / "db").string());
  CHECK(findings(checked) == V{"001.sql naming-convention note", "001.sql missing-lock-timeout warning"});
  CHECK_THAT(message_of(checked, "missing-lock-timeout"), Catch::Contains("max_lock_timeout of 5s"));
  CHECK_THAT(message_of(checked, "naming-convention"), Catch::Contains("`^[a-z]+$`"));
  // explain lists, per statement, the findings check reports on it.
  auto explained = nlohmann::json::parse(run_cli("explain --format json ./001.sql", (d / "db").string()).out);
  const auto& statements = explained["files"][0]["statements"];
  REQUIRE(statements.size() == 3);
  CHECK(statements[0]["findings"] == nlohmann::json::array({"naming-convention"}));
  CHECK(statements[2]["findings"] == nlohmann::json::array({"missing-lock-timeout"}));
  // Without the options neither finding is there: the rules read them, not their defaults.
  fs::remove(d / ".migrasafe.toml");
  CHECK(findings(run_cli("check --format json db/001.sql", d.string())).empty());
}

TEST_CASE("config: the command line overrides the file", "[config]") {
  fs::path d = project("cli");
  write(d / "db/001.sql", "SET lock_timeout = '2s';\nALTER TABLE t DROP COLUMN c;\nALTER TABLE t RENAME TO u;\n");
  write(d / "other/002.sql", "DROP TABLE x;\n");
  write(d / ".migrasafe.toml",
        "migrations = [\"db\"]\nfail_on = \"never\"\nformat = \"json\"\npg_version = 11\n"
        "[rules]\nselect = [\"drop-column\"]\n");
  auto file_only = run_cli("check", d.string());
  CHECK(file_only.exit_code == 0);  // fail_on = "never"
  CHECK(findings(file_only) == V{"001.sql drop-column error"});
  CHECK(run_cli("check --fail-on error", d.string()).exit_code == 1);
  CHECK(findings(run_cli("check --select rename-table", d.string())) == V{"001.sql rename-table warning"});
  CHECK(findings(run_cli("check --ignore drop-column", d.string())).empty());
  CHECK_THAT(run_cli("check --format gcc", d.string()).out, Catch::Contains("001.sql:2:15: error:"));
  // Paths on the command line replace `migrations`.
  CHECK(findings(run_cli("check --select drop-table other", d.string())) == V{"002.sql drop-table error"});
  // pg_version: the file's 11, or --pg-version.
  // A constant default rewrites the table before PostgreSQL 11 only.
  auto rewrite = [&](const std::string& flag) {
    auto j = nlohmann::json::parse(run_cli("explain --format json " + flag, d.string()).out);
    return j["files"][0]["statements"][0]["effects"]["rewrite"].get<std::string>();
  };
  write(d / "db/001.sql", "ALTER TABLE t ADD COLUMN d int DEFAULT 0;\n");
  CHECK(rewrite("") == "no");
  CHECK(rewrite("--pg-version 10") == "yes");
  write(d / ".migrasafe.toml", "migrations = [\"db\"]\npg_version = 10\n");
  CHECK(rewrite("") == "yes");
  CHECK(rewrite("--pg-version 15") == "no");
  // --assume-in-transaction on top of the file.
  write(d / "db/001.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\n");
  write(d / ".migrasafe.toml", "migrations = [\"db\"]\nformat = \"json\"\n");
  CHECK(findings(run_cli("check --select forbidden-in-transaction", d.string())).empty());
  CHECK(findings(run_cli("check --select forbidden-in-transaction --assume-in-transaction", d.string())) ==
        V{"001.sql forbidden-in-transaction error"});
  write(d / ".migrasafe.toml", "migrations = [\"db\"]\nformat = \"json\"\nassume_in_transaction = true\n");
  CHECK(findings(run_cli("check --select forbidden-in-transaction", d.string())) ==
        V{"001.sql forbidden-in-transaction error"});
}

// toml++ 3.3.0 reaches undefined behaviour on some of these (config/toml_subset.h):
// the loader stops them first, with the file, line and column.
TEST_CASE("config: text toml++ mishandles is rejected before it parses", "[config]") {
  auto error_of = [](const std::string& toml) -> std::string {
    try {
      parse_config(toml, "c.toml", "/");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  CHECK(error_of("\xC3\xB6 = 1\n") == "c.toml:1:1: a non-ASCII character outside a string or comment (quote a key that has one)");
  CHECK(error_of("pg_version = 15\n\xD0\xB1 = 2\n").starts_with("c.toml:2:1: a non-ASCII character"));  // Cyrillic
  CHECK(error_of("fail_on =\xCE\xB1\"x\"\n").starts_with("c.toml:1:10: a non-ASCII character"));     // Greek
  CHECK(error_of("fail_on = \"x\" \xC2\xA0\n").starts_with("c.toml:1:15: a non-ASCII character"));   // no-break space
  CHECK(error_of("a = 07:32:00\n").starts_with("c.toml:1:"));
  CHECK_THAT(error_of("a = 1979-05-27T07:3\n"), Catch::Contains("no floats, dates or times"));
  CHECK_THAT(error_of("a = 1.5\n"), Catch::Contains("no floats, dates or times"));
  CHECK(error_of("[a.]\n") == "c.toml:1:4: expected a key (letters, digits, _ and -, or a quoted string)");
  CHECK_THAT(error_of("a.b. = 1\n"), Catch::Contains("expected a key"));
  CHECK_THAT(error_of("a = \"\\uD800\"\n"), Catch::Contains("not a Unicode character"));
  CHECK_THAT(error_of("a = \"\"\"x\"\"\"\n"), Catch::Contains("multi-line strings"));
  CHECK_THAT(error_of("a = [1, 2\n"), Catch::Contains("expected ] or ,"));
  CHECK_THAT(error_of("a = \"x\xFF\"\n"), Catch::Contains("invalid UTF-8"));
  CHECK_THAT(error_of(std::string(100, '[') + "\n"), Catch::Contains("expected a key"));
  CHECK_THAT(error_of("a = " + std::string(100, '[') + "\n"), Catch::Contains("nested too deeply"));
  CHECK_THAT(error_of("a = 12345678901234567890\n"), Catch::Contains("integer too large"));
  // What a configuration uses stays accepted: non-ASCII in strings and
  // comments, quoted and dotted keys, arrays over lines, inline tables, CRLF,
  // a byte order mark.
  CHECK(error_of("\xEF\xBB\xBF# r\xC3\xA9glages\r\npg_version = 15 # \xCE\xB1\r\nhot_tables = [\r\n  \"\xC3\xB6rders\", # x\r\n"
                 "  'users',\r\n]\r\n[rules . severity]\r\n\"drop-table\" = \"note\"\r\n[[overrides]]\r\n"
                 "paths = ['db']\r\nseverity = { rename-table = \"note\" }\r\n") == "(accepted)");
}

TEST_CASE("config: errors name the file, the line and the key; exit code 2", "[config]") {
  fs::path d = project("errors");
  write(d / "db/001.sql", "SELECT 1;\n");
  auto fails = [&](const std::string& toml, const std::string& expected) {
    write(d / ".migrasafe.toml", toml);
    auto r = run_cli("check db 2>&1", d.string());
    INFO(toml);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("migrasafe: error: " + expected));
  };
  fails("pg_version = 15\n\n[rules]\nselect = [\"drop-table\"]\n\n\nfial_on = \"error\"\n",
        ".migrasafe.toml:7: unknown key \"fial_on\" in [rules]");
  fails("pg_versoin = 15\n", ".migrasafe.toml:1: unknown key \"pg_versoin\"");
  fails("pg_version = \"15\"\n", ".migrasafe.toml:1: \"pg_version\" must be an integer from 10 to 19, not a string");
  fails("pg_version = 9\n", ".migrasafe.toml:1: \"pg_version\" must be from 10 to 19, not 9");
  fails("\nassume_in_transaction = \"yes\"\n", ".migrasafe.toml:2: \"assume_in_transaction\" must be true or false");
  fails("fail_on = \"sometimes\"\n", ".migrasafe.toml:1: \"fail_on\" must be one of \"error\", \"warning\"");
  fails("layout = \"rails\"\n", ".migrasafe.toml:1: \"layout\" must be one of \"auto\"");
  fails("migrations = \"db\"\n", ".migrasafe.toml:1: \"migrations\" must be an array of strings, not a string");
  fails("[naming]\ntable = \"^[a-z\"\n", ".migrasafe.toml:2: invalid regular expression in [naming] table");
  fails("[naming]\ntabel = \"x\"\n", ".migrasafe.toml:2: unknown key \"tabel\" in [naming]");
  fails("[rules]\nignore = [\"drop-tabel\"]\n", ".migrasafe.toml:2: unknown rule \"drop-tabel\" in [rules] ignore");
  fails("[rules.severity]\nno-such-rule = \"off\"\n", ".migrasafe.toml:2: unknown rule \"no-such-rule\" in [rules.severity]");
  fails("[rules.severity]\ndrop-table = \"fatal\"\n", ".migrasafe.toml:2: \"drop-table\" must be one of \"error\"");
  fails("[[overrides]]\nignore = [\"drop-table\"]\n", ".migrasafe.toml:1: [[overrides]] needs \"paths\"");
  fails("[[overrides]]\npaths = [\"db\"]\nfail_on = \"never\"\n", ".migrasafe.toml:3: unknown key \"fail_on\" in [[overrides]]");
  fails("max_lock_timeout = \"soon\"\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a positive duration");
  fails("max_lock_timeout = \"1e300s\"\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a positive duration of at most 2147483647ms");
  fails("max_lock_timeout = \"nan\"\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a positive duration");
  fails("max_lock_timeout = \"-5s\"\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a positive duration");
  fails("max_lock_timeout = 2147483648\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a positive duration of at most");
  fails("hot_tables = [\"a.b.c\"]\n", ".migrasafe.toml:1: \"hot_tables\" entries are");
  // [rules.<name>]: only the options the rule takes, each set once.
  fails("[rules.missing-lock-timeout]\nmax_lock_timout = \"5s\"\n",
        ".migrasafe.toml:2: unknown key \"max_lock_timout\" in [rules.missing-lock-timeout] (its options: "
        "max_lock_timeout (a duration))");
  fails("[rules.missing-lock-timeout]\nmax_lock_timeout = \"soon\"\n",
        ".migrasafe.toml:2: \"max_lock_timeout\" must be a positive duration");
  fails("[rules.drop-table]\nforce = true\n", ".migrasafe.toml:2: unknown key \"force\" in [rules.drop-table] (drop-table has no options)");
  fails("[rules.no-such-rule]\nx = 1\n", ".migrasafe.toml:1: unknown rule \"no-such-rule\" in [rules]");
  fails("[rules.naming-convention]\ntabel = \"x\"\n",
        ".migrasafe.toml:2: unknown key \"tabel\" in [rules.naming-convention] (its options: table (a pattern), column "
        "(a pattern), index (a pattern), constraint (a pattern))");
  fails("[naming]\nschema = \"x\"\n", ".migrasafe.toml:2: unknown key \"schema\" in [naming] (its options: table");
  // Each option's type, under its own name and under its alias.
  fails("[rules.missing-lock-timeout]\nmax_lock_timeout = true\n",
        ".migrasafe.toml:2: \"max_lock_timeout\" must be a duration such as \"5s\", \"500ms\" or \"1min\", not a boolean");
  fails("max_lock_timeout = [\"5s\"]\n", ".migrasafe.toml:1: \"max_lock_timeout\" must be a duration such as");
  fails("[rules.missing-lock-timeout]\nmax_lock_timeout = 0\n", ".migrasafe.toml:2: \"max_lock_timeout\" must be a positive duration");
  fails("[rules.naming-convention]\nindex = 5\n", ".migrasafe.toml:2: \"index\" must be a string, not an integer");
  fails("[naming]\ncolumn = false\n", ".migrasafe.toml:2: \"column\" must be a string, not a boolean");
  fails("naming = \"^[a-z]+$\"\n", ".migrasafe.toml:1: \"naming\" must be a table, not a string");
  fails("[rules.naming-convention]\ntable = \"^[a-z\"\n",
        ".migrasafe.toml:2: invalid regular expression in [rules.naming-convention] table");
  fails("max_lock_timeout = \"5s\"\n[rules.missing-lock-timeout]\nmax_lock_timeout = \"1s\"\n",
        ".migrasafe.toml:3: [rules.missing-lock-timeout] max_lock_timeout is set twice");
  fails("[naming]\ntable = \"a\"\n[rules.naming-convention]\ntable = \"b\"\n",
        ".migrasafe.toml:4: [rules.naming-convention] table is set twice");
  // (toml++ hands tables over by name, so [naming] is read first here.)
  fails("[rules.naming-convention]\nindex = \"a\"\n[naming]\nindex = \"b\"\n",
        ".migrasafe.toml:2: [rules.naming-convention] index is set twice");
  fails("[rules.missing-lock-timeout]\nmax_lock_timeout = \"1s\"\nmax_lock_timeout = \"2s\"\n", ".migrasafe.toml:3:");
  fails("pg_version = = 15\n", ".migrasafe.toml:1:");  // toml++ parse error, with line and column

  // An unknown rule on the command line is still reported as before.
  fs::remove(d / ".migrasafe.toml");
  auto cli = run_cli("check --ignore no-such-rule db 2>&1", d.string());
  CHECK(cli.exit_code == 2);
  CHECK_THAT(cli.out, Catch::Contains("unknown rule `no-such-rule`"));
}

TEST_CASE("init writes a starter file that loads, and does not overwrite one", "[config]") {
  fs::path d = project("init");
  auto r = run_cli("init", d.string());
  CHECK(r.exit_code == 0);
  REQUIRE(fs::exists(d / ".migrasafe.toml"));
  std::string text = testing::read_file(d / ".migrasafe.toml");
  CHECK(text == starter_config());
  // Every key is documented in it.
  for (const char* key : {"pg_version", "assume_in_transaction", "fail_on", "format", "migrations", "layout",
                          "hot_tables", "max_lock_timeout", "[snapshot]", "small_table_rows", "[rules]", "select", "ignore", "[rules.severity]",
                          "[rules.missing-lock-timeout]", "[rules.naming-convention]", "table", "column", "index", "constraint",
                          "[[overrides]]", "paths"})
    CHECK_THAT(text, Catch::Contains(key));
  Config c = parse_config(text, ".migrasafe.toml", d);
  CHECK(c.pg_version == 15);
  CHECK(c.fail_on == "warning");
  // The commented-out examples load too.
  std::string uncommented;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos) line = line.substr(2);
    else if (line == "# [[overrides]]") line = "[[overrides]]";
    uncommented += line + "\n";
  }
  CHECK_NOTHROW(parse_config(uncommented, ".migrasafe.toml", d));
  write(d / "db/migrations/001.sql", "SELECT 1;\n");
  CHECK(run_cli("check db/migrations", d.string()).exit_code == 0);

  auto again = run_cli("init 2>&1", d.string());
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.out, Catch::Contains("already exists") && Catch::Contains("--force"));
  write(d / ".migrasafe.toml", "# mine\n");
  CHECK(run_cli("init 2>/dev/null", d.string()).exit_code == 2);
  CHECK(testing::read_file(d / ".migrasafe.toml") == "# mine\n");
  CHECK(run_cli("init --force", d.string()).exit_code == 0);
  CHECK(testing::read_file(d / ".migrasafe.toml") == starter_config());
}

TEST_CASE("one size syntax for --max-file-size and the [snapshot] thresholds", "[config]") {
  CHECK(migrasafe::parse_size("64MB") == 64.0 * 1048576);
  CHECK(migrasafe::parse_size("1.5TB") == 1.5 * 1099511627776.0);
  CHECK(migrasafe::parse_size("512kb") == 512.0 * 1024);
  CHECK(migrasafe::parse_size("100") == 100.0);
  for (const char* bad : {"", "MB", "0", "0MB", "-1MB", "1.2.3MB", "10 MB", "1XB", "1e3", "2000000TB",
                          "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999"})
    CHECK_FALSE(migrasafe::parse_size(bad));
  // --max-file-size takes the same forms, in whole bytes.
  CHECK(migrasafe::parse_file_size("1.5kB") == 1536u);
  CHECK(migrasafe::parse_file_size("1TB") == std::uint64_t{1} << 40);
  CHECK_FALSE(migrasafe::parse_file_size("0.3kB"));
}
