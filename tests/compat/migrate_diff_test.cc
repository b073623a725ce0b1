// MIGRATE between real servers: valkdb -> redis-server, redis-server ->
// valkdb and valkdb -> valkdb, each scenario's replies (from the source and
// from the target afterwards) compared byte for byte with redis-server ->
// redis-server. Covers every type with a TTL, COPY, REPLACE, KEYS, the
// target db, AUTH/AUTH2, BUSYKEY, NOKEY, unreachable and stalled targets,
// the retry on a cached connection the target closed, and INFO's
// migrate_cached_sockets. Ports Redis's external:skip MIGRATE tests
// (tests/unit/dump.tcl), which the Tcl suite cannot run against valkdb.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

// One server taking part: its process and a client.
struct Node {
  std::string name;
  std::unique_ptr<ServerProcess> process;
  std::unique_ptr<RespClient> client;
  int port() const { return process->port(); }
};

// What a scenario saw, one line per reply.
using Transcript = std::vector<std::string>;

class MigrateDiffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nodes_ = new std::vector<Node>();
    for (const char* name : {"redis-a", "redis-b", "valkdb-a", "valkdb-b"}) {
      const bool redis = name[0] == 'r';
      auto started =
          redis ? ServerProcess::StartRedis({"--enable-debug-command", "yes"})
                : ServerProcess::StartValkdb({"--enable-debug-command", "yes", "--save", ""});
      ASSERT_TRUE(started.ok()) << name << ": " << started.status();
      Node node{name, *std::move(started), nullptr};
      auto client = RespClient::Connect(node.port());
      ASSERT_TRUE(client.ok()) << client.status();
      node.client = *std::move(client);
      nodes_->push_back(std::move(node));
    }
  }
  static void TearDownTestSuite() {
    delete nodes_;
    nodes_ = nullptr;
  }
  void TearDown() override {
    if (!HasFailure() || nodes_ == nullptr) return;
    for (const Node& node : *nodes_) std::cerr << node.name << " log:\n" << node.process->log();
  }

  static Node& redis_a() { return (*nodes_)[0]; }
  static Node& redis_b() { return (*nodes_)[1]; }
  static Node& valkdb_a() { return (*nodes_)[2]; }
  static Node& valkdb_b() { return (*nodes_)[3]; }

  // The raw reply to args, as readable text.
  static std::string Raw(Node& node, const std::vector<std::string>& args,
                         milliseconds timeout = milliseconds(10000)) {
    EXPECT_TRUE(node.client->Send(Encode(args)).ok());
    auto reply = node.client->ReadRawReply(timeout);
    EXPECT_TRUE(reply.ok()) << node.name << ": " << reply.status();
    return reply.ok() ? Visible(*reply, 2000) : "(no reply)";
  }
  static RespValue Run(Node& node, const std::vector<std::string>& args) {
    return node.client->Run(args);
  }
  // Elements of an aggregate reply, sorted (a set's or hash's order is its table's).
  static std::string SortedElements(Node& node, const std::vector<std::string>& args) {
    const RespValue r = Run(node, args);
    std::vector<std::string> items;
    for (const RespValue& e : r.elements) items.push_back(e.DebugString());
    std::sort(items.begin(), items.end());
    std::string out = absl::StrCat(r.elements.size(), ":");
    for (const std::string& item : items) absl::StrAppend(&out, item, ",");
    return out;
  }
  // INFO's migrate_cached_sockets.
  static int64_t CachedSockets(Node& node) {
    const RespValue info = Run(node, {"INFO", "stats"});
    const std::string key = "migrate_cached_sockets:";
    const size_t at = info.str.find(key);
    if (at == std::string::npos) return -1;
    return std::stoll(info.str.substr(at + key.size()));
  }
  // The highest client id in CLIENT LIST (a new connection has a higher one).
  static int64_t NewestClientId(Node& node) {
    const std::string list = Run(node, {"CLIENT", "LIST"}).str;
    int64_t newest = 0;
    for (size_t at = list.find("id="); at != std::string::npos; at = list.find("\nid=", at + 1)) {
      const size_t digits = list.find('=', at) + 1;
      newest = std::max<int64_t>(newest, std::stoll(list.substr(digits)));
    }
    return newest;
  }
  static void Reset(Node& node) {
    // A target left with a password from an AUTH scenario.
    if (Run(node, {"PING"}).is_error()) Run(node, {"AUTH", "foobar"});
    Run(node, {"CONFIG", "SET", "requirepass", ""});
    ASSERT_EQ(Run(node, {"FLUSHALL"}), Ok());
    ASSERT_EQ(Run(node, {"SELECT", "0"}), Ok());
  }

  // Runs `scenario` with redis -> redis, then valkdb -> redis, redis ->
  // valkdb and valkdb -> valkdb; every transcript must equal the first.
  static void Compare(
      const std::function<void(Node& source, Node& target, Transcript*)>& scenario) {
    const std::pair<Node*, Node*> pairs[] = {{&redis_a(), &redis_b()},
                                             {&valkdb_a(), &redis_b()},
                                             {&redis_a(), &valkdb_b()},
                                             {&valkdb_a(), &valkdb_b()}};
    Transcript expected;
    for (const auto& [source, target] : pairs) {
      Reset(*source);
      Reset(*target);
      Transcript got;
      scenario(*source, *target, &got);
      if (source == &redis_a() && target == &redis_b()) {
        expected = got;
        continue;
      }
      SCOPED_TRACE(absl::StrCat(source->name, " -> ", target->name));
      ASSERT_EQ(got.size(), expected.size());
      bool same = true;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], expected[i]) << "line " << i;
        same = same && got[i] == expected[i];
      }
      if (!same) {
        // The whole of both, to tell a timing difference from a behaviour one.
        for (size_t i = 0; i < got.size(); ++i) {
          std::cerr << i << " redis->redis: " << expected[i].substr(0, 200) << "\n"
                    << i << " this pair:    " << got[i].substr(0, 200) << "\n";
        }
      }
    }
  }

  static std::string Port(Node& node) { return std::to_string(node.port()); }

  static std::vector<Node>* nodes_;
};

