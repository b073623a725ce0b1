// The command table and the central checks of Dispatch: lookup, unknown
// command and subcommand errors, arity. Expected replies are
// redis-server 7.0.15's, captured byte for byte.
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using DispatchTest = CommandTest;

TEST_F(DispatchTest, UnknownCommand) {
  EXPECT_EQ(Run({"foo"}), "-ERR unknown command 'foo', with args beginning with: \r\n");
  EXPECT_EQ(Run({"foo", "a", "b"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(Run({"FOO", "a b", "c"}),
            "-ERR unknown command 'FOO', with args beginning with: 'a b' 'c' \r\n");
  EXPECT_EQ(Run({"foo", ""}), "-ERR unknown command 'foo', with args beginning with: '' \r\n");
  EXPECT_EQ(Run({""}), "-ERR unknown command '', with args beginning with: \r\n");
  EXPECT_EQ(Run({"", "a"}), "-ERR unknown command '', with args beginning with: 'a' \r\n");
}

TEST_F(DispatchTest, UnknownCommandTruncatesLongNamesAndArguments) {
  EXPECT_EQ(Run({std::string(200, 'x')}), StrCat("-ERR unknown command '", std::string(128, 'x'),
                                                 "', with args beginning with: \r\n"));
  EXPECT_EQ(Run({"foo", std::string(200, 'a')}),
            StrCat("-ERR unknown command 'foo', with args beginning with: '", std::string(128, 'a'),
                   "' \r\n"));
  // Arguments are listed until the list reaches 128 characters.
  std::vector<std::string> many = {"foo"};
  for (int i = 0; i < 20; ++i) many.emplace_back("abcdefghij");
  std::string listed;
  for (int i = 0; i < 10; ++i) listed += "'abcdefghij' ";
  EXPECT_EQ(Run(many),
            StrCat("-ERR unknown command 'foo', with args beginning with: ", listed, "\r\n"));
}

TEST_F(DispatchTest, UnknownCommandWithSpecialBytes) {
  // Redis prints arguments with %s: a NUL ends them; CR and LF become spaces.
  EXPECT_EQ(Run({"foo", std::string_view("a\0b", 3), "c"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'c' \r\n");
  EXPECT_EQ(Run({std::string_view("fo\0o", 4), "x"}),
            "-ERR unknown command 'fo', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Run({"foo", "a\r\nb"}),
            "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n");
}

TEST_F(DispatchTest, CommandNamesAreCaseInsensitive) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"pInG"}), "+PONG\r\n");
  EXPECT_EQ(Run({"SeT", "k", "v", "Nx"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"cOmMaNd", "CoUnT"}), Run({"command", "count"}));
  EXPECT_EQ(Run({"CoNfIg", "GeT", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
}

// Every command's arity error, as Redis words it (subcommands by full name).
TEST_F(DispatchTest, WrongArity) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"ping", "a", "b"}, "ping"},
      {{"echo"}, "echo"},
      {{"echo", "a", "b"}, "echo"},
      {{"select"}, "select"},
      {{"select", "0", "a"}, "select"},
      {{"get"}, "get"},
      {{"get", "a", "b"}, "get"},
      {{"set"}, "set"},
      {{"set", "k"}, "set"},
      {{"del"}, "del"},
      {{"exists"}, "exists"},
      {{"expire", "k"}, "expire"},
      {{"pexpire", "k"}, "pexpire"},
      {{"ttl"}, "ttl"},
      {{"ttl", "a", "b"}, "ttl"},
      {{"pttl"}, "pttl"},
      {{"persist"}, "persist"},
      {{"persist", "a", "b"}, "persist"},
      {{"dbsize", "x"}, "dbsize"},
      {{"client"}, "client"},
      {{"client", "id", "x"}, "client|id"},
      {{"client", "setname"}, "client|setname"},
      {{"client", "getname", "x"}, "client|getname"},
      {{"client", "help", "x"}, "client|help"},
      {{"config"}, "config"},
      {{"config", "get"}, "config|get"},
      {{"config", "help", "x"}, "config|help"},
      {{"command", "count", "x"}, "command|count"},
      {{"command", "help", "x"}, "command|help"},
  };
  for (const auto& [cmd, name] : cases) EXPECT_EQ(Run(cmd), WrongArity(name)) << cmd[0];
}

TEST_F(DispatchTest, ArityErrorUsesTheTableNameNotTheClientsSpelling) {
  EXPECT_EQ(Run({"GET"}), WrongArity("get"));
  EXPECT_EQ(Run({"CONFIG", "GET"}), WrongArity("config|get"));
  EXPECT_EQ(Run({"CLIENT"}), WrongArity("client"));
}

TEST_F(DispatchTest, UnknownSubcommand) {
  EXPECT_EQ(Run({"client", "foo"}), "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run({"Command", "Bogus", "x"}),
            "-ERR unknown subcommand 'Bogus'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(Run({"config", std::string(200, 'z')}),
            StrCat("-ERR unknown subcommand '", std::string(128, 'z'), "'. Try CONFIG HELP.\r\n"));
  EXPECT_EQ(Run({"config", ""}), "-ERR unknown subcommand ''. Try CONFIG HELP.\r\n");
}

TEST_F(DispatchTest, ErrorsLeaveTheStoreAlone) {
  Run({"set", "k", "v"});
  Run({"foo", "k"});
  Run({"set", "k"});
  Run({"set", "k", "x", "nx", "xx"});
  Run({"del"});
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"dbsize"}), Int(1));
}

