#pragma once
// The schema model: tables, columns, indexes, views, sequences, enums and
// partitions as the migration history so far has defined them, replayed
// statement by statement across every file. What it cannot model it leaves
// out or marks unknown, so lookups answer "unknown", never a wrong certainty.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analysis/copy_on_write.h"
#include "analysis/effects.h"
#include "analysis/names.h"
#include "analysis/volatility.h"
#include "parser/parse.h"

namespace migrasafe {

// A type's modifiers (varchar(20) -> {20}, numeric(10,2) -> {10, 2}), held
// inline: a column is one map node per column of every table, and the parser
// gives each modifier as a 32-bit integer. Two at most, as PostgreSQL's own
// types take (interval day to second(3) is {range, 3}); push_back refuses a
// third.
class TypeModifiers {
 public:
  TypeModifiers() = default;
  TypeModifiers(std::initializer_list<long> values) {
    for (long v : values) push_back(v);
  }
  bool empty() const { return values_[0] == kAbsent; }
  std::size_t size() const { return std::size_t(values_[0] != kAbsent) + std::size_t(values_[1] != kAbsent); }
  long operator[](std::size_t i) const { return values_[i]; }
  // false (and nothing added) when two are held already or `value` is not a
  // 32-bit integer.
  bool push_back(long value) {
    const std::size_t at = size();
    if (at == values_.size() || value <= kAbsent || value > std::numeric_limits<std::int32_t>::max()) return false;
    values_[at] = static_cast<std::int32_t>(value);
    return true;
  }
  bool operator==(const TypeModifiers&) const = default;

