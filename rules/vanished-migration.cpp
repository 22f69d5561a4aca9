// History rule reported on migrasafe.sum itself, not on a migration file:
// the check is in sources/history.cpp and `check` adds its findings to the
// report as a file of their own.
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_vanished_migration{nullptr, nullptr};
}  // namespace migrasafe
