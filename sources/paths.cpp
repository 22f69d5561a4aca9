#include "sources/paths.h"

namespace fs = std::filesystem;

namespace migrasafe {

fs::path directory_of(const fs::path& file) {
  fs::path dir = file.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

fs::path real_path(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p.empty() ? fs::path(".") : p, ec);
  if (ec) return p.lexically_normal();
  fs::path real = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : real;
}

std::string path_relative_to(const std::string& path, const fs::path& root) {
  fs::path abs = real_path(path);
  fs::path rel = abs.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return abs.generic_string();
  return rel.generic_string();
}

}  // namespace migrasafe
