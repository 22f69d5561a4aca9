#pragma once
// Path spellings users type: a bare file name (`0001_a.sql`, whose parent_path()
// is empty), `./`, `../`, absolute, through symlinks. These helpers never throw.
#include <filesystem>

namespace migrasafe {

// The directory holding `file`: "." for a bare file name (never empty, so it
// can be made absolute or walked).
std::filesystem::path directory_of(const std::filesystem::path& file);

// The real, absolute path (symlinks resolved as far as the path exists), for
// telling whether two spellings name one file or directory. An empty path is
// the working directory.
std::filesystem::path real_path(const std::filesystem::path& p);

}  // namespace migrasafe
