// MONITOR against a real redis-server: the same commands (plain, in a
// transaction, refused ones, passwords, administrative ones, a blocking pop,
// binary arguments) must show the same lines in the same order, with only
// the time and the client's port differing; RESET and QUIT end monitoring.

#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

class MonitorDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

using Command = std::vector<std::string>;

std::vector<Command> Commands() {
  return {
      {"SET", "foo", "bar"},
      {"get", "foo"},
      {"SET", "bin", std::string("a\0b\"\\\n\r\t\x01\xff", 11)},
      {"SELECT", "2"},
      {"INCR", "n"},
      {"MULTI"},
      {"SET", "t", "1"},
      {"LPUSH", "l", "x"},
      {"EXEC"},
      {"MULTI"},
      {"NOSUCHCOMMAND"},
      {"EXEC"},
      {"GET"},
      {"AUTH", "not-real"},
      {"AUTH", "user", "not-a-password"},
      {"HELLO", "2", "AUTH", "user", "pass"},
      {"CONFIG", "GET", "port"},
      {"CLIENT", "LIST"},
      {"BLPOP", "nolist", "0.01"},
      {"PUBLISH", "ch", "msg"},
      {"SELECT", "0"},
      {"ECHO", "end"},
  };
}

// The lines a MONITOR client saw while `Commands()` ran, with the time and
// the port of the client that sent them masked.
std::string MonitorLines(int port) {
  auto monitor = RespClient::Connect(port);
  auto client = RespClient::Connect(port);
  if (!monitor.ok() || !client.ok()) return "<connect failed>";
  if ((*monitor)->Run({"MONITOR"}) != Ok()) return "<MONITOR refused>";
  for (const Command& command : Commands()) (*client)->Run(command);
  std::string out;
  const std::regex stamp(R"(\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\])");
  for (;;) {
    absl::StatusOr<RespValue> line = (*monitor)->ReadReply();
    if (!line.ok()) return out + "<no end marker>";
    const std::string text = line->str;
    out += std::regex_replace(text, stamp, "T [$1 client]") + "\n";
    if (text.find("\"end\"") != std::string::npos) break;
  }
  // RESET ends it: the next command of the other client shows nothing.
  if ((*monitor)->Run({"RESET"}) != Simple("RESET")) return out + "<RESET failed>";
  (*client)->Run({"SET", "after", "reset"});
  if ((*monitor)->Run({"PING"}) != Simple("PONG")) out += "<a line after RESET>";
  return out;
}

TEST_F(MonitorDiffTest, SameLinesAsRedis) {
  const std::string valkdb_lines = MonitorLines(port());
  const std::string redis_lines = MonitorLines(redis().port());
  EXPECT_EQ(valkdb_lines, redis_lines);
  EXPECT_NE(redis_lines.find("\"AUTH\" \"(redacted)\" \"(redacted)\""), std::string::npos)
      << redis_lines;
  EXPECT_NE(redis_lines.find("\"EXEC\""), std::string::npos) << redis_lines;
}

}  // namespace
}  // namespace valkdb::test
