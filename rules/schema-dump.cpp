// schema-dump: reported by the engine (analyse_file) on a file that
// looks_like_schema_dump(): its statements are replayed into the schema
// model, and no rule judges them.
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_schema_dump{};
}  // namespace migrasafe
