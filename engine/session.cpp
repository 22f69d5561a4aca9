#include "engine/session.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <filesystem>
#include <iterator>
#include <mutex>

#include "engine/fix_loop.h"
#include "engine/pipeline.h"
#include "engine/plan.h"
#include "parser/allocator.h"
#include "sources/discovery.h"
#include "sources/git.h"
#include "sources/history.h"
#include "sources/paths.h"

namespace migrasafe {
namespace {

RunResult failed(RunFailure::Kind kind, std::string message) {
  RunResult run;
  run.failure = RunFailure{kind, std::move(message)};
  return run;
}

// A sum file's findings as a file of the report (enabled rules only, with
// the configured severities).
FileResult sum_file_result(SumFileResult sum, const LintOptions& options) {
  FileResult f;
  f.path = sum.path;
  f.input_error = std::move(sum.error);
  f.parsed.source = std::make_shared<const SourceFile>(sum.path, std::move(sum.text));
  for (SumFinding& s : sum.findings) {
    std::size_t id = static_cast<std::size_t>(s.rule);
    if (!options.enabled[id]) continue;
    f.diagnostics.push_back({s.rule, options.severity[id].value_or(rule_info(s.rule).severity), s.begin, s.end,
                             std::move(s.message), std::move(s.help)});
  }
  return f;
}

// The results of a unit's scripts that come from input `i`, as one file
// (dbmate: the two sections merged), with the file's own text.
std::optional<FileResult> result_of_input(std::vector<ScriptState>& scripts, std::size_t i) {
  std::optional<FileResult> file;
  for (ScriptState& s : scripts) {
    if (s.ref.input != i) continue;
    if (s.original && s.result.input_error.empty()) s.result.parsed.source = s.original;
    file = file ? merge_disjoint(std::move(*file), std::move(s.result)) : std::move(s.result);
  }
  return file;
}

// Frees what a result keeps beyond what a report reads (SessionConfig::keep_full_results);
// the effects' details went as the replay passed them (LintOptions::keep_effect_details).
void drop_unreported(FileResult& f) {
  std::vector<Token>().swap(f.parsed.tokens);
  std::vector<std::shared_ptr<JsonDocument>>().swap(f.parsed.trees);
  for (Statement& s : f.parsed.statements) {
    s.node = {};
    s.release_body_trees();
    s.reading.reset();
    s.first_token = s.end_token = 0;  // no tokens left to index
  }
  for (Effects& e : f.effects) drop_effect_details(e);
}

// A path as the buffers are keyed: absolute, normalised (no file system access for an absolute path).
std::string buffer_key(const std::string& path) {
  std::error_code ec;
  return std::filesystem::absolute(path, ec).lexically_normal().string();
}

// A disk copy's identity: its modification time and size ("" when it cannot be read).
std::string disk_fingerprint(const std::string& path) {
  std::error_code ec;
  auto modified = std::filesystem::last_write_time(path, ec);
  if (ec) return "";
  auto size = std::filesystem::file_size(path, ec);
  return ec ? "" : std::to_string(modified.time_since_epoch().count()) + " " + std::to_string(size);
}

}  // namespace

LintSession::LintSession(SessionConfig config) : config_(std::move(config)) {}
LintSession::~LintSession() = default;

void LintSession::release_memory_after(std::size_t bytes_read) {
  if (bytes_read < kReleaseMemoryAfterBytes) return;
  release_free_memory();
  ++stats_.memory_releases;
}

SetHistory LintSession::seeded_history() const {
  SetHistory history;
  history.schema = *seed_;
  return history;
}

bool LintSession::seed_schema(RunResult& run) {
  const Snapshot* snapshot = config_.snapshot.get();
  if ((config_.schema.empty() && !snapshot) || seed_) {
    if (!seed_) seed_.emplace();
    return true;
  }
  // A --snapshot's schema is DDL written from it; a --schema is read from its file.
  const std::string& name = snapshot ? snapshot->path : config_.schema;
  const std::string option = snapshot ? "--snapshot " : "--schema ";
  std::string err;
  auto text = snapshot ? std::optional<std::string>(snapshot->schema_sql) : read_input({config_.schema, false}, err);
  if (!text) {
    run.failure = RunFailure{RunFailure::Kind::Input, option + name + ": " + err};
    return false;
  }
  // Replayed without rules, so the first migration sees production's schema.
  LintOptions replay_only = config_.settings.base_options();
  std::fill(replay_only.enabled.begin(), replay_only.enabled.end(), false);
  SetHistory seed;
  FileResult dump = analyse_file(parse_file(std::make_shared<const SourceFile>(name, std::move(*text))), {},
                                 replay_only, nullptr, &seed);
  for (const ParseProblem& p : dump.parsed.problems)
    if (p.kind == ProblemKind::SyntaxError)
      run.messages.push_back({RunMessage::Level::Warning,
                              option + name + ":" + (snapshot ? " schema statement at line " : "") +
                                  std::to_string(dump.parsed.source->lines.position(p.begin).line) + ": " + p.message +
                                  " (statement skipped)"});
  seed_ = std::move(seed.schema);
  return true;
}

RunResult LintSession::run(const std::vector<std::string>& paths) {
  last_paths_ = paths;
  files_changed();  // a run reads the files as they are now; relint plans with them again
  std::vector<InputFile> inputs;
  RunResult run = run_once(paths, inputs);
  auto hide_baselined = [&](RunResult& r, bool say) {
    if (!config_.baseline) return;
    BaselineSummary b = apply_baseline(*config_.baseline, r, baseline_root());
    if (!say) return;
    std::string text = "baseline " + config_.baseline_file + ": " + std::to_string(b.hidden) +
                       (b.hidden == 1 ? " finding" : " findings") + " hidden";
    if (b.stale)
      text += ", " + std::to_string(b.stale) + (b.stale == 1 ? " entry no longer matches" : " entries no longer match") +
              " (fixed: `migrasafe baseline` rewrites the file without them)";
    r.messages.push_back({RunMessage::Level::Info, std::move(text)});
  };
  if (!config_.fix || run.failure) {
    if (!run.failure) hide_baselined(run, true);
    return run;
  }
  // --fix: fix the reported findings (not the baselined ones), lint the fixed
  // files (and stdin's fixed text) again, until no fix applies; the last
  // pass is the report of what remains.
  const std::optional<std::string> given_stdin = config_.stdin_text;
  std::optional<std::string> stdin_text = config_.stdin_text;
  bool has_stdin = std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; });
  std::vector<RunMessage> earlier;  // the messages of the passes before the last
  FixTally tally;
  bool write_failed = false;
  while (true) {
    hide_baselined(run, false);  // not reported: not fixed (the next pass says so)
    std::move(run.messages.begin(), run.messages.end(), std::back_inserter(earlier));
    run.messages.clear();
    FixPass pass = fix_pass(inputs, run, stdin_text, tally, earlier);
    write_failed = write_failed || pass.write_failed;
    bool again = pass.applied > 0 && tally.passes < FixTally::kMaxPasses && !pass.write_failed;
    if (!again) earlier.push_back({RunMessage::Level::Info, fix_summary(tally)});
    if (has_stdin && !stdin_text) {  // unreadable stdin: nothing was fixed, and it cannot be read again
      hide_baselined(run, true);
      break;
    }
    config_.stdin_text = stdin_text;
    run = run_once(paths, inputs);
    if (run.failure) break;
    if (!again) {
      hide_baselined(run, true);
      break;
    }
  }
  config_.stdin_text = given_stdin;
  run.messages.insert(run.messages.begin(), earlier.begin(), earlier.end());
  run.fix_write_failed = write_failed;
  if (has_stdin && stdin_text) run.fixed_stdin = std::move(stdin_text);
  return run;
}

