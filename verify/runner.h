#pragma once
// Applies a migration set to a real PostgreSQL the way each tool runs it,
// statement by statement, observes what every statement did (relation locks,
// rewrites, scans, duration, errors) and compares that with the static
// prediction; proves that each down script undoes its up script (up, down,
// up again) and checks the data before and after.
#include <optional>
#include <string>
#include <vector>

#include "rules/engine.h"
#include "sources/layouts.h"
#include "verify/pg.h"

namespace migrasafe::verify {

struct VerifyOptions {
  LintOptions lint;                // pg_version is the server's
  std::string schema_file;         // --schema: a pg_dump --schema-only applied first
  std::string seed_file;           // --seed: the team's own data, instead of synthetic rows
  int rows = 1000;                 // --rows: synthetic rows per empty table before each migration
};

struct ObservedLock {
  std::string relation;  // schema.name
  std::string mode;      // as pg_locks shows it
};

struct StatementRun {
  std::uint32_t begin = 0, end = 0;  // the statement's span in its script
  std::string kind;
  // Locks were read inside the statement's transaction. False for a
  // statement that ran outside one (it cannot run in a transaction block).
  bool observed = false;
  bool in_tool_transaction = false;          // inside the tool's (or the file's) transaction
  bool refused_in_transaction = false;       // PostgreSQL refused it inside a transaction block
  // It then ran on its own, and `locks` are samples read from a second
  // connection while it ran: a lock held only briefly may be missing.
  bool sampled = false;
  std::vector<ObservedLock> locks;           // taken by this statement, strongest per relation
  std::vector<ObservedLock> already_held;    // held by the transaction before it (a request for these shows no change)
  std::vector<ObservedLock> predicted;       // the static prediction
  std::vector<std::string> rewritten;        // relations (tables and indexes) given a new file
  std::vector<std::string> scanned;          // tables read sequentially
  double milliseconds = 0;
  std::string error, sqlstate;               // when it failed
};

enum class Phase { Up, Down, Reapply };
std::string_view phase_name(Phase p);  // "up", "down", "up again"

struct ScriptRun {
  std::string path;
  Phase phase = Phase::Up;
  bool transaction = false;  // the tool runs it in a transaction
  std::shared_ptr<const SourceFile> source;
  std::vector<StatementRun> statements;
  bool failed = false;
};

// A finding of a verify rule (rules.def, category verify), at a span of the
// script it is about (`path`: an up or down script, --schema or --seed).
struct VerifyFinding {
  RuleId rule;
  std::string path;
  std::uint32_t begin = 0, end = 0;
  std::string message;
};

struct VerifyResult {
  int server_version = 0;  // e.g. 150004
  std::vector<ScriptRun> scripts;
  // The static analysis of every script run (and of --schema and --seed), one per path in the
  // order they ran, without findings: the report adds `findings` to them. A file that could
  // not be read has its input_error set.
  std::vector<FileResult> files;
  std::vector<VerifyFinding> findings;
  std::vector<std::string> notes;  // skipped scripts, statements not sent, ...
  std::size_t migrations_applied = 0;
};

// Runs `set` on the database `conn` is connected to; `observer`, a second
// connection to it, samples the locks of statements that cannot run in a
// transaction block. A migration file that cannot be read is a file of the
// result with its input_error set.
VerifyResult run_verify(Connection& conn, Connection& observer, const MigrationSet& set, const VerifyOptions& options);

}  // namespace migrasafe::verify