 private:
  static constexpr std::int32_t kAbsent = std::numeric_limits<std::int32_t>::min();
  std::array<std::int32_t, 2> values_{kAbsent, kAbsent};
};

// A column type as written, normalized: pg_catalog's internal name ("int4",
// "varchar", "timestamptz"), its type modifiers and whether it is an array.
struct ColumnType {
  std::string name;
  TypeModifiers typmods;
  bool array = false;
  std::string display() const;  // "varchar(20)", "int4[]"
  bool operator==(const ColumnType&) const = default;
};

// From a TypeName parse node; nullopt when modifiers are not integer
// constants, or more than two.
std::optional<ColumnType> column_type(const Json& type_name);

// A table holds one per column in a map node: the flags and position sit in
// the type's tail padding ([[no_unique_address]]), so that the node takes 112
// bytes (the allocator's class of that size), not 120 (rounded up to 128).
struct ColumnInfo {
  [[no_unique_address]] ColumnType type;
  bool not_null = false;
  bool has_default = false;  // DEFAULT, serial, identity or generated
  bool generated = false;    // GENERATED ALWAYS AS (...) STORED: computed from other columns
  int position = 0;          // order in the table (INSERT without a column list fills columns in it)
};
static_assert(sizeof(ColumnInfo) <= sizeof(ColumnType) && sizeof(ColumnInfo) <= 48,
              "a ColumnInfo's flags and position fit in its type's tail padding (see above)");

// A trigger the migrations created: the function it runs, and when.
struct TriggerInfo {
  QualifiedName function;
  int events = 0;    // PostgreSQL's TRIGGER_TYPE_* bits: INSERT 4, DELETE 8, UPDATE 16, TRUNCATE 32
  bool row = false;  // FOR EACH ROW: runs only for rows the statement changes
};

// Its lists are shared between copies until changed (CopyOnWrite): a copy
// for one change copies only the list that change touches. The partition
// names are out of line (OutOfLine: few tables are partitions), so that the
// record and its shared count take 128 bytes, not 248 (rounded up to 256).
struct TableInfo {
  CopyOnWrite<std::map<std::string, ColumnInfo>> columns;
  // false when the table has columns the model could not read (CREATE TABLE
  // AS, LIKE, INHERITS, a type modifier that is not a constant): a column
  // missing from `columns` may still exist.
  bool columns_known = true;
  bool temporary = false;                    // CREATE TEMP TABLE: the session's own, gone at its end
  bool partitioned = false;                  // PARTITION BY: a parent without storage of its own
  OutOfLine<QualifiedName> partition_of;     // the parent, for a partition
  CopyOnWrite<std::set<QualifiedName>> partitions;  // the partitions known to the model
  OutOfLine<QualifiedName> default_partition;  // the DEFAULT partition, when one is known
  CopyOnWrite<std::set<std::string>> indexes;       // index names (same schema as the table)
  CopyOnWrite<std::set<std::pair<std::string, QualifiedName>>> owned_sequences;  // (column, sequence): serial, identity, OWNED BY
  CopyOnWrite<std::map<std::string, TriggerInfo>> triggers;  // created by CREATE TRIGGER statements the replay saw
  // Created by a statement the grammar could not parse (newer PostgreSQL
  // syntax): created in these migrations, but its columns are unknown
  // (columns_known is false).
  bool created_unparsed = false;
};
static_assert(sizeof(TableInfo) <= 112, "a table's record and its shared count fit the allocator's 128-byte class");

// Held shared, one per index: the access method is a flag, not its name (the
// only reader asks for B-tree), so that the value and its shared count take
// 112 bytes, not 144 (rounded up to 160).
struct IndexInfo {
  QualifiedName table;
  bool unique = false;
  bool primary = false;
  bool partial = false;                // has a WHERE clause
  bool btree = true;                   // the access method (USING ...) is B-tree
  std::vector<std::string> columns{};  // key columns; "" for an expression
};
static_assert(sizeof(IndexInfo) <= 96, "an index's value and its shared count fit the allocator's 112-byte class");
// Whether an IndexStmt node builds a B-tree (no USING, or USING btree).
bool uses_btree(const Json& index_stmt);

// A view or materialized view and what it reads. A column of a table a view
// reads cannot be dropped or change type without dropping the view first.
struct ViewInfo {
  bool materialized = false;
  std::set<QualifiedName> tables;                             // relations in FROM
  std::set<std::pair<QualifiedName, std::string>> columns;    // table.column it references
  std::set<QualifiedName> all_columns_of;                     // SELECT * / t.*: every column at creation
  bool columns_known = true;  // false when a column reference could not be attributed to one table
  bool populated = true;      // false after WITH NO DATA, until a REFRESH fills it
};

struct SequenceInfo {
  std::optional<std::pair<QualifiedName, std::string>> owned_by;  // serial/identity column or OWNED BY
};

// A function the migrations created, under its name (all overloads).
struct FunctionInfo {
  Volatility volatility = Volatility::Volatile;
  bool trigger = false;  // RETURNS trigger or event_trigger (some overload)
  // Null until the replay has read the body (and for a body it cannot read).
  std::shared_ptr<const FunctionEffects> runs;
  int overloads = 0;  // definitions under this name since the last CREATE OR REPLACE

};

struct EnumInfo {
  std::vector<std::string> values;  // in sort order
};

// A CHECK or FOREIGN KEY constraint the replay knows, with the one record of
// the table's columns it uses: column renames follow it, and dropping one of
// them drops the constraint. Kept for tables the catalog has no columns for
// too: a constraint can be added to a table created before the migrations
// analysed.
struct ConstraintInfo {
  enum class Kind { Check, ForeignKey };
  Kind kind = Kind::Check;
  std::set<std::string> columns{};           // every column of the table it uses
  std::set<std::string> not_null_columns{};  // a CHECK: the columns it proves NOT NULL
  bool valid = true;                         // false while NOT VALID
  std::optional<QualifiedName> references{}; // a foreign key: the table it references
  char on_delete = 'a';                      // a foreign key's ON DELETE: a(no action) r(estrict) c(ascade) n(ull) d(efault)
};
// A table's constraints by name.
using TableConstraints = std::map<std::string, ConstraintInfo>;

// PostgreSQL's name for a CHECK or FOREIGN KEY constraint: its own, or for an
// unnamed one <table>_<first column>_check / _fkey (`column`: the column a
// column constraint is declared on).
std::string constraint_name(const QualifiedName& table, const Json& constraint, const std::string& column);

// A map from object name to a value shared between copies: the history is
// handed from file to file (and the reversal check keeps the schema before an
// up script, and the values its statements left), so a copy costs one pointer
// and the first change after it copies one shard and one value only. A transaction does not copy: while an
// undo journal is open, the first change to a name records its old value, and
// rolling back puts those values back, at a cost proportional to the changes.
// A shard is a hash table keyed by the name's hash, computed once per call for
// the shard and the table: a lookup compares one name, not a name at every
// level of a tree (for_each_difference puts what it reports in name order).
template <class V>
class ShardedMap {
 public:
  static constexpr std::size_t kShards = 64;
  static std::size_t hash_of(const QualifiedName& name) { return std::hash<std::string>{}(name.name); }
  static std::size_t shard_of(const QualifiedName& name) { return hash_of(name) % kShards; }

