#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "parser/allocator.h"
#include "parser/ast.h"
#include "parser/parse.h"
#include "parser/table_elements.h"
#include "parser/token_search.h"
#include "parser/tree_blocks.h"
#include "rules/tree_release.h"
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

TEST_CASE("line index: columns past the first 1024-byte block, with and without multibyte characters", "[parser]") {
  std::string ascii = "-- " + std::string(3000, 'x') + "\nSELECT 1";
  LineIndex a(ascii);
  CHECK(a.position(2500).column == 2501);
  CHECK(a.position(ascii.size() - 1).line == 2);
  CHECK(a.position(ascii.size() - 1).column == 8);
  std::string wide = "-- \xC3\xA9" + std::string(3000, 'x') + "\xC3\xA9y\nz";  // é ... é y
  LineIndex w(wide);
  CHECK(w.position(2500).column == 2500);            // one two-byte character before it
  CHECK(w.position(3000 + 7).column == 3000 + 6);    // 'y' after the second é
  CHECK(w.position(wide.size() - 1).column == 1);
  CHECK(w.position(100000).line == 2);  // clamps
}

TEST_CASE("line index: every offset agrees with a byte-by-byte count, LF-only or with CRs, ASCII or not", "[parser]") {
  // LineIndex takes shortcuts (memchr when there is no CR, no block counts
  // for ASCII text): each must give what counting byte by byte gives.
  auto expected = [](std::string_view text, std::size_t offset) {
    Position p;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
      bool crlf = text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
      if (text[i] == '\n' || (text[i] == '\r' && !crlf)) {
        ++p.line;
        p.column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {  // the CR of a CRLF is on its line
        ++p.column;
      }
    }
    return p;
  };
  const std::string texts[] = {
      "SELECT 1;\nSELECT 2;\n\n-- end\n",
      "ab\r\ncd\n\ref\r",                           // CRLF, LF, lone CR, CR at the end
      "caf\xC3\xA9;\nx\n" + std::string(1030, 'y') + "\xE2\x82\xAC z",  // UTF-8, past a block
      "a\xE9" "b\nc\xFF",                            // Latin-1 bytes: above 0x7F, no continuation bytes
      std::string(13, 'x') + "\xC3\xA9",              // the multibyte character in the tail after 8-byte words
  };
  for (const std::string& text : texts) {
    LineIndex idx(text);
    for (std::size_t offset = 0; offset <= text.size(); ++offset) {
      INFO("text " << text.substr(0, 20) << ", offset " << offset);
      Position got = idx.position(offset), want = expected(text, offset);
      CHECK(got.line == want.line);
      CHECK(got.column == want.column);
    }
  }
}

TEST_CASE("lexer: a word or a run of blanks ends at the first byte of another class, or at the end", "[parser]") {
  auto words = [](std::string_view sql) {
    std::string out;
    for (const Token& t : lex(sql)) out += std::string(sql.substr(t.begin, t.end - t.begin)) + "|";
    return out;
  };
  CHECK(words("abc") == "abc|");
  CHECK(words("a") == "a|");
  CHECK(words("ab  \t") == "ab|");
  CHECK(words(" \t\f\v x$1_\xC3\xA9;y") == "x$1_\xC3\xA9|;|y|");
  CHECK(words("a\nb\r\nc") == "a|b|c|");
  CHECK(words("   ").empty());
  // A view that ends inside a longer text stops at the view's end.
  std::string text = "SELECT abcdef";
  CHECK(words(std::string_view(text).substr(0, 9)) == "SELECT|ab|");
}

TEST_CASE("lexer: a line comment or meta-command ends at the first LF or CR, or at the end", "[parser]") {
  auto span = [](const std::string& sql, std::size_t k) {
    auto toks = lex(sql);
    REQUIRE(toks.size() > k);
    return std::string(sql.substr(toks[k].begin, toks[k].end - toks[k].begin));
  };
  CHECK(span("-- a\nSELECT", 0) == "-- a");
  CHECK(span("-- a\rSELECT", 0) == "-- a");
  CHECK(span("-- a\r\nSELECT", 0) == "-- a");
  CHECK(span("-- a \r b\nSELECT", 0) == "-- a ");  // a CR before the LF
  CHECK(span("SELECT 1 -- to the end", 2) == "-- to the end");
  CHECK(span("--", 0) == "--");
  CHECK(span("\\set x 1\rSELECT", 0) == "\\set x 1");
  CHECK(span("\\echo done", 0) == "\\echo done");
  CHECK(lex("-- a\rSELECT")[1].kind == TokenKind::Word);
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

  // Comments inside a statement stay in it; those after its last word do not.
  auto g = parse("SELECT 1 /* in */ + 2 -- after\n/* more */ ; -- alone\n; SELECT 3 -- end");
  REQUIRE(g.statements.size() == 2);
  CHECK(g.text(g.statements[0]) == "SELECT 1 /* in */ + 2");
  CHECK(g.statements[0].first_token == 0);
  CHECK(g.statements[0].end_token == 5);  // SELECT 1 /* in */ + 2
  CHECK(g.text(g.statements[1]) == "SELECT 3");
  CHECK(g.text(g.tokens[g.statements[1].end_token - 1]) == "3");
}

TEST_CASE("a syntax error is reported at its position and the rest of the file is still parsed", "[parser]") {
  auto f = parse("CREATE TABLE a (id int);\nALTER TABLE a ADD COLUM x int;\nCREATE TABLE ü (id int);\n");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::SyntaxError);
  Position p = f.source->lines.position(f.problems[0].begin);
  CHECK(p.line == 2);
  CHECK(p.column == 27);  // at "int"
  // The statement that does not parse stays in the file, without a parse tree.
  REQUIRE(f.statements.size() == 3);
  CHECK(f.statements[1].kind == kUnparsedKind);
  CHECK(f.text(f.statements[1]) == "ALTER TABLE a ADD COLUM x int");
  CHECK(f.statements[2].kind == "CreateStmt");
  CHECK(f.source->lines.position(f.statements[2].begin).line == 3);
}

TEST_CASE("syntax error columns count code points, not bytes", "[parser]") {
  auto f = parse("SELECT 'ééé' FRM t;");  // FRM is an alias; the error is at t
  REQUIRE(f.problems.size() == 1);
  CHECK(f.source->lines.position(f.problems[0].begin).column == 18);  // byte 21
}

TEST_CASE("an unterminated string does not hide statements before it", "[parser]") {
  auto f = parse("DROP TABLE a;\nSELECT 'oops;\n");
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].kind == "DropStmt");
  CHECK(f.statements[1].kind == kUnparsedKind);
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

