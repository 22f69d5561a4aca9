// Mechanical fixes (rules/fix.h): every fixable rule's fixes turn its
// bad*.sql fixtures into the matching fixed*.sql (fixed.sql for bad.sql,
// fixed-x.sql for bad-x.sql; for a directory case bad-x/, fixed-x/ holds the
// files the fixes change), the result parses and the fixed findings are gone;
// rules without fixable=true never attach one; `check --fix` end to end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fixtures.h"
#include "rules/fix.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;

namespace {

std::size_t count_of(const FileResult& r, RuleId id, bool with_fix_only = false) {
  return static_cast<std::size_t>(std::count_if(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
    return d.rule == id && (!with_fix_only || d.fix);
  }));
}

// The fixed* counterpart of a bad* case ("bad-x.sql" -> "fixed-x.sql").
fs::path fixed_case(const fs::path& bad) {
  return bad.parent_path() / ("fixed" + bad.filename().string().substr(3));
}

}  // namespace

TEST_CASE("fixes: a fixable rule's fixes turn bad*.sql into fixed*.sql, which parses and no longer fires", "[fix]") {
  std::size_t compared = 0;
  for (const RuleInfo& rule : all_rules()) {
    if (!rule.fixable) continue;
    for (const fs::path& bad : fixtures::cases(std::string(rule.name), "bad")) {
      fs::path fixed = fixed_case(bad);
      if (!fs::exists(fixed)) continue;
      // Linted as `migrasafe check BAD` lints it; each fixed file re-linted by
      // the same session, with the history before it.
      auto session = fixtures::session_for(bad, &rule);
      RunResult run = session->run({bad.string()});
      INFO("rule " << rule.name << ", fixture " << bad.string());
      REQUIRE(!run.failure);
      REQUIRE(run.files.size() == fixtures::sql_files(bad).size());
      for (const FileResult& first : run.files) {
        fs::path file = first.path;
        INFO("file " << file.string());
        std::string text = testing::read_file(file);
        FixOutcome outcome = apply_fixes(text, first.diagnostics);
        fs::path expected = fs::is_directory(bad) ? fixed / fs::absolute(file).lexically_relative(fs::absolute(bad)) : fixed;
        CHECK(outcome.text == (fs::exists(expected) ? testing::read_file(expected) : text));
        CHECK(outcome.skipped == 0);
        ++compared;
        FileResult again = session->relint(first.path, outcome.text);
        session->clear_buffer(first.path);  // the next file's history keeps this file as it is on disk
        CHECK(count_of(again, RuleId::syntax_error) <= count_of(first, RuleId::syntax_error));
        CHECK(count_of(again, rule.id, true) == 0);
        CHECK(count_of(first, rule.id) - count_of(again, rule.id) == outcome.applied);
      }
    }
  }
  CHECK(compared > 0);
}

TEST_CASE("fixes: fixable rules have fixed fixtures, and only fixable rules attach fixes", "[fix][inventory]") {
  for (const RuleInfo& rule : all_rules()) {
    std::string name(rule.name);
    INFO("rule " << name);
    auto fixed = fixtures::cases(name, "fixed");
    if (rule.fixable) CHECK(!fixed.empty());
    else CHECK(fixed.empty());
    for (const fs::path& f : fixed) {  // every fixed* has its bad*
      INFO(f.string());
      CHECK(fs::exists(f.parent_path() / ("bad" + f.filename().string().substr(5))));
    }
  }
  // Every rule's fixtures with everything enabled: a fix comes only from a fixable rule.
  for (const RuleInfo& rule : all_rules()) {
    for (const char* kind : {"bad", "good"}) {
      for (const fs::path& c : fixtures::cases(std::string(rule.name), kind)) {
        RunResult run = fixtures::session_for(c, nullptr)->run({c.string()});
        for (const FileResult& file : run.files)
          for (const Diagnostic& d : file.diagnostics) {
            INFO(file.path << ": " << rule_info(d.rule).name);
            if (d.fix) CHECK(rule_info(d.rule).fixable);
          }
      }
    }
  }
}

