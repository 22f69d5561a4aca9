#include "verify/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "reporters/reporters.h"
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

}  // namespace

void write_verify_text(std::ostream& out, const VerifyResult& result, const ServerInfo& server) {
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
  if (!result.findings.empty()) out << "\n";
  std::size_t errors = 0, warnings = 0, notes = 0;
  for (const VerifyFinding& f : result.findings) {
    if (f.path.empty()) out << "verify";
    else out << visible_controls(f.path) << ":" << f.position.line << ":" << f.position.column;
    out << ": " << severity_name(f.severity) << "[verify-" << f.check << "]: " << visible_controls(f.message) << "\n";
    (f.severity == Severity::Error ? errors : f.severity == Severity::Warning ? warnings : notes)++;
  }
  out << "\n" << result.migrations_applied << " migration" << (result.migrations_applied == 1 ? "" : "s")
      << " applied; " << errors << " error" << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
      << (warnings == 1 ? "" : "s") << ", " << notes << " note" << (notes == 1 ? "" : "s") << "\n";
}

void write_verify_json(std::ostream& out, const VerifyResult& result, const ServerInfo& server) {
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
  json findings = json::array();
  for (const VerifyFinding& f : result.findings) {
    json j = {{"check", "verify-" + f.check}, {"severity", severity_name(f.severity)}, {"message", valid_utf8(f.message)}};
    if (!f.path.empty()) {
      j["path"] = valid_utf8(f.path);
      j["line"] = f.position.line;
      j["column"] = f.position.column;
    }
    findings.push_back(std::move(j));
  }
  json notes = json::array();
  for (const std::string& n : result.notes) notes.push_back(valid_utf8(n));
  json doc = {{"schema_version", 1},
              {"tool", {{"name", "migrasafe"}, {"version", MIGRASAFE_VERSION}}},
              {"server", {{"description", valid_utf8(server.description)}, {"version_num", result.server_version}}},
              {"scripts", std::move(scripts)},
              {"findings", std::move(findings)},
              {"notes", std::move(notes)},
              {"summary", {{"migrations_applied", result.migrations_applied}, {"findings", result.findings.size()}}}};
  out << doc.dump(2) << "\n";
}

}  // namespace migrasafe::verify
