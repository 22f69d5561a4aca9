// Statements inside DO blocks, function bodies and literal EXECUTE strings:
// their positions in the file, their parse problems, and what they change.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "parser/ast.h"
#include "parser/parse.h"
#include "reporters/reporters.h"
#include "rules/engine.h"
#include "support.h"

using namespace migrasafe;

namespace {

ParsedFile parse(const std::string& sql) { return parse_file(std::make_shared<const SourceFile>("t.sql", sql)); }

// The embedded statements' texts as the file holds them at their spans.
std::vector<std::string> embedded_texts(const ParsedFile& f) {
  std::vector<std::string> out;
  for (const Statement& s : f.statements)
    if (s.embedded()) out.emplace_back(f.text(s));
  return out;
}

}  // namespace

TEST_CASE("embedded: a DO block's statements are placed exactly, after their parent", "[embedded]") {
  auto f = parse("SELECT 1;\nDO $tag$\nDECLARE n int;\nBEGIN\n  n := 1;\n  ALTER TABLE a ADD b int;\n"
                 "  DELETE FROM a; UPDATE a SET b = 2;\nEND $tag$;\nSELECT 2;");
  REQUIRE(f.problems.empty());
  REQUIRE(f.statements.size() == 6);
  CHECK(f.statements[1].kind == "DoStmt");
  CHECK(f.statements[2].parent == 1);
  CHECK(embedded_texts(f) == std::vector<std::string>{"ALTER TABLE a ADD b int", "DELETE FROM a", "UPDATE a SET b = 2"});
  CHECK(f.source->lines.position(f.statements[2].begin).line == 6);
  CHECK_FALSE(f.statements[2].deferred);
  CHECK(f.statements[5].parent == -1);
  // Tokens of the body replace the string, so comments in it are seen.
  CHECK(f.statements[2].end_token > f.statements[2].first_token);
  CHECK(f.text(f.tokens[f.statements[2].first_token]) == "ALTER");
}

TEST_CASE("embedded: every body's tokens are spliced in, nested ones included, across many bodies", "[embedded]") {
  // Bodies are found parent first (a DO block before the EXECUTE string in
  // it), and the splice looks each one up by position: every body's tokens
  // must be in the file's tokens, in order, whatever the order they were found in.
  std::string sql;
  const int blocks = 40;
  for (int i = 0; i < blocks; ++i)
    sql += "DO $do$\nBEGIN\n  EXECUTE 'DROP TABLE t" + std::to_string(i) + "';\n  UPDATE u SET n = " +
           std::to_string(i) + ";\nEND $do$;\nCOMMENT ON TABLE u IS 'not a body';\n";
  auto f = parse(sql);
  REQUIRE(f.problems.empty());
  REQUIRE(f.statements.size() == 4 * blocks);
  CHECK(std::is_sorted(f.tokens.begin(), f.tokens.end(), [](const Token& a, const Token& b) { return a.begin < b.begin; }));
  // Every statement's token range, found again after the splice, is its own
  // (parents, the bodies in them and the blocks after them alternate in position).
  for (const Statement& s : f.statements) {
    INFO(f.text(s));
    REQUIRE(s.end_token > s.first_token);
    CHECK(f.tokens[s.first_token].begin == s.begin);
    CHECK(f.tokens[s.end_token - 1].end == s.end);
  }
  CHECK(f.text(f.tokens[f.statements[4 * blocks - 3].first_token]) == "DROP");  // the last block's EXECUTE string
  // The other literals between the bodies are kept as they are, one token each.
  CHECK(std::count_if(f.tokens.begin(), f.tokens.end(), [&](const Token& t) {
          return t.kind == TokenKind::String && f.text(t) == "'not a body'";
        }) == blocks);
}

TEST_CASE("embedded: positions stay exact with CRLF line ends and non-ASCII text before the body", "[embedded]") {
  auto f = parse("-- ünïcödé\r\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\r\nBEGIN\r\n"
                 "  -- é\r\n  DROP TABLE x;\r\nEND $$;");
  REQUIRE(f.problems.empty());
  REQUIRE(f.statements.size() == 2);
  CHECK(f.text(f.statements[1]) == "DROP TABLE x");
  CHECK(f.statements[1].deferred);
  Position p = f.source->lines.position(f.statements[1].begin);
  CHECK(p.line == 5);
  CHECK(p.column == 3);
}

