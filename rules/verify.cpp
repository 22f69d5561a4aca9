// The verify rules (rules.def, category verify) have no static check:
// `migrasafe verify` reports them from what PostgreSQL did (verify/runner.cpp).
#include "rules/rule.h"

namespace migrasafe {
const RuleHooks hooks_verify_statement_failed{}, hooks_verify_reapply_failed{}, hooks_verify_lock_mismatch{},
    hooks_verify_rewrite_mismatch{}, hooks_verify_scan_mismatch{}, hooks_verify_transaction_mismatch{},
    hooks_verify_down_incomplete{}, hooks_verify_rows_not_restored{}, hooks_verify_values_not_restored{},
    hooks_verify_values_cleared{}, hooks_verify_rows_deleted{}, hooks_verify_invalid_index{},
    hooks_verify_orphaned_rows{}, hooks_verify_duplicate_rows{}, hooks_verify_table_not_filled{};
}  // namespace migrasafe
