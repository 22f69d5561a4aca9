// A stand-in for the engine's lint session (LintSession::relint): the
// migration set of a path, the history before it replayed once and cached,
// and the buffer analysed on top of it.
#include "lsp/linter.h"

#include <filesystem>
#include <map>

#include "config/config.h"
#include "sources/discovery.h"
#include "sources/history.h"
#include "sources/layouts.h"

namespace fs = std::filesystem;

namespace migrasafe::lsp {
namespace {

// Where a script sits in its migration.
enum class Part { Up, Down, Verify, Whole };

struct Place {
  const Migration* migration = nullptr;  // nullptr: outside the set (Part::Whole)
  std::size_t index = 0;                 // in set.migrations
  Part part = Part::Whole;
};

// A migration set and the schema before each of its migrations, as far as it was replayed.
struct CachedSet {
  MigrationSet set;
  HistoryResult history;
  std::vector<Catalog> before{Catalog{}};  // before[i]: the schema before migration i
  std::vector<std::size_t> replayed;       // per migration replayed: its open buffer's hash, 0 for the disk copy
};

struct CachedConfig {
  std::optional<Settings> settings;
  std::optional<std::string> error;
};

bool is_under(const fs::path& path, const fs::path& dir) {
  fs::path rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

struct Linter::Impl {
  OpenBuffers open_buffers;
  std::map<std::string, CachedConfig> configs;  // by configuration file ("" for none)
  std::map<std::string, CachedSet> sets;        // by the set's root directory

  const CachedConfig& config_for(const fs::path& dir) {
    std::optional<fs::path> file = find_config(dir);
    std::string key = file ? file->string() : "";
    auto it = configs.find(key);
    if (it != configs.end()) return it->second;
    CachedConfig& c = configs[key];
    try {
      c.settings.emplace(file ? load_config(*file) : Config{}, CommandLine{});
    } catch (const ConfigError& e) {
      c.error = e.what();
    }
    return c;
  }

  // The directory whose migrations the file is judged with: the configured
  // `migrations` path that holds it, else its directory (the directory above,
  // for layouts of one directory per migration).
  static fs::path set_root(const fs::path& path, const Config& config) {
    for (const std::string& m : config.migrations) {
      fs::path dir = (config.dir / m).lexically_normal();
      if (is_under(path, dir)) return dir;
    }
    fs::path dir = path.parent_path();
    std::string name = path.filename().string();
    bool one_dir_per_migration = name == "up.sql" || name == "down.sql" || name == "migration.sql";
    bool sqitch_script = fs::exists(dir.parent_path() / "sqitch.plan");
    return one_dir_per_migration || sqitch_script ? dir.parent_path() : dir;
  }

  CachedSet& set_for(const fs::path& root, const std::string& path, const Config& config) {
    auto it = sets.find(root.string());
    if (it != sets.end() && place_in(it->second.set, path).migration) return it->second;
    std::vector<InputError> errors;
    std::vector<InputFile> inputs = discover({root.string()}, "", errors);
    bool listed = std::any_of(inputs.begin(), inputs.end(), [&](const InputFile& f) { return f.path == path; });
    if (!listed) inputs.push_back({path});  // a new file, not saved yet
    std::optional<Layout> layout;
    if (config.layout && *config.layout != "auto") layout = parse_layout(*config.layout);
    CachedSet& cached = sets[root.string()] = CachedSet{};
    cached.set = build_migration_set(inputs, layout);
    cached.history = check_history(cached.set, {root}, nullptr);
    return cached;
  }

  static Place place_in(const MigrationSet& set, const std::string& path) {
    for (std::size_t i = 0; i < set.migrations.size(); ++i) {
      const Migration& m = set.migrations[i];
      if (m.up == path) return {&m, i, Part::Up};
      if (m.down && *m.down == path) return {&m, i, m.layout == Layout::Dbmate ? Part::Up : Part::Down};
      if (m.verify && *m.verify == path) return {&m, i, Part::Verify};
    }
    return {};
  }

  std::shared_ptr<const SourceFile> read(const std::string& path) {
    if (auto open = open_buffers(path)) return open;
    std::string error;
    auto text = read_input({path, false}, error);
    return text ? std::make_shared<const SourceFile>(path, std::move(*text)) : nullptr;
  }

  // The options a script runs with: the configuration for its path, and the
  // transaction its tool runs it in.
  static LintOptions options_for(const Settings& settings, const std::string& path, const Migration* m,
                                 bool declared_transaction, const ParsedFile& parsed) {
    LintOptions o = settings.options_for(path);
    if (!m) return o;
    o.analysis.single_query = m->layout == Layout::GolangMigrate || m->layout == Layout::Prisma;
    if (runs_in_transaction(*m, declared_transaction, parsed, o.analysis.pg_version))
      o.analysis.assume_in_transaction = true;
    return o;
  }

  // Applies migration `m`'s up script to `history` (no rules: replay only).
  void replay_up(const Migration& m, const Settings& settings, Catalog& history) {
    if (m.up.empty()) return;
    auto source = read(m.up);
    if (!source) return;
    if (m.layout == Layout::Dbmate)
      if (auto sections = dbmate_sections(source->text); sections && sections->up) {
        ByteRange keep = *sections->up;
        if (!sections->down || keep.begin < sections->down->begin) keep.begin = 0;
        source = std::make_shared<const SourceFile>(m.up, blank_outside(source->text, keep));
      }
    ParsedFile parsed = parse_file(source);
    LintOptions o = options_for(settings, m.up, &m, m.transaction, parsed);
    std::fill(o.enabled.begin(), o.enabled.end(), false);
    analyse_file(std::move(parsed), {}, o, nullptr, &history);
  }

  // The schema before migration `k`: cached, replayed from the first
  // migration whose open buffer changed since it was replayed.
  Catalog history_before(CachedSet& c, std::size_t k, const Settings& settings) {
    std::vector<std::size_t> now(k, 0);
    for (std::size_t i = 0; i < k; ++i)
      if (auto open = open_buffers(c.set.migrations[i].up)) now[i] = std::hash<std::string>{}(open->text) | 1;
    std::size_t valid = 0;
    while (valid < k && valid < c.replayed.size() && c.replayed[valid] == now[valid]) ++valid;
    c.replayed.resize(valid);
    c.before.resize(valid + 1);
    for (std::size_t i = valid; i < k; ++i) {
      Catalog next = c.before.back();
      replay_up(c.set.migrations[i], settings, next);
      c.before.push_back(std::move(next));
      c.replayed.push_back(now[i]);
    }
    return c.before[k];
  }

  FileResult analyse(const std::string& path, std::shared_ptr<const SourceFile> buffer, const Place& place,
                     const Settings& settings, const CachedSet* set, Catalog history) {
    const Migration* m = place.migration;
    MigrationRole role;
    if (m && m->layout == Layout::Dbmate)
      if (auto sections = dbmate_sections(buffer->text); sections && sections->up)
        return analyse_dbmate(path, buffer, *m, *sections, settings, std::move(history));
    ParsedFile parsed = parse_file(buffer);
    bool declared = false;
    switch (place.part) {
      case Part::Up: {
        std::optional<std::string> down_text;
        if (m->down)
          if (auto down = read(*m->down)) down_text = down->text;
        role = up_role(*m, std::move(down_text));
        declared = m->transaction;
        break;
      }
      case Part::Down:
        role = down_role(*m);
        declared = m->down_transaction;
        break;
      case Part::Verify: role.kind = MigrationRole::Kind::Verify; break;
      case Part::Whole: break;
    }
    if (set && (place.part == Part::Up || place.part == Part::Whole))
      if (auto it = set->history.by_file.find(path); it != set->history.by_file.end()) role.history = it->second;
    LintOptions o = options_for(settings, path, m, declared, parsed);
    std::optional<UndoneMigration> undone;
    if (auto up = load_undone_up(role)) undone = Context::undone_by(parse_file(std::move(up)), o.analysis);
    return analyse_file(std::move(parsed), role, o, undone ? &*undone : nullptr, &history);
  }

  // dbmate: one file, two scripts, each analysed with the other blanked out
  // (so offsets are the file's own), then merged.
  FileResult analyse_dbmate(const std::string& path, std::shared_ptr<const SourceFile> buffer, const Migration& m,
                            const DbmateSections& sections, const Settings& settings, Catalog history) {
    ByteRange up_keep = *sections.up, down_keep = sections.down.value_or(ByteRange{});
    if (!sections.down || up_keep.begin < sections.down->begin) up_keep.begin = 0;
    else down_keep.begin = 0;
    const std::string& text = buffer->text;
    std::optional<std::string> down_text;
    if (sections.down) down_text = text.substr(sections.down->begin, sections.down->end - sections.down->begin);
    auto up_source = std::make_shared<const SourceFile>(path, blank_outside(text, up_keep));
    ParsedFile up = parse_file(up_source);
    MigrationRole role = up_role(m, std::move(down_text));
    LintOptions o = options_for(settings, path, &m, sections.up_transaction, up);
    FileResult result = analyse_file(std::move(up), role, o, nullptr, &history);
    if (sections.down) {
      ParsedFile down = parse_file(std::make_shared<const SourceFile>(path, blank_outside(text, down_keep)));
      LintOptions od = options_for(settings, path, &m, sections.down_transaction, down);
      UndoneMigration undone = Context::undone_by(parse_file(up_source), od.analysis);
      result = merge_disjoint(std::move(result), analyse_file(std::move(down), down_role(m), od, &undone, &history));
    }
    result.parsed.source = buffer;
    return result;
  }
};

Linter::Linter(OpenBuffers open_buffers) : impl_(std::make_unique<Impl>()) {
  impl_->open_buffers = std::move(open_buffers);
}
Linter::~Linter() = default;

void Linter::forget() {
  impl_->configs.clear();
  impl_->sets.clear();
}

LintedBuffer Linter::lint(const std::string& path, std::shared_ptr<const SourceFile> buffer) {
  LintedBuffer out;
  if (path.empty()) {  // not a local file (an unsaved, untitled buffer): judged on its own
    Settings defaults(Config{}, CommandLine{});
    out.file = impl_->analyse(buffer->path, buffer, {}, defaults, nullptr, Catalog{});
    return out;
  }
  const CachedConfig& config = impl_->config_for(fs::path(path).parent_path());
  if (config.error) {
    out.config_error = config.error;
    out.file.path = path;
    out.file.parsed.source = buffer;
    return out;
  }
  const Settings& settings = *config.settings;
  CachedSet& set = impl_->set_for(Impl::set_root(path, settings.config()), path, settings.config());
  Place place = Impl::place_in(set.set, path);
  // An up script is judged with the schema before its migration; a down or verify script with the
  // schema its up script left.
  std::size_t after = place.part == Part::Down || place.part == Part::Verify ? place.index + 1 : place.index;
  Catalog history = place.migration ? impl_->history_before(set, after, settings) : Catalog{};
  out.file = impl_->analyse(path, buffer, place, settings, &set, std::move(history));
  out.file.path = path;
  return out;
}

}  // namespace migrasafe::lsp
