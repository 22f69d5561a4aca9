// SARIF 2.1.0 for GitHub code scanning and editors. tool.driver.rules[] is
// generated from the rule table; every result has a physical location.
#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "reporters/json_writer.h"
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

// A member's keys are written in sorted order, as nlohmann::json (which wrote
// this report first) orders them.
void put_region(JsonWriter& w, const FileResult& f, std::uint32_t begin, std::uint32_t end) {
  Range r = range_of(f, begin, end);
  w.begin_object();
  w.field("endColumn", r.end.column);
  w.field("endLine", r.end.line);
  w.field("startColumn", r.start.column);
  w.field("startLine", r.start.line);
  w.end_object();
}

// The SARIF base id that relative paths are relative to (the repository root, see
// RunResult::root); GitHub code scanning maps such URIs onto the repository.
constexpr const char* kRootBaseId = "SRCROOT";

struct ArtifactLocation {
  std::string uri;
  bool relative_to_root;
};

ArtifactLocation artifact_location(const RunResult& run, const FileResult& f) {
  std::string path = report_path(run, f);
  return {path_to_uri(path), !run.root.empty() && !path.empty() && path[0] != '/'};
}

void put_artifact_location(JsonWriter& w, const ArtifactLocation& location) {
  w.key("artifactLocation");
  w.begin_object();
  w.field("uri", location.uri);
  if (location.relative_to_root) w.field("uriBaseId", kRootBaseId);
  w.end_object();
}

void put_text(JsonWriter& w, const JsonKey& key, std::string_view text) {
  w.key(key);
  w.begin_object();
  w.field("text", text);
  w.end_object();
}

// SARIF `fixes`: one fix with one artifactChange on the result's own file; an
// insertion is an empty deletedRegion.
void put_fixes(JsonWriter& w, const FileResult& f, const ArtifactLocation& location, const Fix& fix) {
  w.key("fixes");
  w.begin_array();
  w.begin_object();
  w.key("artifactChanges");
  w.begin_array();
  w.begin_object();
  put_artifact_location(w, location);
  w.key("replacements");
  w.begin_array();
  for (const TextEdit& e : fix.edits) {
    w.begin_object();
    w.key("deletedRegion");
    put_region(w, f, e.begin, e.end);
    put_text(w, "insertedContent", e.replacement);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_array();
  put_text(w, "description", fix.description);
  w.end_object();
  w.end_array();
}

// tool.driver.rules[] is the same in every report: serialised once, indented
// for its place in the document (runs[0].tool.driver, five levels deep).
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

}  // namespace

void write_sarif(std::ostream& out, const RunResult& run) {
  JsonWriter w(out, JsonEscapes::Nlohmann);
  w.begin_object();
  w.field("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  w.key("runs");
  w.begin_array();
  w.begin_object();
  // Columns count Unicode code points (SARIF's default would be UTF-16 code units).
  w.field("columnKind", "unicodeCodePoints");
  w.key("invocations");
  w.begin_array();
  w.begin_object();
  Counts c = count(run);
  w.field("executionSuccessful", c.input_errors == 0);
  if (c.input_errors) {
    w.key("toolExecutionNotifications");
    w.begin_array();
    for (const FileResult& f : run.files) {
      if (f.input_error.empty()) continue;
      w.begin_object();
      w.field("level", "error");
      w.key("locations");
      w.begin_array();
      w.begin_object();
      w.key("physicalLocation");
      w.begin_object();
      put_artifact_location(w, artifact_location(run, f));
      w.end_object();
      w.end_object();
      w.end_array();
      put_text(w, "message", f.path + ": cannot analyse: " + f.input_error);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  w.end_array();
  if (!run.root.empty()) {  // an absolute directory URI, ending in one '/' (the filesystem root is "file:///")
    std::string root = run.root.generic_string();
    if (!root.ends_with('/')) root += '/';
    w.key("originalUriBaseIds");
    w.begin_object();
    w.key(kRootBaseId);
    w.begin_object();
    w.field("uri", path_to_uri(root));
    w.end_object();
    w.end_object();
  }
  w.key("results");
  w.begin_array();
  for (const FileResult& f : run.files) {
    if (!f.input_error.empty()) continue;
    const ArtifactLocation location = artifact_location(run, f);
    // Stable across runs, machines, path spellings and unrelated edits above the finding.
    std::vector<std::string> fingerprints = finding_fingerprints(f, report_path(run, f));
    std::size_t index = 0;
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      w.begin_object();
      if (d.fix) put_fixes(w, f, location, *d.fix);
      w.field("level", level(d.severity));
      w.key("locations");
      w.begin_array();
      w.begin_object();
      w.key("physicalLocation");
      w.begin_object();
      put_artifact_location(w, location);
      w.key("region");
      put_region(w, f, d.begin, d.end);
      w.end_object();
      w.end_object();
      w.end_array();
      put_text(w, "message", d.message + ". " + d.help);
      w.key("partialFingerprints");
      w.begin_object();
      w.field("migrasafe/v1", fingerprints[index++]);
      w.end_object();
      w.field("ruleId", info.code);
      w.field("ruleIndex", static_cast<std::size_t>(d.rule));
      w.end_object();
    }
  }
  w.end_array();
  w.key("tool");
  w.begin_object();
  w.key("driver");
  w.begin_object();
  w.field("informationUri", "https://github.com/migrasafe/migrasafe");
  w.field("name", "migrasafe");
  w.key("rules");
  w.raw_value(rules_text());
  w.field("semanticVersion", MIGRASAFE_VERSION);
  w.field("version", MIGRASAFE_VERSION);
  w.end_object();
  w.end_object();
  w.end_object();
  w.end_array();
  w.field("version", "2.1.0");
  w.end_object();
}

}  // namespace migrasafe
