#include "engine/baseline.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "sources/git.h"

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

[[noreturn]] void bad(const std::string& file, const std::string& why) {
  throw BaselineError("baseline " + file + ": " + why);
}

}  // namespace

fs::path baseline_root() {
  std::string error;
  if (auto root = repository_root(error)) return *root;
  return real_path(fs::current_path());
}

std::vector<BaselineEntry> load_baseline(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in || fs::is_directory(file)) bad(file, "cannot read the file (create it with `migrasafe baseline -o " + file + "`)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_baseline(text.str(), file);
}

std::vector<BaselineEntry> parse_baseline(const std::string& text, const std::string& file) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) bad(file, "not valid JSON");
  if (!doc.is_object() || !doc.contains("migrasafe_baseline")) bad(file, "not a migrasafe baseline (no \"migrasafe_baseline\" key)");
  const nlohmann::json& version = doc["migrasafe_baseline"];
  // Only a scalar is quoted back: dumping a nested value recurses once per level.
  if (version != kBaselineVersion)
    bad(file, "baseline format " + (version.is_primitive() ? version.dump() : std::string("of type ") + version.type_name()) +
                  " is not supported (this migrasafe reads format " + std::to_string(kBaselineVersion) + ")");
  if (!doc.contains("findings") || !doc["findings"].is_array()) bad(file, "\"findings\" must be an array");
  std::vector<BaselineEntry> out;
  for (const nlohmann::json& j : doc["findings"]) {
    std::string where = "findings[" + std::to_string(out.size()) + "]";
    if (!j.is_object()) bad(file, where + " must be an object");
    auto field = [&](const char* key, bool required) -> std::string {
      if (!j.contains(key)) {
        if (required) bad(file, where + " has no \"" + key + "\"");
        return "";
      }
      if (!j[key].is_string()) bad(file, where + "." + key + " must be a string");
      return j[key].get<std::string>();
    };
    out.push_back({field("path", true), field("code", false), field("rule", false), field("fingerprint", true),
                   field("statement", false)});
  }
  return out;
}

BaselineSummary apply_baseline(const std::vector<BaselineEntry>& baseline, RunResult& run, const fs::path& root) {
  std::map<std::string, const BaselineEntry*> by_print;
  for (const BaselineEntry& e : baseline) by_print.emplace(e.fingerprint, &e);
  std::set<std::string> matched, analysed;
  std::map<const FileResult*, std::vector<char>> drop;
  for_each_fingerprint(run, root, [&](const FileResult& f, const std::string& path, std::size_t i, const std::string& print) {
    analysed.insert(path);
    auto& flags = drop[&f];
    flags.resize(f.diagnostics.size(), 0);
    if (by_print.count(print) && matched.insert(print).second) flags[i] = 1;
  });
  BaselineSummary summary;
  for (FileResult& f : run.files) {
    auto it = drop.find(&f);
    if (it == drop.end()) continue;
    std::vector<Diagnostic> kept;
    for (std::size_t i = 0; i < f.diagnostics.size(); ++i)
      if (!it->second[i]) kept.push_back(std::move(f.diagnostics[i]));
    f.diagnostics = std::move(kept);
  }
  summary.hidden = matched.size();
  for (const BaselineEntry& e : baseline) {
    if (matched.count(e.fingerprint)) continue;
    std::error_code ec;
    fs::path file = fs::path(e.path).is_absolute() ? fs::path(e.path) : root / e.path;
    if (analysed.count(e.path) || !fs::exists(file, ec)) ++summary.stale;
  }
  return summary;
}

}  // namespace migrasafe
