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

// Compares two schema models, or (SchemaChangeLog) single objects of them.
class Comparison {
 public:
  std::vector<SchemaDifference> run(const Catalog& before, const Catalog& after) {
    // Tables first: their added or removed children are not listed again.
    after.tables().for_each_difference(before.tables(), [&](const QualifiedName& n, const TableInfo* a, const TableInfo* b) {
      table(n, a, b);
    });
    after.indexes().for_each_difference(before.indexes(), [&](const QualifiedName& n, const IndexInfo* a, const IndexInfo* b) {
      index(n, a, b);
    });
    after.views().for_each_difference(before.views(), [&](const QualifiedName& n, const ViewInfo* a, const ViewInfo* b) {
      view(n, a, b);
    });
    after.sequences().for_each_difference(before.sequences(), [&](const QualifiedName& n, const SequenceInfo* a, const SequenceInfo* b) {
      sequence(n, a, b);
    });
    after.enums().for_each_difference(before.enums(), [&](const QualifiedName& n, const EnumInfo* a, const EnumInfo* b) {
      enum_type(n, a, b);
    });
    after.all_constraints().for_each_difference(before.all_constraints(),
        [&](const QualifiedName& n, const TableConstraints* a, const TableConstraints* b) { constraints(n, a, b); });
    return take();
  }

  // One object on each side (null: absent), `a` after and `b` before. The
  // tables added or removed must be known first (table(), or
  // note_table_presence() for a table whose columns are not compared).
  void table(const QualifiedName& n, const TableInfo* a, const TableInfo* b) {
    if (!a || !b) {
      if (!a && !b) return;
      presence(SchemaObject::Table, n, b, a);
      gone_or_new_.insert(n);
    } else {
      columns(n, *b, *a);
    }
  }
  void note_table_presence(const QualifiedName& n, const TableInfo* a, const TableInfo* b) {
    if (!a != !b) gone_or_new_.insert(n);
  }
  void index(const QualifiedName& n, const IndexInfo* a, const IndexInfo* b) {
    if (!a && !b) return;
    if (gone_or_new_.count((a ? a : b)->table)) return;
    if (!a || !b) return presence(SchemaObject::Index, n, b, a);
    if (a->unique != b->unique || a->primary != b->primary)
      changed(SchemaObject::Index, n, "", "uniqueness", uniqueness(*b), uniqueness(*a));
    if (a->columns != b->columns || a->table != b->table || a->partial != b->partial)
      changed(SchemaObject::Index, n, "", "columns", b->table.str() + " (" + join(b->columns) + ")" + (b->partial ? " WHERE ..." : ""),
              a->table.str() + " (" + join(a->columns) + ")" + (a->partial ? " WHERE ..." : ""));
  }
  void view(const QualifiedName& n, const ViewInfo* a, const ViewInfo* b) {
    if (!a || !b) return presence(SchemaObject::View, n, b, a);
    if (a->materialized != b->materialized || (a->columns_known && b->columns_known &&
                                                (a->tables != b->tables || a->columns != b->columns ||
                                                 a->all_columns_of != b->all_columns_of)))
      changed(SchemaObject::View, n, "", "definition", "", only_more_columns(*b, *a));
  }
  void sequence(const QualifiedName& n, const SequenceInfo* a, const SequenceInfo* b) {
    if (a && b) return;
    const SequenceInfo* s = a ? a : b;
    if (!s || (s->owned_by && gone_or_new_.count(s->owned_by->first))) return;  // goes with its table
    presence(SchemaObject::Sequence, n, b, a);
  }
  void enum_type(const QualifiedName& n, const EnumInfo* a, const EnumInfo* b) {
    if (!a || !b) return presence(SchemaObject::Enum, n, b, a);
    std::set<std::string> av(a->values.begin(), a->values.end()), bv(b->values.begin(), b->values.end());
    for (const std::string& v : a->values)
      if (!bv.count(v)) out_.push_back({SchemaObject::EnumValue, n, v, SchemaChange::Added, "", "", ""});
    for (const std::string& v : b->values)
      if (!av.count(v)) out_.push_back({SchemaObject::EnumValue, n, v, SchemaChange::Removed, "", "", ""});
  }
  void constraints(const QualifiedName& table, const TableConstraints* a, const TableConstraints* b) {
    static const TableConstraints kNone;
    constraints(table, b ? *b : kNone, a ? *a : kNone);
  }

  std::vector<SchemaDifference> take() { return std::move(out_); }

 private:
  static std::string uniqueness(const IndexInfo& i) { return i.primary ? "primary key" : i.unique ? "unique" : "not unique"; }

