#pragma once
// What verify reads from the catalog between migrations: the schema (to
// prove a down script undoes its up), row counts and INVALID indexes (data
// integrity), and synthetic rows for the tables the migrations work on.
#include <map>
#include <string>
#include <vector>

#include "verify/pg.h"

namespace migrasafe::verify {

// The schema as comparable entries, "kind name" -> definition: relations,
// columns (type, nullability, default), constraints (with validity), indexes
// (definition, validity), views, sequences, enum values, functions,
// triggers and policies, in every schema but the system ones.
using SchemaSnapshot = std::map<std::string, std::string>;
SchemaSnapshot schema_snapshot(Connection& conn);
// "missing: column public.t.c (text)", "added: ...", "changed: ..." lines.
std::vector<std::string> schema_differences(const SchemaSnapshot& before, const SchemaSnapshot& after);

// Rows per table ("schema.name") and non-NULL values per column ("schema.name.column").
struct DataCounts {
  std::map<std::string, long long> rows, values;
};
DataCounts data_counts(Connection& conn);
// Indexes left INVALID (a failed CREATE INDEX CONCURRENTLY), as schema.name.
std::vector<std::string> invalid_indexes(Connection& conn);

// A foreign key (validated or NOT VALID) some of whose rows reference no row.
struct OrphanedRows {
  std::string table, referenced_table;  // schema.name
  bool validated = false;
  long long rows = 0;
};
// By constraint, "schema.table.constraint": the rows whose key (all its columns
// not NULL, as MATCH SIMPLE checks it) finds no referenced row.
std::map<std::string, OrphanedRows> orphaned_rows(Connection& conn);

// An INVALID unique index (a failed CREATE UNIQUE INDEX CONCURRENTLY) whose
// table holds rows sharing a key.
struct DuplicateKeys {
  std::string table, key;  // schema.name, "(email, lower(name))"
  long long keys = 0, rows = 0;
};
// By index, "schema.name".
std::map<std::string, DuplicateKeys> duplicate_keys(Connection& conn);

struct FillReport {
  std::vector<std::string> filled;                            // tables given rows
  std::vector<std::pair<std::string, std::string>> skipped;  // table, why it was left empty
};
// Inserts `rows` synthetic rows into every empty ordinary table, referenced
// tables first: values from the column types (unique per row), defaults where
// a column has one, foreign keys pointing at existing rows, the first label
// of an enum; a column with a CHECK (its own, or its domain's) gets the first
// value that meets it for every row, tried from the constants the CHECK
// names. A table whose rows PostgreSQL rejects is left empty.
FillReport fill_empty_tables(Connection& conn, int rows);

}  // namespace migrasafe::verify
