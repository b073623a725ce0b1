#pragma once

// Comparing the transcripts of the differential tests ("> command" and
// "< reply" lines, with Visible() escapes) of valkdb and redis-server.

#include <string_view>

namespace valkdb::test {

// The transcripts agree line for line, except that a positive TTL or PTTL
// reading may differ by the time that passed between setting the expiry and
// reading it, which a busy machine stretches (up to 2 s either way). Errors,
// -1 and -2 must still be identical; TTL rounding is unit-tested on a fixed
// clock instead.
bool SameTranscriptsUpToClock(std::string_view actual, std::string_view expected);

}  // namespace valkdb::test
