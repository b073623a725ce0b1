#pragma once

#include <string>
#include <string_view>

#include "protocol/resp_value.h"

namespace valkdb::cli {

// redis-cli's formats, so valkdb-cli's output can be diffed against it.
// For a terminal: `(integer) 1`, `(nil)`, `1) "a"`, `1# "k" => "v"`, ...; ends with a newline.
std::string FormatTty(const RespValue& value);
// For pipes (`--raw`): bare values, aggregates one element per line. Without
// the final newline that separates replies.
std::string FormatRaw(const RespValue& value);
// A string in double quotes with escapes, as redis-cli quotes bulk strings.
std::string Quote(std::string_view text);

}  // namespace valkdb::cli
