#pragma once
// The output formats, written once: every list of formats (the CLI's option
// checks and help, the configuration file's validation, the goldens) and
// the choice of writer come from here.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace migrasafe {

enum class Format { Text, Json, Sarif, Github, Gcc, Gitlab, Markdown, Junit };

// By Format, in the order help lists them.
inline constexpr std::string_view kFormatNames[] = {"text", "json", "sarif", "github", "gcc", "gitlab", "markdown", "junit"};

std::string_view format_name(Format f);
std::optional<Format> parse_format(std::string_view name);
std::vector<std::string> format_names();
// What `explain` can write: its own text report, or JSON with the effects.
std::vector<std::string> explain_format_names();

struct ReportOptions {
  bool color = false;               // text: ANSI colours
  std::optional<Severity> fail_on;  // junit: a file fails on findings at or above it; gitlab: warnings that fail are `major` (nullopt: never)
  bool explain = false;             // text: the per-statement effects report of `explain`
};

void write_report(std::ostream& out, Format format, const RunResult& run, const ReportOptions& options);

}  // namespace migrasafe
