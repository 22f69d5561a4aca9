#pragma once
// Which migration files a change touches, from git: for `check --changed-since
// REF` (added or modified since the merge base of REF and HEAD, including
// uncommitted and untracked files) and `check --staged` (staged for commit).
// Only the report is narrowed; every migration is still replayed.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

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

// `check --staged`: what `git commit` would record, as files. The index
// entries under the given directories are written (with git's own checkout
// conversions) to a temporary directory that mirrors the repository, removed
// again when the snapshot is destroyed. Reading the migrations from there
// judges the staged content, not the working tree: unstaged edits do not
// count, files deleted from the index are gone, staged files are there even
// when deleted from the working tree.
class IndexSnapshot {
 public:
  // The index entries the command-line `paths` need (each path's directory,
  // a glob's fixed prefix: its migrations, their down scripts, migrasafe.sum).
  // nullopt with `error` when git fails or the working directory is not in a repository.
  static std::optional<IndexSnapshot> take(const std::vector<std::string>& paths, std::string& error);
  IndexSnapshot(IndexSnapshot&& other) noexcept;
  IndexSnapshot& operator=(IndexSnapshot&&) = delete;
  ~IndexSnapshot();

  // The paths to read instead of `paths`: inside the repository, their copies
  // in the snapshot; one that exists only in the working tree (untracked, or
  // deleted from the index) holds nothing staged and is left out; a path
  // outside the repository, or `-`, is kept as it is.
  std::vector<std::string> paths_to_read() const;
  // The name to report for a path read from the snapshot: the path in the
  // working tree it stands for, spelled as the command line spelled paths
  // (relative to the working directory, unless a path was absolute).
  std::string shown(const std::string& path) const;

 private:
  IndexSnapshot(std::filesystem::path repository, std::filesystem::path root, std::vector<std::string> paths);
  std::optional<std::filesystem::path> copy_of(const std::string& path) const;
  std::filesystem::path repository_, root_;  // root_: the temporary directory ("" once moved from)
  std::vector<std::string> paths_;           // as given
  std::filesystem::path cwd_;                // where relative paths start
  bool relative_ = true;                     // every path given was relative
};

// The top directory of the working tree the working directory is in.
std::optional<std::filesystem::path> repository_root(std::string& error);
// Where git looks for hooks (honours core.hooksPath), absolute.
std::optional<std::filesystem::path> hooks_directory(std::string& error);

}  // namespace migrasafe
