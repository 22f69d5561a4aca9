// PL/pgSQL bodies read from the compiled function's structs (parser/plpgsql_body.h)
// against libpg_query's JSON form of the same function, which the product read
// before: both must give the same statements (line, text, EXECUTE or not, the FOR
// loop around them), the same expressions in the same order, and the same errors.
// The JSON path lives on only here, as the reference, so a mismatch between
// PostgreSQL's installed plpgsql.h and libpg_query's PL/pgSQL parser shows up as a
// failing test rather than as bodies silently read wrong.
#include <pg_query.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "parser/ast.h"
#include "parser/parse.h"
#include "parser/plpgsql_body.h"
#include "support.h"

using namespace migrasafe;
namespace fs = std::filesystem;

namespace {

struct JsonPlpgsql {
  std::optional<PlpgsqlError> error;
  std::shared_ptr<JsonDocument> doc;
  PlpgsqlBody body;
};

// The statements of a JSON body, depth first, each with the innermost
// `FOR record IN query` loop around it (the product's walk before the struct path).
void json_statements(const Json& node, PlpgsqlBody& out, int loop) {
  if (node.is_array()) {
    for (const Json& e : node) json_statements(e, out, loop);
    return;
  }
  if (!node.is_object()) return;
  if (auto fors = ast::as<"PLpgSQL_stmt_fors">(node)) {
    const Json* query = ast::field(*fors, "query");
    auto e = query ? ast::as<"PLpgSQL_expr">(*query) : nullptr;
    const Json* var = ast::field(*fors, "var");
    auto record = var ? ast::as<"PLpgSQL_rec">(*var) : nullptr;
    if (e && record) {
      out.loops.push_back({std::string(ast::str(*e, "query")), std::string(ast::str(*record, "refname"))});
      loop = static_cast<int>(out.loops.size()) - 1;
    }
  }
  auto execsql = ast::as<"PLpgSQL_stmt_execsql">(node);
  auto dynexecute = ast::as<"PLpgSQL_stmt_dynexecute">(node);
  if (const Json* fields = execsql ? execsql : dynexecute) {
    const Json* expr = execsql ? ast::field(*fields, "sqlstmt") : ast::field(*fields, "query");
    if (auto e = expr ? ast::as<"PLpgSQL_expr">(*expr) : nullptr)
      out.statements.push_back({ast::num(*fields, "lineno"), std::string(ast::str(*e, "query")), dynexecute != nullptr, loop});
  }
  for (const auto& member : node.items()) json_statements(member.value, out, loop);
}

// The expressions of a JSON body that are not statements, in document order.
void json_expressions(const Json& root, PlpgsqlBody& out) {
  std::set<const Json*> statements, assignments;
  ast::walk(root, [&](std::string_view kind, const Json& fields) {
    for (ast::FieldName key : {ast::FieldName("sqlstmt"), ast::FieldName("query"), ast::FieldName("dynquery"),
                               ast::FieldName("expr")}) {
      const Json* expr = ast::field(fields, key);
      auto e = expr ? ast::as<"PLpgSQL_expr">(*expr) : nullptr;
      if (!e) continue;
      if (kind == "PLpgSQL_stmt_execsql" || kind == "PLpgSQL_stmt_dynexecute") statements.insert(e);
      if (kind == "PLpgSQL_stmt_assign") assignments.insert(e);
      if (key.view() == "dynquery" || kind == "PLpgSQL_stmt_dynfors") {
        statements.insert(e);
        out.runs_dynamic_query = true;
      }
    }
  });
  ast::walk(root, [&](std::string_view kind, const Json& fields) {
    if (kind == "PLpgSQL_expr" && !statements.count(&fields))
      out.expressions.push_back({std::string(ast::str(fields, "query")), assignments.count(&fields) > 0});
  });
}

JsonPlpgsql parse_plpgsql_via_json(const std::string& sql) {
  PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(sql.c_str());
  struct Free {
    PgQueryPlpgsqlParseResult& r;
    ~Free() { pg_query_free_plpgsql_parse_result(r); }
  } free_result{r};
  JsonPlpgsql out;
  if (r.error) {
    out.error = PlpgsqlError{r.error->message ? r.error->message : "", r.error->context ? r.error->context : ""};
    return out;
  }
  out.doc = JsonDocument::parse(r.plpgsql_funcs);
  json_statements(out.doc->root(), out.body, -1);
  json_expressions(out.doc->root(), out.body);
  return out;
}

std::string loop_of(const PlpgsqlBody& b, int loop) {
  return loop < 0 ? "none" : "FOR " + b.loops[static_cast<std::size_t>(loop)].record + " IN " +
                                 b.loops[static_cast<std::size_t>(loop)].query;
}

struct Counts {
  std::size_t bodies = 0;
  std::size_t statements = 0;
  std::size_t expressions = 0;
  std::size_t errors = 0;
};

// "" when the struct path's reading equals the JSON path's, else the first difference.
std::string body_differences(const ParsedPlpgsql& structs, const JsonPlpgsql& json) {
  if (structs.error.has_value() != json.error.has_value()) return "only one path reports an error";
  if (structs.error) {
    if (structs.error->message != json.error->message || structs.error->context != json.error->context)
      return "errors differ: \"" + structs.error->message + "\", JSON \"" + json.error->message + "\"";
    return "";
  }
  const PlpgsqlBody& a = structs.body;
  const PlpgsqlBody& b = json.body;
  if (a.too_deep) return "too deep for the struct path only";
  if (a.runs_dynamic_query != b.runs_dynamic_query) return "dynamic query seen by one path only";
  if (a.statements.size() != b.statements.size())
    return "statement counts differ: " + std::to_string(a.statements.size()) + ", JSON " +
           std::to_string(b.statements.size());
  for (std::size_t i = 0; i < a.statements.size(); ++i) {
    const PlpgsqlStatement& x = a.statements[i];
    const PlpgsqlStatement& y = b.statements[i];
    std::string where = "statement " + std::to_string(i + 1) + " (" + y.query.substr(0, 60) + ")";
    if (x.query != y.query) return where + ": text \"" + x.query.substr(0, 60) + "\"";
    if (x.lineno != y.lineno) return where + ": line " + std::to_string(x.lineno) + ", JSON " + std::to_string(y.lineno);
    if (x.dynamic != y.dynamic) return where + ": EXECUTE on one path only";
    if (loop_of(a, x.loop) != loop_of(b, y.loop)) return where + ": loop " + loop_of(a, x.loop) + ", JSON " + loop_of(b, y.loop);
  }
  if (a.expressions.size() != b.expressions.size())
    return "expression counts differ: " + std::to_string(a.expressions.size()) + ", JSON " +
           std::to_string(b.expressions.size());
  for (std::size_t i = 0; i < a.expressions.size(); ++i) {
    const PlpgsqlExpression& x = a.expressions[i];
    const PlpgsqlExpression& y = b.expressions[i];
    if (x.query != y.query || x.assignment != y.assignment)
      return "expression " + std::to_string(i + 1) + ": \"" + x.query + "\"" + (x.assignment ? " (assignment)" : "") +
             ", JSON \"" + y.query + "\"" + (y.assignment ? " (assignment)" : "");
  }
  return "";
}

// The function `sql` (one CREATE FUNCTION statement) compiled as the product
// compiles it: with the statement's own tree standing for a parse of its text.
std::optional<ParsedPlpgsql> parse_plpgsql_with_tree(const std::string& sql) {
  ParsedSql parsed = parse_sql(sql);
  if (parsed.error || parsed.statements.size() != 1 || parsed.statements[0].kind != "CreateFunctionStmt")
    return std::nullopt;
  const KnownFunction known{parsed.statements[0].node, std::nullopt};
  return parse_plpgsql(sql, KeptParses::All, &known);
}

// "" when both paths read `sql` alike (and a function's tree reads as its
// text), else the first difference.
std::string compare_paths(const std::string& sql, Counts& counts) {
  ParsedPlpgsql structs = parse_plpgsql(sql);
  JsonPlpgsql json = parse_plpgsql_via_json(sql);
  if (std::string d = body_differences(structs, json); !d.empty()) return d;
  if (std::optional<ParsedPlpgsql> with_tree = parse_plpgsql_with_tree(sql)) {
    if (std::string d = body_differences(*with_tree, json); !d.empty()) return "from the statement's tree: " + d;
  }
  if (structs.error) {
    ++counts.errors;
    return "";
  }
  const PlpgsqlBody& a = structs.body;
  ++counts.bodies;
  counts.statements += a.statements.size();
  counts.expressions += a.expressions.size();
  return "";
}

// Whether the statement is a DO block or a function with a PL/pgSQL body
// (the product reads no other language's body this way; libpg_query asserts a
// function has an AS body).
bool has_plpgsql_body(const Statement& st) {
  bool is_do = st.kind == "DoStmt";
  if (!is_do && st.kind != "CreateFunctionStmt") return false;
  std::string language = is_do ? "plpgsql" : "";
  bool has_code = false;
  for (const Json& o : is_do ? ast::list(st.node, "args") : ast::list(st.node, "options")) {
    auto d = ast::as<"DefElem">(o);
    const Json* arg = d ? ast::field(*d, "arg") : nullptr;
    if (!arg) continue;
    if (ast::str(*d, "defname") == "as") has_code = true;
    auto s = ast::as<"String">(*arg);
    if (ast::str(*d, "defname") == "language" && s) language = ast::str(*s, "sval");
  }
  std::transform(language.begin(), language.end(), language.begin(), [](unsigned char c) { return std::tolower(c); });
  return has_code && language == "plpgsql";
}

// Both paths over every DO block and function of a file, nested ones included
// (each given as its own statement's text, as the product gives it).
void check_file(const std::string& name, const std::string& text, Counts& counts) {
  INFO(name);
  ParsedFile f = parse_file(std::make_shared<const SourceFile>(name, text));
  for (const Statement& st : f.statements) {
    if (!st.exact || !has_plpgsql_body(st)) continue;
    std::string piece(f.text(st));
    INFO("statement at byte " << st.begin << ": " << piece.substr(0, 80));
    CHECK(compare_paths(piece, counts) == "");
  }
}

std::vector<fs::path> sql_files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink))
    if (e.is_regular_file() && e.path().extension() == ".sql") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// A function with every kind of PL/pgSQL statement, and expressions in every place one can be;
