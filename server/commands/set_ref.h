#pragma once

// Read access to a set of either encoding (inline intset or PackedTable), for
// the set family and for sorted-set commands that take sets as inputs
// (ZUNION, ZINTER, ZDIFF count each member with score 1).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/entry.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed_table.h"

namespace valkdb {

inline uint64_t& Rng() {
  thread_local uint64_t rng = 0x2545F4914F6CDD1DULL ^ reinterpret_cast<uintptr_t>(&rng);
  return rng;
}

// An intset member as text, in a caller's buffer.
inline std::string_view IntText(int64_t value, char (&buf)[24]) {
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return {buf, static_cast<size_t>(end - buf)};
}

// Read access to a set of either encoding: inline intset bytes or a table.
class SetRef {
 public:
  SetRef(std::string_view intset, const PackedTable* table) : intset_(intset), table_(table) {}
  explicit SetRef(const Entry* entry)
      : SetRef(entry->is_table() ? std::string_view() : entry->value_view(),
               entry->is_table() ? entry->table() : nullptr) {}

  size_t Size() const { return table_ != nullptr ? table_->size() : intset::Count(intset_); }
  bool Contains(std::string_view member) const {
    if (table_ != nullptr) return table_->Contains(member);
    const std::optional<int64_t> value = intset::ParseMember(member);
    return value && intset::Contains(intset_, *value);
  }
  template <class Fn>
  void ForEach(Fn fn) const {
    if (table_ != nullptr) {
      table_->ForEach([&](std::string_view member, std::string_view) { fn(member); });
      return;
    }
    char buf[24];
    const size_t count = intset::Count(intset_);
    for (size_t i = 0; i < count; ++i) fn(IntText(intset::Get(intset_, i), buf));
  }
  // A member picked at random (the set must not be empty).
  std::string Random() const {
    if (table_ != nullptr) return std::string(table_->Random(&Rng()).first);
    char buf[24];
    return std::string(IntText(intset::Get(intset_, NextRandom(&Rng()) % Size()), buf));
  }
  // Every member, copied out, in iteration order.
  std::vector<std::string> Members() const {
    std::vector<std::string> members;
    members.reserve(Size());
    ForEach([&](std::string_view m) { members.emplace_back(m); });
    return members;
  }

 private:
  std::string_view intset_;
  const PackedTable* table_;
};

}  // namespace valkdb
