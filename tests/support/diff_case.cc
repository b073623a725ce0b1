#include "tests/support/diff_case.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/resp_value.h"
#include "protocol/str_util.h"
#include "tests/support/test_util.h"

namespace valkdb::test {

using std::chrono::milliseconds;

void PrintTo(const DiffCase& c, std::ostream* os) { *os << c.name; }

// A command from space-separated words.
Step C(std::string_view words, Compare compare) {
  Step step;
  for (std::string_view w : Split(words, ' ')) step.args.emplace_back(w);
  step.compare = compare;
  return step;
}
// A command from explicit arguments (spaces, binary data, empty strings).
Step Args(std::vector<std::string> args, Compare compare) { return Step{std::move(args), compare}; }
// A reply whose element order is the hash table's (sets, hashtable hashes).
Step Sorted(std::string_view words) { return C(words, Compare::kSortedArray); }
Step Pairs(std::string_view words) { return C(words, Compare::kUnorderedPairs); }
// SCAN/SSCAN/HSCAN to completion, the cursor left out of `words`.
Step ScanAll(std::string_view words) {
  Step step = C(words);
  const std::string name = AsciiLower(step.args[0]);
  step.scan = name == "scan" ? Scan::kKeys : name == "hscan" ? Scan::kPairs : Scan::kMembers;
  return step;
}

// "prefix0 value0 prefix1 value1 ..." arguments after `head`.
std::vector<std::string> WithPairs(std::vector<std::string> head, const std::string& field_prefix,
                                   const std::string& value_prefix, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    head.push_back(StrCat(field_prefix, i));
    head.push_back(StrCat(value_prefix, i));
  }
  return head;
}
// "prefix0 prefix1 ..." arguments after `head`.
std::vector<std::string> WithMembers(std::vector<std::string> head, const std::string& prefix,
                                     int first, int count) {
  for (int i = first; i < first + count; ++i) head.push_back(StrCat(prefix, i));
  return head;
}

namespace {

// The elements of an aggregate reply, each as its raw bytes.
bool Elements(const std::string& raw, std::string* header, std::vector<std::string>* elements) {
  const size_t header_end = raw.find("\r\n");
  if (header_end == std::string::npos || (raw[0] != '*' && raw[0] != '%' && raw[0] != '~')) {
    return false;
  }
  *header = raw.substr(0, header_end + 2);
  std::string_view rest = std::string_view(raw).substr(header_end + 2);
  ReplyParser parser;
  while (!rest.empty()) {
    size_t consumed = 0;
    RespValue value;
    if (parser.Parse(rest, &consumed, &value) != ReplyParser::Status::kValue) return false;
    elements->emplace_back(rest.substr(0, consumed));
    rest.remove_prefix(consumed);
  }
  return true;
}

std::string Normalize(Compare compare, const std::string& raw) {
  std::string header;
  std::vector<std::string> elements;
  switch (compare) {
    case Compare::kExact:
      return raw;
    case Compare::kSortedArray: {
      if (!Elements(raw, &header, &elements)) return raw;
      std::sort(elements.begin(), elements.end());
      std::string out = header;
      for (const std::string& e : elements) out += e;
      return out;
    }
    case Compare::kUnorderedPairs: {
      if (!Elements(raw, &header, &elements) || elements.size() % 2 != 0) return raw;
      std::vector<std::pair<std::string, std::string>> pairs;
      for (size_t i = 0; i < elements.size(); i += 2) {
        pairs.emplace_back(elements[i], elements[i + 1]);
      }
      std::sort(pairs.begin(), pairs.end());
      std::string out = header;
      for (const auto& [key, value] : pairs) out += key + value;
      return out;
    }
  }
  return raw;
}

// A reply as transcript text: in full when short, else its start, length and
// a checksum of all of it (so a difference anywhere still shows).
std::string Shown(const std::string& bytes) {
  if (bytes.size() <= 3000) return Visible(bytes, 3000);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return StrCat(Visible(bytes.substr(0, 1500), 1500), "...(", bytes.size(), " bytes, fnv1a=", hash,
                ")");
}

// Settings the cases change, put back after each case on both servers.
const std::vector<std::string> kResetConfig = {"CONFIG",
                                               "SET",
                                               "hash-max-listpack-entries",
                                               "512",
                                               "hash-max-listpack-value",
                                               "64",
                                               "set-max-intset-entries",
                                               "512",
                                               "list-max-listpack-size",
                                               "-2",
                                               "zset-max-listpack-entries",
                                               "128",
                                               "zset-max-listpack-value",
                                               "64"};

// A SCAN-family command to completion: what it returned, sorted, or the first
// error.
std::string ScanToCompletion(RespClient& conn, const Step& step) {
  std::set<std::string> seen;
  std::string cursor = "0";
  const size_t cursor_at = step.scan == Scan::kKeys ? 1 : 2;
  for (int calls = 0; calls < 100000; ++calls) {
    std::vector<std::string> args = step.args;
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(std::min(cursor_at, args.size())),
                cursor);
    RespValue reply = conn.Run(args);
    if (reply.is_error()) return StrCat("<error: ", reply.str, " after ", calls, " calls>");
    if (reply.type != RespValue::Type::kArray || reply.elements.size() != 2 ||
        reply.elements[1].type != RespValue::Type::kArray) {
      return StrCat("<bad reply: ", reply.DebugString(), ">");
    }
    cursor = reply.elements[0].str;
    const std::vector<RespValue>& items = reply.elements[1].elements;
    if (step.scan == Scan::kPairs) {
      if (items.size() % 2 != 0) return StrCat("<odd HSCAN reply: ", reply.DebugString(), ">");
      for (size_t i = 0; i < items.size(); i += 2) {
        seen.insert(StrCat(items[i].str, "=", items[i + 1].str));
      }
    } else {
      for (const RespValue& item : items) seen.insert(item.str);
    }
    if (cursor == "0") {
      std::string out = StrCat("elements(", seen.size(), "):");
      for (const std::string& e : seen) StrAppend(&out, " '", Visible(e), "'");
      return Shown(out);
    }
  }
  return "<scan did not finish>";
}

}  // namespace

