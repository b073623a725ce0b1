// The commands valkdb implements, over TCP against the real binary.

#include <chrono>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using Type = RespValue::Type;
using std::chrono::milliseconds;

// A TTL reading of an expiry set `seconds` ago or less: a busy machine may
// let a second or two pass between setting it and reading it.
MATCHER_P(TtlAbout, seconds, StrCat("a TTL of ", seconds - 2, "..", seconds)) {
  return arg.type == RespValue::Type::kInteger && arg.integer <= seconds &&
         arg.integer >= seconds - 2;
}

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Map-like replies (a RESP3 map, or a RESP2 flat array of pairs) as a lookup.
const RespValue* Field(const RespValue& reply, std::string_view name) {
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].str == name) return &reply.elements[i + 1];
  }
  return nullptr;
}

class CommandsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    c_ = Connect();
    ASSERT_NE(c_, nullptr);
  }
  RespValue Cmd(std::initializer_list<std::string_view> args) { return c_->Command(args); }

  std::unique_ptr<RespClient> c_;
};
// Suite names carry "integration_" so that `ctest -R integration` selects them:
// tests/CMakeLists.txt registers the gtest names without a prefix.
using integration_Commands = CommandsTest;

TEST_F(integration_Commands, PingAndEcho) {
  EXPECT_EQ(Cmd({"PING"}), Simple("PONG"));
  EXPECT_EQ(Cmd({"ping", "hello"}), Bulk("hello"));
  EXPECT_EQ(Cmd({"PING", "a", "b"}), Err("ERR wrong number of arguments for 'ping' command"));
  EXPECT_EQ(Cmd({"ECHO", "hi there"}), Bulk("hi there"));
  EXPECT_EQ(Cmd({"ECHO", ""}), Bulk(""));
  EXPECT_EQ(Cmd({"ECHO"}), Err("ERR wrong number of arguments for 'echo' command"));
  EXPECT_EQ(Cmd({"ECHO", "a", "b"}), Err("ERR wrong number of arguments for 'echo' command"));
}

TEST_F(integration_Commands, UnknownCommand) {
  EXPECT_EQ(Cmd({"FOO", "a", "b"}),
            Err("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "));
  EXPECT_EQ(Cmd({"foo"}), Err("ERR unknown command 'foo', with args beginning with: "));
}

TEST_F(integration_Commands, CommandNamesAreCaseInsensitive) {
  EXPECT_EQ(Cmd({"sEt", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"GeT", "k"}), Bulk("v"));
  EXPECT_EQ(Cmd({"get", "K"}), Nil());  // keys are not
}

