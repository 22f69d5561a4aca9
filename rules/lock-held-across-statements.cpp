#include <map>
#include <optional>
#include <set>

#include "parser/ast.h"
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
  const StmtKind k = v.stmt.tag;
  if ((v.effects.rewrite != Tri::No || v.effects.scan != Tri::No) && !blocks_only_its_own_table(v)) return true;
  if (k == StmtKind::UpdateStmt || k == StmtKind::DeleteStmt || k == StmtKind::InsertStmt || k == StmtKind::MergeStmt) return true;
  for (const RelationLock& l : v.effects.locks)
    if (blocks_writes(l.mode) && !already_held(v, l.relation) && !v.ctx.created_in_migration(l.relation)) return true;
  return false;
}

// The relations DROP statements of the open transaction removed so far, with
// what went with them (owned sequences, partitions), as their locks show.
struct DroppedInTransaction {
  int transaction = -1;
  std::set<QualifiedName> relations;
  std::map<QualifiedName, bool> recreated_later;  // looked up once per relation
  std::map<QualifiedName, std::uint32_t> first_exclusive;  // where each ACCESS EXCLUSIVE lock was first taken
};

// A later statement of the transaction creates the relation again under
// the same name (a view rebuilt, a table swapped): queries that name it
// wait for the lock and then run against the new one, so the wait is real.
bool recreated_later(const StatementView& v, DroppedInTransaction& dropped, const QualifiedName& rel) {
  auto [it, fresh] = dropped.recreated_later.try_emplace(rel, false);
  if (fresh) {
    const rules::TransactionSpan tx = rules::transaction_span(v);
    for (std::size_t i = v.position() + 1; i < tx.end; ++i)
      if (auto made = v.index.creates.find(i); made != v.index.creates.end() && !v.file.statements[i].deferred &&
                                                  v.ctx.qualify_names(made->second) == rel)
        it->second = true;
  }
  return it->second;
}

void remember_drops(const StatementView& v, DroppedInTransaction& dropped) {
  if (v.ctx.in_function_body()) return;  // runs when the function is called, not now
  // Outside a transaction block the statement is a transaction of its own:
  // the next statement starts another, which forgets what this one kept.
  if (!v.ctx.in_transaction()) return;
  if (dropped.transaction != v.ctx.transaction_id()) dropped = {v.ctx.transaction_id(), {}, {}, {}};
  for (const RelationLock& l : v.effects.locks)
    if (l.mode == LockMode::AccessExclusive) dropped.first_exclusive.try_emplace(l.relation, v.stmt.begin);
  if (v.stmt.tag != StmtKind::DropStmt) return;
  std::string_view type = ast::str(v.stmt.node, "removeType");  // not DROP TRIGGER, POLICY, ... ON a table
  if (type != "OBJECT_TABLE" && type != "OBJECT_VIEW" && type != "OBJECT_MATVIEW" && type != "OBJECT_SEQUENCE" &&
      type != "OBJECT_FOREIGN_TABLE" && type != "OBJECT_INDEX")
    return;
  for (const RelationLock& l : v.effects.locks)
    if (l.role == LockRole::Named || l.role == LockRole::OwnedSequence || l.role == LockRole::Partition)
      dropped.relations.insert(l.relation);
}

// Dropped by this transaction, before, by or after this statement, and not
// created again: once it commits, every query on the relation fails anyway,
// so the wait its lock causes is the DROP's own finding.
bool gone_with_transaction(const StatementView& v, DroppedInTransaction& dropped, const QualifiedName& rel) {
  return (dropped.relations.count(rel) > 0 || rules::dropped_later_in_transaction(v, rel)) &&
         !recreated_later(v, dropped, rel);
}

void check(const StatementView& v, Report& r) {
  auto& dropped = r.file_state<DroppedInTransaction>(RuleId::lock_held_across_statements);
  remember_drops(v, dropped);
  auto since = v.ctx.exclusive_lock_since();
  // Once per transaction: at the first slow statement after the lock was taken.
  if (!since || !v.ctx.in_transaction() || !slow(v) || r.reported_since(RuleId::lock_held_across_statements, *since))
    return;
  std::string locked;
  bool some_dropped = false;
  std::uint32_t taken = *since;  // where the first of the locks named was taken
  for (const auto& [rel, mode] : v.ctx.held_locks()) {
    if (mode != LockMode::AccessExclusive || v.ctx.created_in_migration(rel)) continue;
    if (gone_with_transaction(v, dropped, rel)) {
      some_dropped = true;
      continue;
    }
    auto first = dropped.first_exclusive.find(rel);
    if (first != dropped.first_exclusive.end() && (locked.empty() || first->second < taken)) taken = first->second;
    locked += (locked.empty() ? "`" : ", `") + rules::display(rel) + "`";
  }
  if (some_dropped && locked.empty()) return;  // every lock held is on a relation the transaction drops
  int line = v.file.source->lines.position(taken).line;
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
const RuleHooks hooks_lock_held_across_statements{check, nullptr, every_statement};
}  // namespace migrasafe
