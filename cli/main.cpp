// migrasafe command line: argument wiring only. Each subcommand lives in its
// own file (cli/command.h lists them) and registers itself with one line
// below; the analysis itself is engine/'s LintSession.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/build_info.h"
#include "cli/command.h"
#include "cli/lsp.h"
#include "cli/man_page.h"
#include "parser/allocator.h"
#include "parser/parse.h"

using namespace migrasafe;
using namespace migrasafe::cli;

namespace {

// `--pg-version= x.sql`: CLI11 would take x.sql as the value. An option
// written with `=` and nothing after it is named here (options before `--`).
std::optional<std::string> option_with_empty_value(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--") && arg.find('=') == arg.size() - 1) return std::string(arg.substr(0, arg.size() - 1));
  }
  return std::nullopt;
}

// `--output ''` and the like: an option given an empty value (a flag takes
// none). nullopt if there is none.
std::optional<std::string> option_given_empty(const CLI::App& app) {
  for (const CLI::App* cmd : app.get_subcommands())
    for (const CLI::Option* o : cmd->get_options())
      if (!o->get_positional() && o->get_type_size() > 0 && o->count())
        for (const std::string& r : o->results())
          if (r.empty()) return o->get_name();
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migrasafe: static safety analysis for PostgreSQL migrations"};
  // Written when asked for (the allocator is probed).
  app.set_version_flag("-V,--version", [] {
    return std::string("migrasafe ") + MIGRASAFE_VERSION + "\ncommit " + build_commit() + "\nparses with the PostgreSQL " +
           std::to_string(grammar_version()) + " grammar (libpg_query)\nallocates with " + allocator_name();
  });
  app.require_subcommand(1);
  app.footer("Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, configuration or baseline-file error, "
             "3 unreadable input, 4 internal error.");

  // Each registration and the subcommands it adds (in --help's order).
  struct Registration {
    std::vector<std::string_view> names;
    void (*add)(CLI::App&, std::vector<Command>&);
  };
  const Registration registrations[] = {
      {{"check"}, add_check_command},
      {{"baseline"}, add_baseline_command},
      {{"explain"}, add_explain_command},
      {{"plan"}, add_plan_command},
      {{"sources"}, add_sources_command},
      {{"rules", "rule"}, add_rules_commands},
      {{"lock"}, add_lock_command},
      {{"install-hook"}, add_hook_command},
      {{"init"}, add_init_command},
      {{"snapshot"}, add_snapshot_command},
      {{"verify"}, add_verify},
      {{"lsp"}, [](CLI::App& parent, std::vector<Command>&) { add_lsp_command(parent); }},
  };
  // Building every subcommand's options costs over a third of checking a
  // small file: when the first argument names a subcommand, only its
  // registration runs. Anything else (--help, --version, man-page, a typo)
  // sees them all.
  const std::string_view first = argc > 1 ? argv[1] : "";
  const Registration* named = nullptr;
  for (const Registration& r : registrations)
    if (std::find(r.names.begin(), r.names.end(), first) != r.names.end()) named = &r;
  std::vector<Command> commands;
  for (const Registration& r : registrations)
    if (!named || named == &r) r.add(app, commands);
  if (!named) {
    // Not listed in --help (group ""): the build writes the installed manual page with it.
    CLI::App* man_cmd = app.add_subcommand("man-page", "Print the manual page (roff), generated from these help texts");
    man_cmd->group("");
    commands.push_back({man_cmd, [&app] {
                          std::cout << man_page(app, MIGRASAFE_VERSION);
                          return kExitClean;
                        }});
  }

  // stdout through a buffer that keeps write errors; put back (flushed) on the way out.
  struct StdoutGuard {
    std::streambuf* original = std::cout.rdbuf(&stdout_buffer());
    ~StdoutGuard() {
      std::cout.flush();
      std::cout.rdbuf(original);
    }
  } stdout_guard;
  if (auto option = option_with_empty_value(argc, argv)) {
    say_error(*option + "= has an empty value (write " + *option + "=VALUE)");
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    say_error(std::string(e.what()) + " (see `migrasafe --help`)");
    return kExitUsage;
  }
  if (auto option = option_given_empty(app)) {
    say_error(*option + " has an empty value");
    return kExitUsage;
  }
  try {
    for (const Command& command : commands) {
      if (!*command.app) continue;
      int status = command.run();
      return status == kExitUsage || stdout_written() ? status : kExitUsage;
    }
  } catch (const std::exception& e) {
    std::cerr << "migrasafe: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitUsage;
}
