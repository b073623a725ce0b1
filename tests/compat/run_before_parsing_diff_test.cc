// Commands that decide how the input after them is read (QUIT, AUTH, ...) in
// the situations where that input arrives later than usual: while QUIT's
// replies are still on their way to a slow reader, and while CLIENT PAUSE
// holds the command back. The same steps run against valkdb and a real
// redis-server; what each sends back must be identical.

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

class RunBeforeParsingDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

// Everything a client gets after `GET big` + QUIT, reading slowly, when more
// input (a command and a protocol error) follows QUIT in a later packet.
std::string QuitWhileRepliesPending(int port, const std::string& big) {
  auto client = RespClient::Connect(port);
  if (!client.ok()) return StrCat("<connect: ", client.status().ToString(), ">");
  RespClient& c = **client;
  // A small receive buffer keeps most of GET's reply in the server.
  const int rcvbuf = 64 * 1024;
  setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (c.Command({"SET", "big", big}) != Simple("OK")) return "<SET failed>";
  if (!c.Send("GET big\r\nQUIT\r\n").ok()) return "<send failed>";
  std::this_thread::sleep_for(milliseconds(300));
  // The server may already have closed: what it sent is read below either way.
  c.Send("PING\r\n*abc\r\n").IgnoreError();
  std::string out = c.ReadRawUntilTimeout(milliseconds(5000));
  // The value itself is compared by length only, to keep a mismatch readable.
  const std::string head = StrCat("$", big.size(), "\r\n");
  if (out.rfind(head, 0) == 0 && out.size() >= head.size() + big.size() + 2 &&
      out.compare(head.size(), big.size(), big) == 0) {
    out = StrCat("<GET reply of ", big.size(), " bytes>", out.substr(head.size() + big.size()));
  }
  return StrCat(out, c.IsClosedByPeer(milliseconds(3000)) ? "<closed>" : "<open>");
}

TEST_F(RunBeforeParsingDiffTest, NothingIsReadAfterQuitWhileRepliesArePending) {
  const std::string big(8 * 1024 * 1024, 'v');
  const std::string valkdb_out = QuitWhileRepliesPending(port(), big);
  const std::string redis_out = QuitWhileRepliesPending(redis().port(), big);
  EXPECT_EQ(valkdb_out, redis_out);
  EXPECT_EQ(valkdb_out, StrCat("<GET reply of ", big.size(), " bytes>\r\n+OK\r\n<closed>"));
}

// Appends the next reply's raw bytes (or what went wrong) to *out.
void AppendReply(RespClient& c, std::string* out) {
  auto raw = c.ReadRawReply(milliseconds(10000));
  StrAppend(out, raw.ok() ? *raw : StrCat("<", raw.status().ToString(), ">"));
}

// AUTH held back by CLIENT PAUSE ALL, pipelined with a bulk over the
// unauthenticated limit (16 KB): once AUTH has run, the bulk is accepted.
std::string PausedAuthThenBigBulk(int port) {
  auto admin = RespClient::Connect(port);
  if (!admin.ok()) return "<connect failed>";
  std::string out;
  auto reply = [&](RespClient& c) { AppendReply(c, &out); };
  (*admin)->Send(Encode({"CONFIG", "SET", "requirepass", "pw"})).IgnoreError();
  reply(**admin);
  (*admin)->Send(Encode({"AUTH", "pw"}) + Encode({"CLIENT", "PAUSE", "300", "ALL"})).IgnoreError();
  reply(**admin);
  reply(**admin);
  auto client = RespClient::Connect(port);
  if (!client.ok()) return "<connect failed>";
  (*client)
      ->Send(Encode({"AUTH", "pw"}) + Encode({"SET", "k", std::string(20000, 'y')}) +
             Encode({"STRLEN", "k"}))
      .IgnoreError();
  reply(**client);
  reply(**client);
  reply(**client);
  (*admin)->Send(Encode({"CONFIG", "SET", "requirepass", ""})).IgnoreError();
  reply(**admin);
  return out;
}

TEST_F(RunBeforeParsingDiffTest, PausedAuthLiftsTheUnauthenticatedLimits) {
  const std::string valkdb_out = PausedAuthThenBigBulk(port());
  const std::string redis_out = PausedAuthThenBigBulk(redis().port());
  EXPECT_EQ(valkdb_out, redis_out);
  EXPECT_EQ(valkdb_out, "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n:20000\r\n+OK\r\n");
}

