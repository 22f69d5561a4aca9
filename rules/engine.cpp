#include "rules/engine.h"

#include "analysis/catalog_diff.h"
#include "analysis/undone.h"

#include "rules/column_types.h"
#include "rules/helpers.h"
#include "rules/registry.h"
#include "rules/suppressions.h"
#include "rules/tree_release.h"

#include "parser/ast.h"
#include "parser/dump.h"
#include "parser/large_stacks.h"
#include "parser/timings.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>

namespace migrasafe {
namespace {

const RuleHooks& hooks(RuleId id) {
  static const RuleHooks* table[] = {
#define RULE(id, ...) &hooks_##id,
#include "rules/rules.def"
#undef RULE
  };
  return *table[static_cast<std::size_t>(id)];
}

}  // namespace

std::span<const RuleOption> declared_options(RuleId id) { return hooks(id).options; }

namespace {

// Per statement kind, the rules that handle it; and every statement rule.
struct DispatchTable {
  std::vector<RuleId> by_kind[kStmtKindCount];
  std::vector<RuleId> all;
};

const DispatchTable& dispatch_table() {
  static const DispatchTable table = [] {
    DispatchTable t;
    for (const RuleInfo& r : all_rules()) {
      const RuleHooks& h = hooks(r.id);
      if (!h.statement) continue;
      t.all.push_back(r.id);
      for (std::size_t k = 0; k < kStmtKindCount; ++k)
        if (h.statement_kinds.contains(static_cast<StmtKind>(k))) t.by_kind[k].push_back(r.id);
    }
    return t;
  }();
  return table;
}

// A statement rule as the replay calls it. Its options are looked up only
// when it declares some: the configuration sets no others.
struct BoundRule {
  void (*statement)(const StatementView&, Report&);
  RuleId id;
  bool has_options;
  bool skips_function_bodies;
};

// Which rules run on a file and how the replay calls them, in one
// configuration: the rules enabled, whether the file is a schema dump (none
// run) or a down script (schema-design notes do not), and whether statement
// rules are called for every kind rather than the ones they declare.
struct RulePlan {
  std::vector<bool> enabled;
  bool snapshot, restores_old_schema, ignore_declared_kinds;
  std::vector<BoundRule> by_kind[kStmtKindCount];  // the statement rules, per statement kind
  std::vector<RuleId> file_rules;
  std::vector<RuleId> summarisers;   // rules that run and summarise the file first
  bool needs_schema_replay = false;  // a file rule reads FileView::replay
};

// A configuration's plan, made on its first file: a thread keeps the last few
// it met (an up script's, a down script's, a schema dump's), so that a file
// compares its configuration instead of testing each rule (1,644 files on the
// corpus), and a statement calls its kind's rules without testing each for
// being on (half a million calls on the 4 MB file).
std::shared_ptr<const RulePlan> rule_plan(const std::vector<bool>& enabled, bool snapshot, bool restores_old_schema,
                                          bool ignore_declared_kinds) {
  constexpr std::size_t kKept = 4;
  thread_local std::vector<std::shared_ptr<const RulePlan>> kept;
  for (const auto& p : kept)
    if (p->snapshot == snapshot && p->restores_old_schema == restores_old_schema &&
        p->ignore_declared_kinds == ignore_declared_kinds && p->enabled == enabled)
      return p;
  auto plan = std::make_shared<RulePlan>();
  plan->enabled = enabled;
  plan->snapshot = snapshot;
  plan->restores_old_schema = restores_old_schema;
  plan->ignore_declared_kinds = ignore_declared_kinds;
  std::vector<char> statement_rule_on(all_rules().size(), 0);
  for (const RuleInfo& r : all_rules()) {
    if (snapshot || !enabled[static_cast<std::size_t>(r.id)]) continue;
    if (restores_old_schema && r.category == Category::SchemaDesign && r.severity == Severity::Note) continue;
    const RuleHooks& h = hooks(r.id);
    if (h.statement) statement_rule_on[static_cast<std::size_t>(r.id)] = 1;
    if (h.file) {
      plan->file_rules.push_back(r.id);
      plan->needs_schema_replay |= h.needs_schema_replay;
    }
    if (h.summarise && (h.statement || h.file)) plan->summarisers.push_back(r.id);
  }
  const DispatchTable& table = dispatch_table();
  for (std::size_t k = 0; k < kStmtKindCount; ++k)
    for (RuleId id : ignore_declared_kinds ? table.all : table.by_kind[k]) {
      if (!statement_rule_on[static_cast<std::size_t>(id)]) continue;
      const RuleHooks& h = hooks(id);
      plan->by_kind[k].push_back({h.statement, id, !h.options.empty(), h.skips_function_bodies});
    }
  if (kept.size() == kKept) kept.erase(kept.begin());
  kept.push_back(plan);
  return plan;
}

const RuleOptionValues kNoOptions;

RuleId problem_rule(ProblemKind k) {
  return k == ProblemKind::SyntaxError ? RuleId::syntax_error : RuleId::skipped_content;
}

std::string problem_help(ProblemKind k) {
  switch (k) {
    case ProblemKind::SyntaxError:
      return "Fix the SQL so PostgreSQL can parse it; the other statements of the file were still analysed.";
    case ProblemKind::MetaCommand:
      return "psql runs meta-commands itself; migration tools do not. Keep them out of migration files, or run "
             "the file with psql deliberately.";
    case ProblemKind::Placeholder:
      return "Render the template before linting (e.g. lint the generated SQL) to get findings that depend on "
             "the placeholder's value.";
    case ProblemKind::TooDeep:
      return "Review this statement by hand, or split the expression into smaller statements.";
  }
  return "";
}

// The target runs a newer PostgreSQL than the grammar: what the grammar
// rejects may be valid there, so it is a note, not an error.
void report_newer_syntax(const ParseProblem& p, int pg_version, Report& report) {
  std::string grammar = std::to_string(grammar_version()), target = std::to_string(pg_version);
  std::string message = "not analysed: PostgreSQL " + target + " syntax that the PostgreSQL " + grammar +
                        " grammar cannot parse (" + p.message + ")";
  if (!p.read_from_words.empty()) message += "; from its words migrasafe infers that it " + p.read_from_words;
  report.add(RuleId::syntax_error, p.begin, p.end, std::move(message),
             "migrasafe parses with PostgreSQL " + grammar + "'s grammar (libpg_query " + grammar +
                 "), so the locks, rewrites and data loss of this statement were not analysed: review it by hand. "
                 "The statements after it are judged with what its words establish (the tables, indexes and "
                 "sequences it creates, drops or renames; the table an ALTER TABLE locks). If PostgreSQL " + target +
                 " rejects it too, fix the SQL.")
      .severity = Severity::Note;
}

Severity raised(Severity s) { return s == Severity::Note ? Severity::Warning : Severity::Error; }

bool is_hot(const QualifiedName& rel, const std::vector<std::string>& hot) {
  return std::any_of(hot.begin(), hot.end(), [&](const std::string& h) {
    return h.find('.') == std::string::npos ? h == rel.name : h == rel.str();
  });
}

// Config re-levelling, after suppressions: [rules.severity] first, then one
// level up for findings on statements that lock a hot table.
void relevel(const FileResult& result, const LintOptions& options, std::vector<Diagnostic>& diags) {
  for (Diagnostic& d : diags)
    if (auto s = options.severity[static_cast<std::size_t>(d.rule)]) d.severity = *s;
  if (options.hot_tables.empty()) return;
  // Statements that lock a hot table, and the first such table.
  std::vector<std::pair<std::size_t, const QualifiedName*>> hot;
  for (std::size_t i = 0; i < result.effects.size(); ++i)
    for (const RelationLock& l : result.effects[i].locks)
      if (is_hot(l.relation, options.hot_tables)) {
        hot.emplace_back(i, &l.relation);
        break;
      }
  if (hot.empty()) return;
  const auto& stmts = result.parsed.statements;
  for (Diagnostic& d : diags) {
    // The innermost statement whose span holds the finding.
    const QualifiedName* table = nullptr;
    std::uint32_t width = UINT32_MAX;
    for (const auto& [i, rel] : hot) {
      const Statement& s = stmts[i];
      if (d.begin >= s.begin && d.begin <= s.end && s.end - s.begin < width) {
        width = s.end - s.begin;
        table = rel;
      }
    }
    if (!table) continue;
    d.severity = raised(d.severity);
    d.message += " (`" + table->str() + "` is listed in hot_tables)";
  }
}

// The name a function body's findings mention.
std::string function_name(const Statement& s) {
  std::string name;
  for (const std::string& part : ast::strings(ast::list(s.node, "funcname"))) name += (name.empty() ? "" : ".") + part;
  return name;
}

// Statements in file order through effects, rules and the context; a DO
// block's and a function's body statements right after it, in the context
// they run in.
struct Replay {
  const ParsedFile& file;
  FileResult& result;
  Report& report;
  const RulePlan& plan;  // the statement rules that run, by kind
  const RuleOptionSet& rule_options;
  const bool keep_effect_details;
  const StatementIndex& index;
  std::vector<std::size_t> open_block{};  // statements waiting for their transaction to end
  UndoneMigration* undone = nullptr;       // when set: what a down script would undo, noted as it runs

