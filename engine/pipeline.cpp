#include "engine/pipeline.h"

#include "analysis/undone.h"
#include "parser/largest_first.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace migrasafe {
namespace {

// For tests only: MIGRASAFE_TEST_INTERNAL_ERROR=TEXT makes the analysis of
// every file whose path contains TEXT throw, as a bug in a rule would, so
// that the handling of internal errors (exit 4, the other files reported)
// can be tested with the real binary.
void throw_if_test_internal_error(const std::string& path) {
  const char* text = std::getenv("MIGRASAFE_TEST_INTERNAL_ERROR");
  if (text && *text && path.find(text) != std::string::npos)
    throw std::logic_error("MIGRASAFE_TEST_INTERNAL_ERROR is set");
}

// The unit's script of `part` whose parse it still holds, or nullptr.
ScriptState* parsed_script(UnitState& unit, ScriptPart part) {
  for (ScriptState& s : unit.scripts)
    if (s.ref.part == part && s.parsed) return &s;
  return nullptr;
}

}  // namespace

std::optional<std::string> Pipeline::read_script(const std::string& path, std::string& error) const {
  if (const std::string* buffer = in_.buffer_of ? in_.buffer_of(path) : nullptr) return *buffer;
  return read_input({path, false}, error);
}

UnitState Pipeline::prepare(const WorkUnit& unit) const {
  UnitState state;
  state.unit = &unit;
  for (const ScriptRef& ref : unit.scripts) state.scripts.push_back(ScriptState{ref, {}, {}, {}, {}});
  return state;
}

void Pipeline::internal_error(ScriptState& s, const std::exception& e) {
  // A bug, not bad input: say so loudly, keep the other files' results.
  std::string file = in_.shown(in_.inputs[s.ref.input].path);
  std::lock_guard<std::mutex> lock(mutex_);
  internal_errors.insert(file);
  messages.push_back({RunMessage::Level::InternalError, file + ": " + e.what()});
  s.result.input_error = std::string("internal error: ") + e.what();
}

void Pipeline::parse(UnitState& unit) {
  for (ScriptState& s : unit.scripts) {
    try {
      parse_script(*unit.unit, s);
    } catch (const std::exception& e) {  // nothing may escape a worker thread: it would end the whole run
      internal_error(s, e);
    }
  }
  std::optional<ParsedFile> context_up;
  try {
    context_up = pair_scripts(unit);
  } catch (const std::exception& e) {
    internal_error(unit.scripts.front(), e);
  }
  read_undone(unit, context_up);
  for (const ScriptState& s : unit.scripts)
    if (s.parsed) unit.bytes += s.parsed->source->text.size();
  if (unit.context_down) unit.bytes += unit.context_down->source->text.size();
}

void Pipeline::parse_script(const WorkUnit& unit, ScriptState& s) {
  const InputFile& in = in_.inputs[s.ref.input];
  FileResult& slot = s.result;
  slot.path = in.path;
  std::string err;
  std::optional<std::string> text;
  if (in.from_stdin) {
    text = in_.preloaded[s.ref.input];  // a copy: a dbmate file's two sections are two scripts
    err = in_.preload_errors[s.ref.input];
  } else {
    text = read_script(in.path, err);
  }
  if (!text) {
    slot.input_error = err;
    return;
  }
  bytes_read += text->size();
  try {
    const Migration* m = unit.migration;
    switch (s.ref.part) {
      case ScriptPart::Up: s.role = up_role(*m, std::nullopt); break;  // its down script: pair_scripts
      case ScriptPart::Down: s.role = down_role(*m); break;
      case ScriptPart::Verify: s.role.kind = MigrationRole::Kind::Verify; break;
      case ScriptPart::Whole: break;
    }
    if (m && m->up_section) {
      // One file, several scripts (dbmate sections, Liquibase changesets): each is analysed with
      // the rest blanked out, so offsets, lines and columns are the file's own.
      s.original = std::make_shared<const SourceFile>(in.path, *text);
      s.parsed = parse_file(
          std::make_shared<const SourceFile>(in.path, section_script(*m, s.ref.part == ScriptPart::Down, *text)));
    } else {
      s.parsed = parse_file(std::make_shared<const SourceFile>(in.path, std::move(*text)));
    }
  } catch (const std::exception& e) {
    internal_error(s, e);
  }
  if (s.ref.part == ScriptPart::Up || s.ref.part == ScriptPart::Whole) {
    const HistoryResult& history = in_.histories[unit.set];
    if (auto it = history.by_file.find(in.path); it != history.by_file.end()) s.role.history = it->second;
  }
}

