#include "analysis/effects.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <unordered_map>

#include "parser/ast.h"
#include "parser/column_def.h"
#include "parser/table_elements.h"
#include "analysis/catalog.h"
#include "analysis/context.h"
#include "analysis/type_change.h"
#include "analysis/volatility.h"

namespace migrasafe {

std::string_view pg_lock_name(LockMode m) {
  switch (m) {
    case LockMode::AccessShare: return "AccessShareLock";
    case LockMode::RowShare: return "RowShareLock";
    case LockMode::RowExclusive: return "RowExclusiveLock";
    case LockMode::ShareUpdateExclusive: return "ShareUpdateExclusiveLock";
    case LockMode::Share: return "ShareLock";
    case LockMode::ShareRowExclusive: return "ShareRowExclusiveLock";
    case LockMode::Exclusive: return "ExclusiveLock";
    case LockMode::AccessExclusive: return "AccessExclusiveLock";
  }
  return "";
}

std::string_view sql_lock_name(LockMode m) {
  switch (m) {
    case LockMode::AccessShare: return "ACCESS SHARE";
    case LockMode::RowShare: return "ROW SHARE";
    case LockMode::RowExclusive: return "ROW EXCLUSIVE";
    case LockMode::ShareUpdateExclusive: return "SHARE UPDATE EXCLUSIVE";
    case LockMode::Share: return "SHARE";
    case LockMode::ShareRowExclusive: return "SHARE ROW EXCLUSIVE";
    case LockMode::Exclusive: return "EXCLUSIVE";
    case LockMode::AccessExclusive: return "ACCESS EXCLUSIVE";
  }
  return "";
}

std::string_view lock_blocks(LockMode m) {
  switch (m) {
    case LockMode::AccessShare: return "only ACCESS EXCLUSIVE locks (DDL that rewrites or drops)";
    case LockMode::RowShare: return "EXCLUSIVE and ACCESS EXCLUSIVE locks";
    case LockMode::RowExclusive: return "CREATE INDEX and stronger DDL locks";
    case LockMode::ShareUpdateExclusive: return "other DDL, VACUUM and ANALYZE, but not reads or writes";
    case LockMode::Share: return "all writes (INSERT, UPDATE, DELETE); reads continue";
    case LockMode::ShareRowExclusive: return "all writes (INSERT, UPDATE, DELETE); reads continue";
    case LockMode::Exclusive: return "all writes and SELECT ... FOR UPDATE/SHARE; plain reads continue";
    case LockMode::AccessExclusive: return "every read and write, including plain SELECT";
  }
  return "";
}

std::string_view lock_role_name(LockRole r) {
  switch (r) {
    case LockRole::Named: return "named";
    case LockRole::ReferencedByKey: return "foreign key";
    case LockRole::Partition: return "partition";
    case LockRole::PartitionParent: return "partitioned parent";
    case LockRole::OwnedSequence: return "owned sequence";
    case LockRole::IndexTable: return "table of the index";
    case LockRole::TableIndex: return "index of the table";
    case LockRole::Read: return "read";
    case LockRole::Sequence: return "sequence";
    case LockRole::ReferencingKey: return "referencing table";
    case LockRole::Dependent: return "dependent view";
    case LockRole::Trigger: return "trigger function";
    case LockRole::Called: return "called function";
  }
  return "named";
}

std::string_view consequence_kind_name(ConsequenceKind k) {
  switch (k) {
#define MIGRASAFE_CONSEQUENCE_NAME(kind, name) \
  case ConsequenceKind::kind: return name;
    MIGRASAFE_CONSEQUENCE_KINDS(MIGRASAFE_CONSEQUENCE_NAME)
#undef MIGRASAFE_CONSEQUENCE_NAME
  }
  return "unknown";
}

std::string_view tri_name(Tri t) {
  switch (t) {
    case Tri::No: return "no";
    case Tri::Yes: return "yes";
    case Tri::Unknown: return "unknown";
  }
  return "unknown";
}

std::vector<const Consequence*> Effects::of_kind(ConsequenceKind kind) const {
  std::vector<const Consequence*> out;
  for (const auto* list : {&data_loss, &compat_breaks})
    for (const Consequence& c : *list)
      if (c.kind == kind) out.push_back(&c);
  return out;
}

std::optional<LockMode> Effects::lock_on(const QualifiedName& rel) const {
  for (const auto& l : locks)
    if (l.relation == rel) return l.mode;
  return std::nullopt;
}

std::optional<LockMode> Effects::strongest_lock() const {
  std::optional<LockMode> best;
  for (const auto& l : locks)
    if (!best || l.mode > *best) best = l.mode;
  return best;
}

namespace {

// Yes beats Unknown beats No: a statement rewrites if any part of it does.
Tri combine(Tri a, Tri b) {
  if (a == Tri::Yes || b == Tri::Yes) return Tri::Yes;
  if (a == Tri::Unknown || b == Tri::Unknown) return Tri::Unknown;
  return Tri::No;
}

bool has_option(const Json& options, std::string_view name) {
  for (const Json& o : options) {
    auto d = ast::as<"DefElem">(o);
    if (d && ast::str(*d, "defname") == name) {
      // VACUUM (FULL false) is written with an explicit argument.
      const Json* arg = ast::field(*d, "arg");
      if (!arg) return true;
      if (auto b = ast::as<"Boolean">(*arg)) return ast::flag(*b, "boolval");
      if (auto s = ast::as<"String">(*arg)) {
        std::string_view v = ast::str(*s, "sval");
        return v != "false" && v != "off" && v != "0";
      }
      if (auto i = ast::as<"Integer">(*arg)) return ast::num(*i, "ival") != 0;
      return true;
    }
  }
  return false;
}

using ast::is_null_constant;

std::string qualified_column(const QualifiedName& table, const std::string& column) {
  return table.str() + "." + column;
}


// ALTER TABLE sub-commands that PostgreSQL applies to every partition of a
// partitioned table too (checked against PostgreSQL 15 by the differential test).
bool recurses_to_partitions(std::string_view sub) {
  static const std::set<std::string_view> local = {
      "AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize", "AT_SetRelOptions",
      "AT_ResetRelOptions", "AT_ReplaceRelOptions", "AT_ClusterOn", "AT_DropCluster", "AT_SetTableSpace",
      "AT_ReplicaIdentity", "AT_ChangeOwner", "AT_EnableRowSecurity", "AT_DisableRowSecurity",
      "AT_ForceRowSecurity", "AT_NoForceRowSecurity", "AT_SetOptions", "AT_ResetOptions", "AT_GenericOptions",
      // Trigger enabling stays on the named table in PostgreSQL 15.
      "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_DisableTrig", "AT_EnableTrigAll",
      "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser"};
  return !local.count(sub);
}

// Statement kinds whose locks are modelled: those Builder::run handles, and
// those that lock no existing table, view or sequence (only the catalog rows
// of the objects they create or change). Any other kind reads as "unknown".
bool lock_model_known(StmtKind kind) {
  static constexpr auto known = [] {
    std::array<bool, kStmtKindCount> k{};
    for (StmtKind s : {
             StmtKind::TransactionStmt, StmtKind::VariableSetStmt, StmtKind::VariableShowStmt,
             StmtKind::CreateSchemaStmt, StmtKind::CreateFunctionStmt, StmtKind::AlterFunctionStmt,
             StmtKind::CreateEnumStmt, StmtKind::AlterEnumStmt, StmtKind::CreateDomainStmt,
             StmtKind::AlterDomainStmt, StmtKind::CompositeTypeStmt, StmtKind::CreateRangeStmt, StmtKind::DefineStmt,
             StmtKind::AlterTypeStmt, StmtKind::CreateRoleStmt, StmtKind::AlterRoleStmt, StmtKind::AlterRoleSetStmt,
             StmtKind::DropRoleStmt, StmtKind::GrantRoleStmt, StmtKind::GrantStmt,
             StmtKind::AlterDefaultPrivilegesStmt, StmtKind::CreatePLangStmt, StmtKind::CreateCastStmt,
             StmtKind::CreateConversionStmt, StmtKind::CreateOpClassStmt, StmtKind::CreateOpFamilyStmt,
             StmtKind::AlterOpFamilyStmt, StmtKind::AlterOperatorStmt, StmtKind::AlterCollationStmt,
             StmtKind::CreateAmStmt, StmtKind::CreateTransformStmt, StmtKind::CreateFdwStmt, StmtKind::AlterFdwStmt,
             StmtKind::CreateForeignServerStmt, StmtKind::AlterForeignServerStmt, StmtKind::CreateUserMappingStmt,
             StmtKind::AlterUserMappingStmt, StmtKind::DropUserMappingStmt, StmtKind::ImportForeignSchemaStmt,
             StmtKind::CreateEventTrigStmt, StmtKind::AlterEventTrigStmt, StmtKind::AlterTSConfigurationStmt,
             StmtKind::AlterTSDictionaryStmt, StmtKind::CreatedbStmt, StmtKind::DropdbStmt,
             StmtKind::AlterDatabaseStmt, StmtKind::AlterDatabaseSetStmt, StmtKind::AlterDatabaseRefreshCollStmt,
             StmtKind::AlterSystemStmt, StmtKind::CreateTableSpaceStmt, StmtKind::DropTableSpaceStmt,
             StmtKind::AlterTableSpaceOptionsStmt, StmtKind::ListenStmt, StmtKind::UnlistenStmt,
             StmtKind::NotifyStmt, StmtKind::LoadStmt, StmtKind::CheckPointStmt, StmtKind::DeallocateStmt,
             StmtKind::FetchStmt, StmtKind::ClosePortalStmt, StmtKind::ConstraintsSetStmt, StmtKind::SecLabelStmt,
             StmtKind::CreateExtensionStmt, StmtKind::AlterExtensionContentsStmt, StmtKind::CreateSubscriptionStmt,
             StmtKind::AlterSubscriptionStmt, StmtKind::DropSubscriptionStmt, StmtKind::AlterObjectDependsStmt,
             StmtKind::AlterOwnerStmt, StmtKind::AlterStatsStmt, StmtKind::ReturnStmt,
             // A DO block's statements are analysed one by one, as statements of their own.
             StmtKind::DoStmt,
             // Statements handled in Builder::run, which lock what they name (or nothing).
             StmtKind::AlterTableStmt, StmtKind::IndexStmt, StmtKind::DropStmt, StmtKind::TruncateStmt,
             StmtKind::DeleteStmt, StmtKind::UpdateStmt, StmtKind::InsertStmt, StmtKind::MergeStmt,
             StmtKind::CreateStmt, StmtKind::CreateForeignTableStmt, StmtKind::RenameStmt, StmtKind::VacuumStmt,
             StmtKind::ClusterStmt, StmtKind::ReindexStmt, StmtKind::RefreshMatViewStmt, StmtKind::LockStmt,
             StmtKind::AlterSeqStmt, StmtKind::CreateSeqStmt, StmtKind::CreateTrigStmt, StmtKind::ViewStmt,
             StmtKind::CreateTableAsStmt, StmtKind::SelectStmt, StmtKind::PLAssignStmt, StmtKind::DeclareCursorStmt,
             StmtKind::CopyStmt, StmtKind::CreatePolicyStmt, StmtKind::AlterPolicyStmt, StmtKind::RuleStmt,
             StmtKind::CreateStatsStmt, StmtKind::CreatePublicationStmt, StmtKind::AlterPublicationStmt,
             StmtKind::AlterObjectSchemaStmt, StmtKind::CommentStmt, StmtKind::CallStmt, StmtKind::ExecuteStmt,
             StmtKind::ExplainStmt, StmtKind::PrepareStmt, StmtKind::AlterExtensionStmt, StmtKind::DropOwnedStmt,
             StmtKind::ReassignOwnedStmt, StmtKind::AlterTableMoveAllStmt})
      k[static_cast<std::size_t>(s)] = true;
    return k;
  }();
  return known[static_cast<std::size_t>(kind)];
}

class Builder {
 public:
  Builder(const Statement& stmt, const Context& ctx) : stmt_(stmt), ctx_(ctx) {}

