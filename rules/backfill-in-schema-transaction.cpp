#include <algorithm>
#include <set>

#include "parser/ast.h"
#include "analysis/context.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

int line_of(const StatementView& v, std::uint32_t offset) { return v.file.source->lines.position(offset).line; }

std::string a_lock(LockMode m) {
  return std::string(m == LockMode::AccessExclusive || m == LockMode::Exclusive ? "an " : "a ") + std::string(sql_lock_name(m));
}

// A bulk row change after DDL on the same table in one transaction: the DDL's
// lock is held for the whole backfill. An ACCESS EXCLUSIVE lock is left to
// lock-held-across-statements.
void after_ddl(const StatementView& v, Report& r, const QualifiedName& table) {
  auto held = v.ctx.held_lock(table);
  if (!held || *held < LockMode::ShareUpdateExclusive || *held == LockMode::AccessExclusive) return;
  r.add(RuleId::backfill_in_schema_transaction, v.stmt.begin, v.stmt.end,
        "this statement changes rows of `" + rules::display(table) + "` in bulk inside " +
            rules::transaction_origin(v) + ", which already holds " + a_lock(*held) + " lock on it from a schema change: the lock, which blocks " + std::string(lock_blocks(*held)) +
            ", is kept until COMMIT, so it lasts as long as the whole backfill",
        "Commit the schema change first, then backfill in separate transactions in batches (for example by "
        "primary-key ranges), and keep data migrations out of the schema migration.");
}

// The columns a UNIQUE or PRIMARY KEY constraint or a unique index added by
// this statement covers (for an expression, the columns it reads).
std::set<std::string> constrained_columns(const StatementView& v) {
  std::set<std::string> out;
  auto add_names = [&](const Json& list_owner, ast::FieldName field) {
    for (const std::string& c : ast::strings(ast::list(list_owner, field))) out.insert(c);
  };
  if (v.stmt.tag == StmtKind::IndexStmt && ast::flag(v.stmt.node, "unique")) {
    for (const Json& p : ast::list(v.stmt.node, "indexParams"))
      if (auto el = ast::as<"IndexElem">(p)) {
        if (!ast::str(*el, "name").empty()) out.insert(std::string(ast::str(*el, "name")));
        else if (const Json* expr = ast::field(*el, "expr")) rules::add_column_refs(*expr, out);  // lower(email)
      }
  }
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = rules::alter_command(v.stmt, a.command);
    if (!cmd) continue;
    const Json* def = ast::field(*cmd, "def");
    auto con = def ? ast::as<"Constraint">(*def) : nullptr;
    std::string_view type = con ? ast::str(*con, "contype") : "";
    if (ast::str(*cmd, "subtype") == "AT_AddConstraint" && (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY"))
      add_names(*con, "keys");
  }
  return out;
}

// The bulk change at `since` removed the duplicates the unique constraint or
// index this statement adds must not meet: a DELETE of every row or of rows
// chosen by its columns, or an UPDATE that sets one of its columns. The
// dedupe belongs in the same transaction: committed apart, concurrent inserts
// (which the application cannot keep from racing) can add duplicates again
// before the constraint exists. A fill before NOT NULL, CHECK or FOREIGN KEY
// is different: once the application stops writing such rows, the fill can
// run in batches first, so it is still reported.
bool dedupes_for_constraint(const StatementView& v, std::uint32_t since) {
  std::set<std::string> columns = constrained_columns(v);
  if (columns.empty()) return false;
  for (std::size_t i = 0; i < v.file.statements.size(); ++i) {
    const Statement& s = v.file.statements[i];
    if (s.begin != since || !v.index.bulk_dml[i]) continue;
    if (s.tag == StmtKind::DeleteStmt) {  // its tree outlives it (rules/tree_release.h)
      const Json* where = ast::field(s.node, "whereClause");
      std::set<std::string> chosen_by;
      if (where) rules::add_column_refs(*where, chosen_by);
      return !where || std::any_of(chosen_by.begin(), chosen_by.end(), [&](const std::string& c) { return columns.count(c) > 0; });
    }
    auto update = v.index.updates.find(i);
    if (update == v.index.updates.end()) return false;
    for (const auto& [name, reads] : update->second.assigned)
      if (columns.count(name)) return true;
    return false;
  }
  return false;
}

// DDL after a bulk row change of the same table in one transaction: the
// changed rows stay locked while the DDL waits for and holds its lock.
void after_backfill(const StatementView& v, Report& r, const QualifiedName& table, std::uint32_t since) {
  auto mode = v.effects.lock_on(table);
  if (!mode || !blocks_writes(*mode) || dedupes_for_constraint(v, since)) return;
  // Held since earlier in the transaction: this statement adds nothing on top.
  if (auto held = v.ctx.held_lock(table); held && (*held == LockMode::AccessExclusive || *held == *mode)) return;
  r.add(RuleId::backfill_in_schema_transaction, v.stmt.begin, v.stmt.end,
        "this statement takes " + a_lock(*mode) + " lock on `" + rules::display(table) +
            "` in the transaction that changed its rows in bulk at line " + std::to_string(line_of(v, since)) +
            ": the changed rows stay locked against other writers until COMMIT, and this lock, which blocks " +
            std::string(lock_blocks(*mode)) + ", is added on top while the transaction is already long",
        "Run the backfill in its own transactions, in batches, before or after the schema migration, and commit "
        "before changing the schema.");
}

void check(const StatementView& v, Report& r) {
  if (!v.ctx.in_transaction() || !v.effects.target || rules::target_created_in_migration(v)) return;
  // Once per transaction (the runner's transaction is the whole file).
  if (r.reported_since(RuleId::backfill_in_schema_transaction, v.ctx.transaction_begin().value_or(0))) return;
  const QualifiedName& table = *v.effects.target;
  if (is_bulk_dml(v.stmt)) after_ddl(v, r, table);
  else if (auto since = v.ctx.backfilled_in_transaction(table)) after_backfill(v, r, table, *since);
}

}  // namespace
const RuleHooks hooks_backfill_in_schema_transaction{check, nullptr, every_statement};
}  // namespace migrasafe
