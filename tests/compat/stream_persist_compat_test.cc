// Streams in valkdb's keyspace and persistence against a real redis-server
// 7.0: streams built on Redis with its own commands (several nodes, deleted
// entries, consumer groups, pending entries, idle consumers, an empty stream
// that keeps its IDs) travel by DUMP/RESTORE, MIGRATE, dump.rdb and an AOF
// of commands, and come out as Redis's bytes, digests and replies.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/support/persistence_helpers.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string RunTool(const std::string& command, int* rc) {
  const std::string out =
      ::testing::TempDir() + "/stream_tool_" + std::to_string(::getpid()) + ".txt";
  *rc = std::system(absl::StrCat(command, " > ", out, " 2>&1").c_str());
  std::string text = ReadFile(out);
  std::remove(out.c_str());
  return text;
}

void Must(RespClient& c, const std::vector<std::string>& args) {
  const RespValue r = c.Run(args);
  ASSERT_NE(r.type, RespValue::Type::kError) << absl::StrJoin(args, " ") << ": " << r.str;
}

// Builds the streams on redis-server with its own commands; returns their keys.
std::vector<std::string> BuildStreams(RespClient& r) {
  std::vector<std::string> keys;
  // Entries with the master's fields and with their own, one deleted.
  Must(r, {"XADD", "plain", "1-1", "a", "1", "b", "2"});
  Must(r, {"XADD", "plain", "1-2", "a", "3", "b", "4"});
  Must(r, {"XADD", "plain", "1-3", "x", "y"});
  Must(r, {"XADD", "plain", "2-0", "a", "", "b", std::string(100, 'z')});
  Must(r, {"XDEL", "plain", "1-2"});
  keys.push_back("plain");
  // Several nodes (100 entries each), trimmed and with deletions, integer
  // and long values.
  std::mt19937 rng(11);
  for (int i = 0; i < 350; ++i) {
    std::vector<std::string> args = {"XADD", "nodes", absl::StrCat(1700000000000 + i / 3, "-*")};
    const int fields = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < fields; ++f) {
      args.push_back(absl::StrCat("f", (i / 50 + f) % 4));
      switch (rng() % 4) {
        case 0:
          args.push_back(absl::StrCat(static_cast<int64_t>(rng()) - 2000000000));
          break;
        case 1:
          args.push_back(std::string(1 + rng() % 200, static_cast<char>('a' + rng() % 26)));
          break;
        case 2:
          args.push_back(absl::StrCat(rng() % 100));
          break;
        default:
          args.push_back(absl::StrCat("v", i));
      }
    }
    Must(r, args);
  }
  Must(r, {"XTRIM", "nodes", "MAXLEN", "320"});
  for (const char* id : {"1700000000020-0", "1700000000050-1", "1700000000116-1"}) {
    Must(r, {"XDEL", "nodes", id});
  }
  keys.push_back("nodes");
  // Consumer groups: pending entries of several consumers, one of them of a
  // deleted entry, an acknowledged one, a claimed one, an idle consumer, a
  // group at the end and one with entries read given.
  for (int i = 1; i <= 10; ++i) Must(r, {"XADD", "groups", absl::StrCat(i, "-0"), "n", "1"});
  Must(r, {"XGROUP", "CREATE", "groups", "g1", "0"});
  Must(r, {"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "groups", ">"});
  Must(r, {"XREADGROUP", "GROUP", "g1", "42", "COUNT", "2", "STREAMS", "groups", ">"});
  Must(r, {"XACK", "groups", "g1", "2-0"});
  Must(r, {"XCLAIM", "groups", "g1", "carol", "0", "4-0"});
  Must(r, {"XGROUP", "CREATECONSUMER", "groups", "g1", "dave"});
  Must(r, {"XDEL", "groups", "1-0"});
  Must(r, {"XGROUP", "CREATE", "groups", "g2", "$"});
  Must(r, {"XGROUP", "CREATE", "groups", "g3", "5-0", "ENTRIESREAD", "4"});
  keys.push_back("groups");
  // Empty, with its IDs set by XSETID.
  Must(r, {"XADD", "empty", "5-5", "f", "v"});
  Must(r, {"XDEL", "empty", "5-5"});
  Must(r, {"XSETID", "empty", "10-10", "ENTRIESADDED", "7", "MAXDELETEDID", "6-0"});
  keys.push_back("empty");
  // Empty with a group; a large compressible value.
  Must(r, {"XADD", "emptygroup", "1-1", "a", "b"});
  Must(r, {"XGROUP", "CREATE", "emptygroup", "g", "$"});
  Must(r, {"XDEL", "emptygroup", "1-1"});
  keys.push_back("emptygroup");
  Must(r, {"XADD", "big", "1-1", "blob", std::string(20000, 'q') + "end"});
  keys.push_back("big");
  return keys;
}

class StreamPersistCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = ServerProcess::StartRedis({"--enable-debug-command", "yes"});
    ASSERT_OK(redis);
    redis_ = *std::move(redis);
    auto valkdb = ServerProcess::StartValkdb({"--save", "", "--enable-debug-command", "yes"});
    ASSERT_OK(valkdb);
    valkdb_ = *std::move(valkdb);
    r_ = MustConnect(redis_->port());
    v_ = MustConnect(valkdb_->port());
    ASSERT_TRUE(r_ && v_);
    keys_ = BuildStreams(*r_);
    for (const std::string& key : keys_) {
      const RespValue dump = r_->Run({"DUMP", key});
      ASSERT_EQ(dump.type, RespValue::Type::kBulkString) << key;
      dumps_[key] = dump.str;
    }
  }
  void TearDown() override {
    if (!HasFailure()) return;
    if (valkdb_) std::cerr << "valkdb log:\n" << valkdb_->log() << "\n";
    if (redis_) std::cerr << "redis log:\n" << redis_->log() << "\n";
  }

  // Restores every stream, from Redis's DUMP, into `c`.
  void RestoreAll(RespClient& c) {
    for (const std::string& key : keys_) {
      ASSERT_EQ(c.Run({"RESTORE", key, "0", dumps_[key], "REPLACE"}), Ok()) << key;
    }
  }

  std::unique_ptr<ServerProcess> redis_, valkdb_;
  std::unique_ptr<RespClient> r_, v_;
  std::vector<std::string> keys_;
  std::map<std::string, std::string> dumps_;
};

