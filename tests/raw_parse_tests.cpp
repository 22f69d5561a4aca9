// The raw-node parse path (parser/raw_parse.h) against libpg_query's JSON
// output, which it replaces: both must give the same trees, node for node
// (names, fields, values, locations), the same statement spans and the same
// errors. The JSON path lives on only here, as the reference, so a mismatch
// between PostgreSQL's installed node headers and libpg_query's parser shows
// up as a failing test rather than as rules silently reading nothing.
#include <pg_query.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "parser/parse.h"
#include "parser/plpgsql_body.h"
#include "parser/raw_parse.h"
#include "support.h"

using namespace migrasafe;
namespace fs = std::filesystem;

namespace {

// The product's parse before the raw path: libpg_query's JSON, read by JsonDocument.
ParsedSql parse_sql_via_json(const std::string& sql) {
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  struct Free {
    PgQueryParseResult& r;
    ~Free() { pg_query_free_parse_result(r); }
  } free_result{r};
  ParsedSql out;
  if (r.error) {
    out.error = SqlParseError{r.error->message, r.error->cursorpos};
    return out;
  }
  out.tree = JsonDocument::parse(r.parse_tree);
  const JsonNode* stmts = out.tree->root().get("stmts");
  for (const JsonNode& raw : *stmts) {
    const JsonNode* stmt = raw.get("stmt");
    const JsonNode* at = raw.get("stmt_location");
    const JsonNode* len = raw.get("stmt_len");
    out.statements.push_back({stmt->members_begin()->key(), stmt->members_begin()->value,
                              at ? static_cast<int>(at->as_int()) : 0, len ? static_cast<int>(len->as_int()) : 0});
  }
  return out;
}

std::string show(const JsonNode& n) {
  switch (n.type()) {
    case JsonNode::Type::Null: return "null";
    case JsonNode::Type::Bool: return n.as_bool() ? "true" : "false";
    case JsonNode::Type::Int: return std::to_string(n.as_int());
    case JsonNode::Type::Double: return "a double";
    case JsonNode::Type::String: return "\"" + std::string(n.as_string()) + "\"";
    case JsonNode::Type::Array: return "an array of " + std::to_string(n.size());
    case JsonNode::Type::Object: {
      std::string keys;
      for (const auto& m : n.items()) keys += (keys.empty() ? "" : ",") + std::string(m.key());
      return "{" + keys + "}";
    }
  }
  return "?";
}

struct Counts {
  std::size_t nodes = 0;
  std::size_t statements = 0;
  std::size_t negative_integers = 0;  // see negative_integer_dropped
};

// The one intended difference: libpg_query 15-4.0.0's JSON leaves out an
// Integer's value when it is negative (its _outInteger tests `ival > 0`; later
// releases test `!= 0`), so `INCREMENT BY -1` read as 0. The raw tree keeps it.
bool negative_integer_dropped(const JsonNode& raw, const JsonNode& json, std::string_view path) {
  if (!path.ends_with(".Integer") && !path.ends_with(".ival")) return false;
  const JsonNode* ival = raw.get("ival");
  return json.is_object() && json.size() == 0 && raw.size() == 1 && ival && ival->as_int() < 0;
}

// "" when the trees are equal (same member order too), else the path of the
// first difference and both values there. Iterative: trees can be deep.
std::string difference(const JsonNode& raw, const JsonNode& json, Counts& counts) {
  struct Item {
    const JsonNode* a;
    const JsonNode* b;
    std::string path;
  };
  std::vector<Item> todo{{&raw, &json, ""}};
  while (!todo.empty()) {
    Item it = std::move(todo.back());
    todo.pop_back();
    ++counts.nodes;
    const JsonNode& a = *it.a;
    const JsonNode& b = *it.b;
    if (negative_integer_dropped(a, b, it.path)) {
      ++counts.negative_integers;
      continue;
    }
    bool same = a.type() == b.type() && a.size() == b.size();
    if (same && a.type() == JsonNode::Type::Object) {
      for (const auto *ma = a.members_begin(), *mb = b.members_begin(); ma != a.members_end(); ++ma, ++mb) {
        if (ma->key() != mb->key()) {
          same = false;
          break;
        }
        todo.push_back({&ma->value, &mb->value, it.path + "." + std::string(ma->key())});
      }
    } else if (same && a.type() == JsonNode::Type::Array) {
      for (std::size_t k = 0; k < a.size(); ++k) todo.push_back({&a[k], &b[k], it.path + "[" + std::to_string(k) + "]"});
    } else if (same) {
      same = a.as_bool() == b.as_bool() && a.as_int() == b.as_int() && a.as_string() == b.as_string();
    }
    if (!same) return (it.path.empty() ? "(statement)" : it.path) + ": raw " + show(a) + ", JSON " + show(b);
  }
  return "";
}

// "" when both paths agree on `sql`, else what differs.
std::string compare_paths(const std::string& sql, Counts& counts) {
  ParsedSql raw, json;
  bool raw_deep = false, json_deep = false;
  try {
    raw = parse_sql(sql);
  } catch (const JsonTooDeep&) {
    raw_deep = true;
  }
  try {
    json = parse_sql_via_json(sql);
  } catch (const JsonTooDeep&) {
    json_deep = true;
  }
  if (raw_deep || json_deep)
    return raw_deep == json_deep ? "" : std::string("too deep for one path only: ") + (raw_deep ? "raw" : "JSON");
  if (raw.error.has_value() != json.error.has_value()) return "only one path reports an error";
  if (raw.error) {
    if (raw.error->message != json.error->message || raw.error->cursorpos != json.error->cursorpos)
      return "errors differ: raw \"" + raw.error->message + "\" at " + std::to_string(raw.error->cursorpos) +
             ", JSON \"" + json.error->message + "\" at " + std::to_string(json.error->cursorpos);
    return "";
  }
  if (raw.statements.size() != json.statements.size())
    return "statement counts differ: raw " + std::to_string(raw.statements.size()) + ", JSON " +
           std::to_string(json.statements.size());
  for (std::size_t i = 0; i < raw.statements.size(); ++i) {
    const SqlStatement& a = raw.statements[i];
    const SqlStatement& b = json.statements[i];
    std::string where = "statement " + std::to_string(i + 1) + " (" + std::string(b.kind) + ")";
    if (a.kind != b.kind) return where + ": raw kind " + std::string(a.kind);
    if (a.location != b.location || a.length != b.length) return where + ": spans differ";
    if (std::string d = difference(a.node, b.node, counts); !d.empty()) return where + " " + d;
    ++counts.statements;
  }
  return "";
}

// Both paths over a file as a whole, then over each statement parse_file
// finds in it (statements in function bodies, DO blocks and EXECUTE strings
// included), which is how the product parses a file whose whole text fails.
void check_file(const std::string& name, const std::string& text, Counts& counts) {
  INFO(name);
  CHECK(compare_paths(text, counts) == "");
  ParsedFile f = parse_file(std::make_shared<const SourceFile>(name, text));
  for (const Statement& st : f.statements) {
    if (!st.exact || st.kind == kUnparsedKind) continue;
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

std::string chain(int terms) {
  std::string s = "SELECT 1";
  s.reserve(static_cast<std::size_t>(terms) * 2 + 8);
  for (int i = 1; i < terms; ++i) s += "+1";
  return s;
}

}  // namespace

TEST_CASE("raw parse: every kind of value, field and list reads as libpg_query's JSON", "[raw-parse]") {
  Counts counts;
  const char* cases[] = {
      // constants of every type, NULL, negative and zero values, typmods
      "SELECT 0, 1, -1, 2147483648, 1.5, 'x', '', true, false, NULL, b'101', x'1F', 1e10, '\\n'::text, E'\\t\\x01\"'",
      "SELECT a::int, b::varchar(10), c::numeric(12,2), d::timestamptz(3), e::int[], f::interval day to second(2)",
      // char fields, enums at zero and not, typed and generic node fields, lists of lists, NULL list items
      "CREATE TABLE IF NOT EXISTS s.t (id bigserial PRIMARY KEY, a int NOT NULL DEFAULT 0 CHECK (a > 0) NO INHERIT,"
      " b text COLLATE \"C\" REFERENCES u (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,"
      " c int GENERATED ALWAYS AS IDENTITY (START 10), d int GENERATED ALWAYS AS (a * 2) STORED,"
      " UNIQUE NULLS NOT DISTINCT (a, b) INCLUDE (c), EXCLUDE USING gist (a WITH =) WHERE (a > 1),"
      " LIKE other INCLUDING ALL) PARTITION BY RANGE (a)",
      "CREATE UNLOGGED TABLE p1 PARTITION OF p FOR VALUES FROM (MINVALUE) TO (10) WITH (fillfactor = 70)",
      "CREATE TEMP TABLE p2 PARTITION OF p FOR VALUES IN (1, 2) ON COMMIT DROP",
      "CREATE TABLE p3 PARTITION OF p FOR VALUES WITH (MODULUS 4, REMAINDER 0)",
      "CREATE FOREIGN TABLE ft (a int) SERVER s OPTIONS (table_name 'x')",
      "ALTER TABLE ONLY t ADD COLUMN IF NOT EXISTS c int, DROP COLUMN d CASCADE, ALTER COLUMN e TYPE bigint USING e::bigint,"
      " ALTER COLUMN f SET DEFAULT now(), ALTER f DROP NOT NULL, ADD CONSTRAINT k FOREIGN KEY (a) REFERENCES u NOT VALID,"
      " VALIDATE CONSTRAINT k, SET (autovacuum_enabled = false), ALTER COLUMN g ADD GENERATED BY DEFAULT AS IDENTITY,"
      " ATTACH PARTITION q FOR VALUES IN (3), DETACH PARTITION r CONCURRENTLY, REPLICA IDENTITY FULL, OWNER TO CURRENT_USER",
      "ALTER TABLE t RENAME COLUMN a TO b; ALTER INDEX i RENAME TO j; ALTER TABLE IF EXISTS t SET SCHEMA s",
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING btree (lower(a) DESC NULLS LAST, b text_pattern_ops)"
      " INCLUDE (c) WITH (fillfactor = 90) WHERE d IS NOT NULL",
      "DROP INDEX CONCURRENTLY IF EXISTS a, b CASCADE; DROP TABLE x, y.z; DROP TYPE t; DROP FUNCTION f(int, text)",
      "SELECT DISTINCT ON (a) a, count(*) FILTER (WHERE b) OVER w, sum(c ORDER BY d) FROM t AS q (x) "
      "LEFT JOIN LATERAL (SELECT 1) s ON true NATURAL JOIN u WHERE a IN (1, 2) AND b NOT LIKE 'x%' OR c IS DISTINCT FROM d"
      " GROUP BY ROLLUP (a, b), CUBE (c) HAVING count(*) > 1 WINDOW w AS (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING"
      " AND CURRENT ROW) ORDER BY 1 DESC LIMIT 10 OFFSET 5 FOR NO KEY UPDATE OF t SKIP LOCKED",
      "WITH RECURSIVE r (n) AS MATERIALIZED (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r EXCEPT SELECT 2",
      "SELECT CASE WHEN a THEN 1 ELSE 2 END, CASE b WHEN 1 THEN 'x' END, COALESCE(a, b), GREATEST(a, b), NULLIF(a, b),"
      " a IS TRUE, b IS NOT UNKNOWN, ROW(1, 2), ARRAY[1, 2][1], (x).y, EXISTS (SELECT 1), a = ANY (SELECT 1), a < ALL (b),"
      " CURRENT_DATE, CURRENT_TIMESTAMP(3), SESSION_USER, a BETWEEN SYMMETRIC 1 AND 2, a COLLATE \"C\", $1, t.*, 'a' || 'b'",
      "SELECT xmlelement(name foo, xmlattributes(a AS b)), xmlserialize(content a AS text), a IS DOCUMENT,"
      " jsonb_build_object('a', 1) -> 'a', extract(year FROM now()), substring(a FROM 1 FOR 2), trim(both 'x' FROM a),"
      " overlay(a placing 'b' from 1), position('a' in b), a AT TIME ZONE 'UTC', GROUPING(a)",
      "INSERT INTO t AS x (a, b) OVERRIDING SYSTEM VALUE VALUES (1, DEFAULT), (2, 3) ON CONFLICT (a) WHERE b DO UPDATE"
      " SET b = EXCLUDED.b, (c, d) = (1, 2) WHERE x.a > 0 RETURNING *",
      "INSERT INTO t DEFAULT VALUES ON CONFLICT ON CONSTRAINT k DO NOTHING",
      "UPDATE ONLY t SET a = DEFAULT FROM u WHERE CURRENT OF c; DELETE FROM t USING u WHERE t.a = u.a RETURNING a",
      "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED AND s.b THEN UPDATE SET b = s.b WHEN MATCHED THEN DELETE"
      " WHEN NOT MATCHED THEN INSERT (a, b) VALUES (s.a, s.b)",
      "CREATE OR REPLACE FUNCTION f(a int, OUT b text, VARIADIC c int[] DEFAULT '{}') RETURNS SETOF record LANGUAGE plpgsql"
      " STABLE STRICT SECURITY DEFINER SET search_path = public COST 10 AS $$ BEGIN RETURN; END $$",
      "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; INSERT INTO t VALUES (2); END",
      "CREATE PROCEDURE p(INOUT a int) LANGUAGE sql AS 'SELECT 1'; CALL p(1); DO LANGUAGE plpgsql 'BEGIN END'",
      "CREATE TRIGGER tr BEFORE INSERT OR UPDATE OF a ON t REFERENCING NEW TABLE AS n FOR EACH ROW WHEN (NEW.a > 0)"
      " EXECUTE FUNCTION f(1, 'x')",
      "CREATE VIEW v (a) WITH (security_barrier) AS SELECT 1 WITH CASCADED CHECK OPTION;"
      " CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1 WITH NO DATA; REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
      "CREATE TYPE e AS ENUM ('a', 'b'); ALTER TYPE e ADD VALUE IF NOT EXISTS 'c' BEFORE 'a'; ALTER TYPE e RENAME VALUE 'a' TO 'z';"
      " CREATE TYPE c AS (a int, b text); CREATE DOMAIN d AS int CHECK (VALUE > 0) NOT NULL",
      "CREATE SEQUENCE s AS bigint INCREMENT BY 2 MINVALUE 1 NO MAXVALUE START WITH 5 CACHE 10 CYCLE OWNED BY t.a;"
      " ALTER SEQUENCE s RESTART WITH 1",
      "GRANT SELECT, UPDATE (a) ON ALL TABLES IN SCHEMA s TO r WITH GRANT OPTION; REVOKE ALL ON t FROM PUBLIC CASCADE;"
      " ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r; CREATE ROLE r WITH LOGIN PASSWORD 'x' VALID UNTIL 'infinity'",
      "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY; SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE a; COMMIT AND CHAIN;"
      " START TRANSACTION; END; PREPARE TRANSACTION 'x'",
      "SET LOCAL lock_timeout = '2s'; SET statement_timeout TO DEFAULT; RESET ALL; SET TIME ZONE 'UTC'; SET SESSION AUTHORIZATION r;"
      " SHOW search_path; SET search_path = a, b",
      "LOCK TABLE a, b IN ACCESS EXCLUSIVE MODE NOWAIT; VACUUM (FULL, ANALYZE) t (a); ANALYZE VERBOSE t; CLUSTER t USING i;"
      " REINDEX (CONCURRENTLY) TABLE t; CHECKPOINT; DISCARD ALL; TRUNCATE t RESTART IDENTITY CASCADE",
      "COMMENT ON COLUMN t.a IS 'x'; COMMENT ON TABLE t IS NULL; SECURITY LABEL ON TABLE t IS 'x';"
      " CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA s VERSION '1.0'; ALTER EXTENSION e UPDATE",
      "CREATE SCHEMA IF NOT EXISTS AUTHORIZATION r; CREATE SCHEMA s CREATE TABLE t (a int) CREATE VIEW v AS SELECT 1",
      "CREATE POLICY p ON t AS RESTRICTIVE FOR SELECT TO r USING (a = current_user) WITH CHECK (true);"
      " ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING",
      "CREATE STATISTICS s (dependencies) ON a, b FROM t; CREATE PUBLICATION p FOR TABLE t (a) WHERE (a > 1);"
      " CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (enabled = false); CREATE AGGREGATE a (int) (sfunc = f, stype = int)",
      "CREATE OPERATOR === (leftarg = int, rightarg = int, function = f); CREATE CAST (int AS text) WITH FUNCTION f(int) AS IMPLICIT;"
      " CREATE COLLATION c (locale = 'C'); CREATE TEXT SEARCH CONFIGURATION c (parser = default); CREATE CONVERSION c FOR 'a' TO 'b' FROM f",
      "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true); COPY (SELECT 1) TO '/tmp/x'; EXPLAIN (ANALYZE, BUFFERS) SELECT 1;"
      " CREATE TABLE t2 AS SELECT 1 WITH DATA; SELECT 1 INTO TEMP t3; DECLARE c CURSOR WITH HOLD FOR SELECT 1; FETCH 10 FROM c",
      "CREATE EVENT TRIGGER e ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION f();"
      " CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (host 'x'); IMPORT FOREIGN SCHEMA r LIMIT TO (t) FROM SERVER s INTO l;"
      " CREATE USER MAPPING FOR CURRENT_USER SERVER s; ALTER SYSTEM SET work_mem = '1MB'; LISTEN c; NOTIFY c, 'x'; LOAD 'x'",
      "SELECT * FROM ROWS FROM (f(1), g(2)) WITH ORDINALITY AS x, unnest(ARRAY[1]), t TABLESAMPLE bernoulli (10) REPEATABLE (1),"
      " XMLTABLE('/a' PASSING x COLUMNS a int PATH 'a' DEFAULT 1, b FOR ORDINALITY) AS y",
      "", ";;", "-- only a comment",
  };
  for (const char* sql : cases) {
    INFO(sql);
    CHECK(compare_paths(sql, counts) == "");
  }
  CHECK(counts.statements > 60);
}

TEST_CASE("raw parse: negative integers keep their value (the JSON path read them as 0)", "[raw-parse]") {
  Counts counts;
  std::string sql = "ALTER SEQUENCE s INCREMENT BY -1 MINVALUE -10; SELECT -5; CREATE TABLE t (a text[], b int[3])";
  CHECK(compare_paths(sql, counts) == "");
  CHECK(counts.negative_integers == 4);  // -1, -10, -5, and the -1 PostgreSQL stores for `[]`
  ParsedSql raw = parse_sql(sql);
  REQUIRE(raw.statements.size() == 3);
  const JsonNode& increment = *raw.statements[0].node.get("options")->begin()->get("DefElem")->get("arg");
  CHECK(increment.get("Integer")->get("ival")->as_int() == -1);
  const JsonNode& select = *raw.statements[1].node.get("targetList")->begin()->get("ResTarget")->get("val");
  CHECK(select.get("A_Const")->get("ival")->get("ival")->as_int() == -5);
}

TEST_CASE("raw parse: syntax errors have the same message and position as before", "[raw-parse]") {
  Counts counts;
  for (const char* sql : {"ALTER TABLE a ADD COLUM x int", "SELECT 'ééé' FRM t", "SELECT 'oops", "CREATE TABLE (",
                          "SELECT 1; SELEC 2", "SELECT $$x", "SELECT 99999999999999999999999999999999999999e999999999"}) {
    INFO(sql);
    CHECK(compare_paths(sql, counts) == "");
    CHECK((parse_sql(sql).error.has_value() || std::string_view(sql).starts_with("SELECT 9")));
  }
  std::string parens = "SELECT " + std::string(10000, '(') + "1" + std::string(10000, ')');
  CHECK(compare_paths(parens, counts) == "");
  REQUIRE(parse_sql(parens).error);
  CHECK(parse_sql(parens).error->message.starts_with("memory exhausted"));
}

TEST_CASE("raw parse: the PL/pgSQL compiler's parses of a body's statements and queries are kept, each the tree parse_sql gives", "[raw-parse]") {
  const std::string function = R"(CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF now() > '2020-01-01' THEN
    INSERT INTO t VALUES (1, 'a;b');
  END IF;
  PERFORM g(2);
  FOR r IN SELECT id FROM u LOOP
    UPDATE t SET x = r.id;
  END LOOP;
  UPDATE t SET x = 2;
  UPDATE t SET x = 2;
  EXECUTE 'DROP TABLE v';
END $$)";
  ParsedPlpgsql parsed = parse_plpgsql(function);
  REQUIRE_FALSE(parsed.error);
  Counts counts;
  // Each statement and query as parse_sql gives it; the UPDATE written twice is there twice.
  for (const char* sql : {"INSERT INTO t VALUES (1, 'a;b')", "SELECT id FROM u", "UPDATE t SET x = r.id", "UPDATE t SET x = 2",
                          "UPDATE t SET x = 2"}) {
    INFO(sql);
    std::optional<ParsedSql> recorded = parsed.sql_parses.take(sql);
    REQUIRE(recorded);
    ParsedSql fresh = parse_sql(sql);
    REQUIRE(recorded->statements.size() == 1);
    CHECK(recorded->statements[0].kind == fresh.statements[0].kind);
    CHECK(recorded->statements[0].location == fresh.statements[0].location);
    CHECK(recorded->statements[0].length == fresh.statements[0].length);
    CHECK(difference(recorded->statements[0].node, fresh.statements[0].node, counts) == "");
  }
  // Taken once each; the function itself, the condition (an expression, not a
  // statement) and the EXECUTE string are not among them.
  for (const std::string& sql : {std::string("UPDATE t SET x = 2"), function, std::string("now() > '2020-01-01'"),
                                 std::string("SELECT now() > '2020-01-01'"), std::string("DROP TABLE v")}) {
    INFO(sql);
    CHECK_FALSE(parsed.sql_parses.take(sql));
  }
  // PERFORM's query is compiled as a SELECT.
  CHECK(parsed.sql_parses.take("SELECT g(2)"));
  // parse() parses what was not recorded.
  ParsedSql other = parsed.sql_parses.parse("DROP TABLE v");
  REQUIRE(other.statements.size() == 1);
  CHECK(other.statements[0].kind == "DropStmt");
  // Kept to statements, the compiler's parses of expressions are not recorded.
  ParsedPlpgsql statements_only = parse_plpgsql(function, KeptParses::Statements);
  REQUIRE_FALSE(statements_only.error);
  CHECK(statements_only.sql_parses.take("SELECT id FROM u"));
  CHECK(statements_only.sql_parses.take("UPDATE t SET x = r.id"));
  CHECK_FALSE(statements_only.sql_parses.take("now() > '2020-01-01'", ParseMode::Expression));
  CHECK(parse_plpgsql(function).sql_parses.take("now() > '2020-01-01'", ParseMode::Expression));
  // Nothing is recorded outside the compiler, nor from a body that does not compile.
  CHECK(parse_plpgsql("DO $$ BEGIN INSERT INTO t VALUES (1); SELEC 2; END $$").error);
}

// A tree written out without its locations.
std::string without_locations(const JsonNode& n) {
  if (n.is_array()) {
    std::string out = "[";
    for (const JsonNode& e : n) out += without_locations(e) + ",";
    return out + "]";
  }
  if (!n.is_object()) return show(n);
  std::string out = "{";
  for (const auto& m : n.items())
    if (m.key() != "location") out += std::string(m.key()) + ":" + without_locations(m.value) + ",";
  return out + "}";
}

TEST_CASE("raw parse: the compiler's parse of a PL/pgSQL expression is the tree of SELECT and the expression, but for locations", "[raw-parse]") {
  const std::string function = R"(CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  n int := (SELECT count(*) FROM t WHERE t.a = a);
  r record;
BEGIN
  IF a > 1 AND NOT EXISTS (SELECT 1 FROM u WHERE u.id = a) THEN
    n := n + g(a, b => 2)::int;
  ELSIF a IS DISTINCT FROM 2 THEN
    n = CASE WHEN a < 0 THEN -a ELSE a END;
  END IF;
  FOR i IN 1 .. a * 2 LOOP
    RAISE NOTICE 'x %', i || 'y';
  END LOOP;
  RETURN coalesce(n, 0) + array_length(ARRAY[1, 2], 1);
END $$)";
  ParsedPlpgsql parsed = parse_plpgsql(function);
  INFO((parsed.error ? parsed.error->message : ""));
  REQUIRE_FALSE(parsed.error);
  REQUIRE(parsed.body.expressions.size() == 9);
  for (const PlpgsqlExpression& e : parsed.body.expressions) {
    INFO(e.query);
    std::string value = e.query;
    if (e.assignment) value.erase(0, value.find('=') + 1);
    ParsedSql fresh = parse_sql("SELECT " + value);
    REQUIRE(fresh.statements.size() == 1);
    std::optional<ParsedSql> recorded = parsed.sql_parses.take(e.query, e.assignment ? ParseMode::Assignment : ParseMode::Expression);
    REQUIRE(recorded);
    REQUIRE(recorded->statements.size() == 1);
    const JsonNode* tree = &recorded->statements[0].node;
    if (e.assignment) {
      CHECK(recorded->statements[0].kind == "PLAssignStmt");
      tree = tree->get("val");
      REQUIRE(tree);
    } else {
      CHECK(recorded->statements[0].kind == "SelectStmt");
    }
    CHECK(without_locations(*tree) == without_locations(fresh.statements[0].node));
  }
}

