#pragma once
// The schema model: tables and their columns as the migration history so far
// has defined them, replayed statement by statement across every file. What
// it cannot model it leaves out, so lookups answer "unknown", never a wrong
// certainty.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/names.h"
#include "analysis/volatility.h"
#include "parser/parse.h"

namespace migrasafe {

// A column type as written, normalized: pg_catalog's internal name ("int4",
// "varchar", "timestamptz"), its type modifiers (varchar(20) -> {20},
// numeric(10,2) -> {10, 2}) and whether it is an array.
struct ColumnType {
  std::string name;
  std::vector<long> typmods;
  bool array = false;
  std::string display() const;  // "varchar(20)", "int4[]"
  bool operator==(const ColumnType&) const = default;
};

// From a TypeName parse node; nullopt when modifiers are not constants.
std::optional<ColumnType> column_type(const Json& type_name);

struct ColumnInfo {
  ColumnType type;
  bool not_null = false;
};

struct TableInfo {
  std::map<std::string, ColumnInfo> columns;
  bool partitioned = false;  // PARTITION BY: a parent without storage of its own
};

class Context;

// Constraints the replay knows, by "schema.table.name": CHECKs (with the
// columns they prove NOT NULL and whether they are validated) and foreign
// keys (with the table they reference). Kept for tables the catalog has no
// columns for too: a constraint can be added to a table created before the
// migrations analysed.
struct CheckConstraint {
  QualifiedName table;
  std::set<std::string> not_null_columns;
  bool valid;
};
struct Constraints {
  std::map<std::string, CheckConstraint> checks;
  std::map<QualifiedName, std::map<std::string, QualifiedName>> foreign_keys;  // table -> name -> referenced
};

// Copies are cheap and share structure: the history is handed from file to
// file and snapshotted at every BEGIN, and only what a statement changes is
// copied (copy-on-write per table and for the table index).
class Catalog {
 public:
  // Tables and constraints are sharded by table name so that the first
  // change after a snapshot (every BEGIN takes one) copies one shard only.
  static constexpr std::size_t kShards = 64;
  static std::size_t shard_of(const QualifiedName& name);

  const TableInfo* table(const QualifiedName& name) const;
  const ColumnInfo* column(const QualifiedName& table, const std::string& column) const;
  // Volatility of a function created by the migrations (any overload).
  std::optional<Volatility> function_volatility(const QualifiedName& name) const;
  // The constraints of `table` (and of the other tables in its shard).
  const Constraints& constraints(const QualifiedName& table) const { return *constraint_shards_[shard_of(table)]; }
  Constraints& constraints_for_write(const QualifiedName& table);

  // Applies a statement's schema changes; `ctx` resolves unqualified names.
  void apply(const Statement& stmt, const Context& ctx);

 private:
  using Tables = std::map<QualifiedName, std::shared_ptr<TableInfo>>;
  Tables& tables_for_write(const QualifiedName& name);
  TableInfo& table_for_write(Tables::iterator it);
  void create_table(const Json& n, const Context& ctx);
  void alter_table(const Json& n, const Context& ctx);
  std::array<std::shared_ptr<Tables>, kShards> shards_ = make_shards();
  static std::array<std::shared_ptr<Tables>, kShards> make_shards();
  std::map<QualifiedName, Volatility> functions_;
  std::array<std::shared_ptr<Constraints>, kShards> constraint_shards_ = make_constraint_shards();
  static std::array<std::shared_ptr<Constraints>, kShards> make_constraint_shards();
};

}  // namespace migrasafe
