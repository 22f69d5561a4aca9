#pragma once
// What the analysis reads from a PL/pgSQL body: its SQL statements (with the
// FOR loop around each) and its other expressions. libpg_query compiles the
// body with PostgreSQL's PL/pgSQL parser, and these are read straight from the
// parser's structs (plpgsql.h), with no JSON in between.
#include <optional>
#include <string>
#include <vector>

#include "parser/raw_parse.h"

namespace migrasafe {

// `FOR record IN query LOOP ... END LOOP`: its body runs once per row of the query.
struct PlpgsqlForLoop {
  std::string query;
  std::string record;
};

// An SQL statement of the body, or the argument of an EXECUTE.
struct PlpgsqlStatement {
  long lineno = 0;  // 1-based line in the body; 0 unknown
  std::string query;
  bool dynamic = false;  // EXECUTE's argument, not a statement
  int loop = -1;         // the innermost FOR ... IN query loop around it (index in PlpgsqlBody::loops); -1: none
};

// An expression of the body that is not a statement of its own: a condition,
// an assignment, PERFORM, a FOR or RETURN QUERY query, a variable's default...
struct PlpgsqlExpression {
  std::string query;
  bool assignment = false;  // "target := value" (or "target = value")
};

// The bodies of one parse, in the order libpg_query's JSON form of them lists
// their parts (each function's variables, then its statements depth first).
struct PlpgsqlBody {
  std::vector<PlpgsqlStatement> statements;
  std::vector<PlpgsqlExpression> expressions;
  std::vector<PlpgsqlForLoop> loops;
  bool runs_dynamic_query = false;  // OPEN ... FOR EXECUTE, RETURN QUERY EXECUTE, FOR ... IN EXECUTE
  // Statements nested deeper than the analysis follows (PostgreSQL's PL/pgSQL
  // grammar runs out of stack first, so this does not happen in practice).
  bool too_deep = false;
};

struct PlpgsqlError {
  std::string message;
  std::string context;  // e.g. "... near line 3"
};

struct ParsedPlpgsql {
  std::optional<PlpgsqlError> error;
  PlpgsqlBody body;
  // The compiler's parses of the body's SQL statements and queries, so that
  // they are not parsed a second time.
  RecordedParses sql_parses;
};

// Which of the compiler's parses ParsedPlpgsql::sql_parses keeps: all, or
// only those of statements (ParseMode::Statements), when the caller reads
// none of the body's expressions (a DO block's).
enum class KeptParses { All, Statements };

// Compiles the PL/pgSQL functions and DO blocks of `sql` as
// pg_query_parse_plpgsql does (same grammar, same errors) and reads their
// bodies. `function`: `sql`'s one statement, a CREATE FUNCTION, when its
// tree is known (see ParseRecording): `sql` is then not parsed again. Throws
// std::logic_error when libpg_query's PL/pgSQL structs do not read as this
// build expects.
ParsedPlpgsql parse_plpgsql(const std::string& sql, KeptParses kept = KeptParses::All,
                            const KnownFunction* function = nullptr);

}  // namespace migrasafe
