#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
// What a statement does to a live database: the one place lock levels,
// rewrites, scans and transaction restrictions are decided. Rules, the JSON
// output and (later) the verifier all read these effects.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/names.h"
#include "parser/parse.h"

namespace migrasafe {

class Context;

// PostgreSQL's table lock modes, weakest to strongest.
enum class LockMode {
  AccessShare = 1,
  RowShare,
  RowExclusive,
  ShareUpdateExclusive,
  Share,
  ShareRowExclusive,
  Exclusive,
  AccessExclusive,
};

std::string_view pg_lock_name(LockMode m);  // as pg_locks shows it: "AccessExclusiveLock"
std::string_view sql_lock_name(LockMode m);  // as the docs write it: "ACCESS EXCLUSIVE"
std::string_view lock_blocks(LockMode m);    // what ordinary traffic it blocks, for messages
inline bool blocks_writes(LockMode m) { return m >= LockMode::Share; }
inline bool blocks_reads(LockMode m) { return m == LockMode::AccessExclusive; }

enum class Tri { No, Yes, Unknown };
std::string_view tri_name(Tri t);  // "no" | "yes" | "unknown"

// Why a statement locks a relation besides the one it names.
enum class LockRole {
  Named,             // the statement names it (or its index, trigger, ...)
  ReferencedByKey,   // the other end of a foreign key
  Partition,         // a partition of a partitioned table the statement works on
  PartitionParent,   // the partitioned table of a partition being added or dropped
  OwnedSequence,     // a sequence that belongs to a dropped table or column
  IndexTable,        // the table of an index the statement works on
  TableIndex,        // an index of a table the statement works on (REINDEX TABLE)
  Read,              // a relation the statement reads (a view's or CREATE TABLE AS's query, LIKE)
  Sequence,          // a sequence nextval/setval advances (a serial default, a call)
  ReferencingKey,    // a table with a foreign key to the one the statement works on
  Dependent,         // a view over the relation, dropped with it (CASCADE)
  Trigger,           // locked by the function of a trigger the statement fires
  Called,            // locked by the body of a user function the statement calls
};
std::string_view lock_role_name(LockRole r);  // "named", "foreign key", ...

struct RelationLock {
  QualifiedName relation;
  LockMode mode;
  LockRole role = LockRole::Named;
};

// The effect of one ALTER TABLE sub-command (or of the whole statement).
struct ActionEffect {
  int command = -1;  // index into AlterTableStmt.cmds; -1 for the statement itself
  LockMode mode = LockMode::AccessShare;
  Tri rewrite = Tri::No;
  Tri scan = Tri::No;
  std::string reason;  // why it rewrites or scans, for messages
  bool rebuilds_indexes = false;  // no rewrite, but the column's indexes are rebuilt (operator class changes)
};

// Every kind of consequence effects can attach to a statement, written once:
// X(kind, name). Data loss first, then compatibility breaks. Which rule
// reports each kind (or that none does: advisory) is rules/consequences.cpp's table.
#define MIGRASAFE_CONSEQUENCE_KINDS(X)                                                      \
  X(DatabaseDeleted, "database-deleted")            /* DROP DATABASE */                     \
  X(SchemaDeleted, "schema-deleted")                /* DROP SCHEMA ... CASCADE */           \
  X(TableDeleted, "table-deleted")                  /* DROP TABLE */                        \
  X(ForeignTableDropped, "foreign-table-dropped")   /* DROP FOREIGN TABLE */                \
  X(SequenceValueLost, "sequence-value-lost")       /* DROP SEQUENCE */                     \
  X(TypeColumnsDeleted, "type-columns-deleted")     /* DROP TYPE/DOMAIN ... CASCADE */      \
  X(ColumnDeleted, "column-deleted")                /* DROP COLUMN */                       \
  X(ColumnValuesNarrowed, "column-values-narrowed") /* ALTER COLUMN TYPE that loses data */ \
  X(RowsTruncated, "rows-truncated")                /* TRUNCATE */                          \
  X(AllRowsDeleted, "all-rows-deleted")             /* DELETE without WHERE */              \
  X(ColumnOverwritten, "column-overwritten")        /* UPDATE without WHERE */              \
  X(RequiredColumnAdded, "required-column-added")   /* ADD COLUMN NOT NULL, no default */   \
  X(DroppedColumnUsed, "dropped-column-used")       /* DROP COLUMN */                       \
  X(DefaultDropped, "default-dropped")              /* DROP DEFAULT, SET DEFAULT NULL */    \
  X(NullsRejected, "nulls-rejected")                /* SET NOT NULL */                      \
  X(NullsAllowed, "nulls-allowed")                  /* DROP NOT NULL */                     \
  X(ColumnRetyped, "column-retyped")                /* ALTER COLUMN TYPE */                 \
  X(DroppedTableUsed, "dropped-table-used")         /* DROP TABLE */                        \
  X(DroppedRelationUsed, "dropped-relation-used")   /* DROP VIEW, SEQUENCE, FOREIGN TABLE */ \
  X(DependentViewBroken, "dependent-view-broken")   /* drop or retype what a view reads */  \
  X(DroppedSchemaUsed, "dropped-schema-used")       /* DROP SCHEMA */                       \
  X(DroppedTypeUsed, "dropped-type-used")           /* DROP TYPE, DROP DOMAIN */            \
  X(DroppedFunctionCalled, "dropped-function-called") /* DROP FUNCTION, PROCEDURE */        \
  X(ColumnRenamed, "column-renamed")                /* RENAME COLUMN */                     \
  X(TableRenamed, "table-renamed")                  /* ALTER TABLE ... RENAME TO */         \
  X(RelationRenamed, "relation-renamed")            /* ALTER VIEW/SEQUENCE ... RENAME TO */ \
  X(ObjectRenamed, "object-renamed")                /* schema, type, domain, function */    \
  X(EnumValueRenamed, "enum-value-renamed")         /* ALTER TYPE ... RENAME VALUE */

enum class ConsequenceKind {
#define MIGRASAFE_CONSEQUENCE_ENUM(kind, name) kind,
  MIGRASAFE_CONSEQUENCE_KINDS(MIGRASAFE_CONSEQUENCE_ENUM)
#undef MIGRASAFE_CONSEQUENCE_ENUM
};
#define MIGRASAFE_CONSEQUENCE_COUNT(kind, name) +1
inline constexpr std::size_t kConsequenceKindCount = 0 MIGRASAFE_CONSEQUENCE_KINDS(MIGRASAFE_CONSEQUENCE_COUNT);
#undef MIGRASAFE_CONSEQUENCE_COUNT
std::string_view consequence_kind_name(ConsequenceKind k);  // "column-deleted"

// A consequence beyond locks, attached to the ALTER TABLE sub-command (or
// the statement, command -1) that causes it.
struct Consequence {
  ConsequenceKind kind;
  int command = -1;
  QualifiedName object;
  std::string column;  // empty: the whole object
  std::string what;    // "deletes every row of public.orders", for explain and messages
  long location = -1;  // of the node that causes it (the DELETE of a WITH clause), when it matters for the span
  OutOfLine<QualifiedName> view = std::nullopt;  // dependent-view-broken: the view that reads object(.column)
};
// A statement's consequences are kept until the report: the one kind's view out of line saves 64 bytes of each.
static_assert(sizeof(Consequence) <= 152);

// Text most statements leave empty, kept out of line: a big file holds an
// Effects per statement, and an empty std::string takes 32 bytes, this 8.
class RareText {
 public:
  bool empty() const { return !text_.get(); }
  const std::string& str() const { return text_.get() ? *text_.get() : kEmpty; }
  RareText& operator=(std::string text) {
    if (text.empty()) text_.reset();
    else text_.get_or_make() = std::move(text);
    return *this;
  }
  bool operator==(std::string_view other) const { return str() == other; }

