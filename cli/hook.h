#pragma once
// `migrasafe install-hook`: a plain git pre-commit hook that runs
// `migrasafe check --staged`, written where git looks for hooks
// (core.hooksPath honoured), from any directory of the working tree.
#include <string>
#include <vector>

namespace migrasafe {

// The marker line that says a hook is ours (so it may be replaced).
inline constexpr const char* kHookMarker = "# installed by `migrasafe install-hook`";

struct HookRequest {
  std::vector<std::string> paths;  // as given (relative to the working directory); empty: the config's
  std::string binary;              // absolute path of the running migrasafe
  bool force = false;              // replace a hook that is not ours
};

// The hook script: runs `binary` (or `migrasafe` from PATH when it is gone)
// with `check --staged` and `paths` (relative to the repository root).
std::string hook_script(const std::string& binary, const std::vector<std::string>& root_relative_paths);

// Writes the hook; false with `error` set (and `written` untouched) when not
// in a repository, a foreign hook exists without `force`, or writing fails.
bool install_hook(const HookRequest& request, std::string& written, std::string& error);

}  // namespace migrasafe
