#include <cctype>

#include "reporters/reporters.h"

namespace migrasafe {

Counts count(const RunResult& run) {
  Counts c;
  for (const FileResult& f : run.files) {
    ++c.files;
    if (!f.input_error.empty()) ++c.input_errors;
    c.statements += f.parsed.statements.size();
    for (const Diagnostic& d : f.diagnostics) {
      if (d.severity == Severity::Error) ++c.errors;
      else if (d.severity == Severity::Warning) ++c.warnings;
      else ++c.notes;
    }
  }
  return c;
}

Range range_of(const FileResult& f, std::uint32_t begin, std::uint32_t end) {
  const LineIndex& lines = f.parsed.source->lines;
  return {lines.position(begin), lines.position(end)};
}

std::string path_to_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  if (!path.empty() && path[0] == '/') out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace migrasafe
