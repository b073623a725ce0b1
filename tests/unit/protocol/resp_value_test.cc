#include "protocol/resp_value.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/request_parser.h"
#include "tests/unit/protocol/test_util.h"

namespace valkdb {
namespace {

using namespace std::string_literals;
using testing_util::ChunkName;
using testing_util::ChunkSizes;
using testing_util::FeedReplies;
using testing_util::FeedRequests;
using testing_util::ParseOneReply;
using testing_util::ReplyFeed;
using testing_util::Split;
using R = RespValue;
using T = RespValue::Type;

RespValue Typed(T type, std::vector<RespValue> elements = {}) {
  RespValue v;
  v.type = type;
  v.elements = std::move(elements);
  return v;
}

RespValue Dbl(double d, std::string text = "") {
  RespValue v;
  v.type = T::kDouble;
  v.dbl = d;
  v.str = std::move(text);
  return v;
}

RespValue Boolean(bool b) {
  RespValue v;
  v.type = T::kBoolean;
  v.boolean = b;
  return v;
}

RespValue Verbatim(std::string format, std::string text) {
  RespValue v;
  v.type = T::kVerbatim;
  v.format = std::move(format);
  v.str = std::move(text);
  return v;
}

RespValue BigNumber(std::string digits) {
  RespValue v;
  v.type = T::kBigNumber;
  v.str = std::move(digits);
  return v;
}

// --- RespValue ---

TEST(RespValueTest, HelpersSetTypeAndField) {
  EXPECT_EQ(R::Simple("OK").type, T::kSimpleString);
  EXPECT_EQ(R::Simple("OK").str, "OK");
  EXPECT_EQ(R::Err("ERR x").type, T::kError);
  EXPECT_EQ(R::Err("ERR x").str, "ERR x");
  EXPECT_TRUE(R::Err("ERR x").is_error());
  EXPECT_FALSE(R::Simple("ERR x").is_error());
  EXPECT_EQ(R::Int(-7).type, T::kInteger);
  EXPECT_EQ(R::Int(-7).integer, -7);
  EXPECT_EQ(R::BulkStr("b").type, T::kBulkString);
  EXPECT_EQ(R::BulkStr("b").str, "b");
  EXPECT_EQ(R::Nil().type, T::kNull);
  EXPECT_TRUE(R::Nil().is_null());
  EXPECT_TRUE(RespValue().is_null());
  EXPECT_FALSE(R::BulkStr("").is_null());
  RespValue arr = R::Arr({R::Int(1), R::Nil()});
  EXPECT_EQ(arr.type, T::kArray);
  ASSERT_EQ(arr.elements.size(), 2u);
  EXPECT_EQ(arr.elements[0].integer, 1);
  EXPECT_TRUE(arr.elements[1].is_null());
}

TEST(RespValueTest, EqualityComparesTypeFirst) {
  EXPECT_EQ(R::Simple("1"), R::Simple("1"));
  EXPECT_NE(R::Simple("1"), R::BulkStr("1"));
  EXPECT_NE(R::Simple("1"), R::Err("1"));
  EXPECT_NE(R::BulkStr("1"), R::Int(1));
  EXPECT_NE(R::BulkStr("1"), BigNumber("1"));
  EXPECT_NE(R::Nil(), R::BulkStr(""));
  EXPECT_NE(R::Nil(), R::Arr({}));
  EXPECT_NE(R::Arr({}), Typed(T::kSet));
  EXPECT_NE(Typed(T::kMap), Typed(T::kArray));
  EXPECT_NE(Typed(T::kPush, {R::Int(1)}), R::Arr({R::Int(1)}));
  EXPECT_NE(R::Int(1), Boolean(true));
}

TEST(RespValueTest, EqualityComparesTheRelevantFields) {
  EXPECT_EQ(R::Nil(), R::Nil());
  EXPECT_EQ(R::Int(5), R::Int(5));
  EXPECT_NE(R::Int(5), R::Int(6));
  EXPECT_NE(R::BulkStr("a"), R::BulkStr("b"));
  EXPECT_EQ(R::BulkStr("a\0b"s), R::BulkStr("a\0b"s));
  EXPECT_NE(R::BulkStr("a\0b"s), R::BulkStr("a\0c"s));
  EXPECT_EQ(Boolean(true), Boolean(true));
  EXPECT_NE(Boolean(true), Boolean(false));
  EXPECT_EQ(Verbatim("txt", "a"), Verbatim("txt", "a"));
  EXPECT_NE(Verbatim("txt", "a"), Verbatim("mkd", "a"));
  EXPECT_NE(Verbatim("txt", "a"), Verbatim("txt", "b"));
  EXPECT_EQ(BigNumber("123"), BigNumber("123"));
  EXPECT_NE(BigNumber("123"), BigNumber("124"));
  // Fields a type does not use are ignored.
  RespValue a = R::Int(1), b = R::Int(1);
  a.str = "junk";
  b.elements.push_back(R::Nil());
  EXPECT_EQ(a, b);
}

TEST(RespValueTest, DoublesCompareByValue) {
  EXPECT_EQ(Dbl(1.5, "1.5"), Dbl(1.5, "1.50"));
  EXPECT_EQ(Dbl(1.5, "1.5"), Dbl(1.5));
  EXPECT_NE(Dbl(1.5), Dbl(2.5));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Dbl(nan, "nan"), Dbl(nan, "nan"));
  EXPECT_NE(Dbl(nan), Dbl(0));
  EXPECT_EQ(Dbl(std::numeric_limits<double>::infinity()),
            Dbl(std::numeric_limits<double>::infinity()));
  EXPECT_NE(Dbl(std::numeric_limits<double>::infinity()),
            Dbl(-std::numeric_limits<double>::infinity()));
}

TEST(RespValueTest, AggregatesCompareDeeply) {
  RespValue a = R::Arr({R::Int(1), R::Arr({R::BulkStr("x"), R::Nil()})});
  RespValue b = R::Arr({R::Int(1), R::Arr({R::BulkStr("x"), R::Nil()})});
  EXPECT_EQ(a, b);
  b.elements[1].elements[0].str = "y";
  EXPECT_NE(a, b);
  b = a;
  b.elements[1].elements.pop_back();
  EXPECT_NE(a, b);
  b = a;
  b.elements[1].elements[1] = R::BulkStr("");
  EXPECT_NE(a, b);
  EXPECT_EQ(Typed(T::kMap, {R::BulkStr("k"), R::Int(1)}),
            Typed(T::kMap, {R::BulkStr("k"), R::Int(1)}));
  EXPECT_NE(Typed(T::kMap, {R::BulkStr("k"), R::Int(1)}),
            Typed(T::kMap, {R::Int(1), R::BulkStr("k")}));
}

TEST(RespValueTest, DebugStringIsCompactAndUnambiguous) {
  EXPECT_EQ(R::Simple("OK").DebugString(), "+\"OK\"");
  EXPECT_EQ(R::Err("ERR no").DebugString(), "-\"ERR no\"");
  EXPECT_EQ(R::Int(-3).DebugString(), ":-3");
  EXPECT_EQ(R::BulkStr("a\r\n\"\\\0\xff"s).DebugString(), "\"a\\r\\n\\\"\\\\\\x00\\xff\"");
  EXPECT_EQ(R::Nil().DebugString(), "nil");
  EXPECT_EQ(R::Arr({}).DebugString(), "[]");
  EXPECT_EQ(R::Arr({R::Int(1), R::BulkStr("x"), R::Nil()}).DebugString(), "[:1, \"x\", nil]");
  EXPECT_EQ(Typed(T::kMap, {R::BulkStr("a"), R::Int(1), R::BulkStr("b"), R::Int(2)}).DebugString(),
            "%{\"a\": :1, \"b\": :2}");
  EXPECT_EQ(Typed(T::kSet, {R::Int(1)}).DebugString(), "~[:1]");
  EXPECT_EQ(Typed(T::kPush, {R::BulkStr("message")}).DebugString(), ">[\"message\"]");
  EXPECT_EQ(Dbl(1.5, "1.5").DebugString(), ",1.5");
  EXPECT_EQ(Dbl(0.25).DebugString(), ",0.25");
  EXPECT_EQ(Boolean(true).DebugString(), "#t");
  EXPECT_EQ(Boolean(false).DebugString(), "#f");
  EXPECT_EQ(Verbatim("txt", "hi").DebugString(), "=\"txt\":\"hi\"");
  EXPECT_EQ(BigNumber("-12345678901234567890").DebugString(), "(-12345678901234567890");
  // Values that differ render differently.
  std::vector<std::string> renderings = {
      R::Simple("1").DebugString(),      R::Err("1").DebugString(),
      R::Int(1).DebugString(),           R::BulkStr("1").DebugString(),
      BigNumber("1").DebugString(),      Dbl(1, "1").DebugString(),
      R::Arr({R::Int(1)}).DebugString(), Typed(T::kSet, {R::Int(1)}).DebugString()};
  std::sort(renderings.begin(), renderings.end());
  EXPECT_EQ(std::adjacent_find(renderings.begin(), renderings.end()), renderings.end());
}

// --- ReplyParser ---

struct ReplyCase {
  std::string name;
  std::string input;
  std::vector<RespValue> replies;
};

void PrintTo(const ReplyCase& c, std::ostream* os) { *os << c.name; }

std::vector<ReplyCase> ReplyCases() {
  const double inf = std::numeric_limits<double>::infinity();
  const std::string big(100000, 'b');
  return {
      // RESP2.
      {"SimpleString", "+OK\r\n", {R::Simple("OK")}},
      {"EmptySimpleString", "+\r\n", {R::Simple("")}},
      {"SimpleStringWithSpaces", "+hello world\r\n", {R::Simple("hello world")}},
      {"Error", "-ERR unknown command 'foo'\r\n", {R::Err("ERR unknown command 'foo'")}},
      {"ErrorWithCode", "-WRONGTYPE Operation\r\n", {R::Err("WRONGTYPE Operation")}},
      {"IntegerZero", ":0\r\n", {R::Int(0)}},
      {"IntegerNegative", ":-5\r\n", {R::Int(-5)}},
      {"IntegerMax", ":9223372036854775807\r\n", {R::Int(INT64_MAX)}},
      {"IntegerMin", ":-9223372036854775808\r\n", {R::Int(INT64_MIN)}},
      {"Bulk", "$5\r\nhello\r\n", {R::BulkStr("hello")}},
      {"EmptyBulk", "$0\r\n\r\n", {R::BulkStr("")}},
      {"BinaryBulk", "$7\r\na\r\nb\0\r\n\r\n"s, {R::BulkStr("a\r\nb\0\r\n"s)}},
      {"BulkLooksLikeReplies", "$7\r\n+OK\r\n:1\r\n", {R::BulkStr("+OK\r\n:1")}},
      {"BigBulk", "$100000\r\n" + big + "\r\n", {R::BulkStr(big)}},
      {"NullBulk", "$-1\r\n", {R::Nil()}},
      {"NullArray", "*-1\r\n", {R::Nil()}},
      {"EmptyArray", "*0\r\n", {R::Arr({})}},
      {"Array",
       "*3\r\n$1\r\na\r\n:1\r\n+b\r\n",
       {R::Arr({R::BulkStr("a"), R::Int(1), R::Simple("b")})}},
      {"NestedArray",
       "*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n*0\r\n",
       {R::Arr({R::Arr({R::Int(1), R::Int(2)}), R::Arr({R::Arr({})})})}},
      {"NullsInsideArray", "*3\r\n$-1\r\n*-1\r\n_\r\n", {R::Arr({R::Nil(), R::Nil(), R::Nil()})}},
      {"ErrorInsideArray", "*2\r\n+OK\r\n-ERR x\r\n", {R::Arr({R::Simple("OK"), R::Err("ERR x")})}},
      {"Pipelined",
       "+OK\r\n:1\r\n$-1\r\n*1\r\n$1\r\nx\r\n",
       {R::Simple("OK"), R::Int(1), R::Nil(), R::Arr({R::BulkStr("x")})}},
      // RESP3.
      {"Null", "_\r\n", {R::Nil()}},
      {"Map",
       "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n",
       {Typed(T::kMap, {R::Simple("a"), R::Int(1), R::Simple("b"), R::Int(2)})}},
      {"EmptyMap", "%0\r\n", {Typed(T::kMap)}},
      {"MapOfAggregates",
       "%1\r\n*1\r\n:1\r\n~1\r\n:2\r\n",
       {Typed(T::kMap, {R::Arr({R::Int(1)}), Typed(T::kSet, {R::Int(2)})})}},
      {"Set", "~2\r\n$1\r\nx\r\n$1\r\ny\r\n", {Typed(T::kSet, {R::BulkStr("x"), R::BulkStr("y")})}},
      {"EmptySet", "~0\r\n", {Typed(T::kSet)}},
      {"Push",
       ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
       {Typed(T::kPush, {R::BulkStr("message"), R::BulkStr("ch"), R::BulkStr("hi")})}},
      {"PushThenReply",
       ">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n:1\r\n",
       {Typed(T::kPush, {R::Simple("invalidate"), R::Arr({R::BulkStr("k")})}), R::Int(1)}},
      {"Double", ",1.5\r\n", {Dbl(1.5, "1.5")}},
      {"DoubleNegative", ",-0.25\r\n", {Dbl(-0.25, "-0.25")}},
      {"DoubleIntegral", ",3\r\n", {Dbl(3, "3")}},
      {"DoubleExponent", ",1.5e10\r\n", {Dbl(1.5e10, "1.5e10")}},
      {"DoubleSeventeenDigits", ",0.10000000000000001\r\n", {Dbl(0.1, "0.10000000000000001")}},
      {"DoubleInf", ",inf\r\n", {Dbl(inf, "inf")}},
      {"DoubleMinusInf", ",-inf\r\n", {Dbl(-inf, "-inf")}},
      {"DoubleNan", ",nan\r\n", {Dbl(std::numeric_limits<double>::quiet_NaN(), "nan")}},
      {"DoubleOverflowIsInf", ",1e999\r\n", {Dbl(inf, "1e999")}},
      {"BooleanTrue", "#t\r\n", {Boolean(true)}},
      {"BooleanFalse", "#f\r\n", {Boolean(false)}},
      {"Verbatim", "=15\r\ntxt:Some string\r\n", {Verbatim("txt", "Some string")}},
      {"VerbatimEmptyText", "=4\r\nmkd:\r\n", {Verbatim("mkd", "")}},
      {"VerbatimWithNewlines", "=10\r\ntxt:a\r\nb\r\n\r\n", {Verbatim("txt", "a\r\nb\r\n")}},
      {"BigNumber",
       "(3492890328409238509324850943850943825024385\r\n",
       {BigNumber("3492890328409238509324850943850943825024385")}},
      {"NegativeBigNumber", "(-1\r\n", {BigNumber("-1")}},
      {"BlobError", "!21\r\nSYNTAX invalid syntax\r\n", {R::Err("SYNTAX invalid syntax")}},
      {"BlobErrorWithNewline", "!5\r\nA\r\nBC\r\n", {R::Err("A\r\nBC")}},
      // Attributes are skipped: the reply is the value that follows them.
      {"Attribute",
       "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
       "*2\r\n:2039123\r\n:9543892\r\n",
       {R::Arr({R::Int(2039123), R::Int(9543892)})}},
      {"AttributeInsideArray",
       "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
       {R::Arr({R::Int(1), R::Int(2)})}},
      {"AttributeBeforeLastElement",
       "*2\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n",
       {R::Arr({R::Int(1), R::Int(2)})}},
      {"EmptyAttribute", "|0\r\n:1\r\n", {R::Int(1)}},
      {"AttributeOnAttributeValue", "|1\r\n+k\r\n|1\r\n+x\r\n+y\r\n+v\r\n:5\r\n", {R::Int(5)}},
      {"AttributeWithAggregateValues",
       "|2\r\n+a\r\n*2\r\n:1\r\n:2\r\n+b\r\n%1\r\n+c\r\n_\r\n$2\r\nok\r\n",
       {R::BulkStr("ok")}},
      {"TwoAttributesThenNull", "|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n_\r\n", {R::Nil()}},
      {"AttributeBetweenReplies",
       "+first\r\n|1\r\n+a\r\n:1\r\n+second\r\n",
       {R::Simple("first"), R::Simple("second")}},
  };
}

class ReplyParserCaseTest : public ::testing::TestWithParam<std::tuple<ReplyCase, size_t>> {};

TEST_P(ReplyParserCaseTest, Parses) {
  const auto& [c, chunk] = GetParam();
  ReplyFeed feed = FeedReplies(c.input, chunk);
  ASSERT_FALSE(feed.error) << *feed.error;
  EXPECT_EQ(feed.replies, c.replies);
  EXPECT_FALSE(feed.partial);
}

INSTANTIATE_TEST_SUITE_P(Cases, ReplyParserCaseTest,
                         ::testing::Combine(::testing::ValuesIn(ReplyCases()),
                                            ::testing::ValuesIn(ChunkSizes())),
                         [](const ::testing::TestParamInfo<std::tuple<ReplyCase, size_t>>& info) {
                           std::string chunk = ChunkName(std::get<1>(info.param));
                           for (char& ch : chunk) {
                             if (ch == '=') ch = '_';
                           }
                           return std::get<0>(info.param).name + "_" + chunk;
                         });

class ReplyParserSplitTest : public ::testing::TestWithParam<ReplyCase> {};

TEST_P(ReplyParserSplitTest, EverySplitPoint) {
  const ReplyCase& c = GetParam();
  const size_t stride = c.input.size() > 2048 ? 61 : 1;
  for (size_t split = 0; split <= c.input.size();
       split += (split < 1024 || split + 1024 > c.input.size()) ? 1 : stride) {
    SCOPED_TRACE("split at " + std::to_string(split));
    ReplyParser parser;
    ReplyFeed feed = FeedReplies(&parser, {c.input.substr(0, split), c.input.substr(split)});
    ASSERT_FALSE(feed.error) << *feed.error;
    EXPECT_EQ(feed.replies, c.replies);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ReplyParserSplitTest, ::testing::ValuesIn(ReplyCases()),
                         [](const ::testing::TestParamInfo<ReplyCase>& info) {
                           return info.param.name;
                         });

TEST(ReplyParserTest, AllCasesAsOneStreamAtEveryChunkSize) {
  std::string stream;
  std::vector<RespValue> expected;
  for (const ReplyCase& c : ReplyCases()) {
    stream += c.input;
    expected.insert(expected.end(), c.replies.begin(), c.replies.end());
  }
  for (size_t chunk : ChunkSizes()) {
    SCOPED_TRACE(ChunkName(chunk));
    ReplyFeed feed = FeedReplies(stream, chunk);
    ASSERT_FALSE(feed.error) << *feed.error;
    EXPECT_EQ(feed.replies, expected);
    EXPECT_FALSE(feed.partial);
  }
}

// Malformed replies: kError with a message saying what is wrong.
struct BadReplyCase {
  std::string name;
  std::string input;
  std::string message;  // a part of error()
};

void PrintTo(const BadReplyCase& c, std::ostream* os) { *os << c.name; }

std::vector<BadReplyCase> BadReplyCases() {
  return {
      {"UnknownType", "?x\r\n", "invalid reply type byte '?'"},
      {"UnknownTypeControlByte", "\x01\r\n", "invalid reply type byte '\\x01'"},
      {"InlineCommandIsNotAReply", "PONG\r\n", "invalid reply type byte 'P'"},
      {"EmptyLine", "\r\n", "empty reply line"},
      {"LineFeedWithoutCR", "+OK\n", "not terminated by CRLF"},
      {"BareLineFeed", "\n", "not terminated by CRLF"},
      {"IntegerNotANumber", ":abc\r\n", "invalid integer 'abc'"},
      {"IntegerEmpty", ":\r\n", "invalid integer ''"},
      {"IntegerTrailingSpace", ":1 \r\n", "invalid integer '1 '"},
      {"IntegerOverflow", ":9223372036854775808\r\n", "invalid integer"},
      {"BulkLengthNotANumber", "$abc\r\n", "invalid bulk length 'abc'"},
      {"BulkLengthEmpty", "$\r\n", "invalid bulk length ''"},
      {"BulkLengthBelowMinusOne", "$-2\r\n", "invalid bulk length '-2'"},
      {"StreamedBulkUnsupported", "$?\r\n", "invalid bulk length '?'"},
      {"BulkPayloadTooLong", "$3\r\nabcd\r\n", "bulk payload not followed by CRLF"},
      {"BulkPayloadTooShort", "$5\r\nabc\r\n:1\r\n", "bulk payload not followed by CRLF"},
      {"BulkWithoutCRLF", "$3\r\nabcxy", "bulk payload not followed by CRLF"},
      {"NullVerbatim", "=-1\r\n", "invalid bulk length '-1'"},
      {"NullBlobError", "!-1\r\n", "invalid bulk length '-1'"},
      {"VerbatimWithoutFormat", "=3\r\ntxt\r\n", "invalid verbatim string 'txt'"},
      {"VerbatimWithoutColon", "=5\r\ntxtab\r\n", "invalid verbatim string 'txtab'"},
      {"ArrayLengthNotANumber", "*x\r\n", "invalid aggregate length 'x'"},
      {"ArrayLengthBelowMinusOne", "*-2\r\n", "invalid aggregate length '-2'"},
      {"NullMap", "%-1\r\n", "invalid aggregate length '-1'"},
      {"NullSet", "~-1\r\n", "invalid aggregate length '-1'"},
      {"NullPush", ">-1\r\n", "invalid aggregate length '-1'"},
      {"NullAttribute", "|-1\r\n", "invalid aggregate length '-1'"},
      {"StreamedArrayUnsupported", "*?\r\n", "invalid aggregate length '?'"},
      {"MapLengthOverflows", "%9223372036854775807\r\n", "invalid aggregate length"},
      {"NullWithPayload", "_x\r\n", "invalid null 'x'"},
      {"BooleanEmpty", "#\r\n", "invalid boolean ''"},
      {"BooleanWord", "#true\r\n", "invalid boolean 'true'"},
      {"BooleanUpperCase", "#T\r\n", "invalid boolean 'T'"},
      {"DoubleEmpty", ",\r\n", "invalid double ''"},
      {"DoubleWord", ",abc\r\n", "invalid double 'abc'"},
      {"DoubleTrailingJunk", ",1.5x\r\n", "invalid double '1.5x'"},
      {"DoubleLeadingSpace", ", 1\r\n", "invalid double ' 1'"},
      {"DoubleTrailingSpace", ",1 \r\n", "invalid double '1 '"},
      {"DoublePlusSign", ",+1\r\n", "invalid double '+1'"},
      {"BigNumberEmpty", "(\r\n", "invalid big number ''"},
      {"BigNumberMinusOnly", "(-\r\n", "invalid big number '-'"},
      {"BigNumberJunk", "(12a\r\n", "invalid big number '12a'"},
      {"BigNumberDecimal", "(1.5\r\n", "invalid big number '1.5'"},
      {"ErrorInsideArray", "*2\r\n:1\r\n?\r\n", "invalid reply type byte '?'"},
      {"ErrorInsideMapValue", "%1\r\n+k\r\n:x\r\n", "invalid integer 'x'"},
      {"ErrorInsideAttribute", "|1\r\n+k\r\n#x\r\n:1\r\n", "invalid boolean 'x'"},
      {"ErrorAfterValidReply", "+OK\r\n:oops\r\n", "invalid integer 'oops'"},
      {"LongBadLineIsShortened", ":" + std::string(1000, '7') + "x\r\n",
       "invalid integer '" + std::string(64, '7') + "...'"},
  };
}

class ReplyParserErrorTest : public ::testing::TestWithParam<std::tuple<BadReplyCase, size_t>> {};

TEST_P(ReplyParserErrorTest, ReportsMalformedInput) {
  const auto& [c, chunk] = GetParam();
  ReplyFeed feed = FeedReplies(c.input, chunk);
  ASSERT_TRUE(feed.error) << "parsed as " << ::testing::PrintToString(feed.replies);
  EXPECT_THAT(*feed.error, ::testing::StartsWith("Protocol error: "));
  EXPECT_THAT(*feed.error, ::testing::HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReplyParserErrorTest,
    ::testing::Combine(::testing::ValuesIn(BadReplyCases()), ::testing::ValuesIn(ChunkSizes())),
    [](const ::testing::TestParamInfo<std::tuple<BadReplyCase, size_t>>& info) {
      std::string chunk = ChunkName(std::get<1>(info.param));
      for (char& ch : chunk) {
        if (ch == '=') ch = '_';
      }
      return std::get<0>(info.param).name + "_" + chunk;
    });

TEST(ReplyParserTest, ReportsErrorsEarly) {
  // A malformed header is refused as soon as its line is complete, without
  // waiting for a payload that would never make it valid.
  ReplyParser parser;
  size_t consumed = 0;
  RespValue value;
  EXPECT_EQ(parser.Parse("*1\r\n$-5\r\n", &consumed, &value), ReplyParser::Status::kError);
  EXPECT_THAT(parser.error(), ::testing::HasSubstr("invalid bulk length '-5'"));
}

TEST(ReplyParserTest, StartsAfreshAfterAnError) {
  ReplyParser parser;
  size_t consumed = 0;
  RespValue value;
  EXPECT_EQ(parser.Parse("*2\r\n:1\r\n?\r\n", &consumed, &value), ReplyParser::Status::kError);
  consumed = 0;
  EXPECT_EQ(parser.Parse("+OK\r\n", &consumed, &value), ReplyParser::Status::kValue);
  EXPECT_EQ(value, R::Simple("OK"));
  EXPECT_EQ(consumed, 5u);
}

TEST(ReplyParserTest, ConsumedStopsAtTheEndOfEachReply) {
  const std::string input = "+OK\r\n*2\r\n:1\r\n$3\r\nabc\r\n_\r\n";
  ReplyParser parser;
  RespValue value;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse(input, &consumed, &value), ReplyParser::Status::kValue);
  EXPECT_EQ(consumed, 5u);
  EXPECT_EQ(value, R::Simple("OK"));
  // *consumed is added to.
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(consumed), &consumed, &value),
            ReplyParser::Status::kValue);
  EXPECT_EQ(consumed, input.size() - 3);
  EXPECT_EQ(value, R::Arr({R::Int(1), R::BulkStr("abc")}));
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(consumed), &consumed, &value),
            ReplyParser::Status::kValue);
  EXPECT_EQ(consumed, input.size());
  EXPECT_TRUE(value.is_null());
  EXPECT_EQ(parser.Parse("", &consumed, &value), ReplyParser::Status::kNeedMore);
  EXPECT_EQ(consumed, input.size());
}

