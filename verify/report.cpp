#include "verify/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "reporters/reporters.h"
#include "rules/engine.h"
#include "rules/registry.h"

namespace migrasafe::verify {

namespace {

std::string milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

std::string lock_list(const std::vector<ObservedLock>& locks) {
  std::string out;
  for (const ObservedLock& l : locks) out += (out.empty() ? "" : ", ") + l.relation + " " + l.mode;
  return out.empty() ? "none" : out;
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string statement_text(const ScriptRun& script, const StatementRun& s) {
  return std::string(std::string_view(script.source->text).substr(s.begin, s.end - s.begin));
}

// How to act on each verify rule's finding.
std::string_view help_for(RuleId rule) {
  switch (rule) {
    case RuleId::verify_statement_failed:
      return "the migration fails like this on a database in this state: fix the statement, or the data it "
             "needs (--seed gives verify the team's own rows)";
    case RuleId::verify_reapply_failed:
      return "after a rollback the migration cannot be applied again: make the down script drop what the up "
             "script creates";
    case RuleId::verify_lock_mismatch:
    case RuleId::verify_rewrite_mismatch:
    case RuleId::verify_scan_mismatch:
    case RuleId::verify_transaction_mismatch:
      return "the static analysis is wrong about this statement on this PostgreSQL version: trust what the "
             "server did, and report it to migrasafe";
    case RuleId::verify_down_incomplete:
      return "make the down script restore the schema exactly as it was before the up script";
    case RuleId::verify_rows_not_restored:
    case RuleId::verify_values_not_restored:
      return "a rollback loses data: keep what the up script removes (a copy table, a column left in place "
             "until the next release) so the down script can put it back";
    case RuleId::verify_values_cleared:
    case RuleId::verify_rows_deleted:
      return "check that the up script means to remove this data; a down script cannot bring it back";
    case RuleId::verify_invalid_index:
      return "an INVALID index is maintained on every write but never used: DROP INDEX CONCURRENTLY it and "
             "build it again";
    case RuleId::verify_orphaned_rows:
      return "delete or fix the orphaned rows before VALIDATE CONSTRAINT, which fails on them";
    case RuleId::verify_duplicate_rows:
      return "remove the duplicates, drop the INVALID index and build it again";
    case RuleId::verify_table_not_filled:
      return "the migrations ran on this table without rows: give verify your own rows with --seed";
    default: return "";
  }
}

}  // namespace

RunResult verify_run_result(VerifyResult& result, const Settings& settings) {
  RunResult run;
  run.files = std::move(result.files);
  result.files.clear();
  std::map<std::string, std::size_t> file_of_path;
  for (std::size_t i = 0; i < run.files.size(); ++i) file_of_path.emplace(run.files[i].path, i);
  std::map<std::size_t, std::vector<Diagnostic>> found;  // by file
  for (const VerifyFinding& f : result.findings) {
    auto [it, added] = file_of_path.emplace(f.path, run.files.size());
    if (added) run.files.push_back(lint_source(std::make_shared<const SourceFile>(f.path, ""), {}, {}));
    FileResult& file = run.files[it->second];
    if (!file.input_error.empty()) continue;
    Diagnostic d{f.rule, rule_info(f.rule).severity, f.begin, f.end, f.message, std::string(help_for(f.rule))};
    if (d.begin == d.end) {  // the statement there, else the next one (a comment may come first)
      auto next = std::find_if(file.parsed.statements.begin(), file.parsed.statements.end(),
                               [&](const Statement& s) { return s.begin >= d.begin && !s.embedded(); });
      if (next != file.parsed.statements.end()) d.begin = next->begin, d.end = next->end;
    }
    found[it->second].push_back(std::move(d));
  }
  for (auto& [index, diagnostics] : found) {
    FileResult& file = run.files[index];
    filter_findings(file, settings.options_for(file.path), true, diagnostics);
    file.diagnostics.insert(file.diagnostics.end(), diagnostics.begin(), diagnostics.end());
  }
  for (FileResult& file : run.files)
    std::stable_sort(file.diagnostics.begin(), file.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.begin < b.begin; });
  return run;
}

namespace {

// What every statement did on the server, explain-style.
void write_observations(std::ostream& out, const VerifyResult& result, const ServerInfo& server) {
  out << "verify on " << visible_controls(server.description) << "\n";
  for (const ScriptRun& script : result.scripts) {
    out << "\n" << visible_controls(script.path) << " (" << phase_name(script.phase) << ", "
        << (script.transaction ? "in a transaction" : "no transaction") << ")\n";
    for (const StatementRun& s : script.statements) {
      Position p = script.source->lines.position(s.begin);
      out << "  " << p.line << ":" << p.column << "  "
          << visible_controls(one_line_summary(statement_text(script, s), 60)) << "  [" << milliseconds(s.milliseconds)
          << "]\n";
      if (!s.error.empty()) {
        out << "      failed: " << visible_controls(s.error) << " (SQLSTATE " << s.sqlstate << ")\n";
        continue;
      }
      if (s.kind == "TransactionStmt") continue;
      if (s.observed) {
        out << "      locks: " << visible_controls(lock_list(s.locks)) << "\n";
        if (!s.already_held.empty())
          out << "      held from earlier in the transaction: " << visible_controls(lock_list(s.already_held)) << "\n";
      }
      else if (s.sampled) out << "      ran outside a transaction block; locks sampled while it ran: " << visible_controls(lock_list(s.locks)) << "\n";
      if (!s.rewritten.empty()) out << "      new file (rewritten): " << visible_controls(name_list(s.rewritten)) << "\n";
      if (!s.scanned.empty()) out << "      scanned: " << visible_controls(name_list(s.scanned)) << "\n";
    }
  }
  if (!result.notes.empty()) out << "\n";
  for (const std::string& note : result.notes) out << "note: " << visible_controls(note) << "\n";
  out << "\n";
}

// `check`'s JSON document of `run` with the server, every script run and the notes.
void write_verify_json(std::ostream& out, const VerifyResult& result, const RunResult& run, const ServerInfo& server) {
  using nlohmann::json;
  auto locks_json = [](const std::vector<ObservedLock>& locks) {
    json a = json::array();
    for (const ObservedLock& l : locks) a.push_back({{"relation", valid_utf8(l.relation)}, {"mode", l.mode}});
    return a;
  };
  auto names_json = [](const std::vector<std::string>& names) {
    json a = json::array();
    for (const std::string& n : names) a.push_back(valid_utf8(n));
    return a;
  };
  json scripts = json::array();
  for (const ScriptRun& script : result.scripts) {
    json statements = json::array();
    for (const StatementRun& s : script.statements) {
      Position b = script.source->lines.position(s.begin), e = script.source->lines.position(s.end);
      json st = {{"line", b.line},
                 {"column", b.column},
                 {"end_line", e.line},
                 {"end_column", e.column},
                 {"kind", s.kind},
                 {"milliseconds", s.milliseconds},
                 {"observed", s.observed},
                 {"in_transaction", s.in_tool_transaction},
                 {"refused_in_transaction", s.refused_in_transaction},
                 {"sampled", s.sampled},
                 {"predicted_locks", locks_json(s.predicted)},
                 {"locks", locks_json(s.locks)},
                 {"already_held", locks_json(s.already_held)},
                 {"rewritten", names_json(s.rewritten)},
                 {"scanned", names_json(s.scanned)}};
      if (!s.error.empty()) st["error"] = {{"message", valid_utf8(s.error)}, {"sqlstate", s.sqlstate}};
      statements.push_back(std::move(st));
    }
    scripts.push_back({{"path", valid_utf8(script.path)},
                       {"phase", phase_name(script.phase)},
                       {"transaction", script.transaction},
                       {"failed", script.failed},
                       {"statements", std::move(statements)}});
  }
  json notes = json::array();
  for (const std::string& n : result.notes) notes.push_back(valid_utf8(n));
  std::ostringstream check_json;
  write_json(check_json, run);
  json doc = json::parse(check_json.str());
  doc["server"] = {{"description", valid_utf8(server.description)}, {"version_num", result.server_version}};
  doc["scripts"] = std::move(scripts);
  doc["notes"] = std::move(notes);
  doc["summary"]["migrations_applied"] = result.migrations_applied;
  out << doc.dump(2) << "\n";
}

}  // namespace

void write_verify_report(std::ostream& out, Format format, const VerifyResult& result, const RunResult& run,
                         const ServerInfo& server, const ReportOptions& options) {
  if (format == Format::Json) return write_verify_json(out, result, run, server);
  if (format == Format::Text) write_observations(out, result, server);
  write_report(out, format, run, options);
  if (format == Format::Text)
    out << "migrasafe verify: " << result.migrations_applied << " migration"
        << (result.migrations_applied == 1 ? "" : "s") << " applied\n";
}

}  // namespace migrasafe::verify
