#pragma once

// The RDB format's primitives (Redis 7.0 rdb.c): lengths, strings (with their
// integer and LZF forms), doubles and millisecond times. Writers append to a
// std::string; RdbReader consumes untrusted bytes and fails instead of
// reading past them or allocating more than they could describe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace valkdb::rdb {

inline constexpr int kRdbVersion = 10;  // Redis 7.0

// RDB object types (rdb.h).
enum RdbType : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
};

// rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian forms.
void SaveLen(uint64_t len, std::string* out);
// rdbSaveRawString: an int8/16/32 form for a canonical integer of up to 11
// characters, else LZF when `compress`, longer than 20 bytes and it saves at
// least 4 bytes, else length + bytes.
void SaveString(std::string_view s, bool compress, std::string* out);
// rdbSaveBinaryDoubleValue: 8 bytes, IEEE 754 little-endian.
void SaveBinaryDouble(double v, std::string* out);
// rdbSaveDoubleValue (RDB type 3's scores): a length byte then "%.17g" text;
// 253 = nan, 254 = +inf, 255 = -inf.
void SaveStringDouble(double v, std::string* out);
// rdbSaveMillisecondTime: 8 bytes little-endian.
void SaveMillis(int64_t ms, std::string* out);

class RdbReader {
 public:
  explicit RdbReader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size(); }
  std::string_view rest() const { return in_; }

  absl::StatusOr<uint8_t> ReadByte();
  absl::StatusOr<std::string_view> ReadBytes(size_t n);
  // rdbLoadLen. An encoded (11xxxxxx) length is an error here.
  absl::StatusOr<uint64_t> ReadLen();
  // rdbLoadLenByRef: sets *encoded when the byte is 11xxxxxx (then the
  // result is the RDB_ENC_* kind).
  absl::StatusOr<uint64_t> ReadLenOrEncoding(bool* encoded);
  // rdbGenericLoadStringObject: plain, integer or LZF string.
  absl::StatusOr<std::string> ReadString();
  absl::StatusOr<double> ReadBinaryDouble();
  absl::StatusOr<double> ReadStringDouble();
  absl::StatusOr<int64_t> ReadMillis();

 private:
  std::string_view in_;
};

// Redis's d2string for a score as it goes into a listpack (t_zset.c's
// zzlInsertAt): callers store integral values as integers first.
std::string FormatScore(double v);

}  // namespace valkdb::rdb

namespace valkdb::rdb {

// Redis's double2ll: true when `v` is integral and within +-LLONG_MAX/2.
bool DoubleToInt64(double v, int64_t* out);

}  // namespace valkdb::rdb
