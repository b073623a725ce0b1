#pragma once

// Between a stored entry and the RDB value model (server/store/rdb/): what
// DUMP/RESTORE and the RDB file's save and load share.

#include <optional>
#include <string>
#include <string_view>

#include "server/commands/config.h"
#include "server/store/entry.h"
#include "server/store/rdb/rdb_value.h"

namespace valkdb {

// The encoding thresholds and rdbcompression as configured now.
rdb::EncodeOptions RdbEncodeOptions(const Config& config);

// The value of an entry in the neutral form, and the RDB type of its encoding here.
rdb::Value EntryToRdbValue(const Entry& entry, rdb::RdbType* type);

// Appends the entry's RDB type byte and payload, in the encoding it has
// here (Redis writes an object's current encoding).
void EncodeEntry(const Entry& entry, const rdb::EncodeOptions& options, std::string* out);

// An entry holding a loaded value, encoded as Redis's loader would encode it
// under the current limits; null for a type valkdb does not hold yet.
std::optional<Entry> EntryFromRdbValue(const Config& config, std::string_view key,
                                       rdb::Value& value);

}  // namespace valkdb
