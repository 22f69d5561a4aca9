#pragma once
// Mechanical fixes (Diagnostic::fix): the one place they are applied, used by
// `check --fix` and by the fix test, and the small helpers rules build them with.
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule.h"

namespace migrasafe {

struct FixOutcome {
  std::string text;         // the input with the applied fixes
  std::size_t applied = 0;  // findings whose fix was applied
  std::size_t skipped = 0;  // fixes left out: they overlap an earlier fix, or are malformed
};

// Applies the fixes of `diagnostics`, in their order, to `text`. A fix is
// applied whole or not at all: one whose edits overlap an edit of a fix
// already taken (or each other, or leave the text) is skipped, so the first
// of two conflicting fixes wins. Two insertions at the same offset conflict.
FixOutcome apply_fixes(std::string_view text, const std::vector<Diagnostic>& diagnostics);

// How many statements of the file do not parse (a fixed file must not have more).
std::size_t syntax_error_count(const ParsedFile& file);

namespace fixes {

// The top-level statement that holds `v.stmt` (a DO block or CREATE FUNCTION
// for a statement of its body), or `v.stmt` itself.
const Statement& outermost(const StatementView& v);

// The byte offset just past the keyword sequence `words` when the statement
// starts with it (comments skipped; upper-case keywords, case-insensitive
// match; "" matches any one token). nullopt when it does not.
std::optional<std::uint32_t> after_leading_keywords(const StatementView& v, std::initializer_list<std::string_view> words);

// The statement runs outside any transaction block: not in an explicit or
// assumed one, not in a body (DO blocks and functions run in one), and not
// in the implicit transaction of a
// file of several statements sent as one query (single_query), so the
// CONCURRENTLY forms can run there.
bool outside_transaction(const StatementView& v);

// The file is one top-level statement sent as one query: adding a statement
// to it would put both in an implicit transaction.
bool lone_query(const StatementView& v);

// An edit that puts `line` on a line of its own before offset `at` (where a
// statement starts), indented as the line `at` is on. The file's byte order
// mark stays its first bytes, and the new line ends with the line break the
// file uses there (CRLF in a CRLF file).
TextEdit insert_line(std::string_view text, std::uint32_t at, std::string_view line);

// "Add CONCURRENTLY": inserts " CONCURRENTLY" at `at`.
Fix add_concurrently(std::uint32_t at);

}  // namespace fixes
}  // namespace migrasafe