  Effects run() {
    const Json& n = stmt_.node;
    const StmtKind k = stmt_.tag;
    if (k == StmtKind::AlterTableStmt) alter_table(n);
    else if (k == StmtKind::IndexStmt) create_index(n);
    else if (k == StmtKind::DropStmt) drop(n);
    else if (k == StmtKind::TruncateStmt) truncate(n); else if (k == StmtKind::DeleteStmt || k == StmtKind::UpdateStmt || k == StmtKind::InsertStmt || k == StmtKind::MergeStmt) dml(n, k);
    else if (k == StmtKind::CreateStmt) create_table(n);
    else if (k == StmtKind::RenameStmt) rename(n);
    else if (k == StmtKind::VacuumStmt) vacuum(n);
    else if (k == StmtKind::ClusterStmt) {
      if (const Json* rel = ast::field(n, "relation")) {
        lock(ctx_.qualify_range_var(*rel), LockMode::AccessExclusive);
      } else {
        forbid("CLUSTER without a table");
        unknown_locks("reclusters every table clustered before, each under ACCESS EXCLUSIVE");
      }
      e_.rewrite = Tri::Yes;
    } else if (k == StmtKind::ReindexStmt) reindex(n);
    else if (k == StmtKind::RefreshMatViewStmt) {
      bool concurrent = ast::flag(n, "concurrent");
      QualifiedName view = ctx_.qualify_range_var(*ast::field(n, "relation"));
      lock(view, concurrent ? LockMode::Exclusive : LockMode::AccessExclusive);
      // Its query runs again, reading every relation it reads.
      if (const ViewInfo* v = ctx_.catalog().view(view))
        for (const QualifiedName& read : v->tables) lock(read, LockMode::AccessShare, LockRole::Read);
      // CONCURRENTLY updates the existing file row by row after a full recompute.
      if (concurrent) e_.scan = Tri::Yes;
      else e_.rewrite = Tri::Yes;
    } else if (k == StmtKind::LockStmt) {
      auto mode = static_cast<LockMode>(std::clamp<long>(ast::num(n, "mode", 8), 1, 8));
      for (const Json& rv : ast::list(n, "relations")) lock(ctx_.qualify_range_var(rv), mode);
    } else if (k == StmtKind::AlterSeqStmt) {
      lock(ctx_.qualify_range_var(*ast::field(n, "sequence")), LockMode::ShareRowExclusive);
      sequence_owner(n);
    } else if (k == StmtKind::CreateSeqStmt) {
      e_.target = ctx_.qualify_range_var(*ast::field(n, "sequence"));
      sequence_owner(n);
    } else if (k == StmtKind::CreateTrigStmt) {
      lock(ctx_.qualify_range_var(*ast::field(n, "relation")), LockMode::ShareRowExclusive);
    } else if (k == StmtKind::ViewStmt) {
      QualifiedName view = ctx_.qualify_range_var(*ast::field(n, "view"));
      e_.target = view;
      if (ast::flag(n, "replace")) lock(view, LockMode::AccessExclusive);
      if (const Json* query = ast::field(n, "query")) reads(*query, false);  // defined, not run
    } else if (k == StmtKind::CreateTableAsStmt) {
      const Json* into = ast::field(n, "into");  // a typed field: not wrapped
      if (into) e_.target = ctx_.qualify_range_var(*ast::field(*into, "rel"));
      if (const Json* query = ast::field(n, "query")) reads(*query, !(into && ast::flag(*into, "skipData")));
    } else if (k == StmtKind::SelectStmt || k == StmtKind::PLAssignStmt || k == StmtKind::DeclareCursorStmt) {
      reads(n);
    } else if (k == StmtKind::CopyStmt) {
      if (const Json* rel = ast::field(n, "relation")) {
        lock(ctx_.qualify_range_var(*rel), ast::flag(n, "is_from") ? LockMode::RowExclusive : LockMode::AccessShare);
        if (ast::flag(n, "is_from")) fire_triggers(ctx_.qualify_range_var(*rel), kInsert);
      }
      if (const Json* query = ast::field(n, "query")) reads(*query);
    } else if (k == StmtKind::CreatePolicyStmt || k == StmtKind::AlterPolicyStmt) {
      lock(ctx_.qualify_range_var(*ast::field(n, "table")), LockMode::AccessExclusive);
    } else if (k == StmtKind::RuleStmt) {
      lock(ctx_.qualify_range_var(*ast::field(n, "relation")), LockMode::AccessExclusive);
    } else if (k == StmtKind::CreateStatsStmt) {
      for (const Json& rel : ast::list(n, "relations"))
        if (ast::as<"RangeVar">(rel)) lock(ctx_.qualify_range_var(rel), LockMode::ShareUpdateExclusive);
    } else if (k == StmtKind::CreatePublicationStmt || k == StmtKind::AlterPublicationStmt) {
      publication(n);
    } else if (k == StmtKind::AlterObjectSchemaStmt) {
      std::string_view type = ast::str(n, "objectType");
      const Json* rel = ast::field(n, "relation");
      if (rel && (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                  type == "OBJECT_SEQUENCE" || type == "OBJECT_FOREIGN_TABLE"))
        lock(ctx_.qualify_range_var(*rel), LockMode::AccessExclusive);
    } else if (k == StmtKind::CreateSchemaStmt) {
      if (ast::list(n, "schemaElts").size() > 0) unknown_locks("the objects CREATE SCHEMA creates with it are not analysed");
    } else if (k == StmtKind::AlterDomainStmt) {
      std::string_view what = ast::str(n, "subtype");
      // ADD CONSTRAINT, SET NOT NULL and VALIDATE check every column of the domain's type.
      if (what == "C" || what == "O" || what == "V") {
        unknown_locks("checks every table with a column of this domain, under SHARE");
        e_.scan = Tri::Unknown;
      }
    } else if (k == StmtKind::CallStmt || k == StmtKind::ExecuteStmt || k == StmtKind::ExplainStmt || k == StmtKind::PrepareStmt) {
      unknown_locks("runs code migrasafe does not analyse here");
    } else if (k == StmtKind::AlterExtensionStmt) {
      unknown_locks("runs the extension's update script");
    } else if (k == StmtKind::DropOwnedStmt || k == StmtKind::ReassignOwnedStmt) {
      unknown_locks("works on every object the role owns");
    } else if (k == StmtKind::AlterTableMoveAllStmt) {
      unknown_locks("moves every matching relation of the tablespace, each under ACCESS EXCLUSIVE");
    } else if (k == StmtKind::CommentStmt) {
      comment(n);
    } else if (k == StmtKind::CreatedbStmt || k == StmtKind::DropdbStmt || k == StmtKind::AlterSystemStmt ||
               k == StmtKind::CreateTableSpaceStmt || k == StmtKind::DropTableSpaceStmt) {
      forbid(k == StmtKind::CreatedbStmt ? "CREATE DATABASE" : k == StmtKind::DropdbStmt ? "DROP DATABASE"
             : k == StmtKind::AlterSystemStmt ? "ALTER SYSTEM" : k == StmtKind::CreateTableSpaceStmt ? "CREATE TABLESPACE"
             : "DROP TABLESPACE");
      if (k == StmtKind::DropdbStmt) lose(ConsequenceKind::DatabaseDeleted, -1, {"", std::string(ast::str(n, "dbname"))}, "", "deletes database " + std::string(ast::str(n, "dbname")));
    } else if (k == StmtKind::AlterEnumStmt) alter_enum(n);
    else if (stmt_.kind == kUnparsedKind && stmt_.reading && ctx_.pg_version() > grammar_version()) unparsed(*stmt_.reading);
    else if (k == StmtKind::DiscardStmt && ast::str(n, "target") == "DISCARD_ALL") forbid("DISCARD ALL");
    else if (!lock_model_known(k) && k != StmtKind::DiscardStmt && stmt_.kind != kUnparsedKind)
      unknown_locks("migrasafe does not model the locks of " + std::string(stmt_.kind));
    data_modifying_ctes(n);
    // The statement's own action, for statements that are not ALTER TABLE.
    if (e_.actions.empty() && !e_.locks.empty()) {
      ActionEffect a;
      a.mode = *e_.strongest_lock();
      a.rewrite = e_.rewrite;
      a.scan = e_.scan;
      e_.actions.push_back(a);
    }
    return std::move(e_);
  }

