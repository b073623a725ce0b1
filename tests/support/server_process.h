#pragma once

// Starts server binaries as child processes for integration and compatibility
// tests: valkdb-server (with `--port 0`, reading the port it prints) and a real
// redis-server (the oracle) on a free port.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace valkdb::test {

// How a child process ended.
struct ExitStatus {
  bool exited = false;     // exited normally, with `code`
  int code = -1;           // exit code when exited
  int signal = 0;          // the signal that killed it, when !exited
  bool timed_out = false;  // did not stop within the wait and was killed

  bool ok() const { return exited && code == 0 && !timed_out; }
  std::string ToString() const;
};

// Path of the valkdb-server built alongside these tests.
std::string ValkdbServerPath();
// Path of a real redis-server: $REDIS_SERVER if set (only that), else
// /usr/bin/redis-server or one found on $PATH; "" when there is none.
std::string FindRedisServer();
// Same for redis-cli ($REDIS_CLI) and redis-benchmark ($REDIS_BENCHMARK).
std::string FindRedisTool(const std::string& name);
// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read, close).
int PickFreePort();

// A server running as a child process in its own process group, with its
// stderr (and, for redis-server, stdout) captured in a temporary file.
class ServerProcess {
 public:
  using Duration = std::chrono::milliseconds;

  // Runs `binary args...` and, when `read_port` is set, reads the port from the
  // first line of its stdout. `args` should make it print one (`--port 0`).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args, bool read_port,
      Duration startup_timeout = Duration(10000));

  // valkdb-server --port 0 <extra_args>.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartValkdb(
      const std::vector<std::string>& extra_args = {});
  // valkdb-server <args> as given (e.g. a config file that sets `port 0`).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartValkdbWithArgs(
      const std::vector<std::string>& args);
  // redis-server on a free port with persistence off, once it answers PING.
  // Retries with another port when the chosen one was taken meanwhile.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartRedis(
      const std::vector<std::string>& extra_args = {});

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  // Stops the process if it still runs and removes the log file.
  ~ServerProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The server's working directory, private to it and removed with it.
  const std::string& work_dir() const { return work_dir_; }
  const std::string& binary() const { return binary_; }

  // True while the child has not exited (reaps it if it has).
  bool IsRunning();
  // Sends `signal` to the child.
  void Signal(int signal);
  // SIGTERM, then waits up to `timeout`; SIGKILLs the process group if it is
  // still there. Returns how it ended. Idempotent: later calls return the same.
  ExitStatus Stop(Duration timeout = Duration(10000));
  // Waits up to `timeout` for the child to exit by itself.
  absl::StatusOr<ExitStatus> Wait(Duration timeout);

  // What the server wrote to stderr (and stdout after the port line) so far.
  std::string log() const;

 private:
  ServerProcess() = default;
  // Reads what stdout has now (the server logs there): by log(), and by a
  // thread that keeps the pipe from filling up and blocking the server.
  void DrainStdout() const;
  // Reads what is there without blocking; false at end of file.
  bool ReadStdoutLocked() const;
  void StartStdoutDrain();

  std::string binary_;
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  std::string log_path_;
  std::string work_dir_;  // the server's working directory (its default dir)
  mutable std::mutex stdout_mu_;
  mutable std::string stdout_rest_;  // stdout after the port line
  std::thread drain_thread_;
  std::atomic<bool> stop_drain_{false};
  bool reaped_ = false;
  ExitStatus exit_status_;
};

// Answers PING with +PONG within `timeout`.
bool AnswersPing(int port, std::chrono::milliseconds timeout);

}  // namespace valkdb::test
