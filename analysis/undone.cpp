#include "analysis/undone.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "parser/ast.h"
#include "parser/table_elements.h"

namespace migrasafe {

void note_undone(const Statement& s, const Context& ctx, UndoneMigration& undone) {
  if (s.tag == StmtKind::AlterTableStmt && ast::field(s.node, "relation")) {
    QualifiedName table = ctx.qualify_range_var(*ast::field(s.node, "relation"));
    for (const AlterTableCommand& cmd : alter_table_commands(s.node)) {
      if (cmd.column && cmd.subtype == "AT_AddColumn") undone.columns.insert({table, std::string(ast::str(*cmd.column, "colname"))});
      if (cmd.subtype == "AT_SetNotNull") undone.not_null.insert({table, std::string(cmd.name)});
    }
  }
  if (s.kind == kUnparsedKind && s.reading && ctx.pg_version() > grammar_version() &&
      s.reading->action == TokenReading::Action::Alter) {
    QualifiedName table = ctx.qualify_names(s.reading->names[0]);
    for (const auto& nn : s.reading->not_null) undone.not_null.insert({table, nn.column});
  }
  // What the up script renamed to, its down script renames back.
  if (s.tag == StmtKind::RenameStmt && ast::field(s.node, "relation")) {
    QualifiedName rel = ctx.qualify_range_var(*ast::field(s.node, "relation"));
    std::string to(ast::str(s.node, "newname"));
    std::string_view type = ast::str(s.node, "renameType");
    if (type == "OBJECT_COLUMN") undone.columns.insert({rel, to});
    else if (type == "OBJECT_TABLE") undone.relations.insert({rel.schema, to});
  }
  if (std::string key = ctx.rename_key(s, true); !key.empty()) undone.renames.insert(key);
  if (s.tag == StmtKind::CreateSchemaStmt) undone.schemas.insert(std::string(ast::str(s.node, "schemaname")));
}

namespace {

// A call of set_config anywhere in a SELECT (Context reads the SELECT's own).
bool calls_set_config(const Statement& select) {
  bool found = false;
  ast::walk(select.node, [&](std::string_view kind, const Json& fields) {
    if (kind != "FuncCall" || found) return;
    std::vector<std::string> name = ast::strings(ast::list(fields, "funcname"));
    found = !name.empty() && name.back() == "set_config";
  });
  return found;
}

}  // namespace

bool undone_depends_on_history(const ParsedFile& up) {
  return std::any_of(up.statements.begin(), up.statements.end(), [](const Statement& s) {
    if (s.deferred) return false;  // a function body changes nothing when the up script runs
    switch (s.tag) {
      case StmtKind::CreateStmt: return ast::flag(s.node, "if_not_exists");
      case StmtKind::TransactionStmt: return ast::str(s.node, "kind") == "TRANS_STMT_ROLLBACK";
      case StmtKind::VariableSetStmt: return ast::flag(s.node, "is_local");
      case StmtKind::SelectStmt: return calls_set_config(s);
      default: return false;
    }
  });
}

}  // namespace migrasafe