// CLIENT PAUSE WRITE: a write queued in MULTI is held (and counted in INFO
// blocked_clients, as Redis counts paused clients) until the pause ends; a
// transaction of reads runs at once.
std::string PausedTransactions(int port) {
  auto admin = RespClient::Connect(port);
  auto client = RespClient::Connect(port);
  if (!admin.ok() || !client.ok()) return "<connect failed>";
  std::string out;
  auto reply = [&](RespClient& c) { AppendReply(c, &out); };
  // blocked_clients, waited for (up to 10 s) until it is `want`.
  auto blocked = [&](int want) {
    const std::string line = StrCat("blocked_clients:", want, "\r\n");
    std::string info;
    for (int i = 0; i < 500; ++i) {
      info = (*admin)->Command({"INFO", "clients"}).str;
      if (info.find(line) != std::string::npos) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
    const size_t at = info.find("blocked_clients:");
    StrAppend(&out, "[", info.substr(at, info.find('\r', at) - at), "]");
  };
  (*admin)->Send(Encode({"CLIENT", "PAUSE", "60000", "WRITE"})).IgnoreError();
  reply(**admin);
  (*client)->Send(Encode({"MULTI"}) + Encode({"SET", "x", "1"})).IgnoreError();
  reply(**client);
  blocked(1);
  (*client)->Send(Encode({"EXEC"})).IgnoreError();
  (*admin)->Send(Encode({"CLIENT", "UNPAUSE"})).IgnoreError();
  reply(**admin);
  reply(**client);
  reply(**client);
  blocked(0);
  (*admin)->Send(Encode({"CLIENT", "PAUSE", "60000", "WRITE"})).IgnoreError();
  reply(**admin);
  (*client)
      ->Send(Encode({"MULTI"}) + Encode({"GET", "x"}) + Encode({"PING"}) + Encode({"EXEC"}))
      .IgnoreError();
  for (int i = 0; i < 4; ++i) reply(**client);
  blocked(0);
  (*admin)->Send(Encode({"CLIENT", "UNPAUSE"})).IgnoreError();
  reply(**admin);
  return out;
}

TEST_F(RunBeforeParsingDiffTest, PauseWriteHoldsWritesInTransactionsNotReads) {
  const std::string valkdb_out = PausedTransactions(port());
  const std::string redis_out = PausedTransactions(redis().port());
  EXPECT_EQ(valkdb_out, redis_out);
  EXPECT_EQ(valkdb_out,
            "+OK\r\n+OK\r\n[blocked_clients:1]+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"
            "[blocked_clients:0]+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\n1\r\n+PONG\r\n"
            "[blocked_clients:0]+OK\r\n");
}

// A client whose write CLIENT PAUSE holds closes its connection: the write
// never runs (Redis reads a paused client and frees it on EOF), and it is no
// longer counted in blocked_clients. (A MIGRATE that timed out against a
// paused target had its RESTORE run after the pause, on a later keyspace.)
std::string PausedWriteOfAClosedClient(int port) {
  auto admin = RespClient::Connect(port);
  auto client = RespClient::Connect(port);
  if (!admin.ok() || !client.ok()) return "<connect failed>";
  std::string out;
  auto reply = [&](RespClient& c) { AppendReply(c, &out); };
  auto blocked = [&](int want) {
    const std::string line = StrCat("blocked_clients:", want, "\r\n");
    std::string info;
    for (int i = 0; i < 500; ++i) {
      info = (*admin)->Command({"INFO", "clients"}).str;
      if (info.find(line) != std::string::npos) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
    const size_t at = info.find("blocked_clients:");
    StrAppend(&out, "[", info.substr(at, info.find('\r', at) - at), "]");
  };
  (*admin)
      ->Send(Encode({"DEL", "held"}) + Encode({"CLIENT", "PAUSE", "60000", "WRITE"}))
      .IgnoreError();
  reply(**admin);
  reply(**admin);
  (*client)->Send(Encode({"SET", "held", "1"})).IgnoreError();
  blocked(1);
  client->reset();
  blocked(0);
  (*admin)->Send(Encode({"CLIENT", "UNPAUSE"}) + Encode({"EXISTS", "held"})).IgnoreError();
  reply(**admin);
  reply(**admin);
  return out;
}

TEST_F(RunBeforeParsingDiffTest, PausedWriteOfAClosedClientNeverRuns) {
  const std::string valkdb_out = PausedWriteOfAClosedClient(port());
  const std::string redis_out = PausedWriteOfAClosedClient(redis().port());
  EXPECT_EQ(valkdb_out, redis_out);
  EXPECT_EQ(valkdb_out, ":0\r\n+OK\r\n[blocked_clients:1][blocked_clients:0]+OK\r\n:0\r\n");
}

// What CLIENT PAUSE WRITE does not hold, answered while the pause lasts (each
// read waits at most 10 s, far less than the pause): a transaction of
// no-writes scripts, and the refusals Redis checks before the pause (an
// unknown command, a write with the wrong arity). (Under PAUSE ALL even
// CLIENT UNPAUSE waits, as in Redis; tests/unit/commands/client_admin_test.cc
// covers that case.)
std::string NotHeldByPauseWrite(int port) {
  auto admin = RespClient::Connect(port);
  auto client = RespClient::Connect(port);
  if (!admin.ok() || !client.ok()) return "<connect failed>";
  std::string out;
  auto reply = [&](RespClient& c) { AppendReply(c, &out); };
  (*admin)->Send(Encode({"CLIENT", "PAUSE", "60000", "WRITE"})).IgnoreError();
  reply(**admin);
  const std::string no_writes = "#!lua flags=no-writes\nreturn 12";
  (*client)
      ->Send(Encode({"MULTI"}) + Encode({"EVAL", no_writes, "0"}) +
             Encode({"EVAL", no_writes, "0"}) + Encode({"EXEC"}) + Encode({"NOSUCHCMD", "a"}) +
             Encode({"SET", "k"}))
      .IgnoreError();
  for (int i = 0; i < 6; ++i) reply(**client);
  (*admin)->Send(Encode({"CLIENT", "UNPAUSE"})).IgnoreError();
  reply(**admin);
  return out;
}

TEST_F(RunBeforeParsingDiffTest, PauseWriteAnswersRefusalsAndNoWritesTransactions) {
  const std::string valkdb_out = NotHeldByPauseWrite(port());
  const std::string redis_out = NotHeldByPauseWrite(redis().port());
  EXPECT_EQ(valkdb_out, redis_out);
  EXPECT_EQ(valkdb_out,
            "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:12\r\n:12\r\n"
            "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' \r\n"
            "-ERR wrong number of arguments for 'set' command\r\n+OK\r\n");
}

}  // namespace
}  // namespace valkdb::test
