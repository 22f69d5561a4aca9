#pragma once
// The state a statement runs in, replayed statement by statement through a
// migration: transaction state, session settings, search_path, and what the
// migration itself created (which nobody else can be using yet).
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/catalog.h"
#include "analysis/effects.h"
#include "analysis/names.h"
#include "parser/parse.h"

namespace migrasafe {

// The text of a constant (A_Const, or a cast of one) as SET would see it; nullopt for anything else.
std::optional<std::string> const_text(const Json& wrapped);

// The PostgreSQL major versions --pg-version accepts. Versions newer than
// the grammar (grammar_version()) are analysed with it; statements it
// rejects are then notes, read from their words (parser/token_reading.h).
inline constexpr int kMinPgVersion = 10;
inline constexpr int kMaxPgVersion = 19;

struct AnalysisOptions {
  int pg_version = 15;
  bool assume_in_transaction = false;
  // The tool sends the whole file as one multi-statement query (golang-migrate,
  // Prisma), which PostgreSQL runs as one implicit transaction unless the file
  // has its own BEGIN/COMMIT: a failure undoes every statement before it.
  bool single_query = false;
};

// What the up script a down script undoes created, made NOT NULL and renamed.
struct UndoneMigration {
  std::set<QualifiedName> relations;
  std::set<std::string> schemas;
  std::set<std::pair<QualifiedName, std::string>> columns, not_null;  // (table, column)
  std::set<std::string> renames;  // rename_key of the new names
};

class Context {
 public:
  // `history`: the schema as the migrations before this one left it.
  explicit Context(AnalysisOptions opts, Catalog history = {});

  const Catalog& catalog() const { return catalog_; }
  // The schema as the statements so far left it, moved out (a transaction
  // still open counts as committed): the next file's history.
  Catalog take_catalog();

  // Whether a ROLLBACK may come (has_rollback of the file): without one, no
  // transaction is undone, so the catalog keeps no undo journal, whose first
  // change to an object after BEGIN copies it.
  void expect_rollback(bool may_come);

  const AnalysisOptions& options() const { return opts_; }
  int pg_version() const { return opts_.pg_version; }

  bool in_transaction() const { return in_transaction_; }
  bool in_explicit_transaction() const { return explicit_block_; }
  // In the implicit transaction block PostgreSQL runs a multi-statement query
  // in (golang-migrate and Prisma send a file as one query), with no BEGIN yet.
  bool in_implicit_block() const { return implicit_block_ && in_transaction_ && !explicit_block_; }
  void begin_implicit_block();
  int transaction_id() const { return transaction_id_; }
  // Where the open transaction block began (its BEGIN), when it was explicit.
  std::optional<std::uint32_t> transaction_begin() const { return begin_offset_; }

  // A session setting's value as SET left it; nullopt = server default.
  std::optional<std::string> setting(const std::string& name) const;
  // A timeout in milliseconds when one is in effect (set and non-zero); a
  // server default is assumed to be off.
  std::optional<long> timeout_ms(const std::string& name) const;
  // Why `name` gives no timeout, for a message: "no lock_timeout is set",
  // "lock_timeout is set to 0 (off)", or set to a value PostgreSQL rejects.
  std::string no_timeout_reason(const std::string& name) const;

  // Resolve a possibly unqualified name against the search_path in effect.
  QualifiedName qualify(std::string_view schema, std::string_view name) const;
  QualifiedName qualify_range_var(const Json& range_var) const;
  // Names as libpg_query lists them: ["schema", "name"] or ["name"].
  QualifiedName qualify_names(const std::vector<std::string>& names) const;

  // Created earlier in this migration (file, or an earlier script of the
  // same multi-script step): nobody else can be using it.
  bool created_in_migration(const QualifiedName& rel) const;
  // Relations created in this migration, and ones an earlier script of its step created.
  std::vector<QualifiedName> created_relations() const;
  void count_as_created(const std::vector<QualifiedName>& relations);
  bool created_in_transaction(const QualifiedName& rel) const;
  // CREATE SCHEMA ran earlier in this migration.
  bool schema_created_in_migration(const std::string& schema) const { return schemas_created_.count(schema) > 0; }
  // Created by CREATE TABLE IF NOT EXISTS of a table the history did not
  // know: new, unless the file shows it expects an older one (ADD COLUMN IF
  // NOT EXISTS on it, which from then on makes it count as existing).
  bool created_if_not_exists(const QualifiedName& rel) const { return created_if_not_exists_.count(rel) > 0; }

