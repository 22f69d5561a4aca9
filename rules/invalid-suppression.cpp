// invalid-suppression: reported by rules/suppressions.cpp while reading the comments.
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_invalid_suppression{};
}  // namespace migrasafe