TEST_F(integration_Commands, SetAndGet) {
  EXPECT_EQ(Cmd({"GET", "k"}), Nil());
  EXPECT_EQ(Cmd({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Cmd({"SET", "k", "w"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("w"));
  EXPECT_EQ(Cmd({"SET", "empty", ""}), Ok());
  EXPECT_EQ(Cmd({"GET", "empty"}), Bulk(""));
  EXPECT_EQ(Cmd({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Cmd({"GET", "a", "b"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Cmd({"SET", "k"}), Err("ERR wrong number of arguments for 'set' command"));
}

TEST_F(integration_Commands, SetExpireOptions) {
  EXPECT_EQ(Cmd({"SET", "ex", "v", "EX", "100"}), Ok());
  EXPECT_THAT(Cmd({"TTL", "ex"}), TtlAbout(100));
  EXPECT_EQ(Cmd({"SET", "px", "v", "PX", "100000"}), Ok());
  RespValue pttl = Cmd({"PTTL", "px"});
  ASSERT_EQ(pttl.type, Type::kInteger);
  EXPECT_THAT(pttl.integer, AllOf(Ge(95000), Le(100000)));

  const int64_t now_ms = NowMs();
  EXPECT_EQ(Cmd({"SET", "exat", "v", "EXAT", std::to_string(now_ms / 1000 + 200)}), Ok());
  RespValue ttl = Cmd({"TTL", "exat"});
  ASSERT_EQ(ttl.type, Type::kInteger);
  EXPECT_THAT(ttl.integer, AllOf(Ge(195), Le(200)));
  EXPECT_EQ(Cmd({"SET", "pxat", "v", "PXAT", std::to_string(now_ms + 300000)}), Ok());
  pttl = Cmd({"PTTL", "pxat"});
  ASSERT_EQ(pttl.type, Type::kInteger);
  EXPECT_THAT(pttl.integer, AllOf(Ge(295000), Le(300000)));

  // Option names are case-insensitive.
  EXPECT_EQ(Cmd({"SET", "lower", "v", "ex", "50"}), Ok());
  EXPECT_THAT(Cmd({"TTL", "lower"}), TtlAbout(50));

  // A time in the past stores nothing visible.
  EXPECT_EQ(Cmd({"SET", "past", "v", "PXAT", "1"}), Ok());
  EXPECT_EQ(Cmd({"GET", "past"}), Nil());
  EXPECT_EQ(Cmd({"EXISTS", "past"}), Int(0));
}

TEST_F(integration_Commands, SetNxXx) {
  EXPECT_EQ(Cmd({"SET", "k", "v1", "XX"}), Nil());
  EXPECT_EQ(Cmd({"GET", "k"}), Nil());
  EXPECT_EQ(Cmd({"SET", "k", "v1", "NX"}), Ok());
  EXPECT_EQ(Cmd({"SET", "k", "v2", "NX"}), Nil());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v1"));
  EXPECT_EQ(Cmd({"SET", "k", "v3", "XX"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v3"));
  EXPECT_EQ(Cmd({"SET", "k", "v", "NX", "XX"}), Err("ERR syntax error"));
  EXPECT_EQ(Cmd({"SET", "k", "v", "XX", "NX"}), Err("ERR syntax error"));
}

TEST_F(integration_Commands, SetGet) {
  EXPECT_EQ(Cmd({"SET", "k", "v1", "GET"}), Nil());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v1"));
  EXPECT_EQ(Cmd({"SET", "k", "v2", "GET"}), Bulk("v1"));
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v2"));
  // With NX/XX the old value is returned whether or not the set happened.
  EXPECT_EQ(Cmd({"SET", "k", "v3", "NX", "GET"}), Bulk("v2"));
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v2"));
  EXPECT_EQ(Cmd({"SET", "k", "v4", "XX", "GET"}), Bulk("v2"));
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v4"));
  EXPECT_EQ(Cmd({"SET", "missing", "v", "XX", "GET"}), Nil());
  EXPECT_EQ(Cmd({"EXISTS", "missing"}), Int(0));
}

TEST_F(integration_Commands, SetKeepTtl) {
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "100"}), Ok());
  EXPECT_EQ(Cmd({"SET", "k", "w", "KEEPTTL"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("w"));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(100));
  // A plain SET drops the TTL.
  EXPECT_EQ(Cmd({"SET", "k", "x"}), Ok());
  EXPECT_EQ(Cmd({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "10", "KEEPTTL"}), Err("ERR syntax error"));
  EXPECT_EQ(Cmd({"SET", "k", "v", "KEEPTTL", "PX", "10"}), Err("ERR syntax error"));
}

TEST_F(integration_Commands, SetOptionErrors) {
  const RespValue invalid_expire = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "0"}), invalid_expire);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "-1"}), invalid_expire);
  EXPECT_EQ(Cmd({"SET", "k", "v", "PX", "0"}), invalid_expire);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EXAT", "0"}), invalid_expire);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "9223372036854775807"}), invalid_expire);
  EXPECT_EQ(Cmd({"SET", "k", "v", "PX", "9223372036854775807"}), invalid_expire);
  const RespValue not_integer = Err("ERR value is not an integer or out of range");
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "abc"}), not_integer);
  EXPECT_EQ(Cmd({"SET", "k", "v", "PX", "1.5"}), not_integer);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "99999999999999999999"}), not_integer);
  const RespValue syntax = Err("ERR syntax error");
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX"}), syntax);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "10", "PX", "100"}), syntax);
  EXPECT_EQ(Cmd({"SET", "k", "v", "EX", "10", "EX", "20"}), Ok());  // the same option twice is fine
  EXPECT_EQ(Cmd({"SET", "k", "v", "FOO"}), syntax);
  EXPECT_EQ(Cmd({"SET", "k", "v", "10"}), syntax);
  // A refused SET changes nothing.
  EXPECT_EQ(Cmd({"SET", "fresh", "v", "EX", "0"}), invalid_expire);
  EXPECT_EQ(Cmd({"EXISTS", "fresh"}), Int(0));
}

