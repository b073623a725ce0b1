// Connection limits, each checked against valkdb and the oracle (a real
// redis-server) where the behaviour is Redis's: client-output-buffer-limit
// for normal and pub/sub clients, `timeout`, client-query-buffer-limit,
// maxclients and the open-files limit at start-up. Also that a client which
// pipelines without reading keeps the server's memory bounded.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr size_t kBigValue = 100 * 1000;
constexpr int kPipelined = 200;  // GETs of the big value: 20 MB of replies

// A named client. A slow one has a tiny receive buffer (which also turns off
// autotuning), so replies pile up in the server instead of in the kernel; it
// can never read much (a tiny window on loopback moves ~40 KB/s).
std::unique_ptr<RespClient> NamedClient(int port, const std::string& name, bool slow) {
  auto client = RespClient::Connect(port);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return nullptr;
  if (slow) {
    int size = 4096;
    setsockopt((*client)->fd(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  EXPECT_EQ((*client)->Command({"CLIENT", "SETNAME", name}), Ok());
  return *std::move(client);
}

std::unique_ptr<RespClient> SlowReader(int port, const std::string& name) {
  return NamedClient(port, name, /*slow=*/true);
}

std::unique_ptr<RespClient> Dial(int port) {
  auto client = RespClient::Connect(port);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

std::string PipelinedGets(int n, std::string_view key) {
  std::string out;
  for (int i = 0; i < n; ++i) out += Encode({"GET", key});
  return out;
}

// How many files process `pid` has open.
size_t OpenFiles(pid_t pid) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(StrCat("/proc/", pid, "/fd"))) {
    ++count;
  }
  return count;
}

// Whether CLIENT LIST shows a client of this name.
bool Listed(RespClient& admin, const std::string& name) {
  RespValue list = admin.Command({"CLIENT", "LIST"});
  return list.str.find(StrCat(" name=", name, " ")) != std::string::npos;
}

// How many clients CLIENT LIST shows.
size_t ClientCount(RespClient& admin) {
  const std::string list = admin.Command({"CLIENT", "LIST"}).str;
  size_t count = 0;
  for (size_t pos = 0; pos < list.size(); pos = list.find('\n', pos) + 1) {
    if (list.compare(pos, 3, "id=") == 0) ++count;
    if (list.find('\n', pos) == std::string::npos) break;
  }
  return count;
}

// Waits until the admin client is the only one listed: clients an earlier test
// closed on its side are counted until the server has read their EOF.
bool WaitUntilOnlyClient(RespClient& admin, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ClientCount(admin) == 1) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return ClientCount(admin) == 1;
}

bool WaitUntilGone(RespClient& admin, const std::string& name, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!Listed(admin, name)) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return !Listed(admin, name);
}

// Sets a config value and puts the old one back when the test ends (on a
// fresh connection: the admin client may have been closed by then).
class ScopedConfig {
 public:
  ScopedConfig(int port, std::string name, std::string value) : port_(port), name_(name) {
    auto client = RespClient::Connect(port);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return;
    RespValue old = (*client)->Command({"CONFIG", "GET", name_});
    if (old.elements.size() == 2) old_ = old.elements[1].str;
    EXPECT_EQ((*client)->Command({"CONFIG", "SET", name_, value}), Ok()) << name_ << " " << value;
  }
  ~ScopedConfig() {
    if (!old_.has_value()) return;
    auto client = RespClient::Connect(port_);
    EXPECT_TRUE(client.ok()) << client.status();
    if (client.ok()) {
      EXPECT_EQ((*client)->Command({"CONFIG", "SET", name_, *old_}), Ok());
    }
  }

 private:
  int port_;
  std::string name_;
  std::optional<std::string> old_;
};

class integration_Limits : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
  // Both servers, valkdb first; SCOPED_TRACE names the one that failed.
  std::vector<std::pair<std::string, int>> Servers() const {
    return {{"valkdb", port()}, {"redis", redis().port()}};
  }
  // Scenarios run on one event loop and on two (integration_LimitsMultiLoop).
  void NormalHardOutputLimitClosesAPipeliningClient();
  void SubscribersUseThePubsubClass();
  void IdleClientsTimeOutButSubscribersAndActiveClientsDoNot();
  void QueryBufferLimitClosesAClientSendingABigArgument();
  void MaxClientsRefusesTheConnectionOverTheLimit();
  void EveryReplyBeforeQuitArrivesThoughMoreInputFollows();
  void NoReplyBeforeQuitIsLostIn200BusyTries();
  void KilledClientIsGoneBeforeTheReply();
  void ClientsWithRepliesInFlightCloseCleanly();
};

// --- client-output-buffer-limit, normal class -------------------------------

void integration_Limits::NormalHardOutputLimitClosesAPipeliningClient() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    ScopedConfig limit(port, "client-output-buffer-limit", "normal 1mb 0 0");
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
    auto victim = SlowReader(port, "victim");
    ASSERT_NE(victim, nullptr);
    ASSERT_OK(victim->Send(PipelinedGets(kPipelined, "big")));
    EXPECT_TRUE(WaitUntilGone(*admin, "victim", milliseconds(5000)));
    EXPECT_TRUE(victim->IsClosedByPeer(milliseconds(10000)));
    // Closed without its replies: far fewer bytes than 200 GETs' worth came.
    EXPECT_LT(victim->buffered(), kBigValue * kPipelined / 2);
    EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
  }
}

// Redis counts only what overflows its 16 KB reply buffer: a 1-byte limit
// lets small replies through and cuts off a 100 KB one.
TEST_F(integration_Limits, OutputLimitDoesNotCountTheFirst16KB) {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    ScopedConfig limit(port, "client-output-buffer-limit", "normal 1 2 3");
    auto client = ConnectTo(port);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->Command({"PING"}), Simple("PONG"));
    EXPECT_EQ(client->Command({"SET", "small", std::string(10000, 's')}), Ok());
    EXPECT_EQ(client->Command({"GET", "small"}), Bulk(std::string(10000, 's')));
    EXPECT_EQ(client->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
    ASSERT_OK(client->Send(Encode({"GET", "big"})));
    EXPECT_TRUE(client->IsClosedByPeer(milliseconds(10000)));
    EXPECT_LT(client->buffered(), kBigValue);
  }
}