// The parser keeps what it has parsed: every byte handed to it is consumed,
// and the caller never passes the same bytes twice.
TEST(ReplyParserTest, PartialAggregatesAreKeptAcrossReads) {
  ReplyParser parser;
  RespValue value;
  size_t consumed = 0;
  std::string read = "*3\r\n$5\r\nhel";
  ASSERT_EQ(parser.Parse(read, &consumed, &value), ReplyParser::Status::kNeedMore);
  EXPECT_EQ(consumed, read.size());
  read.assign(read.size(), '#');
  read = "lo\r\n*2\r\n:1";
  ASSERT_EQ(parser.Parse(read, &consumed, &value), ReplyParser::Status::kNeedMore);
  read.assign(read.size(), '#');
  read = "0\r\n+x\r\n,2.5\r";
  ASSERT_EQ(parser.Parse(read, &consumed, &value), ReplyParser::Status::kNeedMore);
  read.assign(read.size(), '#');
  read = "\n+next\r\n";
  ASSERT_EQ(parser.Parse(read, &consumed, &value), ReplyParser::Status::kValue);
  EXPECT_EQ(value,
            R::Arr({R::BulkStr("hello"), R::Arr({R::Int(10), R::Simple("x")}), Dbl(2.5, "2.5")}));
  EXPECT_EQ(consumed, 11u + 10u + 12u + 1u);  // "+next\r\n" is left for the next call
}

