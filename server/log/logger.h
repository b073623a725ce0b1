#pragma once

// The server's one logger, after Redis's serverLog: lines of the form
//   pid:role dd Mon yyyy hh:mm:ss.mmm <level char> message
// (level chars ". - * #" for debug, verbose, notice, warning) to stdout or to
// a file reopened for each line (so logrotate needs no signal), and to syslog
// when enabled. Thread-safe; a line below the level costs one atomic load.

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace valkdb {

enum class LogLevel : int { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// "debug", "verbose", "notice", "warning", "nothing" (Redis's loglevel names).
std::optional<LogLevel> ParseLogLevel(std::string_view name);

struct LoggerOptions {
  LogLevel level = LogLevel::kNotice;
  std::string file;  // "" is stdout
  bool syslog = false;
  std::string syslog_ident = "redis";
  std::string syslog_facility = "local0";  // user, local0 .. local7
};

// Opens syslog when asked; lines logged before this go to stdout at notice level.
void ConfigureLogger(const LoggerOptions& options);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// The role letter after the pid: 'M' (master, the default), 'S' (replica), 'C' (child).
void SetLogRole(char role);
// While held, lines meant for stdout are kept in memory; releasing writes them.
// With `--port 0` the port must be the first line of stdout.
void HoldStdoutLog();
// Writes `first` (the port line) and the held lines in one write, so a reader
// that has the port line finds the lines logged before it already there.
void ReleaseStdoutLog(std::string_view first = "");

// One message, one line (a message with newlines is written as is, as Redis does).
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (!LogEnabled(level)) return;
  LogLine(level, absl::StrFormat(format, args...));
}

// The syslog facility code for a Redis facility name, or -1.
int SyslogFacility(std::string_view name);

}  // namespace valkdb
