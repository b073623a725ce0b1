#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace valkdb::rdb {

// Redis 7.0's listpack byte format: a 6-byte header (total bytes, element
// count, both little-endian; the count saturates at 65535 = unknown), entries
// of [encoding+data][backlen], and a 0xFF terminator.

// Builds a listpack by appending, as Redis's lpAppend does: a string that is a
// canonical int64 ("12", not "012" or "-0") is stored as an integer.
class ListpackBuilder {
 public:
  ListpackBuilder();
  void Append(std::string_view element);
  void AppendInt(int64_t value);
  // Size of the finished listpack if it ended now (Redis's lpBytes).
  size_t bytes() const { return buf_.size() + 1; }
  size_t count() const { return count_; }
  // The listpack; the builder is empty afterwards.
  std::string Finish();

 private:
  void AppendEntry(const unsigned char* enc, size_t enc_len, std::string_view data);
  std::string buf_;
  size_t count_ = 0;
};

struct ListpackEntry {
  bool is_int = false;
  int64_t num = 0;
  std::string_view str;  // points into the listpack when !is_int
  std::string ToString() const;
};

// Checks `lp` the way Redis's lpValidateIntegrity does in deep mode (header
// size, every entry's bounds and backlen, the count, the terminator) and
// appends its entries to `out`. Never reads outside `lp`.
absl::Status DecodeListpack(std::string_view lp, std::vector<ListpackEntry>* out);

}  // namespace valkdb::rdb