TEST_F(integration_Limits, NoNormalOutputLimitByDefault) {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    EXPECT_THAT(admin->Command({"CONFIG", "GET", "client-output-buffer-limit"}).DebugString(),
                HasSubstr("normal 0 0 0"));
    const std::string value(kBigValue, 'v');
    ASSERT_EQ(admin->Command({"SET", "big", value}), Ok());
    auto reader = NamedClient(port, "reader", /*slow=*/false);
    ASSERT_NE(reader, nullptr);
    ASSERT_OK(reader->Send(PipelinedGets(kPipelined, "big")));
    // Longer than a cron pass and a soft-limit second: nothing closes it.
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_TRUE(Listed(*admin, "reader"));
    for (int i = 0; i < kPipelined; ++i) {
      absl::StatusOr<RespValue> reply = reader->ReadReply();
      ASSERT_TRUE(reply.ok()) << "reply " << i << ": " << reply.status();
      ASSERT_EQ(reply->str, value) << "reply " << i;
    }
  }
}

TEST_F(integration_Limits, NormalSoftOutputLimitClosesAfterItsSeconds) {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    ScopedConfig limit(port, "client-output-buffer-limit", "normal 0 500kb 5");
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
    auto victim = SlowReader(port, "victim");
    ASSERT_NE(victim, nullptr);
    ASSERT_OK(victim->Send(PipelinedGets(kPipelined, "big")));
    // Over the soft limit, but not yet for 5 seconds.
    EXPECT_TRUE(Listed(*admin, "victim"));
    // The cron closes it although it sends nothing more. (Its EOF comes
    // after what the kernel holds, which a tiny window drains very slowly.)
    EXPECT_TRUE(WaitUntilGone(*admin, "victim", milliseconds(30000)));
  }
}

TEST_F(integration_Limits, NormalLimitAppliesToAClientThatStoppedReadingBeforeItWasSet) {
  // valkdb stops reading a client with 16 MB unsent while no limit is set;
  // setting one later must still close it (the cron checks every client).
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
  auto victim = SlowReader(port(), "victim");
  ASSERT_NE(victim, nullptr);
  ASSERT_OK(victim->Send(PipelinedGets(kPipelined, "big")));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(Listed(*admin, "victim"));
  ScopedConfig limit(port(), "client-output-buffer-limit", "normal 0 1mb 0");
  EXPECT_TRUE(WaitUntilGone(*admin, "victim", milliseconds(5000)));
}

// The limit set by a flag or a config file is in force from the start.
TEST_F(integration_Limits, NormalOutputLimitFromFlagAndConfigFile) {
  const std::string path = StrCat(testing::TempDir(), "/valkdb-limits-", getpid(), ".conf");
  {
    std::ofstream conf(path);
    conf << "port 0\nclient-output-buffer-limit normal 1mb 0 0\n";
  }
  std::vector<std::vector<std::string>> variants = {
      {"--port", "0", "--client-output-buffer-limit", "normal 1mb 0 0"}, {path}};
  for (const auto& args : variants) {
    SCOPED_TRACE(args.back());
    auto server = ServerProcess::StartValkdbWithArgs(args);
    ASSERT_OK(server);
    auto admin = Dial((*server)->port());
    ASSERT_NE(admin, nullptr);
    ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
    auto victim = SlowReader((*server)->port(), "victim");
    ASSERT_NE(victim, nullptr);
    ASSERT_OK(victim->Send(PipelinedGets(kPipelined, "big")));
    EXPECT_TRUE(WaitUntilGone(*admin, "victim", milliseconds(5000)));
    EXPECT_TRUE(victim->IsClosedByPeer(milliseconds(10000)));
    EXPECT_THAT((*server)->log(), HasSubstr("output buffer limits"));
    EXPECT_TRUE((*server)->Stop().ok());
    if (HasFailure()) std::fprintf(stderr, "%s\n", (*server)->log().c_str());
  }
  unlink(path.c_str());
}

// --- client-output-buffer-limit, pubsub class --------------------------------

void integration_Limits::SubscribersUseThePubsubClass() {
  const std::string message(10 * 1000, 'm');
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto publisher = ConnectTo(port);
    ASSERT_NE(publisher, nullptr);
    {
      auto subscriber = NamedClient(port, "reader", /*slow=*/false);
      ASSERT_NE(subscriber, nullptr);
      ASSERT_EQ(subscriber->Command({"SUBSCRIBE", "ch"}),
                RespValue::Arr({Bulk("subscribe"), Bulk("ch"), Int(1)}));
      // A normal limit does not apply to a subscriber: 500 KB > 100 KB queue up.
      ScopedConfig limit(port, "client-output-buffer-limit", "normal 100kb 0 0 pubsub 0 0 0");
      for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(publisher->Command({"PUBLISH", "ch", message}), Int(1)) << i;
      }
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<RespValue> reply = subscriber->ReadReply();
        ASSERT_TRUE(reply.ok()) << i << ": " << reply.status();
        ASSERT_EQ(*reply, RespValue::Arr({Bulk("message"), Bulk("ch"), Bulk(message)})) << i;
      }
    }
    // The first subscriber closed its end; the server may not have seen it
    // yet (on another event loop, or in Redis's next event-loop turn).
    ASSERT_TRUE(WaitUntilGone(*publisher, "reader", milliseconds(10000)));
    {
      // Its pubsub limit does: it is cut off once 100 KB are queued.
      ScopedConfig limit(port, "client-output-buffer-limit", "normal 0 0 0 pubsub 100kb 0 0");
      auto subscriber = SlowReader(port, "victim");
      ASSERT_NE(subscriber, nullptr);
      ASSERT_EQ(subscriber->Command({"SUBSCRIBE", "ch"}),
                RespValue::Arr({Bulk("subscribe"), Bulk("ch"), Int(1)}));
      int receivers = 1;
      for (int i = 0; i < 1000 && receivers == 1; ++i) {
        RespValue reply = publisher->Command({"PUBLISH", "ch", message});
        ASSERT_EQ(reply.type, RespValue::Type::kInteger) << reply.DebugString();
        receivers = static_cast<int>(reply.integer);
      }
      EXPECT_EQ(receivers, 0);
      EXPECT_TRUE(WaitUntilGone(*publisher, "victim", milliseconds(10000)));
      EXPECT_EQ(publisher->Command({"PING"}), Simple("PONG"));
    }
  }
}

