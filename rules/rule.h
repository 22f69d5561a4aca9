#pragma once
// What a rule sees and how it reports. A rule is a RuleHooks value in its
// own rules/<name>.cpp: a per-statement check, a whole-file check, or both.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "analysis/context.h"
#include "analysis/effects.h"
#include "parser/parse.h"
#include "rules/registry.h"
#include "rules/rule_options.h"
#include "sources/role.h"

namespace migrasafe {

// A mechanical fix: byte-range replacements in the file, applied together
// (`check --fix`, SARIF `fixes`, JSON `fix`). Edits do not overlap.
struct TextEdit {
  std::uint32_t begin;
  std::uint32_t end;
  std::string replacement;
};
struct Fix {
  std::string description;  // "Add CONCURRENTLY"
  std::vector<TextEdit> edits;
};

struct Diagnostic {
  RuleId rule;
  Severity severity;
  std::uint32_t begin;  // byte span in the file
  std::uint32_t end;
  std::string message;  // names the object, the lock and the consequence
  std::string help;     // the safe way to do it
  OutOfLine<Fix> fix = std::nullopt;  // few findings have one: out of line
};
// A big file's findings are kept until the report: a fix out of line saves 56 bytes of each.
static_assert(sizeof(Diagnostic) <= 88);

// Built once per file, before the replay, so that "is this object dropped
// later in the same transaction" or "did this file add that column" costs a
// lookup, not a scan of the file per statement (quadratic on a big file), and
// so that rules read what they need of other statements here rather than in
// their trees, which the replay frees as it goes (rules/tree_release.h).
struct StatementIndex {
  // For each top-level statement: the index of the next COMMIT, ROLLBACK,
  // PREPARE or ROLLBACK TO, or the number of statements.
  std::vector<std::size_t> transaction_end;
  // DROP, RENAME, DELETE and TRUNCATE statements (top level) by the
  // unqualified names they drop, rename or delete from; DROP SCHEMA ...
  // CASCADE by schema name. In file order.
  std::map<std::string, std::vector<std::size_t>> by_relation_name, schema_drops;
  // ALTER TABLE ... ADD COLUMN statements by (unqualified table name, column), in file order.
  struct ColumnAdd {
    std::size_t statement;
    std::vector<std::string> table;  // as written ([schema,] name): qualified with the reader's search_path
    bool if_not_exists;
    bool from_words;  // a statement in newer syntax (TokenReading): counts only when the target is newer
  };
  std::map<std::pair<std::string, std::string>, std::vector<ColumnAdd>> column_adds;
  // Each UPDATE (top level or in a body), by statement: its table as
  // written and, per SET target, the columns its value reads (the last name
  // of each column reference, subqueries included).
  struct Update {
    std::vector<std::string> table;
    std::vector<std::pair<std::string, std::set<std::string>>> assigned;
  };
  std::unordered_map<std::size_t, Update> updates;
  // The relation each CREATE TABLE, CREATE SEQUENCE, CREATE VIEW and CREATE
  // TABLE AS makes, as written, by statement.
  std::unordered_map<std::size_t, std::vector<std::string>> creates;
  // Per statement: is_bulk_dml (analysis/context.h).
  std::vector<bool> bulk_dml;
};

namespace rules {
struct StatementFacts;  // rules/column_types.h
}

struct StatementView {
  const ParsedFile& file;
  const Statement& stmt;
  const Effects& effects;
  const Context& ctx;  // the state *before* the statement runs
  const StatementIndex& index;  // the file's, built once by the engine
  const RuleOptionValues& options;  // the called rule's [rules.<name>] values
  rules::StatementFacts& facts;     // shared by the statement's rules, computed once

