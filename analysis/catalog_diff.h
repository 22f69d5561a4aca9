#pragma once
// Comparing two schema models: what a script left different (the reversal
// check: the schema before an up script against the schema after the up and
// its down script), and replaying a script on a copy of a model.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/catalog.h"
#include "analysis/context.h"

namespace migrasafe {

enum class SchemaObject { Table, Column, Index, Constraint, View, Sequence, Enum, EnumValue };
enum class SchemaChange { Added, Removed, Changed };

struct SchemaDifference {
  SchemaObject kind;
  QualifiedName object;  // the table (for columns and constraints), index, view, sequence or enum
  std::string part;      // the column, constraint or enum value; empty for whole objects
  SchemaChange change;
  std::string aspect;         // Changed: "type", "nullability", "default", "uniqueness", "columns", "definition"
  // Changed: the aspect on each side ("int4" / "int8"). A view's "definition":
  // both empty, or in `after` the columns the new definition reads in addition
  // to all the old one reads ("t.c, t.d").
  std::string before, after;
  // Identifies the difference across comparisons (which statement caused it).
  std::string key() const;
};

// What differs in `after` compared with `before`, at the highest level: a
// table added or removed is one difference (not also its columns, indexes,
// constraints and owned sequences). Only what both models know is compared:
// columns of a table whose columns are not all known, and view definitions
// that could not be read, are left out.
std::vector<SchemaDifference> compare_catalogs(const Catalog& before, const Catalog& after);

// The schema before a script and, for each statement of it, the objects it
// changed as they were right after it: what the reversal check needs to find
// the statement behind a difference, and what existed before a statement,
// without a copy of the schema per statement.
class SchemaChangeLog {
 public:
  // Keeps `start` as the schema before the script and logs the changes
  // `start` receives from now on (it is then moved into the replay's
  // context): this log must outlive those changes.
  explicit SchemaChangeLog(Catalog& start);
  SchemaChangeLog(const SchemaChangeLog&) = delete;
  SchemaChangeLog& operator=(const SchemaChangeLog&) = delete;

  const Catalog& before() const { return before_; }
  // After statements [first, ...) ran (a statement and the body of its DO
  // block or function): records the objects they changed, as `now` has them.
  // The schema after each of those statements is the schema after all of them.
  void record(std::size_t first, const Catalog& now);
  // The first statement after which difference `d` shows between before()
  // and the schema then (as compare_catalogs finds it); nullopt when none does.
  std::optional<std::size_t> first_showing(const SchemaDifference& d) const;
  // Objects as they were right after statement i.
  const TableInfo* table_after(const QualifiedName& name, std::size_t i) const;
  const SequenceInfo* sequence_after(const QualifiedName& name, std::size_t i) const;

 private:
  // The values one kind of object took: per name, after each statement that
  // changed it (null: absent), in statement order.
  template <class V>
  struct Versions {
    struct Version {
      std::size_t statement;
      std::shared_ptr<const V> value;
    };
    std::map<QualifiedName, std::vector<Version>> by_name;
    void record(std::size_t statement, std::vector<QualifiedName>& changed, const ShardedMap<V>& now);
    const V* at(const QualifiedName& name, std::size_t i, const ShardedMap<V>& before) const;
    // Appends the statements after which `name` changed.
    void statements(const QualifiedName& name, std::vector<std::size_t>& out) const;
  };
  // Whether `d` shows right after statement i.
  bool shows_after(const SchemaDifference& d, std::size_t i) const;

  Catalog before_;
  Catalog::ChangedNames changed_;  // since the last record()
  Versions<TableInfo> tables_;
  Versions<IndexInfo> indexes_;
  Versions<ViewInfo> views_;
  Versions<SequenceInfo> sequences_;
  Versions<EnumInfo> enums_;
  Versions<TableConstraints> constraints_;
};

// `start` with the schema changes of every statement of `file` applied (no
// rules, no findings).
Catalog replay_schema(const ParsedFile& file, Catalog start, const AnalysisOptions& options);

}  // namespace migrasafe
