#include "protocol/resp_writer.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/bytes.h"
#include "protocol/reply_buffer.h"
#include "protocol/resp_value.h"
#include "tests/unit/protocol/test_util.h"

namespace valkdb {
namespace {

using namespace std::string_literals;
using testing_util::ChunkName;
using testing_util::ChunkSizes;
using testing_util::FeedReplies;
using testing_util::ReplyFeed;

std::string Write(int protocol, const std::function<void(RespWriter&)>& write) {
  ReplyBuffer buffer;
  RespWriter writer(&buffer, protocol);
  write(writer);
  return buffer.ToString();
}

RespValue Typed(RespValue::Type type, std::vector<RespValue> elements = {}) {
  RespValue v;
  v.type = type;
  v.elements = std::move(elements);
  return v;
}

RespValue Dbl(double d, std::string text) {
  RespValue v;
  v.type = RespValue::Type::kDouble;
  v.dbl = d;
  v.str = std::move(text);
  return v;
}

RespValue Boolean(bool b) {
  RespValue v;
  v.type = RespValue::Type::kBoolean;
  v.boolean = b;
  return v;
}

RespValue Verbatim(std::string format, std::string text) {
  RespValue v;
  v.type = RespValue::Type::kVerbatim;
  v.format = std::move(format);
  v.str = std::move(text);
  return v;
}

// One writer call, the bytes it must produce in RESP2 and RESP3 (Redis 7.0's
// own encodings), and what a client parses from them.
struct WriterCase {
  std::string name;
  std::function<void(RespWriter&)> write;
  std::string resp2;
  std::string resp3;
  RespValue value2;
  RespValue value3;
};

void PrintTo(const WriterCase& c, std::ostream* os) { *os << c.name; }

std::vector<WriterCase> WriterCases() {
  using R = RespValue;
  using T = RespValue::Type;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {"Ok", [](RespWriter& w) { w.Ok(); }, "+OK\r\n", "+OK\r\n", R::Simple("OK"), R::Simple("OK")},
      {"SimpleString", [](RespWriter& w) { w.SimpleString("PONG"); }, "+PONG\r\n", "+PONG\r\n",
       R::Simple("PONG"), R::Simple("PONG")},
      {"EmptySimpleString", [](RespWriter& w) { w.SimpleString(""); }, "+\r\n", "+\r\n",
       R::Simple(""), R::Simple("")},
      {"ErrorGetsErrPrefix", [](RespWriter& w) { w.Error("syntax error"); },
       "-ERR syntax error\r\n", "-ERR syntax error\r\n", R::Err("ERR syntax error"),
       R::Err("ERR syntax error")},
      {"ErrorWithOwnCode",
       [](RespWriter& w) {
         w.Error("-WRONGTYPE Operation against a key holding the wrong kind of value");
       },
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
       R::Err("WRONGTYPE Operation against a key holding the wrong kind of value"),
       R::Err("WRONGTYPE Operation against a key holding the wrong kind of value")},
      {"ErrorNewlinesBecomeSpaces", [](RespWriter& w) { w.Error("bad\r\nthing\n"); },
       "-ERR bad  thing \r\n", "-ERR bad  thing \r\n", R::Err("ERR bad  thing "),
       R::Err("ERR bad  thing ")},
      {"ErrorOwnCodeNewlines", [](RespWriter& w) { w.Error("-NOAUTH a\rb"); }, "-NOAUTH a b\r\n",
       "-NOAUTH a b\r\n", R::Err("NOAUTH a b"), R::Err("NOAUTH a b")},
      {"EmptyError", [](RespWriter& w) { w.Error(""); }, "-ERR \r\n", "-ERR \r\n", R::Err("ERR "),
       R::Err("ERR ")},
      {"IntegerZero", [](RespWriter& w) { w.Integer(0); }, ":0\r\n", ":0\r\n", R::Int(0),
       R::Int(0)},
      {"IntegerNegative", [](RespWriter& w) { w.Integer(-42); }, ":-42\r\n", ":-42\r\n",
       R::Int(-42), R::Int(-42)},
      {"IntegerMax", [](RespWriter& w) { w.Integer(INT64_MAX); }, ":9223372036854775807\r\n",
       ":9223372036854775807\r\n", R::Int(INT64_MAX), R::Int(INT64_MAX)},
      {"IntegerMin", [](RespWriter& w) { w.Integer(INT64_MIN); }, ":-9223372036854775808\r\n",
       ":-9223372036854775808\r\n", R::Int(INT64_MIN), R::Int(INT64_MIN)},
      {"Bulk", [](RespWriter& w) { w.Bulk(std::string_view("hello")); }, "$5\r\nhello\r\n",
       "$5\r\nhello\r\n", R::BulkStr("hello"), R::BulkStr("hello")},
      {"EmptyBulk", [](RespWriter& w) { w.Bulk(std::string_view()); }, "$0\r\n\r\n", "$0\r\n\r\n",
       R::BulkStr(""), R::BulkStr("")},
      {"BinaryBulk", [](RespWriter& w) { w.Bulk("a\r\n\0b"s); }, "$5\r\na\r\n\0b\r\n"s,
       "$5\r\na\r\n\0b\r\n"s, R::BulkStr("a\r\n\0b"s), R::BulkStr("a\r\n\0b"s)},
      {"BulkBytes", [](RespWriter& w) { w.Bulk(Bytes::Copy("value")); }, "$5\r\nvalue\r\n",
       "$5\r\nvalue\r\n", R::BulkStr("value"), R::BulkStr("value")},
      {"BigBulkBytes", [](RespWriter& w) { w.Bulk(Bytes::Copy(std::string(5000, 'x'))); },
       "$5000\r\n" + std::string(5000, 'x') + "\r\n", "$5000\r\n" + std::string(5000, 'x') + "\r\n",
       R::BulkStr(std::string(5000, 'x')), R::BulkStr(std::string(5000, 'x'))},
      {"Null", [](RespWriter& w) { w.Null(); }, "$-1\r\n", "_\r\n", R::Nil(), R::Nil()},
      {"NullArray", [](RespWriter& w) { w.NullArray(); }, "*-1\r\n", "_\r\n", R::Nil(), R::Nil()},
      {"EmptyArray", [](RespWriter& w) { w.Array(0); }, "*0\r\n", "*0\r\n", R::Arr({}), R::Arr({})},
      {"Array",
       [](RespWriter& w) {
         w.Array(3);
         w.Integer(1);
         w.Bulk(std::string_view("two"));
         w.Null();
       },
       "*3\r\n:1\r\n$3\r\ntwo\r\n$-1\r\n", "*3\r\n:1\r\n$3\r\ntwo\r\n_\r\n",
       R::Arr({R::Int(1), R::BulkStr("two"), R::Nil()}),
       R::Arr({R::Int(1), R::BulkStr("two"), R::Nil()})},
      {"NestedArray",
       [](RespWriter& w) {
         w.Array(2);
         w.Array(1);
         w.SimpleString("a");
         w.Array(0);
       },
       "*2\r\n*1\r\n+a\r\n*0\r\n", "*2\r\n*1\r\n+a\r\n*0\r\n",
       R::Arr({R::Arr({R::Simple("a")}), R::Arr({})}),
       R::Arr({R::Arr({R::Simple("a")}), R::Arr({})})},
      {"Map",
       [](RespWriter& w) {
         w.Map(2);
         w.Bulk(std::string_view("a"));
         w.Integer(1);
         w.Bulk(std::string_view("b"));
         w.Integer(2);
       },
       "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n",
       R::Arr({R::BulkStr("a"), R::Int(1), R::BulkStr("b"), R::Int(2)}),
       Typed(T::kMap, {R::BulkStr("a"), R::Int(1), R::BulkStr("b"), R::Int(2)})},
      {"EmptyMap", [](RespWriter& w) { w.Map(0); }, "*0\r\n", "%0\r\n", R::Arr({}), Typed(T::kMap)},
      {"Set",
       [](RespWriter& w) {
         w.Set(2);
         w.Bulk(std::string_view("x"));
         w.Bulk(std::string_view("y"));
       },
       "*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "~2\r\n$1\r\nx\r\n$1\r\ny\r\n",
       R::Arr({R::BulkStr("x"), R::BulkStr("y")}),
       Typed(T::kSet, {R::BulkStr("x"), R::BulkStr("y")})},
      {"Push",
       [](RespWriter& w) {
         w.Push(3);
         w.Bulk(std::string_view("message"));
         w.Bulk(std::string_view("ch"));
         w.Bulk(std::string_view("hi"));
       },
       "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
       ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
       R::Arr({R::BulkStr("message"), R::BulkStr("ch"), R::BulkStr("hi")}),
       Typed(T::kPush, {R::BulkStr("message"), R::BulkStr("ch"), R::BulkStr("hi")})},
      // Redis's ZSCORE replies, byte for byte.
      {"Double", [](RespWriter& w) { w.Double(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n",
       R::BulkStr("1.5"), Dbl(1.5, "1.5")},
      {"DoubleSeventeenDigits", [](RespWriter& w) { w.Double(0.1); },
       "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n",
       R::BulkStr("0.10000000000000001"), Dbl(0.1, "0.10000000000000001")},
      {"DoubleIntegral", [](RespWriter& w) { w.Double(3); }, "$1\r\n3\r\n", ",3\r\n",
       R::BulkStr("3"), Dbl(3, "3")},
      {"DoubleNegative", [](RespWriter& w) { w.Double(-2.25); }, "$5\r\n-2.25\r\n", ",-2.25\r\n",
       R::BulkStr("-2.25"), Dbl(-2.25, "-2.25")},
      {"DoubleInf", [inf](RespWriter& w) { w.Double(inf); }, "$3\r\ninf\r\n", ",inf\r\n",
       R::BulkStr("inf"), Dbl(inf, "inf")},
      {"DoubleMinusInf", [inf](RespWriter& w) { w.Double(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n",
       R::BulkStr("-inf"), Dbl(-inf, "-inf")},
      {"DoubleNan", [nan](RespWriter& w) { w.Double(nan); }, "$3\r\nnan\r\n", ",nan\r\n",
       R::BulkStr("nan"), Dbl(nan, "nan")},
      {"DoubleTiny", [](RespWriter& w) { w.Double(1e-300); }, "$6\r\n1e-300\r\n", ",1e-300\r\n",
       R::BulkStr("1e-300"), Dbl(1e-300, "1e-300")},
      {"BoolTrue", [](RespWriter& w) { w.Bool(true); }, ":1\r\n", "#t\r\n", R::Int(1),
       Boolean(true)},
      {"BoolFalse", [](RespWriter& w) { w.Bool(false); }, ":0\r\n", "#f\r\n", R::Int(0),
       Boolean(false)},
      {"Verbatim", [](RespWriter& w) { w.Verbatim("txt", "hello world"); },
       "$11\r\nhello world\r\n", "=15\r\ntxt:hello world\r\n", R::BulkStr("hello world"),
       Verbatim("txt", "hello world")},
      {"VerbatimEmpty", [](RespWriter& w) { w.Verbatim("mkd", ""); }, "$0\r\n\r\n",
       "=4\r\nmkd:\r\n", R::BulkStr(""), Verbatim("mkd", "")},
      {"VerbatimMultiline", [](RespWriter& w) { w.Verbatim("txt", "a\r\nb\r\n"); },
       "$6\r\na\r\nb\r\n\r\n", "=10\r\ntxt:a\r\nb\r\n\r\n", R::BulkStr("a\r\nb\r\n"),
       Verbatim("txt", "a\r\nb\r\n")},
      {"Raw", [](RespWriter& w) { w.Raw("+QUEUED\r\n"); }, "+QUEUED\r\n", "+QUEUED\r\n",
       R::Simple("QUEUED"), R::Simple("QUEUED")},
      {"HelloLikeReply",
       [](RespWriter& w) {
         w.Map(2);
         w.Bulk(std::string_view("proto"));
         w.Integer(w.protocol());
         w.Bulk(std::string_view("modules"));
         w.Array(0);
       },
       "*4\r\n$5\r\nproto\r\n:2\r\n$7\r\nmodules\r\n*0\r\n",
       "%2\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n",
       R::Arr({R::BulkStr("proto"), R::Int(2), R::BulkStr("modules"), R::Arr({})}),
       Typed(T::kMap, {R::BulkStr("proto"), R::Int(3), R::BulkStr("modules"), R::Arr({})})},
  };
}

class RespWriterCaseTest : public ::testing::TestWithParam<WriterCase> {};

TEST_P(RespWriterCaseTest, Resp2Bytes) { EXPECT_EQ(Write(2, GetParam().write), GetParam().resp2); }

TEST_P(RespWriterCaseTest, Resp3Bytes) { EXPECT_EQ(Write(3, GetParam().write), GetParam().resp3); }

// What the writer produces parses back to the intended value, whole, byte by
// byte and at every chunk size.
TEST_P(RespWriterCaseTest, ParsesBackAtEveryChunkSize) {
  for (int protocol : {2, 3}) {
    const std::string bytes = Write(protocol, GetParam().write);
    const RespValue& expected = protocol == 2 ? GetParam().value2 : GetParam().value3;
    for (size_t chunk : ChunkSizes()) {
      SCOPED_TRACE("RESP" + std::to_string(protocol) + " " + ChunkName(chunk));
      ReplyFeed feed = FeedReplies(bytes, chunk);
      ASSERT_FALSE(feed.error) << *feed.error;
      ASSERT_EQ(feed.replies.size(), 1u);
      EXPECT_EQ(feed.replies[0], expected);
      EXPECT_FALSE(feed.partial);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, RespWriterCaseTest, ::testing::ValuesIn(WriterCases()),
                         [](const ::testing::TestParamInfo<WriterCase>& info) {
                           return info.param.name;
                         });

TEST(RespWriterTest, ProtocolCanBeSwitched) {
  ReplyBuffer buffer;
  RespWriter writer(&buffer);
  EXPECT_EQ(writer.protocol(), 2);
  EXPECT_FALSE(writer.resp3());
  EXPECT_EQ(writer.buffer(), &buffer);
  writer.Null();
  writer.set_protocol(3);  // HELLO 3
  EXPECT_EQ(writer.protocol(), 3);
  EXPECT_TRUE(writer.resp3());
  writer.Null();
  writer.set_protocol(2);
  writer.Null();
  EXPECT_EQ(buffer.ToString(), "$-1\r\n_\r\n$-1\r\n");
}

TEST(RespWriterTest, RepliesAppendInOrder) {
  ReplyBuffer buffer;
  RespWriter writer(&buffer);
  writer.Ok();
  writer.Integer(7);
  writer.Error("no");
  writer.Bulk(std::string_view("x"));
  EXPECT_EQ(buffer.ToString(), "+OK\r\n:7\r\n-ERR no\r\n$1\r\nx\r\n");
}

TEST(RespWriterTest, BigBulkBytesAreReferencedUntilWritten) {
  Bytes value = Bytes::Copy(std::string(ReplyBuffer::kReferenceThreshold, 'v'));
  ReplyBuffer buffer;
  RespWriter writer(&buffer, 3);
  writer.Bulk(value);
  EXPECT_EQ(value.use_count(), 2u);
  EXPECT_EQ(buffer.ToString(), "$4096\r\n" + value.str() + "\r\n");
  buffer.Consume(buffer.size());
  EXPECT_EQ(value.use_count(), 1u);
}

TEST(RespWriterTest, SmallBulkBytesAreCopied) {
  Bytes value = Bytes::Copy("small");
  ReplyBuffer buffer;
  RespWriter writer(&buffer);
  writer.Bulk(value);
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(buffer.ToString(), "$5\r\nsmall\r\n");
}

TEST(RespWriterTest, ManyRepliesRoundTrip) {
  ReplyBuffer buffer;
  RespWriter writer(&buffer, 3);
  std::vector<RespValue> expected;
  for (int i = 0; i < 300; ++i) {
    writer.Array(2);
    writer.Integer(i);
    writer.Bulk(std::string(static_cast<size_t>(i * 50), 'a'));
    expected.push_back(RespValue::Arr(
        {RespValue::Int(i), RespValue::BulkStr(std::string(static_cast<size_t>(i * 50), 'a'))}));
  }
  const std::string bytes = buffer.ToString();
  for (size_t chunk : ChunkSizes()) {
    SCOPED_TRACE(ChunkName(chunk));
    ReplyFeed feed = FeedReplies(bytes, chunk);
    ASSERT_FALSE(feed.error);
    EXPECT_EQ(feed.replies, expected);
  }
}

TEST(FormatDoubleTest, MatchesRedis) {
  EXPECT_EQ(FormatDouble(0), "0");
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(-1.5), "-1.5");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(1e20), "1e+20");
  EXPECT_EQ(FormatDouble(123456789), "123456789");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::denorm_min()), "4.9406564584124654e-324");
}

}  // namespace
}  // namespace valkdb
