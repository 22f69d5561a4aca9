#include "config/config.h"
#include "config/formats.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

#include <toml++/toml.h>

#include "config/toml_subset.h"
#include "sources/discovery.h"  // parse_file_size

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

constexpr std::string_view kFailOn[] = {"error", "warning", "note", "never"};
constexpr std::string_view kLayouts[] = {"auto",   "flyway", "golang-migrate", "dir-pairs", "dbmate",
                                         "sqitch", "prisma", "liquibase",      "plain"};
constexpr std::string_view kRuleSeverities[] = {"error", "warning", "note", "off"};

// Older spellings of rule options, still read: a top-level key that is one
// option of a rule, or a top-level table that is a rule's [rules.<name>].
struct OptionAlias {
  std::string_view key;
  RuleId rule;
  bool whole_table;
};
constexpr OptionAlias kOptionAliases[] = {
    {"max_lock_timeout", RuleId::missing_lock_timeout, false},
    {"naming", RuleId::naming_convention, true},
};

const OptionAlias* option_alias(std::string_view key) {
  for (const OptionAlias& a : kOptionAliases)
    if (a.key == key) return &a;
  return nullptr;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

template <std::size_t N>
std::string one_of(const std::string_view (&values)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) out += (i ? ", \"" : "\"") + std::string(values[i]) + "\"";
  return out;
}

template <std::size_t N>
bool is_one_of(const std::string_view (&values)[N], std::string_view v) {
  return std::find(std::begin(values), std::end(values), v) != std::end(values);
}

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    std::stringstream ss(item);
    std::string part;
    while (std::getline(ss, part, ',')) {
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (!part.empty()) out.push_back(part);
    }
  }
  return out;
}

// An override's glob as it matches: a directory ("db/legacy", "db/legacy/",
// ".") covers everything under it.
std::string covering_glob(std::string glob) {
  while (glob.starts_with("./")) glob.erase(0, 2);
  while (glob.size() > 1 && glob.ends_with("/")) glob.pop_back();
  if (glob.empty() || glob == ".") return "**";
  return glob;
}

// Reads one file's tables, with messages that name the file, line and key.
class Reader {
 public:
  Reader(std::string path, fs::path dir) : path_(std::move(path)), dir_(std::move(dir)) {}

  Config read(const toml::table& root) {
    Config c;
    c.path = path_;
    c.dir = dir_;
    for (auto&& [key, value] : root) {
      std::string k(key.str());
      if (k == "pg_version") c.pg_version = pg_version(value, k);
      else if (k == "assume_in_transaction") c.assume_in_transaction = boolean(value, k);
      else if (k == "fail_on") c.fail_on = choice(value, k, kFailOn);
      else if (k == "format") c.format = choice(value, k, kFormatNames);
      else if (k == "layout") c.layout = choice(value, k, kLayouts);
      else if (k == "migrations") c.migrations = globs(value, k, "", true);
      else if (k == "baseline") c.baseline = nonempty_string(value, k);
      else if (k == "rules") c.rules = rules(table(value, k), "[rules]", &c);
      else if (k == "overrides") c.overrides = overrides(value);
      else if (k == "hot_tables") c.hot_tables = hot_tables(value);
      else if (k == "max_file_size") c.max_file_size = file_size(value, k);
      else if (k == "snapshot") c.snapshot = snapshot(table(value, k));
      else if (const OptionAlias* alias = option_alias(k)) {
        if (alias->whole_table) rule_options(alias->rule, table(value, k), "[" + k + "]", c.rule_options);
        else rule_option(alias->rule, key, value, "", c.rule_options);
      } else unknown(key, "");
    }
    return c;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& where, const std::string& message) const {
    throw ConfigError(path_ + ":" + std::to_string(where.begin.line) + ": " + message);
  }
  [[noreturn]] void unknown(const toml::key& key, const std::string& in) const {
    fail(key.source(), "unknown key \"" + std::string(key.str()) + "\"" + (in.empty() ? "" : " in " + in));
  }
  [[noreturn]] void wrong(const toml::node& v, const std::string& key, const std::string& expected) const {
    fail(v.source(), "\"" + key + "\" must be " + expected + ", not " + type_name(v));
  }

