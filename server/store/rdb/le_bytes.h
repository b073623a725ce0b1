#pragma once

// Little-endian loads and stores shared by the RDB codec's formats.

#include <cstddef>
#include <cstdint>
#include <string>

namespace valkdb::rdb {

inline uint64_t LoadLe(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

inline void StoreLe(uint64_t v, size_t n, std::string* out) {
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The low `bits` bits of `v` as a two's complement number.
inline int64_t SignExtend(uint64_t v, unsigned bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>(((v & ((sign << 1) - 1)) ^ sign) - sign);
}

}  // namespace valkdb::rdb