  // The statement's place in file.statements (file.statements.size() or more
  // when a test gives a statement from elsewhere: callers check).
  std::size_t position() const { return static_cast<std::size_t>(&stmt - file.statements.data()); }
};

class SchemaChangeLog;  // analysis/catalog_diff.h

// What an up script did to the schema, for the reversal check: the schema
// before it and what each of its statements changed, the schema after it,
// and the schema after it and its down script.
struct SchemaReplay {
  const SchemaChangeLog& changes;
  const Catalog& after;
  // Null when unknown (the down script has a syntax error) or not needed
  // (it is empty or marked irreversible).
  const Catalog* after_down;
};

struct FileView {
  const ParsedFile& file;
  const MigrationRole& role;
  const RuleOptionValues& options;  // the called rule's [rules.<name>] values
  const std::vector<Effects>* effects = nullptr;  // one per file.statements entry
  const SchemaReplay* replay = nullptr;           // up scripts with a down script, when a rule needs it
  // role.down_text lexed once for the reversal rules (is_empty_script): it has
  // no statements; one of its comments marks the migration irreversible.
  bool down_empty = false;
  bool down_marked_irreversible = false;
};

class Report {
 public:
  // Returns the new diagnostic so a rule can attach a fix to it.
  Diagnostic& add(RuleId id, std::uint32_t begin, std::uint32_t end, std::string message, std::string help) {
    diagnostics_.push_back({id, rule_info(id).severity, begin, end, std::move(message), std::move(help), std::nullopt});
    auto& last = last_begin_[static_cast<std::size_t>(id)];
    if (!last || begin > *last) last = begin;
    return diagnostics_.back();
  }
  bool reported(RuleId id) const { return last_begin_[static_cast<std::size_t>(id)].has_value(); }
  // Whether rule `id` reported at or after byte offset `from`.
  bool reported_since(RuleId id, std::uint32_t from) const {
    const auto& last = last_begin_[static_cast<std::size_t>(id)];
    return last && *last >= from;
  }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

  // Working state a rule builds once per file (an index of the file's
  // statements, say), so its per-statement check does not rescan the file:
  // a default-constructed T on the first call, the same object after.
  template <class T>
  T& file_state(RuleId id) {
    auto& slot = state_[static_cast<std::size_t>(id)];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

 private:
  std::vector<Diagnostic> diagnostics_;
  // Constant-time answers for rules that report once per file or transaction.
  std::vector<std::optional<std::uint32_t>> last_begin_ = std::vector<std::optional<std::uint32_t>>(all_rules().size());
  std::vector<std::shared_ptr<void>> state_ = std::vector<std::shared_ptr<void>>(all_rules().size());
};

// The statement kinds a rule's statement hook handles: the engine calls the
// hook only for statements of these kinds (a table per kind, built once).
class StatementKinds {
 public:
  constexpr StatementKinds() = default;
  constexpr StatementKinds(std::initializer_list<StmtKind> kinds) {
    for (StmtKind k : kinds) words_[index(k) / 64] |= std::uint64_t{1} << (index(k) % 64);
  }
  static constexpr StatementKinds every() {
    StatementKinds all;
    for (std::uint64_t& w : all.words_) w = ~std::uint64_t{0};
    return all;
  }
  constexpr bool contains(StmtKind k) const { return (words_[index(k) / 64] >> (index(k) % 64)) & 1; }

 private:
  static constexpr std::size_t index(StmtKind k) { return static_cast<std::size_t>(k); }
  static_assert(kStmtKindCount <= 128);
  std::uint64_t words_[2] = {0, 0};
};
// For a rule that looks at every statement (transaction state, settings, any query).
inline constexpr StatementKinds every_statement = StatementKinds::every();

struct RuleHooks {
  void (*statement)(const StatementView&, Report&) = nullptr;
  void (*file)(const FileView&, Report&) = nullptr;
  StatementKinds statement_kinds = {};  // what `statement` is called for
  std::span<const RuleOption> options = {};  // the keys its [rules.<name>] table takes
  // Not called for statements in a function body (they run later, under the
  // caller's session settings, not the migration's).
  bool skips_function_bodies = false;
  // `file` reads FileView::replay (what each statement of an up script with a
  // down script changed in the schema), which the engine records only for
  // such rules.
  bool needs_schema_replay = false;
  // Called once per file before the replay, while every statement's tree is
  // there: a rule that reads other statements (later ones, or from its file
  // hook) keeps what it needs of them in its Report::file_state, because the
  // replay frees each statement's tree once it has passed it (rules/tree_release.h).
  void (*summarise)(const ParsedFile&, const MigrationRole&, Report&) = nullptr;
};

#define RULE(id, ...) extern const RuleHooks hooks_##id;
#include "rules/rules.def"
#undef RULE

}  // namespace migrasafe
