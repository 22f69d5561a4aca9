#include "sources/layouts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sources/paths.h"
#include "parser/ast.h"
#include "parser/dump.h"
#include "parser/large_stacks.h"
#include "parser/largest_first.h"
#include "parser/timings.h"

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

// When layouts explain the same number of files, the more specific wins.
constexpr std::array<Layout, 7> kPriority = {Layout::Sqitch,   Layout::Dbmate,   Layout::Liquibase,    Layout::Prisma,
                                             Layout::Flyway,   Layout::DirPairs, Layout::GolangMigrate};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }


std::string_view strip_zeros(std::string_view digits) {
  std::size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return digits.substr(i);
}

int compare_numbers(std::string_view a, std::string_view b) {
  std::string_view x = strip_zeros(a), y = strip_zeros(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  int c = x.compare(y);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// The run of digits or of letters of `v` at or after `pos` (everything else
// separates), and `pos` moved past it; empty at the end.
std::string_view next_version_part(std::string_view v, std::size_t& pos) {
  while (pos < v.size() && !is_digit(v[pos]) && !is_alpha(v[pos])) ++pos;
  std::size_t begin = pos;
  bool digits = pos < v.size() && is_digit(v[pos]);
  while (pos < v.size() && (digits ? is_digit(v[pos]) : is_alpha(v[pos]))) ++pos;
  return v.substr(begin, pos - begin);
}

// Versions as runs of digits and runs of letters.
std::vector<std::string_view> version_parts(std::string_view v) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (std::string_view part; !(part = next_version_part(v, pos)).empty();) out.push_back(part);
  return out;
}

// "1.10.0" and "1_10" are the same Flyway version (trailing zero parts do not count).
std::string normalized_version(std::string_view v) {
  auto parts = version_parts(v);
  while (parts.size() > 1 && is_digit(parts.back()[0]) && strip_zeros(parts.back()) == "0") parts.pop_back();
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '.';
    out += is_digit(p[0]) ? strip_zeros(p) : p;
  }
  return out;
}