// all but the cursor statements (a FOR loop over a cursor, OPEN, FETCH, MOVE, CLOSE), which
// libpg_query 15-4.0.0 rejects: its PL/pgSQL compile knows no types, so no variable is a cursor.
const char* const kEveryStatement = R"sql(CREATE FUNCTION every(a int, OUT b text, VARIADIC c int[] DEFAULT '{}')
RETURNS SETOF record LANGUAGE plpgsql AS $body$
<<main>>
DECLARE
  n int := a + 1;
  k CONSTANT text NOT NULL DEFAULT 'x';
  r RECORD;  -- libpg_query 15-4.0.0 takes only this spelling for a record (a lowercase one is a row)
  cur CURSOR (p int) FOR SELECT * FROM t WHERE id = p;
  arr int[] := ARRAY[1, 2];
  x int;
  y int;
BEGIN
  n := n * 2;
  main.n = 3;
  IF n > 1 THEN INSERT INTO log VALUES (n); ELSIF n < 0 THEN DELETE FROM log; ELSE UPDATE log SET v = 0; END IF;
  CASE n WHEN 1, 2 THEN PERFORM f(1); ELSE PERFORM f(2); END CASE;
  CASE WHEN n > 5 THEN RAISE NOTICE 'big % %', n, k USING HINT = 'h' || k, ERRCODE = 'P0001'; END CASE;
  <<spin>> LOOP EXIT WHEN n > 10; n := n + 1; CONTINUE spin WHEN false; END LOOP;
  WHILE n > 0 LOOP n := n - 1; END LOOP;
  FOR i IN REVERSE 10..1 BY 2 LOOP INSERT INTO log VALUES (i); END LOOP;
  FOR r IN SELECT * FROM t ORDER BY id LOOP
    UPDATE t SET v = r.v + 1 WHERE id = r.id;
    FOR x, y IN SELECT 1, 2 LOOP DELETE FROM t WHERE id = r.id; END LOOP;
    FOR r IN SELECT * FROM u LOOP INSERT INTO u2 VALUES (r.id); END LOOP;
    INSERT INTO t2 SELECT r.id;
  END LOOP;
  FOREACH x SLICE 0 IN ARRAY arr LOOP PERFORM x; END LOOP;
  FOR r IN EXECUTE 'SELECT * FROM ' || quote_ident(k) USING n LOOP INSERT INTO t VALUES (r.id); END LOOP;
  EXECUTE 'DROP TABLE a';
  EXECUTE format('DELETE FROM %I', k) INTO x USING n, k;
  SELECT count(*) INTO STRICT x FROM t WHERE v = n;
  GET DIAGNOSTICS x = ROW_COUNT;
  ASSERT n > 0, 'n is ' || n;
  CALL p(n);
  RETURN NEXT r;
  RETURN QUERY SELECT 1, 'a';
  RETURN QUERY EXECUTE 'SELECT 2' USING n;
  BEGIN
    INSERT INTO t VALUES (1);
  EXCEPTION
    WHEN unique_violation OR SQLSTATE '23503' THEN UPDATE t SET v = 1; GET STACKED DIAGNOSTICS y = RETURNED_SQLSTATE;
    WHEN OTHERS THEN RAISE;
  END;
  COMMIT;
  ROLLBACK AND CHAIN;
  RETURN;