TEST_CASE("apply_fixes: edits apply together; of two overlapping fixes the first wins", "[fix]") {
  auto diag = [](std::vector<TextEdit> edits) {
    Diagnostic d{RuleId::create_index_non_concurrently, Severity::Warning, 0, 0, "", ""};
    d.fix = Fix{"x", std::move(edits)};
    return d;
  };
  std::string text = "CREATE INDEX i ON t (a);";
  auto one = apply_fixes(text, {diag({{12, 12, " CONCURRENTLY"}}), diag({{0, 0, "SET x = 1;\n"}})});
  CHECK(one.text == "SET x = 1;\nCREATE INDEX CONCURRENTLY i ON t (a);");
  CHECK(one.applied == 2);
  auto clash = apply_fixes(text, {diag({{13, 14, "j"}}), diag({{12, 15, " k "}}), diag({{13, 13, "x"}})});
  CHECK(clash.text == "CREATE INDEX j ON t (a);");
  CHECK(clash.applied == 1);
  CHECK(clash.skipped == 2);
  CHECK(apply_fixes(text, {diag({{20, 40, ""}})}).skipped == 1);  // past the end
}

TEST_CASE("check --fix rewrites files, reports what remains, and fixes stdin to stdout", "[fix][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-fix-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(d / name, std::ios::binary) << text; };
  write("001_index.sql", "SET lock_timeout = '2s';\nCREATE INDEX orders_total_idx ON orders (total);\n");
  write("002_fk.sql",
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n"
        "ALTER TABLE orders DROP COLUMN legacy;\n");
  write("003_clean.sql", "SELECT 1;\n");
  std::string q = "'" + d.string() + "'";

  auto r = testing::run_cli("check --fix --format json " + q + " 2>'" + (d / "stderr").string() + "'");
  // Two passes: CONCURRENTLY first, which makes concurrent-index-retry's fix (the DROP before it) apply.
  CHECK(testing::read_file(d / "stderr") == "migrasafe: fixed 3 findings in 2 files\n");
  CHECK(testing::read_file(d / "001_index.sql") ==
        "SET lock_timeout = '2s';\nDROP INDEX CONCURRENTLY IF EXISTS orders_total_idx;\n"
        "CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);\n");
  CHECK_THAT(testing::read_file(d / "002_fk.sql"), Catch::Contains("REFERENCES customers (id) NOT VALID;"));
  CHECK(testing::read_file(d / "003_clean.sql") == "SELECT 1;\n");
  CHECK(r.exit_code == 1);  // drop-column remains
  CHECK_THAT(r.out, Catch::Contains("\"drop-column\"") && !Catch::Contains("add-constraint-without-not-valid"));

  // Nothing left to fix: the files stay as they are; the exit code follows what remains.
  auto again = testing::run_cli("check --fix --ignore drop-column " + q + " 2>&1");
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("fixed 0 findings in 0 files") && Catch::Contains("no findings"));

  // stdin: the fixed SQL instead of the report.
  auto in = testing::run_cli("check --fix - 2>/dev/null <<< 'DROP INDEX orders_total_idx;'");
  CHECK(in.out == "SET lock_timeout = '5s';\nDROP INDEX CONCURRENTLY orders_total_idx;\n");
  CHECK(in.exit_code == 0);
  fs::remove_all(d);
}

TEST_CASE("check --fix: inserted lines keep the byte order mark first and use the file's line breaks", "[fix][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-fix-eol-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "bom.sql", std::ios::binary) << "\xEF\xBB\xBF" "CREATE INDEX i ON t (a);\n";
  std::ofstream(d / "crlf.sql", std::ios::binary) << "CREATE INDEX i ON t (a);\r\nCREATE INDEX j ON t (b);\r\n";
  auto r = testing::run_cli("check --fix ./bom.sql ./crlf.sql 2>/dev/null", d.string());
  CHECK(r.exit_code == 0);
  CHECK(testing::read_file(d / "bom.sql") ==
        "\xEF\xBB\xBF" "SET lock_timeout = '5s';\nDROP INDEX CONCURRENTLY IF EXISTS i;\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
  std::string crlf = testing::read_file(d / "crlf.sql");
  CHECK(crlf.rfind("SET lock_timeout = '5s';\r\nDROP INDEX CONCURRENTLY IF EXISTS i;\r\nCREATE INDEX CONCURRENTLY i", 0) == 0);
  for (std::size_t i = 0; i < crlf.size(); ++i)
    if (crlf[i] == '\n') CHECK((i > 0 && crlf[i - 1] == '\r'));
  fs::remove_all(d);
}
