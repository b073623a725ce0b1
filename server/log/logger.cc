#include "server/log/logger.h"

#include <fcntl.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace valkdb {
namespace {

struct LoggerState {
  absl::Mutex mu;
  std::string file ABSL_GUARDED_BY(mu);
  bool syslog ABSL_GUARDED_BY(mu) = false;
  bool hold_stdout ABSL_GUARDED_BY(mu) = false;
  std::string held ABSL_GUARDED_BY(mu);
  std::string syslog_ident ABSL_GUARDED_BY(mu);  // openlog keeps the pointer
};

LoggerState& State() {
  static auto* state = new LoggerState();
  return *state;
}

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::atomic<char> g_role{'M'};

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "verbose") return LogLevel::kVerbose;
  if (name == "notice") return LogLevel::kNotice;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "nothing") return LogLevel::kNothing;
  return std::nullopt;
}

int SyslogFacility(std::string_view name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"user", LOG_USER},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
      {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
      {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
  for (const auto& [n, code] : kFacilities) {
    if (n == name) return code;
  }
  return -1;
}

void ConfigureLogger(const LoggerOptions& options) {
  LoggerState& state = State();
  absl::MutexLock lock(&state.mu);
  g_level.store(static_cast<int>(options.level), std::memory_order_relaxed);
  state.file = options.file;
  if (options.syslog && !state.syslog) {
    state.syslog_ident = options.syslog_ident;
    const int facility = SyslogFacility(options.syslog_facility);
    openlog(state.syslog_ident.c_str(), LOG_PID | LOG_NDELAY | LOG_NOWAIT,
            facility < 0 ? LOG_LOCAL0 : facility);
  }
  state.syslog = options.syslog;
}

void SetLogLevel(LogLevel level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed) &&
         level != LogLevel::kNothing;
}

void SetLogRole(char role) { g_role.store(role, std::memory_order_relaxed); }

void HoldStdoutLog() {
  LoggerState& state = State();
  absl::MutexLock lock(&state.mu);
  state.hold_stdout = true;
}

void ReleaseStdoutLog(std::string_view first) {
  LoggerState& state = State();
  absl::MutexLock lock(&state.mu);
  state.hold_stdout = false;
  state.held.insert(0, first);
  WriteAll(STDOUT_FILENO, state.held);
  state.held.clear();
  state.held.shrink_to_fit();
}

void LogLine(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  // Redis's serverLogRaw: "pid:role dd Mon yyyy hh:mm:ss.mmm c message".
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char time_buf[64];
  const size_t off = strftime(time_buf, sizeof(time_buf), "%d %b %Y %H:%M:%S.", &local);
  std::snprintf(time_buf + off, sizeof(time_buf) - off, "%03d",
                static_cast<int>(tv.tv_usec / 1000));
  std::string line = absl::StrFormat("%d:%c %s %c ", static_cast<int>(getpid()),
                                     g_role.load(std::memory_order_relaxed), time_buf,
                                     kMarks[static_cast<int>(level)]);
  line.append(message);
  line.push_back('\n');

  LoggerState& state = State();
  absl::MutexLock lock(&state.mu);
  if (state.file.empty()) {
    if (state.hold_stdout) {
      state.held += line;
    } else {
      WriteAll(STDOUT_FILENO, line);
    }
  } else {
    // Opened for each line, as Redis does: a rotated file is simply recreated.
    const int fd = ::open(state.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      WriteAll(fd, line);
      ::close(fd);
    }
  }
  if (state.syslog) {
    static constexpr int kSyslogLevels[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    const std::string text(message);
    syslog(kSyslogLevels[static_cast<int>(level)], "%s", text.c_str());
  }
}

}  // namespace valkdb
