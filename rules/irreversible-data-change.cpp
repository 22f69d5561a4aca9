// An up script that destroys data has a down script that can bring back the
// structure but not the rows: report it once per up script, at the first
// statement that destroys data, for the rollback plan. (The data-loss rules
// report each statement; this one is about what a rollback can restore.)
#include <optional>
#include <set>

#include "analysis/catalog_diff.h"
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// Whether the object a consequence destroys existed before this up script:
// dropping what the script itself created earlier loses nothing. Objects the
// model does not know count as existing.
bool existed_before(const SchemaReplay& replay, std::size_t i, const Consequence& loss) {
  const Catalog& before = replay.changes.before();
  auto created_earlier = [&] {
    return i > 0 && (replay.changes.table_after(loss.object, i - 1) || replay.changes.sequence_after(loss.object, i - 1));
  };
  if (!loss.column.empty()) {
    const TableInfo* t = before.table(loss.object);
    if (!t) return !created_earlier();
    return !t->columns_known || t->columns.count(loss.column) > 0;
  }
  return before.table(loss.object) || before.sequence(loss.object) || !created_earlier();
}

// What an INSERT ... SELECT or an UPDATE reads, summarised before the
// replay frees its tree: per part of the statement (the SELECT; SET, FROM
// and WITH), the tables it names and the columns it references.
struct Part {
  std::set<std::string> tables;   // RangeVar relnames
  std::set<std::string> columns;  // last names of column references
};
struct Copy {
  std::size_t statement;
  std::optional<std::string> updated;  // an UPDATE's table (relname); none for INSERT ... SELECT
  bool filtered = false;               // an UPDATE with WHERE
  std::vector<Part> parts;
};
struct Copies {
  std::vector<Copy> in_order;
};

Part part_of(const Json& node) {
  Part out;
  ast::walk(node, [&](std::string_view kind, const Json& fields) {
    if (kind == "RangeVar") out.tables.insert(std::string(ast::str(fields, "relname")));
    auto names = kind == "ColumnRef" ? ast::strings(ast::list(fields, "fields")) : std::vector<std::string>{};
    if (!names.empty()) out.columns.insert(names.back());
  });
  return out;
}

void summarise(const ParsedFile& file, const MigrationRole& role, Report& r) {
  if (role.kind != MigrationRole::Kind::Up || !role.down_text) return;  // check() looks at nothing else
  Copies& copies = r.file_state<Copies>(RuleId::irreversible_data_change);
  for (std::size_t j = 0; j < file.statements.size(); ++j) {
    const Statement& s = file.statements[j];
    if (s.deferred) continue;
    const Json& n = s.node;
    if (s.kind == "InsertStmt" && ast::field(n, "selectStmt")) {
      copies.in_order.push_back({j, std::nullopt, false, {part_of(*ast::field(n, "selectStmt"))}});
      continue;
    }
    if (s.kind != "UpdateStmt" || !ast::field(n, "relation")) continue;
    Copy update{j, std::string(ast::str(*ast::field(n, "relation"), "relname")), ast::field(n, "whereClause") != nullptr, {}};
    for (ast::FieldName part : {ast::FieldName("targetList"), ast::FieldName("fromClause"), ast::FieldName("withClause")})
      if (const Json* p = ast::field(n, part)) update.parts.push_back(part_of(*p));
    copies.in_order.push_back(std::move(update));
  }
}

// A column whose values an earlier statement of the up script copied
// elsewhere (INSERT ... SELECT it, or UPDATE ... SET another = f(it) in
// every row of its table): the data lives on, and a down script can bring it
// back from there.
bool copied_before_drop(const Copies& copies, std::size_t i, const Consequence& loss) {
  if (loss.column.empty()) return false;
  for (const Copy& c : copies.in_order) {
    if (c.statement >= i) break;
    bool own_table = c.updated == loss.object.name;
    // Copied within the table only where WHERE allows: the other rows' values are lost.
    if (own_table && c.filtered) continue;
    // Read in the new values or in the rows they come from (FROM, WITH); not only in WHERE.
    for (const Part& p : c.parts)
      if ((own_table || p.tables.count(loss.object.name)) && p.columns.count(loss.column)) return true;
  }
  return false;
}

void check(const FileView& v, Report& r) {
  if (v.role.kind != MigrationRole::Kind::Up || !v.role.down_text || !v.effects || !v.replay) return;
  // An empty down is missing-down-script's; an `irreversible` comment says the author knows.
  if (v.down_empty || v.down_marked_irreversible) return;
  for (std::size_t i = 0; i < v.effects->size() && i < v.file.statements.size(); ++i)
    for (const Consequence& loss : (*v.effects)[i].data_loss) {
      if (!existed_before(*v.replay, i, loss) ||
          copied_before_drop(r.file_state<Copies>(RuleId::irreversible_data_change), i, loss))
        continue;
      const Statement& s = v.file.statements[i];
      r.add(RuleId::irreversible_data_change, s.begin, s.end,
            "This statement " + loss.what + ": the down script can recreate the structure, but a rollback cannot "
            "bring the data back (the first statement of this migration that destroys data)",
            "Keep the data until the change is proven: rename the column or table (or copy the rows to an archive "
            "table) in this migration, and drop it in a later release, once rolling back is no longer an option. "
            "If losing the data on rollback is acceptable, say so in the down script with a comment containing "
            "`irreversible`.");
      return;
    }
}

}  // namespace
const RuleHooks hooks_irreversible_data_change{.file = check, .needs_schema_replay = true, .summarise = summarise};
}  // namespace migrasafe
