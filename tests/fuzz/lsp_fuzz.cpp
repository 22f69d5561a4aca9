// libFuzzer target: the language server's message loop (lsp::serve, the
// entry point `migrasafe lsp` runs) on one client session. Each input line is
// a message body, framed with its Content-Length; an input that starts with
// `Content-Length:` is sent as it is (framing errors included). The session
// ends at the end of the input, with or without shutdown and exit.
//
// Documents live in a fixed workspace, kWorkspace (db/ holds two migrations):
// a `file:` URI anywhere else, or one that could leave it (`..`, `%`), is not
// run, so the server never walks the machine's directories.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/server.h"

namespace {

constexpr std::string_view kWorkspace = "/tmp/migrasafe-lsp-fuzz/";
constexpr std::string_view kWorkspaceUri = "file:///tmp/migrasafe-lsp-fuzz/";

void make_workspace() {
  namespace fs = std::filesystem;
  fs::create_directories(std::string(kWorkspace) + "db");
  std::ofstream(std::string(kWorkspace) + "db/001_create.sql") << "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n";
  std::ofstream(std::string(kWorkspace) + "db/002_index.sql") << "CREATE INDEX orders_note ON orders (note);\n";
}

// Every string in the message that names a local file stays in the workspace.
bool stays_in_workspace(const nlohmann::json& message) {
  std::vector<const nlohmann::json*> todo{&message};
  while (!todo.empty()) {
    const nlohmann::json* j = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      const std::string& s = j->get_ref<const std::string&>();
      if (s.find("file:") != std::string::npos &&
          (!s.starts_with(kWorkspaceUri) || s.find("..") != std::string::npos || s.find('%') != std::string::npos))
        return false;
    }
    if (j->is_structured())
      for (const auto& child : *j) todo.push_back(&child);
  }
  return true;
}

// The bytes the client sends, or nothing when the input leaves the workspace.
std::optional<std::string> client_stream(std::string_view input) {
  if (input.starts_with("Content-Length:")) {
    // Raw framing: checked as a whole, the bodies cannot be told apart.
    if (input.find("file:") != std::string_view::npos) return std::nullopt;
    return std::string(input);
  }
  std::string out;
  while (!input.empty()) {
    std::size_t nl = input.find('\n');
    std::string_view body = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (!parsed.is_discarded() && !stays_in_workspace(parsed)) return std::nullopt;
    if (parsed.is_discarded() && body.find("file:") != std::string_view::npos) return std::nullopt;
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_workspace();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto stream = client_stream(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!stream) return 0;
  // The stream from memory (a memfd reads like a pipe whose writer has closed), the answers to /dev/null.
  static const int sink = open("/dev/null", O_WRONLY | O_CLOEXEC);
  int in = memfd_create("lsp-fuzz-input", MFD_CLOEXEC);
  if (in < 0 || write(in, stream->data(), stream->size()) != static_cast<ssize_t>(stream->size())) __builtin_trap();
  lseek(in, 0, SEEK_SET);
  int code = migrasafe::lsp::serve(in, sink, {.debounce_ms = 0});
  close(in);
  if (code != 0 && code != 1) __builtin_trap();
  return 0;
}
