// prefer-text-over-varchar: varchar(n) with a length. Raising the limit later
// is cheap (a catalog change) but lowering it, or a limit that is wrong, is
// not; a CHECK constraint expresses the rule and can be changed online.
#include "rules/column_types.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_column_type(v, [&](const rules::ColumnTypeUse& u) {
    if (u.builtin != "varchar" || !rules::has_typmods(u.type)) return;
    auto text = rules::type_text(v, u.type);
    rules::Span span = text ? text->all : rules::Span{v.stmt.begin, v.stmt.end};
    std::string len = text ? rules::mods_text(v, *text) : "(n)";
    r.add(RuleId::prefer_text_over_varchar, span.first, span.second,
          "Column `" + std::string(u.column_name) + "` of `" + rules::display(u.table) + "` is varchar" + len + rules::array_bounds(u.type) +
              ": the length is part of the type, so lowering it later rewrites the table under an ACCESS EXCLUSIVE "
              "lock, and text performs the same",
          "Declare it text, and enforce the length with a constraint that can be changed without a rewrite: "
          "`" + std::string(u.column_name) + " text CONSTRAINT " + u.table.name + "_" + std::string(u.column_name) +
              "_length CHECK (char_length(" + std::string(u.column_name) + ") <= n)`. To change the limit later, add the new CHECK NOT VALID, VALIDATE it, then "
              "drop the old one.");
  });
}

}  // namespace
const RuleHooks hooks_prefer_text_over_varchar{check, nullptr, rules::kColumnTypeStatements};
}  // namespace migrasafe