  // A validated CHECK (column IS NOT NULL) exists on table.column.
  bool has_valid_not_null_check(const QualifiedName& table, const std::string& column) const;
  // SET NOT NULL ran on table.column earlier in the migrations (kept for
  // tables whose columns the catalog does not know).
  bool set_not_null_earlier(const QualifiedName& table, const std::string& column) const {
    return set_not_null_.count({table, column}) > 0;
  }
  // Any validated CHECK constraint is known on the table.
  bool has_valid_check(const QualifiedName& table) const;

  // Table an index belongs to, when the history defines that index.
  std::optional<QualifiedName> table_of_index(const QualifiedName& index) const;

  // Foreign keys seen so far: the tables `table` references, and the table a
  // named foreign-key constraint of `table` references.
  std::vector<QualifiedName> referenced_tables(const QualifiedName& table) const;
  std::optional<QualifiedName> foreign_key_target(const QualifiedName& table, const std::string& constraint) const;

  // A down script undoes its up script: the tables and columns the up script
  // created are expected to go, so dropping them is not a data-loss finding.
  // What the up script did is read as the up script's own analysis replays
  // it (analysis/undone.h), or from a replay of its parse alone (undone_by)
  // on an empty schema, before its analysis frees its trees.
  static UndoneMigration undone_by(const ParsedFile& up, const AnalysisOptions& options);
  void set_undone_migration(UndoneMigration undone) { undone_ = std::move(undone); }
  bool created_by_undone_migration(const QualifiedName& rel) const { return undone_.relations.count(rel) > 0; }
  bool schema_created_by_undone_migration(const std::string& schema) const { return undone_.schemas.count(schema) > 0; }
  bool column_created_by_undone_migration(const QualifiedName& table, const std::string& column) const {
    return undone_.columns.count({table, column}) > 0;
  }
  // ... and the columns it made NOT NULL, and the objects it renamed (by
  // rename_key of their new name): setting them back is expected too.
  bool not_null_set_by_undone_migration(const QualifiedName& table, const std::string& column) const {
    return undone_.not_null.count({table, column}) > 0;
  }
  bool renamed_by_undone_migration(const std::string& key) const { return undone_.renames.count(key) > 0; }
  // What a RenameStmt or ALTER TYPE ... RENAME VALUE renames, as "OBJECT_VIEW:app.v" or
  // "VALUE:public.mood:happy", under its old name or (`new_name`) its new one; "" when unnamed.
  std::string rename_key(const Statement& stmt, bool new_name) const;

  // The lock ledger: locks the open transaction holds (to its end), the
  // statement that first took an ACCESS EXCLUSIVE lock in it, and how many
  // statements have run since.
  std::optional<LockMode> held_lock(const QualifiedName& rel) const;
  const std::map<QualifiedName, LockMode>& held_locks() const { return held_; }
  std::optional<std::uint32_t> exclusive_lock_since() const { return exclusive_since_; }
  int statements_since_exclusive_lock() const { return after_exclusive_; }

  // Constraints added NOT VALID in the open transaction ("schema.table.name").
  bool added_not_valid_in_transaction(const QualifiedName& table, const std::string& constraint) const {
    return not_valid_in_tx_.count(table.str() + "." + constraint) > 0;
  }

  // Enum values added by ALTER TYPE ... ADD VALUE in the open transaction:
  // value -> the enum type.
  const std::map<std::string, QualifiedName>& enum_values_added_in_transaction() const { return enum_values_in_tx_; }

  // The statement just before this one in the file, as far as rules about
  // consecutive statements need it.
  struct PreviousStatement {
    std::string_view kind;  // a Statement's kind: static text
    std::optional<QualifiedName> target;
    std::optional<LockMode> target_lock;  // the lock it took on its target
    Tri rewrite = Tri::No;
    Tri scan = Tri::No;
    std::uint32_t begin = 0;
  };
  const std::optional<PreviousStatement>& previous() const { return previous_; }

  // Rows of `table` changed in bulk (UPDATE, DELETE, MERGE, INSERT ... SELECT)
  // in the open transaction: the first such statement's offset.
  std::optional<std::uint32_t> backfilled_in_transaction(const QualifiedName& table) const {
    auto it = backfilled_.find(table);
    if (it == backfilled_.end()) return std::nullopt;
    return it->second;
  }

  // Rows of `table` read into another table earlier in this migration
  // (INSERT INTO other SELECT ... FROM table, CREATE TABLE other AS SELECT,
  // SELECT ... INTO other): that table and the copying statement's offset.
  struct RowsCopied {
    QualifiedName into;
    std::uint32_t at;
  };
  std::optional<RowsCopied> rows_copied_from(const QualifiedName& table) const {
    auto it = copied_from_.find(table);
    if (it == copied_from_.end()) return std::nullopt;
    return it->second;
  }
  // Emptied by TRUNCATE or DELETE without WHERE in the open transaction, with
  // no INSERT, COPY or MERGE into it since.
  bool emptied_in_transaction(const QualifiedName& table) const { return emptied_.count(table) > 0; }