  // Analyses statement i and its body; returns the index after them.
  std::size_t run(std::size_t i, Context& ctx) {
    const Statement& stmt = file.statements[i];
    Effects effects = compute_effects(stmt, ctx);
    std::size_t before = report.diagnostics().size();
    {
      PhaseTimer timer(RunPhase::Rules);
      rules::StatementFacts facts;
      for (const BoundRule& rule : plan.by_kind[static_cast<std::size_t>(stmt.tag)]) {
        if (stmt.deferred && rule.skips_function_bodies) continue;
        const RuleOptionValues& values = rule.has_options ? rule_options.of(rule.id) : kNoOptions;
        rule.statement(StatementView{file, stmt, effects, ctx, index, values, facts}, report);
      }
    }
    if (stmt.embedded()) annotate(stmt, before);
    fit_texts(before);
    bool was_in_transaction = ctx.in_transaction();
    int transaction = ctx.transaction_id();
    if (undone && !stmt.deferred) note_undone(stmt, ctx, *undone);
    ctx.apply(stmt, effects);
    // It ended the block (a COMMIT in a file sent as one query starts the next
    // implicit block at once, so the transaction changes rather than ends).
    bool ended = was_in_transaction && (!ctx.in_transaction() || ctx.transaction_id() != transaction);
    bool held = was_in_transaction && !ended;
    // A function body's locks last until its caller's transaction ends.
    result.holds[i] = {stmt.deferred || held, std::nullopt, ctx.in_implicit_block()};
    if (!stmt.deferred && held) open_block.push_back(i);
    if (!stmt.deferred && ended) close_block(stmt.begin);
    result.effects[i] = std::move(effects);
    std::size_t next = run_body(i, ctx);
    if (stmt.tag == StmtKind::CreateFunctionStmt) ctx.define_function(stmt, function_effects(stmt, body_effects(i, next), ctx));
    // A body's effects are read up to its function's definition, just done:
    // past a top-level statement, no one reads its or its body's details.
    if (!keep_effect_details && !stmt.embedded())
      for (std::size_t k = i; k < next; ++k) drop_effect_details(result.effects[k]);
    return next;
  }

