#pragma once
// Where a file sits in its migration set: filled by sources/ (discovery and
// layouts) and the history check, read by the engine and the rules.
#include <optional>
#include <string>
#include <vector>

#include "parser/parse.h"
#include "rules/registry.h"

namespace migrasafe {

// A finding about a file's place in the migration history (sources/history.h):
// reported on line 1 of the file by the history rule it names.
struct HistoryIssue {
  RuleId rule;
  std::string message;
  std::string help;
};

// Where a file sits in its migration set (filled by sources/).
struct MigrationRole {
  // Up: an up script whose layout has down scripts (so a missing one is
  // reported); Plain: any other migration; Down: a down (undo, revert)
  // script; Verify: a sqitch verify script. Down and Verify scripts do not
  // extend the schema history.
  enum class Kind { Plain, Up, Down, Verify };
  Kind kind = Kind::Plain;
  std::string down_path;     // the down script an up script pairs with (dbmate: the file itself)
  bool down_exists = false;
  std::optional<std::string> down_text;  // its text (dbmate: its down section), when it was read
  const ParsedFile* down_script = nullptr;  // ... and its parse, when the engine parsed it already
  std::string up_path;       // the up script a down script undoes
  // Up and plain scripts of a migration step run as several scripts in order
  // (Migration::step): the step; empty otherwise.
  std::string step;
  std::vector<HistoryIssue> history;  // duplicate or out-of-order version, edited after it was recorded, ...
};

}  // namespace migrasafe