// Planning reads many small files (each DirPairs script for tern's comment,
// down scripts, metadata files that are mostly absent): with plain system
// calls, which cost less than an ifstream and a stringstream for each.
std::optional<std::string> read_text(const std::string& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;  // most are read by one block: no size asked for
  char block[1 << 16];
  for (ssize_t n; (n = ::read(fd, block, sizeof block)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // a directory, say: what was read (nothing), as the stream read it
    text.append(block, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "<version>_<name>" (either part may be empty).
std::pair<std::string, std::string> split_version(const std::string& s) {
  std::size_t us = s.find('_');
  if (us == std::string::npos) return {s, ""};
  return {s.substr(0, us), s.substr(us + 1)};
}

std::string leading_digits(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  return s.substr(0, i);
}

enum class Part { Up, Down, Verify };

// One file as one layout sees it.
struct Match {
  Layout layout;
  std::string group;    // the directory whose migrations form one sequence
  std::string key;      // the migration within the group
  std::string version, name;
  Part part = Part::Up;
  bool repeatable = false;
  std::optional<DbmateSections> sections;
};

// `dir` / `name` (a relative path) as fs::path's operator/ spells it: a
// separator unless `dir` is empty or ends with one. Planning joins a few
// paths per migration, and each fs::path made is split into components.
std::string joined(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out.append(name);
  return out;
}

// fs::path's filename() and parent_path() on the string: planning splits
// every file's path, and making a path object splits all its components.
std::string_view last_name(std::string_view p) {
  std::size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
std::string_view parent_of(std::string_view p) {
  std::size_t slash = p.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::size_t end = p.find_last_not_of('/', slash);  // "a//b.sql" -> "a"
  return end == std::string_view::npos ? p.substr(0, 1) : p.substr(0, end + 1);
}

std::vector<Match> match_file(const std::string& path) {
  std::vector<Match> out;
  std::string file(last_name(path));
  if (!iends_with(file, ".sql")) return out;
  std::string parent_dir(parent_of(path));
  const std::string dir = parent_dir;
  std::string stem = file.substr(0, file.size() - 4);

  // Flyway: V<version>__<description>.sql, U<version>__..., R__<description>.sql
  if (stem.size() > 3 && (stem[0] == 'V' || stem[0] == 'U') && is_digit(stem[1])) {
    std::size_t sep = stem.find("__");
    if (sep != std::string::npos &&
        std::all_of(stem.begin() + 1, stem.begin() + static_cast<long>(sep),
                    [](char c) { return is_digit(c) || c == '.' || c == '_'; })) {
      std::string version = stem.substr(1, sep - 1);
      out.push_back({Layout::Flyway, dir, "V" + normalized_version(version), version, stem.substr(sep + 2),
                     stem[0] == 'V' ? Part::Up : Part::Down, false, std::nullopt});
    }
  } else if (stem.rfind("R__", 0) == 0 && stem.size() > 3) {
    out.push_back({Layout::Flyway, dir, "R" + stem.substr(3), "", stem.substr(3), Part::Up, true, std::nullopt});
  }

  // golang-migrate / pop: <version>_<name>.up.sql, .down.sql
  for (auto [suffix, part] : {std::pair{".up.sql", Part::Up}, std::pair{".down.sql", Part::Down}}) {
    std::string_view sfx(suffix);
    if (!iends_with(file, sfx)) continue;
    std::string base = file.substr(0, file.size() - sfx.size());
    auto [version, name] = split_version(base);
    if (!version.empty() && std::all_of(version.begin(), version.end(), is_digit))
      out.push_back({Layout::GolangMigrate, dir, base, version, name, part, false, std::nullopt});
  }

  // Directory layouts name migrations by the directory holding the file;
  // "up.sql", "./up.sql" and "../up.sql" are named by the real directory.
  std::optional<std::string> grandparent_dir;  // made only for the files of migration directories
  if (std::string_view n = last_name(parent_dir); n.empty() || n == "." || n == "..") {
    fs::path p(path);
    parent_dir = real_path(directory_of(p)).native();
    grandparent_dir = (directory_of(p) / "..").lexically_normal().string();
  }
  std::string parent(last_name(parent_dir));
  std::string grandparent;
  if (file == "up.sql" || file == "down.sql" || file == "migration.sql")
    grandparent = grandparent_dir.value_or(std::string(parent_of(parent_dir)));
  // Directory pairs: <version>_<name>/up.sql + down.sql (diesel, sourcegraph, tern-like)
  if ((file == "up.sql" || file == "down.sql") && !parent.empty()) {
    auto [version, name] = split_version(parent);
    out.push_back({Layout::DirPairs, grandparent, parent, version, name, file == "up.sql" ? Part::Up : Part::Down,
                   false, std::nullopt});
  }
  // Prisma: migrations/<timestamp>_<name>/migration.sql
  if (file == "migration.sql" && !parent.empty() && is_digit(parent[0])) {
    auto [version, name] = split_version(parent);
    out.push_back({Layout::Prisma, grandparent, parent, version, name, Part::Up, false, std::nullopt});
  }
  // sqitch: <top>/{deploy,revert,verify}/<change>.sql beside <top>/sqitch.plan. Only a path with
  // such a directory is walked up (each parent_path() makes a path).
  auto names_script_directory = [](std::string_view dir) {
    for (std::size_t end = dir.size(); end != std::string_view::npos && end > 0;) {
      std::size_t slash = dir.rfind('/', end - 1);
      std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
      std::string_view name = dir.substr(begin, end - begin);
      if (name == "deploy" || name == "revert" || name == "verify") return true;
      end = slash;
    }
    return false;
  };
  if (names_script_directory(parent_dir)) {
    for (fs::path d = parent_dir; !d.empty() && d.has_filename(); d = d.parent_path()) {
      std::string dn = d.filename().string();
      if ((dn == "deploy" || dn == "revert" || dn == "verify") && is_file((d.parent_path() / "sqitch.plan").native())) {
        std::string change = (fs::path(parent_dir) / file).lexically_relative(d).replace_extension().generic_string();
        Part part = dn == "deploy" ? Part::Up : dn == "revert" ? Part::Down : Part::Verify;
        out.push_back({Layout::Sqitch, d.parent_path().string(), change, "", change, part, false, std::nullopt});
        break;
      }
      if (d == d.parent_path()) break;
    }
  }
  return out;
}

// The plan's changes in order (pragmas, tags, blank lines and comments skipped;
// a reworked change counts once, where it first appears).
std::vector<std::string> sqitch_plan(const std::string& plan) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto text = read_text(plan);
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first;
    if (!(words >> first) || first[0] == '%' || first[0] == '#' || first[0] == '@') continue;
    if (first[0] == '+' || first[0] == '-') first = first.substr(1);  // old "+change" / "-change" syntax
    if (!first.empty() && seen.insert(first).second) out.push_back(first);
  }
  return out;
}

// Whether the file at `p` (when it exists) holds `setting`, compared without
// blanks and quotes ("run_in_transaction=false").
bool file_declares(const std::string& p, std::string_view setting) {
  if (!may_exist(parent_of(p), last_name(p))) return false;  // not in its directory's listing
  auto text = read_text(p);
  if (!text) return false;
  std::erase_if(*text, [](char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\''; });
  return text->find(setting) != std::string::npos;
}

// A migration directory's metadata says the tool runs its up or down script
// outside a transaction: diesel's metadata.toml `run_in_transaction = false`
// (up and down), Sourcegraph's metadata.yaml `createIndexConcurrently: true`
// (the up script only: Sourcegraph's migrator runs down scripts in a
// transaction). Each file is read once for both scripts.
struct OutsideTransaction {
  bool up = false, down = false;
};
OutsideTransaction dir_metadata_disables_transaction(const std::string& dir) {
  bool diesel = file_declares(joined(dir, "metadata.toml"), "run_in_transaction=false");
  return {diesel || file_declares(joined(dir, "metadata.yaml"), "createIndexConcurrently:true"), diesel};
}

// tern's magic comment, a line of its own anywhere in the script, runs it
// outside a transaction.
bool tern_disables_transaction(const std::string& script) {
  auto text = read_text(script);
  // Most scripts do not mention it: skip the line by line reading.
  if (!text || text->find("---- tern: disable-tx ----") == std::string::npos) return false;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "---- tern: disable-tx ----") return true;
  }
  return false;
}

// Flyway's script configuration file beside a script (`V2__x.sql.conf`)
// turns its transaction off with `executeInTransaction=false`.
bool flyway_script_config_disables_transaction(const std::string& script) {
  return !script.empty() && file_declares(script + ".conf", "executeInTransaction=false");
}

// A down script the team wrote: it has a statement, or says in a comment
// that its migration is irreversible.
bool written_down(std::string_view text) {
  bool irreversible = false;
  return !is_empty_script(text, irreversible) || irreversible;
}

bool written_down_file(const std::string& p) {
  auto text = read_text(p);
  return text && written_down(*text);
}

// Whether the project writes down scripts for this group of migrations: at
// least one of its down scripts on disk (not only among the files named, so
// that checking one staged file gives the same answer) is written. Where none
// is, the team does not use them (harbor, supabase-auth: up files only;
// supabase-postgres: every `-- migrate:down` section empty), and an up
// script without one is not missing anything.
bool group_uses_downs(Layout layout, const fs::path& group_dir) {
  const fs::path dir = group_dir.empty() ? fs::path(".") : group_dir;  // a bare file name's directory
  std::error_code ec;
  auto any_entry = [&](const fs::path& in, auto&& written) {
    for (fs::directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec))
      if (written(it->path())) return true;
    return false;
  };
  auto is_sql = [](const fs::path& p) { return iends_with(p.filename().string(), ".sql"); };
  switch (layout) {
    case Layout::GolangMigrate:
      return any_entry(dir, [](const fs::path& p) {
        return iends_with(p.filename().string(), ".down.sql") && is_file(p.native()) && written_down_file(p.native());
      });
    case Layout::DirPairs:
      return any_entry(dir, [](const fs::path& p) {
        const std::string down = joined(p.native(), "down.sql");
        return is_file(down) && written_down_file(down);
      });
    case Layout::Dbmate:
      return any_entry(dir, [&](const fs::path& p) {
        if (!is_sql(p) || !is_file(p.native())) return false;
        auto text = read_text(p.native());
        auto sections = text ? dbmate_sections(*text) : std::nullopt;
        return sections && sections->down &&
               written_down(std::string_view(*text).substr(sections->down->begin,
                                                           sections->down->end - sections->down->begin));
      });
    case Layout::Sqitch:
      for (fs::recursive_directory_iterator it(dir / "revert", ec), end; !ec && it != end; it.increment(ec))
        if (is_sql(it->path()) && is_file(it->path().native()) && written_down_file(it->path().native())) return true;
      return false;
    case Layout::Flyway:
      return any_entry(dir, [&](const fs::path& p) {
        std::string f = p.filename().string();
        return f.size() > 1 && f[0] == 'U' && is_digit(f[1]) && f.find("__") != std::string::npos && is_sql(p);
      });
    case Layout::Prisma:
    case Layout::Liquibase:  // rollbacks are optional: a changeset without one is not reported
    case Layout::Plain:
      return false;
  }
  return false;
}