  // The effects of function i's own body statements in [i + 1, end) (not
  // those of a function defined inside it).
  std::vector<const Effects*> body_effects(std::size_t i, std::size_t end) const {
    std::vector<const Effects*> out;
    for (std::size_t k = i + 1; k < end; ++k) {
      int up = file.statements[k].parent;
      while (up >= 0 && up != static_cast<int>(i) && file.statements[static_cast<std::size_t>(up)].tag != StmtKind::CreateFunctionStmt)
        up = file.statements[static_cast<std::size_t>(up)].parent;
      if (up == static_cast<int>(i)) out.push_back(&result.effects[k]);
    }
    return out;
  }

  std::size_t run_body(std::size_t i, Context& ctx) {
    const Statement& stmt = file.statements[i];
    std::size_t j = i + 1;
    auto in_body = [&] { return j < file.statements.size() && file.statements[j].parent == static_cast<int>(i); };
    if (!in_body()) return j;
    if (stmt.tag == StmtKind::CreateFunctionStmt) {
      Context body = ctx.for_function_body();
      while (in_body()) j = run(j, body);
      return j;
    }
    ctx.begin_do_block(stmt.begin);
    while (in_body()) j = run(j, ctx);
    if (ctx.end_do_block()) close_block(stmt.end);
    return j;
  }

