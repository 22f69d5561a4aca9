// Human output: `path:line:col: severity[code name]: message`, the source
// line with the range underlined, the recipe, and a summary line.
#include <algorithm>
#include <string>

#include "reporters/reporters.h"

namespace migrasafe {
namespace {

struct Style {
  bool on;
  std::string wrap(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
  }
};

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::Error: return "1;31";
    case Severity::Warning: return "1;33";
    case Severity::Note: return "1;36";
  }
  return "0";
}

// Control characters from the file must not reach the terminal as-is.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\t' || c >= 0x20) {
      if (c != 0x7f) out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
  }
  return out;
}

void write_snippet(std::ostream& out, const FileResult& f, const Diagnostic& d, const Range& r, const Style& st) {
  const SourceFile& src = *f.parsed.source;
  const LineIndex& lines = src.lines;
  if (static_cast<std::size_t>(r.start.line) > lines.line_count()) return;
  std::size_t line_begin = lines.line_start(r.start.line);
  std::size_t line_end = lines.line_end(r.start.line);
  std::string_view line = std::string_view(src.text).substr(line_begin, line_end - line_begin);
  std::size_t mark_begin = std::min<std::size_t>(d.begin, line_end) - line_begin;
  std::size_t mark_end = (r.end.line == r.start.line ? std::min<std::size_t>(d.end, line_end) : line_end) - line_begin;
  std::string gutter = std::to_string(r.start.line);
  std::string pad(gutter.size(), ' ');
  // Keep tabs in the prefix so the markers line up under the text.
  std::string prefix;
  for (char c : line.substr(0, mark_begin))
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) prefix += c == '\t' ? '\t' : ' ';
  std::size_t width = count_code_points(line.substr(mark_begin, mark_end - mark_begin));
  if (width == 0) width = 1;
  out << st.wrap("34", " " + gutter + " | ") << printable(line) << "\n";
  out << st.wrap("34", " " + pad + " | ") << prefix << st.wrap(severity_color(d.severity), std::string(width, '^'))
      << "\n";
}

// The fix under its finding: what it does, then the lines it changes as
// they are (-) and as they would be (+), when that is a few lines.
void write_fix(std::ostream& out, const FileResult& f, const Fix& fix, const Style& st) {
  out << "  " << st.wrap("1;32", "fix") << ": " << printable(fix.description) << "\n";
  if (fix.edits.empty()) return;
  const SourceFile& src = *f.parsed.source;
  std::vector<TextEdit> edits = fix.edits;
  std::sort(edits.begin(), edits.end(), [](const TextEdit& a, const TextEdit& b) { return a.begin < b.begin; });
  int first = src.lines.position(edits.front().begin).line, last = src.lines.position(edits.back().end).line;
  if (edits.back().end > src.text.size() || last - first > 4) return;
  std::size_t from = src.lines.line_start(first), to = src.lines.line_end(last);
  std::string after;
  std::size_t at = from;
  for (const TextEdit& e : edits) {
    if (e.begin < at) return;  // overlapping edits: nothing sensible to show
    after.append(src.text, at, e.begin - at);
    after += e.replacement;
    at = e.end;
  }
  after.append(src.text, at, to - at);
  auto show = [&](std::string_view text, std::string_view sign, std::string_view color) {
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t nl = text.find('\n', start);
      std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out << "    " << st.wrap(color, std::string(sign) + " " + printable(line)) << "\n";
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
  };
  show(std::string_view(src.text).substr(from, to - from), "-", "31");
  show(after, "+", "32");
}

}  // namespace

void write_text(std::ostream& out, const RunResult& run, bool color) {
  Style st{color};
  for (const FileResult& f : run.files) {
    if (!f.input_error.empty()) {
      out << st.wrap("1", printable(f.path)) << ": " << st.wrap(severity_color(Severity::Error), "error")
          << ": cannot analyse: " << f.input_error << "\n\n";
      continue;
    }
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      Range r = range_of(f, d.begin, d.end);
      out << st.wrap("1", printable(f.path) + ":" + std::to_string(r.start.line) + ":" + std::to_string(r.start.column))
          << ": " << st.wrap(severity_color(d.severity), std::string(severity_name(d.severity)))
          << "[" << info.code << " " << info.name << "]: " << printable(d.message) << "\n";
      write_snippet(out, f, d, r, st);
      if (!d.help.empty()) out << "  " << st.wrap("1;32", "help") << ": " << printable(d.help) << "\n";
      if (d.fix) write_fix(out, f, *d.fix, st);
      out << "\n";
    }
  }
  Counts c = count(run);
  out << "migrasafe: " << c.files << (c.files == 1 ? " file, " : " files, ") << c.statements
      << (c.statements == 1 ? " statement" : " statements") << ": ";
  if (c.findings() == 0) {
    out << "no findings";
  } else {
    out << c.errors << (c.errors == 1 ? " error, " : " errors, ") << c.warnings
        << (c.warnings == 1 ? " warning, " : " warnings, ") << c.notes << (c.notes == 1 ? " note" : " notes");
  }
  if (c.input_errors) out << "; " << c.input_errors << (c.input_errors == 1 ? " file" : " files") << " could not be read";
  out << "\n";
}

}  // namespace migrasafe
