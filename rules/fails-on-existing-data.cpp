// One finding per statement that can fail because of the rows already in an
// existing table. The lock rules (add-unique-constraint, set-not-null-scan,
// add-constraint-without-not-valid, alter-column-type) say what it blocks;
// this says what makes the deploy fail and how to find those rows first.
// VALIDATE CONSTRAINT is left out: it is the safe recipe's last step, and
// when it fails nothing was blocked and the NOT VALID constraint stays.
#include <algorithm>
#include <set>
#include <tuple>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "analysis/type_change.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

struct Failure {
  std::string what;   // "fails if ... "
  std::string query;  // the SELECT that finds the offending rows
};

std::string joined(const std::vector<std::string>& names, const char* sep = ", ") {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : sep) + n;
  return out;
}

Failure duplicates(const std::string& verb, const std::string& table, const std::vector<std::string>& cols, bool primary) {
  std::string list = joined(cols);
  Failure f{verb + " fails if existing rows of `" + table + "` have duplicate (" + list + ") values" +
                (primary ? " or NULLs" : ""),
            "SELECT " + list + ", count(*) FROM " + table + " GROUP BY " + list + " HAVING count(*) > 1 LIMIT 10;"};
  if (primary) f.query += " and SELECT count(*) FROM " + table + " WHERE " + joined(cols, " IS NULL OR ") + " IS NULL;";
  return f;
}

// What earlier statements of the open transaction prove about the rows,
// while it holds an ACCESS EXCLUSIVE lock on their table, so that no other
// session can change them before this statement runs.
struct Proofs {
  int transaction = -1;
  // Unique indexes (plain columns, no WHERE) the transaction dropped: the
  // rows held no duplicates of those columns when it did.
  std::vector<std::pair<QualifiedName, std::vector<std::string>>> unique_dropped;
  // (table, column) an UPDATE without WHERE set to a non-NULL value in every row.
  std::set<std::pair<QualifiedName, std::string>> filled;
  // (table, other table) a DELETE of the rows of the first chosen by a
  // subquery on the second removed (DELETE FROM c WHERE NOT EXISTS (SELECT
  // FROM p WHERE p.id = c.p_id)): taken as the cleanup of orphans before a
  // foreign key from the first to the second.
  std::set<std::pair<QualifiedName, QualifiedName>> orphans_deleted;
  // Valid foreign keys the transaction dropped (table, its columns, the
  // table it references): the rows satisfied them when it did.
  std::vector<std::tuple<QualifiedName, std::set<std::string>, QualifiedName>> foreign_keys_dropped;
};

// A plain unique index: no WHERE clause, no expression.
bool plain_unique(const IndexInfo* idx) {
  return idx && idx->unique && !idx->partial && !idx->columns.empty() &&
         std::none_of(idx->columns.begin(), idx->columns.end(), [](const std::string& c) { return c.empty(); });
}

// A constant other than NULL, a cast of one, or a CASE whose every branch and ELSE is one.
bool never_null(const Json& expr) {
  if (auto cast = ast::as<"TypeCast">(expr)) return ast::field(*cast, "arg") && never_null(*ast::field(*cast, "arg"));
  if (auto c = ast::as<"A_Const">(expr)) return !ast::flag(*c, "isnull");
  auto case_expr = ast::as<"CaseExpr">(expr);
  const Json* otherwise = case_expr ? ast::field(*case_expr, "defresult") : nullptr;
  if (!otherwise || !never_null(*otherwise)) return false;
  for (const Json& w : ast::list(*case_expr, "args")) {
    auto when = ast::as<"CaseWhen">(w);
    const Json* result = when ? ast::field(*when, "result") : nullptr;
    if (!result || !never_null(*result)) return false;
  }
  return true;
}

