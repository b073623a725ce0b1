// The server process: start-up (--port 0, config files), expiry over time,
// several event loops, and shutdown on signals.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/persistence_helpers.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// A file that is removed when the test ends.
class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    const char* dir = std::getenv("TMPDIR");
    path_ = StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/valkdb-test-XXXXXX.conf");
    int fd = mkstemps(path_.data(), 5);
    if (fd >= 0) {
      [[maybe_unused]] ssize_t n = write(fd, contents.data(), contents.size());
      close(fd);
    }
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void DumpLogOnFailure(ServerProcess& server) {
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- valkdb-server log ----\n%s---- end of log ----\n",
                 server.log().c_str());
  }
}

// Suite names carry "integration_" so that `ctest -R integration` selects them:
// tests/CMakeLists.txt registers the gtest names without a prefix.

TEST(integration_Lifecycle, PortZeroPrintsTheChosenPort) {
  auto server = ServerProcess::StartValkdb();
  ASSERT_OK(server);
  ServerProcess& s = **server;
  EXPECT_GT(s.port(), 0);
  auto c = MustConnect(s.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Command({"PING"}), Simple("PONG"));
  EXPECT_THAT(c->Command({"INFO", "server"}).str,
              HasSubstr(StrCat("\r\ntcp_port:", s.port(), "\r\n")));
  // Two servers with --port 0 get different ports.
  auto second = ServerProcess::StartValkdb();
  ASSERT_OK(second);
  EXPECT_NE((*second)->port(), s.port());
  EXPECT_TRUE(AnswersPing((*second)->port(), milliseconds(5000)));
  EXPECT_TRUE((*second)->Stop().ok());
  EXPECT_TRUE(s.Stop().ok());
  DumpLogOnFailure(s);
}