std::optional<ParsedFile> Pipeline::pair_scripts(UnitState& unit) {
  const Migration* m = unit.unit->migration;
  if (!m) return std::nullopt;
  ScriptState* up = parsed_script(unit, ScriptPart::Up);
  ScriptState* down = parsed_script(unit, ScriptPart::Down);
  const bool sections = m->up_section.has_value();  // dbmate, Liquibase: scripts are parts of one file
  // The up script's down script (the reversal check, missing-down-script).
  if (up && up->role.down_exists) {
    const ParsedFile* down_script = down ? &*down->parsed : nullptr;
    if (!down_script && sections) {
      unit.context_down = parse_file(
          std::make_shared<const SourceFile>(up->original->path, section_script(*m, true, up->original->text)));
      down_script = &*unit.context_down;
    } else if (std::string err; !down_script) {
      if (auto text = read_script(*m->down, err))
        unit.context_down = parse_file(std::make_shared<const SourceFile>(*m->down, std::move(*text)));
      if (unit.context_down) down_script = &*unit.context_down;
    }
    if (down_script) {
      up->role.down_script = down_script;
      up->role.down_text = sections ? section_script(*m, true, up->original->text) : down_script->source->text;
    }
  }
  // The down script's up script (what it is expected to undo).
  if (down && !up) {
    if (sections)
      return parse_file(
          std::make_shared<const SourceFile>(down->original->path, section_script(*m, false, down->original->text)));
    if (std::string err; !down->role.up_path.empty())
      if (auto text = read_script(down->role.up_path, err))
        return parse_file(std::make_shared<const SourceFile>(down->role.up_path, std::move(*text)));
  }
  return std::nullopt;
}

void Pipeline::read_undone(UnitState& unit, const std::optional<ParsedFile>& context_up) {
  // What the up script did, for its down script. Analysed with it, the up
  // script's analysis reads it as it replays the up script (see replay);
  // otherwise, or when that replay could see otherwise
  // (undone_depends_on_history), it is read here from a replay of the up
  // script alone, before the up script's replay frees its trees.
  for (ScriptState& s : unit.scripts) {
    if (s.ref.part != ScriptPart::Down || !s.parsed) continue;
    const ParsedFile* up = context_up ? &*context_up : nullptr;
    const ScriptState* up_script = nullptr;
    for (const ScriptState& u : unit.scripts)
      if (u.ref.part == ScriptPart::Up && u.parsed) up_script = &u;
    if (up_script) up = &*up_script->parsed;
    try {
      const AnalysisOptions options = options_for(*unit.unit, s).analysis;
      const bool read_by_up_analysis = up_script && !undone_depends_on_history(*up) &&
                                       options_for(*unit.unit, *up_script).analysis.pg_version == options.pg_version;
      if (up && !read_by_up_analysis) unit.undone = Context::undone_by(*up, options);
    } catch (const std::exception& e) {
      internal_error(s, e);
      s.parsed.reset();
    }
  }
}

LintOptions Pipeline::options_for(const WorkUnit& unit, const ScriptState& s, bool with_rules) const {
  // Per-file options (config overrides), and the layout's transaction convention.
  LintOptions o = in_.config.settings.options_for(in_.shown(in_.inputs[s.ref.input].path));
  o.sizes = in_.config.sizes;
  o.keep_effect_details = in_.config.keep_full_results;
  if (const Migration* m = unit.migration) {
    o.analysis.single_query = m->layout == Layout::GolangMigrate || m->layout == Layout::Prisma;
    // Flyway decides from the statements (a file of CONCURRENTLY statements runs without one).
    if (runs_in_transaction(*m, s.ref.transaction, *s.parsed, o.analysis.pg_version))
      o.analysis.assume_in_transaction = true;
  }
  if (in_.config.adjust_options) in_.config.adjust_options(in_.inputs[s.ref.input].path, o);
  if (!with_rules) std::fill(o.enabled.begin(), o.enabled.end(), false);
  return o;
}

void Pipeline::analysis_failed(ScriptState& s, std::shared_ptr<const SourceFile> source, const std::exception& e) {
  s.result = FileResult{};
  s.result.path = in_.inputs[s.ref.input].path;
  s.result.parsed.source = source;
  internal_error(s, e);
}

