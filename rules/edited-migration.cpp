// History rule: the check is in sources/history.cpp (it needs the whole
// migration set); this hook reports its findings on line 1 of the file.
#include "rules/helpers.h"

namespace migrasafe {
const RuleHooks hooks_edited_migration{nullptr, rules::report_history_issues<RuleId::edited_migration>};
}  // namespace migrasafe