 private:
  // `rel` a temporary (a name just qualified) is moved into the lock list, not copied.
  template <class Name = QualifiedName>  // the default takes a braced {schema, name}
  void lock(Name&& rel, LockMode mode, LockRole role = LockRole::Named) {
    if (rel.name.empty()) return;
    if (!e_.target && role == LockRole::Named) e_.target = rel;
    for (auto& l : e_.locks) {
      if (l.relation == rel) {
        l.mode = std::max(l.mode, mode);
        if (role == LockRole::Named) l.role = role;  // named by the statement, whatever else reached it first
        return;
      }
    }
    e_.locks.push_back({std::forward<Name>(rel), mode, role});
  }

  // A new foreign key's triggers go on the table it references, and on each
  // partition of a partitioned one: SHARE ROW EXCLUSIVE on all of them.
  void lock_key_target(const QualifiedName& referenced) {
    lock(referenced, LockMode::ShareRowExclusive, LockRole::ReferencedByKey);
    lock_partitions(referenced, LockMode::ShareRowExclusive);
  }

  // A partitioned table's partitions are locked with it (recursively).
  void lock_partitions(const QualifiedName& rel, LockMode mode) {
    const TableInfo* t = ctx_.catalog().table(rel);
    if (!t) return;
    for (const QualifiedName& p : t->partitions) {
      lock(p, mode, LockRole::Partition);
      lock_partitions(p, mode);
    }
  }

  void lose(ConsequenceKind kind, int command, const QualifiedName& object, std::string column, std::string what,
            long location = -1) {
    e_.data_loss.push_back({kind, command, object, std::move(column), std::move(what), location});
  }
  void breaks(ConsequenceKind kind, int command, const QualifiedName& object, std::string column, std::string what) {
    e_.compat_breaks.push_back({kind, command, object, std::move(column), std::move(what)});
  }

  // Views that read `object` (its `column`, or any of it): PostgreSQL
  // refuses to retype the column, and to drop it without CASCADE; CASCADE
  // drops the views too. `dropped_too`: views this statement drops anyway.
  void dependent_views_break(const QualifiedName& object, const std::string& column, int command, bool cascade,
                             bool retype, const std::set<QualifiedName>& dropped_too = {}) {
    std::string what;  // named only when a view breaks: most tables have none
    for (const QualifiedName& view : ctx_.catalog().views_using(object, column)) {
      if (dropped_too.count(view)) continue;
      if (what.empty()) what = column.empty() ? object.str() : qualified_column(object, column);
      std::string text = retype    ? "the type of " + what + " cannot change while view " + view.str() + " reads it: the statement fails"
                         : cascade ? "CASCADE drops view " + view.str() + ", which reads " + what + ": queries that read the view fail"
                                   : what + " cannot be dropped without CASCADE while view " + view.str() + " reads it: the statement fails";
      Consequence broken{ConsequenceKind::DependentViewBroken, command, object, column, std::move(text)};
      broken.view = view;
      e_.compat_breaks.push_back(std::move(broken));
    }
  }

  void unknown_locks(std::string why) {
    if (e_.locks_unknown.empty()) e_.locks_unknown = std::move(why);
  }

  // ACCESS SHARE on every relation a query reads (FROM, JOIN, subqueries).
  // When the query runs (`runs`; not a view's definition), also ROW
  // EXCLUSIVE on the sequences nextval/setval/currval work on, and a call to
  // a function that is not built in may lock anything.
  void reads(const Json& query, bool runs = true) {
    // One walk finds the relations and calls and the query's CTE names; an
    // unqualified relation named like any CTE of the query is that CTE, so
    // the relations are locked after the walk, in the order it met them.
    QueryReads found;
    collect_reads(query, runs, found);
    for (const Json* node : found.in_order) {
      if (node->members_begin()->tree_key() == TreeKey("FuncCall")) {
        function_call(ast::inner(*node));
        continue;
      }
      const Json& rv = ast::inner(*node);
      if (!ast::str(rv, "schemaname").empty() || !found.ctes.count(ast::str(rv, "relname")))
        lock(ctx_.qualify_range_var(*node), LockMode::AccessShare, LockRole::Read);
    }
  }

  struct QueryReads {
    std::vector<const Json*> in_order;  // RangeVar nodes, and FuncCall nodes of a query that runs
    std::set<std::string_view> ctes;    // names in the tree, which outlives the walk
  };

  // Kinds and keys are compared as key numbers: this walk visits every node
  // of every query (a long VALUES list, a big INSERT ... SELECT).
  static void collect_reads(const Json& node, bool runs, QueryReads& found) {
    if (node.is_array()) {
      for (const Json& e : node) collect_reads(e, runs, found);
      return;
    }
    if (!node.is_object()) return;
    if (node.size() == 1) {  // a wrapped node, {"Kind": {...}}, or an object of one field
      const TreeKey kind = node.members_begin()->tree_key();
      // Leaves of the tree that hold no relation, call or CTE (the rows of a long VALUES list).
      if (kind == TreeKey("A_Const") || kind == TreeKey("ColumnRef")) return;
      if (kind == TreeKey("RangeVar")) {
        found.in_order.push_back(&node);
        return;
      }
      if (kind == TreeKey("CommonTableExpr") && ast::inner(node).is_object())
        found.ctes.insert(ast::str(ast::inner(node), "ctename"));
      if (kind == TreeKey("FuncCall") && runs) found.in_order.push_back(&node);
    }
    for (const auto& member : node.items())
      if (member.tree_key() != TreeKey("intoClause")) collect_reads(member.value, runs, found);  // SELECT INTO: the table it creates
  }

  void function_call(const Json& call) {
    auto names = ast::strings(ast::list(call, "funcname"));
    if (names.empty()) return;
    bool builtin = names.size() == 1 || names[names.size() - 2] == "pg_catalog";
    const std::string& name = names.back();
    if (builtin && (name == "nextval" || name == "setval" || name == "currval")) {
      const Json& args = ast::list(call, "args");
      if (auto seq = args.size() >= 1 ? sequence_literal(args[0]) : std::nullopt)
        lock(*seq, LockMode::RowExclusive, LockRole::Sequence);
      else
        unknown_locks(name + "() on a sequence named by an expression");
      return;
    }
    if (builtin && is_builtin_function(name)) return;
    QualifiedName function = ctx_.qualify_names(names);
    if (ctx_.in_function_body()) {  // resolved when the function is called, with what is defined then
      if (std::find(e_.calls.begin(), e_.calls.end(), function) == e_.calls.end()) e_.calls.push_back(function);
      return;
    }
    if (auto runs = ctx_.catalog().function_effects(function)) {
      runs_function(*runs, LockRole::Called, "calls " + function.str() + "(), which ");
      return;
    }
    std::string qualified;
    for (const auto& part : names) qualified += (qualified.empty() ? "" : ".") + part;
    unknown_locks("calls " + qualified + "(), whose locks migrasafe does not know");
  }

  // The locks of a function the statement runs, each a lock it may take,
  // and of the functions it calls in turn (each once, to a bounded depth).
  void runs_function(const FunctionEffects& runs, LockRole role, const std::string& unknown_prefix) {
    std::set<QualifiedName> followed;
    runs_function(runs, role, unknown_prefix, followed, 0);
  }
  void runs_function(const FunctionEffects& runs, LockRole role, const std::string& unknown_prefix,
                     std::set<QualifiedName>& followed, int depth) {
    static constexpr int kMaxCallDepth = 16;
    for (const auto& [rel, mode] : runs.locks) lock(rel, mode, role);
    if (!runs.unknown.empty()) unknown_locks(unknown_prefix + runs.unknown);
    for (const QualifiedName& callee : runs.calls) {
      if (!followed.insert(callee).second) continue;  // recursion: its locks are in already
      auto inner = ctx_.catalog().function_effects(callee);
      if (!inner) unknown_locks(unknown_prefix + "calls " + callee.str() + "(), whose locks migrasafe does not know");
      else if (depth + 1 >= kMaxCallDepth) unknown_locks(unknown_prefix + "calls functions nested too deep to follow");
      else runs_function(*inner, role, unknown_prefix, followed, depth + 1);
    }
  }

  // PostgreSQL's TRIGGER_TYPE_* bits for the events a statement fires.
  static constexpr int kInsert = 1 << 2, kDelete = 1 << 3, kUpdate = 1 << 4, kTruncate = 1 << 5;

  // The triggers on `table` that `events` fire run their functions: what
  // those lock is locked by the statement. A row trigger runs only for rows
  // the statement changes, so each is a lock it may take.
  void fire_triggers(const QualifiedName& table, int events) {
    const TableInfo* t = ctx_.catalog().table(table);
    if (!t) return;
    for (const auto& [name, trigger] : t->triggers) {
      if (!(trigger.events & events)) continue;
      std::string prefix = "fires trigger " + name + " on " + table.str() + ", whose function " + trigger.function.str() + "() ";
      if (auto runs = ctx_.catalog().function_effects(trigger.function))
        runs_function(*runs, LockRole::Trigger, prefix);
      else if (!(trigger.function.schema == "pg_catalog" || is_builtin_function(trigger.function.name)) ||
               ctx_.catalog().function_volatility(trigger.function))
        unknown_locks(prefix + "migrasafe does not know");
    }
  }

