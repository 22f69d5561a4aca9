#include "rules/helpers.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/column_types.h"

namespace migrasafe::rules {

std::string display(const QualifiedName& n) { return n.schema == "public" || n.schema.empty() ? n.name : n.str(); }

Span head_span(const StatementView& v, long location) {
  const Statement& s = v.stmt;
  if (location < 0) return {s.begin, s.end};
  std::uint32_t off = at(s, location);
  const auto& toks = v.file.tokens;
  for (std::size_t i = s.first_token; i < s.end_token; ++i) {
    if (toks[i].begin == off) {
      // Include a schema qualifier's tail: "app" "." "orders".
      std::size_t j = i;
      while (j + 2 < s.end_token && v.file.text(toks[j + 1]) == "." &&
             (toks[j + 2].kind == TokenKind::Word || toks[j + 2].kind == TokenKind::QuotedIdent))
        j += 2;
      return {s.begin, toks[j].end};
    }
  }
  return {s.begin, s.end};
}

Span alter_command_span(const StatementView& v, int index) {
  const Statement& s = v.stmt;
  const Json* rel = ast::field(s.node, "relation");
  long loc = rel ? ast::location(*rel) : -1;
  if (loc < 0) return {s.begin, s.end};
  const auto& toks = v.file.tokens;
  std::uint32_t off = at(s, loc);
  std::size_t i = s.first_token;
  while (i < s.end_token && toks[i].begin < off) ++i;
  // Skip the relation name: ident ("." ident)* ["*"].
  if (i < s.end_token) ++i;
  while (i + 1 < s.end_token && v.file.text(toks[i]) == ".") i += 2;
  if (i < s.end_token && v.file.text(toks[i]) == "*") ++i;
  int depth = 0;
  int current = 0;
  std::size_t start = i;
  for (std::size_t k = i; k <= s.end_token; ++k) {
    bool at_end = k == s.end_token;
    std::string_view t = at_end ? std::string_view() : v.file.text(toks[k]);
    if (!at_end && is_comment(toks[k].kind)) continue;
    if (!at_end && toks[k].kind == TokenKind::Punct) {
      if (t == "(") ++depth;
      else if (t == ")") --depth;
    }
    if (at_end || (depth == 0 && t == "," && toks[k].kind == TokenKind::Punct)) {
      if (current == index && start < k) {
        std::size_t last = k - 1;
        while (last > start && is_comment(toks[last].kind)) --last;
        return {toks[start].begin, toks[last].end};
      }
      ++current;
      start = k + 1;
    }
  }
  return {s.begin, s.end};
}

bool expects_existing_table(const StatementView& v) {
  if (!v.effects.target) return false;
  // The sub-commands first: few add a column IF NOT EXISTS, and the set of
  // tables created so is as large as the history.
  for (const AlterTableCommand& cmd : alter_table_commands(v.stmt.node))
    if (cmd.subtype == "AT_AddColumn" && ast::flag(*cmd.fields, "missing_ok"))
      return v.ctx.created_if_not_exists(*v.effects.target);
  return false;
}

bool target_created_in_migration(const StatementView& v) {
  std::optional<bool>& known = v.facts.target_created;
  if (!known) known = v.effects.target && v.ctx.created_in_migration(*v.effects.target);
  return *known;
}

bool target_dropped_later_in_transaction(const StatementView& v) {
  std::optional<bool>& known = v.facts.target_dropped_later;
  if (!known) known = v.effects.target && dropped_later_in_transaction(v, *v.effects.target);
  return *known;
}

bool target_not_in_use(const StatementView& v, TablesDroppedLater dropped_later) {
  std::optional<bool>& is_new = v.facts.target_new;
  if (!is_new) is_new = target_created_in_migration(v) && !expects_existing_table(v);
  return *is_new || (dropped_later == TablesDroppedLater::Skip && target_dropped_later_in_transaction(v));
}

bool rows_not_at_stake(const StatementView& v, const QualifiedName& table) {
  const TableInfo* info = v.ctx.catalog().table(table);
  return v.ctx.created_in_migration(table) || (info && info->temporary) ||
         dropped_later_in_transaction(v, table) || emptied_later_in_transaction(v, table);  // reported there
}

std::optional<QualifiedName> unfiltered_dml_target(const StatementView& v, std::string_view kind) {
  if (v.stmt.kind != kind || ast::field(v.stmt.node, "whereClause") || !v.effects.target) return std::nullopt;
  if (rows_not_at_stake(v, *v.effects.target)) return std::nullopt;
  return v.effects.target;
}

namespace {

// Whether an ALTER TABLE earlier in the file adds `column` to `table`
// (without IF NOT EXISTS unless `if_not_exists`: with it the column may
// already be there, holding data).
bool column_added_earlier(const StatementView& v, const QualifiedName& table, const std::string& column, bool if_not_exists) {
  // Only the file's ADD COLUMNs of this name can matter.
  auto adds = v.index.column_adds.find({table.name, column});
  if (adds == v.index.column_adds.end()) return false;
  for (const StatementIndex::ColumnAdd& add : adds->second) {
    if (v.file.statements[add.statement].begin >= v.stmt.begin) break;
    // Newer syntax, read from its words.
    if (add.from_words && v.ctx.pg_version() <= grammar_version()) continue;
    if (v.ctx.qualify_names(add.table) == table && (!add.if_not_exists || if_not_exists)) return true;
  }
  return false;
}

}  // namespace

bool column_new_in_migration(const StatementView& v, const QualifiedName& table, const std::string& column) {
  return v.ctx.created_in_migration(table) || column_added_earlier(v, table, column, false);
}

bool column_added_if_not_exists(const StatementView& v, const QualifiedName& table, const std::string& column) {
  return column_added_earlier(v, table, column, true) && !column_new_in_migration(v, table, column);
}

bool column_absent_from_history(const StatementView& v, const QualifiedName& table, const std::string& column) {
  const TableInfo* t = v.ctx.catalog().table(table);
  // CREATE TABLE IF NOT EXISTS in this migration: an older table of that name may have other columns.
  return t && t->columns_known && !t->partition_of && !t->columns.count(column) && !v.ctx.created_if_not_exists(table);
}

namespace {

std::string_view transaction_kind(const Statement& s) {
  return s.tag == StmtKind::TransactionStmt && s.parent < 0 ? ast::str(s.node, "kind") : std::string_view();
}

// Ends the transaction (or, ROLLBACK TO, undoes part of it).
bool ends_transaction(std::string_view kind) {
  return kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK" || kind == "TRANS_STMT_PREPARE" ||
         kind == "TRANS_STMT_ROLLBACK_TO";
}

std::size_t top_level(const std::vector<Statement>& all, std::size_t i) {
  while (all[i].parent >= 0) i = static_cast<std::size_t>(all[i].parent);
  return i;
}

// RENAME COLUMN on `table`: {old name, new name}.
std::optional<std::pair<std::string, std::string>> column_rename(const StatementView& v, const Statement& s,
                                                                 const QualifiedName& table) {
  if (s.tag != StmtKind::RenameStmt || ast::str(s.node, "renameType") != "OBJECT_COLUMN") return std::nullopt;
  const Json* rel = ast::field(s.node, "relation");
  if (!rel) return std::nullopt;
  // The name first: qualifying allocates, and most renames are of other tables.
  const Json& range_var = ast::kind(*rel) == "RangeVar" ? ast::inner(*rel) : *rel;
  if (ast::str(range_var, "relname") != table.name || v.ctx.qualify_range_var(*rel) != table) return std::nullopt;
  return std::pair{std::string(ast::str(s.node, "subname")), std::string(ast::str(s.node, "newname"))};
}

// Statement i adds `column` to `table` (ALTER TABLE ... ADD COLUMN without IF NOT EXISTS).
bool adds_column(const StatementView& v, std::size_t i, const QualifiedName& table, const std::string& column) {
  auto adds = v.index.column_adds.find({table.name, column});
  if (adds == v.index.column_adds.end()) return false;
  return std::any_of(adds->second.begin(), adds->second.end(), [&](const StatementIndex::ColumnAdd& add) {
    return add.statement == i && !add.from_words && !add.if_not_exists && v.ctx.qualify_names(add.table) == table;
  });
}

// Statement i is UPDATE table SET target = <expression that reads one of `sources`>.
bool fills_column_from(const StatementView& v, std::size_t i, const QualifiedName& table, const std::string& target,
                       const std::set<std::string>& sources) {
  auto update = v.index.updates.find(i);
  if (update == v.index.updates.end() || v.ctx.qualify_names(update->second.table) != table) return false;
  for (const auto& [name, reads] : update->second.assigned)
    if (name == target && std::any_of(reads.begin(), reads.end(), [&](const std::string& c) { return sources.count(c) > 0; }))
      return true;
  return false;
}

}  // namespace

TransactionSpan transaction_span(const StatementView& v) {
  if (!v.ctx.in_transaction() || v.ctx.in_function_body()) return {};
  const std::vector<Statement>& all = v.file.statements;
  const std::size_t self = v.position();
  if (self >= all.size()) return {};
  if (v.ctx.do_block()) {
    // The DO block runs in a transaction of its own: only its statements share it.
    std::size_t block = top_level(all, self), end = block + 1;
    while (end < all.size() && top_level(all, end) == block) ++end;
    return {block + 1, end};
  }
  std::size_t first = self;
  while (first > 0) {
    std::string_view kind = transaction_kind(all[first - 1]);
    if (ends_transaction(kind) || kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") break;
    --first;
  }
  return {first, v.index.transaction_end[self]};  // the next COMMIT, ROLLBACK, PREPARE or ROLLBACK TO
}

TransactionStatements transaction_statements(const StatementView& v) {
  TransactionStatements out;
  const TransactionSpan span = transaction_span(v);
  const std::vector<Statement>& all = v.file.statements;
  const std::size_t self = v.position();
  for (std::size_t i = span.first; i < span.end; ++i)
    if (i != self && !all[i].deferred) (i < self ? out.before : out.after).push_back(i);
  return out;
}

bool dropped_later_in_transaction(const StatementView& v, const QualifiedName& rel) {
  const std::vector<Statement>& all = v.file.statements;
  std::optional<QualifiedName> table = v.ctx.table_of_index(rel);
  auto is_ours = [&](const QualifiedName& name) { return name == rel || (table && name == *table); };
  // The later statements that can matter: in a DO block, the block's own;
  // otherwise only the DROPs and RENAMEs naming this relation, its table or
  // its schema before the transaction ends.
  std::vector<std::size_t> later;
  if (v.ctx.do_block()) {
    later = transaction_statements(v).after;
  } else {
    if (!v.ctx.in_transaction() || v.ctx.in_function_body()) return false;
    const std::size_t self = v.position();
    if (self >= all.size()) return false;
    const std::size_t end = v.index.transaction_end[top_level(all, self)];
    auto add = [&](const std::map<std::string, std::vector<std::size_t>>& from, const std::string& key) {
      auto it = from.find(key);
      if (it == from.end()) return;
      for (std::size_t i : it->second)
        if (i > self && i < end) later.push_back(i);
    };
    add(v.index.by_relation_name, rel.name);
    if (table) add(v.index.by_relation_name, table->name);
    add(v.index.schema_drops, rel.schema);
    std::sort(later.begin(), later.end());
    later.erase(std::unique(later.begin(), later.end()), later.end());
  }
  for (std::size_t i : later) {
    const Statement& s = all[i];
    if (s.tag == StmtKind::RenameStmt) {
      // Under another name a later DROP of this one is about something else.
      const Json* r = ast::field(s.node, "relation");
      if (r && is_ours(v.ctx.qualify_range_var(*r))) return false;
      continue;
    }
    if (s.tag != StmtKind::DropStmt) continue;
    std::string_view type = ast::str(s.node, "removeType");
    bool cascade = ast::str(s.node, "behavior") == "DROP_CASCADE";
    for (const Json& obj : ast::list(s.node, "objects")) {
      if (type == "OBJECT_SCHEMA") {
        auto schema = ast::as<"String">(obj);
        if (cascade && schema && ast::str(*schema, "sval") == rel.schema) return true;
        continue;
      }
      auto items = ast::as<"List">(obj);
      if (!items) continue;
      QualifiedName name = v.ctx.qualify_names(ast::strings(ast::list(*items, "items")));
      bool drops_relation = type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                            type == "OBJECT_SEQUENCE" || type == "OBJECT_FOREIGN_TABLE" || type == "OBJECT_INDEX";
      if (drops_relation && is_ours(name)) return true;
    }
  }
  return false;
}

namespace {

// DELETE without WHERE (or USING) or TRUNCATE of `table`.
bool empties(const StatementView& v, const Statement& s, const QualifiedName& table) {
  if (s.tag == StmtKind::DeleteStmt) {
    const Json* r = ast::field(s.node, "relation");
    return r && !ast::field(s.node, "whereClause") && ast::list(s.node, "usingClause").size() == 0 &&
           v.ctx.qualify_range_var(*r) == table;
  }
  if (s.tag != StmtKind::TruncateStmt) return false;
  const auto& relations = ast::list(s.node, "relations");
  return std::any_of(relations.begin(), relations.end(), [&](const Json& r) { return v.ctx.qualify_range_var(r) == table; });
}

}  // namespace

bool emptied_later_in_transaction(const StatementView& v, const QualifiedName& table) {
  if (!v.ctx.in_transaction() || v.ctx.in_function_body() || v.ctx.do_block()) return false;
  const std::vector<Statement>& all = v.file.statements;
  const std::size_t self = v.position();
  auto named = v.index.by_relation_name.find(table.name);
  if (self >= all.size() || named == v.index.by_relation_name.end()) return false;
  const std::size_t end = v.index.transaction_end[top_level(all, self)];
  for (std::size_t i : named->second) {
    if (i <= self || i >= end) continue;
    const Statement& s = all[i];
    if (s.tag == StmtKind::RenameStmt) {
      // Renamed first: a later statement of that name is about another table.
      const Json* r = ast::field(s.node, "relation");
      if (r && v.ctx.qualify_range_var(*r) == table) return false;
    } else if (empties(v, s, table)) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> written_relation(const Json& rel) {
  const Json& range_var = ast::kind(rel) == "RangeVar" ? ast::inner(rel) : rel;
  std::string schema(ast::str(range_var, "schemaname")), name(ast::str(range_var, "relname"));
  if (schema.empty()) return {name};
  return {schema, name};
}

void add_column_refs(const Json& expr, std::set<std::string>& out) {
  ast::walk(expr, [&](std::string_view kind, const Json& fields) {
    if (kind != "ColumnRef") return;
    auto names = ast::strings(ast::list(fields, "fields"));
    if (!names.empty()) out.insert(names.back());
  });
}

namespace {

// The relation a CREATE TABLE, CREATE TABLE AS, CREATE VIEW or CREATE SEQUENCE makes, as written.
std::optional<std::vector<std::string>> created_relation(const Statement& s) {
  const Json& n = s.node;
  const Json* rel = s.tag == StmtKind::CreateStmt      ? ast::field(n, "relation")
                    : s.tag == StmtKind::CreateSeqStmt ? ast::field(n, "sequence")
                    : s.tag == StmtKind::ViewStmt      ? ast::field(n, "view")
                                                       : nullptr;
  if (s.tag == StmtKind::CreateTableAsStmt)
    if (const Json* into = ast::field(n, "into")) rel = ast::field(*into, "rel");
  if (!rel) return std::nullopt;
  return written_relation(*rel);
}

}  // namespace

StatementIndex index_statements(const ParsedFile& file) {
  const std::vector<Statement>& all = file.statements;
  StatementIndex out;
  out.transaction_end.resize(all.size());
  out.bulk_dml.resize(all.size());
  for (std::size_t i = all.size(), end = all.size(); i-- > 0;) {
    out.transaction_end[i] = end;
    if (ends_transaction(transaction_kind(all[i]))) end = i;
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Statement& s = all[i];
    out.bulk_dml[i] = is_bulk_dml(s);
    const Json* r = s.tag == StmtKind::AlterTableStmt ? ast::field(s.node, "relation") : nullptr;
    if (r) {
      std::optional<std::vector<std::string>> table;  // read on the first ADD COLUMN: most ALTER TABLEs have none
      for (const AlterTableCommand& cmd : alter_table_commands(s.node))
        if (cmd.subtype == "AT_AddColumn" && cmd.column) {
          if (!table) table = written_relation(*r);
          out.column_adds[{table->back(), std::string(ast::str(*cmd.column, "colname"))}].push_back(
              {i, *table, ast::flag(*cmd.fields, "missing_ok"), false});
        }
    }
    if (s.kind == kUnparsedKind && s.reading && s.reading->action == TokenReading::Action::Alter)
      for (const TokenReading::AddedColumn& c : s.reading->added_columns)
        out.column_adds[{s.reading->names[0].back(), c.name}].push_back({i, s.reading->names[0], c.if_not_exists, true});
    if (s.tag == StmtKind::UpdateStmt)
      if (const Json* rel = ast::field(s.node, "relation")) {
        StatementIndex::Update& update = out.updates[i];
        update.table = written_relation(*rel);
        for (const Json& t : ast::list(s.node, "targetList")) {
          auto rt = ast::as<"ResTarget">(t);
          if (!rt) continue;
          auto& [name, reads] = update.assigned.emplace_back(std::string(ast::str(*rt, "name")), std::set<std::string>{});
          if (const Json* val = ast::field(*rt, "val")) add_column_refs(*val, reads);
        }
      }
    if (std::optional<std::vector<std::string>> made = created_relation(s)) out.creates.emplace(i, std::move(*made));
    if (s.deferred) continue;
    if (s.tag == StmtKind::RenameStmt || s.tag == StmtKind::DeleteStmt) {
      if (const Json* r = ast::field(s.node, "relation")) {
        const Json& range_var = ast::kind(*r) == "RangeVar" ? ast::inner(*r) : *r;
        out.by_relation_name[std::string(ast::str(range_var, "relname"))].push_back(i);
      }
    } else if (s.tag == StmtKind::TruncateStmt) {
      for (const Json& r : ast::list(s.node, "relations"))
        out.by_relation_name[std::string(ast::str(ast::kind(r) == "RangeVar" ? ast::inner(r) : r, "relname"))].push_back(i);
    } else if (s.tag == StmtKind::DropStmt) {
      bool schema = ast::str(s.node, "removeType") == "OBJECT_SCHEMA";
      for (const Json& obj : ast::list(s.node, "objects")) {
        if (auto name = ast::as<"String">(obj); name && schema) {
          out.schema_drops[std::string(ast::str(*name, "sval"))].push_back(i);
        } else if (auto items = ast::as<"List">(obj)) {
          auto names = ast::strings(ast::list(*items, "items"));
          if (!names.empty()) out.by_relation_name[names.back()].push_back(i);
        }
      }
    }
  }
  return out;
}

bool column_swapped_in_transaction(const StatementView& v, const QualifiedName& table, const std::string& column) {
  const std::vector<Statement>& all = v.file.statements;
  // Only a RENAME on the table can swap a column: the index lists those that
  // run now (top level and in DO blocks), so the transaction is not listed.
  auto on_table = v.index.by_relation_name.find(table.name);
  if (on_table == v.index.by_relation_name.end()) return false;
  const TransactionSpan tx = transaction_span(v);
  const std::size_t self = v.position();
  std::vector<std::size_t> renames;  // the table's RENAMEs in the transaction, in file order
  for (std::size_t i : on_table->second)
    if (all[i].tag == StmtKind::RenameStmt && tx.holds(i) && i != self) renames.push_back(i);
  if (renames.empty()) return false;
  const auto first_after = std::upper_bound(renames.begin(), renames.end(), self);
  // The names the old values went by in this transaction: `column`, and the
  // name it had before an earlier RENAME in it (RENAME x TO x_old; ... DROP x_old).
  std::set<std::string> old_names{column};
  std::string original = column;
  for (auto it = std::make_reverse_iterator(first_after); it != renames.rend(); ++it)
    if (auto r = column_rename(v, all[*it], table); r && r->second == original) {
      original = r->first;
      old_names.insert(original);
    }
  // Which column takes over the original name in the transaction (after this
  // statement, or before it when the old column was renamed out of the way).
  std::optional<std::string> replacement;
  for (std::size_t i : renames)
    if (auto r = column_rename(v, all[i], table); r && r->second == original && !old_names.count(r->first))
      replacement = r->first;

  if (!replacement) return false;
  // Added in this transaction (so the table has been locked ACCESS EXCLUSIVE
  // since, and no writer slipped in), then filled from the old column.
  bool added = false;
  for (std::size_t i = tx.first; i < self; ++i) {
    if (all[i].deferred) continue;
    if (adds_column(v, i, table, *replacement)) added = true;
    else if (added && fills_column_from(v, i, table, *replacement, old_names)) return true;
  }
  return false;
}

std::string transaction_origin(const StatementView& v) {
  if (v.ctx.in_function_body())
    return "the transaction of whatever calls this function or procedure (a function body always runs in one)";
  if (auto block = v.ctx.do_block())
    return "the transaction of the DO block at line " + std::to_string(v.file.source->lines.position(*block).line) +
           " (a DO block runs as one statement)";
  if (v.ctx.in_implicit_block())
    return "the implicit transaction PostgreSQL runs a query of several statements in (golang-migrate and Prisma "
           "send the whole file as one query)";
  if (auto begin = v.ctx.transaction_begin())
    return "the transaction block opened at line " + std::to_string(v.file.source->lines.position(*begin).line);
  return "the transaction the migration runner wraps around the file (--assume-in-transaction)";
}

}  // namespace migrasafe::rules
