// valkdb-cli's output compared with redis-cli's for the same commands, against
// valkdb-server and redis-server; --pipe, commands on stdin, subscribe, and the
// interactive mode on a pseudo terminal.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/client/test_support.h"

namespace valkdb::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

class CliTest : public ServerTest {
 protected:
  std::vector<std::string> Cli(const char* binary, const std::vector<std::string>& flags,
                               const std::vector<std::string>& command) {
    std::vector<std::string> argv = {binary, "-p", std::to_string(server_->port())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  // The same data before each run, so both CLIs see the same state.
  void Seed(bool with_collections) {
    Client c(Options());
    ASSERT_TRUE(c.FlushAll().ok());
    ASSERT_TRUE(c.Set("str", "hello world").ok());
    ASSERT_TRUE(c.Set("quoted", std::string("a\"b\\c\n\x01", 8)).ok());
    ASSERT_TRUE(c.Set("n", "10").ok());
    if (with_collections) {
      ASSERT_TRUE(c.RPush("list", {"a", "b", "c d"}).ok());
      ASSERT_TRUE(c.HSet("hash", {{"f1", "v1"}, {"f2", "v2"}}).ok());
      ASSERT_TRUE(c.SAdd("set", {"m"}).ok());
      ASSERT_TRUE(c.ZAdd("zset", 1.5, "a").ok());
      ASSERT_TRUE(c.ZAdd("zset", 2, "b").ok());
    }
  }

  bool HasCollections() {
    Client c(Options());
    return c.RPush("probe", {"x"}).ok() && c.HSet("probe2", "f", "v").ok() &&
           c.SAdd("probe3", {"x"}).ok() && c.ZAdd("probe4", 1, "x").ok();
  }

  void CompareWithRedisCli(const std::vector<std::vector<std::string>>& commands,
                           bool collections) {
    const std::vector<std::vector<std::string>> modes = {
        {"--no-raw"}, {"--raw"}, {}, {"-3", "--no-raw"}, {"-3", "--raw"}};
    for (const auto& mode : modes) {
      for (const auto& command : commands) {
        Seed(collections);
        ProcessResult theirs = RunProcess(Cli(REDIS_CLI_PATH, mode, command));
        Seed(collections);
        ProcessResult ours = RunProcess(Cli(VALKDB_CLI_PATH, mode, command));
        const std::string what = StrCat("valkdb-cli ", Join(mode, " "), " ", Join(command, " "));
        EXPECT_EQ(ours.out, theirs.out) << what;
        EXPECT_EQ(ours.exit_code, theirs.exit_code) << what;
      }
    }
  }

  static std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
    return valkdb::Join(parts, sep);
  }
};

TEST_P(CliTest, OutputMatchesRedisCliForTheSameCommands) {
  CompareWithRedisCli({{"GET", "str"},
                       {"GET", "quoted"},
                       {"GET", "missing"},
                       {"SET", "k", "v"},
                       {"SET", "str", "x", "NX"},
                       {"DEL", "str", "n", "missing"},
                       {"EXISTS", "str"},
                       {"TTL", "str"},
                       {"PING"},
                       {"ECHO", "two words"},
                       {"DBSIZE"},
                       {"CONFIG", "GET", "maxclients"},
                       {"GET"},
                       {"NOSUCHCMD", "a"},
                       {"SELECT", "99"}},
                      false);
}

TEST_P(CliTest, AggregatesAndResp3TypesMatchRedisCli) {
  ASSERT_TRUE(HasCollections());
  CompareWithRedisCli({{"LRANGE", "list", "0", "-1"},
                       {"LRANGE", "missing", "0", "-1"},
                       {"HGETALL", "hash"},
                       {"HGETALL", "missing"},
                       {"SMEMBERS", "set"},
                       {"ZRANGE", "zset", "0", "-1", "WITHSCORES"},
                       {"ZSCORE", "zset", "a"},
                       {"INCR", "str"},
                       {"INCR", "n"}},
                      true);
}

TEST_P(CliTest, PipeModeMatchesRedisCli) {
  const std::string input =
      "SET a 1\r\nINCR a\r\nINCR b x\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n2\r\nGET c\r\n";
  Seed(false);
  ProcessResult theirs = RunProcess(Cli(REDIS_CLI_PATH, {"--pipe"}, {}), input);
  Seed(false);
  ProcessResult ours = RunProcess(Cli(VALKDB_CLI_PATH, {"--pipe"}, {}), input);
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_EQ(ours.err, theirs.err);
  EXPECT_EQ(ours.exit_code, theirs.exit_code);
  EXPECT_THAT(ours.out, HasSubstr("replies: 5"));
}

TEST_P(CliTest, BulkLoadThroughPipe) {
  std::string input;
  for (int i = 0; i < 20000; ++i) {
    StrAppend(&input, "*3\r\n$3\r\nSET\r\n$", StrCat("key", i).size(), "\r\nkey", i,
              "\r\n$5\r\nvalue\r\n");
  }
  Seed(false);
  ProcessResult ours = RunProcess(Cli(VALKDB_CLI_PATH, {"--pipe"}, {}), input);
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_THAT(ours.out, HasSubstr("errors: 0, replies: 20000"));
  Client c(Options());
  EXPECT_EQ(c.DbSize().value(), 20003);
}

TEST_P(CliTest, CommandsFromStdinMatchRedisCli) {
  const std::string input = "set x 1\nget x\nget \"x\"\necho 'two words'\n\"unbalanced\nping\n";
  for (const std::vector<std::string>& mode :
       std::vector<std::vector<std::string>>{{}, {"--no-raw"}}) {
    Seed(false);
    ProcessResult theirs = RunProcess(Cli(REDIS_CLI_PATH, mode, {}), input);
    Seed(false);
    ProcessResult ours = RunProcess(Cli(VALKDB_CLI_PATH, mode, {}), input);
    EXPECT_EQ(ours.out, theirs.out);
    EXPECT_EQ(ours.exit_code, theirs.exit_code);
  }
}

TEST_P(CliTest, StdinAsTheLastArgument) {
  Seed(false);
  ProcessResult ours = RunProcess(Cli(VALKDB_CLI_PATH, {"-x"}, {"SET", "fromstdin"}), "a\nb");
  EXPECT_EQ(ours.exit_code, 0);
  Client c(Options());
  EXPECT_EQ(c.Get("fromstdin").value(), "a\nb");
}

TEST_P(CliTest, SubscribeStreamsMessagesLikeRedisCli) {
  for (const std::vector<std::string>& mode :
       std::vector<std::vector<std::string>>{{}, {"--no-raw"}, {"-3", "--no-raw"}}) {
    std::string outputs[2];
    const char* binaries[2] = {REDIS_CLI_PATH, VALKDB_CLI_PATH};
    for (int which = 0; which < 2; ++which) {
      std::thread publisher([&] {
        Client c(Options());
        // Publish once the subscriber is there (bounded).
        const auto end = Clock::now() + std::chrono::seconds(25);
        while (Clock::now() < end && c.Publish("ch1", "first").value_or(0) == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        c.Publish("ch2", "second message").IgnoreError();
      });
      // The CLI streams until it is stopped: here, once the last message is
      // out (the time limit only proves it did not hang).
      ProcessResult r = RunProcess(Cli(binaries[which], mode, {"SUBSCRIBE", "ch1", "ch2"}), "",
                                   absl::Seconds(30), {}, "second message");
      publisher.join();
      outputs[which] = r.out;
    }
    EXPECT_EQ(outputs[1], outputs[0]) << Join(mode, " ");
    EXPECT_THAT(outputs[1], HasSubstr("second message"));
  }
}

INSTANTIATE_TEST_SUITE_P(Servers, CliTest,
                         ::testing::Values(ServerKind::kValkdb, ServerKind::kRedis), ParamName);

// Reads from a pty master until `want` appears or the time runs out.
std::string ReadUntil(int fd, std::string_view want, std::string* all) {
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (all->find(want) == std::string::npos && Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    all->append(buf, static_cast<size_t>(n));
  }
  return *all;
}

TEST(CliInteractiveTest, LineEditingPromptHistoryAndFormattedReplies) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(ServerKind::kValkdb);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  char history[] = "/tmp/valkdb-cli-history-XXXXXX";
  const int hfd = ::mkstemp(history);
  ASSERT_GE(hfd, 0);
  ::close(hfd);
  int master = -1;
  const int pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("VALKDBCLI_HISTFILE", history, 1);
    ::setenv("TERM", "dumb", 1);
    const std::string port_text = std::to_string(port);
    ::execl(VALKDB_CLI_PATH, VALKDB_CLI_PATH, "-p", port_text.c_str(), nullptr);
    std::_Exit(127);
  }
  std::string all;
  const std::string prompt = StrCat("127.0.0.1:", port, "> ");
  ReadUntil(master, prompt, &all);
  EXPECT_THAT(all, HasSubstr(prompt));
  auto type = [&](std::string_view line) {
    ASSERT_EQ(::write(master, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  };
  type("set greeting \"hello there\"\r");
  ReadUntil(master, "OK", &all);
  type("get greeting\r");
  ReadUntil(master, "\"hello there\"", &all);
  EXPECT_THAT(all, HasSubstr("\"hello there\""));  // formatted, as on a terminal
  type("select 2\r");
  ReadUntil(master, StrCat("127.0.0.1:", port, "[2]> "), &all);
  EXPECT_THAT(all, HasSubstr(StrCat("127.0.0.1:", port, "[2]> ")));
  type("dbsize\r");
  ReadUntil(master, "(integer) 0", &all);
  EXPECT_THAT(all, HasSubstr("(integer) 0"));
  type("quit\r");
  int status = 0;
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (::waitpid(pid, &status, WNOHANG) == 0 && Clock::now() < end) {
    std::string rest;
    ReadUntil(master, "\x01never", &rest);
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "valkdb-cli did not exit on quit; output:\n" << all;
  }
  ::close(master);
  std::string saved;
  if (FILE* f = std::fopen(history, "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) saved.append(buf, n);
    std::fclose(f);
  }
  std::remove(history);
  // libedit's history file escapes spaces as \040.
  EXPECT_THAT(saved, HasSubstr("greeting")) << "session:\n" << all;
  EXPECT_THAT(saved, HasSubstr("dbsize")) << "session:\n" << all;
}

}  // namespace
}  // namespace valkdb::testing

namespace valkdb::testing {
namespace {

TEST(CliConnectTest, NothingListeningFailsLikeRedisCli) {
  const std::string port = std::to_string(UnusedPort());
  ProcessResult ours = RunProcess({VALKDB_CLI_PATH, "-p", port, "PING"});
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_EQ(ours.err,
            StrCat("Could not connect to valkdb at 127.0.0.1:", port, ": Connection refused\n"));
  EXPECT_EQ(ours.out, "");
}

}  // namespace
}  // namespace valkdb::testing
