#pragma once
// Output formats. Every reporter takes the same RunResult and uses the same
// byte-offset -> position mapping (LineIndex), so positions agree everywhere.
#include <ostream>
#include <string>
#include <vector>

#include "rules/engine.h"

namespace migrasafe {

struct RunResult {
  std::vector<FileResult> files;
  AnalysisOptions options;
};

struct Counts {
  std::size_t files = 0, statements = 0, errors = 0, warnings = 0, notes = 0, input_errors = 0;
  std::size_t findings() const { return errors + warnings + notes; }
};
Counts count(const RunResult& run);

// A finding's range as 1-based positions; `end` is exclusive (one past the
// last character), as in SARIF.
struct Range {
  Position start, end;
};
Range range_of(const FileResult& f, std::uint32_t begin, std::uint32_t end);

void write_text(std::ostream& out, const RunResult& run, bool color);
void write_explain_text(std::ostream& out, const RunResult& run);

// The statement on one line, shortened to about `width` characters.
std::string statement_summary(const FileResult& f, std::size_t index, std::size_t width = 72);
// For each statement, the findings that start inside it (one pass over the file).
std::vector<std::vector<const Diagnostic*>> findings_by_statement(const FileResult& f);
// "statement" or "transaction".
std::string_view held_until_name(const LockHold& h);
void write_json(std::ostream& out, const RunResult& run);
void write_sarif(std::ostream& out, const RunResult& run);

// Percent-encodes a path for use as a URI reference (SARIF artifactLocation).
std::string path_to_uri(const std::string& path);

}  // namespace migrasafe
