#pragma once
#include <atomic>
#include <cstddef>
#include <memory>

namespace migrasafe {

// Whether `holder` is the only owner of its object, which it may then change
// in place. Another thread may have held a copy until just now (the
// pipeline analyses a down script beside its set's next replays, on a copy
// of the schema): use_count() reads the count without ordering, so the
// fence pairs with the release in that thread's decrement, and its reads of
// the object happen before our writes to it.
template <class T>
bool sole_owner(const std::shared_ptr<T>& holder) {
  if (holder.use_count() > 1) return false;
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}

// A container shared by the copies of the record that holds it until one of
// them changes it. A table's record is copied at its first change after the
// history or the schema change log took it, and a change touches one of its
// lists at most (an index added, a column's default), so the others stay
// shared instead of being copied node by node. Reads look like the
// container's own; write() gives the container to change, copied first when
// another record shares it (iterators from before a write() do not see it).
template <class Container>
class CopyOnWrite {
 public:
  using value_type = typename Container::value_type;
  using const_iterator = typename Container::const_iterator;

  const Container& get() const { return data_ ? *data_ : empty_container(); }
  const_iterator begin() const { return get().begin(); }
  const_iterator end() const { return get().end(); }
  std::size_t size() const { return data_ ? data_->size() : 0; }
  bool empty() const { return !data_ || data_->empty(); }
  template <class Key>
  std::size_t count(const Key& key) const { return data_ ? data_->count(key) : 0; }
  template <class Key>
  const_iterator find(const Key& key) const { return get().find(key); }
  // Both hold the same container: equal without reading it.
  bool shares_with(const CopyOnWrite& other) const { return data_ == other.data_; }
  bool operator==(const CopyOnWrite& other) const { return shares_with(other) || get() == other.get(); }

  Container& write() {
    if (!data_) data_ = std::make_shared<Container>();
    else if (!sole_owner(data_)) data_ = std::make_shared<Container>(*data_);
    return *data_;
  }

 private:
  static const Container& empty_container() {
    static const Container kEmpty;
    return kEmpty;
  }
  std::shared_ptr<Container> data_;  // null while empty and never written
};

}  // namespace migrasafe
