#pragma once
// The parse-and-replay core of a lint session: parse workers take units in
// order (reading and parsing dominate, and files are independent); the
// replay is sequential per migration set, in migration order, so each
// migration sees the schema the ones before it left, and it frees each
// file's trees as soon as it is done.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/result.h"
#include "engine/session.h"
#include "parser/large_stacks.h"
#include "sources/history.h"

namespace migrasafe {

// One script of a unit, from its text to its result.
struct ScriptState {
  ScriptRef ref;
  std::optional<ParsedFile> parsed;
  std::shared_ptr<const SourceFile> original;  // dbmate: the whole file (the parse has the other section blanked)
  MigrationRole role;
  FileResult result;
};

// A migration's scripts, each read and parsed once and replayed once: the
// down script is analysed after the up script's replay (finish_down), on
// the schema it leaves and with what it did, and the up script's reversal
// check reads the schema the down script leaves. A script that is not among the
// files asked about is read (and replayed by itself) for that alone.
struct UnitState {
  const WorkUnit* unit = nullptr;
  std::vector<ScriptState> scripts;
  std::optional<ParsedFile> context_down;  // read from disk for the up script's reversal check
  std::optional<UndoneMigration> undone;   // what the up script did, for the down script (see read_undone)
  // An up script whose replay is done (the history has its schema) and
  // whose down script's analysis and file rules are still to run (finish_down).
  struct AwaitingDown {
    ScriptState* up;
    ScriptState* down;
    std::shared_ptr<const SourceFile> source;  // the up script's, for an internal error
    LintOptions options;  // the up script's
    std::optional<FileAnalysis> analysis;  // started on `options`
  };
  std::optional<AwaitingDown> awaiting_down;
  std::size_t bytes = 0;  // the texts its parses hold
};

// Whether a parse thread may parse one more unit of a set, with `of_set`
// units of that set ahead of its replay and `in_all` of every set parsed
// (or being parsed) and not yet handed on, whose texts are `bytes` long.
bool parse_ahead_allowed(std::size_t of_set, std::size_t in_all, std::size_t bytes);

// What the pipeline reads: the session's configuration and the run's inputs.
struct PipelineInputs {
  const SessionConfig& config;
  const std::vector<InputFile>& inputs;
  const std::vector<std::optional<std::string>>& preloaded;  // stdin, read up front
  const std::vector<std::string>& preload_errors;
  std::function<std::string(const std::string&)> shown;  // the name a path is reported under
  const std::vector<HistoryResult>& histories;            // by set
  TextOverride buffer_of = {};  // the session's editor buffers, read instead of the files on disk
};

class Pipeline {
 public:
  explicit Pipeline(PipelineInputs in) : in_(std::move(in)) {}

  UnitState prepare(const WorkUnit& unit) const;
  // Reads and parses the unit's scripts (any thread).
  void parse(UnitState& unit);
  // Replays the unit's scripts onto `history` (its set's); without rules it
  // only advances the history (the history before a relinted file).
  void replay(UnitState& unit, SetHistory& history, bool with_rules);
  // replay in two parts: the first extends the history and, when an up
  // script's down script is to be analysed, leaves that and the up script's
  // file rules to the second (unit.awaiting_down), which reads nothing the
  // set's later units change, so it may run beside their replay.
  void replay_history(UnitState& unit, SetHistory& history, bool with_rules);
  void finish_down(UnitState& unit, bool with_rules);
  // Every unit: parsed by any thread, replayed in order within its set (sets
  // side by side). `histories`: each set's starting history, advanced as the
  // units replay. `on_replayed` is called with each unit as soon as it is
  // replayed, in its set's order and one call at a time, so that a caller can
  // take its results; the unit's state is freed after it. A unit's state
  // exists only from its parse to that call, so the memory a run holds
  // besides the results is bounded by how far parsing runs ahead, not by the
  // number of units.
  void run_all(const std::vector<WorkUnit>& units, std::vector<SetHistory>& histories,
               const std::function<void(UnitState&)>& on_replayed = {});

  // What happened beside the results (internal errors), in order; thread-safe.
  std::vector<RunMessage> messages;
  std::set<std::string> internal_errors;  // files, as reported
  std::atomic<std::size_t> scripts_replayed = 0;  // down scripts are analysed beside the replay
  std::atomic<std::size_t> bytes_read = 0;  // the scripts' texts, as parsed

 private:
  // A script's text: the session's buffer of `path`, else the file on disk.
  std::optional<std::string> read_script(const std::string& path, std::string& error) const;
  void parse_script(const WorkUnit& unit, ScriptState& s);
  // Pairs up and down scripts; returns the up script's parse when it was read for the down script alone.
  std::optional<ParsedFile> pair_scripts(UnitState& unit);
  void read_undone(UnitState& unit, const std::optional<ParsedFile>& context_up);
  // A script's options; without rules (`with_rules` false) every rule is off: the script only replays.
  LintOptions options_for(const WorkUnit& unit, const ScriptState& s, bool with_rules = true) const;
  // Analyses one parsed script onto `history`, and frees its parse.
  void analyse_script(UnitState& unit, ScriptState& s, SetHistory& history, bool with_rules, Catalog* schema_after);
  void internal_error(ScriptState& s, const std::exception& e);
  // A script whose analysis threw: its result is the internal error alone.
  void analysis_failed(ScriptState& s, std::shared_ptr<const SourceFile> source, const std::exception& e);
  PipelineInputs in_;
  std::mutex mutex_;
};

}  // namespace migrasafe
