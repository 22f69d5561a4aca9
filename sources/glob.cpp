#include "sources/glob.h"

#include <re2/re2.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

std::string_view without_dot_slash(std::string_view glob) {
  while (glob.starts_with("./")) glob.remove_prefix(2);
  return glob;
}

// The end of the bracket expression opening at `open` (the index of its
// `]`), or npos when it is not closed. A `]` right after `[`, `[!` or `[^`
// is a member, as in the shell.
std::size_t bracket_end(std::string_view glob, std::size_t open) {
  std::size_t k = open + 1;
  if (k < glob.size() && (glob[k] == '!' || glob[k] == '^')) ++k;
  if (k < glob.size() && glob[k] == ']') ++k;
  return glob.find(']', k);
}

bool is_sql(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".sql";
}

}  // namespace

bool has_glob_syntax(std::string_view s) { return s.find_first_of("*?[{") != std::string_view::npos; }

std::optional<std::string> glob_error(std::string_view glob) {
  if (glob.empty()) return "empty pattern";
  int braces = 0;
  for (std::size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '\\') {
      if (++i == glob.size()) return "ends with `\\` (escape of nothing)";
    } else if (c == '[') {
      std::size_t close = bracket_end(glob, i);
      if (close == std::string_view::npos) return "`[` at column " + std::to_string(i + 1) + " is not closed by `]`";
      i = close;
    } else if (c == '{') {
      ++braces;
    } else if (c == '}' && braces > 0) {
      --braces;
    }
  }
  if (braces > 0) return "`{` is not closed by `}`";
  RE2 re(glob_to_regex(glob), RE2::Quiet);
  if (!re.ok()) return re.error();  // e.g. a reversed range [z-a]
  return std::nullopt;
}

std::string glob_to_regex(std::string_view glob) {
  glob = without_dot_slash(glob);
  std::string re;
  int braces = 0;
  for (std::size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '\\' && i + 1 < glob.size()) {
      re += RE2::QuoteMeta(std::string(1, glob[++i]));
    } else if (c == '*') {
      std::size_t run = i;
      while (run < glob.size() && glob[run] == '*') ++run;
      bool whole_segment = run - i == 2 && (i == 0 || glob[i - 1] == '/') && (run == glob.size() || glob[run] == '/');
      if (whole_segment && run < glob.size()) {
        re += "(?:[^/]*/)*";  // "**/": zero or more directories
        i = run;             // past the '/'
      } else if (whole_segment) {
        re += ".*";  // a trailing "**": everything below
        i = run - 1;
      } else {
        re += "[^/]*";
        i = run - 1;
      }
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[' && bracket_end(glob, i) != std::string_view::npos) {
      std::size_t close = bracket_end(glob, i);
      std::size_t k = i + 1;
      bool negate = glob[k] == '!' || glob[k] == '^';
      re += negate ? "[^/" : "[";
      for (k += negate ? 1 : 0; k < close; ++k) {
        if (glob[k] == '\\' || glob[k] == '[' || glob[k] == ']' || glob[k] == '^') re += '\\';
        re += glob[k];
      }
      re += ']';
      i = close;
    } else if (c == '{') {
      ++braces;
      re += "(?:";
    } else if (c == '}' && braces > 0) {
      --braces;
      re += ')';
    } else if (c == ',' && braces > 0) {
      re += '|';
    } else {
      re += RE2::QuoteMeta(std::string(1, c));
    }
  }
  while (braces-- > 0) re += ')';
  return re;
}

std::vector<std::string> expand_glob(const std::string& glob, std::string& error) {
  std::vector<std::string> out;
  if (auto why = glob_error(glob)) {
    error = "invalid glob: " + *why;
    return out;
  }
  // The directory to walk: the leading segments without glob syntax.
  std::size_t pos = glob.starts_with("/") ? 1 : 0;
  for (std::size_t slash; (slash = glob.find('/', pos)) != std::string::npos; pos = slash + 1) {
    std::string segment = glob.substr(pos, slash - pos);
    if (has_glob_syntax(segment) || segment.find('\\') != std::string::npos) break;
  }
  std::string base = glob.substr(0, pos), rest = glob.substr(pos);
  if (base.size() > 1 && base.ends_with("/")) base.pop_back();
  while (rest.ends_with("/")) rest.pop_back();
  fs::path root = base.empty() ? fs::path(".") : fs::path(base);
  RE2 re(glob_to_regex(rest), RE2::Quiet);
  bool below = rest == "**" || rest.ends_with("/**");  // "db/**": the .sql files below db
  // Without "**", the glob cannot match deeper than its segments.
  bool any_depth = rest.find("**") != std::string::npos;
  int max_depth = static_cast<int>(std::count(rest.begin(), rest.end(), '/'));
  auto shown = [&](const std::string& rel) {
    return base.empty() ? rel : base.ends_with("/") ? base + rel : base + "/" + rel;
  };
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code type_ec;
    bool dir = it->is_directory(type_ec);
    if (p.filename().string().starts_with(".")) {  // hidden files and directories, as in the shell
      if (dir) it.disable_recursion_pending();
      continue;
    }
    if (dir && !any_depth && it.depth() >= max_depth) it.disable_recursion_pending();
    std::string rel = p.lexically_relative(root).generic_string();
    if (!RE2::FullMatch(rel, re)) continue;
    if (below && (dir || !is_sql(p))) continue;  // the files below a directory match one by one
    out.push_back(shown(rel));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace migrasafe
