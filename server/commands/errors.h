#pragma once

#include <string_view>

// Redis 7's error texts, in one place. The reply layer adds "-ERR " unless a
// text starts with '-' and carries its own code.
namespace valkdb::errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
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

// Formatted errors (see command_table.cc for the formatting helpers):
//   "wrong number of arguments for '%s' command"
//   "unknown command '%.128s', with args beginning with: %s"
//   "unknown subcommand '%.128s'. Try %s HELP."
//   "invalid expire time in '%s' command"
//   "Unsupported option %s"
//   "Syntax error in HELLO option '%s'"
//   "Unrecognized option '%s'"

}  // namespace valkdb::errors