// MemberPrefetcher: which keys it finds a structure to prefetch in, and that
// it never waits for a shard's lock.
TEST_F(DispatchTest, PrefetchMembersFindsBigStructuresOnly) {
  const CommandTable& table = CommandTable::Get();
  auto prefetch = [&](std::vector<std::string_view> args, int db = 0) {
    const CommandSpec* spec = table.Lookup(args);
    EXPECT_NE(spec, nullptr) << args[0];
    MemberPrefetcher prefetcher(store_);
    return prefetcher.Prefetch(db, *spec, args, MemberPrefetch::kSlots) &&
           prefetcher.Prefetch(db, *spec, args, MemberPrefetch::kBuckets);
  };
  std::vector<std::string> sadd = {"sadd", "big"}, hset = {"hset", "bighash"},
                           zadd = {"zadd", "bigz"};
  for (int i = 0; i < 600; ++i) {
    sadd.push_back(StrCat("m", i));
    hset.insert(hset.end(), {StrCat("f", i), "v"});
    zadd.insert(zadd.end(), {StrCat(i), StrCat("m", i)});
  }
  ASSERT_EQ(Run(sadd), Int(600));
  ASSERT_EQ(Run(hset), Int(600));
  ASSERT_EQ(Run(zadd), Int(600));
  Run({"sadd", "small", "1", "2"});  // an intset (a set of strings is a table at any size)
  Run({"hset", "smallhash", "a", "1"});
  Run({"set", "str", "v"});
  const std::string before = Run({"debug", "digest"});

  EXPECT_TRUE(prefetch({"sismember", "big", "m1"}));
  EXPECT_TRUE(prefetch({"sadd", "big", "m1", "new", "other"}));
  EXPECT_TRUE(prefetch({"hget", "bighash", "f1"}));
  EXPECT_TRUE(prefetch({"hset", "bighash", "f1", "v", "f2", "v"}));
  EXPECT_TRUE(prefetch({"zscore", "bigz", "m1"}));
  EXPECT_TRUE(prefetch({"zadd", "bigz", "1", "m1"}));
  EXPECT_TRUE(prefetch({"zadd", "bigz", "nx", "1", "m1"}));  // a wrong guess: harmless
  // Compact encodings, other types, missing keys, another database, commands
  // without members.
  EXPECT_FALSE(prefetch({"sismember", "small", "1"}));
  EXPECT_FALSE(prefetch({"hget", "smallhash", "a"}));
  EXPECT_FALSE(prefetch({"sismember", "str", "a"}));
  EXPECT_FALSE(prefetch({"sismember", "nokey", "a"}));
  EXPECT_FALSE(prefetch({"sismember", "big", "m1"}, 1));
  EXPECT_FALSE(prefetch({"scard", "big"}));
  EXPECT_FALSE(prefetch({"get", "str"}));

  // A shard locked elsewhere: it gives up rather than wait.
  Shard* shard = store_.ShardFor(0, "big");
  shard->mu.Lock();
  EXPECT_FALSE(prefetch({"sismember", "big", "m1"}));
  shard->mu.Unlock();
  EXPECT_TRUE(prefetch({"sismember", "big", "m1"}));

  // It changed nothing, and the commands still answer.
  EXPECT_EQ(Run({"debug", "digest"}), before);
  EXPECT_EQ(Run({"smismember", "big", "m1", "m599", "m600"}), "*3\r\n:1\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run({"hmget", "bighash", "f0", "nope"}), "*2\r\n$1\r\nv\r\n$-1\r\n");
}

// A pipeline on one key locks its shard once: the prefetcher holds the last
// key's shard until Release or until a key in another shard comes.
TEST_F(DispatchTest, MemberPrefetcherHoldsOneShardUntilRelease) {
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    if (store_.ShardFor(0, StrCat("other", i)) != store_.ShardFor(0, "big")) {
      other = StrCat("other", i);
    }
  }
  for (const std::string& key : {std::string("big"), other}) {
    std::vector<std::string> sadd = {"sadd", key};
    for (int i = 0; i < 600; ++i) sadd.push_back(StrCat("m", i));
    ASSERT_EQ(Run(sadd), Int(600));
  }
  const CommandSpec* spec = CommandTable::Get().Lookup({"sismember"});
  ASSERT_NE(spec, nullptr);
  Shard* big_shard = store_.ShardFor(0, "big");
  Shard* other_shard = store_.ShardFor(0, other);
  auto held = [](Shard* shard) {
    if (!shard->mu.TryLock()) return true;
    shard->mu.Unlock();
    return false;
  };
  auto args = [](std::string_view key, std::string_view member) {
    return std::vector<std::string_view>{"sismember", key, member};
  };

  MemberPrefetcher prefetcher(store_);
  EXPECT_TRUE(prefetcher.Prefetch(0, *spec, args("big", "m1"), MemberPrefetch::kSlots));
  EXPECT_TRUE(held(big_shard));
  EXPECT_TRUE(prefetcher.Prefetch(0, *spec, args("big", "m2"), MemberPrefetch::kSlots));
  EXPECT_TRUE(prefetcher.Prefetch(0, *spec, args("big", "m1"), MemberPrefetch::kBuckets));
  EXPECT_TRUE(held(big_shard));
  // Another shard: the first one is let go.
  EXPECT_TRUE(prefetcher.Prefetch(0, *spec, args(other, "m1"), MemberPrefetch::kSlots));
  EXPECT_FALSE(held(big_shard));
  EXPECT_TRUE(held(other_shard));
  // The same key name in another database is another key.
  EXPECT_FALSE(prefetcher.Prefetch(1, *spec, args(other, "m1"), MemberPrefetch::kSlots));
  EXPECT_TRUE(prefetcher.Prefetch(0, *spec, args(other, "m1"), MemberPrefetch::kBuckets));
  prefetcher.Release();
  EXPECT_FALSE(held(other_shard));
  EXPECT_FALSE(held(big_shard));
  // Commands run as before, and a prefetcher that goes out of scope lets go too.
  {
    MemberPrefetcher scoped(store_);
    EXPECT_TRUE(scoped.Prefetch(0, *spec, args("big", "m1"), MemberPrefetch::kSlots));
  }
  EXPECT_FALSE(held(big_shard));
  EXPECT_EQ(Run({"sismember", "big", "m599"}), Int(1));
  EXPECT_EQ(Run({"srem", "big", "m599"}), Int(1));
}

