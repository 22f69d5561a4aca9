// `snapshot`: a live database's schema and table sizes into a snapshot file
// (snapshot/take.cpp, through libpq), for `check --snapshot`. Static builds
// have no libpq (Debian ships no static Kerberos and LDAP libraries for it):
// there `snapshot` and `verify` say so instead.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/verify_command.h"
#include "snapshot/snapshot.h"

namespace migrasafe::cli {
namespace {

#if !MIGRASAFE_WITH_LIBPQ
constexpr const char* kNoLibpq =
    "this binary was built without libpq (the static release build): use the Debian package or a source build "
    "for `verify` and `snapshot`";
#endif

int run_snapshot(const SnapshotRequest& request, std::string output) {
  if (output.empty()) output = ".migrasafe/snapshot.json";
  std::string error;
#if MIGRASAFE_WITH_LIBPQ
  std::optional<std::string> text = take_snapshot(request, error);
#else
  (void)request;
  std::optional<std::string> text;
  error = kNoLibpq;
#endif
  if (!text) {
    say_error("snapshot: " + error);
    return kExitInput;
  }
  std::filesystem::path dir = std::filesystem::path(output).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  // Written beside the target, then renamed: a failed run leaves the old snapshot whole.
  std::string partial = output + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << *text;
    out.close();
    if (!ec && (!out || std::rename(partial.c_str(), output.c_str()) != 0))
      ec = std::error_code(errno, std::generic_category());
  }
  if (ec) {
    std::remove(partial.c_str());
    say_error("cannot write " + output + ": " + ec.message());
    return kExitInput;
  }
  std::cout << "wrote " << output << "\n";
  return kExitClean;
}

}  // namespace

void add_snapshot_command(CLI::App& app, std::vector<Command>& commands) {
  auto request = std::make_shared<SnapshotRequest>();
  auto output = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "snapshot", "Read the schema and table sizes of a live database (read-only) into a snapshot file for --snapshot");
  cmd->add_option("--database", request->conninfo,
                  "Connection URL or key=value string (default: libpq's PGHOST, PGDATABASE, ... variables)");
  cmd->add_option("-o,--output", *output, "The snapshot file (default: .migrasafe/snapshot.json)");
  cmd->add_option("--exclude-schema", request->exclude_schemas, "Leave out this schema (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--tables", request->tables, "Only tables whose schema.name or name matches this pattern (* and ?)");
  commands.push_back({cmd, [request, output] { return run_snapshot(*request, *output); }});
}

void add_verify(CLI::App& app, std::vector<Command>& commands) {
#if MIGRASAFE_WITH_LIBPQ
  VerifyCommand verify = add_verify_command(app);
  commands.push_back({verify.command, verify.run});
#else
  CLI::App* cmd = app.add_subcommand("verify", "Run the migrations on a throwaway PostgreSQL (not in this build)");
  cmd->allow_extras();
  commands.push_back({cmd, [] {
                        say_error(std::string("verify: ") + kNoLibpq);
                        return kExitUsage;
                      }});
#endif
}

}  // namespace migrasafe::cli
