#pragma once

// A whole RDB file in Redis 7.0's layout (rdb.c rdbSaveRio / rdbLoadRio):
// "REDIS0010", aux fields, per database SELECTDB and RESIZEDB, per key an
// optional expiry then the type byte, the key and the value, EOF and the
// CRC64 of everything before it. Pure bytes: no store or command types.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "server/store/rdb/rdb_value.h"

namespace valkdb::rdb {

// Opcodes (rdb.h).
enum Opcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Builds a file front to back. Bytes go to `sink` in chunks of about
// 64 KiB (and at Finish); the first sink error stops further writes and is
// what Finish returns.
class FileWriter {
 public:
  using Sink = std::function<absl::Status(std::string_view)>;
  // checksum false writes a zero checksum, as Redis with rdbchecksum no.
  FileWriter(Sink sink, bool checksum) : sink_(std::move(sink)), checksum_(checksum) {}

  // "REDIS0010".
  void Header();
  void Aux(std::string_view key, std::string_view value);
  // A FUNCTION library (RDB_OPCODE_FUNCTION2 and its code).
  void Function(std::string_view code, bool compress);
  void SelectDb(int db, uint64_t keys, uint64_t expires);
  // One key: `typed_value` is Encode's output (the type byte, then the payload).
  // lru_idle_s / lfu_freq: Redis's IDLE and FREQ opcodes, written when >= 0
  // (Redis writes the one its maxmemory-policy tracks).
  void Key(std::string_view key, std::optional<int64_t> expire_ms, std::string_view typed_value,
           bool compress, int64_t lru_idle_s = -1, int lfu_freq = -1);
  // EOF, the checksum, and the last bytes to the sink.
  absl::Status Finish();

  uint64_t bytes_written() const { return written_ + buffer_.size(); }

 private:
  void MaybeFlush();
  void Flush();

  Sink sink_;
  bool checksum_;
  std::string buffer_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
  absl::Status status_;
};

// One key as read from a file.
struct LoadedKey {
  int db = 0;
  std::string key;
  Value value;
  std::optional<int64_t> expire_ms;  // absolute unix ms
  int64_t lru_idle_s = -1;           // the IDLE opcode, when present
  int lfu_freq = -1;                 // the FREQ opcode, when present
};

struct LoadOptions {
  bool verify_checksum = true;  // rdbchecksum
  int databases = 16;           // a SELECTDB past it is an error, as in Redis
  // RESIZEDB: how many keys (and keys with a TTL) the database about to be read holds.
  std::function<void(int db, uint64_t keys, uint64_t expires)> on_resize;
  // Set to how many bytes the RDB took, checksum included: in an AOF with an
  // RDB preamble, commands follow.
  size_t* consumed = nullptr;
  // Aux fields, as read (a replica takes repl-stream-db from its master's RDB).
  std::function<void(std::string_view key, std::string_view value)> on_aux;
  // A FUNCTION library's code (RDB_OPCODE_FUNCTION2); without it, a file
  // with functions is refused (kUnimplemented).
  std::function<absl::Status(std::string_view code)> on_function;
};

// Parses a whole file, calling `on_key` for each key in file order (a
// non-OK status from it stops the load and is returned). Aux fields are
// read and skipped; module data is refused (and functions, unless
// options.on_function takes them) (kUnimplemented); bad magic or version, truncation, malformed
// values and a wrong checksum fail (kInvalidArgument / kDataLoss) with a message saying what was
// wrong, as Redis's log would.
absl::Status LoadFile(std::string_view bytes, const LoadOptions& options,
                      const std::function<absl::Status(LoadedKey&)>& on_key);

}  // namespace valkdb::rdb