// What one server answered to a case, as readable text.
std::string RunCase(int port, const DiffCase& c) {
  auto client = RespClient::Connect(port);
  if (!client.ok()) return StrCat("<connect failed: ", client.status().ToString(), ">");
  RespClient& conn = **client;
  std::string transcript;
  if (c.resp3) {
    auto hello = conn.Run({"HELLO", "3"});
    if (hello.is_error()) return StrCat("<HELLO 3 failed: ", hello.str, ">");
  }
  for (const Step& step : c.steps) {
    StrAppend(&transcript, "> ", Visible(Encode(step.args), 200), "\n");
    if (step.scan != Scan::kNone) {
      StrAppend(&transcript, "< ", ScanToCompletion(conn, step), "\n");
      continue;
    }
    if (!conn.Send(Encode(step.args)).ok()) {
      transcript += "< <send failed>\n";
      continue;
    }
    // A liveness bound, not a speed check: LCS of big strings under ASan on a
    // loaded machine takes seconds.
    auto raw = conn.ReadRawReply(milliseconds(60000));
    if (raw.ok()) {
      StrAppend(&transcript, "< ", Shown(Normalize(step.compare, *raw)), "\n");
    } else {
      StrAppend(&transcript, "< <no reply: ", raw.status().message(), ">\n");
      break;
    }
  }
  std::string extra = conn.ReadRawUntilTimeout(milliseconds(10));
  if (!extra.empty()) StrAppend(&transcript, "<unexpected bytes: ", Visible(extra), ">\n");
  RespValue reset = conn.Run(kResetConfig);
  if (reset.is_error()) StrAppend(&transcript, "<settings not reset: ", reset.str, ">\n");
  return transcript;
}

std::vector<DiffCase> WithResp3(std::vector<DiffCase> cases) {
  const size_t resp2 = cases.size();
  for (size_t i = 0; i < resp2; ++i) {
    DiffCase c = cases[i];
    c.name += "Resp3";
    c.resp3 = true;
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace valkdb::test
