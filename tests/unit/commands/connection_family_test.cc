// PING ECHO SELECT QUIT HELLO CLIENT. Expected replies are redis-server
// 7.0.15's, captured byte for byte.
#include <string>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using ConnectionFamilyTest = CommandTest;

std::string HelloReply(int proto, int64_t id) {
  std::string body = Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.0.15") +
                     Bulk("proto") + Int(proto) + Bulk("id") + Int(id) + Bulk("mode") +
                     Bulk("standalone") + Bulk("role") + Bulk("master") + Bulk("modules") +
                     "*0\r\n";
  return (proto == 3 ? "%7\r\n" : "*14\r\n") + body;
}

const std::string kBadName =
    "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";

// ---------------------------------------------------------------- PING / ECHO

TEST_F(ConnectionFamilyTest, Ping) {
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(Run({"PiNg"}), "+PONG\r\n");
  EXPECT_EQ(Run({"ping", "hello"}), Bulk("hello"));
  EXPECT_EQ(Run({"ping", ""}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"ping", "a", "b"}), WrongArity("ping"));
}

TEST_F(ConnectionFamilyTest, PingInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(Run({"ping", "x"}), Bulk("x"));
}

TEST_F(ConnectionFamilyTest, Echo) {
  EXPECT_EQ(Run({"echo", "hi"}), Bulk("hi"));
  EXPECT_EQ(Run({"echo", ""}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"echo", std::string_view("\0\xff\r\n", 4)}),
            StrCat("$4\r\n", std::string_view("\0\xff\r\n", 4), "\r\n"));
  EXPECT_EQ(Run({"echo"}), WrongArity("echo"));
  EXPECT_EQ(Run({"echo", "a", "b"}), WrongArity("echo"));
}

TEST_F(ConnectionFamilyTest, EchoOfABigArgument) {
  const std::string big(100 * 1024, 'e');
  EXPECT_EQ(RunRaw(Request({"echo", big})), Bulk(big));
}

// ---------------------------------------------------------------- SELECT

