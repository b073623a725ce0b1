#pragma once

// One value in Redis 7.0.15's RDB serialisation (the body of DUMP/RESTORE
// and of a dump.rdb key): the type byte plus the payload, byte-compatible
// with Redis. A neutral value model, no store or command types.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/rdb/rdb_io.h"
#include "server/store/types/stream.h"

namespace valkdb::rdb {

enum class Kind { kString, kList, kSet, kZSet, kHash, kStream };

struct Value {
  Kind kind = Kind::kString;
  std::string string;                                // kString
  std::vector<std::string> items;                    // list in order; set members; hash f,v,f,v...
  std::vector<std::pair<std::string, double>> zset;  // member, score (any order)
  // kStream: the stream itself (its nodes are Redis's listpacks, so there is
  // no flatter neutral form); a loaded one moves into the store as it is.
  std::unique_ptr<Stream> stream;

  Value() = default;
  Value(Value&&) = default;
  Value& operator=(Value&&) = default;
  // A copy clones the stream.
  Value(const Value& other);
  Value& operator=(const Value& other);
  ~Value() = default;
};

// Redis's encoding thresholds (redis.conf names) and rdbcompression, with
// redis-server's built-in defaults (its sample redis.conf sets hash 128).
struct EncodeOptions {
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  int list_max_listpack_size = -2;  // < 0: node size class (-2 = 8 KB); > 0: entries per node
  bool rdb_compression = true;
};

// The RDB type Redis 7.0 would write for `v`: kTypeString,
// kTypeListQuicklist2, kTypeSetIntset or kTypeSet, kTypeHashListpack or
// kTypeHash, kTypeZSetListpack or kTypeZSet2, kTypeStreamListpacks2.
RdbType ChooseType(const Value& v, const EncodeOptions& opts);

// Appends ChooseType's type byte and the payload to `out`. Listpack, intset,
// quicklist and string forms are Redis's bytes; hashtable sets and hashes
// keep the given order (Redis's is its dict order); skiplist zsets go from
// the highest (score, member) down, as Redis writes them.
void Encode(const Value& v, const EncodeOptions& opts, std::string* out);
std::string Encode(const Value& v, const EncodeOptions& opts);

// Appends a stream as Redis 7.0's rdbSaveObject writes it
// (kTypeStreamListpacks2): the type byte, the nodes (master ID and listpack),
// length, last ID, first ID, max deleted ID, entries added, then each
// group's last ID, entries read, PEL (ID, delivery time and count) and
// consumers (name, seen time, PEL IDs).
void EncodeStream(const Stream& stream, bool compress, std::string* out);

// Like Encode with a given type (one of ChooseType's), for a store whose
// value kept an encoding the thresholds would not pick now. Fails if `v`
// cannot be written so (e.g. a non-integer member as an intset).
absl::Status EncodeAs(const Value& v, RdbType type, const EncodeOptions& opts, std::string* out);

// Reads one value of RDB type `type` from the front of `reader`. Every
// type Redis 7.0 loads except modules (6, 7), which fail as unsupported
// (kUnimplemented). Malformed input, duplicate set members, hash fields or
// zset members, NaN scores and empty collections fail with
// kInvalidArgument; nothing is trusted. Streams (15, 19) are checked as
// Redis's rdbLoadObject with deep sanitization checks them, always.
absl::StatusOr<Value> DecodeObject(uint8_t type, RdbReader& reader);
// The type byte, then DecodeObject.
absl::StatusOr<Value> Decode(RdbReader& reader);
// Decodes `data` as a whole value; bytes left after it are an error.
absl::StatusOr<Value> Decode(std::string_view data);

// DUMP framing: type byte + payload + RDB version (2 bytes LE, 10) + CRC64
// (8 bytes LE) of everything before it.
std::string MakeDumpPayload(const Value& v, const EncodeOptions& opts);

// Why RESTORE refused a payload; a command maps it to Redis's words:
// kVersionOrChecksum -> "ERR DUMP payload version or checksum are wrong",
// kBadData -> "ERR Bad data format".
enum class DumpError { kNone, kVersionOrChecksum, kBadData };
// Verifies the footer as Redis's verifyDumpPayload (too short, version
// above 10, or CRC mismatch: kDataLoss), then decodes the body
// (kInvalidArgument / kUnimplemented). As in Redis, bytes between the value
// and the footer are ignored.
absl::StatusOr<Value> ParseDumpPayload(std::string_view payload);
DumpError ClassifyDumpError(const absl::Status& status);

}  // namespace valkdb::rdb
