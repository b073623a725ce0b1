// Replication against real parts: a real redis-server 7.0 replica of a
// valkdb master and a valkdb replica of a real redis-server master hold the
// master's keyspace (every type, several databases, TTLs — compared with
// DEBUG DIGEST, which both compute alike) after the full sync and after a
// stream of writes; a dropped link resynchronises partially; a replica of a
// replica follows, and keeps following partially (PSYNC2) when its master
// is promoted; WAIT, READONLY, expiry driven by the master, and a command
// valkdb lacks in a master's stream stopping the link loudly.
//
// Nothing here asserts a time: every wait polls for a state, with a
// generous deadline that only proves liveness.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLiveness{60000};

bool WaitFor(const std::function<bool()>& done, milliseconds timeout = kLiveness) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

std::unique_ptr<ServerProcess> StartValkdb(std::vector<std::string> args = {}) {
  // As StartRedis: a full sync starts without waiting for more replicas.
  args.insert(args.begin(),
              {"--enable-debug-command", "yes", "--save", "", "--repl-diskless-sync-delay", "0"});
  auto server = ServerProcess::StartValkdb(args);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<ServerProcess> StartRedis(std::vector<std::string> args = {}) {
  args.insert(args.end(), {"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
  auto server = ServerProcess::StartRedis(args);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<RespClient> Client(const ServerProcess& server) {
  auto client = RespClient::Connect(server.port());
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

int64_t InfoInt(RespClient& c, std::string_view section, std::string_view name) {
  int64_t value = -1;
  return ParseInt64(InfoField(c, section, name), &value) ? value : -1;
}

std::string Digest(RespClient& c) { return c.Command({"DEBUG", "DIGEST"}).str; }

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The replica is up and has processed everything the master has.
bool CaughtUp(RespClient& master, RespClient& replica) {
  if (InfoField(replica, "replication", "master_link_status") != "up") return false;
  const int64_t offset = InfoInt(master, "replication", "master_repl_offset");
  return offset >= 0 && InfoInt(replica, "replication", "slave_repl_offset") == offset;
}

// Where two keyspaces differ, key by key (DEBUG DIGEST-VALUE and TYPE), for
// a failure's message: a digest alone does not say what went wrong.
std::string KeyspaceDifferences(RespClient& master, RespClient& replica) {
  std::string out;
  for (const char* db : {"0", "1", "9"}) {
    master.Command({"SELECT", db});
    replica.Command({"SELECT", db});
    std::set<std::string> keys;
    for (RespClient* c : {&master, &replica}) {
      for (const RespValue& key : c->Command({"KEYS", "*"}).elements) keys.insert(key.str);
    }
    for (const std::string& key : keys) {
      auto digest = [&](RespClient& c) {
        const RespValue reply = c.Command({"DEBUG", "DIGEST-VALUE", key});
        return reply.elements.empty() ? reply.str : reply.elements[0].str;
      };
      const std::string a = digest(master);
      const std::string b = digest(replica);
      if (a == b) continue;
      StrAppend(&out, "db ", db, " ", key, " (", master.Command({"TYPE", key}).str, "/",
                replica.Command({"TYPE", key}).str, ") ttl ", master.Command({"PTTL", key}).integer,
                "/", replica.Command({"PTTL", key}).integer, "\n");
    }
  }
  master.Command({"SELECT", "0"});
  replica.Command({"SELECT", "0"});
  return out;
}

// The same keyspace: digests equal once the replica caught up.
void ExpectSameKeyspace(RespClient& master, RespClient& replica) {
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }))
      << "master:\n"
      << master.Command({"INFO", "replication"}).str << "\nreplica:\n"
      << replica.Command({"INFO", "replication"}).str;
  const std::string master_digest = Digest(master);
  const std::string replica_digest = Digest(replica);
  EXPECT_EQ(master_digest, replica_digest)
      << (master_digest == replica_digest ? std::string() : KeyspaceDifferences(master, replica));
  for (const char* db : {"0", "1", "9"}) {
    master.Command({"SELECT", db});
    replica.Command({"SELECT", db});
    EXPECT_EQ(master.Command({"DBSIZE"}).integer, replica.Command({"DBSIZE"}).integer) << db;
  }
  master.Command({"SELECT", "0"});
  replica.Command({"SELECT", "0"});
}

// Every type, three databases, TTLs; then the writes of `round`.
void Populate(RespClient& c, int round) {
  const std::string r = std::to_string(round);
  for (const char* db : {"0", "1", "9"}) {
    ASSERT_EQ(c.Command({"SELECT", db}).str, "OK");
    for (int i = 0; i < 50; ++i) {
      const std::string n = StrCat(r, ":", i);
      c.Command({"SET", StrCat("s:", n), StrCat("value-", n)});
      c.Command({"HSET", StrCat("h:", r), StrCat("f", i), n});
      c.Command({"RPUSH", StrCat("l:", r), n});
      c.Command({"SADD", StrCat("set:", r), n});
      c.Command({"SADD", StrCat("iset:", r), std::to_string(i * 7)});
      c.Command({"ZADD", StrCat("z:", r), StrCat(i, ".5"), n});
      c.Command({"PFADD", StrCat("hll:", r), n});
    }
    c.Command({"SET", StrCat("ttl:", r), "x", "EX", "10000"});
    c.Command({"HSET", StrCat("bigh:", r), "field", std::string(300, 'h')});
    c.Command({"INCRBY", "counter", "5"});
    c.Command({"APPEND", "log", r});
    c.Command({"EXPIRE", StrCat("l:", r), "5000"});
    c.Command({"DEL", StrCat("s:", r, ":3")});
    c.Command({"LPOP", StrCat("l:", r)});
    c.Command({"SPOP", StrCat("set:", r)});
    c.Command({"ZINCRBY", StrCat("z:", r), "10", StrCat(r, ":4")});
    c.Command({"MULTI"});
    c.Command({"INCR", "tx"});
    c.Command({"LPUSH", "txl", r});
    c.Command({"EXEC"});
  }
  c.Command({"SELECT", "0"});
}

// diskless: repl-diskless-sync on the valkdb master (Redis's default).
void RedisReplicaOfValkdbMaster(bool diskless) {
  auto master = StartValkdb({"--threads", "2", "--repl-diskless-sync", diskless ? "yes" : "no"});
  auto replica = StartRedis();
  ASSERT_TRUE(master && replica);
  auto m = Client(*master);
  auto r = Client(*replica);
  Populate(*m, 0);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ExpectSameKeyspace(*m, *r);
  // The stream after the full sync.
  Populate(*m, 1);
  m->Command({"FLUSHDB"});  // db 0 only
  Populate(*m, 2);
  ExpectSameKeyspace(*m, *r);
  EXPECT_EQ(InfoInt(*m, "replication", "connected_slaves"), 1);
  EXPECT_EQ(InfoInt(*m, "stats", "sync_full"), 1);
  // The RDB went as the setting says: streamed ("$EOF:") or as a file ("$<len>").
  const std::string replica_log = replica->log();
  EXPECT_EQ(replica_log.find("receiving streamed RDB from master") != std::string::npos, diskless)
      << replica_log;
  // ROLE on the master lists the replica with its listening port.
  RespValue role = m->Command({"ROLE"});
  ASSERT_EQ(role.elements.size(), 3u);
  EXPECT_EQ(role.elements[0].str, "master");
  ASSERT_EQ(role.elements[2].elements.size(), 1u);
  EXPECT_EQ(role.elements[2].elements[0].elements[1].str, std::to_string(replica->port()));

  // A dropped link: the replica continues where it was (partial resync).
  Populate(*m, 3);
  ASSERT_EQ(r->Command({"CLIENT", "KILL", "TYPE", "master"}).integer, 1);
  Populate(*m, 4);
  ExpectSameKeyspace(*m, *r);
  EXPECT_GE(InfoInt(*m, "stats", "sync_partial_ok"), 1);
  EXPECT_EQ(InfoInt(*m, "stats", "sync_full"), 1);
}

TEST(ReplicationTest, RedisReplicaOfValkdbMasterDiskless) { RedisReplicaOfValkdbMaster(true); }
TEST(ReplicationTest, RedisReplicaOfValkdbMasterThroughAFile) { RedisReplicaOfValkdbMaster(false); }

TEST(ReplicationTest, ValkdbReplicaOfRedisMaster) {
  for (const char* diskless : {"yes", "no"}) {
    SCOPED_TRACE(diskless);
    auto master = StartRedis({"--repl-diskless-sync", diskless});
    auto replica = StartValkdb();
    ASSERT_TRUE(master && replica);
    auto m = Client(*master);
    auto r = Client(*replica);
    Populate(*m, 0);
    ASSERT_EQ(r->Command({"REPLICAOF", "localhost", std::to_string(master->port())}).str, "OK");
    ExpectSameKeyspace(*m, *r);
    Populate(*m, 1);
    ExpectSameKeyspace(*m, *r);
    EXPECT_EQ(InfoField(*r, "replication", "role"), "slave");
    EXPECT_EQ(InfoField(*r, "replication", "master_replid"),
              InfoField(*m, "replication", "master_replid"));
    // A read-only replica: Redis's error, and nothing changes.
    EXPECT_EQ(r->Command({"SET", "x", "1"}).str,
              "READONLY You can't write against a read only replica.");
    EXPECT_EQ(r->Command({"GET", "s:1:1"}).str, "value-1:1");
    RespValue role = r->Command({"ROLE"});
    ASSERT_EQ(role.elements.size(), 5u);
    EXPECT_EQ(role.elements[0].str, "slave");
    EXPECT_EQ(role.elements[3].str, "connected");

    // The master drops the link: the replica continues partially.
    ASSERT_EQ(m->Command({"CLIENT", "KILL", "TYPE", "replica"}).integer, 1);
    Populate(*m, 2);
    ExpectSameKeyspace(*m, *r);
    EXPECT_GE(InfoInt(*m, "stats", "sync_partial_ok"), 1);
    EXPECT_EQ(InfoInt(*m, "stats", "sync_full"), 1);

    // REPLICAOF NO ONE: a master again, with the data.
    ASSERT_EQ(r->Command({"REPLICAOF", "NO", "ONE"}).str, "OK");
    EXPECT_EQ(InfoField(*r, "replication", "role"), "master");
    EXPECT_EQ(r->Command({"SET", "x", "1"}).str, "OK");
    EXPECT_EQ(r->Command({"GET", "s:2:1"}).str, "value-2:1");
  }
}

// A replica restarted after a short disconnect continues partially: its
// dump.rdb carries repl-id and repl-offset (Redis's rdbSaveInfoAuxFields).
TEST(ReplicationTest, RestartedReplicaContinuesPartially) {
  char dir_template[] = "/tmp/valkdb-repl-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  auto master = StartValkdb();
  ASSERT_TRUE(master);
  auto m = Client(*master);
  Populate(*m, 0);
  const std::vector<std::string> replica_args = {"--dir", dir, "--replicaof", "127.0.0.1",
                                                 std::to_string(master->port())};
  {
    auto replica = StartValkdb(replica_args);
    ASSERT_TRUE(replica);
    auto r = Client(*replica);
    ExpectSameKeyspace(*m, *r);
    Populate(*m, 1);
    ExpectSameKeyspace(*m, *r);
    ASSERT_TRUE(r->Send(Encode({"SHUTDOWN", "SAVE"})).ok());  // no reply: the server exits
    EXPECT_TRUE(replica->Wait(kLiveness).ok());
  }
  Populate(*m, 2);  // while the replica is down: from the backlog
  auto replica = StartValkdb(replica_args);
  ASSERT_TRUE(replica);
  auto r = Client(*replica);
  ExpectSameKeyspace(*m, *r);
  EXPECT_EQ(InfoInt(*m, "stats", "sync_full"), 1);
  EXPECT_EQ(InfoInt(*m, "stats", "sync_partial_ok"), 1);
  std::filesystem::remove_all(dir);
}

// A replica of a replica follows the chain; when the middle one is promoted
// the last continues from it partially (PSYNC2: the old id stays valid as
// the second id), both for a valkdb and a real Redis sub-replica.
TEST(ReplicationTest, ChainAndPromotionContinuePartially) {
  auto a = StartValkdb();
  auto b = StartValkdb({"--threads", "2"});
  auto c = StartValkdb();
  auto d = StartRedis();
  ASSERT_TRUE(a && b && c && d);
  auto ca = Client(*a);
  auto cb = Client(*b);
  auto cc = Client(*c);
  auto cd = Client(*d);
  Populate(*ca, 0);
  ASSERT_EQ(cb->Command({"REPLICAOF", "127.0.0.1", std::to_string(a->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*ca, *cb); }));
  ASSERT_EQ(cc->Command({"REPLICAOF", "127.0.0.1", std::to_string(b->port())}).str, "OK");
  ASSERT_EQ(cd->Command({"REPLICAOF", "127.0.0.1", std::to_string(b->port())}).str, "OK");
  Populate(*ca, 1);
  ExpectSameKeyspace(*ca, *cb);
  ExpectSameKeyspace(*ca, *cc);
  ExpectSameKeyspace(*ca, *cd);
  // Offsets are the master's all along the chain.
  EXPECT_EQ(InfoInt(*cc, "replication", "master_repl_offset"),
            InfoInt(*ca, "replication", "master_repl_offset"));
  const int64_t full_before = InfoInt(*cb, "stats", "sync_full");

  ASSERT_EQ(cb->Command({"REPLICAOF", "NO", "ONE"}).str, "OK");
  Populate(*cb, 2);
  ExpectSameKeyspace(*cb, *cc);
  ExpectSameKeyspace(*cb, *cd);
  EXPECT_EQ(InfoInt(*cb, "stats", "sync_full"), full_before);
  EXPECT_GE(InfoInt(*cb, "stats", "sync_partial_ok"), 2);
  EXPECT_EQ(InfoField(*cc, "replication", "master_replid"),
            InfoField(*cb, "replication", "master_replid"));
  EXPECT_EQ(InfoField(*cb, "replication", "master_replid2"),
            InfoField(*ca, "replication", "master_replid"));
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- b's log\n" << b->log() << "---- c's log\n" << c->log();
  }
}

// A master the test plays by hand on a socket: it answers one replica's
// handshake, gives it a full sync of an empty keyspace (offset 0), then
// sends the stream bytes the test chooses, when it chooses.
class HandPlayedMaster {
 public:
  HandPlayedMaster() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 1) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "listen: " << strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~HandPlayedMaster() {
    if (fd_ >= 0) close(fd_);
    if (listen_fd_ >= 0) close(listen_fd_);
  }
  int port() const { return port_; }

  // Accepts the replica and answers it up to and including the full sync.
  bool ServeFullSync() {
    fd_ = accept(listen_fd_, nullptr, nullptr);
    if (fd_ < 0) return false;
    timeval timeout{30, 0};  // liveness only
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    RequestParser parser;
    CommandArgs args;
    std::string input;
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(fd_, chunk, sizeof(chunk));
      if (n <= 0) return false;
      input.append(chunk, static_cast<size_t>(n));
      size_t consumed = 0;
      while (parser.Parse(std::string_view(input).substr(consumed), &consumed, &args) ==
             RequestParser::Status::kCommand) {
        const std::string name = AsciiLower(args.views()[0]);
        if (name == "psync" || name == "sync") {
          // An RDB of no keys: header, EOF opcode, a zero checksum (not checked).
          const std::string rdb = std::string("REDIS0009\xff", 10) + std::string(8, '\0');
          return Send(
              StrCat("+FULLRESYNC ", std::string(40, 'a'), " 0\r\n$", rdb.size(), "\r\n", rdb));
        }
        if (!Send(name == "ping" ? "+PONG\r\n" : "+OK\r\n")) return false;
      }
      input.erase(0, consumed);
    }
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write(fd_, bytes.data(), bytes.size());
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

// A sub-replica's full sync while the master's transaction is half-way
// through: the replica counts none of MULTI ... EXEC in its offset until
// EXEC (as Redis's reploff), so the sub-replica gets the whole block after
// its RDB. Counting each command as it came, the offset would fall inside
// the block: the sub-replica would start after MULTI, run what follows
// outside a transaction, and never see the commands queued before it.
TEST(ReplicationTest, SubReplicaSyncedInsideTheMastersTransactionGetsItWhole) {
  HandPlayedMaster master;
  auto b = StartValkdb();
  auto c = StartValkdb();
  ASSERT_TRUE(b && c);
  auto cb = Client(*b);
  auto cc = Client(*c);
  ASSERT_EQ(cb->Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");
  ASSERT_TRUE(master.ServeFullSync());
  ASSERT_TRUE(WaitFor([&] { return InfoField(*cb, "replication", "master_link_status") == "up"; }));
  const std::string before = Encode({"SET", "before", "1"});
  const std::string queued =
      Encode({"MULTI"}) + Encode({"INCR", "tx"}) + Encode({"RPUSH", "txl", "a"});
  const std::string exec = Encode({"EXEC"});
  ASSERT_TRUE(master.Send(before + queued));
  const auto end_of = [](const std::string& bytes) { return static_cast<int64_t>(bytes.size()); };
  // The replica has read the queued commands; its offset stops before MULTI.
  ASSERT_TRUE(WaitFor([&] {
    return InfoInt(*cb, "replication", "slave_read_repl_offset") == end_of(before + queued);
  })) << cb->Command({"INFO", "replication"}).str;
  EXPECT_EQ(InfoInt(*cb, "replication", "slave_repl_offset"), end_of(before));

  // c syncs from b now, with the transaction open on b.
  ASSERT_EQ(cc->Command({"REPLICAOF", "127.0.0.1", std::to_string(b->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return InfoField(*cc, "replication", "master_link_status") == "up"; }));
  EXPECT_EQ(InfoInt(*cc, "replication", "slave_repl_offset"), end_of(before));
  ASSERT_TRUE(master.Send(exec));
  // b applies the transaction first; until then b and c agree on the state before it.
  ASSERT_TRUE(WaitFor([&] {
    return InfoInt(*cb, "replication", "slave_repl_offset") == end_of(before + queued + exec);
  })) << cb->Command({"INFO", "replication"}).str;
  ExpectSameKeyspace(*cb, *cc);
  EXPECT_EQ(InfoInt(*cc, "replication", "slave_repl_offset"), end_of(before + queued + exec));
  EXPECT_EQ(cc->Command({"GET", "tx"}).str, "1");
  EXPECT_EQ(cc->Command({"LRANGE", "txl", "0", "-1"}).elements.size(), 1u);
  EXPECT_EQ(cc->Command({"GET", "before"}).str, "1");
}

// repl-diskless-sync-max-replicas: the master waits no longer than for that
// many replicas (the delay would be an hour), and they share one streamed RDB.
TEST(ReplicationTest, DisklessSyncStartsWhenEnoughReplicasWait) {
  auto master =
      StartValkdb({"--repl-diskless-sync-delay", "3600", "--repl-diskless-sync-max-replicas", "2"});
  auto a = StartValkdb();
  auto b = StartRedis();
  ASSERT_TRUE(master && a && b);
  auto cm = Client(*master);
  auto ca = Client(*a);
  auto cb = Client(*b);
  Populate(*cm, 0);
  ASSERT_EQ(ca->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_EQ(cb->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ExpectSameKeyspace(*cm, *ca);
  ExpectSameKeyspace(*cm, *cb);
  EXPECT_EQ(InfoInt(*cm, "stats", "sync_full"), 2);
  const std::string log = master->log();
  const size_t first = log.find("Diskless sync: the RDB");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("Diskless sync: the RDB", first + 1), std::string::npos) << log;
}

// A diskless sync whose only replica dies mid-way is cancelled; that must
// not cancel the saves and syncs after it.
TEST(ReplicationTest, AbandonedDisklessSyncLeavesLaterSavesWorking) {
  // rdb-key-save-delay (µs per key) keeps the sync running while its replica dies.
  auto master = StartValkdb({"--rdb-key-save-delay", "5000"});
  auto doomed = StartValkdb();
  ASSERT_TRUE(master && doomed);
  auto cm = Client(*master);
  Populate(*cm, 0);
  auto cd = Client(*doomed);
  ASSERT_EQ(cd->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(*cm, "replication", "slave0").find("state=send_bulk") != std::string::npos;
  })) << cm->Command({"INFO", "replication"}).str;
  doomed->Signal(SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return InfoInt(*cm, "replication", "connected_slaves") == 0; }));
  ASSERT_EQ(cm->Command({"CONFIG", "SET", "rdb-key-save-delay", "0"}).str, "OK");
  const int64_t saves = InfoInt(*cm, "persistence", "rdb_saves");
  ASSERT_TRUE(WaitFor([&] { return cm->Command({"BGSAVE"}).str == "Background saving started"; }));
  ASSERT_TRUE(WaitFor([&] { return InfoInt(*cm, "persistence", "rdb_bgsave_in_progress") == 0; }));
  EXPECT_EQ(InfoInt(*cm, "persistence", "rdb_saves"), saves + 1);
  EXPECT_EQ(InfoField(*cm, "persistence", "rdb_last_bgsave_status"), "ok");
  // And a new replica gets its full sync.
  auto replica = StartRedis();
  ASSERT_TRUE(replica);
  auto cr = Client(*replica);
  ASSERT_EQ(cr->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ExpectSameKeyspace(*cm, *cr);
}

// FAILOVER: the master waits for its replica to have everything, becomes
// its replica, and the replica (PSYNC ... FAILOVER) becomes the master; no
// full sync on either side.
TEST(ReplicationTest, FailoverSwapsRoles) {
  auto a = StartValkdb();
  auto b = StartValkdb();
  ASSERT_TRUE(a && b);
  auto ca = Client(*a);
  auto cb = Client(*b);
  EXPECT_EQ(ca->Command({"FAILOVER"}).str, "ERR FAILOVER requires connected replicas.");
  EXPECT_EQ(ca->Command({"FAILOVER", "ABORT"}).str, "ERR No failover in progress.");
  EXPECT_EQ(ca->Command({"FAILOVER", "TO", "127.0.0.1", "1", "FORCE"}).str,
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  Populate(*ca, 0);
  ASSERT_EQ(cb->Command({"REPLICAOF", "127.0.0.1", std::to_string(a->port())}).str, "OK");
  ExpectSameKeyspace(*ca, *cb);
  EXPECT_EQ(cb->Command({"FAILOVER"}).str, "ERR FAILOVER is not valid when server is a replica.");
  EXPECT_EQ(ca->Command({"FAILOVER", "TO", "127.0.0.1", "1"}).str,
            "ERR FAILOVER target HOST and PORT is not a replica.");
  ASSERT_EQ(ca->Command({"FAILOVER", "TO", "127.0.0.1", std::to_string(b->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(*cb, "replication", "role") == "master" &&
           InfoField(*ca, "replication", "role") == "slave" &&
           InfoField(*ca, "replication", "master_failover_state") == "no-failover" &&
           InfoField(*ca, "replication", "master_link_status") == "up";
  })) << ca->Command({"INFO", "replication"}).str;
  Populate(*cb, 1);
  ExpectSameKeyspace(*cb, *ca);
  EXPECT_EQ(InfoInt(*cb, "stats", "sync_full"), 0);
  EXPECT_EQ(InfoInt(*cb, "stats", "sync_partial_ok"), 1);
  EXPECT_EQ(ca->Command({"SET", "x", "1"}).str,
            "READONLY You can't write against a read only replica.");
}

TEST(ReplicationTest, WaitCountsAcknowledgingReplicas) {
  auto master = StartValkdb();
  auto replica = StartValkdb();
  ASSERT_TRUE(master && replica);
  auto m = Client(*master);
  auto r = Client(*replica);
  EXPECT_EQ(m->Command({"WAIT", "0", "0"}).integer, 0);
  EXPECT_EQ(m->Command({"WAIT", "1", "-1"}).str, "ERR timeout is negative");
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  ASSERT_EQ(m->Command({"SET", "k", "v"}).str, "OK");
  // Blocks until the replica acknowledged the SET (no deadline: 0 waits forever).
  EXPECT_EQ(m->Command({"WAIT", "1", "0"}, kLiveness).integer, 1);
  EXPECT_EQ(r->Command({"GET", "k"}).str, "v");
  // More replicas than there are: the timeout answers with those that acked.
  EXPECT_EQ(m->Command({"WAIT", "2", "50"}).integer, 1);
  EXPECT_EQ(r->Command({"WAIT", "1", "0"}).str,
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis "
            "4.0 if a replica is configured to be writable (which is not the default) writes to "
            "replicas are just local and are not propagated.");
}

// A replica never expires keys itself: an expired key reads as missing but
// stays until the master's DEL arrives.
TEST(ReplicationTest, ExpiryIsDrivenByTheMaster) {
  auto master = StartValkdb();
  auto replica = StartValkdb();
  ASSERT_TRUE(master && replica);
  auto m = Client(*master);
  auto r = Client(*replica);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));  // the stream, not the RDB, brings them
  ASSERT_EQ(m->Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}).str, "OK");
  ASSERT_EQ(m->Command({"SET", "gone", "v", "PX", "1"}).str, "OK");
  ASSERT_EQ(m->Command({"SET", "kept", "v"}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  ASSERT_TRUE(WaitFor([&] { return r->Command({"EXISTS", "gone"}).integer == 0; }));
  EXPECT_EQ(r->Command({"GET", "gone"}).type, RespValue::Type::kNull);
  EXPECT_EQ(r->Command({"DBSIZE"}).integer, 2);  // still held: the master has not deleted it
  // The master's lazy expiry sends DEL; then the replica lets it go.
  EXPECT_EQ(m->Command({"GET", "gone"}).type, RespValue::Type::kNull);
  ASSERT_TRUE(WaitFor([&] { return r->Command({"DBSIZE"}).integer == 1; }));
}

// RESTORE-ASKING, which a standalone Redis runs and propagates as it is,
// arrives in the master's stream and is applied as RESTORE.
TEST(ReplicationTest, RestoreAskingInStreamIsApplied) {
  auto master = StartRedis();
  auto replica = StartValkdb();
  ASSERT_TRUE(master && replica);
  auto m = Client(*master);
  auto r = Client(*replica);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  m->Command({"SET", "before", "1"});
  const std::string payload = m->Command({"DUMP", "before"}).str;
  ASSERT_FALSE(payload.empty());
  ASSERT_EQ(m->Command({"RESTORE-ASKING", "asked", "0", payload}).str, "OK");
  m->Command({"SET", "after", "1"});
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  EXPECT_EQ(r->Command({"GET", "asked"}).str, "1");
  EXPECT_EQ(r->Command({"GET", "after"}).str, "1");
  EXPECT_EQ(InfoField(*r, "replication", "master_link_status"), "up");
}

// A command valkdb does not have in the master's stream (a real Redis 7.0
// master propagates none any more; a newer one could): the link goes down
// and says why; nothing is skipped silently.
TEST(ReplicationTest, UnknownCommandInStreamStopsTheLink) {
  HandPlayedMaster master;
  auto replica = StartValkdb();
  ASSERT_TRUE(replica);
  auto r = Client(*replica);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");
  ASSERT_TRUE(master.ServeFullSync());
  ASSERT_TRUE(WaitFor([&] { return InfoField(*r, "replication", "master_link_status") == "up"; }));
  ASSERT_TRUE(master.Send(Encode({"SET", "before", "1"}) + Encode({"NOSUCHCOMMAND", "x"}) +
                          Encode({"SET", "after", "1"})));
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(*r, "replication", "master_link_error").find("nosuchcommand") !=
               std::string::npos ||
           InfoField(*r, "replication", "master_link_error").find("NOSUCHCOMMAND") !=
               std::string::npos;
  })) << r->Command({"INFO", "replication"}).str;
  EXPECT_EQ(InfoField(*r, "replication", "master_link_status"), "down");
  EXPECT_EQ(r->Command({"GET", "before"}).str, "1");
  EXPECT_EQ(r->Command({"EXISTS", "after"}).integer, 0);
}

