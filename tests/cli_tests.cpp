// The command line as a user (or CI) meets it: exit codes, formats, inputs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "rules/registry.h"
#include "support.h"

using testing::run_cli;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("migrasafe-cli-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}
void write(const fs::path& p, const std::string& s) { testing::write_file(p, s); }
}  // namespace

TEST_CASE("exit codes: 0 clean, 1 findings at --fail-on, 2 usage, 3 unreadable input", "[cli]") {
  fs::path d = temp_dir();
  write(d / "clean.sql", "CREATE TABLE t (id bigint);\n");
  write(d / "warn.sql", "SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\n");
  write(d / "note.sql", "\\set x 1\nSELECT 1;\n");
  write(d / "err.sql", "ALTER TABLE t DROP COLUMN a;\n");
  std::string q = "'" + d.string() + "/";

  CHECK(run_cli("check " + q + "clean.sql'").exit_code == 0);
  CHECK(run_cli("check " + q + "warn.sql'").exit_code == 1);
  CHECK(run_cli("check --fail-on error " + q + "warn.sql'").exit_code == 0);
  CHECK(run_cli("check --fail-on error " + q + "err.sql'").exit_code == 1);
  CHECK(run_cli("check --fail-on never " + q + "err.sql'").exit_code == 0);
  CHECK(run_cli("check " + q + "note.sql'").exit_code == 0);
  CHECK(run_cli("check --fail-on note " + q + "note.sql'").exit_code == 1);

  CHECK(run_cli("check --ignore no-such-rule " + q + "clean.sql' 2>&1").exit_code == 2);
  CHECK(run_cli("check --pg-version 9 " + q + "clean.sql' 2>&1").exit_code == 2);
  CHECK(run_cli("check --format yaml " + q + "clean.sql' 2>&1").exit_code == 2);
  CHECK(run_cli("check --no-such-flag " + q + "clean.sql' 2>&1").exit_code == 2);
  CHECK(run_cli("check 2>&1").exit_code == 2);
  CHECK(run_cli("2>&1").exit_code == 2);

  auto missing = run_cli("check " + q + "missing.sql' 2>&1");
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.out, Catch::Contains("missing.sql") && Catch::Contains("no such file"));
  // Unreadable input wins over findings, and the readable files are still reported.
  auto mixed = run_cli("check " + q + "err.sql' " + q + "missing.sql' 2>&1");
  CHECK(mixed.exit_code == 3);
  CHECK_THAT(mixed.out, Catch::Contains("drop-column"));
}

TEST_CASE("bad input gets a message naming the file and line, never a crash", "[cli]") {
  fs::path d = temp_dir();
  write(d / "nul.sql", std::string("SELECT 1;\nSELECT\0 2;\n", 21));
  write(d / "latin1.sql", "SELECT 1;\nCOMMENT ON TABLE t IS 'caf\xe9';\n");
  write(d / "empty.sql", "");
  write(d / "emptydir/readme.txt", "no sql here");
  auto nul = run_cli("check '" + (d / "nul.sql").string() + "' 2>&1");
  CHECK(nul.exit_code == 3);
  CHECK_THAT(nul.out, Catch::Contains("nul.sql") && Catch::Contains("line 2") && Catch::Contains("NUL"));
  auto latin = run_cli("check '" + (d / "latin1.sql").string() + "' 2>&1");
  CHECK(latin.exit_code == 3);
  CHECK_THAT(latin.out, Catch::Contains("line 2") && Catch::Contains("UTF-8"));
  CHECK(run_cli("check '" + (d / "empty.sql").string() + "'").exit_code == 0);
  auto dir = run_cli("check '" + (d / "emptydir").string() + "' 2>&1");
  CHECK(dir.exit_code == 3);
  CHECK_THAT(dir.out, Catch::Contains("no .sql files"));
  auto glob = run_cli("check '" + d.string() + "/nothing-*.sql' 2>&1");
  CHECK(glob.exit_code == 3);
}

TEST_CASE("paths: directories are searched, globs expand, - reads stdin", "[cli]") {
  fs::path d = temp_dir() / "tree";
  write(d / "a/001_one.sql", "DROP TABLE one;\n");
  write(d / "b/c/002_two.sql", "DROP TABLE two;\n");
  write(d / "b/notes.txt", "DROP TABLE not_sql;\n");
  write(d / ".git/hooks/sample.sql", "DROP TABLE hidden;\n");  // hidden directories are skipped
  auto dir = run_cli("check --format json --select drop-table '" + d.string() + "'");
  auto j = nlohmann::json::parse(dir.out);
  REQUIRE(j["files"].size() == 2);
  CHECK(j["files"][0]["path"].get<std::string>().find("001_one.sql") != std::string::npos);
  CHECK(j["summary"]["findings"] == 2);

  auto glob = run_cli("check --format json '" + d.string() + "/**/*.sql'");
  CHECK(nlohmann::json::parse(glob.out)["files"].size() == 2);

  auto in = run_cli("check --stdin-filename db/003_x.sql - <<< 'ALTER TABLE t DROP COLUMN c;'");
  CHECK(in.exit_code == 1);
  CHECK_THAT(in.out, Catch::Contains("db/003_x.sql:1:15: error[MS401 drop-column]"));
}

