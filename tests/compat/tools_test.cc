// Redis's own tools against valkdb: redis-cli one-shot commands print exactly
// what they print against a real redis-server, and redis-benchmark runs
// through without errors.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"
#include "tests/support/shell.h"

namespace valkdb::test {
namespace {

using ::testing::HasSubstr;

std::string RequireTool(const std::string& name) {
  std::string path = FindRedisTool(name);
  EXPECT_FALSE(path.empty()) << name
                             << " is required by the compatibility tests and was not found: "
                                "install the Debian package redis-tools";
  return path;
}

class RedisCliTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  // Runs every invocation (redis-cli options and arguments; an optional stdin
  // text) against both servers in order and compares each output.
  struct Invocation {
    std::vector<std::string> args;
    std::string stdin_text = "";
  };
  void ExpectSameOutput(const std::vector<Invocation>& invocations) {
    const std::string cli = RequireTool("redis-cli");
    ASSERT_FALSE(cli.empty());
    for (const Invocation& inv : invocations) {
      std::string args;
      for (const std::string& arg : inv.args) StrAppend(&args, " ", ShellQuote(arg));
      auto run = [&](int port) {
        std::string line = StrCat(cli, " -p ", port, args);
        if (inv.stdin_text.empty()) {
          line += " </dev/null";
        } else {
          line = StrCat("printf '%s' ", ShellQuote(inv.stdin_text), " | ", line);
        }
        return RunShell(line, 30);
      };
      ToolResult expected = run(redis().port());
      ToolResult actual = run(valkdb().port());
      SCOPED_TRACE(StrCat("redis-cli", args,
                          inv.stdin_text.empty() ? "" : StrCat(" <<< ", Visible(inv.stdin_text))));
      // Both failing to connect would compare equal: the oracle must answer.
      ASSERT_THAT(expected.output, ::testing::Not(HasSubstr("Could not connect")));
      EXPECT_EQ(actual.output, expected.output);
      EXPECT_EQ(actual.exit_code, expected.exit_code);
    }
  }
};

// Suite names carry "compat_" so that `ctest -R compat` selects them:
// tests/CMakeLists.txt registers the gtest names without a prefix.
using compat_RedisCli = RedisCliTest;

TEST_F(compat_RedisCli, RawOutput) {
  // The outputs compared below are real ones.
  ToolResult pong = RunShell(StrCat(RequireTool("redis-cli"), " -p ", port(), " PING </dev/null"));
  EXPECT_EQ(pong.output, "PONG\n");
  ExpectSameOutput({
      {{"PING"}},
      {{"PING", "hello world"}},
      {{"ECHO", "line1\nline2"}},
      {{"SET", "k", "v"}},
      {{"GET", "k"}},
      {{"GET", "missing"}},
      {{"SET", "k", "v2", "GET"}},
      {{"SET", "k", "v", "NX"}},
      {{"EXISTS", "k", "missing", "k"}},
      {{"SET", "t", "v", "EX", "100"}},
      {{"TTL", "t"}},
      {{"PERSIST", "t"}},
      {{"TTL", "t"}},
      {{"PTTL", "missing"}},
      {{"DBSIZE"}},
      {{"DEL", "k", "t", "missing"}},
      {{"CONFIG", "GET", "maxclients"}},
      {{"CONFIG", "GET", "no-such-parameter"}},
      {{"CLIENT", "GETNAME"}},
      {{"FOO", "a", "b"}},
      {{"GET"}},
      {{"SET", "k", "v", "EX", "0"}},
      {{"SET", "k", "v", "EX", "abc"}},
      {{"SET", "k", "v", "NX", "XX"}},
      {{"SELECT", "99"}},
      {{"EXPIRE", "k", "10", "NX", "XX"}},
      {{"HELLO", "4"}},
      {{"FLUSHALL"}},
  });
}

TEST_F(compat_RedisCli, FormattedOutput) {
  ExpectSameOutput({
      {{"--no-raw", "PING"}},
      {{"--no-raw", "SET", "k", "v"}},
      {{"--no-raw", "GET", "k"}},
      {{"--no-raw", "GET", "missing"}},
      {{"--no-raw", "EXISTS", "k"}},
      {{"--no-raw", "TTL", "k"}},
      {{"--no-raw", "CONFIG", "GET", "maxclients"}},
      {{"--no-raw", "CONFIG", "GET", "no-such-parameter"}},
      {{"--no-raw", "SET", "bin", std::string("a\x01\xff\"b", 5)}},
      {{"--no-raw", "GET", "bin"}},
      {{"--no-raw", "FOO"}},
      {{"--no-raw", "SELECT", "abc"}},
      {{"--no-raw", "SET", "k", "v", "FOO"}},
  });
}

TEST_F(compat_RedisCli, Resp3) {
  ExpectSameOutput({
      {{"-3", "GET", "missing"}},
      {{"-3", "--no-raw", "GET", "missing"}},
      {{"-3", "SET", "k", "v"}},
      {{"-3", "GET", "k"}},
      {{"-3", "--no-raw", "CONFIG", "GET", "maxclients"}},
      {{"-3", "--no-raw", "EXISTS", "k"}},
      {{"-3", "FOO"}},
  });
}

TEST_F(compat_RedisCli, DatabasesAndRepeats) {
  ExpectSameOutput({
      {{"-n", "3", "SET", "k", "in-db-3"}},
      {{"-n", "3", "GET", "k"}},
      {{"GET", "k"}},
      {{"-n", "3", "DBSIZE"}},
      {{"-n", "99", "PING"}},
      {{"-r", "3", "PING"}},
      {{"-r", "2", "ECHO", "again"}},
  });
}

TEST_F(compat_RedisCli, CommandsFromStdin) {
  ExpectSameOutput({
      {{}, "SET a 1\nGET a\nGET missing\nFOO\nEXISTS a\n"},
      {{"--no-raw"}, "SET b \"two words\"\nGET b\nTTL b\n"},
      {{"-x", "SET", "fromstdin"}, "payload\n"},
      {{"GET", "fromstdin"}},
  });
}

class RedisBenchmarkTest : public ServerTest {
 protected:
  void RunBenchmark(const std::vector<std::string>& extra) {
    const std::string benchmark = RequireTool("redis-benchmark");
    ASSERT_FALSE(benchmark.empty());
    std::string line = StrCat(benchmark, " -h 127.0.0.1 -p ", port(),
                              " -t ping_inline,ping_mbulk,set,get -n 20000 -c 50 -q");
    for (const std::string& arg : extra) StrAppend(&line, " ", arg);
    ToolResult result = RunShell(line + " </dev/null", 600);  // a liveness bound
    SCOPED_TRACE(line);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    // -q prints progress lines ended by \r and one summary line per test.
    std::vector<std::string> summaries;
    for (std::string_view piece : Split(result.output, '\n')) {
      for (std::string_view part : Split(piece, '\r')) {
        std::string lower = AsciiLower(part);
        EXPECT_THAT(lower, ::testing::Not(HasSubstr("err"))) << "error line: " << part;
        EXPECT_THAT(lower, ::testing::Not(HasSubstr("refused"))) << part;
        if (part.find("requests per second") != std::string_view::npos) {
          summaries.emplace_back(StripWhitespace(part));
        }
      }
    }
    ASSERT_EQ(summaries.size(), 4u) << result.output;
    EXPECT_THAT(summaries[0], ::testing::StartsWith("PING_INLINE: "));
    EXPECT_THAT(summaries[1], ::testing::StartsWith("PING_MBULK: "));
    EXPECT_THAT(summaries[2], ::testing::StartsWith("SET: "));
    EXPECT_THAT(summaries[3], ::testing::StartsWith("GET: "));
    // The benchmark's key holds its 3-byte payload (redis-benchmark 7 fills it
    // with seeded random capitals).
    auto c = Connect();
    ASSERT_NE(c, nullptr);
    RespValue value = c->Command({"GET", "key:__rand_int__"});
    EXPECT_EQ(value.type, RespValue::Type::kBulkString);
    EXPECT_THAT(value.str, ::testing::MatchesRegex("[A-Z]{3}"));
    EXPECT_EQ(c->Command({"DBSIZE"}), Int(1));
    EXPECT_EQ(c->Command({"PING"}), Simple("PONG"));
  }
};

using compat_RedisBenchmark = RedisBenchmarkTest;

TEST_F(compat_RedisBenchmark, NoPipelining) { RunBenchmark({}); }

TEST_F(compat_RedisBenchmark, Pipeline16) { RunBenchmark({"-P", "16"}); }

}  // namespace
}  // namespace valkdb::test