  template <class V>
  void presence(SchemaObject kind, const QualifiedName& n, const V* before, const V* after, std::string part = "") {
    if (!before == !after) return;
    out_.push_back({kind, n, std::move(part), after ? SchemaChange::Added : SchemaChange::Removed, "", "", ""});
  }

  void changed(SchemaObject kind, const QualifiedName& n, std::string part, std::string aspect, std::string b, std::string a) {
    out_.push_back({kind, n, std::move(part), SchemaChange::Changed, std::move(aspect), std::move(b), std::move(a)});
  }

  // Columns only where both sides know every column of the table. A table
  // written since the copy (an index added, say) often still shares its
  // columns: nothing to compare then. Otherwise both maps are walked side by
  // side in name order: added and changed columns in `a`'s order, then the
  // removed ones in `b`'s.
  void columns(const QualifiedName& table, const TableInfo& b, const TableInfo& a) {
    if (!a.columns_known || !b.columns_known || a.columns.shares_with(b.columns)) return;
    std::vector<const std::string*> removed;
    auto bi = b.columns.begin();
    for (const auto& [name, ac] : a.columns) {
      for (; bi != b.columns.end() && bi->first < name; ++bi) removed.push_back(&bi->first);
      if (bi == b.columns.end() || bi->first != name) {
        out_.push_back({SchemaObject::Column, table, name, SchemaChange::Added, "", "", ""});
        continue;
      }
      const ColumnInfo& bc = (bi++)->second;
      if (!(ac.type == bc.type)) changed(SchemaObject::Column, table, name, "type", bc.type.display(), ac.type.display());
      if (ac.not_null != bc.not_null)
        changed(SchemaObject::Column, table, name, "nullability", bc.not_null ? "NOT NULL" : "nullable", ac.not_null ? "NOT NULL" : "nullable");
      if (ac.has_default != bc.has_default)
        changed(SchemaObject::Column, table, name, "default", bc.has_default ? "a default" : "no default",
                ac.has_default ? "a default" : "no default");
    }
    for (; bi != b.columns.end(); ++bi) removed.push_back(&bi->first);
    for (const std::string* name : removed) out_.push_back({SchemaObject::Column, table, *name, SchemaChange::Removed, "", "", ""});
  }

  void constraint(const QualifiedName& table, const std::string& name, bool in_before, bool in_after) {
    if (in_before == in_after || gone_or_new_.count(table)) return;
    out_.push_back({SchemaObject::Constraint, table, name, in_after ? SchemaChange::Added : SchemaChange::Removed, "", "", ""});
  }

  void constraints(const QualifiedName& table, const TableConstraints& b, const TableConstraints& a) {
    for (const auto& [name, c] : a) constraint(table, name, b.count(name) > 0, true);
    for (const auto& [name, c] : b) constraint(table, name, true, a.count(name) > 0);
  }

  std::set<QualifiedName> gone_or_new_;  // tables added or removed
  std::vector<SchemaDifference> out_;
};

}  // namespace

std::string SchemaDifference::key() const {
  return kind_name(kind) + '\0' + object.str() + '\0' + part + '\0' + aspect;
}

std::vector<SchemaDifference> compare_catalogs(const Catalog& before, const Catalog& after) {
  return Comparison().run(before, after);
}

SchemaChangeLog::SchemaChangeLog(Catalog& start) : before_(start) { start.log_changes_to(&changed_); }

template <class V>
void SchemaChangeLog::Versions<V>::record(std::size_t statement, std::vector<QualifiedName>& changed,
                                          const ShardedMap<V>& now) {
  const QualifiedName* previous = nullptr;
  for (const QualifiedName& name : changed) {
    // A statement writes a table several times in a row (its columns, then its indexes): looked up once.
    if (previous && *previous == name) continue;
    previous = &name;
    std::vector<Version>& versions = by_name[name];
    if (versions.empty() || versions.back().statement != statement) versions.push_back({statement, now.find_shared(name)});
  }
  changed.clear();
}

template <class V>
const V* SchemaChangeLog::Versions<V>::at(const QualifiedName& name, std::size_t i, const ShardedMap<V>& before) const {
  auto it = by_name.find(name);
  if (it == by_name.end()) return before.find(name);
  const std::vector<Version>& versions = it->second;
  auto after = std::upper_bound(versions.begin(), versions.end(), i,
                                [](std::size_t i, const Version& v) { return i < v.statement; });
  return after == versions.begin() ? before.find(name) : std::prev(after)->value.get();
}

template <class V>
void SchemaChangeLog::Versions<V>::statements(const QualifiedName& name, std::vector<std::size_t>& out) const {
  if (auto it = by_name.find(name); it != by_name.end())
    for (const Version& v : it->second) out.push_back(v.statement);
}

