// A foreign key whose referencing columns lead no index: PostgreSQL indexes
// the referenced side (it must be unique) but not the referencing one, so
// every DELETE or key UPDATE on the referenced table scans this table.
#include <algorithm>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

using Columns = std::vector<std::string>;

struct ForeignKey {
  Columns columns;
  const Json* constraint;
  long location;
};

// Key columns of an index-backed constraint (PRIMARY KEY, UNIQUE), or of a
// column constraint on `column`.
void constraint_index(const Json& con, const std::string& column, std::vector<Columns>& out) {
  std::string_view t = ast::str(con, "contype");
  if (t != "CONSTR_PRIMARY" && t != "CONSTR_UNIQUE") return;
  Columns keys = ast::strings(ast::list(con, "keys"));
  if (keys.empty() && !column.empty()) keys = {column};
  if (!keys.empty()) out.push_back(keys);
}

const Json* relation_of(const Statement& s) {
  if (s.tag == StmtKind::CreateStmt || s.tag == StmtKind::AlterTableStmt || s.tag == StmtKind::IndexStmt)
    return ast::field(s.node, "relation");
  return nullptr;
}

// The key column lists of the non-partial indexes each statement of the file
// creates (CREATE INDEX, PRIMARY KEY, UNIQUE), with the statement's offset
// and its table as written (summarised before the replay); by qualified
// table, built on the first foreign key, with that statement's search_path.
struct FileIndexes {
  struct Made {
    std::uint32_t begin;
    std::vector<std::string> table;
    std::vector<Columns> indexes;
  };
  std::vector<Made> made;
  bool built = false;
  std::map<QualifiedName, std::vector<std::pair<std::uint32_t, Columns>>> by_table;
};

void summarise(const ParsedFile& file, const MigrationRole&, Report& r) {
  FileIndexes& f = r.file_state<FileIndexes>(RuleId::foreign_key_without_index);
  for (const Statement& s : file.statements) {
    const Json* rel = relation_of(s);
    if (!rel) continue;
    std::vector<Columns> made;
    if (s.tag == StmtKind::IndexStmt && !ast::field(s.node, "whereClause")) {
      Columns cols;
      for (const Json& p : ast::list(s.node, "indexParams")) {
        auto el = ast::as<"IndexElem">(p);
        cols.push_back(el ? std::string(ast::str(*el, "name")) : "");
      }
      made.push_back(cols);
    }
    for (const TableElement& e : added_table_elements(s.node))
      for_each_constraint(e, [&](std::string_view column, const Json& con) { constraint_index(con, std::string(column), made); });
    if (made.empty()) continue;
    f.made.push_back({s.begin, rules::written_relation(*rel), std::move(made)});
  }
}

void index_file(const StatementView& v, FileIndexes& f) {
  f.built = true;
  // A table's indexes mostly follow each other (CREATE TABLE, then its
  // CREATE INDEXes): a run of one written name is qualified and looked up once.
  const std::vector<std::string>* last_table = nullptr;
  std::vector<std::pair<std::uint32_t, Columns>>* list = nullptr;
  for (FileIndexes::Made& m : f.made) {
    if (!last_table || m.table != *last_table) list = &f.by_table[v.ctx.qualify_names(m.table)];
    last_table = &m.table;
    for (Columns& c : m.indexes) list->emplace_back(m.begin, std::move(c));
  }
}

// Key column lists of the non-partial indexes `table` has: in the catalog,
// made by this statement, or made later in the file (an index built right
// after the foreign key counts).
// (Pointers into the catalog and the file's summary, which outlive the check.)
std::vector<const Columns*> indexes_of(const StatementView& v, Report& r, const QualifiedName& table) {
  std::vector<const Columns*> out;
  if (const TableInfo* t = v.ctx.catalog().table(table)) {
    QualifiedName index{table.schema, {}};  // its name reassigned per index: the schema is not copied for each
    for (const std::string& name : t->indexes) {
      index.name = name;
      if (const IndexInfo* i = v.ctx.catalog().index(index); i && !i->partial) out.push_back(&i->columns);
    }
  }
  FileIndexes& f = r.file_state<FileIndexes>(RuleId::foreign_key_without_index);
  if (!f.built) index_file(v, f);
  if (auto it = f.by_table.find(table); it != f.by_table.end())
    for (const auto& [begin, cols] : it->second)
      if (begin >= v.stmt.begin) out.push_back(&cols);
  return out;
}

