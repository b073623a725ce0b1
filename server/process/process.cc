#include "server/process/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/log/logger.h"

namespace valkdb {
namespace {

int ready_fd = -1;  // the daemonized child's end of the pipe to its waiting parent

}  // namespace

Supervisor DetectSupervisor(std::string_view mode) {
  if (mode == "auto") {
    if (std::getenv("UPSTART_JOB") != nullptr) return Supervisor::kUpstart;
    if (std::getenv("NOTIFY_SOCKET") != nullptr) return Supervisor::kSystemd;
    return Supervisor::kNone;
  }
  if (mode == "upstart") {
    if (std::getenv("UPSTART_JOB") == nullptr) {
      Log(LogLevel::kWarning, "upstart supervision requested, but UPSTART_JOB not found!");
      return Supervisor::kNone;
    }
    return Supervisor::kUpstart;
  }
  if (mode == "systemd") {
    if (std::getenv("NOTIFY_SOCKET") == nullptr) {
      Log(LogLevel::kWarning,
          "systemd supervision requested or auto-detected, but no "
          "socket specified");
      return Supervisor::kNone;
    }
    return Supervisor::kSystemd;
  }
  return Supervisor::kNone;
}

std::string_view SupervisorName(Supervisor supervisor) {
  switch (supervisor) {
    case Supervisor::kSystemd:
      return "systemd";
    case Supervisor::kUpstart:
      return "upstart";
    case Supervisor::kNone:
      break;
  }
  return "no";
}

void Daemonize() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "valkdb: can't daemonize: pipe: %s\n", std::strerror(errno));
    std::exit(1);
  }
  const pid_t pid = fork();
  if (pid < 0) {
    std::fprintf(stderr, "valkdb: can't daemonize: fork: %s\n", std::strerror(errno));
    std::exit(1);
  }
  if (pid > 0) {
    // The parent: 0 once the child serves, 1 if it ended (closed the pipe) first.
    close(fds[1]);
    char byte = 0;
    ssize_t n;
    do {
      n = read(fds[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    _exit(n == 1 ? 0 : 1);
  }
  close(fds[0]);
  ready_fd = fds[1];
  setsid();
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    if (null_fd > STDERR_FILENO) close(null_fd);
  }
}

void DaemonReady() {
  if (ready_fd < 0) return;
  const char byte = 1;
  ssize_t n;
  do {
    n = write(ready_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  close(ready_fd);
  ready_fd = -1;
}

void WritePidFile(const std::string& path) {
  if (path.empty()) return;
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    Log(LogLevel::kWarning, "Failed to write PID file: %s", std::strerror(errno));
    return;
  }
  std::fprintf(file, "%d\n", static_cast<int>(getpid()));
  std::fclose(file);
}

void RemovePidFile(const std::string& path) {
  if (!path.empty()) unlink(path.c_str());
}

bool NotifySystemd(std::string_view message) {
  // The sd_notify protocol: one datagram to the AF_UNIX socket named in
  // $NOTIFY_SOCKET ('@' first: an abstract socket), as Redis 7 sends it.
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || socket_path[0] == '\0') return false;
  const size_t len = std::strlen(socket_path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if ((socket_path[0] != '/' && socket_path[0] != '@') || len >= sizeof(addr.sun_path)) {
    Log(LogLevel::kWarning, "systemd supervision error: NOTIFY_SOCKET not valid!");
    return false;
  }
  std::memcpy(addr.sun_path, socket_path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Log(LogLevel::kWarning, "Can't connect to systemd socket %s", socket_path);
    return false;
  }
  const socklen_t addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                  reinterpret_cast<sockaddr*>(&addr), addr_len);
  } while (sent < 0 && errno == EINTR);
  close(fd);
  if (sent < 0) {
    Log(LogLevel::kWarning, "Can't send notification to systemd: %s", std::strerror(errno));
    return false;
  }
  return true;
}

void NotifyReady(Supervisor supervisor) {
  switch (supervisor) {
    case Supervisor::kSystemd:
      if (NotifySystemd("STATUS=Ready to accept connections\nREADY=1\n")) {
        Log(LogLevel::kNotice,
            "Supervised by systemd. Please make sure you set appropriate "
            "values for TimeoutStartSec and TimeoutStopSec in your service "
            "unit.");
      }
      break;
    case Supervisor::kUpstart:
      // Upstart's "expect stop": the job is ready once the process stops itself.
      Log(LogLevel::kNotice, "Supervised by upstart, will stop to signal readiness.");
      raise(SIGSTOP);
      unsetenv("UPSTART_JOB");
      break;
    case Supervisor::kNone:
      break;
  }
}

void DisableTransparentHugePages() {
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
    Log(LogLevel::kWarning, "Failed to disable transparent huge pages for this process: %s",
        std::strerror(errno));
  }
}

}  // namespace valkdb
