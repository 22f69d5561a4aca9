#pragma once
// SHA-256 (FIPS 180-4), for finding fingerprints and migrasafe.sum.
#include <string>
#include <string_view>

namespace migrasafe {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace migrasafe
