// Human output: `path:line:col: severity[code name]: message`, the source
// line with the range underlined, the recipe, and a summary line.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

// Untrusted text (paths, messages quoting identifiers): control characters,
// bidirectional controls and bytes that are not UTF-8 shown escaped.
std::string printable(std::string_view s) { return visible_controls(s); }

// At most this many columns of a source line are shown: a migration can hold
// megabytes on one line, and every finding on it quotes the line.
constexpr int kSnippetColumns = 120;
// Of which, at most this many before the marked range (more when the line ends first).
constexpr int kColumnsBefore = 40;

// A window of a source line around a marked range, as the terminal shows it:
// `text` (with `…` where the line is cut), the caret line's indentation
// (tabs kept so the carets line up under them) and the number of carets.
// Only the characters inside the window are decoded, so the cost does not
// depend on the length of the line.
struct Window {
  std::string text;
  std::string indent;
  std::size_t carets = 1;
};

// The character that ends just before line[i] (a lone or broken byte alone).
ShownChar shown_char_before(std::string_view line, std::size_t i) {
  for (std::size_t back = 1; back <= 4 && back <= i; ++back) {
    if ((static_cast<unsigned char>(line[i - back]) & 0xC0) == 0x80) continue;
    ShownChar c = shown_char(line, i - back);
    if (c.length == back) return c;
    break;
  }
  return shown_char(line, i - 1);  // a byte that is not part of a character ending at i
}

// The window when every byte it could show is printable ASCII (one column
// each, shown as itself): cut by arithmetic instead of character by character.
std::optional<Window> plain_window(std::string_view line, std::size_t mark_begin, std::size_t mark_end, bool cut_left,
                                   bool cut_right) {
  const std::size_t reach = static_cast<std::size_t>(kSnippetColumns);
  std::size_t lo = mark_begin > reach ? mark_begin - reach : 0, hi = std::min(line.size(), mark_begin + reach);
  for (std::size_t i = lo; i < hi; ++i)
    if (!is_plain_ascii(line[i])) return std::nullopt;
  std::size_t from = mark_begin - std::min<std::size_t>(mark_begin, kColumnsBefore);
  std::size_t to = std::min(line.size(), from + reach);
  if (to == line.size()) from = to > reach ? to - reach : 0;  // room left: more of the start of the line
  Window w;
  if (from > 0 || cut_left) {
    w.text = "…";
    w.indent = " ";
  }
  w.text.append(line.substr(from, to - from));
  w.indent.append(mark_begin - from, ' ');
  if (to < line.size() || cut_right) w.text += "…";
  w.carets = std::max<std::size_t>(std::min(mark_end, to) > mark_begin ? std::min(mark_end, to) - mark_begin : 0, 1);
  return w;
}

// `cut_left`/`cut_right`: `line` is itself a piece of a longer line.
Window window(std::string_view line, std::size_t mark_begin, std::size_t mark_end, bool cut_left = false,
              bool cut_right = false) {
  mark_begin = std::min(mark_begin, line.size());
  if (std::optional<Window> w = plain_window(line, mark_begin, mark_end, cut_left, cut_right)) return *std::move(w);
  std::vector<ShownChar> before;  // nearest first
  std::vector<ShownChar> after;
  std::size_t from = mark_begin, to = mark_begin;
  int used = 0;
  auto take_before = [&](int budget) {
    while (from > 0) {
      ShownChar c = shown_char_before(line, from);
      if (used + std::max(c.columns, 1) > budget) break;
      used += std::max(c.columns, 1);
      from -= c.length;
      before.push_back(std::move(c));
    }
  };
  take_before(kColumnsBefore);
  while (to < line.size()) {
    ShownChar c = shown_char(line, to);
    if (used + std::max(c.columns, 1) > kSnippetColumns) break;
    used += std::max(c.columns, 1);
    to += c.length;
    after.push_back(std::move(c));
  }
  if (to == line.size()) take_before(kSnippetColumns);  // room left: more of the start of the line
  Window w;
  if (from > 0 || cut_left) {
    w.text = "…";
    w.indent = " ";
  }
  for (auto c = before.rbegin(); c != before.rend(); ++c) {
    w.text += c->text;
    w.indent += c->text == "\t" ? std::string("\t") : std::string(static_cast<std::size_t>(c->columns), ' ');
  }
  std::size_t carets = 0, at = mark_begin;
  for (const ShownChar& c : after) {
    w.text += c.text;
    if (at < mark_end) carets += static_cast<std::size_t>(c.columns);
    at += c.length;
  }
  if (to < line.size() || cut_right) w.text += "…";
  w.carets = std::max<std::size_t>(carets, 1);
  return w;
}