bool is_schema_dump_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(kDumpHeadBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return looks_like_schema_dump(head);
}

// A group is one directory, however the paths spell it ("db", "./db",
// "$PWD/db", a symlink to it): its real path.
struct GroupKey {
  std::string dir;
  Layout layout;
  bool operator<(const GroupKey& o) const {
    if (dir != o.dir) return natural_less(dir, o.dir);
    return layout < o.layout;
  }
};

// Orders a group's migrations in its layout's order.
void sort_group(std::vector<Migration>& ms, Layout layout) {
  std::stable_sort(ms.begin(), ms.end(), [&](const Migration& a, const Migration& b) {
    if (a.repeatable != b.repeatable) return b.repeatable;  // Flyway: repeatables after every versioned one
    if (a.repeatable) return a.name < b.name;               // ... by description
    if (layout == Layout::Plain) {
      // The file names (what follows the last separator: a file's path does not end with one).
      auto name = [](const std::string& path) { return std::string_view(path).substr(path.rfind('/') + 1); };
      std::string_view fa = name(a.up), fb = name(b.up);
      if (fa != fb) return natural_less(fa, fb);
      return a.up < b.up;
    }
    if (int c = compare_versions(a.version, b.version)) return c < 0;
    if (a.name != b.name) return a.name < b.name;
    return (a.up.empty() ? a.down.value_or("") : a.up) < (b.up.empty() ? b.down.value_or("") : b.up);
  });
}

}  // namespace

std::string_view layout_name(Layout l) {
  switch (l) {
    case Layout::Plain: return "plain";
    case Layout::Flyway: return "flyway";
    case Layout::GolangMigrate: return "golang-migrate";
    case Layout::DirPairs: return "dir-pairs";
    case Layout::Dbmate: return "dbmate";
    case Layout::Sqitch: return "sqitch";
    case Layout::Prisma: return "prisma";
    case Layout::Liquibase: return "liquibase";
  }
  return "plain";
}

