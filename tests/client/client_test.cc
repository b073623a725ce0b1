// The blocking Client against a real valkdb-server and a real redis-server:
// the same cases against both (every command they use exists in both:
// VALKDB_REQUIRE_SUPPORTED fails on an unknown-command error).
#include "client/client.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/client/test_support.h"

namespace valkdb::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using Clock = std::chrono::steady_clock;

class ClientTest : public ServerTest {};

TEST_P(ClientTest, SetGetDelExistsWithTheStringsApi) {
  Client c(Options());
  ASSERT_EQ(c.Set("k", "v").value(), true);
  EXPECT_EQ(c.Get("k").value(), std::optional<std::string>("v"));
  EXPECT_EQ(c.Get("missing").value(), std::nullopt);
  EXPECT_EQ(c.Exists("k").value(), true);
  EXPECT_EQ(c.Exists({"k", "k", "missing"}).value(), 2);
  EXPECT_EQ(c.Del({"k", "missing"}).value(), 1);
  EXPECT_EQ(c.Exists("k").value(), false);
  EXPECT_EQ(c.DbSize().value(), 0);
}

TEST_P(ClientTest, SetOptionsMapToNxXxAndExpiry) {
  Client c(Options());
  EXPECT_EQ(c.Set("k", "1", {.only_if_present = true}).value(), false);
  EXPECT_EQ(c.Get("k").value(), std::nullopt);
  EXPECT_EQ(c.Set("k", "1", {.only_if_absent = true}).value(), true);
  EXPECT_EQ(c.Set("k", "2", {.only_if_absent = true}).value(), false);
  EXPECT_EQ(c.Get("k").value(), "1");
  ASSERT_TRUE(c.Set("t", "v", {.ttl = absl::Seconds(100)}).ok());
  const int64_t ttl = c.Ttl("t").value();
  EXPECT_GT(ttl, 90);
  EXPECT_LE(ttl, 100);
  ASSERT_TRUE(c.Set("p", "v", {.ttl = absl::Milliseconds(50500)}).ok());
  EXPECT_GT(c.PTtl("p").value(), 40000);
  EXPECT_EQ(c.Ttl("k").value(), -1);
  EXPECT_EQ(c.Ttl("missing").value(), -2);
  EXPECT_EQ(c.Expire("k", 100).value(), true);
  EXPECT_EQ(c.Expire("missing", 100).value(), false);
  EXPECT_EQ(c.Persist("k").value(), true);
  EXPECT_EQ(c.Ttl("k").value(), -1);
}

