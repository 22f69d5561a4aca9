// Fixture-driven rule tests (DESIGN.md "A rule"): every fixtures/rules/<name>/
// bad*/good* file runs with only that rule (and syntax-error) enabled.
// A fixture directory is a migration history, linted as `migrasafe check DIR`
// lints it (through a LintSession: layout detection, migration order,
// up/down pairing); a `-- layout: NAME` header in its first file forces the
// layout.
// `-- expect: a, b` binds to the next line (and the whole statement that
// starts there); `-- expect: a @17` also pins the finding's column (1-based,
// code points) on its first line; any missing or unexpected finding fails the
// test. One Catch2 test case per rule: `migrasafe_tests "[fixtures][drop-table]"`
// runs one rule's fixtures. A header
// `-- options: pg_version=N assume_in_transaction=true select=all` sets options
// (single_query=true: the file is sent as one query, as golang-migrate does)
// (select=all runs every rule, for the suppression rules); a rule's own
// option is `<rule>.<key>=VALUE` (naming-convention.table=REGEX), or
// `<key>=VALUE` when one rule alone declares that key (max_lock_timeout=5s),
// read as [rules.<rule>] in .migrasafe.toml would be.
#include <catch2/catch.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "engine/session.h"
#include "fixtures.h"
#include "rules/consequences.h"
#include "rules/engine.h"
#include "sources/discovery.h"
#include "sources/layouts.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;

// Shared with the fix test (fixtures.h).
namespace fixtures {

struct Expectation {
  std::string rule;
  int first_line, last_line;
  int column = 0;  // 0: any column
  bool matched = false;
};

// A rule option in a fixture header: "rule.key" or a key one rule alone declares.
std::pair<RuleId, const RuleOption*> declared_option(const std::string& key) {
  std::vector<std::pair<RuleId, const RuleOption*>> found;
  std::size_t dot = key.find('.');
  for (const RuleInfo& r : all_rules()) {
    if (dot != std::string::npos && key.substr(0, dot) != r.name) continue;
    if (const RuleOption* o = find_declared_option(r.id, dot == std::string::npos ? key : key.substr(dot + 1)))
      found.emplace_back(r.id, o);
  }
  if (found.size() != 1) FAIL("fixture option " << key << " names " << found.size() << " rule options, not one");
  return found[0];
}

// A header `-- options: key=value ...` (fixtures and doc examples).
void apply_options(const std::string& text, LintOptions& o) {
  std::size_t at = text.find("-- options:");
  if (at == std::string::npos) return;
  std::istringstream words(text.substr(at + 11, text.find('\n', at) - at - 11));
  std::string kv;
  while (words >> kv) {
    auto eq = kv.find('=');
    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (key == "pg_version") o.analysis.pg_version = std::stoi(value);
    else if (key == "assume_in_transaction") o.analysis.assume_in_transaction = value == "true";
    else if (key == "single_query") o.analysis.single_query = value == "true";
    else if (key == "select" && value == "all") std::fill(o.enabled.begin(), o.enabled.end(), true);
    else {
      auto [rule, option] = declared_option(key);
      std::string error;
      auto read = read_option(*option, value, error);
      if (!read) FAIL("fixture option " << key << "=" << value << ": " << error);
      o.rule_options.of(rule).set(option->key, std::move(*read));
    }
  }
}

LintOptions options_for(const std::string& text, const RuleInfo& rule) {
  LintOptions o;
  std::fill(o.enabled.begin(), o.enabled.end(), false);
  o.enabled[static_cast<std::size_t>(rule.id)] = true;
  o.enabled[static_cast<std::size_t>(RuleId::syntax_error)] = true;
  apply_options(text, o);
  return o;
}

std::vector<Expectation> expectations(const FileResult& r) {
  const ParsedFile& f = r.parsed;
  const LineIndex& lines = f.source->lines;
  std::vector<Expectation> out;
  for (std::size_t i = 0; i < f.tokens.size(); ++i) {
    std::string_view text = f.text(f.tokens[i]);
    if (f.tokens[i].kind != TokenKind::LineComment || text.rfind("-- expect:", 0) != 0) continue;
    // The next token, comments included: an expectation can point at an
    // ignore comment as well as at a statement.
    std::size_t j = i + 1;
    REQUIRE(j < f.tokens.size());
    int first = lines.position(f.tokens[j].begin).line, last = first;
    for (const Statement& s : f.statements)
      if (s.begin == f.tokens[j].begin) last = lines.position(s.end).line;
    std::stringstream names{std::string(text.substr(10))};
    std::string name;
    while (std::getline(names, name, ',')) {
      int column = 0;
      if (std::size_t pin = name.find('@'); pin != std::string::npos) {  // "rule @col"
        column = std::atoi(name.c_str() + pin + 1);
        REQUIRE(column > 0);
        name.erase(pin);
      }
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) out.push_back({name, first, last, column});
    }
  }
  return out;
}

