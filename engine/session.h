#pragma once
// The lint session: a migration run as a library call, for every front end
// (the CLI, the tests, an editor server). It takes a resolved configuration,
// plans one WorkUnit per migration, parses each script once on parallel
// workers, replays each migration set in order (its own history), runs the
// rules, applies suppressions, configuration and baseline, and returns the
// results as values. It writes nothing to stdout or stderr: what a front end
// should say is in RunResult::messages.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/baseline.h"
#include "config/config.h"
#include "engine/plan.h"
#include "engine/result.h"
#include "snapshot/snapshot.h"
#include "sources/discovery.h"
#include "sources/layouts.h"

namespace migrasafe {

struct SessionConfig {
  explicit SessionConfig(Settings s) : settings(std::move(s)) {}
  Settings settings;             // the configuration file with the command line on top (per-file options)
  std::optional<Layout> layout;  // forced migration-tool layout; nullopt: detected
  std::string schema;            // a schema dump replayed before the first migration of every set
  // A production snapshot: its schema is replayed like `schema`, and its
  // table sizes make lock and rewrite findings size-aware (`sizes`).
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<TableSizes> sizes;
  std::string stdin_filename;    // the name of the input read from `-` (it then replaces that file)
  // Stdin's text when the caller already has it (an editor buffer, a --fix
  // pass); otherwise `-` is read from the process's stdin.
  std::optional<std::string> stdin_text;
  std::string changed_since;  // report only files changed since this git ref (the replay keeps every file)
  bool staged = false;        // read the migrations from the git index; report only staged files
  bool fix = false;           // apply the findings' fixes until none applies, then report what remains
  std::optional<std::vector<BaselineEntry>> baseline;  // findings to hide
  std::string baseline_file;                           // where they came from (for messages)
  std::string report_path;  // where the report will be written: refused when it is one of the inputs
  // Whether each file's result keeps what only some readers need: its tokens
  // (finding fingerprints: baselines, SARIF, GitLab; `plan`), the parse trees
  // kept for other statements and the effects' actions, target and calls
  // (`plan`, editors, tests). False (the reports that read none of them:
  // text, JSON, ...) frees them as each file is done, since the run holds
  // every file's result until its report is written.
  bool keep_full_results = true;
  // A front end's last word on a file's options (the fixture harness's
  // `-- options:` header), after the configuration and the layout's conventions.
  std::function<void(const std::string& path, LintOptions& options)> adjust_options;
};

// What relint could reuse: observable counts, for tests and editors.
struct SessionStats {
  std::size_t scripts_replayed = 0;  // scripts run through the replay (with or without rules)
  std::size_t history_reuses = 0;    // relints that started from a cached schema
  std::size_t memory_releases = 0;   // runs and relints after which free memory went back to the system
};

class LintSession {
 public:
  explicit LintSession(SessionConfig config);
  ~LintSession();
  LintSession(const LintSession&) = delete;
  LintSession& operator=(const LintSession&) = delete;

  // After a run or relint that read at least this many bytes, the memory it
  // freed goes back to the system (release_free_memory): a parse holds about
  // 20 times its text, so such a run frees tens of MB that would otherwise
  // stay with threads that may not allocate again. After a smaller one (an
  // editor's relint of one buffer, a file or two in a hook) a trim is a walk
  // over every arena for little; what it leaves free, at most that run's own
  // peak, is reused by the next run, so a long-running server stays bounded.
  static constexpr std::size_t kReleaseMemoryAfterBytes = 1 << 20;

  // The whole set, in migration order: every file named (directories
  // searched for *.sql, globs, `-` for stdin), each directory its own history.
  RunResult run(const std::vector<std::string>& paths);

  // Editor buffers: the unsaved text of the file at `path`, read instead of
  // the disk copy by every read of a migration in this session (up and down
  // scripts, dbmate sections, layout detection), in run() and relint() alike,
  // until cleared. Several buffers of one set may be open at once.
  void set_buffer(const std::string& path, std::string text);
  void clear_buffer(const std::string& path);

  // The file at `path` (its buffer, else the disk copy; a buffer of a file
  // not on disk yet joins its set), judged in its migration set with the
  // history before it. The set: the last run's paths when one holds the
  // file, else the configured `migrations` when one holds it, else the
  // file's directory (the one above for a migration directory's up.sql,
  // down.sql or migration.sql, and for sqitch's scripts). The schema is
  // cached at file boundaries and kept up to the first migration whose text
  // (buffer or disk copy), place or layout changed, so an edit of the last
  // file of a long history replays that file alone. The configuration is the
  // session's: a front end makes a new session when it changes.
  FileResult relint(const std::string& path);
  // set_buffer(path, text), then relint(path).
  FileResult relint(const std::string& path, std::string text);

  // Files of the migration sets changed on disk (created, deleted, edited,
  // sqitch.plan, migrasafe.sum): relint plans its sets again and replays
  // from the first migration whose disk copy changed. Until then it keeps
  // its plan, so an edit does not walk the directories again.
  void files_changed();

  const SessionStats& stats() const { return stats_; }

 private:
  // relint's plan of one list of paths: kept until files change on disk, a
  // file it does not hold is relinted, or a buffer it read changes.
  struct PlannedPaths {
    std::vector<InputFile> inputs;
    std::vector<std::string> input_keys;     // per input: its buffer key
    std::vector<std::string> fingerprints;   // per input: its disk copy's modification time and size when planned
    std::map<std::string, std::size_t> index_by_key;
    std::map<std::string, std::size_t> texts_read;  // buffer keys the layout detection read: their text's hash (0: none)
    RunPlan plan;
  };
  // relint's history cache for one migration set: the history before each
  // of its first units, valid while the units before it read the same texts.
  struct Cache {
    std::vector<std::string> unit_keys;  // per unit: its scripts' paths, places and text fingerprints
    std::vector<SetHistory> before;      // before[j]: the history before unit j (j <= unit_keys.size())
  };
  // One lint of the paths (a --fix pass, or the report); `inputs`: the files it discovered.
  RunResult run_once(const std::vector<std::string>& paths, std::vector<InputFile>& inputs);
  // --schema, replayed once per session; false (with `failure`) when it cannot be read.
  bool seed_schema(RunResult& run);
  SetHistory seeded_history() const;  // a set's history before its first migration
  // release_free_memory after a run or relint that read `bytes_read` bytes, if that is enough.
  void release_memory_after(std::size_t bytes_read);
  // The buffer of `path`, or nullptr; and the lookup the pipeline reads through.
  const std::string* buffer_of(const std::string& path) const;
  TextOverride buffers() const;
  // The paths whose migrations relint judges `path` with.
  std::vector<std::string> history_paths(const std::string& path) const;
  // The plan of `paths`, made again when it cannot hold `path` as it is now.
  PlannedPaths& plan_for(const std::vector<std::string>& paths, const std::string& path);

  SessionConfig config_;
  std::vector<std::string> last_paths_;
  std::optional<Catalog> seed_;
  std::vector<RunMessage> seed_messages_;
  std::map<std::string, std::string> buffers_;  // by absolute normalised path
  std::map<std::string, PlannedPaths> plans_;   // by the paths relint read (joined)
  std::map<std::string, Cache> caches_;         // by migration set (its paths and place in the plan)
  SessionStats stats_;
};

}  // namespace migrasafe
