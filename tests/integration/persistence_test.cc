// RDB persistence against the real binaries: SAVE/BGSAVE files that
// redis-check-rdb accepts and a real redis-server loads to the same keyspace
// (DEBUG DIGEST), Redis's own dumps loaded here, restarts, the shutdown
// save, BGSAVE's point-in-time view while clients write, and a corrupt file
// refused at start-up.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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

// Waits (generously: liveness, not speed) until no save runs.
void WaitForSaveToEnd(RespClient& c) {
  for (int i = 0; i < 6000 && PersistenceInfo(c, "rdb_bgsave_in_progress") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(PersistenceInfo(c, "rdb_bgsave_in_progress"), "0");
}

// Every type in each of its encodings, in two databases, some with TTLs.
void FillEveryType(RespClient& c) {
  for (const std::string db : {"0", "3"}) {
    ASSERT_EQ(c.Run({"SELECT", db}), Ok());
    c.Run({"SET", "int", "12345"});
    c.Run({"SET", "str", "hello world"});
    c.Run({"SET", "long", std::string(300, 'x') + "compressible"});
    c.Run({"SET", "ttl", "v", "EX", "5000"});
    c.Run({"RPUSH", "list", "a", "b", "1", "2"});
    c.Run({"HSET", "hash", "f1", "v1", "f2", "22"});
    c.Run({"SADD", "intset", "1", "2", "-3", "100000"});
    c.Run({"SADD", "set", "a", "b", "c"});
    c.Run({"ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c"});
    for (int i = 0; i < 700; ++i) {
      const std::string n = StrCat(i);
      c.Run({"RPUSH", "biglist", n + std::string(i % 50, 'l')});
      c.Run({"HSET", "bighash", "field" + n, "value" + n});
      c.Run({"SADD", "bigset", "member" + n});
      c.Run({"SADD", "bigintset", n});
      c.Run({"ZADD", "bigzset", StrCat(i * 0.5), "m" + n});
    }
    c.Run({"PEXPIRE", "bighash", "9000000"});
  }
  ASSERT_EQ(c.Run({"SELECT", "0"}), Ok());
}

TEST(integration_Persistence, SaveIsLoadedBackAtRestartAndByRedis) {
  auto valkdb = ServerProcess::StartValkdb({"--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  FillEveryType(*c);
  const std::string digest = Digest(*c);
  ASSERT_EQ(digest.size(), 40u);
  EXPECT_NE(PersistenceInfo(*c, "rdb_changes_since_last_save"), "0");
  ASSERT_EQ(c->Run({"SAVE"}), Ok());
  EXPECT_EQ(PersistenceInfo(*c, "rdb_changes_since_last_save"), "0");
  EXPECT_EQ(PersistenceInfo(*c, "rdb_last_bgsave_status"), "ok");
  EXPECT_GT(c->Run({"LASTSAVE"}).integer, 0);
  const std::string dump = dir + "/dump.rdb";
  ASSERT_TRUE(std::filesystem::exists(dump));

  // redis-check-rdb accepts it.
  const std::string check = FindRedisTool("redis-check-rdb");
  ASSERT_FALSE(check.empty()) << "redis-check-rdb not found (Debian package redis-tools)";
  const std::string out = StrCat(dir, "/check.txt");
  const int rc = std::system(StrCat(check, " ", dump, " > ", out, " 2>&1").c_str());
  std::ifstream check_out(out);
  const std::string check_text((std::istreambuf_iterator<char>(check_out)),
                               std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << check_text;
  EXPECT_THAT(check_text, HasSubstr("RDB looks OK"));

  // A real redis-server loads the same keyspace.
  {
    auto redis = ServerProcess::StartRedis({"--dir", dir, "--enable-debug-command", "yes"});
    ASSERT_OK(redis);
    auto r = MustConnect((*redis)->port());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(Digest(*r), digest);
    EXPECT_EQ(r->Run({"OBJECT", "ENCODING", "bighash"}), Bulk("hashtable"));
    EXPECT_EQ(r->Run({"OBJECT", "ENCODING", "bigzset"}), Bulk("skiplist"));
    EXPECT_EQ(r->Run({"OBJECT", "ENCODING", "intset"}), Bulk("intset"));
    EXPECT_GT(r->Run({"PTTL", "bighash"}).integer, 8000000);
    // What Redis saves, valkdb loads back the same.
    ASSERT_EQ(r->Run({"SET", "from-redis", "1"}), Ok());
    ASSERT_EQ(r->Run({"SAVE"}), Ok());
    const std::string redis_digest = Digest(*r);
    (*redis)->Stop();
    ASSERT_EQ(c->Run({"DEBUG", "RELOAD", "NOSAVE"}), Ok());
    EXPECT_EQ(Digest(*c), redis_digest);
    EXPECT_EQ(c->Run({"GET", "from-redis"}), Bulk("1"));
    ASSERT_EQ(c->Run({"DEL", "from-redis"}), Int(1));
  }

  // A restart in the same directory loads the file (SHUTDOWN saves: save
  // points are set by default).
  ASSERT_EQ(c->Run({"SET", "after-save", "x"}), Ok());
  const std::string final_digest = Digest(*c);
  c->Send("*1\r\n$8\r\nSHUTDOWN\r\n").IgnoreError();
  auto ended = (*valkdb)->Wait(std::chrono::milliseconds(30000));
  ASSERT_OK(ended);
  EXPECT_TRUE(ended->ok()) << ended->ToString();
  auto again = ServerProcess::StartValkdb({"--dir", dir, "--enable-debug-command", "yes"});
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(Digest(*c2), final_digest);
  EXPECT_GT(c2->Run({"TTL", "ttl"}).integer, 4000);
  EXPECT_THAT((*again)->log(), HasSubstr("DB loaded from disk"));
}

// FUNCTION libraries live in the RDB file (RDB_OPCODE_FUNCTION2), as in
// Redis: a restart keeps them, redis-server loads valkdb's file and valkdb
// loads redis-server's (a big library's code is LZF-compressed there).
TEST(integration_Persistence, FunctionLibrariesAreSavedAndExchangedWithRedis) {
  auto valkdb = ServerProcess::StartValkdb({"--enable-debug-command", "yes"});
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  const std::string lib1 =
      "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 42 end)";
  ASSERT_EQ(c->Run({"FUNCTION", "LOAD", lib1}), Bulk("lib1"));
  ASSERT_EQ(c->Run({"SET", "k", "v"}), Ok());
  ASSERT_EQ(c->Run({"SAVE"}), Ok());
  // DEBUG RELOAD empties the libraries and loads them back; NOFLUSH finds
  // the library already there and fails, NOFLUSH MERGE replaces it.
  ASSERT_EQ(c->Run({"DEBUG", "RELOAD"}), Ok());
  EXPECT_EQ(c->Run({"FCALL", "f1", "0"}), Int(42));
  EXPECT_EQ(c->Run({"DEBUG", "RELOAD", "NOFLUSH"}).type, RespValue::Type::kError);
  EXPECT_EQ(c->Run({"DEBUG", "RELOAD", "NOFLUSH", "MERGE"}), Ok());
  EXPECT_EQ(c->Run({"FCALL", "f1", "0"}), Int(42));

  {
    auto redis = ServerProcess::StartRedis({"--dir", dir, "--enable-debug-command", "yes"});
    ASSERT_OK(redis);
    auto r = MustConnect((*redis)->port());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->Run({"FCALL", "f1", "0"}), Int(42));
    const std::string lib2 = "#!lua name=lib2\nredis.register_function('f2', function() return '" +
                             std::string(400, 'x') + "' end)";
    ASSERT_EQ(r->Run({"FUNCTION", "LOAD", lib2}), Bulk("lib2"));
    ASSERT_EQ(r->Run({"SAVE"}), Ok());
    (*redis)->Stop();
  }
  ASSERT_EQ(c->Run({"DEBUG", "RELOAD", "NOSAVE"}), Ok());
  EXPECT_EQ(c->Run({"FCALL", "f1", "0"}), Int(42));
  EXPECT_EQ(c->Run({"FCALL", "f2", "0"}), Bulk(std::string(400, 'x')));

  // A restart keeps them (SHUTDOWN saves).
  c->Send("*1\r\n$8\r\nSHUTDOWN\r\n").IgnoreError();
  auto ended = (*valkdb)->Wait(std::chrono::milliseconds(30000));
  ASSERT_OK(ended);
  auto again = ServerProcess::StartValkdb({"--dir", dir});
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->Run({"FCALL", "f1", "0"}), Int(42));
  EXPECT_EQ(c2->Run({"FCALL", "f2", "0"}), Bulk(std::string(400, 'x')));
  EXPECT_EQ(c2->Run({"GET", "k"}), Bulk("v"));
}

TEST(integration_Persistence, RedisAssetDumpsLoadAsRedisLoadsThem) {
  const std::string dir = RedisTestAssetsDir();
  for (const char* name : {"encodings.rdb", "hash-ziplist.rdb", "hash-zipmap.rdb",
                           "list-quicklist.rdb", "zset-ziplist.rdb"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(std::ifstream(dir + "/" + name)) << "missing asset " << dir << "/" << name;
    auto redis = ServerProcess::StartRedis(
        {"--dir", dir, "--dbfilename", name, "--enable-debug-command", "yes"});
    ASSERT_OK(redis);
    auto r = MustConnect((*redis)->port());
    ASSERT_NE(r, nullptr);
    const std::string expected = Digest(*r);
    const int64_t keys = r->Run({"DBSIZE"}).integer;
    (*redis)->Stop();
    // Read-only: the server is told not to save over Redis's asset.
    auto valkdb = ServerProcess::StartValkdb(
        {"--dir", dir, "--dbfilename", name, "--save", "", "--enable-debug-command", "yes"});
    ASSERT_OK(valkdb);
    auto c = MustConnect((*valkdb)->port());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Digest(*c), expected);
    EXPECT_EQ(c->Run({"DBSIZE"}).integer, keys);
    EXPECT_TRUE((*valkdb)->Stop().ok());
  }
}

// The scheduling policy and nice value of each thread of `pid` other than
// the main one, from /proc/PID/task/TID/stat (fields 19 and 41).
std::vector<std::pair<int, int>> ThreadPolicies(pid_t pid) {
  std::vector<std::pair<int, int>> policies;
  const std::string tasks = StrCat("/proc/", pid, "/task");
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    if (task.path().filename() == std::to_string(pid)) continue;
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));  // from field 3, the state
    std::vector<std::string> f{"", "", ""};
    for (std::string field; fields >> field;) f.push_back(field);
    if (f.size() > 41) policies.emplace_back(std::stoi(f[41]), std::stoi(f[19]));
  }
  return policies;
}

class BgsavePriorityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BgsavePriorityTest, BgsaveSavesTheKeyspaceAsItWasWhenItStarted) {
  // Several event loops, writes to every kind of value while the save is slowed down.
  auto valkdb = ServerProcess::StartValkdb({"--threads", "2", "--enable-debug-command", "yes",
                                            "--save", "", "--bgsave-priority", GetParam()});
  ASSERT_OK(valkdb);
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  FillEveryType(*c);
  for (int i = 0; i < 300; ++i) c->Run({"SET", StrCat("k", i), StrCat("v", i)});
  const std::string before = Digest(*c);
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "2000"}), Ok());
  ASSERT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  EXPECT_EQ(PersistenceInfo(*c, "rdb_bgsave_in_progress"), "1");
  EXPECT_EQ(c->Run({"BGSAVE"}), Err("ERR Background save already in progress"));
  EXPECT_EQ(c->Run({"SAVE"}), Err("ERR Background save already in progress"));
  // The save's thread runs at the priority asked for: SCHED_IDLE (policy 5)
  // for idle, nice 19 for low; every thread at nice 0, SCHED_OTHER, for normal.
  // The thread sets its own priority as it starts: wait for that (liveness).
  auto policies = ThreadPolicies((*valkdb)->pid());
  const std::pair<int, int> expected = GetParam() == "idle"  ? std::pair(5, 0)
                                       : GetParam() == "low" ? std::pair(0, 19)
                                                             : std::pair(-1, -1);
  if (expected.first >= 0) {
    for (int i = 0; i < 3000 && std::count(policies.begin(), policies.end(), expected) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      policies = ThreadPolicies((*valkdb)->pid());
    }
    EXPECT_EQ(std::count(policies.begin(), policies.end(), expected), 1) << GetParam();
  } else {
    EXPECT_EQ(std::count(policies.begin(), policies.end(), std::pair(0, 0)),
              static_cast<long>(policies.size()));
  }
  // Changes of every kind while it runs, from two connections (two loops),
  // most of them before the save's own pass has captured their shards.
  auto c2 = MustConnect((*valkdb)->port());
  ASSERT_NE(c2, nullptr);
  ASSERT_EQ(c2->Run({"SWAPDB", "3", "7"}), Ok());  // db 3's keys now in db 7
  for (RespClient* client : {c.get(), c2.get()}) {
    for (const std::string db : {"0", "3"}) {
      client->Run({"SELECT", db});
      client->Run({"HSET", "bighash", "field1", "changed"});
      client->Run({"RPUSH", "biglist", "more"});
      client->Run({"LPOP", "biglist"});
      client->Run({"ZADD", "bigzset", "-5", "m3"});
      client->Run({"SREM", "bigset", "member7"});
      client->Run({"SADD", "bigintset", "99999"});
      client->Run({"APPEND", "str", "!"});
      client->Run({"HSET", "hash", "f1", "changed"});
      client->Run({"DEL", "set"});
      client->Run({"RENAME", "zset", "zset2"});
      client->Run({"SET", "new", "key"});
      client->Run({"FLUSHDB"});
    }
  }
  EXPECT_EQ(c->Run({"DBSIZE"}), Int(0));
  ASSERT_EQ(c->Run({"SELECT", "7"}), Ok());
  ASSERT_EQ(c->Run({"FLUSHDB"}), Ok());
  ASSERT_EQ(c->Run({"SELECT", "0"}), Ok());
  WaitForSaveToEnd(*c);
  EXPECT_EQ(PersistenceInfo(*c, "rdb_last_bgsave_status"), "ok");
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "0"}), Ok());
  ASSERT_EQ(c->Run({"DEBUG", "RELOAD", "NOSAVE"}), Ok());
  EXPECT_EQ(Digest(*c), before);
}

