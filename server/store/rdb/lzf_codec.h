#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace valkdb::rdb {

// LZF as Redis uses it in RDB strings. Compression is liblzf's (the library
// Redis bundles), so the bytes match what redis-server writes; decompression
// is our own bounds-checked loop, since its input is untrusted.

// Appends the compressed form of `in` to `out` if it fits in `max_out` bytes;
// returns its size, or 0 (out untouched) when it does not fit.
size_t LzfCompress(std::string_view in, size_t max_out, std::string* out);

// Appends exactly `out_len` decompressed bytes to `out`, or fails (out may
// hold a partial result) when `in` is malformed or does not yield out_len.
absl::Status LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace valkdb::rdb
