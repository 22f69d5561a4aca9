#include "reporters/registry.h"

#include "reporters/reporters.h"

namespace migrasafe {

bool reads_fingerprints(Format format) { return format == Format::Sarif || format == Format::Gitlab; }

void write_report(std::ostream& out, Format format, const RunResult& run, const ReportOptions& options) {
  switch (format) {
    case Format::Text:
      if (options.explain) write_explain_text(out, run);
      else write_text(out, run, options.color);
      return;
    case Format::Json: return write_json(out, run);
    case Format::Sarif: return write_sarif(out, run);
    case Format::Github: return write_github(out, run);
    case Format::Gcc: return write_gcc(out, run);
    case Format::Gitlab: return write_gitlab(out, run, options.fail_on);
    case Format::Markdown: return write_markdown(out, run);
    case Format::Junit: return write_junit(out, run, options.fail_on);
  }
}

}  // namespace migrasafe