// An index serves the key when its leading columns are the key's columns (in
// any order): the same sets of names, compared in place (keys are short).
bool covers(const Columns& index, const Columns& key) {
  if (index.size() < key.size()) return false;
  const auto lead_end = index.begin() + static_cast<long>(key.size());
  auto in = [](auto begin, auto end, const std::string& name) { return std::find(begin, end, name) != end; };
  return std::all_of(index.begin(), lead_end, [&](const std::string& c) { return in(key.begin(), key.end(), c); }) &&
         std::all_of(key.begin(), key.end(), [&](const std::string& c) { return in(index.begin(), lead_end, c); });
}

std::vector<ForeignKey> foreign_keys(const Statement& s) {
  std::vector<ForeignKey> out;
  for (const TableElement& e : added_table_elements(s.node))
    for_each_constraint(e, [&](std::string_view column, const Json& con) {
      if (ast::str(con, "contype") != "CONSTR_FOREIGN") return;
      Columns cols = ast::strings(ast::list(con, "fk_attrs"));
      if (cols.empty() && !column.empty()) cols = {std::string(column)};
      if (!cols.empty()) out.push_back({cols, &con, ast::location(con)});
    });
  return out;
}

// From the constraint to the end of its table element (next top-level comma or closing parenthesis).
rules::Span element_span(const StatementView& v, long location) {
  const Statement& s = v.stmt;
  if (location < 0) return {s.begin, s.end};
  const auto& toks = v.file.tokens;
  std::uint32_t off = rules::at(s, location);
  std::size_t i = s.first_token;
  while (i < s.end_token && toks[i].begin < off) ++i;
  std::size_t last = i;
  int depth = 0;
  for (std::size_t k = i; k < s.end_token; ++k) {
    std::string_view t = v.file.text(toks[k]);
    if (toks[k].kind == TokenKind::Punct && t == "(") ++depth;
    if (toks[k].kind == TokenKind::Punct && ((t == ")" && --depth < 0) || (t == "," && depth == 0) || t == ";")) break;
    if (!is_comment(toks[k].kind)) last = k;
  }
  return i < s.end_token ? rules::Span{toks[i].begin, toks[last].end} : rules::Span{s.begin, s.end};
}

void check(const StatementView& v, Report& r) {
  const Json* rel = relation_of(v.stmt);
  if (!rel || v.stmt.tag == StmtKind::IndexStmt) return;
  // Most statements add no foreign key: look for one before resolving the table.
  auto fks = foreign_keys(v.stmt);
  if (fks.empty()) return;
  QualifiedName table = v.ctx.qualify_range_var(*rel);
  // An existing table the history does not define may have indexes we cannot see.
  if (v.stmt.tag == StmtKind::AlterTableStmt && !v.ctx.catalog().table(table)) return;
  auto indexes = indexes_of(v, r, table);
  std::string t = rules::display(table);
  for (const ForeignKey& fk : fks) {
    if (std::any_of(indexes.begin(), indexes.end(), [&](const Columns* i) { return covers(*i, fk.columns); })) continue;
    const Json* pk = ast::field(*fk.constraint, "pktable");
    std::string ref = pk ? rules::display(v.ctx.qualify_range_var(*pk)) : "the referenced table";
    std::string cols;
    for (const std::string& c : fk.columns) cols += (cols.empty() ? "" : ", ") + c;
    auto [b, e] = element_span(v, fk.location);
    r.add(RuleId::foreign_key_without_index, b, e,
          "no index on `" + t + "` starts with the foreign key's columns (" + cols + "): every DELETE or key UPDATE on `" +
              ref + "` scans `" + t + "` for referencing rows (ON DELETE CASCADE or SET NULL too), holding its locks meanwhile",
          "Index the referencing columns: CREATE INDEX CONCURRENTLY " + table.name + "_" + fk.columns.front() +
              "_idx ON " + t + " (" + cols + "); (a plain CREATE INDEX right after CREATE TABLE for a new table). "
              "An index whose leading columns are these serves too.");
  }
}

}  // namespace
const RuleHooks hooks_foreign_key_without_index{
    .statement = check, .statement_kinds = {StmtKind::CreateStmt, StmtKind::AlterTableStmt}, .summarise = summarise};
}  // namespace migrasafe