  void close_block(std::uint32_t at) {
    for (std::size_t k : open_block) result.holds[k].transaction_end = at;
    open_block.clear();
  }

  // The findings from `from` on are kept until the report: a text built by
  // appending holds up to twice the room it needs (the bench's 4 MB file:
  // about 1.5 MB of its findings' texts was such room).
  void fit_texts(std::size_t from) {
    auto& diags = report.diagnostics();
    for (std::size_t k = from; k < diags.size(); ++k) {
      diags[k].message.shrink_to_fit();
      diags[k].help.shrink_to_fit();
    }
  }

  // Findings on a body statement: a fix that edits the body is not offered
  // (CONCURRENTLY, say, cannot run in a DO block or function either); one
  // outside it (a SET before a DO block) is kept when the body runs now. In a
  // function body the message says when the statement runs.
  void annotate(const Statement& stmt, std::size_t from) {
    const Statement* fn = &stmt;
    while (fn->parent >= 0 && fn->tag != StmtKind::CreateFunctionStmt) fn = &file.statements[fn->parent];
    const Statement* top = &stmt;
    while (top->parent >= 0) top = &file.statements[top->parent];
    auto outside = [&](const TextEdit& e) { return e.end <= top->begin || e.begin >= top->end; };
    auto& diags = report.diagnostics();
    for (std::size_t k = from; k < diags.size(); ++k) {
      auto& fix = diags[k].fix;
      if (stmt.deferred || (fix && !std::all_of(fix->edits.begin(), fix->edits.end(), outside))) fix.reset();
      if (stmt.deferred)
        diags[k].message += " (in the body of " + std::string(ast::flag(fn->node, "is_procedure") ? "procedure" : "function") +
                            " `" + function_name(*fn) + "`: this runs each time it is called, not when the migration runs)";
    }
  }
};

// Findings in file order, then by rule, stably. The order is sorted as
// indexes and each finding moved once: a big file has thousands of findings,
// and moving them around in the sort cost more than the comparisons.
void sort_by_position(std::vector<Diagnostic>& diags) {
  auto before = [](const Diagnostic& a, const Diagnostic& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.rule < b.rule;
  };
  if (std::is_sorted(diags.begin(), diags.end(), before)) return;
  std::vector<std::uint32_t> order(diags.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return before(diags[a], diags[b]); });
  std::vector<Diagnostic> sorted;
  sorted.reserve(diags.size());
  for (std::uint32_t i : order) sorted.push_back(std::move(diags[i]));
  diags = std::move(sorted);
}

// The one finding on a schema dump, on its first statement (line 1 when it has none).
void report_schema_dump(const ParsedFile& file, Report& report) {
  std::size_t unparsed = std::count_if(file.problems.begin(), file.problems.end(),
                                       [](const ParseProblem& p) { return p.kind == ProblemKind::SyntaxError; });
  std::string message =
      "This file is pg_dump output (a schema snapshot such as Rails' db/structure.sql or dbmate's db/schema.sql), "
      "not a migration: its statements are replayed so that migrations analysed after it know its tables, and "
      "none of them is reported";
  if (unparsed)
    message += "; " + std::to_string(unparsed) + (unparsed == 1 ? " statement does" : " statements do") +
               " not parse and " + (unparsed == 1 ? "is" : "are") + " not replayed";
  std::uint32_t begin = 0, end = static_cast<std::uint32_t>(file.source->lines.line_end(1));
  if (!file.statements.empty()) {
    begin = file.statements.front().begin;
    end = file.statements.front().end;
  }
  report.add(RuleId::schema_dump, begin, end, std::move(message),
             "Nothing to change in the dump. Checked with the migrations, a dump whose name has no version "
             "replays after them (it is the schema they produce), one with a version where its version puts it; "
             "`--schema FILE` replays a dump before every migration. To silence this note, leave the dump out of "
             "the paths checked or ignore `schema-dump` for it in the configuration.");
}

}  // namespace

