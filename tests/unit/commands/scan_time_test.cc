// SCAN and TIME: replies whose content depends on hash order or the clock,
// so checked by their guarantees; error texts are redis-server 7.0.15's.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

class ScanTest : public CommandTest {
 protected:
  // One SCAN call: the next cursor and the keys.
  std::pair<std::string, std::vector<std::string>> Scan(const std::vector<std::string>& args) {
    RespValue reply = ParseReply(Run(args));
    EXPECT_EQ(reply.type, RespValue::Type::kArray);
    if (reply.elements.size() != 2) {
      ADD_FAILURE() << "not a SCAN reply: " << reply.DebugString();
      return {"0", {}};
    }
    std::vector<std::string> keys;
    for (const RespValue& key : reply.elements[1].elements) keys.push_back(key.str);
    return {reply.elements[0].str, keys};
  }

  // A whole iteration; every key with how many times it came back.
  std::map<std::string, int> ScanAll(std::vector<std::string> options,
                                     const std::function<void(int)>& between_calls = nullptr) {
    std::map<std::string, int> seen;
    std::string cursor = "0";
    for (int call = 0; call < 100000; ++call) {
      std::vector<std::string> args = {"scan", cursor};
      args.insert(args.end(), options.begin(), options.end());
      auto [next, keys] = Scan(args);
      for (const std::string& key : keys) ++seen[key];
      cursor = next;
      if (cursor == "0") return seen;
      if (between_calls) between_calls(call);
    }
    ADD_FAILURE() << "SCAN never returned cursor 0";
    return seen;
  }

  void AddKeys(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) Run({"set", StrCat(prefix, i), "v"});
  }
};

TEST_F(ScanTest, EmptyDatabase) { EXPECT_EQ(Run({"scan", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n"); }

TEST_F(ScanTest, Errors) {
  EXPECT_EQ(Run({"scan"}), WrongArity("scan"));
  EXPECT_EQ(Run({"scan", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"scan", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"scan", "0", "count", "0"}), kSyntaxError);
  EXPECT_EQ(Run({"scan", "0", "count", "-1"}), kSyntaxError);
  EXPECT_EQ(Run({"scan", "0", "count", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"scan", "0", "foo"}), kSyntaxError);
  EXPECT_EQ(Run({"scan", "0", "match"}), kSyntaxError);
  EXPECT_EQ(Run({"scan", "0", "type"}), kSyntaxError);
}

TEST_F(ScanTest, SmallDatabaseInOneCall) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"scan", "0"}), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(Run({"scan", "0", "type", "string"}), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(Run({"scan", "0", "type", "foo"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"scan", "0", "match", "k*", "count", "10", "type", "string"}),
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
}

TEST_F(ScanTest, FullIterationReturnsEveryKey) {
  AddKeys("key:", 1000);
  std::map<std::string, int> seen = ScanAll({"count", "10"});
  EXPECT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_GE(seen[StrCat("key:", i)], 1) << i;
}

TEST_F(ScanTest, Match) {
  AddKeys("a:", 300);
  AddKeys("b:", 300);
  std::map<std::string, int> seen = ScanAll({"match", "a:*", "count", "50"});
  EXPECT_EQ(seen.size(), 300u);
  for (const auto& [key, count] : seen) EXPECT_EQ(key.substr(0, 2), "a:");
}

TEST_F(ScanTest, OnlyTheSelectedDatabase) {
  AddKeys("zero:", 50);
  Run({"select", "2"});
  AddKeys("two:", 70);
  std::map<std::string, int> seen = ScanAll({});
  EXPECT_EQ(seen.size(), 70u);
  for (const auto& [key, count] : seen) EXPECT_EQ(key.substr(0, 4), "two:");
}

TEST_F(ScanTest, ExpiredKeysAreNotReturned) {
  AddKeys("live:", 20);
  for (int i = 0; i < 20; ++i) Run({"set", StrCat("dead:", i), "v", "px", "10"});
  AdvanceMs(11);
  std::map<std::string, int> seen = ScanAll({});
  EXPECT_EQ(seen.size(), 20u);
  for (const auto& [key, count] : seen) EXPECT_EQ(key.substr(0, 5), "live:");
}

// Keys present for the whole iteration come back even while the table grows
// (rehashes) and shrinks between calls.
TEST_F(ScanTest, KeysThatStayAreReturnedDespiteGrowthAndDeletes) {
  AddKeys("stay:", 500);
  AddKeys("gone:", 200);
  int added = 0;
  std::map<std::string, int> seen = ScanAll({"count", "20"}, [&](int call) {
    // Growth is bounded: SCAN only promises to end on a keyspace that stops growing.
    if (call < 20) {
      for (int i = 0; i < 200; ++i) Run({"set", StrCat("new:", added++), "v"});
    }
    if (call < 200) Run({"del", StrCat("gone:", call)});
  });
  for (int i = 0; i < 500; ++i) EXPECT_GE(seen[StrCat("stay:", i)], 1) << i;
  for (const auto& [key, count] : seen) {
    EXPECT_TRUE(key.starts_with("stay:") || key.starts_with("gone:") || key.starts_with("new:"))
        << key;
  }
}

TEST_F(ScanTest, CursorOfAFinishedOrForeignIterationEnds) {
  // Redis accepts any number that parses as unsigned (e.g. -1 wraps) and
  // never fails on a cursor it did not hand out.
  AddKeys("k:", 10);
  EXPECT_EQ(ParseReply(Run({"scan", "-1"})).elements.size(), 2u);
  EXPECT_EQ(ParseReply(Run({"scan", "18446744073709551615"})).elements.size(), 2u);
}

TEST(TimeTest, SecondsAndMicroseconds) {
  Store store;
  Config config;
  ServerState server(&config);
  ClientState client;
  ReplyBuffer out;
  RespWriter writer(&out);
  CommandArgs args;
  args.Assign({std::string_view("time")});
  CommandContext ctx{store, server, client, writer, args, 0};
  CommandTable::Get().Dispatch(ctx);
  std::vector<std::string> parts = Strings(out.ToString());
  ASSERT_EQ(parts.size(), 2u) << out.ToString();
  int64_t seconds = 0, micros = 0;
  ASSERT_TRUE(ParseInt64(parts[0], &seconds)) << parts[0];
  ASSERT_TRUE(ParseInt64(parts[1], &micros)) << parts[1];
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(std::abs(seconds - now), 5) << "TIME is the wall clock";
  EXPECT_GE(micros, 0);
  EXPECT_LT(micros, 1'000'000);
}

TEST(TimeTest, Arity) {
  Store store;
  Config config;
  ServerState server(&config);
  ClientState client;
  ReplyBuffer out;
  RespWriter writer(&out);
  CommandArgs args;
  args.Assign({std::string_view("time"), std::string_view("x")});
  CommandContext ctx{store, server, client, writer, args, 0};
  CommandTable::Get().Dispatch(ctx);
  EXPECT_EQ(out.ToString(), WrongArity("time"));
}

}  // namespace
}  // namespace valkdb::testing_util
