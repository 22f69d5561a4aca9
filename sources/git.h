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
  // `dirs`: absolute directories inside the repository (the index entries
  // under them are written). nullopt with `error` when git fails.
  static std::optional<IndexSnapshot> take(const std::vector<std::filesystem::path>& dirs, std::string& error);
  IndexSnapshot(IndexSnapshot&& other) noexcept;
  IndexSnapshot& operator=(IndexSnapshot&&) = delete;
  ~IndexSnapshot();

  const std::filesystem::path& repository() const { return repository_; }
  // The snapshot's copy of an absolute path inside the repository (nullopt outside it).
  std::optional<std::filesystem::path> copy_of(const std::filesystem::path& absolute) const;
  // The repository path a snapshot path stands for; other paths unchanged.
  std::string original_of(const std::string& path) const;

 private:
  IndexSnapshot(std::filesystem::path repository, std::filesystem::path root)
      : repository_(std::move(repository)), root_(std::move(root)) {}
  std::filesystem::path repository_, root_;  // root_: the temporary directory ("" once moved from)
};

// The top directory of the working tree the working directory is in.
std::optional<std::filesystem::path> repository_root(std::string& error);
// Where git looks for hooks (honours core.hooksPath), absolute.
std::optional<std::filesystem::path> hooks_directory(std::string& error);

}  // namespace migrasafe