std::optional<Layout> parse_layout(std::string_view name) {
  for (Layout l : {Layout::Plain, Layout::Flyway, Layout::GolangMigrate, Layout::DirPairs, Layout::Dbmate,
                   Layout::Sqitch, Layout::Prisma, Layout::Liquibase})
    if (name == layout_name(l)) return l;
  if (name == "pop") return Layout::GolangMigrate;
  if (name == "diesel" || name == "sourcegraph" || name == "tern") return Layout::DirPairs;
  return std::nullopt;
}

std::vector<std::string> layout_choices() {
  return {"auto",   "plain",  "flyway", "golang-migrate", "pop",         "dir-pairs", "diesel",
          "sourcegraph", "tern", "dbmate", "sqitch",         "prisma",    "liquibase"};
}

int compare_versions(std::string_view a, std::string_view b) {
  // Part by part, as they are read (sorting a set compares versions many times).
  std::size_t at_a = 0, at_b = 0;
  while (true) {
    std::string_view pa = next_version_part(a, at_a), pb = next_version_part(b, at_b);
    if (pa.empty() || pb.empty()) {
      // "1" and "1.0" are equal; otherwise the shorter comes first.
      auto rest_zero = [](std::string_view part, std::string_view v, std::size_t pos) {
        for (; !part.empty(); part = next_version_part(v, pos))
          if (!is_digit(part[0]) || strip_zeros(part) != "0") return false;
        return true;
      };
      if (pa.empty() && pb.empty()) return 0;
      if (pa.empty()) return rest_zero(pb, b, at_b) ? 0 : -1;
      return rest_zero(pa, a, at_a) ? 0 : 1;
    }
    bool da = is_digit(pa[0]), db = is_digit(pb[0]);
    if (da && db) {
      if (int c = compare_numbers(pa, pb)) return c;
    } else if (da != db) {
      return da ? -1 : 1;  // numbers before words
    } else if (int c = pa.compare(pb)) {
      return c < 0 ? -1 : 1;
    }
  }
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      if (int c = compare_numbers(a.substr(i, ei - i), b.substr(j, ej - j))) return c < 0;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // e.g. "01" and "1": any fixed order
}

std::optional<DbmateSections> dbmate_sections(std::string_view text) {
  // Planning asks this of every file no name explains, before any is parsed:
  // a file without the up marker's words is not scanned line by line.
  if (text.find("migrate:up") == std::string_view::npos) return std::nullopt;
  DbmateSections s;
  struct Marker {
    bool up;
    std::size_t line_start, body_start;
    bool transaction;
  };
  std::vector<Marker> markers;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    if (line.rfind("--", 0) == 0) {
      std::size_t k = 2;
      while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
      std::string_view rest = line.substr(k);
      for (bool up : {true, false}) {
        std::string_view tag = up ? "migrate:up" : "migrate:down";
        if (rest.rfind(tag, 0) != 0) continue;
        std::string_view opts = rest.substr(tag.size());
        if (!opts.empty() && opts[0] != ' ' && opts[0] != '\t' && opts[0] != '\r') continue;
        std::string compact;
        for (char c : opts)
          if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
        markers.push_back({up, pos, next, compact.find("transaction:false") == std::string::npos});
      }
    }
    pos = next;
  }
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const Marker& m = markers[i];
    std::size_t end = i + 1 < markers.size() ? markers[i + 1].line_start : text.size();
    ByteRange r{static_cast<std::uint32_t>(m.body_start), static_cast<std::uint32_t>(end)};
    if (m.up && !s.up) {
      s.up = r;
      s.up_transaction = m.transaction;
    } else if (!m.up && !s.down) {
      s.down = r;
      s.down_transaction = m.transaction;
    }
  }
  if (!s.up) return std::nullopt;
  return s;
}

std::string blank_outside(std::string_view text, ByteRange keep) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i)
    if ((i < keep.begin || i >= keep.end) && out[i] != '\n' && out[i] != '\r') out[i] = ' ';
  return out;
}

namespace {

// The lines of text[range): fn(begin, end) with `end` before the line break.
template <typename Fn>
void for_each_line(std::string_view text, ByteRange range, Fn&& fn) {
  std::size_t pos = range.begin;
  while (pos < range.end) {
    std::size_t eol = std::min<std::size_t>(text.find('\n', pos), range.end);
    fn(pos, eol);
    pos = eol + 1;
  }
}

// A Liquibase comment directive (`--changeset ...`, `-- rollback ...`; the
// keyword in any case): the offset in `line` of what follows the keyword and
// its blanks, or nullopt.
std::optional<std::size_t> liquibase_directive(std::string_view line, std::string_view keyword) {
  if (line.rfind("--", 0) != 0) return std::nullopt;
  std::size_t k = 2;
  while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
  if (line.size() - k < keyword.size()) return std::nullopt;
  for (std::size_t i = 0; i < keyword.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[k + i])) != keyword[i]) return std::nullopt;
  k += keyword.size();
  if (k < line.size() && line[k] != ' ' && line[k] != '\t' && line[k] != '\r') return std::nullopt;
  while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
  return k;
}

}  // namespace

