#pragma once
// JSON-RPC 2.0 over a byte stream with LSP's base protocol framing
// (`Content-Length: N\r\n\r\n` then N bytes of JSON).
#include <cstddef>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace migrasafe::lsp {

// JSON-RPC and LSP error codes.
namespace error_code {
constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602,
              kInternalError = -32603, kServerNotInitialized = -32002, kRequestCancelled = -32800;
}

class MessageReader {
 public:
  // A message body larger than this is read and dropped (a 50 MB buffer,
  // JSON-escaped, fits).
  static constexpr std::size_t kMaxBody = 512u << 20;

  explicit MessageReader(int fd, std::size_t max_body = kMaxBody) : fd_(fd), max_body_(max_body) {}

  enum class Status { Message, EndOfInput, BadFrame };
  struct Frame {
    Status status;
    std::string body;   // Message: the JSON text
    std::string error;  // BadFrame: what was wrong (the stream is resynchronised after it)
  };
  // Blocks until a whole frame, a framing error or the end of the input.
  Frame read();
  // Waits up to `timeout_ms` for input; true when some is ready (buffered or on the descriptor).
  bool wait(int timeout_ms);

 private:
  bool fill();  // reads more bytes into buffer_; false at end of input
  int fd_;
  std::size_t max_body_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unread byte of buffer_
};

// Writes framed messages; safe to call from several threads.
class MessageWriter {
 public:
  explicit MessageWriter(int fd) : fd_(fd) {}
  // False when the output is closed.
  bool write(const nlohmann::json& message);

 private:
  int fd_;
  std::mutex mutex_;
};

}  // namespace migrasafe::lsp
