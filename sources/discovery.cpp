#include "sources/discovery.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <unordered_set>

#include "parser/source.h"
#include "parser/timings.h"
#include "sources/glob.h"
#include "sources/paths.h"

namespace fs = std::filesystem;

namespace migrasafe {
namespace {


// Why `p` cannot be read as a migration, or nullopt for a regular file (or a
// symlink to one). FIFOs, devices and sockets are refused: a device such as
// /dev/zero never ends, and a FIFO can be read only once. `st` and `ec`:
// fs::status(p) and its error, when the caller has them already.
std::optional<std::string> not_a_file(const fs::path& p, fs::file_status st, std::error_code ec) {
  if (ec == std::errc::too_many_symbolic_link_levels) return "symbolic link loop (too many levels of symbolic links)";
  switch (st.type()) {
    case fs::file_type::regular: return std::nullopt;
    case fs::file_type::directory: return "is a directory";
    case fs::file_type::fifo: return "is a named pipe (FIFO), not a regular file; pipe it to - (stdin) instead";
    case fs::file_type::character:
    case fs::file_type::block: return "is a device, not a regular file";
    case fs::file_type::socket: return "is a socket, not a regular file";
    case fs::file_type::not_found:
      if (fs::is_symlink(fs::symlink_status(p, ec))) return "dangling symbolic link (its target does not exist)";
      return "no such file or directory";
    default: return ec ? ec.message() : "not a regular file";
  }
}

std::optional<std::string> not_a_file(const fs::path& p) {
  std::error_code ec;
  fs::file_status st = fs::status(p, ec);
  return not_a_file(p, st, ec);
}

// A migration file found by walking a directory, and its real path.
struct FoundFile {
  std::string path, real;
};

// Walks directories with plain system calls: each entry's type comes from the
// listing (no stat per file, except for symlinks and file systems that do not
// tell), and a real path is the real directory and the entry's name (no lstat).
class SqlFileWalk {
 public:
  explicit SqlFileWalk(std::vector<InputError>& errors) : errors_(errors) {}

  // The *.sql files below `dir`, in sorted order, skipping hidden directories
  // (.git, .venv, ...), which hold no migrations, and symlinks to directories.
  // A .sql entry that is not a readable file (a FIFO, a dangling or looping
  // symlink) is an error, not skipped. A subdirectory that cannot be read for
  // want of permission is skipped.
  std::vector<FoundFile> files_under(const std::string& dir) {
    found_.clear();
    failure_.clear();
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno != EACCES) failure_ = std::generic_category().message(errno);
    } else {
      walk(fd, dir, real_path_string(dir));
    }
    if (!failure_.empty()) errors_.push_back({dir, "cannot read directory: " + failure_});
    std::sort(found_.begin(), found_.end(), [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; });
    return std::move(found_);
  }

