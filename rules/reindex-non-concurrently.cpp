#include <cctype>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool is_word(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  return true;
}

// Offset just after INDEX/TABLE/SCHEMA/DATABASE, where CONCURRENTLY goes
// (REINDEX [ (options) ] TABLE [ CONCURRENTLY ] name).
std::optional<std::uint32_t> kind_keyword_end(const StatementView& v) {
  const auto& toks = v.file.tokens;
  int depth = 0;
  for (std::size_t i = v.stmt.first_token; i < v.stmt.end_token; ++i) {
    std::string_view t = v.file.text(toks[i]);
    if (toks[i].kind == TokenKind::Punct) depth += t == "(" ? 1 : t == ")" ? -1 : 0;
    if (depth > 0 || toks[i].kind != TokenKind::Word) continue;
    if (is_word(t, "index") || is_word(t, "table") || is_word(t, "schema") || is_word(t, "database")) return toks[i].end;
  }
  return std::nullopt;
}

std::string object_of(const StatementView& v, std::string_view kind) {
  if (kind == "REINDEX_OBJECT_SCHEMA") return "every table in schema `" + std::string(ast::str(v.stmt.node, "name")) + "`";
  if (kind == "REINDEX_OBJECT_DATABASE") return "every table in the database";
  return "`" + rules::display(*v.effects.target) + "`";
}

std::string help(const StatementView& v, std::string_view kind) {
  if (v.ctx.pg_version() < 12)
    return "REINDEX CONCURRENTLY needs PostgreSQL 12. Before that, build a replacement with CREATE INDEX "
           "CONCURRENTLY (same definition, new name), drop the old index with DROP INDEX CONCURRENTLY, and rename "
           "the new one (ALTER INDEX ... RENAME TO); outside a transaction block.";
  std::string h = "Use REINDEX " + std::string(kind == "REINDEX_OBJECT_INDEX" ? "INDEX" : kind == "REINDEX_OBJECT_TABLE" ? "TABLE" : kind == "REINDEX_OBJECT_SCHEMA" ? "SCHEMA" : "DATABASE") +
                  " CONCURRENTLY (PostgreSQL 12+) in a migration that runs outside a transaction block: it builds "
                  "new indexes under SHARE UPDATE EXCLUSIVE and swaps them in, so reads and writes continue. If it "
                  "fails it leaves an invalid index named *_ccnew; drop it before retrying.";
  if (v.ctx.in_transaction()) h += " This statement runs inside " + rules::transaction_origin(v) + ", where CONCURRENTLY is refused.";
  return h;
}

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::ReindexStmt) return;
  const auto n = ast::fields_of<"ReindexStmt">(v.stmt);
  std::string_view kind = ast::str(n, "kind");
  if (kind == "REINDEX_OBJECT_SYSTEM") return;  // system catalogs cannot be reindexed concurrently
  if (v.effects.forbidden_in_transaction == "REINDEX CONCURRENTLY") return;  // the effects read the option's value
  bool option_given = false;  // (CONCURRENTLY false): no keyword to add
  for (const Json& o : ast::list(n, "params")) {
    auto d = ast::as<"DefElem">(o);
    option_given |= d && ast::str(*d, "defname") == "concurrently";
  }
  bool whole_schema = kind == "REINDEX_OBJECT_SCHEMA" || kind == "REINDEX_OBJECT_DATABASE";
  if (!whole_schema) {
    if (!v.effects.target) return;
    // Relations the migration created are not in use yet.
    for (const RelationLock& l : v.effects.locks)
      if (l.role != LockRole::TableIndex && v.ctx.created_in_migration(l.relation)) return;
  }
  std::string message =
      "REINDEX on " + object_of(v, kind) + " holds a SHARE lock on the table, which blocks every write, and an "
      "ACCESS EXCLUSIVE lock on each index it rebuilds, which blocks every query planned on the table (the planner "
      "opens all its indexes), until the rebuild ends" +
      std::string(whole_schema ? " (one table at a time)" : "");
  Diagnostic& d = r.add(RuleId::reindex_non_concurrently, v.stmt.begin, v.stmt.end, message, help(v, kind));
  if (v.ctx.pg_version() >= 12 && !v.ctx.in_transaction() && !option_given)
    if (auto at = kind_keyword_end(v)) d.fix = Fix{"Add CONCURRENTLY", {TextEdit{*at, *at, " CONCURRENTLY"}}};
}

}  // namespace
const RuleHooks hooks_reindex_non_concurrently{check, nullptr, {StmtKind::ReindexStmt}};
}  // namespace migrasafe
