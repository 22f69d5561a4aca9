#pragma once
// The order in which independent pieces of work (migration sets, a set's groups) start.
#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace migrasafe {

// The indexes 0 to count - 1, the largest size_of(index) first, ties in
// index order: on two cores, the longest piece started first runs beside
// the shorter ones instead of after them.
template <class SizeOf>
std::vector<std::size_t> largest_first(std::size_t count, SizeOf size_of) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size_of(a) > size_of(b); });
  return order;
}

}  // namespace migrasafe