TEST_F(integration_Commands, DelAndExists) {
  EXPECT_EQ(Cmd({"SET", "a", "1"}), Ok());
  EXPECT_EQ(Cmd({"SET", "b", "2"}), Ok());
  EXPECT_EQ(Cmd({"EXISTS", "a"}), Int(1));
  EXPECT_EQ(Cmd({"EXISTS", "a", "a", "b", "c"}), Int(3));  // repeats count
  EXPECT_EQ(Cmd({"DEL", "a", "b", "c", "a"}), Int(2));
  EXPECT_EQ(Cmd({"EXISTS", "a", "b"}), Int(0));
  EXPECT_EQ(Cmd({"DEL", "a"}), Int(0));
  EXPECT_EQ(Cmd({"DEL"}), Err("ERR wrong number of arguments for 'del' command"));
  EXPECT_EQ(Cmd({"EXISTS"}), Err("ERR wrong number of arguments for 'exists' command"));
}

TEST_F(integration_Commands, ExpireTtlPersist) {
  EXPECT_EQ(Cmd({"TTL", "nokey"}), Int(-2));
  EXPECT_EQ(Cmd({"PTTL", "nokey"}), Int(-2));
  EXPECT_EQ(Cmd({"EXPIRE", "nokey", "10"}), Int(0));
  EXPECT_EQ(Cmd({"PERSIST", "nokey"}), Int(0));
  EXPECT_EQ(Cmd({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Cmd({"PTTL", "k"}), Int(-1));
  EXPECT_EQ(Cmd({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(100));
  EXPECT_EQ(Cmd({"PEXPIRE", "k", "50000"}), Int(1));
  RespValue pttl = Cmd({"PTTL", "k"});
  ASSERT_EQ(pttl.type, Type::kInteger);
  EXPECT_THAT(pttl.integer, AllOf(Ge(45000), Le(50000)));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(50));
  EXPECT_EQ(Cmd({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Cmd({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v"));
  // A time not in the future deletes the key at once.
  EXPECT_EQ(Cmd({"EXPIRE", "k", "0"}), Int(1));
  EXPECT_EQ(Cmd({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Cmd({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"PEXPIRE", "k", "-5"}), Int(1));
  EXPECT_EQ(Cmd({"GET", "k"}), Nil());
}

TEST_F(integration_Commands, ExpireOptions) {
  EXPECT_EQ(Cmd({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"EXPIRE", "k", "100", "XX"}), Int(0));  // no TTL yet
  EXPECT_EQ(Cmd({"EXPIRE", "k", "100", "GT"}), Int(0));  // no TTL counts as infinite
  EXPECT_EQ(Cmd({"EXPIRE", "k", "100", "NX"}), Int(1));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "200", "NX"}), Int(0));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "50", "GT"}), Int(0));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "200", "GT"}), Int(1));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "300", "LT"}), Int(0));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "150", "lt"}), Int(1));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(150));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "120", "XX", "LT"}), Int(1));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(120));
  EXPECT_EQ(Cmd({"SET", "p", "v"}), Ok());
  EXPECT_EQ(Cmd({"EXPIRE", "p", "100", "LT"}), Int(1));  // any TTL is less than infinite

  EXPECT_EQ(Cmd({"EXPIRE", "k", "10", "NX", "XX"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "10", "GT", "LT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "10", "FOO"}), Err("ERR Unsupported option FOO"));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Cmd({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Cmd({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Cmd({"EXPIRE", "k"}), Err("ERR wrong number of arguments for 'expire' command"));
  EXPECT_THAT(Cmd({"TTL", "k"}), TtlAbout(120));  // refused commands changed nothing
}

TEST_F(integration_Commands, DbSizeFlushDbFlushAll) {
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(0));
  EXPECT_EQ(Cmd({"SET", "a", "1"}), Ok());
  EXPECT_EQ(Cmd({"SET", "b", "1"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(2));
  EXPECT_EQ(Cmd({"SELECT", "1"}), Ok());
  EXPECT_EQ(Cmd({"SET", "c", "1"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(1));
  EXPECT_EQ(Cmd({"FLUSHDB"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(0));
  EXPECT_EQ(Cmd({"SELECT", "0"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(2));  // FLUSHDB touched db 1 only
  EXPECT_EQ(Cmd({"SELECT", "2"}), Ok());
  EXPECT_EQ(Cmd({"SET", "d", "1"}), Ok());
  EXPECT_EQ(Cmd({"FLUSHALL", "SYNC"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(0));
  EXPECT_EQ(Cmd({"SELECT", "0"}), Ok());
  EXPECT_EQ(Cmd({"DBSIZE"}), Int(0));
  EXPECT_EQ(Cmd({"FLUSHDB", "ASYNC"}), Ok());
  EXPECT_EQ(Cmd({"FLUSHDB", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Cmd({"FLUSHALL", "a", "b"}), Err("ERR syntax error"));
  EXPECT_EQ(Cmd({"DBSIZE", "x"}), Err("ERR wrong number of arguments for 'dbsize' command"));
}

TEST_F(integration_Commands, SelectSeparatesDatabases) {
  EXPECT_EQ(Cmd({"SET", "k", "db0"}), Ok());
  EXPECT_EQ(Cmd({"SELECT", "15"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Nil());
  EXPECT_EQ(Cmd({"SET", "k", "db15"}), Ok());
  EXPECT_EQ(Cmd({"SELECT", "0"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("db0"));
  // The selected database belongs to the connection.
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->Command({"GET", "k"}), Bulk("db0"));
}

TEST_F(integration_Commands, SelectOutOfRange) {
  const RespValue out_of_range = Err("ERR DB index is out of range");
  EXPECT_EQ(Cmd({"SELECT", "16"}), out_of_range);
  EXPECT_EQ(Cmd({"SELECT", "-1"}), out_of_range);
  EXPECT_EQ(Cmd({"SELECT", "2147483647"}), out_of_range);
  EXPECT_EQ(Cmd({"SELECT"}), Err("ERR wrong number of arguments for 'select' command"));
  // The connection stays on its database.
  EXPECT_EQ(Cmd({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Cmd({"SELECT", "0"}), Ok());
  EXPECT_EQ(Cmd({"GET", "k"}), Bulk("v"));
}

// Redis 7 parses the index with getIntFromObjectOrReply: a non-integer gets the
// generic integer error, one beyond an int its range error. ("invalid DB
// index" is Redis 2.x-6.x's text.)
TEST_F(integration_Commands, SelectInvalidIndexUsesRedis7Errors) {
  EXPECT_EQ(Cmd({"SELECT", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Cmd({"SELECT", "1.5"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Cmd({"SELECT", "99999999999"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
}

TEST_F(integration_Commands, QuitRepliesThenCloses) {
  EXPECT_EQ(Cmd({"QUIT"}), Ok());
  EXPECT_TRUE(c_->IsClosedByPeer(milliseconds(5000)));
  EXPECT_EQ(c_->buffered(), 0u) << "nothing may follow QUIT's reply";
}

TEST_F(integration_Commands, QuitStopsThePipeline) {
  ASSERT_OK(c_->Send("PING\r\nQUIT\r\nSET after quit\r\nPING\r\n"));
  EXPECT_EQ(Visible(c_->ReadRawUntilTimeout(milliseconds(3000))), "+PONG\\r\\n+OK\\r\\n");
  auto check = Connect();
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->Command({"EXISTS", "after"}), Int(0));
}

TEST_F(integration_Commands, Hello) {
  RespValue hello2 = Cmd({"HELLO", "2"});
  ASSERT_EQ(hello2.type, Type::kArray) << hello2.DebugString();
  ASSERT_NE(Field(hello2, "proto"), nullptr);
  EXPECT_EQ(*Field(hello2, "proto"), Int(2));

  RespValue hello3 = Cmd({"HELLO", "3"});
  ASSERT_EQ(hello3.type, Type::kMap) << hello3.DebugString();
  ASSERT_EQ(hello3.elements.size(), 14u);
  EXPECT_EQ(*Field(hello3, "server"), Bulk("redis"));
  EXPECT_EQ(*Field(hello3, "proto"), Int(3));
  EXPECT_EQ(*Field(hello3, "mode"), Bulk("standalone"));
  EXPECT_EQ(*Field(hello3, "role"), Bulk("master"));
  ASSERT_NE(Field(hello3, "version"), nullptr);
  EXPECT_THAT(Field(hello3, "version")->str, ::testing::StartsWith("7."));
  EXPECT_EQ(*Field(hello3, "id"), Cmd({"CLIENT", "ID"}));

  // RESP3 null for a missing key, exactly.
  ASSERT_OK(c_->Send(Encode({"GET", "missing"})));
  auto raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(Visible(*raw), "_\\r\\n");
  // And back to RESP2.
  EXPECT_EQ(Cmd({"HELLO", "2"}).type, Type::kArray);
  ASSERT_OK(c_->Send(Encode({"GET", "missing"})));
  raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(Visible(*raw), "$-1\\r\\n");
}

TEST_F(integration_Commands, HelloErrorsAndSetName) {
  EXPECT_EQ(Cmd({"HELLO", "4"}), Err("NOPROTO unsupported protocol version"));
  EXPECT_EQ(Cmd({"HELLO", "abc"}), Err("ERR Protocol version is not an integer or out of range"));
  EXPECT_EQ(Cmd({"HELLO", "2", "FOO"}), Err("ERR Syntax error in HELLO option 'FOO'"));
  RespValue hello = Cmd({"HELLO", "2", "SETNAME", "myname"});
  EXPECT_EQ(hello.type, Type::kArray) << hello.DebugString();
  EXPECT_EQ(Cmd({"CLIENT", "GETNAME"}), Bulk("myname"));
  // A failed HELLO keeps RESP2.
  ASSERT_OK(c_->Send(Encode({"GET", "missing"})));
  auto raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(Visible(*raw), "$-1\\r\\n");
}

TEST_F(integration_Commands, CommandCountInfoDocs) {
  RespValue count = Cmd({"COMMAND", "COUNT"});
  ASSERT_EQ(count.type, Type::kInteger);
  EXPECT_GE(count.integer, 15);
  // Like Redis, COMMAND LIST names subcommands too ("config|get"); COUNT does not.
  RespValue list = Cmd({"COMMAND", "LIST"});
  ASSERT_EQ(list.type, Type::kArray);
  EXPECT_GE(static_cast<int64_t>(list.elements.size()), count.integer);
  RespValue all = Cmd({"COMMAND"});
  ASSERT_EQ(all.type, Type::kArray);
  EXPECT_EQ(static_cast<int64_t>(all.elements.size()), count.integer);

  RespValue info = Cmd({"COMMAND", "INFO", "get", "set", "nosuchcommand"});
  ASSERT_EQ(info.type, Type::kArray) << info.DebugString();
  ASSERT_EQ(info.elements.size(), 3u);
  const RespValue& get = info.elements[0];
  ASSERT_GE(get.elements.size(), 6u) << get.DebugString();
  EXPECT_EQ(get.elements[0], Bulk("get"));
  EXPECT_EQ(get.elements[1], Int(2));  // arity
  EXPECT_EQ(get.elements[3], Int(1));  // first key
  EXPECT_EQ(get.elements[4], Int(1));  // last key
  EXPECT_EQ(get.elements[5], Int(1));  // step
  EXPECT_EQ(info.elements[1].elements[1], Int(-3));
  EXPECT_TRUE(info.elements[2].is_null());

  RespValue docs = Cmd({"COMMAND", "DOCS", "get"});
  ASSERT_EQ(docs.type, Type::kArray) << docs.DebugString();  // a flat map in RESP2
  ASSERT_EQ(docs.elements.size(), 2u);
  EXPECT_EQ(docs.elements[0], Bulk("get"));
  const RespValue* summary = Field(docs.elements[1], "summary");
  ASSERT_NE(summary, nullptr) << docs.DebugString();
  EXPECT_EQ(summary->type, Type::kBulkString);
  EXPECT_NE(Field(docs.elements[1], "group"), nullptr);
  // redis-cli's start-up request: every command's docs.
  RespValue all_docs = Cmd({"COMMAND", "DOCS"});
  ASSERT_EQ(all_docs.type, Type::kArray);
  EXPECT_EQ(static_cast<int64_t>(all_docs.elements.size()), 2 * count.integer);
  EXPECT_EQ(Cmd({"COMMAND", "DOCS", "nosuchcommand"}), RespValue::Arr({}));
  EXPECT_EQ(Cmd({"COMMAND", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try COMMAND HELP."));
}

// Redis replies to an unknown name with a null bulk ($-1), not a null array.
TEST_F(integration_Commands, CommandInfoUnknownIsANullBulk) {
  ASSERT_OK(c_->Send(Encode({"COMMAND", "INFO", "nosuchcommand"})));
  auto raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(Visible(*raw), "*1\\r\\n$-1\\r\\n");
}

TEST_F(integration_Commands, ConfigGet) {
  EXPECT_EQ(Cmd({"CONFIG", "GET", "maxclients"}),
            RespValue::Arr({Bulk("maxclients"), Bulk("10000")}));
  // An exact name is echoed as asked; glob matches use the canonical name.
  EXPECT_EQ(Cmd({"CONFIG", "GET", "MAXCLIENTS"}),
            RespValue::Arr({Bulk("MAXCLIENTS"), Bulk("10000")}));
  EXPECT_EQ(Cmd({"CONFIG", "GET", "MAXCLIENT*"}),
            RespValue::Arr({Bulk("maxclients"), Bulk("10000")}));
  // What redis-benchmark asks before a run.
  EXPECT_EQ(Cmd({"CONFIG", "GET", "save"}), RespValue::Arr({Bulk("save"), Bulk("")}));
  EXPECT_EQ(Cmd({"CONFIG", "GET", "appendonly"}), RespValue::Arr({Bulk("appendonly"), Bulk("no")}));
  EXPECT_EQ(Cmd({"CONFIG", "GET", "databases"}), RespValue::Arr({Bulk("databases"), Bulk("16")}));
  EXPECT_EQ(Cmd({"CONFIG", "GET", "no-such-parameter"}), RespValue::Arr({}));
  EXPECT_EQ(Cmd({"CONFIG", "GET", "save", "appendonly"}).elements.size(), 4u);

  RespValue glob = Cmd({"CONFIG", "GET", "max*"});
  ASSERT_EQ(glob.type, Type::kArray);
  ASSERT_EQ(glob.elements.size() % 2, 0u);
  EXPECT_NE(Field(glob, "maxclients"), nullptr) << glob.DebugString();
  EXPECT_NE(Field(glob, "maxmemory"), nullptr) << glob.DebugString();
  EXPECT_NE(Field(glob, "maxmemory-policy"), nullptr) << glob.DebugString();
  for (size_t i = 0; i < glob.elements.size(); i += 2) {
    EXPECT_THAT(glob.elements[i].str, ::testing::StartsWith("max"));
  }
  RespValue question = Cmd({"CONFIG", "GET", "appendfsyn?"});
  EXPECT_EQ(question, RespValue::Arr({Bulk("appendfsync"), Bulk("everysec")}));
  RespValue set_class = Cmd({"CONFIG", "GET", "[d]atabases"});
  EXPECT_EQ(set_class, RespValue::Arr({Bulk("databases"), Bulk("16")}));

  EXPECT_EQ(Cmd({"CONFIG", "GET"}), Err("ERR wrong number of arguments for 'config|get' command"));
  EXPECT_EQ(Cmd({"CONFIG"}), Err("ERR wrong number of arguments for 'config' command"));
  EXPECT_EQ(Cmd({"CONFIG", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));
}

TEST_F(integration_Commands, ConfigGetInResp3IsAMap) {
  ASSERT_EQ(Cmd({"HELLO", "3"}).type, Type::kMap);
  ASSERT_OK(c_->Send(Encode({"CONFIG", "GET", "maxclients"})));
  auto raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(Visible(*raw), "%1\\r\\n$10\\r\\nmaxclients\\r\\n$5\\r\\n10000\\r\\n");
}

TEST_F(integration_Commands, Info) {
  RespValue info = Cmd({"INFO"});
  ASSERT_EQ(info.type, Type::kBulkString);
  EXPECT_THAT(info.str, HasSubstr("# Server\r\n"));
  EXPECT_THAT(info.str, HasSubstr("\r\nredis_version:7."));
  EXPECT_THAT(info.str, HasSubstr("# Keyspace\r\n"));
  EXPECT_THAT(info.str, HasSubstr(StrCat("tcp_port:", port(), "\r\n")));

  RespValue server = Cmd({"INFO", "server"});
  ASSERT_EQ(server.type, Type::kBulkString);
  EXPECT_THAT(server.str, ::testing::StartsWith("# Server\r\n"));
  EXPECT_THAT(server.str, HasSubstr("redis_version:"));
  EXPECT_THAT(server.str, ::testing::Not(HasSubstr("# Keyspace")));

  EXPECT_EQ(Cmd({"SET", "a", "1"}), Ok());
  EXPECT_EQ(Cmd({"SET", "b", "1", "EX", "100"}), Ok());
  RespValue keyspace = Cmd({"INFO", "KEYSPACE"});
  EXPECT_THAT(keyspace.str, HasSubstr("db0:keys=2,expires=1,"));
  RespValue two = Cmd({"INFO", "clients", "memory"});
  EXPECT_THAT(two.str, HasSubstr("# Clients\r\n"));
  EXPECT_THAT(two.str, HasSubstr("# Memory\r\n"));
  EXPECT_THAT(two.str, HasSubstr("connected_clients:"));
  EXPECT_THAT(two.str, ::testing::Not(HasSubstr("# Server")));

  // RESP3: a verbatim string of format txt.
  ASSERT_EQ(Cmd({"HELLO", "3"}).type, Type::kMap);
  RespValue verbatim = Cmd({"INFO", "server"});
  EXPECT_EQ(verbatim.type, Type::kVerbatim);
  EXPECT_EQ(verbatim.format, "txt");
  EXPECT_THAT(verbatim.str, HasSubstr("redis_version:"));
}

TEST_F(integration_Commands, ClientNameAndId) {
  EXPECT_EQ(Cmd({"CLIENT", "GETNAME"}), Nil());
  EXPECT_EQ(Cmd({"CLIENT", "SETNAME", "worker-1"}), Ok());
  EXPECT_EQ(Cmd({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Cmd({"client", "setname", "a b"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Cmd({"CLIENT", "SETNAME", "a\nb"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Cmd({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Cmd({"CLIENT", "SETNAME", ""}), Ok());  // clears it
  EXPECT_EQ(Cmd({"CLIENT", "GETNAME"}), Nil());
  EXPECT_EQ(Cmd({"CLIENT", "SETNAME"}),
            Err("ERR wrong number of arguments for 'client|setname' command"));
  EXPECT_EQ(Cmd({"CLIENT", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));

  RespValue id = Cmd({"CLIENT", "ID"});
  ASSERT_EQ(id.type, Type::kInteger);
  EXPECT_GT(id.integer, 0);
  EXPECT_EQ(Cmd({"CLIENT", "ID"}), id);
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  RespValue other_id = other->Command({"CLIENT", "ID"});
  ASSERT_EQ(other_id.type, Type::kInteger);
  EXPECT_GT(other_id.integer, id.integer);
  EXPECT_EQ(other->Command({"CLIENT", "GETNAME"}), Nil());  // names are per connection
}

// CLIENT SETINFO is Redis 7.2's; clients such as redis-py send it on connect.
TEST_F(integration_Commands, ClientSetInfo) {
  EXPECT_EQ(Cmd({"CLIENT", "SETINFO", "lib-name", "redis-py"}), Ok());
  EXPECT_EQ(Cmd({"CLIENT", "SETINFO", "LIB-VER", "5.0.1"}), Ok());
  EXPECT_EQ(Cmd({"CLIENT", "SETINFO", "lib-name", "a b"}),
            Err("ERR lib-name cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Cmd({"CLIENT", "SETINFO", "foo", "x"}), Err("ERR Unrecognized option 'foo'"));
  EXPECT_EQ(Cmd({"CLIENT", "SETINFO", "lib-name"}),
            Err("ERR wrong number of arguments for 'client|setinfo' command"));
}

}  // namespace
}  // namespace valkdb::test
