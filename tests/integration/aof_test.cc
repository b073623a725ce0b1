// The append-only file against the real binaries: what clients were told
// is written survives kill -9 under every appendfsync policy; BGREWRITEAOF
// keeps the writes made while it runs; a real redis-server loads valkdb's
// AOF directory and valkdb loads Redis's (and the old single-file AOF with
// an RDB preamble from Redis's test assets); redis-check-aof accepts the
// files; a cut-off tail is handled as aof-load-truncated says; CONFIG SET
// appendonly turns it on and off while serving.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
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

using ::testing::HasSubstr;
using ::testing::Not;

// Waits (generously: liveness, not speed) until no AOF rewrite runs.
void WaitForRewriteToEnd(RespClient& c) {
  for (int i = 0; i < 6000 && PersistenceInfo(c, "aof_rewrite_in_progress") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(PersistenceInfo(c, "aof_rewrite_in_progress"), "0");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Writes of every kind, including the ones propagated in another form
// (SET EX, SPOP, INCRBYFLOAT, a transaction, an expiry, blocking pops).
void WriteEverything(RespClient& c, const std::string& tag) {
  for (const std::string db : {"0", "5"}) {
    ASSERT_EQ(c.Run({"SELECT", db}), Ok());
    c.Run({"SET", "s" + tag, "v"});
    c.Run({"SET", "ex" + tag, "v", "EX", "5000"});
    c.Run({"SET", "gone" + tag, "v", "PX", "1"});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    EXPECT_EQ(c.Run({"GET", "gone" + tag}), Nil());  // expired: a DEL goes to the AOF
    c.Run({"INCRBYFLOAT", "f" + tag, "1.5"});
    c.Run({"RPUSH", "l" + tag, "a", "b", "c", "d"});
    c.Run({"LPOP", "l" + tag});
    c.Run({"HSET", "h" + tag, "f1", "v1", "f2", "v2"});
    c.Run({"SADD", "set" + tag, "a", "b", "c", "d", "e"});
    c.Run({"SPOP", "set" + tag});
    c.Run({"ZADD", "z" + tag, "1", "a", "2", "b"});
    c.Run({"ZINCRBY", "z" + tag, "3", "a"});
    c.Run({"MULTI"});
    c.Run({"INCR", "counter" + tag});
    c.Run({"RPOPLPUSH", "l" + tag, "l2" + tag});
    c.Run({"EXEC"});
    c.Run({"BLPOP", "l" + tag, "1"});
    c.Run({"EXPIRE", "h" + tag, "9000"});
    c.Run({"DEL", "nothing"});
  }
  ASSERT_EQ(c.Run({"SELECT", "0"}), Ok());
}

std::string RunTool(const std::string& command, int* rc) {
  const std::string out = ::testing::TempDir() + "/aof_tool_" + std::to_string(getpid()) + ".txt";
  *rc = std::system(StrCat(command, " > ", out, " 2>&1").c_str());
  std::string text = ReadFile(out);
  std::remove(out.c_str());
  return text;
}

// The AOF directory of `valkdb` (keyspace `digest`) is accepted by
// redis-check-aof, reloaded by DEBUG LOADAOF, and loaded by redis-server.
void ExpectEveryReaderLoadsIt(ServerProcess& valkdb, RespClient& c, const std::string& digest) {
  const std::string dir = valkdb.work_dir();
  int rc = 0;
  const std::string text = RunTool(
      StrCat(FindRedisTool("redis-check-aof"), " ", dir, "/appendonlydir/appendonly.aof.manifest"),
      &rc);
  EXPECT_EQ(rc, 0) << text;
  ASSERT_EQ(c.Run({"DEBUG", "LOADAOF"}), Ok());
  EXPECT_EQ(Digest(c), digest);
  ASSERT_TRUE(valkdb.Stop().ok());
  auto redis = ServerProcess::StartRedis(
      {"--dir", dir, "--appendonly", "yes", "--enable-debug-command", "yes"});
  ASSERT_OK(redis);
  auto r = MustConnect((*redis)->port());
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Digest(*r), digest);
}

// valkdb with the AOF on over `dir` (the files of an earlier server there).
absl::StatusOr<std::unique_ptr<ServerProcess>> StartOver(const std::string& dir) {
  return ServerProcess::StartValkdb(
      {"--dir", dir, "--appendonly", "yes", "--save", "", "--enable-debug-command", "yes"});
}

// kill -9 (nothing is flushed at exit), then a new server over the same
// files, which must come back with keyspace `digest`.
void KillAndExpectDigestAfterRestart(ServerProcess& server, const std::string& digest) {
  server.Signal(SIGKILL);
  ASSERT_OK(server.Wait(std::chrono::milliseconds(30000)));
  auto again = StartOver(server.work_dir());
  ASSERT_OK(again);
  auto c = MustConnect((*again)->port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Digest(*c), digest);
  EXPECT_THAT((*again)->log(), HasSubstr("DB loaded from append only file"));
}

TEST(integration_Aof, AcknowledgedWritesSurviveKill9UnderEveryPolicy) {
  for (const std::string policy : {"always", "everysec", "no"}) {
    SCOPED_TRACE(policy);
    auto valkdb =
        ServerProcess::StartValkdb({"--appendonly", "yes", "--appendfsync", policy, "--save", "",
                                    "--threads", "2", "--enable-debug-command", "yes"});
    ASSERT_OK(valkdb);
    const std::string dir = (*valkdb)->work_dir();
    auto a = MustConnect((*valkdb)->port());
    auto b = MustConnect((*valkdb)->port());
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    WriteEverything(*a, "a");
    WriteEverything(*b, "b");
    EXPECT_EQ(PersistenceInfo(*a, "aof_enabled"), "1");
    // The last reply has arrived: everything it acknowledged is in the file.
    KillAndExpectDigestAfterRestart(**valkdb, Digest(*a));
    // The RDB is not what was loaded: there is none.
    EXPECT_FALSE(std::filesystem::exists(dir + "/dump.rdb"));
  }
}

TEST(integration_Aof, RewriteKeepsTheWritesMadeWhileItRuns) {
  auto valkdb = ServerProcess::StartValkdb(
      {"--appendonly", "yes", "--save", "", "--threads", "2", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  const std::string aof_dir = dir + "/appendonlydir";
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 200; ++i) c->Run({"RPUSH", "list", StrCat(i)});
  WriteEverything(*c, "before");
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "20000"}), Ok());
  ASSERT_EQ(c->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
  EXPECT_EQ(PersistenceInfo(*c, "aof_rewrite_in_progress"), "1");
  EXPECT_EQ(c->Run({"BGREWRITEAOF"}),
            Err("ERR Background append only file rewriting already in progress"));
  EXPECT_EQ(c->Run({"BGSAVE"}),
            Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                "SCHEDULE in order to schedule a BGSAVE whenever possible."));
  // Writes while it runs, from a second connection too (another loop).
  auto c2 = MustConnect((*valkdb)->port());
  ASSERT_NE(c2, nullptr);
  WriteEverything(*c, "during");
  WriteEverything(*c2, "during2");
  c2->Run({"LTRIM", "list", "5", "-5"});
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "0"}), Ok());
  WaitForRewriteToEnd(*c);
  EXPECT_EQ(PersistenceInfo(*c, "aof_last_bgrewrite_status"), "ok");
  EXPECT_EQ(PersistenceInfo(*c, "aof_rewrites"), "1");
  WriteEverything(*c, "after");
  const std::string digest = Digest(*c);
  EXPECT_EQ(ReadFile(aof_dir + "/appendonly.aof.manifest"),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_FALSE(std::filesystem::exists(aof_dir + "/appendonly.aof.1.base.rdb"));
  EXPECT_FALSE(std::filesystem::exists(aof_dir + "/appendonly.aof.1.incr.aof"));

  // redis-check-aof accepts the manifest and its files.
  const std::string check = FindRedisTool("redis-check-aof");
  ASSERT_FALSE(check.empty()) << "redis-check-aof not found (Debian package redis-tools)";
  int rc = 0;
  const std::string text = RunTool(StrCat(check, " ", aof_dir, "/appendonly.aof.manifest"), &rc);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_THAT(text, HasSubstr("All AOF files and manifest are valid"));

  // DEBUG LOADAOF and a restart both come back to the same keyspace.
  ASSERT_EQ(c->Run({"DEBUG", "LOADAOF"}), Ok());
  EXPECT_EQ(Digest(*c), digest);
  KillAndExpectDigestAfterRestart(**valkdb, digest);
}