  // 'public.seq' or 'seq'::regclass: the sequence it names.
  std::optional<QualifiedName> sequence_literal(const Json& arg) const {
    const Json* expr = &arg;
    if (auto cast = ast::as<"TypeCast">(arg)) expr = ast::field(*cast, "arg");
    auto c = expr ? ast::as<"A_Const">(*expr) : nullptr;
    const Json* sval = c ? ast::field(*c, "sval") : nullptr;  // {"sval": {"sval": "..."}}
    std::string_view text = sval ? ast::str(*sval, "sval") : "";
    if (text.empty()) return std::nullopt;
    std::vector<std::string> parts;
    std::string part;
    for (char ch : text) {
      if (ch == '.') {
        parts.push_back(part);
        part.clear();
      } else if (ch != '"') {
        part += ch;
      }
    }
    parts.push_back(part);
    // Unquoted names fold to lower case, as regclass input does.
    if (text.find('"') == std::string_view::npos)
      for (auto& p : parts) std::transform(p.begin(), p.end(), p.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return ctx_.qualify_names(parts);
  }

  // OWNED BY table.column reads the table's definition.
  void sequence_owner(const Json& n) {
    for (const Json& o : ast::list(n, "options")) {
      auto d = ast::as<"DefElem">(o);
      if (!d || ast::str(*d, "defname") != "owned_by") continue;
      const Json* arg = ast::field(*d, "arg");
      auto items = arg ? ast::as<"List">(*arg) : nullptr;
      auto names = items ? ast::strings(ast::list(*items, "items")) : std::vector<std::string>{};
      if (names.size() < 2) continue;  // OWNED BY NONE
      names.pop_back();
      lock(ctx_.qualify_names(names), LockMode::AccessShare, LockRole::Read);
    }
  }

  // FOR TABLE / ADD TABLE / SET TABLE / DROP TABLE: SHARE UPDATE EXCLUSIVE on
  // each table named (PostgreSQL 15 OpenTableList); schemas and ALL TABLES
  // lock no table.
  void publication(const Json& n) {
    for (const Json& o : ast::list(n, "pubobjects")) {
      auto spec = ast::as<"PublicationObjSpec">(o);
      const Json* table = spec ? ast::field(*spec, "pubtable") : nullptr;  // a typed field: not wrapped
      if (const Json* rel = table ? ast::field(*table, "relation") : nullptr)
        lock(ctx_.qualify_range_var(*rel), LockMode::ShareUpdateExclusive);
    }
  }

  void forbid(std::string what) {
    e_.transaction_allowed = false;
    e_.forbidden_in_transaction = std::move(what);
  }

  void add_action(const QualifiedName& table, ActionEffect a) {
    lock(table, a.mode);
    e_.rewrite = combine(e_.rewrite, a.rewrite);
    e_.scan = combine(e_.scan, a.scan);
    e_.actions.push_back(std::move(a));
  }

  // A constraint added to an existing table (ADD CONSTRAINT, or inline in ADD COLUMN).
  void constraint(const Json& con, ActionEffect& a) {
    std::string_view type = ast::str(con, "contype");
    bool not_valid = ast::flag(con, "skip_validation");
    if (type == "CONSTR_FOREIGN") {
      a.mode = LockMode::ShareRowExclusive;
      if (const Json* pk = ast::field(con, "pktable")) lock_key_target(ctx_.qualify_range_var(*pk));
      if (!not_valid) {
        a.scan = Tri::Yes;
        a.reason = "checks every existing row against the referenced table";
      }
    } else if (type == "CONSTR_CHECK") {
      a.mode = LockMode::AccessExclusive;
      if (!not_valid) {
        a.scan = Tri::Yes;
        a.reason = "checks every existing row";
      }
    } else if (type == "CONSTR_PRIMARY" || type == "CONSTR_UNIQUE" || type == "CONSTR_EXCLUSION") {
      a.mode = LockMode::AccessExclusive;
      if (ast::str(con, "indexname").empty()) {
        a.scan = Tri::Yes;
        a.reason = "builds an index over the whole table";
      }
    } else {
      a.mode = LockMode::AccessExclusive;
    }
  }

  // ADD PRIMARY KEY first makes its columns NOT NULL, scanning the table.
  void primary_key_not_null(const QualifiedName& table, const Json& con, const Json& alter_table, ActionEffect& a) {
    if (ast::str(con, "contype") != "CONSTR_PRIMARY") return;
    NullableKey key = primary_key_nullable_columns(con, table, alter_table, ctx_);
    if (key.columns.empty() && !key.unknown) return;
    a.scan = combine(a.scan, key.columns.empty() ? Tri::Unknown : Tri::Yes);
    std::string cols;
    for (const auto& c : key.columns) cols += (cols.empty() ? "" : ", ") + c;
    a.reason += std::string(a.reason.empty() ? "" : "; it also ") +
                (key.columns.empty() ? "may read every row to make the key columns NOT NULL (their nullability is not known)"
                                     : "reads every row to make " + cols + " NOT NULL");
  }

  void add_column(const Json& def, ActionEffect& a) {
    if (column_def_facts(def).serial) {
      a.rewrite = Tri::Yes;
      a.reason = "a serial column fills every existing row from a sequence";
    }
    for (const Json& c : ast::list(def, "constraints")) {
      auto con = ast::as<"Constraint">(c);
      if (!con) continue;
      std::string_view type = ast::str(*con, "contype");
      if (type == "CONSTR_IDENTITY") {
        a.rewrite = Tri::Yes;
        a.reason = "an identity column fills every existing row from a sequence";
      } else if (type == "CONSTR_GENERATED") {
        a.rewrite = Tri::Yes;
        a.reason = "a stored generated column is computed for every existing row";
      } else if (type == "CONSTR_DEFAULT") {
        const Json* expr = ast::field(*con, "raw_expr");
        if (!expr || is_null_constant(*expr)) continue;
        std::string culprit;
        Volatility v = expression_volatility(*expr, &culprit, [&](const std::vector<std::string>& names) {
          return ctx_.catalog().function_volatility(ctx_.qualify_names(names));
        });
        if (v == Volatility::Volatile) {
          a.rewrite = Tri::Yes;
          a.reason = "the default calls " + culprit + ", which is VOLATILE, so it is evaluated for every existing row";
        } else if (v == Volatility::Unknown) {
          a.rewrite = combine(a.rewrite, Tri::Unknown);
          if (a.reason.empty())
            a.reason = "the default calls " + culprit + ", whose volatility is unknown; if it is VOLATILE every existing row is rewritten";
        } else if (ctx_.pg_version() < 11) {
          a.rewrite = Tri::Yes;
          a.reason = "before PostgreSQL 11 any non-null default is written into every existing row";
        }
      } else if (type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK" || type == "CONSTR_PRIMARY" ||
                 type == "CONSTR_UNIQUE" || type == "CONSTR_EXCLUSION") {
        std::string keep = a.reason;
        Tri rewrite = a.rewrite, scan = a.scan;
        constraint(*con, a);
        a.rewrite = rewrite;
        // A foreign key on a new column without a value is not validated:
        // every row holds NULL (observed on PostgreSQL 15).
        if (type == "CONSTR_FOREIGN" && !column_def_facts(def).fills_rows()) a.scan = scan;
        if (!keep.empty()) a.reason = keep;
        a.mode = LockMode::AccessExclusive;
      }
    }
  }

  void type_change(const QualifiedName& table, const Json& cmd, ActionEffect& a) {
    std::string column(ast::str(cmd, "name"));
    const ColumnInfo* old = ctx_.catalog().column(table, column);
    const Json* def = ast::field(cmd, "def");
    auto col = def ? ast::as<"ColumnDef">(*def) : nullptr;
    const Json* tn = col ? ast::field(*col, "typeName") : nullptr;
    auto to = tn ? column_type(*tn) : std::nullopt;
    if (!old || !to) {
      a.rewrite = Tri::Unknown;
      a.reason = "the current type of " + column +
                 " is not known from the migrations analysed; the change rewrites the table and its indexes "
                 "unless the new type is binary coercible";
      return;
    }
    a.rewrite = type_change_rewrite(old->type, *to, ctx_.pg_version(), a.reason);
    if (std::string loss = type_change_loss(old->type, *to); !loss.empty())
      lose(ConsequenceKind::ColumnValuesNarrowed, a.command, table, column, "changing " + qualified_column(table, column) + " from " + old->type.display() + " to " +
                                         to->display() + " " + loss);
    if (a.rewrite == Tri::No && col && ast::field(*col, "raw_default")) {
      a.rewrite = Tri::Unknown;  // USING: PostgreSQL decides from the expression
      a.reason += ", but a USING expression may still force a rewrite";
    }
    // timestamp and timestamptz have different operator classes, and so do
    // citext and text: without a rewrite the column's indexes are still
    // rebuilt (observed on PostgreSQL 15 for timestamps).
    bool opclass_changes = ((old->type.name == "timestamp") != (to->name == "timestamp") &&
                            (old->type.name == "timestamptz" || to->name == "timestamptz")) ||
                           is_citext(old->type) != is_citext(*to);
    if (a.rewrite != Tri::Yes && opclass_changes) {
      std::string names;
      for (const QualifiedName& idx : indexes_on(table, column)) names += (names.empty() ? "" : ", ") + idx.name;
      if (!names.empty()) {
        a.scan = Tri::Yes;
        a.rebuilds_indexes = true;
        a.reason += "; even then the index(es) " + names + " on the column are rebuilt, reading the whole table";
      }
    }
  }

  std::vector<QualifiedName> indexes_on(const QualifiedName& table, const std::string& column) const {
    std::vector<QualifiedName> out;
    const TableInfo* t = ctx_.catalog().table(table);
    if (!t) return out;
    for (const std::string& name : t->indexes) {
      const IndexInfo* idx = ctx_.catalog().index({table.schema, name});
      if (idx && std::find(idx->columns.begin(), idx->columns.end(), column) != idx->columns.end())
        out.push_back({table.schema, name});
    }
    return out;
  }

  // Dependent CHECK constraints are dropped and re-added by ALTER COLUMN TYPE,
  // and a re-added valid CHECK is verified against every row (observed on
  // PostgreSQL 15) - a scan of its own when the table is not rewritten.
  void recheck_constraints(const QualifiedName& table, const std::string& column, ActionEffect& a) {
    if (a.rewrite == Tri::Yes) return;
    auto checks = checks_using_column(table, column, ctx_);
    if (checks.empty()) return;
    a.scan = Tri::Yes;
    std::string names;
    for (const auto& c : checks) names += (names.empty() ? "" : ", ") + c;
    a.reason += "; the CHECK constraint" + std::string(checks.size() > 1 ? "s " : " ") + names +
                " on the column " + (checks.size() > 1 ? "are" : "is") + " re-checked against every row";
  }

  void alter_table(const Json& n) {
    const Json* rel = ast::field(n, "relation");
    if (!rel) return;
    QualifiedName table = ctx_.qualify_range_var(*rel);
    lock(table, LockMode::AccessShare);  // makes the table the target even if no action locks it
    // Not ALTER TABLE ONLY, on a table with partitions: looked up once, not per sub-command.
    const TableInfo* info = ast::flag(*rel, "inh") ? ctx_.catalog().table(table) : nullptr;
    const bool recurse = info && !info->partitions.empty();
    std::set<std::string> nullable_here;  // DROP NOT NULL earlier in this statement
    for (const AlterTableCommand& command : alter_table_commands(n)) {
      const Json* cmd = command.fields;
      ActionEffect a;
      a.command = command.index;
      a.mode = LockMode::AccessExclusive;  // PostgreSQL's default for ALTER TABLE
      std::string_view sub = command.subtype;
      const Json* def = command.def;
      std::string column(command.name);
      // Only the messages of some sub-commands name the column: spelt out when one does.
      auto where = [&] { return qualified_column(table, column); };
      if (sub == "AT_AddColumn" || sub == "AT_AddColumnToView") {
        if (auto col = def ? ast::as<"ColumnDef">(*def) : nullptr) {
          add_column(*col, a);
          if (column_def_facts(*col).needs_value()) {
            breaks(ConsequenceKind::RequiredColumnAdded, a.command, table, std::string(ast::str(*col, "colname")),
                   "INSERTs that do not set " + std::string(ast::str(*col, "colname")) + " fail (NOT NULL, no default)");
            // PostgreSQL 15 checks the new column for NULLs row by row: it
            // fails on the first existing row, and reads the table even when it is empty.
            a.scan = combine(a.scan, Tri::Yes);
            if (a.reason.empty()) a.reason = "reads every row to check the new NOT NULL column (and fails on any existing row)";
          }
        }
      } else if (sub == "AT_DropColumn") {
        // A generated column's values are computed from other columns: nothing is lost.
        const ColumnInfo* dropped = ctx_.catalog().column(table, column);
        if (!dropped || !dropped->generated) lose(ConsequenceKind::ColumnDeleted, a.command, table, column, "deletes column " + where() + " and its data");
        breaks(ConsequenceKind::DroppedColumnUsed, a.command, table, column, "queries that read or write " + where() + " fail");
        dependent_views_break(table, column, a.command, ast::str(*cmd, "behavior") == "DROP_CASCADE", false);
        for (const QualifiedName& seq : ctx_.catalog().owned_sequences(table, column)) lock(seq, LockMode::AccessExclusive, LockRole::OwnedSequence);
        // A foreign key on the column goes with it, and its triggers on the referenced table.
        for (const auto& [name, c] : ctx_.catalog().constraints(table))
          if (c.references && c.columns.count(column)) lock(*c.references, LockMode::AccessExclusive, LockRole::ReferencedByKey);
      } else if (sub == "AT_ColumnDefault" && (!def || is_null_constant(*def))) {  // DROP DEFAULT, SET DEFAULT NULL
        breaks(ConsequenceKind::DefaultDropped, a.command, table, column, "INSERTs that relied on the default of " + where() + " now store NULL or fail");
      } else if (sub == "AT_AddConstraint") {
        if (def && ast::as<"Constraint">(*def)) {
          constraint(*ast::as<"Constraint">(*def), a);
          primary_key_not_null(table, *ast::as<"Constraint">(*def), n, a);
        }
      } else if (sub == "AT_DropConstraint") {
        if (auto referenced = ctx_.foreign_key_target(table, std::string(ast::str(*cmd, "name"))))
          lock(*referenced, LockMode::AccessExclusive, LockRole::ReferencedByKey);  // the FK's triggers on the other table go too
      } else if (sub == "AT_SetNotNull") {
        const ColumnInfo* known = ctx_.catalog().column(table, column);
        if (known && known->not_null && !nullable_here.count(column)) {
          // PostgreSQL's ATExecSetNotNull does nothing when the column is NOT NULL already.
          a.reason = column + " is NOT NULL already: nothing to check";
        } else {
          breaks(ConsequenceKind::NullsRejected, a.command, table, column, "writes of NULL to " + where() + " fail");
          if (ctx_.pg_version() >= 12 && ctx_.has_valid_not_null_check(table, column)) {
            a.reason = "a validated CHECK (" + column + " IS NOT NULL) lets PostgreSQL skip the scan";
          } else {
            a.scan = Tri::Yes;
            a.reason = "reads every row to prove " + column + " has no NULLs";
          }
        }
      } else if (sub == "AT_DropNotNull") {
        nullable_here.insert(column);
        breaks(ConsequenceKind::NullsAllowed, a.command, table, column,
               "code that expects " + where() + " to be set may read NULL, and once a NULL is stored SET NOT NULL fails");
      } else if (sub == "AT_AlterColumnType") {
        type_change(table, *cmd, a);
        recheck_constraints(table, column, a);
        breaks(ConsequenceKind::ColumnRetyped, a.command, table, column, "clients see " + where() + " with its new type");
        dependent_views_break(table, column, a.command, ast::str(*cmd, "behavior") == "DROP_CASCADE", true);
      } else if (sub == "AT_ValidateConstraint") {
        a.mode = LockMode::ShareUpdateExclusive;
        // A foreign key's check reads the referenced table under ROW SHARE
        // (PostgreSQL 15, ATExecValidateConstraint).
        if (auto referenced = ctx_.foreign_key_target(table, std::string(ast::str(*cmd, "name"))))
          lock(*referenced, LockMode::RowShare, LockRole::ReferencedByKey);
        a.scan = Tri::Yes;
        a.reason = "checks every existing row";
      } else if (sub == "AT_SetStatistics" || sub == "AT_SetOptions" || sub == "AT_ResetOptions" ||
                 sub == "AT_SetRelOptions" || sub == "AT_ResetRelOptions" || sub == "AT_ClusterOn" ||
                 sub == "AT_DropCluster" || sub == "AT_DetachPartitionFinalize") {
        a.mode = LockMode::ShareUpdateExclusive;
      } else if (sub.starts_with("AT_EnableTrig") || sub.starts_with("AT_DisableTrig") ||
                 sub == "AT_EnableAlwaysTrig" || sub == "AT_EnableReplicaTrig") {
        a.mode = LockMode::ShareRowExclusive;
      } else if (sub == "AT_SetLogged" || sub == "AT_SetUnLogged" || sub == "AT_SetTableSpace" ||
                 sub == "AT_SetAccessMethod") {
        a.rewrite = Tri::Yes;
        a.reason = sub == "AT_SetTableSpace" ? "copies the table's files to the new tablespace"
                                             : "writes a new copy of the whole table";
      } else if (sub == "AT_AttachPartition") {
        a.mode = ctx_.pg_version() >= 12 ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
        if (def && ast::as<"PartitionCmd">(*def)) {
          const Json& pc = *ast::as<"PartitionCmd">(*def);
          if (const Json* part = ast::field(pc, "name")) lock(ctx_.qualify_range_var(*part), LockMode::AccessExclusive);
        }
        a.scan = Tri::Yes;
        a.reason = "reads the new partition to check its rows fit the bound";
      } else if (sub == "AT_DetachPartition") {
        auto pc = def ? ast::as<"PartitionCmd">(*def) : nullptr;
        bool concurrent = pc && ast::flag(*pc, "concurrent");
        if (pc) {
          if (const Json* part = ast::field(*pc, "name"))
            lock(ctx_.qualify_range_var(*part), concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive);
        }
        if (concurrent) {
          a.mode = LockMode::ShareUpdateExclusive;
          forbid("DETACH PARTITION ... CONCURRENTLY");
        }
      }
      if (recurse && recurses_to_partitions(sub)) lock_partitions(table, a.mode);
      add_action(table, std::move(a));
    }
  }

  void create_index(const Json& n) {
    QualifiedName table = ctx_.qualify_range_var(*ast::field(n, "relation"));
    bool concurrent = ast::flag(n, "concurrent");
    lock(table, concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share);
    if (ast::flag(*ast::field(n, "relation"), "inh")) lock_partitions(table, concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share);
    // ON ONLY a partitioned parent creates an invalid index without reading anything.
    const TableInfo* info = ctx_.catalog().table(table);
    bool only_parent = info && info->partitioned && !ast::flag(*ast::field(n, "relation"), "inh");
    e_.scan = only_parent ? Tri::No : Tri::Yes;
    if (concurrent) forbid("CREATE INDEX CONCURRENTLY");
  }

  void drop(const Json& n) {
    std::string_view type = ast::str(n, "removeType");
    bool concurrent = ast::flag(n, "concurrent");
    bool missing_ok = ast::flag(n, "missing_ok");
    if (type == "OBJECT_TRIGGER" || type == "OBJECT_RULE" || type == "OBJECT_POLICY") {
      // DROP TRIGGER t ON tbl: the table is every name but the last.
      for (const Json& obj : ast::list(n, "objects")) {
        auto items = ast::as<"List">(obj);
        if (!items) continue;
        auto names = ast::strings(ast::list(*items, "items"));
        if (names.size() < 2) continue;
        std::string object = names.back();
        names.pop_back();
        QualifiedName table = ctx_.qualify_names(names);
        // IF EXISTS of a trigger that is not there locks nothing (PostgreSQL 15
        // releases the table's lock once it finds no trigger).
        if (missing_ok && type == "OBJECT_TRIGGER" && ctx_.catalog().trigger_absent(table, object)) continue;
        lock(table, LockMode::AccessExclusive);
      }
      return;
    }
    bool relation = type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                    type == "OBJECT_SEQUENCE" || type == "OBJECT_FOREIGN_TABLE" || type == "OBJECT_INDEX";
    if (!relation) {
      drop_object(n, type);
      if (type == "OBJECT_STATISTIC_EXT")
        unknown_locks("drops statistics of a table the analysis does not track, under SHARE UPDATE EXCLUSIVE");
      else if (ast::str(n, "behavior") == "DROP_CASCADE")
        unknown_locks("drops whatever depends on it (columns, keys, triggers, views), each under ACCESS EXCLUSIVE");
      return;
    }
    LockMode mode = concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
    for (const Json& obj : ast::list(n, "objects")) {
      auto items = ast::as<"List">(obj);
      if (!items) continue;
      QualifiedName name = ctx_.qualify_names(ast::strings(ast::list(*items, "items")));
      lock(name, mode);
      relation_dropped(name, type);
      if (type == "OBJECT_INDEX") {
        if (auto table = ctx_.table_of_index(name)) lock(*table, mode, LockRole::IndexTable);
      }
      // Dropping a table removes its foreign keys' triggers on the tables they reference.
      if (type == "OBJECT_TABLE")
        for (const QualifiedName& referenced : ctx_.referenced_tables(name)) lock(referenced, LockMode::AccessExclusive, LockRole::ReferencedByKey);
      // CASCADE also drops the keys that reference it and the views over it
      // (without CASCADE either makes the DROP fail).
      if (ast::str(n, "behavior") == "DROP_CASCADE" && type != "OBJECT_INDEX") {
        if (type == "OBJECT_TABLE") lock_referencing(name, false);
        lock_dependent_views(name);
      }
    }
    if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW") {
      std::set<QualifiedName> dropped;
      for (const RelationLock& l : e_.locks)
        if (l.role == LockRole::Named) dropped.insert(l.relation);
      bool cascade = ast::str(n, "behavior") == "DROP_CASCADE";
      for (const QualifiedName& rel : dropped) dependent_views_break(rel, "", -1, cascade, false, dropped);
    }
    if (concurrent) forbid("DROP INDEX CONCURRENTLY");
  }