 private:
  // Reads the directory open as `fd` (and closes it), spelt `dir`, whose real path is `real_dir`.
  void walk(int fd, const std::string& dir, const std::string& real_dir) {
    DIR* listing = ::fdopendir(fd);
    if (!listing) {
      failure_ = std::generic_category().message(errno);
      ::close(fd);
      return;
    }
    std::vector<std::string> names;
    while (failure_.empty()) {
      errno = 0;
      const dirent* entry = ::readdir(listing);
      if (!entry) {
        if (errno != 0) failure_ = std::generic_category().message(errno);
        else remember_listing(dir, std::move(names));  // read whole
        break;
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
      std::string path = dir;
      if (path.back() != '/') path += '/';
      path.append(name);
      unsigned char type = entry->d_type;
      struct stat st;
      bool followed = false;  // `st`: what a symlink (or an entry of unknown type) leads to
      if (type == DT_LNK || type == DT_UNKNOWN) followed = ::fstatat(::dirfd(listing), entry->d_name, &st, 0) == 0;
      if (type == DT_UNKNOWN && followed) {  // a plain entry's own type; a symlink stays a symlink
        struct stat own;
        if (::fstatat(::dirfd(listing), entry->d_name, &own, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(own.st_mode))
          type = S_ISDIR(own.st_mode) ? DT_DIR : S_ISREG(own.st_mode) ? DT_REG : DT_UNKNOWN;
        else type = DT_LNK;
      }
      if (type == DT_DIR) {
        if (name.starts_with('.')) continue;
        int sub = ::openat(::dirfd(listing), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
          if (errno != EACCES) failure_ = std::generic_category().message(errno);
          continue;
        }
        walk(sub, path, real_path_of_entry(path, real_dir, name));
        continue;
      }
      if (followed && S_ISDIR(st.st_mode)) continue;  // a symlink to a directory: not followed
      if (!(name.size() > 4 && iends_with(name, ".sql"))) continue;  // an extension `.sql` in any case
      if (type == DT_REG) {
        std::string real = real_path_of_entry(path, real_dir, name);
        found_.push_back({std::move(path), std::move(real)});
      } else if (auto why = followed && S_ISREG(st.st_mode) ? std::nullopt : not_a_file(path)) {
        errors_.push_back({path, *why});
      } else {
        std::string real = real_path_string(path);
        found_.push_back({std::move(path), std::move(real)});
      }
    }
    ::closedir(listing);
  }

  std::vector<InputError>& errors_;
  std::vector<FoundFile> found_;
  std::string failure_;  // why the walk stopped
};

}  // namespace

std::vector<InputFile> discover(const std::vector<std::string>& args, const std::string& stdin_name,
                                std::vector<InputError>& errors) {
  PhaseTimer timer(RunPhase::Discovery);
  std::vector<InputFile> files;
  // One file named twice ("db" and "$PWD/db", or through a symlink) is
  // analysed once, under the first spelling given.
  std::unordered_set<std::string> seen;
  auto add_regular_file = [&](const std::string& p, std::string real) {
    if (seen.insert(std::move(real)).second) files.push_back({p, false});
  };
  auto add_file = [&](const std::string& p, fs::file_status st, std::error_code ec) {
    if (auto why = not_a_file(p, st, ec)) errors.push_back({p, *why});
    else add_regular_file(p, real_path_string(p));
  };
  SqlFileWalk walk(errors);
  auto add_directory = [&](const std::string& dir) {
    std::size_t errors_before = errors.size();
    std::vector<FoundFile> found = walk.files_under(dir);
    if (found.empty() && errors.size() == errors_before) errors.push_back({dir, "directory contains no .sql files"});
    for (FoundFile& f : found) add_regular_file(f.path, std::move(f.real));
  };
  std::optional<std::size_t> stdin_at;
  for (const std::string& arg : args) {
    if (arg == "-") {
      stdin_at = files.size();
      files.push_back({stdin_name.empty() ? std::string(kStdinName) : stdin_name, true, !stdin_name.empty()});
      continue;
    }
    // One lstat per file named (a file list can name thousands): a regular
    // file that is no symlink has its directory's real path and its name.
    struct stat own;
    if (::lstat(arg.c_str(), &own) == 0 && S_ISREG(own.st_mode)) {
      std::string_view name = std::string_view(arg).substr(arg.rfind('/') + 1);  // npos + 1: all of it
      add_regular_file(arg, real_path_of_entry(arg, real_directory_of(arg), name));
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    std::error_code link_ec;
    bool present = fs::exists(st) || fs::exists(fs::symlink_status(arg, link_ec));  // a dangling symlink is present
    if (fs::is_directory(st)) {
      add_directory(arg);
    } else if (present || !has_glob_syntax(arg)) {
      add_file(arg, st, ec);  // or the reason it cannot be read
    } else {
      std::string error;
      auto found = expand_glob(arg, error);
      if (!error.empty()) errors.push_back({arg, error});
      else if (found.empty()) errors.push_back({arg, "pattern matches no files"});
      for (const auto& f : found) {
        std::error_code found_ec;
        fs::file_status found_st = fs::status(f, found_ec);
        if (fs::is_directory(found_st)) add_directory(f);
        else add_file(f, found_st, found_ec);
      }
    }
  }
  // The editor's unsaved buffer (--stdin-filename NAME -) takes the place of
  // the file NAME on disk, so it is judged with the rest of the set.
  if (stdin_at && !stdin_name.empty()) {
    std::string buffer = real_path_string(stdin_name);
    auto on_disk = std::find_if(files.begin(), files.end(),
                                [&](const InputFile& f) { return !f.from_stdin && real_path_string(f.path) == buffer; });
    if (on_disk != files.end()) {
      *on_disk = files[*stdin_at];
      files.erase(files.begin() + static_cast<long>(*stdin_at));
    }
  }
  return files;
}

namespace {

// Appends `in` to `text` a block at a time, and stops at the first NUL byte
// (a binary file, or a device that never ends); its offset, or npos.
std::atomic<std::uint64_t> max_file_size_bytes{kDefaultMaxFileSize};

// Reads blocks with `read_block(buffer, size)` (the bytes read; 0 at the end
// or on an error) up to `limit` + 1 bytes, so that a caller sees an input
// over the limit without reading all of it.
template <typename ReadBlock>
std::size_t read_until_nul(ReadBlock&& read_block, std::string& text, std::uint64_t limit) {
  char block[1 << 16];
  while (text.size() <= limit) {
    std::size_t n = read_block(block, sizeof block);
    if (n == 0) break;
    if (const void* nul = std::memchr(block, '\0', n)) {
      std::size_t at = text.size() + static_cast<std::size_t>(static_cast<const char*>(nul) - block);
      text.append(block, n);
      return at;
    }
    text.append(block, n);
  }
  return std::string::npos;
}

std::string too_large(std::uint64_t size_or_more, bool exact) {
  return std::string("the file is ") + (exact ? "" : "more than ") + format_file_size(size_or_more) +
         ", over the largest size migrasafe reads (" + format_file_size(max_file_size()) +
         "); raise the limit with --max-file-size or max_file_size in .migrasafe.toml";
}

}  // namespace

void set_max_file_size(std::uint64_t bytes) { max_file_size_bytes = bytes; }
std::uint64_t max_file_size() { return max_file_size_bytes; }

std::optional<double> parse_size(std::string_view text) {
  // Digits, at most one decimal point among them, then the unit.
  std::size_t end = 0, digits = 0;
  bool point = false;
  for (; end < text.size(); ++end) {
    char c = text[end];
    if (c >= '0' && c <= '9') ++digits;
    else if (c == '.' && !point) point = true;
    else break;
  }
  if (digits == 0) return std::nullopt;
  std::string unit(text.substr(end));
  std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
  int shift = unit == "" || unit == "b" ? 0 : unit == "kb" ? 10 : unit == "mb" ? 20 : unit == "gb" ? 30 : unit == "tb" ? 40 : -1;
  if (shift < 0) return std::nullopt;
  std::string number(text.substr(0, end));  // strtod: an overlong number is HUGE_VAL, not an exception
  double size = std::strtod(number.c_str(), nullptr) * static_cast<double>(std::uint64_t{1} << shift);
  if (size <= 0 || size >= 1e18) return std::nullopt;
  return size;
}

std::optional<std::uint64_t> parse_file_size(std::string_view text) {
  auto size = parse_size(text);
  if (!size || *size != std::floor(*size)) return std::nullopt;  // "0.3kB" is not a whole number of bytes
  return static_cast<std::uint64_t>(*size);
}

std::string format_file_size(std::uint64_t bytes) {
  for (auto [shift, unit] : {std::pair{30, "GB"}, {20, "MB"}, {10, "kB"}})
    if (bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0)
      return std::to_string(bytes >> shift) + unit;
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::optional<std::string> read_input(const InputFile& f, std::string& error) {
  PhaseTimer timer(RunPhase::Read);
  std::string text;
  std::size_t nul = std::string::npos;
  const std::uint64_t limit = max_file_size();
  if (f.from_stdin) {
    nul = read_until_nul(
        [](char* block, std::size_t size) {
          if (!std::cin) return std::size_t{0};
          std::cin.read(block, static_cast<std::streamsize>(size));
          return static_cast<std::size_t>(std::cin.gcount());
        },
        text, limit);
    if (std::cin.bad()) {
      error = "read error";
      return std::nullopt;
    }
  } else {
    // A named pipe is read once here (`--schema <(pg_dump -s db)`); discover()
    // refuses it among the migrations, which are read more than once. A
    // regular file (nearly every one) needs one stat, with no path object.
    struct stat st;
    bool regular = ::stat(f.path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    if (!regular) {
      std::error_code ec;
      fs::file_status status = fs::status(f.path, ec);
      if (auto why = not_a_file(f.path, status, ec); why && !fs::is_fifo(status)) {
        error = *why;
        return std::nullopt;
      }
    } else if (static_cast<std::uint64_t>(st.st_size) > limit) {
      error = too_large(static_cast<std::uint64_t>(st.st_size), true);
      return std::nullopt;
    } else {
      text.reserve(static_cast<std::size_t>(st.st_size));  // read into place: growing by doubling leaves up to twice the file's size allocated
    }
    int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot open file";
      return std::nullopt;
    }
    bool failed = false;
    nul = read_until_nul(
        [&](char* block, std::size_t size) {
          while (true) {
            ssize_t n = ::read(fd, block, size);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) {
              failed = true;
              return std::size_t{0};
            }
          }
        },
        text, limit);
    ::close(fd);
    if (failed) {
      error = "read error";
      return std::nullopt;
    }
  }
  if (text.size() > limit && (nul == std::string::npos || nul >= limit)) {  // a pipe, or a file that grew
    error = too_large(limit, false);
    return std::nullopt;
  }
  if (nul != std::string::npos) {
    error = "line " + std::to_string(LineIndex(text).position(nul).line) + ": contains a NUL byte (binary file?)";
    return std::nullopt;
  }
  if (auto bad = find_invalid_utf8(text); bad != std::string::npos) {
    Position p = LineIndex(text).position(bad);
    error = "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) +
            ": invalid UTF-8 (migrasafe reads migrations as UTF-8, as PostgreSQL does with client_encoding UTF8)";
    return std::nullopt;
  }
  text.shrink_to_fit();  // stdin, or a file that grew while it was read: the text is kept until the report
  return text;
}

MigrationRole migration_role(const std::string& path) {
  MigrationRole role;
  fs::path p(path);
  std::string name = p.filename().string();
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::string down;
  if (name == "up.sql") {
    down = (p.parent_path() / "down.sql").string();
  } else if (ends_with(".up.sql") && name.size() > 7) {
    down = (p.parent_path() / (name.substr(0, name.size() - 7) + ".down.sql")).string();
  } else if (name == "down.sql" || ends_with(".down.sql")) {
    role.kind = MigrationRole::Kind::Down;
    std::string up = name == "down.sql" ? (p.parent_path() / "up.sql").string()
                                        : (p.parent_path() / (name.substr(0, name.size() - 9) + ".up.sql")).string();
    std::error_code ec;
    if (fs::is_regular_file(up, ec)) role.up_path = up;
    return role;
  } else {
    return role;
  }
  role.kind = MigrationRole::Kind::Up;
  role.down_path = down;
  std::error_code ec;
  role.down_exists = fs::is_regular_file(down, ec);
  if (role.down_exists) {
    std::string err;
    if (auto text = read_input({down, false}, err)) role.down_text = std::move(*text);
  }
  return role;
}

}  // namespace migrasafe
