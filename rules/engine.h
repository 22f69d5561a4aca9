#pragma once
// Runs one migration file through parse -> replay (context + effects) ->
// rules, and returns everything the reporters need.
#include <memory>
#include <optional>
#include <vector>

#include "analysis/context.h"
#include "analysis/effects.h"
#include "parser/parse.h"
#include "rules/rule.h"
#include "rules/table_sizes.h"

namespace migrasafe {

struct LintOptions {
  AnalysisOptions analysis;
  std::vector<bool> enabled = default_enabled_rules();  // by RuleId
  // Re-levelled rules ([rules.severity] in .migrasafe.toml), by RuleId;
  // nullopt keeps the rule's default. ("off" is enabled = false.)
  std::vector<std::optional<Severity>> severity = std::vector<std::optional<Severity>>(all_rules().size());
  // hot_tables: a finding on a statement that locks one of these is raised
  // one level. "schema.table", or "table" for that name in any schema.
  std::vector<std::string> hot_tables;
  // Each rule's own options ([rules.<name>]), which the engine hands the rule.
  RuleOptionSet rule_options;
  // With a production snapshot (--snapshot): the sizes of the tables, and
  // what the files replayed so far did to them (shared by the set's files,
  // which the engine analyses one at a time, in migration order).
  std::shared_ptr<TableSizes> sizes;
  // Tests only: call every enabled statement rule on every statement, not
  // only on the kinds it declares (which must give the same findings).
  bool ignore_declared_kinds = false;
  // Which files free each statement's parse tree as the replay passes it,
  // instead of keeping them all until the file's rules have run: by default
  // those whose trees are large (rules/tree_release.h). Tests set the others,
  // which must give the same findings.
  enum class FreeTrees { LargeFiles, EveryFile, Never };
  FreeTrees free_trees = FreeTrees::LargeFiles;
  // Whether each statement's effects keep what no report reads (its actions,
  // target and calls: `plan`, editors, tests) after its rules, and its
  // function's definition, have read them. A run whose reports read none
  // (SessionConfig::keep_full_results false) frees them as the replay passes
  // each top-level statement, so that a large file does not hold them all at
  // the end of its replay, where its memory peaks. Kept with table sizes,
  // which read the targets when the file is finished.
  bool keep_effect_details = true;
};

// Frees what an Effects holds that no report reads (see keep_effect_details).
void drop_effect_details(Effects& effects);

// The rules whose statement hook handles statements of `kind`, in rule-table
// order: what the engine dispatches a statement to (a table built once).
const std::vector<RuleId>& rules_handling(StmtKind kind);

// How long a statement's locks are held: to the end of the statement
// (autocommit), or to the end of the transaction block it runs in.
struct LockHold {
  bool until_transaction_end = false;
  std::optional<std::uint32_t> transaction_end;  // offset of the COMMIT/ROLLBACK; none = end of file
  // With no transaction_end: the block is the implicit one PostgreSQL runs a
  // file sent as one query in (it ends with the file), not the runner's.
  bool implicit_block = false;
};

struct FileResult {
  ParsedFile parsed;
  std::vector<Effects> effects;  // one per parsed.statements entry
  std::vector<LockHold> holds;   // one per parsed.statements entry
  std::vector<Diagnostic> diagnostics;  // in file order
  std::string input_error;  // set when the file could not be read (nothing else is)
  std::string path;
  MigrationRole role;  // its place in the migration set (without the down script's text)
  // With a snapshot: per statement, the size of the table it works on and the
  // estimated duration of its heavy work ("" where none).
  std::vector<std::string> sizes;
  double seconds = 0;  // wall time spent parsing and analysing it (JUnit's per-file time)
};

// What a migration set's replay carries from one file to the next.
struct SetHistory {
  Catalog schema;  // as the files replayed so far left it
  // The migration step (MigrationRole::step) run as several scripts that the
  // last file belonged to, and the relations its scripts created so far:
  // the step's next script counts them as created in its migration.
  std::string step;
  std::vector<QualifiedName> step_created;
};

// Runs one parsed file through the replay and the rules.
// `undone`: what the up script a down script reverses did (nullptr otherwise).
// `history`: what the earlier migrations of the set left (nullptr: none);
// updated with this file's changes, except for down scripts, which undo
// rather than extend the history. An up script's reversal check replays
// its down script here (start_file: for a caller that analyses it).
// `schema_after`: set to the schema after the file (a down script's, for
// its up script's reversal check).
FileResult analyse_file(ParsedFile parsed, const MigrationRole& role, const LintOptions& options,
                        const UndoneMigration* undone = nullptr, SetHistory* history = nullptr,
                        Catalog* schema_after = nullptr);

// analyse_file in two parts, for a caller that analyses an up script's down
// script elsewhere (another thread) while the set's replay goes on: the
// first part replays the file; the second, when the down script's analysis
// is done, runs the file rules (the reversal check reads the schema after
// the down script) and makes the result. One-directional: the first part
// feeds the history, the second only reads what the first part left.
class FileAnalysis {
 public:
  FileAnalysis(FileAnalysis&&) noexcept;
  FileAnalysis& operator=(FileAnalysis&&) noexcept;
  ~FileAnalysis();
  // The schema after the file, and what an up script did: its down script's input.
  const Catalog& schema_after() const;
  const UndoneMigration& undone() const;
  // Hands the schema after the file (and its step) to the history it was
  // started with, now rather than when finish ends, so that the next file
  // can replay before this one is finished (a down script's, nothing).
  void extend_history();
  // The rest of analyse_file. `after_down`: the schema after the down
  // script, for a file started with `down_by_caller` (nullopt: the down
  // script could not be analysed, no reversal check).
  FileResult finish(std::optional<Catalog> after_down = std::nullopt) &&;

 private:
  struct State;
  explicit FileAnalysis(std::unique_ptr<State> state);
  friend FileAnalysis start_file(ParsedFile, const MigrationRole&, const LintOptions&, const UndoneMigration*,
                                 SetHistory*, bool);
  std::unique_ptr<State> state_;
};
// The first part; `role`, `options` and `history` must outlive finish.
// `down_by_caller`: the caller analyses the down script of `role` and hands
// finish the schema after it (otherwise the reversal check replays it).
FileAnalysis start_file(ParsedFile parsed, const MigrationRole& role, const LintOptions& options,
                        const UndoneMigration* undone, SetHistory* history, bool down_by_caller);

// The pass every finding of a file goes through, check's and verify's
// alike: drops the findings of rules `options` turns off, applies the file's
// ignore comments, then re-levels ([rules.severity], hot_tables).
// `from_verify`: the findings are verify's (verify-* rules); the ignore
// comments are judged for those rules only, and the file's invalid or unused
// ignores, which check reports, are not reported again. In check, an ignore
// that names only verify-* rules is left to verify.
void filter_findings(const FileResult& result, const LintOptions& options, bool from_verify,
                     std::vector<Diagnostic>& diagnostics);

// One result from two analyses of the same file that cover disjoint parts
// of it (dbmate's up and down sections, each analysed with the other blanked
// out): statements, effects, tokens and findings in file order.
FileResult merge_disjoint(FileResult a, FileResult b);

// parse_file + analyse_file, for one file on its own.
FileResult lint_source(std::shared_ptr<const SourceFile> source, const MigrationRole& role, const LintOptions& options,
                       std::shared_ptr<const SourceFile> undone_up = nullptr);

}  // namespace migrasafe