RunResult LintSession::run_once(const std::vector<std::string>& paths, std::vector<InputFile>& inputs) {
  using Kind = RunFailure::Kind;
  const SessionConfig& c = config_;
  if (std::count(paths.begin(), paths.end(), "-") > 1) return failed(Kind::Usage, "`-` (stdin) can be given only once");
  if (!c.stdin_filename.empty() && std::count(paths.begin(), paths.end(), "-") == 0)
    return failed(Kind::Usage, "--stdin-filename names the input read from `-`, and `-` is not among the paths");
  if (c.staged && !c.changed_since.empty())
    return failed(Kind::Usage,
                  "--staged and --changed-since cannot be combined: --staged checks what the next commit records, "
                  "--changed-since what a branch changed");
  if (c.staged && c.fix)
    return failed(Kind::Usage,
                  "--fix cannot be combined with --staged: it fixes the files of the working tree, --staged checks "
                  "the index");
  RunResult run;
  // Planning asks for each file's real path several times. The memo holds a
  // few hundred bytes per file: it ends before the replay, which needs none.
  std::optional<RealPathMemo> real_paths(std::in_place);
  if (!seed_schema(run)) return run;

  // --changed-since / --staged narrow the report, not the replay.
  std::optional<ChangedFiles> report_only;
  if (!c.changed_since.empty() || c.staged) {
    std::string error;
    report_only = c.staged ? staged_files(error) : changed_since(c.changed_since, error);
    if (!report_only) return failed(Kind::Usage, std::string(c.staged ? "--staged" : "--changed-since") + ": " + error);
  }

  // --staged: read the migrations as the index has them; report them under their own names.
  std::optional<IndexSnapshot> snapshot;
  std::vector<std::string> read_paths = paths;
  if (c.staged) {
    std::string error;
    if (auto taken = IndexSnapshot::take(paths, error)) snapshot.emplace(std::move(*taken));
    if (!snapshot) return failed(Kind::Usage, "--staged: " + error);
    read_paths = snapshot->paths_to_read();
  }
  auto shown = [&snapshot](const std::string& path) { return snapshot ? snapshot->shown(path) : path; };

  std::vector<InputError> input_errors;
  inputs = discover(read_paths, c.stdin_filename, input_errors);
  // Read stdin up front (a named one's layout may depend on its text); every
  // other file is read by the worker that lints it.
  std::vector<std::optional<std::string>> preloaded(inputs.size());
  std::vector<std::string> preload_errors(inputs.size());
  const std::string* stdin_text = nullptr;
  std::string stdin_path;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].from_stdin) continue;
    preloaded[i] = c.stdin_text ? c.stdin_text : read_input(inputs[i], preload_errors[i]);
    if (preloaded[i]) stdin_text = &*preloaded[i];
    stdin_path = inputs[i].path;
  }
  // The report must not overwrite what it reports on (under any spelling of its path).
  if (!c.report_path.empty()) {
    std::vector<std::string> read;
    for (const InputFile& in : inputs)
      if (!in.from_stdin) read.push_back(shown(in.path));
    for (const std::string* p : {&c.schema, &c.baseline_file, &c.settings.config().path})
      if (!p->empty()) read.push_back(*p);
    if (c.snapshot) read.push_back(c.snapshot->path);
    for (const std::filesystem::path& dir : sum_dirs(paths)) read.push_back((dir / kSumFileName).string());
    for (const std::string& p : read) {
      std::error_code ec;
      if (std::filesystem::equivalent(c.report_path, p, ec))
        return failed(Kind::Usage, "--output " + c.report_path + " is the input file " + p + ": refusing to overwrite it");
    }
  }

  TextOverride text_of = [&](const std::string& path) -> const std::string* {
    return stdin_text && path == stdin_path ? stdin_text : buffer_of(path);
  };
  RunPlan plan = plan_run(inputs, read_paths, c.layout, text_of, c.changed_since.empty() ? nullptr : &*report_only);
  LintOptions options = c.settings.base_options();
  run.options = options.analysis;
  Pipeline pipeline({c, inputs, preloaded, preload_errors, shown, plan.histories, buffers()});
  std::vector<SetHistory> histories(plan.sets.size(), seeded_history());
  // Reported per file, in the order the paths named them.
  // A file that holds several migrations (Liquibase changesets) gets all their results.
  // Taken from each unit as soon as it is replayed (the pipeline then frees the unit's state).
  run.files.resize(inputs.size());
  std::vector<char> filled(inputs.size(), 0);
  auto inputs_of = [](const WorkUnit& unit) {
    std::set<std::size_t> read;  // a unit reads one to three files
    for (const ScriptRef& script : unit.scripts) read.insert(script.input);
    return read;
  };
  // The units still to replay, per input and per set: a file's result is
  // complete (merged from all its units) when its count reaches zero, and a
  // set's history is no longer needed when its count does.
  std::vector<std::size_t> units_left_of_input(inputs.size(), 0), units_left_of_set(histories.size(), 0);
  for (const WorkUnit& unit : plan.units) {
    for (std::size_t i : inputs_of(unit)) ++units_left_of_input[i];
    ++units_left_of_set[unit.set];
  }
  auto collect = [&](UnitState& u) {
    for (std::size_t i : inputs_of(*u.unit)) {
      if (auto file = result_of_input(u.scripts, i)) {
        run.files[i] = filled[i] ? merge_disjoint(std::move(run.files[i]), std::move(*file)) : std::move(*file);
        filled[i] = 1;
      }
      if (--units_left_of_input[i] == 0 && !c.keep_full_results && filled[i]) drop_unreported(run.files[i]);
    }
    if (--units_left_of_set[u.unit->set] == 0) histories[u.unit->set] = SetHistory{};
  };
  real_paths.reset();
  pipeline.run_all(plan.units, histories, collect);
  // What the analysis freed (the schema model, tokens, trees) is held by the
  // allocator for threads that may not allocate again: hand it back first,
  // or the report's peak is on top of it.
  release_memory_after(pipeline.bytes_read);
  real_paths.emplace();
  stats_.scripts_replayed += pipeline.scripts_replayed;
  std::move(pipeline.messages.begin(), pipeline.messages.end(), std::back_inserter(run.messages));
  run.internal_errors = std::move(pipeline.internal_errors);
  for (FileResult& f : run.files)
    if (!f.parsed.source) f.parsed.source = std::make_shared<SourceFile>(f.path, "");
  if (snapshot)
    for (FileResult& f : run.files) f.path = shown(f.path);
  if (report_only)
    std::erase_if(run.files, [&](const FileResult& f) { return f.path != c.stdin_filename && !report_only->contains(f.path); });

  // Findings on migrasafe.sum itself (vanished migrations, a bad total).
  for (HistoryResult& history : plan.histories)
    for (SumFileResult& sum : history.sum_files) {
      FileResult f = sum_file_result(std::move(sum), options);
      f.path = shown(f.path);
      if (!f.diagnostics.empty() || !f.input_error.empty()) run.files.push_back(std::move(f));
    }

  // Paths that named nothing are reported like unreadable files.
  for (const InputError& e : input_errors) {
    FileResult f;
    f.path = shown(e.path);
    f.input_error = e.message;
    f.parsed.source = std::make_shared<SourceFile>(e.path, "");
    run.files.push_back(std::move(f));
  }
  return run;
}

