#include "config/formats.h"

#include <iterator>

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

}  // namespace migrasafe