// --- timeout ------------------------------------------------------------------

void integration_Limits::IdleClientsTimeOutButSubscribersAndActiveClientsDoNot() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    ScopedConfig timeout(port, "timeout", "3");
    auto idle = ConnectTo(port);
    auto subscriber = ConnectTo(port);
    auto active = ConnectTo(port);
    ASSERT_TRUE(idle && subscriber && active);
    EXPECT_EQ(idle->Command({"PING"}), Simple("PONG"));
    EXPECT_EQ(subscriber->Command({"SUBSCRIBE", "ch"}),
              RespValue::Arr({Bulk("subscribe"), Bulk("ch"), Int(1)}));
    // Redis checks every client about once a second: 3 s idle is noticed
    // within a few seconds (the deadline only proves it happens). The active
    // client is never 3 s without a command, however slow the machine.
    const auto end = Clock::now() + milliseconds(30000);
    bool idle_closed = false;
    while (!idle_closed && Clock::now() < end) {
      ASSERT_EQ(active->Command({"PING"}), Simple("PONG"));
      idle_closed = idle->IsClosedByPeer(milliseconds(100));
    }
    EXPECT_TRUE(idle_closed);
    EXPECT_EQ(active->Command({"PUBLISH", "ch", "still-here"}), Int(1));
    EXPECT_EQ(subscriber->ReadReply(),
              RespValue::Arr({Bulk("message"), Bulk("ch"), Bulk("still-here")}));
  }
}

TEST_F(integration_Limits, NoTimeoutByDefault) {
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->Command({"CONFIG", "GET", "timeout"}),
            RespValue::Arr({Bulk("timeout"), Bulk("0")}));
  std::this_thread::sleep_for(milliseconds(2200));
  EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
}

// --- client-query-buffer-limit ------------------------------------------------

void integration_Limits::QueryBufferLimitClosesAClientSendingABigArgument() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    // Redis's minimum is 1mb.
    RespValue refused = admin->Command({"CONFIG", "SET", "client-query-buffer-limit", "1000"});
    EXPECT_TRUE(refused.is_error()) << refused.DebugString();
    ScopedConfig limit(port, "client-query-buffer-limit", "1mb");

    // A 3 MB argument (well within proto-max-bulk-len) passes the limit as it
    // arrives: the client is closed, with no reply.
    auto victim = ConnectTo(port);
    ASSERT_NE(victim, nullptr);
    ASSERT_OK(victim->Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n"));
    const std::string chunk(64 * 1024, 'y');
    for (int i = 0; i < 40; ++i) {
      if (!victim->Send(chunk, milliseconds(2000)).ok()) break;  // closed meanwhile
    }
    EXPECT_TRUE(victim->IsClosedByPeer(milliseconds(10000)));
    EXPECT_EQ(victim->buffered(), 0u) << Visible(victim->ReadRawUntilTimeout(milliseconds(1)));

    // Just under the limit is fine.
    auto ok = ConnectTo(port);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(ok->Command({"SET", "k", std::string(900 * 1000, 'z')}), Ok());
    EXPECT_EQ(ok->Command({"STRLEN", "k"}), Int(900 * 1000));
    EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
  }
}

TEST_F(integration_Limits, QueryBufferLimitCountsTheUnfinishedArgumentNotTheWholeCommand) {
  // As in Redis: finished arguments of an unfinished command have left the
  // query buffer, so many small ones (1.6 MB in all) pass a 1mb limit.
  constexpr int kArgs = 60000;
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    ScopedConfig limit(port, "client-query-buffer-limit", "1mb");
    auto client = ConnectTo(port);
    ASSERT_NE(client, nullptr);
    ASSERT_OK(client->Send(StrCat("*", kArgs + 1, "\r\n$4\r\nMSET\r\n")));
    std::string batch;
    for (int i = 0; i < kArgs; ++i) {
      // 30000 keys and values of 20 bytes.
      std::string arg = StrCat(i % 2 == 0 ? "key:" : "val:", i / 2);
      arg.resize(20, '.');
      batch += StrCat("$20\r\n", arg, "\r\n");
      if (batch.size() >= 16 * 1024 || i + 1 == kArgs) {
        ASSERT_OK(client->Send(batch));
        batch.clear();
      }
    }
    EXPECT_EQ(client->ReadReply(), Ok());
    EXPECT_EQ(client->Command({"DBSIZE"}), Int(kArgs / 2));
  }
}

// --- maxclients ----------------------------------------------------------------

void integration_Limits::MaxClientsRefusesTheConnectionOverTheLimit() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    // Earlier clients (the fixture's) must be gone before the count matters.
    ASSERT_TRUE(WaitUntilOnlyClient(*admin, milliseconds(10000)));
    // Set and put back through this connection: one more (a ScopedConfig's)
    // could still be counted on another event loop when the next arrives.
    RespValue old = admin->Command({"CONFIG", "GET", "maxclients"});
    ASSERT_EQ(old.elements.size(), 2u);
    ASSERT_EQ(admin->Command({"CONFIG", "SET", "maxclients", "2"}), Ok());
    struct Restore {
      RespClient* admin;
      std::string value;
      ~Restore() { EXPECT_EQ(admin->Command({"CONFIG", "SET", "maxclients", value}), Ok()); }
    } restore{admin.get(), old.elements[1].str};
    auto second = ConnectTo(port);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->Command({"PING"}), Simple("PONG"));
    auto third = ConnectTo(port);
    ASSERT_NE(third, nullptr);
    absl::StatusOr<std::string> raw = third->ReadRawReply();
    ASSERT_OK(raw);
    EXPECT_EQ(Visible(*raw), "-ERR max number of clients reached\\r\\n");
    EXPECT_TRUE(third->IsClosedByPeer(milliseconds(5000)));
    EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
    EXPECT_EQ(second->Command({"PING"}), Simple("PONG"));
    EXPECT_THAT(admin->Command({"INFO", "stats"}).str, HasSubstr("rejected_connections:"));
  }
  // The limit is back up: new clients are served.
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    std::vector<std::unique_ptr<RespClient>> clients;
    for (int i = 0; i < 5; ++i) {
      clients.push_back(ConnectTo(port));
      ASSERT_NE(clients.back(), nullptr);
      EXPECT_EQ(clients.back()->Command({"PING"}), Simple("PONG"));
    }
  }
}

