// SARIF 2.1.0 for GitHub code scanning and editors. tool.driver.rules[] is
// generated from the rule table; every result has a physical location.
#include <algorithm>
#include <cctype>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reporters/reporters.h"

namespace migrasafe {
namespace {

std::string_view level(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "warning";
}

// SARIF wants a Pascal-case friendly name: drop-column -> DropColumn.
std::string pascal_case(std::string_view kebab) {
  std::string out;
  bool upper = true;
  for (char c : kebab) {
    if (c == '-') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

nlohmann::json rule_json(const RuleInfo& r) {
  std::string url = rule_doc_url(r);
  std::string summary(r.summary);
  nlohmann::json j;
  j["id"] = r.code;
  j["name"] = pascal_case(r.name);
  j["shortDescription"] = {{"text", summary + "."}};
  j["fullDescription"] = {{"text", summary + ". Category: " + std::string(category_name(r.category)) + "."}};
  j["helpUri"] = url;
  j["help"] = {{"text", summary + ". See " + url + " for why it is dangerous and the safe recipe."},
               {"markdown", "**" + summary + ".** See [the rule's page](" + url + ") for why it is dangerous and the safe recipe."}};
  j["defaultConfiguration"] = {{"level", level(r.severity)}};
  nlohmann::json tags = nlohmann::json::array({std::string(category_name(r.category)), "postgresql", "migrations"});
  j["properties"] = {{"category", category_name(r.category)}, {"rule", r.name}, {"tags", tags}};
  return j;
}

nlohmann::json region_json(const FileResult& f, std::uint32_t begin, std::uint32_t end) {
  Range r = range_of(f, begin, end);
  return {{"startLine", r.start.line}, {"startColumn", r.start.column}, {"endLine", r.end.line}, {"endColumn", r.end.column}};
}

// SARIF `fixes`: one fix with one artifactChange on the result's own file; an
// insertion is an empty deletedRegion.
// The SARIF base id that relative paths are relative to (the repository root, see
// RunResult::root); GitHub code scanning maps such URIs onto the repository.
constexpr const char* kRootBaseId = "SRCROOT";

nlohmann::json artifact_location(const RunResult& run, const FileResult& f) {
  std::string path = report_path(run, f);
  nlohmann::json location = {{"uri", path_to_uri(path)}};
  if (!run.root.empty() && !path.empty() && path[0] != '/') location["uriBaseId"] = kRootBaseId;
  return location;
}

nlohmann::json fixes_json(const FileResult& f, const nlohmann::json& location, const Fix& fix) {
  nlohmann::json replacements = nlohmann::json::array();
  for (const TextEdit& e : fix.edits)
    replacements.push_back({{"deletedRegion", region_json(f, e.begin, e.end)}, {"insertedContent", {{"text", e.replacement}}}});
  nlohmann::json change = {{"artifactLocation", location}, {"replacements", std::move(replacements)}};
  return nlohmann::json::array(
      {{{"description", {{"text", fix.description}}}, {"artifactChanges", nlohmann::json::array({std::move(change)})}}});
}

// tool.driver.rules[] is the same in every report: serialised once, indented
// for its place in the document (runs[0].tool.driver, five levels deep), and
// written into the report where a placeholder value stands for it.
constexpr std::string_view kRulesPlaceholder = "migrasafe: the rule table";

const std::string& rules_text() {
  static const std::string text = [] {
    nlohmann::json rules = nlohmann::json::array();
    for (const RuleInfo& r : all_rules()) rules.push_back(rule_json(r));
    const std::string flat = rules.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string indented;
    indented.reserve(flat.size() + flat.size() / 4);
    for (std::size_t from = 0, to; from < flat.size(); from = to + 1) {
      to = std::min(flat.find('\n', from), flat.size());
      indented.append(flat, from, to - from);
      if (to < flat.size()) indented.append("\n          ");  // ten more spaces: the table's depth
    }
    return indented;
  }();
  return text;
}

// The document with the rule table in the placeholder's place. A quote in
// any string a user wrote is escaped, so `"rules": "placeholder"` can only be
// the key; it is near the end (the tool object is the run's last member).
std::string with_rules(std::string document) {
  const std::string key = "\"rules\": ", value = "\"" + std::string(kRulesPlaceholder) + "\"";
  return document.replace(document.rfind(key + value) + key.size(), value.size(), rules_text());
}

}  // namespace

void write_sarif(std::ostream& out, const RunResult& run) {
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json notifications = nlohmann::json::array();
  for (const FileResult& f : run.files) {
    nlohmann::json location = artifact_location(run, f);
    if (!f.input_error.empty()) {
      notifications.push_back({{"level", "error"},
                               {"message", {{"text", f.path + ": cannot analyse: " + f.input_error}}},
                               {"locations", nlohmann::json::array({{{"physicalLocation", {{"artifactLocation", location}}}}})}});
      continue;
    }
    // Stable across runs, machines, path spellings and unrelated edits above the finding.
    std::vector<std::string> fingerprints = finding_fingerprints(f, report_path(run, f));
    std::size_t index = 0;
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      nlohmann::json region = region_json(f, d.begin, d.end);
      nlohmann::json result;
      result["ruleId"] = info.code;
      result["ruleIndex"] = static_cast<std::size_t>(d.rule);
      result["level"] = level(d.severity);
      result["message"] = {{"text", d.message + ". " + d.help}};
      result["locations"] = nlohmann::json::array(
          {{{"physicalLocation", {{"artifactLocation", location}, {"region", std::move(region)}}}}});
      result["partialFingerprints"] = {{"migrasafe/v1", fingerprints[index++]}};
      if (d.fix) result["fixes"] = fixes_json(f, location, *d.fix);
      results.push_back(std::move(result));
    }
  }
  Counts c = count(run);
  nlohmann::json invocation = {{"executionSuccessful", c.input_errors == 0}};
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);

  nlohmann::json sarif_run = {
      {"tool",
       {{"driver",
         {{"name", "migrasafe"},
          {"version", MIGRASAFE_VERSION},
          {"semanticVersion", MIGRASAFE_VERSION},
          {"informationUri", "https://github.com/migrasafe/migrasafe"},
          {"rules", kRulesPlaceholder}}}}},
      {"invocations", nlohmann::json::array({std::move(invocation)})},
      // Columns count Unicode code points (SARIF's default would be UTF-16 code units).
      {"columnKind", "unicodeCodePoints"},
      {"results", std::move(results)},
  };
  if (!run.root.empty()) {  // an absolute directory URI, ending in one '/' (the filesystem root is "file:///")
    std::string root = run.root.generic_string();
    if (!root.ends_with('/')) root += '/';
    sarif_run["originalUriBaseIds"] = {{kRootBaseId, {{"uri", path_to_uri(root)}}}};
  }
  nlohmann::json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = nlohmann::json::array({std::move(sarif_run)});
  out << with_rules(doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
}

}  // namespace migrasafe
