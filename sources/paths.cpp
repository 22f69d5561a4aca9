#include "sources/paths.h"

#include <mutex>
#include <unordered_map>

namespace fs = std::filesystem;

namespace migrasafe {

fs::path directory_of(const fs::path& file) {
  fs::path dir = file.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

namespace {

std::mutex memo_mutex;
int memo_users = 0;                              // live RealPathMemo objects
std::unordered_map<std::string, fs::path> memo;  // absolute path -> real path

fs::path resolve(const fs::path& abs) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : real;
}

// A path without "." or ".." components, whose last component is not empty.
bool plain(const fs::path& abs) {
  if (!abs.has_filename()) return false;
  for (const fs::path& part : abs.relative_path())
    if (part == "." || part == "..") return false;
  return true;
}

// resolve(), from the memo: the real parent directory, then the file itself
// unless it is a symlink (one lstat). A part that does not exist is kept as
// written, as weakly_canonical keeps it. Called with memo_mutex held.
fs::path resolve_memoized(const fs::path& abs) {
  if (auto it = memo.find(abs.native()); it != memo.end()) return it->second;
  fs::path real;
  const fs::path parent = abs.parent_path();
  if (!plain(abs) || parent == abs || parent.empty()) {
    real = resolve(abs);
  } else {
    real = resolve_memoized(parent) / abs.filename();
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(real, ec))) real = resolve(real);
  }
  memo.emplace(abs.native(), real);
  return real;
}

}  // namespace

RealPathMemo::RealPathMemo() {
  std::lock_guard<std::mutex> lock(memo_mutex);
  ++memo_users;
}

RealPathMemo::~RealPathMemo() {
  std::lock_guard<std::mutex> lock(memo_mutex);
  if (--memo_users == 0) memo.clear();
}

fs::path real_path(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p.empty() ? fs::path(".") : p, ec);
  if (ec) return p.lexically_normal();
  std::unique_lock<std::mutex> lock(memo_mutex);
  if (memo_users > 0) return resolve_memoized(abs);
  lock.unlock();
  return resolve(abs);
}

std::string path_relative_to(const std::string& path, const fs::path& root) {
  fs::path abs = real_path(path);
  fs::path rel = abs.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return abs.generic_string();
  return rel.generic_string();
}

}  // namespace migrasafe
