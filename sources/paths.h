#pragma once
// Path spellings users type: a bare file name (`0001_a.sql`, whose parent_path()
// is empty), `./`, `../`, absolute, through symlinks. These helpers never throw.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

// The directory holding `file`: "." for a bare file name (never empty, so it
// can be made absolute or walked).
std::filesystem::path directory_of(const std::filesystem::path& file);

// The real, absolute path (symlinks resolved as far as the path exists), for
// telling whether two spellings name one file or directory. An empty path is
// the working directory.
std::filesystem::path real_path(const std::filesystem::path& p);
// real_path, as a string: what planning compares and keys its maps by (each
// std::filesystem::path made costs a split into components).
std::string real_path_string(const std::string& p);
// The real path of `p`, an entry a directory listing showed is no symbolic
// link (`name` in the directory whose real path is `real_dir`), with no system
// call: a walk that does not follow links knows it. Remembered for
// real_path_string(p) while a RealPathMemo lives.
std::string real_path_of_entry(const std::string& p, std::string_view real_dir, std::string_view name);
// real_path(directory_of(file)).
std::string real_directory_of(const std::string& file);

// Whether `s` ends with `lower_suffix` (lower case), in any case: a file's
// extension as the migration tools and discovery compare it.
bool iends_with(std::string_view s, std::string_view lower_suffix);

// Whether `path` is `dir` or inside it, by their spelling (as
// std::filesystem::path::lexically_relative decides it, without making paths
// of absolute paths of plain names); both spelt alike: absolute, or real paths.
bool path_is_under(std::string_view path, std::string_view dir);

// While one is alive, real_path remembers what it resolved (each directory
// once, then one lstat per file): planning a run asks for the real path of
// every file several times, and resolving one from scratch costs a readlink
// per component. Scoped to one run, which sees the symlinks as they were
// when it started; thread-safe.
class RealPathMemo {
 public:
  RealPathMemo();
  ~RealPathMemo();
  RealPathMemo(const RealPathMemo&) = delete;
  RealPathMemo& operator=(const RealPathMemo&) = delete;
};

// While a RealPathMemo lives, a directory walk remembers the names each
// directory it read holds, so that looking for a file that may sit beside a
// migration (a tool's metadata or configuration file, mostly absent) asks the
// listing instead of failing to open it. `dir` as the walk spells it.
void remember_listing(const std::string& dir, std::vector<std::string> names);
// False when the listing of `dir` (spelt as the walk spelt it) is remembered
// and has no entry `name`; true when it has one, or was not read.
bool may_exist(std::string_view dir, std::string_view name);

// What reports and baselines record for `path`: relative to `root` (the repository root), in
// generic form, so `db/m.sql`, `./db/m.sql`, the absolute path and `m.sql` typed in db/ all give
// one spelling (and one fingerprint); the absolute real path for a file outside `root`.
std::string path_relative_to(const std::string& path, const std::filesystem::path& root);

}  // namespace migrasafe
