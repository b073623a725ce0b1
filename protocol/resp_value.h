#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace valkdb {

// A reply as a client sees it: any RESP2 or RESP3 type.
struct RespValue {
  enum class Type {
    kSimpleString,  // +
    kError,         // - (and RESP3 blob error !)
    kInteger,       // :
    kBulkString,    // $
    kNull,          // $-1, *-1, _
    kArray,         // *
    kMap,           // %  (elements hold key, value, key, value, ...)
    kSet,           // ~
    kPush,          // >
    kDouble,        // ,
    kBoolean,       // #
    kVerbatim,      // =  (str holds the text, format the three-letter format)
    kBigNumber,     // (
  };

  // Copies and frees nested elements without recursion, so no nesting depth
  // can overflow the stack. (A new field must be added to CopyFields in
  // resp_value.cc.)
  RespValue() = default;
  RespValue(const RespValue& other);
  RespValue(RespValue&&) noexcept = default;
  RespValue& operator=(const RespValue& other);
  RespValue& operator=(RespValue&&) noexcept = default;
  ~RespValue();

  Type type = Type::kNull;
  std::string str;  // simple string, error, bulk, verbatim text, big number, double as sent
  int64_t integer = 0;
  double dbl = 0;
  bool boolean = false;
  std::string format;
  std::vector<RespValue> elements;

  bool is_error() const { return type == Type::kError; }
  bool is_null() const { return type == Type::kNull; }
  bool is_aggregate() const {
    return type == Type::kArray || type == Type::kMap || type == Type::kSet || type == Type::kPush;
  }
  // A compact, unambiguous rendering for test failure messages (iterative, any depth).
  std::string DebugString() const;

  static RespValue Simple(std::string s);
  static RespValue Err(std::string s);
  static RespValue Int(int64_t v);
  static RespValue BulkStr(std::string s);
  static RespValue Nil();
  static RespValue Arr(std::vector<RespValue> elements);

  // Iterative, any depth.
  friend bool operator==(const RespValue& a, const RespValue& b);
};

// A resumable parser of server replies (RESP2 and RESP3). Keeps partial
// aggregates on a stack, so a reply that arrives in pieces is not re-parsed.
class ReplyParser {
 public:
  enum class Status { kValue, kNeedMore, kError };

  // Aggregates (attributes included) nested deeper than this are a protocol
  // error. Redis's own replies nest a handful of levels (COMMAND DOCS about 7);
  // only a script or module built to do it goes deeper. RespValue itself copes
  // with any depth, but code that walks a reply recursively (formatting in
  // valkdb-cli, users' visitors) need not: the bound keeps a hostile or broken
  // peer from handing it a million levels. redis-py's parser, which recurses,
  // stops near the same depth (Python's default recursion limit of 1000).
  static constexpr size_t kMaxDepth = 1000;

  // Parses from input, adding the bytes used to *consumed; on kValue *out
  // holds one whole reply. Out-of-band RESP3 attributes (|) are skipped.
  Status Parse(std::string_view input, size_t* consumed, RespValue* out);
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    RespValue value;
    int64_t remaining;  // elements still expected
    bool attribute;     // an attribute map, dropped when complete
  };
  std::vector<Frame> stack_;
  std::string line_;      // partial header line
  bool in_blob_ = false;  // reading a bulk/verbatim/blob-error payload
  RespValue blob_;
  int64_t blob_len_ = 0;
  std::string error_;
};

// Encodes a command as a RESP multibulk request.
std::string EncodeCommand(absl::Span<const std::string_view> args);
void AppendCommand(absl::Span<const std::string_view> args, std::string* out);

}  // namespace valkdb