const TableInfo* SchemaChangeLog::table_after(const QualifiedName& name, std::size_t i) const {
  return tables_.at(name, i, before_.tables());
}

const SequenceInfo* SchemaChangeLog::sequence_after(const QualifiedName& name, std::size_t i) const {
  return sequences_.at(name, i, before_.sequences());
}

void SchemaChangeLog::record(std::size_t first, const Catalog& now) {
  tables_.record(first, changed_.tables, now.tables());
  indexes_.record(first, changed_.indexes, now.indexes());
  views_.record(first, changed_.views, now.views());
  sequences_.record(first, changed_.sequences, now.sequences());
  enums_.record(first, changed_.enums, now.enums());
  constraints_.record(first, changed_.constraints, now.all_constraints());
}

bool SchemaChangeLog::shows_after(const SchemaDifference& d, std::size_t i) const {
  const QualifiedName& n = d.object;
  Comparison c;
  auto note_table = [&](const QualifiedName& t) { c.note_table_presence(t, table_after(t, i), before_.table(t)); };
  switch (d.kind) {
    case SchemaObject::Table:
    case SchemaObject::Column: c.table(n, table_after(n, i), before_.table(n)); break;
    case SchemaObject::Index: {
      const IndexInfo *a = indexes_.at(n, i, before_.indexes()), *b = before_.index(n);
      if (a || b) note_table((a ? a : b)->table);
      c.index(n, a, b);
      break;
    }
    case SchemaObject::View: c.view(n, views_.at(n, i, before_.views()), before_.view(n)); break;
    case SchemaObject::Sequence: {
      const SequenceInfo *a = sequence_after(n, i), *b = before_.sequence(n);
      if (const SequenceInfo* s = a ? a : b; s && s->owned_by) note_table(s->owned_by->first);
      c.sequence(n, a, b);
      break;
    }
    case SchemaObject::Enum:
    case SchemaObject::EnumValue: c.enum_type(n, enums_.at(n, i, before_.enums()), before_.enum_type(n)); break;
    case SchemaObject::Constraint: {
      note_table(n);
      const TableConstraints* b = before_.all_constraints().find(n);
      c.constraints(n, constraints_.at(n, i, before_.all_constraints()), b);
      break;
    }
  }
  const std::string key = d.key();
  return std::ranges::any_of(c.take(), [&](const SchemaDifference& found) { return found.key() == key; });
}

std::optional<std::size_t> SchemaChangeLog::first_showing(const SchemaDifference& d) const {
  // The difference can only appear or go after a statement that changed one
  // of the objects it depends on: the object, and the table whose being
  // added or removed hides it (of an index, an owned sequence, a constraint).
  std::vector<std::size_t> candidates;
  const QualifiedName& n = d.object;
  auto add_table = [&](const QualifiedName& t) { tables_.statements(t, candidates); };
  switch (d.kind) {
    case SchemaObject::Table:
    case SchemaObject::Column: add_table(n); break;
    case SchemaObject::Index: {
      indexes_.statements(n, candidates);
      if (const IndexInfo* b = before_.index(n)) add_table(b->table);
      if (auto it = indexes_.by_name.find(n); it != indexes_.by_name.end())
        for (const auto& v : it->second)
          if (v.value) add_table(v.value->table);
      break;
    }
    case SchemaObject::View: views_.statements(n, candidates); break;
    case SchemaObject::Sequence: {
      sequences_.statements(n, candidates);
      auto add_owner = [&](const SequenceInfo* s) {
        if (s && s->owned_by) add_table(s->owned_by->first);
      };
      add_owner(before_.sequence(n));
      if (auto it = sequences_.by_name.find(n); it != sequences_.by_name.end())
        for (const auto& v : it->second) add_owner(v.value.get());
      break;
    }
    case SchemaObject::Enum:
    case SchemaObject::EnumValue: enums_.statements(n, candidates); break;
    case SchemaObject::Constraint:
      constraints_.statements(n, candidates);
      add_table(n);
      break;
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (std::size_t i : candidates)
    if (shows_after(d, i)) return i;
  return std::nullopt;
}

Catalog replay_schema(const ParsedFile& file, Catalog start, const AnalysisOptions& options) {
  Context ctx(options, std::move(start));
  // The schema a statement leaves depends on its words and the search_path,
  // never on its locks or consequences: no effects are computed.
  for (const Statement& stmt : file.statements)
    if (!stmt.deferred) ctx.apply(stmt, Effects{});  // a function body runs when called
  return ctx.catalog();
}

}  // namespace migrasafe