 private:
  static inline const std::string kEmpty;
  OutOfLine<std::string> text_;
};

// A list most statements leave empty (their consequences, the functions a
// body calls), kept out of line for the same reason: 8 bytes when empty, a
// vector's 24 otherwise. Read like a vector; clear() frees it.
template <class T>
class RareList {
 public:
  bool empty() const { return !items_; }
  std::size_t size() const { return items_ ? items_->size() : 0; }
  const T* begin() const { return items_ ? items_->data() : nullptr; }
  const T* end() const { return begin() + size(); }
  T* begin() { return items_ ? items_->data() : nullptr; }
  T* end() { return begin() + size(); }
  const T& operator[](std::size_t i) const { return (*items_)[i]; }
  operator std::span<const T>() const { return {begin(), size()}; }
  void push_back(T item) { items_.get_or_make().push_back(std::move(item)); }
  void clear() { items_.reset(); }

 private:
  OutOfLine<std::vector<T>> items_;
};

struct Effects {
  std::optional<QualifiedName> target;  // the relation the statement is about
  std::vector<RelationLock> locks;      // strongest mode per relation, target first
  // Non-empty when the statement may lock relations the analysis cannot name
  // (a call to a user function, CLUSTER without a table, EXECUTE, ...): why.
  // `locks` then holds only what is certain; readers must not take it as all.
  RareText locks_unknown;
  Tri rewrite = Tri::No;                // table (and its indexes) rewritten
  Tri scan = Tri::No;                   // whole table read while the lock is held
  bool transaction_allowed = true;
  RareText forbidden_in_transaction;  // what cannot run in a transaction block
  std::vector<ActionEffect> actions;
  RareList<Consequence> data_loss;      // data the statement destroys for good
  RareList<Consequence> compat_breaks;  // what breaks for application code of the previous release
  // In a function body: the user functions it calls. What they run is read
  // when the function is called (function_effects), not when it is defined.
  RareList<QualifiedName> calls;

