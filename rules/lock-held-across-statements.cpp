#include "rules/helpers.h"

namespace migrasafe {
namespace {

// A lock the transaction already has, in effect: on the relation itself, or
// an ACCESS EXCLUSIVE lock on the table of an index (no query can be using
// the index then), so taking it means no new wait.
bool already_held(const StatementView& v, const QualifiedName& rel) {
  if (v.ctx.held_lock(rel)) return true;
  auto table = v.ctx.table_of_index(rel);
  return table && v.ctx.held_lock(*table) == LockMode::AccessExclusive;
}

// A scan or rewrite of the one table the transaction holds ACCESS EXCLUSIVE,
// under ACCESS EXCLUSIVE itself: its own finding (table-rewrite,
// set-not-null-scan, ...) already says it blocks every read and write.
bool blocks_only_its_own_table(const StatementView& v) {
  if (!v.effects.target || v.effects.lock_on(*v.effects.target) != LockMode::AccessExclusive) return false;
  for (const auto& [rel, mode] : v.ctx.held_locks())
    if (mode == LockMode::AccessExclusive && rel != *v.effects.target && !v.ctx.created_in_migration(rel)) return false;
  return true;
}

// Work that takes time: a scan or rewrite, row changes, or a lock on another table.
bool slow(const StatementView& v) {
  const std::string& k = v.stmt.kind;
  if ((v.effects.rewrite != Tri::No || v.effects.scan != Tri::No) && !blocks_only_its_own_table(v)) return true;
  if (k == "UpdateStmt" || k == "DeleteStmt" || k == "InsertStmt" || k == "MergeStmt") return true;
  for (const RelationLock& l : v.effects.locks)
    if (blocks_writes(l.mode) && !already_held(v, l.relation) && !v.ctx.created_in_migration(l.relation)) return true;
  return false;
}

void check(const StatementView& v, Report& r) {
  auto since = v.ctx.exclusive_lock_since();
  // Once per transaction: at the first slow statement after the lock was taken.
  if (!since || !v.ctx.in_transaction() || !slow(v) || r.reported_since(RuleId::lock_held_across_statements, *since))
    return;
  std::string locked;
  for (const auto& [rel, mode] : v.ctx.held_locks())
    if (mode == LockMode::AccessExclusive && !v.ctx.created_in_migration(rel))
      locked += (locked.empty() ? "`" : ", `") + rules::display(rel) + "`";
  int line = v.file.source->lines.position(*since).line;
  // The locked table's name now belongs to a table this migration created
  // (ALTER TABLE t RENAME TO t_old; CREATE TABLE t ...): name the statement
  // that took the lock instead of the new table.
  std::string what = "the ACCESS EXCLUSIVE lock on " + locked + " taken at line " + std::to_string(line);
  if (locked.empty()) {
    std::size_t taker = v.file.statement_at(*since);
    std::string statement;
    if (taker < v.file.statements.size())
      for (char c : v.file.text(v.file.statements[taker])) {
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (space && (statement.empty() || statement.back() == ' ')) continue;
        statement += space ? ' ' : c;
      }
    if (statement.size() > 60) statement = statement.substr(0, 57) + "...";
    what = "the ACCESS EXCLUSIVE lock taken at line " + std::to_string(line) + " by `" + statement + "`";
  }
  r.add(RuleId::lock_held_across_statements, v.stmt.begin, v.stmt.end,
        "this statement runs while the transaction holds " + what +
            "; the lock is kept until COMMIT, so every read and write of it waits for this work too",
        "Commit right after the statement that takes the ACCESS EXCLUSIVE lock (end the transaction or split the "
        "migration), and run backfills and other long work in their own transactions, in batches.");
}

}  // namespace
const RuleHooks hooks_lock_held_across_statements{check, nullptr};
}  // namespace migrasafe