TEST_F(ConnectionFamilyTest, SelectSwitchesDatabase) {
  EXPECT_EQ(Run({"set", "k", "zero"}), kOk);
  EXPECT_EQ(Run({"select", "1"}), kOk);
  EXPECT_EQ(client_.db, 1);
  EXPECT_EQ(Run({"get", "k"}), kNil);
  EXPECT_EQ(Run({"set", "k", "one"}), kOk);
  EXPECT_EQ(Run({"select", "15"}), kOk);
  EXPECT_EQ(client_.db, 15);
  EXPECT_EQ(Run({"select", "0"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("zero"));
  EXPECT_EQ(Run({"select", "1"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("one"));
}

TEST_F(ConnectionFamilyTest, SelectOutOfRange) {
  EXPECT_EQ(Run({"select", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"select", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"select", "2147483647"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"select", "-2147483648"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(client_.db, 0);
}

// Redis 7.0's SELECT parses with getIntFromObjectOrReply: a non-integer is
// "value is not an integer or out of range", one outside int32 gets the
// range text ("invalid DB index" was Redis 6's wording).
TEST_F(ConnectionFamilyTest, SelectNotAnInteger) {
  EXPECT_EQ(Run({"select", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"select", "1.5"}), kNotInteger);
  EXPECT_EQ(Run({"select", "007"}), kNotInteger);
  EXPECT_EQ(Run({"select", "+1"}), kNotInteger);
  EXPECT_EQ(Run({"select", ""}), kNotInteger);
  EXPECT_EQ(client_.db, 0);
}

TEST_F(ConnectionFamilyTest, SelectOutsideInt32) {
  const std::string range =
      "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
  EXPECT_EQ(Run({"select", "99999999999"}), range);
  EXPECT_EQ(Run({"select", "2147483648"}), range);
  EXPECT_EQ(Run({"select", "-2147483649"}), range);
  EXPECT_EQ(Run({"select", "99999999999999999999"}), kNotInteger);  // not even an int64
}

TEST_F(ConnectionFamilyTest, SelectArity) {
  EXPECT_EQ(Run({"select"}), WrongArity("select"));
  EXPECT_EQ(Run({"select", "0", "a"}), WrongArity("select"));
}

// ---------------------------------------------------------------- QUIT

TEST_F(ConnectionFamilyTest, QuitRepliesOkAndAsksToClose) {
  EXPECT_FALSE(client_.close_after_reply);
  EXPECT_EQ(Run({"quit"}), kOk);
  EXPECT_TRUE(client_.close_after_reply);
}

TEST_F(ConnectionFamilyTest, QuitIgnoresArguments) {
  EXPECT_EQ(Run({"QUIT", "a", "b"}), kOk);
  EXPECT_TRUE(client_.close_after_reply);
}

// ---------------------------------------------------------------- HELLO

TEST_F(ConnectionFamilyTest, HelloWithoutArgumentsReportsTheCurrentProtocol) {
  EXPECT_EQ(Run({"hello"}), HelloReply(2, 42));
  EXPECT_EQ(client_.protocol, 2);
}

TEST_F(ConnectionFamilyTest, Hello3SwitchesToResp3AndBack) {
  EXPECT_EQ(Run({"hello", "3"}), HelloReply(3, 42));
  EXPECT_EQ(client_.protocol, 3);
  EXPECT_EQ(Run({"get", "nokey"}), "_\r\n");
  EXPECT_EQ(Run({"client", "getname"}), "_\r\n");
  EXPECT_EQ(Run({"hello"}), HelloReply(3, 42));
  EXPECT_EQ(Run({"hello", "2"}), HelloReply(2, 42));
  EXPECT_EQ(client_.protocol, 2);
  EXPECT_EQ(Run({"get", "nokey"}), kNil);
}

TEST_F(ConnectionFamilyTest, HelloReportsTheClientId) {
  client_.id = 12345;
  EXPECT_EQ(Run({"hello", "2"}), HelloReply(2, 12345));
  EXPECT_EQ(Run({"client", "id"}), Int(12345));
}

TEST_F(ConnectionFamilyTest, HelloUnsupportedVersion) {
  for (const char* version : {"1", "4", "0", "-1", "100"}) {
    EXPECT_EQ(Run({"hello", version}), "-NOPROTO unsupported protocol version\r\n") << version;
  }
  EXPECT_EQ(Run({"hello", "1", "setname", "a b"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(client_.protocol, 2);
}

TEST_F(ConnectionFamilyTest, HelloVersionNotAnInteger) {
  const std::string error = "-ERR Protocol version is not an integer or out of range\r\n";
  EXPECT_EQ(Run({"hello", "abc"}), error);
  EXPECT_EQ(Run({"hello", "3.0"}), error);
  EXPECT_EQ(Run({"hello", "9999999999999999999999"}), error);
  EXPECT_EQ(Run({"hello", ""}), error);
}

TEST_F(ConnectionFamilyTest, HelloSyntaxErrors) {
  EXPECT_EQ(Run({"hello", "2", "foo"}), "-ERR Syntax error in HELLO option 'foo'\r\n");
  EXPECT_EQ(Run({"hello", "2", "setname"}), "-ERR Syntax error in HELLO option 'setname'\r\n");
  EXPECT_EQ(Run({"hello", "2", "auth", "x"}), "-ERR Syntax error in HELLO option 'auth'\r\n");
  EXPECT_EQ(Run({"hello", "2", "auth", "default"}), "-ERR Syntax error in HELLO option 'auth'\r\n");
  EXPECT_EQ(Run({"hello", "3", ""}), "-ERR Syntax error in HELLO option ''\r\n");
  EXPECT_EQ(Run({"hello", "2", "foo", "setname", "a b"}),
            "-ERR Syntax error in HELLO option 'foo'\r\n");
}

TEST_F(ConnectionFamilyTest, HelloFailureKeepsTheProtocol) {
  EXPECT_EQ(Run({"hello", "3", "setname", "x y"}), kBadName);
  EXPECT_EQ(client_.protocol, 2);
  EXPECT_EQ(Run({"hello", "3", "bogus"}), "-ERR Syntax error in HELLO option 'bogus'\r\n");
  EXPECT_EQ(client_.protocol, 2);
  EXPECT_EQ(Run({"get", "nokey"}), kNil);
}

TEST_F(ConnectionFamilyTest, HelloSetname) {
  EXPECT_EQ(Run({"hello", "2", "setname", "foo"}), HelloReply(2, 42));
  EXPECT_EQ(Run({"client", "getname"}), Bulk("foo"));
  EXPECT_EQ(Run({"hello", "2", "SETNAME", "bar", "setname", "baz"}), HelloReply(2, 42));
  EXPECT_EQ(Run({"client", "getname"}), Bulk("baz"));
  EXPECT_EQ(Run({"hello", "2", "setname", ""}), HelloReply(2, 42));
  EXPECT_EQ(Run({"client", "getname"}), kNil) << "an empty name clears it";
  EXPECT_EQ(Run({"hello", "2", "setname", "a b"}), kBadName);
  EXPECT_EQ(Run({"client", "getname"}), kNil);
}

// Redis 7.0 sets the name while parsing the options: a later bad option
// still leaves it set (checked against redis-server 7.0.15).
TEST_F(ConnectionFamilyTest, HelloSetnameBeforeABadOptionStillSetsTheName) {
  EXPECT_EQ(Run({"hello", "2", "setname", "ok", "bogus"}),
            "-ERR Syntax error in HELLO option 'bogus'\r\n");
  EXPECT_EQ(Run({"client", "getname"}), Bulk("ok"));
}

TEST_F(ConnectionFamilyTest, HelloAuthAsDefaultUserWithoutRequirepass) {
  // With no requirepass the default user takes any password.
  EXPECT_EQ(Run({"hello", "2", "auth", "default", "anything"}), HelloReply(2, 42));
  EXPECT_EQ(Run({"hello", "3", "AUTH", "default", "pw", "SETNAME", "n1"}), HelloReply(3, 42));
  EXPECT_EQ(Run({"client", "getname"}), Bulk("n1"));
}

TEST_F(ConnectionFamilyTest, HelloAuthUnknownUserIsRefused) {
  const std::string wrongpass =
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
  EXPECT_EQ(Run({"hello", "2", "auth", "foo", "bar"}), wrongpass);
  EXPECT_EQ(Run({"hello", "2", "auth", "DEFAULT", "bar"}), wrongpass) << "user names are exact";
}

TEST_F(ConnectionFamilyTest, HelloAuthChecksRequirepass) {
  ASSERT_TRUE(config_.Apply("requirepass", {"secret"}).ok());
  const std::string wrongpass =
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
  EXPECT_EQ(Run({"hello", "2", "auth", "default", "wrong"}), wrongpass);
  EXPECT_EQ(Run({"hello", "3", "auth", "default", "wrong", "setname", "x"}), wrongpass);
  EXPECT_EQ(client_.protocol, 2);
  EXPECT_EQ(Run({"hello", "2", "auth", "default", "secret"}), HelloReply(2, 42));
  EXPECT_EQ(Run({"hello", "2", "auth", "foo", "secret"}), wrongpass);
}

// ---------------------------------------------------------------- CLIENT

TEST_F(ConnectionFamilyTest, ClientId) {
  EXPECT_EQ(Run({"client", "id"}), Int(42));
  EXPECT_EQ(Run({"CLIENT", "ID"}), Int(42));
  EXPECT_EQ(Run({"client", "id", "x"}), WrongArity("client|id"));
}

TEST_F(ConnectionFamilyTest, ClientSetnameGetname) {
  EXPECT_EQ(Run({"client", "getname"}), kNil);
  EXPECT_EQ(Run({"client", "setname", "x"}), kOk);
  EXPECT_EQ(client_.name, "x");
  EXPECT_EQ(Run({"client", "getname"}), Bulk("x"));
  EXPECT_EQ(Run({"client", "setname", "~!azAZ09"}), kOk);
  EXPECT_EQ(Run({"client", "getname"}), Bulk("~!azAZ09"));
  EXPECT_EQ(Run({"client", "setname", ""}), kOk);
  EXPECT_EQ(Run({"client", "getname"}), kNil);
}

TEST_F(ConnectionFamilyTest, ClientSetnameRefusesSpecialCharacters) {
  EXPECT_EQ(Run({"client", "setname", "ok"}), kOk);
  for (std::string_view bad :
       {std::string_view("a b"), std::string_view("a\nb"), std::string_view("a\rb"),
        std::string_view("a\0b", 3), std::string_view("\xc3\xa9"), std::string_view("\x7f"),
        std::string_view("tab\t")}) {
    EXPECT_EQ(Run({"client", "setname", bad}), kBadName);
  }
  EXPECT_EQ(Run({"client", "getname"}), Bulk("ok")) << "a refused name changes nothing";
}

TEST_F(ConnectionFamilyTest, ClientArity) {
  EXPECT_EQ(Run({"client"}), WrongArity("client"));
  EXPECT_EQ(Run({"client", "setname"}), WrongArity("client|setname"));
  EXPECT_EQ(Run({"client", "setname", "a", "b"}), WrongArity("client|setname"));
  EXPECT_EQ(Run({"client", "getname", "x"}), WrongArity("client|getname"));
  EXPECT_EQ(Run({"client", "help", "x"}), WrongArity("client|help"));
  EXPECT_EQ(Run({"client", "setinfo", "lib-name"}), WrongArity("client|setinfo"));
}

TEST_F(ConnectionFamilyTest, ClientUnknownSubcommand) {
  EXPECT_EQ(Run({"client", "foo"}), "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run({"client", "Foo", "bar"}), "-ERR unknown subcommand 'Foo'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run({"Client", "x"}), "-ERR unknown subcommand 'x'. Try CLIENT HELP.\r\n");
}

// CLIENT SETINFO is Redis 7.2's (the 7.0 oracle lacks it); texts from 7.2's
// clientSetinfoCommand.
TEST_F(ConnectionFamilyTest, ClientSetinfo) {
  EXPECT_EQ(Run({"client", "setinfo", "lib-name", "redis-py"}), kOk);
  EXPECT_EQ(client_.lib_name, "redis-py");
  EXPECT_EQ(Run({"client", "setinfo", "LIB-VER", "5.0.1"}), kOk);
  EXPECT_EQ(client_.lib_ver, "5.0.1");
  EXPECT_EQ(Run({"client", "setinfo", "foo", "bar"}), "-ERR Unrecognized option 'foo'\r\n");
  EXPECT_EQ(Run({"client", "setinfo", "lib-name", "a b"}),
            "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(Run({"client", "setinfo", "LIB-VER", "a\nb"}),
            "-ERR LIB-VER cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(client_.lib_name, "redis-py");
  EXPECT_EQ(client_.lib_ver, "5.0.1");
  EXPECT_EQ(Run({"client", "setinfo", "lib-name", ""}), kOk);
  EXPECT_EQ(client_.lib_name, "");
}

TEST_F(ConnectionFamilyTest, ClientHelp) {
  std::vector<std::string> lines = Strings(Run({"client", "help"}));
  ASSERT_GE(lines.size(), 3u);
  // Redis's first line and its addReplyHelp trailer, exactly.
  EXPECT_EQ(lines.front(), "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(lines[lines.size() - 2], "HELP");
  EXPECT_EQ(lines.back(), "    Prints this help.");
  const std::string raw = Run({"CLIENT", "HELP"});
  EXPECT_EQ(raw.substr(0, 1), "*");
  // Entries shared with Redis read as in Redis.
  for (const char* line :
       {"+GETNAME\r\n+    Return the name of the current connection.\r\n",
        "+ID\r\n+    Return the ID of the current connection.\r\n",
        "+SETNAME <name>\r\n+    Assign the name <name> to the current connection.\r\n"}) {
    EXPECT_NE(raw.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace valkdb::testing_util
