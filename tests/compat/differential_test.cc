// Differential tests: the same bytes go to valkdb and to a real redis-server,
// and the raw reply bytes must be identical (RESP2, and RESP3 after HELLO 3).
//
// Only what legitimately differs is normalised: the client id in HELLO's
// reply, the order of CONFIG GET's pairs for several parameters or a glob
// (Redis returns them in hash-table order), and the value of CLIENT ID.
// INFO's contents, COMMAND's output and CONFIG GET dir are not compared.

#include <algorithm>
#include <chrono>
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

enum class Compare {
  kExact,
  kMaskHelloId,     // HELLO's reply with the id value masked
  kUnorderedPairs,  // a map (or RESP2 flat array of pairs) whose pair order may differ
  kTypeOnly,        // only the reply's type byte (values that differ per server)
};

struct Step {
  std::string send;
  int replies = 1;
  Compare compare = Compare::kExact;
  size_t chunk = 0;  // when set, sent `chunk` bytes per write, so the server reads it in pieces
};

struct DiffCase {
  std::string name;
  std::vector<Step> steps;
  // The server closes the connection after the last step (QUIT, protocol
  // errors); both must close it, and nothing else may arrive.
  bool expect_close = false;
};

void PrintTo(const DiffCase& c, std::ostream* os) { *os << c.name; }

// A multibulk command from space-separated words.
Step C(std::string_view words, Compare compare = Compare::kExact) {
  std::vector<std::string> args;
  for (std::string_view w : Split(words, ' ')) args.emplace_back(w);
  return Step{Encode(args), 1, compare};
}
// A multibulk command from explicit arguments (spaces, binary data).
Step Args(std::vector<std::string> args, Compare compare = Compare::kExact) {
  return Step{Encode(args), 1, compare};
}
// Raw bytes, answered by `replies` replies.
Step Raw(std::string bytes, int replies = 1) { return Step{std::move(bytes), replies}; }
// The step's bytes sent a few at a time.
Step Chunked(Step step, size_t chunk) {
  step.chunk = chunk;
  return step;
}
// HELLO with its id masked.
Step Hello(std::string_view words) { return C(words, Compare::kMaskHelloId); }

std::string MaskHelloId(std::string raw) {
  static constexpr std::string_view kId = "$2\r\nid\r\n:";
  size_t at = raw.find(kId);
  if (at == std::string::npos) return raw;
  at += kId.size();
  size_t end = raw.find("\r\n", at);
  if (end == std::string::npos) return raw;
  return raw.replace(at, end - at, "<id>");
}

// Sorts the key/value pairs of a map reply (or a RESP2 array of pairs).
std::string SortPairs(const std::string& raw) {
  size_t header_end = raw.find("\r\n");
  if (header_end == std::string::npos || (raw[0] != '*' && raw[0] != '%')) return raw;
  std::vector<std::string> elements;
  std::string_view rest = std::string_view(raw).substr(header_end + 2);
  ReplyParser parser;
  while (!rest.empty()) {
    size_t consumed = 0;
    RespValue value;
    if (parser.Parse(rest, &consumed, &value) != ReplyParser::Status::kValue) return raw;
    elements.emplace_back(rest.substr(0, consumed));
    rest.remove_prefix(consumed);
  }
  if (elements.size() % 2 != 0) return raw;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < elements.size(); i += 2) pairs.emplace_back(elements[i], elements[i + 1]);
  std::sort(pairs.begin(), pairs.end());
  std::string out = raw.substr(0, header_end + 2);
  for (const auto& [key, value] : pairs) out += key + value;
  return out;
}

std::string Normalize(Compare compare, std::string raw) {
  switch (compare) {
    case Compare::kExact:
      return raw;
    case Compare::kMaskHelloId:
      return MaskHelloId(std::move(raw));
    case Compare::kUnorderedPairs:
      return SortPairs(raw);
    case Compare::kTypeOnly:
      return raw.empty() ? raw : StrCat(raw.substr(0, 1), "...");
  }
  return raw;
}