  const toml::table& table(const toml::node& v, const std::string& key) const {
    if (!v.is_table()) wrong(v, key, "a table");
    return *v.as_table();
  }

  bool boolean(const toml::node& v, const std::string& key) const {
    if (!v.is_boolean()) wrong(v, key, "true or false");
    return v.as_boolean()->get();
  }

  std::string string(const toml::node& v, const std::string& key) const {
    if (!v.is_string()) wrong(v, key, "a string");
    return v.as_string()->get();
  }

  std::string nonempty_string(const toml::node& v, const std::string& key) const {
    std::string s = string(v, key);
    if (s.empty()) fail(v.source(), "\"" + key + "\" must not be empty");
    return s;
  }

  int pg_version(const toml::node& v, const std::string& key) const {
    std::string range = std::to_string(kMinPgVersion) + " to " + std::to_string(kMaxPgVersion);
    if (!v.is_integer()) wrong(v, key, "an integer from " + range);
    std::int64_t n = v.as_integer()->get();
    if (n < kMinPgVersion || n > kMaxPgVersion)
      fail(v.source(), "\"" + key + "\" must be from " + range + ", not " + std::to_string(n));
    return static_cast<int>(n);
  }

  template <std::size_t N>
  std::string choice(const toml::node& v, const std::string& key, const std::string_view (&values)[N]) const {
    if (!v.is_string()) wrong(v, key, "one of " + one_of(values));
    std::string s = v.as_string()->get();
    if (!is_one_of(values, s)) fail(v.source(), "\"" + key + "\" must be one of " + one_of(values) + ", not \"" + s + "\"");
    return s;
  }

  std::vector<std::string> strings(const toml::node& v, const std::string& key) const {
    if (!v.is_array()) wrong(v, key, "an array of strings");
    std::vector<std::string> out;
    for (const toml::node& e : *v.as_array()) {
      if (!e.is_string()) fail(e.source(), "\"" + key + "\" must be an array of strings, but holds " + type_name(e));
      out.push_back(e.as_string()->get());
    }
    return out;
  }

