#include "server/commands/config.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

TEST(ConfigTest, DefaultsAndTypedReads) {
  Config config;
  EXPECT_EQ(config.Get("port"), "6379");
  EXPECT_EQ(config.GetInt("port"), 6379);
  EXPECT_EQ(config.GetInt("maxclients"), 10000);
  EXPECT_EQ(config.GetInt("databases"), 16);
  EXPECT_TRUE(config.GetBool("protected-mode"));
  EXPECT_FALSE(config.GetBool("appendonly"));
  EXPECT_EQ(config.GetString("maxmemory-policy"), "noeviction");
  EXPECT_EQ(config.Get("nosuch"), std::nullopt);
  EXPECT_EQ(config.GetString("nosuch"), "");
  EXPECT_EQ(config.GetInt("nosuch"), 0);
  EXPECT_FALSE(config.Get("dir").value_or("").empty()) << "dir defaults to the working directory";
}

TEST(ConfigTest, NamesAndAliasesAreCaseInsensitive) {
  Config config;
  EXPECT_EQ(config.Get("PORT"), "6379");
  EXPECT_EQ(config.Get("Hash-Max-Ziplist-Value"), "64");
  ASSERT_TRUE(config.Apply("HASH-MAX-ZIPLIST-VALUE", {"100"}).ok());
  EXPECT_EQ(config.Get("hash-max-listpack-value"), "100") << "an alias sets the same parameter";
}

TEST(ConfigTest, ApplyValidatesByKind) {
  Config config;
  EXPECT_TRUE(config.Apply("port", {"7000"}).ok());
  EXPECT_EQ(config.GetInt("port"), 7000);
  EXPECT_TRUE(config.Apply("port", {"0"}).ok()) << "--port 0 picks a free port";
  EXPECT_FALSE(config.Apply("port", {"65536"}).ok());
  EXPECT_FALSE(config.Apply("port", {"-1"}).ok());
  EXPECT_FALSE(config.Apply("port", {"abc"}).ok());
  EXPECT_FALSE(config.Apply("port", {"1.5"}).ok());
  EXPECT_FALSE(config.Apply("port", {}).ok());
  EXPECT_EQ(config.GetInt("port"), 0) << "failed applies change nothing";

  EXPECT_TRUE(config.Apply("protected-mode", {"NO"}).ok());
  EXPECT_EQ(config.Get("protected-mode"), "no");
  EXPECT_FALSE(config.Apply("protected-mode", {"maybe"}).ok());
  EXPECT_FALSE(config.Apply("protected-mode", {"1"}).ok());

  EXPECT_TRUE(config.Apply("maxmemory-policy", {"ALLKEYS-LRU"}).ok());
  EXPECT_EQ(config.Get("maxmemory-policy"), "allkeys-lru");
  absl::Status bad_enum = config.Apply("maxmemory-policy", {"sometimes"});
  EXPECT_FALSE(bad_enum.ok());
  EXPECT_NE(bad_enum.message().find("volatile-lru"), std::string_view::npos) << bad_enum;

  EXPECT_TRUE(config.Apply("maxmemory", {"2mb"}).ok());
  EXPECT_EQ(config.Get("maxmemory"), "2097152");
  EXPECT_FALSE(config.Apply("maxmemory", {"lots"}).ok());
  EXPECT_FALSE(config.Apply("proto-max-bulk-len", {"1000"}).ok()) << "below Redis's 1mb minimum";

  EXPECT_TRUE(config.Apply("requirepass", {"secret"}).ok());
  EXPECT_EQ(config.Get("requirepass"), "secret");
  EXPECT_TRUE(config.Apply("save", {"3600", "1", "300", "100"}).ok());
  EXPECT_EQ(config.Get("save"), "3600 1 300 100");
  EXPECT_TRUE(config.Apply("save", {}).ok());
  EXPECT_EQ(config.Get("save"), "");

  EXPECT_TRUE(absl::IsNotFound(config.Apply("nosuch", {"1"})));
}

TEST(ConfigTest, LoadTextReadsRedisConfSyntax) {
  Config config;
  absl::Status status = config.LoadText(
      "# a comment\n"
      "\n"
      "port 7001\n"
      "   maxmemory 2mb   \n"
      "requirepass \"with space\"\n"
      "save 900 1\r\n"
      "maxmemory-policy volatile-ttl\n");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.GetInt("port"), 7001);
  EXPECT_EQ(config.Get("maxmemory"), "2097152");
  EXPECT_EQ(config.Get("requirepass"), "with space");
  EXPECT_EQ(config.Get("save"), "900 1");
  EXPECT_EQ(config.Get("maxmemory-policy"), "volatile-ttl");
}