// ---------------------------------------------------------------- the table itself

TEST(CommandTableTest, NamesAreLowerCaseAndUnique) {
  std::set<std::string> seen;
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    std::string name(spec.name);
    EXPECT_EQ(name, AsciiLower(name));
    EXPECT_EQ(name.find('|'), std::string::npos) << name;
    EXPECT_TRUE(seen.insert(name).second) << "registered twice: " << name;
    for (const CommandSpec& sub : spec.subcommands) {
      const std::string sub_name(sub.name);
      EXPECT_EQ(sub_name, AsciiLower(sub_name));
      EXPECT_EQ(sub_name.substr(0, name.size() + 1), name + "|") << sub_name;
      EXPECT_TRUE(seen.insert(sub_name).second) << "registered twice: " << sub_name;
      EXPECT_TRUE(sub.subcommands.empty()) << sub_name;
    }
  }
}

TEST(CommandTableTest, EntriesAreComplete) {
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    std::vector<const CommandSpec*> all = {&spec};
    for (const CommandSpec& sub : spec.subcommands) all.push_back(&sub);
    for (const CommandSpec* s : all) {
      EXPECT_NE(s->handler, nullptr) << s->name;
      EXPECT_NE(s->arity, 0) << s->name;
      EXPECT_FALSE(s->group.empty()) << s->name;
      EXPECT_FALSE(s->summary.empty()) << s->name;
      EXPECT_FALSE(s->since.empty()) << s->name;
      EXPECT_FALSE(s->acl_categories.empty()) << s->name;
      EXPECT_FALSE(s->complexity.empty()) << s->name;
      if (s->member_first != 0) {  // MemberPrefetcher: members come after the key
        EXPECT_GT(s->first_key, 0) << s->name;
        EXPECT_GT(s->member_first, s->first_key) << s->name;
        EXPECT_GT(s->member_step, 0) << s->name;
      }
      if (s->first_key > 0) {
        EXPECT_GT(s->key_step, 0) << s->name;
        EXPECT_FALSE(s->key_flags.empty()) << s->name;
        EXPECT_TRUE(s->last_key < 0 || s->last_key >= s->first_key) << s->name;
        // A keyed command needs room for its first key.
        EXPECT_TRUE(s->arity < 0 ? -s->arity > s->first_key : s->arity > s->first_key) << s->name;
      } else {
        EXPECT_EQ(s->last_key, 0) << s->name;
        EXPECT_EQ(s->key_step, 0) << s->name;
      }
    }
    if (!spec.subcommands.empty()) {
      EXPECT_LT(spec.arity, 0) << "a container takes a variable number of arguments: " << spec.name;
    }
  }
}

