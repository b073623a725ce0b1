// Differential tests of the string and keyspace commands and CONFIG SET: the
// same commands go to valkdb and to a real redis-server (RESP2, and again
// after HELLO 3), and the raw replies must be byte-identical.
//
// Only what legitimately differs is normalised: the order of KEYS' keys and
// of CONFIG GET's pairs (Redis returns its hash table's order), and SCAN,
// which is run to completion on both servers and compared as the set of
// keys returned. Each case starts from FLUSHALL and default settings.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;
using namespace std::string_literals;  // NOLINT: arguments with NUL bytes

enum class Compare {
  kExact,
  kUnorderedPairs,  // a map (or RESP2 flat array of pairs) in any pair order
  kSortedArray,     // an array in any element order (KEYS)
  kTypeOnly,        // only the reply's type byte
};

struct Step {
  std::vector<std::string> args;
  Compare compare = Compare::kExact;
  bool scan_all = false;  // SCAN with these options until the cursor is 0
};

struct DiffCase {
  std::string name;
  std::vector<Step> steps;
  bool resp3 = false;
};

void PrintTo(const DiffCase& c, std::ostream* os) { *os << c.name; }

// A command from space-separated words.
Step C(std::string_view words) {
  Step step;
  for (std::string_view w : Split(words, ' ')) step.args.emplace_back(w);
  return step;
}
// A command from explicit arguments (spaces, binary data, empty strings).
Step Args(std::vector<std::string> args, Compare compare = Compare::kExact) {
  return Step{std::move(args), compare};
}
// SCAN 0 <options>, then SCAN <cursor> <options> until the cursor is 0.
Step ScanAll(std::vector<std::string> options) { return Step{std::move(options), {}, true}; }

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
    case Compare::kTypeOnly:
      return raw.empty() ? raw : StrCat(raw.substr(0, 1), "...");
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

