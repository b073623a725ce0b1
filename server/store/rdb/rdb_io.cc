#include "server/store/rdb/rdb_io.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/store/rdb/le_bytes.h"
#include "server/store/rdb/lzf_codec.h"
#include "server/store/types/intset.h"

namespace valkdb::rdb {
namespace {

constexpr unsigned char kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;

// LZF expands at most ~88x (a 3-byte back reference yields 264 bytes); a
// larger claimed size is corrupt and must not drive an allocation.
constexpr uint64_t kLzfMaxRatio = 90;

uint64_t GetLe(std::string_view b) {
  return LoadLe(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}

absl::Status Truncated() { return absl::InvalidArgumentError("unexpected end of RDB data"); }

}  // namespace

void SaveLen(uint64_t len, std::string* out) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    const int n = len <= UINT32_MAX ? 4 : 8;
    out->push_back(static_cast<char>(n == 4 ? 0x80 : 0x81));
    for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>(len >> (8 * i)));
  }
}

void SaveString(std::string_view s, bool compress, std::string* out) {
  if (s.size() <= 11) {
    if (auto v = intset::ParseMember(s); v && *v >= INT32_MIN && *v <= INT32_MAX) {
      const int n = (*v >= INT8_MIN && *v <= INT8_MAX)     ? 1
                    : (*v >= INT16_MIN && *v <= INT16_MAX) ? 2
                                                           : 4;
      out->push_back(static_cast<char>(0xC0 | (n == 1   ? kEncInt8
                                               : n == 2 ? kEncInt16
                                                        : kEncInt32)));
      StoreLe(static_cast<uint64_t>(*v), n, out);
      return;
    }
  }
  if (compress && s.size() > 20) {
    std::string packed;
    if (LzfCompress(s, s.size() - 4, &packed) > 0) {
      out->push_back(static_cast<char>(0xC0 | kEncLzf));
      SaveLen(packed.size(), out);
      SaveLen(s.size(), out);
      out->append(packed);
      return;
    }
  }
  SaveLen(s.size(), out);
  out->append(s);
}

void SaveBinaryDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  StoreLe(bits, 8, out);
}

void SaveStringDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->push_back(static_cast<char>(253));
  } else if (std::isinf(v)) {
    out->push_back(static_cast<char>(v < 0 ? 255 : 254));
  } else {
    int64_t n;
    char buf[128];
    const int len = DoubleToInt64(v, &n)
                        ? std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n))
                        : std::snprintf(buf, sizeof buf, "%.17g", v);
    out->push_back(static_cast<char>(len));
    out->append(buf, static_cast<size_t>(len));
  }
}

void SaveMillis(int64_t ms, std::string* out) { StoreLe(static_cast<uint64_t>(ms), 8, out); }

bool DoubleToInt64(double v, int64_t* out) {
  if (!(v >= static_cast<double>(-LLONG_MAX / 2) && v <= static_cast<double>(LLONG_MAX / 2))) {
    return false;
  }
  const auto n = static_cast<int64_t>(v);
  if (static_cast<double>(n) != v) return false;
  *out = n;
  return true;
}

std::string FormatScore(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  if (int64_t n; DoubleToInt64(v, &n)) return absl::StrCat(n);
  char buf[64];
  const int len = std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf, static_cast<size_t>(len));
}

absl::StatusOr<uint8_t> RdbReader::ReadByte() {
  if (in_.empty()) return Truncated();
  const auto b = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return b;
}

absl::StatusOr<std::string_view> RdbReader::ReadBytes(size_t n) {
  if (in_.size() < n) return Truncated();
  std::string_view b = in_.substr(0, n);
  in_.remove_prefix(n);
  return b;
}

absl::StatusOr<uint64_t> RdbReader::ReadLenOrEncoding(bool* encoded) {
  *encoded = false;
  auto first = ReadByte();
  if (!first.ok()) return first.status();
  const uint8_t b = *first;
  switch (b >> 6) {
    case 0:
      return b & 0x3F;
    case 1: {
      auto next = ReadByte();
      if (!next.ok()) return next.status();
      return (uint64_t{b & 0x3Fu} << 8) | *next;
    }
    case 3:
      *encoded = true;
      return b & 0x3F;
    default:
      break;
  }
  if (b != 0x80 && b != 0x81) {
    return absl::InvalidArgumentError(absl::StrCat("unknown length encoding ", b));
  }
  auto raw = ReadBytes(b == 0x80 ? 4 : 8);
  if (!raw.ok()) return raw.status();
  uint64_t v = 0;
  for (unsigned char c : *raw) v = (v << 8) | c;
  return v;
}

absl::StatusOr<uint64_t> RdbReader::ReadLen() {
  bool encoded;
  auto len = ReadLenOrEncoding(&encoded);
  if (len.ok() && encoded) return absl::InvalidArgumentError("unexpected encoded length");
  return len;
}

absl::StatusOr<std::string> RdbReader::ReadString() {
  bool encoded;
  auto len = ReadLenOrEncoding(&encoded);
  if (!len.ok()) return len.status();
  if (!encoded) {
    auto bytes = ReadBytes(*len);
    if (!bytes.ok()) return bytes.status();
    return std::string(*bytes);
  }
  if (*len <= kEncInt32) {
    const int n = *len == kEncInt8 ? 1 : *len == kEncInt16 ? 2 : 4;
    auto bytes = ReadBytes(static_cast<size_t>(n));
    if (!bytes.ok()) return bytes.status();
    return absl::StrCat(SignExtend(GetLe(*bytes), static_cast<unsigned>(8 * n)));
  }
  if (*len != kEncLzf) {
    return absl::InvalidArgumentError(absl::StrCat("unknown RDB string encoding ", *len));
  }
  auto clen = ReadLen();
  if (!clen.ok()) return clen.status();
  auto ulen = ReadLen();
  if (!ulen.ok()) return ulen.status();
  if (*clen > remaining()) return Truncated();
  if (*ulen > *clen * kLzfMaxRatio) return absl::InvalidArgumentError("invalid LZF lengths");
  auto packed = ReadBytes(*clen);
  if (!packed.ok()) return packed.status();
  std::string out;
  if (absl::Status s = LzfDecompress(*packed, *ulen, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<double> RdbReader::ReadBinaryDouble() {
  auto bytes = ReadBytes(8);
  if (!bytes.ok()) return bytes.status();
  const uint64_t bits = GetLe(*bytes);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

absl::StatusOr<double> RdbReader::ReadStringDouble() {
  auto len = ReadByte();
  if (!len.ok()) return len.status();
  switch (*len) {
    case 255:
      return -HUGE_VAL;
    case 254:
      return HUGE_VAL;
    case 253:
      return std::nan("");
    default:
      break;
  }
  auto bytes = ReadBytes(*len);
  if (!bytes.ok()) return bytes.status();
  // Redis parses with sscanf("%lg"): leading space and trailing junk pass.
  const std::string text(*bytes);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return absl::InvalidArgumentError("invalid double value");
  return v;
}

absl::StatusOr<int64_t> RdbReader::ReadMillis() {
  auto bytes = ReadBytes(8);
  if (!bytes.ok()) return bytes.status();
  return static_cast<int64_t>(GetLe(*bytes));
}

}  // namespace valkdb::rdb
