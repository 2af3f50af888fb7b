// A small sorted-vector map with the subset of the std::map interface the engine uses. Keeps an
// account's few positions, wallets and orders contiguous (one cache line walk instead of a tree).
// Unlike std::map, insert and erase invalidate references and iterators into the same map.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace engine::internal {

template <typename Key, typename Value>
class FlatMap {
 public:
  using value_type = std::pair<Key, Value>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }

  iterator find(const Key& key) {
    const iterator it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  const_iterator find(const Key& key) const {
    const auto it = std::lower_bound(items_.begin(), items_.end(), key, Less);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  size_t count(const Key& key) const { return find(key) != end() ? 1 : 0; }
  Value& at(const Key& key) {
    const iterator it = find(key);
    BACKSTOP_ASSERT(it != items_.end(), key);
    return it->second;
  }
  const Value& at(const Key& key) const {
    const const_iterator it = find(key);
    BACKSTOP_ASSERT(it != items_.end(), key);
    return it->second;
  }
  std::pair<iterator, bool> try_emplace(const Key& key) {
    const iterator it = LowerBound(key);
    if (it != items_.end() && it->first == key) return {it, false};
    return {items_.emplace(it, key, Value{}), true};
  }
  std::pair<iterator, bool> emplace(const Key& key, const Value& value) {
    auto [it, inserted] = try_emplace(key);
    if (inserted) it->second = value;
    return {it, inserted};
  }
  Value& operator[](const Key& key) { return try_emplace(key).first->second; }
  iterator erase(iterator it) { return items_.erase(it); }
  size_t erase(const Key& key) {
    const iterator it = find(key);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }

 private:
  static bool Less(const value_type& item, const Key& key) { return item.first < key; }
  iterator LowerBound(const Key& key) {
    return std::lower_bound(items_.begin(), items_.end(), key, Less);
  }
  std::vector<value_type> items_;
};

}  // namespace engine::internal
