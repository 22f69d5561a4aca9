#include "parser/plpgsql_body.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "parser/json_tree.h"

// PostgreSQL's headers define macros (printf, Min, elog...) that C++ headers
// must not see: they come last, and only in this file.
extern "C" {
#include <pg_query.h>

#include "postgres.h"
#include "plpgsql.h"
}

namespace migrasafe {
namespace {

// Keeps the recursion bounded. Each statement list nests at least three
// levels deep in libpg_query's JSON form ({"PLpgSQL_stmt_if": {"then_body":
// [...]}}), which was refused past JsonDocument::kMaxDepth levels: a body
// refused here was refused before too. PL/pgSQL's grammar runs out of stack
// long before (at about 3,300 nested blocks), so this is a guard only.
constexpr int kMaxStatementNesting = JsonDocument::kMaxDepth / 3;

// Reads one compiled function into a PlpgsqlBody, visiting its parts in the
// order libpg_query's plpgsqlToJSON writes them (the order the analysis saw
// them in when it read that JSON), so statements, expressions and the first
// reason a body is unseen come out as before.
class BodyReader {
 public:
  explicit BodyReader(PlpgsqlBody& out) : out_(out) {}

  void function(const PLpgSQL_function& f) {
    for (int i = 0; i < f.ndatums; ++i)
      if (f.datums[i]->dtype == PLPGSQL_DTYPE_VAR) var(*reinterpret_cast<const PLpgSQL_var*>(f.datums[i]));
    if (f.action) block(*f.action);
  }

 private:
  // What an expression is to the analysis.
  enum class Role { Expression, Assignment, Statement, DynamicQuery };

  static std::string text(const PLpgSQL_expr& e) { return e.query ? e.query : ""; }

  // A statement's or an EXECUTE's SQL is recorded by the statement itself.
  void expr(const PLpgSQL_expr* e, Role role = Role::Expression) {
    if (!e || role == Role::Statement) return;
    if (role == Role::DynamicQuery) {
      out_.runs_dynamic_query = true;
      return;
    }
    out_.expressions.push_back({text(*e), role == Role::Assignment});
  }

  void exprs(const List* l) {
    for (int i = 0; l && i < l->length; ++i) expr(static_cast<const PLpgSQL_expr*>(l->elements[i].ptr_value));
  }

  void var(const PLpgSQL_var& v) {
    expr(v.default_val);
    expr(v.cursor_explicit_expr);
  }

  // A loop variable or an INTO target: only a scalar variable holds expressions.
  void variable(const PLpgSQL_variable* v) {
    if (v && v->dtype == PLPGSQL_DTYPE_VAR) var(*reinterpret_cast<const PLpgSQL_var*>(v));
  }

  void sql_statement(long lineno, const PLpgSQL_expr* e, bool dynamic) {
    if (e) out_.statements.push_back({lineno, text(*e), dynamic, loop_});
  }

  void statements(const List* l) {
    if (!l) return;
    if (++nesting_ > kMaxStatementNesting) {
      out_.too_deep = true;
    } else {
      for (int i = 0; i < l->length; ++i) statement(*static_cast<const PLpgSQL_stmt*>(l->elements[i].ptr_value));
    }
    --nesting_;
  }

  void block(const PLpgSQL_stmt_block& b) {
    statements(b.body);
    if (!b.exceptions) return;
    const List* handlers = b.exceptions->exc_list;
    for (int i = 0; handlers && i < handlers->length; ++i)
      statements(static_cast<const PLpgSQL_exception*>(handlers->elements[i].ptr_value)->action);
  }

  // `FOR record IN query LOOP`: the loop of the statements in its body.
  void for_query_loop(const PLpgSQL_stmt_fors& s) {
    int outer = loop_;
    if (s.query && s.var && s.var->dtype == PLPGSQL_DTYPE_REC) {
      out_.loops.push_back({text(*s.query), s.var->refname ? s.var->refname : ""});
      loop_ = static_cast<int>(out_.loops.size()) - 1;
    }
    variable(s.var);
    statements(s.body);
    expr(s.query);
    loop_ = outer;
  }

