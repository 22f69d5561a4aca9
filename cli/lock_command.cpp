// `lock`: every migration's SHA-256 in DIR/migrasafe.sum, so `check` reports later edits.
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "config/config.h"
#include "sources/discovery.h"
#include "sources/history.h"

namespace migrasafe::cli {
namespace {

// Writes migrasafe.sum for the migrations in `dir`.
int run_lock(std::string dir, const std::string& layout, const std::string& config_path) {
  if (dir.empty()) {
    try {
      auto paths = load_run_config(config_path).migration_paths();
      dir = paths.size() == 1 ? paths.front() : ".";
    } catch (const ConfigError& e) {
      std::cerr << "migrasafe: error: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::cerr << "migrasafe: error: " << dir << ": no such file or directory\n";
    return kExitInput;
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << "migrasafe: error: `lock` needs a directory of migrations, and `" << dir << "` is not one\n";
    return kExitUsage;
  }
  std::vector<InputError> errors;
  MigrationSet set = build_migration_set(discover({dir}, "", errors), forced_layout(layout));
  std::string error;
  auto text = sum_file_text(set, dir, error);
  if (!text) {
    std::cerr << "migrasafe: error: " << error << "\n";
    return kExitInput;
  }
  std::filesystem::path out = std::filesystem::path(dir) / kSumFileName;
  std::ofstream file(out, std::ios::binary);
  if (!(file << *text) || !file.flush()) return write_error(out.string(), errno ? errno : EIO);
  std::size_t n = static_cast<std::size_t>(std::count(text->begin(), text->end(), '\n')) - 1;
  std::cout << "wrote " << out.string() << " (" << n << " migration" << (n == 1 ? "" : "s") << ")\n";
  return kExitClean;
}

}  // namespace

void add_lock_command(CLI::App& app, std::vector<Command>& commands) {
  struct Args {
    std::string dir, layout = "auto", config;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "lock", "Record every migration's SHA-256 in DIR/migrasafe.sum, so `check` reports later edits to them");
  cmd->add_option("dir", a->dir,
                  "Directory of migrations (default: `migrations` of the configuration file when it names one "
                  "directory, else the current directory)");
  cmd->add_option("--layout", a->layout, "Migration-tool layout (default: detected)")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();
  cmd->add_option("--config", a->config, "Configuration file (default: the nearest .migrasafe.toml)");
  commands.push_back({cmd, [a] { return run_lock(a->dir, a->layout, a->config); }});
}

}  // namespace migrasafe::cli
