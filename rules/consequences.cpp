#include "rules/consequences.h"

#include <array>

namespace migrasafe {
namespace {

using K = ConsequenceKind;

// The table: every consequence kind with the rule that reports it, or why
// none does (checked below to hold every kind once, in order). The
// consequence test in tests/fixture_tests.cpp checks, on the rule fixtures,
// that each rule named here reports its kinds and only where they occur.
constexpr std::array<ConsequenceReporting, kConsequenceKindCount> kTable{{
    {K::DatabaseDeleted, RuleId::drop_database},
    {K::SchemaDeleted, RuleId::drop_schema},
    {K::TableDeleted, RuleId::drop_table},
    {K::ForeignTableDropped, std::nullopt, "only the local definition goes; the remote server keeps the data"},
    {K::SequenceValueLost, std::nullopt, "setval() can set the value again; no row is lost"},
    {K::TypeColumnsDeleted, std::nullopt,
     "no per-statement rule yet; irreversible-data-change reports it in an up script with a down script"},
    {K::ColumnDeleted, RuleId::drop_column},
    {K::ColumnValuesNarrowed, std::nullopt,
     "alter-column-type reports the rewrite; irreversible-data-change reports the loss in an up script with a down script"},
    {K::RowsTruncated, RuleId::truncate_table},
    {K::AllRowsDeleted, RuleId::delete_without_where},
    {K::ColumnOverwritten, RuleId::update_without_where},
    {K::RequiredColumnAdded, RuleId::add_required_column},
    {K::DroppedColumnUsed, RuleId::drop_column},
    {K::DefaultDropped, std::nullopt, "usually the step before dropping a column that code no longer writes"},
    {K::NullsRejected, std::nullopt,
     "set-not-null-scan reports the scan and fails-on-existing-data the rows it may reject; code that still "
     "writes NULL is left to review"},
    {K::NullsAllowed, RuleId::drop_not_null},
    {K::ColumnRetyped, std::nullopt,
     "alter-column-type reports a retype that rewrites or rebuilds indexes; how clients read the new type is left to review"},
    {K::DroppedTableUsed, RuleId::drop_table},
    {K::DroppedRelationUsed, std::nullopt,
     "code that queries the view or sequence is left to review; breaks-dependent-view reports the views over it"},
    {K::DependentViewBroken, RuleId::breaks_dependent_view},
    {K::DroppedSchemaUsed, RuleId::drop_schema},
    {K::DroppedTypeUsed, std::nullopt,
     "PostgreSQL refuses the DROP while a column uses the type (without CASCADE); casts in code are left to review"},
    {K::DroppedFunctionCalled, std::nullopt,
     "PostgreSQL refuses the DROP while a trigger, default or view uses it (without CASCADE); callers in code are "
     "left to review"},
    {K::ColumnRenamed, RuleId::rename_column},
    {K::TableRenamed, RuleId::rename_table},
    {K::RelationRenamed, RuleId::rename_object},
    {K::ObjectRenamed, RuleId::rename_object},
    {K::EnumValueRenamed, RuleId::rename_object},
}};

// A missing row leaves a value-initialised one at the end, out of order too.
constexpr bool one_row_per_kind_in_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<std::size_t>(kTable[i].kind) != i) return false;
  return true;
}
static_assert(one_row_per_kind_in_order(), "kTable lists every ConsequenceKind once, in enum order");

}  // namespace

const ConsequenceReporting& consequence_reporting(ConsequenceKind kind) { return kTable[static_cast<std::size_t>(kind)]; }

}  // namespace migrasafe