const std::string* LintSession::buffer_of(const std::string& path) const {
  if (buffers_.empty()) return nullptr;
  auto it = buffers_.find(buffer_key(path));
  return it == buffers_.end() ? nullptr : &it->second;
}

TextOverride LintSession::buffers() const {
  if (buffers_.empty()) return {};
  return [this](const std::string& path) { return buffer_of(path); };
}

void LintSession::set_buffer(const std::string& path, std::string text) { buffers_[buffer_key(path)] = std::move(text); }

void LintSession::clear_buffer(const std::string& path) { buffers_.erase(buffer_key(path)); }

std::vector<std::string> LintSession::history_paths(const std::string& path) const {
  namespace fs = std::filesystem;
  fs::path file(buffer_key(path));
  auto holds = [&](const std::string& p) {
    fs::path held(buffer_key(p));
    return held == file || is_under(file, held);
  };
  if (std::any_of(last_paths_.begin(), last_paths_.end(), holds)) {
    std::vector<std::string> paths = last_paths_;
    std::erase(paths, "-");  // stdin was read once, by the run
    return paths;
  }
  std::vector<std::string> configured = config_.settings.config().migration_paths();
  if (std::any_of(configured.begin(), configured.end(), holds)) return configured;
  // A migration directory's scripts and sqitch's deploy/revert/verify scripts: the set is the directory above.
  fs::path dir = file.parent_path();
  std::string name = file.filename().string();
  bool in_migration_dir = name == "up.sql" || name == "down.sql" || name == "migration.sql";
  std::error_code ec;
  if (in_migration_dir || fs::exists(dir.parent_path() / "sqitch.plan", ec)) dir = dir.parent_path();
  // A scratch file directly in / or the home directory is no migration set: reading every .sql file
  // under it would walk the whole tree while the editor waits. The file is judged alone.
  const char* home = std::getenv("HOME");
  if (dir == dir.root_path() || (home && *home && fs::equivalent(dir, fs::path(home), ec))) return {file.string()};
  return {dir.string()};
}