  // Paths and globs (sources/glob.h). `paths_first`: a path that exists is
  // taken as it is, even with glob characters in its name (as on the
  // command line).
  std::vector<std::string> globs(const toml::node& v, const std::string& key, const std::string& in,
                                 bool paths_first) const {
    std::vector<std::string> out = strings(v, key);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const toml::source_region& where = (*v.as_array())[i].source();
      if (out[i].empty()) fail(where, "\"" + key + "\"" + in + " holds an empty path");
      std::error_code ec;
      if (!has_glob_syntax(out[i]) || (paths_first && fs::exists(dir_ / out[i], ec))) continue;
      if (auto why = glob_error(out[i]))
        fail(where, "invalid glob \"" + out[i] + "\" in \"" + key + "\"" + in + ": " + *why);
    }
    return out;
  }

  // A size: a number of bytes, or a string with a unit ("500MB", "10GB", "1.5TB": parse_size, as
  // --max-file-size reads it). `per_second`: a speed, written with "/s" ("100MB/s").
  double bytes(const toml::node& v, const std::string& key, bool per_second) const {
    std::string example = per_second ? "\"100MB/s\"" : "\"10GB\"";
    if (v.is_integer() || v.is_floating_point()) {
      double n = v.is_integer() ? static_cast<double>(v.as_integer()->get()) : v.as_floating_point()->get();
      if (n > 0 && n < 1e18) return n;
    } else if (v.is_string()) {
      std::string_view text = v.as_string()->get();
      if (per_second) {
        if (!text.ends_with("/s")) fail(v.source(), "\"" + key + "\" must be a speed such as " + example);
        text.remove_suffix(2);
      }
      if (auto size = parse_size(text)) return *size;
    }
    fail(v.source(), "\"" + key + "\" must be a positive " + (per_second ? "speed" : "size") + " such as " + example);
  }

  SnapshotSettings snapshot(const toml::table& t) const {
    SnapshotSettings s;
    for (auto&& [key, value] : t) {
      std::string k(key.str());
      if (k == "file") s.file = nonempty_string(value, k);
      else if (k == "small_table_rows") s.thresholds.small_table_rows = bytes(value, k, false);
      else if (k == "large_table_bytes") s.thresholds.large_table_bytes = static_cast<std::int64_t>(bytes(value, k, false));
      else if (k == "rewrite_throughput") s.thresholds.rewrite_bytes_per_second = bytes(value, k, true);
      else if (k == "scan_throughput") s.thresholds.scan_bytes_per_second = bytes(value, k, true);
      else if (k == "max_age_days") s.max_age_days = bytes(value, k, false);
      else unknown(key, "[snapshot]");
    }
    return s;
  }

  std::uint64_t file_size(const toml::node& v, const std::string& key) const {
    std::optional<std::uint64_t> bytes;
    if (v.is_integer() && v.as_integer()->get() > 0) bytes = static_cast<std::uint64_t>(v.as_integer()->get());
    else if (v.is_string()) bytes = parse_file_size(v.as_string()->get());
    if (!bytes) fail(v.source(), "\"" + key + "\" must be a positive size such as \"64MB\", \"512kB\" or \"1GB\", or a number of bytes");
    return *bytes;
  }

  // Rule names, codes or aliases; "all" (in select) means every rule.
  std::vector<RuleId> rule_list(const toml::node& v, const std::string& key, const std::string& in, bool allow_all) const {
    if (!v.is_array()) wrong(v, key, "an array of rule names");
    if (allow_all && v.as_array()->empty())  // `select = []` would silently turn every rule off
      fail(v.source(), "\"" + key + "\" in " + in + " is empty, which would turn every rule off: list the rules to "
                       "run, [\"all\"] for every rule, or remove the key for the default rules");
    std::vector<RuleId> out;
    for (const toml::node& e : *v.as_array()) {
      if (!e.is_string()) fail(e.source(), "\"" + key + "\" must be an array of rule names, but holds " + type_name(e));
      std::string name = e.as_string()->get();
      if (allow_all && name == "all") {
        for (const RuleInfo& r : all_rules()) out.push_back(r.id);
        continue;
      }
      auto found = find_rules(name);
      if (found.empty()) fail(e.source(), "unknown rule \"" + name + "\" in " + in + " " + key + " (see `migrasafe rules`)");
      for (const RuleInfo* r : found) out.push_back(r->id);
    }
    return out;
  }

  // select / ignore / severity; with `options`, also [rules.<name>] tables.
  RuleSettings rules(const toml::table& t, const std::string& in, Config* options) const {
    RuleSettings s;
    for (auto&& [key, value] : t) {
      std::string k(key.str());
      if (k == "select") s.select = rule_list(value, k, in, true);
      else if (k == "ignore") s.ignore = rule_list(value, k, in, false);
      else if (k == "severity") s.severity = severities(table(value, k), in == "[rules]" ? "[rules.severity]" : in + " severity");
      else if (options && value.is_table()) rule_options(key, *value.as_table(), *options);
      else unknown(key, in);
    }
    return s;
  }

  // [rules.<name>]: one rule's options, checked against the keys the rule declares.
  void rule_options(const toml::key& rule, const toml::table& t, Config& c) const {
    std::string name(rule.str());
    auto found = find_rules(name);
    if (found.empty()) fail(rule.source(), "unknown rule \"" + name + "\" in [rules] (see `migrasafe rules`)");
    if (found.size() > 1) fail(rule.source(), "[rules." + name + "]: \"" + name + "\" names several rules; use one rule's name");
    rule_options(found[0]->id, t, "[rules." + name + "]", c.rule_options);
  }

  void rule_options(RuleId id, const toml::table& t, const std::string& in, RuleOptionSet& out) const {
    for (auto&& [key, value] : t) rule_option(id, key, value, in, out);
  }

  // One option of rule `id`, found in `in` ("[rules.<name>]", an alias's
  // table, or "" for a top-level alias). The same option under its alias and
  // its own name is an error.
  void rule_option(RuleId id, const toml::key& key, const toml::node& value, const std::string& in,
                   RuleOptionSet& out) const {
    std::string k(key.str());
    const RuleOption* option = find_declared_option(id, k);
    if (!option) {
      std::string valid = describe_options(id);
      unknown(key, in + (valid.empty() ? " (" + std::string(rule_info(id).name) + " has no options)"
                                       : " (its options: " + valid + ")"));
    }
    std::string named = in.empty() ? k : in + " " + k;
    if (!out.of(id).set(k, option_value(*option, value, k, in)))
      fail(key.source(), named + " is set twice (also by its alias or its [rules.<name>] key)");
  }

  OptionValue option_value(const RuleOption& option, const toml::node& v, const std::string& key,
                           const std::string& in) const {
    std::string error;
    std::optional<OptionValue> read;
    switch (option.type) {
      case OptionType::Duration:
        if (v.is_integer()) read = read_duration_ms(v.as_integer()->get(), error);  // milliseconds, as PostgreSQL reads a number
        else if (v.is_string()) read = read_option(option, v.as_string()->get(), error);
        else wrong(v, key, "a duration such as \"5s\", \"500ms\" or \"1min\"");
        if (!read) fail(v.source(), "\"" + key + "\" " + error);
        break;
      case OptionType::Pattern:
        read = read_option(option, string(v, key), error);
        if (!read) fail(v.source(), "invalid regular expression in " + (in.empty() ? key : in + " " + key) + ": " + error);
        break;
    }
    return std::move(*read);
  }

  std::map<RuleId, std::optional<Severity>> severities(const toml::table& t, const std::string& in) const {
    std::map<RuleId, std::optional<Severity>> out;
    for (auto&& [key, value] : t) {
      std::string name(key.str());
      auto found = find_rules(name);
      if (found.empty()) fail(key.source(), "unknown rule \"" + name + "\" in " + in + " (see `migrasafe rules`)");
      std::string level = choice(value, name, kRuleSeverities);
      for (const RuleInfo* r : found) out[r->id] = level == "off" ? std::nullopt : parse_severity(level);
    }
    return out;
  }

  std::vector<PathOverride> overrides(const toml::node& v) const {
    if (!v.is_array_of_tables()) wrong(v, "overrides", "an array of tables ([[overrides]])");
    std::vector<PathOverride> out;
    for (const toml::node& e : *v.as_array()) {
      const toml::table& t = *e.as_table();
      PathOverride o;
      RuleSettings& rs = o.rules;
      bool has_paths = false;
      for (auto&& [key, value] : t) {
        std::string k(key.str());
        if (k == "paths") {
          has_paths = true;
          o.paths = globs(value, k, " in [[overrides]]", false);
          for (const std::string& glob : o.paths)
            o.regexes.push_back(std::make_shared<const re2::RE2>(glob_to_regex(covering_glob(glob)), re2::RE2::Quiet));
        } else if (k == "select") {
          rs.select = rule_list(value, k, "[[overrides]]", true);
        } else if (k == "ignore") {
          rs.ignore = rule_list(value, k, "[[overrides]]", false);
        } else if (k == "severity") {
          rs.severity = severities(table(value, k), "[[overrides]] severity");
        } else if (k == "pg_version") {
          o.pg_version = pg_version(value, k);
        } else if (k == "assume_in_transaction") {
          o.assume_in_transaction = boolean(value, k);
        } else {
          unknown(key, "[[overrides]]");
        }
      }
      if (!has_paths || o.paths.empty()) fail(t.source(), "[[overrides]] needs \"paths\" (an array of globs)");
      out.push_back(std::move(o));
    }
    return out;
  }

  std::vector<std::string> hot_tables(const toml::node& v) const {
    std::vector<std::string> out = strings(v, "hot_tables");
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::string& s = out[i];
      auto dots = std::count(s.begin(), s.end(), '.');
      if (s.empty() || dots > 1 || s.front() == '.' || s.back() == '.')
        fail((*v.as_array())[i].source(), "\"hot_tables\" entries are \"table\" or \"schema.table\", not \"" + s + "\"");
      // Unquoted identifiers fold to lower case in PostgreSQL.
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    return out;
  }

  std::string path_;
  fs::path dir_;
};