// What one server answered to a case, as readable text.
std::string RunCase(int port, const DiffCase& c) {
  auto client = RespClient::Connect(port);
  if (!client.ok()) return StrCat("<connect failed: ", client.status().ToString(), ">");
  RespClient& conn = **client;
  std::string transcript;
  for (const Step& step : c.steps) {
    StrAppend(&transcript, "> ", Visible(step.send, 200), "\n");
    bool sent = true;
    if (step.chunk == 0) {
      sent = conn.Send(step.send).ok();
    } else {
      for (size_t pos = 0; sent && pos < step.send.size(); pos += step.chunk) {
        sent = conn.Send(std::string_view(step.send).substr(pos, step.chunk)).ok();
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
    if (!sent) {
      transcript += "< <send failed>\n";
      continue;
    }
    for (int i = 0; i < step.replies; ++i) {
      auto raw = conn.ReadRawReply(milliseconds(3000));
      if (raw.ok()) {
        StrAppend(&transcript, "< ", Visible(Normalize(step.compare, *raw), 2000), "\n");
      } else {
        StrAppend(&transcript, "< <no reply: ", raw.status().message(), ">\n");
        break;
      }
    }
  }
  if (c.expect_close) {
    const bool closed = conn.IsClosedByPeer(milliseconds(3000));
    StrAppend(&transcript, closed ? "<closed by server>" : "<still open>", "\n");
  }
  std::string extra = conn.ReadRawUntilTimeout(milliseconds(c.expect_close ? 0 : 30));
  if (!extra.empty()) StrAppend(&transcript, "<unexpected bytes: ", Visible(extra), ">\n");
  return transcript;
}

std::vector<DiffCase> Cases() {
  const std::string long_arg(150, 'a');
  const std::string binary_key("k\0\r\n*1\r\n", 8);
  const std::string binary_value("\r\n\0\xff$-1\r\n", 10);
  return {
      // Connection commands.
      {"Ping", {C("PING"), C("PING hello"), C("ping"), C("PING a b"), Args({"PING", ""})}},
      {"Echo", {C("ECHO hi"), Args({"ECHO", ""}), Args({"ECHO", "a b"}), C("ECHO"), C("ECHO a b")}},
      {"UnknownCommand",
       {C("FOO"), C("FOO a b"), C("foo A"), Args({"FOO", long_arg, "b", "c"}),
        Args({"FOO", "a", "b", "c", "d", "e", long_arg}), Args({long_arg + long_arg}),
        Args({std::string("FOO\0BAR", 7), std::string("a\0b", 3)})}},
      {"CaseInsensitiveNames",
       {C("sEt K v"), C("GeT K"), C("get k"), C("SET lower v ex 100"), C("ttl lower")}},
      {"Select",
       {C("SELECT 0"), C("SET a 1"), C("SELECT 15"), C("GET a"), C("SET a 2"), C("SELECT 0"),
        C("GET a"), C("SELECT 15"), C("GET a"), C("DBSIZE")}},
      {"SelectOutOfRange",
       {C("SELECT 16"), C("SELECT -1"), C("SELECT 2147483647"), C("SELECT -2147483648"),
        C("SELECT"), C("SELECT 1 2")}},
      {"SelectNotAnInteger",
       {C("SELECT abc"), C("SELECT 1.5"), C("SELECT 99999999999"), Args({"SELECT", ""}),
        C("SELECT 01"), C("SELECT 00"), C("SELECT +1"), Args({"SELECT", " 1"})}},
      {"Quit", {C("QUIT")}, true},
      {"QuitWithArguments", {C("QUIT now")}, true},
      {"QuitStopsThePipeline", {Raw("PING\r\nQUIT\r\nSET k v\r\nPING\r\n", 2)}, true},

      // Strings.
      {"SetGet",
       {C("GET k"), C("SET k v"), C("GET k"), C("SET k w"), C("GET k"), Args({"SET", "e", ""}),
        C("GET e"), C("SET k"), C("SET"), C("GET"), C("GET a b")}},
      {"SetNxXx",
       {C("SET k v XX"), C("GET k"), C("SET k v NX"), C("SET k w NX"), C("GET k"), C("SET k x XX"),
        C("GET k"), C("SET k v NX XX"), C("SET k v XX NX"), C("SET k v nx")}},
      {"SetGetOption",
       {C("SET k v1 GET"), C("SET k v2 GET"), C("GET k"), C("SET k v3 NX GET"),
        C("SET k v4 XX GET"), C("SET missing v XX GET"), C("EXISTS missing"), C("GET k"),
        C("SET k v GET GET")}},
      {"SetExpireOptions",
       {C("SET k v EX 100"), C("TTL k"), C("SET k v PX 100000"), C("TTL k"),
        C("SET k v EXAT 99999999999"), C("PERSIST k"), C("TTL k"), C("SET k v PX 100700"),
        C("TTL k"), C("SET k v EX 10 EX 20"), C("TTL k")}},
      {"SetKeepTtl",
       {C("SET k v EX 100"), C("SET k w KEEPTTL"), C("TTL k"), C("GET k"), C("SET k x"), C("TTL k"),
        C("SET k v KEEPTTL"), C("TTL k")}},
      {"SetPastExpiry",
       {C("SET k v PXAT 1"), C("GET k"), C("EXISTS k"), C("SET k v EXAT 1"), C("DBSIZE")}},
      {"SetOptionErrors",
       {C("SET k v EX 0"), C("SET k v EX -1"), C("SET k v PX 0"), C("SET k v PX -100"),
        C("SET k v EXAT 0"), C("SET k v PXAT 0"), C("SET k v EX abc"), C("SET k v PX 1.5"),
        C("SET k v EX 99999999999999999999"), C("SET k v EX"), C("SET k v EX 10 PX 10"),
        C("SET k v EX 10 KEEPTTL"), C("SET k v KEEPTTL EX 10"), C("SET k v FOO"), C("SET k v 10"),
        C("SET k v EXAT 10 PXAT 10"), C("EXISTS k")}},
      {"SetExpireOverflow",
       {C("SET k v EX 9223372036854775807"), C("SET k v PX 9223372036854775807"),
        C("SET k v EX 9223372036854775"), C("SET k v EX 9223372036854776"),
        C("SET k v EXAT 9223372036854775"), C("SET k v PXAT 9223372036854775807"),
        C("SET k v EX -9223372036854775808"), C("EXISTS k")}},

      // Keyspace.
      {"DelExists",
       {C("SET a 1"), C("SET b 2"), C("EXISTS a"), C("EXISTS a a b c"), C("DEL a b c a"),
        C("EXISTS a b"), C("DEL a"), C("DEL"), C("EXISTS")}},
      {"ExpireTtlPersist",
       {C("TTL nokey"), C("PTTL nokey"), C("EXPIRE nokey 10"), C("PEXPIRE nokey 10"),
        C("PERSIST nokey"), C("SET k v"), C("TTL k"), C("PTTL k"), C("PERSIST k"),
        C("EXPIRE k 100"), C("TTL k"), C("PEXPIRE k 50000"), C("TTL k"), C("PERSIST k"), C("TTL k"),
        C("GET k")}},
      {"ExpireNowOrPast",
       {C("SET k v"), C("EXPIRE k 0"), C("EXISTS k"), C("SET k v"), C("PEXPIRE k -5"), C("GET k"),
        C("SET k v"), C("EXPIRE k -9223372036854775808"), C("EXISTS k")}},
      {"ExpireOptions",
       {C("SET k v"), C("EXPIRE k 100 XX"), C("EXPIRE k 100 GT"), C("EXPIRE k 100 NX"),
        C("EXPIRE k 200 NX"), C("EXPIRE k 50 GT"), C("EXPIRE k 200 GT"), C("EXPIRE k 300 LT"),
        C("EXPIRE k 150 lt"), C("TTL k"), C("EXPIRE k 120 XX LT"), C("TTL k"), C("SET p v"),
        C("EXPIRE p 100 LT"), C("PEXPIRE p 200000 GT"), C("TTL p"), C("EXPIRE k 10 NX NX"),
        C("EXPIRE k 10 XX XX")}},
      {"ExpireErrors",
       {C("SET k v"), C("EXPIRE k 10 NX XX"), C("EXPIRE k 10 NX GT"), C("EXPIRE k 10 GT LT"),
        C("EXPIRE k 10 FOO"), C("EXPIRE k abc"), C("EXPIRE k abc FOO"), C("EXPIRE k 1.5"),
        C("EXPIRE k 9223372036854775807"), C("EXPIRE k 9223372036854775"),
        C("PEXPIRE k 9223372036854775807"), C("EXPIRE k"), C("PEXPIRE k"), C("TTL k")}},
      {"WrongArity",
       {C("TTL"), C("TTL a b"), C("PTTL"), C("PERSIST"), C("PERSIST a b"), C("DBSIZE x"),
        C("EXPIRE"), C("PEXPIRE a")}},
      {"DbSizeFlush",
       {C("DBSIZE"), C("SET a 1"), C("SET b 1"), C("DBSIZE"), C("SELECT 1"), C("SET c 1"),
        C("FLUSHDB"), C("DBSIZE"), C("SELECT 0"), C("DBSIZE"), C("FLUSHDB ASYNC"),
        C("FLUSHDB sync"), C("FLUSHALL SYNC"), C("FLUSHALL async"), C("DBSIZE"), C("FLUSHDB x"),
        C("FLUSHALL a b"), C("FLUSHDB a b")}},

      // HELLO and CLIENT.
      {"Hello", {Hello("HELLO"), Hello("HELLO 2"), Hello("hello 2"), C("GET nokey")}},
      {"HelloErrors",
       {C("HELLO 4"), C("HELLO 1"), C("HELLO abc"), C("HELLO -1"), C("HELLO 2 FOO"),
        C("HELLO 3 SETNAME"), C("HELLO 3 AUTH default"), C("HELLO 2 SETNAME a b"), C("GET nokey")}},
      {"HelloSetName",
       {Hello("HELLO 2 SETNAME myname"), C("CLIENT GETNAME"), Hello("HELLO 2 setname other"),
        C("CLIENT GETNAME"), Args({"HELLO", "2", "SETNAME", "a b"}), C("CLIENT GETNAME")}},
      {"HelloAuthWithoutPassword", {Hello("HELLO 3 AUTH default anything"), C("GET nokey")}},
      {"ClientName",
       {C("CLIENT GETNAME"), C("CLIENT SETNAME foo"), C("CLIENT GETNAME"),
        Args({"CLIENT", "SETNAME", "a b"}), Args({"CLIENT", "SETNAME", "a\nb"}),
        C("CLIENT GETNAME"), Args({"CLIENT", "SETNAME", ""}), C("CLIENT GETNAME"),
        C("client setname"), C("CLIENT GETNAME x"), Args({"CLIENT", "SETNAME", "caf\xc3\xa9"}),
        Args({"CLIENT", "SETNAME", "tab\there"}), C("CLIENT GETNAME")}},
      {"ClientErrors",
       {C("CLIENT"), C("CLIENT FOO"), C("CLIENT foo bar"), C("CLIENT ID x"),
        C("CLIENT ID", Compare::kTypeOnly)}},
      // CLIENT KILL's filters as Sentinel and operators use them. Only filters
      // that match no other connection (a test's own server has only this
      // one, but a closed connection may linger a moment): TYPE master,
      // replica and slave match nobody on a server without replication.
      // MAXAGE is left out: Redis 7.0 refuses it, valkdb has 7.4's.
      {"ClientKillFilters",
       {C("CLIENT KILL TYPE master"), C("CLIENT KILL TYPE replica"), C("CLIENT KILL TYPE slave"),
        C("CLIENT KILL type MASTER skipme no"), C("CLIENT KILL ID 999999999"),
        C("CLIENT KILL ADDR 1.2.3.4:5"), C("CLIENT KILL LADDR 1.2.3.4:5"),
        C("CLIENT KILL ADDR 1.2.3.4:5 USER default"), C("CLIENT KILL 1.2.3.4:5"),
        C("CLIENT KILL ID 999999999 TYPE normal SKIPME no"), C("CLIENT KILL TYPE pubsub ID 1")}},
      {"ClientKillErrors",
       {C("CLIENT KILL"), C("CLIENT KILL TYPE foo"), C("CLIENT KILL TYPE"), C("CLIENT KILL ID 0"),
        C("CLIENT KILL ID -1"), C("CLIENT KILL ID abc"), C("CLIENT KILL ID abc TYPE"),
        C("CLIENT KILL ID 5 SKIPME"), C("CLIENT KILL SKIPME maybe"), C("CLIENT KILL USER nobody"),
        C("CLIENT KILL TYPE normal USER nobody"), C("CLIENT KILL USER nobody TYPE foo"),
        C("CLIENT KILL foo bar"), C("CLIENT KILL ADDR"), C("PING")}},
      {"ClientListFilters",
       {C("CLIENT LIST TYPE master"), C("CLIENT LIST TYPE replica"), C("CLIENT LIST TYPE slave"),
        C("CLIENT LIST TYPE pubsub"), C("CLIENT LIST ID 0"), C("CLIENT LIST ID 999999999 -1"),
        C("CLIENT LIST TYPE foo"), C("CLIENT LIST TYPE"), C("CLIENT LIST ID"),
        C("CLIENT LIST ID abc"), C("CLIENT LIST ID 1 TYPE"), C("CLIENT LIST TYPE normal extra"),
        C("CLIENT LIST foo bar"), C("CLIENT LIST foo"), C("CLIENT INFO extra")}},

      // CONFIG, COMMAND and INFO errors (their full output legitimately differs).
      {"ConfigGet",
       {C("CONFIG GET maxclients"), C("CONFIG GET MAXCLIENTS"), C("CONFIG GET save"),
        C("CONFIG GET appendonly"), C("CONFIG GET databases"), C("CONFIG GET timeout"),
        C("CONFIG GET maxmemory"), C("CONFIG GET maxmemory-policy"),
        C("CONFIG GET proto-max-bulk-len"), C("CONFIG GET no-such-parameter"),
        C("CONFIG GET appendfsyn?"), C("CONFIG GET [d]atabases")}},
      {"ConfigGetSeveral",
       {C("CONFIG GET save appendonly", Compare::kUnorderedPairs),
        C("CONFIG GET appendf*", Compare::kUnorderedPairs),
        C("CONFIG GET maxmemory-p* maxclients", Compare::kUnorderedPairs),
        C("CONFIG GET maxclients maxclients", Compare::kUnorderedPairs)}},
      {"ConfigErrors",
       {C("CONFIG"), C("CONFIG GET"), C("CONFIG FOO"), C("config foo bar"), C("CONFIG HELP x")}},
      {"CommandErrors",
       {C("COMMAND FOO"), C("COMMAND COUNT x"), C("COMMAND HELP x"), C("COMMAND LIST x y")}},
      {"CommandInfoUnknown", {C("COMMAND INFO nosuchcommand"), C("COMMAND DOCS nosuchcommand")}},
      {"InfoUnknownSection", {C("INFO nosuchsection")}},

      // Binary data.
      {"BinaryKeysAndValues",
       {Args({"SET", binary_key, binary_value}), Args({"GET", binary_key}),
        Args({"ECHO", binary_value}), Args({"EXISTS", binary_key, "k"}),
        Args({"DEL", binary_key})}},

      // Inline commands.
      {"Inline",
       {Raw("PING\r\n"), Raw("PING\n"), Raw("  PING   \r\n"), Raw("ECHO \"hello world\"\r\n"),
        Raw("ECHO 'single quoted'\r\n"), Raw("ECHO \"\\x41\\n\\t\\\\\"\r\n"),
        Raw("SET inline value\r\nGET inline\r\n", 2), Raw("GET \"\"\r\n"), Raw("FOO bar baz\r\n")}},
      {"InlineQuoting",
       {Raw("PING\tx\r\n"), Raw("ECHO a\tb\r\n"), Raw("ECHO \"\\xZZ\"\r\n"),
        Raw("ECHO \"\\x4\"\r\n"), Raw("ECHO \"a\\\"b\"\r\n"), Raw("ECHO a\"b\"\r\n"),
        Raw("ECHO 'a\\nb'\r\n"), Raw("ECHO \"\" \"\"\r\n"), Raw("$4\r\nPING\r\n", 2),
        Raw("+PING\r\n")}},
      {"BulkNotFollowedByCrlf",
       {Raw("*1\r\n$4\r\nPINGxx\r\n"), Raw("*1\r\n$4\r\nPINGxxPING\r\n", 2),
        Raw("*2\r\n$4\r\nECHO\r\n$3\r\nabcXY*1\r\n$4\r\nPING\r\n", 2)}},
      {"EmptyCommandName", {Raw("*1\r\n$0\r\n\r\n"), Raw("*-5\r\nPING\r\n")}},
      {"InlineBlankLines", {Raw("\r\n\n \r\n\n\nPING\r\n")}},
      {"EmptyMultibulk", {Raw("*0\r\n*-1\r\nPING\r\n"), Raw("*2\r\n$3\r\nGET\r\n$0\r\n\r\n")}},
      {"SplitByteByByte",
       {Chunked(C("PING"), 1), Chunked(C("SET k v"), 1), Chunked(C("GET k"), 1),
        Chunked(C("ECHO hello"), 1), Chunked(C("FOO abc defgh"), 1),
        Chunked(Raw("ECHO inline\r\n"), 1)}},
      {"SplitInSmallChunks",
       {Chunked(Raw(Encode({"SET", "split-key", "split\r\nvalue"}) + "GET split-key\r\n", 2), 2),
        Chunked(Raw(Encode({"SET", "split-key", "other"}) + Encode({"GET", "split-key"}), 2), 3),
        Chunked(Raw(Encode({"ECHO", std::string(100, 'e')}) + Encode({"PING"}), 2), 7)}},
      {"PipelinedMix",
       {Raw(Encode({"SET", "a", "1"}) + "GET a\r\n" + Encode({"GET", "a"}) + "PING x\r\n" +
                Encode({"DEL", "a"}) + Encode({"GET", "a"}),
            6)}},

      // Protocol errors: the error, then the connection closes.
      {"ProtocolErrorExpectedDollar", {Raw("*1\r\n+4\r\n")}, true},
      {"ProtocolErrorMultibulkLength", {Raw("*abc\r\n")}, true},
      {"ProtocolErrorMultibulkTooLong", {Raw("*3000000000\r\n")}, true},
      {"ProtocolErrorBulkLength", {Raw("*1\r\n$abc\r\n")}, true},
      {"ProtocolErrorNegativeBulkLength", {Raw("*1\r\n$-1\r\n")}, true},
      {"ProtocolErrorBulkTooBig", {Raw("*2\r\n$4\r\nECHO\r\n$536870913\r\n")}, true},
      {"ProtocolErrorUnbalancedQuotes", {Raw("ECHO \"a\r\n")}, true},
      {"ProtocolErrorClosingQuoteNotFollowedBySpace", {Raw("ECHO \"a\"b\r\n")}, true},
      {"ProtocolErrorLeadingZeroInBulkLength", {Raw("*1\r\n$04\r\nPING\r\n")}, true},
      {"ProtocolErrorPlusSignInCount", {Raw("*+1\r\n$4\r\nPING\r\n")}, true},
      {"ProtocolErrorSpaceInCount", {Raw("*1 \r\n$4\r\nPING\r\n")}, true},
      {"ProtocolErrorBareNewlineInMultibulk", {Raw("*1\n$4\nPING\r\n")}, true},
      {"ProtocolErrorQuoteFollowedByWord", {Raw("ECHO \"\"x\r\n")}, true},
      {"ProtocolErrorTooBigMultibulkCount", {Raw(StrCat("*", std::string(70 * 1024, '1')))}, true},
      {"ProtocolErrorTooBigBulkCount", {Raw(StrCat("*1\r\n$", std::string(70 * 1024, '1')))}, true},
      {"ProtocolErrorTooBigInline", {Raw(std::string(70 * 1024, 'a'))}, true},
      {"ProtocolErrorAfterGoodCommands",
       {Raw(Encode({"SET", "k", "v"}) + "PING\r\n*1\r\n+4\r\n" + Encode({"GET", "k"}), 3)},
       true},

      // Redis Cluster's commands on a server that is not a cluster node, and
      // MODULE on one that loads no modules (enable-module-command no).
      {"ClusterCommandsWithoutCluster",
       {C("CLUSTER INFO"),
        C("CLUSTER HELP"),
        C("CLUSTER KEYSLOT a"),
        C("CLUSTER RESET HARD"),
        C("CLUSTER SLOTS"),
        C("CLUSTER"),
        C("CLUSTER NOSUCH"),
        C("CLUSTER INFO x"),
        C("CLUSTER KEYSLOT"),
        C("ASKING"),
        C("READONLY"),
        C("READWRITE"),
        C("ASKING x"),
        C("MULTI"),
        C("CLUSTER INFO"),
        C("READONLY"),
        C("EXEC"),
        Args({"EVAL", "return redis.pcall('cluster','info')", "0"}),
        Args({"EVAL", "return redis.pcall('readwrite')", "0"}),
        Args({"EVAL", "return redis.call('cluster','reset','hard')", "0"})}},
      {"ModuleCommands",
       {C("MODULE LIST"), C("MODULE HELP"), C("MODULE LOAD /no/such/module.so"),
        C("MODULE LOADEX /no/such/module.so"), C("MODULE UNLOAD nosuch"), C("MODULE"),
        C("MODULE LIST x"), C("MODULE UNLOAD"), C("MODULE NOSUCH"), C("MULTI"),
        C("MODULE LOAD /no/such/module.so"), C("MODULE LIST"), C("EXEC")}},
      {"RestoreAsking",
       {Args({"RESTORE-ASKING", "k", "0",
              std::string("\x00\x01v\n\x00\x91\b\xce\xb2\x19"
                          "8\x8a\xce",
                          13)}),
        C("GET k"), C("TYPE k"), Args({"RESTORE-ASKING", "k", "0", "bad"}), C("RESTORE-ASKING k 0"),
        C("DEL k")}},
      {"Resp3ClusterAndModule",
       {Hello("HELLO 3"), C("CLUSTER INFO"), C("READONLY"), C("MODULE LIST"), C("MODULE HELP")}},

      // RESP3.
      {"Resp3Basics",
       {Hello("HELLO 3"), C("GET nokey"), C("SET k v"), C("GET k"), C("PING"), C("PING x"),
        C("ECHO x"), C("EXISTS k"), C("TTL k"), C("SET k v GET"), C("SET k2 v NX GET"),
        C("SET k v NX"), C("CLIENT GETNAME"), C("DEL k k2"), C("FOO")}},
      {"Resp3Errors",
       {Hello("HELLO 3"), C("SET k v EX 0"), C("SELECT 100"), C("GET"), C("HELLO 4"),
        C("GET nokey"), C("EXPIRE k 10 NX XX")}},
      {"Resp3ConfigGet",
       {Hello("HELLO 3"), C("CONFIG GET maxclients"), C("CONFIG GET no-such-parameter"),
        C("CONFIG GET save appendonly", Compare::kUnorderedPairs)}},
      {"Resp3CommandInfoUnknown",
       {Hello("HELLO 3"), C("COMMAND INFO nosuchcommand"), C("COMMAND DOCS nosuchcommand")}},
      {"Resp3BackTo2", {Hello("HELLO 3"), Hello("HELLO 2"), C("GET nokey"), Hello("HELLO")}},
      {"Resp3Inline", {Hello("HELLO 3"), Raw("GET nokey\r\n"), Raw("SET a 1\r\nGET a\r\n", 2)}},
      {"Resp3ProtocolError", {Hello("HELLO 3"), Raw("*1\r\n+4\r\n")}, true},
  };
}

// The instantiation is named "compat" and the helper suite "compat_..." so
// that `ctest -R compat` selects them (tests/CMakeLists.txt adds no prefix).
class DifferentialTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(DifferentialTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

INSTANTIATE_TEST_SUITE_P(compat, DifferentialTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// The normalisations themselves.
TEST(compat_DifferentialHelpers, MaskHelloId) {
  EXPECT_EQ(MaskHelloId("%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:42\r\n"),
            "%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:<id>\r\n");
}

TEST(compat_DifferentialHelpers, SameTranscriptsUpToClock) {
  const std::string ttl = "> *2\\r\\n$3\\r\\nTTL\\r\\n$1\\r\\nk\\r\\n\n";
  const std::string pttl = "> *2\\r\\n$4\\r\\npttl\\r\\n$1\\r\\nk\\r\\n\n";
  const std::string get = "> *2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n\n";
  EXPECT_TRUE(SameTranscriptsUpToClock(ttl + "< :100\\r\\n\n", ttl + "< :99\\r\\n\n"));
  EXPECT_FALSE(SameTranscriptsUpToClock(ttl + "< :100\\r\\n\n", ttl + "< :97\\r\\n\n"));
  EXPECT_FALSE(SameTranscriptsUpToClock(ttl + "< :-1\\r\\n\n", ttl + "< :-2\\r\\n\n"));
  EXPECT_FALSE(SameTranscriptsUpToClock(ttl + "< :1\\r\\n\n", ttl + "< :-2\\r\\n\n"));
  EXPECT_TRUE(SameTranscriptsUpToClock(pttl + "< :99000\\r\\n\n", pttl + "< :99900\\r\\n\n"));
  EXPECT_FALSE(SameTranscriptsUpToClock(get + "< :100\\r\\n\n", get + "< :99\\r\\n\n"));
  EXPECT_FALSE(SameTranscriptsUpToClock(ttl + "< :100\\r\\n\n", ttl + "< +100\\r\\n\n"));
}

TEST(compat_DifferentialHelpers, SortPairs) {
  EXPECT_EQ(SortPairs("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$0\r\n\r\n"),
            "*4\r\n$1\r\na\r\n$0\r\n\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(SortPairs("%1\r\n$1\r\nb\r\n$1\r\n2\r\n"), "%1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(SortPairs("-ERR x\r\n"), "-ERR x\r\n");
}

}  // namespace
}  // namespace valkdb::test
