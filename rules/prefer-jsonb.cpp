// prefer-jsonb: json columns. json stores the text as written and re-parses it
// on every access; it has no equality operator, so DISTINCT, GROUP BY, UNION
// and unique indexes fail on it, and it cannot be indexed with GIN.
#include "rules/column_types.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_column_type(v, [&](const rules::ColumnTypeUse& u) {
    if (u.builtin != "json") return;
    auto text = rules::type_text(v, u.type);
    rules::Span span = text ? text->all : rules::Span{v.stmt.begin, v.stmt.end};
    auto& d = r.add(RuleId::prefer_jsonb, span.first, span.second,
                    "Column `" + std::string(u.column_name) + "` of `" + rules::display(u.table) +
                        "` is json" + rules::array_bounds(u.type) + ": it is re-parsed on every access, has no equality operator (DISTINCT, GROUP BY, "
                        "UNION and comparisons fail on it) and cannot use GIN indexes",
                    "Use jsonb: stored parsed, comparable, and indexable with GIN (jsonb_path_ops for containment "
                    "queries). Keep json only if the exact text (key order, duplicate keys, whitespace) must be "
                    "preserved.");
    if (text && rules::word_value(v, *text) == "json") d.fix = Fix{"Use jsonb", {rules::rename_type_word(v, *text, "jsonb")}};
  });
}

}  // namespace
const RuleHooks hooks_prefer_jsonb{check, nullptr, rules::kColumnTypeStatements};
}  // namespace migrasafe