  // Update the state with a statement that has been analysed.
  void apply(const Statement& stmt, const Effects& effects);
  // After CREATE FUNCTION `create` and its body were analysed: what calling
  // the function runs (function_effects), for the statements that call it
  // or fire a trigger that does.
  void define_function(const Statement& create, FunctionEffects runs);

  // A DO block runs as one statement: its statements run in the open
  // transaction block, or else in a transaction of their own that ends with
  // the block. end_do_block returns whether it ended that transaction.
  void begin_do_block(std::uint32_t at);
  bool end_do_block();
  // Where the DO block whose own transaction is open began.
  std::optional<std::uint32_t> do_block() const { return do_block_; }

  // The state a function or procedure body's statements are checked in: they
  // run when it is called, later, inside the caller's transaction, so nothing
  // counts as created by this migration, no lock is held yet and only
  // search_path of the session settings is kept. The migration's own state is
  // left alone: a body changes nothing when the function is created.
  Context for_function_body() const;
  bool in_function_body() const { return function_body_; }

 private:
  void remember(const Statement& stmt, const Effects& effects);
  void track_emptied(const Statement& stmt, const Effects& effects);
  void begin_transaction(bool explicit_block);
  void end_transaction(bool commit);
  void apply_set(const Json& node);
  void reset_settings();  // RESET ALL, DISCARD ALL
  void apply_set_config(const Json& node);
  void set(const std::string& name, std::optional<std::string> value, bool local);
  void apply_create_table(const Json& node, bool existed);
  void apply_alter_table(const Json& node);
  void apply_drop(const Json& node);
  void apply_rename(const Json& node);
  void move_created(const QualifiedName& from, const std::string& to);
  void apply_unparsed(const TokenReading& reading, std::uint32_t at);
  void record_copy(const QualifiedName& into, const Json& query, std::uint32_t at);

  AnalysisOptions opts_;
  bool in_transaction_ = false;
  bool explicit_block_ = false;
  bool implicit_block_ = false;  // the file is one multi-statement query
  std::optional<std::uint32_t> begin_offset_;
  int transaction_id_ = 0;
  // SET is transactional: ROLLBACK restores session values from the snapshot
  // taken at BEGIN, and SET LOCAL values end with the transaction.
  using Settings = std::map<std::string, std::string>;
  Settings session_;
  Settings local_;
  Settings session_at_begin_;
  Catalog catalog_;  // its undo journal puts back the schema on ROLLBACK
  bool rollback_may_come_ = true;  // see expect_rollback
  std::unordered_map<QualifiedName, int, QualifiedNameHash> created_;  // relation -> transaction id it was created in
  std::set<std::string> schemas_created_;
  std::map<QualifiedName, RowsCopied> copied_from_;
  std::set<QualifiedName> temporary_;  // CREATE TEMP TABLE in this migration
  std::map<QualifiedName, LockMode> held_;
  std::optional<std::uint32_t> exclusive_since_;
  int after_exclusive_ = 0;
  std::set<std::string> not_valid_in_tx_;
  std::map<std::string, QualifiedName> enum_values_in_tx_;
  std::optional<std::uint32_t> do_block_;
  bool function_body_ = false;
  std::optional<PreviousStatement> previous_;
  std::map<QualifiedName, std::uint32_t> backfilled_;
  std::set<QualifiedName> emptied_;
  std::set<QualifiedName> created_if_not_exists_;
  std::set<std::pair<QualifiedName, std::string>> set_not_null_;
  UndoneMigration undone_;
};

// The file has a ROLLBACK statement (in a function or DO body too).
bool has_rollback(const ParsedFile& file);

// UPDATE, DELETE, MERGE or INSERT ... SELECT: a statement that changes rows
// in bulk (a backfill), as opposed to INSERT ... VALUES.
bool is_bulk_dml(const Statement& stmt);

// Parses a PostgreSQL time setting ("1s", "500ms", "2min", 1000) into ms.
// Nothing for what PostgreSQL rejects as not a number ("inf", "nan") or as
// beyond an int of milliseconds ("1e300s"); a negative value is returned for
// the caller to reject.
std::optional<long> parse_duration_ms(const std::string& value, bool bare_number_is_ms = true);

}  // namespace migrasafe
