// skipped-content: reported by the engine from the parser's problems (psql
// meta-commands, template placeholders).
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_skipped_content{};
}  // namespace migrasafe
