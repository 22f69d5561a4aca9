#include "cli/command.h"

#include <cstring>
#include <iostream>

#include "reporters/reporters.h"

namespace migrasafe::cli {

FdStreamBuf& stdout_buffer() {
  static FdStreamBuf buffer(STDOUT_FILENO);
  return buffer;
}

void say_error(const std::string& text) { std::cerr << "migrasafe: error: " << text << "\n"; }

void say(const std::vector<RunMessage>& messages) {
  for (const RunMessage& m : messages) {
    std::cerr << "migrasafe: ";
    switch (m.level) {
      case RunMessage::Level::Info: break;
      case RunMessage::Level::Warning: std::cerr << "warning: "; break;
      case RunMessage::Level::Error: std::cerr << "error: "; break;
      case RunMessage::Level::InternalError: std::cerr << "internal error: "; break;
    }
    std::cerr << m.text << "\n";
  }
}

int write_error(const std::string& file, int error) {
  say_error("cannot write " + file + ": " + std::strerror(error));
  return kExitUsage;
}

bool stdout_written() {
  std::cout.flush();
  if (!stdout_buffer().error()) return true;
  write_error(kStdoutName, stdout_buffer().error());
  return false;
}

std::optional<Layout> forced_layout(const std::string& name) {
  return name == "auto" ? std::nullopt : parse_layout(name);
}

void print_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], count_code_points(r[c]));
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - count_code_points(r[c]) + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string count_of(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

}  // namespace migrasafe::cli