// --- closing after the replies ------------------------------------------------

// QUIT (or a protocol error) closes the connection after its replies. Input
// that follows is never read; closing a socket with unread input makes the
// kernel send a reset that drops replies not yet delivered. valkdb reads and
// drops that input until the client closes, so every reply arrives, then EOF.
void integration_Limits::EveryReplyBeforeQuitArrivesThoughMoreInputFollows() {
  // 1 MB of replies, which the kernel's socket buffers take at once, and
  // 1.2 MB of input after QUIT, more than one read takes.
  const std::string value(50 * 1000, 'q');
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->Command({"SET", "big", value}), Ok());
  for (const bool protocol_error : {false, true}) {
    SCOPED_TRACE(protocol_error ? "protocol error" : "QUIT");
    auto client = Connect();
    ASSERT_NE(client, nullptr);
    std::string input = PipelinedGets(20, "big");
    input += protocol_error ? "*abc\r\n" : Encode({"QUIT"});
    for (int i = 0; i < 200000; ++i) input += "PING\r\n";
    client->Send(input, milliseconds(5000)).IgnoreError();  // a server that stops reading blocks it
    // Let the server fill the socket before the client starts reading.
    std::this_thread::sleep_for(milliseconds(300));
    for (int i = 0; i < 20; ++i) {
      absl::StatusOr<RespValue> reply = client->ReadReply();
      ASSERT_TRUE(reply.ok()) << "reply " << i << ": " << reply.status();
      ASSERT_EQ(reply->str.size(), value.size()) << "reply " << i;
    }
    EXPECT_EQ(client->ReadReply(),
              protocol_error ? Err("ERR Protocol error: invalid multibulk length") : Ok());
    EXPECT_TRUE(client->IsClosedByPeer(milliseconds(5000)));
    EXPECT_EQ(client->buffered(), 0u);
  }
  // It is gone from the client list at once, as in Redis.
  EXPECT_EQ(ClientCount(*admin), 1u);
}

// The same promise, 200 times over, with the machine kept busy: two threads
// spin beside the server and eight clients at a time wait a varying while
// before they read (some in small pieces). Every reply before the QUIT or the
// protocol error must arrive, then the close. (redis-server loses them in
// about half the tries, so this runs on valkdb only.)
void integration_Limits::NoReplyBeforeQuitIsLostIn200BusyTries() {
  const std::string value(50 * 1000, 'q');
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->Command({"SET", "big", value}), Ok());
  std::string pings;
  for (int i = 0; i < 200000; ++i) pings += "PING\r\n";
  std::atomic<bool> done{false};
  std::vector<std::thread> hogs;
  for (int i = 0; i < 2; ++i) {
    hogs.emplace_back([&done] {
      volatile uint64_t spin = 0;
      while (!done.load(std::memory_order_relaxed)) spin = spin + 1;
    });
  }
  constexpr int kThreads = 8;
  constexpr int kTriesPerThread = 25;
  std::atomic<int> lost{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kTriesPerThread; ++i) {
        const int n = t * kTriesPerThread + i;
        const bool protocol_error = n % 2 == 1;
        auto client = RespClient::Connect(port());
        if (!client.ok()) {
          ADD_FAILURE() << "try " << n << ": " << client.status();
          ++lost;
          continue;
        }
        std::string input = PipelinedGets(20, "big");
        input += protocol_error ? "*abc\r\n" : Encode({"QUIT"});
        input += pings;
        (*client)->Send(input, milliseconds(30000)).IgnoreError();
        std::this_thread::sleep_for(milliseconds((n * 37) % 120));
        std::string failure;
        for (int r = 0; r < 20 && failure.empty(); ++r) {
          absl::StatusOr<RespValue> reply = (*client)->ReadReply(milliseconds(30000));
          if (!reply.ok()) {
            failure = StrCat("reply ", r, ": ", reply.status().ToString());
          } else if (reply->str.size() != value.size()) {
            failure = StrCat("reply ", r, ": ", reply->DebugString().substr(0, 80));
          }
          if (n % 3 == 0) std::this_thread::sleep_for(milliseconds(5));
        }
        if (failure.empty()) {
          absl::StatusOr<RespValue> last = (*client)->ReadReply(milliseconds(30000));
          const RespValue want =
              protocol_error ? Err("ERR Protocol error: invalid multibulk length") : Ok();
          if (!last.ok() || *last != want) {
            failure =
                StrCat("last reply: ", last.ok() ? last->DebugString() : last.status().ToString());
          } else if (!(*client)->IsClosedByPeer(milliseconds(30000))) {
            failure = "not closed";
          }
        }
        if (!failure.empty()) {
          ADD_FAILURE() << "try " << n << (protocol_error ? " (protocol error)" : " (QUIT)") << ": "
                        << failure;
          ++lost;
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();
  done = true;
  for (std::thread& h : hogs) h.join();
  EXPECT_EQ(lost.load(), 0) << "of " << kThreads * kTriesPerThread << " tries";
  EXPECT_EQ(ClientCount(*admin), 1u);
}

// CLIENT KILL: the client is gone from CLIENT LIST (and cannot be killed
// again) by the time the reply is sent, even when the next command comes in
// the same write, as in Redis, which frees it before replying.
void integration_Limits::KilledClientIsGoneBeforeTheReply() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    // Earlier tests' clients must be gone before connected_clients matters.
    ASSERT_TRUE(WaitUntilOnlyClient(*admin, milliseconds(10000)));
    // Several victims, so that with two event loops some live on the other loop.
    for (int i = 0; i < 4; ++i) {
      auto victim = NamedClient(port, StrCat("victim", i), /*slow=*/false);
      ASSERT_NE(victim, nullptr);
      const RespValue id = victim->Command({"CLIENT", "ID"});
      ASSERT_EQ(id.type, RespValue::Type::kInteger);
      const std::string info = victim->Command({"CLIENT", "INFO"}).str;
      const size_t at = info.find(" addr=");
      ASSERT_NE(at, std::string::npos) << info;
      const std::string addr = info.substr(at + 6, info.find(' ', at + 6) - at - 6);
      ASSERT_OK(admin->Send(Encode({"CLIENT", "KILL", "ADDR", addr}) + Encode({"CLIENT", "LIST"}) +
                            Encode({"CLIENT", "KILL", "ID", std::to_string(id.integer)}) +
                            Encode({"INFO", "clients"})));
      EXPECT_EQ(admin->ReadReply(), Int(1));
      absl::StatusOr<RespValue> list = admin->ReadReply();
      ASSERT_TRUE(list.ok()) << list.status();
      EXPECT_THAT(list->str, Not(HasSubstr(StrCat("name=victim", i, " "))));
      EXPECT_EQ(admin->ReadReply(), Int(0));
      absl::StatusOr<RespValue> clients = admin->ReadReply();
      ASSERT_TRUE(clients.ok()) << clients.status();
      EXPECT_THAT(clients->str, HasSubstr("connected_clients:1\r\n"));
      EXPECT_TRUE(victim->IsClosedByPeer(milliseconds(10000)));
    }
  }
}

