#pragma once
// Migration-tool layouts: which tool the files were written for, in which
// order the tool runs them, which down script undoes which up script, and
// whether the tool wraps each migration in a transaction.
//
// Detection is by file names (dbmate: by its `-- migrate:up` marker, Liquibase:
// by its `--liquibase formatted sql` first line, sqitch: by its sqitch.plan). Every file is first matched against every layout; the
// layout that explains most files is the set's layout. Files it does not
// explain keep the next layout that does, or are plain migrations, so nothing
// the user named is skipped. A forced layout (--layout) explains the files
// that match it; the others are plain.
//
// Order: migrations are grouped by the directory that holds them (for
// directory layouts: the directory holding the migration directories; for
// sqitch: the directory holding sqitch.plan); groups run in path order, and
// each group in its layout's order.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/parse.h"
#include "sources/role.h"
#include "sources/discovery.h"

namespace migrasafe {

enum class Layout { Plain, Flyway, GolangMigrate, DirPairs, Dbmate, Sqitch, Prisma, Liquibase };

std::string_view layout_name(Layout l);
// Canonical names (plain, flyway, golang-migrate, dir-pairs, dbmate, sqitch,
// prisma, liquibase) and tool aliases (pop, diesel, sourcegraph, tern).
std::optional<Layout> parse_layout(std::string_view name);
// Every name parse_layout accepts, plus "auto".
std::vector<std::string> layout_choices();

struct ByteRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct Migration {
  std::string version;  // empty for repeatable and unversioned migrations
  std::string name;
  std::string up;                   // the up (deploy) script; empty for a down script whose up is missing
  std::optional<std::string> down;  // the down (undo, revert) script when it exists (dbmate: the same file)
  // Where the layout expects a down script. Empty when none is expected: the
  // layout has no downs for this migration, or the project writes none (no
  // down script of its directory has a statement or an `irreversible`
  // comment; Flyway: the directory has no undo migration).
  std::string expected_down;
  std::optional<std::string> verify;  // sqitch verify script
  // A plain script in a numbered directory of scripts numbered 1..N (Zitadel's
  // cmd/setup/14/01_a.sql ... 05_e.sql): one step the tool runs as several
  // scripts in order, so what one creates is new in the next. The directory; empty otherwise.
  std::string step;
  Layout layout = Layout::Plain;
  bool transaction = false;       // the tool wraps the up script in a transaction
  bool down_transaction = false;  // ... and the down script
  bool repeatable = false;        // Flyway R__: runs after every versioned migration
  // A pg_dump file without a version (Rails' db/structure.sql): the schema
  // after the migrations beside it, replayed after them; not applied history
  // (it is rewritten with every migration), so history checks skip it.
  bool snapshot = false;
  // A migration that is a part of a file: dbmate's sections (the text after
  // the marker line up to the next marker line), a Liquibase changeset (up
  // and down: the changeset's lines; see section_script).
  std::optional<ByteRange> up_section, down_section;
};

struct MigrationSet {
  Layout layout = Layout::Plain;  // the layout that explains most files (or the forced one)
  bool forced = false;
  std::map<Layout, std::size_t> files_by_layout;  // how many files each layout took
  bool mixed() const { return files_by_layout.size() > 1; }
  std::vector<Migration> migrations;  // in the order the tools run them
  std::vector<std::string> notes;     // e.g. sqitch.plan changes without a deploy script
};

// The text of a file that is not to be read from disk (named stdin, which
// cannot give its text twice; an editor's unsaved buffer), or nullptr.
using TextOverride = std::function<const std::string*(const std::string& path)>;

// Builds the ordered set from discovered files (stdin only when named with
// --stdin-filename, and only with its text from `text_of`), looking at the
// files and at the directories they form on `threads` threads.
MigrationSet build_migration_set(const std::vector<InputFile>& files, std::optional<Layout> force = std::nullopt,
                                 const TextOverride& text_of = {}, unsigned threads = 1);

// Version order: runs of digits compare as numbers (any length), runs of
// letters as text; '.', '_' and '-' only separate ("1_10" > "1_9", "2" > "1.5").
int compare_versions(std::string_view a, std::string_view b);
// Natural order for file names: digit runs as numbers, the rest byte-wise.
bool natural_less(std::string_view a, std::string_view b);

// dbmate: the up and down sections of a file with `-- migrate:up` /
// `-- migrate:down` marker lines, and their `transaction:false` options.
struct DbmateSections {
  std::optional<ByteRange> up, down;
  bool up_transaction = true, down_transaction = true;
};
std::optional<DbmateSections> dbmate_sections(std::string_view text);

// Liquibase formatted SQL (a file whose first line is `--liquibase formatted
// sql`): each `--changeset author:id` line starts a changeset, which runs to
// the next one; its `--rollback SQL` lines are its rollback script, and
// `runInTransaction:false` on the changeset line runs it without a
// transaction. Empty when `text` is not such a file.
struct LiquibaseChangeset {
  std::string id;   // author:id
  ByteRange lines;  // from the line after the changeset line to the next changeset line
  bool has_rollback = false;
  bool transaction = true;
};
std::vector<LiquibaseChangeset> liquibase_changesets(std::string_view text);

// The script of a migration that is a part of a file (up_section set), as
// text of the file's length with everything else blanked out, so offsets,
// lines and columns are the file's own. dbmate: the section (comments before
// the first marker go with the first section). Liquibase: the changeset
// without its rollback lines (up), or only the SQL of its rollback lines
// (down).
std::string section_script(const Migration& m, bool down, std::string_view file_text);

// `text` with every byte outside `keep` replaced by a space (line breaks are
// kept), so offsets, lines and columns are those of the original file.
std::string blank_outside(std::string_view text, ByteRange keep);

// Flyway wraps a migration in a transaction unless its parser finds a
// statement that cannot run in one (PostgreSQLParser: CREATE/DROP [UNIQUE]
// INDEX CONCURRENTLY, CREATE/DROP DATABASE, TABLESPACE or SUBSCRIPTION, ALTER
// SYSTEM, REINDEX SCHEMA/DATABASE/SYSTEM, VACUUM, DISCARD ALL, and before
// PostgreSQL 12 ALTER TYPE ... ADD VALUE). A migration made only of those runs
// without a transaction; one that mixes both kinds is refused ("Detected both
// transactional and non-transactional statements within the same migration")
// unless Flyway's `mixed` is set, which runs it all without a transaction.
enum class FlywayTransaction { Inside, Outside, Mixed };
bool flyway_runs_outside_transaction(const Statement& s, int pg_version);
FlywayTransaction flyway_transaction(const ParsedFile& file, int pg_version);

// Whether the tool runs a script of migration `m` in a transaction, given
// what its layout declares for it (`declared`: Migration::transaction or
// down_transaction) and, for Flyway, the script's statements (a Mixed script
// stays in the transaction: its non-transactional statements fail there,
// as Flyway refuses to run it).
bool runs_in_transaction(const Migration& m, bool declared, const ParsedFile& script, int pg_version);

// The role an up script plays in its migration (for missing-down-script and
// the down script's undone up). `down_text`: the down script's (or section's)
// text when it exists.
MigrationRole up_role(const Migration& m, std::optional<std::string> down_text);
MigrationRole down_role(const Migration& m);

}  // namespace migrasafe