INSTANTIATE_TEST_SUITE_P(integration_Persistence, BgsavePriorityTest,
                         ::testing::Values("normal", "low", "idle"));

TEST(integration_Persistence, SigtermSavesWhenSavePointsAreSet) {
  auto valkdb = ServerProcess::StartValkdb();
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  {
    auto c = MustConnect((*valkdb)->port());
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->Run({"SET", "kept", "yes"}), Ok());
  }
  EXPECT_TRUE((*valkdb)->Stop().ok());
  auto again = ServerProcess::StartValkdb({"--dir", dir});
  ASSERT_OK(again);
  auto c = MustConnect((*again)->port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Run({"GET", "kept"}), Bulk("yes"));
  // SHUTDOWN NOSAVE does not save: the change is gone after the restart.
  ASSERT_EQ(c->Run({"SET", "kept", "changed"}), Ok());
  c->Send("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n").IgnoreError();
  ASSERT_OK((*again)->Wait(std::chrono::milliseconds(30000)));
  auto third = ServerProcess::StartValkdb({"--dir", dir});
  ASSERT_OK(third);
  auto c3 = MustConnect((*third)->port());
  ASSERT_NE(c3, nullptr);
  EXPECT_EQ(c3->Run({"GET", "kept"}), Bulk("yes"));
}