// Settings the cases change, put back after each case on both servers.
const std::vector<std::string> kResetConfig = {
    "CONFIG",
    "SET",
    "maxmemory",
    "0",
    "maxmemory-policy",
    "noeviction",
    "hz",
    "10",
    "hash-max-listpack-entries",
    "512",
    "hash-max-ziplist-entries",
    "512",
    "list-max-listpack-size",
    "-2",
    "busy-reply-threshold",
    "5000",
    "hash-max-listpack-value",
    "64",
    "proto-max-bulk-len",
    "536870912",
    "maxmemory-clients",
    "0",
    "save",
    "",
    "notify-keyspace-events",
    "",
    "loglevel",
    "notice",
    "oom-score-adj",
    "no",
    "lazyfree-lazy-user-del",
    "no",
    "protected-mode",
    "yes",
    "slowlog-log-slower-than",
    "10000",
    "proc-title-template",
    "{title} {listen-addr} {server-mode}",
    "requirepass",
    "",
    "client-output-buffer-limit",
    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"};

// SCAN to completion: the keys seen, sorted, or the first error.
std::string ScanToCompletion(RespClient& conn, const std::vector<std::string>& options) {
  std::set<std::string> keys;
  std::string cursor = "0";
  for (int calls = 0; calls < 100000; ++calls) {
    std::vector<std::string> args = {"SCAN", cursor};
    args.insert(args.end(), options.begin(), options.end());
    RespValue reply = conn.Run(args);
    if (reply.type != RespValue::Type::kArray || reply.elements.size() != 2) {
      return StrCat("<bad SCAN reply: ", reply.DebugString(), ">");
    }
    cursor = reply.elements[0].str;
    for (const RespValue& key : reply.elements[1].elements) keys.insert(key.str);
    if (cursor == "0") {
      std::string out = StrCat("keys(", keys.size(), "):");
      for (const std::string& key : keys) StrAppend(&out, " '", Visible(key), "'");
      return out;
    }
  }
  return "<SCAN did not finish>";
}

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
    if (step.scan_all) {
      StrAppend(&transcript, "< ", ScanToCompletion(conn, step.args), "\n");
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
      StrAppend(&transcript, "< ", Visible(Normalize(step.compare, *raw), 5000), "\n");
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

std::vector<DiffCase> Resp2Cases() {
  return {
      {"DebugPopulate",
       {C("set key:1 mine"), C("debug populate 5"), C("dbsize"), C("get key:1"), C("get key:4"),
        C("debug populate 3 pre 12"), C("get pre:2"), C("strlen pre:0"),
        C("debug populate 2 pre 3"), C("get pre:1"), C("debug populate 0"), C("debug populate -1"),
        C("debug populate x"), C("debug populate 2 p -5"), C("debug populate 1 p 1 extra"),
        C("object encoding key:2"), C("debug digest")}},
      {"MemoryDoctorOfASmallInstance", {C("flushall"), C("memory doctor")}},
      // ---------------------------------------------------------------- strings
      {"SetBasics",
       {C("set k v"), C("get k"), C("set k v nx"), C("set k v xx"), C("set k v2 xx get"),
        C("get k"), C("set k v get get"), C("set k v nx xx"), C("set k v foo"), C("set k"),
        C("get nokey"), C("get"), C("get a b")}},
      {"SetExpireOptions",
       {C("set k v ex 10"),
        C("ttl k"),
        C("set k v px 100 ex 10"),
        C("set k v keepttl ex 10"),
        C("set k v ex 10 keepttl"),
        C("set k v ex 0"),
        C("set k v ex -1"),
        C("set k v ex abc"),
        C("set k v exat 1"),
        C("get k"),
        C("set k v ex 9223372036854775807"),
        C("set k v ex 9223372036854775"),
        C("set k v px 9223372036854775807"),
        C("set k v ex"),
        C("set k v EX 10 EX 20"),
        C("ttl k"),
        C("set k v px 5 keepttl"),
        C("set k v pxat 0"),
        C("set k v exat -5"),
        C("set k v EXAT 10 PXAT 10"),
        C("get k")}},
      {"SetOptionsStopAtNul",
       {Args({"set", "k", "v", "nx\000zz"s}), C("get k"), Args({"set", "k", "w", "XX\000"s}),
        C("get k"), Args({"set", "k", "v", "ex\000"s, "10"}), C("ttl k")}},
      {"SetNxSetExPSetEx",
       {C("setnx a 1"), C("setnx a 2"), C("get a"), C("setnx a"), C("setex b 10 v"), C("ttl b"),
        C("setex b 0 v"), C("setex b -5 v"), C("setex b abc v"), C("setex b 9223372036854775807 v"),
        C("setex b 10"), C("psetex c 100000 v"), C("psetex c 0 v"), C("psetex c -1 v"),
        C("psetex c abc v"), C("get c"), C("set d v ex 100"), C("setnx d x"), C("ttl d")}},
      {"GetSetGetDel",
       {C("set a 1"), C("getset a 3"), C("get a"), C("getset nokey 1"), C("get nokey"),
        C("set e v"), C("expire e 100"), C("getset e w"), C("ttl e"), C("getdel a"), C("getdel a"),
        C("exists a"), C("getdel"), C("getdel a b"), C("getset a")}},
      {"GetEx",
       {C("set k v"),
        C("getex k"),
        C("getex k ex 100"),
        C("ttl k"),
        C("getex k persist"),
        C("ttl k"),
        C("getex k px 100 persist"),
        C("getex k persist px 100"),
        C("getex k exat 1"),
        C("exists k"),
        C("set k v"),
        C("getex nokey ex abc"),
        C("getex k ex abc"),
        C("getex k ex 0"),
        C("getex k ex -1"),
        C("getex k foo"),
        C("getex k ex"),
        C("getex k keepttl"),
        C("getex k nx"),
        C("getex k get"),
        C("getex k ex 10 px 10"),
        C("getex k exat 10 exat 20"),
        C("getex k ex 9223372036854775807"),
        C("getex k persist persist"),
        C("getex nokey"),
        C("getex")}},
      {"GetExPastAbsoluteDeletes",
       {C("set k v"), C("expire k 100"), C("getex k pxat 1"), C("exists k"), C("set k v"),
        C("getex k exat 0"), C("getex k pxat 99999999999999"), C("pexpiretime k"),
        C("getex k exat 99999999999"), C("expiretime k")}},
      {"MSetMGet",
       {C("mset a 1 b 2 c 3"), C("mget a b c d"), C("mget nokey"), C("mset a 1 b"), C("mset a"),
        C("mset"), C("mget"), C("mset k1 v1 k1 v2"), C("get k1"), C("set t v"), C("expire t 100"),
        C("mset t w"), C("ttl t"), Args({"mset", "", "empty"}), Args({"mget", ""})}},
      {"MSetNx",
       {C("msetnx a 1 x 2"), C("mget a x"), C("set a 1"), C("msetnx a 1 x 2"), C("exists x"),
        C("msetnx x 1 y 2"), C("mget x y"), C("msetnx x 1 x 2"), C("msetnx z 1 z 2"), C("get z"),
        C("msetnx z"), C("msetnx z 1 w")}},
      {"Append",
       {C("append s hello"), Args({"append", "s", " world"}), C("get s"), C("strlen s"),
        C("strlen nokey"), Args({"append", "s", ""}), C("strlen s"), C("append"), C("append s"),
        C("append s a b"), C("set t v"), C("expire t 100"), C("append t x"), C("ttl t"),
        C("get t")}},
      {"AppendEncodings",
       {C("append n 1"), C("object encoding n"), C("append n 2"), C("object encoding n"),
        C("get n"), C("set e abc"), C("object encoding e"), Args({"append", "e", ""}),
        C("object encoding e"), C("append long 01234567890123456789012345678901234567890123456789"),
        C("object encoding long"), C("append i 12345678901234567890"), C("object encoding i")}},
      {"ObjectEncodingOfStrings",
       {C("set big 01234567890123456789012345678901234567890123"),
        C("object encoding big"),
        C("set big 012345678901234567890123456789012345678901234"),
        C("object encoding big"),
        C("set i 12345678901234567890"),
        C("object encoding i"),
        C("set i 1234567890123456789"),
        C("object encoding i"),
        C("set i 123456789012345678901"),
        C("object encoding i"),
        C("set i 9223372036854775807"),
        C("object encoding i"),
        C("set i 9223372036854775808"),
        C("object encoding i"),
        C("set i -0"),
        C("object encoding i"),
        C("set i 007"),
        C("object encoding i"),
        C("set i +7"),
        C("object encoding i"),
        C("set i -9223372036854775808"),
        C("object encoding i"),
        Args({"set", "i", " 1"}),
        C("object encoding i"),
        Args({"set", "i", ""}),
        C("object encoding i"),
        C("incr counter"),
        C("object encoding counter"),
        C("incrbyfloat f 3"),
        C("object encoding f"),
        C("incrbyfloat f 1.5"),
        C("object encoding f"),
        C("setrange r 0 1"),
        C("object encoding r"),
        C("mset m1 5 m2 abc"),
        C("object encoding m1"),
        C("object encoding m2"),
        C("getset g 12"),
        C("object encoding g"),
        C("setnx sn 13"),
        C("object encoding sn"),
        C("setex se 100 14"),
        C("object encoding se")}},
      {"ObjectRefcount",
       {C("set i -9223372036854775808"),
        C("object refcount i"),
        C("set sh 9999"),
        C("object refcount sh"),
        C("set sh 10000"),
        C("object refcount sh"),
        C("set sh 0"),
        C("object refcount sh"),
        C("set sh -1"),
        C("object refcount sh"),
        C("set sh abc"),
        C("object refcount sh"),
        C("incr c"),
        C("object refcount c"),
        C("incrby c 20000"),
        C("object refcount c"),
        C("set n 5"),
        C("copy n n2"),
        C("object refcount n2"),
        C("object encoding n2"),
        C("object refcount nokey")}},
      {"Incr",
       {C("incr i"), C("incr i"), C("incrby i 10"), C("incrby i -20"), C("decr i"), C("decrby i 5"),
        C("decrby i -9223372036854775808"), C("decrby i -9223372036854775807"), C("incrby i abc"),
        C("incrby i 9223372036854775807"), C("incrby i 1.5"), Args({"incrby", "i", ""}), C("incr"),
        C("incrby i"), C("incr i j"), C("decrby i")}},
      {"IncrOverflow",
       {C("set m 9223372036854775807"), C("incr m"), C("incrby m -1"), C("incr m"),
        C("set m -9223372036854775808"), C("decr m"), C("decrby m 1"),
        C("incrby m 9223372036854775807"), C("incrby m -9223372036854775807"), C("get m")}},
      {"IncrOnNonIntegers",
       {C("set s abc"),
        C("incr s"),
        Args({"set", "s", " 1"}),
        C("incr s"),
        Args({"set", "s", "1 "}),
        C("incr s"),
        C("set s 1.5"),
        C("incr s"),
        C("set s 007"),
        C("incr s"),
        C("set s +1"),
        C("incr s"),
        C("set s -0"),
        C("incr s"),
        Args({"set", "s", ""}),
        C("incr s"),
        C("set big 123456789012345678901"),
        C("incr big"),
        C("set s 9223372036854775808"),
        C("incr s"),
        C("get s")}},
      {"IncrKeepsTtlAndEncoding",
       {C("set i 5"), C("append i 5"), C("object encoding i"), C("incr i"), C("object encoding i"),
        C("get i"), C("set e 10"), C("expire e 100"), C("incr e"), C("ttl e"), C("decrby e 100"),
        C("ttl e")}},
      {"IncrByFloat",
       {C("incrbyfloat f 1.5"),
        C("incrbyfloat f 0.1"),
        C("incrbyfloat f -1.6"),
        C("get f"),
        C("incrbyfloat f 1e308"),
        C("incrbyfloat f 1e308"),
        C("incrbyfloat f 1e309"),
        C("incrbyfloat f inf"),
        C("incrbyfloat f -inf"),
        C("incrbyfloat f nan"),
        C("incrbyfloat f abc"),
        Args({"incrbyfloat", "f", ""}),
        Args({"incrbyfloat", "f", " 1"}),
        Args({"incrbyfloat", "f", "1 "}),
        C("incrbyfloat f 0x1p3"),
        C("incrbyfloat f 1e-400"),
        C("incrbyfloat f 1.0e2"),
        C("incrbyfloat f 5.0e3"),
        C("incrbyfloat"),
        C("incrbyfloat f")}},
      {"IncrByFloatValues",
       {C("set g 3"),
        C("incrbyfloat g 0"),
        C("object encoding g"),
        C("set g abc"),
        C("incrbyfloat g 1"),
        C("set g 5"),
        C("expire g 100"),
        C("incrbyfloat g 1"),
        C("ttl g"),
        C("set h 1.23456789012345678901234567890"),
        C("incrbyfloat h 0"),
        C("incrbyfloat h 10.5e30"),
        C("incrbyfloat h -10.5e30"),
        C("set z -0.0"),
        C("incrbyfloat z 0"),
        C("incrbyfloat z -0.0"),
        C("set w 1e4000"),
        C("incrbyfloat w 0"),
        C("strlen w"),
        C("incrbyfloat v 0.1"),
        C("incrbyfloat v 0.2"),
        C("incrbyfloat v -0.3"),
        C("incrbyfloat u 1e-17"),
        C("incrbyfloat u 123456789.987654321")}},
      {"GetRange",
       {Args({"set", "s", "Hello World"}),
        C("getrange s 0 4"),
        C("getrange s -5 -1"),
        C("getrange s 0 -1"),
        C("getrange s 5 3"),
        C("getrange s -1 -5"),
        C("getrange s 100 200"),
        C("getrange s -100 -50"),
        C("getrange s -100 2"),
        C("getrange s 0 100"),
        C("getrange s abc 1"),
        C("getrange s 1 abc"),
        C("getrange nokey 0 10"),
        C("getrange s 9223372036854775807 -9223372036854775808"),
        C("getrange s -9223372036854775808 9223372036854775807"),
        C("getrange s 0"),
        C("getrange s 0 1 2"),
        C("set i 12345"),
        C("getrange i 1 2"),
        Args({"set", "empty", ""}),
        C("getrange empty 0 -1"),
        C("getrange empty 0 0"),
        C("getrange empty -1 0")}},
      {"Substr",
       {Args({"set", "s", "Hello World"}), C("substr s 0 4"), C("substr s -3 -1"),
        C("substr s 5 1"), C("substr nokey 0 1"), C("substr s x 1"), C("substr s 0")}},
      {"SetRange",
       {Args({"set", "s", "Hello World"}), C("setrange s 6 Redis"), C("get s"),
        C("setrange s 20 X"), C("get s"), C("strlen s"), C("setrange s -1 x"),
        C("setrange s abc x"), C("setrange s 1.5 x"), Args({"setrange", "s", "0", ""}),
        Args({"setrange", "s", "100", ""}), C("strlen s"), C("setrange s"), C("setrange s 0")}},
      {"SetRangeNewKey",
       {Args({"setrange", "nokey", "0", ""}), C("exists nokey"),
        Args({"setrange", "nokey", "5", ""}), C("exists nokey"), C("setrange nokey 3 abc"),
        C("get nokey"), C("object encoding nokey"), C("setrange z 0 x"), C("get z")}},
      {"SetRangeLimits",
       {C("set s x"), C("setrange s 536870912 x"), C("setrange s 9223372036854775807 x"),
        C("setrange s 9223372036854775808 x"), C("setrange new 536870912 x"), C("exists new"),
        C("config set proto-max-bulk-len 1mb"), C("setrange s 1048575 x"), C("strlen s"),
        C("setrange s 1048575 xy"), C("setrange s 1048576 x"), C("setrange new 1048575 ab"),
        Args({"setrange", "new", "1048576", ""}), C("exists new"), C("append s y"), C("strlen s"),
        C("set a x"), Args({"append", "a", ""}), C("config set proto-max-bulk-len 512mb")}},
      {"AppendLimit",
       {C("config set proto-max-bulk-len 1mb"), C("setrange s 1048570 x"), C("append s 12345"),
        C("append s 6"), C("strlen s"), Args({"append", "s", ""}), C("strlen s"),
        C("config set proto-max-bulk-len 512mb")}},
      {"SetRangeKeepsTtl",
       {C("set n 123"), C("setrange n 1 9"), C("get n"), C("object encoding n"), C("set x abc"),
        C("expire x 100"), C("setrange x 1 Z"), C("ttl x"), C("append x 123"), C("ttl x"),
        C("get x")}},
      {"Lcs",
       {C("set a ohmytext"),
        C("set b mynewtext"),
        C("lcs a b"),
        C("lcs a b len"),
        C("lcs a b idx"),
        C("lcs a b idx minmatchlen 4"),
        C("lcs a b idx withmatchlen"),
        C("lcs a b idx minmatchlen 4 withmatchlen"),
        C("lcs a b IDX MINMATCHLEN 4 WITHMATCHLEN"),
        C("lcs a b len idx"),
        C("lcs a b idx len"),
        C("lcs a b foo"),
        C("lcs a b minmatchlen"),
        C("lcs a b minmatchlen abc"),
        C("lcs a b minmatchlen -5 idx"),
        C("lcs a b len len"),
        C("lcs a nokey"),
        C("lcs nokey1 nokey2 idx"),
        C("lcs nokey1 nokey2 len"),
        C("lcs nokey1 nokey2"),
        C("lcs a a idx withmatchlen"),
        C("lcs a"),
        C("lcs")}},
      {"LcsMatches",
       {C("set c aaaaaaaa"), C("set d aaabbbaaa"), C("lcs c d idx withmatchlen"),
        C("lcs d c idx withmatchlen"), C("lcs c d"), C("set e1 rxxxabcdxyyyzzz"),
        C("set e2 abcdrrzzzxxxyyy"), C("lcs e1 e2 idx withmatchlen"), C("lcs e1 e2 len"),
        C("lcs e1 e2"), C("lcs e2 e1 idx"), C("set f1 abc"), C("set f2 xyz"),
        C("lcs f1 f2 idx withmatchlen"), C("lcs f1 f2"), Args({"set", "g1", "a\000b\r\nc"s}),
        Args({"set", "g2", "xa\000b\r\nc"s}), C("lcs g1 g2"), C("lcs g1 g2 idx minmatchlen 2")}},
      {"StringArityErrors",
       {C("setnx"), C("setex k 1"), C("psetex k"), C("getset k"), C("mget"), C("strlen"),
        C("strlen a b"), C("incrbyfloat k"), C("getrange k 1"), C("setrange k 1"), C("decr"),
        C("decr a b"), C("incr a b")}},
      {"BinaryValues",
       {Args({"set", "k\000\r\n"s, "v\000\r\n\377"s}), Args({"get", "k\000\r\n"s}),
        Args({"strlen", "k\000\r\n"s}), Args({"append", "k\000\r\n"s, "\000"s}),
        Args({"get", "k\000\r\n"s}), Args({"getrange", "k\000\r\n"s, "1", "3"}),
        Args({"setrange", "k\000\r\n"s, "1", "\r\n"}), Args({"get", "k\000\r\n"s}),
        Args({"mget", "k\000\r\n"s, "x"})}},
      // ---------------------------------------------------------------- keyspace
      {"DelUnlink",
       {C("set a 1"), C("set b 2"), C("del a b c"), C("unlink a b"), C("set a 1"), C("unlink a a"),
        C("exists a"), C("unlink"), C("del")}},
      {"ExistsTouch",
       {C("set a 1"), C("exists a a b"), C("touch a a b"), C("touch nokey"), C("touch"),
        C("exists"), Args({"set", "", "x"}), Args({"exists", ""})}},
      {"Type",
       {C("set a 1"), C("type a"), C("type nokey"), C("type"), C("type a b"), C("set e v"),
        C("pexpire e 100000"), C("type e"), C("pexpireat e 1"), C("type e")}},
      {"Rename",
       {C("set k v"), C("rename k k2"), C("get k2"), C("exists k"), C("rename k k3"),
        C("rename k2 k2"), C("rename nokey nokey"), C("rename a"), C("rename a b c")}},
      {"RenameNx",
       {C("set k v"), C("renamenx k k"), C("renamenx nokey x"), C("set k3 x"), C("renamenx k k3"),
        C("get k3"), C("renamenx k k4"), C("get k4"), C("exists k"), C("renamenx a")}},
      {"RenameKeepsTtlAndEncoding",
       {C("set t v"),     C("expire t 100"),      C("rename t t2"),        C("ttl t2"),
        C("set t3 old"),  C("expire t3 50"),      C("rename t2 t3"),       C("ttl t3"),
        C("get t3"),      C("set u v"),           C("rename u t3"),        C("ttl t3"),
        C("set n 42"),    C("rename n n2"),       C("object encoding n2"), C("object refcount n2"),
        C("append r x"),  C("rename r r2"),       C("object encoding r2"), C("incrbyfloat f 2"),
        C("rename f f2"), C("object encoding f2")}},
      {"Copy",
       {C("set src hello"), C("copy src dst"), C("get dst"), C("copy src dst"),
        C("copy src dst replace"), C("copy src src"), C("copy src src replace"),
        C("copy src src db 0"), C("copy nokey dst"), C("copy src"), C("copy")}},
      {"CopyDb",
       {C("set src hello"), C("copy src src db 1"), C("copy src dst db 1"), C("select 1"),
        C("get src"), C("get dst"), C("select 0"), C("copy src dst db 16"), C("copy src dst db -1"),
        C("copy src dst db abc"), C("copy src dst db 99999999999"), C("copy src dst db 2147483648"),
        C("copy src dst foo"), C("copy src dst db"), C("copy src dst replace replace db 2 db 3"),
        C("select 3"), C("get dst"), C("select 0"), C("copy nokey dst db 99")}},
      {"CopyKeepsTtlAndEncoding",
       {C("set e v"),
        C("expire e 100"),
        C("copy e e2"),
        C("ttl e2"),
        C("set n 5"),
        C("copy n n2"),
        C("object refcount n2"),
        C("object encoding n2"),
        C("append big x"),
        C("copy big big2"),
        C("object encoding big2"),
        C("set emb abc"),
        C("copy emb emb2"),
        C("object encoding emb2"),
        C("incrbyfloat f 3"),
        C("copy f f2"),
        C("object encoding f2"),
        C("set t old"),
        C("expire t 10"),
        C("copy emb t replace"),
        C("ttl t")}},
      {"Move",
       {C("set m v"), C("move m 1"), C("move m 1"), C("select 1"), C("get m"), C("move m 0"),
        C("select 0"), C("get m"), C("move m 16"), C("move m -1"), C("move m abc"), C("move m 0"),
        C("move m 2147483648"), C("move m 1.5"), C("move nokey 1"), C("move"), C("move m")}},
      {"MoveTargetExistsAndTtl",
       {C("set m2 x"), C("select 3"), C("set m2 y"), C("select 0"), C("move m2 3"), C("get m2"),
        C("set v v"), C("expire v 100"), C("move v 4"), C("select 4"), C("ttl v"), C("get v")}},
      {"SwapDb",
       {C("set a 1"), C("select 1"), C("set b 2"), C("select 0"), C("swapdb 0 1"), C("get a"),
        C("get b"), C("select 1"), C("get a"), C("select 0"), C("swapdb 0 0"), C("swapdb 1 0"),
        C("get a"), C("dbsize")}},
      {"SwapDbErrors",
       {C("swapdb 0 16"), C("swapdb -1 0"), C("swapdb abc 0"), C("swapdb 0 abc"),
        C("swapdb abc def"), C("swapdb 2147483648 0"), C("swapdb 0 2147483648"), C("swapdb 0"),
        C("swapdb")}},
      {"ExpireAtPExpireAt",
       {C("set k v"), C("expireat k 1"), C("exists k"), C("set k v"), C("pexpireat k 1"),
        C("exists k"), C("set k v"), C("expireat k 0"), C("exists k"), C("set k v"),
        C("expireat k 9999999999"), C("expiretime k"), C("pexpiretime k"),
        C("pexpireat k 99999999999000"), C("expiretime k"), C("expireat nokey 9999999999"),
        C("pexpireat nokey 1")}},
      {"ExpireAtOptions",
       {C("set k v"), C("expireat k 9999999999"), C("expireat k 9999999998 gt"),
        C("expireat k 9999999998 lt"), C("expiretime k"), C("expireat k 9999999999 nx"),
        C("expireat k 9999999999 xx"), C("expireat k 9999999999 nx xx"),
        C("expireat k 9999999999 gt lt"), C("expireat k 9999999999 foo"),
        Args({"expireat", "k", "9999999999", "NX\000foo"s}), C("persist k"),
        C("expireat k 9999999999 xx"), C("expireat k 9999999999 gt"), C("expireat k 9999999999 lt"),
        C("expiretime k")}},
      {"ExpireAtErrors",
       {C("set k v"), C("expireat k abc"), C("expireat k 9223372036854775807"),
        C("expireat k 9223372036854775"), C("expireat k -9223372036854775"), C("exists k"),
        C("set k v"), C("pexpireat k 9223372036854775807"), C("pexpiretime k"), C("pexpireat k -1"),
        C("exists k"), C("set k v"), C("expireat k -9223372036854775808"), C("exists k"),
        C("expireat k"), C("pexpireat k")}},
      {"ExpireTime",
       {C("set k v"), C("expiretime k"), C("pexpiretime k"), C("expiretime nokey"),
        C("pexpiretime nokey"), C("expiretime"), C("pexpiretime k k"),
        C("pexpireat k 1234567890123456"), C("pexpiretime k"), C("expiretime k"),
        C("pexpireat k 1234567890123499"), C("expiretime k"), C("pexpireat k 1234567890123500"),
        C("expiretime k")}},
      {"ExpireOptionsRelative",
       {C("set k v"),
        C("expire k 100 nx"),
        C("expire k 200 nx"),
        C("expire k 50 gt"),
        C("expire k 500 gt"),
        C("expire k 600 lt"),
        C("expire k 5 lt"),
        C("ttl k"),
        C("persist k"),
        C("expire k 100 xx"),
        C("expire k 100 lt"),
        C("ttl k"),
        C("expire k 50 gt"),
        C("expire k 200 gt"),
        C("ttl k"),
        C("pexpire k 0"),
        C("exists k"),
        C("set k v"),
        C("expire k -1"),
        C("exists k"),
        C("set k v"),
        C("expire k 9223372036854775807"),
        C("expire k 9223372036854775"),
        C("pexpire k 9223372036854775807"),
        C("ttl k"),
        Args({"expire", "k", "10", "NX\000foo"s}),
        C("ttl k"),
        C("expire k 10 unknown")}},
      {"KeysAndDbSize",
       {C("set x 1"), C("set y 2"), Args({"keys", "*"}, Compare::kSortedArray),
        Args({"keys", "?"}, Compare::kSortedArray), C("keys x"), C("keys nosuch"), C("dbsize"),
        C("flushdb"), C("keys *"), C("dbsize"), C("keys"), C("keys a b")}},
      {"KeysGlobs",
       {Args({"mset", "hello",   "1",  "hallo", "2",  "hxllo", "3",   "heeeello", "4",
              "[a",   "5",       "a*", "6",     "a?", "7",     "a\\", "8",        "\200a",
              "9",    "a\000b"s, "10", "AbC",   "11", "",      "12"}),
        Args({"keys", "h?llo"}, Compare::kSortedArray),
        Args({"keys", "h*llo"}, Compare::kSortedArray),
        Args({"keys", "h[ae]llo"}, Compare::kSortedArray),
        Args({"keys", "h[^e]llo"}, Compare::kSortedArray),
        Args({"keys", "h[a-b]llo"}, Compare::kSortedArray),
        Args({"keys", "[a-c]*"}, Compare::kSortedArray),
        Args({"keys", "[c-a]*"}, Compare::kSortedArray),
        Args({"keys", "[A-Z]*"}, Compare::kSortedArray),
        Args({"keys", "a\\*"}, Compare::kSortedArray),
        Args({"keys", "a\\?"}, Compare::kSortedArray),
        Args({"keys", "[[]a"}, Compare::kSortedArray),
        Args({"keys", "a\\\\"}, Compare::kSortedArray),
        Args({"keys", "[\200-\377]*"}, Compare::kSortedArray),
        Args({"keys", "a\000b"s}, Compare::kSortedArray),
        Args({"keys", "*b"}, Compare::kSortedArray),
        Args({"keys", "[a"}, Compare::kSortedArray),
        Args({"keys", "[^a-z]*"}, Compare::kSortedArray),
        Args({"keys", "***b"}, Compare::kSortedArray),
        Args({"keys", "*?*?*"}, Compare::kSortedArray)}},
      {"RandomKey", {C("randomkey"), C("set only one"), C("randomkey"), C("randomkey x")}},
      {"Scan",
       {C("mset a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11 l 12 aa 13 ab 14"), ScanAll({}),
        ScanAll({"match", "a*"}), ScanAll({"count", "1"}),
        ScanAll({"count", "3", "match", "[a-c]"}), ScanAll({"type", "string"}),
        ScanAll({"type", "STRING"}), ScanAll({"type", "list"}), ScanAll({"type", "foo"}),
        ScanAll({"match", "*z*"}), ScanAll({"count", "1000"})}},
      {"ScanErrors",
       {C("scan abc"), Args({"scan", " 0"}), C("scan 0 count 0"), C("scan 0 count -1"),
        C("scan 0 count abc"), C("scan 0 count"), C("scan 0 match"), C("scan 0 type"),
        C("scan 0 foo"), C("scan 0 foo bar"), C("scan 18446744073709551616"), C("scan 1.5"),
        C("scan -1x"), C("scan"), C("scan 0 count 0 match")}},
      {"ScanEmpty",
       {C("scan 0"), C("scan 0 match *"), Args({"scan", ""}), C("scan 0 type string")}},
      {"Object",
       {C("set k v"), C("object encoding k"), C("object encoding nokey"),
        C("object refcount nokey"), C("object idletime nokey"), C("object freq nokey"),
        C("object freq k"), C("object foo"), C("object foo k"), C("object encoding"),
        C("object encoding a b"), C("object"), C("object help x"), C("object help"),
        C("object HELP")}},
      // OBJECT IDLETIME of a key is whole seconds: 0 or 1 depending on when
      // a second ends (ASan on a busy machine saw 1), so it is not compared.
      {"ObjectUnderLfu",
       {C("set k v"), C("config set maxmemory-policy allkeys-lfu"), C("object idletime k"),
        C("object freq nokey"), C("config set maxmemory-policy volatile-lru"), C("object freq k"),
        C("config set maxmemory-policy noeviction")}},
      {"FlushAndDbSize",
       {C("set a 1"), C("set b 1"), C("dbsize"), C("select 1"), C("set c 1"), C("flushdb"),
        C("dbsize"), C("select 0"), C("dbsize"), C("flushdb async"), C("flushdb sync"),
        C("flushall SYNC"), C("flushall async"), C("dbsize"), C("flushdb x"), C("flushall a b"),
        C("flushdb a b"), Args({"flushdb", "ASYNC\000x"s})}},
      {"KeyspaceArityErrors",
       {C("exists"), C("rename"), C("renamenx a"), C("copy a"), C("move a"), C("swapdb a"),
        C("expireat a"), C("pexpireat"), C("expiretime"), C("ttl"), C("persist"), C("dbsize x"),
        C("randomkey x"), C("keys"), C("scan"), C("type"), C("touch"), C("unlink")}},
      {"TimeErrors", {C("time x"), C("time x y")}},
      // SHUTDOWN's refusals (a successful one stops the server: integration test).
      {"ShutdownErrors",
       {C("shutdown foo"), C("shutdown nosave save"), C("shutdown abort"), C("shutdown now abort"),
        C("shutdown nosave abort"), C("multi"), C("shutdown"), C("discard")}},
      // ---------------------------------------------------------------- CONFIG
      {"ConfigSetArity",
       {C("config set"), C("config set a"), C("config set a b c"), C("config set a b c d e")}},
      {"ConfigSetUnknown",
       {C("config set foo bar"), C("config set maxmemory 10 foo bar"),
        C("config set foo bar maxmemory 10"), Args({"config", "set", "", "x"}),
        C("config set foo bar baz qux"), C("config get maxmemory")}},
      {"ConfigSetDuplicates",
       {C("config set maxmemory 10 maxmemory 20"), C("config set maxmemory 10 MAXMEMORY 20"),
        C("config set hash-max-ziplist-entries 1 hash-max-listpack-entries 2"),
        C("config get hash-max-listpack-entries"), C("config get hash-max-ziplist-entries"),
        C("config set hash-max-ziplist-entries 1 hash-max-ziplist-entries 2"),
        C("config get maxmemory")}},
      {"ConfigSetImmutable",
       {C("config set databases 5"), C("config set databases 5 databases 6"),
        C("config set daemonize yes"), C("config set daemonize yes foo bar"),
        C("config set foo bar daemonize yes"), C("config set maxmemory 10 daemonize yes"),
        C("config set supervised no"), C("config set appendfilename x"),
        C("config set io-threads 4"), C("config set tcp-backlog 10"), C("config get maxmemory")}},
      {"ConfigSetProtected", {C("config set dir /tmp"), C("config set dbfilename x.rdb")}},
      {"ConfigSetMemory", {C("config set maxmemory abc"), C("config set maxmemory -1"),
                           C("config set maxmemory 1.5"), C("config set maxmemory 10gb"),
                           C("config get maxmemory"),     C("config set maxmemory 1k"),
                           C("config get maxmemory"),     Args({"config", "set", "maxmemory", ""}),
                           C("config get maxmemory"),     C("config set maxmemory kb"),
                           C("config get maxmemory"),     C("config set maxmemory 5MB"),
                           C("config get maxmemory"),     C("config set maxmemory 5 mb"),
                           C("config set maxmemory +5"),  C("config set maxmemory 3B"),
                           C("config get maxmemory"),     C("config set maxmemory 2G"),
                           C("config get maxmemory"),     C("config set maxmemory 7m"),
                           C("config get maxmemory"),     C("config set maxmemory 0")}},
      {"ConfigSetEnumsAndBools",
       {C("config set maxmemory-policy foo"),
        C("config set maxmemory-policy ALLKEYS-LFU"),
        C("config get maxmemory-policy"),
        Args({"config", "set", "maxmemory-policy", "allkeys-lru noeviction"}),
        C("config set maxmemory-policy noeviction"),
        C("config set loglevel foo"),
        C("config set loglevel WARNING"),
        C("config get loglevel"),
        C("config set loglevel notice"),
        C("config set appendfsync foo"),
        C("config set oom-score-adj relative"),
        C("config get oom-score-adj"),
        C("config set oom-score-adj no"),
        C("config set appendonly maybe"),
        C("config set appendonly 1"),
        C("config set lazyfree-lazy-user-del YES"),
        C("config get lazyfree-lazy-user-del"),
        C("config set lazyfree-lazy-user-del no"),
        C("config set protected-mode no"),
        C("config get protected-mode"),
        C("config set protected-mode yes")}},
      {"ConfigSetIntegers",
       {C("config set hz abc"),
        C("config set HZ abc"),
        C("config set hz 0"),
        C("config get hz"),
        C("config set hz 100000"),
        C("config get hz"),
        C("config set hz 10"),
        C("config set maxclients 0"),
        C("config set maxclients -5"),
        C("config set maxclients 1.5"),
        C("config set timeout -1"),
        C("config set timeout 2147483648"),
        C("config set slowlog-log-slower-than -5"),
        C("config set slowlog-log-slower-than -1"),
        C("config set slowlog-log-slower-than 10000"),
        C("config set active-defrag-cycle-min 0"),
        C("config set maxmemory-eviction-tenacity 101"),
        C("config set active-expire-effort 11"),
        C("config set list-max-ziplist-size -10"),
        C("config get list-max-listpack-size"),
        C("config set list-max-ziplist-size -2"),
        C("config set hash-max-ziplist-entries abc"),
        C("config set hash-max-ziplist-entries -1"),
        C("config set lua-time-limit abc"),
        C("config set busy-reply-threshold 100 lua-time-limit 200"),
        C("config get busy-reply-threshold"),
        C("config set busy-reply-threshold 5000"),
        C("config set hash-max-listpack-value 1kb"),
        C("config get hash-max-listpack-value"),
        C("config set hash-max-listpack-value 64"),
        C("config set proto-max-bulk-len 10"),
        C("config set proto-max-bulk-len 1mb"),
        C("config get proto-max-bulk-len"),
        C("config set proto-max-bulk-len 512mb")}},
      // Values valkdb honours (0) and the parse errors; a limit other than 0 is
      // refused on purpose (no client eviction: no silent settings, issue 17).
      {"ConfigSetMaxmemoryClients",
       {C("config set maxmemory-clients 101%"), C("config set maxmemory-clients -1%"),
        C("config set maxmemory-clients abc"), C("config get maxmemory-clients"),
        C("config set maxmemory-clients 0")}},
      {"ConfigSetAllOrNothing",
       {C("config set maxmemory 10 hz abc"), C("config get maxmemory"),
        C("config set hz abc maxmemory 10"),
        C("config set maxmemory 1 maxmemory-policy allkeys-lru hz x"),
        C("config get maxmemory-policy"), C("config set maxmemory 2mb hz 20"),
        C("config get maxmemory"), C("config get hz"), C("config set maxmemory 0 hz 10")}},
      {"ConfigSetSave",
       {Args({"config", "set", "save", "a b"}), C("config set save 100"),
        Args({"config", "set", "save", "100 10 5 a"}),
        Args({"config", "set", "save", "100 10 5 1"}), C("config get save"),
        Args({"config", "set", "save", "0 10"}), Args({"config", "set", "save", "10 -1"}),
        Args({"config", "set", "save", "100  10"}),
        Args({"config", "set", "save", "3600 1 300 100 60 10000"}), C("config get save"),
        Args({"config", "set", "save", ""}), C("config get save")}},
      {"ConfigSetClientOutputBufferLimit",
       {C("config set client-output-buffer-limit foo"),
        Args({"config", "set", "client-output-buffer-limit", "foo 1 2 3"}),
        Args({"config", "set", "client-output-buffer-limit", "pubsub a 2 3"}),
        Args({"config", "set", "client-output-buffer-limit", "pubsub 1 2 -3"}),
        Args({"config", "set", "client-output-buffer-limit", "pubsub 1 2 3x"}),
        Args({"config", "set", "client-output-buffer-limit", "master 1 2 3"}),
        Args({"config", "set", "client-output-buffer-limit", "pubsub 64mb 16mb 90"}),
        C("config get client-output-buffer-limit"),
        Args({"config", "set", "client-output-buffer-limit", "replica 1kb 2k 3 normal 1 2 3"}),
        C("config get client-output-buffer-limit"),
        Args({"config", "set", "client-output-buffer-limit", ""}),
        C("config get client-output-buffer-limit"),
        Args({"config", "set", "client-output-buffer-limit",
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"})}},
      {"ConfigSetNotifyKeyspaceEvents",
       {C("config set notify-keyspace-events Q"), C("config set notify-keyspace-events KEA"),
        C("config get notify-keyspace-events"), C("config set notify-keyspace-events Kg$lshzxet"),
        C("config get notify-keyspace-events"), C("config set notify-keyspace-events gKEmn"),
        C("config get notify-keyspace-events"), C("config set notify-keyspace-events Ex"),
        C("config get notify-keyspace-events"),
        Args({"config", "set", "notify-keyspace-events", "K\000Q"s}),
        C("config get notify-keyspace-events"),
        Args({"config", "set", "notify-keyspace-events", ""}),
        C("config get notify-keyspace-events")}},
      {"ConfigSetStrings",
       {Args({"config", "set", "requirepass", ""}), C("config get requirepass"),
        Args({"config", "set", "proc-title-template", "{title} x"}),
        C("config get proc-title-template"),
        Args({"config", "set", "proc-title-template", "{title} {listen-addr} {server-mode}"}),
        Args({"config", "set", "ignore-warnings", ""})}},
      {"ConfigGetPatterns",
       {C("config get nosuch"), C("config get nosuch*"), C("config get lua-time-limit"),
        C("config get hash-max-ziplist-value"), C("config get maxmemory maxmemory"),
        C("config get ma?memory"), C("config get [m]axmemory"), C("config get MAXMEMORY"),
        C("config get MAXMEMORY maxmemory"),
        Args({"config", "get", "maxmemory", "MAXMEMORY", "maxmemory-policy"},
             Compare::kUnorderedPairs),
        Args({"config", "get", "*max-ziplist*"}, Compare::kUnorderedPairs),
        Args({"config", "get", "zset-max-*"}, Compare::kUnorderedPairs),
        Args({"config", "get", "lazyfree*"}, Compare::kUnorderedPairs),
        Args({"config", "get", "hash-max-ziplist-entries", "hash-max-listpack-entries"},
             Compare::kUnorderedPairs),
        C("config get")}},
      {"ConfigResetStatAndHelp",
       {C("config help"), C("config help x"), C("config resetstat"), C("config resetstat x"),
        C("config rewrite x"), C("config"), C("config foo")}},
  };
}

// Every case twice: in RESP2, and in RESP3 after HELLO 3.
std::vector<DiffCase> Cases() {
  std::vector<DiffCase> cases = Resp2Cases();
  const size_t resp2 = cases.size();
  for (size_t i = 0; i < resp2; ++i) {
    DiffCase c = cases[i];
    c.name += "Resp3";
    c.resp3 = true;
    cases.push_back(std::move(c));
  }
  return cases;
}

class StringsKeyspaceDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(StringsKeyspaceDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_strings_keyspace, StringsKeyspaceDiffTest,
                         ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// ---------------------------------------------------------------- big values

class compat_StringsKeyspaceBigValues : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

// Values big enough to arrive in buffers of their own, grown by APPEND and
// SETRANGE well past their first allocation, renamed, copied and moved.
TEST_F(compat_StringsKeyspaceBigValues, SameRepliesAsRedis) {
  const std::string mb(1 << 20, 'm');
  const std::string piece(100 * 1024, 'p');
  std::string binary(70000, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 131 % 251);
  DiffCase c{"BigValues",
             {Args({"SET", "big", mb}),
              C("STRLEN big"),
              C("GETRANGE big 1048570 -1"),
              Args({"APPEND", "big", piece}),
              Args({"APPEND", "big", piece}),
              C("STRLEN big"),
              C("GETRANGE big 1048570 1048580"),
              C("SETRANGE big 3000000 x"),
              C("STRLEN big"),
              C("GETRANGE big 2999998 -1"),
              C("OBJECT ENCODING big"),
              C("RENAME big big2"),
              C("STRLEN big2"),
              C("COPY big2 big3"),
              C("MOVE big3 1"),
              C("SELECT 1"),
              C("STRLEN big3"),
              C("SELECT 0"),
              Args({"SET", "bin", binary}),
              Args({"GET", "bin"}),
              Args({"APPEND", "bin", binary}),
              C("GETRANGE bin 69990 70010"),
              C("SETRANGE bin 5 \r\n"),
              C("GETRANGE bin 0 10"),
              C("LCS bin bin LEN"),
              Args({"SET", "a", std::string(3000, 'a') + "xyz" + std::string(3000, 'b')}),
              Args({"SET", "b", std::string(2000, 'b') + "xyz" + std::string(2000, 'a')}),
              C("LCS a b LEN"),
              C("LCS a b IDX MINMATCHLEN 100 WITHMATCHLEN"),
              C("INCRBYFLOAT f 1e4000"),
              C("STRLEN f"),
              C("FLUSHALL")}};
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
}

// Many APPENDs to one key: each is amortised O(1), as in Redis.
TEST_F(compat_StringsKeyspaceBigValues, ManySmallAppends) {
  for (int port : {redis().port(), valkdb().port()}) {
    auto conn = ConnectTo(port);
    ASSERT_NE(conn, nullptr);
    std::string pipeline;
    constexpr int kAppends = 20000;
    for (int i = 0; i < kAppends; ++i) pipeline += Encode({"APPEND", "grow", "0123456789"});
    ASSERT_OK(conn->Send(pipeline));
    for (int i = 0; i < kAppends; ++i) {
      auto reply = conn->ReadReply();
      ASSERT_TRUE(reply.ok()) << reply.status();
      ASSERT_EQ(*reply, Int(10 * (i + 1)));
    }
    EXPECT_EQ(conn->Command({"GETRANGE", "grow", "199990", "-1"}), Bulk("0123456789"));
  }
}

// ---------------------------------------------------------------- concurrency
//
// What Redis cannot answer: several event loops, clients on each, hammering
// the same keys. Sums must be exact and multi-key commands atomic.

class compat_StringsKeyspaceConcurrency : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--threads", "4"}; }
};

// Sends `commands` pipelined and returns the replies.
std::vector<RespValue> Pipeline(RespClient& conn,
                                const std::vector<std::vector<std::string>>& commands) {
  std::string bytes;
  for (const auto& command : commands) bytes += Encode(command);
  std::vector<RespValue> replies;
  if (!conn.Send(bytes).ok()) return replies;
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = conn.ReadReply();
    if (!reply.ok()) break;
    replies.push_back(*std::move(reply));
  }
  return replies;
}

TEST_F(compat_StringsKeyspaceConcurrency, IncrFromManyClientsSumsExactly) {
  constexpr int kClients = 8, kRounds = 50, kBatch = 40;
  const std::vector<std::string> keys = {"c0", "c1", "c2", "c3"};
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) {
        ++errors;
        return;
      }
      for (int r = 0; r < kRounds; ++r) {
        std::vector<std::vector<std::string>> batch;
        for (int i = 0; i < kBatch; ++i) {
          const std::string& key = keys[(t + i) % keys.size()];
          batch.push_back(i % 3 == 0 ? std::vector<std::string>{"INCRBY", key, "2"}
                                     : std::vector<std::string>{"INCR", key});
        }
        for (const RespValue& reply : Pipeline(**conn, batch)) {
          if (reply.type != RespValue::Type::kInteger) ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  // Per batch: 14 INCRBY 2 and 26 INCR.
  constexpr int64_t kExpected = int64_t{kClients} * kRounds * (14 * 2 + 26);
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  int64_t total = 0;
  for (const std::string& key : keys) {
    RespValue value = conn->Command({"GET", key});
    total += std::stoll(value.str);
  }
  EXPECT_EQ(total, kExpected);
}

TEST_F(compat_StringsKeyspaceConcurrency, MsetIsSeenWholeOrNotAtAll) {
  constexpr int kWriters = 3, kReaders = 3, kRounds = 1500;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) return (void)++errors;
      for (int i = 0; i < kRounds; ++i) {
        const std::string v = StrCat(w, ":", i);
        if ((*conn)->Run({"MSET", "ma", v, "mb", v, "mc", v, "md", v}) != Ok()) ++errors;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) return (void)++errors;
      while (!done.load()) {
        RespValue values = (*conn)->Command({"MGET", "ma", "mb", "mc", "md"});
        if (values.elements.size() != 4) {
          ++errors;
          continue;
        }
        for (const RespValue& v : values.elements) {
          if (v.type != values.elements[0].type || v.str != values.elements[0].str) ++torn;
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(torn.load(), 0) << "an MGET saw part of an MSET";
}

TEST_F(compat_StringsKeyspaceConcurrency, RenameAndSwapDbAreAtomic) {
  auto setup = Connect();
  ASSERT_NE(setup, nullptr);
  ASSERT_EQ(setup->Command({"SET", "x", "v"}), Ok());
  ASSERT_EQ(setup->Command({"SET", "a", "1"}), Ok());
  ASSERT_EQ(setup->Command({"SELECT", "1"}), Ok());
  ASSERT_EQ(setup->Command({"SET", "b", "1"}), Ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  // Two clients move the key back and forth between names x and y (in
  // different shards), a third swaps databases 0 and 1.
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) return (void)++bad;
      for (int i = 0; i < 2000; ++i) {
        (*conn)->Command({"RENAME", t == 0 ? "x" : "y", t == 0 ? "y" : "x"});
      }
    });
  }
  threads.emplace_back([&] {
    auto conn = RespClient::Connect(port());
    if (!conn.ok()) return (void)++bad;
    for (int i = 0; i < 2000; ++i) {
      if ((*conn)->Command({"SWAPDB", "0", "1"}) != Ok()) ++bad;
    }
  });
  std::atomic<int> checks{0};
  threads.emplace_back([&] {
    auto conn = RespClient::Connect(port());
    if (!conn.ok()) return (void)++bad;
    do {  // at least once, however late this thread starts
      // x/y live in whichever database holds them; a and b are one per
      // database, so each database always holds exactly one of them.
      RespValue ab = (*conn)->Command({"EXISTS", "a", "b"});
      if (ab != Int(1)) ++bad;
      ++checks;
    } while (!done.load());
  });
  for (int i = 0; i < 3; ++i) threads[i].join();
  done = true;
  threads[3].join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(checks.load(), 0);
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const RespValue db0 = conn->Command({"EXISTS", "x", "y"});
  ASSERT_EQ(conn->Command({"SELECT", "1"}), Ok());
  const RespValue db1 = conn->Command({"EXISTS", "x", "y"});
  EXPECT_EQ(db0.integer + db1.integer, 1) << "the renamed key exists exactly once";
}

TEST_F(compat_StringsKeyspaceConcurrency, ScanReturnsEveryKeyPresentThroughout) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  constexpr int kStable = 5000;
  std::vector<std::vector<std::string>> load;
  for (int i = 0; i < kStable; ++i) load.push_back({"SET", StrCat("stable:", i), "v"});
  ASSERT_EQ(Pipeline(*conn, load).size(), load.size());
  std::atomic<bool> done{false};
  std::thread churn([&] {
    auto writer = RespClient::Connect(port());
    if (!writer.ok()) return;
    // Grow and shrink the keyspace all the time, so the tables rehash.
    for (int n = 0; !done.load(); n += 200) {
      std::vector<std::vector<std::string>> batch;
      for (int j = 0; j < 200; ++j) batch.push_back({"SET", StrCat("churn:", n + j), "x"});
      for (int j = 0; j < 200 && n >= 2000; ++j)
        batch.push_back({"DEL", StrCat("churn:", n - 2000 + j)});
      Pipeline(**writer, batch);
    }
  });
  for (const char* count : {"1", "10", "100"}) {
    std::set<std::string> seen;
    std::string cursor = "0";
    do {
      RespValue reply = conn->Command({"SCAN", cursor, "COUNT", count, "MATCH", "stable:*"});
      ASSERT_EQ(reply.elements.size(), 2u) << reply.DebugString();
      cursor = reply.elements[0].str;
      for (const RespValue& key : reply.elements[1].elements) seen.insert(key.str);
    } while (cursor != "0");
    EXPECT_EQ(seen.size(), static_cast<size_t>(kStable)) << "COUNT " << count;
  }
  done = true;
  churn.join();
}

TEST_F(compat_StringsKeyspaceConcurrency, ActiveExpiryReclaimsKeysNobodyReads) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::vector<std::vector<std::string>> load;
  for (int i = 0; i < 2000; ++i) load.push_back({"SET", StrCat("ttl:", i), "v", "PX", "20"});
  ASSERT_EQ(Pipeline(*conn, load).size(), load.size());
  ASSERT_EQ(conn->Command({"SET", "keep", "v"}), Ok());
  int64_t keys = -1;
  for (int i = 0; i < 300 && keys != 1; ++i) {  // up to 30 s: sanitizer builds are slow
    std::this_thread::sleep_for(milliseconds(100));
    keys = conn->Command({"DBSIZE"}).integer;
  }
  EXPECT_EQ(keys, 1) << "expired keys were not reclaimed by the active expiry";
}

}  // namespace
}  // namespace valkdb::test