TEST_CASE("embedded: nested dollar quotes and literal EXECUTE strings", "[embedded]") {
  auto f = parse("DO $do$\nBEGIN\n  EXECUTE $q$DROP TABLE a$q$;\n  EXECUTE 'DROP TABLE b';\n"
                 "  EXECUTE format('DROP TABLE c');\n  EXECUTE format('DROP TABLE %I', 'd');\n"
                 "  EXECUTE 'DROP TABLE ' || 'e';\nEND $do$;");
  REQUIRE(f.problems.empty());
  CHECK(embedded_texts(f) == std::vector<std::string>{"DROP TABLE a", "DROP TABLE b", "DROP TABLE c"});
  for (const Statement& s : f.statements)
    if (s.embedded()) CHECK(s.via_execute);
}

TEST_CASE("embedded: a DO block creating a function holds that function's body too", "[embedded]") {
  auto f = parse("DO $do$\nBEGIN\n  CREATE FUNCTION g() RETURNS void LANGUAGE sql AS $f$ DELETE FROM t $f$;\nEND $do$;");
  REQUIRE(f.problems.empty());
  REQUIRE(f.statements.size() == 3);
  CHECK(f.statements[1].kind == "CreateFunctionStmt");
  CHECK_FALSE(f.statements[1].deferred);
  CHECK(f.statements[2].parent == 1);
  CHECK(f.statements[2].deferred);
  CHECK(f.text(f.statements[2]) == "DELETE FROM t");
}

TEST_CASE("embedded: a single-quoted body with doubled quotes falls back to the enclosing span", "[embedded]") {
  auto f = parse("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'DELETE FROM t WHERE x = ''a''';");
  REQUIRE(f.problems.empty());
  REQUIRE(f.statements.size() == 2);
  const Statement& s = f.statements[1];
  CHECK_FALSE(s.exact);
  CHECK(s.begin == f.statements[0].begin);
  CHECK(s.end == f.statements[0].end);
  CHECK(s.first_token == s.end_token);
  CHECK(f.statement_at(s.begin) == 0);  // a finding there belongs to CREATE FUNCTION

  // Without doubled quotes the text is in the file verbatim: exact.
  auto g = parse("DO 'BEGIN DELETE FROM t; END';");
  REQUIRE(g.statements.size() == 2);
  CHECK(g.statements[1].exact);
  CHECK(g.text(g.statements[1]) == "DELETE FROM t");
}

TEST_CASE("embedded: PL/pgSQL errors are reported at the offending word", "[embedded]") {
  auto f = parse("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n\n  y := 3;\nEND $$;");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::SyntaxError);
  CHECK(f.source->lines.position(f.problems[0].begin).line == 5);
  CHECK(f.source->text.substr(f.problems[0].begin, f.problems[0].end - f.problems[0].begin) == "y");
  // Only the function itself remains: its body could not be read.
  CHECK(f.statements.size() == 1);

  // A row variable's field is unknown without the catalog: not reported.
  auto g = parse("CREATE FUNCTION f(c t) RETURNS void LANGUAGE plpgsql AS $$\nDECLARE r t;\nBEGIN\n"
                 "  r.owner := 1;\nEND $$;");
  CHECK(g.problems.empty());
}

TEST_CASE("embedded: a function's expressions are read as queries, in order, also when one cannot be", "[embedded]") {
  // Parsed together: one tree per expression, in body order (a variable's default first), one
  // ending in a -- comment included.
  auto f = parse("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nDECLARE n int := g(1);\nBEGIN\n"
                 "  n := h(n) -- doubled\n  ;\n  IF n > 0 THEN PERFORM k(n); END IF;\n  RETURN (SELECT count(*) FROM t);\nEND $$;");
  REQUIRE(f.problems.empty());
  const std::vector<Json>& exprs = f.statements[0].body_expressions();
  REQUIRE(exprs.size() == 5);
  CHECK(f.statements[0].body_unseen().empty());
  auto called = [](const Json& select) {
    std::string names;
    ast::walk(select, [&](std::string_view kind, const Json& fields) {
      if (kind == "FuncCall") names += ast::strings(ast::list(fields, "funcname")).back();
    });
    return names;
  };
  CHECK(called(exprs[0]) == "g");
  CHECK(called(exprs[1]) == "h");
  CHECK(called(exprs[3]) == "k");
  CHECK(called(exprs[4]) == "count");
  // One expression not read (the value is taken from after the `:=` in the string): the others
  // still are, and the body is marked unseen.
  auto g = parse("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE x text;\nBEGIN\n"
                 "  PERFORM g(1);\n  x = 'a := b';\n  PERFORM h(2);\nEND $$;");
  REQUIRE(g.problems.empty());
  REQUIRE(g.statements[0].body_expressions().size() == 2);
  CHECK(called(g.statements[0].body_expressions()[0]) == "g");
  CHECK(called(g.statements[0].body_expressions()[1]) == "h");
  CHECK(g.statements[0].body_unseen() == "has an expression migrasafe cannot read");
}

