#pragma once
// Finding fingerprints: what baselines record (engine/baseline.h) and what
// SARIF and GitLab reports carry.
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace migrasafe {

// One stable fingerprint per finding of `f` (same order as f.diagnostics):
// SHA-256 of the path, the rule code, the normalized text of the statement the
// finding is in (tokens without comments, single-spaced, unquoted words in
// lower case), the normalized text of the finding's own range, and an index
// among earlier findings with the same key. It does not depend on line
// numbers, messages or the machine, so it survives unrelated edits above the
// finding. Shared by the GitLab report, SARIF partialFingerprints and baselines.
std::vector<std::string> finding_fingerprints(const FileResult& f);
// The same with `path` in place of f.path (baselines: the repository-relative path).
std::vector<std::string> finding_fingerprints(const FileResult& f, std::string_view path);

}  // namespace migrasafe
