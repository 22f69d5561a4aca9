// Builds the release plan of each migration from a finished run: the steps
// come from the effects and lock holds, the risks from the findings, the
// rollback from the paired down script, and the verification queries from
// the statements themselves (re-parsed: the run frees its trees).
#include "plan/plan.h"

#include <algorithm>
#include <map>

#include "parser/ast.h"
#include "analysis/catalog.h"
#include "plan/queries.h"
#include "rules/helpers.h"

namespace migrasafe {

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::Expand: return "expand";
    case Phase::Migrate: return "migrate";
    case Phase::Contract: return "contract";
    case Phase::Other: return "other";
  }
  return "other";
}

std::string_view risk_level_name(RiskLevel l) {
  switch (l) {
    case RiskLevel::Critical: return "critical";
    case RiskLevel::High: return "high";
    case RiskLevel::Medium: return "medium";
    case RiskLevel::Low: return "low";
  }
  return "low";
}

std::string_view rollback_class_name(RollbackClass c) {
  switch (c) {
    case RollbackClass::Reversible: return "reversible";
    case RollbackClass::ReversibleWithDataLoss: return "reversible-with-data-loss";
    case RollbackClass::Compensating: return "compensating";
    case RollbackClass::ForwardFixOnly: return "forward-fix-only";
  }
  return "forward-fix-only";
}