void remember(const StatementView& v, Proofs& p) {
  if (!v.ctx.in_transaction() || v.ctx.in_function_body()) return;
  if (p.transaction != v.ctx.transaction_id()) p = {v.ctx.transaction_id(), {}, {}, {}, {}};
  const Json& n = v.stmt.node;
  if (v.stmt.tag == StmtKind::DropStmt && ast::str(n, "removeType") == "OBJECT_INDEX") {
    for (const Json& obj : ast::list(n, "objects"))
      if (auto items = ast::as<"List">(obj)) {
        const IndexInfo* idx = v.ctx.catalog().index(v.ctx.qualify_names(ast::strings(ast::list(*items, "items"))));
        if (plain_unique(idx)) p.unique_dropped.emplace_back(idx->table, idx->columns);
      }
  } else if (v.stmt.tag == StmtKind::AlterTableStmt && v.effects.target) {
    const QualifiedName& table = *v.effects.target;
    for (const AlterTableCommand& cmd : alter_table_commands(n)) {
      if (cmd.subtype != "AT_DropConstraint") continue;
      const IndexInfo* idx = v.ctx.catalog().index({table.schema, std::string(cmd.name)});
      if (plain_unique(idx) && idx->table == table) p.unique_dropped.emplace_back(table, idx->columns);
      const TableConstraints& constraints = v.ctx.catalog().constraints(table);
      auto fk = constraints.find(std::string(cmd.name));
      if (fk != constraints.end() && fk->second.kind == ConstraintInfo::Kind::ForeignKey && fk->second.valid &&
          fk->second.references)
        p.foreign_keys_dropped.emplace_back(table, fk->second.columns, *fk->second.references);
    }
  } else if (v.stmt.tag == StmtKind::DeleteStmt && v.effects.target && ast::field(n, "whereClause") &&
             v.ctx.held_lock(*v.effects.target) == LockMode::AccessExclusive) {
    ast::walk(*ast::field(n, "whereClause"), [&](std::string_view kind, const Json& fields) {
      if (kind == "RangeVar") p.orphans_deleted.emplace(*v.effects.target, v.ctx.qualify_range_var(fields));
    });
  } else if (v.stmt.tag == StmtKind::UpdateStmt && v.effects.target && !ast::field(n, "whereClause") &&
             v.ctx.held_lock(*v.effects.target) == LockMode::AccessExclusive) {
    for (const Json& t : ast::list(n, "targetList")) {
      auto rt = ast::as<"ResTarget">(t);
      const Json* val = rt ? ast::field(*rt, "val") : nullptr;
      if (val && never_null(*val)) p.filled.emplace(*v.effects.target, std::string(ast::str(*rt, "name")));
    }
  }
}

// Some of the unique `index_columns` are among `cols`: rows unique on them are unique on `cols`.
bool covers(const std::vector<std::string>& index_columns, const std::vector<std::string>& cols) {
  return std::all_of(index_columns.begin(), index_columns.end(),
                     [&](const std::string& c) { return std::find(cols.begin(), cols.end(), c) != cols.end(); });
}

// An existing unique index (or primary key) on some of `cols`, without a
// WHERE clause, or one the transaction dropped while it kept the rows
// locked: the rows cannot hold duplicates of `cols`.
bool already_unique(const StatementView& v, const std::vector<std::string>& cols, const Proofs& proofs) {
  for (const auto& [table, columns] : proofs.unique_dropped)
    if (table == *v.effects.target && covers(columns, cols)) return true;
  const TableInfo* table = v.ctx.catalog().table(*v.effects.target);
  if (!table) return false;
  for (const std::string& name : table->indexes) {
    const IndexInfo* idx = v.ctx.catalog().index({v.effects.target->schema, name});
    if (plain_unique(idx) && covers(idx->columns, cols)) return true;
  }
  return false;
}

// A valid foreign key from the same columns to the same table that exists
// (or that the transaction dropped while it kept the rows locked): the rows
// reference existing keys already. The new key must reference the primary
// key, as one declared without a column list does.
bool already_referenced(const StatementView& v, const std::vector<std::string>& fk, const std::vector<std::string>& pk,
                        const QualifiedName& referenced, const Proofs& proofs) {
  if (!pk.empty()) {
    const TableInfo* ref = v.ctx.catalog().table(referenced);
    const IndexInfo* primary = nullptr;
    if (ref)
      for (const std::string& name : ref->indexes)
        if (const IndexInfo* idx = v.ctx.catalog().index({referenced.schema, name}); idx && idx->primary) primary = idx;
    if (!primary || primary->columns != pk) return false;
  }
  std::set<std::string> columns(fk.begin(), fk.end());
  for (const auto& [table, cols, ref] : proofs.foreign_keys_dropped)
    if (table == *v.effects.target && cols == columns && ref == referenced) return true;
  for (const auto& [name, c] : v.ctx.catalog().constraints(*v.effects.target))
    if (c.kind == ConstraintInfo::Kind::ForeignKey && c.valid && c.columns == columns && c.references == referenced)
      return true;
  return false;
}

