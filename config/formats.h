#pragma once
// The output formats, written once: every list of formats (the CLI's option
// checks and help, the configuration file's validation, the goldens) comes
// from here; reporters/registry.h maps each to its writer.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

enum class Format { Text, Json, Sarif, Github, Gcc, Gitlab, Markdown, Junit };

// By Format, in the order help lists them.
inline constexpr std::string_view kFormatNames[] = {"text", "json", "sarif", "github", "gcc", "gitlab", "markdown", "junit"};

std::string_view format_name(Format f);
std::optional<Format> parse_format(std::string_view name);
std::vector<std::string> format_names();
// What `explain` can write: its own text report, or JSON with the effects.
std::vector<std::string> explain_format_names();

}  // namespace migrasafe
