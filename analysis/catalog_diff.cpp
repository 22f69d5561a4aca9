#include "analysis/catalog_diff.h"

#include <algorithm>
#include <set>

#include "analysis/effects.h"

namespace migrasafe {
namespace {

// When view definition `after` reads the same tables and every column
// `before` reads, and more: those columns ("t.c, t.d"); else "". (A
// `SELECT *` recreated after columns were added to its table.)
std::string only_more_columns(const ViewInfo& before, const ViewInfo& after) {
  if (before.materialized != after.materialized || before.tables != after.tables ||
      before.all_columns_of != after.all_columns_of || !before.columns_known || !after.columns_known ||
      !std::includes(after.columns.begin(), after.columns.end(), before.columns.begin(), before.columns.end()))
    return "";
  std::string more;
  for (const auto& [table, column] : after.columns)
    if (!before.columns.count({table, column})) more += (more.empty() ? "" : ", ") + table.name + "." + column;
  return more;
}

std::string kind_name(SchemaObject k) {
  switch (k) {
    case SchemaObject::Table: return "table";
    case SchemaObject::Column: return "column";
    case SchemaObject::Index: return "index";
    case SchemaObject::Constraint: return "constraint";
    case SchemaObject::View: return "view";
    case SchemaObject::Sequence: return "sequence";
    case SchemaObject::Enum: return "enum";
    case SchemaObject::EnumValue: return "enum value";
  }
  return "";
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + (p.empty() ? std::string("(expression)") : p);
  return out;
}

class Comparison {
 public:
  Comparison(const Catalog& before, const Catalog& after) : before_(before), after_(after) {}

  std::vector<SchemaDifference> run() {
    // Tables first: their added or removed children are not listed again.
    after_.tables().for_each_difference(before_.tables(), [&](const QualifiedName& n, const TableInfo* a, const TableInfo* b) {
      if (!a || !b) {
        presence(SchemaObject::Table, n, b, a);
        gone_or_new_.insert(n);
      } else {
        columns(n, *b, *a);
      }
    });
    after_.indexes().for_each_difference(before_.indexes(), [&](const QualifiedName& n, const IndexInfo* a, const IndexInfo* b) {
      if (gone_or_new_.count((a ? a : b)->table)) return;
      if (!a || !b) return presence(SchemaObject::Index, n, b, a);
      if (a->unique != b->unique || a->primary != b->primary)
        changed(SchemaObject::Index, n, "", "uniqueness", uniqueness(*b), uniqueness(*a));
      if (a->columns != b->columns || a->table != b->table || a->partial != b->partial)
        changed(SchemaObject::Index, n, "", "columns", b->table.str() + " (" + join(b->columns) + ")" + (b->partial ? " WHERE ..." : ""),
                a->table.str() + " (" + join(a->columns) + ")" + (a->partial ? " WHERE ..." : ""));
    });
    after_.views().for_each_difference(before_.views(), [&](const QualifiedName& n, const ViewInfo* a, const ViewInfo* b) {
      if (!a || !b) return presence(SchemaObject::View, n, b, a);
      if (a->materialized != b->materialized || (a->columns_known && b->columns_known &&
                                                  (a->tables != b->tables || a->columns != b->columns ||
                                                   a->all_columns_of != b->all_columns_of)))
        changed(SchemaObject::View, n, "", "definition", "", only_more_columns(*b, *a));
    });
    after_.sequences().for_each_difference(before_.sequences(), [&](const QualifiedName& n, const SequenceInfo* a, const SequenceInfo* b) {
      if (!a || !b) {
        const SequenceInfo* s = a ? a : b;
        if (s->owned_by && gone_or_new_.count(s->owned_by->first)) return;  // goes with its table
        presence(SchemaObject::Sequence, n, b, a);
      }
    });
    after_.enums().for_each_difference(before_.enums(), [&](const QualifiedName& n, const EnumInfo* a, const EnumInfo* b) {
      if (!a || !b) return presence(SchemaObject::Enum, n, b, a);
      std::set<std::string> av(a->values.begin(), a->values.end()), bv(b->values.begin(), b->values.end());
      for (const std::string& v : a->values)
        if (!bv.count(v)) out_.push_back({SchemaObject::EnumValue, n, v, SchemaChange::Added, "", "", ""});
      for (const std::string& v : b->values)
        if (!av.count(v)) out_.push_back({SchemaObject::EnumValue, n, v, SchemaChange::Removed, "", "", ""});
    });
    after_.all_constraints().for_each_difference(before_.all_constraints(),
        [&](const QualifiedName& table, const TableConstraints* a, const TableConstraints* b) {
          static const TableConstraints kNone;
          constraints(table, b ? *b : kNone, a ? *a : kNone);
        });
    return std::move(out_);
  }