  template <class T>
  static const T& as(const PLpgSQL_stmt& s) {
    return *reinterpret_cast<const T*>(&s);
  }

  void statement(const PLpgSQL_stmt& s) {
    switch (s.cmd_type) {
      case PLPGSQL_STMT_BLOCK: return block(as<PLpgSQL_stmt_block>(s));
      case PLPGSQL_STMT_ASSIGN: return expr(as<PLpgSQL_stmt_assign>(s).expr, Role::Assignment);
      case PLPGSQL_STMT_IF: {
        const auto& x = as<PLpgSQL_stmt_if>(s);
        expr(x.cond);
        statements(x.then_body);
        for (int i = 0; x.elsif_list && i < x.elsif_list->length; ++i) {
          const auto* elsif = static_cast<const PLpgSQL_if_elsif*>(x.elsif_list->elements[i].ptr_value);
          expr(elsif->cond);
          statements(elsif->stmts);
        }
        return statements(x.else_body);
      }
      case PLPGSQL_STMT_CASE: {
        const auto& x = as<PLpgSQL_stmt_case>(s);
        expr(x.t_expr);
        for (int i = 0; x.case_when_list && i < x.case_when_list->length; ++i) {
          const auto* when = static_cast<const PLpgSQL_case_when*>(x.case_when_list->elements[i].ptr_value);
          expr(when->expr);
          statements(when->stmts);
        }
        return statements(x.else_stmts);
      }
      case PLPGSQL_STMT_LOOP: return statements(as<PLpgSQL_stmt_loop>(s).body);
      case PLPGSQL_STMT_WHILE:
        expr(as<PLpgSQL_stmt_while>(s).cond);
        return statements(as<PLpgSQL_stmt_while>(s).body);
      case PLPGSQL_STMT_FORI: {
        const auto& x = as<PLpgSQL_stmt_fori>(s);
        if (x.var) var(*x.var);
        expr(x.lower);
        expr(x.upper);
        expr(x.step);
        return statements(x.body);
      }
      case PLPGSQL_STMT_FORS: return for_query_loop(as<PLpgSQL_stmt_fors>(s));
      case PLPGSQL_STMT_FORC: {
        const auto& x = as<PLpgSQL_stmt_forc>(s);
        variable(x.var);
        statements(x.body);
        return expr(x.argquery);
      }
      case PLPGSQL_STMT_FOREACH_A:
        expr(as<PLpgSQL_stmt_foreach_a>(s).expr);
        return statements(as<PLpgSQL_stmt_foreach_a>(s).body);
      case PLPGSQL_STMT_EXIT: return expr(as<PLpgSQL_stmt_exit>(s).cond);
      case PLPGSQL_STMT_RETURN: return expr(as<PLpgSQL_stmt_return>(s).expr);
      case PLPGSQL_STMT_RETURN_NEXT: return expr(as<PLpgSQL_stmt_return_next>(s).expr);
      case PLPGSQL_STMT_RETURN_QUERY: {
        const auto& x = as<PLpgSQL_stmt_return_query>(s);
        expr(x.query);
        expr(x.dynquery, Role::DynamicQuery);
        return exprs(x.params);
      }
      case PLPGSQL_STMT_RAISE: {
        const auto& x = as<PLpgSQL_stmt_raise>(s);
        exprs(x.params);
        for (int i = 0; x.options && i < x.options->length; ++i)
          expr(static_cast<const PLpgSQL_raise_option*>(x.options->elements[i].ptr_value)->expr);
        return;
      }
      case PLPGSQL_STMT_ASSERT:
        expr(as<PLpgSQL_stmt_assert>(s).cond);
        return expr(as<PLpgSQL_stmt_assert>(s).message);
      case PLPGSQL_STMT_EXECSQL: {
        const auto& x = as<PLpgSQL_stmt_execsql>(s);
        sql_statement(x.lineno, x.sqlstmt, false);
        return variable(x.target);
      }
      case PLPGSQL_STMT_DYNEXECUTE: {
        const auto& x = as<PLpgSQL_stmt_dynexecute>(s);
        sql_statement(x.lineno, x.query, true);
        variable(x.target);
        return exprs(x.params);
      }
      case PLPGSQL_STMT_DYNFORS: {
        const auto& x = as<PLpgSQL_stmt_dynfors>(s);
        variable(x.var);
        statements(x.body);
        expr(x.query, Role::DynamicQuery);
        return exprs(x.params);
      }
      case PLPGSQL_STMT_OPEN: {
        const auto& x = as<PLpgSQL_stmt_open>(s);
        expr(x.argquery);
        expr(x.query);
        expr(x.dynquery, Role::DynamicQuery);
        return exprs(x.params);
      }
      case PLPGSQL_STMT_FETCH:
        variable(as<PLpgSQL_stmt_fetch>(s).target);
        return expr(as<PLpgSQL_stmt_fetch>(s).expr);
      case PLPGSQL_STMT_PERFORM: return expr(as<PLpgSQL_stmt_perform>(s).expr);
      case PLPGSQL_STMT_CALL:
        expr(as<PLpgSQL_stmt_call>(s).expr);
        return variable(as<PLpgSQL_stmt_call>(s).target);
      case PLPGSQL_STMT_GETDIAG:
      case PLPGSQL_STMT_CLOSE:
      case PLPGSQL_STMT_COMMIT:
      case PLPGSQL_STMT_ROLLBACK: return;
    }
    throw std::logic_error("PL/pgSQL statement of unknown type " + std::to_string(static_cast<int>(s.cmd_type)));
  }

