#pragma once

// Redis's own metadata of its commands (COMMAND INFO and COMMAND DOCS: flags,
// key specs, tips, ACL categories, summaries, argument lists), as
// redis-server 7.0 gives it, generated into redis_command_meta.inc by
// scripts/gen_command_meta.py. valkdb answers COMMAND INFO / DOCS / GETKEYS
// for the commands it has with exactly this.

#include <string_view>
#include <vector>

#include "protocol/resp_writer.h"

namespace valkdb {

// One of a command's key specs (Redis's keySpec).
struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum class Find : uint8_t { kRange, kKeynum, kUnknown };
  Begin begin;
  int index;                 // kIndex: the argument
  std::string_view keyword;  // kKeyword: search for it from startfrom
  int startfrom;             // (negative: backwards from the end)
  Find find;
  int a;                   // kRange: lastkey;  kKeynum: keynumidx
  int b;                   // kRange: keystep;  kKeynum: firstkey
  int c;                   // kRange: limit;    kKeynum: keystep
  std::string_view flags;  // "RW access delete"
  bool HasFlag(std::string_view flag) const;
};

struct RedisCommandMeta {
  std::string_view name;  // full name: "get", "config|get"
  std::string_view info;  // COMMAND INFO entry without its subcommands, RESP3
  std::string_view docs;  // COMMAND DOCS map without "subcommands", RESP3
  std::vector<KeySpec> key_specs;
};

// The metadata of a full name (lower case), or nullptr.
const RedisCommandMeta* FindRedisCommandMeta(std::string_view full_name);

// A RESP3 aggregate's element count (pairs for a map) and the bytes of its elements.
std::string_view Resp3Elements(std::string_view resp3, size_t* count);

// Writes a RESP3 reply through `out`, in the client's protocol (RESP2 gets
// maps and sets as arrays, as Redis downgrades them).
void ReplayResp3(std::string_view resp3, RespWriter& out);

// A key a command's arguments name, and the flags of the key spec that found it.
struct FoundKey {
  size_t pos;
  std::string_view flags;
};
enum class SpecKeys {
  kFound,    // the keys are in *keys
  kUnknown,  // a spec cannot be followed (unknown or incomplete): ask the command
  kInvalid,  // the arguments name no valid keys (a bad key count, too few arguments)
};
// Redis's getKeysUsingKeySpecs over argv (argv[0] is the command; a
// subcommand's keys count from argv[0] too).
SpecKeys KeysFromSpecs(const RedisCommandMeta& meta, const std::vector<std::string_view>& argv,
                       std::vector<FoundKey>* keys);

}  // namespace valkdb
