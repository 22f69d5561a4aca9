#pragma once
// Where reports go: standard output or a file, written with write(2) so that
// a failed write (a full disk, /dev/full, a closed pipe) keeps its reason for
// the error message; a lost report is an error, never silent.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <streambuf>

namespace migrasafe {

class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;
  // errno of the first write that failed (0: none so far).
  int error() const { return error_; }
  int fd() const { return fd_; }

 protected:
  int overflow(int c) override {
    if (!drain()) return traits_type::eof();
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
    return c;
  }
  int sync() override { return drain() ? 0 : -1; }
  // A block larger than the buffer (a report's writer hands over megabytes
  // at a time) goes to the file as it is, not copied through the buffer.
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const auto size = static_cast<std::size_t>(n);
    if (size > static_cast<std::size_t>(epptr() - pptr()) && (!drain() || size >= sizeof buffer_))
      return write_all(s, size) ? n : 0;
    std::memcpy(pptr(), s, size);
    pbump(static_cast<int>(n));
    return n;
  }

 private:
  bool write_all(const char* p, std::size_t size) {
    for (const char* end = p + size; !error_ && p < end;) {
      ssize_t n = ::write(fd_, p, static_cast<std::size_t>(end - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) error_ = n < 0 ? errno : EIO;
      else p += n;
    }
    return !error_;
  }
  bool drain() {
    write_all(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    setp(buffer_, buffer_ + sizeof buffer_);  // after a failure the rest is dropped: the write is reported failed
    return !error_;
  }
  int fd_;
  int error_ = 0;
  char buffer_[65536];
};

}  // namespace migrasafe
