#pragma once

// The varint length prefix every packed form here uses (entry header, packed
// list, PackedTable buckets): 7 bits a byte, low bits first.
#include <cstddef>
#include <cstdint>

namespace valkdb::varint {

inline size_t Size(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p; returns the byte after it.
inline char* Put(char* p, size_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Reads a varint the caller wrote itself (no bounds check); returns the byte after it.
inline const char* Get(const char* p, size_t* v) {
  size_t result = 0;
  int shift = 0;
  while (true) {
    const auto byte = static_cast<uint8_t>(*p++);
    result |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  *v = result;
  return p;
}

}  // namespace valkdb::varint
