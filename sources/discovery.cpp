#include "sources/discovery.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "parser/source.h"

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool is_sql(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".sql";
}

// Every regular file below `dir`, skipping hidden directories (.git, .venv,
// ...), which hold no migrations; as a shell glob would, too.
template <class Fn>
void for_each_file(const fs::path& dir, std::error_code& ec, Fn fn) {
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) fn(it->path());
  }
}

std::vector<std::string> sql_files_under(const fs::path& dir, std::error_code& ec) {
  std::vector<std::string> out;
  for_each_file(dir, ec, [&](const fs::path& p) {
    if (is_sql(p)) out.push_back(p.string());
  });
  std::sort(out.begin(), out.end());
  return out;
}

// "db/**/*.sql": walk the fixed prefix and match whole relative paths, with
// `*` allowed to cross directories.
std::vector<std::string> expand_glob(const std::string& pattern) {
  std::vector<std::string> out;
  if (pattern.find("**") == std::string::npos) {
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    return out;
  }
  std::size_t wild = pattern.find_first_of("*?[");
  std::size_t slash = pattern.rfind('/', wild);
  std::string base = slash == std::string::npos ? "." : pattern.substr(0, slash == 0 ? 1 : slash);
  std::string flat = pattern;
  for (std::size_t p; (p = flat.find("**/")) != std::string::npos;) flat.replace(p, 3, "*");
  for (std::size_t p; (p = flat.find("**")) != std::string::npos;) flat.replace(p, 2, "*");
  std::error_code ec;
  for_each_file(base, ec, [&](const fs::path& p) {
    std::string path = p.string();
    if (base == "." && path.rfind("./", 0) == 0 && pattern.rfind("./", 0) != 0) path = path.substr(2);
    if (fnmatch(flat.c_str(), path.c_str(), 0) == 0) out.push_back(path);
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<InputFile> discover(const std::vector<std::string>& args, const std::string& stdin_name,
                                std::vector<InputError>& errors) {
  std::vector<InputFile> files;
  std::set<std::string> seen;
  auto add = [&](const std::string& p) {
    if (seen.insert(fs::path(p).lexically_normal().string()).second) files.push_back({p, false});
  };
  for (const std::string& arg : args) {
    if (arg == "-") {
      files.push_back({stdin_name.empty() ? "<stdin>" : stdin_name, true});
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (fs::is_directory(st)) {
      auto found = sql_files_under(arg, ec);
      if (ec) errors.push_back({arg, "cannot read directory: " + ec.message()});
      else if (found.empty()) errors.push_back({arg, "directory contains no .sql files"});
      for (const auto& f : found) add(f);
    } else if (fs::exists(st)) {
      add(arg);
    } else if (has_wildcard(arg)) {
      auto found = expand_glob(arg);
      if (found.empty()) errors.push_back({arg, "pattern matches no files"});
      for (const auto& f : found) {
        if (fs::is_directory(f, ec)) {
          for (const auto& g : sql_files_under(f, ec)) add(g);
        } else {
          add(f);
        }
      }
    } else {
      errors.push_back({arg, "no such file or directory"});
    }
  }
  return files;
}

std::optional<std::string> read_input(const InputFile& f, std::string& error) {
  std::string text;
  if (f.from_stdin) {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::error_code ec;
    if (fs::is_directory(f.path, ec)) {
      error = "is a directory";
      return std::nullopt;
    }
    std::ifstream in(f.path, std::ios::binary);
    if (!in) {
      error = "cannot open file";
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
      error = "read error";
      return std::nullopt;
    }
    text = std::move(ss).str();
  }
  LineIndex lines(text);
  if (auto nul = text.find('\0'); nul != std::string::npos) {
    error = "line " + std::to_string(lines.position(nul).line) + ": contains a NUL byte (binary file?)";
    return std::nullopt;
  }
  if (auto bad = find_invalid_utf8(text); bad != std::string::npos) {
    Position p = lines.position(bad);
    error = "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) +
            ": invalid UTF-8 (migrasafe reads migrations as UTF-8, as PostgreSQL does with client_encoding UTF8)";
    return std::nullopt;
  }
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

namespace migrasafe {

std::shared_ptr<const SourceFile> load_undone_up(const MigrationRole& role) {
  if (role.up_path.empty()) return nullptr;
  std::string error;
  auto text = read_input({role.up_path, false}, error);
  if (!text) return nullptr;
  return std::make_shared<const SourceFile>(role.up_path, std::move(*text));
}

}  // namespace migrasafe