TEST_CASE("raw parse: a tree is refused at exactly the depth the JSON reader refused it", "[raw-parse]") {
  Counts counts;
  // Each `+` nests an A_Expr two levels deeper in the JSON form: find the longest chain that still reads.
  int longest = 0;
  for (int terms = 9990; terms < 10010; ++terms) {
    INFO(terms << " terms");
    CHECK(compare_paths(chain(terms), counts) == "");
    try {
      parse_sql(chain(terms));
      longest = terms;
    } catch (const JsonTooDeep&) {
    }
  }
  CHECK(longest > 9990);
  CHECK(longest < 10009);
}

TEST_CASE("raw parse: a tree whose deepest value is a name (a String node, built on its own path) is refused at the JSON reader's depth", "[raw-parse]") {
  Counts counts;
  // x+x+...: the first column reference's name is the deepest value. The
  // statements around it put it at depths of both parities.
  for (const char* before : {"SELECT ", "VALUES (", "SELECT f("}) {
    std::string around_end = std::string_view(before) == "SELECT " ? "" : ")";
    int longest = 0;
    for (int terms = 9990; terms < 10010; ++terms) {
      std::string sql = before + std::string("x");
      for (int i = 1; i < terms; ++i) sql += "+x";
      sql += around_end;
      INFO(sql.substr(0, 20) << " with " << terms << " terms");
      CHECK(compare_paths(sql, counts) == "");
      try {
        parse_sql(sql);
        longest = terms;
      } catch (const JsonTooDeep&) {
      }
    }
    INFO(before);
    CHECK(longest > 9990);
    CHECK(longest < 10009);
  }
}

