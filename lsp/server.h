#pragma once
// `migrasafe lsp`: a Language Server Protocol 3.17 server over a pair of
// file descriptors (stdin/stdout for the command).
namespace migrasafe::lsp {

struct ServerOptions {
  // Diagnostics for a changed buffer wait until the client has been quiet
  // this long, so a burst of keystrokes is linted once.
  int debounce_ms = 50;
};

// Serves until the client's `exit` notification or the end of the input.
// Returns the exit code the protocol asks for: 0 after `shutdown` then
// `exit`, 1 otherwise.
int serve(int in_fd, int out_fd, ServerOptions options = {});

}  // namespace migrasafe::lsp