TEST(ReplyParserTest, EmptyReadsChangeNothing) {
  ReplyParser parser;
  RespValue value;
  size_t consumed = 0;
  // A default string_view has a null data(); the parser must not hand it to memchr.
  for (std::string_view piece : {std::string_view(), std::string_view("*2\r\n$3"),
                                 std::string_view(), std::string_view("\r\nab"), std::string_view(),
                                 std::string_view("c\r\n:"), std::string_view()}) {
    EXPECT_EQ(parser.Parse(piece, &consumed, &value), ReplyParser::Status::kNeedMore);
  }
  EXPECT_EQ(parser.Parse("1\r\n", &consumed, &value), ReplyParser::Status::kValue);
  EXPECT_EQ(value, R::Arr({R::BulkStr("abc"), R::Int(1)}));
  EXPECT_EQ(consumed, 17u);
}

TEST(ReplyParserTest, DeeplyNestedReply) {
  constexpr int kDepth = 1000;
  std::string input;
  for (int i = 0; i < kDepth; ++i) input += "*1\r\n";
  input += ":42\r\n";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
    SCOPED_TRACE(ChunkName(chunk));
    ReplyFeed feed = FeedReplies(input, chunk);
    ASSERT_FALSE(feed.error);
    ASSERT_EQ(feed.replies.size(), 1u);
    const RespValue* v = &feed.replies[0];
    int depth = 0;
    while (v->type == T::kArray) {
      ASSERT_EQ(v->elements.size(), 1u);
      v = &v->elements[0];
      ++depth;
    }
    EXPECT_EQ(depth, kDepth);
    EXPECT_EQ(*v, R::Int(42));
  }
}