TEST_CASE("rule selection accepts names, codes and squawk aliases", "[cli]") {
  std::string sql = " - <<< 'DROP TABLE t; ALTER TABLE u DROP COLUMN c;'";
  auto only = run_cli("check --format json --select drop-column" + sql);
  auto j = nlohmann::json::parse(only.out);
  REQUIRE(j["files"][0]["findings"].size() == 1);
  CHECK(j["files"][0]["findings"][0]["rule"] == "drop-column");
  auto ignored = run_cli("check --format json --ignore ban-drop-column,MS402,missing-lock-timeout" + sql);
  CHECK(nlohmann::json::parse(ignored.out)["files"][0]["findings"].empty());
  CHECK(ignored.exit_code == 0);
}

TEST_CASE("--output writes the report to a file; --version and rules listing", "[cli]") {
  fs::path out = temp_dir() / "report.sarif";
  auto r = run_cli("check --format sarif --output '" + out.string() + "' - <<< 'DROP TABLE t;'");
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  auto sarif = nlohmann::json::parse(testing::read_file(out));
  CHECK(sarif["version"] == "2.1.0");
  CHECK(sarif["runs"][0]["results"].size() == 2);

  auto v = run_cli("--version");
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::StartsWith(std::string("migrasafe ") + MIGRASAFE_VERSION + "\ncommit "));
  CHECK_THAT(v.out, Catch::Contains("\nparses with the PostgreSQL 15 grammar (libpg_query)\n"));
  // The commit is the checkout's (the build records it; a source tree without git says "unknown").
  auto head = run_cli("--version >/dev/null; git rev-parse --short=12 HEAD 2>/dev/null");
  std::string commit = head.exit_code == 0 ? head.out.substr(0, head.out.size() - 1) : "unknown";
  CHECK_THAT(v.out, Catch::Contains("\ncommit " + commit + "\n") || Catch::Contains("\ncommit " + commit + "-modified\n"));
  CHECK(run_cli("check --help").exit_code == 0);
  CHECK(run_cli("rules --help").exit_code == 0);

  auto rules = nlohmann::json::parse(run_cli("rules --format json").out);
  REQUIRE(rules.size() == migrasafe::all_rules().size());
  for (const auto& rule : rules) {
    CHECK(rule.contains("code"));
    CHECK(rule.contains("category"));
    CHECK(rule.contains("severity"));
    CHECK(rule.contains("summary"));
    CHECK(rule["aliases"].is_array());
  }
}

TEST_CASE("a subcommand named first is built alone, and behaves as when every subcommand is built", "[cli]") {
  // `--help NAME` builds them all (its first argument names none); `NAME --help` builds NAME's alone.
  auto top = run_cli("--help");
  std::istringstream lines(top.out.substr(top.out.find("\nSubcommands:\n") + 14));
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line) && line.starts_with("  ");)
    names.push_back(line.substr(2, line.find(' ', 2) - 2));
  REQUIRE(names.size() >= 13);
  for (const std::string& name : names) {
    INFO(name);
    auto alone = run_cli(name + " --help 2>&1");
    CHECK(alone.exit_code == 0);
    CHECK(alone.out == run_cli("--help " + name + " 2>&1").out);
  }
  // A sibling's name after the subcommand is still an argument of it (a path here), and a
  // typo of a name still fails as before.
  auto sibling = run_cli("check --format json explain 2>&1");
  CHECK(sibling.exit_code == 3);
  CHECK_THAT(sibling.out, Catch::Contains("\"path\": \"explain\""));
  CHECK(run_cli("chek x 2>&1").exit_code == 2);
  CHECK_THAT(run_cli("man-page").out, Catch::Contains("lsp"));
}

TEST_CASE("rules: a header line, and fixable rules marked; sources counts in words that agree", "[cli]") {
  auto r = run_cli("rules");
  CHECK(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::string header, line;
  std::getline(lines, header);
  CHECK(std::regex_search(header, std::regex("^code +rule ")));  // columns as wide as the longest code
  CHECK_THAT(header, Catch::Contains("category") && Catch::Contains("severity") && Catch::Contains("fix") &&
                         Catch::Contains("summary"));
  std::size_t fix_column = header.find("fix");
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    const migrasafe::RuleInfo* rule = migrasafe::find_rules(line.substr(0, line.find(' '))).at(0);
    INFO(line);
    CHECK(line.substr(fix_column, 4) == (rule->fixable ? "yes " : "-   "));
  }
  CHECK(rows == migrasafe::all_rules().size());

  fs::path d = temp_dir() / "sources-words";
  write(d / "one/001_a.sql", "SELECT 1;\n");
  auto one = run_cli("sources one", d.string());
  CHECK(one.out.rfind("layout: plain\nmigrations: 1\n", 0) == 0);
  write(d / "pair/1_a.up.sql", "SELECT 1;\n");
  write(d / "pair/1_a.down.sql", "SELECT 1;\n");
  CHECK(run_cli("sources pair", d.string()).out.rfind("layout: golang-migrate\nmigrations: 1 (2 files)\n", 0) == 0);
  write(d / "pair/extra.sql", "SELECT 1;\n");
  CHECK(run_cli("sources pair", d.string()).out.rfind("layout: golang-migrate, mixed (plain 1 file, golang-migrate 2 files)\n"
                                                      "migrations: 2 (3 files)\n", 0) == 0);
}