// Streams over replication, both ways between Redis and valkdb: entries,
// groups, what XREADGROUP, XCLAIM and XAUTOCLAIM deliver (propagated as XCLAIM
// and XGROUP SETID) and trimming come out the same on the replica, down to the
// dataset digest.
void ExpectStreamsReplicate(ServerProcess& master, ServerProcess& replica) {
  auto m = Client(master);
  auto r = Client(replica);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  for (int i = 1; i <= 300; ++i) {
    m->Command({"XADD", "s", absl::StrCat(i, "-1"), "field", absl::StrCat("value", i)});
  }
  ASSERT_EQ(m->Command({"XGROUP", "CREATE", "s", "g", "0"}).str, "OK");
  m->Command({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "10", "STREAMS", "s", ">"});
  m->Command({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "NOACK", "STREAMS", "s", ">"});
  m->Command({"XCLAIM", "s", "g", "bob", "0", "3-1", "4-1"});
  m->Command({"XACK", "s", "g", "1-1"});
  m->Command({"XDEL", "s", "2-1"});
  m->Command({"XTRIM", "s", "MAXLEN", "~", "250"});
  m->Command({"XADD", "s", "MAXLEN", "200", "*", "f", "v"});
  m->Command({"XAUTOCLAIM", "s", "g", "carol", "0", "0-0", "COUNT", "2"});
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  EXPECT_EQ(Digest(*r), Digest(*m));
  EXPECT_EQ(r->Command({"XLEN", "s"}).integer, m->Command({"XLEN", "s"}).integer);
  const RespValue pending = m->Command({"XPENDING", "s", "g"});
  EXPECT_EQ(r->Command({"XPENDING", "s", "g"}), pending) << pending.DebugString();
}