TEST(integration_Persistence, FlushallAndShutdownNeverWaitForASlowBgsave) {
  auto valkdb = ServerProcess::StartValkdb();  // save points set (Redis's defaults)
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c->Run({"SET", StrCat("k", i), "v"}), Ok());
  ASSERT_EQ(c->Run({"SAVE"}), Ok());
  // A save that would take years (as Redis's suite sets it up, then kills the child).
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "2147483647"}), Ok());
  ASSERT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  // FLUSHALL drops it and saves the empty dataset at once, as Redis does.
  ASSERT_EQ(c->Run({"FLUSHALL"}), Ok());
  EXPECT_EQ(PersistenceInfo(*c, "rdb_bgsave_in_progress"), "0");
  EXPECT_EQ(PersistenceInfo(*c, "rdb_last_bgsave_status"), "ok");
  ASSERT_EQ(c->Run({"SET", "after", "flush"}), Ok());
  ASSERT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  // SHUTDOWN cancels it too, and saves (with the delay back to 0).
  ASSERT_EQ(c->Run({"CONFIG", "SET", "rdb-key-save-delay", "0"}), Ok());
  c->Send("*1\r\n$8\r\nSHUTDOWN\r\n").IgnoreError();
  auto ended = (*valkdb)->Wait(std::chrono::milliseconds(60000));
  ASSERT_OK(ended);
  EXPECT_TRUE(ended->ok()) << ended->ToString();
  auto again = ServerProcess::StartValkdb({"--dir", dir});
  ASSERT_OK(again);
  auto c2 = MustConnect((*again)->port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(c2->Run({"GET", "after"}), Bulk("flush"));
}