std::vector<LiquibaseChangeset> liquibase_changesets(std::string_view text) {
  std::vector<LiquibaseChangeset> out;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return out;
  std::string_view head = text.substr(first, text.find('\n', first) - first);
  auto rest = liquibase_directive(head, "liquibase");
  if (!rest) return out;
  std::string words;
  for (char c : head.substr(*rest)) words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (words.rfind("formatted sql", 0) != 0) return out;
  for_each_line(text, {0, static_cast<std::uint32_t>(text.size())}, [&](std::size_t begin, std::size_t end) {
    std::string_view line = text.substr(begin, end - begin);
    if (auto at = liquibase_directive(line, "changeset")) {
      if (!out.empty()) out.back().lines.end = static_cast<std::uint32_t>(begin);
      LiquibaseChangeset c;
      std::string_view attributes = line.substr(*at);
      c.id = std::string(attributes.substr(0, attributes.find_first_of(" \t\r")));
      std::string compact;
      for (char ch : attributes)
        if (!std::isspace(static_cast<unsigned char>(ch))) compact += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      c.transaction = compact.find("runintransaction:false") == std::string::npos;
      c.lines = {static_cast<std::uint32_t>(std::min(end + 1, text.size())), static_cast<std::uint32_t>(text.size())};
      out.push_back(std::move(c));
    } else if (!out.empty() && liquibase_directive(line, "rollback")) {
      out.back().has_rollback = true;
    }
  });
  return out;
}

std::string section_script(const Migration& m, bool down, std::string_view file_text) {
  ByteRange up = *m.up_section;
  if (m.layout == Layout::Liquibase) {
    // Rollback lines: blanked from the up script; the down script is their SQL alone.
    std::string out = blank_outside(file_text, down ? ByteRange{} : up);
    for_each_line(file_text, up, [&](std::size_t begin, std::size_t end) {
      auto sql = liquibase_directive(file_text.substr(begin, end - begin), "rollback");
      if (!sql) return;
      for (std::size_t i = begin; i < end; ++i)
        out[i] = down && i >= begin + *sql ? file_text[i] : (file_text[i] == '\r' ? '\r' : ' ');
    });
    return out;
  }
  // dbmate: comments before the first marker (a migrasafe-ignore-file) go with the first section.
  std::optional<ByteRange> down_section = m.down_section;
  ByteRange up_keep = up, down_keep = down_section.value_or(ByteRange{});
  if (!down_section || up.begin < down_section->begin) up_keep.begin = 0;
  else down_keep.begin = 0;
  return blank_outside(file_text, down ? down_keep : up_keep);
}

namespace {

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

// Plain scripts in a directory named by a number, numbered 1, 2, ... N in
// replay order (Zitadel's setup step 14: 14/01_disable_inserts.sql ...
// 14/05_indexes.sql): one step the tool runs script after script.
void mark_steps(std::vector<Migration>& ms) {
  std::map<std::string, std::vector<Migration*>> by_dir;
  for (Migration& m : ms)
    if (m.layout == Layout::Plain && !m.snapshot && !m.up.empty()) by_dir[fs::path(m.up).parent_path().string()].push_back(&m);
  for (auto& [dir, scripts] : by_dir) {
    if (scripts.size() < 2 || !all_digits(fs::path(dir).filename().string())) continue;
    bool numbered = true;
    for (std::size_t k = 0; k < scripts.size() && numbered; ++k)
      numbered = all_digits(scripts[k]->version) && strip_zeros(scripts[k]->version) == std::to_string(k + 1);
    if (numbered)
      for (Migration* m : scripts) m->step = dir;
  }
}

}  // namespace