TEST(ReplicationTest, StreamsFromARedisMaster) {
  auto master = StartRedis();
  auto replica = StartValkdb();
  ASSERT_TRUE(master && replica);
  ExpectStreamsReplicate(*master, *replica);
}

TEST(ReplicationTest, StreamsToARedisReplica) {
  auto master = StartValkdb();
  auto replica = StartRedis();
  ASSERT_TRUE(master && replica);
  ExpectStreamsReplicate(*master, *replica);
}

// PUBLISH and SPUBLISH go to the replicas, as Redis's
// forceCommandPropagation(c, PROPAGATE_REPL): a subscriber on the replica
// gets what is published on the master, alone, in a transaction or a script
// (in its MULTI/EXEC, in order with the writes). The master's AOF
// (appendonly, fsync always) never has them.
void ExpectPublishReplicates(ServerProcess& master, ServerProcess& replica) {
  auto m = Client(master);
  auto r = Client(replica);
  auto sub = Client(replica);
  ASSERT_TRUE(m && r && sub);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  ASSERT_EQ(sub->Command({"SUBSCRIBE", "news"}).elements.size(), 3u);
  ASSERT_EQ(sub->Command({"SSUBSCRIBE", "shard-news"}).elements.size(), 3u);
  auto next_message = [&] {
    absl::StatusOr<RespValue> message = sub->ReadReply(milliseconds(10000));
    if (!message.ok()) return StrCat("<", message.status().ToString(), ">");
    std::string text;
    for (const RespValue& part : message->elements) StrAppend(&text, part.str, " ");
    return text;
  };
  EXPECT_EQ(m->Command({"PUBLISH", "news", "one"}).integer, 0);  // no subscriber on the master
  EXPECT_EQ(next_message(), "message news one ");
  m->Command({"SELECT", "3"});
  m->Command({"MULTI"});
  m->Command({"PUBLISH", "news", "two"});
  m->Command({"SET", "pub:k", "v"});
  m->Command({"PUBLISH", "news", "three"});
  EXPECT_EQ(m->Command({"EXEC"}).elements.size(), 3u);
  EXPECT_EQ(next_message(), "message news two ");
  EXPECT_EQ(next_message(), "message news three ");
  m->Command({"MULTI"});
  m->Command({"PUBLISH", "news", "four"});
  m->Command({"PUBLISH", "news", "five"});
  m->Command({"EXEC"});
  EXPECT_EQ(next_message(), "message news four ");
  EXPECT_EQ(next_message(), "message news five ");
  EXPECT_EQ(m->Command({"SPUBLISH", "shard-news", "six"}).integer, 0);
  EXPECT_EQ(next_message(), "smessage shard-news six ");
  // From a script: with the script's effects.
  m->Command(
      {"EVAL", "redis.call('set', 'pub:s', '1') redis.call('publish', 'news', 'seven')", "0"});
  EXPECT_EQ(next_message(), "message news seven ");
  m->Command({"EVAL", "redis.call('publish', 'news', 'eight')", "0"});
  EXPECT_EQ(next_message(), "message news eight ");
  m->Command({"SELECT", "0"});
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*m, *r); }));
  r->Command({"SELECT", "3"});
  EXPECT_EQ(r->Command({"GET", "pub:k"}).str, "v");
  EXPECT_EQ(r->Command({"GET", "pub:s"}).str, "1");
  // PUBLISH on the replica itself reaches its own subscribers.
  EXPECT_EQ(r->Command({"PUBLISH", "news", "local"}).integer, 1);
  EXPECT_EQ(next_message(), "message news local ");

  std::string aof;
  ASSERT_TRUE(WaitFor([&] {
    aof = ReadFileOrEmpty(master.work_dir() + "/appendonlydir/appendonly.aof.1.incr.aof");
    return aof.find("pub:k") != std::string::npos;
  })) << aof;
  EXPECT_EQ(aof.find("PUBLISH"), std::string::npos) << aof;
}

