#include "tests/support/shell.h"

#include <sys/wait.h>

#include <cstdio>

#include "protocol/str_util.h"

namespace valkdb::test {

std::string ShellQuote(std::string_view arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

ToolResult RunShell(const std::string& command_line, int timeout_seconds) {
  std::string full = StrCat("timeout -k 5 ", timeout_seconds, " ", command_line, " 2>&1");
  ToolResult result;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace valkdb::test