TEST(integration_Aof, RedisAndValkdbLoadEachOthersAof) {
  auto valkdb = ServerProcess::StartValkdb(
      {"--appendonly", "yes", "--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  WriteEverything(*c, "one");
  ASSERT_EQ(c->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
  WaitForRewriteToEnd(*c);
  WriteEverything(*c, "two");
  const std::string digest = Digest(*c);
  ASSERT_TRUE((*valkdb)->Stop().ok());

  // A real redis-server, in the same directory, loads valkdb's AOF...
  std::string redis_digest;
  {
    auto redis = ServerProcess::StartRedis(
        {"--dir", dir, "--appendonly", "yes", "--enable-debug-command", "yes"});
    ASSERT_OK(redis);
    auto r = MustConnect((*redis)->port());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(Digest(*r), digest);
    // ... and appends to it (and rewrites it) as its own.
    WriteEverything(*r, "three");
    ASSERT_EQ(r->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
    for (int i = 0; i < 3000 && PersistenceInfo(*r, "aof_rewrite_in_progress") != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    WriteEverything(*r, "four");
    redis_digest = Digest(*r);
    ASSERT_EQ(r->Run({"CONFIG", "SET", "save", ""}), Ok());
    (*redis)->Stop();
  }
  // valkdb loads what Redis left.
  auto again = StartOver(dir);
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(Digest(*c2), redis_digest);
}

// aof-use-rdb-preamble no: the base is commands (appendonly.aof.N.base.aof),
// which redis-check-aof accepts and Redis and valkdb load to the same keyspace.
TEST(integration_Aof, BaseOfCommandsWithoutTheRdbPreamble) {
  auto valkdb = ServerProcess::StartValkdb(
      {"--appendonly", "yes", "--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  const std::string aof_dir = dir + "/appendonlydir";
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  WriteEverything(*c, "one");
  for (int i = 0; i < 200; ++i) c->Run({"ZADD", "bigz", StrCat(i, ".5"), StrCat("m", i)});
  for (int i = 0; i < 150; ++i) c->Run({"HSET", "bigh", StrCat("f", i), StrCat("v", i)});
  ASSERT_EQ(c->Run({"CONFIG", "SET", "aof-use-rdb-preamble", "no"}), Ok());
  ASSERT_EQ(c->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
  WaitForRewriteToEnd(*c);
  WriteEverything(*c, "two");
  const std::string digest = Digest(*c);
  EXPECT_EQ(ReadFile(aof_dir + "/appendonly.aof.manifest"),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_TRUE(ReadFile(aof_dir + "/appendonly.aof.2.base.aof").starts_with("*2\r\n$6\r\nSELECT"));
  ExpectEveryReaderLoadsIt(**valkdb, *c, digest);
}

TEST(integration_Aof, OldStyleAofWithRdbPreambleIsMovedIntoTheDirectoryAndLoaded) {
  const std::string asset = RedisTestAssetsDir() + "/rdb-preamble.aof";
  ASSERT_TRUE(std::filesystem::exists(asset)) << asset;
  std::string expected;
  int64_t keys = 0;
  for (const bool redis : {true, false}) {
    SCOPED_TRACE(redis ? "redis" : "valkdb");
    const std::string dir = ::testing::TempDir() + "/aof_preamble_" + std::to_string(getpid()) +
                            (redis ? "_redis" : "_valkdb");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(asset, dir + "/appendonly.aof");
    const std::vector<std::string> args = {
        "--dir", dir, "--appendonly", "yes", "--enable-debug-command", "yes"};
    if (redis) {
      auto server = ServerProcess::StartRedis(args);
      ASSERT_OK(server);
      auto r = MustConnect((*server)->port());
      ASSERT_NE(r, nullptr);
      expected = Digest(*r);
      keys = r->Run({"DBSIZE"}).integer;
    } else {
      std::vector<std::string> valkdb_args = args;
      valkdb_args.insert(valkdb_args.end(), {"--save", ""});
      auto server = ServerProcess::StartValkdb(valkdb_args);
      ASSERT_OK(server);
      auto c = MustConnect((*server)->port());
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(Digest(*c), expected);
      EXPECT_EQ(c->Run({"DBSIZE"}).integer, keys);
      EXPECT_GT(keys, 0);
      EXPECT_THAT((*server)->log(), HasSubstr("Successfully migrated an old-style AOF file"));
      EXPECT_TRUE(std::filesystem::exists(dir + "/appendonlydir/appendonly.aof"));
      EXPECT_FALSE(std::filesystem::exists(dir + "/appendonly.aof"));
    }
    std::filesystem::remove_all(dir);
  }
}

TEST(integration_Aof, TruncatedTailIsCutOnlyWithAofLoadTruncated) {
  auto valkdb = ServerProcess::StartValkdb(
      {"--appendonly", "yes", "--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  WriteEverything(*c, "x");
  const std::string digest = Digest(*c);
  ASSERT_TRUE((*valkdb)->Stop().ok());
  const std::string incr = dir + "/appendonlydir/appendonly.aof.1.incr.aof";
  ASSERT_TRUE(std::filesystem::exists(incr));
  const uintmax_t size = std::filesystem::file_size(incr);
  {
    // A write cut off by a crash: half a command, then a MULTI never closed.
    std::ofstream out(incr, std::ios::binary | std::ios::app);
    out << "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"
           "$1\r\nv\r\n*3\r\n$3\r\nSET\r\n$4\r\nhal";
  }
  // aof-load-truncated no: the server refuses to start.
  auto refused = ServerProcess::StartValkdb(
      {"--dir", dir, "--appendonly", "yes", "--save", "", "--aof-load-truncated", "no"});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("Unexpected end of file reading the append only file"));
  // yes (the default): cut after the last whole command outside a transaction.
  auto again = StartOver(dir);
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(Digest(*c2), digest);
  EXPECT_THAT((*again)->log(), HasSubstr("AOF appendonly.aof.1.incr.aof loaded anyway"));
  EXPECT_LT(std::filesystem::file_size(incr), size + 80);
  // And it goes on appending after the cut.
  ASSERT_EQ(c2->Run({"SET", "after", "cut"}), Ok());
  ASSERT_EQ(c2->Run({"DEBUG", "LOADAOF"}), Ok());
  EXPECT_EQ(c2->Run({"GET", "after"}), Bulk("cut"));
  EXPECT_EQ(c2->Run({"EXISTS", "k"}), Int(0));
}

// aof-timestamp-enabled yes: "#TS:" annotations in the incr file and at the
// head of a command-form base, which valkdb, redis-check-aof and Redis read.
TEST(integration_Aof, TimestampAnnotationsAreWrittenAsRedisWritesThem) {
  auto valkdb =
      ServerProcess::StartValkdb({"--appendonly", "yes", "--save", "", "--aof-timestamp-enabled",
                                  "yes", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  const std::string aof_dir = dir + "/appendonlydir";
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Run({"CONFIG", "GET", "aof-timestamp-enabled"}),
            RespValue::Arr({Bulk("aof-timestamp-enabled"), Bulk("yes")}));
  WriteEverything(*c, "one");
  const std::string incr = ReadFile(aof_dir + "/appendonly.aof.1.incr.aof");
  EXPECT_TRUE(incr.starts_with("#TS:")) << incr.substr(0, 40);
  ASSERT_EQ(c->Run({"CONFIG", "SET", "aof-use-rdb-preamble", "no"}), Ok());
  ASSERT_EQ(c->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
  WaitForRewriteToEnd(*c);
  EXPECT_TRUE(ReadFile(aof_dir + "/appendonly.aof.2.base.aof").starts_with("#TS:"));
  WriteEverything(*c, "two");
  const std::string digest = Digest(*c);
  ExpectEveryReaderLoadsIt(**valkdb, *c, digest);
}

// BGREWRITEAOF with appendonly no writes a new base and a manifest naming
// it alone; nothing is appended afterwards (Redis does the same).
TEST(integration_Aof, RewriteWithTheAofOffWritesABaseAndDoesNotAppend) {
  auto valkdb = ServerProcess::StartValkdb({"--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  WriteEverything(*c, "one");
  const std::string digest = Digest(*c);
  ASSERT_EQ(c->Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
  WaitForRewriteToEnd(*c);
  EXPECT_EQ(PersistenceInfo(*c, "aof_enabled"), "0");
  EXPECT_EQ(ReadFile(dir + "/appendonlydir/appendonly.aof.manifest"),
            "file appendonly.aof.1.base.rdb seq 1 type b\n");
  ASSERT_EQ(c->Run({"SET", "after", "1"}), Ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/appendonlydir"),
                          std::filesystem::directory_iterator()),
            2);
  ASSERT_TRUE((*valkdb)->Stop().ok());
  auto again = StartOver(dir);
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(Digest(*c2), digest);
}

TEST(integration_Aof, ConfigSetAppendonlyTurnsItOnAndOffWhileServing) {
  auto valkdb = ServerProcess::StartValkdb({"--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  WriteEverything(*c, "off");
  EXPECT_EQ(PersistenceInfo(*c, "aof_enabled"), "0");
  EXPECT_FALSE(std::filesystem::exists(dir + "/appendonlydir"));
  // Turned on while a BGSAVE (slowed down here) runs: the first rewrite
  // waits for it, and meanwhile the AOF counts as on (Redis's AOF_WAIT_REWRITE).
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "50000"}), Ok());
  ASSERT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  ASSERT_EQ(c->Run({"CONFIG", "SET", "appendonly", "yes"}), Ok());
  EXPECT_EQ(PersistenceInfo(*c, "aof_enabled"), "1");
  EXPECT_EQ(PersistenceInfo(*c, "aof_rewrite_scheduled"), "1");
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "0"}), Ok());
  for (int i = 0; i < 6000 && PersistenceInfo(*c, "aof_rewrite_scheduled") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  WaitForRewriteToEnd(*c);
  EXPECT_EQ(PersistenceInfo(*c, "aof_enabled"), "1");
  EXPECT_EQ(PersistenceInfo(*c, "aof_last_bgrewrite_status"), "ok");
  EXPECT_EQ(ReadFile(dir + "/appendonlydir/appendonly.aof.manifest"),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  WriteEverything(*c, "on");
  ASSERT_EQ(c->Run({"CONFIG", "SET", "appendfsync", "always"}), Ok());
  ASSERT_EQ(c->Run({"SET", "always", "1"}), Ok());
  KillAndExpectDigestAfterRestart(**valkdb, Digest(*c));
  auto again = StartOver(dir);
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  // Off: nothing more is appended.
  ASSERT_EQ(c2->Run({"CONFIG", "SET", "appendonly", "no"}), Ok());
  EXPECT_EQ(PersistenceInfo(*c2, "aof_enabled"), "0");
  const std::string incr = dir + "/appendonlydir/appendonly.aof.1.incr.aof";
  const std::string before = ReadFile(incr);
  ASSERT_EQ(c2->Run({"SET", "not-appended", "1"}), Ok());
  EXPECT_EQ(ReadFile(incr), before);
  EXPECT_THAT(before, Not(HasSubstr("not-appended")));
}

// The kill -9 test: under appendfsync always, clients on both event
// loops write while the server is killed at a random moment; after the
// restart every write a client was told about is there, and at most the
// one write each client had in flight beyond it. Several rounds, each
// going on from the last one's files.
TEST(integration_Aof, NoAcknowledgedWriteIsLostWhenKilledWhileClientsWrite) {
  constexpr int kWriters = 4;
  constexpr int kRounds = 4;
  std::mt19937 random(static_cast<unsigned>(std::random_device{}()));
  std::string dir;
  std::unique_ptr<ServerProcess> first;  // owns the directory every round uses
  // What each writer was told, over all rounds: INCR's last value and the
  // list's length after its last acknowledged RPUSH.
  std::vector<int64_t> counter(kWriters, 0), pushed(kWriters, 0);
  // The last pass only checks what the last kill left.
  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE(StrCat("round ", round));
    std::vector<std::string> args = {"--appendonly", "yes", "--appendfsync", "always",
                                     "--save",       "",    "--threads",     "2"};
    if (!dir.empty()) args.insert(args.end(), {"--dir", dir});
    auto server = ServerProcess::StartValkdb(args);
    ASSERT_OK(server);
    if (dir.empty()) dir = (*server)->work_dir();
    const int port = (*server)->port();
    // After a restart: everything acknowledged before is there.
    {
      auto c = MustConnect(port);
      ASSERT_NE(c, nullptr);
      for (int w = 0; w < kWriters; ++w) {
        const RespValue value = c->Run({"GET", StrCat("counter", w)});
        const int64_t got = value == Nil() ? 0 : std::stoll(value.str);
        EXPECT_GE(got, counter[w]) << "writer " << w;
        EXPECT_LE(got, counter[w] + 1) << "writer " << w;
        counter[w] = got;  // an unacknowledged INCR that made it counts from here on
        const int64_t length = c->Run({"LLEN", StrCat("list", w)}).integer;
        EXPECT_GE(length, pushed[w]) << "writer " << w;
        EXPECT_LE(length, pushed[w] + 1) << "writer " << w;
        if (pushed[w] > 0) {
          EXPECT_EQ(c->Run({"LINDEX", StrCat("list", w), StrCat(pushed[w] - 1)}),
                    Bulk(StrCat(pushed[w] - 1)));
        }
        pushed[w] = length;
      }
    }
    if (round == kRounds) break;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    std::vector<std::string> failures(kWriters);
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto client = RespClient::Connect(port);
        if (!client.ok()) {
          failures[w] = std::string(client.status().message());
          return;
        }
        for (int64_t i = 0; !stop.load(); ++i) {
          // Element n of list w is "n": what was acknowledged can be checked by position.
          const std::string command = i % 2 == 0
                                          ? Encode({"INCR", StrCat("counter", w)})
                                          : Encode({"RPUSH", StrCat("list", w), StrCat(pushed[w])});
          if (!(*client)->Send(command).ok()) return;
          absl::StatusOr<RespValue> reply = (*client)->ReadReply(std::chrono::milliseconds(30000));
          if (!reply.ok()) return;  // killed: this one was not acknowledged
          if (reply->type != RespValue::Type::kInteger) {
            failures[w] = reply->DebugString();
            return;
          }
          (i % 2 == 0 ? counter[w] : pushed[w]) = reply->integer;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + random() % 300));
    (*server)->Signal(SIGKILL);
    ASSERT_OK((*server)->Wait(std::chrono::milliseconds(30000)));
    stop = true;
    for (std::thread& t : writers) t.join();
    for (int w = 0; w < kWriters; ++w) EXPECT_EQ(failures[w], "") << "writer " << w;
    int64_t total = 0;
    for (int w = 0; w < kWriters; ++w) total += counter[w] + pushed[w];
    EXPECT_GT(total, 0);
    if (round == 0) first = std::move(*server);  // keeps the directory until the test ends
  }
}

// Redis's aof-multi-part.tcl cases (they start their own servers, so the
// external-mode suite skips them): a manifest Redis refuses stops the start
// with Redis's message, and the layouts Redis accepts load.
void WriteAofDir(const std::string& dir, const std::string& manifest,
                 const std::vector<std::pair<std::string, std::string>>& files) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/appendonlydir");
  std::ofstream(dir + "/appendonlydir/appendonly.aof.manifest", std::ios::binary) << manifest;
  for (const auto& [name, bytes] : files) {
    std::ofstream(dir + "/appendonlydir/" + name, std::ios::binary) << bytes;
  }
}

std::string SetCommand(const std::string& key, const std::string& value) {
  return StrCat("*3\r\n$3\r\nSET\r\n$", key.size(), "\r\n", key, "\r\n$", value.size(), "\r\n",
                value, "\r\n");
}

TEST(integration_Aof, ManifestAndFileErrorsStopTheStartAsInRedis) {
  const std::string dir = ::testing::TempDir() + "/aof_manifest_" + std::to_string(getpid());
  const std::string incr1 = SetCommand("k1", "v1");
  const std::string incr2 = SetCommand("k2", "v2");
  struct Case {
    std::string what;
    std::string manifest;
    std::vector<std::pair<std::string, std::string>> files;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"a file missing",
       "file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
       {{"appendonly.aof.1.incr.aof", incr1}},
       "appendonly.aof.2.incr.aof doesn't exist"},
      {"sequence not increasing",
       "file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
       {{"appendonly.aof.1.incr.aof", incr1}, {"appendonly.aof.2.incr.aof", incr2}},
       "Found a non-monotonic sequence number"},
      {"a blank line",
       "file appendonly.aof.1.incr.aof seq 1 type i\n\nfile appendonly.aof.2.incr.aof seq 2 type "
       "i\n",
       {{"appendonly.aof.1.incr.aof", incr1}, {"appendonly.aof.2.incr.aof", incr2}},
       "Invalid AOF manifest file format"},
      {"two bases",
       "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.2.base.aof seq 2 type "
       "b\n",
       {{"appendonly.aof.1.base.aof", incr1}, {"appendonly.aof.2.base.aof", incr2}},
       "Found duplicate base file information"},
      {"an unknown type",
       "file appendonly.aof.1.incr.aof seq 1 type x\n",
       {{"appendonly.aof.1.incr.aof", incr1}},
       "Unknown AOF file type"},
      {"a key missing",
       "filx appendonly.aof.1.incr.aof seq 1 type i\n",
       {{"appendonly.aof.1.incr.aof", incr1}},
       "Invalid AOF manifest file format"},
      {"a line too short",
       "file appendonly.aof.1.incr.aof type i\n",
       {{"appendonly.aof.1.incr.aof", incr1}},
       "Invalid AOF manifest file format"},
      {"a line too long",
       "file " + std::string(1100, 'a') + " seq 1 type i\n",
       {},
       "The AOF manifest file contains too long line"},
      {"an odd parameter",
       "file appendonly.aof.1.incr.aof seq 1 type i newkey\n",
       {{"appendonly.aof.1.incr.aof", incr1}},
       "Invalid AOF manifest file format"},
      {"an empty manifest", "", {}, "Found an empty AOF manifest"},
      {"an unknown command",
       "file appendonly.aof.1.incr.aof seq 1 type i\n",
       {{"appendonly.aof.1.incr.aof", "*1\r\n$4\r\nNOPE\r\n"}},
       "Unknown command 'NOPE' reading the append only file"},
      {"a bad format",
       "file appendonly.aof.1.incr.aof seq 1 type i\n",
       {{"appendonly.aof.1.incr.aof", incr1 + "garbage\r\n"}},
       "Bad file format reading the append only file"},
      {"a truncated file that is not the last",
       "file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
       {{"appendonly.aof.1.incr.aof", incr1.substr(0, incr1.size() - 3)},
        {"appendonly.aof.2.incr.aof", incr2}},
       "the truncated file is not the last file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WriteAofDir(dir, c.manifest, c.files);
    auto server = ServerProcess::StartValkdb({"--dir", dir, "--appendonly", "yes", "--save", ""});
    ASSERT_FALSE(server.ok());
    EXPECT_THAT(std::string(server.status().message()), HasSubstr(c.error));
  }
  // What Redis accepts: gaps in the sequence, empty files, a base in AOF
  // (commands) form, an unknown key, a name with spaces (quoted).
  WriteAofDir(dir,
              "file appendonly.aof.1.base.aof seq 1 type b newkey newvalue\n"
              "file appendonly.aof.1.incr.aof seq 1 type i\n"
              "file appendonly.aof.4.incr.aof seq 4 type i\n"
              "file appendonly.aof.9.incr.aof seq 9 type i\n",
              {{"appendonly.aof.1.base.aof", SetCommand("base", "b")},
               {"appendonly.aof.1.incr.aof", incr1},
               {"appendonly.aof.4.incr.aof", ""},
               {"appendonly.aof.9.incr.aof", incr2}});
  {
    auto server = StartOver(dir);
    ASSERT_OK(server);
    auto c = MustConnect((*server)->port());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->Run({"GET", "base"}), Bulk("b"));
    EXPECT_EQ(c->Run({"GET", "k1"}), Bulk("v1"));
    EXPECT_EQ(c->Run({"GET", "k2"}), Bulk("v2"));
    ASSERT_EQ(c->Run({"SET", "k3", "v3"}), Ok());
    // Appending goes on in the last incr file.
    EXPECT_THAT(ReadFile(dir + "/appendonlydir/appendonly.aof.9.incr.aof"), HasSubstr("k3"));
  }
  // An AOF directory that is there but empty: a base is written.
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/appendonlydir");
  {
    auto server = StartOver(dir);
    ASSERT_OK(server);
    EXPECT_TRUE(std::filesystem::exists(dir + "/appendonlydir/appendonly.aof.1.base.rdb"));
    EXPECT_EQ(ReadFile(dir + "/appendonlydir/appendonly.aof.manifest"),
              "file appendonly.aof.1.base.rdb seq 1 type b\n"
              "file appendonly.aof.1.incr.aof seq 1 type i\n");
  }
  std::filesystem::remove_all(dir);
}

TEST(integration_Aof, AppendfilenameWithSpacesIsQuotedInTheManifest) {
  auto valkdb = ServerProcess::StartValkdb({"--appendonly", "yes", "--appendfilename", "my aof.aof",
                                            "--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Run({"SET", "k", "v"}), Ok());
  const std::string manifest =
      ReadFile((*valkdb)->work_dir() + "/appendonlydir/my aof.aof.manifest");
  EXPECT_EQ(manifest,
            "file \"my aof.aof.1.base.rdb\" seq 1 type b\n"
            "file \"my aof.aof.1.incr.aof\" seq 1 type i\n");
  ASSERT_EQ(c->Run({"DEBUG", "LOADAOF"}), Ok());
  EXPECT_EQ(c->Run({"GET", "k"}), Bulk("v"));
}

}  // namespace
}  // namespace valkdb::test