std::vector<Node>* MigrateDiffTest::nodes_ = nullptr;

TEST_F(MigrateDiffTest, EveryTypeMovesWithItsTtl) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    Run(src, {"SET", "s", "Some Value"});
    Run(src, {"SET", "n", "12345"});
    Run(src, {"HSET", "h", "f1", "v1", "f2", "v2"});
    Run(src, {"SADD", "si", "1", "2", "3"});
    Run(src, {"SADD", "ss", "a", "b", "c"});
    Run(src, {"RPUSH", "l", "a", "b", "c", "1", "2"});
    Run(src, {"ZADD", "z", "1", "a", "2.5", "b", "-3", "c"});
    // Big ones: hashtable, skiplist, quicklist, and a request over 64 KB.
    std::vector<std::string> big_hash = {"HSET", "bh"}, big_set = {"SADD", "bs"},
                             big_zset = {"ZADD", "bz"}, big_list = {"RPUSH", "bl"};
    for (int i = 0; i < 3000; ++i) {
      const std::string item = absl::StrCat("item ", i);
      big_hash.insert(big_hash.end(), {item, absl::StrCat(i)});
      big_set.push_back(item);
      big_zset.insert(big_zset.end(), {absl::StrCat(i), item});
      big_list.push_back(item);
    }
    for (const auto* args : {&big_hash, &big_set, &big_zset, &big_list}) Run(src, *args);
    Run(src, {"PEXPIRE", "z", "100000"});
    Run(src, {"PEXPIRE", "bl", "100000"});
    for (const char* key : {"s", "n", "h", "si", "ss", "l", "z", "bh", "bs", "bz", "bl"}) {
      t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", Port(dst), key, "0", "5000"}));
      t->push_back(Raw(src, {"EXISTS", key}));
      t->push_back(Raw(dst, {"TYPE", key}));
      t->push_back(Raw(dst, {"OBJECT", "ENCODING", key}));
      const int64_t ttl = Run(dst, {"TTL", key}).integer;
      t->push_back(ttl == -1 ? "no ttl" : (ttl >= 90 && ttl <= 100 ? "ttl ok" : "ttl bad"));
    }
    t->push_back(Raw(dst, {"GET", "s"}));
    t->push_back(Raw(dst, {"GET", "n"}));
    t->push_back(SortedElements(dst, {"HGETALL", "h"}));
    t->push_back(SortedElements(dst, {"SMEMBERS", "si"}));
    t->push_back(SortedElements(dst, {"SMEMBERS", "ss"}));
    t->push_back(Raw(dst, {"LRANGE", "l", "0", "-1"}));
    t->push_back(Raw(dst, {"ZRANGE", "z", "0", "-1", "WITHSCORES"}));
    t->push_back(SortedElements(dst, {"HGETALL", "bh"}));
    t->push_back(SortedElements(dst, {"SMEMBERS", "bs"}));
    t->push_back(Raw(dst, {"ZRANGE", "bz", "0", "-1", "WITHSCORES"}));
    t->push_back(Raw(dst, {"LRANGE", "bl", "0", "-1"}));
    t->push_back(Raw(src, {"DBSIZE"}));
  });
}