END main
$body$;)sql";

}  // namespace

TEST_CASE("PL/pgSQL bodies: every kind of statement and expression reads as libpg_query's JSON", "[plpgsql]") {
  Counts counts;
  CHECK(compare_paths(kEveryStatement, counts) == "");
  const char* more[] = {
      "DO $$ BEGIN ALTER TABLE a ADD b int; END $$",
      "DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 AS id LOOP EXECUTE 'DELETE FROM t'; END LOOP; END $$",
      "DO LANGUAGE plpgsql 'BEGIN NULL; END'",
      "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$",
      "CREATE PROCEDURE p(INOUT a int) LANGUAGE plpgsql AS $$ BEGIN a := a + 1; COMMIT; END $$",
      ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT 1); END $$;"
       " CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; END $$"),
      "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1'",
      // What the compiler reads of the statement: parameter names (and positions), a trigger's
      // NEW and OLD, SETOF, a language spelt otherwise (not plpgsql to libpg_query: no body)
      "CREATE FUNCTION f(int, b text) RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN RETURN NEXT $1 + length(b); END $$",
      "CREATE FUNCTION s.t() RETURNS pg_catalog.trigger AS 'BEGIN IF OLD.a THEN DELETE FROM x; END IF; RETURN NEW; END' LANGUAGE plpgsql",
      "CREATE FUNCTION f() RETURNS TABLE (a int) LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT 1; END $$",
      "CREATE FUNCTION f() RETURNS void LANGUAGE 'PLPGSQL' AS $$ BEGIN DELETE FROM t; END $$",
      "CREATE OR REPLACE FUNCTION f() RETURNS void STRICT LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN END $$",
      // errors: the same message and context on both paths (the context names the function by
      // the first of its names)
      "DO $$ BEGIN x := 1; END $$",
      "DO $$ BEGIN IF THEN END IF; END $$",
      "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN FOR LOOP END $$",
      "CREATE FUNCTION app.f(a int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN\n  b := a; END $$",
  };
  for (const char* sql : more) {
    INFO(sql);
    CHECK(compare_paths(sql, counts) == "");
  }
  CHECK(counts.errors == 4);

  // What the product reads from the function with every statement, in order.
  ParsedPlpgsql every = parse_plpgsql(kEveryStatement);
  INFO((every.error ? every.error->message : std::string()));
  REQUIRE_FALSE(every.error);
  const PlpgsqlBody& body = every.body;
  CHECK(body.runs_dynamic_query);
  REQUIRE(body.statements.size() == 14);
  CHECK(body.statements[0].query == "INSERT INTO log VALUES (n)");
  CHECK(body.statements[0].lineno == 14);  // line 1 is the rest of the line with $body$
  // The loop over r: the UPDATE and the DELETE in the inner FOR x, y loop (a row, not a record) run
  // once per row of it; the innermost loop over r (SELECT * FROM u) is the INSERT INTO u2's.
  auto statement = [&](std::string_view starts) {
    for (const PlpgsqlStatement& s : body.statements)
      if (s.query.starts_with(starts)) return s;
    FAIL("no statement " << starts);
    return PlpgsqlStatement{};
  };
  CHECK(loop_of(body, statement("UPDATE t SET v = r.v").loop) == "FOR r IN SELECT * FROM t ORDER BY id");
  CHECK(loop_of(body, statement("DELETE FROM t WHERE id = r.id").loop) == "FOR r IN SELECT * FROM t ORDER BY id");
  CHECK(loop_of(body, statement("INSERT INTO u2").loop) == "FOR r IN SELECT * FROM u");
  CHECK(loop_of(body, statement("INSERT INTO t2").loop) == "FOR r IN SELECT * FROM t ORDER BY id");
  CHECK(statement("'DROP TABLE a'").dynamic);
  CHECK(statement("format(").dynamic);
  CHECK(statement("SELECT count(*)").loop == -1);
  // Variables' defaults come first, then the body's expressions; assignments are marked.
  REQUIRE(body.expressions.size() > 3);
  CHECK(body.expressions[0].query == "a + 1");
  CHECK_FALSE(body.expressions[0].assignment);
  auto assignment = std::find_if(body.expressions.begin(), body.expressions.end(),
                                 [](const PlpgsqlExpression& e) { return e.assignment; });
  REQUIRE(assignment != body.expressions.end());
  CHECK(assignment->query == "n := n * 2");
}