  // A copy shares the values but neither an open undo journal nor a change
  // log: copies (the history, the schema before a script) are read or
  // replayed afresh, and copying the journal with each would cost what the
  // transaction changed.
  ShardedMap() = default;
  ShardedMap(const ShardedMap& other) : shards_(other.shards_) {}
  ShardedMap& operator=(const ShardedMap& other) {
    shards_ = other.shards_;
    undo_.reset();
    return *this;
  }
  ShardedMap(ShardedMap&&) = default;
  ShardedMap& operator=(ShardedMap&&) = default;

  const V* find(const QualifiedName& name) const { return find(name, hash_of(name)); }
  // `hash`: hash_of(name), computed once to look one name up in several maps.
  const V* find(const QualifiedName& name, std::size_t hash) const {
    const std::shared_ptr<V>* value = slot(name, hash);
    return value ? value->get() : nullptr;
  }
  // The value itself, shared: it stays as it is now, since a later write
  // copies a value that is shared.
  std::shared_ptr<const V> find_shared(const QualifiedName& name) const {
    const std::shared_ptr<V>* value = slot(name, hash_of(name));
    return value ? *value : nullptr;
  }
  // From now on, appends the name of every entry written (possibly more than
  // once) to `changed`, which must outlive this map's writes (SchemaChangeLog).
  void log_changes_to(std::vector<QualifiedName>* changed) { changed_ = changed; }
  // The value to modify in place, or nullptr when absent.
  V* find_for_write(const QualifiedName& name) {
    auto [shard, it] = entry_for_write(name);
    if (!shard) return nullptr;
    if (!sole_owner(it->second)) it->second = std::make_shared<V>(*it->second);
    return it->second.get();
  }
  // The value to modify in place, created empty when absent.
  V& find_or_put(const QualifiedName& name) {
    std::shared_ptr<V>& value = slot_for_write(name);
    if (!value) value = std::make_shared<V>();
    else if (!sole_owner(value)) value = std::make_shared<V>(*value);
    return *value;
  }
  V& put(const QualifiedName& name, V value) {
    std::shared_ptr<V>& slot = slot_for_write(name);
    slot = std::make_shared<V>(std::move(value));
    return *slot;
  }
  void erase(const QualifiedName& name) {
    auto [shard, it] = entry_for_write(name);
    if (shard) shard->erase(it);
  }
  void rename(const QualifiedName& from, const QualifiedName& to) {
    const V* v = find(from);
    if (!v) return;
    V copy = *v;
    erase(from);
    put(to, std::move(copy));
  }
  // Opens a new undo journal (BEGIN).
  void begin_undo() { undo_.emplace(); }
  // Closes it: COMMIT keeps the changes, ROLLBACK puts the recorded values back.
  void end_undo(bool commit) {
    if (!undo_) return;
    auto undo = std::move(*undo_);
    undo_.reset();
    if (commit) return;
    for (auto& [key, value] : undo) {
      if (value) slot_for_write(key.name) = std::move(value);
      else erase(key.name);
    }
  }

