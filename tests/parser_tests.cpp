#include <catch2/catch.hpp>

#include "parser/parse.h"
#include "support.h"

using namespace migrasafe;

namespace {
ParsedFile parse(const std::string& sql) { return parse_file(std::make_shared<const SourceFile>("t.sql", sql)); }
}  // namespace

TEST_CASE("line index: 1-based lines and code-point columns, CRLF is one break", "[parser]") {
  std::string text = "ab\r\ncd\ré\n\nxyz";
  LineIndex idx(text);
  CHECK(idx.line_count() == 5);
  CHECK(idx.position(0).line == 1);
  CHECK(idx.position(1).column == 2);
  CHECK(idx.position(4).line == 2);   // 'c' after CRLF
  CHECK(idx.position(4).column == 1);
  CHECK(idx.position(7).line == 3);   // 'é' after a lone CR
  CHECK(idx.position(9).column == 2);  // after the two-byte 'é'
  CHECK(idx.position(11).line == 5);
  CHECK(idx.position(1000).line == 5);  // clamps
}

TEST_CASE("statements carry exact spans without comments or the semicolon", "[parser]") {
  auto f = parse("-- lead comment\nCREATE TABLE a (id int); /* x */ SELECT 1;\n\n  DROP TABLE a");
  REQUIRE(f.statements.size() == 3);
  CHECK(f.text(f.statements[0]) == "CREATE TABLE a (id int)");
  CHECK(f.text(f.statements[1]) == "SELECT 1");
  CHECK(f.text(f.statements[2]) == "DROP TABLE a");
  CHECK(f.statements[0].kind == "CreateStmt");
  CHECK(f.problems.empty());
  CHECK(f.comments().size() == 2);
}

TEST_CASE("a syntax error is reported at its position and the rest of the file is still parsed", "[parser]") {
  auto f = parse("CREATE TABLE a (id int);\nALTER TABLE a ADD COLUM x int;\nCREATE TABLE ü (id int);\n");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::SyntaxError);
  Position p = f.source->lines.position(f.problems[0].begin);
  CHECK(p.line == 2);
  CHECK(p.column == 27);  // at "int"
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[1].kind == "CreateStmt");
  CHECK(f.source->lines.position(f.statements[1].begin).line == 3);
}

TEST_CASE("syntax error columns count code points, not bytes", "[parser]") {
  auto f = parse("SELECT 'ééé' FRM t;");  // FRM is an alias; the error is at t
  REQUIRE(f.problems.size() == 1);
  CHECK(f.source->lines.position(f.problems[0].begin).column == 18);  // byte 21
}

TEST_CASE("an unterminated string does not hide statements before it", "[parser]") {
  auto f = parse("DROP TABLE a;\nSELECT 'oops;\n");
  REQUIRE(f.statements.size() == 1);
  CHECK(f.statements[0].kind == "DropStmt");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.source->lines.position(f.problems[0].begin).line == 2);
}

TEST_CASE("psql meta-commands and template placeholders are noted and skipped", "[parser]") {
  auto f = parse("\\set ON_ERROR_STOP on\nCREATE TABLE ${schema}.t (id int);\n  \\c other\nDROP TABLE {{ name }};\n");
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].kind == "CreateStmt");
  CHECK(f.statements[1].kind == "DropStmt");
  int meta = 0, placeholders = 0;
  for (const auto& p : f.problems) {
    meta += p.kind == ProblemKind::MetaCommand;
    placeholders += p.kind == ProblemKind::Placeholder;
  }
  CHECK(meta == 2);
  CHECK(placeholders == 2);
}

TEST_CASE("lexer: dollar quotes, escapes, nested comments and quoted identifiers", "[parser]") {
  std::string sql = "SELECT $f$ ; $$ $f$, E'it\\'s', 'a''b', \"we\"\"ird\" /* a /* nested */ ; */ ;";
  auto toks = lex(sql);
  int strings = 0, comments = 0, semicolons = 0;
  for (const auto& t : toks) {
    strings += t.kind == TokenKind::String;
    comments += t.kind == TokenKind::BlockComment;
    semicolons += t.kind == TokenKind::Punct && sql[t.begin] == ';';
  }
  CHECK(strings == 3);
  CHECK(comments == 1);
  CHECK(semicolons == 1);
}

TEST_CASE("a Go-template placeholder inside a quoted identifier is one placeholder", "[parser]") {
  auto f = parse("CREATE INDEX IF NOT EXISTS i ON \"{{ index .Options \"Namespace\" }}\".identities (user_id);");
  REQUIRE(f.statements.size() == 1);
  CHECK(f.statements[0].kind == "IndexStmt");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::Placeholder);
}

TEST_CASE("a UTF-8 byte order mark is ignored and not counted as a column", "[parser]") {
  auto f = parse("\xEF\xBB\xBF" "ALTER TABLE t DROP COLUMN c;\nSELECT 1;");
  CHECK(f.problems.empty());
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].kind == "AlterTableStmt");
  CHECK(f.source->lines.position(f.statements[0].begin).column == 1);
}
