#pragma once
// A statement's kind as a small enum: the node name PostgreSQL 15's raw
// parser gives the statement (AlterTableStmt, ...), so that the engine can
// dispatch a statement to the rules that handle its kind, and code can
// compare kinds, without comparing strings.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace migrasafe {

// Every statement node of PostgreSQL 15 (nodes/nodes.h), and UnparsedStmt:
// a statement the grammar rejects (kUnparsedKind).
#define MIGRASAFE_STATEMENT_KINDS(X)                                                                                    \
  X(InsertStmt) X(DeleteStmt) X(UpdateStmt) X(MergeStmt) X(SelectStmt) X(ReturnStmt) X(PLAssignStmt)                   \
  X(AlterTableStmt) X(AlterDomainStmt) X(SetOperationStmt) X(GrantStmt) X(GrantRoleStmt)                                \
  X(AlterDefaultPrivilegesStmt) X(ClosePortalStmt) X(ClusterStmt) X(CopyStmt) X(CreateStmt) X(DefineStmt) X(DropStmt)   \
  X(TruncateStmt) X(CommentStmt) X(FetchStmt) X(IndexStmt) X(CreateFunctionStmt) X(AlterFunctionStmt) X(DoStmt)        \
  X(RenameStmt) X(RuleStmt) X(NotifyStmt) X(ListenStmt) X(UnlistenStmt) X(TransactionStmt) X(ViewStmt) X(LoadStmt)      \
  X(CreateDomainStmt) X(CreatedbStmt) X(DropdbStmt) X(VacuumStmt) X(ExplainStmt) X(CreateTableAsStmt) X(CreateSeqStmt)  \
  X(AlterSeqStmt) X(VariableSetStmt) X(VariableShowStmt) X(DiscardStmt) X(CreateTrigStmt) X(CreatePLangStmt)            \
  X(CreateRoleStmt) X(AlterRoleStmt) X(DropRoleStmt) X(LockStmt) X(ConstraintsSetStmt) X(ReindexStmt) X(CheckPointStmt) \
  X(CreateSchemaStmt) X(AlterDatabaseStmt) X(AlterDatabaseRefreshCollStmt) X(AlterDatabaseSetStmt) X(AlterRoleSetStmt)  \
  X(CreateConversionStmt) X(CreateCastStmt) X(CreateOpClassStmt) X(CreateOpFamilyStmt) X(AlterOpFamilyStmt)             \
  X(PrepareStmt) X(ExecuteStmt) X(DeallocateStmt) X(DeclareCursorStmt) X(CreateTableSpaceStmt) X(DropTableSpaceStmt)    \
  X(AlterObjectDependsStmt) X(AlterObjectSchemaStmt) X(AlterOwnerStmt) X(AlterOperatorStmt) X(AlterTypeStmt)            \
  X(DropOwnedStmt) X(ReassignOwnedStmt) X(CompositeTypeStmt) X(CreateEnumStmt) X(CreateRangeStmt) X(AlterEnumStmt)      \
  X(AlterTSDictionaryStmt) X(AlterTSConfigurationStmt) X(CreateFdwStmt) X(AlterFdwStmt) X(CreateForeignServerStmt)      \
  X(AlterForeignServerStmt) X(CreateUserMappingStmt) X(AlterUserMappingStmt) X(DropUserMappingStmt)                     \
  X(AlterTableSpaceOptionsStmt) X(AlterTableMoveAllStmt) X(SecLabelStmt) X(CreateForeignTableStmt)                      \
  X(ImportForeignSchemaStmt) X(CreateExtensionStmt) X(AlterExtensionStmt) X(AlterExtensionContentsStmt)                 \
  X(CreateEventTrigStmt) X(AlterEventTrigStmt) X(RefreshMatViewStmt) X(ReplicaIdentityStmt) X(AlterSystemStmt)          \
  X(CreatePolicyStmt) X(AlterPolicyStmt) X(CreateTransformStmt) X(CreateAmStmt) X(CreatePublicationStmt)                \
  X(AlterPublicationStmt) X(CreateSubscriptionStmt) X(AlterSubscriptionStmt) X(DropSubscriptionStmt) X(CreateStatsStmt) \
  X(AlterCollationStmt) X(CallStmt) X(AlterStatsStmt) X(UnparsedStmt)

enum class StmtKind : std::uint8_t {
  Other,  // a node name not listed above
#define MIGRASAFE_KIND_ENUMERATOR(name) name,
  MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_KIND_ENUMERATOR)
#undef MIGRASAFE_KIND_ENUMERATOR
};

#define MIGRASAFE_KIND_ONE(name) +1
inline constexpr std::size_t kStmtKindCount = 1 MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_KIND_ONE);
#undef MIGRASAFE_KIND_ONE

// The kind of a statement node named `node_name`; Other for any other name.
StmtKind statement_kind(std::string_view node_name);

}  // namespace migrasafe