  // What goes with a dropped relation: its partitions and owned sequences
  // (locked too), its rows, and the code that uses it.
  void relation_dropped(const QualifiedName& name, std::string_view type) {
    if (type == "OBJECT_INDEX") return;  // slower queries, nothing lost or broken
    if (type == "OBJECT_TABLE") {
      lock_partitions(name, LockMode::AccessExclusive);
      for (const QualifiedName& seq : ctx_.catalog().owned_sequences(name)) lock(seq, LockMode::AccessExclusive, LockRole::OwnedSequence);
      const TableInfo* t = ctx_.catalog().table(name);
      if (t && t->partition_of) lock(*t->partition_of, LockMode::AccessExclusive, LockRole::PartitionParent);  // the parent's partition bounds change
      lose(ConsequenceKind::TableDeleted, -1, name, "", "deletes table " + name.str() + " and all its rows" +
                             (t && !t->partitions.empty() ? ", including its partitions" : ""));
    } else if (type == "OBJECT_SEQUENCE") {
      lose(ConsequenceKind::SequenceValueLost, -1, name, "", "loses the current value of sequence " + name.str());
    } else if (type == "OBJECT_FOREIGN_TABLE") {
      lose(ConsequenceKind::ForeignTableDropped, -1, name, "", "drops foreign table " + name.str() + " (the remote data stays)");
    }
    bool table = type == "OBJECT_TABLE";
    breaks(table ? ConsequenceKind::DroppedTableUsed : ConsequenceKind::DroppedRelationUsed, -1, name, "",
           "queries that use " + name.str() + " fail");
  }