TEST_F(StreamPersistCompatTest, DumpRestoreIsRedisBytesBothWays) {
  for (bool compression : {true, false}) {
    SCOPED_TRACE(compression ? "rdbcompression yes" : "rdbcompression no");
    const std::string setting = compression ? "yes" : "no";
    ASSERT_EQ(r_->Run({"CONFIG", "SET", "rdbcompression", setting}), Ok());
    ASSERT_EQ(v_->Run({"CONFIG", "SET", "rdbcompression", setting}), Ok());
    for (const std::string& key : keys_) {
      SCOPED_TRACE(key);
      const std::string theirs = r_->Run({"DUMP", key}).str;
      ASSERT_EQ(v_->Run({"RESTORE", key, "0", theirs, "REPLACE"}), Ok());
      EXPECT_EQ(v_->Run({"TYPE", key}), Simple("stream"));
      EXPECT_EQ(v_->Run({"OBJECT", "ENCODING", key}), Bulk("stream"));
      const RespValue ours = v_->Run({"DUMP", key});
      EXPECT_EQ(Visible(ours.str, 1 << 20), Visible(theirs, 1 << 20));
      EXPECT_EQ(v_->Run({"DEBUG", "DIGEST-VALUE", key}), r_->Run({"DEBUG", "DIGEST-VALUE", key}));
      EXPECT_EQ(v_->Run({"XINFO", "STREAM", key, "FULL"}),
                r_->Run({"XINFO", "STREAM", key, "FULL"}));
      // Redis takes ours back as the same stream.
      ASSERT_EQ(r_->Run({"RESTORE", key + ":back", "0", ours.str, "REPLACE"}), Ok());
      EXPECT_EQ(r_->Run({"DUMP", key + ":back"}).str, theirs);
    }
  }
  EXPECT_EQ(v_->Run({"RESTORE", "plain", "0", dumps_["plain"]}),
            Err("BUSYKEY Target key name already exists."));
}