TEST_CASE("PL/pgSQL bodies: a function's tree stands for its text, which is not parsed again", "[plpgsql]") {
  ParsedSql function = parse_sql("CREATE FUNCTION f(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t WHERE id = n; END $$");
  REQUIRE(function.statements.size() == 1);
  // The text given is not SQL: only the tree is read.
  const KnownFunction known{function.statements[0].node, std::nullopt};
  ParsedPlpgsql parsed = parse_plpgsql("no statement here", KeptParses::All, &known);
  INFO((parsed.error ? parsed.error->message : std::string()));
  REQUIRE_FALSE(parsed.error);
  REQUIRE(parsed.body.statements.size() == 1);
  CHECK(parsed.body.statements[0].query == "DELETE FROM t WHERE id = n");
  // Its statement's parse is kept, as from a parse of the text.
  CHECK(parsed.sql_parses.take("DELETE FROM t WHERE id = n").has_value());
  CHECK(parse_plpgsql("no statement here").error.has_value());

  // A body given with the tree is compiled in place of the tree's own (a DO block's, in a wrapping
  // function): as the text with that body reads, errors included.
  ParsedSql wrapper = parse_sql("CREATE FUNCTION w() RETURNS void LANGUAGE plpgsql AS ''");
  REQUIRE(wrapper.statements.size() == 1);
  Counts counts;
  for (std::string body : {"BEGIN UPDATE t SET a = 1; EXECUTE 'x'; END", "DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP "
                           "DELETE FROM t; END LOOP; END", "BEGIN\n x := 1; END"}) {
    INFO(body);
    const std::string text = "CREATE FUNCTION w() RETURNS void LANGUAGE plpgsql AS $b$" + body + "$b$";
    const KnownFunction with_body{wrapper.statements[0].node, body};
    CHECK(body_differences(parse_plpgsql("not parsed", KeptParses::All, &with_body), parse_plpgsql_via_json(text)) == "");
    CHECK(compare_paths(text, counts) == "");
  }
  CHECK(counts.errors == 1);
}