// What a replica gets: SYNC on a raw connection, the RDB skipped, then the
// master's commands up to SET stream-end (PINGs left out), one a line.
std::string ReplicationStream(ServerProcess& master,
                              const std::vector<std::vector<std::string>>& commands) {
  auto sync = Client(master);
  auto m = Client(master);
  if (!sync || !m || !sync->Send("SYNC\r\n").ok()) return "<no connection>";
  std::string line;
  while (line.empty() || line.back() != '\n') {
    const std::string byte = sync->ReadRaw(1, milliseconds(30000));
    if (byte.empty()) return "<no RDB>";
    if (line.empty() && byte == "\n") continue;  // keepalive while the RDB is made
    line += byte;
  }
  int64_t length = 0;
  if (line[0] != '$' || !ParseInt64(StripWhitespace(line.substr(1)), &length)) {
    return StrCat("<not an RDB: ", line, ">");
  }
  if (sync->ReadRaw(static_cast<size_t>(length), milliseconds(30000)).size() !=
      static_cast<size_t>(length)) {
    return "<short RDB>";
  }
  for (const auto& command : commands) m->Run(command);
  m->Command({"SET", "stream-end", "1"});
  std::string stream;
  for (;;) {
    absl::StatusOr<RespValue> command = sync->ReadReply(milliseconds(10000));
    if (!command.ok()) return StrCat(stream, "<", command.status().ToString(), ">");
    std::string text;
    for (const RespValue& part : command->elements) StrAppend(&text, part.str, " ");
    if (text == "PING ") continue;
    StrAppend(&stream, text, "\n");
    if (text == "SET stream-end 1 ") return stream;
  }
}

