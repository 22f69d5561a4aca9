#pragma once
// Output formats. Every reporter takes the same RunResult and uses the same
// byte-offset -> position mapping (LineIndex), so positions agree everywhere.
#include <array>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/baseline.h"
#include "engine/fingerprint.h"
#include "engine/result.h"

namespace migrasafe {

// The path a repository-matched format records for `f` (see RunResult::root); unnamed stdin keeps
// its placeholder name.
std::string report_path(const RunResult& run, const FileResult& f);

struct Counts {
  std::size_t files = 0, statements = 0, errors = 0, warnings = 0, notes = 0, input_errors = 0;
  std::size_t findings() const { return errors + warnings + notes; }
};
Counts count(const RunResult& run);

// A finding's range as 1-based positions; `end` is exclusive (one past the
// last character), as in SARIF.
struct Range {
  Position start, end;
};
Range range_of(const FileResult& f, std::uint32_t begin, std::uint32_t end);
// The same for offsets asked for in about file order (a report's statements
// or findings): each line is searched from the last answer's (usually a few
// lines on; LineIndex::position with a line near it), not by a binary search
// over the file's lines.
class PositionCursor {
 public:
  explicit PositionCursor(const FileResult& f) : source_(f.parsed.source.get()) {}  // none for an unread file
  Position at(std::uint32_t offset);
  Range range(std::uint32_t begin, std::uint32_t end) {
    const Position start = at(begin);
    return {start, at(end)};
  }

 private:
  const SourceFile* source_;
  Position last_;
};

void write_text(std::ostream& out, const RunResult& run, bool color);
void write_explain_text(std::ostream& out, const RunResult& run);
// What explain says about statement `index` of `f` (its locks, what they
// block and for how long, rewrite or scan, transaction, losses, breaks, the
// `findings` in it), one line each, after `indent`. Also the editor's hover.
void write_statement_effects(std::ostream& out, const FileResult& f, std::size_t index,
                             const std::vector<const Diagnostic*>& findings, const std::string& indent);

// The statement on one line, shortened to about `width` (at least 1) characters.
std::string statement_summary(const FileResult& f, std::size_t index, std::size_t width = 72);
// Any text on one line (whitespace runs collapsed), shortened the same way.
std::string one_line_summary(std::string_view text, std::size_t width = 72);
// The same into `out` (its text replaced, its capacity reused: a report summarises every statement).
void one_line_summary(std::string& out, std::string_view text, std::size_t width = 72);
// For each statement, the findings that start inside it (one pass over the file).
std::vector<std::vector<const Diagnostic*>> findings_by_statement(const FileResult& f);
// "statement" or "transaction".
std::string_view held_until_name(const LockHold& h);
// How long a statement's locks are held, for people: "the end of the statement",
// "the end of the transaction (line 8)", ...
std::string lock_held_until(const LineIndex& lines, const Statement& s, const LockHold& hold);
// The heavy work a statement does while it holds its locks: "rewrites the
// table and its indexes", "reads the whole table", "catalog only".
std::string effects_work(const Effects& e);
void write_json(std::ostream& out, const RunResult& run);
void write_sarif(std::ostream& out, const RunResult& run);

// Percent-encodes a path for use as a URI reference (SARIF artifactLocation).
std::string path_to_uri(const std::string& path);

// CI and review formats. `fail_on` is the --fail-on level (nullopt: never);
// JUnit fails a file's test case on findings at or above it.
void write_github(std::ostream& out, const RunResult& run);
void write_gcc(std::ostream& out, const RunResult& run);
void write_gitlab(std::ostream& out, const RunResult& run, std::optional<Severity> fail_on);
void write_markdown(std::ostream& out, const RunResult& run);
// Text from the input made inert in Markdown: HTML-significant characters as
// entities, inline Markdown punctuation backslash-escaped, controls visible.
std::string markdown_escape(std::string_view s);
void write_junit(std::ostream& out, const RunResult& run, std::optional<Severity> fail_on);

// Untrusted text (paths, messages quoting identifiers, SQL) made safe to show:
// C0 control characters (all but tab, and \n and \r when keep_line_breaks),
// DEL, C1 controls (U+0080..U+009F, e.g. the 8-bit CSI) and bytes that are not
// UTF-8 become visible `\xNN`; bidirectional overrides and isolates
// (U+202A..U+202E, U+2066..U+2069) and marks (U+200E, U+200F, U+061C)
// become `\u{202e}`. The result is valid UTF-8.
std::string visible_controls(std::string_view s, bool keep_line_breaks = false);
// The character at s[i] as visible_controls() shows it (bidirectional marks
// U+200E, U+200F and U+061C are escaped too): `length` bytes of s, shown as
// `text`, taking `columns` terminal columns (2 for East Asian wide and
// fullwidth characters, 0 for combining marks; a tab counts 1).
struct ShownChar {
  std::size_t length;
  std::string text;
  int columns;
};
// Printable ASCII is shown as itself, one column: the common case, tested
// before any decoding.
inline bool is_plain_ascii(char c) { return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f; }
ShownChar shown_char(std::string_view s, std::size_t i, bool keep_line_breaks = false);
// One step of UTF-8 decoding at s[i]: a valid sequence (its length and code
// point), or the maximal subpart of an ill-formed one (Unicode 3.9, "U+FFFD
// substitution of maximal subparts": the bytes up to the first one that
// cannot continue it, at least one), which is what nlohmann::json's
// error_handler_t::replace and most decoders turn into one U+FFFD.
struct Utf8Step {
  std::size_t length;
  bool valid;
  char32_t cp;
};
Utf8Step decode_utf8(std::string_view s, std::size_t i);
// What each byte becomes in an output format's escaping (an empty entry: the
// byte itself), and `s` escaped by it: runs of bytes kept as they are are
// copied whole, not one character at a time.
using ByteEscapes = std::array<std::string_view, 256>;
std::string escape_bytes(std::string_view s, const ByteEscapes& escapes);
// `s` as valid UTF-8: each ill-formed sequence (its maximal subpart) becomes
// U+FFFD, as nlohmann::json's error_handler_t::replace does for SARIF and
// GitLab, so every JSON output spells an undecodable file name the same way.
std::string valid_utf8(std::string_view s);

// A baseline of the run's findings (`migrasafe baseline`), sorted by path,
// code and fingerprint, and its versioned JSON document (one key per line,
// entries sorted: diff-friendly).
std::vector<BaselineEntry> baseline_entries(const RunResult& run, const std::filesystem::path& root);
std::string baseline_json(const std::vector<BaselineEntry>& entries);

}  // namespace migrasafe
