#include "cli/hook.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/baseline.h"
#include "config/config.h"
#include "sources/git.h"
#include "sources/paths.h"

namespace fs = std::filesystem;

namespace migrasafe {
namespace {

// Single-quoted for /bin/sh.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool is_ours(const fs::path& hook) {
  std::ifstream in(hook, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find(kHookMarker) != std::string::npos;
}

}  // namespace

std::string hook_script(const std::string& binary, const std::vector<std::string>& root_relative_paths) {
  std::string args;
  for (const std::string& p : root_relative_paths) args += " " + sh_quote(p);
  return "#!/bin/sh\n" + std::string(kHookMarker) +
         "\n"
         "# Checks the migrations staged for commit; the whole history is replayed for context.\n"
         "# Skip it once with `git commit --no-verify`; reinstall with `migrasafe install-hook --force`.\n"
         "# git runs hooks from the top of the working tree, so the paths are relative to it.\n"
         "migrasafe=" + sh_quote(binary) +
         "\n"
         "if [ ! -x \"$migrasafe\" ]; then migrasafe=migrasafe; fi\n"
         "exec \"$migrasafe\" check --staged" + args + "\n";
}

bool install_hook(const HookRequest& request, std::string& written, std::string& error) {
  auto root = repository_root(error);
  if (!root) return false;
  auto hooks = hooks_directory(error);
  if (!hooks) return false;
  std::vector<std::string> paths;
  for (const std::string& p : request.paths) paths.push_back(path_relative_to(p, *root));
  if (paths.empty()) {
    // The hook runs at the root: it needs `migrations` in a .migrasafe.toml found from there.
    auto config = find_config(*root);
    if (!config || load_config(*config).migrations.empty()) {
      error = "give the migration paths (`migrasafe install-hook db/migrations`), or set `migrations` in " +
              (*root / kConfigFileName).string();
      return false;
    }
  }
  fs::path hook = *hooks / "pre-commit";
  std::error_code ec;
  if (fs::exists(hook, ec) && !is_ours(hook) && !request.force) {
    error = hook.string() + " already exists and was not written by migrasafe (use --force to replace it, or call "
            "`migrasafe check --staged` from it)";
    return false;
  }
  fs::create_directories(*hooks, ec);
  std::ofstream out(hook, std::ios::binary | std::ios::trunc);
  out << hook_script(request.binary, paths);
  out.close();
  if (!out) {
    error = "cannot write " + hook.string();
    return false;
  }
  fs::permissions(hook, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec, ec);
  written = hook.string();
  return true;
}

}  // namespace migrasafe
