// RDB files and DUMP payloads from untrusted bytes: rdb::LoadFile and
// rdb::ParseDumpPayload must refuse what they cannot read (never crash, never
// read past the input, never allocate what the input cannot describe), and
// every value they accept must encode again into bytes they accept.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/store/rdb/rdb_file.h"
#include "server/store/rdb/rdb_value.h"

namespace {

void CheckReencodes(const valkdb::rdb::Value& value) {
  const std::string bytes = valkdb::rdb::Encode(value, valkdb::rdb::EncodeOptions{});
  if (!valkdb::rdb::Decode(bytes).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  valkdb::rdb::LoadOptions options;
  options.verify_checksum = false;  // so mutations get past the checksum into the body
  (void)valkdb::rdb::LoadFile(input, options, [](valkdb::rdb::LoadedKey& key) {
    CheckReencodes(key.value);
    return absl::OkStatus();
  });
  auto payload = valkdb::rdb::Decode(input);
  if (payload.ok()) CheckReencodes(*payload);
  return 0;
}
