#include "tests/support/server_fixture.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "protocol/str_util.h"

namespace valkdb::test {

std::unique_ptr<ServerProcess> ServerTest::valkdb_;
std::unique_ptr<ServerProcess> ServerTest::redis_;
std::string ServerTest::unix_socket_;

bool ServerTest::OverUnixSocket() {
  const char* env = std::getenv("VALKDB_TEST_UNIX_SOCKET");
  return env != nullptr && *env != '\0' && std::string_view(env) != "0";
}

void ServerTest::SetUp() {
  if (valkdb_ != nullptr && !valkdb_->IsRunning()) {
    ADD_FAILURE() << "valkdb-server (pid " << valkdb_->pid()
                  << ") died before this test: " << valkdb_->Stop().ToString() << "\nlog:\n"
                  << valkdb_->log();
    valkdb_.reset();
  }
  if (valkdb_ == nullptr) {
    // As redis-server is started (StartRedis): no save points.
    std::vector<std::string> args = {"--save", ""};
    for (const std::string& arg : ValkdbArgs()) args.push_back(arg);
    if (OverUnixSocket()) {
      // Short (a socket path has at most 107 bytes) and private to this process.
      static int counter = 0;
      const char* dir = std::getenv("TMPDIR");
      unix_socket_ = StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/valkdb-test-",
                            getpid(), "-", ++counter, ".sock");
      args.push_back("--unixsocket");
      args.push_back(unix_socket_);
    }
    auto started = ServerProcess::StartValkdb(args);
    ASSERT_TRUE(started.ok()) << "could not start valkdb-server: " << started.status();
    valkdb_ = *std::move(started);
  }
  if (WithRedis()) {
    ASSERT_FALSE(FindRedisServer().empty())
        << "redis-server is required by the compatibility tests and was not found: install "
           "the Debian package redis-server (or set REDIS_SERVER=/path/to/redis-server)";
    if (redis_ != nullptr && !redis_->IsRunning()) redis_.reset();
    if (redis_ == nullptr) {
      auto started = ServerProcess::StartRedis();
      ASSERT_TRUE(started.ok()) << "could not start redis-server: " << started.status();
      redis_ = *std::move(started);
    }
  }
  for (ServerProcess* server : {valkdb_.get(), redis_.get()}) {
    if (server == nullptr) continue;
    auto client = server == valkdb_.get() ? Connect() : ConnectTo(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(client->Command({"FLUSHALL"}), Ok()) << "on " << server->binary();
  }
}

void ServerTest::TearDown() {
  if (!HasFailure()) return;
  for (ServerProcess* server : {valkdb_.get(), redis_.get()}) {
    if (server == nullptr) continue;
    std::cerr << "---- log of " << server->binary() << " (pid " << server->pid() << ", port "
              << server->port() << ") ----\n"
              << server->log() << "---- end of log ----\n";
  }
}

void ServerTest::TearDownTestSuite() {
  if (valkdb_ != nullptr) {
    ExitStatus status = valkdb_->Stop();
    if (!status.ok()) {
      ADD_FAILURE() << "valkdb-server did not shut down cleanly: " << status.ToString()
                    << "\nlog:\n"
                    << valkdb_->log();
    }
  }
  valkdb_.reset();
  redis_.reset();
}

std::unique_ptr<RespClient> ServerTest::Connect() {
  if (!OverUnixSocket()) return ConnectTo(valkdb_->port());
  auto client = RespClient::ConnectUnix(unix_socket_);
  if (!client.ok()) {
    ADD_FAILURE() << "connect to " << unix_socket_ << ": " << client.status();
    return nullptr;
  }
  return *std::move(client);
}

std::unique_ptr<RespClient> ServerTest::ConnectTo(int port) {
  auto client = RespClient::Connect(port);
  if (!client.ok()) {
    ADD_FAILURE() << "connect to port " << port << ": " << client.status();
    return nullptr;
  }
  return *std::move(client);
}

}  // namespace valkdb::test