void Pipeline::analyse_script(UnitState& unit, ScriptState& s, SetHistory& history, bool with_rules,
                              Catalog* schema_after) {
  auto source = s.parsed->source;
  try {
    throw_if_test_internal_error(in_.inputs[s.ref.input].path);
    LintOptions o = options_for(*unit.unit, s, with_rules);
    const UndoneMigration* undoes = s.ref.part == ScriptPart::Down && unit.undone ? &*unit.undone : nullptr;
    s.result = analyse_file(std::move(*s.parsed), s.role, o, undoes, &history, schema_after);
  } catch (const std::exception& e) {
    analysis_failed(s, source, e);
  }
  ++scripts_replayed;
  s.parsed.reset();
}

void Pipeline::replay(UnitState& unit, SetHistory& history, bool with_rules) {
  replay_history(unit, history, with_rules);
  if (unit.awaiting_down) finish_down(unit, with_rules);
}

void Pipeline::replay_history(UnitState& unit, SetHistory& history, bool with_rules) {
  // A down script is analysed once, after its up script's replay, on the
  // schema the up script leaves (a down script reads the history but does
  // not extend it): the up script's reversal check reads the schema after
  // it from that analysis, so the up script's file rules wait for it
  // (finish_down); the history goes on without either.
  ScriptState* up = parsed_script(unit, ScriptPart::Up);
  ScriptState* down = up ? parsed_script(unit, ScriptPart::Down) : nullptr;
  for (ScriptState& s : unit.scripts) {
    if (!s.parsed || (&s == down && unit.awaiting_down)) continue;
    if (&s != up || !down) {
      analyse_script(unit, s, history, with_rules, nullptr);
      continue;
    }
    auto source = s.parsed->source;
    try {
      throw_if_test_internal_error(in_.inputs[s.ref.input].path);
      UnitState::AwaitingDown& awaiting =
          unit.awaiting_down.emplace(UnitState::AwaitingDown{up, down, source, options_for(*unit.unit, s, with_rules), {}});
      awaiting.analysis = start_file(std::move(*s.parsed), s.role, awaiting.options, nullptr, &history, true);
      awaiting.analysis->extend_history();
    } catch (const std::exception& e) {  // the down script is then analysed by itself, as the loop goes on
      unit.awaiting_down.reset();
      analysis_failed(s, source, e);
      ++scripts_replayed;
    }
    s.parsed.reset();
  }
  if (!unit.awaiting_down) unit.context_down.reset();
}

void Pipeline::finish_down(UnitState& unit, bool with_rules) {
  UnitState::AwaitingDown& awaiting = *unit.awaiting_down;
  try {
    FileAnalysis& up = *awaiting.analysis;
    if (!unit.undone) unit.undone = up.undone();  // not read at parse time (read_undone)
    SetHistory after_up{up.schema_after(), {}, {}};
    Catalog after_down;
    analyse_script(unit, *awaiting.down, after_up, with_rules, &after_down);
    const bool down_analysed = awaiting.down->result.input_error.empty();  // else an internal error
    awaiting.up->result = std::move(up).finish(down_analysed ? std::optional<Catalog>(std::move(after_down)) : std::nullopt);
  } catch (const std::exception& e) {
    analysis_failed(*awaiting.up, awaiting.source, e);
  }
  ++scripts_replayed;
  unit.awaiting_down.reset();
  unit.context_down.reset();
}

bool parse_ahead_allowed(std::size_t of_set, std::size_t in_all, std::size_t bytes) {
  // A few units whatever their size, so that the replay finds its next unit
  // parsed. Further while what they hold is small (a migration is a few kB):
  // the replay's next unit can be slow to parse (a large file), and a
  // window of a few small units then fills up and leaves a core idle.
  constexpr std::size_t kAnyUnits = 8, kAnyUnitsInAll = 16;
  constexpr std::size_t kSmallUnits = 32, kSmallUnitsInAll = 64, kSmallBytes = std::size_t{1} << 20;
  if (of_set < kAnyUnits && in_all < kAnyUnitsInAll) return true;
  return of_set < kSmallUnits && in_all < kSmallUnitsInAll && bytes < kSmallBytes;
}

