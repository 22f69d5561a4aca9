#include "verify/runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "parser/ast.h"
#include "sources/discovery.h"
#include "verify/database_state.h"

namespace migrasafe::verify {

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::Up: return "up";
    case Phase::Down: return "down";
    case Phase::Reapply: return "up again";
  }
  return "";
}

namespace {

// The verify rule `check` names: "lock-mismatch" is verify-lock-mismatch (rules.def).
RuleId verify_rule(std::string_view check) {
  const RuleInfo* rule = find_rule("verify-" + std::string(check));
  if (!rule || !reported_by_verify(*rule)) throw std::logic_error("no verify rule " + std::string(check));
  return rule->id;
}

constexpr int kLockRankCount = 8;
int lock_rank(const std::string& mode) {
  static const char* const names[kLockRankCount] = {
      "AccessShareLock",          "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
      "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};
  for (int i = 0; i < kLockRankCount; ++i)
    if (mode == names[i]) return i + 1;
  return 0;  // an advisory or unknown mode
}

// What the server says about the session between two points inside a transaction.
struct Observation {
  struct Relation {
    std::string name, kind, filenode;
  };
  std::map<std::string, Relation> relations;              // by oid
  std::set<std::pair<std::string, std::string>> locks;    // (oid, mode) held by this session
  std::map<std::string, long long> seq_scans;             // by oid
};

const std::string kObserveQuery = R"(
SELECT 'r', c.oid::text, n.nspname || '.' || c.relname, c.relkind::text, coalesce(pg_relation_filenode(c.oid)::text, '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
UNION ALL SELECT 'l', l.relation::text, l.mode, '', '' FROM pg_locks l
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL SELECT 's', relid::text, seq_scan::text, '', '' FROM pg_stat_xact_user_tables)";

Observation observe(Connection& conn) {
  Observation o;
  for (auto& row : conn.query(kObserveQuery)) {
    if (row[0] == "r") o.relations[row[1]] = {row[2], row[3], row[4]};
    else if (row[0] == "l") o.locks.emplace(row[1], row[2]);
    else o.seq_scans[row[1]] = std::stoll(row[2]);
  }
  return o;
}

// Fills `run` with what changed between `before` and `after`: the locks the
// statement took (strongest new mode per relation), new filenodes, scans.
void record_changes(const Observation& before, const Observation& after, StatementRun& run) {
  // Only relations that existed before the statement: new ones are invisible to other sessions.
  auto existing = [&](const std::string& oid) -> const Observation::Relation* {
    auto it = before.relations.find(oid);
    return it == before.relations.end() ? nullptr : &it->second;
  };
  std::map<std::string, std::string> taken, held;  // oid -> strongest mode
  auto stronger = [](std::string& current, const std::string& mode) {
    if (lock_rank(mode) > lock_rank(current)) current = mode;
  };
  for (const auto& [oid, mode] : before.locks) stronger(held[oid], mode);
  for (const auto& [oid, mode] : after.locks)
    if (!before.locks.count({oid, mode})) stronger(taken[oid], mode);
  auto named = [&](const std::map<std::string, std::string>& locks, std::vector<ObservedLock>& out) {
    for (const auto& [oid, mode] : locks)
      if (const auto* rel = existing(oid)) out.push_back({rel->name, mode});
    std::sort(out.begin(), out.end(), [](const ObservedLock& a, const ObservedLock& b) { return a.relation < b.relation; });
  };
  named(taken, run.locks);
  named(held, run.already_held);
  for (const auto& [oid, rel] : before.relations) {
    auto it = after.relations.find(oid);
    if (it != after.relations.end() && !rel.filenode.empty() && it->second.filenode != rel.filenode)
      run.rewritten.push_back(rel.name);
  }
  for (const auto& [oid, scans] : after.seq_scans) {
    auto it = before.seq_scans.find(oid);
    if (it != before.seq_scans.end() && scans > it->second)
      if (const auto* rel = existing(oid)) run.scanned.push_back(rel->name);
  }
}

// COPY ... FROM STDIN: the rows follow the statement in a psql script; verify has no way to send them.
bool copies_from_stdin(const Statement& s) {
  return s.kind == "CopyStmt" && ast::flag(s.node, "is_from") && ast::str(s.node, "filename").empty() &&
         !ast::flag(s.node, "is_program");
}

bool single_query(const Migration& m) { return m.layout == Layout::GolangMigrate || m.layout == Layout::Prisma; }

struct Runner {
  Connection& conn;
  Connection& observer;
  const VerifyOptions& options;
  VerifyResult& result;
  SetHistory history = {};  // the static model's history, as the migrations applied so far left it
  std::set<std::string> left_empty = {};        // tables reported as not filled (said once)
  // Relations only the body of the statement being run locks (a DO block's
  // statements, some of them in branches that may not run).
  std::set<std::string> body_only_locks = {};
  std::set<std::string> reported_invalid = {};  // INVALID indexes reported (said once)
  std::string current_up = {};                  // the up script of the migration being run
  std::map<std::string, std::size_t> file_of_path = {};  // index in result.files

  // Keeps the static analysis of a script for the report; a dbmate file's down section joins its up section.
  void keep_analysis(FileResult analysis) {
    auto [it, added] = file_of_path.emplace(analysis.path, result.files.size());
    if (added) result.files.push_back(std::move(analysis));
    else if (analysis.parsed.source != result.files[it->second].parsed.source)
      result.files[it->second] = merge_disjoint(std::move(result.files[it->second]), std::move(analysis));
  }

  // A finding of verify rule `check` at `offset` of `script` (the report widens it to the statement
  // there); without a script, at the start of the migration about to run.
  void finding(std::string_view check, const ScriptRun* script, std::uint32_t offset, std::string message) {
    std::string path = script ? script->path : current_up;
    result.findings.push_back({verify_rule(check), std::move(path), offset, offset, std::move(message)});
  }

  // Row-level work takes some locks only when a row needs it: a foreign-key
  // check at the key's other end (a non-NULL key, a referenced row), the
  // sequence of a default an INSERT uses; and a trigger's or a called
  // function's body only in the branches that run. Not seeing one is no
  // disagreement.
  static bool depends_on_rows(const RelationLock& lock, const std::string& kind) {
    if (lock.role == LockRole::Trigger || lock.role == LockRole::Called) return true;
    if (lock.mode > LockMode::RowExclusive) return false;
    return lock.role == LockRole::ReferencedByKey || lock.role == LockRole::ReferencingKey ||
           (lock.role == LockRole::Sequence && (kind == "InsertStmt" || kind == "MergeStmt"));
  }

  // The effects of statement `i` with the locks of the statements its body
  // runs now (a DO block's; not a function body's, which runs when called):
  // the server runs them as one statement. Sets body_only_locks.
  Effects with_body_locks(const FileResult& predicted, std::size_t i) {
    const auto& stmts = predicted.parsed.statements;
    Effects e = predicted.effects[i];
    body_only_locks.clear();
    auto runs_now_inside = [&](std::size_t j) {
      for (int up = static_cast<int>(j); up >= 0; up = stmts[static_cast<std::size_t>(up)].parent) {
        if (stmts[static_cast<std::size_t>(up)].deferred) return false;
        if (stmts[static_cast<std::size_t>(up)].parent == static_cast<int>(i)) return true;
      }
      return false;
    };
    for (std::size_t j = i + 1; j < stmts.size() && stmts[j].embedded(); ++j) {
      if (!runs_now_inside(j)) continue;
      const Effects& inner = predicted.effects[j];
      for (const RelationLock& l : inner.locks) {
        auto same = std::find_if(e.locks.begin(), e.locks.end(), [&](const RelationLock& o) { return o.relation == l.relation; });
        if (same == e.locks.end()) {
          e.locks.push_back(l);
          body_only_locks.insert(l.relation.str());
        } else {
          same->mode = std::max(same->mode, l.mode);
        }
      }
      if (e.locks_unknown.empty()) e.locks_unknown = inner.locks_unknown;
      // Which relation a body statement rewrites is not the block's target: not compared.
      if (inner.rewrite != Tri::No) e.rewrite = Tri::Unknown;
    }
    return e;
  }

  // Static against observed, for one statement that ran in a transaction.
  void compare(const ScriptRun& script, const StatementRun& run, const Effects& effects, const Observation& before) {
    std::map<std::string, std::string> kind_by_name;
    for (const auto& [oid, rel] : before.relations) kind_by_name[rel.name] = rel.kind;
    std::map<std::string, std::string> seen;
    for (const ObservedLock& l : run.locks) seen[l.relation] = l.mode;
    std::set<std::string> predicted;
    auto held_before = [&](const std::string& name, const std::string& mode) {
      return std::any_of(run.already_held.begin(), run.already_held.end(), [&](const ObservedLock& l) {
        return l.relation == name && lock_rank(l.mode) >= lock_rank(mode);
      });
    };
    for (const RelationLock& lock : effects.locks) {
      std::string name = lock.relation.str();
      std::string mode(pg_lock_name(lock.mode));
      predicted.insert(name);
      if (!kind_by_name.count(name)) continue;  // created by the statement: no one else can see it yet
      auto it = seen.find(name);
      if (it == seen.end()) {
        if (held_before(name, mode)) continue;  // an earlier statement of the transaction holds it already
        if (depends_on_rows(lock, run.kind)) continue;    // no row needed the check this time
        if (body_only_locks.count(name)) continue;       // a branch of the body that did not run
        finding("lock-mismatch", &script, run.begin, name + ": predicted " + mode + ", PostgreSQL took no new lock");
      } else if (it->second != mode && !held_before(name, mode) &&
                 // A weaker lock for another reason: the row or branch that needed this one did not come.
                 !((depends_on_rows(lock, run.kind) || body_only_locks.count(name)) &&
                   lock_rank(it->second) < lock_rank(mode))) {
        finding("lock-mismatch", &script, run.begin, name + ": predicted " + mode + ", PostgreSQL took " + it->second);
      }
    }
    for (const ObservedLock& l : run.locks) {
      auto kind = kind_by_name.find(l.relation);
      // Index locks follow their table's; new relations are invisible to other sessions.
      if (kind == kind_by_name.end() || kind->second == "i" || kind->second == "I" || predicted.count(l.relation))
        continue;
      if (lock_rank(l.mode) >= lock_rank("ShareUpdateExclusiveLock"))
        finding("lock-mismatch", &script, run.begin,
                l.relation + ": PostgreSQL took " + l.mode + ", the analysis predicts no lock on it");
    }
    if (effects.locks.empty() || run.kind == "TruncateStmt") return;  // TRUNCATE's new empty file is no rewrite
    std::string target = effects.locks.front().relation.str();
    auto kind = kind_by_name.find(target);
    if (kind == kind_by_name.end() || (kind->second != "r" && kind->second != "m")) return;
    bool rewritten = std::count(run.rewritten.begin(), run.rewritten.end(), target) > 0;
    if (effects.rewrite != Tri::Unknown && rewritten != (effects.rewrite == Tri::Yes))
      finding("rewrite-mismatch", &script, run.begin,
              target + ": predicted " + (effects.rewrite == Tri::Yes ? "a rewrite" : "no rewrite") + ", PostgreSQL " +
                  (rewritten ? "gave it a new file" : "kept its file"));
    // Scans are compared where they are the question: ALTER TABLE without a rewrite.
    if (run.kind == "AlterTableStmt" && !rewritten && effects.rewrite == Tri::No && effects.scan != Tri::Unknown) {
      bool scanned = std::count(run.scanned.begin(), run.scanned.end(), target) > 0;
      if (scanned != (effects.scan == Tri::Yes))
        finding("scan-mismatch", &script, run.begin,
                target + ": predicted " + (effects.scan == Tri::Yes ? "a scan" : "no scan") + ", PostgreSQL " +
                    (scanned ? "scanned it" : "did not scan it"));
    }
  }

  // Runs a statement outside any transaction while a second connection
  // samples the relation locks its backend holds (relations that existed before it).
  QueryResult run_sampled(const std::string& text, const Observation& before, StatementRun& run) {
    const std::string locks_of_backend =
        "SELECT l.relation::text, l.mode FROM pg_locks l WHERE l.locktype = 'relation' AND l.granted AND l.pid = " +
        std::to_string(conn.backend_pid());
    if (!conn.send(text)) return conn.finish();
    std::map<std::string, std::string> strongest;  // oid -> mode
    while (conn.busy()) {
      for (auto& row : observer.query(locks_of_backend))
        if (lock_rank(row[1]) > lock_rank(strongest[row[0]])) strongest[row[0]] = row[1];
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    run.sampled = true;
    QueryResult result = conn.finish();
    // A relation the statement dropped (DROP INDEX CONCURRENTLY takes ACCESS
    // EXCLUSIVE on the index at its very end, once no one can use it) is left
    // out: that lock blocks no one.
    for (const auto& [oid, mode] : strongest) {
      auto it = before.relations.find(oid);
      if (it == before.relations.end()) continue;
      if (observer.query("SELECT 1 FROM pg_class WHERE oid = " + oid).empty()) continue;
      run.locks.push_back({it->second.name, mode});
    }
    return result;
  }

  // A sampled statement: a sample can miss a lock but not invent one, so only a lock
  // stronger than predicted, or a blocking one on a relation not predicted, is a mismatch.
  void compare_sampled(const ScriptRun& script, const StatementRun& run, const Effects& effects) {
    std::map<std::string, std::string> predicted;
    for (const RelationLock& lock : effects.locks) predicted[lock.relation.str()] = std::string(pg_lock_name(lock.mode));
    for (const ObservedLock& l : run.locks) {
      auto it = predicted.find(l.relation);
      if (it != predicted.end() && lock_rank(l.mode) > lock_rank(it->second))
        finding("lock-mismatch", &script, run.begin,
                l.relation + ": predicted " + it->second + ", PostgreSQL took " + l.mode + " (sampled)");
      else if (it == predicted.end() && lock_rank(l.mode) >= lock_rank("ShareUpdateExclusiveLock"))
        finding("lock-mismatch", &script, run.begin,
                l.relation + ": PostgreSQL took " + l.mode + " (sampled), the analysis predicts no lock on it");
    }
  }

  // Runs one statement; false when it failed.
  bool run_statement(ScriptRun& script, const Statement& stmt, const Effects* effects, std::string_view text) {
    StatementRun run;
    run.begin = stmt.begin;
    run.end = stmt.end;
    run.kind = stmt.kind;
    if (effects)
      for (const RelationLock& l : effects->locks) run.predicted.push_back({l.relation.str(), std::string(pg_lock_name(l.mode))});
    bool control = stmt.kind == "TransactionStmt";  // BEGIN, COMMIT, ...: run as written, nothing to observe
    run.in_tool_transaction = conn.in_transaction();
    // A statement outside any transaction is its own transaction: BEGIN/COMMIT around it changes
    // nothing but lets its locks be read before they are released.
    bool wrap = !control && !run.in_tool_transaction;
    if (wrap) conn.query("BEGIN");
    Observation before;
    if (!control) before = observe(conn);
    auto start = std::chrono::steady_clock::now();
    QueryResult r = conn.exec(std::string(text));
    if (!r.ok && wrap && r.sqlstate == "25001") {  // cannot run inside a transaction block: run it as the tool does
      conn.query("ROLLBACK");
      wrap = false;
      run.refused_in_transaction = true;
      start = std::chrono::steady_clock::now();
      r = run_sampled(std::string(text), before, run);
    }
    run.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!r.ok) {
      run.error = r.error;
      run.sqlstate = r.sqlstate;
      if (conn.in_transaction()) conn.exec("ROLLBACK");
      std::string where = run.in_tool_transaction ? " (in the migration's transaction, rolled back)" : "";
      finding(script.phase == Phase::Reapply ? "reapply-failed" : "statement-failed", &script, run.begin,
              std::string(phase_name(script.phase)) + ": " + r.error + " (SQLSTATE " + r.sqlstate + ")" + where);
      script.statements.push_back(std::move(run));
      return false;
    }
    if (!control && !run.refused_in_transaction) {
      run.observed = true;
      record_changes(before, observe(conn), run);
      if (effects && script.phase != Phase::Reapply) compare(script, run, *effects, before);
    }
    if (run.sampled && effects && script.phase != Phase::Reapply) compare_sampled(script, run, *effects);
    if (wrap) conn.query("COMMIT");
    if (effects && script.phase != Phase::Reapply) {
      bool ran_inside = !run.refused_in_transaction && !control;
      if (run.refused_in_transaction && effects->transaction_allowed)
        finding("transaction-mismatch", &script, run.begin,
                "PostgreSQL refuses this statement in a transaction block; the analysis says it can run in one");
      else if (ran_inside && !effects->transaction_allowed)
        finding("transaction-mismatch", &script, run.begin,
                "PostgreSQL ran this statement in a transaction block; the analysis says it cannot run in one");
    }
    script.statements.push_back(std::move(run));
    return true;
  }

  // The static analysis of one script, as `check` analyses it in the migration set.
  // (One function, so that the engine's LintSession can take its place.)
  // What is read from the parse trees, which the analysis frees: whether the tool runs the script
  // in a transaction (Flyway decides from the statements), and the COPY ... FROM STDIN statements.
  struct TreeFacts {
    bool in_transaction = false;
    std::vector<char> copies_from_stdin;  // by statement index
  };
  FileResult predict(std::shared_ptr<const SourceFile> source, const Migration& m, const MigrationRole& role,
                     bool declared_transaction, bool down, TreeFacts& facts) {
    LintOptions o = options.lint;
    o.analysis.single_query = single_query(m);
    ParsedFile parsed = parse_file(std::move(source));
    o.analysis.assume_in_transaction = runs_in_transaction(m, declared_transaction, parsed, o.analysis.pg_version);
    facts.in_transaction = o.analysis.assume_in_transaction;
    for (const Statement& stmt : parsed.statements) facts.copies_from_stdin.push_back(copies_from_stdin(stmt));
    // A down script is analysed against the schema its up left; it does not extend the history.
    SetHistory scratch = history;
    return analyse_file(std::move(parsed), role, o, nullptr, down ? &scratch : &history);
  }

  // Applies one script; false when a statement failed.
  bool apply(const std::string& path, const std::string& text, const Migration& m, Phase phase,
             std::optional<ByteRange> section) {
    bool down = phase == Phase::Down;
    std::string shown_text = section ? blank_outside(text, *section) : text;
    auto source = std::make_shared<const SourceFile>(path, std::move(shown_text));
    MigrationRole role = down ? down_role(m) : MigrationRole{};
    TreeFacts facts;
    FileResult predicted = predict(source, m, role, down ? m.down_transaction : m.transaction, down, facts);
    ScriptRun script;
    script.path = path;
    script.phase = phase;
    script.source = source;
    // golang-migrate and Prisma send the file as one query: PostgreSQL runs one of several statements
    // as one implicit transaction (up to the file's own COMMIT), which BEGIN ... COMMIT around it
    // reproduces; a single statement runs on its own.
    auto top_level = std::count_if(predicted.parsed.statements.begin(), predicted.parsed.statements.end(),
                                   [](const Statement& s) { return !s.embedded(); });
    script.transaction = (single_query(m) && top_level > 1) || facts.in_transaction;
    bool ok = true;
    if (script.transaction) conn.query("BEGIN");
    for (std::size_t i = 0; i < predicted.parsed.statements.size() && ok; ++i) {
      const Statement& stmt = predicted.parsed.statements[i];
      if (stmt.embedded()) continue;  // runs as part of the statement around it
      if (facts.copies_from_stdin[i]) {
        result.notes.push_back(path + ":" + std::to_string(source->lines.position(stmt.begin).line) +
                               ": not sent: COPY ... FROM STDIN reads data that psql sends after it");
        continue;
      }
      Effects effects = with_body_locks(predicted, i);
      ok = run_statement(script, stmt, &effects, predicted.parsed.text(stmt));
    }
    if (ok && script.transaction && conn.in_transaction()) {
      QueryResult r = conn.exec("COMMIT");
      if (!r.ok) {
        finding("statement-failed", &script, static_cast<std::uint32_t>(text.size()), "COMMIT failed: " + r.error);
        ok = false;
      }
    }
    if (!ok && conn.in_transaction()) conn.exec("ROLLBACK");
    for (const ParseProblem& p : predicted.parsed.problems)
      if (p.kind == ProblemKind::MetaCommand)
        result.notes.push_back(path + ":" + std::to_string(source->lines.position(p.begin).line) + ": not sent: " +
                               p.message);
    script.failed = !ok;
    result.scripts.push_back(std::move(script));
    if (phase != Phase::Reapply) keep_analysis(std::move(predicted));
    return ok;
  }

  std::optional<std::string> read(const std::string& path) {
    std::string error;
    auto text = read_input({path, false}, error);
    if (!text && file_of_path.emplace(path, result.files.size()).second) {
      FileResult unreadable;
      unreadable.path = path;
      unreadable.input_error = error;
      result.files.push_back(std::move(unreadable));
    }
    return text;
  }

  void fill_tables() {
    if (!options.seed_file.empty()) return;  // the team's own data, loaded once
    FillReport fill = fill_empty_tables(conn, options.rows);
    for (const auto& [table, why] : fill.skipped) {
      if (!left_empty.insert(table).second) continue;
      finding("table-not-filled", nullptr, 0, table + " left empty before this migration: " + why);
    }
  }

  // Up, then (with a down script) down and up again, with the schema and
  // the data compared around them. False when the run must stop.
  bool migrate(const Migration& m) {
    auto up_text = read(m.up);
    if (!up_text) return false;
    std::optional<std::string> down_text;
    bool dbmate = m.layout == Layout::Dbmate;
    if (dbmate ? m.down_section.has_value() : m.down.has_value()) down_text = dbmate ? up_text : read(*m.down);
    std::string down_path = dbmate ? m.up : m.down.value_or("");

    // A template (Flyway ${...}, Go {{ ... }}) is SQL only once its tool fills the placeholders in.
    ParsedFile up_parsed = parse_file(std::make_shared<const SourceFile>(m.up, *up_text));
    if (!up_parsed.placeholders.empty()) {
      result.notes.push_back(m.up + ": not run: a template (placeholder `" + up_parsed.placeholders.front().second +
                             "`) is SQL only once its tool fills it in");
      return true;
    }

    current_up = m.up;
    fill_tables();
    SchemaSnapshot schema_before = schema_snapshot(conn);
    DataCounts data_before = data_counts(conn);
    std::map<std::string, OrphanedRows> orphans_before = orphaned_rows(conn);
    std::size_t first_script = result.scripts.size();
    bool applied = apply(m.up, *up_text, m, Phase::Up, dbmate ? m.up_section : std::nullopt);
    const ScriptRun* up_run = &result.scripts[first_script];
    // What the data says about the up script as a whole is said at its first statement.
    std::uint32_t up_at = up_run->statements.empty() ? 0 : up_run->statements.front().begin;
    // A failed CREATE INDEX CONCURRENTLY leaves its INVALID index behind: said even when the run stops.
    std::map<std::string, DuplicateKeys> duplicates = duplicate_keys(conn);
    for (const std::string& index : invalid_indexes(conn)) {
      if (!reported_invalid.insert(index).second) continue;
      finding("invalid-index", up_run, up_at, index + " is INVALID after the up script (drop it and build it again)");
      if (auto d = duplicates.find(index); d != duplicates.end())
        finding("duplicate-rows", up_run, up_at,
                d->second.table + ": " + std::to_string(d->second.rows) + " rows share " + std::to_string(d->second.keys) +
                    (d->second.keys == 1 ? " key " : " keys ") + d->second.key + " of the unique index " + index +
                    ", which is INVALID: it cannot be built until they are removed");
    }
    // Rows the up script left without their referenced row (a NOT VALID key does not check old rows).
    for (const auto& [key, orphans] : orphaned_rows(conn)) {
      auto before = orphans_before.find(key);
      if (before != orphans_before.end() && before->second.rows >= orphans.rows) continue;
      finding("orphaned-rows", up_run, up_at,
              orphans.table + ": " + std::to_string(orphans.rows) +
                  (orphans.rows == 1 ? " row references no row of " : " rows reference no row of ") +
                  orphans.referenced_table + " by foreign key " + key.substr(orphans.table.size() + 1) +
                  (orphans.validated ? "" : " (NOT VALID: VALIDATE CONSTRAINT will fail)"));
    }
    if (!applied) return false;
    ++result.migrations_applied;
    DataCounts data_after = data_counts(conn);
    for (const auto& [table, n] : data_before.rows)
      if (auto it = data_after.rows.find(table); it != data_after.rows.end() && it->second < n)
        finding("rows-deleted", up_run, up_at, table + ": " + std::to_string(n - it->second) + " of " + std::to_string(n) +
                                               " rows removed by the up script");
    for (const auto& [column, n] : data_before.values)
      if (auto it = data_after.values.find(column); it != data_after.values.end() && it->second < n &&
                                                     data_after.rows[column.substr(0, column.rfind('.'))] >= n)
        finding("values-cleared", up_run, up_at, column + ": " + std::to_string(n - it->second) +
                                                 " values became NULL in the up script");
    if (!down_text) return true;

    std::size_t down_index = result.scripts.size();
    if (!apply(down_path, *down_text, m, Phase::Down, dbmate ? m.down_section : std::nullopt)) return false;
    const ScriptRun& down_run = result.scripts[down_index];
    std::uint32_t at = down_run.statements.empty() ? 0 : down_run.statements.front().begin;
    // One finding per difference, up to a readable number (a squashed baseline's down can leave hundreds).
    constexpr std::size_t kMaxDifferences = 20;
    std::vector<std::string> differences = schema_differences(schema_before, schema_snapshot(conn));
    for (std::size_t i = 0; i < std::min(differences.size(), kMaxDifferences); ++i)
      finding("down-incomplete", &down_run, at, "after up and down: " + differences[i]);
    if (differences.size() > kMaxDifferences)
      finding("down-incomplete", &down_run, at,
              "after up and down: " + std::to_string(differences.size() - kMaxDifferences) + " more differences");
    DataCounts restored = data_counts(conn);
    for (const auto& [table, n] : data_before.rows)
      if (auto it = restored.rows.find(table); it != restored.rows.end() && it->second < n)
        finding("rows-not-restored", &down_run, at,
                table + ": " + std::to_string(it->second) + " rows after up and down, " + std::to_string(n) + " before");
    // Values lost with their rows are said once, above; these are columns whose rows are all back.
    for (const auto& [column, n] : data_before.values) {
      std::string table = column.substr(0, column.rfind('.'));
      auto it = restored.values.find(column);
      if (it != restored.values.end() && it->second < n && restored.rows[table] >= data_before.rows[table])
        finding("values-not-restored", &down_run, at,
                column + ": " + std::to_string(n) + " values before the up, " + std::to_string(it->second) +
                    " after up and down");
    }
    return apply(m.up, *up_text, m, Phase::Reapply, dbmate ? m.up_section : std::nullopt);
  }

  // --schema and --seed: run as they are, statement errors stop the run.
  bool load(const std::string& path, const std::string& what) {
    auto text = read(path);
    if (!text) return false;
    auto source = std::make_shared<const SourceFile>(path, *text);
    // The static model starts from the same schema (a seed file may create tables too).
    LintOptions replay_only = options.lint;
    std::fill(replay_only.enabled.begin(), replay_only.enabled.end(), false);
    FileResult analysis = analyse_file(parse_file(source), {}, replay_only, nullptr, &history);
    ScriptRun script;  // where a failure is reported
    script.path = path;
    bool ok = true;
    for (const Statement& stmt : analysis.parsed.statements) {
      if (stmt.embedded()) continue;
      QueryResult r = conn.exec(std::string(analysis.parsed.text(stmt)));
      if (!r.ok) {
        finding("statement-failed", &script, stmt.begin, what + ": " + r.error + " (SQLSTATE " + r.sqlstate + ")");
        ok = false;
        break;
      }
    }
    keep_analysis(std::move(analysis));
    return ok;
  }
};

// The directory whose migrations form one sequence (the tool stops a sequence at its first failure).
std::string sequence_of(const Migration& m) {
  std::filesystem::path up(m.up);
  bool directory_per_migration = m.layout == Layout::DirPairs || m.layout == Layout::Prisma || m.layout == Layout::Sqitch;
  return (directory_per_migration ? up.parent_path().parent_path() : up.parent_path()).string();
}

}  // namespace

VerifyResult run_verify(Connection& conn, Connection& observer, const MigrationSet& set, const VerifyOptions& options) {
  VerifyResult result;
  result.server_version = conn.server_version();
  Runner runner{conn, observer, options, result};
  if (!options.schema_file.empty() && !runner.load(options.schema_file, "--schema")) return result;
  if (!options.seed_file.empty() && !runner.load(options.seed_file, "--seed")) return result;
  std::string stopped_group;  // a failed migration stops the rest of its sequence, not other directories'
  for (const Migration& m : set.migrations) {
    if (!stopped_group.empty() && sequence_of(m) == stopped_group) continue;
    if (m.up.empty()) {
      result.notes.push_back((m.down ? *m.down : m.name) + ": a down script without its up script: not run");
      continue;
    }
    if (m.snapshot) {
      result.notes.push_back(m.up + ": a schema snapshot, not a migration: not run");
      continue;
    }
    if (!runner.migrate(m)) {
      stopped_group = sequence_of(m);
      if (&m != &set.migrations.back() && sequence_of((&m)[1]) == stopped_group)
        result.notes.push_back("stopped at " + m.up + ": the later migrations of " + stopped_group + " were not run");
    }
  }
  return result;
}

}  // namespace migrasafe::verify
