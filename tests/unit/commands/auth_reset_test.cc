// AUTH, the NOAUTH gate, and RESET. Expected replies are redis-server
// 7.0.15's (one started with --requirepass secret), captured byte for byte.
#include <string>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

const std::string kWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";
const std::string kNoAuthHello =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time\r\n";

using AuthWithoutPasswordTest = CommandTest;

TEST_F(AuthWithoutPasswordTest, Auth) {
  EXPECT_EQ(Run({"auth"}), WrongArity("auth"));
  EXPECT_EQ(Run({"auth", "x"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Run({"auth", "default", "anything"}), kOk);
  EXPECT_EQ(Run({"auth", "foo", "x"}), kWrongPass);
  EXPECT_EQ(Run({"auth", "a", "b", "c"}), kSyntaxError);
}

// The connection starts unauthenticated when requirepass is set.
class AuthWithPasswordTest : public CommandTest {
 protected:
  AuthWithPasswordTest() {
    EXPECT_TRUE(config_.Apply("requirepass", {"secret"}).ok());
    client_.authenticated = false;
  }
};

TEST_F(AuthWithPasswordTest, CommandsNeedAuthentication) {
  EXPECT_EQ(Run({"ping"}), kNoAuth);
  EXPECT_EQ(Run({"get", "k"}), kNoAuth);
  EXPECT_EQ(Run({"client", "id"}), kNoAuth);
  EXPECT_EQ(Run({"select", "1"}), kNoAuth);
  EXPECT_EQ(Run({"multi"}), kNoAuth);
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(client_.db, 0);
  // The existence and arity checks come first.
  EXPECT_EQ(Run({"auth"}), WrongArity("auth"));
  EXPECT_EQ(Run({"nosuch"}), "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  EXPECT_EQ(Run({"get"}), WrongArity("get"));
}

TEST_F(AuthWithPasswordTest, HelloNeedsAuthentication) {
  EXPECT_EQ(Run({"hello"}), kNoAuthHello);
  EXPECT_EQ(Run({"hello", "3"}), kNoAuthHello);
  EXPECT_EQ(Run({"hello", "3", "setname", "x"}), kNoAuthHello);
  EXPECT_EQ(client_.protocol, 2);
}

TEST_F(AuthWithPasswordTest, WrongPasswords) {
  EXPECT_EQ(Run({"auth", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"auth", "default", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"auth", "foo", "secret"}), kWrongPass);
  EXPECT_EQ(Run({"auth", "secre"}), kWrongPass);
  EXPECT_EQ(Run({"auth", "secrets"}), kWrongPass);
  EXPECT_EQ(Run({"auth", ""}), kWrongPass);
  EXPECT_EQ(Run({"auth", "a", "b", "c"}), kSyntaxError);
  EXPECT_FALSE(client_.authenticated);
  EXPECT_EQ(Run({"ping"}), kNoAuth);
}

TEST_F(AuthWithPasswordTest, AuthWithThePassword) {
  EXPECT_EQ(Run({"auth", "secret"}), kOk);
  EXPECT_TRUE(client_.authenticated);
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(Run({"auth", "default", "secret"}), kOk);
  EXPECT_EQ(Run({"auth", "wrong"}), kWrongPass);
  EXPECT_TRUE(client_.authenticated) << "a failed AUTH does not log out";
}

TEST_F(AuthWithPasswordTest, HelloAuth) {
  EXPECT_EQ(Run({"hello", "3", "auth", "default", "wrong"}), kWrongPass);
  EXPECT_FALSE(client_.authenticated);
  const std::string reply = Run({"hello", "3", "auth", "default", "secret", "setname", "me"});
  EXPECT_EQ(reply.substr(0, 4), "%7\r\n") << reply;
  EXPECT_TRUE(client_.authenticated);
  EXPECT_EQ(Run({"client", "getname"}), Bulk("me"));
}

TEST_F(AuthWithPasswordTest, ResetLogsOut) {
  EXPECT_EQ(Run({"auth", "secret"}), kOk);
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(Run({"ping"}), kNoAuth);
  EXPECT_EQ(Run({"client", "getname"}), kNoAuth);
  EXPECT_EQ(Run({"auth", "secret"}), kOk);
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
}

TEST_F(AuthWithPasswordTest, QuitAndResetNeedNoAuthentication) {
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(Run({"quit"}), kOk);
}

// ---------------------------------------------------------------- RESET

using ResetTest = CommandTest;

TEST_F(ResetTest, ResetRestoresTheConnectionDefaults) {
  Run({"select", "3"});
  Run({"client", "setname", "me"});
  Run({"client", "no-evict", "on"});
  Run({"hello", "3"});
  Run({"multi"});
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(client_.db, 0);
  EXPECT_EQ(client_.protocol, 2);
  EXPECT_FALSE(client_.in_multi);
  EXPECT_TRUE(client_.queued.empty());
  EXPECT_TRUE(client_.no_evict) << "Redis 7.0's RESET keeps CLIENT NO-EVICT";
  EXPECT_EQ(Run({"client", "getname"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), kNil) << "the queued SET was discarded";
  EXPECT_EQ(store_.DbSize(3), 0u);
}

TEST_F(ResetTest, ResetTurnsRepliesBackOn) {
  Run({"client", "reply", "off"});
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(client_.reply_mode, ClientState::ReplyMode::kOn);
}

TEST_F(ResetTest, ResetUnwatches) {
  ClientState other;
  other.id = 43;
  Run({"watch", "k"});
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  RunAs(other, {"set", "k", "v"});
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(ResetTest, ResetArity) { EXPECT_EQ(Run({"reset", "x"}), WrongArity("reset")); }

}  // namespace
}  // namespace valkdb::testing_util