TEST_F(MigrateDiffTest, CopyReplaceBusyKeyAndDb) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    const std::string port = Port(dst);
    Run(src, {"LPUSH", "list", "a", "b", "c", "d"});
    Run(dst, {"SELECT", "9"});
    Run(dst, {"SET", "list", "somevalue"});
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "COPY"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "copy", "replace"}));
    t->push_back(Raw(src, {"LRANGE", "list", "0", "-1"}));
    t->push_back(Raw(dst, {"LRANGE", "list", "0", "-1"}));
    // The cached connection SELECTs only when the db changes.
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "3", "5000", "COPY"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "3", "5000", "COPY"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "REPLACE"}));
    t->push_back(Raw(src, {"EXISTS", "list"}));
    for (const char* db : {"3", "9", "0"}) {
      Run(dst, {"SELECT", db});
      t->push_back(Raw(dst, {"LRANGE", "list", "0", "-1"}));
    }
    // The target's own errors are relayed.
    Run(src, {"SET", "k", "v"});
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "k", "99", "5000"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "k", "0", "5000"}));
    t->push_back(Raw(src, {"EXISTS", "k"}));
  });
}

TEST_F(MigrateDiffTest, KeysFormNokeyAndArguments) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    const std::string port = Port(dst);
    auto migrate_keys = [&](std::vector<std::string> keys) {
      std::vector<std::string> args = {"MIGRATE", "127.0.0.1", port, "", "9", "5000", "KEYS"};
      args.insert(args.end(), keys.begin(), keys.end());
      return Raw(src, args);
    };
    Run(src, {"MSET", "key1", "v1", "key2", "v2", "key3", "v3"});
    t->push_back(migrate_keys({"nokey-1", "nokey-2", "nokey-2"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "nokey", "9", "5000"}));
    t->push_back(migrate_keys({"nokey-1", "key1", "nokey-2", "key2", "nokey-3", "key3"}));
    t->push_back(Raw(src, {"DBSIZE"}));
    Run(dst, {"SELECT", "9"});
    t->push_back(Raw(dst, {"MGET", "key1", "key2", "key3"}));
    // Only the keys the target acknowledged are deleted here.
    Run(src, {"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"});
    Run(dst, {"MSET", "c", "_", "d", "_"});
    t->push_back(migrate_keys({"a", "b", "c", "d", "e", "f"}));
    t->push_back(SortedElements(src, {"KEYS", "*"}));
    t->push_back(Raw(dst, {"DBSIZE"}));
    t->push_back(Raw(dst, {"MGET", "a", "c", "f"}));
    // Argument errors, in Redis's order of checks.
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"MIGRATE", "127.0.0.1", port, "NotEmpty", "9", "5000", "keys", "a", "b"},
             {"MIGRATE", "127.0.0.1", port, "c", "9", "5000", "foo"},
             {"MIGRATE", "127.0.0.1", port, "c", "9", "5000", "AUTH"},
             {"MIGRATE", "127.0.0.1", port, "c", "9", "5000", "AUTH2", "user"},
             {"MIGRATE", "127.0.0.1", port, "c", "x", "y"},
             {"MIGRATE", "127.0.0.1", port, "c", "x", "5000"},
             {"MIGRATE", "127.0.0.1", port, "c", "9"},
             {"MIGRATE", "127.0.0.1", port, "c", "9", "5000", "COPY", "KEYS"},
             {"MIGRATE", "127.0.0.1", port, "", "9", "5000", "COPY", "KEYS"},
             {"MIGRATE", "127.0.0.1", port, "", "9", "5000"},
         }) {
      t->push_back(Raw(src, args));
    }
    t->push_back(
        Raw(src, {"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "0", "KEYS", "x", "y"}));
    t->push_back(Raw(src, {"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "0"}));
  });
}

TEST_F(MigrateDiffTest, AuthAndAuth2) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    const std::string port = Port(dst);
    Run(src, {"LPUSH", "list", "a", "b", "c", "d"});
    Run(dst, {"CONFIG", "SET", "requirepass", "foobar"});
    Run(dst, {"AUTH", "foobar"});
    // Connections made before the password stay authenticated: the cached one goes.
    EXPECT_FALSE(Run(dst, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).is_error());
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "COPY"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "AUTH", "foobar"}));
    Run(dst, {"SELECT", "9"});
    t->push_back(Raw(dst, {"LRANGE", "list", "0", "-1"}));
    Run(src, {"LPUSH", "list", "a", "b", "c", "d"});
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "REPLACE", "AUTH2",
                           "default", "foobar"}));
    Run(src, {"LPUSH", "list", "x"});
    Run(dst, {"CONFIG", "SET", "requirepass", "foobar2"});
    t->push_back(
        Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "REPLACE", "AUTH", "foobar"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "REPLACE", "AUTH2",
                           "nobody", "foobar2"}));
    t->push_back(Raw(src, {"EXISTS", "list"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "list", "9", "5000", "REPLACE", "AUTH2",
                           "default", "foobar2"}));
    t->push_back(Raw(src, {"EXISTS", "list"}));
    t->push_back(Raw(dst, {"LRANGE", "list", "0", "-1"}));
  });
}