  // Every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    if (!shards_) return;
    for (const auto& shard : *shards_)
      if (shard)
        for (const auto& [key, value] : *shard) f(key.name, *value);
  }
  // Whether pred(name, value) holds for some entry; stops at the first.
  template <class F>
  bool any_of(F&& pred) const {
    if (!shards_) return false;
    for (const auto& shard : *shards_)
      if (shard)
        for (const auto& [key, value] : *shard)
          if (pred(key.name, *value)) return true;
    return false;
  }
  // Calls f(name, mine, theirs) for every name whose value may differ between
  // this map and `other` (a pointer is null where the name is absent), shard
  // by shard: this map's names in name order, then those only `other` has.
  // Shards and values the two copies still share are skipped, so comparing a
  // copy with its original costs what was changed since the copy.
  template <class F>
  void for_each_difference(const ShardedMap& other, F&& f) const {
    if (shards_ == other.shards_) return;
    using Entry = typename Map::value_type;
    auto by_name = [](const Entry* x, const Entry* y) { return x->first.name < y->first.name; };
    std::vector<const Entry*> mine, theirs;
    for (std::size_t s = 0; s < kShards; ++s) {
      if (shard_ptr(s) == other.shard_ptr(s)) continue;
      static const Map kEmpty;  // a shard not allocated yet
      const Map& a = shard_ptr(s) ? *shard_ptr(s) : kEmpty;
      const Map& b = other.shard_ptr(s) ? *other.shard_ptr(s) : kEmpty;
      mine.clear();
      theirs.clear();
      for (const Entry& e : a)
        if (auto it = b.find(e.first); it == b.end() || it->second != e.second) mine.push_back(&e);
      for (const Entry& e : b)
        if (!a.count(e.first)) theirs.push_back(&e);
      std::sort(mine.begin(), mine.end(), by_name);
      std::sort(theirs.begin(), theirs.end(), by_name);
      for (const Entry* e : mine) {
        auto it = b.find(e->first);
        f(e->first.name, e->second.get(), it == b.end() ? static_cast<const V*>(nullptr) : it->second.get());
      }
      for (const Entry* e : theirs) f(e->first.name, static_cast<const V*>(nullptr), e->second.get());
    }
  }