// CONFIG SET port / bind listen anew at once, on every event loop (Redis's
// unit/networking, which external mode skips): the old socket closes, a port
// in use or an address that cannot be bound is refused with Redis's text and
// changes nothing, and an empty bind list stops TCP listening.
TEST(integration_Lifecycle, ConfigSetPortAndBindListenAnew) {
  auto server = ServerProcess::StartValkdb({"--threads", "2"});
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto c = MustConnect(s.port());
  ASSERT_NE(c, nullptr);
  const int first = s.port();
  const int second = PickFreePort();
  ASSERT_EQ(c->Command({"CONFIG", "SET", "port", std::to_string(second)}), Ok());
  EXPECT_TRUE(AnswersPing(second, milliseconds(5000)));
  // The old socket goes on every loop (each accepts on its own copy of it).
  bool refused = false;
  for (int i = 0; i < 250 && !refused; ++i) {
    refused = !RespClient::Connect(first, milliseconds(500)).ok();
    if (!refused) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(refused) << "still accepting on the old port";
  EXPECT_THAT(c->Command({"INFO", "server"}).str,
              HasSubstr(StrCat("\r\ntcp_port:", second, "\r\n")));
  EXPECT_EQ(c->Command({"CONFIG", "GET", "port"}).elements.at(1).str, std::to_string(second));

  // A port another socket holds: refused, and the server stays where it was.
  auto other = ServerProcess::StartValkdb();
  ASSERT_OK(other);
  EXPECT_EQ(c->Command({"CONFIG", "SET", "port", std::to_string((*other)->port())}).str,
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port. Check server logs.");
  EXPECT_EQ(c->Command({"CONFIG", "GET", "port"}).elements.at(1).str, std::to_string(second));
  EXPECT_TRUE(AnswersPing(second, milliseconds(5000)));

  EXPECT_EQ(c->Command({"CONFIG", "SET", "bind", "999.999.999.999"}).str,
            "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
            "specified addresses.");
  EXPECT_TRUE(AnswersPing(second, milliseconds(5000)));

  // No bind address: no new TCP client gets in; the connected one stays.
  ASSERT_EQ(c->Command({"CONFIG", "SET", "bind", ""}), Ok());
  refused = false;
  for (int i = 0; i < 250 && !refused; ++i) {
    refused = !RespClient::Connect(second, milliseconds(500)).ok();
    if (!refused) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(refused) << "still accepting with an empty bind list";
  EXPECT_EQ(c->Command({"CONFIG", "SET", "bind", "127.0.0.1"}), Ok());
  EXPECT_TRUE(AnswersPing(second, milliseconds(5000)));
  EXPECT_TRUE(s.Stop().ok());
  DumpLogOnFailure(s);
}

TEST(integration_Lifecycle, SigtermShutsDownGracefully) {
  auto server = ServerProcess::StartValkdb();
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto idle = MustConnect(s.port());
  auto busy = MustConnect(s.port());
  ASSERT_NE(idle, nullptr);
  ASSERT_NE(busy, nullptr);
  EXPECT_EQ(busy->Command({"SET", "k", "v"}), Ok());
  // A partial frame in flight must not keep the server from stopping.
  ASSERT_OK(busy->Send("*2\r\n$3\r\nGET\r\n"));
  ExitStatus status = s.Stop(milliseconds(10000));
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(idle->IsClosedByPeer(milliseconds(2000)));
  EXPECT_TRUE(busy->IsClosedByPeer(milliseconds(2000)));
  EXPECT_FALSE(RespClient::Connect(s.port(), milliseconds(500)).ok()) << "still accepting";
  DumpLogOnFailure(s);
}

// SHUTDOWN (redis-cli shutdown): no reply, the connection closes, nothing
// after it in the pipeline runs, and the server stops as on SIGTERM.
TEST(integration_Lifecycle, ShutdownCommandStopsTheServer) {
  auto server = ServerProcess::StartValkdb();
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto other = MustConnect(s.port());
  auto client = MustConnect(s.port());
  ASSERT_NE(other, nullptr);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->Command({"SET", "k", "v"}), Ok());
  ASSERT_OK(client->Send("SHUTDOWN NOSAVE\r\nSET k w\r\n"));
  EXPECT_EQ(client->ReadRawUntilTimeout(milliseconds(5000)), "");
  EXPECT_TRUE(client->IsClosedByPeer(milliseconds(2000)));
  EXPECT_TRUE(other->IsClosedByPeer(milliseconds(5000)));
  auto status = s.Wait(milliseconds(10000));
  ASSERT_OK(status);
  EXPECT_TRUE(status->ok()) << status->ToString();
  DumpLogOnFailure(s);
}

TEST(integration_Lifecycle, SigintShutsDownGracefully) {
  auto server = ServerProcess::StartValkdb();
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto c = MustConnect(s.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Command({"PING"}), Simple("PONG"));
  s.Signal(SIGINT);
  auto status = s.Wait(milliseconds(10000));
  ASSERT_OK(status);
  EXPECT_TRUE(status->ok()) << status->ToString();
  DumpLogOnFailure(s);
}

TEST(integration_Lifecycle, ShutdownAnswersPipelinedRequestsInOrder) {
  auto server = ServerProcess::StartValkdb();
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto c = MustConnect(s.port());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Command({"PING"}), Simple("PONG"));  // up and running
  std::string batch;
  constexpr int kCommands = 5000;
  for (int i = 0; i < kCommands; ++i) batch += Encode({"ECHO", std::to_string(i)});
  ASSERT_OK(c->Send(batch));
  s.Signal(SIGTERM);
  // Whatever was answered is complete and in order; the rest is cut cleanly.
  int answered = 0;
  while (answered < kCommands) {
    auto reply = c->ReadReply(milliseconds(5000));
    if (!reply.ok()) break;
    ASSERT_EQ(*reply, Bulk(std::to_string(answered)));
    ++answered;
  }
  auto status = s.Wait(milliseconds(10000));
  ASSERT_OK(status);
  EXPECT_TRUE(status->ok()) << status->ToString() << " after " << answered << " replies";
  DumpLogOnFailure(s);
}

// Once the port is printed the server is ready, and that includes stopping
// cleanly on SIGTERM: a supervisor may signal it at any moment after.
TEST(integration_Lifecycle, SigtermRightAfterStartupExitsCleanly) {
  for (int i = 0; i < 20; ++i) {
    auto server = ServerProcess::StartValkdb();
    ASSERT_OK(server);
    ExitStatus status = (*server)->Stop(milliseconds(10000));
    ASSERT_TRUE(status.ok()) << "start " << i << ": " << status.ToString() << "; log:\n"
                             << (*server)->log();
  }
}

TEST(integration_Lifecycle, ConfigFileAsFirstArgument) {
  TempFile conf("# a test configuration\nport 0\ndatabases 4\n\nmaxclients 123\n");
  auto server = ServerProcess::StartValkdbWithArgs({conf.path()});
  ASSERT_OK(server);
  ServerProcess& s = **server;
  auto c = MustConnect(s.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Command({"SELECT", "3"}), Ok());
  EXPECT_EQ(c->Command({"SELECT", "4"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(c->Command({"CONFIG", "GET", "databases"}),
            RespValue::Arr({Bulk("databases"), Bulk("4")}));
  EXPECT_EQ(c->Command({"CONFIG", "GET", "maxclients"}),
            RespValue::Arr({Bulk("maxclients"), Bulk("123")}));
  EXPECT_THAT(c->Command({"INFO", "server"}).str,
              HasSubstr(StrCat("\r\nconfig_file:", conf.path(), "\r\n")));
  EXPECT_TRUE(s.Stop().ok());
  DumpLogOnFailure(s);
}

TEST(integration_Lifecycle, FlagsOverrideTheConfigFile) {
  TempFile conf("port 0\ndatabases 4\n");
  auto server = ServerProcess::StartValkdbWithArgs({conf.path(), "--databases", "8"});
  ASSERT_OK(server);
  auto c = MustConnect((*server)->port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Command({"SELECT", "7"}), Ok());
  EXPECT_EQ(c->Command({"SELECT", "8"}), Err("ERR DB index is out of range"));
  EXPECT_TRUE((*server)->Stop().ok());
  DumpLogOnFailure(**server);
}

TEST(integration_Lifecycle, BadConfigFileFailsToStart) {
  TempFile conf("port 0\nno-such-directive 1\n");
  auto server = ServerProcess::StartValkdbWithArgs({conf.path()});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("FATAL CONFIG FILE ERROR"));
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("exited with code 1"));
}

TEST(integration_Lifecycle, MissingConfigFileFailsToStart) {
  auto server = ServerProcess::StartValkdbWithArgs({"/nonexistent/valkdb.conf", "--port", "0"});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("exited with code 1"));
}

class ExpiryTest : public ServerTest {};
using integration_Expiry = ExpiryTest;

TEST_F(integration_Expiry, KeysExpireOverTime) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  // Long TTLs while the keys are checked to be there (however slow the
  // machine), then short ones once that is done.
  EXPECT_EQ(c->Command({"SET", "px", "v", "PX", "60000"}), Ok());
  EXPECT_EQ(c->Command({"SET", "pexpire", "v"}), Ok());
  EXPECT_EQ(c->Command({"SET", "stays", "v", "PX", "60000"}), Ok());
  EXPECT_EQ(c->Command({"SET", "persisted", "v", "PX", "60000"}), Ok());
  EXPECT_EQ(c->Command({"PERSIST", "persisted"}), Int(1));
  EXPECT_EQ(c->Command({"GET", "px"}), Bulk("v"));
  EXPECT_EQ(c->Command({"SET", "px", "v", "PX", "50"}), Ok());
  EXPECT_EQ(c->Command({"PEXPIRE", "pexpire", "50"}), Int(1));
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
  while (c->Command({"EXISTS", "px", "pexpire"}) != Int(0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(c->Command({"GET", "px"}), Nil());
  EXPECT_EQ(c->Command({"EXISTS", "pexpire"}), Int(0));
  EXPECT_EQ(c->Command({"TTL", "px"}), Int(-2));
  EXPECT_EQ(c->Command({"GET", "stays"}), Bulk("v"));
  EXPECT_EQ(c->Command({"GET", "persisted"}), Bulk("v"));
  EXPECT_EQ(c->Command({"TTL", "persisted"}), Int(-1));
  // An expired key is gone for SET NX, XX and GET too.
  EXPECT_EQ(c->Command({"SET", "px", "new", "XX"}), Nil());
  EXPECT_EQ(c->Command({"SET", "pexpire", "new", "NX", "GET"}), Nil());
  EXPECT_EQ(c->Command({"GET", "pexpire"}), Bulk("new"));
}

TEST_F(integration_Expiry, ExpiredKeysLeaveDbSize) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += Encode({"SET", StrCat("k", i), "v", "PX", "20"});
  ASSERT_OK(c->Send(batch));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(c->ReadReply(), Ok());
  EXPECT_EQ(c->Command({"SET", "keep", "v"}), Ok());
  // Redis removes expired keys actively (10 times a second by default), so
  // DBSIZE drops without the keys being touched.
  RespValue size;
  for (int attempt = 0; attempt < 600; ++attempt) {  // up to 30 s: liveness only
    std::this_thread::sleep_for(milliseconds(50));
    size = c->Command({"DBSIZE"});
    if (size == Int(1)) break;
  }
  EXPECT_EQ(size, Int(1));
}

class ThreadedServerTest : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--threads", "2"}; }
};
using integration_ThreadedServer = ThreadedServerTest;