// The stream of PUBLISH and SPUBLISH, alone, in transactions and in scripts,
// as a redis-server master sends it. (Not compared: a transaction or script
// with one write, which valkdb still wraps in MULTI/EXEC.)
TEST(ReplicationTest, PublishInTheStreamAsRedisSendsIt) {
  const std::vector<std::vector<std::string>> commands = {
      {"SELECT", "3"},
      {"PUBLISH", "news", "one"},
      {"MULTI"},
      {"PUBLISH", "news", "two"},
      {"SET", "pub:k", "v"},
      {"PUBLISH", "news", "three"},
      {"EXEC"},
      {"MULTI"},
      {"PUBLISH", "news", "four"},
      {"PUBLISH", "news", "five"},
      {"EXEC"},
      {"SPUBLISH", "shard-news", "six"},
      {"EVAL", "redis.call('set', 'pub:s', '1') redis.call('publish', 'news', 'seven')", "0"},
      {"EVAL", "redis.call('publish', 'news', 'eight') redis.call('set', 'pub:s', '2')", "0"},
      {"EVAL", "redis.call('publish', 'news', 'nine')", "0"},
      {"EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('publish', 'news', 'ten')", "0"},
      {"SELECT", "0"},
  };
  auto valkdb = StartValkdb();
  auto redis = StartRedis();
  ASSERT_TRUE(valkdb && redis);
  const std::string from_redis = ReplicationStream(*redis, commands);
  EXPECT_NE(from_redis.find("publish news seven"), std::string::npos) << from_redis;
  EXPECT_EQ(ReplicationStream(*valkdb, commands), from_redis);
}

