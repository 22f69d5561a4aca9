// `install-hook`: a git pre-commit hook that runs `check --staged`.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/hook.h"
#include "config/config.h"
#include "sources/discovery.h"
#include "sources/git.h"

namespace migrasafe::cli {
namespace {

int run_install_hook(HookRequest request) {
  std::error_code ec;
  request.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) request.binary = "migrasafe";
  // A hook over paths that name nothing would fail every commit: check them first.
  if (std::count(request.paths.begin(), request.paths.end(), "-")) {
    std::cerr << "migrasafe: error: install-hook: the hook checks files, not stdin (`-`)\n";
    return kExitUsage;
  }
  std::string error;
  if (!repository_root(error)) {
    std::cerr << "migrasafe: error: install-hook: " << error << "\n";
    return kExitUsage;
  }
  std::vector<InputError> missing;
  discover(request.paths, "", missing);
  for (const InputError& e : missing) std::cerr << "migrasafe: error: " << e.path << ": " << e.message << "\n";
  if (!missing.empty()) {
    std::cerr << "migrasafe: error: install-hook: no hook written\n";
    return kExitInput;
  }
  std::string written;
  try {
    if (!install_hook(request, written, error)) {
      std::cerr << "migrasafe: error: install-hook: " << error << "\n";
      return kExitUsage;
    }
  } catch (const ConfigError& e) {
    std::cerr << "migrasafe: error: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << "wrote " << written << ": `git commit` now runs `migrasafe check --staged`\n";
  return kExitClean;
}

}  // namespace

void add_hook_command(CLI::App& app, std::vector<Command>& commands) {
  auto request = std::make_shared<HookRequest>();
  CLI::App* cmd = app.add_subcommand(
      "install-hook", "Write a git pre-commit hook (.git/hooks/pre-commit, or core.hooksPath) that runs `migrasafe "
                      "check --staged`");
  cmd->add_option("paths", request->paths,
                  "Migration files, directories or globs the hook checks (default: `migrations` of the "
                  ".migrasafe.toml at the repository root)");
  cmd->add_flag("--force", request->force, "Replace an existing pre-commit hook that migrasafe did not write");
  commands.push_back({cmd, [request] { return run_install_hook(*request); }});
}

}  // namespace migrasafe::cli