TEST(ReplyParserTest, HugeAnnouncedSizesAreAcceptedWhileTheyArrive) {
  // A peer may announce more than it sends: the parser waits, and reserves
  // memory for a bounded part of it only (no bad_alloc, no giant reservation).
  ReplyParser parser;
  RespValue value;
  size_t consumed = 0;
  EXPECT_EQ(parser.Parse("*2147483647\r\n%4611686018427387903\r\n:1\r\n", &consumed, &value),
            ReplyParser::Status::kNeedMore);
  EXPECT_EQ(parser.Parse("$9223372036854775805\r\nabc", &consumed, &value),
            ReplyParser::Status::kNeedMore);
}

TEST(ReplyParserTest, ManyElements) {
  std::string input = "*5000\r\n";
  std::vector<RespValue> elements;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = std::to_string(i);
    if (i % 2) {
      input.append(":").append(text).append("\r\n");
    } else {
      input.append("$").append(std::to_string(text.size())).append("\r\n");
      input.append(text).append("\r\n");
    }
    elements.push_back(i % 2 ? R::Int(i) : R::BulkStr(std::to_string(i)));
  }
  for (size_t chunk : ChunkSizes()) {
    SCOPED_TRACE(ChunkName(chunk));
    EXPECT_EQ(FeedReplies(input, chunk).replies, std::vector<RespValue>{R::Arr(elements)});
  }
}