 private:
  static std::string uniqueness(const IndexInfo& i) { return i.primary ? "primary key" : i.unique ? "unique" : "not unique"; }

  template <class V>
  void presence(SchemaObject kind, const QualifiedName& n, const V* before, const V* after, std::string part = "") {
    if (before && after) return;
    out_.push_back({kind, n, std::move(part), after ? SchemaChange::Added : SchemaChange::Removed, "", "", ""});
  }

  void changed(SchemaObject kind, const QualifiedName& n, std::string part, std::string aspect, std::string b, std::string a) {
    out_.push_back({kind, n, std::move(part), SchemaChange::Changed, std::move(aspect), std::move(b), std::move(a)});
  }

  // Columns only where both sides know every column of the table.
  void columns(const QualifiedName& table, const TableInfo& b, const TableInfo& a) {
    if (!a.columns_known || !b.columns_known) return;
    for (const auto& [name, ac] : a.columns) {
      auto it = b.columns.find(name);
      if (it == b.columns.end()) {
        out_.push_back({SchemaObject::Column, table, name, SchemaChange::Added, "", "", ""});
        continue;
      }
      const ColumnInfo& bc = it->second;
      if (!(ac.type == bc.type)) changed(SchemaObject::Column, table, name, "type", bc.type.display(), ac.type.display());
      if (ac.not_null != bc.not_null)
        changed(SchemaObject::Column, table, name, "nullability", bc.not_null ? "NOT NULL" : "nullable", ac.not_null ? "NOT NULL" : "nullable");
      if (ac.has_default != bc.has_default)
        changed(SchemaObject::Column, table, name, "default", bc.has_default ? "a default" : "no default",
                ac.has_default ? "a default" : "no default");
    }
    for (const auto& [name, bc] : b.columns)
      if (!a.columns.count(name)) out_.push_back({SchemaObject::Column, table, name, SchemaChange::Removed, "", "", ""});
  }

  void constraint(const QualifiedName& table, const std::string& name, bool in_before, bool in_after) {
    if (in_before == in_after || gone_or_new_.count(table)) return;
    out_.push_back({SchemaObject::Constraint, table, name, in_after ? SchemaChange::Added : SchemaChange::Removed, "", "", ""});
  }

  void constraints(const QualifiedName& table, const TableConstraints& b, const TableConstraints& a) {
    for (const auto& [name, c] : a) constraint(table, name, b.count(name) > 0, true);
    for (const auto& [name, c] : b) constraint(table, name, true, a.count(name) > 0);
  }

  const Catalog& before_;
  const Catalog& after_;
  std::set<QualifiedName> gone_or_new_;  // tables added or removed
  std::vector<SchemaDifference> out_;
};

}  // namespace

std::string SchemaDifference::key() const {
  return kind_name(kind) + '\0' + object.str() + '\0' + part + '\0' + aspect;
}

std::vector<SchemaDifference> compare_catalogs(const Catalog& before, const Catalog& after) {
  return Comparison(before, after).run();
}

Catalog replay_schema(const ParsedFile& file, Catalog start, const AnalysisOptions& options) {
  Context ctx(options, std::move(start));
  for (const Statement& stmt : file.statements)
    if (!stmt.deferred) ctx.apply(stmt, compute_effects(stmt, ctx));  // a function body runs when called
  return ctx.catalog();
}

}  // namespace migrasafe
