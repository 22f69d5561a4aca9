// unused-suppression: reported by rules/suppressions.cpp after the other rules ran.
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_unused_suppression{};
}  // namespace migrasafe