TEST(ConfigTest, LoadTextReportsTheBadLine) {
  Config config;
  absl::Status unknown = config.LoadText("port 7001\nnosuch-directive 1\n");
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("line 2"), std::string_view::npos) << unknown;
  absl::Status quotes = config.LoadText("requirepass \"unterminated\n");
  EXPECT_FALSE(quotes.ok());
  EXPECT_NE(quotes.message().find("line 1"), std::string_view::npos) << quotes;
  absl::Status range = config.LoadText("port 70000\n");
  EXPECT_FALSE(range.ok());
}

TEST(ConfigTest, LoadArgsLikeRedisServer) {
  Config config;
  const char* argv[] = {"valkdb-server", "--port",    "7002", "--save",       "",
                        "--bind",        "127.0.0.1", "::1",  "--appendonly", "no"};
  absl::Status status = config.LoadArgs(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.GetInt("port"), 7002);
  EXPECT_EQ(config.Get("save"), "");
  EXPECT_EQ(config.Get("bind"), "127.0.0.1 ::1");
}

TEST(ConfigTest, LoadArgsWithAConfigFileFirst) {
  const std::string path = ::testing::TempDir() + "/valkdb_config_test.conf";
  {
    std::ofstream file(path);
    file << "port 7100\nmaxclients 50\n";
  }
  Config config;
  const char* argv[] = {"valkdb-server", path.c_str(), "--port", "7200"};
  absl::Status status = config.LoadArgs(4, argv);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.GetInt("port"), 7200) << "flags override the file";
  EXPECT_EQ(config.GetInt("maxclients"), 50);
  std::remove(path.c_str());
}

TEST(ConfigTest, LoadArgsErrors) {
  Config config;
  const char* missing_file[] = {"valkdb-server", "/nonexistent/valkdb.conf"};
  EXPECT_FALSE(config.LoadArgs(2, missing_file).ok());
  const char* stray[] = {"valkdb-server", "--port", "7000", "--"};
  EXPECT_FALSE(config.LoadArgs(4, stray).ok());
  const char* bad_value[] = {"valkdb-server", "--port", "seventy"};
  EXPECT_FALSE(config.LoadArgs(3, bad_value).ok());
  const char* unknown[] = {"valkdb-server", "--nosuch", "1"};
  EXPECT_FALSE(config.LoadArgs(3, unknown).ok());
}

TEST(ConfigTest, MatchReturnsNamesAndAliases) {
  Config config;
  auto pairs = config.Match({"hash-max-*-entries"});
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].first, "hash-max-listpack-entries");
  EXPECT_EQ(pairs[1].first, "hash-max-ziplist-entries");
  EXPECT_EQ(pairs[0].second, pairs[1].second);
  EXPECT_TRUE(config.Match({"nosuch"}).empty());
  EXPECT_EQ(config.Match({"port", "port", "p*"}).size(), config.Match({"p*"}).size())
      << "each parameter once";
  EXPECT_GE(config.Match({"*"}).size(), Config::Params().size());
}

// notify-keyspace-events' classes are kept apart from the shown value ("A"
// hides "n"), and a CONFIG SET that fails on a later parameter restores them.
TEST(ConfigTest, KeyspaceEventFlagsFollowSetAndRollback) {
  Config config;
  EXPECT_EQ(config.keyspace_event_flags(), 0u);
  ASSERT_EQ(config.SetFromCommand({{"notify-keyspace-events", "KEAn"}}), "");
  EXPECT_EQ(config.GetString("notify-keyspace-events"), "AKE");
  const uint32_t flags = config.keyspace_event_flags();
  EXPECT_NE(flags & (1u << 13), 0u) << "n is kept";
  EXPECT_NE(config.SetFromCommand({{"notify-keyspace-events", "Kl"}, {"maxclients", "x"}}), "");
  EXPECT_EQ(config.GetString("notify-keyspace-events"), "AKE");
  EXPECT_EQ(config.keyspace_event_flags(), flags);
}

TEST(ConfigTest, ConcurrentReadsAndWrites) {
  Config config;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 5000; ++i) {
      EXPECT_TRUE(config.Apply("maxclients", {std::to_string(1 + i % 100)}).ok());
    }
    stop = true;
  });
  do {
    const int64_t v = config.GetInt("maxclients");
    ASSERT_TRUE(v == 10000 || (v >= 1 && v <= 100)) << v;
    EXPECT_FALSE(config.Match({"max*"}).empty());
  } while (!stop.load());
  writer.join();
  EXPECT_EQ(config.GetInt("maxclients"), 100);
}

// ---------------------------------------------------------------- ParseMemory

