#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "protocol/resp_value.h"

namespace valkdb {

// The value of a command whose reply carries nothing but success (+OK).
struct Done {
  friend bool operator==(Done, Done) { return true; }
};

// One page of SCAN: the cursor to pass next ("0" when the scan is complete).
struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};

// The status for a server's error reply. The message is the server's text,
// exactly ("WRONGTYPE Operation against a key holding the wrong kind of value").
// The code is kUnauthenticated for NOAUTH/WRONGPASS, kPermissionDenied for
// NOPERM, and kUnknown (an error from another error space) otherwise.
//
// Errors the client makes itself use: kUnavailable (cannot connect, connection
// lost), kDeadlineExceeded (a connect, write or read timeout), kFailedPrecondition
// (a blocking wait that would deadlock, reconnect turned off), kInvalidArgument
// (an empty command), kInternal (a malformed or unexpected reply), kCancelled (the
// client was destroyed with the request still pending).
absl::Status ServerError(std::string_view text);

namespace reply {

template <typename T>
using Converter = absl::StatusOr<T> (*)(RespValue&&);

// An error reply becomes ServerError(text); any other reply is returned as is.
absl::StatusOr<RespValue> ToStatusOr(RespValue&& value);

absl::StatusOr<RespValue> AsValue(RespValue&& value);
// Bulk, simple, verbatim strings, and the text of doubles and big numbers.
absl::StatusOr<std::string> AsString(RespValue&& value);
absl::StatusOr<std::optional<std::string>> AsOptionalString(RespValue&& value);
absl::StatusOr<int64_t> AsInteger(RespValue&& value);
// :1/:0 and RESP3 booleans.
absl::StatusOr<bool> AsBool(RespValue&& value);
// +OK is true; a null (SET NX/XX whose condition failed) is false.
absl::StatusOr<bool> AsOkOrNull(RespValue&& value);
absl::StatusOr<Done> AsDone(RespValue&& value);
absl::StatusOr<double> AsDouble(RespValue&& value);
absl::StatusOr<std::optional<double>> AsOptionalDouble(RespValue&& value);
// An array or set of strings (null elements become empty strings).
absl::StatusOr<std::vector<std::string>> AsStringList(RespValue&& value);
absl::StatusOr<std::vector<std::optional<std::string>>> AsOptionalStringList(RespValue&& value);
// A RESP3 map or a RESP2 flat array of key, value, key, value...
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> AsStringPairs(RespValue&& value);
// WITHSCORES replies: RESP2 flat (member, score, ...) or RESP3 nested pairs.
absl::StatusOr<std::vector<std::pair<std::string, double>>> AsScoredMembers(RespValue&& value);
absl::StatusOr<ScanPage> AsScanPage(RespValue&& value);

}  // namespace reply
}  // namespace valkdb