 private:
  // A shard's key: the name with its hash, which the table reads instead of
  // hashing again. A lookup passes a NameRef (no copy of the name).
  struct Key {
    std::size_t hash;
    QualifiedName name;
  };
  struct NameRef {
    std::size_t hash;
    const QualifiedName& name;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const Key& k) const noexcept { return k.hash; }
    std::size_t operator()(const NameRef& k) const noexcept { return k.hash; }
  };
  struct KeyEqual {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return a.hash == b.hash && a.name == b.name;
    }
  };
  using Map = std::unordered_map<Key, std::shared_ptr<V>, KeyHash, KeyEqual>;
  using Shards = std::array<std::shared_ptr<Map>, kShards>;
  const std::shared_ptr<Map>& shard_ptr(std::size_t s) const {
    static const std::shared_ptr<Map> kNone;
    return shards_ ? (*shards_)[s] : kNone;
  }
  const std::shared_ptr<V>* slot(const QualifiedName& name, std::size_t hash) const {
    const Map* shard = shard_ptr(hash % kShards).get();
    if (!shard) return nullptr;
    auto it = shard->find(NameRef{hash, name});
    return it == shard->end() ? nullptr : &it->second;
  }
  // The shard holding `name` and its entry, about to be written: the shard
  // is this map's own then, and the write recorded. A null shard when `name`
  // is absent (nothing copied or recorded). One lookup when this map owns the
  // shard already; a shared one is copied, and the name found again in it.
  std::pair<Map*, typename Map::iterator> entry_for_write(const QualifiedName& name) {
    const std::size_t hash = hash_of(name), s = hash % kShards;
    Map* shard = shard_ptr(s).get();
    if (!shard) return {nullptr, {}};
    auto it = shard->find(NameRef{hash, name});
    if (it == shard->end()) return {nullptr, {}};
    if (!sole_owner(shards_) || !sole_owner(shard_ptr(s))) {
      shard = &own_shard(s);
      it = shard->find(NameRef{hash, name});
    }
    record_write(name, hash, it->second);
    return {shard, it};
  }
  // The value of `name` about to be written, null when absent (then
  // inserted, and to be set by the caller).
  std::shared_ptr<V>& slot_for_write(const QualifiedName& name) {
    const std::size_t hash = hash_of(name);
    Map& shard = own_shard(hash % kShards);
    auto it = shard.find(NameRef{hash, name});
    if (it == shard.end()) {
      record_write(name, hash, nullptr);
      return shard.try_emplace(Key{hash, name}).first->second;
    }
    record_write(name, hash, it->second);
    return it->second;
  }
  // Shard s, copied first when a copy of this map shares it.
  Map& own_shard(std::size_t s) {
    if (!shards_) shards_ = std::make_shared<Shards>();
    else if (!sole_owner(shards_)) shards_ = std::make_shared<Shards>(*shards_);
    auto& shard = (*shards_)[s];
    if (!shard) shard = std::make_shared<Map>();
    else if (!sole_owner(shard)) shard = std::make_shared<Map>(*shard);
    return *shard;
  }
  // Before `name` (holding `value`, null when absent) is written: the change
  // log, and the undo journal.
  void record_write(const QualifiedName& name, std::size_t hash, const std::shared_ptr<V>& value) {
    if (changed_) changed_->push_back(name);
    if (undo_ && !undo_->count(NameRef{hash, name})) undo_->emplace(Key{hash, name}, value);  // the value before the transaction
  }
  // Two levels of sharing: copying the map copies one pointer (the catalog
  // is copied for every file), and a write
  // copies the array of shards, then the one shard it changes. Both are
  // allocated on the first write: a catalog is constructed for every file.
  std::shared_ptr<Shards> shards_;
  // Open during a transaction: each name changed in it, with its value before
  // (shared, so the first write after BEGIN copies the value, not the shard).
  std::optional<Map> undo_;
  std::vector<QualifiedName>* changed_ = nullptr;  // see log_changes_to; not copied
};

class Context;

class Catalog {
 public:
  static constexpr std::size_t kShards = ShardedMap<TableInfo>::kShards;
  static std::size_t shard_of(const QualifiedName& name) { return ShardedMap<TableInfo>::shard_of(name); }

