#pragma once
// Which migration files a change touches, from git: for `check --changed-since
// REF` (added or modified since the merge base of REF and HEAD, including
// uncommitted and untracked files) and `check --staged` (staged for commit).
// Only the report is narrowed; every migration is still replayed.
#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace migrasafe {

struct ChangedFiles {
  std::set<std::filesystem::path> paths;  // absolute, lexically normal
  bool contains(const std::string& path) const;
  // changed_since only: the files among `paths` that existed at the merge
  // base (modified, not added), and every file the merge base holds (the
  // history integrity checks: edited and out-of-order migrations).
  std::set<std::filesystem::path> modified;
  std::set<std::filesystem::path> at_base;
  bool was_modified(const std::string& path) const;
  bool existed_at_base(const std::string& path) const;
};

// nullopt with `error` set when git is missing, the working directory is
// not in a repository, or the ref does not resolve.
std::optional<ChangedFiles> changed_since(const std::string& ref, std::string& error);
std::optional<ChangedFiles> staged_files(std::string& error);

// The top directory of the working tree the working directory is in.
std::optional<std::filesystem::path> repository_root(std::string& error);
// Where git looks for hooks (honours core.hooksPath), absolute.
std::optional<std::filesystem::path> hooks_directory(std::string& error);

}  // namespace migrasafe