TEST_CASE("colour only on a terminal and never with NO_COLOR", "[cli]") {
  fs::path d = temp_dir();
  write(d / "x.sql", "DROP TABLE t;\n");
  auto piped = run_cli("check '" + (d / "x.sql").string() + "'");
  CHECK(piped.out.find('\x1b') == std::string::npos);
  // `script` gives the binary a pseudo-terminal. It runs the command with $SHELL, which may be
  // dash on CI machines, so the command avoids bash-only syntax.
  if (std::system("command -v script >/dev/null 2>&1") != 0) return;
  std::string cmd = "SHELL=/bin/sh script -qec \"" + std::string(MIGRASAFE_BINARY) + " check " + (d / "x.sql").string() + "\" /dev/null";
  auto tty = run_cli("--version >/dev/null; " + cmd);
  if (tty.out.find("drop-table") == std::string::npos) {
    WARN("no pseudo-terminal available here; skipping the TTY half: " << tty.out);
    return;
  }
  CHECK(tty.out.find('\x1b') != std::string::npos);
  auto no_color = run_cli("--version >/dev/null; NO_COLOR=1 " + cmd);
  CHECK_THAT(no_color.out, Catch::Contains("drop-table"));
  CHECK(no_color.out.find('\x1b') == std::string::npos);
  // A terminal that cannot show colour, and --color never on a terminal.
  auto dumb = run_cli("--version >/dev/null; TERM=dumb " + cmd);
  CHECK_THAT(dumb.out, Catch::Contains("drop-table"));
  CHECK(dumb.out.find('\x1b') == std::string::npos);
  std::string never = "SHELL=/bin/sh script -qec \"" + std::string(MIGRASAFE_BINARY) + " check --color never " +
                      (d / "x.sql").string() + "\" /dev/null";
  auto never_out = run_cli("--version >/dev/null; " + never);
  CHECK_THAT(never_out.out, Catch::Contains("drop-table"));
  CHECK(never_out.out.find('\x1b') == std::string::npos);
}

TEST_CASE("--color always colours a pipe and a file, --color never and auto do not; bad values exit 2", "[cli]") {
  fs::path d = temp_dir();
  write(d / "x.sql", "DROP TABLE t;\n");
  std::string file = "'" + (d / "x.sql").string() + "'";
  CHECK(run_cli("check --color always " + file).out.find("\x1b[") != std::string::npos);
  CHECK(run_cli("check --color auto " + file).out.find('\x1b') == std::string::npos);
  CHECK(run_cli("check --color never " + file).out.find('\x1b') == std::string::npos);
  run_cli("check --color always -o '" + (d / "report.txt").string() + "' " + file);
  CHECK(testing::read_file(d / "report.txt").find("\x1b[") != std::string::npos);
  CHECK(run_cli("check --color sometimes " + file + " 2>/dev/null").exit_code == 2);
  CHECK_THAT(run_cli("check --help").out, Catch::Contains("--color"));
}

