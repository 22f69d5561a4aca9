#include "cli/lsp.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "lsp/server.h"

namespace migrasafe {
namespace {

int run_lsp(lsp::ServerOptions options) {
  // The protocol owns the real stdout; anything else printed there by
  // mistake goes to stderr instead of corrupting the message stream.
  int protocol_out = ::dup(STDOUT_FILENO);
  if (protocol_out < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::cerr << "migrasafe: error: lsp: cannot set up stdout\n";
    return 1;
  }
  // A large stack (address space only), as `check` uses: deeply nested
  // statements in a buffer must not overflow the recursive tree walks.
  struct Job {
    lsp::ServerOptions options;
    int out;
    int status = 1;
  } job{options, protocol_out};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256u << 20);
  pthread_t thread;
  auto body = [](void* p) -> void* {
    Job& j = *static_cast<Job*>(p);
    j.status = lsp::serve(STDIN_FILENO, j.out, j.options);
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, &job) == 0) pthread_join(thread, nullptr);
  else body(&job);
  pthread_attr_destroy(&attr);
  return job.status;
}

}  // namespace

void add_lsp_command(CLI::App& app) {
  auto options = std::make_shared<lsp::ServerOptions>();
  auto stdio = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "lsp", "Run the language server (Language Server Protocol over stdin/stdout) for editors: findings as you type, "
             "hover with each statement's locks, quick fixes");
  cmd->footer("Exit codes: 0 after the client's `shutdown` and `exit`; 1 when the input ends or `exit` comes without "
              "`shutdown` (as the protocol specifies); 2 usage error.");
  cmd->add_option("--debounce-ms", options->debounce_ms,
                  "Lint a changed buffer once the editor has been quiet this long")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  cmd->add_flag("--stdio", *stdio, "Talk over stdin/stdout (the only transport; accepted because clients pass it)");
  cmd->callback([options, stdio] {
    int status = run_lsp(*options);
    std::cout.flush();
    std::exit(status);
  });
}

}  // namespace migrasafe