TEST(ReplyParserTest, ParseOneReplyHelper) {
  EXPECT_EQ(ParseOneReply("*1\r\n+x\r\n"), R::Arr({R::Simple("x")}));
}

// --- EncodeCommand / AppendCommand ---

// --- Nesting depth ---

// n aggregate headers of one element each, around `innermost`.
std::string Nested(size_t n, std::string_view header, std::string_view innermost) {
  std::string out;
  out.reserve(n * header.size() + innermost.size());
  for (size_t i = 0; i < n; ++i) out.append(header);
  out.append(innermost);
  return out;
}

// A value nested n arrays deep, built by hand (no parser, no recursion).
RespValue DeepArray(size_t n) {
  RespValue value = R::Int(7);
  for (size_t i = 0; i < n; ++i) {
    RespValue parent = R::Arr({});
    parent.elements.push_back(std::move(value));
    value = std::move(parent);
  }
  return value;
}

TEST(ReplyParserDepthTest, NestingUpToTheLimitParses) {
  const std::string input = Nested(ReplyParser::kMaxDepth, "*1\r\n", ":7\r\n");
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{5}, size_t{4096}}) {
    SCOPED_TRACE(ChunkName(chunk));
    ReplyFeed feed = FeedReplies(input, chunk);
    ASSERT_FALSE(feed.error) << *feed.error;
    ASSERT_EQ(feed.replies.size(), 1u);
    EXPECT_EQ(feed.replies[0], DeepArray(ReplyParser::kMaxDepth));
  }
}