// Returns a description of every mismatch (empty when the file is as expected).
std::string check_file(const FileResult& r, const std::string& path) {
  const LineIndex& lines = r.parsed.source->lines;
  auto expected = expectations(r);
  std::ostringstream problems;
  if (!r.input_error.empty()) problems << path << ": " << r.input_error << "\n";
  for (const Diagnostic& d : r.diagnostics) {
    Position at = lines.position(d.begin);
    std::string_view name = rule_info(d.rule).name;
    auto it = std::find_if(expected.begin(), expected.end(), [&](const Expectation& e) {
      return !e.matched && e.rule == name && at.line >= e.first_line && at.line <= e.last_line &&
             (e.column == 0 || e.column == at.column);
    });
    if (it == expected.end())
      problems << path << ":" << at.line << ":" << at.column << ": unexpected " << name << ": " << d.message << "\n";
    else it->matched = true;
  }
  for (const Expectation& e : expected)
    if (!e.matched)
      problems << path << ":" << e.first_line << ": expected " << e.rule
               << (e.column ? " at column " + std::to_string(e.column) : std::string()) << " did not fire\n";
  return problems.str();
}

std::unique_ptr<LintSession> session_for(const fs::path& c, const RuleInfo* rule, bool ignore_declared_kinds,
                                         LintOptions::FreeTrees free_trees) {
  SessionConfig config{Settings(Config{}, CommandLine{})};
  std::vector<fs::path> files = sql_files(c);
  std::string first = files.empty() ? "" : testing::read_file(files.front());
  if (std::size_t at = first.find("-- layout:"); at != std::string::npos) {
    std::istringstream words(first.substr(at + 10, first.find('\n', at) - at - 10));
    std::string name;
    words >> name;
    config.layout = parse_layout(name);
    if (!config.layout) FAIL("unknown fixture layout " << name);
  }
  config.adjust_options = [rule, ignore_declared_kinds, free_trees](const std::string& path, LintOptions& o) {
    std::string text = testing::read_file(path);
    std::fill(o.enabled.begin(), o.enabled.end(), rule == nullptr);
    if (rule) {
      o.enabled[static_cast<std::size_t>(rule->id)] = true;
      o.enabled[static_cast<std::size_t>(RuleId::syntax_error)] = true;
    }
    apply_options(text, o);
    o.ignore_declared_kinds = ignore_declared_kinds;
    o.free_trees = free_trees;
  };
  return std::make_unique<LintSession>(std::move(config));
}

// A fixture case linted with only `rule` (and syntax-error) enabled.
RunResult lint_case(const fs::path& c, const RuleInfo& rule, bool ignore_declared_kinds = false) {
  return session_for(c, &rule, ignore_declared_kinds)->run({c.string()});
}