TEST_CASE("the rows after COPY ... FROM stdin are data up to the \\. line, not statements", "[parser]") {
  // pg_dump style: tab-separated rows with quotes, semicolons and SQL-looking text.
  std::string sql =
      "COPY public.t (id, note) FROM stdin;\n"
      "1\tit's; DROP TABLE t;\n"
      "2\t\\N\n"
      "\\.\n"
      "copy t from STDIN with (format csv); -- lower case, options\r\n"
      "3,\"a \"\"quoted\"\" ; value\r\n"
      "\\.\r\n"
      "SELECT 1;\n"
      "\\copy t from stdin\n"
      "4\tx'y\n"
      "\\.\n"
      "DROP TABLE t;\n";
  ParsedFile f = parse(sql);
  CHECK(f.problems.size() == 1);  // the \copy meta-command; the rows give no syntax error
  REQUIRE(f.statements.size() == 4);
  CHECK(f.statements[0].kind == "CopyStmt");
  CHECK(f.statements[1].kind == "CopyStmt");
  CHECK(f.statements[2].kind == "SelectStmt");
  CHECK(f.source->lines.position(f.statements[2].begin).line == 8);
  CHECK(f.statements[3].kind == "DropStmt");
  CHECK(f.source->lines.position(f.statements[3].begin).line == 12);
  // COPY ... TO stdout and COPY FROM a file have no inline rows; without a \. line the rows run to the end.
  CHECK(parse("COPY t TO stdout;\nSELECT 1;\nCOPY t FROM '/tmp/x';\nSELECT 2;\n").statements.size() == 4);
  ParsedFile open = parse("COPY t FROM stdin;\n1\t2\n3\t4\n");
  CHECK(open.statements.size() == 1);
  CHECK(open.problems.empty());
}

