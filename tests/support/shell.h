#pragma once

// Runs command-line tools (redis-cli, redis-benchmark, scripts/...) from tests.

#include <string>
#include <string_view>

namespace valkdb::test {

struct ToolResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `arg` quoted for sh: 'a b' stays one word, quotes inside survive.
std::string ShellQuote(std::string_view arg);

// Runs a shell command line, bounded by `timeout_seconds` (then killed: a
// liveness bound, not a timing assertion), collecting its stdout and stderr.
ToolResult RunShell(const std::string& command_line, int timeout_seconds = 60);

}  // namespace valkdb::test