TEST(CommandTableTest, FindIsCaseInsensitive) {
  const CommandTable& table = CommandTable::Get();
  const CommandSpec* get = table.Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(table.Find("GET"), get);
  EXPECT_EQ(table.Find("gEt"), get);
  EXPECT_EQ(table.Find("nosuch"), nullptr);
  EXPECT_EQ(table.Find(""), nullptr);
  EXPECT_EQ(table.Find(std::string(1000, 'g')), nullptr);
  EXPECT_EQ(table.Find("config|get"), nullptr) << "Find is for top-level names";
}

TEST(CommandTableTest, LookupResolvesSubcommands) {
  const CommandTable& table = CommandTable::Get();
  std::vector<std::string_view> args = {"CONFIG", "GET", "x"};
  const CommandSpec* spec = table.Lookup(args);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, "config|get");
  args = {"config"};
  spec = table.Lookup(args);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, "config") << "no subcommand given: the container";
  args = {"config", "nosuch"};
  EXPECT_EQ(table.Lookup(args), nullptr);
  args = {"get", "k"};
  spec = table.Lookup(args);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, "get") << "a plain command ignores its arguments";
  args = {"nosuch", "x"};
  EXPECT_EQ(table.Lookup(args), nullptr);
}

TEST(CommandTableTest, LookupCacheAnswersAsTheTableDoes) {
  const CommandTable& table = CommandTable::Get();
  LookupCache cache;
  const std::vector<std::vector<std::string_view>> requests = {{""},
                                                               {"GET", "k"},
                                                               {"GET", "k"},
                                                               {"get", "k"},
                                                               {"CONFIG", "GET", "x"},
                                                               {"CONFIG", "SET", "x"},
                                                               {"CONFIG"},
                                                               {"CONFIG", "nosuch"},
                                                               {"nosuch"},
                                                               {"nosuch"},
                                                               {"client", "list"},
                                                               {"client", "id"},
                                                               {"set", "k", "v"},
                                                               {"averyveryverylongcommandname"},
                                                               {"set", "k", "v"}};
  for (const auto& args : requests) {
    EXPECT_EQ(cache.Lookup(table, args), table.Lookup(args)) << args[0];
  }
}

}  // namespace
}  // namespace valkdb::testing_util