// The keyspace commands, on the same streams in both servers, answer alike.
TEST_F(StreamPersistCompatTest, KeyspaceCommandsOnStreamsAnswerAsRedis) {
  ASSERT_EQ(r_->Run({"FLUSHALL"}), Ok());
  RestoreAll(*r_);
  RestoreAll(*v_);
  const std::vector<std::vector<std::string>> commands = {
      {"TYPE", "plain"},
      {"EXISTS", "plain", "groups", "nokey"},
      {"OBJECT", "ENCODING", "nodes"},
      {"OBJECT", "REFCOUNT", "nodes"},
      {"OBJECT", "FREQ", "nodes"},
      {"SORT", "plain"},
      {"SORT_RO", "plain"},
      {"SORT", "plain", "BY", "nosort"},
      {"GET", "plain"},
      {"LPUSH", "plain", "x"},
      {"SADD", "plain", "x"},
      {"HGET", "plain", "a"},
      {"ZCARD", "plain"},
      {"PFCOUNT", "plain"},
      {"APPEND", "plain", "x"},
      {"DEBUG", "DIGEST"},
      {"RENAME", "plain", "renamed"},
      {"TYPE", "renamed"},
      {"DUMP", "renamed"},
      {"COPY", "renamed", "copied"},
      {"COPY", "renamed", "copied"},
      {"COPY", "groups", "copied", "REPLACE"},
      {"DUMP", "copied"},
      {"DEBUG", "DIGEST-VALUE", "copied", "groups"},
      {"COPY", "nodes", "nodes", "DB", "1"},
      {"MOVE", "copied", "2"},
      {"SELECT", "2"},
      {"DUMP", "copied"},
      {"SWAPDB", "2", "3"},
      {"DBSIZE"},
      {"SELECT", "3"},
      {"TYPE", "copied"},
      {"SELECT", "0"},
      {"DEBUG", "DIGEST"},
      {"RENAMENX", "renamed", "nodes"},
      {"RENAME", "renamed", "nodes"},
      {"DUMP", "nodes"},
      {"EXPIRE", "groups", "1000"},
      {"TTL", "groups"},
      {"DEBUG", "DIGEST-VALUE", "groups"},
      {"PERSIST", "groups"},
      {"PEXPIREAT", "empty", "4000000000000"},
      {"PEXPIRETIME", "empty"},
      {"DEBUG", "DIGEST"},
      {"DEL", "groups", "nokey"},
      {"UNLINK", "emptygroup", "big"},
      {"EXISTS", "groups", "emptygroup", "big"},
      {"DBSIZE"},
      {"DEBUG", "DIGEST"},
      {"FLUSHALL"},
      {"DEBUG", "DIGEST"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(absl::StrJoin(command, " "));
    const RespValue theirs = r_->Run(command);
    const RespValue ours = v_->Run(command);
    EXPECT_EQ(Visible(ours.DebugString(), 1 << 20), Visible(theirs.DebugString(), 1 << 20));
  }
  // SCAN's TYPE filter, KEYS and RANDOMKEY see streams (in any order).
  RestoreAll(*r_);
  RestoreAll(*v_);
  ASSERT_EQ(r_->Run({"SET", "str", "v"}), Ok());
  ASSERT_EQ(v_->Run({"SET", "str", "v"}), Ok());
  for (RespClient* c : {r_.get(), v_.get()}) {
    std::vector<std::string> streams;
    std::string cursor = "0";
    do {
      const RespValue reply = c->Run({"SCAN", cursor, "TYPE", "stream", "COUNT", "3"});
      ASSERT_EQ(reply.elements.size(), 2u);
      cursor = reply.elements[0].str;
      for (const RespValue& k : reply.elements[1].elements) streams.push_back(k.str);
    } while (cursor != "0");
    std::sort(streams.begin(), streams.end());
    std::vector<std::string> expected = keys_;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(streams, expected) << (c == v_.get() ? "valkdb" : "redis");
  }
  // DEBUG OBJECT's serialized length is the RDB payload's, in both.
  const auto serialized_length = [](const RespValue& r) {
    const size_t at = r.str.find("serializedlength:");
    return at == std::string::npos ? std::string("?") : r.str.substr(at, r.str.find(' ', at) - at);
  };
  for (const std::string& key : keys_) {
    EXPECT_EQ(serialized_length(v_->Run({"DEBUG", "OBJECT", key})),
              serialized_length(r_->Run({"DEBUG", "OBJECT", key})))
        << key;
    EXPECT_GT(v_->Run({"MEMORY", "USAGE", key}).integer, 0) << key;
  }
  // The big stream holds its 20 KB value.
  EXPECT_GT(v_->Run({"MEMORY", "USAGE", "big"}).integer, 20000);
}

TEST_F(StreamPersistCompatTest, MigrateCarriesStreamsToRedis) {
  RestoreAll(*v_);
  ASSERT_EQ(r_->Run({"FLUSHALL"}), Ok());
  const std::vector<std::string> head = {
      "MIGRATE", "127.0.0.1", std::to_string(redis_->port()), "", "0", "5000", "KEYS"};
  std::vector<std::string> migrate = head;
  migrate.insert(migrate.end(), keys_.begin(), keys_.end());
  ASSERT_EQ(v_->Run(migrate), Ok());
  EXPECT_EQ(v_->Run({"DBSIZE"}), Int(0));
  for (const std::string& key : keys_) {
    EXPECT_EQ(Visible(r_->Run({"DUMP", key}).str, 1 << 20), Visible(dumps_[key], 1 << 20)) << key;
  }
}

// valkdb's dump.rdb passes redis-check-rdb and loads into Redis as the same
// keyspace; Redis's loads into valkdb; DEBUG RELOAD keeps it.
TEST_F(StreamPersistCompatTest, DumpRdbFilesAreExchangedWithRedis) {
  RestoreAll(*v_);
  ASSERT_EQ(v_->Run({"SET", "str", "v"}), Ok());
  ASSERT_EQ(v_->Run({"PEXPIREAT", "groups", "4000000000000"}), Int(1));
  ASSERT_EQ(v_->Run({"SELECT", "4"}), Ok());
  ASSERT_EQ(v_->Run({"RESTORE", "in4", "0", dumps_["nodes"]}), Ok());
  ASSERT_EQ(v_->Run({"SELECT", "0"}), Ok());
  const std::string digest = Digest(*v_);
  ASSERT_EQ(v_->Run({"DEBUG", "RELOAD"}), Ok());
  EXPECT_EQ(Digest(*v_), digest);
  ASSERT_EQ(v_->Run({"SAVE"}), Ok());
  const std::string file = valkdb_->work_dir() + "/dump.rdb";
  int rc = 0;
  const std::string check = RunTool(absl::StrCat(FindRedisTool("redis-check-rdb"), " ", file), &rc);
  EXPECT_EQ(rc, 0) << check;
  EXPECT_NE(check.find("RDB looks OK"), std::string::npos) << check;
  {
    auto loaded = ServerProcess::StartRedis({"--dir", valkdb_->work_dir(), "--dbfilename",
                                             "dump.rdb", "--enable-debug-command", "yes"});
    ASSERT_OK(loaded);
    auto c = MustConnect((*loaded)->port());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Digest(*c), digest);
    for (const std::string& key : keys_) {
      EXPECT_EQ(c->Run({"DUMP", key}).str, dumps_[key]) << key;
    }
    (*loaded)->Stop();
  }
  // Redis's own file, loaded by valkdb.
  ASSERT_EQ(r_->Run({"SET", "str", "v"}), Ok());
  ASSERT_EQ(r_->Run({"PEXPIREAT", "groups", "4000000000000"}), Int(1));
  ASSERT_EQ(r_->Run({"SELECT", "4"}), Ok());
  ASSERT_EQ(r_->Run({"RESTORE", "in4", "0", dumps_["nodes"]}), Ok());
  ASSERT_EQ(r_->Run({"SELECT", "0"}), Ok());
  EXPECT_EQ(Digest(*r_), digest);
  ASSERT_EQ(r_->Run({"SAVE"}), Ok());
  auto from_redis =
      ServerProcess::StartValkdb({"--dir", redis_->work_dir(), "--dbfilename", "dump.rdb", "--save",
                                  "", "--enable-debug-command", "yes"});
  ASSERT_OK(from_redis);
  auto c = MustConnect((*from_redis)->port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Digest(*c), digest);
  for (const std::string& key : keys_) {
    EXPECT_EQ(c->Run({"DUMP", key}).str, dumps_[key]) << key;
  }
}