TEST(ReplyParserDepthTest, NestingBeyondTheLimitIsAProtocolError) {
  const std::string expected = "Protocol error: reply nested deeper than 1000 levels";
  // Every aggregate type counts, attributes included, and so does an empty
  // aggregate at the level past the limit.
  for (std::string_view header : {"*1\r\n", "~1\r\n", ">1\r\n", "%1\r\n+k\r\n", "|1\r\n+k\r\n"}) {
    for (std::string_view innermost : {":7\r\n", "*0\r\n", "*1\r\n:7\r\n"}) {
      const std::string input = Nested(ReplyParser::kMaxDepth, header, innermost);
      if (innermost == ":7\r\n") continue;  // that one is within the limit
      for (size_t chunk : {size_t{0}, size_t{3}}) {
        SCOPED_TRACE(::testing::PrintToString(header) + " " + std::string(innermost) + " " +
                     ChunkName(chunk));
        ReplyFeed feed = FeedReplies(input, chunk);
        EXPECT_EQ(feed.error, expected);
        EXPECT_TRUE(feed.replies.empty());
      }
    }
  }
  // A null array is not an aggregate that nests.
  ReplyFeed feed = FeedReplies(Nested(ReplyParser::kMaxDepth, "*1\r\n", "*-1\r\n"), 0);
  EXPECT_FALSE(feed.error);
  EXPECT_EQ(feed.replies.size(), 1u);
}

