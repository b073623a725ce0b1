#pragma once

#include <string_view>

// Redis 7's error texts, in one place. The reply layer adds "-ERR " unless a
// text starts with '-' and carries its own code.
namespace valkdb::errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
// Redis's shared.bgsaveerr: writes (and PING) while the last background save failed.
inline constexpr std::string_view kMisconf =
    "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
// Redis's shared.oomerr: a deny-oom command over maxmemory with nothing left to evict.
inline constexpr std::string_view kOom = "-OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kInvalidDbIndex = "invalid DB index";
inline constexpr std::string_view kDbIndexOutOfRange = "DB index is out of range";
inline constexpr std::string_view kNoProto = "-NOPROTO unsupported protocol version";
inline constexpr std::string_view kProtoVersionNotInteger =
    "Protocol version is not an integer or out of range";
inline constexpr std::string_view kClientNameInvalid =
    "Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kExpireNxAndOthers =
    "NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kExpireGtAndLt =
    "GT and LT options at the same time are not compatible";

// Redis Cluster's commands on a server that is not a cluster node.
inline constexpr std::string_view kClusterDisabled = "This instance has cluster support disabled";
// MODULE (valkdb loads no modules).
inline constexpr std::string_view kModuleLoadFailed =
    "Error loading the extension. Please check the server logs.";
inline constexpr std::string_view kModuleUnloadNoSuchModule =
    "Error unloading module: no such module with that name";

// Strings.
inline constexpr std::string_view kStringTooLong =
    "string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kDecrementOverflow = "decrement would overflow";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kNanOrInfinity = "increment would produce NaN or Infinity";
inline constexpr std::string_view kOffsetOutOfRange = "offset is out of range";
inline constexpr std::string_view kLcsLenAndIdx =
    "If you want both the length and indexes, please just use IDX.";
inline constexpr std::string_view kLcsTooLong = "String too long for LCS";
inline constexpr std::string_view kLcsTooMuchMemory =
    "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr std::string_view kLcsNoMemory =
    "Insufficient memory, failed allocating transient memory for LCS";

// Keyspace.
inline constexpr std::string_view kNoSuchKey = "no such key";
inline constexpr std::string_view kSameObject = "source and destination objects are the same";
inline constexpr std::string_view kInvalidCursor = "invalid cursor";
inline constexpr std::string_view kIntOutOfRange =
    "value is out of range, value must between -2147483648 and 2147483647";
inline constexpr std::string_view kLfuNotSelected =
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kLfuSelected =
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

// HyperLogLog.
inline constexpr std::string_view kNotHll =
    "-WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr std::string_view kCorruptHll = "-INVALIDOBJ Corrupted HLL object detected";

// CONFIG.
inline constexpr std::string_view kNoConfigFile = "The server is running without a config file";

// Formatted errors (see command_table.cc for the formatting helpers):
//   "wrong number of arguments for '%s' command"
//   "unknown command '%.128s', with args beginning with: %s"
//   "unknown subcommand '%.128s'. Try %s HELP."
//   "invalid expire time in '%s' command"
//   "Unsupported option %s"
//   "Syntax error in HELLO option '%s'"
//   "Unrecognized option '%s'"
//   "Unknown option or number of arguments for CONFIG SET - '%s'"
//   "CONFIG SET failed (possibly related to argument '%s') - %s"
//   "Rewriting config file: %s"

}  // namespace valkdb::errors
