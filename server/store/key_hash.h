#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"
#include "protocol/str_util.h"

namespace valkdb {

// The hash of a key's bytes: one definition for every table keyed by key,
// so the same key hashes alike wherever it is looked up.
inline size_t HashKey(std::string_view key) { return absl::HashOf(ToAbsl(key)); }
// The same with a seed, for a choice that must not follow the tables' slots
// (which shard a key lives in).
inline size_t HashKey(std::string_view key, uint64_t seed) {
  return absl::HashOf(ToAbsl(key), seed);
}

// For hash tables of keys. Transparent: a table of owned keys (std::string,
// Bytes) is searched with a string_view, without a copy.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return HashKey(key); }
};

// For tables of (db, key): a lookup by (db, string_view) needs no copy of the
// key. A std::pair<int, std::string> converts to the view form.
using DbKeyView = std::pair<int, std::string_view>;
struct DbKeyHash {
  using is_transparent = void;
  size_t operator()(DbKeyView key) const { return absl::HashOf(key.first, ToAbsl(key.second)); }
};
struct DbKeyEq {
  using is_transparent = void;
  bool operator()(DbKeyView a, DbKeyView b) const { return a == b; }
};

}  // namespace valkdb