TEST_CASE("statements: the kind tag the analysis dispatches on always names the statement's node", "[parser]") {
  // Catalog, context and effects dispatch on Statement::tag; the reporters print Statement::kind.
  auto file = parse(
      "BEGIN; CREATE TABLE t (a int); ALTER TABLE t ADD b int; CREATE INDEX i ON t (a); DROP INDEX i;\n"
      "ALTER TABLE t RENAME TO u; CREATE VIEW v AS SELECT 1; INSERT INTO u VALUES (1); UPDATE u SET a = 2;\n"
      "DELETE FROM u; TRUNCATE u; CREATE SEQUENCE s; ALTER SEQUENCE s RESTART; CREATE TYPE e AS ENUM ('x');\n"
      "ALTER TYPE e ADD VALUE 'y'; SET lock_timeout = '1s'; DISCARD ALL; COMMIT; SELEC 1;\n"
      "DO $$ BEGIN PERFORM 1; END $$; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
  REQUIRE(file.statements.size() > 20);
  for (const Statement& s : file.statements) {
    INFO(s.kind);
    CHECK(s.tag == statement_kind(s.kind));
    if (s.kind != kUnparsedKind) CHECK(s.tag != StmtKind::Other);
  }
}

TEST_CASE("statement kinds: each kind's name finds that kind, and a name that is no kind's finds none", "[parser]") {
#define MIGRASAFE_KIND_CHECK(name)                                                 \
  CHECK(statement_kind(#name) == StmtKind::name);                                  \
  CHECK(statement_kind(#name "s") == StmtKind::Other);                             \
  CHECK(statement_kind(std::string_view(#name).substr(1)) == StmtKind::Other);     \
  CHECK(statement_kind(std::string_view(#name).substr(0, 4)) == StmtKind::Other);
  MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_KIND_CHECK)
#undef MIGRASAFE_KIND_CHECK
  CHECK(statement_kind("") == StmtKind::Other);
  CHECK(statement_kind("altertablestmt") == StmtKind::Other);
  CHECK(statement_kind("String") == StmtKind::Other);
}

TEST_CASE("statement kinds: set_kind keeps the node's name as static text and its kind's tag", "[parser]") {
  auto check = [](const std::string& name, StmtKind expected) {
    std::string buffer = name;  // overwritten below: the kind must not point into it
    Statement st;
    st.set_kind(buffer);
    std::fill(buffer.begin(), buffer.end(), '#');
    INFO(name);
    CHECK(st.kind == name);
    CHECK(st.tag == expected);
  };
#define MIGRASAFE_SET_KIND_CHECK(name) check(#name, StmtKind::name);
  MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_SET_KIND_CHECK)
#undef MIGRASAFE_SET_KIND_CHECK
  check(std::string(kUnparsedKind), StmtKind::UnparsedStmt);
  check("String", StmtKind::Other);        // a node that is no statement
  check("NoSuchStmtNode", StmtKind::Other);  // a name no node has (a JSON tree's)
}

TEST_CASE("lexer: every byte is classed as <cctype> classes it in the C locale", "[parser]") {
  // The lexer tests character classes itself (no library call per byte).
  for (int c = 1; c < 0x100; ++c) {
    if (c == '\n' || c == '\r') continue;  // line breaks: their own rules (COPY data, meta-commands)
    const auto u = static_cast<unsigned char>(c);
    INFO("byte " << c);
    // In a word: letters, digits, _ and $, and every non-ASCII byte.
    const std::string word = std::string("x") + static_cast<char>(c) + "y";
    const bool in_word = std::isalnum(u) || c == '_' || c == '$' || c >= 0x80;
    auto toks = lex(word);
    CHECK((toks.size() == 1 && toks[0].kind == TokenKind::Word && toks[0].end == 3) == in_word);
    // Between two words: white space separates them and is no token.
    toks = lex(std::string("x") + static_cast<char>(c) + " y");
    if (std::isspace(u)) CHECK(toks.size() == 2);
    // A number goes on through letters, digits, '.' and '_'.
    toks = lex(std::string("1") + static_cast<char>(c) + "2");
    const bool in_number = std::isalnum(u) || c == '.' || c == '_';
    CHECK((toks.size() == 1 && toks[0].kind == TokenKind::Number) == in_number);
    // A word starts at a letter, '_' or a non-ASCII byte.
    toks = lex(std::string(" ") + static_cast<char>(c));
    const bool starts_word = std::isalpha(u) || c == '_' || c >= 0x80;
    CHECK((toks.size() == 1 && toks[0].kind == TokenKind::Word) == starts_word);
  }
}

TEST_CASE("lexer: a token's first byte and the bytes after it choose its kind and its end", "[parser]") {
  // Each case of the choice at a token's first byte, with the byte alone (a
  // punctuation token) and with what makes it start a longer token.
  auto first = [](std::string_view sql) {
    auto toks = lex(sql);
    REQUIRE(!toks.empty());
    return std::pair(toks[0].kind, std::string(sql.substr(toks[0].begin, toks[0].end - toks[0].begin)));
  };
  using K = TokenKind;
  CHECK(first("- 1") == std::pair(K::Punct, std::string("-")));
  CHECK(first("-- c\n1") == std::pair(K::LineComment, std::string("-- c")));
  CHECK(first("/ 2") == std::pair(K::Punct, std::string("/")));
  CHECK(first("/* c */ 1") == std::pair(K::BlockComment, std::string("/* c */")));
  CHECK(first("\\i f.sql\n") == std::pair(K::MetaCommand, std::string("\\i f.sql")));
  CHECK(lex("x \\i f")[1].kind == K::Punct);  // a backslash not at a line's start
  CHECK(first("{ x") == std::pair(K::Punct, std::string("{")));
  CHECK(first("{{ .X }} y") == std::pair(K::Placeholder, std::string("{{ .X }}")));
  CHECK(first("{{ .X\n}}") == std::pair(K::Punct, std::string("{")));  // not closed on its line
  CHECK(first("${x} y") == std::pair(K::Placeholder, std::string("${x}")));
  CHECK(first("$1 x") == std::pair(K::Param, std::string("$1")));
  CHECK(first("$t$ a $t$ x") == std::pair(K::String, std::string("$t$ a $t$")));
  CHECK(first("$ x") == std::pair(K::Punct, std::string("$")));
  CHECK(first("\"a\"\"b\" x") == std::pair(K::QuotedIdent, std::string("\"a\"\"b\"")));
  CHECK(first("\"{{ .S \"x\" }}\" y") == std::pair(K::Placeholder, std::string("\"{{ .S \"x\" }}\"")));
  CHECK(first("'a''b' x") == std::pair(K::String, std::string("'a''b'")));
  CHECK(first("E'a\\'b' x") == std::pair(K::String, std::string("E'a\\'b'")));
  CHECK(first(".5e3 x") == std::pair(K::Number, std::string(".5e3")));
  CHECK(first(". x") == std::pair(K::Punct, std::string(".")));
  CHECK(first("1..2") == std::pair(K::Number, std::string("1")));
  CHECK(first("; x") == std::pair(K::Punct, std::string(";")));
  // A `;` ends a statement for COPY's data, also right after a comment or a line break.
  auto copy = lex("COPY t FROM STDIN /* c */;\n1\t2\n\\.\nSELECT 1;");
  REQUIRE(copy.size() > 7);
  CHECK(copy[6].kind == K::CopyData);
  CHECK(copy[7].kind == K::Word);
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

TEST_CASE("a quoted template placeholder names what the bare one names", "[parser]") {
  auto f = parse("ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD COLUMN phone text;\n"
                 "ALTER TABLE \"{{ index .Options \"Namespace\" }}\".\"users\" RENAME COLUMN a TO b;");
  REQUIRE(f.statements.size() == 2);
  auto schema_of = [&](const Statement& s) { return std::string(ast::str(*ast::field(s.node, "relation"), "schemaname")); };
  CHECK(schema_of(f.statements[0]) == schema_of(f.statements[1]));
  CHECK(f.restore_placeholders(schema_of(f.statements[1]) + ".users") == "{{ index .Options \"Namespace\" }}.users");
  CHECK(f.placeholders.size() == 1);
}

TEST_CASE("a UTF-8 byte order mark is ignored and not counted as a column", "[parser]") {
  auto f = parse("\xEF\xBB\xBF" "ALTER TABLE t DROP COLUMN c;\nSELECT 1;");
  CHECK(f.problems.empty());
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].kind == "AlterTableStmt");
  CHECK(f.source->lines.position(f.statements[0].begin).column == 1);
}

namespace {
// The token reading of the only statement of `sql`, which must not parse.
TokenReading reading_of(const std::string& sql) {
  auto f = parse(sql);
  REQUIRE(f.statements.size() == 1);
  REQUIRE(f.statements[0].kind == kUnparsedKind);
  REQUIRE(f.statements[0].reading);
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].grammar);
  CHECK(f.problems[0].read_from_words == describe(*f.statements[0].reading));
  return *f.statements[0].reading;
}
}  // namespace

TEST_CASE("token reading: what a statement the grammar rejects creates, drops and renames", "[parser][newer-syntax]") {
  using A = TokenReading::Action;
  using O = TokenReading::Object;
  auto t = reading_of("CREATE UNLOGGED TABLE IF NOT EXISTS \"App\".Actions AS SELECT 1 FROM (SELECT 1)");
  CHECK(t.action == A::Create);
  CHECK(t.object == O::Table);
  CHECK(t.if_not_exists);
  CHECK(t.names == std::vector<NameParts>{{"App", "actions"}});
  CHECK(describe(t) == "creates table `App.actions` (new in this migration; its columns are unknown)");

  auto i = reading_of("CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY s.t ((JSON_OBJECT('a': x)))");
  CHECK(i.action == A::Create);
  CHECK(i.object == O::Index);
  CHECK(i.unique);
  CHECK(i.concurrently);
  CHECK(i.names == std::vector<NameParts>{{"i"}});
  CHECK(i.index_table == NameParts{"s", "t"});

  auto unnamed = reading_of("CREATE INDEX ON t ((JSON_OBJECT('a': x)))");
  CHECK(unnamed.names == std::vector<NameParts>{{}});
  CHECK(unnamed.index_table == NameParts{"t"});

  auto seq = reading_of("CREATE SEQUENCE s START 1_000");
  CHECK(seq.object == O::Sequence);
  CHECK(seq.names == std::vector<NameParts>{{"s"}});

  auto v = reading_of("CREATE OR REPLACE VIEW v AS SELECT * FROM (SELECT 1)");
  CHECK(v.object == O::View);
  CHECK(v.names == std::vector<NameParts>{{"v"}});

  // CREATE TABLE AS: the tables its query reads rows from; a FROM inside a
  // function call's parentheses is an argument.
  auto copy = reading_of("CREATE TABLE c (a, b) AS SELECT EXTRACT(EPOCH FROM x.at), y.b FROM (SELECT * FROM s.x "
                         "JOIN y ON true) GROUP BY 1, 2 UNION SELECT 1, 2 FROM z AS zz, ONLY w");
  CHECK(copy.reads_from == std::vector<NameParts>{{"s", "x"}, {"y"}, {"z"}, {"w"}});
  CHECK(describe(copy) == "creates table `c` (new in this migration; its columns are unknown) from the rows of `s.x`, "
                          "`y`, `z`, `w`");
  CHECK(reading_of("CREATE TEMP TABLE c AS SELECT 1 FROM (SELECT * FROM x)").reads_from.empty());

  auto r = reading_of("ALTER TABLE IF EXISTS ONLY a RENAME TO b x");
  CHECK(r.action == A::Alter);  // not a plain RENAME TO: only the lock is certain
  CHECK(r.names == std::vector<NameParts>{{"a"}});
}

TEST_CASE("token reading: ALTER TABLE locks its table and lists PostgreSQL 18 NOT NULL constraints", "[parser][newer-syntax]") {
  std::string sql = "ALTER TABLE ONLY public.orders\n  ADD CONSTRAINT n1 NOT NULL status,\n  ALTER COLUMN total SET "
                    "DEFAULT f(1, 2),\n  ADD NOT NULL note NOT VALID,\n  ADD COLUMN IF NOT EXISTS a int,\n  ADD b text,\n"
                    "  ADD CONSTRAINT u UNIQUE (b)";
  auto a = reading_of(sql);
  CHECK(a.action == TokenReading::Action::Alter);
  CHECK(a.names == std::vector<NameParts>{{"public", "orders"}});
  CHECK(a.commands == 6);
  REQUIRE(a.added_columns.size() == 2);
  CHECK(a.added_columns[0].name == "a");
  CHECK(a.added_columns[0].if_not_exists);
  CHECK(a.added_columns[1].name == "b");
  CHECK_FALSE(a.added_columns[1].if_not_exists);
  REQUIRE(a.not_null.size() == 2);
  CHECK(a.not_null[0].column == "status");
  CHECK_FALSE(a.not_null[0].not_valid);
  CHECK(sql.substr(a.not_null[0].begin, a.not_null[0].end - a.not_null[0].begin) == "ADD CONSTRAINT n1 NOT NULL status");
  CHECK(a.not_null[1].column == "note");
  CHECK(a.not_null[1].not_valid);
  CHECK(describe(a) ==
        "locks table `public.orders` with ACCESS EXCLUSIVE (assumed), adds column `a` IF NOT EXISTS, adds column `b`, "
        "adds a NOT NULL constraint on `status`, "
        "adds a NOT NULL constraint on `note` NOT VALID");
}

TEST_CASE("token reading: statements it does not know establish nothing", "[parser][newer-syntax]") {
  CHECK(reading_of("SELECT JSON_OBJECT('a': 1)").empty());
  CHECK(reading_of("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *").empty());
  CHECK(reading_of("DROP TABLE a, b junk").empty());  // not a DROP this reader knows
  CHECK(reading_of("ALTER INDEX i SET (x = 1_0)").empty());
  CHECK(describe(reading_of("SELECT doc IS JSON FROM t")).empty());
}

TEST_CASE("table element views: CREATE TABLE elements, ALTER TABLE subcommands, what either adds", "[parser]") {
  ParsedFile create = parse("CREATE TABLE t (a int NOT NULL, b int REFERENCES u, CONSTRAINT pk PRIMARY KEY (a), LIKE v);");
  REQUIRE(create.statements.size() == 1);
  const Json& c = create.statements[0].node;
  std::vector<std::string> seen;
  for (const TableElement& e : table_elements(c))
    seen.push_back(e.column ? "column " + std::string(ast::str(*e.column, "colname"))
                   : e.constraint ? "constraint " + std::string(ast::str(*e.constraint, "conname"))
                                  : "other " + std::string(ast::kind(*e.node)));
  CHECK(seen == std::vector<std::string>{"column a", "column b", "constraint pk", "other TableLikeClause"});
  std::vector<std::string> constraints;
  int added = 0;
  for (const TableElement& e : added_table_elements(c)) {
    ++added;
    for_each_constraint(e, [&](std::string_view column, const Json& con) {
      constraints.push_back(std::string(column) + ":" + std::string(ast::str(con, "contype")));
    });
  }
  CHECK(added == 3);  // LIKE adds no column of its own
  CHECK(constraints == std::vector<std::string>{"a:CONSTR_NOTNULL", "b:CONSTR_FOREIGN", ":CONSTR_PRIMARY"});

  ParsedFile alter = parse(
      "ALTER TABLE t ADD COLUMN c int, DROP CONSTRAINT x, ADD CONSTRAINT y CHECK (c > 0), ALTER COLUMN a SET NOT NULL;");
  REQUIRE(alter.statements.size() == 1);
  const Json& a = alter.statements[0].node;
  std::vector<std::string> commands;
  for (const AlterTableCommand& cmd : alter_table_commands(a))
    commands.push_back(std::to_string(cmd.index) + " " + std::string(cmd.subtype) + " " + std::string(cmd.name) +
                       (cmd.column ? " column" : "") + (cmd.constraint ? " constraint" : ""));
  CHECK(commands == std::vector<std::string>{"0 AT_AddColumn  column", "1 AT_DropConstraint x",
                                             "2 AT_AddConstraint  constraint", "3 AT_SetNotNull a"});
  std::vector<std::string> adds;
  for (const TableElement& e : added_table_elements(a))
    adds.push_back(e.column ? std::string(ast::str(*e.column, "colname")) : std::string(ast::str(*e.constraint, "conname")));
  CHECK(adds == std::vector<std::string>{"c", "y"});
  CHECK(alter_table_commands(c).begin() == alter_table_commands(c).end());  // a CREATE TABLE has no subcommands
}

TEST_CASE("a file larger than one parse run gives the statements, spans and locations a whole parse gives", "[parser]") {
  // Plain statements are parsed a run at a time. Functions with BEGIN ATOMIC
  // bodies put semicolons inside statements all through the file, so a run
  // boundary falls inside one of them: that file is parsed whole.
  const bool atomic_bodies = GENERATE(false, true);
  std::string body;
  for (int k = 0; k < 60; ++k) body += " SELECT " + std::to_string(k) + ";";
  std::string sql;
  struct Expected {
    std::size_t begin;
    std::string kind;
    std::string table;  // ALTER TABLE's table name, located through its parse tree
  };
  std::vector<Expected> expected;
  for (int i = 0; sql.size() < 1200 * 1024; ++i) {
    sql += "-- step " + std::to_string(i) + "\n";
    expected.push_back({sql.size(), "CreateFunctionStmt", ""});
    sql += "CREATE FUNCTION f" + std::to_string(i) + "() RETURNS int LANGUAGE sql " +
           (atomic_bodies ? "BEGIN ATOMIC" + body + " END" : "RETURN " + std::to_string(i)) + ";\n";
    std::string table = "t" + std::to_string(i);
    expected.push_back({sql.size(), "AlterTableStmt", table});
    sql += "ALTER TABLE " + table + " ADD COLUMN c integer;\n";
  }
  ParsedFile f = parse(sql);
  CHECK(f.problems.empty());
  std::vector<const Statement*> top_level;  // the bodies' statements follow their function
  for (const Statement& s : f.statements)
    if (!s.embedded()) top_level.push_back(&s);
  REQUIRE(top_level.size() == expected.size());
  if (atomic_bodies) CHECK(f.statements.size() == expected.size() + (expected.size() / 2) * 60);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Statement& s = *top_level[i];
    INFO("statement " << i);
    CHECK(s.begin == expected[i].begin);
    CHECK(s.kind == expected[i].kind);
    if (expected[i].table.empty()) continue;
    const Json* relation = ast::field(s.node, "relation");
    REQUIRE(relation != nullptr);
    std::size_t at = s.location_base + static_cast<std::size_t>(ast::location(*relation));
    CHECK(sql.substr(at, expected[i].table.size()) == expected[i].table);
  }
}

TEST_CASE("a syntax error in a file larger than one parse run is reported once and the rest is parsed", "[parser]") {
  std::string sql;
  std::size_t statements = 0;
  for (int i = 0; sql.size() < 700 * 1024; ++i, ++statements)
    sql += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c integer;\n";
  std::size_t bad_at = sql.size();
  sql += "ALTER TABLE oops ADD COLUMN;\n";
  for (int i = 0; i < 1000; ++i, ++statements) sql += "CREATE INDEX i" + std::to_string(i) + " ON t (c);\n";
  ParsedFile f = parse(sql);
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::SyntaxError);
  CHECK(f.problems[0].begin > bad_at);
  std::size_t parsed = std::count_if(f.statements.begin(), f.statements.end(),
                                     [](const Statement& s) { return s.kind != kUnparsedKind; });
  CHECK(parsed == statements);
  CHECK(f.statements.back().kind == "IndexStmt");
}

namespace {
// Everything parse_file gives, as text: tokens, statements (with their parse
// trees, locations made file offsets), problems and placeholders.
void describe_tree(const Json& node, std::size_t location_base, std::string& out) {
  switch (node.type()) {
    case Json::Type::Object:
      out += '{';
      for (const auto& member : node.items()) {
        out += std::string(member.key()) + ':';
        if (member.key() == "location" && member.value.is_number_integer() && member.value.as_int() >= 0)
          out += std::to_string(location_base + static_cast<std::size_t>(member.value.as_int()));
        else
          describe_tree(member.value, location_base, out);
        out += ',';
      }
      out += '}';
      break;
    case Json::Type::Array:
      out += '[';
      for (const Json& element : node) describe_tree(element, location_base, out), out += ',';
      out += ']';
      break;
    case Json::Type::String: out += '"' + std::string(node.as_string()) + '"'; break;
    case Json::Type::Int: out += std::to_string(node.as_int()); break;
    case Json::Type::Bool: out += node.as_bool() ? "true" : "false"; break;
    default: out += '?';
  }
}

std::string describe_parse(const ParsedFile& f) {
  std::string out;
  for (const Token& t : f.tokens)
    out += std::to_string(static_cast<int>(t.kind)) + '@' + std::to_string(t.begin) + '-' + std::to_string(t.end) + ' ';
  out += '\n';
  for (const Statement& s : f.statements) {
    out += std::string(s.kind) + ' ' + std::to_string(s.begin) + '-' + std::to_string(s.end) + " tokens " +
           std::to_string(s.first_token) + '-' + std::to_string(s.end_token) + " parent " + std::to_string(s.parent) +
           (s.exact ? " exact" : "") + (s.deferred ? " deferred" : "") + (s.via_execute ? " execute" : "") +
           " unseen " + std::string(s.body_unseen()) + ' ';
    describe_tree(s.node, s.location_base, out);
    for (const Json& e : s.body_expressions()) describe_tree(e, s.location_base, out);
    out += '\n';
  }
  for (const ParseProblem& p : f.problems)
    out += std::to_string(static_cast<int>(p.kind)) + ' ' + std::to_string(p.begin) + '-' + std::to_string(p.end) + ' ' +
           p.message + '\n';
  for (const auto& [identifier, placeholder] : f.placeholders) out += identifier + '=' + placeholder + '\n';
  return out;
}

void check_same_parse(const std::string& whole, const std::string& chunked) {
  // Not CHECK(a == b): a difference in 2 MB of text would be printed whole.
  auto [a, b] = std::mismatch(whole.begin(), whole.end(), chunked.begin(), chunked.end());
  INFO("first difference at " << (a - whole.begin()) << ": " << std::string(a, std::min(a + 200, whole.end())) << " | "
                              << std::string(b, std::min(b + 200, chunked.end())));
  CHECK((a == whole.end() && b == chunked.end()));
}
}  // namespace

TEST_CASE("a big file parses to the same tokens, statements, trees and problems whole or in chunks on any threads", "[parser]") {
  // Chunks are parsed on several threads, each with its share of the tokens
  // (DO bodies in the file verbatim add theirs), its bodies' problems and
  // placeholders, and joined in file order.
  std::string sql;
  for (int i = 0; sql.size() < 300 * 1024; ++i) {
    std::string n = std::to_string(i);
    sql += "-- step " + n + "\n\\set x " + n + "\n";
    sql += "ALTER TABLE t" + n + " ADD COLUMN c integer;\n";
    sql += "DO $$ BEGIN\n  -- in the body\n  ALTER TABLE t" + n + " ADD COLUMN d integer;\n  EXECUTE 'DROP TABLE u" + n +
           "';\nEND $$;\n";
    if (i % 7 == 0)
      sql += "CREATE FUNCTION f" + n + "() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE {{ .Schema" + n +
             " }}.t SET a = 1; END $$;\n";
    if (i % 11 == 0) sql += "DO $$ BEGIN PERFORM 1 +; END $$;\n";  // a body that does not parse
    if (i % 13 == 0) sql += "CREATE TABLE {{ .Other }}.x" + n + " (id bigint);\n";
  }
  auto source = std::make_shared<const SourceFile>("big.sql", sql);
  ParsedFile parsed_whole = parse_file(source, ChunkSettings{sql.size(), 1});
  const std::string whole = describe_parse(parsed_whole);
  REQUIRE(whole.find("DoStmt") != std::string::npos);
  for (unsigned threads : {1u, 2u, 4u}) {
    INFO(threads << " threads");
    ParsedFile chunked = parse_file(source, ChunkSettings{16 * 1024, threads});
    CHECK(chunked.trees.size() > parsed_whole.trees.size() + 10);  // parsed in chunks: a tree each
    CHECK(chunked.problems.size() > 10);
    CHECK(chunked.placeholders.size() > 10);
    check_same_parse(whole, describe_parse(chunked));
  }
}

TEST_CASE("a big file with syntax errors in some chunks parses as it does whole: those chunks statement by statement", "[parser]") {
  // A chunk that does not parse as one run is parsed a statement at a time
  // on the chunk threads, as the whole file is when it does not parse: the
  // same statements, errors at the same places, in the same order, the
  // bodies' problems after the statements'.
  std::string sql;
  for (int i = 0; sql.size() < 200 * 1024; ++i) {
    std::string n = std::to_string(i);
    sql += "ALTER TABLE t" + n + " ADD COLUMN c integer;\n";
    // A body whose semicolons are not the file's, longer than a chunk's start.
    sql += "CREATE FUNCTION f" + n + "() RETURNS void LANGUAGE plpgsql AS $$ BEGIN\n";
    for (int k = 0; k < 20; ++k) sql += "  UPDATE t" + n + " SET c = " + std::to_string(k) + "; -- ; not an end\n";
    sql += "END $$;\n";
    if (i % 40 == 20) sql += "ALTER TABLE t" + n + " ADD COLUMN;\n";  // does not parse
    if (i % 9 == 6) sql += "DO $$ BEGIN PERFORM 1 +; END $$;\n";    // its body does not parse
    if (i % 60 == 30) {  // nested too deeply to read (a + chain, as in raw_parse_tests)
      sql += "SELECT 1";
      for (int k = 0; k < 10100; ++k) sql += " + 1";
      sql += ";\n";
    }
  }
  auto source = std::make_shared<const SourceFile>("big.sql", sql);
  ParsedFile parsed_whole = parse_file(source, ChunkSettings{sql.size(), 1});
  auto problems_of = [&](ProblemKind kind) {
    return std::count_if(parsed_whole.problems.begin(), parsed_whole.problems.end(),
                         [&](const ParseProblem& p) { return p.kind == kind; });
  };
  REQUIRE(problems_of(ProblemKind::SyntaxError) > 10);  // the statements' and the DO bodies'
  REQUIRE(problems_of(ProblemKind::TooDeep) >= 2);
  const std::string whole = describe_parse(parsed_whole);
  for (std::size_t chunk_bytes : {4 * 1024, 16 * 1024})
    for (unsigned threads : {1u, 2u}) {
      INFO(chunk_bytes << " bytes, " << threads << " threads");
      ParsedFile chunked = parse_file(source, ChunkSettings{chunk_bytes, threads});
      CHECK(chunked.trees.size() < parsed_whole.trees.size());  // the chunks without errors parsed as runs, a tree each
      check_same_parse(whole, describe_parse(chunked));
    }
}

TEST_CASE("a big file with BEGIN ATOMIC bodies, which chunks may split, parses as it does whole", "[parser]") {
  // The body's semicolons split the file's statements: a chunk may end inside
  // it and not parse, although the whole file does.
  for (bool with_error : {false, true}) {
    std::string sql;
    for (int i = 0; sql.size() < 100 * 1024; ++i) {
      std::string n = std::to_string(i);
      sql += "CREATE FUNCTION f" + n + "() RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT " + n + "; END;\n";
      sql += "ALTER TABLE t" + n + " ADD COLUMN c integer;\n";
      if (with_error && i % 50 == 25) sql += "ALTER TABLE t" + n + " ADD COLUMN;\n";
    }
    INFO((with_error ? "with" : "without") << " syntax errors");
    auto source = std::make_shared<const SourceFile>("big.sql", sql);
    const std::string whole = describe_parse(parse_file(source, ChunkSettings{sql.size(), 1}));
    REQUIRE((whole.find("\n0 ") != std::string::npos) == with_error);  // a SyntaxError problem
    check_same_parse(whole, describe_parse(parse_file(source, ChunkSettings{4 * 1024, 2})));
  }
}

static long long mapped_tree_bytes(const ParsedFile& f) {
  long long bytes = 0;
  for (const auto& tree : f.trees)
    if (tree)
      tree->arena().for_each_block([&](const char*, std::size_t size) {
        if (size >= kMappedTreeBlock) bytes += static_cast<long long>(size);
      });
  return bytes;
}

// Bytes malloc has handed out and not yet had back, and the tree blocks
// `parsed` has mapped (malloc does not see them); 0 when the allocator cannot
// tell (a sanitizer's).
static long long heap_in_use(const ParsedFile* parsed = nullptr) {
  const std::optional<std::size_t> allocated = heap_bytes_in_use();
  if (!allocated) return 0;
  return static_cast<long long>(*allocated) + (parsed ? mapped_tree_bytes(*parsed) : 0);
}

// The heap a file's parse holds: each PL/pgSQL body and each expression in
// one is a parse of its own, so a file of many small DO blocks is a file of
// many small trees. Their arenas start small: this file's parse holds about
// 17 times its text; with 4 KiB first blocks it held about twice that.
TEST_CASE("a file of many small DO blocks holds a heap in proportion to its text", "[parser][memory]") {
  std::string sql;
  for (int i = 0; i < 2000; ++i)
    sql += "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'st_" + std::to_string(i) +
           "') THEN CREATE TYPE st_" + std::to_string(i) + " AS ENUM ('new', 'done'); END IF; END $$;\n";
  const long long before = heap_in_use();
  ParsedFile parsed = parse(sql);
  const long long held = heap_in_use(&parsed) - before;
  REQUIRE(parsed.statements.size() == 4000);  // each DO block and the CREATE TYPE in its body
  if (held < static_cast<long long>(sql.size())) return;  // the allocator cannot tell (a sanitizer's)
  INFO("heap held by the parse: " << held << " bytes for " << sql.size() << " bytes of text");
  CHECK(held < 25 * static_cast<long long>(sql.size()));
}

// Most of a parse's memory is its trees' object members (a field name and
// its value). A member keeps its key's length in its value's padding, so it
// takes 24 bytes instead of 32: this file's parse holds about 17.3 times its
// text, and its 216,000 members took 1.7 MB (3.3 times the text) more at 32
// bytes each (20.6 times).
TEST_CASE("a file of plain DDL holds a heap of at most 19 times its text", "[parser][memory]") {
  std::string sql;
  for (int i = 0; sql.size() < 512 * 1024; ++i) {
    std::string t = "app_orders_" + std::to_string(i);
    sql += "CREATE TABLE IF NOT EXISTS " + t + " (\n  id bigserial PRIMARY KEY,\n  c0_name varchar(255) NOT NULL,\n"
           "  c1_amount numeric(12,2),\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n";
    sql += "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS x" + std::to_string(i) + " integer NOT NULL DEFAULT 0;\n";
    sql += "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + t + "_idx ON " + t + " (c0_name) WHERE c0_name IS NOT NULL;\n";
    sql += "UPDATE " + t + " SET c1_amount = DEFAULT WHERE id IN (SELECT id FROM " + t + " WHERE c1_amount IS NULL LIMIT 500);\n";
    sql += "INSERT INTO audit_log (ref, label) VALUES (" + std::to_string(i) + ", 'a'), (2, 'b') ON CONFLICT DO NOTHING;\n";
  }
  const long long before = heap_in_use();
  ParsedFile parsed = parse(sql);
  const long long held = heap_in_use(&parsed) - before;
  REQUIRE(parsed.problems.empty());
  if (held < static_cast<long long>(sql.size())) return;  // the allocator cannot tell (a sanitizer's)
  std::size_t members = 0;
  auto count = [&](auto& self, const Json& n) -> void {
    for (const Json& e : n) self(self, e);
    for (const auto& m : n.items()) {
      ++members;
      self(self, m.value);
    }
  };
  for (const Statement& st : parsed.statements) count(count, st.node);
  INFO("heap held by the parse: " << held << " bytes for " << sql.size() << " bytes of text; " << members
                                  << " object members");
  CHECK(held < 19 * static_cast<long long>(sql.size()));
}

// A large file's trees are built by the parse threads and freed by the
// replay's: in blocks from malloc, the freed memory stayed with arenas no
// later allocation used. Large blocks are mapped (page-aligned), so freeing
// them returns the memory, and they hold most of a large file's trees.
TEST_CASE("tree arena: a large file's trees are mostly in mapped blocks", "[parser][memory]") {
  std::string sql;
  for (int i = 0; sql.size() < 600 * 1024; ++i)
    sql += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c integer NOT NULL DEFAULT 0;\n";
  ParsedFile f = parse(sql);
  REQUIRE(f.trees.size() >= 3);
  std::size_t all = 0, mapped = 0;
  bool aligned = true;
  for (const auto& tree : f.trees)
    tree->arena().for_each_block([&](const char* begin, std::size_t size) {
      all += size;
      if (size < kMappedTreeBlock) return;
      mapped += size;
      aligned = aligned && reinterpret_cast<std::uintptr_t>(begin) % 4096 == 0;
    });
  CHECK(aligned);
  INFO(mapped << " of " << all << " bytes of tree blocks mapped");
  CHECK(mapped * 10 > all * 9);
}

TEST_CASE("tree release: a run's tree is freed once its statements are released; what others read is copied",
          "[parser][memory]") {
  std::string sql;
  for (int i = 0; sql.size() < 600 * 1024; ++i)
    sql += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c integer;\nDROP INDEX IF EXISTS i" + std::to_string(i) + ";\n";
  for (bool keep_read_trees : {true, false}) {
    ParsedFile f = parse(sql);
    REQUIRE(f.problems.empty());
    REQUIRE(f.trees.size() >= 3);  // a file this large is parsed a run of statements at a time
    std::weak_ptr<JsonDocument> first = f.trees.front(), last = f.trees.back();
    TreeRelease release(f, keep_read_trees, 0);
    const std::size_t half = f.statements.size() / 2;
    release.release(0, half);
    CHECK(first.expired());
    CHECK_FALSE(last.expired());
    CHECK(release.documents_freed() >= 1);
    CHECK(f.statements[half].node.is_object());  // not released yet
    CHECK(f.statements[0].kind == "AlterTableStmt");
    CHECK(f.statements[0].node.type() == Json::Type::Null);  // no rule reads it from another statement
    const Statement& drop = f.statements[1];
    REQUIRE(drop.kind == "DropStmt");
    if (keep_read_trees) {  // a copy that reads the same
      CHECK(ast::str(drop.node, "removeType") == "OBJECT_INDEX");
      CHECK(ast::flag(drop.node, "missing_ok"));
      const Json& objects = ast::list(drop.node, "objects");
      REQUIRE(objects.size() == 1);
      auto names = ast::as<"List">(objects[0]);
      REQUIRE(names);
      CHECK(ast::strings(ast::list(*names, "items")) == std::vector<std::string>{"i0"});
    } else {
      CHECK(drop.node.type() == Json::Type::Null);
    }
    release.release(half, f.statements.size());
    CHECK(last.expired());
  }
}

TEST_CASE("tree release: a file whose trees are small keeps them, a large one frees them", "[parser][memory]") {
  auto sql_of = [](std::size_t bytes) {
    std::string sql;
    for (int i = 0; sql.size() < bytes; ++i) sql += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c integer;\n";
    return sql;
  };
  ParsedFile small = parse(sql_of(4 * 1024));
  TreeRelease small_release(small, true);
  small_release.release(0, small.statements.size());
  CHECK(small_release.documents_freed() == 0);
  CHECK(small.statements.back().node.is_object());
  ParsedFile large = parse(sql_of(600 * 1024));  // its trees take several MB
  TreeRelease large_release(large, true);
  large_release.release(0, large.statements.size());
  CHECK(large_release.documents_freed() >= 1);
  CHECK(large.statements.back().node.type() == Json::Type::Null);
}

TEST_CASE("tree members: keys read back whole, whatever their length, and members take 16 bytes", "[parser]") {
  static_assert(sizeof(JsonNode::Member) == 16);
  auto doc = JsonDocument::parse(R"({"relname": "t", "inh": true, "x": {"": 1}})");
  std::vector<std::string> keys;
  for (const auto& m : doc->root().items()) keys.emplace_back(m.key());
  CHECK(keys == std::vector<std::string>{"relname", "inh", "x"});
  REQUIRE(doc->root().get("relname") != nullptr);
  CHECK(doc->root().get("relname")->as_string() == "t");
  CHECK(doc->root().get("reln") == nullptr);
  CHECK(doc->root().get("x")->get("") != nullptr);
  const std::string longest(70000, 'k');
  CHECK(JsonDocument::parse("{\"" + longest + "\": 1}")->root().get(longest)->as_int() == 1);
  CHECK(JsonDocument::parse("{\"" + longest + "\": 1}")->root().get(longest + "k") == nullptr);
}

TEST_CASE("tree keys: each node and field name has one number, the same when it compiles and at run time",
          "[parser]") {
  std::set<std::uint16_t> numbers;
  for (std::string_view name : parse_names::kKeyNames) {
    std::optional<TreeKey> key = TreeKey::find(name);
    REQUIRE(key);
    CHECK(key->name() == name);
    CHECK(TreeKey::of(name) == *key);
    numbers.insert(key->number());
  }
  CHECK(numbers.size() == parse_names::kKeyNameCount);
  for (std::string_view field : parse_names::kParseFieldNames) CHECK(TreeKey::find(field));
  constexpr TreeKey relname("relname");
  CHECK(relname.name() == "relname");
  CHECK(TreeKey::find("relname") == relname);
  CHECK(TreeKey::find("RangeVar")->number() < parse_names::kNodeNameCount);
  // A name no parse node has is numbered when first seen, after every parse node name.
  CHECK_FALSE(TreeKey::find("no parse node has this key"));
  TreeKey other = TreeKey::of("no parse node has this key");
  CHECK(other.number() >= parse_names::kKeyNameCount);
  CHECK(other.name() == "no parse node has this key");
  CHECK(TreeKey::find("no parse node has this key") == other);
  // Copied trees keep their keys.
  ParsedFile f = parse("CREATE TABLE t (id int);");
  JsonDocument copies;
  Json copy = copies.copy(f.statements[0].node);
  CHECK(ast::str(*ast::field(copy, "relation"), "relname") == "t");
  CHECK(copy.members_begin()->key() == f.statements[0].node.members_begin()->key());
}

TEST_CASE("tree members: a key is found by its text wherever the text lives, and never by a shorter key at the same address",
          "[parser]") {
  // Raw trees' keys are numbered when the builder compiles: a key given as
  // text from elsewhere (a std::string) must find the same member, and a
  // prefix of a key must not.
  ParsedFile f = parse("CREATE TABLE t (id int);");
  REQUIRE(f.statements.size() == 1);
  const Json& create = f.statements[0].node;
  const std::string relation = "relation";
  REQUIRE(create.get(relation) != nullptr);
  CHECK(create.get(relation) == ast::field(create, "relation"));
  const JsonNode::Member* member = nullptr;
  for (const auto& m : create.items())
    if (m.key() == "relation") member = &m;
  REQUIRE(member != nullptr);
  CHECK(create.get(member->key()) == &member->value);
  CHECK(create.get(std::string_view(member->key().data(), member->key().size() - 1)) == nullptr);
  CHECK(create.get(std::string_view(member->key().data(), 0)) == nullptr);
}

TEST_CASE("token search: the first token at or after an offset, searched from any token that begins before it", "[parser]") {
  const std::string sql = "SELECT a, b  FROM t; -- note\nUPDATE u SET x = 1 WHERE y IN (1, 2, 3);\n\nDROP TABLE v;";
  const std::vector<Token> toks = lex(sql);
  REQUIRE(toks.size() > 20);
  for (std::size_t off = 0; off <= sql.size() + 1; ++off) {
    auto expected = static_cast<std::size_t>(
        std::lower_bound(toks.begin(), toks.end(), off, [](const Token& t, std::size_t o) { return t.begin < o; }) -
        toks.begin());
    for (std::size_t from = 0; from <= expected; ++from) {
      INFO("offset " << off << ", from token " << from);
      CHECK(first_token_from(toks, from, off) == expected);
    }
  }
  CHECK(first_token_from({}, 0, 5) == 0);
}

namespace {
// is_empty_script as it was before it stopped at the first statement: every
// token lexed, every comment lowered and read.
bool empty_script_reference(std::string_view text, bool& irreversible) {
  bool empty = true, on_purpose = false;
  irreversible = false;
  for (const Token& t : lex(text)) {
    std::string s(text.substr(t.begin, t.end - t.begin));
    if (is_comment(t.kind)) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      irreversible = irreversible || s.find("irreversible") != std::string::npos;
      for (std::string_view words : {"intentional", "left blank", "destructive", "not reversible", "no down migration",
                                     "no downmigration", "no down-migration", "no down script", "no rollback"})
        on_purpose = on_purpose || s.find(words) != std::string::npos;
    } else if (!(t.kind == TokenKind::Punct && s == ";")) {
      empty = false;
    }
  }
  irreversible = irreversible || (empty && on_purpose);
  return empty;
}
}  // namespace

TEST_CASE("empty scripts: stopping at the first statement gives what lexing the whole script gives", "[parser]") {
  std::vector<std::string> scripts = {
      "", ";", " ;\n;;\t", "\xEF\xBB\xBF-- x\n;", "\xEF\xBB\xBFSELECT 1;", "-- intentionally left blank\n",
      "/* no rollback */", "/* a /* nested */ comment */ ;", "/* unterminated -- comment", "/* a */ x", "-", "- 1",
      "/", "/ 1", "-- a\rSELECT 1", "-- a\r\n;", "\\i other.sql\n", "{{ .Table }}", "'irreversible';",
      "SELECT 'irreversible'; -- irreversible", "SELECT 1; -- IrReVeRsIbLe", "SELECT 1; /* irreversibl */",
      "-- irreversibl\nSELECT 1;", "DROP TABLE t; -- no rollback", "-- destructive\n", "COPY t FROM STDIN;\n1\n\\.\n",
      "\x80", "\xC3\xA9", "irrEVERSIBLE", "-- irreversible"};
  // The word at every offset of an 8-byte block and of the tail, in both cases, in and out of comments.
  for (std::size_t pad = 0; pad < 20; ++pad)
    for (std::string_view word : {"irreversible", "IRREVERSIBLE", "irreversiblE", "iirreversible", "irreversibl"}) {
      scripts.push_back(std::string(pad, ' ') + "-- " + std::string(word));
      scripts.push_back("SELECT 1;" + std::string(pad, ' ') + "-- " + std::string(word) + std::string(pad % 3, '\n'));
      scripts.push_back("SELECT '" + std::string(pad, 'x') + std::string(word) + "';");
    }
  for (const std::string& script : scripts) {
    INFO(script);
    bool irreversible = true, expected_irreversible = false;
    CHECK(is_empty_script(script, irreversible) == empty_script_reference(script, expected_irreversible));
    CHECK(irreversible == expected_irreversible);
  }
}
