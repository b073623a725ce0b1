// libFuzzer target: ReplyParser (RESP2 + RESP3 replies) on arbitrary bytes.
//
// The input is parsed as one read and cut into reads of other sizes (one
// byte at a time, random lengths including empty reads). For every feeding:
//   - Parse never reports more bytes used than it was given, uses all of a
//     read when it needs more, and at least one byte per reply;
//   - the replies and the error (texts start "Protocol error: ") are the same
//     however the input was split;
//   - every reply renders (DebugString), and encodes back to RESP that
//     parses to an equal reply.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_value.h"
#include "tests/fuzz/fuzz_common.h"

namespace valkdb::fuzz {
namespace {

using Type = RespValue::Type;

struct Outcome {
  std::vector<RespValue> values;
  std::optional<std::string> error;
  bool pending = false;  // input ended inside a reply (bytes used since the last one)
};

Outcome Feed(std::string_view input, const Chunking& chunking) {
  Outcome outcome;
  ReplyParser parser;
  size_t offset = 0;
  size_t since_value = 0;
  for (size_t length : ReadLengths(input.size(), chunking)) {
    ReadBuffer read(input.substr(offset, length));
    offset += length;
    const std::string_view data = read.view();
    size_t consumed = 0;
    do {
      const size_t before = consumed;
      const std::string_view rest = data.substr(consumed);
      RespValue value;
      ReplyParser::Status status = parser.Parse(rest, &consumed, &value);
      FUZZ_CHECK(consumed >= before && consumed - before <= rest.size(),
                 "Parse reported more bytes used than it was given");
      if (status == ReplyParser::Status::kError) {
        FUZZ_CHECK(parser.error().rfind("Protocol error: ", 0) == 0, parser.error());
        outcome.error = parser.error();
        return outcome;
      }
      if (status == ReplyParser::Status::kNeedMore) {
        FUZZ_CHECK(consumed == data.size(), "kNeedMore left input unused");
        since_value += consumed - before;
        break;
      }
      FUZZ_CHECK(consumed > before, "a reply that used no input");
      outcome.values.push_back(std::move(value));
      since_value = 0;
    } while (consumed < data.size());
  }
  outcome.pending = since_value > 0;
  return outcome;
}

// RESP3 encoding of a parsed reply (attributes were dropped by the parser).
void Encode(const RespValue& v, std::string* out) {
  auto blob = [&](char type, std::string_view payload) {
    *out += type;
    *out += std::to_string(payload.size());
    *out += "\r\n";
    out->append(payload);
    *out += "\r\n";
  };
  auto aggregate = [&](char type, size_t count) {
    *out += type;
    *out += std::to_string(count);
    *out += "\r\n";
  };
  switch (v.type) {
    case Type::kSimpleString:
      *out += "+" + v.str + "\r\n";
      return;
    case Type::kError:
      // A simple error cannot hold CR or LF; a blob error can hold anything.
      if (v.str.find_first_of("\r\n") == std::string::npos) {
        *out += "-" + v.str + "\r\n";
      } else {
        blob('!', v.str);
      }
      return;
    case Type::kInteger:
      *out += ":" + std::to_string(v.integer) + "\r\n";
      return;
    case Type::kBulkString:
      blob('$', v.str);
      return;
    case Type::kNull:
      *out += "_\r\n";
      return;
    case Type::kVerbatim:
      blob('=', v.format + ":" + v.str);
      return;
    case Type::kDouble:
      *out += "," + v.str + "\r\n";
      return;
    case Type::kBigNumber:
      *out += "(" + v.str + "\r\n";
      return;
    case Type::kBoolean:
      *out += v.boolean ? "#t\r\n" : "#f\r\n";
      return;
    case Type::kArray:
      aggregate('*', v.elements.size());
      break;
    case Type::kSet:
      aggregate('~', v.elements.size());
      break;
    case Type::kPush:
      aggregate('>', v.elements.size());
      break;
    case Type::kMap:
      FUZZ_CHECK(v.elements.size() % 2 == 0, "a map with an odd number of elements");
      aggregate('%', v.elements.size() / 2);
      break;
  }
  for (const RespValue& e : v.elements) Encode(e, out);
}

void CheckRoundTrip(const RespValue& value) {
  (void)value.DebugString();
  std::string encoded;
  Encode(value, &encoded);
  ReplyParser parser;
  RespValue again;
  size_t consumed = 0;
  ReplyParser::Status status = parser.Parse(encoded, &consumed, &again);
  FUZZ_CHECK(status == ReplyParser::Status::kValue && consumed == encoded.size(),
             "a reply re-encoded does not parse back: '" + Printable(encoded) + "' " +
                 parser.error());
  FUZZ_CHECK(again == value, value.DebugString() + " != " + again.DebugString());
}

}  // namespace
}  // namespace valkdb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace valkdb::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint64_t seed = HashBytes(input);
  using Kind = Chunking::Kind;
  const Outcome whole = Feed(input, Chunking{});
  for (const valkdb::RespValue& v : whole.values) CheckRoundTrip(v);
  for (const Chunking& chunking :
       {Chunking{Kind::kFixed, 1}, Chunking{Kind::kRandom, 0, seed, 24, true}}) {
    const Outcome split = Feed(input, chunking);
    const std::string detail = "input: '" + Printable(input, 300) + "'";
    FUZZ_CHECK(split.values.size() == whole.values.size(), detail);
    for (size_t i = 0; i < whole.values.size(); ++i) {
      FUZZ_CHECK(split.values[i] == whole.values[i],
                 detail + "\n    " + whole.values[i].DebugString() + " vs " +
                     split.values[i].DebugString());
    }
    FUZZ_CHECK(split.error == whole.error, detail + "\n    " + whole.error.value_or("(none)") +
                                               " vs " + split.error.value_or("(none)"));
    if (!whole.error) FUZZ_CHECK(split.pending == whole.pending, detail);
  }
  return 0;
}
