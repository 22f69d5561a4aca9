#pragma once
// Work planning: one WorkUnit per migration (its up, down and verify scripts
// among the files asked about), in the order the replay takes them.
#include <cstddef>
#include <vector>

#include "sources/discovery.h"
#include "sources/layouts.h"

namespace migrasafe {

enum class ScriptPart { Up, Down, Verify, Whole };

struct ScriptRef {
  std::size_t input;  // index into the discovered inputs
  ScriptPart part;
  bool transaction;  // the tool runs it in a transaction
};

struct WorkUnit {
  const Migration* migration = nullptr;  // nullptr: a file no migration set holds (unnamed stdin)
  std::size_t set = 0;                   // the history (migration set) it belongs to
  std::vector<ScriptRef> scripts;        // up, down, verify, in replay order
};

// The units of one migration set, in migration order (dbmate: one file, up
// and down section). `covered` marks the inputs the set's units took.
void plan_units(const MigrationSet& set, std::size_t set_index, const std::vector<InputFile>& inputs,
                const std::vector<std::size_t>& set_inputs, std::vector<char>& covered, std::vector<WorkUnit>& units);

}  // namespace migrasafe

#include <filesystem>
#include <optional>
#include <string>

#include "sources/git.h"
#include "sources/history.h"

namespace migrasafe {

// A run's plan: the migration sets among the inputs (each its own history),
// their history checks, and the units in replay order.
struct RunPlan {
  std::vector<MigrationSet> sets;
  std::vector<HistoryResult> histories;  // by set
  std::vector<WorkUnit> units;
};

// `read_paths`: the paths as read (the git index snapshot's with --staged);
// `text_of`: the texts not read from disk (named stdin, editor buffers: the
// layout may depend on them), called from several threads at once (the sets
// are planned side by side); `since`: --changed-since's files, for the
// history checks.
RunPlan plan_run(const std::vector<InputFile>& inputs, const std::vector<std::string>& read_paths,
                 std::optional<Layout> layout, const TextOverride& text_of, const ChangedFiles* since);

// Whether `path` is inside directory `dir` (both spelt alike: absolute, or real paths).
bool is_under(const std::filesystem::path& path, const std::filesystem::path& dir);

// The directories among the paths: where migrasafe.sum files are looked for.
std::vector<std::filesystem::path> sum_dirs(const std::vector<std::string>& paths);

}  // namespace migrasafe
