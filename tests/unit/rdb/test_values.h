#pragma once

// Values and hex helpers shared by the RDB unit tests.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/store/rdb/rdb_value.h"

namespace valkdb::rdb::test {

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

inline std::string Unhex(std::string_view hex) {
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline Value Str(std::string s) {
  Value v;
  v.string = std::move(s);
  return v;
}

inline Value Items(Kind kind, std::vector<std::string> items) {
  Value v;
  v.kind = kind;
  v.items = std::move(items);
  return v;
}

inline Value ZSet(std::vector<std::pair<std::string, double>> members) {
  Value v;
  v.kind = Kind::kZSet;
  v.zset = std::move(members);
  return v;
}

// Order-insensitive comparison where Redis's order is not defined.
inline bool SameContents(Value a, Value b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::kHash) {
    std::vector<std::pair<std::string, std::string>> pa, pb;
    for (size_t i = 0; i + 1 < a.items.size(); i += 2) pa.emplace_back(a.items[i], a.items[i + 1]);
    for (size_t i = 0; i + 1 < b.items.size(); i += 2) pb.emplace_back(b.items[i], b.items[i + 1]);
    std::sort(pa.begin(), pa.end());
    std::sort(pb.begin(), pb.end());
    return pa == pb && a.items.size() == b.items.size();
  }
  if (a.kind == Kind::kSet) {
    std::sort(a.items.begin(), a.items.end());
    std::sort(b.items.begin(), b.items.end());
  }
  std::sort(a.zset.begin(), a.zset.end());
  std::sort(b.zset.begin(), b.zset.end());
  return a.string == b.string && a.items == b.items && a.zset == b.zset;
}

}  // namespace valkdb::rdb::test