// --- tcp-keepalive ----------------------------------------------------------------

// The server side of a client's connection as `ss -o` shows it (with its
// timer, e.g. "timer:(keepalive,4min59sec,0)"), or "" if ss is missing.
std::string ServerSocketLine(int server_port, RespClient& client) {
  // Answered: the server has accepted (and set up) the connection.
  EXPECT_EQ(client.Command({"PING"}), Simple("PONG"));
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(client.fd(), reinterpret_cast<sockaddr*>(&local), &len);
  const std::string command =
      StrCat("ss -tnoH state established '( sport = :", server_port, " )' 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  pclose(pipe);
  const std::string peer = StrCat("127.0.0.1:", ntohs(local.sin_port), " ");
  for (std::string_view line : Split(out, '\n')) {
    if (line.find(peer) != std::string_view::npos) return std::string(line);
  }
  return "";
}

TEST_F(integration_Limits, TcpKeepaliveFollowsTheSetting) {
  // scripts/deps.sh --test installs iproute2.
  ASSERT_TRUE(access("/usr/bin/ss", X_OK) == 0 || access("/bin/ss", X_OK) == 0)
      << "needs ss (iproute2)";
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    auto by_default = ConnectTo(port);
    ASSERT_NE(by_default, nullptr);
    const std::string default_line = ServerSocketLine(port, *by_default);
    EXPECT_THAT(default_line, HasSubstr("timer:(keepalive,"));  // 300 s: "5min" or "4min59sec"
    EXPECT_THAT(default_line, HasSubstr("min"));
    ScopedConfig seven(port, "tcp-keepalive", "7");
    auto short_one = ConnectTo(port);
    ASSERT_NE(short_one, nullptr);
    const std::string line = ServerSocketLine(port, *short_one);
    EXPECT_THAT(line, HasSubstr("timer:(keepalive,"));
    EXPECT_THAT(line, ::testing::Not(HasSubstr("min")));
    EXPECT_EQ(admin->Command({"CONFIG", "SET", "tcp-keepalive", "0"}), Ok());
    auto none = ConnectTo(port);
    ASSERT_NE(none, nullptr);
    EXPECT_THAT(ServerSocketLine(port, *none), ::testing::Not(HasSubstr("keepalive")));
  }
}

// --- the open-files limit at start-up --------------------------------------------

// The soft RLIMIT_NOFILE of a running process.
int64_t OpenFilesLimit(pid_t pid) {
  std::ifstream limits(StrCat("/proc/", pid, "/limits"));
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    int64_t soft = -1;
    fields >> soft;
    return soft;
  }
  return -1;
}

constexpr const char* kPrlimit = "/usr/bin/prlimit";

TEST(integration_OpenFiles, RaisedToMaxclientsPlus32) {
  rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_EQ(access(kPrlimit, X_OK), 0) << "needs " << kPrlimit << " (util-linux)";
  // Start low (64) and ask for as much as this machine's hard limit allows, at most 2000 clients.
  const int64_t hard = own.rlim_max == RLIM_INFINITY ? 1 << 20 : static_cast<int64_t>(own.rlim_max);
  const int64_t maxclients = std::min<int64_t>(2000, hard - 32);
  ASSERT_GT(maxclients, 64) << "hard open-files limit " << hard << " is too low to raise anything";
  auto server = ServerProcess::Start(kPrlimit,
                                     {StrCat("--nofile=64:", hard), ValkdbServerPath(), "--port",
                                      "0", "--maxclients", std::to_string(maxclients)},
                                     /*read_port=*/true);
  ASSERT_OK(server);
  EXPECT_EQ(OpenFilesLimit((*server)->pid()), maxclients + 32);
  EXPECT_THAT((*server)->log(),
              HasSubstr(StrCat("Increased maximum number of open files to ", maxclients + 32,
                               " (it was originally set to 64).")));
  auto client = Dial((*server)->port());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->Command({"CONFIG", "GET", "maxclients"}),
            RespValue::Arr({Bulk("maxclients"), Bulk(std::to_string(maxclients))}));
  EXPECT_TRUE((*server)->Stop().ok());
}

