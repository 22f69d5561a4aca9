// ban-char-type: char(n) / character(n) / bpchar columns. Values are padded
// with spaces to n, trailing spaces are ignored in comparisons, and the type
// is no faster than text. The one-byte internal type "char" is a different
// type (pg_catalog.char) and is not reported.
#include "rules/column_types.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_column_type(v, [&](const rules::ColumnTypeUse& u) {
    if (u.builtin != "bpchar") return;
    rules::Span span = rules::type_span(v, u.type);
    r.add(RuleId::ban_char_type, span.first, span.second,
          "Column `" + std::string(u.column_name) + "` of `" + rules::display(u.table) +
              "` is char(n): values are padded with spaces to the full length and trailing spaces are ignored when "
              "comparing, which surprises clients, and it is no faster or smaller than text",
          "Use text (with a CHECK (char_length(...) <= n) if the length matters) or varchar. Existing code that "
          "relies on the padding or on trailing spaces being ignored must be checked, so this is not changed "
          "automatically.");
  });
}

}  // namespace
const RuleHooks hooks_ban_char_type{check, nullptr, rules::kColumnTypeStatements};
}  // namespace migrasafe