TEST_CASE("pathologically deep statements are noted, not a crash", "[cli]") {
  fs::path d = temp_dir();
  std::string sum = "SELECT 1";
  for (int i = 0; i < 60000; ++i) sum += "+1";
  write(d / "deep.sql", "DROP TABLE t;\n" + sum + ";\nALTER TABLE t ADD COLUMN c int DEFAULT " + std::string(3000, '(') +
                            "random()" + std::string(3000, ')') + ";\n");
  auto r = run_cli("check --format json '" + (d / "deep.sql").string() + "'");
  REQUIRE(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> rules;
  for (const auto& f : j["files"][0]["findings"]) rules.insert(f["rule"]);
  CHECK(rules.count("skipped-content"));               // the deep one, not analysed
  CHECK(rules.count("drop-table"));                    // the statements around it still are
  CHECK(rules.count("add-column-volatile-default"));
}

TEST_CASE("explain: locks, what they block, how long they are held, findings; exit 0", "[cli]") {
  fs::path f = temp_dir() / "explain.sql";
  write(f, "BEGIN;\nALTER TABLE app.orders ADD COLUMN t uuid DEFAULT gen_random_uuid();\nCOMMIT;\n"
           "CREATE INDEX i ON app.orders (t);\n");
  auto text = run_cli("explain '" + f.string() + "'");
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("line 2: ALTER TABLE app.orders ADD COLUMN t uuid DEFAULT gen_random_uuid()"));
  CHECK_THAT(text.out, Catch::Contains("app.orders: AccessExclusiveLock, blocks every read and write"));
  CHECK_THAT(text.out, Catch::Contains("held until the end of the transaction (line 3)"));
  CHECK_THAT(text.out, Catch::Contains("rewrites the table"));
  CHECK_THAT(text.out, Catch::Contains("app.orders: ShareLock, blocks all writes"));
  CHECK_THAT(text.out, Catch::Contains("held until the end of the statement"));

  auto json = run_cli("explain --format json '" + f.string() + "'");
  CHECK(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  const auto& st = j["files"][0]["statements"];
  REQUIRE(st.size() == 4);
  CHECK(st[1]["effects"]["held_until"] == "transaction");
  CHECK(st[1]["effects"]["rewrite"] == "yes");
  CHECK(st[1]["findings"] == nlohmann::json::array({"missing-lock-timeout", "add-column-volatile-default"}));
  CHECK(st[3]["effects"]["held_until"] == "statement");
  CHECK(st[3]["effects"]["locks"][0]["mode"] == "ShareLock");
  // check's JSON carries the same per-statement report.
  auto check = nlohmann::json::parse(run_cli("check --format json '" + f.string() + "'").out);
  CHECK(check["files"][0]["statements"] == j["files"][0]["statements"]);
}

TEST_CASE("explain and check: a consequence no rule reports is marked advisory; the others come with their finding",
          "[cli][consequences]") {
  fs::path d = temp_dir() / "explain-advisory";
  write(d / "1_create.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text DEFAULT '', legacy text);\n");
  write(d / "2_contract.sql", "SET lock_timeout = '2s';\nALTER TABLE orders ALTER COLUMN note DROP DEFAULT;\n"
                              "ALTER TABLE orders DROP COLUMN legacy;\n");
  auto text = run_cli("explain 2_contract.sql", d.string());
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("breaks INSERTs that relied on the default of public.orders.note now store NULL "
                                       "or fail (advisory: check reports no finding)"));
  CHECK_THAT(text.out, Catch::Contains("loses  deletes column public.orders.legacy and its data\n"));
  CHECK_THAT(text.out, Catch::Contains("MS401 drop-column\n"));
  auto check = run_cli("check --format gcc 2_contract.sql", d.string());
  CHECK_THAT(check.out, Catch::Contains("2_contract.sql:3:"));
  CHECK_THAT(check.out, !Catch::Contains("2_contract.sql:2:"));
}

TEST_CASE("explain and check: DROP NOT NULL and a view over a retyped or dropped column are breaks check reports",
          "[cli][consequences]") {
  fs::path d = temp_dir() / "explain-view-null";
  write(d / "1_create.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total integer NOT NULL, note text);\n"
                            "CREATE VIEW order_totals AS SELECT id, total FROM orders;\n");
  write(d / "2_change.sql", "SET lock_timeout = '2s';\nALTER TABLE orders ALTER COLUMN total DROP NOT NULL;\n"
                            "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nDROP TABLE orders CASCADE;\n");
  // The directory: the view comes from the history (a file named alone is judged on its own).
  auto text = run_cli("explain .", d.string());
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("breaks code that expects public.orders.total to be set may read NULL, and once a "
                                       "NULL is stored SET NOT NULL fails\n"));
  CHECK_THAT(text.out, Catch::Contains("breaks the type of public.orders.total cannot change while view "
                                       "public.order_totals reads it: the statement fails\n"));
  CHECK_THAT(text.out, Catch::Contains("breaks CASCADE drops view public.order_totals, which reads public.orders: "
                                       "queries that read the view fail\n"));
  CHECK_THAT(text.out, Catch::Contains("MS505 drop-not-null\n") && Catch::Contains("MS504 breaks-dependent-view\n"));
  auto check = run_cli("check --format gcc --select drop-not-null,breaks-dependent-view .", d.string());
  CHECK_THAT(check.out, Catch::Contains("2_change.sql:2:20: warning: DROP NOT NULL on `orders.total`"));
  CHECK_THAT(check.out, Catch::Contains("2_change.sql:3:20: error: column `orders.total` is read by `order_totals`"));
  CHECK_THAT(check.out, Catch::Contains("2_change.sql:4:1: warning: `orders` is read by `order_totals`: CASCADE drops"));
}

TEST_CASE("explain and check: locks the analysis cannot name are shown as unknown and need a lock_timeout", "[cli]") {
  fs::path d = temp_dir() / "explain-unknown";
  write(d / "1_step.sql", "SELECT app_migrate_step(3);\nCLUSTER;\n");
  auto text = run_cli("explain 1_step.sql", d.string());
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("lock   unknown: calls app_migrate_step(), whose locks migrasafe does not know"));
  CHECK_THAT(text.out, Catch::Contains("lock   unknown: reclusters every table clustered before"));
  CHECK_THAT(text.out, Catch::Contains("cannot run inside a transaction block"));
  auto j = nlohmann::json::parse(run_cli("explain --format json 1_step.sql", d.string()).out);
  CHECK(j["files"][0]["statements"][0]["effects"]["locks_known"] == false);
  CHECK(j["files"][0]["statements"][0]["effects"]["locks_unknown"] ==
        "calls app_migrate_step(), whose locks migrasafe does not know");
  // missing-lock-timeout treats the unknown as blocking; a lock_timeout settles it.
  auto check = run_cli("check --format gcc ./1_step.sql", d.string());
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.out, Catch::Contains("1_step.sql:1:1: warning: This statement may take locks migrasafe cannot name (it calls"));
  write(d / "2_step.sql", "SET lock_timeout = '5s';\nSELECT app_migrate_step(3);\n");
  CHECK_THAT(run_cli("check --format gcc 2_step.sql", d.string()).out, !Catch::Contains("missing-lock-timeout"));
}