  // An enum the history defines that no column of any table uses (and every
  // table's columns are known): CASCADE takes no data with it.
  bool type_unused(const QualifiedName& type) const {
    if (!ctx_.catalog().enum_type(type)) return false;
    bool used = false;
    ctx_.catalog().tables().for_each([&](const QualifiedName&, const TableInfo& t) {
      if (!t.columns_known) used = true;
      for (const auto& [name, col] : t.columns)
        if (col.type.name == type.name || col.type.name == type.str()) used = true;
    });
    return !used;
  }

  // DROP SCHEMA / TYPE / FUNCTION / ...: no relation lock to model, but
  // consequences all the same.
  void drop_object(const Json& n, std::string_view type) {
    bool cascade = ast::str(n, "behavior") == "DROP_CASCADE";
    for (const Json& obj : ast::list(n, "objects")) {
      std::string name;
      if (auto s = ast::as<"String">(obj)) name = ast::str(*s, "sval");
      else if (auto l = ast::as<"List">(obj)) name = ctx_.qualify_names(ast::strings(ast::list(*l, "items"))).str();
      else if (auto t = ast::as<"TypeName">(obj)) name = ctx_.qualify_names(ast::strings(ast::list(*t, "names"))).str();
      else if (auto f = ast::as<"ObjectWithArgs">(obj)) name = ctx_.qualify_names(ast::strings(ast::list(*f, "objname"))).str();
      if (name.empty()) continue;
      QualifiedName q{"", name};
      if (type == "OBJECT_SCHEMA") {
        if (cascade) {
          for (const QualifiedName& table : ctx_.catalog().tables_in_schema(name)) {
            lock(table, LockMode::AccessExclusive);
            for (const QualifiedName& seq : ctx_.catalog().owned_sequences(table)) lock(seq, LockMode::AccessExclusive, LockRole::OwnedSequence);
          }
        }
        if (cascade) lose(ConsequenceKind::SchemaDeleted, -1, q, "", "deletes schema " + name + " and every table and row in it");
        breaks(ConsequenceKind::DroppedSchemaUsed, -1, q, "", "code that uses objects in schema " + name + " fails");
      } else if (type == "OBJECT_TYPE" || type == "OBJECT_DOMAIN") {
        auto tn = ast::as<"TypeName">(obj);
        // Reads every table's columns: only CASCADE asks.
        bool unused = cascade && tn && type_unused(ctx_.qualify_names(ast::strings(ast::list(*tn, "names"))));
        if (cascade && !unused) lose(ConsequenceKind::TypeColumnsDeleted, -1, q, "", "deletes every column of type " + name + " and its data");
        breaks(ConsequenceKind::DroppedTypeUsed, -1, q, "", "code that uses type " + name + " fails");
      } else if (type == "OBJECT_FUNCTION" || type == "OBJECT_PROCEDURE") {
        breaks(ConsequenceKind::DroppedFunctionCalled, -1, q, "", "callers of " + name + " fail");
      }
    }
  }

  void dml(const Json& n, StmtKind kind) {
    const Json* rel = ast::field(n, "relation");
    if (!rel) return;
    QualifiedName table = ctx_.qualify_range_var(*rel);
    lock(table, LockMode::RowExclusive);
    reads(n);  // FROM, USING, subqueries, INSERT ... SELECT, nextval() calls
    int events = kind == StmtKind::InsertStmt ? kInsert : kind == StmtKind::UpdateStmt ? kUpdate : kind == StmtKind::DeleteStmt ? kDelete
                                                                                  : kInsert | kUpdate | kDelete;
    const Json* conflict = ast::field(n, "onConflictClause");
    auto on_conflict = conflict ? ast::as<"OnConflictClause">(*conflict) : nullptr;  // typed: may be unwrapped
    if (conflict && ast::str(on_conflict ? *on_conflict : *conflict, "action") == "ONCONFLICT_UPDATE") events |= kUpdate;
    fire_triggers(table, events);
    if (kind == StmtKind::InsertStmt || kind == StmtKind::UpdateStmt) written_row_checks(n, table, kind == StmtKind::InsertStmt);
    if (kind == StmtKind::DeleteStmt) deleted_row_checks(table);
    bool everything = !ast::field(n, "whereClause");
    if ((kind == StmtKind::UpdateStmt || kind == StmtKind::DeleteStmt) && everything) e_.scan = Tri::Yes;
    if (kind == StmtKind::DeleteStmt && everything)
      lose(ConsequenceKind::AllRowsDeleted, -1, table, "", "deletes every row of " + table.str(), ast::location(*rel));
    if (kind == StmtKind::UpdateStmt && everything) {
      for (const Json& t : ast::list(n, "targetList")) {
        auto rt = ast::as<"ResTarget">(t);
        std::string column = rt ? std::string(ast::str(*rt, "name")) : "";
        if (!column.empty()) lose(ConsequenceKind::ColumnOverwritten, -1, table, column, "overwrites " + qualified_column(table, column) + " in every row");
      }
    }
  }

