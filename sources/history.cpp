#include "sources/history.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "parser/sha256.h"
#include "sources/discovery.h"
#include "sources/paths.h"

namespace migrasafe {
namespace fs = std::filesystem;
namespace {

// Without a UTF-8 byte order mark, and with CRLF as LF (history.h).
std::string normalized(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

// Migrations whose history is fixed once applied: versioned up scripts (and
// plain files), not repeatable ones, down scripts without an up, or schema
// dumps (rewritten by the tool after every migration).
bool recorded_kind(const Migration& m) { return !m.up.empty() && !m.repeatable && !m.snapshot; }

// The set a version is unique in: one layout in one directory (directory
// layouts: the directory holding the migration directories).
std::string group_of(const Migration& m) {
  std::string dir = real_directory_of(m.up);
  if (m.layout == Layout::DirPairs || m.layout == Layout::Prisma) dir = fs::path(dir).parent_path().native();
  return std::string(layout_name(m.layout)) + '\0' + dir;
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

// Tool layouts only: plain files follow no tool's versioning (a project's
// `10/10_fill.sql` and `10/10_update.sql` are steps of one numbered change).
void duplicates(const std::vector<const Migration*>& group, HistoryResult& out) {
  if (group.empty() || group.front()->layout == Layout::Plain) return;
  std::map<std::string, std::vector<const Migration*>> by_version;
  for (const Migration* m : group) by_version[m->version].push_back(m);
  for (const auto& [version, ms] : by_version) {
    if (ms.size() < 2) continue;
    for (const Migration* m : ms) {
      std::string others;
      for (const Migration* o : ms)
        if (o != m) others += (others.empty() ? "`" : ", `") + file_name(o->up) + "`";
      out.by_file[m->up].push_back(
          {RuleId::duplicate_version,
           "Version " + version + " is also the version of " + others +
               ": the migration tool runs only one of them, refuses to start, or records them ambiguously",
           "Give each migration its own version: renumber the one added last to the next free version (for "
           "timestamps, the current time)."});
    }
  }
}

// Plain numbered files only (see history.h): small numbers, not timestamps.
void gaps(const std::vector<const Migration*>& group, HistoryResult& out) {
  if (group.empty() || group.front()->layout != Layout::Plain) return;
  std::vector<std::pair<long, const Migration*>> numbered;
  for (const Migration* m : group) {
    if (m->version.empty() || m->version.size() > 6) return;  // unnumbered files, or dates and timestamps
    numbered.emplace_back(std::stol(m->version), m);
  }
  std::sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < numbered.size(); ++i) {
    long prev = numbered[i - 1].first, cur = numbered[i].first;
    if (cur <= prev + 1) continue;
    std::string missing = cur == prev + 2 ? std::to_string(prev + 1)
                                          : std::to_string(prev + 1) + " to " + std::to_string(cur - 1);
    out.by_file[numbered[i].second->up].push_back(
        {RuleId::version_gap,
         "Version " + std::to_string(cur) + " follows " + std::to_string(prev) + ": " + missing +
             " is missing (lost in a merge or deleted?); runners of sequentially numbered migrations stop at a gap",
         "Restore the missing migration, or renumber this one and the ones after it (only if none of them has "
         "been applied anywhere yet)."});
  }
}

std::string consequence(Layout l) {
  switch (l) {
    case Layout::Flyway:
      return "Flyway refuses to migrate a database that already ran the newer versions (outOfOrder is off by "
             "default), or with outOfOrder on runs it after them";
    case Layout::GolangMigrate:
      return "golang-migrate records only the latest version applied, so databases already past it never run it";
    default:
      return "databases that already ran the newer migrations run it after them, in a different order than a "
             "fresh database does";
  }
}

void out_of_order(const std::vector<const Migration*>& group, const ChangedFiles& since, HistoryResult& out) {
  const Migration* newest = nullptr;
  for (const Migration* m : group)
    if (since.existed_at_base(m->up) && (!newest || compare_versions(m->version, newest->version) > 0)) newest = m;
  if (!newest) return;
  for (const Migration* m : group) {
    if (since.existed_at_base(m->up) || compare_versions(m->version, newest->version) >= 0) continue;
    out.by_file[m->up].push_back(
        {RuleId::version_out_of_order,
         "This migration is new, but its version " + m->version + " is older than " + newest->version + " (`" +
             file_name(newest->up) + "`), which the base branch already has: " + consequence(m->layout),
         "Renumber this migration to a version after " + newest->version +
             " (for timestamps, the current time) before merging."});
  }
}

std::string edited_help() {
  return "Do not change a migration that may have run somewhere: databases that ran it keep the old version and the "
         "migration tool may refuse to continue (Flyway and Atlas compare checksums). Revert the edit and write a new "
         "migration that makes the change. If the edit is deliberate (a comment, a migration never deployed), run "
         "`migrasafe lock` to record the new content.";
}

void add_once(HistoryResult& out, const std::string& path, HistoryIssue issue) {
  auto& list = out.by_file[path];
  for (const HistoryIssue& i : list)
    if (i.rule == issue.rule) return;
  list.push_back(std::move(issue));
}

bool is_sha256(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Checks one migrasafe.sum against the migrations of the set under `dir`.
void check_sum(const fs::path& dir, const std::vector<const Migration*>& recorded, HistoryResult& out) {
  fs::path sum_path = dir / kSumFileName;
  std::error_code ec;
  if (!fs::is_regular_file(sum_path, ec)) return;
  std::string err;
  auto raw = read_input({sum_path.string(), false}, err);
  if (!raw) {  // a damaged sum file must not turn the checks off silently: unreadable input
    out.sum_files.push_back({sum_path.string(), "", {}, err});
    return;
  }
  SumFileResult sum{sum_path.string(), normalized(*raw), {}, {}};
  std::vector<SumLine> lines = read_sum_lines(sum.text, sum.findings);
  std::map<std::string, const Migration*> by_path;  // by real path
  for (const Migration* m : recorded) by_path[real_path_string(m->up)] = m;
  std::set<std::string> listed;
  for (const SumLine& l : lines) {
    std::string file = real_path_string((dir / l.path).native());
    listed.insert(file);
    auto it = by_path.find(file);
    if (!fs::exists(file, ec)) {
      sum.findings.push_back({RuleId::vanished_migration, l.begin, l.end,
                              "Migration `" + l.path + "` (version " + l.version +
                                  ") is recorded in migrasafe.sum but no longer exists: databases that ran it keep "
                                  "its changes, new databases will not have them",
                              "Restore the migration from version control. To undo what it did, write a new "
                              "migration; if it was never applied anywhere, run `migrasafe lock` to record its removal."});
      continue;
    }
    if (it == by_path.end()) continue;  // not a migration of this run
    auto content = read_input({it->second->up, false}, err);
    if (content && migration_hash(*content) != l.hash)
      add_once(out, it->second->up,
               {RuleId::edited_migration,
                "This migration changed after it was recorded in migrasafe.sum (line " + std::to_string(l.line) + ")",
                edited_help()});
  }
  for (const auto& [file, m] : by_path)
    if (!listed.count(file))
      out.by_file[m->up].push_back({RuleId::unlocked_migration,
                                    "This migration is not recorded in migrasafe.sum yet",
                                    "Run `migrasafe lock` when it is final (before it is merged or deployed), so "
                                    "later edits to it are reported."});
  out.sum_files.push_back(std::move(sum));
}

std::vector<const Migration*> recorded_under(const MigrationSet& set, const fs::path& dir) {
  std::vector<const Migration*> out;
  const std::string real_dir = real_path_string(dir.native());
  for (const Migration& m : set.migrations)
    if (recorded_kind(m) && path_is_under(real_path_string(m.up), real_dir)) out.push_back(&m);
  return out;
}

}  // namespace

std::string migration_hash(std::string_view text) { return sha256_hex(normalized(text)); }

std::vector<SumLine> read_sum_lines(const std::string& text, std::vector<SumFinding>& findings) {
  const std::string mismatch_help =
      "Do not edit migrasafe.sum by hand: it records what each migration contained when it was locked. Restore it "
      "from version control, or run `migrasafe lock` to record the migrations as they are now.";
  std::vector<SumLine> lines;
  std::optional<SumLine> total;
  std::uint32_t pos = 0, line = 1;
  for (; pos < text.size(); ++line) {
    std::size_t nl = text.find('\n', pos);
    std::uint32_t end = static_cast<std::uint32_t>(nl == std::string::npos ? text.size() : nl);
    std::istringstream words(text.substr(pos, end - pos));
    SumLine l{"", "", "", pos, end, line};
    words >> l.version >> l.hash;
    std::getline(words >> std::ws, l.path);
    bool blank = l.version.empty();
    if (!blank && (!is_sha256(l.hash) || (l.version == "total") == !l.path.empty()))
      findings.push_back({RuleId::sum_file_mismatch, pos, end,
                          "Line " + std::to_string(line) +
                              " of migrasafe.sum is not `<version> <sha256> <path>` or `total <sha256>`: the "
                              "file was edited by hand or damaged, and the line is not checked",
                          mismatch_help});
    else if (l.version == "total" && !total) total = l;
    else if (!l.version.empty() && !total) lines.push_back(l);
    else if (!l.version.empty()) total = SumLine{"", "", "", pos, end, line};  // anything after the total: tampered
    pos = end + 1;
  }
  if (!total || total->hash != sha256_hex(std::string_view(text).substr(0, total->begin)) || !total->path.empty()) {
    SumLine at = total ? *total : (lines.empty() ? SumLine{} : lines.back());
    findings.push_back({RuleId::sum_file_mismatch, at.begin, at.end,
                        total ? "The total hash of migrasafe.sum does not match its lines: the file was edited by hand"
                              : "migrasafe.sum has no `total` line: the file was edited by hand or cut short",
                        mismatch_help});
  }
  return lines;
}

std::optional<std::string> sum_file_text(const MigrationSet& set, const fs::path& dir, std::string& error) {
  std::string out;
  for (const Migration* m : recorded_under(set, dir)) {
    auto text = read_input({m->up, false}, error);
    if (!text) {
      error = m->up + ": " + error;
      return std::nullopt;
    }
    out += (m->version.empty() ? std::string("-") : m->version) + " " + migration_hash(*text) + " " +
           real_path(m->up).lexically_relative(real_path(dir)).generic_string() + "\n";
  }
  return out + "total " + sha256_hex(out) + "\n";
}

HistoryResult check_history(const MigrationSet& set, const std::vector<fs::path>& sum_dirs, const ChangedFiles* since) {
  HistoryResult out;
  std::map<std::string, std::vector<const Migration*>> groups;
  for (const Migration& m : set.migrations)
    if (recorded_kind(m) && !m.version.empty() && m.layout != Layout::Sqitch) groups[group_of(m)].push_back(&m);
  for (const auto& [key, group] : groups) {
    duplicates(group, out);
    gaps(group, out);
    if (since) out_of_order(group, *since, out);
  }
  std::set<std::string> checked;  // a directory named twice ("db", "$PWD/db") has one sum file
  for (const fs::path& dir : sum_dirs)
    if (checked.insert(real_path_string(dir.native())).second) check_sum(dir, recorded_under(set, dir), out);
  if (since)
    for (const Migration& m : set.migrations)
      if (recorded_kind(m) && since->was_modified(m.up))
        add_once(out, m.up,
                 {RuleId::edited_migration,
                  "This migration existed before the merge base of --changed-since and has been modified since: "
                  "applied history must not be edited",
                  edited_help()});
  return out;
}

}  // namespace migrasafe