TEST(integration_OpenFiles, MaxclientsLoweredWhenTheLimitCannotBeRaised) {
  ASSERT_EQ(access(kPrlimit, X_OK), 0) << "needs " << kPrlimit << " (util-linux)";
  auto server = ServerProcess::Start(
      kPrlimit, {"--nofile=100:100", ValkdbServerPath(), "--port", "0", "--maxclients", "1000"},
      /*read_port=*/true);
  ASSERT_OK(server);
  const int64_t limit = OpenFilesLimit((*server)->pid());
  ASSERT_GE(limit, 100);
  auto client = Dial((*server)->port());
  ASSERT_NE(client, nullptr);
  // A privileged process may raise its hard limit; otherwise it stays 100.
  const int64_t expected = std::min<int64_t>(1000, limit - 32);
  EXPECT_EQ(client->Command({"CONFIG", "GET", "maxclients"}),
            RespValue::Arr({Bulk("maxclients"), Bulk(std::to_string(expected))}));
  if (limit == 100) {
    EXPECT_THAT((*server)->log(),
                HasSubstr("Current maximum open files is 100. maxclients has been reduced to 68 "
                          "to compensate for low ulimit."));
  }
  EXPECT_TRUE((*server)->Stop().ok());
  if (HasFailure()) std::fprintf(stderr, "%s\n", (*server)->log().c_str());
}

// CONFIG SET maxclients raises the open-files limit, or fails saying what
// would fit (Redis's updateMaxclients), on valkdb and redis-server alike.
TEST(integration_OpenFiles, ConfigSetMaxclientsRaisesTheLimitOrFails) {
  rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_EQ(access(kPrlimit, X_OK), 0) << "needs " << kPrlimit << " (util-linux)";
  // prlimit below gives both servers a hard limit of 2000: root may raise its own.
  ASSERT_TRUE(own.rlim_max >= 2000 || geteuid() == 0)
      << "needs a hard open-files limit of 2000 or more (or root)";
  const std::string redis = FindRedisServer();
  ASSERT_FALSE(redis.empty()) << "redis-server is required";
  auto valkdb = ServerProcess::Start(
      kPrlimit, {"--nofile=1024:2000", ValkdbServerPath(), "--port", "0", "--maxclients", "1000"},
      /*read_port=*/true);
  ASSERT_OK(valkdb);
  const int redis_port = PickFreePort();
  auto oracle =
      ServerProcess::Start(kPrlimit,
                           {"--nofile=1024:2000", redis, "--port", std::to_string(redis_port),
                            "--save", "", "--appendonly", "no", "--maxclients", "1000"},
                           /*read_port=*/false);
  ASSERT_OK(oracle);
  ASSERT_TRUE(AnswersPing(redis_port, milliseconds(10000)));
  auto valkdb_client = Dial((*valkdb)->port());
  auto redis_client = Dial(redis_port);
  ASSERT_TRUE(valkdb_client && redis_client);
  EXPECT_EQ(OpenFilesLimit((*valkdb)->pid()), 1032);
  EXPECT_EQ(OpenFilesLimit((*oracle)->pid()), 1032);
  // Lower, the same, higher (Redis also set the hard limit to 1032: unless
  // privileged, it cannot go higher and says what would fit), much higher.
  for (const char* value : {"500", "1000", "1500", "5000"}) {
    SCOPED_TRACE(value);
    RespValue expected = redis_client->Command({"CONFIG", "SET", "maxclients", value});
    EXPECT_EQ(valkdb_client->Command({"CONFIG", "SET", "maxclients", value}), expected);
    EXPECT_EQ(valkdb_client->Command({"CONFIG", "GET", "maxclients"}),
              redis_client->Command({"CONFIG", "GET", "maxclients"}));
    EXPECT_EQ(OpenFilesLimit((*valkdb)->pid()), OpenFilesLimit((*oracle)->pid()));
  }
  EXPECT_TRUE((*valkdb)->Stop().ok());
  if (HasFailure()) std::fprintf(stderr, "%s\n", (*valkdb)->log().c_str());
}

// --- a client that pipelines without reading ---------------------------------------

// The stalled client's pending output (CLIENT LIST omem), or -1.
int64_t OutputMemory(RespClient& admin, std::string_view name) {
  const std::string list = admin.Command({"CLIENT", "LIST"}).str;
  for (std::string_view line : Split(list, '\n')) {
    if (line.find(StrCat(" name=", name, " ")) == std::string_view::npos) continue;
    const size_t at = line.find(" omem=");
    if (at != std::string_view::npos) return std::atoll(std::string(line.substr(at + 6)).c_str());
  }
  return -1;
}

