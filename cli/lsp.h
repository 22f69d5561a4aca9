#pragma once
// `migrasafe lsp`: the language server (lsp/) as a subcommand.
namespace CLI {
class App;
}

namespace migrasafe {

// Adds the `lsp` subcommand to `app`; when it is given, the server runs and
// the process exits with the server's exit code.
void add_lsp_command(CLI::App& app);

}  // namespace migrasafe