// What used to overflow the stack: a million nested headers, in the parser (it
// now stops at the limit) and a million-deep value (built by hand) being
// printed, compared and destroyed.
TEST(ReplyParserDepthTest, AMillionNestedHeadersStopAtTheLimit) {
  const std::string input = Nested(1000000, "*1\r\n", ":1\r\n");
  ReplyParser parser;
  size_t consumed = 0;
  RespValue value;
  EXPECT_EQ(parser.Parse(input, &consumed, &value), ReplyParser::Status::kError);
  EXPECT_EQ(consumed, (ReplyParser::kMaxDepth + 1) * 4) << "the error is reported at once";
  // The parser starts afresh after the error.
  consumed = 0;
  EXPECT_EQ(parser.Parse("*1\r\n:1\r\n", &consumed, &value), ReplyParser::Status::kValue);
  EXPECT_EQ(value, R::Arr({R::Int(1)}));
}

TEST(RespValueTest, AMillionDeepValueIsPrintedComparedCopiedAndFreedWithoutRecursion) {
  constexpr size_t kDepth = 1000000;
  RespValue a = DeepArray(kDepth);
  RespValue b = DeepArray(kDepth);
  EXPECT_TRUE(a == b);
  RespValue* innermost = &b;
  while (!innermost->elements.empty()) innermost = &innermost->elements[0];
  innermost->integer = 8;
  EXPECT_FALSE(a == b);
  const std::string text = a.DebugString();
  EXPECT_EQ(text.size(), 2 * kDepth + 2);
  EXPECT_EQ(text.substr(kDepth - 2, 6), "[[:7]]");
  // Copies too; a, b, c and d are destroyed here.
  RespValue c = a;
  EXPECT_TRUE(c == a);
  RespValue d = std::move(b);
  d = c;
  EXPECT_TRUE(d == a);
  EXPECT_TRUE(b.elements.empty()) << "moved from";
}

