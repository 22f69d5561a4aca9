// syntax-error: reported by the engine from the parser's problems; every
// other statement of the file is still analysed.
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_syntax_error{};
}  // namespace migrasafe