TEST_CASE("embedded: a function body does not change the schema; a DO block does", "[embedded]") {
  LintOptions options;
  MigrationRole role;
  SetHistory history;
  auto file = std::make_shared<const SourceFile>(
      "t.sql",
      "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE TABLE made_later (id int);\nEND $$;\n"
      "DO $$\nBEGIN\n  CREATE TABLE made_now (id int);\nEND $$;\n");
  FileResult r = analyse_file(parse_file(file), role, options, nullptr, &history);
  CHECK(history.schema.table({"public", "made_later"}) == nullptr);
  CHECK(history.schema.table({"public", "made_now"}) != nullptr);
  REQUIRE(r.effects.size() == r.parsed.statements.size());
  REQUIRE(r.holds.size() == r.parsed.statements.size());
}

TEST_CASE("embedded: findings in a function body say when it runs and carry no fix", "[embedded]") {
  LintOptions options;
  MigrationRole role;
  auto file = std::make_shared<const SourceFile>(
      "t.sql", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE INDEX i ON t (a);\nEND $$;\n");
  FileResult r = analyse_file(parse_file(file), role, options);
  bool found = false;
  for (const Diagnostic& d : r.diagnostics) {
    if (d.rule != RuleId::create_index_non_concurrently) continue;
    found = true;
    CHECK(d.message.find("each time it is called") != std::string::npos);
    CHECK_FALSE(d.fix.has_value());
  }
  CHECK(found);
}

TEST_CASE("embedded: statements with an INTO clause are placed exactly", "[embedded]") {
  auto f = parse("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nDECLARE y int;\nBEGIN\n"
                 "  SELECT a INTO y FROM t WHERE b = 1;\n  DELETE FROM t RETURNING id INTO y;\n  RETURN y;\nEND $$;");
  REQUIRE(f.problems.empty());
  CHECK(embedded_texts(f) == std::vector<std::string>{"SELECT a INTO y FROM t WHERE b = 1", "DELETE FROM t RETURNING id"});
  for (const Statement& s : f.statements) CHECK(s.exact);
}

TEST_CASE("embedded: JSON marks where a statement comes from; explain nests it", "[embedded]") {
  LintOptions options;
  MigrationRole role;
  auto file = std::make_shared<const SourceFile>(
      "t.sql", "DO $$\nBEGIN\n  DROP TABLE a;\nEND $$;\nCREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM b $$;\n");
  RunResult run;
  run.files.push_back(analyse_file(parse_file(file), role, options));
  std::ostringstream json, explain;
  write_json(json, run);
  write_explain_text(explain, run);
  std::string compact;
  for (char c : json.str())
    if (c != ' ' && c != '\n') compact += c;
  CHECK(compact.find(R"("embedded_in":{"line":1,"kind":"DoStmt","via":"body","runs":"now","exact_position":true})") !=
        std::string::npos);
  CHECK(compact.find(R"("runs":"when_called")") != std::string::npos);
  CHECK(explain.str().find("\n    line 3: DROP TABLE a\n") != std::string::npos);
  CHECK(explain.str().find("runs   when the function or procedure is called") != std::string::npos);
}

TEST_CASE("embedded: an ignore comment at the end of a body covers nothing after the body", "[embedded]") {
  LintOptions options;
  MigrationRole role;
  auto file = std::make_shared<const SourceFile>(
      "t.sql", "DO $$\nBEGIN\n  DROP TABLE a;\n  -- migrasafe-ignore drop-table: nothing left\nEND $$;\nDROP TABLE b;\n");
  FileResult r = analyse_file(parse_file(file), role, options);
  int drops = 0, invalid = 0;
  for (const Diagnostic& d : r.diagnostics) {
    drops += d.rule == RuleId::drop_table;
    invalid += d.rule == RuleId::invalid_suppression;
  }
  CHECK(drops == 2);
  CHECK(invalid == 1);
}

TEST_CASE("embedded: ignores on a DO block, in its body and stacked on one statement are all matched",
          "[embedded][suppressions]") {
  LintOptions options;
  MigrationRole role;
  auto file = std::make_shared<const SourceFile>("t.sql",
                                                 "-- migrasafe-ignore drop-table: the block drops archive tables\n"
                                                 "DO $$\nBEGIN\n"
                                                 "  -- migrasafe-ignore drop-table: said again for this one\n"
                                                 "  DROP TABLE a;\n"
                                                 "  DROP TABLE b;\n"
                                                 "END $$;\n"
                                                 "-- migrasafe-ignore drop-table: first reason\n"
                                                 "-- migrasafe-ignore drop-table, truncate-table: second reason\n"
                                                 "DROP TABLE c;\n"
                                                 "DROP TABLE d;\n"
                                                 "-- migrasafe-ignore drop-column: meant for another statement\n"
                                                 "DROP TABLE e;\n"
                                                 "-- migrasafe-ignore-file truncate-table: staging only\n"
                                                 "-- migrasafe-ignore-file truncate-table: said twice\n"
                                                 "TRUNCATE f;\n");
  FileResult r = analyse_file(parse_file(file), role, options);
  std::vector<int> drop_lines, unused_lines;
  int truncates = 0;
  for (const Diagnostic& d : r.diagnostics) {
    int line = static_cast<int>(std::count(file->text.begin(), file->text.begin() + d.begin, '\n')) + 1;
    if (d.rule == RuleId::drop_table) drop_lines.push_back(line);
    if (d.rule == RuleId::unused_suppression) unused_lines.push_back(line);
    truncates += d.rule == RuleId::truncate_table;
  }
  std::sort(drop_lines.begin(), drop_lines.end());
  CHECK(drop_lines == std::vector<int>{11, 13});  // d, and e whose ignore names another rule
  CHECK(unused_lines == std::vector<int>{12});    // every ignore that covered a finding counts as used
  CHECK(truncates == 0);
}

TEST_CASE("embedded: a BEGIN ATOMIC body's statements are placed from the file's tokens", "[embedded]") {
  auto f = parse("CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  DELETE FROM t;\n  -- c\n"
                 "  SELECT (1);\nEND;");
  REQUIRE(f.problems.empty());
  CHECK(embedded_texts(f) == std::vector<std::string>{"DELETE FROM t", "SELECT (1)"});
  REQUIRE(f.statements.size() == 3);
  CHECK(f.statements[1].deferred);
  CHECK(f.statements[1].exact);
}

TEST_CASE("embedded: what is too deep to parse or to read is reported, never dropped", "[embedded]") {
  std::string parens = std::string(10000, '(') + "1" + std::string(10000, ')');
  // The grammar's stack runs out ("memory exhausted"): PostgreSQL fails too, so it is a syntax error with a
  // message that says why.
  auto plain = parse("DROP TABLE a;\nSELECT " + parens + ";\nDROP TABLE b;");
  REQUIRE(plain.problems.size() == 1);
  CHECK(plain.problems[0].kind == ProblemKind::SyntaxError);
  CHECK(plain.problems[0].message.starts_with("expression nested too deeply for the parser (10000 levels"));
  // Both DROPs, and the rejected SELECT kept as an unparsed statement (read from its words on newer targets).
  REQUIRE(plain.statements.size() == 3);
  CHECK(plain.statements[1].kind == kUnparsedKind);
  auto body = parse("DO $$\nBEGIN\n  DROP TABLE a;\n  PERFORM " + parens + ";\nEND\n$$;\nDROP TABLE b;");
  REQUIRE(body.problems.size() == 1);
  CHECK(body.problems[0].kind == ProblemKind::SyntaxError);
  CHECK(body.problems[0].message.starts_with("expression nested too deeply for the parser"));
  CHECK(body.problems[0].message.find("DO block") != std::string::npos);
  // A tree deeper than the JSON reader follows (a long chain of operators parses fine): skipped-content.
  std::string chain = "1";
  for (int i = 0; i < 12000; ++i) chain += "+1";
  auto deep_do = parse("DO $$\nBEGIN\n  DROP TABLE a;\n  UPDATE t SET a = " + chain + ";\nEND\n$$;\nDROP TABLE b;");
  REQUIRE(deep_do.problems.size() == 1);
  CHECK(deep_do.problems[0].kind == ProblemKind::TooDeep);
  CHECK(deep_do.problems[0].message.find("not analysed") != std::string::npos);
  CHECK(deep_do.statements.size() == 3);  // the DO block, the DROP TABLE in it and the one after it
  auto deep_fn = parse("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT " + chain + " $$;\nDROP TABLE b;");
  REQUIRE(deep_fn.problems.size() == 1);
  CHECK(deep_fn.problems[0].kind == ProblemKind::TooDeep);
}
