// duplicate-column-assignment: a column assigned or listed twice in one
// statement. PostgreSQL rejects all of these when the statement runs:
// "multiple assignments to same column" (UPDATE SET, ON CONFLICT DO UPDATE
// SET, MERGE UPDATE SET) and "column specified more than once" (INSERT and
// MERGE INSERT column lists, CREATE TABLE, CREATE VIEW, CREATE TABLE AS,
// SELECT INTO). Names are compared as the parse tree has them: folded and
// truncated to 63 bytes. Assignments to parts of a column (a.x, a[1]) may
// repeat as long as each is partial.
#include <algorithm>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

struct Target {
  std::string_view name;  // in the parse tree, which outlives the check
  bool partial;  // a[1] or a.x
  long location;
};

struct Checker {
  const StatementView& v;
  Report& r;

  void report(const Target& t, std::string_view where, const char* error) {
    std::uint32_t b = t.location >= 0 ? rules::at(v.stmt, t.location) : v.stmt.begin;
    std::uint32_t e = t.location >= 0 ? b + 1 : v.stmt.end;
    // Widen to the token at the location.
    for (std::size_t i = v.stmt.first_token; i < v.stmt.end_token; ++i)
      if (v.file.tokens[i].begin == b) e = v.file.tokens[i].end;
    r.add(RuleId::duplicate_column_assignment, b, e,
          std::string(where) + " names column `" + std::string(t.name) + "` more than once; PostgreSQL rejects the statement (" + error + ")",
          "Keep one entry for `" + std::string(t.name) + "` and remove the other. If the two names differ only after the 63rd "
          "byte, PostgreSQL truncated them to the same name: shorten them.");
  }

  // Reports each later duplicate of a name, in statement order; two partial
  // targets are fine. The targets are sorted by name rather than put in a
  // map: most statements have a few, and a map allocates for each. Equal
  // names stay in statement order (pointers into `targets`) without the
  // buffer a stable sort allocates.
  void check(const std::vector<Target>& targets, std::string_view where, const char* error) {
    if (targets.size() < 2) return;
    std::vector<const Target*> by_name;
    by_name.reserve(targets.size());
    for (const Target& t : targets) by_name.push_back(&t);
    std::sort(by_name.begin(), by_name.end(), [](const Target* a, const Target* b) {
      return a->name != b->name ? a->name < b->name : a < b;
    });
    std::vector<const Target*> repeats;
    for (std::size_t i = 1, first = 0; i < by_name.size(); ++i) {
      if (by_name[i]->name != by_name[first]->name) first = i;
      else if (!(by_name[first]->partial && by_name[i]->partial)) repeats.push_back(by_name[i]);
    }
    std::sort(repeats.begin(), repeats.end());  // pointers into `targets`: back in statement order
    for (const Target* t : repeats) report(*t, where, error);
  }

  static std::vector<Target> res_targets(const Json& list) {
    std::vector<Target> out;
    for (const Json& e : list)
      if (auto rt = ast::as<"ResTarget">(e))
        out.push_back({ast::str(*rt, "name"), ast::list(*rt, "indirection").size() > 0, ast::location(*rt)});
    return out;
  }

  void assignments(const Json& list, std::string_view where) {
    check(res_targets(list), where, "multiple assignments to same column");
  }
  void columns(const Json& list, std::string_view where) { check(res_targets(list), where, "column specified more than once"); }

  // The last name of a list of String nodes ("" when it has none), in the tree.
  static std::string_view last_name(const Json& list) {
    std::string_view last;
    for (const Json& item : list)
      if (auto s = ast::as<"String">(item)) last = ast::str(*s, "sval");
    return last;
  }

  // The column name a SELECT output gets when it has no alias (FigureColname),
  // for the expressions whose name is certain; "" when unsure.
  static std::string_view output_name(const Json& val) {
    if (auto c = ast::as<"ColumnRef">(val)) {
      const Json& f = ast::list(*c, "fields");
      return f.size() && ast::as<"String">(f[f.size() - 1]) ? ast::str(*ast::as<"String">(f[f.size() - 1]), "sval") : "";
    }
    if (auto f = ast::as<"FuncCall">(val)) return last_name(ast::list(*f, "funcname"));
    if (auto t = ast::as<"TypeCast">(val)) {
      std::string_view inner = ast::field(*t, "arg") ? output_name(*ast::field(*t, "arg")) : "";
      if (inner.empty()) return "";  // an expression we do not name may win over the type
      if (inner != "?column?") return inner;
      const Json* tn = ast::field(*t, "typeName");
      return tn ? last_name(ast::list(*tn, "names")) : "";
    }
    if (ast::as<"CaseExpr">(val)) return "case";
    if (ast::as<"CoalesceExpr">(val)) return "coalesce";
    if (ast::as<"A_Const">(val)) return "?column?";
    if (auto a = ast::as<"A_Expr">(val); a && ast::str(*a, "kind") == "AEXPR_OP") return "?column?";
    return "";
  }

