// `init`: a commented starter .migrasafe.toml in the current directory.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "config/config.h"

namespace migrasafe::cli {

void add_init_command(CLI::App& app, std::vector<Command>& commands) {
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("init", "Write a commented starter .migrasafe.toml in the current directory");
  cmd->add_flag("--force", *force, "Overwrite an existing .migrasafe.toml");
  commands.push_back({cmd, [force] {
                        std::string error;
                        if (!write_starter_config(".", *force, error)) {
                          say_error(error);
                          return kExitUsage;
                        }
                        std::cout << "wrote " << kConfigFileName << "\n";
                        return kExitClean;
                      }});
}

}  // namespace migrasafe::cli
