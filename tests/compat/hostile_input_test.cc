// Hostile input: malformed, odd and abusive byte streams go, byte for byte the
// same, to valkdb and to a real redis-server. Everything each server sends back
// (until it closes the connection or goes quiet) and whether it closed the
// connection must be identical: the oracle is the expectation, no reply text is
// written down here. After every case a fresh client on valkdb still gets PONG,
// a connection opened when the suite started still works, and a key written
// then still holds its value.

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

using namespace std::literals;
using std::chrono::milliseconds;

// How long a server may stay silent before we take it that it waits for more
// input. Only cases where a server keeps the connection open pay for it.
constexpr milliseconds kQuiet{200};
// When the two servers' outcomes differ, the slower one gets up to this much longer
// to catch up before they are compared (a busy machine, not a real mismatch).
constexpr milliseconds kCatchUp{30000};

constexpr std::string_view kPassword = "hostile-pw";
constexpr std::string_view kSentinelKey = "hostile:sentinel";
const std::string kSentinelValue = "written before any hostile input\r\n\0\xff"s;

enum class Ending {
  kRead,       // read what comes back until the server closes or goes quiet
  kHalfClose,  // shut down our sending side first, then read
  kClose,      // close the connection right after sending (nothing to compare)
};

// How the pair of servers a case runs against is configured.
enum class ServerConfig {
  kDefault,
  kRequirePass,       // requirepass set: the client is not authenticated
  kSmallQueryBuffer,  // client-query-buffer-limit 1mb (Redis's smallest)
};
constexpr int kConfigs = 3;

struct Send {
  std::string bytes;
  // Whole replies to read before the next send, so that the server has run
  // everything before it (e.g. AUTH) before the next bytes arrive.
  int await_replies = 0;
};

struct HostileCase {
  std::string name;
  std::vector<Send> sends;
  size_t chunk = 0;  // when set, every send goes out `chunk` bytes per write
  Ending ending = Ending::kRead;
  ServerConfig config = ServerConfig::kDefault;
  // Whether the server closing the connection must match too (see ReplyOffCases).
  bool compare_closed = true;
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

HostileCase Case(std::string name, std::string bytes, Ending ending = Ending::kRead) {
  return HostileCase{std::move(name), {Send{std::move(bytes)}}, 0, ending, ServerConfig::kDefault};
}
HostileCase ByteByByte(std::string name, std::string bytes) {
  HostileCase c = Case(std::move(name), std::move(bytes));
  c.chunk = 1;
  return c;
}
HostileCase Unauthenticated(std::string name, std::vector<Send> sends) {
  return HostileCase{std::move(name), std::move(sends), 0, Ending::kRead,
                     ServerConfig::kRequirePass};
}
HostileCase SmallQueryBuffer(std::string name, std::string bytes) {
  HostileCase c = Case(std::move(name), std::move(bytes));
  c.config = ServerConfig::kSmallQueryBuffer;
  return c;
}

std::string Frame(const std::vector<std::string>& args) { return Encode(args); }

// Deterministic junk: every byte value, biased towards RESP's own characters.
std::string Junk(uint32_t seed, size_t size) {
  static constexpr std::string_view kSpecial = "*$\r\n\0\"'\\ +-:%~_>#,(=|!x0123456789"sv;
  std::mt19937 rng(seed);
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    const uint32_t r = rng();
    out.push_back(r % 3 == 0 ? static_cast<char>(r >> 8) : kSpecial[(r >> 8) % kSpecial.size()]);
  }
  return out;
}