  // What writing a row of `table` locks besides it: the sequence of a serial
  // or identity column left to its default (ROW EXCLUSIVE, nextval), and the
  // table a written foreign-key column references (ROW SHARE: the key check
  // reads it FOR KEY SHARE).
  void written_row_checks(const Json& n, const QualifiedName& table, bool insert) {
    // Most tables have neither: then the written columns need not be worked out.
    const TableInfo* info = ctx_.catalog().table(table);
    const bool sequences = insert && info && !info->owned_sequences.empty();
    const TableConstraints& constraints = ctx_.catalog().constraints(table);
    const bool keys = std::any_of(constraints.begin(), constraints.end(), [](const auto& named) {
      return named.second.kind == ConstraintInfo::Kind::ForeignKey && named.second.references;
    });
    if (!sequences && !keys) return;
    std::set<std::string> written, defaulted;
    const Json& targets = insert ? ast::list(n, "cols") : ast::list(n, "targetList");
    // The columns the items of a row fill, in order: the listed ones, or
    // without a list (INSERT INTO t VALUES ...) the table's own, in order.
    std::vector<std::string> filled;
    for (const Json& t : targets)
      if (auto rt = ast::as<"ResTarget">(t)) filled.emplace_back(ast::str(*rt, "name"));
    bool all_columns = insert && targets.size() == 0;  // INSERT without a column list
    if (all_columns) filled = columns_in_order(table);
    if (insert) {
      const Json* select = ast::field(n, "selectStmt");
      auto query = select ? ast::as<"SelectStmt">(*select) : nullptr;
      // How many columns each row fills: fewer items than columns leave the rest to their defaults.
      std::optional<std::size_t> width;
      if (!select) width = 0;  // DEFAULT VALUES
      for (const Json& row : ast::list(query ? *query : n, "valuesLists")) {
        auto items = ast::as<"List">(row);
        if (!items) continue;
        std::size_t i = 0;
        for (const Json& v : ast::list(*items, "items")) {
          if (ast::as<"SetToDefault">(v) && i < filled.size()) defaulted.insert(filled[i]);  // VALUES (DEFAULT, ...)
          ++i;
        }
        width = std::max(width.value_or(0), i);
      }
      if (query && ast::list(*query, "valuesLists").size() == 0) width = select_width(*query);
      // Without the table's columns or the query's width, every column counts as written.
      if (!all_columns || (!filled.empty() && width)) {
        if (all_columns) written.insert(filled.begin(), filled.begin() + static_cast<long>(std::min(*width, filled.size())));
        else written.insert(filled.begin(), filled.end());
        all_columns = false;
      }
      if (sequences) {
        for (const auto& [column, seq] : info->owned_sequences)
          if ((!all_columns && !written.count(column)) || defaulted.count(column))
            lock(seq, LockMode::RowExclusive, LockRole::Sequence);
      }
    } else {
      written.insert(filled.begin(), filled.end());
    }
    for (const auto& [name, c] : constraints) {
      if (c.kind != ConstraintInfo::Kind::ForeignKey || !c.references) continue;
      bool touched = all_columns || std::any_of(c.columns.begin(), c.columns.end(), [&](const std::string& col) {
                       return written.count(col) && !defaulted.count(col);
                     });
      if (touched) lock(*c.references, LockMode::RowShare, LockRole::ReferencedByKey);
    }
  }

  // The table's columns in their order, or nothing when they are not all known.
  std::vector<std::string> columns_in_order(const QualifiedName& table) const {
    const TableInfo* t = ctx_.catalog().table(table);
    if (!t || !t->columns_known) return {};
    std::vector<std::pair<int, std::string>> by_position;
    for (const auto& [name, c] : t->columns) by_position.emplace_back(c.position, name);
    std::sort(by_position.begin(), by_position.end());
    std::vector<std::string> out;
    for (auto& [position, name] : by_position) out.push_back(std::move(name));
    return out;
  }

  // The number of columns a SELECT returns, when its target list says (no *).
  static std::optional<std::size_t> select_width(const Json& query) {
    if (ast::field(query, "larg")) return std::nullopt;  // UNION and the like: the first branch decides, not read here
    const Json& targets = ast::list(query, "targetList");
    bool star = false;
    ast::walk(targets, [&](std::string_view kind, const Json&) { star = star || kind == "A_Star"; });
    if (star || targets.size() == 0) return std::nullopt;
    return targets.size();
  }


  // Deleting rows of `table` runs the foreign keys' actions on the tables
  // that reference it: NO ACTION and RESTRICT look for referencing rows (ROW
  // SHARE), CASCADE, SET NULL and SET DEFAULT change them (ROW EXCLUSIVE).
  // (Only when a deleted row is referenced; predicted as if one were.)
  void deleted_row_checks(const QualifiedName& table) {
    for (const QualifiedName& other : ctx_.catalog().tables_referencing(table))
      for (const auto& [name, c] : ctx_.catalog().constraints(other)) {
        if (c.kind != ConstraintInfo::Kind::ForeignKey || c.references != table) continue;
        bool writes = c.on_delete == 'c' || c.on_delete == 'n' || c.on_delete == 'd';
        lock(other, writes ? LockMode::RowExclusive : LockMode::RowShare, LockRole::ReferencingKey);
      }
  }

  // WITH d AS (DELETE FROM t RETURNING *) SELECT ...: each data-modifying
  // CTE runs in full, whatever the outer query reads of it.
  void data_modifying_ctes(const Json& n) {
    const Json* with = ast::field(n, "withClause");
    if (!with) return;
    auto clause = ast::as<"WithClause">(*with);
    for (const Json& c : ast::list(clause ? *clause : *with, "ctes")) {
      auto cte = ast::as<"CommonTableExpr">(c);
      const Json* query = cte ? ast::field(*cte, "ctequery") : nullptr;
      if (!query) continue;
      const StmtKind kind = statement_kind(ast::kind(*query));
      if (kind == StmtKind::DeleteStmt || kind == StmtKind::UpdateStmt || kind == StmtKind::InsertStmt || kind == StmtKind::MergeStmt) {
        dml(ast::inner(*query), kind);
        data_modifying_ctes(ast::inner(*query));
      }
    }
  }

  void create_table(const Json& n) {
    // The new table is invisible to others until commit; the tables its
    // foreign keys reference, and a partitioned parent, are not.
    auto fk = [&](const Json& con) {
      if (ast::str(con, "contype") != "CONSTR_FOREIGN") return;
      if (const Json* pk = ast::field(con, "pktable")) lock_key_target(ctx_.qualify_range_var(*pk));
    };
    QualifiedName table = ctx_.qualify_range_var(*ast::field(n, "relation"));
    e_.target = table;
    for (const TableElement& elt : table_elements(n))
      for_each_constraint(elt, [&](std::string_view, const Json& con) { fk(con); });
    for (const TableElement& elt : table_elements(n))
      if (auto like = ast::as<"TableLikeClause">(*elt.node))
        lock(ctx_.qualify_range_var(*ast::field(*like, "relation")), LockMode::AccessShare, LockRole::Read);
    // A partition changes its parent's bounds; an inheriting child only reads its parent's columns.
    bool partition = ast::field(n, "partbound") != nullptr;
    for (const Json& parent : ast::list(n, "inhRelations")) {
      QualifiedName parent_name = ctx_.qualify_range_var(parent);
      lock(parent_name, partition ? LockMode::AccessExclusive : LockMode::ShareUpdateExclusive, LockRole::PartitionParent);
      // A partition gets its parent's foreign keys, with their triggers on the referenced tables.
      if (partition)
        for (const QualifiedName& referenced : ctx_.referenced_tables(parent_name)) lock_key_target(referenced);
    }
  }

  void truncate(const Json& n) {
    bool cascade = ast::str(n, "behavior") == "DROP_CASCADE";
    for (const Json& rv : ast::list(n, "relations")) {
      QualifiedName table = ctx_.qualify_range_var(rv);
      lock(table, LockMode::AccessExclusive);
      const Json& fields = ast::kind(rv) == "RangeVar" ? ast::inner(rv) : rv;
      if (ast::flag(fields, "inh")) lock_partitions(table, LockMode::AccessExclusive);
      lose(ConsequenceKind::RowsTruncated, -1, table, "", "deletes every row of " + table.str() +
                              (cascade ? " and of every table with a foreign key to it" : ""));
      if (cascade) lock_referencing(table, true);
      fire_triggers(table, kTruncate);
    }
  }

  // The tables with a foreign key to `table`, under ACCESS EXCLUSIVE: DROP
  // ... CASCADE drops their keys, TRUNCATE ... CASCADE (`transitive`)
  // empties them and, in turn, the tables referencing them.
  void lock_referencing(const QualifiedName& table, bool transitive) {
    for (const QualifiedName& other : ctx_.catalog().tables_referencing(table)) {
      if (e_.lock_on(other)) continue;
      lock(other, LockMode::AccessExclusive, LockRole::ReferencingKey);
      if (transitive) lock_referencing(other, true);
    }
  }

  // Views and materialized views over `rel`, and the views over those: a
  // DROP ... CASCADE drops them all.
  void lock_dependent_views(const QualifiedName& rel) {
    for (const QualifiedName& view : ctx_.catalog().views_using(rel, "")) {
      if (e_.lock_on(view)) continue;
      lock(view, LockMode::AccessExclusive, LockRole::Dependent);
      lock_dependent_views(view);
    }
  }

  // A schema, type, domain, function or procedure: code names it by its text.
  void object_renamed(const Json& n, std::string_view type) {
    std::optional<QualifiedName> name;
    if (type == "OBJECT_SCHEMA") {
      name = QualifiedName{"", std::string(ast::str(n, "subname"))};
    } else if (type == "OBJECT_TYPE" || type == "OBJECT_DOMAIN" || type == "OBJECT_FUNCTION" || type == "OBJECT_PROCEDURE") {
      const Json* obj = ast::field(n, "object");
      auto list = obj ? ast::as<"List">(*obj) : nullptr;
      auto function = obj ? ast::as<"ObjectWithArgs">(*obj) : nullptr;
      auto names = list ? ast::strings(ast::list(*list, "items"))
                        : function ? ast::strings(ast::list(*function, "objname")) : std::vector<std::string>{};
      if (!names.empty()) name = ctx_.qualify_names(names);
    }
    if (name && !name->name.empty())
      breaks(ConsequenceKind::ObjectRenamed, -1, *name, "", "code that uses the old name " + name->str() + " fails");
  }

  void rename(const Json& n) {
    std::string_view type = ast::str(n, "renameType");
    const Json* rel = ast::field(n, "relation");
    if (!rel) return object_renamed(n, type);
    LockMode mode = LockMode::AccessExclusive;
    if (type == "OBJECT_INDEX" && ctx_.pg_version() >= 12) mode = LockMode::ShareUpdateExclusive;
    QualifiedName name = ctx_.qualify_range_var(*rel);
    lock(name, mode);
    std::string to(ast::str(n, "newname"));
    if (type == "OBJECT_COLUMN") {
      std::string column(ast::str(n, "subname"));
      if (ast::flag(*rel, "inh")) lock_partitions(name, mode);
      breaks(ConsequenceKind::ColumnRenamed, -1, name, column, "queries that use the old name " + qualified_column(name, column) + " fail");
    } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_SEQUENCE" ||
               type == "OBJECT_FOREIGN_TABLE") {
      // ALTER TABLE ... RENAME names a table (or a view through ALTER TABLE); the others their own kind.
      breaks(type == "OBJECT_TABLE" ? ConsequenceKind::TableRenamed : ConsequenceKind::RelationRenamed, -1, name, "",
             "queries that use the old name " + name.str() + " fail");
    }
  }