TEST(ParseMemoryTest, UnitsAsRedisMemtoull) {
  EXPECT_EQ(ParseMemory("0"), 0);
  EXPECT_EQ(ParseMemory("100"), 100);
  EXPECT_EQ(ParseMemory("1b"), 1);
  EXPECT_EQ(ParseMemory("1k"), 1000);
  EXPECT_EQ(ParseMemory("1kb"), 1024);
  EXPECT_EQ(ParseMemory("1m"), 1000 * 1000);
  EXPECT_EQ(ParseMemory("1mb"), 1024 * 1024);
  EXPECT_EQ(ParseMemory("1g"), 1000LL * 1000 * 1000);
  EXPECT_EQ(ParseMemory("1gb"), 1024LL * 1024 * 1024);
  EXPECT_EQ(ParseMemory("32MB"), 32LL * 1024 * 1024);
  EXPECT_EQ(ParseMemory("8Gb"), 8LL * 1024 * 1024 * 1024);
}

// `valkdb-server --maxmemory 1gb` (and redis.conf) go through ParseMemory.
TEST(ParseMemoryTest, GigabytesFromTheCommandLine) {
  Config config;
  const char* argv[] = {"valkdb-server", "--maxmemory", "1gb"};
  ASSERT_TRUE(config.LoadArgs(3, argv).ok());
  EXPECT_EQ(config.Get("maxmemory"), "1073741824");
}

TEST(ParseMemoryTest, Rejects) {
  for (const char* bad : {"", "kb", "-1", "-1mb", "1.5mb", "abc", "1tb", " 1", "1 mb",
                          "9223372036854775807kb", "99999999999999999999"}) {
    EXPECT_EQ(ParseMemory(bad), std::nullopt) << "'" << bad << "'";
  }
}

// ---------------------------------------------------------------- GlobMatch

// Which of these channel names each pattern matches, as redis-server 7.0.15
// answered PUBSUB CHANNELS <pattern> with all of them subscribed.
TEST(GlobMatchTest, LikeRedisStringmatch) {
  const std::vector<std::string> texts = {"", "ab", "a", "*", "]", "b", "aXb", "x\\y"};
  struct Case {
    const char* pattern;
    std::set<std::string> matches;
  };
  const std::set<std::string> all_but_empty = {"ab", "a", "*", "]", "b", "aXb", "x\\y"};
  const Case cases[] = {
      {"*", all_but_empty},  // '*' needs at least one character to start matching
      {"**", all_but_empty},
      {"", {""}},
      {"a*", {"aXb", "a", "ab"}},
      {"?", {"a", "]", "b", "*"}},
      {"[ab", {"a", "b"}},  // an unterminated class ends at the pattern's end
      {"[^a]", {"]", "b", "*"}},
      {"[\\]]", {"]"}},
      {"\\*", {"*"}},
      {"a\\", {}},
      {"[a-", {"a"}},
      {"a*b", {"aXb", "ab"}},
      {"[b-a]", {"a", "b"}},  // reversed ranges work
      {"a[", {}},
      {"*\\", {}},
  };
  for (const Case& c : cases) {
    std::set<std::string> matched;
    for (const std::string& text : texts) {
      if (GlobMatch(c.pattern, text, false)) matched.insert(text);
    }
    EXPECT_EQ(matched, c.matches) << "pattern '" << c.pattern << "'";
  }
}

TEST(GlobMatchTest, MoreCases) {
  EXPECT_TRUE(GlobMatch("a*c", "ac", false));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc", false));
  EXPECT_FALSE(GlobMatch("a*c", "abcd", false));
  EXPECT_TRUE(GlobMatch("a?c", "abc", false));
  EXPECT_FALSE(GlobMatch("a?c", "ac", false));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx", false));
  EXPECT_FALSE(GlobMatch("[^a-c]", "b", false));
  EXPECT_TRUE(GlobMatch("a\\?", "a?", false));
  EXPECT_FALSE(GlobMatch("a\\?", "ab", false));
  EXPECT_TRUE(GlobMatch("exact", "exact", false));
  EXPECT_FALSE(GlobMatch("exact", "exactly", false));
  EXPECT_FALSE(GlobMatch("exactly", "exact", false));
}

TEST(GlobMatchTest, NoCase) {
  EXPECT_TRUE(GlobMatch("P*RT", "port", true));
  EXPECT_FALSE(GlobMatch("P*RT", "port", false));
  EXPECT_TRUE(GlobMatch("[A-C]", "b", true));
  EXPECT_TRUE(GlobMatch("[^A]", "b", true));
  EXPECT_FALSE(GlobMatch("[^A]", "a", true));
}

TEST(GlobMatchTest, ManyStarsStayFast) {
  // A pathological pattern must still finish (no timing assertion: it just returns).
  const std::string text(30, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", text, false));
}

}  // namespace
}  // namespace valkdb
