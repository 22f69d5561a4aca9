// prefer-timestamptz: timestamp (without time zone) columns. The type stores
// a wall-clock reading with no zone, so the same instant is stored
// differently by clients in different zones, and DST makes readings ambiguous.
#include "rules/column_types.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_column_type(v, [&](const rules::ColumnTypeUse& u) {
    if (u.builtin != "timestamp") return;
    auto text = rules::type_text(v, u.type);
    rules::Span span = text ? text->all : rules::Span{v.stmt.begin, v.stmt.end};
    auto& d = r.add(RuleId::prefer_timestamptz, span.first, span.second,
                    "Column `" + std::string(u.column_name) + "` of `" + rules::display(u.table) +
                        "` is timestamp without time zone" + rules::array_bounds(u.type) + ": it stores a wall-clock reading with no zone, so values "
                        "written by sessions with different TimeZone settings cannot be compared, and local times are "
                        "ambiguous around daylight-saving changes",
                    "Use timestamptz (timestamp with time zone): it stores an absolute instant in the same 8 bytes and "
                    "converts to each session's TimeZone on output.");
    if (!text) return;
    // "timestamp(3) without time zone" -> "timestamptz(3)"; the modifier stays.
    if (text->zone) {
      TextEdit e = rules::rename_type_word(v, *text, "timestamptz", text->zone->second);
      e.replacement += rules::mods_text(v, *text);
      d.fix = Fix{"Use timestamptz", {e}};
    } else {
      d.fix = Fix{"Use timestamptz", {rules::rename_type_word(v, *text, "timestamptz")}};
    }
  });
}

}  // namespace
const RuleHooks hooks_prefer_timestamptz{check, nullptr, rules::kColumnTypeStatements};
}  // namespace migrasafe