TEST_CASE("explain: a COMMIT in the file releases the locks; the rest waits for the end of the file", "[cli]") {
  // golang-migrate sends the file as one query: PostgreSQL runs it as an
  // implicit transaction, which the file's own COMMIT ends.
  fs::path d = temp_dir() / "explain-commit";
  write(d / "1_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nALTER TABLE u ADD COLUMN b int;\nALTER TABLE u ADD COLUMN c int;\n");
  write(d / "1_a.down.sql", "ALTER TABLE u DROP COLUMN c;\n");
  auto r = run_cli("explain ./1_a.up.sql ./1_a.down.sql", d.string());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("public.t: AccessExclusiveLock, blocks every read and write, including plain SELECT; "
                                    "held until the end of the transaction (line 2)"));
  CHECK_THAT(r.out, Catch::Contains("public.u: AccessExclusiveLock, blocks every read and write, including plain SELECT; "
                                    "held until the end of the file (it runs as one implicit transaction)"));
  CHECK_THAT(r.out, !Catch::Contains("runner's COMMIT"));
  // A runner that wraps the file: its COMMIT comes after the file, unless the file commits first.
  write(d / "wrapped.sql", "ALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nALTER TABLE u ADD COLUMN b int;\n");
  auto wrapped = run_cli("explain --assume-in-transaction ./wrapped.sql", d.string());
  CHECK_THAT(wrapped.out, Catch::Contains("public.t: AccessExclusiveLock, blocks every read and write, including plain SELECT; "
                                          "held until the end of the transaction (line 2)"));
  write(d / "wrapped2.sql", "ALTER TABLE t ADD COLUMN a int;\n");
  CHECK_THAT(run_cli("explain --assume-in-transaction ./wrapped2.sql", d.string()).out,
             Catch::Contains("held until the end of the transaction (the runner's COMMIT after the file)"));
}

TEST_CASE("explain shows statements that do not parse, with their error, in file order", "[cli]") {
  fs::path d = temp_dir();
  write(d / "broken.sql", "ALTER TABLE t ADD COLUMN a int;\nSELEC 1;\nDROP TABLE u;\n"
                          "DO $$ BEGIN ALTER TABLE t ADD COLUM b int; END $$;\n");
  auto r = run_cli("explain ./broken.sql", d.string());
  CHECK(r.exit_code == 0);
  auto at = [&](const std::string& s) { return r.out.find(s); };
  REQUIRE(at("line 2: SELEC 1") != std::string::npos);
  CHECK(at("line 1: ALTER TABLE t") < at("line 2: SELEC 1"));
  CHECK(at("line 2: SELEC 1") < at("error  syntax error at or near \"SELEC\" (column 1): not analysed"));
  CHECK(at("error  syntax error at or near \"SELEC\"") < at("line 3: DROP TABLE u"));
  // An error inside a DO block's body is shown under the DO block.
  CHECK(at("line 4: DO $$") < at("error  syntax error at or near \"int\""));
  CHECK(at("error  syntax error at or near \"int\"") != std::string::npos);
}