  std::optional<LockMode> lock_on(const QualifiedName& rel) const;
  // The consequences of one kind, data loss and breaks alike, in order.
  std::vector<const Consequence*> of_kind(ConsequenceKind kind) const;
  std::optional<LockMode> strongest_lock() const;
};
// A big file holds one per statement: keep rare parts out of line (RareText, RareList).
static_assert(sizeof(Effects) <= 176);

Effects compute_effects(const Statement& stmt, const Context& ctx);

// What calling a function runs, as far as its body shows: the locks its
// statements and expressions take (each at most; a branch may not run), and
// why that may not be all, as a verb phrase ("" when it is).
struct FunctionEffects {
  std::vector<std::pair<QualifiedName, LockMode>> locks;
  std::string unknown;
  std::vector<QualifiedName> calls;  // user functions it calls: their effects join at the call

  // One entry per relation, with the strongest mode; each callee once.
  void add_lock(const QualifiedName& relation, LockMode mode) {
    auto same = std::find_if(locks.begin(), locks.end(), [&](const auto& l) { return l.first == relation; });
    if (same == locks.end()) locks.emplace_back(relation, mode);
    else same->second = std::max(same->second, mode);
  }
  void add_call(const QualifiedName& callee) {
    if (std::find(calls.begin(), calls.end(), callee) == calls.end()) calls.push_back(callee);
  }
};

// The effects of the function CREATE FUNCTION `create` defines, from the
// effects of its body's statements (`body`, computed in the body's context)
// and its PL/pgSQL expressions, read in `ctx`. The user functions the body
// calls are kept by name and followed when it is called (to a bounded depth).
FunctionEffects function_effects(const Statement& create, const std::vector<const Effects*>& body, const Context& ctx);

// The key columns of ADD PRIMARY KEY (its column list, or the columns of its
// USING INDEX index) that PostgreSQL must first make NOT NULL, which scans the
// table. A column counts as NOT NULL when the catalog says so or an earlier
// SET NOT NULL of the same ALTER TABLE (`alter_table`) or earlier in the
// migrations makes it so, or (PostgreSQL 12+) a validated CHECK (col IS NOT
// NULL) proves it.
// `unknown` is set when the columns or their nullability are not known.
struct NullableKey {
  std::vector<std::string> columns;  // known to be nullable
  bool unknown = false;              // some column's nullability is not known
};
NullableKey primary_key_nullable_columns(const Json& con, const QualifiedName& table, const Json& alter_table,
                                         const Context& ctx);

// Validated CHECK constraints of `table` that read `column`: ALTER COLUMN
// TYPE re-checks them with a full scan even when the table is not rewritten.
std::vector<std::string> checks_using_column(const QualifiedName& table, const std::string& column, const Context& ctx);

}  // namespace migrasafe