MigrationSet build_migration_set(const std::vector<InputFile>& files, std::optional<Layout> force,
                                 const TextOverride& text_of, unsigned threads) {
  PhaseTimer timer(RunPhase::Discovery);  // and planning: layout, order, pairs
  MigrationSet set;
  std::vector<std::string> paths;
  std::optional<std::string> stdin_path;
  for (const InputFile& f : files) {
    if (f.from_stdin && !f.named) continue;
    paths.push_back(f.path);
    if (f.from_stdin) stdin_path = f.path;
  }

  // Every layout each file matches; dbmate needs the text, read only for
  // files no name-based layout explains. Files apart, on `threads` threads.
  std::vector<std::vector<Match>> matches(paths.size());
  std::vector<std::vector<LiquibaseChangeset>> changesets_of(paths.size());
  for_each_index_on_large_stacks(threads, paths.size(), [&](std::size_t i) {
    matches[i] = match_file(paths[i]);
    bool named = std::any_of(matches[i].begin(), matches[i].end(), [](const Match& m) { return m.layout != Layout::Sqitch; });
    if (named || !iends_with(paths[i], ".sql")) return;
    std::optional<std::string> text;
    if (const std::string* given = text_of ? text_of(paths[i]) : nullptr) text = *given;
    else if (paths[i] != stdin_path) text = read_text(paths[i]);
    if (!text) return;
    if (auto sections = dbmate_sections(*text)) {
      std::string stem = fs::path(paths[i]).stem().string();
      std::string version = leading_digits(stem);
      std::string name = stem.substr(version.size());
      if (!name.empty() && (name[0] == '_' || name[0] == '-')) name = name.substr(1);
      matches[i].push_back({Layout::Dbmate, fs::path(paths[i]).parent_path().string(), paths[i], version, name,
                            Part::Up, false, sections});
    } else if (auto changesets = liquibase_changesets(*text); !changesets.empty()) {
      matches[i].push_back({Layout::Liquibase, fs::path(paths[i]).parent_path().string(), paths[i], "",
                            fs::path(paths[i]).stem().string(), Part::Up, false, std::nullopt});
      changesets_of[i] = std::move(changesets);
    }
  });
  std::map<std::string, std::vector<LiquibaseChangeset>> changelogs;  // Liquibase files by path
  std::map<Layout, std::size_t> explains;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!changesets_of[i].empty()) changelogs[paths[i]] = std::move(changesets_of[i]);
    for (const Match& m : matches[i]) explains[m.layout]++;
  }

  Layout dominant = Layout::Plain;
  std::size_t best = 0;
  for (Layout l : kPriority)
    if (explains[l] > best) {
      best = explains[l];
      dominant = l;
    }
  set.layout = force.value_or(dominant);
  set.forced = force.has_value();

  // Each file: the set's layout when it explains the file; otherwise (unless
  // forced) the most specific layout that does; otherwise plain.
  using Members = std::map<std::string, std::vector<std::pair<std::size_t, const Match*>>>;  // by migration key
  std::map<GroupKey, Members> groups;
  std::map<std::string, std::string> shown_dir;  // real group directory -> as the first path spells it
  auto group = groups.end();                     // the last file's
  std::vector<Match> plain(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const Match* chosen = nullptr;
    for (const Match& m : matches[i])
      if (m.layout == set.layout) chosen = &m;
    if (!chosen && !force) {
      for (Layout l : kPriority)
        for (const Match& m : matches[i])
          if (!chosen && m.layout == l) chosen = &m;
    }
    if (!chosen) {
      fs::path p(paths[i]);
      std::string stem = p.stem().string();
      plain[i] = {Layout::Plain, p.parent_path().string(), paths[i], leading_digits(stem), stem, Part::Up, false,
                  std::nullopt};
      chosen = &plain[i];
    }
    set.files_by_layout[chosen->layout]++;
    GroupKey key{real_path_string(chosen->group), chosen->layout};
    // Files come mostly group by group: the last group is compared first (a
    // map lookup compares long directory names in natural order).
    if (group == groups.end() || group->first.layout != key.layout || group->first.dir != key.dir) {
      shown_dir.emplace(key.dir, chosen->group);  // sibling paths are built from the first spelling
      group = groups.try_emplace(std::move(key)).first;
    }
    group->second[chosen->key].push_back({i, chosen});
  }

  // Each group is built by itself (its siblings looked for, its scripts
  // and metadata read), the largest first, on `threads` threads; the set
  // takes them in order.
  std::vector<std::pair<const GroupKey*, const Members*>> group_list;
  for (const auto& entry : groups) group_list.push_back({&entry.first, &entry.second});
  const std::vector<std::size_t> by_size =
      largest_first(group_list.size(), [&](std::size_t g) { return group_list[g].second->size(); });
  struct BuiltGroup {
    std::vector<Migration> migrations;
    std::vector<std::string> notes;
  };
  std::vector<BuiltGroup> built_groups(group_list.size());
  for_each_index_on_large_stacks(threads, group_list.size(), [&](std::size_t taken) {
    const std::size_t g = by_size[taken];
    const GroupKey& gk = *group_list[g].first;
    const Members& members = *group_list[g].second;
    std::vector<Migration>& ms = built_groups[g].migrations;
    std::vector<std::string>& notes = built_groups[g].notes;
    const std::string& group_dir = shown_dir.at(gk.dir);
    bool uses_downs = group_uses_downs(gk.layout, group_dir);
    for (auto& [key, files_] : members)
      for (auto& [i, m] : files_)
        if (m->part == Part::Down && gk.layout == Layout::Flyway) uses_downs = true;

    auto build = [&](const std::string& key, const std::vector<std::pair<std::size_t, const Match*>>& fs_) {
      Migration mig;
      mig.layout = gk.layout;
      const Match* first = fs_.front().second;
      mig.version = first->version;
      mig.name = first->name;
      mig.repeatable = first->repeatable;
      for (auto& [i, m] : fs_) {
        if (m->part == Part::Up) {
          mig.up = paths[i];
          mig.name = m->name;  // the up script names the migration
        } else if (m->part == Part::Down) {
          mig.down = paths[i];
        } else {
          mig.verify = paths[i];
        }
      }
      switch (gk.layout) {
        case Layout::Flyway: {
          std::string desc_file = "__" + mig.name + ".sql";
          if (!mig.repeatable && mig.up.empty()) {
            std::string up = joined(group_dir, "V" + mig.version + desc_file);
            if (is_file(up)) mig.up = std::move(up);
          }
          mig.transaction = !flyway_script_config_disables_transaction(mig.up);
          mig.down_transaction = true;
          if (mig.repeatable) break;
          mig.expected_down = joined(group_dir, "U" + mig.version + desc_file);
          if (!mig.down && is_file(mig.expected_down)) mig.down = mig.expected_down;
          if (mig.down) mig.down_transaction = !flyway_script_config_disables_transaction(*mig.down);
          break;
        }
        case Layout::GolangMigrate: {
          if (mig.up.empty()) {
            std::string up = joined(group_dir, key + ".up.sql");
            if (is_file(up)) mig.up = std::move(up);
          }
          mig.expected_down = joined(group_dir, key + ".down.sql");
          if (!mig.down && is_file(mig.expected_down)) mig.down = mig.expected_down;
          break;
        }
        case Layout::DirPairs: {
          std::string dir = joined(group_dir, key);
          if (mig.up.empty()) {
            std::string up = joined(dir, "up.sql");
            if (is_file(up)) mig.up = std::move(up);
          }
          mig.expected_down = joined(dir, "down.sql");
          if (!mig.down && is_file(mig.expected_down)) mig.down = mig.expected_down;
          OutsideTransaction metadata = dir_metadata_disables_transaction(dir);
          mig.transaction = !metadata.up && !tern_disables_transaction(mig.up);
          mig.down_transaction = !metadata.down && !(mig.down && tern_disables_transaction(*mig.down));
          break;
        }
        case Layout::Dbmate: {
          const DbmateSections& s = *first->sections;
          mig.up_section = s.up;
          mig.down_section = s.down;
          if (s.down) mig.down = mig.up;
          mig.expected_down = mig.up;
          mig.transaction = s.up_transaction;
          mig.down_transaction = s.down_transaction;
          break;
        }
        case Layout::Sqitch: {
          std::string script = key + ".sql";
          if (mig.up.empty()) {
            std::string deploy = joined(joined(group_dir, "deploy"), script);
            if (is_file(deploy)) mig.up = std::move(deploy);
          }
          mig.expected_down = joined(joined(group_dir, "revert"), script);
          if (!mig.down && is_file(mig.expected_down)) mig.down = mig.expected_down;
          if (!mig.verify) {
            std::string verify = joined(joined(group_dir, "verify"), script);
            if (is_file(verify)) mig.verify = std::move(verify);
          }
          break;  // sqitch scripts carry their own BEGIN/COMMIT
        }
        case Layout::Prisma:  // no downs; no transaction block (see README)
        case Layout::Liquibase:  // one migration per changeset: see below
        case Layout::Plain:
          break;
      }
      if (!uses_downs) mig.expected_down.clear();
      return mig;
    };
    // The migrations of one key: the first file of each part (up, down,
    // verify) together, and each further file of a part already taken as a
    // migration of its own (Flyway V2__a.sql and V2__b.sql, sqitch's
    // revert/x.sql and revert/x.SQL), so that no file is dropped and
    // duplicate-version sees both ups.
    auto build_all = [&](const std::string& key, const std::vector<std::pair<std::size_t, const Match*>>& fs_) {
      std::vector<std::pair<std::size_t, const Match*>> files = fs_, first, extra;
      // The tools' own spelling `.sql` pairs before `.SQL` or `.sQl`.
      std::stable_partition(files.begin(), files.end(), [&](const auto& f) { return paths[f.first].ends_with(".sql"); });
      std::set<Part> taken;
      for (const auto& f : files) (taken.insert(f.second->part).second ? first : extra).push_back(f);
      std::vector<Migration> out{build(key, first)};
      for (const auto& [i, m] : extra) {
        Migration mig = build(key, {{i, m}});
        if (m->part != Part::Up) {  // a lone down or verify script: not paired with its siblings' files again
          notes.push_back(paths[i] + ": a second " + (m->part == Part::Down ? "down" : "verify") +
                              " script for `" + key + "`; it is checked on its own");
          mig.up.clear();
          if (m->part != Part::Down) mig.down.reset();
          if (m->part != Part::Verify) mig.verify.reset();
        }
        out.push_back(std::move(mig));
      }
      return out;
    };

    if (gk.layout == Layout::Sqitch) {
      // The plan's order; changes with files but not in the plan go last, by name.
      const std::string plan_path = joined(group_dir, "sqitch.plan");
      std::vector<std::string> plan = sqitch_plan(plan_path);
      std::set<std::string> planned(plan.begin(), plan.end());
      for (const std::string& change : plan) {
        auto it = members.find(change);
        if (it == members.end()) continue;
        std::vector<Migration> built = build_all(change, it->second);
        if (built.front().up.empty()) notes.push_back(plan_path + ": change `" +
                                                          change + "` has no deploy script");
        for (Migration& mig : built) {
          mig.version = std::to_string(ms.size() + 1);  // position in the plan
          ms.push_back(std::move(mig));
        }
      }
      for (auto& [key, fs_] : members) {
        if (planned.count(key)) continue;
        notes.push_back(plan_path + ": `" + key +
                            "` has scripts but is not in the plan; run after the planned changes");
        for (Migration& mig : build_all(key, fs_)) ms.push_back(std::move(mig));
      }
    } else if (gk.layout == Layout::Liquibase) {
      // Each changeset is a migration, in file order; files in natural order of their names.
      std::vector<const Match*> files_in_order;
      for (auto& [key, fs_] : members)
        for (auto& [i, m] : fs_) files_in_order.push_back(m);
      std::stable_sort(files_in_order.begin(), files_in_order.end(),
                       [](const Match* a, const Match* b) { return natural_less(a->key, b->key); });
      for (const Match* file : files_in_order)
        for (const LiquibaseChangeset& c : changelogs.at(file->key)) {
          Migration mig;
          mig.layout = Layout::Liquibase;
          mig.name = c.id;
          mig.up = file->key;
          mig.up_section = c.lines;
          if (c.has_rollback) {
            mig.down = mig.up;
            mig.down_section = c.lines;
            mig.expected_down = mig.up;
          }
          mig.transaction = mig.down_transaction = c.transaction;
          ms.push_back(std::move(mig));
        }
    } else {
      for (auto& [key, fs_] : members)
        for (Migration& mig : build_all(key, fs_)) ms.push_back(std::move(mig));
      sort_group(ms, gk.layout);
    }
    // A schema dump without a version (Rails' db/structure.sql, dbmate's
    // db/schema.sql) is the schema after the migrations beside it: it replays
    // after all of them (replayed first, it would make every CREATE in them a
    // duplicate). A versioned dump (a squashed baseline) keeps its place.
    for (Migration& m : ms) m.snapshot = m.layout == Layout::Plain && m.version.empty() && is_schema_dump_file(m.up);
  });
  for (BuiltGroup& built : built_groups) {
    std::move(built.migrations.begin(), built.migrations.end(), std::back_inserter(set.migrations));
    std::move(built.notes.begin(), built.notes.end(), std::back_inserter(set.notes));
  }
  std::stable_partition(set.migrations.begin(), set.migrations.end(), [](const Migration& m) { return !m.snapshot; });
  mark_steps(set.migrations);
  return set;
}