  PlpgsqlBody& out_;
  int loop_ = -1;
  int nesting_ = 0;
};

// The body being read by parse_plpgsql on this thread (libpg_query parses on
// the calling thread), and what became of it.
struct Capture {
  PlpgsqlBody* body = nullptr;
  bool reached = false;
  std::string failure;
};
thread_local Capture* active_capture = nullptr;

}  // namespace

}  // namespace migrasafe

// pg_query_parse_plpgsql compiles each body, hands the compiled function to
// plpgsqlToJSON and frees it. The build links with -Wl,--wrap=plpgsqlToJSON
// (CMakeLists.txt), so that call reaches this function: while parse_plpgsql
// runs, it reads the structs and returns an empty object instead of writing
// the JSON; otherwise (the differential test's reference path) it writes the
// JSON as before. It is called from C, so nothing may be thrown out of it.
extern "C" char* __real_plpgsqlToJSON(PLpgSQL_function* func);
extern "C" char* __wrap_plpgsqlToJSON(PLpgSQL_function* func) noexcept {
  migrasafe::Capture* capture = migrasafe::active_capture;
  if (!capture) return __real_plpgsqlToJSON(func);
  capture->reached = true;
  try {
    migrasafe::BodyReader(*capture->body).function(*func);
  } catch (const std::exception& e) {
    if (capture->failure.empty()) capture->failure = e.what();
  }
  return pstrdup("{}");  // freed by the caller, with pfree
}

namespace migrasafe {

ParsedPlpgsql parse_plpgsql(const std::string& sql, KeptParses kept, const KnownFunction* function) {
  ParsedPlpgsql out;
  Capture capture;
  capture.body = &out.body;
  active_capture = &capture;
  ParseRecording recording(sql.c_str(), kept == KeptParses::Statements, function);
  PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(sql.c_str());
  active_capture = nullptr;
  struct Free {
    PgQueryPlpgsqlParseResult& r;
    ~Free() { pg_query_free_plpgsql_parse_result(r); }
  } free_result{r};
  if (r.error) {
    out.error = PlpgsqlError{r.error->message ? r.error->message : "", r.error->context ? r.error->context : ""};
    return out;
  }
  if (!capture.failure.empty()) throw std::logic_error("reading a PL/pgSQL body: " + capture.failure);
  // libpg_query wrote its JSON for some function itself: plpgsqlToJSON was not wrapped at link time.
  if (!capture.reached && r.plpgsql_funcs && std::strcmp(r.plpgsql_funcs, "[]") != 0)
    throw std::logic_error("PL/pgSQL bodies were not read: link libpg_query statically with -Wl,--wrap=plpgsqlToJSON");
  out.sql_parses = RecordedParses(recording.take());
  return out;
}

}  // namespace migrasafe