std::vector<fs::path> sql_files(const fs::path& p) {
  std::vector<fs::path> out;
  if (fs::is_directory(p)) {
    for (const auto& e : fs::recursive_directory_iterator(p))
      if (e.path().extension() == ".sql") out.push_back(e.path());
  } else {
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> cases(const std::string& rule, const std::string& prefix) {
  std::vector<fs::path> out;
  fs::path dir = fs::path(testing::source_dir()) / "fixtures/rules" / rule;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fixtures
using namespace fixtures;

namespace {

// One rule's fixtures: findings match the `-- expect:` comments exactly.
void check_rule_fixtures(const RuleInfo& rule) {
  for (const char* kind : {"bad", "good"}) {
    for (const fs::path& c : cases(std::string(rule.name), kind)) {
      RunResult run = lint_case(c, rule);
      INFO("rule " << rule.name << ", fixture " << c.string());
      REQUIRE(!run.failure);
      REQUIRE(run.files.size() == sql_files(c).size());
      for (const FileResult& file : run.files) CHECK(check_file(file, file.path) == "");
    }
  }
}

// One Catch2 test case per rule, "rule fixtures: NAME" tagged [fixtures][NAME],
// registered before main runs.
struct RuleFixtures : Catch::ITestInvoker {
  explicit RuleFixtures(const RuleInfo& r) : rule(r) {}
  void invoke() const override { check_rule_fixtures(rule); }
  const RuleInfo& rule;
};

const bool fixture_tests_registered = [] {
  static std::vector<std::pair<std::string, std::string>> names;  // the registry keeps references to them
  names.reserve(all_rules().size());
  for (const RuleInfo& rule : all_rules()) {
    names.emplace_back("rule fixtures: " + std::string(rule.name), "[fixtures][" + std::string(rule.name) + "]");
    Catch::AutoReg(new RuleFixtures(rule), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                   Catch::NameAndTags{names.back().first, names.back().second});
  }
  return true;
}();

}  // namespace

TEST_CASE("rule fixtures: every rule's fixtures have a test case of their own", "[fixtures]") {
  CHECK(fixture_tests_registered);
  std::set<std::string> registered;
  for (const Catch::TestCase& t : Catch::getAllTestCasesSorted(*Catch::getCurrentContext().getConfig()))
    registered.insert(t.name);
  for (const RuleInfo& rule : all_rules()) CHECK(registered.count("rule fixtures: " + std::string(rule.name)));
}

TEST_CASE("dispatch: a rule is called for the statement kinds it declares, and that misses none of its findings",
          "[fixtures][dispatch]") {
  // The table the engine dispatches through.
  auto handles = [](StmtKind kind, RuleId id) {
    const std::vector<RuleId>& rules = rules_handling(kind);
    return std::find(rules.begin(), rules.end(), id) != rules.end();
  };
  CHECK(handles(StmtKind::DropdbStmt, RuleId::drop_database));
  CHECK_FALSE(handles(StmtKind::DropdbStmt, RuleId::create_enum));
  CHECK_FALSE(handles(StmtKind::AlterTableStmt, RuleId::drop_database));
  CHECK(handles(StmtKind::IndexStmt, RuleId::redundant_index));
  CHECK_FALSE(handles(StmtKind::IndexStmt, RuleId::prefer_bigint));
  CHECK(handles(StmtKind::CreateStmt, RuleId::prefer_bigint));
  CHECK_FALSE(handles(StmtKind::CreateStmt, RuleId::down_does_not_undo_up));  // a whole-file rule
  for (StmtKind kind : {StmtKind::Other, StmtKind::SelectStmt, StmtKind::UnparsedStmt, StmtKind::LockStmt})
    CHECK(handles(kind, RuleId::missing_lock_timeout));  // every statement
  CHECK(statement_kind("AlterTableStmt") == StmtKind::AlterTableStmt);
  CHECK(statement_kind("UnparsedStmt") == StmtKind::UnparsedStmt);
  CHECK(statement_kind("NoSuchStmt") == StmtKind::Other);

  // Every rule's fixtures give the same findings when the rule is called for
  // every statement: a kind a rule reports on but does not declare fails here.
  for (const RuleInfo& rule : all_rules()) {
    DYNAMIC_SECTION(rule.name) {
      for (const char* kind : {"bad", "good"}) {
        for (const fs::path& c : cases(std::string(rule.name), kind)) {
          RunResult declared = lint_case(c, rule), every = lint_case(c, rule, true);
          INFO("rule " << rule.name << ", fixture " << c.string());
          REQUIRE(declared.files.size() == every.files.size());
          for (std::size_t f = 0; f < declared.files.size(); ++f) {
            auto findings = [](const FileResult& file) {
              std::vector<std::string> out;
              for (const Diagnostic& d : file.diagnostics)
                out.push_back(std::string(rule_info(d.rule).name) + " " + std::to_string(d.begin) + "-" +
                              std::to_string(d.end) + " " + d.message);
              return out;
            };
            CHECK(findings(declared.files[f]) == findings(every.files[f]));
          }
        }
      }
    }
  }
}

TEST_CASE("dispatch: a rule turned off is not called, and one turned on again is, on the same thread",
          "[fixtures][dispatch]") {
  // The engine keeps each configuration's lists of rules per kind on the
  // thread: a file with another set of rules on must not get a former's lists.
  const std::string sql = "SET lock_timeout = '1min';\nCREATE INDEX idx ON orders (id);\nALTER TABLE orders DROP COLUMN note;\n";
  auto rules_reported = [&](const LintOptions& opts) {
    std::set<RuleId> out;
    for (const Diagnostic& d : testing::lint_text(sql, opts).diagnostics) out.insert(d.rule);
    return out;
  };
  LintOptions all;
  LintOptions without_index = all, without_drop = all;
  without_index.enabled[static_cast<std::size_t>(RuleId::create_index_non_concurrently)] = false;
  without_drop.enabled[static_cast<std::size_t>(RuleId::drop_column)] = false;
  const std::set<RuleId> every = rules_reported(all);
  REQUIRE(every.count(RuleId::create_index_non_concurrently));
  REQUIRE(every.count(RuleId::drop_column));
  for (int round = 0; round < 6; ++round) {  // more configurations than the thread keeps
    std::set<RuleId> less = every;
    less.erase(RuleId::create_index_non_concurrently);
    CHECK(rules_reported(without_index) == less);
    less = every;
    less.erase(RuleId::drop_column);
    CHECK(rules_reported(without_drop) == less);
    CHECK(rules_reported(all) == every);
    LintOptions one_off = all;  // a configuration not met before
    one_off.enabled[static_cast<std::size_t>(all_rules()[static_cast<std::size_t>(round)].id)] = false;
    rules_reported(one_off);
  }

  // A down script (no schema-design notes) and a schema dump (no findings)
  // between plain files: each gets its own plan, and a plain file its own back.
  auto reported_as = [](const std::string& text, MigrationRole::Kind kind) {
    MigrationRole role;
    role.kind = kind;
    std::set<RuleId> out;
    for (const Diagnostic& d : lint_source(std::make_shared<const SourceFile>("t.sql", text), role, {}).diagnostics)
      out.insert(d.rule);
    return out;
  };
  const std::string design = "CREATE TABLE accounts (id int PRIMARY KEY, name varchar(20));\n";
  const std::string dump = "--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n" + design;
  const std::set<RuleId> plain = reported_as(design, MigrationRole::Kind::Plain);
  REQUIRE(plain.count(RuleId::prefer_bigint));
  for (int round = 0; round < 2; ++round) {
    CHECK_FALSE(reported_as(design, MigrationRole::Kind::Down).count(RuleId::prefer_bigint));
    CHECK(reported_as(dump, MigrationRole::Kind::Plain) == std::set<RuleId>{RuleId::schema_dump});
    CHECK(reported_as(design, MigrationRole::Kind::Plain) == plain);
  }

  // A rule that declares options gets the configured values; one that
  // declares none is called with none.
  LintOptions strict = all;
  OptionValue five_seconds;
  five_seconds.text = "5s";
  five_seconds.milliseconds = 5000;
  strict.rule_options.of(RuleId::missing_lock_timeout).set("max_lock_timeout", five_seconds);
  bool too_long = false;
  for (const Diagnostic& d : testing::lint_text(sql, strict).diagnostics)
    too_long |= d.rule == RuleId::missing_lock_timeout && d.message.find("max_lock_timeout of 5s") != std::string::npos;
  CHECK(too_long);
  CHECK(rules_reported(all) == every);
}

TEST_CASE("tree release: every fixture gives the same findings with each tree freed as the replay passes it",
          "[fixtures][memory]") {
  // The replay frees a statement's tree once it has been analysed; rules read
  // other statements through summaries built before the replay. A rule that
  // still read another statement's tree would read it freed (null) and find
  // something else than with every tree kept to the end, as before.
  auto findings = [](const RunResult& run) {
    std::vector<std::string> out;
    for (const FileResult& file : run.files)
      for (const Diagnostic& d : file.diagnostics)
        out.push_back(file.path + " " + std::string(rule_info(d.rule).name) + " " + std::to_string(d.begin) + "-" +
                      std::to_string(d.end) + " " + d.message);
    return out;
  };
  std::size_t compared = 0;
  for (const RuleInfo& rule : all_rules()) {
    for (const char* kind : {"bad", "good"}) {
      for (const fs::path& c : cases(std::string(rule.name), kind)) {
        INFO("fixture " << c.string());
        RunResult freed = session_for(c, nullptr, false, LintOptions::FreeTrees::EveryFile)->run({c.string()});
        RunResult kept = session_for(c, nullptr, false, LintOptions::FreeTrees::Never)->run({c.string()});
        CHECK(findings(freed) == findings(kept));
        compared += freed.files.size();
      }
    }
  }
  CHECK(compared > 200);
}

TEST_CASE("consequences: every kind has a reporting rule or is advisory, and the rule reports exactly what the effects carry",
          "[fixtures][consequences]") {
  std::map<RuleId, std::set<ConsequenceKind>> kinds_of;  // each reporting rule and the kinds it reports
  for (std::size_t k = 0; k < kConsequenceKindCount; ++k) {
    auto kind = static_cast<ConsequenceKind>(k);
    const ConsequenceReporting& row = consequence_reporting(kind);
    INFO("consequence " << consequence_kind_name(kind));
    CHECK(row.kind == kind);
    if (row.rule) {
      kinds_of[*row.rule].insert(kind);
      Category category = rule_info(*row.rule).category;
      CHECK((category == Category::DataLoss || category == Category::Compatibility));
    } else {
      CHECK_FALSE(row.why_advisory.empty());  // advisory on purpose, and the table says why
    }
  }
  // On each reporting rule's fixtures: every finding sits on a statement whose
  // effects carry one of the rule's kinds (check reports nothing explain does
  // not show), and every kind of the rule is reported somewhere (the table
  // does not name a rule that never reports the kind).
  for (const auto& [id, kinds] : kinds_of) {
    const RuleInfo& rule = rule_info(id);
    std::set<ConsequenceKind> reported;
    for (const char* prefix : {"bad", "good"}) {
      for (const fs::path& c : cases(std::string(rule.name), prefix)) {
        RunResult run = lint_case(c, rule);
        for (const FileResult& f : run.files) {
          for (const Diagnostic& d : f.diagnostics) {
            if (d.rule != id) continue;
            std::size_t i = f.parsed.statement_at(d.begin);
            INFO("rule " << rule.name << ", " << f.path << ": " << d.message);
            REQUIRE(i < f.effects.size());
            bool carried = false;
            for (ConsequenceKind k : kinds) {
              if (f.effects[i].of_kind(k).empty()) continue;
              carried = true;
              reported.insert(k);
            }
            CHECK(carried);
          }
        }
      }
    }
    for (ConsequenceKind k : kinds) {
      INFO("rule " << rule.name << " never reports consequence " << consequence_kind_name(k) << " on its fixtures");
      CHECK(reported.count(k));
    }
  }
}

TEST_CASE("inventory: every rule has its table row, doc page and fixtures", "[inventory]") {
  fs::path root = testing::source_dir();
  const char* headings[] = {"## What it does", "## Why it is dangerous", "## Example", "## Use instead",
                            "## When it is safe to ignore", "## References"};
  for (const RuleInfo& rule : all_rules()) {
    std::string name(rule.name);
    INFO("rule " << name);
    // A verify rule is reported by `migrasafe verify` from what PostgreSQL did, not by a check in rules/:
    // verify/runner.cpp must report it (by its name without "verify-"), and its fixtures
    // (fixtures/verify/) run in tests/verify_tests.cpp on PostgreSQL.
    if (reported_by_verify(rule)) {
      std::string check = "\"" + name.substr(std::string("verify-").size()) + "\"";
      CHECK(testing::read_file(root / "verify/runner.cpp").find(check) != std::string::npos);
    } else {
      CHECK(fs::exists(root / "rules" / (name + ".cpp")));
    }
    fs::path doc = root / "docs/rules" / (name + ".md");
    REQUIRE(fs::exists(doc));
    std::string text = testing::read_file(doc);
    std::size_t last = 0;
    for (const char* h : headings) {
      std::size_t at = text.find(std::string("\n") + h + "\n");
      CHECK(at != std::string::npos);
      if (at != std::string::npos) {
        CHECK(at >= last);  // headings in the fixed order
        last = at;
      }
    }
    // The options the rule declares (RuleHooks::options) are the keys its
    // "## Options" section shows in [rules.<name>]; a rule without options has no such section.
    std::size_t options_at = text.find("\n## Options\n");
    if (declared_options(rule.id).empty()) {
      CHECK(options_at == std::string::npos);
    } else {
      REQUIRE(options_at != std::string::npos);
      std::string section = text.substr(options_at, text.find("\n## ", options_at + 1) - options_at);
      CHECK_THAT(section, Catch::Contains("[rules." + name + "]\n"));
      for (const RuleOption& o : declared_options(rule.id)) {
        INFO("option " << o.key);
        CHECK_THAT(section, Catch::Contains("\n" + std::string(o.key) + " = "));
      }
    }
    auto bad = cases(name, "bad"), good = cases(name, "good");
    // scripts/new-rule.py marks every placeholder it writes; none may be left.
    std::vector<fs::path> written{root / "rules" / (name + ".cpp"), doc};
    for (const auto& c : bad) for (const auto& f : sql_files(c)) written.push_back(f);
    for (const auto& c : good) for (const auto& f : sql_files(c)) written.push_back(f);
    for (const fs::path& file : written) {
      INFO(file.string() << " still holds a placeholder from scripts/new-rule.py: replace every TODO(new-rule)");
      CHECK((!fs::exists(file) || testing::read_file(file).find("TODO(new-rule)") == std::string::npos));
    }
    // History rules judge a whole migration set (versions, git, migrasafe.sum):
    // tests/history_tests.cpp covers them with temporary trees.
    if (rule.category == Category::History || reported_by_verify(rule)) continue;
    CHECK(!bad.empty());
    CHECK(!good.empty());
    // The bad fixtures must expect this rule somewhere.
    bool expects_rule = false;
    for (const auto& c : bad)
      for (const auto& f : sql_files(c))
        if (testing::read_file(f).find("-- expect: " + name) != std::string::npos ||
            testing::read_file(f).find(", " + name) != std::string::npos)
          expects_rule = true;
    CHECK(expects_rule);
  }
  // No fixture or doc directory for a rule that is not in the table.
  for (const auto& e : fs::directory_iterator(root / "fixtures/rules")) {
    INFO("fixture dir " << e.path().filename().string());
    CHECK(find_rule(e.path().filename().string()) != nullptr);
  }
}

TEST_CASE("rule table: codes and names are unique and codes match categories", "[inventory]") {
  std::set<std::string_view> codes, names;
  for (const RuleInfo& r : all_rules()) {
    INFO(r.name);
    CHECK(codes.insert(r.code).second);
    CHECK(names.insert(r.name).second);
    REQUIRE(r.code.size() == 5);
    int hundreds = std::stoi(std::string(r.code.substr(2))) / 100;
    CHECK(hundreds == (r.category == Category::Syntax ? 0 : static_cast<int>(r.category) + 1));
  }
}

namespace {
// The first ```sql block after `heading` in a doc page.
std::string sql_block(const std::string& page, const std::string& heading) {
  std::size_t h = page.find("\n" + heading + "\n");
  if (h == std::string::npos) return "";
  std::size_t b = page.find("```sql\n", h);
  if (b == std::string::npos) return "";
  b += 7;
  return page.substr(b, page.find("```", b) - b);
}
}  // namespace

TEST_CASE("docs: the Example fires the rule and Use instead does not", "[docs]") {
  for (const RuleInfo& rule : all_rules()) {
    // Reversibility rules need an up/down pair and history rules a migration
    // set: fixtures, tests/history_tests.cpp and tests/reversal_tests.cpp cover them.
    // Verify rules need a PostgreSQL server: tests/verify_tests.cpp covers them.
    if (rule.category == Category::Reversibility || rule.category == Category::History ||
        reported_by_verify(rule))
      continue;
    std::string page = testing::read_file(fs::path(testing::source_dir()) / "docs/rules" / (std::string(rule.name) + ".md"));
    std::string bad = sql_block(page, "## Example"), good = sql_block(page, "## Use instead");
    INFO("rule " << rule.name);
    REQUIRE(!bad.empty());
    REQUIRE(!good.empty());
    // All rules run (the suppression rules need the others); only this rule's findings count.
    // A `-- options:` line in the block sets what the page says the example
    // is configured with (naming-convention needs its patterns).
    // An example that says "-- this migration:" runs what comes before it as
    // an earlier migration, whose schema the rest then sees.
    auto fired = [&](const std::string& sql) {
      LintOptions o;
      apply_options(sql, o);
      std::size_t split = sql.find("-- this migration:");
      SetHistory history;
      if (split != std::string::npos)
        analyse_file(parse_file(std::make_shared<const SourceFile>("earlier.sql", sql.substr(0, split))), {}, o, nullptr, &history);
      std::string current = split == std::string::npos ? sql : sql.substr(split);
      auto r = analyse_file(parse_file(std::make_shared<const SourceFile>("test.sql", current)), {}, o, nullptr, &history);
      return std::count_if(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) { return d.rule == rule.id; });
    };
    CHECK(fired(bad) > 0);
    CHECK(fired(good) == 0);
  }
}

TEST_CASE("squawk: every squawk 2.66 rule name selects a migrasafe rule", "[inventory]") {
  // squawk's 38 rules, its deprecated alias and its two pseudo-rules
  // (reference: squawk.md section 1), so squawk users' --exclude lists,
  // configuration and squawk-ignore comments keep working.
  const char* squawk_rules[] = {
      "adding-field-with-default", "adding-foreign-key-constraint", "adding-not-nullable-field",
      "adding-required-field", "adding-serial-primary-key-field", "ban-alter-domain-with-add-constraint",
      "ban-char-field", "ban-concurrent-index-creation-in-transaction", "ban-create-domain-with-constraint",
      "ban-drop-column", "ban-drop-database", "ban-drop-not-null", "ban-drop-table",
      "ban-duplicate-column-assignments", "ban-truncate-cascade", "ban-uncommitted-transaction",
      "changing-column-type", "constraint-missing-not-valid", "disallowed-unique-constraint",
      "identifier-too-long", "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity",
      "prefer-repack", "prefer-robust-stmts", "prefer-text-field", "prefer-timestamp-tz", "prefer-timestamptz",
      "renaming-column", "renaming-table", "require-concurrent-index-creation",
      "require-concurrent-index-deletion", "require-concurrent-partition-detach", "require-concurrent-reindex",
      "require-enum-value-ordering", "require-table-schema", "require-lock-timeout", "require-statement-timeout",
      "require-timeout-settings", "transaction-nesting", "unused-ignore", "syntax-error"};
  for (const char* name : squawk_rules) {
    INFO(name);
    CHECK(!find_rules(name).empty());
  }
  // The deprecated alias stands for both timeout rules, as in squawk.
  CHECK(find_rules("require-timeout-settings").size() == 2);
}
