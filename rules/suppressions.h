#pragma once
// Suppression comments (DESIGN.md "Suppression"):
//   -- migrasafe-ignore <rule>[, <rule>]: <reason>       the next statement, all its lines
//   -- migrasafe-ignore-file <rule>[, <rule>]: <reason>  the whole file
// squawk's `-- squawk-ignore r1,r2` and `-- squawk-ignore-file [r1,r2]` are
// accepted as they are (no reason), so files written for squawk keep working.
// Rule names may be names, MSnnn codes or aliases.
#include <vector>

#include "parser/parse.h"
#include "rules/rule.h"

namespace migrasafe {

// Removes the diagnostics the file's comments suppress, and adds
// invalid-suppression and unused-suppression findings (when those rules are
// enabled). `enabled` is indexed by RuleId.
// Whether a comment's text is an ignore comment for the next statement
// (`-- migrasafe-ignore ...` or `-- squawk-ignore ...`, not the -file forms):
// text inserted between it and its statement would take its cover.
bool is_statement_ignore(std::string_view comment);

void apply_suppressions(const ParsedFile& file, const std::vector<bool>& enabled, std::vector<Diagnostic>& diagnostics);

}  // namespace migrasafe