std::string shown_path(const fs::path& p) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return p.string();
  fs::path rel = p.lexically_normal().lexically_relative(cwd);
  return rel.empty() ? p.string() : rel.string();
}

void apply(const RuleSettings& s, LintOptions& o) {
  if (s.select) {
    std::fill(o.enabled.begin(), o.enabled.end(), false);
    for (RuleId id : *s.select) o.enabled[static_cast<std::size_t>(id)] = true;
  }
  for (RuleId id : s.ignore) o.enabled[static_cast<std::size_t>(id)] = false;
  for (const auto& [id, level] : s.severity) {
    if (level) {
      o.severity[static_cast<std::size_t>(id)] = *level;
      if (!rule_info(id).default_on) o.enabled[static_cast<std::size_t>(id)] = true;  // levelling an opt-in rule turns it on
    } else o.enabled[static_cast<std::size_t>(id)] = false;  // "off"
  }
}

}  // namespace

std::vector<std::string> Config::migration_paths() const {
  std::vector<std::string> out;
  for (const std::string& m : migrations) {
    fs::path p = fs::path(m).is_absolute() ? fs::path(m) : dir / m;
    out.push_back(shown_path(p));
  }
  return out;
}

std::optional<std::string> Config::baseline_path() const {
  if (!baseline) return std::nullopt;
  return shown_path(fs::path(*baseline).is_absolute() ? fs::path(*baseline) : dir / *baseline);
}

