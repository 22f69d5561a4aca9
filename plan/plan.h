#pragma once
// `migrasafe plan`: the release plan of each migration, written from the
// analysis `check` runs (effects, lock holds, findings, the down script and
// the reversal check). It adds no judgement of its own: every risk is a
// finding, every lock an effect; what it adds is the order, the phase of an
// expand/contract change, the rollback and the queries that prove each step.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reporters/reporters.h"

namespace migrasafe {

// Where a migration sits in an expand/contract change.
enum class Phase {
  Expand,    // additive: safe while the previous release's code runs
  Migrate,   // changes data (a backfill)
  Contract,  // removes or changes what the previous release's code may use
  Other,     // settings, grants, comments: no deploy-order constraint
};
std::string_view phase_name(Phase p);  // "expand", ...

enum class RiskLevel { Critical, High, Medium, Low };
std::string_view risk_level_name(RiskLevel l);

enum class RollbackClass { Reversible, ReversibleWithDataLoss, Compensating, ForwardFixOnly };
std::string_view rollback_class_name(RollbackClass c);  // "reversible", "reversible-with-data-loss", ...

// A query that proves something about the database, and what it returns
// when that holds (as `psql -At` prints it: "0", "t", "bigint").
struct Check {
  std::string purpose;
  std::string sql;
  std::string expected;
  // What the query reads: a relation ("orders", as the statement names it) or
  // a column or constraint of one ("orders" + kSubjectSeparator + "total").
  // A later statement of the migration about the same subject supersedes a
  // postcondition; an earlier one that creates it voids a precondition.
  std::vector<std::string> subjects = {};
};
inline constexpr char kSubjectSeparator = '\x1f';

struct PlannedLock {
  std::string relation;
  std::string mode;        // "AccessExclusiveLock"
  std::string blocks;      // what ordinary traffic it blocks
  std::string held_until;  // "the end of the statement", "the end of the transaction (line 8)"
};

struct PlanStep {
  std::size_t line = 0;
  std::string sql;          // the statement on one line, shortened
  std::string transaction;  // how it runs: "runs in its own transaction (autocommit)", ...
  std::vector<PlannedLock> locks;
  std::string work;         // rewrite, scan or catalog only
  std::string size;         // with a snapshot: the table's size and the estimated duration
  Phase phase = Phase::Other;
  std::vector<Check> preconditions;  // each finds the rows that would make the step fail
  std::vector<Check> postconditions;
  std::vector<std::string> findings;  // "MS201 table-rewrite"
  std::vector<std::string> recipes;   // the safer way, from the findings
};

struct Risk {
  RiskLevel level = RiskLevel::Low;
  std::string code, rule;
  std::size_t line = 0;
  std::string message, mitigation;
};

struct RollbackStep {
  std::size_t line = 0;
  std::string sql;
  std::vector<Check> verification;
};

struct Rollback {
  RollbackClass classification = RollbackClass::ForwardFixOnly;
  std::string down_path;  // empty: none
  std::string reason;     // why this classification
  std::vector<std::string> data_not_restored;  // what a rollback cannot bring back
  std::vector<RollbackStep> steps;             // the down script's statements
};

struct MigrationPlan {
  std::string path;
  Phase phase = Phase::Other;
  std::vector<std::string> deploy_order;  // what the application must have deployed before and after
  std::vector<PlanStep> steps;
  std::vector<Risk> risks;  // most severe first
  Rollback rollback;
  bool has_errors = false;  // an input error: the file could not be analysed
  std::string input_error;
};

// One plan per migration (up or plain script) of the run, in the run's
// order; down scripts become their up script's rollback.
std::vector<MigrationPlan> build_plans(const RunResult& run);

enum class PlanFormat { Text, Markdown, Yaml, Json };
std::optional<PlanFormat> plan_format(std::string_view name);
void write_plan(std::ostream& out, const std::vector<MigrationPlan>& plans, PlanFormat format);

}  // namespace migrasafe