  // The names a SELECT's output columns get (its fields; set operations
  // take the left-most branch's), after the first `skip`, which a column
  // list renames. Empty when a * hides the names.
  static std::vector<Target> output_columns(const Json* sel, std::size_t skip) {
    while (sel && ast::str(*sel, "op") != "SETOP_NONE" && !ast::str(*sel, "op").empty()) sel = ast::field(*sel, "larg");
    std::vector<Target> out;
    if (!sel) return out;
    const Json& list = ast::list(*sel, "targetList");
    for (std::size_t i = skip; i < list.size(); ++i) {
      auto rt = ast::as<"ResTarget">(list[i]);
      if (!rt) continue;
      std::string_view name = ast::str(*rt, "name");
      const Json* val = ast::field(*rt, "val");
      if (name.empty() && val) {
        if (auto c = ast::as<"ColumnRef">(*val))
          for (const Json& f : ast::list(*c, "fields"))
            if (ast::as<"A_Star">(f)) return {};
        name = output_name(*val);
      }
      if (!name.empty()) out.push_back({name, false, ast::location(*rt)});
    }
    return out;
  }

  static std::vector<Target> names_list(const Json& list, long location) {
    std::vector<Target> out;
    for (const Json& item : list)
      if (auto s = ast::as<"String">(item)) out.push_back({ast::str(*s, "sval"), false, location});
    return out;
  }

  // A column list (aliases) and the query's remaining output names.
  void relation_columns(const Json& aliases, const Json* query, long location, std::string_view where) {
    auto all = names_list(aliases, location);
    if (query) {
      auto rest = output_columns(ast::as<"SelectStmt">(*query), aliases.size());
      all.insert(all.end(), rest.begin(), rest.end());
    }
    check(all, where, "column specified more than once");
  }

  void run() {
    const Json& n = v.stmt.node;
    const StmtKind k = v.stmt.tag;
    if (k == StmtKind::UpdateStmt) {
      assignments(ast::list(n, "targetList"), "UPDATE ... SET");
    } else if (k == StmtKind::InsertStmt) {
      columns(ast::list(n, "cols"), "The INSERT column list");
      if (const Json* oc = ast::field(n, "onConflictClause")) assignments(ast::list(*oc, "targetList"), "ON CONFLICT DO UPDATE SET");
    } else if (k == StmtKind::MergeStmt) {
      for (const Json& w : ast::list(n, "mergeWhenClauses")) {
        auto c = ast::as<"MergeWhenClause">(w);
        if (!c) continue;
        if (ast::str(*c, "commandType") == "CMD_UPDATE") assignments(ast::list(*c, "targetList"), "MERGE ... UPDATE SET");
        else if (ast::str(*c, "commandType") == "CMD_INSERT") columns(ast::list(*c, "targetList"), "The MERGE ... INSERT column list");
      }
    } else if (k == StmtKind::CreateStmt) {
      std::vector<Target> cols;
      for (const TableElement& e : table_elements(n))
        if (const Json* c = e.column) cols.push_back({ast::str(*c, "colname"), false, ast::location(*c)});
      check(cols, "CREATE TABLE", "column specified more than once");
    } else if (k == StmtKind::ViewStmt) {
      const Json* q = ast::field(n, "query");
      relation_columns(ast::list(n, "aliases"), q, ast::location(*ast::field(n, "view")), "CREATE VIEW");
    } else if (k == StmtKind::CreateTableAsStmt) {
      const Json* into = ast::field(n, "into");
      const Json* q = ast::field(n, "query");
      if (into && q && ast::as<"SelectStmt">(*q))
        relation_columns(ast::list(*into, "colNames"), q, ast::location(*ast::field(*into, "rel")),
                         ast::str(n, "objtype") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS");
    } else if (k == StmtKind::SelectStmt && ast::field(n, "intoClause")) {
      check(output_columns(&n, 0), "SELECT ... INTO", "column specified more than once");
    }
  }

};

void check(const StatementView& v, Report& r) { Checker{v, r}.run(); }

}  // namespace
const RuleHooks hooks_duplicate_column_assignment{
    check, nullptr,
    {StmtKind::UpdateStmt, StmtKind::InsertStmt, StmtKind::MergeStmt, StmtKind::CreateStmt, StmtKind::ViewStmt,
     StmtKind::CreateTableAsStmt, StmtKind::SelectStmt}};
}  // namespace migrasafe