namespace {

bool is_dml(std::string_view kind) {
  return kind == "UpdateStmt" || kind == "InsertStmt" || kind == "DeleteStmt" || kind == "MergeStmt" ||
         kind == "CopyStmt";
}

// Statements that change no schema and no data: settings, transaction
// control, comments on objects, grants.
bool is_housekeeping(std::string_view kind) {
  return kind == "VariableSetStmt" || kind == "TransactionStmt" || kind == "CommentStmt" || kind == "GrantStmt" ||
         kind == "GrantRoleStmt" || kind == "SelectStmt" || kind == "DiscardStmt" || kind == "VariableShowStmt";
}

Phase step_phase(const Statement& s, const Effects& e) {
  if (!e.compat_breaks.empty()) return Phase::Contract;
  if (is_dml(s.kind)) return Phase::Migrate;
  if (!e.data_loss.empty()) return Phase::Contract;
  if (is_housekeeping(s.kind) || s.kind == kUnparsedKind) return Phase::Other;
  return Phase::Expand;
}

std::string transaction_of(const FileResult& f, std::size_t i) {
  const Statement& s = f.parsed.statements[i];
  const LockHold& h = f.holds[i];
  const LineIndex& lines = f.parsed.source->lines;
  if (s.embedded()) return "runs inside the statement at line " +
                           std::to_string(lines.position(f.parsed.statements[static_cast<std::size_t>(s.parent)].begin).line);
  if (s.kind == "TransactionStmt" && !h.until_transaction_end) return "ends the transaction block";
  if (!h.until_transaction_end) return "runs in its own transaction (autocommit)";
  if (h.transaction_end)
    return "runs in the transaction block committed at line " + std::to_string(lines.position(*h.transaction_end).line);
  if (h.implicit_block) return "runs in the file's implicit transaction (the file is sent as one query)";
  return "runs in the migration tool's transaction, committed after the file";
}

// Errors fail the migration or destroy data: critical. A warning is high when
// it is about what the statement does to the live database (locks, rewrites,
// lost data, breaking running code) and the statement does it in earnest
// (heavy work under a lock that blocks writes, or data loss); other warnings
// (process, history, design) are medium; notes are low.
RiskLevel risk_level(const Diagnostic& d, const Effects* e) {
  if (d.severity == Severity::Error) return RiskLevel::Critical;
  if (d.severity != Severity::Warning) return RiskLevel::Low;
  Category category = rule_info(d.rule).category;
  if (category == Category::Compatibility) return RiskLevel::High;
  bool about_the_database = category == Category::Locking || category == Category::Rewrite ||
                            category == Category::Transaction || category == Category::DataLoss;
  if (!about_the_database || !e) return RiskLevel::Medium;
  bool heavy = e->rewrite != Tri::No || e->scan != Tri::No;
  auto strongest = e->strongest_lock();
  if (!e->data_loss.empty() || (heavy && strongest && blocks_writes(*strongest))) return RiskLevel::High;
  return RiskLevel::Medium;
}

// The statements of the file again, with their parse trees (the run freed
// them after the replay). Same text, same parser: the same statements in
// the same order; anything else leaves the queries out rather than pairing
// a query with the wrong statement.
std::optional<ParsedFile> reparse(const FileResult& f) {
  ParsedFile again = parse_file(f.parsed.source);
  if (again.statements.size() != f.parsed.statements.size()) return std::nullopt;
  for (std::size_t i = 0; i < again.statements.size(); ++i)
    if (again.statements[i].begin != f.parsed.statements[i].begin) return std::nullopt;
  return again;
}

// Whether `later` (a subject of a later query) is about `earlier`'s subject:
// the same column or constraint, or the whole relation it belongs to.
bool covers(const std::string& later, const std::string& earlier) {
  return later == earlier || later == earlier.substr(0, earlier.find(kSubjectSeparator));
}

bool any_covers(const std::vector<std::string>& by, const Check& c) {
  for (const std::string& b : by)
    for (const std::string& s : c.subjects)
      if (covers(b, s)) return true;
  return false;
}

// Queries that cannot be run as written, because of the migration's other
// statements: a postcondition that a later statement changes again (ADD
// COLUMN, then DROP COLUMN; a table renamed at the end), and a precondition on
// something an earlier statement creates (it does not exist before the
// migration runs).
// `pre` and `post`: each step's preconditions and postconditions, in order
// (`pre` may be empty: rollback steps have none).
void drop_superseded(const std::vector<std::vector<Check>*>& pre, const std::vector<std::vector<Check>*>& post) {
  std::vector<std::string> earlier;
  for (std::size_t i = 0; i < pre.size(); ++i) {
    std::erase_if(*pre[i], [&](const Check& c) { return any_covers(earlier, c); });
    for (const Check& c : *post[i]) earlier.insert(earlier.end(), c.subjects.begin(), c.subjects.end());
  }
  std::vector<std::string> later;
  for (auto step = post.rbegin(); step != post.rend(); ++step) {
    std::vector<std::string> own;
    for (const Check& c : **step) own.insert(own.end(), c.subjects.begin(), c.subjects.end());
    std::erase_if(**step, [&](const Check& c) { return any_covers(later, c); });
    later.insert(later.end(), own.begin(), own.end());
  }
}

std::size_t line_of(const FileResult& f, std::uint32_t offset) { return f.parsed.source->lines.position(offset).line; }

Rollback plan_rollback(const FileResult& up, const FileResult* down) {
  Rollback r;
  const MigrationRole& role = up.role;
  bool has_down = role.kind == MigrationRole::Kind::Up && role.down_exists;
  bool same_file = has_down && role.down_path == up.path;  // dbmate: a section of this file
  if (has_down) r.down_path = role.down_path;

  // Data the up script destroys: a rollback recreates structure, not rows.
  std::vector<std::string> up_losses;
  for (const Effects& e : up.effects)
    for (const Consequence& c : e.data_loss) up_losses.push_back(c.what);
  bool not_undone = false, marked_irreversible = false;
  for (const Diagnostic& d : up.diagnostics) {
    if (d.rule == RuleId::down_does_not_undo_up) not_undone = true;
    if (d.rule == RuleId::missing_down_script) has_down = false;  // empty or only comments
  }
  if (has_down && !same_file && down) {
    bool irreversible = false;
    if (is_empty_script(down->parsed.source->text, irreversible) && irreversible) marked_irreversible = true;
  }

  if (!has_down || marked_irreversible) {
    r.classification = RollbackClass::ForwardFixOnly;
    r.reason = marked_irreversible ? "the down script says it is irreversible"
               : role.kind == MigrationRole::Kind::Up ? "there is no down script"
                                                        : "this migration tool has no down scripts";
    r.data_not_restored = up_losses;
    return r;
  }
  if (not_undone) {
    r.classification = RollbackClass::ForwardFixOnly;
    r.reason = "the down script does not put the schema back as it was (see down-does-not-undo-up): fix it, or "
               "plan to repair forward";
  } else if (!up_losses.empty()) {
    r.classification = RollbackClass::Compensating;
    r.reason = "the down script puts the structure back, but not the data the up script destroyed: restore it "
               "from a copy taken before the migration";
  }
  r.data_not_restored = up_losses;

  std::vector<std::string> down_losses;
  if (down && !same_file) {
    std::optional<ParsedFile> trees = reparse(*down);
    for (std::size_t i = 0; i < down->parsed.statements.size(); ++i) {
      const Statement& s = down->parsed.statements[i];
      if (s.embedded() || s.deferred) continue;
      RollbackStep step;
      step.line = line_of(*down, s.begin);
      step.sql = statement_summary(*down, i);
      if (trees) step.verification = postconditions(*trees, trees->statements[i]);
      r.steps.push_back(std::move(step));
      for (const Consequence& c : down->effects[i].data_loss) down_losses.push_back(c.what);
    }
  }
  {
    std::vector<std::vector<Check>*> post;
    for (RollbackStep& step : r.steps) post.push_back(&step.verification);
    drop_superseded({}, post);
  }
  if (!down && !same_file)
    r.reason += " (its statements are not listed: " + r.down_path + " was not among the files analysed)";
  if (!not_undone && up_losses.empty()) {
    if (!down_losses.empty()) {
      r.classification = RollbackClass::ReversibleWithDataLoss;
      r.reason = "the down script undoes the migration, and drops what was written since it ran";
      for (const std::string& w : down_losses) r.data_not_restored.push_back(w + " (written since the migration ran)");
    } else {
      r.classification = RollbackClass::Reversible;
      r.reason = same_file ? "the down section undoes the migration" : "the down script undoes the migration, and loses no data";
    }
  }
  return r;
}

MigrationPlan plan_file(const FileResult& f, const FileResult* down) {
  MigrationPlan plan;
  plan.path = f.path;
  if (!f.input_error.empty()) {
    plan.has_errors = true;
    plan.input_error = f.input_error;
    return plan;
  }
  std::optional<ParsedFile> trees = reparse(f);
  auto findings = findings_by_statement(f);
  const LineIndex& lines = f.parsed.source->lines;
  bool expand = false, migrate = false, contract = false;
  std::vector<std::string> breaks;
  for (std::size_t i = 0; i < f.parsed.statements.size(); ++i) {
    const Statement& s = f.parsed.statements[i];
    if (s.deferred) continue;  // a function body: runs when it is called
    const Effects& e = f.effects[i];
    PlanStep step;
    step.line = lines.position(s.begin).line;
    step.sql = statement_summary(f, i);
    step.transaction = transaction_of(f, i);
    std::string held = lock_held_until(lines, s, f.holds[i]);
    for (const RelationLock& l : e.locks)
      step.locks.push_back({l.relation.str(), std::string(pg_lock_name(l.mode)), std::string(lock_blocks(l.mode)), held});
    step.work = e.locks.empty() ? "" : effects_work(e);
    if (e.target && (e.rewrite != Tri::No || e.scan != Tri::No)) step.work += " (" + e.target->str() + ")";
    if (i < f.sizes.size()) step.size = f.sizes[i];
    step.phase = step_phase(s, e);
    expand |= step.phase == Phase::Expand;
    migrate |= step.phase == Phase::Migrate;
    contract |= step.phase == Phase::Contract;
    for (const Consequence& c : e.compat_breaks) breaks.push_back(c.what);
    if (trees) {
      step.preconditions = preconditions(*trees, trees->statements[i]);
      step.postconditions = postconditions(*trees, trees->statements[i]);
    }
    for (const Diagnostic* d : findings[i]) {
      const RuleInfo& info = rule_info(d->rule);
      step.findings.push_back(std::string(info.code) + " " + std::string(info.name));
      if (!d->help.empty() && std::find(step.recipes.begin(), step.recipes.end(), d->help) == step.recipes.end())
        step.recipes.push_back(d->help);
    }
    plan.steps.push_back(std::move(step));
  }
  for (const Diagnostic& d : f.diagnostics) {
    std::size_t at = f.parsed.statement_at(d.begin);
    const Effects* e = at == std::string::npos ? nullptr : &f.effects[at];
    const RuleInfo& info = rule_info(d.rule);
    plan.risks.push_back({risk_level(d, e), std::string(info.code), std::string(info.name), line_of(f, d.begin),
                          d.message, d.help});
  }
  {
    std::vector<std::vector<Check>*> pre, post;
    for (PlanStep& step : plan.steps) {
      pre.push_back(&step.preconditions);
      post.push_back(&step.postconditions);
    }
    drop_superseded(pre, post);
  }
  std::stable_sort(plan.risks.begin(), plan.risks.end(),
                   [](const Risk& a, const Risk& b) { return a.level < b.level; });

  plan.phase = contract ? Phase::Contract : migrate ? Phase::Migrate : expand ? Phase::Expand : Phase::Other;
  switch (plan.phase) {
    case Phase::Contract:
      plan.deploy_order.push_back(
          "Before this migration: deploy application code that no longer uses what it removes or changes, and let "
          "every instance of the previous release stop.");
      for (const std::string& b : breaks) plan.deploy_order.push_back("It " + b + ".");
      if (expand)
        plan.deploy_order.push_back(
            "It also adds objects (expand steps): ship them in an earlier migration, so the new code can be deployed "
            "between the two.");
      break;
    case Phase::Migrate:
      plan.deploy_order.push_back(
          "After the expand migration and the code that writes both the old and the new shape are deployed; on a "
          "large table, change rows in batches, each in its own transaction.");
      break;
    case Phase::Expand:
      plan.deploy_order.push_back(
          "Before the code that uses the new objects: the previous release keeps working while it runs.");
      break;
    case Phase::Other: plan.deploy_order.push_back("No deploy-order constraint."); break;
  }
  plan.rollback = plan_rollback(f, down);
  return plan;
}

}  // namespace

std::vector<MigrationPlan> build_plans(const RunResult& run) {
  std::map<std::string, const FileResult*> by_path;
  for (const FileResult& f : run.files) by_path.emplace(f.path, &f);
  std::vector<MigrationPlan> plans;
  for (const FileResult& f : run.files) {
    if (f.role.kind == MigrationRole::Kind::Down || f.role.kind == MigrationRole::Kind::Verify) continue;
    const FileResult* down = nullptr;
    if (f.role.kind == MigrationRole::Kind::Up && f.role.down_exists)
      if (auto it = by_path.find(f.role.down_path); it != by_path.end()) down = it->second;
    plans.push_back(plan_file(f, down));
  }
  return plans;
}

}  // namespace migrasafe