TEST_CASE("raw parse: a very long left-deep expression is refused as too deep, not a crash", "[raw-parse]") {
  // The grammar builds it without recursion; the tree is then too deep to read, and the file's other
  // statements are still analysed. libpg_query's JSON output recursed once per level and overflowed an
  // 8 MB stack at 100,000 terms (the CLI's 256 MB stacks at 4 million); the raw walk stops at the depth limit.
  std::string sql = "DROP TABLE a;\n" + chain(300'000) + ";\nDROP TABLE b;\n";
  ParsedFile f = parse_file(std::make_shared<const SourceFile>("deep.sql", sql));
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].kind == ProblemKind::TooDeep);
  CHECK(f.source->lines.position(f.problems[0].begin).line == 2);
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].kind == "DropStmt");
  CHECK(f.statements[1].kind == "DropStmt");
}

TEST_CASE("raw parse: every SQL file of the repository reads as libpg_query's JSON", "[raw-parse]") {
  Counts counts;
  std::size_t files = 0;
  for (const char* dir : {"fixtures", "tests", "examples", "docs"}) {
    fs::path root = fs::path(testing::source_dir()) / dir;
    if (!fs::exists(root)) continue;
    for (const fs::path& p : sql_files_under(root)) {
      check_file(p.string(), testing::read_file(p), counts);
      ++files;
    }
  }
  CHECK(files > 100);
  CHECK(counts.statements > 1000);
}