// Where line `n` of the file starts, past a byte order mark (not shown,
// and not a column).
std::size_t shown_line_start(const SourceFile& src, int n) {
  std::size_t start = src.lines.line_start(n);
  return start == 0 && src.text.starts_with("\xEF\xBB\xBF") ? 3 : start;
}

void write_snippet(std::ostream& out, const FileResult& f, const Diagnostic& d, const Range& r, const Style& st) {
  const SourceFile& src = *f.parsed.source;
  const LineIndex& lines = src.lines;
  if (static_cast<std::size_t>(r.start.line) > lines.line_count()) return;
  std::size_t line_begin = shown_line_start(src, r.start.line);
  std::size_t line_end = std::max(line_begin, lines.line_end(r.start.line));
  std::string_view line = std::string_view(src.text).substr(line_begin, line_end - line_begin);
  std::size_t mark_begin = std::clamp<std::size_t>(d.begin, line_begin, line_end) - line_begin;
  std::size_t mark_end = (r.end.line == r.start.line ? std::min<std::size_t>(d.end, line_end) : line_end) - line_begin;
  Window w = window(line, mark_begin, mark_end);
  std::string gutter = std::to_string(r.start.line);
  std::string pad(gutter.size(), ' ');
  out << st.wrap("34", " " + gutter + " | ") << w.text << "\n";
  out << st.wrap("34", " " + pad + " | ") << w.indent << st.wrap(severity_color(d.severity), std::string(w.carets, '^'))
      << "\n";
}

// The fix under its finding: what it does, then the lines it changes as
// they are (-) and as they would be (+), when that is a few lines. Long
// lines are shown as a window around the first edit.
void write_fix(std::ostream& out, const FileResult& f, const Fix& fix, const Style& st) {
  out << "  " << st.wrap("1;32", "fix") << ": " << printable(fix.description) << "\n";
  if (fix.edits.empty()) return;
  const SourceFile& src = *f.parsed.source;
  std::vector<TextEdit> edits = fix.edits;
  std::sort(edits.begin(), edits.end(), [](const TextEdit& a, const TextEdit& b) { return a.begin < b.begin; });
  if (edits.back().end > src.text.size()) return;
  int first = src.lines.position(edits.front().begin).line, last = src.lines.position(edits.back().end).line;
  if (last - first > 4) return;
  std::size_t from = shown_line_start(src, first), to = std::max<std::size_t>(src.lines.line_end(last), edits.back().end);
  // Only the bytes around the edits of a long line: enough for a window.
  constexpr std::size_t kMargin = 4 * kSnippetColumns;
  auto char_start = [&](std::size_t i) {
    while (i > from && i < to && (static_cast<unsigned char>(src.text[i]) & 0xC0) == 0x80) --i;
    return i;
  };
  std::size_t lo = edits.front().begin > from + kMargin ? char_start(edits.front().begin - kMargin) : from;
  std::size_t hi = edits.back().end + kMargin < to ? char_start(edits.back().end + kMargin) : to;
  std::string after;
  std::size_t at = lo;
  for (const TextEdit& e : edits) {
    if (e.begin < at) return;  // overlapping edits: nothing sensible to show
    after.append(src.text, at, e.begin - at);
    after += e.replacement;
    at = e.end;
  }
  after.append(src.text, at, hi - at);
  std::size_t focus = edits.front().begin - lo;  // the first edit, on the first line shown
  auto show = [&](std::string_view text, std::string_view sign, std::string_view color) {
    std::size_t start = 0;
    bool first_line = true;
    while (start <= text.size()) {
      std::size_t nl = text.find('\n', start);
      std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      bool last_line = nl == std::string_view::npos;
      std::size_t mark = first_line && focus <= line.size() ? focus : 0;
      Window w = window(line, mark, mark, first_line && lo > from, last_line && hi < to);
      out << "    " << st.wrap(color, std::string(sign) + " " + w.text) << "\n";
      if (last_line) break;
      start = nl + 1;
      first_line = false;
    }
  };
  show(std::string_view(src.text).substr(lo, hi - lo), "-", "31");
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