bool flyway_runs_outside_transaction(const Statement& s, int pg_version) {
  const Json& n = s.node;
  std::string_view k = s.kind;
  if (k == "IndexStmt") return ast::flag(n, "concurrent");
  if (k == "DropStmt") return ast::str(n, "removeType") == "OBJECT_INDEX" && ast::flag(n, "concurrent");
  if (k == "CreatedbStmt" || k == "DropdbStmt" || k == "CreateTableSpaceStmt" || k == "DropTableSpaceStmt" ||
      k == "CreateSubscriptionStmt" || k == "DropSubscriptionStmt" || k == "AlterSystemStmt")
    return true;
  if (k == "ReindexStmt") {
    std::string_view kind = ast::str(n, "kind");
    return kind == "REINDEX_OBJECT_SCHEMA" || kind == "REINDEX_OBJECT_DATABASE" || kind == "REINDEX_OBJECT_SYSTEM";
  }
  if (k == "VacuumStmt") return ast::flag(n, "is_vacuumcmd");  // VACUUM, not ANALYZE
  if (k == "DiscardStmt") return ast::str(n, "target") == "DISCARD_ALL";
  // Flyway asks the server: ADD VALUE runs in a transaction from PostgreSQL 12 on.
  if (k == "AlterEnumStmt") return pg_version < 12 && !ast::str(n, "newVal").empty() && ast::str(n, "oldVal").empty();
  return false;
}

