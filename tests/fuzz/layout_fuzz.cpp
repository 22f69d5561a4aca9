// libFuzzer target: the layout detector on a generated tree. Each input line
// is a relative path, optionally followed by a tab and the file's text (`\n`
// for a line break), e.g. `db/migrate/V1__init.sql<TAB>create table t();`;
// a line `layout NAME` forces a layout, as --layout does. The tree is
// written to a fresh temporary directory, found by discover() as `check DIR`
// finds it, then ordered (build_migration_set), its sections cut and its
// history checked (a `migrasafe.sum` in the tree is read). Every discovered
// file must end up in the set: nothing the user named is skipped.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "sources/discovery.h"
#include "sources/history.h"
#include "sources/layouts.h"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxEntries = 64;
constexpr std::string_view kTreePrefix = "migrasafe-layout-fuzz-";

// Where the tree is written (tmpfs when there is one), removed at exit.
const fs::path& tree_root() {
  static const fs::path* root = [] {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    // A run that was killed (a timeout, ^C) never reached its atexit: remove
    // the trees of processes that no longer exist.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      std::string name = entry.path().filename().string();
      if (!name.starts_with(kTreePrefix)) continue;
      pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kTreePrefix.size()));
      if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
    }
    auto* r = new fs::path(base / (std::string(kTreePrefix) + std::to_string(getpid())));
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(tree_root(), ec);
    });
    return r;
  }();
  return *root;
}

// A path that stays inside the root: no empty, `.` or `..` components, no NUL.
bool safe_relative(std::string_view p) {
  if (p.empty() || p.size() > 200 || p.front() == '/' || p.find('\0') != std::string_view::npos) return false;
  for (const auto& part : fs::path(p))
    if (part.empty() || part == "." || part == "..") return false;
  return p.back() != '/';
}

std::string unescape_newlines(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace migrasafe;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const fs::path& root = tree_root();
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root, ec);
  std::optional<Layout> force;
  std::size_t entries = 0;
  while (!input.empty() && entries < kMaxEntries) {
    std::size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (line.starts_with("layout ")) {
      force = parse_layout(line.substr(7));
      continue;
    }
    std::size_t tab = line.find('\t');
    std::string_view path = line.substr(0, tab);
    if (!safe_relative(path)) continue;
    fs::path file = root / fs::path(path);
    fs::create_directories(file.parent_path(), ec);
    if (ec || fs::is_directory(file, ec)) continue;
    std::ofstream(file, std::ios::binary) << (tab == std::string_view::npos ? "" : unescape_newlines(line.substr(tab + 1)));
    ++entries;
  }
  std::vector<InputError> errors;
  std::vector<InputFile> files = discover({root.string()}, "", errors);
  MigrationSet set = build_migration_set(files, force);
  std::set<std::string> in_set;
  for (const Migration& m : set.migrations) {
    in_set.insert(m.up);
    if (m.down) in_set.insert(*m.down);
    if (m.verify) in_set.insert(*m.verify);
    for (bool down : {false, true}) {
      const std::string& path = down && m.down ? *m.down : m.up;
      if (path.empty() || !(down ? m.down_section : m.up_section)) continue;
      std::string error;
      if (auto text = read_input({path, false}, error))
        if (section_script(m, down, *text).size() != text->size()) __builtin_trap();
    }
  }
  for (const InputFile& f : files)
    if (!in_set.count(f.path)) __builtin_trap();  // a discovered file the set dropped
  check_history(set, {root}, nullptr);
  return 0;
}