void Pipeline::run_all(const std::vector<WorkUnit>& units, std::vector<SetHistory>& histories,
                       const std::function<void(UnitState&)>& on_replayed) {
  // Each migration set is its own history: its units replay in order, one at
  // a time, but different sets replay at once, on whichever thread is free.
  // A thread replays the next unit of a set when it is parsed and no other
  // thread replays that set; otherwise it parses; it waits only when neither
  // is possible. (With a production snapshot the sets share the table sizes
  // the files update, so they replay one after another, in plan order.)
  struct SetQueue {
    std::vector<std::size_t> units;  // in replay order
    std::size_t next_parse = 0;      // the next of `units` to parse
    std::size_t next_replay = 0;     // the next to replay
    std::size_t next_done = 0;       // the next to hand to on_replayed
    bool replaying = false;
  };
  const bool one_history = in_.config.sizes != nullptr;
  std::vector<SetQueue> sets;
  for (std::size_t k = 0; k < units.size(); ++k) {
    std::size_t set = one_history ? 0 : units[k].set;
    if (set >= sets.size()) sets.resize(set + 1);
    sets[set].units.push_back(k);
  }
  // The longest sets first: a set's replay is a serial chain, so a run lasts
  // at least as long as its longest one; started first, it runs beside the
  // shorter ones instead of after them.
  const std::vector<std::size_t> set_order =
      largest_first(sets.size(), [&](std::size_t k) { return sets[k].units.size(); });
  std::vector<char> parsed(units.size(), 0), done(units.size(), 0);
  // Units whose history part is replayed and whose down script's analysis
  // waits (finish_down): any thread runs it beside the set's next replays.
  // Not with a snapshot: the sizes the files update are read as the file
  // rules run.
  std::deque<std::size_t> awaiting_down;
  const bool down_beside = !one_history;
  std::vector<std::unique_ptr<UnitState>> states(units.size());  // from its parse until it is replayed
  // How far parse threads run ahead of the replays: a parsed unit holds its
  // trees until it is handed on (parse_ahead_allowed).
  std::size_t parsed_ahead = 0;  // parsed (or being parsed), not yet handed on
  std::size_t bytes_ahead = 0;   // the texts of those parsed
  std::vector<std::size_t> bytes_of(units.size(), 0);
  std::size_t remaining = units.size();
  std::mutex mutex;
  std::condition_variable changed;

  enum class Task { None, Parse, Replay, FinishDown };
  // Under `mutex`: the next task, claimed. Replays come first (the serial
  // chain, and they free trees), then down scripts (they free the rest).
  auto claim = [&](std::size_t& set_index, std::size_t& unit) {
    for (std::size_t s : set_order) {
      SetQueue& q = sets[s];
      if (!q.replaying && q.next_replay < q.units.size() && parsed[q.units[q.next_replay]]) {
        q.replaying = true;
        set_index = s;
        unit = q.units[q.next_replay];
        return Task::Replay;
      }
    }
    if (!awaiting_down.empty()) {
      unit = awaiting_down.front();
      set_index = one_history ? 0 : units[unit].set;
      awaiting_down.pop_front();
      return Task::FinishDown;
    }
    for (std::size_t s : set_order) {
      SetQueue& q = sets[s];
      if (q.next_parse < q.units.size() && parse_ahead_allowed(q.next_parse - q.next_replay, parsed_ahead, bytes_ahead)) {
        set_index = s;
        unit = q.units[q.next_parse++];
        ++parsed_ahead;
        return Task::Parse;
      }
    }
    return Task::None;
  };
  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (remaining > 0) {
      std::size_t set = 0, k = 0;
      Task task = claim(set, k);
      if (task == Task::None) {
        changed.wait(lock);
        continue;
      }
      lock.unlock();
      if (task == Task::Parse) {
        states[k] = std::make_unique<UnitState>(prepare(units[k]));
        parse(*states[k]);
      } else if (task == Task::Replay && down_beside) {
        replay_history(*states[k], histories[units[k].set], true);
      } else if (task == Task::Replay) {
        replay(*states[k], histories[units[k].set], true);
      } else {
        finish_down(*states[k], true);
      }
      lock.lock();
      SetQueue& q = sets[set];
      if (task == Task::Parse) {
        parsed[k] = 1;
        bytes_of[k] = states[k]->bytes;
        bytes_ahead += bytes_of[k];
      } else if (task == Task::Replay) {
        q.replaying = false;
        ++q.next_replay;
        if (states[k]->awaiting_down) awaiting_down.push_back(k);
        else done[k] = 1;
      } else {
        done[k] = 1;
      }
      // Units go to on_replayed in their set's order, however their down scripts finish.
      while (q.next_done < q.next_replay && done[q.units[q.next_done]]) {
        std::size_t d = q.units[q.next_done++];
        if (on_replayed) on_replayed(*states[d]);  // under the lock: one call at a time
        states[d].reset();
        --parsed_ahead;
        bytes_ahead -= bytes_of[d];
        --remaining;
      }
      changed.notify_all();
    }
  };
  unsigned n_threads =
      std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(units.size())));
  run_on_large_stacks(n_threads, worker);
}

}  // namespace migrasafe