FlywayTransaction flyway_transaction(const ParsedFile& file, int pg_version) {
  bool outside = false, inside = false;
  for (const Statement& s : file.statements) {
    if (s.embedded()) continue;  // Flyway sees the statements of the file, not of their bodies
    (flyway_runs_outside_transaction(s, pg_version) ? outside : inside) = true;
  }
  if (outside && inside) return FlywayTransaction::Mixed;
  return outside ? FlywayTransaction::Outside : FlywayTransaction::Inside;
}

bool runs_in_transaction(const Migration& m, bool declared, const ParsedFile& script, int pg_version) {
  if (!declared || m.layout != Layout::Flyway) return declared;
  return flyway_transaction(script, pg_version) != FlywayTransaction::Outside;
}

MigrationRole up_role(const Migration& m, std::optional<std::string> down_text) {
  MigrationRole role;
  role.step = m.step;
  if (m.expected_down.empty()) return role;
  role.kind = MigrationRole::Kind::Up;
  role.down_path = m.down.value_or(m.expected_down);
  role.down_exists = m.down.has_value();
  if (role.down_exists) role.down_text = std::move(down_text);
  return role;
}

MigrationRole down_role(const Migration& m) {
  MigrationRole role;
  role.kind = MigrationRole::Kind::Down;
  // A section's up script is a part of its file, not the whole file (see section_script).
  if (!m.up_section && !m.up.empty() && is_file(m.up)) role.up_path = m.up;
  return role;
}

}  // namespace migrasafe