TEST_P(ClientTest, ValuesAreBinarySafeAndLarge) {
  Client c(Options());
  const std::string binary("a\0b\r\n$3\r\n\xff", 11);
  ASSERT_TRUE(c.Set(binary, binary).ok());
  EXPECT_EQ(c.Get(binary).value(), binary);
  std::string big(3 * 1024 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(c.Set("big", big).ok());
  EXPECT_EQ(c.Get("big").value(), big);
  EXPECT_EQ(c.Set("", "empty key").value(), true);
  EXPECT_EQ(c.Get("").value(), "empty key");
}

TEST_P(ClientTest, CountersWithIncrFamily) {
  Client c(Options());
  absl::StatusOr<int64_t> first = c.Incr("n");
  VALKDB_REQUIRE_SUPPORTED(first.status());
  EXPECT_EQ(first.value(), 1);
  EXPECT_EQ(c.IncrBy("n", 41).value(), 42);
  EXPECT_EQ(c.Decr("n").value(), 41);
  EXPECT_EQ(c.DecrBy("n", 40).value(), 1);
  EXPECT_DOUBLE_EQ(c.IncrByFloat("f", 1.5).value(), 1.5);
  EXPECT_EQ(c.Append("s", "ab").value(), 2);
  EXPECT_EQ(c.StrLen("s").value(), 2);
  ASSERT_TRUE(c.Set("text", "abc").ok());
  absl::StatusOr<int64_t> bad = c.Incr("text");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(bad.status().message(), "ERR value is not an integer or out of range");
}

TEST_P(ClientTest, MSetAndMGet) {
  Client c(Options());
  absl::StatusOr<Done> set = c.MSet({{"a", "1"}, {"b", "2"}});
  VALKDB_REQUIRE_SUPPORTED(set.status());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(
      c.MGet({"a", "missing", "b"}).value(),
      ElementsAre(std::optional<std::string>("1"), std::nullopt, std::optional<std::string>("2")));
}

TEST_P(ClientTest, HashesAndSets) {
  Client c(Options());
  EXPECT_EQ(c.HSet("h", {{"f1", "v1"}, {"f2", "v2"}}).value(), 2);
  EXPECT_EQ(c.HGet("h", "f1").value(), "v1");
  EXPECT_EQ(c.HGet("h", "nope").value(), std::nullopt);
  EXPECT_THAT(c.HGetAll("h").value(), UnorderedElementsAre(Pair("f1", "v1"), Pair("f2", "v2")));
  EXPECT_EQ(c.HExists("h", "f2").value(), true);
  EXPECT_EQ(c.HIncrBy("h", "n", 5).value(), 5);
  EXPECT_EQ(c.HDel("h", {"f1", "n"}).value(), 2);
  EXPECT_EQ(c.HLen("h").value(), 1);

  EXPECT_EQ(c.SAdd("s", {"x", "y", "x"}).value(), 2);
  EXPECT_THAT(c.SMembers("s").value(), UnorderedElementsAre("x", "y"));
  EXPECT_EQ(c.SIsMember("s", "x").value(), true);
  EXPECT_EQ(c.SRem("s", {"x"}).value(), 1);
  EXPECT_EQ(c.SCard("s").value(), 1);
  EXPECT_EQ(c.Type("h").value(), "hash");
  EXPECT_EQ(c.Type("s").value(), "set");
  absl::StatusOr<std::optional<std::string>> wrong = c.Get("s");
  EXPECT_EQ(wrong.status().message(),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_P(ClientTest, Lists) {
  Client c(Options());
  EXPECT_EQ(c.RPush("l", {"a", "b", "c"}).value(), 3);
  EXPECT_EQ(c.LPush("l", {"z"}).value(), 4);
  EXPECT_THAT(c.LRange("l", 0, -1).value(), ElementsAre("z", "a", "b", "c"));
  EXPECT_EQ(c.LPop("l").value(), "z");
  EXPECT_EQ(c.RPop("l").value(), "c");
  EXPECT_EQ(c.LLen("l").value(), 2);
  EXPECT_EQ(c.LPop("nolist").value(), std::nullopt);
  EXPECT_EQ(c.Type("l").value(), "list");
  absl::StatusOr<std::optional<std::string>> wrong = c.Get("l");
  EXPECT_EQ(wrong.status().message(),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_P(ClientTest, SortedSets) {
  Client c(Options());
  absl::StatusOr<int64_t> added = c.ZAdd("z", 2.5, "b");
  VALKDB_REQUIRE_SUPPORTED(added.status());
  EXPECT_EQ(added.value(), 1);
  EXPECT_EQ(c.ZAdd("z", 1, "a").value(), 1);
  EXPECT_EQ(c.ZScore("z", "b").value(), 2.5);
  EXPECT_EQ(c.ZScore("z", "nope").value(), std::nullopt);
  EXPECT_DOUBLE_EQ(c.ZIncrBy("z", 1, "a").value(), 2);
  EXPECT_THAT(c.ZRange("z", 0, -1).value(), ElementsAre("a", "b"));
  EXPECT_THAT(c.ZRangeWithScores("z", 0, -1).value(), ElementsAre(Pair("a", 2.0), Pair("b", 2.5)));
  EXPECT_EQ(c.ZRem("z", {"a"}).value(), 1);
  EXPECT_EQ(c.ZCard("z").value(), 1);
}

TEST_P(ClientTest, ErrorRepliesCarryTheServerTextExactly) {
  Client c(Options());
  absl::StatusOr<RespValue> arity = c.Command({"GET"});
  EXPECT_EQ(arity.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(arity.status().message(), "ERR wrong number of arguments for 'get' command");
  absl::StatusOr<RespValue> unknown = c.Command({"NOSUCHCMD", "a", "b"});
  EXPECT_EQ(unknown.status().message(),
            "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' ");
  absl::StatusOr<RespValue> syntax = c.Command({"SET", "k", "v", "BOGUS"});
  EXPECT_EQ(syntax.status().message(), "ERR syntax error");
  // The connection carries on after errors.
  EXPECT_EQ(c.Ping().value(), "PONG");
  EXPECT_EQ(c.Command({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ClientTest, GenericCommandReturnsTheRespValue) {
  Client c(Options());
  RespValue pong = c.Command({"PING"}).value();
  EXPECT_EQ(pong, RespValue::Simple("PONG"));
  EXPECT_EQ(c.Command({"ECHO", "hi"}).value(), RespValue::BulkStr("hi"));
  std::vector<std::string> args = {"SET", "k", "v"};
  EXPECT_EQ(c.Command(args).value(), RespValue::Simple("OK"));
  EXPECT_EQ(c.Command({"GET", "missing"}).value(), RespValue::Nil());
  RespValue config = c.Command({"CONFIG", "GET", "port"}).value();
  ASSERT_EQ(config.type, RespValue::Type::kArray) << config.DebugString();
  EXPECT_EQ(config.elements.size(), 2u);
}

TEST_P(ClientTest, PipelineAnswersEveryCommandInOrderInOneRoundTrip) {
  Client c(Options());
  Pipeline p;
  for (int i = 0; i < 200; ++i) {
    const std::string key = StrCat("key", i);
    p.Add({"SET", key, std::to_string(i * 7)});
    p.Add({"GET", key});
  }
  p.Add({"GET"});  // an error in the middle stays with its command
  p.Add({"ECHO", "last"});
  absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> replies = c.Execute(p);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 402u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ((*replies)[2 * i].value(), RespValue::Simple("OK"));
    EXPECT_EQ((*replies)[2 * i + 1].value(), RespValue::BulkStr(std::to_string(i * 7)));
  }
  EXPECT_EQ((*replies)[400].status().message(), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ((*replies)[401].value(), RespValue::BulkStr("last"));
  EXPECT_TRUE(c.Execute(Pipeline()).value().empty());
}

TEST_P(ClientTest, PipelineLargerThanTheSocketBuffersDoesNotStall) {
  Client c(Options());
  Pipeline p;
  const std::string value(1000, 'v');
  for (int i = 0; i < 20000; ++i) p.Add({"SET", StrCat("k", i % 100), value});
  for (int i = 0; i < 2000; ++i) p.Add({"GET", StrCat("k", i % 100)});
  absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> replies = c.Execute(p);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 22000u);
  EXPECT_EQ(replies->back().value(), RespValue::BulkStr(value));
}

TEST_P(ClientTest, Resp3ViaHello) {
  ClientOptions options = Options();
  options.protocol = 3;
  Client c(options);
  RespValue hello = c.Command({"HELLO"}).value();
  ASSERT_EQ(hello.type, RespValue::Type::kMap) << hello.DebugString();
  bool saw_proto = false;
  for (size_t i = 0; i + 1 < hello.elements.size(); i += 2) {
    if (hello.elements[i].str == "proto") {
      saw_proto = true;
      EXPECT_EQ(hello.elements[i + 1], RespValue::Int(3));
    }
  }
  EXPECT_TRUE(saw_proto) << hello.DebugString();
  ASSERT_TRUE(c.Set("k", "v").ok());
  EXPECT_EQ(c.Get("k").value(), "v");
  EXPECT_EQ(c.Get("missing").value(), std::nullopt);  // RESP3 null (_)
  EXPECT_EQ(c.HSet("h", {{"f", "v"}}).value(), 1);
  RespValue map = c.Command({"HGETALL", "h"}).value();
  EXPECT_EQ(map.type, RespValue::Type::kMap);
  EXPECT_THAT(c.HGetAll("h").value(), ElementsAre(Pair("f", "v")));
  EXPECT_EQ(c.Command({"SMEMBERS", "h2"}).value().type, RespValue::Type::kSet);
  absl::StatusOr<int64_t> zadded = c.ZAdd("z", 1.5, "m");
  VALKDB_REQUIRE_SUPPORTED(zadded.status());
  EXPECT_EQ(c.Command({"ZSCORE", "z", "m"}).value().type, RespValue::Type::kDouble);
  EXPECT_EQ(c.ZScore("z", "m").value(), 1.5);
  EXPECT_THAT(c.ZRangeWithScores("z", 0, -1).value(), ElementsAre(Pair("m", 1.5)));
}

TEST_P(ClientTest, SelectOnConnectAndSelectIsKeptAcrossReconnects) {
  ClientOptions options = Options();
  options.db = 3;
  Client in3(options);
  ASSERT_TRUE(in3.Set("k", "in db 3").ok());
  Client in0(Options());
  EXPECT_EQ(in0.Get("k").value(), std::nullopt);
  ASSERT_TRUE(in0.Select(3).ok());
  EXPECT_EQ(in0.Get("k").value(), "in db 3");

  options = Options();
  options.reconnect = true;
  Client c(options);
  ASSERT_TRUE(c.Command({"SELECT", "3"}).ok());
  c.Close();
  EXPECT_EQ(c.Get("k").value(), "in db 3");  // reconnected and selected 3 again
  EXPECT_EQ(c.Select(99).code(), absl::StatusCode::kUnknown);
}

TEST_P(ClientTest, AuthOnConnect) {
  RestartWith({"--requirepass", "s3cret"});
  Client probe(Options());
  absl::StatusOr<RespValue> auth = probe.Command({"AUTH", "s3cret"});
  VALKDB_REQUIRE_SUPPORTED(auth.status());
  Client anonymous(Options());
  absl::StatusOr<std::optional<std::string>> denied = anonymous.Get("k");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(denied.status().message(), HasSubstr("NOAUTH"));

  ClientOptions options = Options();
  options.password = "s3cret";
  Client c(options);
  EXPECT_TRUE(c.Set("k", "v").ok());
  options.protocol = 3;
  Client c3(options);
  EXPECT_EQ(c3.Get("k").value(), "v");

  options.password = "wrong";
  for (int protocol : {2, 3}) {
    options.protocol = protocol;
    Client bad(options);
    absl::Status status = bad.Connect();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_THAT(status.message(), HasSubstr("WRONGPASS"));
  }
}

TEST_P(ClientTest, ReconnectsAfterTheServerRestarts) {
  ClientOptions options = Options();
  options.reconnect = true;
  Client c(options);
  ASSERT_TRUE(c.Set("k", "v").ok());
  ASSERT_TRUE(server_->Restart().ok());
  // The idle connection's close is noticed before the command is sent.
  EXPECT_EQ(c.Ping().value(), "PONG");
  EXPECT_EQ(c.Get("k").value(), std::nullopt);  // a fresh server
  ASSERT_TRUE(c.Set("k", "again").ok());
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_EQ(c.Ping().status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(c.Ping().value(), "PONG");
}

TEST_P(ClientTest, WithoutReconnectABrokenConnectionStaysBroken) {
  Client c(Options());
  ASSERT_TRUE(c.Ping().ok());
  ASSERT_TRUE(server_->Restart().ok());
  absl::StatusOr<std::string> first = c.Ping();
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable) << first.status();
  absl::StatusOr<std::string> second = c.Ping();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("reconnect is off"));
  ASSERT_TRUE(c.Connect().ok());
  EXPECT_EQ(c.Ping().value(), "PONG");
}

TEST_P(ClientTest, ATimedOutConnectionNeverHandsALateReplyToTheNextCommand) {
  ClientOptions options = Options();
  options.command_timeout = absl::Milliseconds(200);
  options.reconnect = true;
  Client c(options);
  absl::StatusOr<RespValue> slow = c.Command({"DEBUG", "SLEEP", "0.5"});
  VALKDB_REQUIRE_SUPPORTED(slow.status());
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
  // Let the server finish sleeping and send its late +OK (to the closed
  // connection): it must not answer this ECHO.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  // A busy machine may time this one out too; what must never happen is an
  // answer other than its own.
  absl::StatusOr<std::string> echo = c.Echo("mine");
  for (int tries = 0; tries < 50 && !echo.ok(); ++tries) {
    EXPECT_EQ(echo.status().code(), absl::StatusCode::kDeadlineExceeded) << echo.status();
    echo = c.Echo("mine");
  }
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(*echo, "mine");
}

TEST_P(ClientTest, OneClientFromEightThreads) {
  Client c(Options());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&c, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = StrCat("t", t, ":", i);
        const std::string value = std::to_string(t * 1000 + i);
        if (!c.Set(key, value).ok()) ++failures;
        absl::StatusOr<std::optional<std::string>> got = c.Get(key);
        if (!got.ok() || *got != value) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c.DbSize().value(), 1600);
}

INSTANTIATE_TEST_SUITE_P(Servers, ClientTest,
                         ::testing::Values(ServerKind::kValkdb, ServerKind::kRedis), ParamName);

// Timeouts need no real server: a socket that never answers, and one that never accepts.

TEST(ClientTimeoutTest, AServerThatNeverAnswersIsATimeout) {
  SilentServer silent;
  ClientOptions options = silent.Options();
  options.command_timeout = absl::Milliseconds(300);
  Client c(options);
  const auto start = Clock::now();
  absl::StatusOr<std::string> r = c.Ping();
  const auto took = Clock::now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("timed out after 300ms"));
  EXPECT_GE(took, std::chrono::milliseconds(290));
  EXPECT_LT(took, std::chrono::seconds(4));  // far above the timeout, below the defaults
  EXPECT_FALSE(c.IsConnected());             // a timed out connection is closed
}

TEST(ClientTimeoutTest, AHandshakeThatIsNeverAnsweredIsAConnectTimeout) {
  SilentServer silent;
  ClientOptions options = silent.Options();
  options.password = "pw";
  options.connect_timeout = absl::Milliseconds(300);
  Client c(options);
  const auto start = Clock::now();
  absl::Status status = c.Connect();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("no answer to AUTH"));
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
}

TEST(ClientTimeoutTest, AConnectThatIsNeverAcceptedIsATimeout) {
  UnreachableServer unreachable;
  ClientOptions options = unreachable.Options();
  options.connect_timeout = absl::Milliseconds(300);
  Client c(options);
  const auto start = Clock::now();
  absl::StatusOr<std::string> r = c.Ping();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("connect to"));
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
}

TEST(ClientTimeoutTest, NothingListeningIsUnavailableAtOnce) {
  ClientOptions options;
  options.port = UnusedPort();
  Client c(options);
  absl::StatusOr<std::string> r = c.Ping();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("Connection refused"));
}

TEST(ClientTimeoutTest, TimeoutsHoldForEveryThreadSharingTheClient) {
  SilentServer silent;
  ClientOptions options = silent.Options();
  options.command_timeout = absl::Milliseconds(100);
  options.reconnect = true;
  Client c(options);
  std::vector<std::thread> threads;
  std::atomic<int> timeouts{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (absl::IsDeadlineExceeded(c.Ping().status())) ++timeouts;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(timeouts.load(), 8);
}

}  // namespace
}  // namespace valkdb::testing