TEST_CASE("PL/pgSQL bodies: the deepest bodies the grammar takes read alike, with the statement at the bottom", "[plpgsql]") {
  // PL/pgSQL's grammar runs out of stack at about 3,300 nested blocks (1,400 nested handlers).
  Counts counts;
  std::string blocks = "DO $$";
  for (int i = 0; i < 3000; ++i) blocks += "BEGIN ";
  blocks += "DELETE FROM t;";
  for (int i = 0; i < 3000; ++i) blocks += " END;";
  blocks += " $$";
  std::string handlers = "DO $$ BEGIN ";
  for (int i = 0; i < 1000; ++i) handlers += "BEGIN NULL; EXCEPTION WHEN others THEN ";
  handlers += "UPDATE t SET a = 1;";
  for (int i = 0; i < 1000; ++i) handlers += " END;";
  handlers += " END $$";
  for (const std::string& sql : {blocks, handlers}) {
    CHECK(compare_paths(sql, counts) == "");
    ParsedPlpgsql parsed = parse_plpgsql(sql);
    REQUIRE_FALSE(parsed.error);
    CHECK_FALSE(parsed.body.too_deep);
    REQUIRE(parsed.body.statements.size() == 1);
  }
  CHECK(parse_plpgsql(blocks).body.statements[0].query == "DELETE FROM t");
  CHECK(parse_plpgsql(handlers).body.statements[0].query == "UPDATE t SET a = 1");
}

