#include <filesystem>

#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const FileView& v, Report& r) {
  if (v.role.kind != MigrationRole::Kind::Up || v.role.down_exists) return;
  std::uint32_t b = 0, e = 0;
  if (!v.file.statements.empty()) {
    b = v.file.statements.front().begin;
    e = v.file.statements.front().end;
  }
  std::string down = std::filesystem::path(v.role.down_path).filename().string();
  r.add(RuleId::missing_down_script, b, e,
        "This up migration has no down script (`" + v.role.down_path +
            "` does not exist), so it cannot be rolled back with the migration tool",
        "Add `" + down + "` with the statements that undo this migration, in reverse order. If it cannot be "
        "undone (it deletes data), say so in the down script with a comment and a statement that fails loudly.");
}

}  // namespace
const RuleHooks hooks_missing_down_script{nullptr, check};
}  // namespace migrasafe
