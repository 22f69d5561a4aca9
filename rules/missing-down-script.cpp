#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// An up script with nothing a down script should undo, so an empty one is
// the right one: it only changes rows (UPDATE, DELETE, TRUNCATE, CALL: a
// down could not bring the old values back, irreversible-data-change
// reports what is lost), makes sure an extension is installed (CREATE
// EXTENSION IF NOT EXISTS: it may have been there before, and other objects
// may use it), comments, and session state.
bool nothing_to_undo(const FileView& v) {
  static const std::set<std::string, std::less<>> kinds{"UpdateStmt", "DeleteStmt", "TruncateStmt", "CallStmt",
                                                         "CommentStmt", "VariableSetStmt", "TransactionStmt"};
  return std::all_of(v.file.statements.begin(), v.file.statements.end(), [](const Statement& s) {
    return s.deferred || kinds.count(s.kind) > 0 ||
           (s.tag == StmtKind::CreateExtensionStmt && ast::flag(s.node, "if_not_exists"));
  });
}

void check(const FileView& v, Report& r) {
  // An up script without statements changes nothing, so there is nothing to undo.
  if (v.role.kind != MigrationRole::Kind::Up || v.file.statements.empty()) return;
  bool same_file = v.role.down_path == v.file.source->path;  // dbmate: the down section of this file
  std::string reason;
  if (!v.role.down_exists) {
    reason = same_file ? "This up migration has no `-- migrate:down` section"
                       : "This up migration has no down script (`" + v.role.down_path + "` does not exist)";
  } else if (v.role.down_text) {
    if (!v.down_empty || v.down_marked_irreversible || nothing_to_undo(v)) return;
    reason = same_file ? "The `-- migrate:down` section of this migration is empty (or only comments)"
                       : "The down script of this migration (`" + v.role.down_path + "`) is empty (or only comments)";
  } else {
    return;
  }
  std::uint32_t b = v.file.statements.front().begin, e = v.file.statements.front().end;
  std::string down = same_file ? "the `-- migrate:down` section"
                               : "`" + std::filesystem::path(v.role.down_path).filename().string() + "`";
  r.add(RuleId::missing_down_script, b, e, reason + ", so it cannot be rolled back with the migration tool",
        "Write in " + down + " the statements that undo this migration, in reverse order. If it cannot be "
        "undone (it deletes data), say so there in a comment with the word `irreversible` (and, where the tool "
        "runs it, a statement that fails loudly).");
}

}  // namespace
const RuleHooks hooks_missing_down_script{nullptr, check};
}  // namespace migrasafe