// aof-use-rdb-preamble no: each stream's commands in the base file are the
// ones Redis's rewriteStreamObject writes, and Redis replays them into the
// same stream.
TEST_F(StreamPersistCompatTest, AofRewriteOfCommandsIsRedisRewrite) {
  const std::vector<std::string> aof_args = {
      "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes"};
  auto redis = ServerProcess::StartRedis(aof_args);
  ASSERT_OK(redis);
  std::vector<std::string> valkdb_args = aof_args;
  valkdb_args.insert(valkdb_args.end(), {"--save", ""});
  auto valkdb = ServerProcess::StartValkdb(valkdb_args);
  ASSERT_OK(valkdb);
  auto r = MustConnect((*redis)->port());
  auto v = MustConnect((*valkdb)->port());
  ASSERT_TRUE(r && v);
  // The newest base file named by the manifest.
  const auto base = [](ServerProcess& server) {
    const std::string dir = server.work_dir() + "/appendonlydir/";
    const std::string manifest = ReadFile(dir + "appendonly.aof.manifest");
    const size_t at = manifest.find("file ");
    const size_t end = manifest.find(' ', at + 5);
    if (at == std::string::npos || manifest.find("type b", end) == std::string::npos)
      return manifest;
    return ReadFile(dir + manifest.substr(at + 5, end - at - 5));
  };
  const auto rewrite = [](RespClient& c) {
    ASSERT_EQ(c.Run({"BGREWRITEAOF"}), Simple("Background append only file rewriting started"));
    for (int i = 0; i < 3000 && PersistenceInfo(c, "aof_rewrite_in_progress") != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(PersistenceInfo(c, "aof_rewrite_in_progress"), "0");
  };
  for (const std::string& key : keys_) {
    SCOPED_TRACE(key);
    for (RespClient* c : {r.get(), v.get()}) {
      ASSERT_EQ(c->Run({"FLUSHALL"}), Ok());
      ASSERT_EQ(c->Run({"RESTORE", key, "4000000000000", dumps_[key], "ABSTTL"}), Ok());
      rewrite(*c);
    }
    EXPECT_EQ(Visible(base(**valkdb), 1 << 20), Visible(base(**redis), 1 << 20));
  }
  // All of them at once: Redis replays valkdb's AOF into the keyspace it
  // replays from its own (the same digest; and pending entries of deleted
  // entries are gone in both, as Redis 7.0's XCLAIM drops them).
  std::string digest;
  for (RespClient* c : {r.get(), v.get()}) {
    ASSERT_EQ(c->Run({"FLUSHALL"}), Ok());
    RestoreAll(*c);
    rewrite(*c);
    if (c == v.get()) digest = Digest(*c);
  }
  (*valkdb)->Stop();
  (*redis)->Stop();
  std::vector<std::unique_ptr<ServerProcess>> replayed;
  std::vector<std::unique_ptr<RespClient>> clients;
  for (ServerProcess* server : {redis->get(), valkdb->get()}) {
    auto started = ServerProcess::StartRedis(
        {"--dir", server->work_dir(), "--appendonly", "yes", "--enable-debug-command", "yes"});
    ASSERT_OK(started);
    replayed.push_back(*std::move(started));
    clients.push_back(MustConnect(replayed.back()->port()));
    ASSERT_NE(clients.back(), nullptr);
    EXPECT_EQ(Digest(*clients.back()), digest);
  }
  // valkdb replays its own AOF to the same keyspace too.
  auto again = ServerProcess::StartValkdb({"--dir", (*valkdb)->work_dir(), "--appendonly", "yes",
                                           "--save", "", "--enable-debug-command", "yes"});
  ASSERT_OK(again);
  replayed.push_back(*std::move(again));
  clients.push_back(MustConnect(replayed.back()->port()));
  ASSERT_NE(clients.back(), nullptr);
  EXPECT_EQ(Digest(*clients.back()), digest);
  for (const std::string& key : keys_) {
    for (size_t i : {1, 2}) {
      EXPECT_EQ(clients[i]->Run({"XINFO", "GROUPS", key}),
                clients[0]->Run({"XINFO", "GROUPS", key}))
          << key << " replayed by " << replayed[i]->binary();
      EXPECT_EQ(clients[i]->Run({"XPENDING", key, "g1"}), clients[0]->Run({"XPENDING", key, "g1"}))
          << key << " replayed by " << replayed[i]->binary();
    }
  }
}

// A BGSAVE saves a stream as it was when the save began, though commands
// change it in place while the save runs.
TEST_F(StreamPersistCompatTest, BgsaveSavesStreamsAsTheyWereAtItsStart) {
  RestoreAll(*v_);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(v_->Run({"SET", absl::StrCat("k", i), "v"}), Ok());
  const std::string digest = Digest(*v_);
  ASSERT_EQ(v_->Run({"CONFIG", "SET", "rdb-key-save-delay", "20000"}), Ok());
  ASSERT_EQ(v_->Run({"BGSAVE"}), Simple("Background saving started"));
  Must(*v_, {"XADD", "plain", "*", "new", "entry"});
  Must(*v_, {"XDEL", "nodes", "1700000000100-0"});
  Must(*v_, {"XACK", "groups", "g1", "3-0"});
  Must(*v_, {"XGROUP", "CREATE", "empty", "late", "$"});
  Must(*v_, {"XREADGROUP", "GROUP", "g2", "eve", "STREAMS", "groups", "0"});
  Must(*v_, {"XTRIM", "big", "MAXLEN", "0"});
  EXPECT_NE(Digest(*v_), digest);
  for (int i = 0; i < 3000 && PersistenceInfo(*v_, "rdb_bgsave_in_progress") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(PersistenceInfo(*v_, "rdb_bgsave_in_progress"), "0");
  EXPECT_EQ(PersistenceInfo(*v_, "rdb_last_bgsave_status"), "ok");
  auto loaded = ServerProcess::StartRedis(
      {"--dir", valkdb_->work_dir(), "--dbfilename", "dump.rdb", "--enable-debug-command", "yes"});
  ASSERT_OK(loaded);
  auto c = MustConnect((*loaded)->port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Digest(*c), digest);
  for (const std::string& key : keys_) {
    EXPECT_EQ(Visible(c->Run({"DUMP", key}).str, 1 << 20), Visible(dumps_[key], 1 << 20)) << key;
  }
}

}  // namespace
}  // namespace valkdb::test