  void vacuum(const Json& n) {
    bool is_vacuum = ast::flag(n, "is_vacuumcmd");
    bool full = is_vacuum && has_option(ast::list(n, "options"), "full");
    for (const Json& v : ast::list(n, "rels")) {
      auto vr = ast::as<"VacuumRelation">(v);
      if (vr && ast::field(*vr, "relation"))
        lock(ctx_.qualify_range_var(*ast::field(*vr, "relation")),
             full ? LockMode::AccessExclusive : LockMode::ShareUpdateExclusive);
    }
    if (full) e_.rewrite = Tri::Yes;
    else e_.scan = Tri::Yes;
    if (is_vacuum) forbid(full ? "VACUUM FULL" : "VACUUM");
  }

  void reindex(const Json& n) {
    bool concurrent = has_option(ast::list(n, "params"), "concurrently");
    std::string_view kind = ast::str(n, "kind");
    bool partitioned = false;
    if (const Json* rel = ast::field(n, "relation")) {
      QualifiedName name = ctx_.qualify_range_var(*rel);
      LockMode index_mode = concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
      LockMode table_mode = concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share;
      if (kind == "REINDEX_OBJECT_INDEX") {
        lock(name, index_mode);
        if (auto table = ctx_.table_of_index(name)) {
          lock(*table, table_mode, LockRole::IndexTable);
          if (const TableInfo* t = ctx_.catalog().table(*table)) partitioned = t->partitioned;
        }
      } else {
        // The table keeps SHARE (blocks writes); each index is rebuilt under
        // ACCESS EXCLUSIVE, which blocks every query the planner plans on it.
        lock(name, table_mode);
        if (const TableInfo* t = ctx_.catalog().table(name)) {
          partitioned = t->partitioned;
          for (const std::string& idx : t->indexes) lock({name.schema, idx}, index_mode, LockRole::TableIndex);
        }
      }
    }
    // An index is rebuilt into a new file; a table keeps its file while its
    // indexes are rebuilt from a full read of it.
    if (kind == "REINDEX_OBJECT_INDEX") e_.rewrite = Tri::Yes;
    else e_.scan = Tri::Yes;
    if (concurrent) forbid("REINDEX CONCURRENTLY");
    else if (kind == "REINDEX_OBJECT_SCHEMA" || kind == "REINDEX_OBJECT_DATABASE" || kind == "REINDEX_OBJECT_SYSTEM")
      forbid("REINDEX SCHEMA/DATABASE/SYSTEM");
    else if (partitioned)
      forbid("REINDEX of a partitioned table or index");
  }

  void comment(const Json& n) {
    std::string_view type = ast::str(n, "objtype");
    const Json* obj = ast::field(n, "object");
    if (!obj) return;
    auto items = ast::as<"List">(*obj);
    if (!items) return;
    auto names = ast::strings(ast::list(*items, "items"));
    bool on_table_object = type == "OBJECT_TABCONSTRAINT" || type == "OBJECT_TRIGGER" || type == "OBJECT_POLICY" ||
                           type == "OBJECT_RULE";
    if (on_table_object && names.size() >= 2) {  // COMMENT ON CONSTRAINT c ON tbl: reads the table's definition
      names.pop_back();
      lock(ctx_.qualify_names(names), LockMode::AccessShare, LockRole::Read);
      return;
    }
    if (type == "OBJECT_COLUMN" && names.size() >= 2) names.pop_back();  // COMMENT ON COLUMN tbl.col
    else if (type != "OBJECT_TABLE" && type != "OBJECT_VIEW" && type != "OBJECT_MATVIEW" && type != "OBJECT_INDEX" &&
             type != "OBJECT_SEQUENCE" && type != "OBJECT_FOREIGN_TABLE")
      return;
    lock(ctx_.qualify_names(names), LockMode::ShareUpdateExclusive);
  }

  void alter_enum(const Json& n) {
    if (!ast::str(n, "oldVal").empty()) {
      QualifiedName type = ctx_.qualify_names(ast::strings(ast::list(n, "typeName")));
      breaks(ConsequenceKind::EnumValueRenamed, -1, type, "", "code that writes the old label '" + std::string(ast::str(n, "oldVal")) + "' fails");
      return;
    }
    if (ast::str(n, "newVal").empty()) return;
    if (ctx_.pg_version() < 12) {
      QualifiedName type = ctx_.qualify_names(ast::strings(ast::list(n, "typeName")));
      if (!ctx_.created_in_transaction(type)) forbid("ALTER TYPE ... ADD VALUE (before PostgreSQL 12)");
    }
  }

  // A statement the grammar rejects, on a target version newer than the
  // grammar: only what its words establish (TokenReading). An ALTER TABLE
  // takes ACCESS EXCLUSIVE, the strongest lock, unless all it does is known.
  void unparsed(const TokenReading& r) {
    using Action = TokenReading::Action;
    using Object = TokenReading::Object;
    if (r.empty()) {  // its words say nothing certain: neither does this
      e_.rewrite = e_.scan = Tri::Unknown;
      return;
    }
    QualifiedName name = ctx_.qualify_names(r.names[0]);
    if (r.action == Action::Create && r.object == Object::Index) {
      QualifiedName table = ctx_.qualify_names(r.index_table);
      lock(table, r.concurrently ? LockMode::ShareUpdateExclusive : LockMode::Share);
      e_.scan = Tri::Yes;  // the build reads the whole table
      if (r.concurrently) forbid("CREATE INDEX CONCURRENTLY");
    } else if ((r.action == Action::Drop || r.action == Action::Rename) && r.object == Object::Table) {
      for (const NameParts& n : r.names) lock(ctx_.qualify_names(n), LockMode::AccessExclusive);
    } else if (r.action == Action::Alter) {
      lock(name, LockMode::AccessExclusive);
      lock_partitions(name, LockMode::AccessExclusive);
      bool all_known = r.commands == r.not_null.size();
      e_.rewrite = all_known ? Tri::No : Tri::Unknown;
      e_.scan = all_known ? Tri::No : Tri::Unknown;
      // One action per added NOT NULL, in order (set-not-null-scan reads them so).
      for (const TokenReading::AddedNotNull& nn : r.not_null) {
        ActionEffect a;
        a.mode = LockMode::AccessExclusive;
        breaks(ConsequenceKind::NullsRejected, -1, name, nn.column, "writes of NULL to " + name.str() + "." + nn.column + " fail");
        if (nn.not_valid) {
          a.reason = "NOT VALID: existing rows are not checked";
        } else if (ctx_.has_valid_not_null_check(name, nn.column)) {
          a.reason = "a validated CHECK (" + nn.column + " IS NOT NULL) lets PostgreSQL skip the scan";
        } else {
          a.scan = Tri::Yes;
          a.reason = "reads every row to prove " + nn.column + " has no NULLs";
        }
        e_.scan = combine(e_.scan, a.scan);
        e_.actions.push_back(std::move(a));
      }
    }
  }

  const Statement& stmt_;
  const Context& ctx_;
  Effects e_;
};

}  // namespace

Effects compute_effects(const Statement& stmt, const Context& ctx) { return Builder(stmt, ctx).run(); }

FunctionEffects function_effects(const Statement& create, const std::vector<const Effects*>& body, const Context& ctx) {
  FunctionEffects out;
  out.unknown = create.body_unseen();
  auto add = [&](const Effects& e) {
    for (const RelationLock& l : e.locks) out.add_lock(l.relation, l.mode);
    if (out.unknown.empty() && !e.locks_unknown.empty()) out.unknown = e.locks_unknown.str();
    for (const QualifiedName& f : e.calls) out.add_call(f);
  };
  for (const Effects* e : body) add(*e);
  Context in_body = ctx.for_function_body();
  for (const Json& expr : create.body_expressions()) {
    Statement select;
    select.set_kind("SelectStmt");
    select.node = expr;
    add(compute_effects(select, in_body));
  }
  return out;
}

NullableKey primary_key_nullable_columns(const Json& con, const QualifiedName& table, const Json& alter_table,
                                         const Context& ctx) {
  NullableKey out;
  std::vector<std::string> keys = ast::strings(ast::list(con, "keys"));
  if (std::string_view idx = ast::str(con, "indexname"); !idx.empty()) {
    const IndexInfo* info = ctx.catalog().index({table.schema, std::string(idx)});
    if (!info) {
      out.unknown = true;
      return out;
    }
    keys = info->columns;
  }
  std::set<std::string> set_here;  // SET NOT NULL earlier in the same ALTER TABLE
  for (const AlterTableCommand& cmd : alter_table_commands(alter_table))
    if (cmd.subtype == "AT_SetNotNull") set_here.insert(std::string(cmd.name));
  for (const std::string& k : keys) {
    bool proven = ctx.pg_version() >= 12 && ctx.has_valid_not_null_check(table, k);
    if (k.empty() || set_here.count(k) || proven || ctx.set_not_null_earlier(table, k)) {
      out.unknown |= k.empty();  // an expression: PostgreSQL refuses it anyway
      continue;
    }
    const ColumnInfo* col = ctx.catalog().column(table, k);
    if (col && col->not_null) continue;
    if (col) out.columns.push_back(k);
    else out.unknown = true;  // a table or column the migrations analysed do not define
  }
  return out;
}

std::vector<std::string> checks_using_column(const QualifiedName& table, const std::string& column, const Context& ctx) {
  std::vector<std::string> out;
  for (const auto& [name, c] : ctx.catalog().constraints(table))
    if (c.kind == ConstraintInfo::Kind::Check && c.valid && c.columns.count(column)) out.push_back(name);
  return out;
}

}  // namespace migrasafe
