#pragma once
// Comparing two schema models: what a script left different (the reversal
// check: the schema before an up script against the schema after the up and
// its down script), and replaying a script on a copy of a model.
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

// `start` with the schema changes of every statement of `file` applied (no
// rules, no findings).
Catalog replay_schema(const ParsedFile& file, Catalog start, const AnalysisOptions& options);

}  // namespace migrasafe