TEST_F(integration_Limits, StalledPipelinerKeepsServerMemoryBounded) {
  // 4000-byte values are copied into the reply (not referenced): 60000 GETs
  // would be 240 MB of replies if the server read them all.
  constexpr int kGets = 60000;
  const std::string value(4000, 'r');
  auto admin = Connect();
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->Command({"SET", "v", value}), Ok());
  auto stalled = NamedClient(port(), "stalled", /*slow=*/false);
  ASSERT_NE(stalled, nullptr);
  const std::string gets = PipelinedGets(kGets, "v");
  // Send what the server and the kernel take; the server stops reading.
  size_t sent = 0;
  const auto deadline = Clock::now() + milliseconds(3000);
  while (sent < gets.size() && Clock::now() < deadline) {
    ssize_t n =
        send(stalled->fd(), gets.data() + sent, gets.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  // Other clients are served meanwhile.
  EXPECT_EQ(admin->Command({"GET", "v"}), Bulk(value));
  // What the server holds for it is bounded: it stops reading once 16 MB of
  // replies are waiting, checked between reads, so at most one more read (64 KB
  // of 22-byte GETs: about 12 MB of replies) lands on top; on a busy machine
  // reads come full. Judged by the server's own count, not by RSS.
  const int64_t omem = OutputMemory(*admin, "stalled");
  EXPECT_GT(omem, 0);
  EXPECT_LT(omem, 32 * 1024 * 1024);
  // Reading resumes the client: every reply comes, in full (the rest of the
  // requests are sent meanwhile).
  std::thread sender([&] {
    if (sent < gets.size()) {
      EXPECT_OK(stalled->Send(std::string_view(gets).substr(sent), milliseconds(60000)));
    }
  });
  int replies = 0;
  for (; replies < kGets; ++replies) {
    absl::StatusOr<RespValue> reply = stalled->ReadReply(milliseconds(30000));
    if (!reply.ok() || reply->str != value) {
      ADD_FAILURE() << "reply " << replies << ": "
                    << (reply.ok() ? reply->DebugString().substr(0, 100)
                                   : reply.status().ToString());
      break;
    }
  }
  sender.join();
  EXPECT_EQ(replies, kGets);
}

// A client that stops reading has a send in flight (on valkdb's io_uring, a
// send the kernel holds until the socket drains). Leaving, or being killed,
// then closes it at once; the server serves on and forgets it.
void integration_Limits::ClientsWithRepliesInFlightCloseCleanly() {
  for (const auto& [server, port] : Servers()) {
    SCOPED_TRACE(server);
    const pid_t pid = server == "valkdb" ? valkdb().pid() : redis().pid();
    auto admin = ConnectTo(port);
    ASSERT_NE(admin, nullptr);
    ASSERT_TRUE(WaitUntilOnlyClient(*admin, milliseconds(10000)));
    const size_t fds_before = OpenFiles(pid);
    ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
    // 5 MB of replies to clients whose tiny windows take a few KB.
    {
      auto leaver = SlowReader(port, "leaver");
      ASSERT_NE(leaver, nullptr);
      ASSERT_OK(leaver->Send(PipelinedGets(50, "big")));
      EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
    }  // closed with replies unread: the server sees a reset
    EXPECT_TRUE(WaitUntilGone(*admin, "leaver", milliseconds(10000)));
    auto killed = SlowReader(port, "killed");
    ASSERT_NE(killed, nullptr);
    const RespValue id = killed->Command({"CLIENT", "ID"});
    ASSERT_EQ(id.type, RespValue::Type::kInteger);
    ASSERT_OK(killed->Send(PipelinedGets(50, "big")));
    EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
    EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ID", StrCat(id.integer)}), Int(1));
    EXPECT_TRUE(WaitUntilGone(*admin, "killed", milliseconds(10000)));
    EXPECT_TRUE(WaitUntilOnlyClient(*admin, milliseconds(10000)));
    // Both sockets are closed in the server, not only forgotten.
    const auto deadline = Clock::now() + milliseconds(10000);
    while (OpenFiles(pid) > fds_before && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_EQ(OpenFiles(pid), fds_before);
    EXPECT_EQ(admin->Command({"GET", "big"}), Bulk(std::string(kBigValue, 'v')));
  }
}

// The CPU time (utime + stime, in clock ticks) a process has used.
int64_t CpuTicks(pid_t pid) {
  std::ifstream in(StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  int64_t ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stoll(field);
  }
  return ticks;
}

// More sends complete at once than the ring's completion queue holds (3000
// clients answered in one turn): the completions that overflowed still come
// back, every client has its reply, and the idle server sleeps instead of
// spinning on a ring that stays readable.
void ManyRepliesAtOnceThenIdle(const std::vector<std::string>& args) {
  constexpr int kClients = 3000;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;  // the server inherits it
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, rlim_t{kClients + 200}) << "the hard fd limit is too low";
  auto server = ServerProcess::StartValkdb(args);
  ASSERT_OK(server.status());
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Dial((*server)->port()));
    ASSERT_NE(clients.back(), nullptr) << "client " << i;
  }
  for (auto& client : clients) ASSERT_OK(client->Send("PING\r\n"));
  for (auto& client : clients) {
    auto reply = client->ReadReply(milliseconds(30000));
    ASSERT_OK(reply.status());
    ASSERT_EQ(*reply, Simple("PONG"));
  }
  // Idle for a second: a sleeping server uses a few ticks, a spinning one a
  // whole second's worth (100).
  const int64_t before = CpuTicks((*server)->pid());
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_LT(CpuTicks((*server)->pid()) - before, 50) << "the idle server kept running";
  for (int i = 0; i < kClients; i += 300) {
    EXPECT_EQ(clients[i]->Command({"PING"}), Simple("PONG")) << "client " << i;
  }
}

TEST(integration_LimitsRing, ManyRepliesAtOnceThenIdleOnTheSendsRing) {
  ManyRepliesAtOnceThenIdle({"--io-uring", "sends"});
}
TEST(integration_LimitsRing, ManyRepliesAtOnceThenIdleOnTheNativeRing) {
  ManyRepliesAtOnceThenIdle({"--io-uring", "yes"});
}

// valkdb-server shuts down while a client that stopped reading has a send in
// flight: the grace period ends, the client is closed, the process exits.
void ShutdownWithASendInFlight(const std::vector<std::string>& args) {
  auto server = ServerProcess::StartValkdb(args);
  ASSERT_OK(server.status());
  auto admin = Dial((*server)->port());
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->Command({"SET", "big", std::string(kBigValue, 'v')}), Ok());
  auto stalled = SlowReader((*server)->port(), "stalled");
  ASSERT_NE(stalled, nullptr);
  ASSERT_OK(stalled->Send(PipelinedGets(50, "big")));
  EXPECT_EQ(admin->Command({"PING"}), Simple("PONG"));
  ASSERT_OK(admin->Send(Encode({"SHUTDOWN", "NOSAVE"})));
  absl::StatusOr<ExitStatus> exit = (*server)->Wait(milliseconds(60000));
  ASSERT_OK(exit.status()) << (*server)->log();
  EXPECT_TRUE(exit->exited && exit->code == 0) << (*server)->log();
}

// The scenarios, on valkdb with one event loop and with two (connections on
// both loops, pub/sub messages and kills crossing between them).
class integration_LimitsMultiLoop : public integration_Limits {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--threads", "2"}; }
};

