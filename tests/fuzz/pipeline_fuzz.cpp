// libFuzzer target: the whole pipeline on one input, as `migrasafe check`
// runs it on a file: parse (statements, comments, PL/pgSQL bodies),
// analysis with every rule, suppressions, every reporter, and one --fix
// pass whose output must parse no worse than the input. Built with
// -DMIGRASAFE_FUZZ=ON (clang; see tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "reporters/reporters.h"
#include "rules/engine.h"
#include "rules/fix.h"
#include "sources/discovery.h"

namespace {

migrasafe::LintOptions every_rule() {
  migrasafe::LintOptions o;
  std::fill(o.enabled.begin(), o.enabled.end(), true);
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace migrasafe;
  static const LintOptions options = every_rule();
  std::string text(reinterpret_cast<const char*>(data), size);
  // read_input refuses NUL bytes and invalid UTF-8 before anything parses.
  if (text.find('\0') != std::string::npos || find_invalid_utf8(text) != std::string::npos) return 0;
  auto source = std::make_shared<const SourceFile>("db/001_fuzz.sql", text);
  RunResult run;
  run.options = options.analysis;
  run.files.push_back(lint_source(source, {}, options));
  std::ostringstream out;
  write_text(out, run, false);
  write_explain_text(out, run);
  write_json(out, run);
  write_sarif(out, run);
  write_github(out, run);
  write_gcc(out, run);
  write_gitlab(out, run, Severity::Warning);
  write_markdown(out, run);
  write_junit(out, run, Severity::Warning);
  FixOutcome fixed = apply_fixes(text, run.files[0].diagnostics);
  if (fixed.applied > 0) {
    FileResult again = lint_source(std::make_shared<const SourceFile>("db/001_fuzz.sql", fixed.text), {}, options);
    if (syntax_error_count(again.parsed) > syntax_error_count(run.files[0].parsed)) __builtin_trap();
  }
  return 0;
}
