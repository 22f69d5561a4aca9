#pragma once
// Baselines: `migrasafe baseline` records today's findings in a JSON file and
// `check --baseline FILE` reports only findings that are not in it. A finding
// is recorded by its fingerprint (finding_fingerprints() over the path
// relative to the repository root), which does not depend on line numbers,
// so edits above a finding do not bring it back.
#include <cstddef>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/result.h"
#include "sources/paths.h"

namespace migrasafe {

inline constexpr int kBaselineVersion = 1;

// A missing, unreadable or malformed baseline file; the message names it.
struct BaselineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct BaselineEntry {
  std::string path;         // relative to the root, '/' separated
  std::string code, rule;   // MS401, drop-column
  std::string fingerprint;  // 64 hex digits
  std::string statement;    // the statement on one line, for the reader only
};

// Where recorded paths start: the git working tree's top directory, else the
// working directory.
std::filesystem::path baseline_root();

// Calls fn(file, recorded path, finding index, fingerprint) for each finding
// of the run; the path is relative to `root`.
template <typename Fn>
void for_each_fingerprint(const RunResult& run, const std::filesystem::path& root, Fn&& fn) {
  for (const FileResult& f : run.files) {
    if (!f.input_error.empty()) continue;
    std::string path = path_relative_to(f.path, root);
    std::vector<std::string> prints = finding_fingerprints(f, path);
    for (std::size_t i = 0; i < f.diagnostics.size(); ++i) fn(f, path, i, prints[i]);
  }
}

// Reads and validates a baseline file; throws BaselineError.
std::vector<BaselineEntry> load_baseline(const std::string& file);
// The same for a baseline's text; `file` names it in the messages.
std::vector<BaselineEntry> parse_baseline(const std::string& text, const std::string& file);

struct BaselineSummary {
  std::size_t hidden = 0;  // findings dropped because the baseline has them
  std::size_t stale = 0;   // entries for analysed (or deleted) files that matched nothing: fixed
};

// Drops the run's findings that the baseline holds.
BaselineSummary apply_baseline(const std::vector<BaselineEntry>& baseline, RunResult& run,
                               const std::filesystem::path& root);

}  // namespace migrasafe
