// concurrent-index-retry: a named CREATE INDEX CONCURRENTLY that is not
// preceded in the file by DROP INDEX [CONCURRENTLY] IF EXISTS of the same
// index. A concurrent build that fails (duplicate key, deadlock, a timeout,
// a cancelled session) leaves an INVALID index behind: never used by
// queries, still updated by every write. A re-run then fails with "already
// exists", or with IF NOT EXISTS skips the build and keeps the INVALID index.
#include <map>

#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool is_name(const Token& t) { return t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent; }

// The file's DROP INDEX ... IF EXISTS statements, by the dropped index's own
// name, each with its offset and its name as written: built once per file,
// so that each CREATE INDEX looks up its drops instead of rescanning the file.
// The name is qualified at lookup, with the search_path of the CREATE INDEX.
struct FileDrops {
  bool built = false;
  std::map<std::string, std::vector<std::pair<std::uint32_t, std::vector<std::string>>>> by_name;
};

void index_drops(const ParsedFile& file, FileDrops& f) {
  f.built = true;
  for (const Statement& s : file.statements) {
    if (s.tag != StmtKind::DropStmt || ast::str(s.node, "removeType") != "OBJECT_INDEX" || !ast::flag(s.node, "missing_ok")) continue;
    for (const Json& o : ast::list(s.node, "objects"))
      if (auto l = ast::as<"List">(o)) {
        std::vector<std::string> names = ast::strings(ast::list(*l, "items"));
        if (!names.empty()) f.by_name[names.back()].emplace_back(s.begin, std::move(names));
      }
  }
}

// DROP INDEX ... IF EXISTS of `index` earlier in the file.
bool dropped_before(const StatementView& v, Report& r, const QualifiedName& index) {
  FileDrops& f = r.file_state<FileDrops>(RuleId::concurrent_index_retry);
  if (!f.built) index_drops(v.file, f);
  auto it = f.by_name.find(index.name);
  if (it == f.by_name.end()) return false;
  for (const auto& [begin, names] : it->second)
    if (begin < v.stmt.begin && v.ctx.qualify_names(names) == index) return true;
  return false;
}

// The index name as the CREATE INDEX spells it, qualified with the table's
// schema as written (an index lives in its table's schema).
std::optional<std::string> written_name(const StatementView& v) {
  const auto& toks = v.file.tokens;
  const std::string_view src = v.file.source->text;
  std::size_t k = v.stmt.first_token;
  while (k < v.stmt.end_token && !token_is(src, toks[k], "CONCURRENTLY")) ++k;
  do ++k;
  while (k < v.stmt.end_token && (is_comment(toks[k].kind) || token_is(src, toks[k], "IF") ||
                                  token_is(src, toks[k], "NOT") || token_is(src, toks[k], "EXISTS")));
  if (k >= v.stmt.end_token || !is_name(toks[k])) return std::nullopt;
  std::string name(v.file.text(toks[k]));
  const Json* rel = ast::field(v.stmt.node, "relation");
  std::string_view schema = rel ? ast::str(*rel, "schemaname") : "";
  if (schema.empty()) return name;
  // The schema's own spelling: the token before the "." that precedes the table name.
  std::uint32_t off = rules::at(v.stmt, ast::location(*rel));
  for (std::size_t i = v.stmt.first_token; i < v.stmt.end_token; ++i)
    if (toks[i].begin == off && is_name(toks[i])) return std::string(v.file.text(toks[i])) + "." + name;
  return std::nullopt;
}

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"IndexStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::IndexStmt || !ast::flag(n, "concurrent") || v.ctx.in_transaction() || v.stmt.embedded()) return;
  std::string name(ast::str(n, "idxname"));
  const Json* rel = ast::field(n, "relation");
  if (name.empty() || !rel) return;  // an unnamed index gets a fresh name on every run
  QualifiedName table = v.ctx.qualify_range_var(*rel);
  if (v.ctx.created_in_migration(table)) return;
  QualifiedName index{table.schema, name};
  if (dropped_before(v, r, index)) return;
  bool if_not_exists = ast::flag(n, "if_not_exists");
  std::string shown = rules::display(index);
  auto [b, e] = rules::head_span(v, ast::location(*rel));
  std::string consequence =
      if_not_exists ? "IF NOT EXISTS then finds the INVALID index and skips the build, so the migration succeeds "
                      "without a usable index (the INVALID one is never used by queries but still slows every write)"
                    : "the re-run fails with \"relation already exists\"";
  bool one_query = v.ctx.options().single_query;
  auto& d = r.add(RuleId::concurrent_index_retry, b, e,
                  "If CREATE INDEX CONCURRENTLY `" + shown + "` fails (duplicate key, deadlock, lock or statement "
                  "timeout, cancelled session), it leaves an INVALID index `" + shown + "` behind; on a re-run " +
                      consequence,
                  "Drop any leftover first: put `DROP INDEX CONCURRENTLY IF EXISTS " + shown + ";` " +
                      (one_query ? "in a migration of its own just before this one (this tool sends a file as one "
                                   "query, which PostgreSQL runs as a transaction where CONCURRENTLY fails)"
                                 : "right before the CREATE INDEX CONCURRENTLY") +
                      " (it does nothing when the index does not exist, and takes no lock that blocks reads or "
                      "writes).");
  if (one_query) return;  // a second statement would make the file one transaction: no fix
  if (auto written = written_name(v))
    d.fix = Fix{"Drop a leftover INVALID index first",
                {fixes::insert_line(v.file.source->text, v.stmt.begin, "DROP INDEX CONCURRENTLY IF EXISTS " + *written + ";")}};
}

}  // namespace
const RuleHooks hooks_concurrent_index_retry{check, nullptr, {StmtKind::IndexStmt}};
}  // namespace migrasafe
