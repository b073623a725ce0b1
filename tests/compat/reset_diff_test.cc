// RESET against a real redis-server 7.0: the same connection state is built
// on each server, RESET runs, and the transcripts (replies, and what CLIENT
// INFO shows of the connection afterwards) must match. Redis's
// clearClientConnectionState: db 0, RESP2, no name, no MULTI or WATCH, no
// MONITOR, no subscriptions, no tracking, replies on, the default user
// (unauthenticated when it needs a password) — and CLIENT NO-EVICT kept.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using Command = std::vector<std::string>;

std::map<std::string, std::string> InfoFields(std::string_view line) {
  std::map<std::string, std::string> fields;
  for (std::string_view word : Split(StripWhitespace(line), ' ')) {
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    fields.emplace(word.substr(0, eq), word.substr(eq + 1));
  }
  return fields;
}

// A reply as compared: CLIENT INFO as the fields that are the connection's
// state, HELLO as its protocol (ids, addresses, ages and memory legitimately
// differ).
std::string Show(const Command& command, const RespValue& reply) {
  if (EqualsIgnoreCase(command[0], "hello") && reply.type == RespValue::Type::kMap) {
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      if (reply.elements[i].str == "proto") return StrCat("proto ", reply.elements[i + 1].integer);
    }
  }
  if (command.size() == 2 && EqualsIgnoreCase(command[0], "client") &&
      EqualsIgnoreCase(command[1], "info") &&
      (reply.type == RespValue::Type::kBulkString || reply.type == RespValue::Type::kVerbatim)) {
    auto f = InfoFields(reply.str);
    return StrCat("name=", f["name"], " flags=", f["flags"], " db=", f["db"], " sub=", f["sub"],
                  " psub=", f["psub"], " ssub=", f["ssub"], " multi=", f["multi"],
                  " user=", f["user"], " redir=", f["redir"], " resp=", f["resp"]);
  }
  return reply.DebugString();
}

class ResetDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  // Runs `commands` on a fresh connection to each server; every reply must
  // match. A command whose reply is not awaited (CLIENT REPLY OFF, or while
  // subscribed in RESP2) is sent with `*` before its name.
  void ExpectSame(const std::vector<Command>& commands) {
    auto valkdb = Connect();
    auto redis = ConnectTo(ServerTest::redis().port());
    ASSERT_TRUE(valkdb && redis);
    for (const Command& command : commands) {
      Command args = command;
      const bool no_reply = args[0].starts_with("*");
      if (no_reply) args[0] = args[0].substr(1);
      if (no_reply) {
        ASSERT_TRUE(redis->Send(Encode(args)).ok());
        ASSERT_TRUE(valkdb->Send(Encode(args)).ok());
        continue;
      }
      const RespValue from_redis = redis->Run(args);
      const RespValue from_valkdb = valkdb->Run(args);
      EXPECT_EQ(Show(args, from_valkdb), Show(args, from_redis)) << absl::StrJoin(args, " ");
    }
  }
};

TEST_F(ResetDiffTest, ConnectionStateBackToDefaults) {
  ExpectSame({{"CLIENT", "SETNAME", "before-reset"},
              {"SELECT", "3"},
              {"CLIENT", "NO-EVICT", "on"},
              {"HELLO", "3"},
              {"CLIENT", "TRACKING", "on"},
              {"CLIENT", "INFO"},
              {"RESET"},
              {"CLIENT", "INFO"},
              {"CLIENT", "GETNAME"},
              {"CLIENT", "TRACKINGINFO"},
              {"CLIENT", "NO-EVICT", "off"},
              {"CLIENT", "INFO"}});
}

TEST_F(ResetDiffTest, RepliesTransactionsAndWatches) {
  ExpectSame({{"WATCH", "reset:w"},
              {"MULTI"},
              {"SET", "reset:k", "v"},
              {"RESET"},
              {"EXEC"},
              {"GET", "reset:k"},
              {"CLIENT", "INFO"},
              {"*CLIENT", "REPLY", "OFF"},
              {"*PING"},
              {"RESET"},
              {"PING"}});
}

TEST_F(ResetDiffTest, SubscriptionsAndMonitor) {
  ExpectSame({{"SUBSCRIBE", "reset:ch"},
              {"PSUBSCRIBE", "reset:*"},
              {"SSUBSCRIBE", "reset:sh"},
              {"RESET"},
              {"CLIENT", "INFO"},
              {"SET", "reset:after", "1"},
              {"MONITOR"},
              {"RESET"},
              {"CLIENT", "INFO"}});
}

TEST_F(ResetDiffTest, AuthenticatedStateWithRequirepass) {
  auto valkdb_admin = Connect();
  auto redis_admin = ConnectTo(ServerTest::redis().port());
  ASSERT_TRUE(valkdb_admin && redis_admin);
  for (RespClient* admin : {valkdb_admin.get(), redis_admin.get()}) {
    ASSERT_EQ(admin->Run({"CONFIG", "SET", "requirepass", "reset-secret"}), Ok());
  }
  ExpectSame({{"PING"},
              {"AUTH", "reset-secret"},
              {"SELECT", "2"},
              {"PING"},
              {"RESET"},
              {"PING"},
              {"CLIENT", "INFO"},
              {"HELLO", "3"},
              {"AUTH", "default", "reset-secret"},
              {"CLIENT", "INFO"},
              {"RESET"},
              {"GET", "reset:k"}});
  for (RespClient* admin : {valkdb_admin.get(), redis_admin.get()}) {
    EXPECT_EQ(admin->Run({"CONFIG", "SET", "requirepass", ""}), Ok());
  }
}

}  // namespace
}  // namespace valkdb::test