TEST(ReplicationTest, PublishReachesSubscribersOfARedisReplica) {
  auto master = StartValkdb({"--appendonly", "yes", "--appendfsync", "always"});
  auto replica = StartRedis();
  ASSERT_TRUE(master && replica);
  ExpectPublishReplicates(*master, *replica);
}

TEST(ReplicationTest, PublishFromARedisMasterReachesSubscribers) {
  auto master = StartRedis({"--appendonly", "yes", "--appendfsync", "always"});
  auto replica = StartValkdb();
  ASSERT_TRUE(master && replica);
  ExpectPublishReplicates(*master, *replica);
}

TEST(ReplicationTest, MinReplicasToWrite) {
  auto master = StartValkdb();
  ASSERT_TRUE(master);
  auto m = Client(*master);
  ASSERT_EQ(m->Command({"CONFIG", "SET", "min-replicas-to-write", "1"}).str, "OK");
  // Counted by the cron, as Redis's refreshGoodSlavesCount: within a tick.
  ASSERT_TRUE(WaitFor([&] {
    return m->Command({"SET", "probe", "v"}).str == "NOREPLICAS Not enough good replicas to write.";
  }));
  EXPECT_EQ(m->Command({"SET", "k", "v"}).str, "NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(m->Command({"GET", "k"}).type, RespValue::Type::kNull);
  auto replica = StartValkdb();
  ASSERT_TRUE(replica);
  auto r = Client(*replica);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return m->Command({"SET", "k", "v"}).str == "OK"; }));
  ASSERT_TRUE(WaitFor([&] { return r->Command({"GET", "k"}).str == "v"; }));
}