void drop_effect_details(Effects& effects) {
  effects.target.reset();
  std::vector<ActionEffect>().swap(effects.actions);  // clear() would keep the capacity
  effects.calls.clear();
}

const std::vector<RuleId>& rules_handling(StmtKind kind) {
  return dispatch_table().by_kind[static_cast<std::size_t>(kind)];
}

FileResult lint_source(std::shared_ptr<const SourceFile> source, const MigrationRole& role, const LintOptions& options,
                       std::shared_ptr<const SourceFile> undone_up) {
  if (!undone_up) return analyse_file(parse_file(std::move(source)), role, options);
  UndoneMigration undone = Context::undone_by(parse_file(std::move(undone_up)), options.analysis);
  return analyse_file(parse_file(std::move(source)), role, options, &undone);
}

namespace {

// Names built from a template placeholder are shown as the template text
// (`{{ index .Options "Namespace" }}.users`), not as the identifier it was
// parsed as; fixes write the text back too.
void show_placeholders(FileResult& result) {
  const ParsedFile& file = result.parsed;
  for (Diagnostic& d : result.diagnostics) {
    d.message = file.restore_placeholders(std::move(d.message));
    d.help = file.restore_placeholders(std::move(d.help));
    if (d.fix)
      for (TextEdit& e : d.fix->edits) e.replacement = file.restore_placeholders(std::move(e.replacement));
  }
  for (Effects& e : result.effects) {
    for (RelationLock& l : e.locks) {
      l.relation.schema = file.restore_placeholders(std::move(l.relation.schema));
      l.relation.name = file.restore_placeholders(std::move(l.relation.name));
    }
    for (auto* list : {&e.data_loss, &e.compat_breaks})
      for (Consequence& c : *list) c.what = file.restore_placeholders(std::move(c.what));
  }
}

// From this many statements (a large file; a migration has a few dozen),
// start_file builds the file's index on a second thread while the rules'
// summaries are made: the thread costs less than the index then (the bench's
// 4 MB file: 31K statements, an index of 34M instructions).
constexpr std::size_t kIndexBesideStatements = 1024;

// Runs `first` and `second`, on two threads when `beside` (each on whichever
// claims it first): they must not write what the other reads. An exception
// from either is thrown here once both have returned.
void run_together(bool beside, const std::function<void()>& first, const std::function<void()>& second) {
  if (!beside) {
    first();
    second();
    return;
  }
  const std::function<void()>* tasks[] = {&first, &second};
  std::exception_ptr errors[2];
  std::atomic<std::size_t> next{0};
  run_here_and_on_large_stacks(2, [&] {
    for (std::size_t k; (k = next++) < 2;) {
      PhaseTimer timer(RunPhase::Replay);  // the helper thread's share (on the caller's, nested: not counted twice)
      try {
        (*tasks[k])();
      } catch (...) {
        errors[k] = std::current_exception();
      }
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

// What the second part of a file's analysis reads of the first.
struct FileAnalysis::State {
  std::chrono::steady_clock::duration elapsed{};  // in the parts so far (not in the down script's analysis)
  const MigrationRole& role;
  const LintOptions& options;
  FileResult result;
  Report report;
  std::shared_ptr<const RulePlan> plan;  // the rules that run on the file
  std::optional<SchemaChangeLog> changes;  // kept where no copy moves it: the replay's catalog writes to it
  std::optional<ParsedFile> own_down;      // parsed here only when the caller did not
  const ParsedFile* down_file = nullptr;
  bool down_by_caller = false, down_unparsed = false, down_empty = false, down_marked_irreversible = false;
  Catalog after;  // the schema after the file
  UndoneMigration undone_here;  // for the caller's analysis of the down script
  SetHistory* history = nullptr;  // extended with `after` once (extends_history)
  std::vector<QualifiedName> created;  // the step's relations so far, for the history
  bool history_pending = false;

  State(const MigrationRole& r, const LintOptions& o) : role(r), options(o) {}
};

FileAnalysis::FileAnalysis(std::unique_ptr<State> state) : state_(std::move(state)) {}
FileAnalysis::FileAnalysis(FileAnalysis&&) noexcept = default;
FileAnalysis& FileAnalysis::operator=(FileAnalysis&&) noexcept = default;
FileAnalysis::~FileAnalysis() = default;
const Catalog& FileAnalysis::schema_after() const { return state_->after; }
const UndoneMigration& FileAnalysis::undone() const { return state_->undone_here; }

void FileAnalysis::extend_history() {
  State& st = *state_;
  if (!st.history_pending) return;
  st.history_pending = false;
  // The file's rules read the schema after it until finish: the history
  // gets a copy then (it shares every value until the next file writes).
  st.history->schema = st.changes || st.down_by_caller ? st.after : std::move(st.after);
  st.history->step = st.role.step;
  st.history->step_created = std::move(st.created);
}

FileAnalysis start_file(ParsedFile parsed, const MigrationRole& role, const LintOptions& options,
                        const UndoneMigration* undone, SetHistory* history, bool down_by_caller) {
  const auto start = std::chrono::steady_clock::now();
  PhaseTimer timer(RunPhase::Replay);  // and the rules' own timers
  auto state = std::make_unique<FileAnalysis::State>(role, options);
  FileAnalysis::State& st = *state;
  st.down_by_caller = down_by_caller;
  FileResult& result = st.result;
  Report& report = st.report;
  result.path = parsed.source->path;
  result.role = role;
  result.role.down_text.reset();  // read by the rules; not needed in the results
  result.parsed = std::move(parsed);
  const ParsedFile& file = result.parsed;
  // pg_dump output is the schema at some point, not a change to it: replay
  // it so later migrations know its objects, but judge none of its statements.
  const bool snapshot = looks_like_schema_dump(file.source->text);
  if (snapshot) report_schema_dump(file, report);

  for (const ParseProblem& p : file.problems) {
    if (snapshot) continue;
    if (p.kind == ProblemKind::SyntaxError && p.grammar && options.analysis.pg_version > grammar_version()) {
      report_newer_syntax(p, options.analysis.pg_version, report);
      continue;
    }
    report.add(problem_rule(p.kind), p.begin, p.end, p.message, problem_help(p.kind));
  }

  // A down script puts back the schema as it was: design advice (types,
  // names, indexes) is about that old schema, which the team is leaving.
  st.plan = rule_plan(options.enabled, snapshot, role.kind == MigrationRole::Kind::Down, options.ignore_declared_kinds);
  const RulePlan& plan = *st.plan;

  // The reversal check compares the schema before the up script with the
  // schema after it and its down script, and finds the up statement behind
  // each difference: log what each statement changes.
  const bool log_changes = role.kind == MigrationRole::Kind::Up && role.down_text && plan.needs_schema_replay;
  // The schema moves from the history to this file and back, unshared, so
  // that changing it copies nothing; a down script leaves the history as is.
  const bool extends_history = history && (role.kind == MigrationRole::Kind::Plain || role.kind == MigrationRole::Kind::Up);
  Catalog schema = !history ? Catalog{} : extends_history ? std::move(history->schema) : history->schema;
  if (log_changes) {
    st.changes.emplace(schema);
    if (!role.down_script) st.own_down = parse_file(std::make_shared<const SourceFile>(role.down_path, *role.down_text));
    st.down_file = role.down_script ? role.down_script : &*st.own_down;
  }
  Context ctx(options.analysis, std::move(schema));
  ctx.expect_rollback(has_rollback(file));
  // If the analysis throws, the history keeps the schema (with this file's changes so far).
  struct ReturnSchema {
    Catalog* to;
    Context& from;
    ~ReturnSchema() {
      if (to) *to = from.take_catalog();
    }
  } return_schema{extends_history ? &history->schema : nullptr, ctx};
  // A later script of a multi-script step: what the earlier ones created is new here too.
  if (history && !role.step.empty() && history->step == role.step) ctx.count_as_created(history->step_created);
  if (options.analysis.single_query &&
      std::count_if(file.statements.begin(), file.statements.end(), [](const Statement& s) { return !s.embedded(); }) > 1)
    ctx.begin_implicit_block();
  if (undone) ctx.set_undone_migration(*undone);
  result.effects.resize(file.statements.size());
  result.holds.resize(file.statements.size());
  // What rules read from other statements' trees is summarised before the
  // replay (the index, RuleHooks::summarise): each statement's tree can go
  // once it and its body have been replayed. These passes only read the
  // file: a large file's index is built beside the others.
  StatementIndex index;
  std::optional<TreeRelease> trees;
  run_together(
      file.statements.size() >= kIndexBesideStatements, [&] { index = rules::index_statements(file); },
      [&] {
        for (RuleId id : plan.summarisers) hooks(id).summarise(file, role, report);
        trees.emplace(result.parsed, !snapshot,
                      options.free_trees == LintOptions::FreeTrees::EveryFile ? 0 : TreeRelease::kLargeTreeBytes);
      });
  Replay replay{file, result, report, plan, options.rule_options,
                options.keep_effect_details || options.sizes != nullptr, index};
  if (down_by_caller) replay.undone = &st.undone_here;
  for (std::size_t i = 0; i < file.statements.size();) {
    std::size_t next = replay.run(i, ctx);
    // A statement and its body (DO block, function) share the schema after them.
    if (st.changes) st.changes->record(i, ctx.catalog());
    if (options.free_trees != LintOptions::FreeTrees::Never) trees->release(i, next);
    i = next;
  }
  // The reversal check reads the schema after the down script too: unknown
  // when the down script has a syntax error (a statement it skipped may have
  // restored anything), and needed only when the down script does something.
  // Read now: the caller's analysis of the down script takes its parse.
  st.down_unparsed = st.down_file && std::any_of(st.down_file->problems.begin(), st.down_file->problems.end(),
                                                 [](const ParseProblem& p) { return p.kind == ProblemKind::SyntaxError; });
  if (role.down_text) st.down_empty = is_empty_script(*role.down_text, st.down_marked_irreversible);
  if (down_by_caller)
    for (const QualifiedName& rel : ctx.created_relations()) st.undone_here.relations.insert(rel);
  if (extends_history) {
    st.history = history;
    st.history_pending = true;
    if (!role.step.empty()) st.created = ctx.created_relations();
  }
  return_schema.to = nullptr;
  st.after = ctx.take_catalog();
  st.elapsed = std::chrono::steady_clock::now() - start;
  return FileAnalysis(std::move(state));
}

FileResult FileAnalysis::finish(std::optional<Catalog> after_down) && {
  const auto start = std::chrono::steady_clock::now();
  PhaseTimer timer(RunPhase::Replay);
  State& st = *state_;
  // If a file rule throws, the history still gets the schema after the file.
  struct ExtendHistory {
    FileAnalysis& analysis;
    ~ExtendHistory() { analysis.extend_history(); }
  } extend_history_at_end{*this};
  FileResult& result = st.result;
  const ParsedFile& file = result.parsed;
  if (!st.down_by_caller && st.changes && !st.down_unparsed && !st.down_empty && !st.down_marked_irreversible)
    after_down = replay_schema(*st.down_file, st.after, st.options.analysis);
  std::optional<SchemaReplay> schema_replay;
  if (st.changes)
    schema_replay.emplace(SchemaReplay{*st.changes, st.after, after_down && !st.down_unparsed ? &*after_down : nullptr});
  {
    PhaseTimer timer(RunPhase::Rules);
    for (RuleId id : st.plan->file_rules)
      hooks(id).file(FileView{file, st.role, st.options.rule_options.of(id), &result.effects,
                              schema_replay ? &*schema_replay : nullptr, st.down_empty, st.down_marked_irreversible},
                     st.report);
  }
  // Reporters need spans and kinds, not trees: free them now rather than
  // keeping every file's trees until the report is written.
  for (Statement& s : result.parsed.statements) {
    s.node = Json{};
    s.release_body_trees();
  }
  result.parsed.trees.clear();

  auto& diags = st.report.diagnostics();
  filter_findings(result, st.options, false, diags);
  if (st.options.sizes && st.role.kind != MigrationRole::Kind::Down && st.role.kind != MigrationRole::Kind::Verify)
    st.options.sizes->apply(result, diags);
  sort_by_position(diags);
  result.diagnostics = std::move(diags);
  if (!file.placeholders.empty()) show_placeholders(result);
  result.seconds = result.parsed.parse_seconds +
                   std::chrono::duration<double>(st.elapsed + (std::chrono::steady_clock::now() - start)).count();
  return std::move(result);
}

FileResult analyse_file(ParsedFile parsed, const MigrationRole& role, const LintOptions& options,
                        const UndoneMigration* undone, SetHistory* history, Catalog* schema_after) {
  FileAnalysis analysis = start_file(std::move(parsed), role, options, undone, history, false);
  if (schema_after) *schema_after = analysis.schema_after();
  return std::move(analysis).finish();
}

void filter_findings(const FileResult& result, const LintOptions& options, bool from_verify,
                     std::vector<Diagnostic>& diags) {
  std::erase_if(diags, [&](const Diagnostic& d) { return !options.enabled[static_cast<std::size_t>(d.rule)]; });
  // The rules whose findings this pass holds. The few rules verify reports
  // are read from the rules' names once, not for every file.
  static const std::vector<std::size_t> verify_rules = [] {
    std::vector<std::size_t> out;
    for (const RuleInfo& r : all_rules())
      if (reported_by_verify(r)) out.push_back(static_cast<std::size_t>(r.id));
    return out;
  }();
  std::vector<bool> judged = options.enabled;
  if (from_verify) {
    std::vector<bool> only_verify(judged.size(), false);
    for (std::size_t id : verify_rules) only_verify[id] = judged[id];
    judged = std::move(only_verify);
  } else {
    for (std::size_t id : verify_rules) judged[id] = false;
  }
  if (from_verify) {
    judged[static_cast<std::size_t>(RuleId::invalid_suppression)] = false;
    judged[static_cast<std::size_t>(RuleId::unused_suppression)] = false;
  }
  apply_suppressions(result.parsed, judged, diags);
  relevel(result, options, diags);
}

FileResult merge_disjoint(FileResult a, FileResult b) {
  if (!a.input_error.empty()) return a;
  if (!b.input_error.empty()) return b;
  auto first = [](const FileResult& r) {
    return r.parsed.tokens.empty() ? UINT32_MAX : r.parsed.tokens.front().begin;
  };
  // The file's role is its up section's (the down section undoes it).
  MigrationRole role = a.role.kind == MigrationRole::Kind::Down ? b.role : a.role;
  if (first(b) < first(a)) std::swap(a, b);
  a.role = std::move(role);
  std::size_t offset = a.parsed.tokens.size();
  int statements = static_cast<int>(a.parsed.statements.size());
  a.parsed.tokens.insert(a.parsed.tokens.end(), b.parsed.tokens.begin(), b.parsed.tokens.end());
  for (Statement& s : b.parsed.statements) {
    s.first_token += offset;
    s.end_token += offset;
    if (s.parent >= 0) s.parent += statements;
    a.parsed.statements.push_back(std::move(s));
  }
  a.parsed.problems.insert(a.parsed.problems.end(), b.parsed.problems.begin(), b.parsed.problems.end());
  for (auto& t : b.parsed.trees) a.parsed.trees.push_back(std::move(t));
  for (Effects& e : b.effects) a.effects.push_back(std::move(e));
  a.holds.insert(a.holds.end(), b.holds.begin(), b.holds.end());
  a.seconds += b.seconds;
  for (Diagnostic& d : b.diagnostics) a.diagnostics.push_back(std::move(d));
  sort_by_position(a.diagnostics);
  return a;
}

}  // namespace migrasafe
