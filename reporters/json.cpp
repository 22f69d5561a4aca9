// Machine output: the versioned JSON contract documented in the README ("JSON output").
#include "analysis/names.h"
#include "reporters/reporters.h"

namespace migrasafe {
namespace {

void put_range(Json& j, const Range& r) {
  j["line"] = r.start.line;
  j["column"] = r.start.column;
  j["end_line"] = r.end.line;
  j["end_column"] = r.end.column;
}

Json statement_json(const FileResult& f, std::size_t i) {
  const Statement& s = f.parsed.statements[i];
  const Effects& e = f.effects[i];
  Json j;
  put_range(j, range_of(f, s.begin, s.end));
  j["kind"] = s.kind;
  Json locks = Json::array();
  for (const RelationLock& l : e.locks) locks.push_back({{"relation", l.relation.str()}, {"mode", pg_lock_name(l.mode)}});
  j["effects"] = {{"locks", std::move(locks)},
                  {"rewrite", tri_name(e.rewrite)},
                  {"scan", tri_name(e.scan)},
                  {"transaction", e.transaction_allowed ? "allowed" : "forbidden"}};
  return j;
}

}  // namespace

void write_json(std::ostream& out, const RunResult& run) {
  Json doc;
  doc["schema_version"] = 1;
  doc["tool"] = {{"name", "migrasafe"}, {"version", MIGRASAFE_VERSION}};
  doc["options"] = {{"pg_version", run.options.pg_version}, {"assume_in_transaction", run.options.assume_in_transaction}};
  Json files = Json::array();
  for (const FileResult& f : run.files) {
    Json jf;
    jf["path"] = f.path;
    Json statements = Json::array();
    for (std::size_t i = 0; i < f.parsed.statements.size(); ++i) statements.push_back(statement_json(f, i));
    jf["statement_count"] = statements.size();
    jf["statements"] = std::move(statements);
    Json findings = Json::array();
    Json errors = Json::array();
    if (!f.input_error.empty()) errors.push_back({{"message", f.input_error}});
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      Json jd;
      jd["code"] = info.code;
      jd["rule"] = info.name;
      jd["category"] = category_name(info.category);
      jd["severity"] = severity_name(d.severity);
      Range r = range_of(f, d.begin, d.end);
      put_range(jd, r);
      jd["message"] = d.message;
      jd["help"] = d.help;
      if (d.rule == RuleId::syntax_error) {
        Json je{{"message", d.message}};
        put_range(je, r);
        errors.push_back(std::move(je));
      }
      findings.push_back(std::move(jd));
    }
    jf["findings"] = std::move(findings);
    jf["errors"] = std::move(errors);
    files.push_back(std::move(jf));
  }
  doc["files"] = std::move(files);
  Counts c = count(run);
  doc["summary"] = {{"files", c.files},       {"statements", c.statements}, {"findings", c.findings()},
                    {"errors", c.errors},     {"warnings", c.warnings},     {"notes", c.notes},
                    {"unreadable_files", c.input_errors}};
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace migrasafe