// The real-migration corpus (${MIGRASAFE_CORPUS:-<repo>/../shared/corpus}), both ways, every tree
// compared completely. Hidden from the unit run: the ctest `raw-parse-corpus` runs it on its own.
TEST_CASE("raw parse: the whole corpus reads as libpg_query's JSON", "[.raw-parse-corpus]") {
  fs::path corpus = testing::corpus_dir();
  if (!fs::is_directory(corpus)) {
    if (testing::missing_corpus_allowed()) {
      WARN("corpus not found at " << corpus << "; skipped (MIGRASAFE_ALLOW_NO_CORPUS=1)");
      return;
    }
    FAIL("corpus not found at " << corpus << " (set MIGRASAFE_CORPUS)");
  }
  Counts counts;
  std::vector<fs::path> files = sql_files_under(corpus);
  for (const fs::path& p : files) check_file(p.string(), testing::read_file(p), counts);
  WARN(files.size() << " files, " << counts.statements << " statements, " << counts.nodes
                    << " tree nodes compared; " << counts.negative_integers << " negative integers the JSON path dropped");
  CHECK(files.size() > 1000);
  CHECK(counts.nodes > 1'000'000);
}

TEST_CASE("JSON reader: strings with and without escapes, anywhere in the string, and unterminated ones", "[raw-parse]") {
  // PL/pgSQL trees still come as JSON: a string is found with memchr up to
  // its closing quote or its first backslash, then decoded from there.
  auto doc = JsonDocument::parse(
      R"({"a":"plain","b":"\"q\" first","c":"tab\tthen \\ and \u00e9","d":"","e":"no escape here, \"one\" later"})");
  const JsonNode& root = doc->root();
  CHECK(root.get("a")->as_string() == "plain");
  CHECK(root.get("b")->as_string() == "\"q\" first");
  CHECK(root.get("c")->as_string() == "tab\tthen \\ and \xC3\xA9");
  CHECK(root.get("d")->as_string() == "");
  CHECK(root.get("e")->as_string() == "no escape here, \"one\" later");
  CHECK_THROWS_AS(JsonDocument::parse(R"({"a":"never closed)"), std::runtime_error);
  CHECK_THROWS_AS(JsonDocument::parse(R"({"a":"escaped quote only\")"), std::runtime_error);
  CHECK_THROWS_AS(JsonDocument::parse(R"({"a":")"), std::runtime_error);
}