TEST(integration_Persistence, CorruptFileIsRefusedAtStartUp) {
  char dir_template[] = "/tmp/valkdb-corrupt-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  {
    std::ofstream out(dir + "/dump.rdb", std::ios::binary);
    out << "REDIS0010\xfa\x09redis-ver\x06"
           "7.0.15\xfe";  // cut in the middle
  }
  auto valkdb = ServerProcess::StartValkdb({"--dir", dir});
  EXPECT_FALSE(valkdb.ok());
  // A wrong checksum is refused too.
  {
    std::ofstream out(dir + "/dump.rdb", std::ios::binary);
    out << "REDIS0010\xff" << std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  }
  auto again = ServerProcess::StartValkdb({"--dir", dir});
  EXPECT_FALSE(again.ok());
  if (!again.ok()) {
    EXPECT_THAT(std::string(again.status().message()), HasSubstr("checksum"));
  }
  std::filesystem::remove_all(dir);
}

TEST(integration_Persistence, FailedSavesAreReportedAndRefuseWritesAsRedis) {
  auto valkdb = ServerProcess::StartValkdb();  // save points set (Redis's defaults)
  ASSERT_OK(valkdb);
  const std::string dir = (*valkdb)->work_dir();
  auto c = MustConnect((*valkdb)->port());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Run({"SET", "k", "v"}), Ok());
  std::filesystem::remove_all(dir);  // nowhere to write now
  // A failed SAVE answers -ERR and leaves the bgsave status alone (as Redis 7.0).
  EXPECT_EQ(c->Run({"SAVE"}), Err("ERR"));
  EXPECT_EQ(PersistenceInfo(*c, "rdb_last_bgsave_status"), "ok");
  // A failed BGSAVE makes writes, and PING, fail with -MISCONF; reads still work.
  EXPECT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  WaitForSaveToEnd(*c);
  EXPECT_EQ(PersistenceInfo(*c, "rdb_last_bgsave_status"), "err");
  const RespValue refused = c->Run({"SET", "k", "w"});
  EXPECT_TRUE(refused.is_error());
  EXPECT_THAT(refused.str, HasSubstr("MISCONF Redis is configured to save RDB snapshots"));
  EXPECT_TRUE(c->Run({"PING"}).is_error());
  EXPECT_EQ(c->Run({"GET", "k"}), Bulk("v"));
  // Once a save succeeds, writes are accepted again.
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  EXPECT_EQ(c->Run({"SAVE"}), Ok());
  EXPECT_EQ(c->Run({"SET", "k", "w"}), Ok());
  // Without save points a failed save refuses nothing.
  std::filesystem::remove_all(dir);
  EXPECT_EQ(c->Run({"BGSAVE"}), Simple("Background saving started"));
  WaitForSaveToEnd(*c);
  ASSERT_EQ(c->Run({"CONFIG", "SET", "save", ""}), Ok());
  EXPECT_EQ(c->Run({"SET", "k", "x"}), Ok());
  // With save points, a shutdown whose save fails leaves the server up: SHUTDOWN answers an
  // error, and SIGTERM is logged and ignored, as in Redis; once the save can succeed it stops.
  ASSERT_EQ(c->Run({"CONFIG", "SET", "save", "3600 1"}), Ok());
  EXPECT_EQ(c->Run({"SHUTDOWN"}), Err("ERR Errors trying to SHUTDOWN. Check logs."));
  (*valkdb)->Signal(SIGTERM);
  for (int i = 0;
       i < 3000 && (*valkdb)->log().find("SIGTERM received but errors") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT((*valkdb)->log(), HasSubstr("SIGTERM received but errors trying to shut down"));
  EXPECT_EQ(c->Run({"GET", "k"}), Bulk("x"));  // still serving
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  (*valkdb)->Signal(SIGTERM);
  auto ended = (*valkdb)->Wait(std::chrono::milliseconds(30000));
  ASSERT_OK(ended);
  EXPECT_TRUE(ended->ok()) << ended->ToString();
  EXPECT_TRUE(std::filesystem::exists(dir + "/dump.rdb"));
}

}  // namespace
}  // namespace valkdb::test
