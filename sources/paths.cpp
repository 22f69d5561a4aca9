#include "sources/paths.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

namespace fs = std::filesystem;

namespace migrasafe {

fs::path directory_of(const fs::path& file) {
  fs::path dir = file.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

namespace {

// Planning resolves a path per file several times: the memo works on strings,
// because every std::filesystem::path is split into components when it is
// made, which cost more than the lookups themselves.
std::mutex memo_mutex;
int memo_users = 0;                                 // live RealPathMemo objects
std::unordered_map<std::string, std::string> memo;  // absolute path -> real path
std::string memo_cwd;                               // the working directory, read once per memo
// Directory (as a walk spelt it) -> its entry names, sorted; looked up by string_view.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
std::unordered_map<std::string, std::vector<std::string>, NameHash, std::equal_to<>> listings;

std::string resolve(const std::string& abs) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(abs, ec);
  return ec ? fs::path(abs).lexically_normal().native() : real.native();
}

// An absolute path whose components are names: no empty ("//"), "." or ".."
// component; a trailing separator is allowed.
bool of_names(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  for (std::size_t begin = 1; begin < p.size();) {  // a trailing separator ends the loop
    std::size_t end = std::min(p.find('/', begin), p.size());
    std::string_view part = p.substr(begin, end - begin);
    if (part.empty() || part == "." || part == "..") return false;
    begin = end + 1;
  }
  return true;
}

// An absolute path of names without a trailing separator ("/a/b"): its
// parent is the text before its last '/'.
bool plain(std::string_view abs) { return abs.size() > 1 && abs.back() != '/' && of_names(abs); }

// resolve(), from the memo: the real parent directory, then the file itself
// unless it is a symlink (one lstat). A part that does not exist is kept as
// written, as weakly_canonical keeps it. Called with memo_mutex held.
std::string resolve_memoized(const std::string& abs) {
  if (auto it = memo.find(abs); it != memo.end()) return it->second;
  std::string real;
  if (!plain(abs)) {
    real = resolve(abs);
  } else {
    std::size_t slash = abs.rfind('/');
    real = resolve_memoized(slash == 0 ? std::string("/") : abs.substr(0, slash));
    if (real.back() != '/') real += '/';
    real.append(abs, slash + 1);
    struct stat st;
    if (::lstat(real.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) real = resolve(real);
  }
  memo.emplace(abs, real);
  return real;
}

// The memo's key for `p`: `p` when absolute, else as fs::absolute spells it
// (the working directory, a separator, the path); nullptr when the working
// directory cannot be read. Called with memo_mutex held; valid until the next call.
const std::string* memo_key(const std::string& p) {
  if (!p.empty() && p.front() == '/') return &p;
  if (memo_cwd.empty()) {
    std::error_code ec;
    memo_cwd = fs::current_path(ec).native();
    if (ec) {
      memo_cwd.clear();
      return nullptr;
    }
  }
  static std::string absolute;  // reused: no allocation per lookup
  absolute.assign(memo_cwd);
  if (absolute.back() != '/') absolute += '/';
  absolute.append(p.empty() ? std::string_view(".") : std::string_view(p));
  return &absolute;
}

}  // namespace

RealPathMemo::RealPathMemo() {
  std::lock_guard<std::mutex> lock(memo_mutex);
  ++memo_users;
}

RealPathMemo::~RealPathMemo() {
  std::lock_guard<std::mutex> lock(memo_mutex);
  if (--memo_users > 0) return;
  memo.clear();
  memo_cwd.clear();
  listings.clear();
}

void remember_listing(const std::string& dir, std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::lock_guard<std::mutex> lock(memo_mutex);
  if (memo_users > 0) listings.insert_or_assign(dir, std::move(names));
}

bool may_exist(std::string_view dir, std::string_view name) {
  std::lock_guard<std::mutex> lock(memo_mutex);
  auto it = listings.find(dir);
  return it == listings.end() || std::binary_search(it->second.begin(), it->second.end(), name, std::less<>());
}

std::string real_path_string(const std::string& p) {
  std::unique_lock<std::mutex> lock(memo_mutex);
  if (memo_users == 0) {
    lock.unlock();
    std::error_code ec;
    fs::path abs = fs::absolute(p.empty() ? fs::path(".") : fs::path(p), ec);
    return ec ? fs::path(p).lexically_normal().native() : resolve(abs.native());
  }
  if (const std::string* abs = memo_key(p)) return resolve_memoized(*abs);
  return fs::path(p).lexically_normal().native();
}

std::string real_path_of_entry(const std::string& p, std::string_view real_dir, std::string_view name) {
  std::string real(real_dir);
  if (real.empty() || real.back() != '/') real += '/';
  real.append(name);
  std::lock_guard<std::mutex> lock(memo_mutex);
  if (memo_users == 0) return real;
  if (const std::string* abs = memo_key(p)) memo.emplace(*abs, real);
  return real;
}

fs::path real_path(const fs::path& p) { return real_path_string(p.native()); }

std::string real_directory_of(const std::string& file) {
  // directory_of(), on the string where that is plain: the text before the last separator.
  std::size_t slash = file.rfind('/');
  if (slash == std::string::npos) return real_path_string(".");
  if (slash == file.size() - 1 || file.find("//") != std::string::npos) return real_path(directory_of(file)).native();
  return real_path_string(slash == 0 ? std::string("/") : file.substr(0, slash));
}

bool iends_with(std::string_view s, std::string_view lower_suffix) {
  if (s.size() < lower_suffix.size()) return false;
  for (std::size_t i = 0; i < lower_suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - lower_suffix.size() + i])) != lower_suffix[i]) return false;
  return true;
}

bool path_is_under(std::string_view path, std::string_view dir) {
  // Absolute paths of names (the real paths planning compares): a prefix of
  // whole components. Anything else as lexically_relative decides it.
  if (!of_names(path) || !of_names(dir)) {
    fs::path rel = fs::path(path).lexically_relative(fs::path(dir));
    return !rel.empty() && *rel.begin() != "..";
  }
  auto without_trailing_separator = [](std::string_view p) {
    return p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
  };
  path = without_trailing_separator(path);
  dir = without_trailing_separator(dir);
  if (dir == "/" || path == dir) return true;
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

std::string path_relative_to(const std::string& path, const fs::path& root) {
  fs::path abs = real_path(path);
  fs::path rel = abs.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return abs.generic_string();
  return rel.generic_string();
}

}  // namespace migrasafe