std::optional<std::string> Config::snapshot_path() const {
  if (!snapshot.file) return std::nullopt;
  return shown_path(fs::path(*snapshot.file).is_absolute() ? fs::path(*snapshot.file) : dir / *snapshot.file);
}

std::optional<fs::path> find_config(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (ec) return std::nullopt;
  while (true) {
    fs::path candidate = dir / kConfigFileName;
    if (fs::is_regular_file(candidate, ec)) return candidate;
    if (!dir.has_relative_path()) return std::nullopt;  // the root
    dir = dir.parent_path();
  }
}

Config parse_config(std::string_view text, const std::string& display_path, const fs::path& dir) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark some editors write
  // toml++ sees only text it is known to handle (config/toml_subset.h).
  if (auto e = check_toml_subset(text))
    throw ConfigError(display_path + ":" + std::to_string(e->line) + ":" + std::to_string(e->column) + ": " + e->message);
  toml::table root;
  try {
    root = toml::parse(text, display_path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(display_path + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  return Reader(display_path, dir).read(root);
}

Config load_config(const fs::path& file) {
  std::string shown = file.string();
  std::error_code ec;
  if (!fs::exists(file, ec)) throw ConfigError(shown + ": configuration file does not exist");
  if (fs::is_directory(file, ec)) throw ConfigError(shown + ": configuration file is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(shown + ": cannot read the configuration file");
  std::ostringstream ss;
  ss << in.rdbuf();
  fs::path abs = fs::absolute(file, ec).lexically_normal();
  return parse_config(ss.str(), shown, abs.parent_path());
}

Config load_run_config(const std::string& explicit_path) {
  if (!explicit_path.empty()) return load_config(explicit_path);
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return {};
  auto found = find_config(cwd);
  if (!found) return {};
  Config c = load_config(shown_path(*found));
  return c;
}

Settings::Settings(Config config, CommandLine cli) : config_(std::move(config)), cli_(std::move(cli)) {
  auto resolve = [](const std::vector<std::string>& names, std::vector<RuleId>& out, bool allow_all) {
    for (const std::string& name : split_list(names)) {
      if (allow_all && name == "all") {
        for (const RuleInfo& r : all_rules()) out.push_back(r.id);
        continue;
      }
      auto found = find_rules(name);
      if (found.empty()) throw ConfigError("unknown rule `" + name + "` (see `migrasafe rules`)");
      for (const RuleInfo* r : found) out.push_back(r->id);
    }
  };
  if (!cli_.select.empty() && split_list(cli_.select).empty())  // `--select ''` would silently turn every rule off
    throw ConfigError("--select is empty, which would turn every rule off: name the rules to run (`--select all` for "
                      "every rule), or leave --select out for the default rules");
  resolve(cli_.select, cli_select_, true);
  resolve(cli_.ignore, cli_ignore_, false);
}

bool Settings::matches(const PathOverride& o, const std::string& path) const {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  if (ec) return false;
  fs::path rel = abs.lexically_relative(config_.dir);
  if (rel.empty() || *rel.begin() == "..") return false;
  // The file itself, or a directory it is in ("db/legacy" covers db/legacy/x.sql).
  fs::path prefix;
  std::vector<std::string> candidates;
  for (const fs::path& part : rel) {
    prefix /= part;
    candidates.push_back(prefix.generic_string());
  }
  for (const auto& re : o.regexes)
    for (const std::string& c : candidates)
      if (RE2::FullMatch(c, *re)) return true;
  return false;
}

LintOptions Settings::build(const std::string* path) const {
  LintOptions o;
  const Config& c = config_;
  if (c.pg_version) o.analysis.pg_version = *c.pg_version;
  if (c.assume_in_transaction) o.analysis.assume_in_transaction = *c.assume_in_transaction;
  o.rule_options = c.rule_options;
  o.hot_tables = c.hot_tables;
  apply(c.rules, o);
  if (path) {
    for (const PathOverride& ov : c.overrides) {
      if (!matches(ov, *path)) continue;
      if (ov.pg_version) o.analysis.pg_version = *ov.pg_version;
      if (ov.assume_in_transaction) o.analysis.assume_in_transaction = *ov.assume_in_transaction;
      apply(ov.rules, o);
    }
  }
  if (cli_.pg_version) o.analysis.pg_version = *cli_.pg_version;
  if (cli_.assume_in_transaction) o.analysis.assume_in_transaction = true;
  if (!cli_.select.empty()) {
    std::fill(o.enabled.begin(), o.enabled.end(), false);
    for (RuleId id : cli_select_) o.enabled[static_cast<std::size_t>(id)] = true;
  }
  for (RuleId id : cli_ignore_) o.enabled[static_cast<std::size_t>(id)] = false;
  return o;
}

LintOptions Settings::options_for(const std::string& path) const { return build(&path); }
LintOptions Settings::base_options() const { return build(nullptr); }

std::string starter_config() {
  return R"(# migrasafe configuration (https://github.com/migrasafe/migrasafe#configuration).
# migrasafe reads the nearest .migrasafe.toml in the working directory or a directory above it,
# or the file given with --config. Command-line options override what is set here.
# Relative paths and globs are relative to this file's directory.

# PostgreSQL major version the migrations run on, 10 to 19 (default 15).
pg_version = 15

# true when the migration runner wraps each file in a transaction (Flyway, dbmate, Rails, Django).
# assume_in_transaction = false

# Lowest severity that makes `migrasafe check` exit with 1: "error", "warning", "note" or "never".
fail_on = "warning"

# Default output format of `migrasafe check`: "text", "json", "sarif", "github", "gcc", "gitlab",
# "markdown" or "junit".
# format = "text"

# What `migrasafe check` and `migrasafe explain` analyse when no paths are given:
# files, directories or globs.
# migrations = ["db/migrations"]

# Findings recorded by `migrasafe baseline` that `migrasafe check` no longer reports
# (the file `migrasafe baseline` writes when given no -o).
# baseline = ".migrasafe-baseline.json"

# Migration-tool layout: "auto", "flyway", "golang-migrate", "dir-pairs", "dbmate", "sqitch",
# "prisma", "liquibase" or "plain".
# layout = "auto"

# Tables whose locks hurt most: findings on statements that lock one of them are raised one
# level (note -> warning -> error). "schema.table", or "table" for that name in any schema.
# hot_tables = ["public.orders", "users"]

# Files larger than this are not analysed (an error naming the file, exit code 3): "64MB" by
# default; "512kB", "1GB" or a number of bytes.
# max_file_size = "64MB"

# A production snapshot (`migrasafe snapshot`): the migrations replay on top of its schema, and
# findings about rewrites, scans, index builds and long locks name the table's size, with a rough
# duration; on a small table they become notes, on a large one they are raised one level.
[snapshot]
# file = ".migrasafe/snapshot.json"
# small_table_rows = 10000        # at most this many rows: small
# large_table_bytes = "10GB"      # at least this much (table, indexes and TOAST): large
# rewrite_throughput = "100MB/s"  # copying rows, building an index
# scan_throughput = "500MB/s"     # reading a table (a scan, a validation)
# max_age_days = 30               # an older snapshot gets a note

[rules]
# Run only these rules (names, MSnnn codes or squawk aliases; "all" for every rule).
# select = ["all"]
# Skip these rules.
# ignore = ["missing-down-script"]

# Per-rule severity: "error", "warning", "note" or "off".
[rules.severity]
# rename-column = "error"
# skipped-content = "off"

# Options of one rule: [rules.<name>] (its page, `migrasafe rule <name>`, lists them).
# Longest lock_timeout allowed before a statement that takes an ACCESS EXCLUSIVE lock. A string
# with a unit ("500ms", "5s", "1min") or a number of milliseconds.
[rules.missing-lock-timeout]
# max_lock_timeout = "5s"

# RE2 patterns for the names migrations give (each is checked only when set).
[rules.naming-convention]
# table = "^[a-z][a-z0-9_]*$"
# column = "^[a-z][a-z0-9_]*$"
# index = "^[a-z][a-z0-9_]*_(idx|key)$"
# constraint = "^[a-z][a-z0-9_]*_(pkey|key|fkey|check|excl)$"

# Settings for some files only: `paths` are globs (`*`, `?`, `**`, `[...]`, `{a,b}`); a
# directory covers the files in it. Later overrides win over earlier ones.
# [[overrides]]
# paths = ["db/legacy/**"]
# ignore = ["drop-column"]
# select = ["all"]
# severity = { rename-table = "note" }
# pg_version = 12
# assume_in_transaction = true
)";
}

bool write_starter_config(const fs::path& dir, bool force, std::string& error) {
  fs::path file = dir / kConfigFileName;
  std::error_code ec;
  if (fs::exists(file, ec) && !force) {
    error = std::string(kConfigFileName) + " already exists in " + fs::absolute(dir, ec).lexically_normal().string() +
            " (use --force to overwrite it)";
    return false;
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << starter_config();
  out.close();
  if (!out) {
    error = "cannot write " + file.string();
    return false;
  }
  return true;
}

}  // namespace migrasafe
