#include "reporters/registry.h"

#include <iterator>

#include "reporters/reporters.h"

namespace migrasafe {

static_assert(std::size(kFormatNames) == static_cast<std::size_t>(Format::Junit) + 1, "one name per Format");

std::string_view format_name(Format f) { return kFormatNames[static_cast<std::size_t>(f)]; }

std::optional<Format> parse_format(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kFormatNames); ++i)
    if (kFormatNames[i] == name) return static_cast<Format>(i);
  return std::nullopt;
}

std::vector<std::string> format_names() { return {std::begin(kFormatNames), std::end(kFormatNames)}; }

std::vector<std::string> explain_format_names() {
  return {std::string(format_name(Format::Text)), std::string(format_name(Format::Json))};
}

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