// redis-sentinel (the Debian package) watches a valkdb master with a valkdb
// replica; the master is SIGKILLed; Sentinel promotes the replica and
// clients asking Sentinel get the new master.
TEST(SentinelTest, PromotesTheReplicaWhenTheMasterDies) {
  const std::string sentinel_bin = "/usr/bin/redis-sentinel";
  ASSERT_TRUE(std::filesystem::exists(sentinel_bin)) << "apt-get install redis-sentinel";
  auto master = StartValkdb();
  auto replica = StartValkdb({"--threads", "2"});
  ASSERT_TRUE(master && replica);
  auto m = Client(*master);
  auto r = Client(*replica);
  Populate(*m, 0);
  ASSERT_EQ(r->Command({"REPLICAOF", "127.0.0.1", std::to_string(master->port())}).str, "OK");
  ExpectSameKeyspace(*m, *r);

  char dir_template[] = "/tmp/valkdb-sentinel-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const int sentinel_port = PickFreePort();
  {
    std::FILE* conf = std::fopen(StrCat(dir, "/sentinel.conf").c_str(), "w");
    ASSERT_NE(conf, nullptr);
    std::fprintf(conf,
                 "port %d\nbind 127.0.0.1\ndir %s\n"
                 "sentinel monitor vk 127.0.0.1 %d 1\n"
                 "sentinel down-after-milliseconds vk 1000\n"
                 "sentinel failover-timeout vk 30000\n",
                 sentinel_port, dir.c_str(), master->port());
    std::fclose(conf);
  }
  auto sentinel =
      ServerProcess::Start(sentinel_bin, {StrCat(dir, "/sentinel.conf")}, /*read_port=*/false);
  ASSERT_TRUE(sentinel.ok()) << sentinel.status();
  std::unique_ptr<RespClient> s;
  ASSERT_TRUE(WaitFor([&] {
    auto client = RespClient::Connect(sentinel_port, milliseconds(500));
    if (!client.ok()) return false;
    s = *std::move(client);
    return true;
  }));
  // Sentinel finds the replica through the master's INFO.
  ASSERT_TRUE(WaitFor([&] {
    RespValue replicas = s->Command({"SENTINEL", "REPLICAS", "vk"});
    return replicas.elements.size() == 1;
  })) << (*sentinel)->log();

  master->Signal(SIGKILL);
  ASSERT_TRUE(WaitFor([&] {
    RespValue addr = s->Command({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "vk"});
    return addr.elements.size() == 2 && addr.elements[1].str == std::to_string(replica->port());
  })) << (*sentinel)->log();
  // Sentinel closes the promoted replica's clients (CLIENT KILL TYPE normal), as it does to
  // make them reconnect: a new connection.
  r = Client(*replica);
  ASSERT_TRUE(r);
  EXPECT_EQ(InfoField(*r, "replication", "role"), "master");
  EXPECT_EQ(r->Command({"SET", "after-failover", "1"}).str, "OK");
  EXPECT_EQ(r->Command({"GET", "s:0:1"}).str, "value-0:1");
  (*sentinel)->Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace valkdb::test