TEST_CASE("PL/pgSQL bodies: every body of the fixtures reads as libpg_query's JSON", "[plpgsql]") {
  Counts counts;
  std::vector<fs::path> files = sql_files_under(fs::path(testing::source_dir()) / "fixtures");
  for (const fs::path& p : files) check_file(p.string(), testing::read_file(p), counts);
  CHECK(counts.bodies > 15);
}

// Every DO block and function of the corpus (../shared/corpus, or $MIGRASAFE_CORPUS), both ways.
// Hidden from the unit run: the ctest `raw-parse-corpus` runs it with the SQL comparison.
TEST_CASE("PL/pgSQL bodies: the whole corpus reads as libpg_query's JSON", "[.raw-parse-corpus]") {
  fs::path corpus = testing::corpus_dir();
  if (!fs::is_directory(corpus)) {
    if (testing::missing_corpus_allowed()) {
      WARN("corpus not found at " << corpus << "; skipped (MIGRASAFE_ALLOW_NO_CORPUS=1)");
      return;
    }
    FAIL("corpus not found at " << corpus << " (set MIGRASAFE_CORPUS)");
  }
  Counts counts;
  for (const fs::path& p : sql_files_under(corpus)) check_file(p.string(), testing::read_file(p), counts);
  WARN(counts.bodies << " bodies, " << counts.statements << " statements, " << counts.expressions
                     << " expressions and " << counts.errors << " errors compared");
  CHECK(counts.bodies > 400);
  CHECK(counts.expressions > 1000);
}
