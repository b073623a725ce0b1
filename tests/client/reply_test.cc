// Reply conversion and request encoding, without a server.
#include "client/reply.h"

#include "client/commands.h"
#include "client/request.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace valkdb {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

RespValue Double(double d, std::string text) {
  RespValue v;
  v.type = RespValue::Type::kDouble;
  v.dbl = d;
  v.str = std::move(text);
  return v;
}

RespValue Map(std::vector<RespValue> elements) {
  RespValue v = RespValue::Arr(std::move(elements));
  v.type = RespValue::Type::kMap;
  return v;
}

TEST(RequestTest, EncodesAsAMultibulk) {
  EXPECT_EQ(Request({"SET", "k", "v"}).encoded(), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(Request(std::vector<std::string>{"GET", std::string("a\0b", 3)}).encoded(),
            std::string("*2\r\n$3\r\nGET\r\n$3\r\na\0b\r\n", 22));
  Request r({"DEL", "a", "b"});
  EXPECT_EQ(r.name(), "DEL");
  EXPECT_EQ(r.argc(), 3u);
  Pipeline p;
  p.Add({"PING"}).Add({"ECHO", "x"});
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.encoded(), "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
}

TEST(RequestTest, SetOptionsBecomeArguments) {
  EXPECT_EQ(
      client_internal::SetRequest("k", "v", {.ttl = absl::Seconds(10), .only_if_absent = true})
          .encoded(),
      Request({"SET", "k", "v", "EX", "10", "NX"}).encoded());
  EXPECT_EQ(client_internal::SetRequest("k", "v", {.ttl = absl::Microseconds(1500)}).encoded(),
            Request({"SET", "k", "v", "PX", "2"}).encoded());
  EXPECT_EQ(
      client_internal::SetRequest("k", "v", {.only_if_present = true, .keep_ttl = true}).encoded(),
      Request({"SET", "k", "v", "XX", "KEEPTTL"}).encoded());
  EXPECT_EQ(client_internal::FormatNumber(1.5), "1.5");
  EXPECT_EQ(client_internal::FormatNumber(0.1), "0.10000000000000001");
  EXPECT_EQ(client_internal::FormatNumber(-1.0 / 0.0), "-inf");
}

TEST(ReplyTest, ServerErrorsKeepTheTextAndMapTheCode) {
  EXPECT_EQ(ServerError("ERR syntax error"), absl::UnknownError("ERR syntax error"));
  EXPECT_EQ(ServerError("WRONGTYPE Operation").code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(ServerError("NOAUTH Authentication required.").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ServerError("WRONGPASS invalid").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ServerError("NOPERM no").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(reply::ToStatusOr(RespValue::Err("ERR x")).status().message(), "ERR x");
  EXPECT_EQ(reply::ToStatusOr(RespValue::Int(1)).value(), RespValue::Int(1));
}

TEST(ReplyTest, ConvertersAcceptResp2AndResp3Shapes) {
  EXPECT_EQ(reply::AsOptionalString(RespValue::Nil()).value(), std::nullopt);
  EXPECT_EQ(reply::AsOptionalString(RespValue::BulkStr("v")).value(), "v");
  EXPECT_EQ(reply::AsString(RespValue::Simple("PONG")).value(), "PONG");
  EXPECT_EQ(reply::AsOkOrNull(RespValue::Simple("OK")).value(), true);
  EXPECT_EQ(reply::AsOkOrNull(RespValue::Nil()).value(), false);
  RespValue t;
  t.type = RespValue::Type::kBoolean;
  t.boolean = true;
  EXPECT_EQ(reply::AsBool(std::move(t)).value(), true);
  EXPECT_EQ(reply::AsBool(RespValue::Int(0)).value(), false);
  EXPECT_EQ(reply::AsDouble(RespValue::BulkStr("2.5")).value(), 2.5);
  EXPECT_EQ(reply::AsDouble(Double(2.5, "2.5")).value(), 2.5);
  EXPECT_EQ(reply::AsDouble(RespValue::BulkStr("inf")).value(), HUGE_VAL);
  EXPECT_EQ(reply::AsOptionalDouble(RespValue::Nil()).value(), std::nullopt);
  EXPECT_THAT(
      reply::AsStringPairs(RespValue::Arr({RespValue::BulkStr("a"), RespValue::BulkStr("1")}))
          .value(),
      ElementsAre(Pair("a", "1")));
  EXPECT_THAT(reply::AsStringPairs(Map({RespValue::BulkStr("a"), RespValue::BulkStr("1")})).value(),
              ElementsAre(Pair("a", "1")));
  EXPECT_THAT(
      reply::AsScoredMembers(RespValue::Arr({RespValue::BulkStr("m"), RespValue::BulkStr("1.5")}))
          .value(),
      ElementsAre(Pair("m", 1.5)));
  EXPECT_THAT(reply::AsScoredMembers(
                  RespValue::Arr({RespValue::Arr({RespValue::BulkStr("m"), Double(1.5, "1.5")})}))
                  .value(),
              ElementsAre(Pair("m", 1.5)));
  ScanPage page = reply::AsScanPage(RespValue::Arr({RespValue::BulkStr("17"),
                                                    RespValue::Arr({RespValue::BulkStr("k")})}))
                      .value();
  EXPECT_EQ(page.cursor, "17");
  EXPECT_THAT(page.keys, ElementsAre("k"));
}

TEST(ReplyTest, AnUnexpectedReplyIsAnInternalErrorNamingIt) {
  absl::StatusOr<int64_t> r = reply::AsInteger(RespValue::BulkStr("x"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("expected an integer"));
  EXPECT_FALSE(reply::AsStringPairs(RespValue::Arr({RespValue::BulkStr("odd")})).ok());
}

}  // namespace
}  // namespace valkdb
