#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/store/rdb/listpack.h"

namespace valkdb::rdb {

// Redis's ziplist (RDB types 10, 12, 13 and 14, written by Redis < 7.0): read
// only, since Redis 7.0 never writes it. Checks `zl` the way
// ziplistValidateIntegrity does in deep mode and appends its entries to `out`
// (string entries point into zl). Never reads outside `zl`.
absl::Status DecodeZiplist(std::string_view zl, std::vector<ListpackEntry>* out);

// Builds a ziplist as Redis 6 would (integers for canonical numbers of up to
// 31 characters); for tests and tools that need old-format input.
std::string EncodeZiplist(const std::vector<std::string>& elements);

}  // namespace valkdb::rdb
