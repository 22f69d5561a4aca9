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

std::string statement_summary(const FileResult& f, std::size_t index, std::size_t width) {
  std::string out;
  bool space = false;
  for (char c : f.parsed.text(f.parsed.statements[index])) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (count_code_points(out) > width) {
    out.resize(byte_offset_of_code_point(out, width - 1));
    out += "…";
  }
  return out;
}

std::vector<std::vector<const Diagnostic*>> findings_by_statement(const FileResult& f) {
  const auto& statements = f.parsed.statements;
  std::vector<std::vector<const Diagnostic*>> out(statements.size());
  // Statements and diagnostics are both in file order.
  std::size_t s = 0;
  for (const Diagnostic& d : f.diagnostics) {
    while (s < statements.size() && statements[s].end < d.begin) ++s;
    if (s < statements.size() && d.begin >= statements[s].begin) out[s].push_back(&d);
  }
  return out;
}

std::string_view held_until_name(const LockHold& h) { return h.until_transaction_end ? "transaction" : "statement"; }

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