std::vector<HostileCase> Cases() {
  const std::string digits_70k(70 * 1024, '1');
  std::vector<HostileCase> cases = {
      // Multibulk count.
      Case("CountNotANumber", "*abc\r\n"),
      Case("CountNegative", "*-5\r\nPING\r\n"),
      Case("CountMinusOne", "*-1\r\nPING\r\n"),
      Case("CountMinusZero", "*-0\r\nPING\r\n"),
      Case("CountZero", "*0\r\nPING\r\n"),
      Case("CountInt64Min", "*-9223372036854775808\r\nPING\r\n"),
      Case("CountAboveIntMax", "*3000000000\r\n"),
      Case("CountJustAboveIntMax", "*2147483648\r\n"),
      Case("CountIntMaxWaits", "*2147483647\r\n$4\r\nPING\r\n"),
      Case("CountOverflowsInt64", "*99999999999999999999\r\n"),
      Case("CountEmpty", "*\r\n"),
      Case("StarAlone", "*"),
      Case("CountLeadingZero", "*01\r\n$4\r\nPING\r\n"),
      Case("CountPlusSign", "*+1\r\n$4\r\nPING\r\n"),
      Case("CountSpaces", "* 1 \r\n$4\r\nPING\r\n"),
      Case("CountHex", "*0x1\r\n$4\r\nPING\r\n"),
      Case("CountBareLineFeeds", "*1\n$4\nPING\r\n"),
      Case("CountCROnly", "*1\r"),
      Case("CountCRThenAnyByte", "*1\rX$4\r\nPING\r\n"),
      Case("CountStringOver64KB", "*" + digits_70k),
      Case("CountStringAt64KBWaits", "*" + std::string(65535, '1')),
      Case("CountStringOver64KBAfterCommand", "PING\r\n*" + std::string(65536, '1')),
      Case("CountStringAt64KBAfterCommandWaits", "PING\r\n*" + std::string(65535, '1')),

      // Bulk length.
      Case("BulkNotANumber", "*1\r\n$abc\r\n"),
      Case("BulkMinusOneInRequest", "*1\r\n$-1\r\n"),
      Case("BulkMinusOneAfterArg", "*2\r\n$4\r\nECHO\r\n$-1\r\n"),
      Case("BulkEmpty", "*1\r\n$\r\n"),
      Case("BulkLeadingZero", "*1\r\n$04\r\nPING\r\n"),
      Case("BulkSpaces", "*1\r\n$ 4\r\nPING\r\n"),
      Case("BulkPlusSign", "*1\r\n$+4\r\nPING\r\n"),
      Case("BulkHighBitByte", "*1\r\n$\x80\r\nPING\r\n"),
      Case("BulkAboveProtoMaxBulkLen", "*2\r\n$4\r\nECHO\r\n$536870913\r\n"),
      Case("BulkInt64Max", "*1\r\n$9223372036854775807\r\n"),
      Case("BulkOverflowsInt64", "*1\r\n$99999999999999999999\r\n"),
      Case("BulkAtProtoMaxBulkLenWaits", "*2\r\n$4\r\nECHO\r\n$536870912\r\n"),
      Case("BulkCountStringOver64KB", "*1\r\n$" + digits_70k),
      Case("BulkCountStringAt64KBWaits", "*1\r\n$" + std::string(65535, '1')),
      Case("BulkShorterThanAnnouncedWaits", "*1\r\n$10\r\nPING\r\n"),

      // Something other than '$' where a bulk header belongs.
      Case("ExpectedDollarGotPlus", "*1\r\n+4\r\n"),
      Case("ExpectedDollarGotColon", "*1\r\n:4\r\n"),
      Case("ExpectedDollarGotStar", "*1\r\n*1\r\n"),
      Case("ExpectedDollarGotCR", "*1\r\n\r\n"),
      Case("ExpectedDollarGotLF", "*1\r\n\n\r\n"),
      Case("ExpectedDollarGotLetter", "*2\r\n$4\r\nECHO\r\nhi\r\n"),
      Case("ExpectedDollarGotHighByte", "*1\r\n\xff\r\n"),
      Case("ExpectedDollarGotResp3Map", "*1\r\n%1\r\n"),
      Case("ExpectedDollarGotResp3Null", "*1\r\n_\r\n"),
      Case("ExpectedDollarAfterCommand", "PING\r\n*1\r\nPING\r\n"),

      // The two bytes after a bulk payload are not checked (and not CRLF here).
      Case("MissingCrlfAfterBulk", "*1\r\n$4\r\nPINGxx"),
      Case("MissingCrlfAfterBulkThenMore", "*1\r\n$4\r\nPINGxxPING\r\n"),
      Case("MissingCrlfEatsNextFrame", "*2\r\n$4\r\nECHO\r\n$3\r\nabcXY*1\r\n$4\r\nPING\r\n"),
      Case("OneByteAfterBulkWaits", "*1\r\n$4\r\nPINGx"),
      Case("MissingCrlfAfterBigBulk",
           "*2\r\n$4\r\nECHO\r\n$40000\r\n" + std::string(40000, 'x') + "XYPING\r\n"),
      HostileCase{"BigBulkInPiecesThenGarbage",
                  {{"*2\r\n$4\r\nECHO\r\n$40000\r\n" + std::string(20000, 'x')},
                   {std::string(20000, 'y') + "\r\n*1\r\n$-2\r\n"}}},
      Case("EmptyCommandName", "*1\r\n$0\r\n\r\n"),

      // Empty frames and lines.
      Case("EmptyMultibulkThenCommand", "*0\r\n*-1\r\n*0\r\nPING\r\n"),
      Case("EmptyLines", "\r\n\r\n\n\n\r\nPING\r\n"),
      Case("BlankLines", "   \r\n\t\t\n \r\nPING\r\n"),
      Case("LoneCR", "\r"),
      Case("LoneLF", "\n"),
      Case("CRsThenCommand", "\r\r\r\nPING\r\n"),
      Case("LoneCRBeforeCommand", "\rPING\r\n"),

      // Inline quoting and escapes.
      Case("InlineUnbalancedDoubleQuote", "ECHO \"a\r\n"),
      Case("InlineUnbalancedHexEscape", "ECHO \"a\\x4\r\n"),
      Case("InlineShortHexEscapeQuoted", "ECHO \"a\\x4\"\r\n"),
      Case("InlineHexEscapeNul", "ECHO \"a\\x00b\"\r\n"),
      Case("InlineUnbalancedSingleQuote", "ECHO 'a\r\n"),
      Case("InlineCharAfterDoubleQuote", "ECHO \"a\"b\r\n"),
      Case("InlineCharAfterSingleQuote", "ECHO 'a'b\r\n"),
      Case("InlineBackslashAtEndOfQuote", "ECHO \"a\\\r\n"),
      Case("InlineEscapedQuoteOnly", "\"\\\"\r\n"),
      Case("InlineQuoteAfterCommand", "PING\r\nECHO \"x\r\nPING\r\n"),
      Case("InlineOver64KB", std::string(70 * 1024, 'a')),
      Case("InlineAt64KBWaits", std::string(65536, 'a')),
      Case("InlineOver64KBAfterCommand", "PING\r\n" + std::string(65537, 'a')),
      HostileCase{"InlineAt64KBThenNewline", {{std::string(65536, 'a')}, {"\n"}}},
      Case("InlineDoubleCR", "PING\r\r\n"),
      Case("InlineOddWhitespaceAndHighBytes",
           "PI\rNG\r\nECHO\ta\vb\fc\r\n\v\fPING\r\nECHO a\x85"
           "b\xa0"
           "c\r\nECHO \"a\"\t'b'\r\n"),
      Case("InlineOnlyQuotes", "\"\"\r\n''\r\n"),
      Case(
          "InlineManyArgs", "ECHO" +
                                [] {
                                  std::string args;
                                  for (int i = 0; i < 20000; ++i) args += " a";
                                  return args;
                                }() +
                                "\r\n"),

      // NUL bytes: Redis finds line ends with strchr(), which stops at a NUL.
      Case("NulInCountLine", "*1\0\r\n$4\r\nPING\r\n"s),
      Case("NulStartsCountLine", "*\0\r\n"s),
      Case("NulInBulkHeader", "*1\r\n$4\0\r\nPING\r\n"s),
      Case("NulStartsBulkHeader", "*1\r\n\0$4\r\nPING\r\n"s),
      Case("NulInSecondBulkHeader", "*2\r\n$4\r\nECHO\r\n$1\0\r\nx\r\n"s),
      Case("NulAfterCountCR", "*1\r\0$4\r\nPING\r\n"s),
      Case("NulAfterBulkHeaderCR", "*1\r\n$4\r\0PING\r\n"s),
      Case("NulInInline", "PI\0NG\r\nPING\r\n"s),
      Case("NulStartsInline", "\0\r\nPING\r\n"s),
      Case("NulBetweenInlineCRAndLF", "PING\r\0\nPING\r\n"s),
      Case("NulsOnly", std::string(16, '\0')),
      Case("NulAfterCommand", "PING\r\n\0PING\r\n"s),
      Case("NulInPayloadIsData", "*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n"s),
      Case("NulInlineOver64KB", "P\0\r\n"s + std::string(65535, 'x')),
      Case("NulInlineAt64KBWaits", "P\0"s + std::string(65534, '\n')),
      Case("NulCountLineOver64KB", "*1\0\r\n"s + std::string(65535, '\r')),
      Case("NulBulkHeaderOver64KB", "*1\r\n$4\0\r\n"s + std::string(65535, 'x')),
      Case("NulBulkHeaderAt64KBWaits", "*1\r\n$4\0"s + std::string(65533, 'x')),
      Case("NulLineOver64KBAfterCommand", "PING\r\n*1\r\n\0"s + std::string(65536, 'x')),

      // Binary junk.
      Case("HighBytesInline", "\xff\xfe\x01\x02\r\n"),
      Case("HighBytesUnterminated", "\xff\xfe\x01\x02"),
      Case("ControlBytesInline", "\x01\x02\x03 \x1b[2J\x7f\r\n"),
      Case("Junk1", Junk(1, 3000)),
      Case("Junk2", Junk(2, 3000)),
      Case("Junk3", Junk(3, 3000)),
      Case("Junk4", Junk(4, 20000)),

      // RESP3 (and RESP2 reply) type prefixes sent as requests: inline commands.
      Case("Resp3MapAsRequest", "%1\r\n"),
      Case("Resp3SetAsRequest", "~1\r\n"),
      Case("Resp3NullAsRequest", "_\r\n"),
      Case("Resp3Types",
           "%1\r\n~1\r\n_\r\n>1\r\n#t\r\n,1.5\r\n(12\r\n=5\r\ntxt:a\r\n|1\r\n!3\r\nerr\r\n"),
      Case("Resp2ReplyTypes", "+PING\r\n-ERR x\r\n:1\r\n$4\r\nPING\r\n"),
      Case("Resp3FramesInsideMultibulk", "*2\r\n$4\r\nECHO\r\n%1\r\n$1\r\na\r\n$1\r\nb\r\n"),

      // A valid command, then garbage in the same packet: the command is
      // answered first, what follows the error is not run.
      Case("CommandThenBadCount", "PING\r\n*abc\r\n"),
      Case("CommandsThenBadBulk",
           Frame({"SET", "k", "v"}) + "GET k\r\n*1\r\n$x\r\n" + Frame({"DEL", "k"})),
      Case("CommandThenUnbalancedQuotes", Frame({"ECHO", "x"}) + "ECHO \"y\r\nPING\r\n"),
      Case("CommandThenExpectedDollar", "PING\r\n*1\r\n+4\r\nPING\r\n"),
      Case("CommandThenJunk", "PING\r\n" + Junk(5, 2000)),
      Case("MultiThenProtocolError", "MULTI\r\nPING\r\n*1\r\n$-1\r\n"),
      Case("SubscribedThenProtocolError", "SUBSCRIBE hostile:ch\r\n*abc\r\n"),
      Case("ReplySkipUsedThenProtocolError", "CLIENT REPLY SKIP\r\nPING\r\n*abc\r\n"),
      Case("ManyCommandsThenGarbage",
           [] {
             std::string stream;
             for (int i = 0; i < 20000; ++i) stream += i % 2 ? "PING\r\n" : "*1\r\n$4\r\nPING\r\n";
             return stream + "*1\r\n$4\r\nPING\r\n*abc\r\nPING\r\n";
           }()),

      // The server reads these a byte at a time: the resumable parser.
      ByteByByte("ByteByByteBadCount", "*ab\r\n"),
      ByteByByte("ByteByByteBadBulk", "*1\r\n$-1\r\n"),
      ByteByByte("ByteByByteExpectedDollar", "*2\r\n$4\r\nECHO\r\n:1\r\n"),
      ByteByByte("ByteByByteMissingCrlf", "*1\r\n$4\r\nPINGxxPING\r\n"),
      ByteByByte("ByteByByteUnbalanced", "ECHO \"a\\x4\r\n"),
      ByteByByte("ByteByByteNulInBulkHeader", "*1\r\n$4\0\r\nPING\r\n"s),
      ByteByByte("ByteByByteNulInCountLine", "*1\0\r\n$4\r\nPING\r\n"s),
      ByteByByte("ByteByByteNulInInline", "PI\0NG\r\nPING\r\n"s),
      ByteByByte("ByteByByteCRThenAnyByte", "*1\rX$4\rYPING\r\n"),

      // Half-sent frames, then the client goes away.
      Case("HalfFrameThenClose", "*3\r\n$3\r\nSET\r\n$1\r\nk", Ending::kClose),
      Case("HalfHeaderThenClose", "*1\r\n$4", Ending::kClose),
      Case("HalfInlineThenClose", "SET k", Ending::kClose),
      Case("HalfBigArgThenClose",
           "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + std::string(50000, 'v'), Ending::kClose),
      Case("HalfFrameThenHalfClose", "*1\r\n$4\r\nPI", Ending::kHalfClose),
      Case("CommandThenHalfClose", "PING\r\n", Ending::kHalfClose),
      Case("CommandAndHalfFrameThenHalfClose", "PING\r\n*2\r\n$4\r\nECHO\r\n", Ending::kHalfClose),
      Case("NulLineThenHalfClose", "*1\r\n$4\0\r\n"s, Ending::kHalfClose),

      // Huge argument counts with only a few arguments.
      Case("HugeCountFewArgsThenClose", "*1000000\r\n$3\r\nSET\r\n$1\r\nk\r\n", Ending::kClose),
      Case("IntMaxCountFewArgsThenClose", "*2147483647\r\n" + std::string(300, 'x'),
           Ending::kClose),
      Case("HugeCountManyTinyArgsWaits",
           [] {
             std::string frame = "*2000000\r\n";
             for (int i = 0; i < 20000; ++i) frame += "$1\r\na\r\n";
             return frame;
           }()),
      Case("ManyArguments",
           [] {
             std::vector<std::string> args = {"DEL"};
             for (int i = 0; i < 30000; ++i) args.push_back("nokey:" + std::to_string(i));
             return Frame(args);
           }()),

      // Before AUTH (servers started with requirepass).
      Unauthenticated("UnauthCountOverTen", {{"*11\r\n"}}),
      Unauthenticated("UnauthCountTenWaits", {{"*10\r\n$4\r\nECHO\r\n"}}),
      Unauthenticated("UnauthBulkOver16K", {{"*2\r\n$4\r\nECHO\r\n$16385\r\n"}}),
      Unauthenticated("UnauthBulk16KIsRun",
                      {{"*2\r\n$4\r\nECHO\r\n$16384\r\n" + std::string(16384, 'b') + "\r\n"}}),
      Unauthenticated("UnauthInlineNotLimited", {{"ECHO " + std::string(20000, 'x') + "\r\n"}}),
      Unauthenticated("UnauthInvalidCountFirst", {{"*abc\r\n"}}),
      Unauthenticated("UnauthCountAboveIntMax", {{"*2147483648\r\n"}}),
      Unauthenticated("UnauthNegativeCount", {{"*-20\r\nPING\r\n"}}),
      Unauthenticated("UnauthInvalidBulkFirst", {{"*1\r\n$-1\r\n"}}),
      Unauthenticated("UnauthHugeBulkIsInvalid", {{"*1\r\n$536870913\r\n"}}),
      Unauthenticated("UnauthNulInHeaderWaits", {{"*11\0\r\n"s}}),
      Unauthenticated("UnauthCommandThenBigCount", {{"PING\r\n*12\r\n"}}),
      Unauthenticated("UnauthWrongPasswordThenBigCount", {{"AUTH wrong\r\n", 1}, {"*12\r\n"}}),
      Unauthenticated("AuthThenBigCount",
                      {{"AUTH " + std::string(kPassword) + "\r\n", 1}, {"*12\r\n$4\r\nECHO\r\n"}}),
      // Over client-query-buffer-limit the connection is closed without a reply.
      SmallQueryBuffer("QueryBufferOverLimitInOneArgument",
                       "*2\r\n$4\r\nECHO\r\n$2000000\r\n" + std::string(1500000, 'x')),
      SmallQueryBuffer("QueryBufferArgumentUnderLimit", Frame({"ECHO", std::string(900000, 'x')})),
      SmallQueryBuffer("QueryBufferTwoArgumentsOverLimitInTotal",
                       Frame({"ECHO", std::string(600000, 'x'), std::string(600000, 'y')})),
      SmallQueryBuffer("QueryBufferPipelineOverLimitInTotal",
                       [] {
                         std::string stream;
                         for (int i = 0; i < 300000; ++i) stream += "PING\r\n";
                         return stream;
                       }()),
      Unauthenticated("AuthThenBigBulk", {{Frame({"AUTH", std::string(kPassword)}), 1},
                                          {Frame({"ECHO", std::string(20000, 'y')})}}),
  };
  return cases;
}

// Cases where Redis runs a command before it reads the frame after it, which
// valkdb does too for the commands that change what follows (see
// DecidesWhatFollows in server/net/connection.cc).
std::vector<HostileCase> RunBeforeParsingCases() {
  return {
      // Redis stops reading a connection's input after QUIT: the bad frame
      // behind it is never parsed, so only +OK comes back.
      Case("QuitThenGarbage", "QUIT\r\n*abc\r\n"),
      Case("QuitThenPing", "QUIT\r\nPING\r\n"),
      // Redis takes "Host:" (and "POST") for a cross-protocol attack: it logs,
      // drops the replies not yet written (here GET's error) and closes the
      // connection without a word.
      Case("HttpRequest", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
      Case("HttpPost", "POST / HTTP/1.1\r\n\r\n"),
      Case("PingThenPostMultibulk", "PING\r\n*1\r\n$4\r\npost\r\nPING\r\n"),
      // Pipelined after AUTH in the same packet, Redis has run AUTH before it
      // reads the next frame's header, so the unauthenticated limits no longer
      // apply.
      Unauthenticated("AuthPipelinedWithBigCount",
                      {{"AUTH " + std::string(kPassword) + "\r\n*12\r\n$4\r\nECHO\r\n"}}),
      Unauthenticated("AuthPipelinedWithBigBulk", {{Frame({"AUTH", std::string(kPassword)}) +
                                                    Frame({"ECHO", std::string(20000, 'y')})}}),
      Unauthenticated("WrongAuthPipelinedWithBigBulk",
                      {{Frame({"AUTH", "wrong"}) + Frame({"ECHO", std::string(20000, 'y')})}}),
  };
}

// With replies off (or the next one skipped), Redis sends no protocol error
// either, and valkdb matches that byte for byte. Only the connection differs,
// on purpose: Redis marks it to close after its reply, but as nothing is left
// to write it stays open reading nothing more (until the client or `timeout`
// ends it); valkdb closes it.
std::vector<HostileCase> ReplyOffCases() {
  std::vector<HostileCase> cases = {
      Case("ReplyOffThenProtocolError", "CLIENT REPLY OFF\r\n*abc\r\n"),
      Case("ReplySkipThenProtocolError", "CLIENT REPLY SKIP\r\n*abc\r\n"),
      Case("ReplyOffThenTooBigInline", "CLIENT REPLY OFF\r\n" + std::string(70000, 'x')),
  };
  for (HostileCase& c : cases) c.compare_closed = false;
  return cases;
}

// Subscription confirmations and messages are pushes to Redis (in RESP2
// too): CLIENT REPLY OFF and SKIP silence the other replies, not these.
std::vector<HostileCase> PushesUnderReplyOffCases() {
  return {
      Case("ReplyOffSubscribeUnsubscribe",
           "CLIENT REPLY OFF\r\nSUBSCRIBE a\r\nPING\r\n"
           "UNSUBSCRIBE a\r\nCLIENT REPLY ON\r\n"),
      Case("ReplySkipSubscribe", "CLIENT REPLY SKIP\r\nSUBSCRIBE a\r\nSUBSCRIBE b\r\n"),
      Case("ReplyOffPatternsAndEmptyUnsubscribe",
           "CLIENT REPLY OFF\r\nPSUBSCRIBE x*\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\n"),
      Case("ReplyOffResp3MessagesToSelf",
           "CLIENT REPLY OFF\r\nHELLO 3\r\nSUBSCRIBE a\r\nPUBLISH a hi\r\nPING\r\n"
           "UNSUBSCRIBE a\r\nPSUBSCRIBE x*\r\nPUBLISH xy m\r\nPUNSUBSCRIBE\r\n"
           "CLIENT REPLY ON\r\n"),
  };
}

// What one server did with a case.
struct Outcome {
  std::string bytes;
  bool closed = false;

  std::string ToString() const {
    return StrCat(Visible(bytes, 600), closed ? "\n<closed by server>" : "\n<open>");
  }
};

// One connection running a case against one server.
class Session {
 public:
  Session(int port, const HostileCase& c) : case_(c) {
    auto client = RespClient::Connect(port);
    if (client.ok()) {
      client_ = *std::move(client);
    } else {
      outcome_.bytes = StrCat("<connect failed: ", client.status().ToString(), ">");
    }
  }

  // Sends the case's bytes and reads what comes back for up to kQuiet.
  void Run() {
    if (client_ == nullptr) return;
    for (const Send& send : case_.sends) {
      if (!SendBytes(send.bytes)) break;  // the server closed early: what it sent is read below
      for (int i = 0; i < send.await_replies; ++i) {
        auto raw = client_->ReadRawReply(kCatchUp);
        if (!raw.ok()) break;
        outcome_.bytes += *raw;
      }
      // Let the server read this send on its own before the next one.
      if (send.await_replies == 0 && &send != &case_.sends.back()) {
        std::this_thread::sleep_for(milliseconds(50));
      }
    }
    switch (case_.ending) {
      case Ending::kRead:
        break;
      case Ending::kHalfClose:
        ::shutdown(client_->fd(), SHUT_WR);
        break;
      case Ending::kClose:
        client_->Close();
        client_.reset();
        return;
    }
    Collect(kQuiet);
  }

  // Reads more, unless the server has closed the connection already.
  void Collect(milliseconds timeout) {
    if (client_ == nullptr || outcome_.closed) return;
    outcome_.bytes += client_->ReadRawUntilTimeout(timeout);
    outcome_.closed = client_->IsClosedByPeer(milliseconds(0));
  }

  const Outcome& outcome() const { return outcome_; }

 private:
  bool SendBytes(std::string_view bytes) {
    if (case_.chunk == 0) return client_->Send(bytes, kCatchUp).ok();
    for (size_t pos = 0; pos < bytes.size(); pos += case_.chunk) {
      if (!client_->Send(bytes.substr(pos, case_.chunk), kCatchUp).ok()) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

  const HostileCase& case_;
  std::unique_ptr<RespClient> client_;
  Outcome outcome_;
};

// Runs the case against both servers at once (the quiet wait is paid once).
std::pair<Outcome, Outcome> RunBoth(int valkdb_port, int redis_port, const HostileCase& c) {
  Session valkdb(valkdb_port, c);
  Session redis(redis_port, c);
  std::thread redis_thread([&] { redis.Run(); });
  valkdb.Run();
  redis_thread.join();
  const auto same = [&] {
    return valkdb.outcome().bytes == redis.outcome().bytes &&
           (valkdb.outcome().closed == redis.outcome().closed || !c.compare_closed);
  };
  // Whichever is behind (a busy machine, a sanitizer build) gets time to catch
  // up before a difference counts: the outcome depends on the bytes sent, not
  // on how fast either server got through them.
  const auto deadline = std::chrono::steady_clock::now() + kCatchUp;
  while (!same() && std::chrono::steady_clock::now() < deadline) {
    redis_thread = std::thread([&] { redis.Collect(kQuiet); });
    valkdb.Collect(kQuiet);
    redis_thread.join();
  }
  return {valkdb.outcome(), redis.outcome()};
}

class HostileInputTest : public ::testing::TestWithParam<HostileCase> {
 protected:
  // A valkdb and a redis-server started alike, plus a valkdb connection opened
  // right after the start that every case must leave working.
  struct Servers {
    std::unique_ptr<ServerProcess> valkdb;
    std::unique_ptr<ServerProcess> redis;
    std::unique_ptr<RespClient> observer;
  };

  static std::vector<std::string> ValkdbArgs(ServerConfig config) {
    switch (config) {
      case ServerConfig::kDefault:
        return {};
      case ServerConfig::kRequirePass:
        return {"--requirepass", std::string(kPassword)};
      case ServerConfig::kSmallQueryBuffer:
        return {"--client-query-buffer-limit", "1mb"};
    }
    return {};
  }

  // A client on `port`, authenticated when `auth`.
  static std::unique_ptr<RespClient> Client(int port, bool auth) {
    auto client = RespClient::Connect(port);
    if (!client.ok()) {
      ADD_FAILURE() << "connect to port " << port << ": " << client.status();
      return nullptr;
    }
    if (auth && (*client)->Command({"AUTH", kPassword}) != RespValue::Simple("OK")) {
      ADD_FAILURE() << "AUTH failed on port " << port;
    }
    return *std::move(client);
  }

  static Servers& Pair(ServerConfig config) { return servers_[static_cast<int>(config)]; }

  void SetUp() override {
    ASSERT_FALSE(FindRedisServer().empty())
        << "redis-server is required by the compatibility tests and was not found: install "
           "the Debian package redis-server (or set REDIS_SERVER=/path/to/redis-server)";
    const ServerConfig config = GetParam().config;
    const bool auth = config == ServerConfig::kRequirePass;
    Servers& servers = Pair(config);
    if (servers.valkdb != nullptr && !servers.valkdb->IsRunning()) {
      ADD_FAILURE() << "valkdb-server died before this test: " << servers.valkdb->Stop().ToString()
                    << "\nlog:\n"
                    << servers.valkdb->log();
      servers.valkdb.reset();
      servers.observer.reset();
    }
    if (servers.valkdb == nullptr) {
      auto started = ServerProcess::StartValkdb(ValkdbArgs(config));
      ASSERT_TRUE(started.ok()) << "could not start valkdb-server: " << started.status();
      servers.valkdb = *std::move(started);
      servers.observer = Client(servers.valkdb->port(), auth);
      ASSERT_NE(servers.observer, nullptr);
      ASSERT_EQ(servers.observer->Command({"SET", kSentinelKey, kSentinelValue}),
                RespValue::Simple("OK"));
    }
    if (servers.redis != nullptr && !servers.redis->IsRunning()) servers.redis.reset();
    if (servers.redis == nullptr) {
      // StartRedis waits for PONG, which requirepass would refuse: the password
      // is set once it runs (connections made from then on must AUTH).
      auto started = ServerProcess::StartRedis();
      ASSERT_TRUE(started.ok()) << "could not start redis-server: " << started.status();
      servers.redis = *std::move(started);
      std::unique_ptr<RespClient> admin = Client(servers.redis->port(), false);
      ASSERT_NE(admin, nullptr);
      if (config == ServerConfig::kRequirePass) {
        ASSERT_EQ(admin->Command({"CONFIG", "SET", "requirepass", kPassword}),
                  RespValue::Simple("OK"));
      } else if (config == ServerConfig::kSmallQueryBuffer) {
        ASSERT_EQ(admin->Command({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}),
                  RespValue::Simple("OK"));
      }
    }
  }

  void TearDown() override {
    if (!HasFailure()) return;
    Servers& servers = Pair(GetParam().config);
    for (ServerProcess* server : {servers.valkdb.get(), servers.redis.get()}) {
      if (server == nullptr) continue;
      std::cerr << "---- log of " << server->binary() << " (pid " << server->pid() << ", port "
                << server->port() << ") ----\n"
                << server->log() << "---- end of log ----\n";
    }
  }

  static void TearDownTestSuite() {
    for (Servers* servers = servers_; servers != servers_ + kConfigs; ++servers) {
      servers->observer.reset();
      if (servers->valkdb != nullptr) {
        ExitStatus status = servers->valkdb->Stop();
        EXPECT_TRUE(status.ok()) << "valkdb-server did not shut down cleanly: " << status.ToString()
                                 << "\nlog:\n"
                                 << servers->valkdb->log();
      }
      servers->valkdb.reset();
      servers->redis.reset();
    }
  }

  // valkdb is unharmed: a new client gets PONG and the sentinel, and so does
  // the connection opened when the server started.
  void ExpectValkdbUnharmed() {
    const bool auth = GetParam().config == ServerConfig::kRequirePass;
    Servers& servers = Pair(GetParam().config);
    ASSERT_TRUE(servers.valkdb->IsRunning()) << "valkdb-server died";
    std::unique_ptr<RespClient> fresh = Client(servers.valkdb->port(), auth);
    ASSERT_NE(fresh, nullptr);
    EXPECT_EQ(fresh->Command({"PING"}), RespValue::Simple("PONG")) << "a fresh client";
    EXPECT_EQ(fresh->Command({"GET", kSentinelKey}), RespValue::BulkStr(kSentinelValue))
        << "the key written when the suite started";
    EXPECT_EQ(servers.observer->Command({"PING"}), RespValue::Simple("PONG"))
        << "the connection opened when the server started";
    EXPECT_EQ(servers.observer->Command({"GET", kSentinelKey}), RespValue::BulkStr(kSentinelValue));
  }

  void RunCase() {
    const HostileCase& c = GetParam();
    Servers& servers = Pair(c.config);
    auto [valkdb, redis] = RunBoth(servers.valkdb->port(), servers.redis->port(), c);
    if (c.compare_closed) {
      EXPECT_EQ(valkdb.ToString(), redis.ToString())
          << "valkdb (actual) and redis-server (expected) differ";
    } else {
      EXPECT_EQ(Visible(valkdb.bytes, 600), Visible(redis.bytes, 600))
          << "valkdb (actual) and redis-server (expected) sent different bytes";
    }
    // A closed connection may still be on its way out; let the server get there.
    if (c.ending == Ending::kClose) std::this_thread::sleep_for(milliseconds(20));
    ExpectValkdbUnharmed();
  }

  static Servers servers_[kConfigs];
};

HostileInputTest::Servers HostileInputTest::servers_[kConfigs];

TEST_P(HostileInputTest, SameBytesAsRedis) { RunCase(); }

std::string CaseName(const ::testing::TestParamInfo<HostileCase>& info) { return info.param.name; }

// Named "compat" like the other differential suites, so `ctest -R compat` runs it.
INSTANTIATE_TEST_SUITE_P(compat, HostileInputTest, ::testing::ValuesIn(Cases()), CaseName);

INSTANTIATE_TEST_SUITE_P(compatRunBeforeParsing, HostileInputTest,
                         ::testing::ValuesIn(RunBeforeParsingCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(compatReplyOff, HostileInputTest, ::testing::ValuesIn(ReplyOffCases()),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(compatPushesUnderReplyOff, HostileInputTest,
                         ::testing::ValuesIn(PushesUnderReplyOffCases()), CaseName);

}  // namespace
}  // namespace valkdb::test
