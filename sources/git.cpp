#include "sources/git.h"
#include "sources/paths.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>
#include <vector>

extern char** environ;

namespace migrasafe {
namespace fs = std::filesystem;
namespace {

struct Output {
  int status = -1;
  std::string out, err;
};

// Runs git with the given arguments (no shell: a ref cannot inject commands).
Output git(std::vector<std::string> args) {
  args.insert(args.begin(), "git");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  Output result;
  if (pipe(out_pipe) != 0) return result;
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  pid_t pid;
  int spawned = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "cannot run git (is it installed?)";
    return result;
  }
  // stderr is small; read stdout to the end first, then stderr.
  std::array<char, 65536> buf;
  for (auto [fd, dest] : {std::pair{out_pipe[0], &result.out}, std::pair{err_pipe[0], &result.err}}) {
    ssize_t n;
    while ((n = read(fd, buf.data(), buf.size())) > 0) dest->append(buf.data(), static_cast<std::size_t>(n));
    close(fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.empty() ? "git failed" : line;
}

std::optional<fs::path> repo_root(std::string& error) {
  Output r = git({"rev-parse", "--show-toplevel"});
  if (r.status != 0) {
    error = "not inside a git repository (" + first_line(r.err) + ")";
    return std::nullopt;
  }
  std::error_code ec;
  fs::path root(r.out.substr(0, r.out.find('\n')));
  fs::path canonical = fs::weakly_canonical(root, ec);  // compared with canonical input paths
  return ec ? root : canonical;
}

// NUL-separated repository-relative paths (git -z output).
void add_paths(const fs::path& root, const std::string& z, ChangedFiles& into) {
  std::size_t start = 0;
  while (start < z.size()) {
    std::size_t end = z.find('\0', start);
    if (end == std::string::npos) end = z.size();
    if (end > start) into.paths.insert((root / z.substr(start, end - start)).lexically_normal());
    start = end + 1;
  }
}

}  // namespace

std::optional<fs::path> repository_root(std::string& error) { return repo_root(error); }

std::optional<fs::path> hooks_directory(std::string& error) {
  if (!repo_root(error)) return std::nullopt;
  Output r = git({"rev-parse", "--git-path", "hooks"});
  if (r.status != 0) {
    error = first_line(r.err);
    return std::nullopt;
  }
  return real_path(r.out.substr(0, r.out.find('\n')));
}

bool ChangedFiles::contains(const std::string& path) const { return paths.count(real_path(path)) > 0; }
bool ChangedFiles::was_modified(const std::string& path) const { return modified.count(real_path(path)) > 0; }
bool ChangedFiles::existed_at_base(const std::string& path) const { return at_base.count(real_path(path)) > 0; }

std::optional<ChangedFiles> changed_since(const std::string& ref, std::string& error) {
  auto root = repo_root(error);
  if (!root) return std::nullopt;
  Output base = git({"merge-base", "--end-of-options", ref, "HEAD"});
  if (base.status != 0) {
    error = "cannot find the merge base of `" + ref + "` and HEAD (" + first_line(base.err) + ")";
    return std::nullopt;
  }
  std::string commit = base.out.substr(0, base.out.find('\n'));
  ChangedFiles changed;
  // Committed, staged and unstaged changes against the merge base (status
  // and path pairs)...
  Output diff = git({"-C", root->string(), "diff", "--name-status", "-z", "--no-renames", "--diff-filter=AM", commit, "--"});
  // ...new files not yet added, and what the merge base holds.
  Output untracked = git({"-C", root->string(), "ls-files", "-z", "--others", "--exclude-standard"});
  Output tree = git({"-C", root->string(), "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit});
  for (const Output* o : {&diff, &untracked, &tree})
    if (o->status != 0) {
      error = first_line(o->err);
      return std::nullopt;
    }
  std::size_t start = 0;
  while (start < diff.out.size()) {
    std::size_t status_end = diff.out.find('\0', start);
    if (status_end == std::string::npos) break;
    std::size_t path_end = diff.out.find('\0', status_end + 1);
    if (path_end == std::string::npos) path_end = diff.out.size();
    fs::path p = (*root / diff.out.substr(status_end + 1, path_end - status_end - 1)).lexically_normal();
    changed.paths.insert(p);
    if (diff.out.compare(start, status_end - start, "M") == 0) changed.modified.insert(p);
    start = path_end + 1;
  }
  add_paths(*root, untracked.out, changed);
  ChangedFiles at_base;
  add_paths(*root, tree.out, at_base);
  changed.at_base = std::move(at_base.paths);
  return changed;
}

namespace {
bool has_wildcard(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }
}  // namespace

IndexSnapshot::IndexSnapshot(fs::path repository, fs::path root, std::vector<std::string> paths)
    : repository_(std::move(repository)), root_(std::move(root)), paths_(std::move(paths)) {
  std::error_code ec;
  cwd_ = fs::weakly_canonical(fs::current_path(ec), ec);
  relative_ = std::none_of(paths_.begin(), paths_.end(), [](const std::string& p) { return fs::path(p).is_absolute(); });
}

std::optional<IndexSnapshot> IndexSnapshot::take(const std::vector<std::string>& paths, std::string& error) {
  auto root = repo_root(error);
  if (!root) return std::nullopt;
  std::vector<std::string> list{"-C", root->string(), "ls-files", "-z", "--"};
  for (const std::string& p : paths) {
    if (p == "-") continue;
    std::error_code ec;
    fs::path dir = fs::absolute(p.substr(0, p.find_first_of("*?[")), ec);
    if (dir.filename().empty() || !fs::is_directory(dir, ec)) dir = dir.parent_path();
    fs::path rel = fs::weakly_canonical(dir, ec).lexically_relative(*root);
    if (!rel.empty() && *rel.begin() != "..") list.push_back(":(literal)" + rel.generic_string());
  }
  if (list.size() == 5) list.push_back(":(literal).");  // nothing inside: an empty pathspec would match everything anyway
  Output files = git(list);
  if (files.status != 0) {
    error = "cannot list the index (" + first_line(files.err) + ")";
    return std::nullopt;
  }
  std::string tmpl = (fs::temp_directory_path() / "migrasafe-index-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    error = "cannot create a temporary directory for the staged files";
    return std::nullopt;
  }
  std::error_code ec;
  IndexSnapshot snapshot(*root, fs::weakly_canonical(tmpl, ec), paths);
  // checkout-index takes file names, not pathspecs: in batches, to stay under the argument size limit.
  std::vector<std::string> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    std::vector<std::string> args{"-C", root->string(), "checkout-index", "-f",
                                  "--prefix=" + snapshot.root_.string() + "/", "--"};
    args.insert(args.end(), batch.begin(), batch.end());
    batch.clear();
    Output r = git(args);
    if (r.status != 0) error = "cannot read the staged files (" + first_line(r.err) + ")";
    return r.status == 0;
  };
  std::string prev;
  for (std::size_t start = 0; start < files.out.size();) {
    std::size_t end = files.out.find('\0', start);
    if (end == std::string::npos) end = files.out.size();
    std::string name = files.out.substr(start, end - start);
    start = end + 1;
    if (name.empty() || name == prev) continue;  // unmerged paths are listed once per stage
    prev = name;
    batch.push_back(std::move(name));
    if (batch.size() == 500 && !flush()) return std::nullopt;
  }
  if (!flush()) return std::nullopt;
  return snapshot;
}

IndexSnapshot::IndexSnapshot(IndexSnapshot&& other) noexcept
    : repository_(std::move(other.repository_)),
      root_(std::exchange(other.root_, {})),
      paths_(std::move(other.paths_)),
      cwd_(std::move(other.cwd_)),
      relative_(other.relative_) {}

IndexSnapshot::~IndexSnapshot() {
  std::error_code ec;
  if (!root_.empty()) fs::remove_all(root_, ec);
}

std::optional<fs::path> IndexSnapshot::copy_of(const std::string& path) const {
  if (path == "-") return std::nullopt;
  std::error_code ec;
  fs::path rel = fs::weakly_canonical(fs::absolute(path), ec).lexically_relative(repository_);
  if (ec || rel.empty() || *rel.begin() == "..") return std::nullopt;
  return rel == "." ? root_ : (root_ / rel).lexically_normal();
}

std::vector<std::string> IndexSnapshot::paths_to_read() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const std::string& p : paths_) {
    auto copy = copy_of(p);
    if (!copy) out.push_back(p);
    else if (has_wildcard(p) || fs::exists(*copy, ec) || !fs::exists(p, ec)) out.push_back(copy->string());
  }
  return out;
}

std::string IndexSnapshot::shown(const std::string& path) const {
  fs::path rel = fs::path(path).lexically_relative(root_);
  if (!fs::path(path).is_absolute() || rel.empty() || *rel.begin() == "..") return path;
  fs::path original = (repository_ / rel).lexically_normal();
  return (relative_ ? original.lexically_relative(cwd_) : original).string();
}

std::optional<ChangedFiles> staged_files(std::string& error) {
  auto root = repo_root(error);
  if (!root) return std::nullopt;
  Output diff = git({"-C", root->string(), "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=AM", "--"});
  if (diff.status != 0) {
    error = first_line(diff.err);
    return std::nullopt;
  }
  ChangedFiles changed;
  add_paths(*root, diff.out, changed);
  return changed;
}

}  // namespace migrasafe
