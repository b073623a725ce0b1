#pragma once

#include <cstdint>
#include <string_view>

namespace valkdb::rdb {

// Redis's CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected, no final
// xor), the checksum of DUMP payloads and RDB files. Feed it in pieces by
// passing the previous result as `crc`; start with 0.
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace valkdb::rdb