  const TableInfo* table(const QualifiedName& name) const { return tables_.find(name); }
  const ColumnInfo* column(const QualifiedName& table, const std::string& column) const;
  const IndexInfo* index(const QualifiedName& name) const { return indexes_.find(name); }
  const ViewInfo* view(const QualifiedName& name) const { return views_.find(name); }
  const SequenceInfo* sequence(const QualifiedName& name) const { return sequences_.find(name); }
  const EnumInfo* enum_type(const QualifiedName& name) const { return enums_.find(name); }
  // Views and materialized views that reference table.column (or every
  // column of the table when `column` is empty), by name.
  std::vector<QualifiedName> views_using(const QualifiedName& table, const std::string& column) const;
  // Sequences owned by a column of `table` (serial, identity, OWNED BY); all
  // of the table's when `column` is empty.
  std::vector<QualifiedName> owned_sequences(const QualifiedName& table, const std::string& column = "") const;
  // A unique index REFRESH MATERIALIZED VIEW CONCURRENTLY can use is known
  // on `rel`: unique, without WHERE, on plain columns only.
  bool has_plain_unique_index(const QualifiedName& rel) const;
  // Tables (not views or sequences) the model knows in `schema`.
  std::vector<QualifiedName> tables_in_schema(const std::string& schema) const;
  bool has_tables_in_schema(const std::string& schema) const {
    return tables_.any_of([&](const QualifiedName& q, const TableInfo&) { return q.schema == schema; });
  }
  // Volatility of a function created by the migrations (any overload).
  std::optional<Volatility> function_volatility(const QualifiedName& name) const;
  // A function the migrations created RETURNS trigger (or event_trigger): it
  // runs only from triggers, which refer to it by OID.
  bool is_trigger_function(const QualifiedName& name) const {
    const FunctionInfo* f = functions_.find(name);
    return f && f->trigger;
  }
  // The CHECK and FOREIGN KEY constraints known on `table`, by name.
  // Whether `trigger` on `table` is known not to exist: the table is known
  // and no statement created it, and no code the replay cannot see (a call
  // to a user function, EXECUTE of a computed string) could have.
  bool trigger_absent(const QualifiedName& table, const std::string& trigger) const {
    const TableInfo* t = this->table(table);
    return t && !unseen_code_ran_ && !t->triggers.count(trigger);
  }
  // What function `name` runs when called: null when the migrations did not
  // define it or its body could not be read.
  std::shared_ptr<const FunctionEffects> function_effects(const QualifiedName& name) const {
    const FunctionInfo* f = functions_.find(name);
    return f ? f->runs : nullptr;
  }
  // Records what a function's body runs (read by the replay after CREATE
  // FUNCTION); overloads of one name add up, a replaced definition replaces.
  void set_function_effects(const QualifiedName& name, FunctionEffects runs, bool replace);
  const TableConstraints& constraints(const QualifiedName& table) const {
    static const TableConstraints kNone;
    const TableConstraints* c = constraints_.find(table);
    return c ? *c : kNone;
  }

  // The whole model, read-only (compare_catalogs).
  const ShardedMap<TableInfo>& tables() const { return tables_; }
  const ShardedMap<IndexInfo>& indexes() const { return indexes_; }
  const ShardedMap<ViewInfo>& views() const { return views_; }
  const ShardedMap<SequenceInfo>& sequences() const { return sequences_; }
  const ShardedMap<EnumInfo>& enums() const { return enums_; }
  const ShardedMap<TableConstraints>& all_constraints() const { return constraints_; }
  // The indexes known on `table` (same schema): listed on it, or for a table
  // the model does not know, found by the table they belong to.
  std::vector<std::string> index_names(const QualifiedName& table) const;
  // Visits the indexes of `table` whose key columns are a prefix of
  // `columns` or start with them (equal ones included), in name order, until
  // `visit` returns true: the ones an index on `columns` may duplicate, found
  // without reading every index of the table.
  void visit_indexes_sharing_prefix(const QualifiedName& table, const std::vector<std::string>& columns,
                                    const std::function<bool(const std::string& name, const IndexInfo&)>& visit) const;
  // Tables with a foreign key that references `table`.
  std::vector<QualifiedName> tables_referencing(const QualifiedName& table) const;

  // The names of the objects written while a change log is attached, by kind
  // (a name may repeat): what SchemaChangeLog records after each statement.
  struct ChangedNames {
    std::vector<QualifiedName> tables, indexes, views, sequences, enums, constraints;
  };
  // From now on, appends to `changed` the name of every table, index, view,
  // sequence, enum and table's constraints written. `changed` must outlive
  // this catalog's writes; a copy of the catalog does not log.
  void log_changes_to(ChangedNames* changed) {
    tables_.log_changes_to(&changed->tables);
    indexes_.log_changes_to(&changed->indexes);
    views_.log_changes_to(&changed->views);
    sequences_.log_changes_to(&changed->sequences);
    enums_.log_changes_to(&changed->enums);
    constraints_.log_changes_to(&changed->constraints);
  }

  // Applies a statement's schema changes; `ctx` resolves unqualified names.
  void apply(const Statement& stmt, const Context& ctx);
  // A transaction block: the changes from begin_transaction on are undone by
  // end_transaction(false) (ROLLBACK), kept by end_transaction(true).
  void begin_transaction();
  void end_transaction(bool commit);

