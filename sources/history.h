#pragma once
// History integrity: the migration set as a whole, against itself, against
// the git base branch and against migrasafe.sum.
//
// - duplicate-version: two migrations of one set (one directory of one
//   tool layout; not plain files, which follow no tool's versioning) with
//   the same version.
// - version-out-of-order (with --changed-since): a migration added since the
//   merge base whose version is older than the newest version there.
// - version-gap (opt-in): only for plain numbered files (001_x.sql,
//   002_y.sql), the layout of hand-run scripts and of tools such as tern that
//   refuse a gap; opt-in because plain files are often not such a sequence.
//   Flyway, golang-migrate, dbmate, diesel and prisma accept gaps (versions
//   are usually timestamps), and sqitch has no versions.
// - migrasafe.sum (`migrasafe lock`): one line per migration,
//   `<version> <sha256> <path>` (version `-` when the migration has none,
//   path relative to the sum file's directory, `/`-separated), then
//   `total <sha256>`, the hash of every byte before that line. The hash of a
//   migration is the SHA-256 of its text with a UTF-8 byte order mark removed
//   and CRLF turned into LF (what git's line-ending conversion changes, and
//   what Flyway's own checksum ignores); every other byte counts.
//   edited-migration: a recorded migration's text changed (also, with
//   --changed-since, any migration modified since the merge base).
//   vanished-migration: a recorded migration no longer exists.
//   sum-file-mismatch: the total does not match (edited by hand).
//   unlocked-migration: a migration not recorded yet.
// Up scripts are checked (the applied history); down scripts may be fixed,
// and Flyway's repeatable R__ migrations are meant to change.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sources/role.h"
#include "sources/git.h"
#include "sources/layouts.h"

namespace migrasafe {

inline constexpr const char* kSumFileName = "migrasafe.sum";

// SHA-256 of a migration's text, normalized as above.
std::string migration_hash(std::string_view text);

// The text of migrasafe.sum for the set's migrations under `dir`; nullopt
// with `error` when a migration cannot be read.
std::optional<std::string> sum_file_text(const MigrationSet& set, const std::filesystem::path& dir, std::string& error);

// A finding on a sum file itself (a vanished migration, a bad total).
struct SumFinding {
  RuleId rule;
  std::uint32_t begin, end;  // the line's bytes
  std::string message, help;
};
// A recorded line of a sum file: `<version> <sha256> <path>`.
struct SumLine {
  std::string version, hash, path;
  std::uint32_t begin = 0, end = 0;  // the line's bytes
  std::uint32_t line = 0;            // 1-based
};
// The recorded lines of a sum file's (normalized) text; malformed lines and a
// missing or wrong total add findings.
std::vector<SumLine> read_sum_lines(const std::string& text, std::vector<SumFinding>& findings);

struct SumFileResult {
  std::string path;
  std::string text;
  std::vector<SumFinding> findings;
  std::string error;  // why the file could not be read (naming the line); then nothing was checked against it
};

struct HistoryResult {
  std::map<std::string, std::vector<HistoryIssue>> by_file;  // by the migration's path in the set
  std::vector<SumFileResult> sum_files;                      // every sum file found, with its findings
};

// `sum_dirs`: directories whose migrasafe.sum (if any) is checked. `since`:
// the --changed-since result, when given.
HistoryResult check_history(const MigrationSet& set, const std::vector<std::filesystem::path>& sum_dirs,
                            const ChangedFiles* since);

}  // namespace migrasafe
