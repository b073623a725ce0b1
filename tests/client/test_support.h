#pragma once

#include <atomic>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/options.h"
#include "gtest/gtest.h"

namespace valkdb::testing {

enum class ServerKind { kValkdb, kRedis };
std::string KindName(ServerKind kind);
// So test names and failure messages say "valkdb"/"redis".
void PrintTo(ServerKind kind, std::ostream* os);
// For INSTANTIATE_TEST_SUITE_P names.
std::string ParamName(const ::testing::TestParamInfo<ServerKind>& info);

bool RedisAvailable();

// A real server process: valkdb-server (started with --port 0, its port read
// from the first line it prints) or redis-server (on a free port, --save '').
// Stopped (SIGTERM, then SIGKILL) when destroyed. Every wait is bounded.
class ServerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      ServerKind kind, std::vector<std::string> extra_args = {});
  ~ServerProcess();

  ServerKind kind() const { return kind_; }
  int port() const { return port_; }
  ClientOptions Options() const;
  // Stops the process, then starts it again on the same port.
  absl::Status Restart();
  absl::Status Stop();
  std::string Log() const;

 private:
  ServerProcess(ServerKind kind, std::vector<std::string> extra_args, std::string log_path);
  absl::Status Launch(int port);
  absl::Status WaitReady(absl::Duration timeout);

  ServerKind kind_;
  std::vector<std::string> extra_args_;
  std::string log_path_;
  std::string dir_;
  int pid_ = -1;
  int port_ = 0;
};

// A socket that accepts connections and never answers: every read times out.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  int port() const { return port_; }
  ClientOptions Options() const;
  int accepted() const { return accepted_.load(); }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> clients_;
  std::thread thread_;
};

// A listening socket whose accept queue is full and never drained, so a new
// TCP connect gets no answer at all: a connect timeout.
class UnreachableServer {
 public:
  UnreachableServer();
  ~UnreachableServer();
  ClientOptions Options() const;

 private:
  int listen_fd_ = -1;
  int filler_fd_ = -1;
  int port_ = 0;
};

// A port nothing listens on.
int UnusedPort();

struct ProcessResult {
  int exit_code = -1;  // -1 when killed for running past its time
  std::string out;
  std::string err;
};
// Runs argv with `input` on stdin; kills it after `timeout`, or as soon as
// its output holds `stop_at` followed by a newline (for commands that stream
// until stopped).
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input = "",
                         absl::Duration timeout = absl::Seconds(20),
                         const std::vector<std::string>& env = {},
                         const std::string& stop_at = "");

// A started server per test, parameterized over valkdb and redis; the log of a
// server whose test failed is printed.
class ServerTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Starts the server with extra arguments instead of the default (call from the test).
  void RestartWith(std::vector<std::string> extra_args);
  bool IsValkdb() const { return GetParam() == ServerKind::kValkdb; }
  ClientOptions Options() const { return server_->Options(); }

  std::unique_ptr<ServerProcess> server_;
};

// True when `status` says the server does not know the command.
bool IsUnknownCommand(const absl::Status& status);

// Every command these tests use exists in valkdb and in redis: an
// unknown-command error is a failure, never a reason to skip.
#define VALKDB_REQUIRE_SUPPORTED(status) \
  ASSERT_FALSE(::valkdb::testing::IsUnknownCommand(status)) << (status)

}  // namespace valkdb::testing