TEST_F(MigrateDiffTest, UnreachableAndStalledTargets) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    Run(src, {"SET", "key", "Some Value"});
    const int64_t before = CachedSockets(src);
    // Nothing listens there (loopback refuses at once), and a host that does not resolve.
    const std::string closed_port = std::to_string(PickFreePort());
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", closed_port, "key", "0", "200"}));
    t->push_back(Raw(src, {"MIGRATE", "no-such-host.invalid", "6379", "key", "0", "200"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", "not-a-port", "key", "0", "200"}));
    // (Another test's idle connection may close meanwhile: "no more", not "as many".)
    t->push_back(CachedSockets(src) <= before ? "nothing cached" : "cached a failed connection");
    // A target that does not answer in time (its writes paused): IOERR, and
    // the key stays. (Redis's test stalls it with DEBUG SLEEP, which stops only
    // one of valkdb's event loops.)
    const std::string port = Port(dst);
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "key", "0", "5000", "COPY"}));
    t->push_back(Raw(dst, {"CLIENT", "PAUSE", "20000", "WRITE"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "key", "0", "300", "REPLACE"}));
    t->push_back(Raw(src, {"EXISTS", "key"}));
    t->push_back(Raw(dst, {"CLIENT", "UNPAUSE"}));
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "key", "0", "5000", "REPLACE"}));
    t->push_back(Raw(src, {"EXISTS", "key"}));
    t->push_back(Raw(dst, {"GET", "key"}));
  });
}

TEST_F(MigrateDiffTest, CachedConnectionIsReusedAndRetried) {
  Compare([](Node& src, Node& dst, Transcript* t) {
    const std::string port = Port(dst);
    Run(src, {"MSET", "k1", "1", "k2", "2", "k3", "3"});
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "k1", "0", "5000"}));
    t->push_back(CachedSockets(src) >= 1 ? "cached" : "not cached");
    const int64_t newest = NewestClientId(dst);
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "k2", "0", "5000"}));
    // Reused: the target saw no new connection.
    t->push_back(NewestClientId(dst) == newest ? "same connection" : "new connection");
    // The target drops it: the next MIGRATE fails on it, and succeeds on a new one.
    t->push_back(Run(dst, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).DebugString()[0] ==
                         ':'
                     ? "killed"
                     : "kill failed");
    t->push_back(Raw(src, {"MIGRATE", "127.0.0.1", port, "k3", "0", "5000"}));
    t->push_back(NewestClientId(dst) > newest ? "new connection" : "same connection");
    t->push_back(Raw(dst, {"MGET", "k1", "k2", "k3"}));
    t->push_back(Raw(src, {"DBSIZE"}));
  });
}

// Redis closes a cached connection unused for more than 10 s (its cron,
// once a second); the wait is bounded for liveness only.
TEST_F(MigrateDiffTest, IdleCachedConnectionsAreClosed) {
  Node& src = valkdb_a();
  Reset(src);
  Reset(redis_b());
  Reset(valkdb_b());
  auto wait_for_none = [&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    while (CachedSockets(src) != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(200));
    }
    return CachedSockets(src);
  };
  ASSERT_EQ(wait_for_none(), 0);  // those of the tests before
  Run(src, {"MSET", "a", "1", "b", "2", "c", "3"});
  ASSERT_EQ(Run(src, {"MIGRATE", "127.0.0.1", Port(redis_b()), "a", "0", "5000"}), Ok());
  EXPECT_EQ(CachedSockets(src), 1);
  ASSERT_EQ(Run(src, {"MIGRATE", "127.0.0.1", Port(valkdb_b()), "b", "0", "5000"}), Ok());
  EXPECT_EQ(CachedSockets(src), 2);
  ASSERT_EQ(Run(src, {"MIGRATE", "127.0.0.1", Port(valkdb_b()), "c", "0", "5000"}), Ok());
  EXPECT_EQ(CachedSockets(src), 2);
  // Named differently, the same target is another cached connection (as in Redis).
  Run(src, {"SET", "d", "4"});
  ASSERT_EQ(Run(src, {"MIGRATE", "localhost", Port(valkdb_b()), "d", "0", "5000"}), Ok());
  EXPECT_EQ(CachedSockets(src), 3);
  EXPECT_EQ(wait_for_none(), 0);
}

}  // namespace
}  // namespace valkdb::test