TEST_F(integration_ThreadedServer, ClientsAcrossLoopsShareTheStore) {
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  EXPECT_THAT(admin->Command({"INFO", "server"}).str, HasSubstr("event_loop_threads:2\r\n"));
  constexpr int kClients = 16;
  constexpr int kRounds = 300;
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect());
    ASSERT_NE(clients.back(), nullptr);
  }
  // Each client writes its own keys, then reads every other client's, both
  // one command at a time and pipelined.
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      RespClient& c = *clients[t];
      for (int r = 0; r < kRounds; ++r) {
        RespValue reply = c.Command({"SET", StrCat("t", t, ":", r), StrCat(t * 100000 + r)});
        if (!(reply == Ok())) {
          ADD_FAILURE() << "client " << t << ": " << reply.DebugString();
          return;
        }
      }
      std::string batch;
      for (int r = 0; r < kRounds; ++r) batch += Encode({"ECHO", StrCat(t, "/", r)});
      EXPECT_OK(c.Send(batch));
      for (int r = 0; r < kRounds; ++r) {
        auto reply = c.ReadReply();
        if (!reply.ok() || !(*reply == Bulk(StrCat(t, "/", r)))) {
          ADD_FAILURE() << "client " << t << " pipelined reply " << r;
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admin->Command({"DBSIZE"}), Int(kClients * kRounds));
  for (int t = 0; t < kClients; ++t) {
    EXPECT_EQ(clients[(t + 5) % kClients]->Command({"GET", StrCat("t", t, ":", kRounds - 1)}),
              Bulk(StrCat(t * 100000 + kRounds - 1)));
  }
  // Client ids are unique across loops.
  std::vector<int64_t> ids;
  for (auto& c : clients) ids.push_back(c->Command({"CLIENT", "ID"}).integer);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST_F(integration_ThreadedServer, ConcurrentWritersToOneKey) {
  constexpr int kClients = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = Connect();
      if (c == nullptr) return;
      std::string batch;
      for (int r = 0; r < 500; ++r) {
        batch += Encode({"SET", "shared", StrCat("writer", t)});
        batch += Encode({"GET", "shared"});
      }
      EXPECT_OK(c->Send(batch));
      for (int r = 0; r < 1000; ++r) {
        auto reply = c->ReadReply();
        if (!reply.ok()) {
          ADD_FAILURE() << reply.status();
          return;
        }
        // Every value read is one some writer wrote whole.
        if (r % 2 == 1 && !reply->str.starts_with("writer")) {
          ADD_FAILURE() << reply->DebugString();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_THAT(c->Command({"GET", "shared"}).str, ::testing::StartsWith("writer"));
}

TEST_F(integration_ThreadedServer, SigtermStopsEveryLoop) {
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(Connect());
    ASSERT_NE(clients.back(), nullptr);
    EXPECT_EQ(clients.back()->Command({"PING"}), Simple("PONG"));
  }
  ExitStatus status = valkdb().Stop(milliseconds(10000));
  EXPECT_TRUE(status.ok()) << status.ToString();
  for (auto& c : clients) EXPECT_TRUE(c->IsClosedByPeer(milliseconds(2000)));
  if (HasFailure()) std::fprintf(stderr, "%s\n", valkdb().log().c_str());
  ForgetValkdb();
}

}  // namespace
}  // namespace valkdb::test