TEST(RespValueTest, CopiesAreDeepAndIndependent) {
  RespValue original =
      R::Arr({R::Int(1), Typed(T::kMap, {R::BulkStr("k"), R::Arr({Dbl(1.5, "1.5")})}),
              Verbatim("txt", "v"), Boolean(true), BigNumber("12")});
  RespValue copy = original;
  EXPECT_EQ(copy, original);
  EXPECT_EQ(copy.DebugString(), original.DebugString());
  copy.elements[1].elements[1].elements[0].str = "2.5";
  copy.elements[1].elements[1].elements[0].dbl = 2.5;
  EXPECT_NE(copy, original);
  EXPECT_EQ(original.elements[1].elements[1].elements[0], Dbl(1.5, "1.5"));
  RespValue assigned = R::Int(3);
  assigned = original;
  EXPECT_EQ(assigned, original);
  const RespValue& same = assigned;
  assigned = same;  // self-assignment keeps the value
  EXPECT_EQ(assigned, original);
}

TEST(RespValueTest, DebugStringOfNestedAggregates) {
  EXPECT_EQ(R::Arr({R::Arr({}), Typed(T::kMap, {R::Int(1), R::Arr({R::Nil()})}), R::Int(2)})
                .DebugString(),
            "[[], %{:1: [nil]}, :2]");
  EXPECT_EQ(Typed(T::kPush, {Typed(T::kSet, {Typed(T::kSet, {})})}).DebugString(), ">[~[~[]]]");
}

TEST(EncodeCommandTest, EncodesAMultibulkRequest) {
  EXPECT_EQ(EncodeCommand({"SET", "key", "value"}),
            "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  EXPECT_EQ(EncodeCommand({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(EncodeCommand({}), "*0\r\n");
  EXPECT_EQ(EncodeCommand({"ECHO", ""}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  const std::string binary = "a\r\n\0b"s;
  EXPECT_EQ(EncodeCommand({"ECHO", binary}), "*2\r\n$4\r\nECHO\r\n$5\r\na\r\n\0b\r\n"s);
  const std::string big(100000, 'x');
  EXPECT_EQ(EncodeCommand({big}), "*1\r\n$100000\r\n" + big + "\r\n");
}

TEST(EncodeCommandTest, AppendCommandAppends) {
  std::string out = "prefix";
  AppendCommand({"GET", "k"}, &out);
  AppendCommand({"PING"}, &out);
  EXPECT_EQ(out, "prefix*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n");
}

TEST(EncodeCommandTest, RequestParserReadsWhatItEncodes) {
  std::vector<std::vector<std::string>> commands = {{"SET", "key", "value"},
                                                    {"ECHO", ""},
                                                    {"ECHO", "a\r\n\0b"s},
                                                    {"MSET", "k", std::string(40000, 'v')},
                                                    {"PING"}};
  std::string stream;
  for (const auto& command : commands) {
    std::vector<std::string_view> views(command.begin(), command.end());
    AppendCommand(views, &stream);
  }
  for (size_t chunk : ChunkSizes()) {
    SCOPED_TRACE(ChunkName(chunk));
    testing_util::RequestFeed feed = FeedRequests(stream, chunk);
    ASSERT_FALSE(feed.error) << *feed.error;
    EXPECT_EQ(feed.commands, commands);
  }
}

}  // namespace
}  // namespace valkdb