void LintSession::files_changed() { plans_.clear(); }

LintSession::PlannedPaths& LintSession::plan_for(const std::vector<std::string>& paths, const std::string& path) {
  std::string key;
  for (const std::string& p : paths) key += p + '\n';
  auto known = plans_.find(key);
  if (known != plans_.end() && known->second.index_by_key.count(buffer_key(path))) {
    bool same_texts = std::all_of(known->second.texts_read.begin(), known->second.texts_read.end(), [&](const auto& read) {
      auto buffer = buffers_.find(read.first);
      return read.second == (buffer == buffers_.end() ? 0 : std::hash<std::string>{}(buffer->second) | 1);
    });
    if (same_texts) return known->second;
  }
  PlannedPaths& planned = plans_[key] = PlannedPaths{};
  std::vector<InputError> errors;
  planned.inputs = discover(paths, "", errors);
  for (const InputFile& in : planned.inputs) planned.input_keys.push_back(buffer_key(in.path));
  if (std::find(planned.input_keys.begin(), planned.input_keys.end(), buffer_key(path)) == planned.input_keys.end()) {
    planned.inputs.push_back(InputFile{path});  // not on disk (yet)
    planned.input_keys.push_back(buffer_key(path));
  }
  for (std::size_t i = 0; i < planned.inputs.size(); ++i) {
    planned.index_by_key.emplace(planned.input_keys[i], i);
    planned.fingerprints.push_back(disk_fingerprint(planned.inputs[i].path));
  }
  // The layout may depend on a file's text (dbmate, Liquibase): remember which buffers it read.
  std::mutex recording;  // plan_run reads from several threads
  TextOverride recorded = [&](const std::string& p) -> const std::string* {
    const std::string* buffer = buffer_of(p);
    std::size_t hash = buffer ? std::hash<std::string>{}(*buffer) | 1 : 0;
    std::lock_guard<std::mutex> lock(recording);
    planned.texts_read[buffer_key(p)] = hash;
    return buffer;
  };
  planned.plan = plan_run(planned.inputs, paths, config_.layout, recorded, nullptr);
  return planned;
}

