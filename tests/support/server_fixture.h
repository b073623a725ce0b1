#pragma once

// gtest fixtures that run the real valkdb-server (and, for compatibility
// tests, a real redis-server) for a test suite.
//
// The servers start lazily in SetUp() of the suite's first test (so a failure
// to start fails that test with the reason, instead of crashing later), are
// shared by the suite's tests, and stop in TearDownTestSuite(). Every test
// starts with FLUSHALL. When a test fails, the servers' logs are printed.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {

class ServerTest : public ::testing::Test {
 protected:
  // Extra arguments after `--port 0` for valkdb-server; the same for every
  // test in a suite (the first test's are used).
  virtual std::vector<std::string> ValkdbArgs() const { return {}; }
  // Also run a real redis-server. It missing is a test failure, never a skip.
  virtual bool WithRedis() const { return false; }

  void SetUp() override;
  void TearDown() override;
  static void TearDownTestSuite();

  static ServerProcess& valkdb() { return *valkdb_; }
  static ServerProcess& redis() { return *redis_; }
  static int port() { return valkdb_->port(); }

  // A new connection to valkdb (or to `port`); fails the test and returns
  // nullptr if it cannot connect. With VALKDB_TEST_UNIX_SOCKET=1 in the
  // environment, valkdb also listens on a unix socket and Connect() uses it:
  // the same tests then check that unix socket clients are served as TCP ones.
  static std::unique_ptr<RespClient> Connect();
  static bool OverUnixSocket();
  static const std::string& unix_socket() { return unix_socket_; }
  static std::unique_ptr<RespClient> ConnectTo(int port);

  // Stops the shared valkdb (a test that shuts it down itself calls this so the
  // next test gets a fresh one).
  static void ForgetValkdb() { valkdb_.reset(); }

 private:
  static std::unique_ptr<ServerProcess> valkdb_;
  static std::unique_ptr<ServerProcess> redis_;
  static std::string unix_socket_;
};

}  // namespace valkdb::test