bool all_not_null(const StatementView& v, const std::vector<std::string>& cols) {
  return std::all_of(cols.begin(), cols.end(), [&](const std::string& c) {
    const ColumnInfo* col = v.ctx.catalog().column(*v.effects.target, c);
    return col && col->not_null;
  });
}

std::optional<Failure> constraint_failure(const StatementView& v, const std::string& t, const Json& con,
                                          const Proofs& proofs) {
  std::string_view type = ast::str(con, "contype");
  bool not_valid = ast::flag(con, "skip_validation");
  if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && ast::str(con, "indexname").empty()) {
    auto cols = ast::strings(ast::list(con, "keys"));
    bool primary = type == "CONSTR_PRIMARY";
    // Already unique (the old key, a unique index): only NULLs can still fail a primary key.
    if (!cols.empty() && already_unique(v, cols, proofs)) {
      if (!primary || all_not_null(v, cols)) return std::nullopt;
      return Failure{"ADD PRIMARY KEY fails if existing rows of `" + t + "` have NULLs in (" + joined(cols) + ")",
                     "SELECT count(*) FROM " + t + " WHERE " + joined(cols, " IS NULL OR ") + " IS NULL;"};
    }
    if (!cols.empty()) return duplicates(type == "CONSTR_PRIMARY" ? "ADD PRIMARY KEY" : "ADD UNIQUE", t, cols, type == "CONSTR_PRIMARY");
  } else if (type == "CONSTR_CHECK" && !not_valid) {
    return Failure{"ADD CHECK fails if any existing row of `" + t + "` violates the CHECK",
                   "SELECT count(*) FROM " + t + " WHERE NOT (<the CHECK expression>);"};
  } else if (type == "CONSTR_FOREIGN" && !not_valid) {
    auto fk = ast::strings(ast::list(con, "fk_attrs")), pk = ast::strings(ast::list(con, "pk_attrs"));
    const Json* pkt = ast::field(con, "pktable");
    if (fk.empty() || !pkt || proofs.orphans_deleted.count({*v.effects.target, v.ctx.qualify_range_var(*pkt)}) ||
        already_referenced(v, fk, pk, v.ctx.qualify_range_var(*pkt), proofs))
      return std::nullopt;
    std::string ref = rules::display(v.ctx.qualify_range_var(*pkt)), on;
    for (std::size_t i = 0; i < fk.size(); ++i)
      on += (i ? " AND " : "") + std::string("r.") + (i < pk.size() ? pk[i] : "<key>") + " = t." + fk[i];
    return Failure{"ADD FOREIGN KEY fails if a row of `" + t + "` references a key missing from `" + ref + "`",
                   "SELECT t." + joined(fk, ", t.") + " FROM " + t + " t LEFT JOIN " + ref + " r ON " + on +
                       " WHERE t." + fk[0] + " IS NOT NULL AND r." + (pk.empty() ? "<key>" : pk[0]) + " IS NULL LIMIT 10;"};
  }
  return std::nullopt;
}

// An explicit cast to a shorter text type truncates instead of failing, so
// lengths are checked; any other cast fails on the first value it cannot convert.
std::string conversion_query(const std::string& t, const std::string& column, const ColumnType& to) {
  bool text = to.name == "varchar" || to.name == "bpchar" || to.name == "text";
  if (text && !to.typmods.empty())
    return "SELECT count(*) FROM " + t + " WHERE length(" + column + "::text) > " + std::to_string(to.typmods[0]) + ";";
  return "SELECT count(" + column + "::" + to.display() + ") FROM " + t +
         "; (with the USING expression if there is one; it fails on the first value that does not convert)";
}

