#include "lsp/jsonrpc.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>

namespace migrasafe::lsp {

bool MessageReader::fill() {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {  // keep the buffer from growing without bound
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

bool MessageReader::wait(int timeout_ms) {
  if (start_ < buffer_.size()) return true;
  pollfd p{fd_, POLLIN, 0};
  int n;
  do n = ::poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

MessageReader::Frame MessageReader::read() {
  // The header: lines up to an empty line. Only Content-Length matters
  // (Content-Type, if sent, is always UTF-8 JSON in LSP).
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n", start_)) == std::string::npos) {
    if (buffer_.size() - start_ > 64 * 1024) {  // no header is this long: drop the noise, keep reading
      start_ = buffer_.size();
      return {Status::BadFrame, "", "a header longer than 64 KiB, dropped"};
    }
    if (!fill()) {
      bool partial = start_ < buffer_.size();
      start_ = buffer_.size();  // reported once: the next read is the end of the input (it looped, found by lsp_fuzz)
      return {partial ? Status::BadFrame : Status::EndOfInput, "", "input ended inside a header"};
    }
  }
  std::string_view header(buffer_.data() + start_, header_end - start_);
  start_ = header_end + 4;
  std::optional<std::size_t> length;
  for (std::size_t pos = 0; pos <= header.size();) {
    std::size_t eol = std::min(header.find("\r\n", pos), header.size());
    std::string_view line = header.substr(pos, eol - pos);
    pos = eol + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    bool is_length = name.size() == 14;
    for (std::size_t i = 0; is_length && i < name.size(); ++i)
      is_length = std::tolower(static_cast<unsigned char>(name[i])) == "content-length"[i];
    if (!is_length) continue;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && end == value.data() + value.size()) length = n;
  }
  if (!length) return {Status::BadFrame, "", "a message header without a valid Content-Length"};
  bool too_large = *length > max_body_;
  std::size_t remaining = *length;
  std::string body;
  while (true) {
    std::size_t take = std::min(remaining, buffer_.size() - start_);
    if (!too_large) body.append(buffer_, start_, take);
    start_ += take;
    remaining -= take;
    if (remaining == 0) break;
    if (!fill()) return {Status::EndOfInput, "", ""};
  }
  if (too_large)
    return {Status::BadFrame, "", "a message of " + std::to_string(*length) + " bytes, more than the " +
                                      std::to_string(max_body_ >> 20) + " MiB limit, dropped"};
  return {Status::Message, std::move(body), ""};
}

bool MessageWriter::write(const nlohmann::json& message) {
  // Messages quote the user's SQL: anything not UTF-8 is replaced, never thrown on.
  std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t done = 0; done < frame.size();) {
    ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace migrasafe::lsp