FileResult LintSession::relint(const std::string& path, std::string text) {
  set_buffer(path, std::move(text));
  return relint(path);
}

FileResult LintSession::relint(const std::string& path) {
  FileResult out;
  out.path = path;
  const std::string* buffer = buffer_of(path);
  out.parsed.source = std::make_shared<const SourceFile>(path, buffer ? *buffer : "");
  RunResult seeding;
  if (!seed_schema(seeding)) {
    out.input_error = seeding.failure->message;
    return out;
  }
  std::vector<std::string> paths = history_paths(path);
  PlannedPaths& planned = plan_for(paths, path);
  const std::vector<InputFile>& inputs = planned.inputs;
  const RunPlan& plan = planned.plan;
  std::size_t target = planned.index_by_key.at(buffer_key(path));
  std::vector<std::optional<std::string>> no_stdin(inputs.size());
  std::vector<std::string> no_stdin_errors(inputs.size());
  auto unit_at = std::find_if(plan.units.begin(), plan.units.end(), [&](const WorkUnit& u) {
    return std::any_of(u.scripts.begin(), u.scripts.end(), [&](const ScriptRef& s) { return s.input == target; });
  });
  std::size_t set = unit_at->set;
  std::vector<const WorkUnit*> before;  // the units of its set that run before it
  for (auto it = plan.units.begin(); it != unit_at; ++it)
    if (it->set == set) before.push_back(&*it);

  // The longest cached prefix of that history: up to the first unit that reads something else.
  std::string set_key = std::to_string(set);
  for (const std::string& p : paths) set_key += '\n' + p;
  Cache& cache = caches_[set_key];
  // What each unit read: its scripts, their place and layout, and a
  // fingerprint of each text (its buffer's hash, else the disk copy's as planned).
  auto unit_key = [&](const WorkUnit& u) {
    std::string key = u.migration ? std::string(layout_name(u.migration->layout)) : "loose";
    for (const ScriptRef& s : u.scripts) {
      auto buffer = buffers_.find(planned.input_keys[s.input]);
      key += '\n' + inputs[s.input].path + ' ' + std::to_string(static_cast<int>(s.part)) + (s.transaction ? " t " : " n ") +
             (buffer == buffers_.end() ? "disk " + planned.fingerprints[s.input]
                                       : "buffer " + std::to_string(std::hash<std::string>{}(buffer->second)));
    }
    return key;
  };
  std::vector<std::string> keys;
  keys.reserve(before.size());
  for (const WorkUnit* u : before) keys.push_back(unit_key(*u));
  if (cache.before.empty()) cache.before.push_back(seeded_history());  // before the first unit: the seeded schema
  std::size_t reuse = 0;
  while (reuse < keys.size() && reuse < cache.unit_keys.size() && cache.unit_keys[reuse] == keys[reuse]) ++reuse;
  if (reuse < keys.size()) {  // unit `reuse` changed or was never replayed: what was cached after it is stale
    cache.unit_keys.resize(reuse);
    cache.before.resize(reuse + 1);
  }
  if (reuse > 0) ++stats_.history_reuses;

  Pipeline pipeline(
      {config_, inputs, no_stdin, no_stdin_errors, [](const std::string& p) { return p; }, plan.histories, buffers()});
  UnitState state;
  run_on_large_stacks(1, [&] {
    SetHistory history = cache.before[reuse];
    for (std::size_t j = reuse; j < before.size(); ++j) {  // the rest of the history, without rules
      UnitState earlier = pipeline.prepare(*before[j]);
      pipeline.parse(earlier);
      pipeline.replay(earlier, history, false);
      cache.unit_keys.push_back(std::move(keys[j]));
      cache.before.push_back(history);
    }
    state = pipeline.prepare(*unit_at);
    pipeline.parse(state);
    pipeline.replay(state, history, true);
  });
  stats_.scripts_replayed += pipeline.scripts_replayed;
  release_memory_after(pipeline.bytes_read);
  if (auto file = result_of_input(state.scripts, target)) out = std::move(*file);
  if (!out.parsed.source) out.parsed.source = std::make_shared<SourceFile>(path, "");
  return out;
}

}  // namespace migrasafe