// What can fail in one ALTER TABLE sub-command.
std::optional<Failure> command_failure(const StatementView& v, const ActionEffect& a, const Json& cmd,
                                       const Proofs& proofs) {
  std::string t = rules::display(*v.effects.target);
  std::string_view sub = ast::str(cmd, "subtype");
  std::string column(ast::str(cmd, "name"));
  const Json* def = ast::field(cmd, "def");
  if (sub == "AT_AddConstraint" && def && ast::as<"Constraint">(*def))
    return constraint_failure(v, t, *ast::as<"Constraint">(*def), proofs);
  if (sub == "AT_SetNotNull" && a.scan != Tri::No && !proofs.filled.count({*v.effects.target, column}))
    return Failure{"SET NOT NULL fails if `" + t + "." + column + "` holds NULLs",
                   "SELECT count(*) FROM " + t + " WHERE " + column + " IS NULL;"};
  if (sub == "AT_AlterColumnType") {
    const ColumnInfo* old = v.ctx.catalog().column(*v.effects.target, column);
    auto col = def ? ast::as<"ColumnDef">(*def) : nullptr;
    const Json* tn = col ? ast::field(*col, "typeName") : nullptr;
    auto to = tn ? column_type(*tn) : std::nullopt;
    if (!old || !to) return std::nullopt;
    std::string why = type_change_failure(old->type, *to, ast::field(*col, "raw_default") != nullptr);
    if (why.empty()) return std::nullopt;
    return Failure{"changing `" + t + "." + column + "` from " + old->type.display() + " to " + to->display() +
                       " fails if existing values cannot be converted (" + why + ")",
                   conversion_query(t, column, *to)};
  }
  return std::nullopt;
}

void report(Report& r, std::uint32_t b, std::uint32_t e, const Failure& f, bool concurrent) {
  r.add(RuleId::fails_on_existing_data, b, e,
        f.what + ": the migration then stops with an error" +
            (concurrent ? ", and a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind that must be dropped"
                        : " (and what its transaction did is rolled back)"),
        "Find and fix the offending rows in the production database before deploying: " + f.query +
            " Then run the migration, and keep new writes from adding such rows meanwhile (in the application, or "
            "for a CHECK or FOREIGN KEY by adding it NOT VALID first).");
}

void check_index(const StatementView& v, Report& r) {
  const Json& n = v.stmt.node;
  if (!ast::flag(n, "unique") || !v.effects.target || rules::target_created_in_migration(v)) return;
  if (v.effects.scan == Tri::No) return;  // ON ONLY a partitioned parent: an invalid index, nothing read
  std::vector<std::string> cols;
  for (const Json& p : ast::list(n, "indexParams")) {
    auto el = ast::as<"IndexElem">(p);
    cols.push_back(el && !ast::str(*el, "name").empty() ? std::string(ast::str(*el, "name")) : "(expression)");
  }
  Failure f = duplicates("CREATE UNIQUE INDEX", rules::display(*v.effects.target), cols, false);
  if (ast::field(n, "whereClause")) f.query.insert(f.query.find(" GROUP BY"), " WHERE <the index's predicate>");
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(n, "relation")));
  report(r, b, e, f, ast::flag(n, "concurrent"));
}

void check(const StatementView& v, Report& r) {
  static const Proofs none;
  const Proofs& kept = r.file_state<Proofs>(RuleId::fails_on_existing_data);
  bool current = v.ctx.in_transaction() && !v.ctx.in_function_body() && kept.transaction == v.ctx.transaction_id();
  const Proofs& proofs = current ? kept : none;
  if (v.stmt.tag == StmtKind::IndexStmt) return check_index(v, r);
  bool reported = false;
  if (v.stmt.tag != StmtKind::AlterTableStmt || !v.effects.target || rules::target_created_in_migration(v)) return;
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = rules::alter_command(v.stmt, a.command);
    auto f = cmd && !reported ? command_failure(v, a, *cmd, proofs) : std::nullopt;
    if (!f) continue;
    auto [b, e] = rules::alter_command_span(v, a.command);
    report(r, b, e, *f, false);
    reported = true;  // one finding per statement: the first failure is enough to check for
  }
}

void check_and_remember(const StatementView& v, Report& r) {
  check(v, r);
  remember(v, r.file_state<Proofs>(RuleId::fails_on_existing_data));  // the schema before the statement
}

}  // namespace
const RuleHooks hooks_fails_on_existing_data{check_and_remember, nullptr, every_statement};
}  // namespace migrasafe