TEST_CASE("messages: template text, view nouns, array types, the locked statement, no doubled backtick", "[cli]") {
  fs::path d = temp_dir() / "messages";
  write(d / "001_init.sql",
        "CREATE TABLE {{ index .Options \"Namespace\" }}.users (id bigint PRIMARY KEY, aud varchar(255));\n"
        "CREATE TABLE parent (id bigint PRIMARY KEY);\nCREATE TABLE child (id bigint, p bigint REFERENCES parent);\n"
        "CREATE VIEW v AS SELECT 1 AS a;\nCREATE MATERIALIZED VIEW mv AS SELECT 1 AS a;\nCREATE TABLE t (id bigint);\n");
  write(d / "002_change.sql",
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD COLUMN meta json[];\n"
        "ALTER TABLE v RENAME TO w;\nALTER TABLE mv RENAME TO mw;\nRESET lock_timeout;\nDROP TABLE child;\n"
        "CREATE TABLE ts (at timestamp[]);\n");
  write(d / "003_swap.sql",
        "BEGIN;\nSET lock_timeout = '1s';\nALTER TABLE t RENAME TO t_old;\nCREATE TABLE t (id bigint);\n"
        "INSERT INTO t SELECT * FROM t_old;\nCOMMIT;\n");
  auto r = run_cli("check --format json --select all .", d.string());
  REQUIRE(r.exit_code == 1);
  std::map<std::string, std::vector<std::string>> by_rule;
  auto doc = nlohmann::json::parse(r.out);
  for (const auto& f : doc["files"])
    for (const auto& x : f["findings"]) by_rule[x["rule"].get<std::string>()].push_back(x["message"].get<std::string>());
  auto any = [&](const std::string& rule, const std::string& text) {
    for (const auto& m : by_rule[rule])
      if (m.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(any("prefer-text-over-varchar", "of `{{ index .Options \"Namespace\" }}.users` is varchar(255)"));
  CHECK(any("prefer-jsonb", "of `{{ index .Options \"Namespace\" }}.users` is json[]:"));
  CHECK(any("prefer-timestamptz", "is timestamp without time zone[]:"));
  CHECK(r.out.find("_xxx") == std::string::npos);
  CHECK(any("rename-table", "renaming view `v` to `w`"));
  CHECK(any("rename-table", "renaming materialized view `mv` to `mw`"));
  CHECK(any("drop-locks-referenced-table", "dropping `child` also takes"));
  CHECK(r.out.find("``") == std::string::npos);
  CHECK(any("lock-held-across-statements", "holds the ACCESS EXCLUSIVE lock taken at line 3 by `ALTER TABLE t RENAME TO t_old`"));
  CHECK(r.out.find("lock on  taken") == std::string::npos);
}

TEST_CASE("--schema seeds the schema model from a dump", "[cli]") {
  fs::path d = temp_dir();
  write(d / "schema.sql", "SET search_path = '';\nCREATE TABLE public.orders (id integer NOT NULL, note character varying(20));\n");
  write(d / "m.sql", "ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n");
  std::string m = "'" + (d / "m.sql").string() + "'";
  auto without = nlohmann::json::parse(run_cli("check --format json --select alter-column-type " + m).out);
  CHECK(without["files"][0]["findings"].size() == 2);  // unknown types: both may rewrite
  auto with = nlohmann::json::parse(
      run_cli("check --format json --select alter-column-type --schema '" + (d / "schema.sql").string() + "' " + m).out);
  REQUIRE(with["files"][0]["findings"].size() == 1);  // widening varchar is known to be free
  CHECK(with["files"][0]["findings"][0]["line"] == 2);
  CHECK(run_cli("check --schema '" + (d / "missing.sql").string() + "' " + m + " 2>&1").exit_code == 3);
}

TEST_CASE("--select and --ignore take one value each, so paths after them stay paths", "[cli]") {
  fs::path d = temp_dir() / "select";
  fs::create_directories(d);
  write(d / "a.sql", "DROP TABLE t;\nALTER TABLE u DROP COLUMN c;\n");
  auto r = run_cli("check --format json --select drop-table '" + (d / "a.sql").string() + "'");
  REQUIRE(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["files"].size() == 1);
  for (const auto& f : j["files"][0]["findings"]) CHECK(f["rule"] == "drop-table");
  auto ignored = run_cli("check --format json --ignore drop-table,drop-column,missing-lock-timeout '" + (d / "a.sql").string() + "'");
  CHECK(ignored.exit_code == 0);
}

TEST_CASE("rule NAME prints the embedded page; codes and aliases work; unknown names exit 2", "[cli]") {
  for (const migrasafe::RuleInfo& r : migrasafe::all_rules()) {
    auto page = run_cli("rule " + std::string(r.code));
    CHECK(page.exit_code == 0);
    // The binary carries the page exactly as docs/rules/<name>.md has it.
    CHECK(page.out == testing::read_file(fs::path(testing::source_dir()) / "docs/rules" / (std::string(r.name) + ".md")));
  }
  auto alias = run_cli("rule ban-drop-column");
  CHECK(alias.exit_code == 0);
  CHECK_THAT(alias.out, Catch::StartsWith("# drop-column (MS401)"));
  auto unknown = run_cli("rule no-such-rule 2>&1");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.out, Catch::Contains("no-such-rule"));
}

TEST_CASE("--pg-version newer than the grammar: rejected statements are notes and their words count", "[cli][newer-syntax]") {
  fs::path d = temp_dir() / "newer-syntax";
  fs::remove_all(d);
  write(d / "migrations/2024-01-01-000000_init/up.sql", "CREATE TABLE person (id bigint PRIMARY KEY, name text);\n");
  write(d / "migrations/2024-01-01-000000_init/down.sql", "SET lock_timeout = '1s';\nDROP TABLE person;\n");
  write(d / "migrations/2025-01-01-000000_actions/up.sql",
        "SET lock_timeout = '1s';\n"
        "CREATE TABLE person_actions AS SELECT id AS person_id FROM (SELECT id FROM person);\n"
        "ALTER TABLE person_actions ADD COLUMN liked boolean NOT NULL;\n"
        "CREATE INDEX person_actions_idx ON person_actions (person_id);\n"
        "ALTER TABLE person ADD CONSTRAINT person_name_not_null NOT NULL name;\n");
  write(d / "migrations/2025-01-01-000000_actions/down.sql",
        "SET lock_timeout = '1s';\nALTER TABLE person ALTER COLUMN name DROP NOT NULL;\nDROP TABLE person_actions;\n");

  // Rule and severity of every finding, by file name and line.
  auto findings = [&](const std::string& args) {
    auto r = run_cli("check --format json " + args + " .", d.string());
    std::multiset<std::string> out;
    auto report = nlohmann::json::parse(r.out);
    for (const auto& f : report["files"])
      for (const auto& x : f["findings"])
        out.insert(f["path"].get<std::string>().substr(f["path"].get<std::string>().find("0000_")) + ":" +
                   std::to_string(x["line"].get<int>()) + " " + x["rule"].get<std::string>() + " " +
                   x["severity"].get<std::string>());
    return std::pair{r.exit_code, out};
  };
  auto [code18, pg18] = findings("--pg-version 18");
  CHECK(code18 == 1);  // the NOT NULL scan on person is a warning
  CHECK(pg18 == std::multiset<std::string>{
                    "0000_actions/up.sql:2 syntax-error note",
                    "0000_actions/up.sql:5 syntax-error note",
                    "0000_actions/up.sql:5 set-not-null-scan warning",
                    "0000_actions/down.sql:3 lock-held-across-statements warning",  // after the ALTER on person
                });
  auto text = run_cli("check --pg-version 18 migrations/2025-01-01-000000_actions/up.sql", d.string());
  CHECK_THAT(text.out, Catch::Contains("up.sql:2:") &&
                           Catch::Contains("not analysed: PostgreSQL 18 syntax that the PostgreSQL 15 grammar cannot parse") &&
                           Catch::Contains("creates table `person_actions`"));

  // On PostgreSQL 15 the same statements fail: errors, and nothing inferred from them.
  auto [code15, pg15] = findings("--pg-version 15");
  CHECK(code15 == 1);
  CHECK(pg15.count("0000_actions/up.sql:2 syntax-error error") == 1);
  CHECK(pg15.count("0000_actions/up.sql:5 syntax-error error") == 1);
  // The table comes from a statement that did not parse: not known to hold rows (add-required-column is silent).
  CHECK(pg15.count("0000_actions/up.sql:3 add-required-column error") == 0);
  CHECK(pg15.count("0000_actions/down.sql:3 drop-table error") == 1);

  // The range is 10-19, also in the configuration file; --version names the grammar.
  CHECK(findings("--pg-version 19").second == pg18);
  CHECK(run_cli("check --pg-version 19 . >/dev/null", d.string()).exit_code == 1);
  CHECK(run_cli("check --pg-version 20 . 2>&1", d.string()).exit_code == 2);
  write(d / ".migrasafe.toml", "pg_version = 19\n");
  auto from_config = run_cli("check --format json .", d.string());
  CHECK(from_config.exit_code == 1);
  CHECK_THAT(from_config.out, Catch::Contains("PostgreSQL 19 syntax"));
  write(d / ".migrasafe.toml", "pg_version = 20\n");
  auto bad_config = run_cli("check . 2>&1", d.string());
  CHECK(bad_config.exit_code == 2);
  CHECK_THAT(bad_config.out, Catch::Contains("from 10 to 19"));
  CHECK_THAT(run_cli("--version").out, Catch::Contains("PostgreSQL 15 grammar"));
}

TEST_CASE("a DO block too deep to analyse is reported; the statements around it are still checked", "[cli]") {
  fs::path d = temp_dir() / "deep-do";
  std::string chain = "1";
  for (int i = 0; i < 12000; ++i) chain += "+1";
  std::string parens = std::string(10000, '(') + "1" + std::string(10000, ')');
  write(d / "deep.sql", "DROP TABLE users;\nDO $$\nBEGIN\n  DROP TABLE carts;\n  UPDATE carts_archive SET n = " + chain +
                            ";\nEND\n$$;\nDROP TABLE orders;\n");
  write(d / "parens.sql", "DO $$\nBEGIN\n  PERFORM " + parens + ";\nEND\n$$;\nDROP TABLE orders;\n");
  auto deep = run_cli("check --format gcc deep.sql 2>&1", d.string());
  CHECK(deep.exit_code == 1);
  CHECK_THAT(deep.out, Catch::Contains("deep.sql:1:1: error: DROP TABLE `users`"));
  CHECK_THAT(deep.out, Catch::Contains("deep.sql:4:3: error: DROP TABLE `carts`"));
  CHECK_THAT(deep.out, Catch::Contains("deep.sql:8:1: error: DROP TABLE `orders`"));
  CHECK_THAT(deep.out, Catch::Contains("deep.sql:5:") && Catch::Contains("not analysed [MS002 skipped-content]"));
  auto parens_run = run_cli("check --format gcc ./parens.sql 2>&1", d.string());
  CHECK(parens_run.exit_code == 1);
  CHECK_THAT(parens_run.out, Catch::Contains("parens.sql:3:") &&
                                 Catch::Contains("expression nested too deeply for the parser (10000 levels") &&
                                 Catch::Contains("[MS001 syntax-error]"));
  CHECK_THAT(parens_run.out, Catch::Contains("parens.sql:6:1: error: DROP TABLE `orders`"));
}

TEST_CASE("an unused squawk-ignore is a note, as squawk reports it; an unused migrasafe-ignore a warning", "[cli]") {
  fs::path d = temp_dir() / "unused-ignores";
  fs::remove_all(d);
  write(d / "m.sql",
        "SET lock_timeout = '5s';\n"
        "-- squawk-ignore ban-drop-table\nSELECT 1;\n"
        "-- migrasafe-ignore drop-table: the archive is empty\nSELECT 2;\n");
  auto r = run_cli("check --format json ./m.sql", d.string());
  auto report = nlohmann::json::parse(r.out);
  std::vector<std::pair<int, std::string>> unused;
  for (const auto& x : report["files"][0]["findings"])
    if (x["rule"] == "unused-suppression") unused.emplace_back(x["line"].get<int>(), x["severity"].get<std::string>());
  CHECK(unused == std::vector<std::pair<int, std::string>>{{2, "note"}, {4, "warning"}});
  CHECK(r.exit_code == 1);  // the warning
}

TEST_CASE("a down script gets no schema-design notes: it puts back the schema the team is leaving", "[cli]") {
  fs::path d = temp_dir() / "down-design";
  fs::remove_all(d);
  write(d / "1_init.up.sql", "CREATE TABLE t (id int PRIMARY KEY, at timestamp);\n");
  write(d / "1_init.down.sql", "DROP TABLE t;\n");
  write(d / "2_widen.up.sql", "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN at TYPE timestamptz;\n");
  write(d / "2_widen.down.sql", "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN at TYPE timestamp;\n");
  auto r = run_cli("check --format json --fail-on never .", d.string());
  std::multiset<std::string> design;
  const auto report = nlohmann::json::parse(r.out);  // kept alive for the loop
  for (const auto& f : report["files"])
    for (const auto& x : f["findings"])
      if (x["category"] == "schema-design")
        design.insert(fs::path(f["path"].get<std::string>()).filename().string() + " " + x["rule"].get<std::string>());
  CHECK(design.count("1_init.up.sql prefer-timestamptz") == 1);
  CHECK(design.count("2_widen.down.sql prefer-timestamptz") == 0);
  for (const auto& entry : design) CHECK(entry.find(".down.sql") == std::string::npos);
}

TEST_CASE("MIGRASAFE_TIMINGS=1 prints the time of each phase on stderr, and the report is unchanged", "[cli]") {
  fs::path d = testing::fresh_dir("cli-timings", "project");
  write(d / "0001_a.sql", "CREATE TABLE t (id bigint);\n");
  write(d / "0002_b.sql", "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nROLLBACK;\n");
  auto plain = run_cli("check --format json . 2>../off.txt", d.string());
  ::setenv("MIGRASAFE_TIMINGS", "1", 1);  // the binary inherits it
  auto timed = run_cli("check --format json . 2>../on.txt", d.string());
  ::unsetenv("MIGRASAFE_TIMINGS");
  CHECK(testing::read_file(d.parent_path() / "off.txt").empty());
  CHECK(timed.out == plain.out);
  CHECK(timed.exit_code == plain.exit_code);
  const std::string timings = testing::read_file(d.parent_path() / "on.txt");
  CHECK(timings.starts_with("migrasafe timings"));
  for (const char* phase : {"discovery", "read", "parse", "replay", "rules", "report", "phases", "wall"})
    CHECK(timings.find(std::string("\n  ") + phase + " ") != std::string::npos);
  fs::remove_all(d.parent_path());
}

TEST_CASE("a big file parsed in chunks on several threads: a syntax error in a late chunk, the statements after it", "[cli]") {
  // About 1 MB: parsed as several chunks at once. A statement that does not
  // parse near the end makes the file parse statement by statement instead;
  // either way the numbering, positions and findings are the file's own.
  fs::path d = testing::fresh_dir("cli-chunks", "project");
  std::string sql;
  int lines = 0;
  for (; sql.size() < 1024 * 1024; ++lines) sql += "ALTER TABLE t" + std::to_string(lines) + " ADD COLUMN c integer;\n";
  const int bad_line = ++lines;
  sql += "ALTER TABLE oops ADD COLUMN;\n";
  for (int i = 0; i < 100; ++i, ++lines) sql += "CREATE INDEX i" + std::to_string(i) + " ON t (c);\n";
  const int drop_line = ++lines;
  sql += "ALTER TABLE late DROP COLUMN gone;\n";
  write(d / "bad.sql", sql);
  write(d / "good.sql", sql.substr(0, sql.find("ALTER TABLE oops")) + sql.substr(sql.find("CREATE INDEX i0 ")));

  auto bad = run_cli("check --format gcc bad.sql", d.string());
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::Contains("bad.sql:" + std::to_string(bad_line) + ":28: error: syntax error"));
  CHECK_THAT(bad.out, Catch::Contains("bad.sql:" + std::to_string(drop_line) + ":18: error: DROP COLUMN `gone`"));
  auto good = run_cli("check --format gcc ./good.sql", d.string());
  CHECK(good.exit_code == 1);
  CHECK_THAT(good.out, !Catch::Contains("syntax error"));
  CHECK_THAT(good.out, Catch::Contains("good.sql:" + std::to_string(drop_line - 1) + ":18: error: DROP COLUMN `gone`"));
  // Every statement is counted once, in order, and the report is the same on every run.
  auto json = run_cli("check --format json bad.sql", d.string());
  CHECK_THAT(json.out, Catch::Contains("\"statements\": " + std::to_string(lines)));
  CHECK(run_cli("check --format json bad.sql", d.string()).out == json.out);
  auto good_json = run_cli("check --format json good.sql", d.string());
  CHECK_THAT(good_json.out, Catch::Contains("\"statements\": " + std::to_string(lines - 1)));
  CHECK(run_cli("check --format json good.sql", d.string()).out == good_json.out);
}
