#pragma once
// Sixteen bytes of text tested at once (GCC and Clang vector extensions: a
// few SIMD instructions, not a test per byte): statement summaries copy a
// word a block at a time up to the first byte that ends it.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace migrasafe {

inline constexpr std::size_t kByteBlock = 16;
using ByteBlock = unsigned char __attribute__((vector_size(kByteBlock)));

inline ByteBlock load_block(const char* p) {
  ByteBlock x;
  std::memcpy(&x, p, kByteBlock);
  return x;
}

// A comparison's result (each byte 0 or all ones) as one bit per byte, bit k
// for byte k.
template <class Marks>
unsigned block_bits(const Marks& marks) {
  static_assert(sizeof(Marks) == kByteBlock);
  std::uint64_t halves[2];
  std::memcpy(halves, &marks, kByteBlock);
  // The multiplication gathers the top bit of each byte of a half into its
  // top byte, the first byte's bit lowest.
  auto bits = [](std::uint64_t half) {
    if constexpr (std::endian::native == std::endian::big) half = __builtin_bswap64(half);
    return static_cast<unsigned>(((half & 0x8080808080808080u) * 0x0002040810204081u) >> 56);
  };
  return bits(halves[0]) | bits(halves[1]) << 8;
}

// The 16 bytes from `text[at]`, or the last fewer than 16 copied into
// `tail` (the text is not read past its end); `past_end`: the bits of the
// block's bytes that are not in the text.
struct TextBlock {
  const char* bytes;
  unsigned past_end;
};
inline TextBlock text_block(const char* text, std::size_t size, std::size_t at, char (&tail)[kByteBlock]) {
  const std::size_t left = size - at;
  if (left >= kByteBlock) return {text + at, 0};
  std::memcpy(tail, text + at, left);
  return {tail, ~0u << left};
}

}  // namespace migrasafe