// The same with replies written through libuv (io-uring no, as on a kernel
// that refuses io_uring).
class integration_LimitsLibuvWrites : public integration_Limits {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--io-uring", "no"}; }
};

// The same with the ring for replies only (io-uring sends, as on a kernel
// before 6.1): libuv reads and waits.
class integration_LimitsRingSends : public integration_Limits {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--io-uring", "sends"}; }
};

TEST_F(integration_Limits, NormalHardOutputLimitClosesAPipeliningClient) {
  NormalHardOutputLimitClosesAPipeliningClient();
}
TEST_F(integration_LimitsMultiLoop, NormalHardOutputLimitClosesAPipeliningClient) {
  NormalHardOutputLimitClosesAPipeliningClient();
}
TEST_F(integration_Limits, SubscribersUseThePubsubClass) { SubscribersUseThePubsubClass(); }
TEST_F(integration_LimitsMultiLoop, SubscribersUseThePubsubClass) {
  SubscribersUseThePubsubClass();
}
TEST_F(integration_Limits, IdleClientsTimeOutButSubscribersAndActiveClientsDoNot) {
  IdleClientsTimeOutButSubscribersAndActiveClientsDoNot();
}
TEST_F(integration_LimitsMultiLoop, IdleClientsTimeOutButSubscribersAndActiveClientsDoNot) {
  IdleClientsTimeOutButSubscribersAndActiveClientsDoNot();
}
TEST_F(integration_Limits, QueryBufferLimitClosesAClientSendingABigArgument) {
  QueryBufferLimitClosesAClientSendingABigArgument();
}
TEST_F(integration_LimitsMultiLoop, QueryBufferLimitClosesAClientSendingABigArgument) {
  QueryBufferLimitClosesAClientSendingABigArgument();
}
TEST_F(integration_Limits, MaxClientsRefusesTheConnectionOverTheLimit) {
  MaxClientsRefusesTheConnectionOverTheLimit();
}
TEST_F(integration_LimitsMultiLoop, MaxClientsRefusesTheConnectionOverTheLimit) {
  MaxClientsRefusesTheConnectionOverTheLimit();
}
TEST_F(integration_Limits, EveryReplyBeforeQuitArrivesThoughMoreInputFollows) {
  EveryReplyBeforeQuitArrivesThoughMoreInputFollows();
}
TEST_F(integration_LimitsMultiLoop, EveryReplyBeforeQuitArrivesThoughMoreInputFollows) {
  EveryReplyBeforeQuitArrivesThoughMoreInputFollows();
}
TEST_F(integration_Limits, KilledClientIsGoneBeforeTheReply) { KilledClientIsGoneBeforeTheReply(); }
TEST_F(integration_LimitsMultiLoop, KilledClientIsGoneBeforeTheReply) {
  KilledClientIsGoneBeforeTheReply();
}
TEST_F(integration_Limits, NoReplyBeforeQuitIsLostIn200BusyTries) {
  NoReplyBeforeQuitIsLostIn200BusyTries();
}
TEST_F(integration_LimitsMultiLoop, NoReplyBeforeQuitIsLostIn200BusyTries) {
  NoReplyBeforeQuitIsLostIn200BusyTries();
}

TEST_F(integration_Limits, ClientsWithRepliesInFlightCloseCleanly) {
  ClientsWithRepliesInFlightCloseCleanly();
}
TEST_F(integration_LimitsMultiLoop, ClientsWithRepliesInFlightCloseCleanly) {
  ClientsWithRepliesInFlightCloseCleanly();
}
TEST_F(integration_LimitsLibuvWrites, ClientsWithRepliesInFlightCloseCleanly) {
  ClientsWithRepliesInFlightCloseCleanly();
}
TEST_F(integration_LimitsLibuvWrites, NormalHardOutputLimitClosesAPipeliningClient) {
  NormalHardOutputLimitClosesAPipeliningClient();
}
TEST_F(integration_LimitsLibuvWrites, EveryReplyBeforeQuitArrivesThoughMoreInputFollows) {
  EveryReplyBeforeQuitArrivesThoughMoreInputFollows();
}
TEST_F(integration_LimitsLibuvWrites, NoReplyBeforeQuitIsLostIn200BusyTries) {
  NoReplyBeforeQuitIsLostIn200BusyTries();
}
TEST_F(integration_LimitsLibuvWrites, KilledClientIsGoneBeforeTheReply) {
  KilledClientIsGoneBeforeTheReply();
}
TEST_F(integration_LimitsLibuvWrites, SubscribersUseThePubsubClass) {
  SubscribersUseThePubsubClass();
}
TEST_F(integration_LimitsRingSends, ClientsWithRepliesInFlightCloseCleanly) {
  ClientsWithRepliesInFlightCloseCleanly();
}
TEST_F(integration_LimitsRingSends, NormalHardOutputLimitClosesAPipeliningClient) {
  NormalHardOutputLimitClosesAPipeliningClient();
}
TEST_F(integration_LimitsRingSends, EveryReplyBeforeQuitArrivesThoughMoreInputFollows) {
  EveryReplyBeforeQuitArrivesThoughMoreInputFollows();
}
TEST_F(integration_LimitsRingSends, KilledClientIsGoneBeforeTheReply) {
  KilledClientIsGoneBeforeTheReply();
}
TEST(integration_Shutdown, ExitsWithASendInFlight) { ShutdownWithASendInFlight({}); }
TEST(integration_Shutdown, ExitsWithASendInFlightOnRingSends) {
  ShutdownWithASendInFlight({"--io-uring", "sends"});
}
TEST(integration_Shutdown, ExitsWithASendInFlightOnTwoLoops) {
  ShutdownWithASendInFlight({"--threads", "2"});
}
TEST(integration_Shutdown, ExitsWithAWriteInFlightThroughLibuv) {
  ShutdownWithASendInFlight({"--io-uring", "no"});
}

}  // namespace
}  // namespace valkdb::test
