#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace valkdb::intset {

// Redis's intset: distinct integers, sorted ascending, each stored in the
// narrowest width (2, 4 or 8 bytes, little-endian) that fits every member.
// Layout: one byte holding the width, then the members. Lookups are binary
// searches; an insert or removal moves the tail (O(n), n <= set-max-intset-entries).
// Readers never trust the bytes: Valid() checks a buffer from outside.

// An empty set.
std::string Empty();
bool Valid(std::string_view set);
size_t Count(std::string_view set);
int64_t Get(std::string_view set, size_t index);  // index < Count(set)
bool Contains(std::string_view set, int64_t value);
// out = set with value added (widened if needed); false (out untouched) when present.
bool Add(std::string_view set, int64_t value, std::string* out);
// out = set without value; false (out untouched) when absent.
bool Remove(std::string_view set, int64_t value, std::string* out);

// Parses a member the way Redis's string2ll does before it decides a set
// member may go into an intset: optional '-', no leading zeros, no '+', no
// spaces, within int64. "-0", "01", " 1" and "" are not integers.
std::optional<int64_t> ParseMember(std::string_view member);

}  // namespace valkdb::intset
