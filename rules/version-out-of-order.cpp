// History rule: the check is in sources/history.cpp (it needs the whole
// migration set); this hook reports its findings on line 1 of the file.
#include "rules/helpers.h"

namespace migrasafe {
const RuleHooks hooks_version_out_of_order{nullptr, rules::report_history_issues<RuleId::version_out_of_order>};
}  // namespace migrasafe
