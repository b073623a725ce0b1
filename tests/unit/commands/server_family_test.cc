// COMMAND CONFIG INFO. Expected replies are redis-server 7.0.15's, captured
// byte for byte; where valkdb implements a subset (fewer commands, fewer
// config parameters, fewer INFO fields) the tests compare the shared part.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/resp_value.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using ServerFamilyTest = CommandTest;

// name -> value pairs of a CONFIG GET reply (RESP2 flat array or RESP3 map).
std::set<std::pair<std::string, std::string>> ConfigPairs(std::string_view raw) {
  std::vector<std::string> flat = Strings(raw);
  EXPECT_EQ(flat.size() % 2, 0u);
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) pairs.emplace(flat[i], flat[i + 1]);
  return pairs;
}

// ---------------------------------------------------------------- COMMAND INFO

// Commands whose COMMAND INFO valkdb must reproduce exactly.
struct InfoCase {
  const char* name;
  const char* redis;
};
const InfoCase kInfoCases[] = {
    {"get",
     "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
     "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
     "+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
     "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
     "$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n"
     ":1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
    {"select",
     "*1\r\n*10\r\n$6\r\nselect\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n"
     ":0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"quit",
     "*1\r\n*10\r\n$4\r\nquit\r\n:-1\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n"
     "+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n"
     "+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"expire",
     "*1\r\n*10\r\n$6\r\nexpire\r\n:-3\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
     "*3\r\n+@keyspace\r\n+@write\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
     "+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
     "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
     "$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n"
     ":1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
    {"pexpire",
     "*1\r\n*10\r\n$7\r\npexpire\r\n:-3\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
     "*3\r\n+@keyspace\r\n+@write\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
     "+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
     "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
     "$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n"
     ":1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
    {"persist",
     "*1\r\n*10\r\n$7\r\npersist\r\n:2\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
     "*3\r\n+@keyspace\r\n+@write\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
     "+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
     "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
     "$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n"
     ":1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
    {"client|id",
     "*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n"
     ":0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"client|setname",
     "*1\r\n*10\r\n$14\r\nclient|setname\r\n:3\r\n*3\r\n+noscript\r\n+loading\r\n"
     "+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"client|getname",
     "*1\r\n*10\r\n$14\r\nclient|getname\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n"
     "+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"client|help",
     "*1\r\n*10\r\n$11\r\nclient|help\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n"
     ":0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"command|count",
     "*1\r\n*10\r\n$13\r\ncommand|count\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n"
     ":0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"command|help",
     "*1\r\n*10\r\n$12\r\ncommand|help\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n"
     ":0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
    {"config|get",
     "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n"
     "+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n"
     "+@dangerous\r\n*0\r\n*0\r\n*0\r\n"},
    {"config|help",
     "*1\r\n*10\r\n$11\r\nconfig|help\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n"
     ":0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"},
};

TEST_F(ServerFamilyTest, CommandInfoMatchesRedis) {
  for (const InfoCase& c : kInfoCases) {
    EXPECT_EQ(Run({"command", "info", c.name}), c.redis) << c.name;
  }
}

TEST_F(ServerFamilyTest, CommandInfoNamesAreCaseInsensitive) {
  EXPECT_EQ(Run({"command", "info", "GET"}), kInfoCases[0].redis);
  EXPECT_EQ(Run({"COMMAND", "INFO", "CONFIG|GET"}), Run({"command", "info", "config|get"}));
  EXPECT_EQ(Run({"command", "info", "Client|Id"}), Run({"command", "info", "client|id"}));
}

// The "sentinel" flag exists in Redis's table but COMMAND INFO hides it.
TEST_F(ServerFamilyTest, CommandInfoHidesTheSentinelFlag) {
  EXPECT_EQ(Run({"command", "info", "hello"}),
            "*1\r\n*10\r\n$5\r\nhello\r\n:-1\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n"
            "+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n"
            "+@connection\r\n*0\r\n*0\r\n*0\r\n");
  for (const char* name : {"ping", "hello", "client", "command", "info"}) {
    RespValue reply = ParseReply(Run({"command", "info", name}));
    ASSERT_EQ(reply.elements.size(), 1u);
    ASSERT_EQ(reply.elements[0].elements.size(), 10u);
    for (const RespValue& flag : reply.elements[0].elements[2].elements) {
      EXPECT_NE(flag.str, "sentinel") << name;
    }
  }
}

TEST_F(ServerFamilyTest, CommandInfoEchoFlags) {
  EXPECT_EQ(Run({"command", "info", "echo"}),
            "*1\r\n*10\r\n$4\r\necho\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n"
            ":0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
}

// Flags, arity, key positions and ACL categories of every other command, as
// Redis reports them (tips and key-spec notes aside).
TEST_F(ServerFamilyTest, CommandInfoFlagsAndCategories) {
  struct Expect {
    const char* name;
    int64_t arity;
    std::vector<std::string> flags;
    int64_t first, last, step;
    std::vector<std::string> categories;
  };
  const std::vector<Expect> expected = {
      {"ping", -1, {"fast"}, 0, 0, 0, {"@fast", "@connection"}},
      {"set", -3, {"write", "denyoom"}, 1, 1, 1, {"@write", "@string", "@slow"}},
      {"del", -2, {"write"}, 1, -1, 1, {"@keyspace", "@write", "@slow"}},
      {"exists", -2, {"readonly", "fast"}, 1, -1, 1, {"@keyspace", "@read", "@fast"}},
      {"ttl", 2, {"readonly", "fast"}, 1, 1, 1, {"@keyspace", "@read", "@fast"}},
      {"pttl", 2, {"readonly", "fast"}, 1, 1, 1, {"@keyspace", "@read", "@fast"}},
      {"dbsize", 1, {"readonly", "fast"}, 0, 0, 0, {"@keyspace", "@read", "@fast"}},
      {"flushdb", -1, {"write"}, 0, 0, 0, {"@keyspace", "@write", "@slow", "@dangerous"}},
      {"flushall", -1, {"write"}, 0, 0, 0, {"@keyspace", "@write", "@slow", "@dangerous"}},
      {"info", -1, {"loading", "stale"}, 0, 0, 0, {"@slow", "@dangerous"}},
      {"command", -1, {"loading", "stale"}, 0, 0, 0, {"@slow", "@connection"}},
      {"client", -2, {}, 0, 0, 0, {"@slow"}},
      {"config", -2, {}, 0, 0, 0, {"@slow"}},
      {"command|docs", -2, {"loading", "stale"}, 0, 0, 0, {"@slow", "@connection"}},
      {"command|info", -2, {"loading", "stale"}, 0, 0, 0, {"@slow", "@connection"}},
      {"command|list", -2, {"loading", "stale"}, 0, 0, 0, {"@slow", "@connection"}},
  };
  for (const Expect& e : expected) {
    RespValue reply = ParseReply(Run({"command", "info", e.name}));
    ASSERT_EQ(reply.elements.size(), 1u) << e.name;
    const RespValue& info = reply.elements[0];
    ASSERT_EQ(info.elements.size(), 10u) << e.name;
    EXPECT_EQ(info.elements[0].str, e.name);
    EXPECT_EQ(info.elements[1].integer, e.arity) << e.name;
    std::vector<std::string> flags;
    for (const RespValue& f : info.elements[2].elements) {
      if (f.str != "sentinel") flags.push_back(f.str);  // CommandInfoHidesTheSentinelFlag
    }
    EXPECT_EQ(flags, e.flags) << e.name;
    EXPECT_EQ(info.elements[3].integer, e.first) << e.name;
    EXPECT_EQ(info.elements[4].integer, e.last) << e.name;
    EXPECT_EQ(info.elements[5].integer, e.step) << e.name;
    std::vector<std::string> categories;
    for (const RespValue& c : info.elements[6].elements) categories.push_back(c.str);
    EXPECT_EQ(categories, e.categories) << e.name;
  }
}

TEST_F(ServerFamilyTest, CommandInfoUnknownIsANullBulk) {
  EXPECT_EQ(Run({"command", "info", "nosuch"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"command", "info", "config|nosuch"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"command", "info", "get|foo"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"command", "info", "get", "nosuch"}),
            StrCat("*2\r\n", std::string_view(kInfoCases[0].redis).substr(4), "$-1\r\n"));
}

TEST_F(ServerFamilyTest, CommandInfoInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"command", "info", "nosuch"}), "*1\r\n_\r\n");
  // Tips and key specs are sets, and so is an empty subcommand list.
  EXPECT_EQ(Run({"command", "info", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n"
            "+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
            "$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n"
            "$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n"
            ":1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n");
  EXPECT_EQ(Run({"command", "info", "config|get"}),
            "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n~4\r\n+admin\r\n+noscript\r\n"
            "+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@admin\r\n+@slow\r\n"
            "+@dangerous\r\n~0\r\n~0\r\n~0\r\n");
}

TEST_F(ServerFamilyTest, CommandInfoOfAContainerListsItsSubcommands) {
  RespValue reply = ParseReply(Run({"command", "info", "config"}));
  ASSERT_EQ(reply.elements.size(), 1u);
  const RespValue& subcommands = reply.elements[0].elements[9];
  std::set<std::string> names;
  for (const RespValue& sub : subcommands.elements) names.insert(sub.elements[0].str);
  EXPECT_TRUE(names.count("config|get"));
  EXPECT_TRUE(names.count("config|help"));
}

TEST_F(ServerFamilyTest, CommandWithoutArgumentsDescribesEveryCommand) {
  const std::string all = Run({"command"});
  EXPECT_EQ(Run({"command", "info"}), all);
  RespValue reply = ParseReply(all);
  const int64_t count = ParseReply(Run({"command", "count"})).integer;
  EXPECT_EQ(static_cast<int64_t>(reply.elements.size()), count);
  std::set<std::string> names;
  for (const RespValue& info : reply.elements) {
    ASSERT_EQ(info.elements.size(), 10u);
    names.insert(info.elements[0].str);
  }
  for (const char* name :
       {"ping",    "echo",   "select",  "quit",     "hello",   "client", "get",
        "set",     "del",    "exists",  "expire",   "pexpire", "ttl",    "pttl",
        "persist", "dbsize", "flushdb", "flushall", "command", "config", "info"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  EXPECT_EQ(names.size(), reply.elements.size()) << "no command twice";
}

// ---------------------------------------------------------------- COMMAND COUNT / LIST

TEST_F(ServerFamilyTest, CommandCountIsTheNumberOfTopLevelCommands) {
  EXPECT_EQ(Run({"command", "count"}),
            Int(static_cast<int64_t>(CommandTable::Get().commands().size())));
  EXPECT_EQ(Run({"command", "count", "x"}), WrongArity("command|count"));
}

TEST_F(ServerFamilyTest, CommandListHasEveryCommandOnce) {
  std::vector<std::string> names = Strings(Run({"command", "list"}));
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    EXPECT_TRUE(unique.count(std::string(spec.name))) << spec.name;
  }
}

// Redis's COMMAND LIST names subcommands too ("config|get", "client|id", ...).
TEST_F(ServerFamilyTest, CommandListIncludesSubcommands) {
  std::vector<std::string> names = Strings(Run({"command", "list"}));
  std::set<std::string> unique(names.begin(), names.end());
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    for (const CommandSpec& sub : spec.subcommands) {
      EXPECT_TRUE(unique.count(std::string(sub.name))) << sub.name;
    }
  }
  EXPECT_TRUE(unique.count("config|get"));
}

TEST_F(ServerFamilyTest, CommandListSyntaxErrors) {
  EXPECT_EQ(Run({"command", "list", "extra"}), kSyntaxError);
  EXPECT_EQ(Run({"command", "list", "filterby"}), kSyntaxError);
  EXPECT_EQ(Run({"command", "list", "filterby", "foo", "x"}), kSyntaxError);
  EXPECT_EQ(Run({"command", "list", "filterby", "pattern"}), kSyntaxError);
}

// ---------------------------------------------------------------- COMMAND DOCS

TEST_F(ServerFamilyTest, CommandDocsMatchesRedisForArgumentlessCommands) {
  EXPECT_EQ(Run({"command", "docs", "quit"}),
            "*2\r\n$4\r\nquit\r\n*8\r\n$7\r\nsummary\r\n$20\r\nClose the connection\r\n$5\r\n"
            "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
            "complexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(Run({"command", "docs", "dbsize"}),
            "*2\r\n$6\r\ndbsize\r\n*8\r\n$7\r\nsummary\r\n$50\r\n"
            "Return the number of keys in the selected database\r\n$5\r\nsince\r\n$5\r\n"
            "1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(Run({"command", "docs", "client|id"}),
            "*2\r\n$9\r\nclient|id\r\n*8\r\n$7\r\nsummary\r\n$48\r\n"
            "Returns the client ID for the current connection\r\n$5\r\nsince\r\n$5\r\n"
            "5.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(Run({"command", "docs", "CLIENT|GETNAME"}),
            "*2\r\n$14\r\nclient|getname\r\n*8\r\n$7\r\nsummary\r\n$31\r\n"
            "Get the current connection name\r\n$5\r\nsince\r\n$5\r\n2.6.9\r\n$5\r\ngroup\r\n"
            "$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(Run({"command", "docs", "command|count"}),
            "*2\r\n$13\r\ncommand|count\r\n*8\r\n$7\r\nsummary\r\n$34\r\n"
            "Get total number of Redis commands\r\n$5\r\nsince\r\n$6\r\n2.8.13\r\n$5\r\n"
            "group\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  EXPECT_EQ(Run({"command", "docs", "config|help"}),
            "*2\r\n$11\r\nconfig|help\r\n*8\r\n$7\r\nsummary\r\n$49\r\n"
            "Show helpful text about the different subcommands\r\n$5\r\nsince\r\n$5\r\n"
            "5.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
}

TEST_F(ServerFamilyTest, CommandDocsSkipsUnknownNames) {
  EXPECT_EQ(Run({"command", "docs", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Run({"command", "docs", "quit", "dbsize", "nosuch"}),
            "*4\r\n$4\r\nquit\r\n*8\r\n$7\r\nsummary\r\n$20\r\nClose the connection\r\n$5\r\n"
            "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
            "complexity\r\n$4\r\nO(1)\r\n$6\r\ndbsize\r\n*8\r\n$7\r\nsummary\r\n$50\r\n"
            "Return the number of keys in the selected database\r\n$5\r\nsince\r\n$5\r\n"
            "1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
}

TEST_F(ServerFamilyTest, CommandDocsInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"command", "docs", "nosuch"}), "%0\r\n");
  EXPECT_EQ(Run({"command", "docs", "quit"}),
            "%1\r\n$4\r\nquit\r\n%4\r\n$7\r\nsummary\r\n$20\r\nClose the connection\r\n$5\r\n"
            "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
            "complexity\r\n$4\r\nO(1)\r\n");
}

// Summary, since, group and complexity of every command are Redis's.
TEST_F(ServerFamilyTest, CommandDocsFieldsOfEveryCommand) {
  struct Doc {
    const char* name;
    const char* summary;
    const char* since;
    const char* group;
    const char* complexity;
  };
  const Doc docs[] = {
      {"ping", "Ping the server", "1.0.0", "connection", "O(1)"},
      {"echo", "Echo the given string", "1.0.0", "connection", "O(1)"},
      {"select", "Change the selected database for the current connection", "1.0.0", "connection",
       "O(1)"},
      {"hello", "Handshake with Redis", "6.0.0", "connection", "O(1)"},
      {"get", "Get the value of a key", "1.0.0", "string", "O(1)"},
      {"ttl", "Get the time to live for a key in seconds", "1.0.0", "generic", "O(1)"},
      {"info", "Get information and statistics about the server", "1.0.0", "server", "O(1)"},
      {"client", "A container for client connection commands", "2.4.0", "connection",
       "Depends on subcommand."},
      {"command", "Get array of Redis command details", "2.8.13", "server",
       "O(N) where N is the total number of Redis commands"},
  };
  for (const Doc& d : docs) {
    RespValue reply = ParseReply(Run({"command", "docs", d.name}));
    ASSERT_EQ(reply.elements.size(), 2u) << d.name;
    EXPECT_EQ(reply.elements[0].str, d.name);
    const std::vector<RespValue>& fields = reply.elements[1].elements;
    ASSERT_GE(fields.size(), 8u) << d.name;
    EXPECT_EQ(fields[0].str, "summary");
    EXPECT_EQ(fields[1].str, d.summary) << d.name;
    EXPECT_EQ(fields[2].str, "since");
    EXPECT_EQ(fields[3].str, d.since) << d.name;
    EXPECT_EQ(fields[4].str, "group");
    EXPECT_EQ(fields[5].str, d.group) << d.name;
    EXPECT_EQ(fields[6].str, "complexity");
    EXPECT_EQ(fields[7].str, d.complexity) << d.name;
  }
}

TEST_F(ServerFamilyTest, CommandDocsWithoutNamesDocumentsEveryCommand) {
  RespValue reply = ParseReply(Run({"command", "docs"}));
  EXPECT_EQ(reply.elements.size(), 2 * CommandTable::Get().commands().size());
}

TEST_F(ServerFamilyTest, CommandSubcommandErrors) {
  EXPECT_EQ(Run({"command", "foo"}), "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(Run({"command", "help", "x"}), WrongArity("command|help"));
}

TEST_F(ServerFamilyTest, CommandHelp) {
  std::vector<std::string> lines = Strings(Run({"command", "help"}));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front(), "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(lines[lines.size() - 2], "HELP");
  EXPECT_EQ(lines.back(), "    Prints this help.");
  const std::string raw = Run({"command", "help"});
  EXPECT_NE(raw.find("+COUNT\r\n+    Return the total number of commands in this Redis server.\r\n"
                     "+LIST\r\n+    Return a list of all commands in this Redis server.\r\n"),
            std::string::npos);
}

// ---------------------------------------------------------------- CONFIG

TEST_F(ServerFamilyTest, ConfigGetWhatRedisBenchmarkAsks) {
  // Redis 7.0.15 started without a config file: its built-in save schedule.
  EXPECT_EQ(Run({"config", "get", "save"}),
            "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n");
  EXPECT_EQ(Run({"config", "get", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetDefaultsMatchRedis) {
  // Redis 7.0.15's defaults.
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"port", "6379"},
      {"databases", "16"},
      {"maxclients", "10000"},
      {"timeout", "0"},
      {"tcp-keepalive", "300"},
      {"tcp-backlog", "511"},
      {"requirepass", ""},
      {"protected-mode", "yes"},
      {"proto-max-bulk-len", "536870912"},
      {"client-query-buffer-limit", "1073741824"},
      {"client-output-buffer-limit",
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
      {"maxmemory", "0"},
      {"maxmemory-policy", "noeviction"},
      {"maxmemory-samples", "5"},
      {"maxmemory-clients", "0"},
      {"hz", "10"},
      {"dynamic-hz", "yes"},
      {"active-expire-effort", "1"},
      {"appendfsync", "everysec"},
      {"appendfilename", "appendonly.aof"},
      {"appenddirname", "appendonlydir"},
      {"dbfilename", "dump.rdb"},
      {"loglevel", "notice"},
      {"daemonize", "no"},
      {"io-threads", "1"},
      {"io-threads-do-reads", "no"},
      {"lazyfree-lazy-eviction", "no"},
      {"lazyfree-lazy-expire", "no"},
      {"lazyfree-lazy-server-del", "no"},
      {"lazyfree-lazy-user-del", "no"},
      {"lazyfree-lazy-user-flush", "no"},
      {"activerehashing", "yes"},
      {"notify-keyspace-events", ""},
      {"slowlog-log-slower-than", "10000"},
      {"slowlog-max-len", "128"},
      {"latency-monitor-threshold", "0"},
      {"busy-reply-threshold", "5000"},
      {"lua-time-limit", "5000"},
      {"hash-max-listpack-entries", "512"},
      {"hash-max-ziplist-entries", "512"},
      {"hash-max-listpack-value", "64"},
      {"hash-max-ziplist-value", "64"},
      {"list-max-listpack-size", "-2"},
      {"list-max-ziplist-size", "-2"},
      {"list-compress-depth", "0"},
      {"set-max-intset-entries", "512"},
      {"zset-max-listpack-entries", "128"},
      {"zset-max-ziplist-entries", "128"},
      {"zset-max-listpack-value", "64"},
      {"zset-max-ziplist-value", "64"},
      {"hll-sparse-max-bytes", "3000"},
      {"stream-node-max-bytes", "4096"},
      {"stream-node-max-entries", "100"},
      {"lfu-log-factor", "10"},
      {"lfu-decay-time", "1"},
      {"replica-read-only", "yes"},
      {"slave-read-only", "yes"},
      {"cluster-enabled", "no"},
      {"supervised", "no"},
  };
  for (const auto& [name, value] : defaults) {
    EXPECT_EQ(Run({"config", "get", name}), StrCat("*2\r\n", Bulk(name), Bulk(value))) << name;
  }
}

TEST_F(ServerFamilyTest, ConfigGetBindIsLoopbackByDefault) {
  // valkdb's deliberate default (SPEC §4); Redis's is "* -::*".
  EXPECT_EQ(Run({"config", "get", "bind"}), "*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetNoMatch) {
  EXPECT_EQ(Run({"config", "get", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Run({"config", "get", "nosuch*"}), "*0\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetAliases) {
  EXPECT_EQ(Run({"config", "get", "hash-max-ziplist-value"}),
            "*2\r\n$22\r\nhash-max-ziplist-value\r\n$2\r\n64\r\n");
  EXPECT_EQ(Run({"config", "get", "slave-read-only"}),
            "*2\r\n$15\r\nslave-read-only\r\n$3\r\nyes\r\n");
  EXPECT_EQ(Run({"config", "get", "lua-time-limit"}),
            "*2\r\n$14\r\nlua-time-limit\r\n$4\r\n5000\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetGlobs) {
  // Redis orders these by its hash table; compare as sets.
  using Pairs = std::set<std::pair<std::string, std::string>>;
  EXPECT_EQ(ConfigPairs(Run({"config", "get", "zset-max-*"})),
            (Pairs{{"zset-max-listpack-entries", "128"},
                   {"zset-max-ziplist-entries", "128"},
                   {"zset-max-listpack-value", "64"},
                   {"zset-max-ziplist-value", "64"}}));
  EXPECT_EQ(ConfigPairs(Run({"config", "get", "*max-ziplist*"})),
            (Pairs{{"zset-max-ziplist-entries", "128"},
                   {"hash-max-ziplist-entries", "512"},
                   {"hash-max-ziplist-value", "64"},
                   {"zset-max-ziplist-value", "64"},
                   {"list-max-ziplist-size", "-2"}}));
  EXPECT_EQ(ConfigPairs(Run({"config", "get", "lazyfree*"})),
            (Pairs{{"lazyfree-lazy-eviction", "no"},
                   {"lazyfree-lazy-expire", "no"},
                   {"lazyfree-lazy-server-del", "no"},
                   {"lazyfree-lazy-user-del", "no"},
                   {"lazyfree-lazy-user-flush", "no"}}));
  EXPECT_EQ(Run({"config", "get", "p?rt"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
  EXPECT_EQ(Run({"config", "get", "[pq]ort"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
  EXPECT_EQ(Run({"config", "get", "P*RT"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetEveryParameter) {
  std::set<std::pair<std::string, std::string>> all = ConfigPairs(Run({"config", "get", "*"}));
  for (const Config::Param& param : Config::Params()) {
    bool found = false;
    for (const auto& [name, value] : all) found |= name == param.name;
    // Hidden ones (Redis's HIDDEN_CONFIG) only by name.
    EXPECT_EQ(found, !param.hidden) << param.name;
    if (param.hidden) {
      EXPECT_EQ(ConfigPairs(Run({"config", "get", std::string(param.name)})).size(), 1u)
          << param.name;
    }
  }
}

TEST_F(ServerFamilyTest, ConfigGetSeveralPatterns) {
  using Pairs = std::set<std::pair<std::string, std::string>>;
  EXPECT_EQ(ConfigPairs(Run({"config", "get", "port", "hz"})),
            (Pairs{{"port", "6379"}, {"hz", "10"}}));
  // A parameter matched by several patterns is listed once.
  EXPECT_EQ(Run({"config", "get", "port", "port"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
  EXPECT_EQ(Run({"config", "get", "port", "p*t", "nosuch"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
}

// Without glob characters Redis looks the name up directly and answers with
// the name as the client spelled it.
TEST_F(ServerFamilyTest, ConfigGetExactNameEchoesTheClientsSpelling) {
  EXPECT_EQ(Run({"config", "get", "PORT"}), "*2\r\n$4\r\nPORT\r\n$4\r\n6379\r\n");
  EXPECT_EQ(Run({"CoNfIg", "GeT", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetSeesAppliedSettings) {
  ASSERT_TRUE(config_.Apply("maxmemory", {"1mb"}).ok());
  EXPECT_EQ(Run({"config", "get", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n");
  ASSERT_TRUE(config_.Apply("save", {"3600", "1"}).ok());
  EXPECT_EQ(Run({"config", "get", "save"}), "*2\r\n$4\r\nsave\r\n$6\r\n3600 1\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetInResp3IsAMap) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"config", "get", "maxmemory"}), "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(Run({"config", "get", "nosuch"}), "%0\r\n");
}

TEST_F(ServerFamilyTest, ConfigErrors) {
  EXPECT_EQ(Run({"config"}), WrongArity("config"));
  EXPECT_EQ(Run({"config", "get"}), WrongArity("config|get"));
  EXPECT_EQ(Run({"config", "help", "x"}), WrongArity("config|help"));
  EXPECT_EQ(Run({"config", "foo"}), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
  const std::string long_name(200, 'z');
  EXPECT_EQ(Run({"config", long_name}),
            StrCat("-ERR unknown subcommand '", std::string(128, 'z'), "'. Try CONFIG HELP.\r\n"));
}

TEST_F(ServerFamilyTest, ConfigHelp) {
  std::vector<std::string> lines = Strings(Run({"config", "help"}));
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(lines[1], "GET <pattern>");
  EXPECT_EQ(lines[2], "    Return parameters matching the glob-like <pattern> and their values.");
  EXPECT_EQ(lines[lines.size() - 2], "HELP");
  EXPECT_EQ(lines.back(), "    Prints this help.");
}

TEST_F(ServerFamilyTest, ConfigSet) {
  EXPECT_EQ(Run({"config", "set", "maxmemory", "1mb"}), kOk);
  EXPECT_EQ(Run({"config", "get", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory", "1gb"}), kOk);
  EXPECT_EQ(Run({"config", "get", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "ALLKEYS-LRU"}), kOk);
  EXPECT_EQ(Run({"config", "get", "maxmemory-policy"}),
            "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n");
  EXPECT_EQ(Run({"config", "set", "save", "100 10"}), kOk);
  EXPECT_EQ(Run({"config", "get", "save"}), "*2\r\n$4\r\nsave\r\n$6\r\n100 10\r\n");
  EXPECT_EQ(Run({"config", "set", "hash-max-ziplist-entries", "77"}), kOk);
  EXPECT_EQ(Run({"config", "get", "hash-max-listpack-entries"}),
            "*2\r\n$25\r\nhash-max-listpack-entries\r\n$2\r\n77\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetClampsHz) {
  EXPECT_EQ(Run({"config", "set", "hz", "0"}), kOk);
  EXPECT_EQ(Run({"config", "get", "hz"}), "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n");
  EXPECT_EQ(Run({"config", "set", "hz", "100000"}), kOk);
  EXPECT_EQ(Run({"config", "get", "hz"}), "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetSeveralAtOnce) {
  EXPECT_EQ(Run({"config", "set", "maxmemory", "2mb", "hz", "20"}), kOk);
  EXPECT_EQ(Run({"config", "get", "hz"}), "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory", "3mb", "maxmemory", "4mb"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate "
            "parameter\r\n");
  // All or nothing: an unknown name refuses the whole command.
  EXPECT_EQ(Run({"config", "set", "hz", "11", "nosuch", "1"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  EXPECT_EQ(Run({"config", "get", "hz"}), "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetErrors) {
  const auto failed = [](std::string_view name, std::string_view why) {
    return StrCat("-ERR CONFIG SET failed (possibly related to argument '", name, "') - ", why,
                  "\r\n");
  };
  EXPECT_EQ(Run({"config", "set", "a", "b"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'a'\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory"}), WrongArity("config|set"));
  EXPECT_EQ(Run({"config", "set", "maxmemory", "lots"}),
            failed("maxmemory", "argument must be a memory value"));
  EXPECT_EQ(Run({"config", "set", "maxmemory", "-1"}),
            failed("maxmemory", "argument must be a memory value"));
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "sometimes"}),
            failed("maxmemory-policy",
                   "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                   "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                   "noeviction"));
  EXPECT_EQ(Run({"config", "set", "databases", "4"}),
            failed("databases", "can't set immutable config"));
  EXPECT_EQ(Run({"config", "set", "maxclients", "0"}),
            failed("maxclients", "argument must be between 1 and 4294967295 inclusive"));
  EXPECT_EQ(Run({"config", "set", "timeout", "-1"}),
            failed("timeout", "argument must be between 0 and 2147483647 inclusive"));
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "-5"}),
            failed("slowlog-log-slower-than",
                   "argument must be between -1 and 9223372036854775807 inclusive"));
  EXPECT_EQ(Run({"config", "get", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
}

// ---------------------------------------------------------------- INFO

std::vector<std::string> SectionHeaders(const std::string& text) {
  std::vector<std::string> headers;
  for (std::string_view line : Split(text, '\n')) {
    if (!line.empty() && line[0] == '#') headers.emplace_back(StripWhitespace(line));
  }
  return headers;
}

std::string InfoText(const std::string& raw) {
  RespValue reply = ParseReply(raw);
  EXPECT_TRUE(reply.type == RespValue::Type::kBulkString ||
              reply.type == RespValue::Type::kVerbatim)
      << raw;
  return reply.str;
}

TEST_F(ServerFamilyTest, InfoDefaultSectionsInRedisOrder) {
  const std::string text = InfoText(Run({"info"}));
  EXPECT_EQ(SectionHeaders(text),
            (std::vector<std::string>{"# Server", "# Clients", "# Memory", "# Persistence",
                                      "# Stats", "# Replication", "# CPU", "# Errorstats",
                                      "# Cluster", "# Keyspace"}));
  // Sections are separated by one blank line; the text ends with a single CRLF.
  EXPECT_NE(text.find("\r\n\r\n# Clients\r\n"), std::string::npos);
  EXPECT_EQ(text.substr(0, 10), "# Server\r\n");
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  EXPECT_NE(text.substr(text.size() - 4), "\r\n\r\n");
  for (std::string_view line : Split(text, '\n')) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\r') << "every line ends in CRLF";
  }
}

TEST_F(ServerFamilyTest, InfoAllDefaultEverything) {
  // (Compared by sections: RSS and CPU figures change between calls.)
  const std::string text = InfoText(Run({"info"}));
  EXPECT_EQ(SectionHeaders(InfoText(Run({"info", "default"}))), SectionHeaders(text));
  EXPECT_EQ(SectionHeaders(InfoText(Run({"info", "DEFAULT"}))), SectionHeaders(text));
  // "all" and "everything" add sections on top of the default ones.
  for (const char* which : {"all", "everything", "ALL"}) {
    std::vector<std::string> headers = SectionHeaders(InfoText(Run({"info", which})));
    for (const std::string& header : SectionHeaders(text)) {
      EXPECT_NE(std::find(headers.begin(), headers.end(), header), headers.end())
          << which << " " << header;
    }
  }
}

TEST_F(ServerFamilyTest, InfoServerSection) {
  now_ms_ = kStartMs + 3 * 86'400'000 + 5'000;
  const std::string text = InfoText(Run({"info", "server"}));
  EXPECT_EQ(SectionHeaders(text), (std::vector<std::string>{"# Server"}));
  EXPECT_EQ(text.substr(0, 10), "# Server\r\n");
  for (const std::string& line : std::vector<std::string>{
           "redis_version:7.0.15", "redis_mode:standalone", "arch_bits:64", "tcp_port:6379",
           "uptime_in_seconds:259205", "uptime_in_days:3", "hz:10", "configured_hz:10",
           "run_id:0123456789abcdef0123456789abcdef01234567",
           StrCat("server_time_usec:", now_ms_ * 1000)}) {
    EXPECT_NE(text.find(StrCat("\r\n", line, "\r\n")), std::string::npos) << line;
  }
}

TEST_F(ServerFamilyTest, InfoKeyspace) {
  EXPECT_EQ(Run({"info", "keyspace"}), "$12\r\n# Keyspace\r\n\r\n");
  Run({"set", "a", "1"});
  Run({"expire", "a", "100"});
  Run({"set", "b", "2"});
  EXPECT_EQ(Run({"info", "keyspace"}),
            "$44\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n\r\n");
  EXPECT_EQ(Run({"info", "KEYSPACE"}),
            "$44\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n\r\n");
  EXPECT_EQ(Run({"info", "keyspace", "keyspace"}),
            "$44\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n\r\n");
  Run({"select", "3"});
  Run({"set", "c", "1"});
  EXPECT_EQ(Run({"info", "keyspace"}),
            "$76\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"
            "db3:keys=1,expires=0,avg_ttl=0\r\n\r\n");
  Run({"flushall"});
  EXPECT_EQ(Run({"info", "keyspace"}), "$12\r\n# Keyspace\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoSeveralSectionsComeInRedisOrder) {
  Run({"set", "a", "1"});
  Run({"expire", "a", "100"});
  Run({"set", "b", "2"});
  const std::string expected =
      "$76\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"
      "db0:keys=2,expires=1,avg_ttl=0\r\n\r\n";
  EXPECT_EQ(Run({"info", "cluster", "keyspace"}), expected);
  EXPECT_EQ(Run({"info", "keyspace", "cluster"}), expected);
  EXPECT_EQ(Run({"info", "cluster"}), "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
  EXPECT_EQ(Run({"info", "nosuch", "cluster"}), "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoUnknownSectionIsEmpty) {
  EXPECT_EQ(Run({"info", "nosuch"}), "$0\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoIsVerbatimInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"info", "cluster"}), "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
  EXPECT_EQ(Run({"info", "nosuch"}), "=4\r\ntxt:\r\n");
  RespValue reply = ParseReply(Run({"info"}));
  EXPECT_EQ(reply.type, RespValue::Type::kVerbatim);
  EXPECT_EQ(reply.format, "txt");
  EXPECT_NE(reply.str.find("\r\nredis_version:7.0.15\r\n"), std::string::npos);
}

TEST_F(ServerFamilyTest, InfoStatsCountKeyspaceEvents) {
  Run({"set", "a", "1", "px", "10"});
  Run({"get", "a"});
  Run({"get", "nope"});
  AdvanceMs(11);
  Run({"get", "a"});  // expired on access: a miss and an expired key
  const std::string text = InfoText(Run({"info", "stats"}));
  EXPECT_NE(text.find("\r\nkeyspace_hits:1\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\nkeyspace_misses:2\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\nexpired_keys:1\r\n"), std::string::npos) << text;
}

TEST_F(ServerFamilyTest, InfoClientsAndMemory) {
  server_.connected_clients = 3;
  const std::string clients = InfoText(Run({"info", "clients"}));
  EXPECT_NE(clients.find("\r\nconnected_clients:3\r\n"), std::string::npos);
  EXPECT_NE(clients.find("\r\nmaxclients:10000\r\n"), std::string::npos);
  const std::string memory = InfoText(Run({"info", "memory"}));
  EXPECT_NE(memory.find("\r\nused_memory:"), std::string::npos);
  EXPECT_NE(memory.find("\r\nmaxmemory:0\r\n"), std::string::npos);
  EXPECT_NE(memory.find("\r\nmaxmemory_policy:noeviction\r\n"), std::string::npos);
}

TEST_F(ServerFamilyTest, InfoReplicationSaysMaster) {
  const std::string text = InfoText(Run({"info", "replication"}));
  EXPECT_EQ(text.substr(0, 15), "# Replication\r\n");
  EXPECT_NE(text.find("\r\nrole:master\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nconnected_slaves:0\r\n"), std::string::npos);
}

}  // namespace
}  // namespace valkdb::testing_util