 private:
  bool relation_exists(const QualifiedName& name) const;
  // PostgreSQL's name for an object it names itself ("orders_total_idx",
  // "orders_pkey", "orders_id_seq"), including the number it adds on a clash.
  QualifiedName choose_name(const QualifiedName& table, const std::string& part, const std::string& label) const;
  void create_table(const Json& n, const Context& ctx);
  void add_column(const QualifiedName& table, TableInfo& t, const Json& column_def);
  void add_constraint_index(const QualifiedName& table, const Json& con, const std::vector<std::string>& default_columns);
  void alter_table(const Json& n, const Context& ctx);
  void create_index(const Json& n, const Context& ctx);
  void create_view(const QualifiedName& name, const Json& query, bool materialized, const Context& ctx);
  void drop(const Json& n, const Context& ctx);
  void drop_relation(const QualifiedName& name);
  void drop_table(const QualifiedName& name);
  void rename(const Json& n, const Context& ctx);
  void rename_index(const QualifiedName& name, const std::string& to);
  void rename_relation(const QualifiedName& name, const std::string& to);  // table, view or sequence
  // What the words of a statement the grammar rejects establish (parser/token_reading.h).
  void apply_unparsed(const TokenReading& r, const Context& ctx);
  void retype_columns(const QualifiedName& type, const std::string& to);
  void add_constraint(const QualifiedName& table, const Json& con, const std::string& column, const Context& ctx);
  void add_column_constraints(const QualifiedName& table, const Json& column_def, const Context& ctx);
  void drop_constraints_using(const QualifiedName& table, const std::string& column);
  void rename_constraint(const QualifiedName& table, const std::string& from, const std::string& to);
  void rename_constraint_column(const QualifiedName& table, const std::string& from, const std::string& to);
  void retarget_table(const QualifiedName& from, const QualifiedName& to, TableInfo t);
  void retarget_view(const QualifiedName& view, const QualifiedName& from, const QualifiedName& to);
  void retarget_constraints(const QualifiedName& from, const QualifiedName& to);
  void attach(const QualifiedName& parent, const QualifiedName& partition, bool is_default = false);
  // Ties a sequence to table.column (or to nothing), on both sides.
  void set_owner(const QualifiedName& sequence, std::optional<std::pair<QualifiedName, std::string>> owner);
  void detach(const QualifiedName& parent, const QualifiedName& partition);
  // Every change to indexes_ goes through these (or lists the index again
  // after changing its columns), which keep index_names_by_columns_ in step.
  void put_index(const QualifiedName& name, IndexInfo info);
  void erase_index(const QualifiedName& name);
  void move_index(const QualifiedName& from, const QualifiedName& to, const QualifiedName& table);

  ShardedMap<TableInfo> tables_;
  ShardedMap<IndexInfo> indexes_;
  // The name of every index in indexes_, under the relation it is on (known
  // to the model or not) and its key columns: the indexes of a relation the
  // model does not know, and those visit_indexes_sharing_prefix reads,
  // found without scanning all of them. A transaction's rollback restores it
  // with indexes_.
  ShardedMap<std::map<std::vector<std::string>, std::set<std::string>>> index_names_by_columns_;
  void list_index(const QualifiedName& name, const IndexInfo& info);
  void unlist_index(const QualifiedName& name, const IndexInfo& info);
  ShardedMap<ViewInfo> views_;
  ShardedMap<SequenceInfo> sequences_;
  ShardedMap<EnumInfo> enums_;
  ShardedMap<FunctionInfo> functions_;
  ShardedMap<TableConstraints> constraints_;  // by table
  // By referenced table: the tables that have, or once had, a foreign key to
  // it (a superset that only grows, rollbacks included), so that
  // tables_referencing reads these tables' constraints, not every table's.
  ShardedMap<std::set<QualifiedName>> key_sources_;
  void note_key_source(const QualifiedName& referenced, const QualifiedName& table);
  bool unseen_code_ran_ = false;  // a user function was called, or a procedure, or EXECUTE
};

}  // namespace migrasafe
