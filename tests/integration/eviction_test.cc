// maxmemory and eviction against the real binary over two event loops: which
// keys each policy takes, that volatile-* never takes a key without a TTL,
// OOM under noeviction (and inside MULTI), and the per-key access clock
// behind OBJECT IDLETIME/FREQ. Keys are given known idle times and
// frequencies with RESTORE IDLETIME/FREQ, so no test waits for a clock; the
// memory limit is set from the server's own used_memory.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

int64_t InfoInt(RespClient& c, std::string_view section, std::string_view name) {
  int64_t value = 0;
  return ParseInt64(InfoField(c, section, name), &value) ? value : 0;
}

class EvictionTest : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override {
    return {"--threads", "2", "--enable-debug-command", "yes"};
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    c_ = Connect();
    ASSERT_NE(c_, nullptr);
    Reset();
  }
  void TearDown() override {
    if (c_ != nullptr) Reset();
    ServerTest::TearDown();
  }
  void Reset() {
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "0"}).str, "OK");
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "noeviction"}).str, "OK");
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-samples", "5"}).str, "OK");
    // No time limit: each command evicts all it must, so the checks after it hold.
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-eviction-tenacity", "100"}).str, "OK");
    ASSERT_EQ(c_->Command({"FLUSHALL"}).str, "OK");
    ASSERT_EQ(c_->Command({"CONFIG", "RESETSTAT"}).str, "OK");
  }
  // `count` keys named prefix:i holding 1 KB each, restored with the given
  // option (IDLETIME n, FREQ n, or none) and TTL in ms (0: none).
  void Fill(std::string_view prefix, int count, std::string_view option, std::string_view value,
            int64_t ttl_ms = 0) {
    ASSERT_EQ(c_->Command({"SET", "tmp", std::string(1024, 'x')}).str, "OK");
    const std::string payload = c_->Command({"DUMP", "tmp"}).str;
    c_->Command({"DEL", "tmp"});
    const std::string ttl = StrCat(ttl_ms);
    for (int i = 0; i < count; ++i) {
      const std::string key = StrCat(prefix, ":", i);
      std::vector<std::string> args = {"RESTORE", key, ttl, payload};
      if (!option.empty()) {
        args.emplace_back(option);
        args.emplace_back(value);
      }
      ASSERT_EQ(c_->Run(args).str, "OK") << key;
    }
  }
  int64_t Count(std::string_view prefix, int count) {
    int64_t n = 0;
    for (int i = 0; i < count; ++i) {
      n += c_->Command({"EXISTS", StrCat(prefix, ":", i)}).integer;
    }
    return n;
  }
  // Lowers maxmemory to `bytes` under the current use and runs a command, so
  // about that much is evicted before it.
  void Squeeze(int64_t bytes) {
    const int64_t used = InfoInt(*c_, "memory", "used_memory");
    ASSERT_GT(used, bytes);
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", StrCat(used - bytes)}).str, "OK");
    c_->Command({"PING"});
    EXPECT_GT(InfoInt(*c_, "stats", "evicted_keys"), 0);
    // INFO's own reply is being built as it reads the figure: some slack.
    EXPECT_LE(InfoInt(*c_, "memory", "used_memory"), used - bytes + kSlack);
  }
  static constexpr int64_t kSlack = 64 * 1024;
  std::unique_ptr<RespClient> c_;
};
using integration_Eviction = EvictionTest;

TEST_F(integration_Eviction, NoevictionRefusesWritesButServesReadsAndDeletes) {
  Fill("k", 100, "", "");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "1"}).str, "OK");
  const std::string oom = "OOM command not allowed when used memory > 'maxmemory'.";
  EXPECT_EQ(c_->Command({"SET", "new", "v"}).str, oom);
  EXPECT_EQ(c_->Command({"INCR", "counter"}).str, oom);
  EXPECT_EQ(c_->Command({"GET", "k:1"}).str.size(), 1024u);
  EXPECT_EQ(c_->Command({"DEL", "k:1"}).integer, 1);
  // Inside MULTI everything queued is refused, and EXEC aborts.
  EXPECT_EQ(c_->Command({"MULTI"}).str, "OK");
  EXPECT_EQ(c_->Command({"GET", "k:2"}).str, oom);
  EXPECT_EQ(c_->Command({"EXEC"}).str,
            "EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(c_->Command({"DBSIZE"}).integer, 99);
  EXPECT_EQ(InfoInt(*c_, "stats", "evicted_keys"), 0);
  EXPECT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "0"}).str, "OK");
  EXPECT_EQ(c_->Command({"SET", "new", "v"}).str, "OK");
}

TEST_F(integration_Eviction, AllkeysLruTakesTheIdleKeysFirst) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).str, "OK");
  // A sample this big always holds an idle key while any is left.
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-samples", "100"}).str, "OK");
  Fill("cold", 500, "IDLETIME", "10000");
  Fill("hot", 500, "IDLETIME", "0");
  Squeeze(200 * 1024);
  EXPECT_EQ(Count("hot", 500), 500);
  EXPECT_LT(Count("cold", 500), 500);
}

TEST_F(integration_Eviction, AllkeysLfuTakesTheRarelyUsedKeysFirst) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}).str, "OK");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-samples", "100"}).str, "OK");
  Fill("rare", 500, "FREQ", "0");
  Fill("often", 500, "FREQ", "200");
  EXPECT_GE(c_->Command({"OBJECT", "FREQ", "often:1"}).integer, 199);  // decay: a minute at most
  Squeeze(200 * 1024);
  EXPECT_EQ(Count("often", 500), 500);
  EXPECT_LT(Count("rare", 500), 500);
}

TEST_F(integration_Eviction, VolatileTtlTakesTheSoonestToExpire) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"}).str, "OK");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-samples", "100"}).str, "OK");
  Fill("soon", 500, "", "", 1000 * 1000);
  Fill("late", 500, "", "", 100 * 1000 * 1000);
  Fill("never", 200, "", "");
  Squeeze(200 * 1024);
  EXPECT_EQ(Count("late", 500), 500);
  EXPECT_EQ(Count("never", 200), 200);
  EXPECT_LT(Count("soon", 500), 500);
}

TEST_F(integration_Eviction, VolatilePoliciesNeverTakeKeysWithoutTtl) {
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random"}) {
    SCOPED_TRACE(policy);
    Reset();
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", policy}).str, "OK");
    Fill("persistent", 300, "", "");
    Fill("volatile", 300, "", "", 1000 * 1000);
    Squeeze(100 * 1024);
    EXPECT_EQ(Count("persistent", 300), 300);
    EXPECT_LT(Count("volatile", 300), 300);
    // With every volatile key gone and still over the limit: OOM.
    ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "1"}).str, "OK");
    EXPECT_EQ(c_->Command({"SET", "x", "y"}).str,
              "OOM command not allowed when used memory > 'maxmemory'.");
    EXPECT_EQ(Count("volatile", 300), 0);
    EXPECT_EQ(Count("persistent", 300), 300);
  }
}

TEST_F(integration_Eviction, AllkeysRandomEvictsUntilUnderTheLimit) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}).str, "OK");
  Fill("k", 1000, "", "");
  Squeeze(300 * 1024);
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "0"}).str, "OK");
  const int64_t left = Count("k", 1000);
  EXPECT_LT(left, 1000);
  EXPECT_EQ(InfoInt(*c_, "stats", "evicted_keys"), 1000 - left);
}

TEST_F(integration_Eviction, WritersOnBothLoopsStayUnderTheLimit) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).str, "OK");
  const int64_t limit = InfoInt(*c_, "memory", "used_memory") + 2 * 1024 * 1024;
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", StrCat(limit)}).str, "OK");
  // Connections are spread over the loops: four clients cover both.
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(Connect());
    ASSERT_NE(clients.back(), nullptr);
  }
  const std::string value(1024, 'v');
  std::string batch;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 4; ++i) {
      batch.clear();
      for (int j = 0; j < 200; ++j) {
        const std::string key = StrCat("c", i, ":", round, ":", j);
        StrAppend(&batch, "*3\r\n$3\r\nSET\r\n$", key.size(), "\r\n", key, "\r\n$", value.size(),
                  "\r\n", value, "\r\n");
      }
      ASSERT_TRUE(clients[i]->Send(batch).ok());
    }
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 200; ++j) {
        auto reply = clients[i]->ReadReply();
        ASSERT_TRUE(reply.ok());
        ASSERT_EQ(reply->str, "OK");
      }
    }
  }
  c_->Command({"PING"});
  EXPECT_LE(InfoInt(*c_, "memory", "used_memory"), limit + kSlack);
  // Every command may evict a little more while at the limit: lift it to count.
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "0"}).str, "OK");
  const int64_t evicted = InfoInt(*c_, "stats", "evicted_keys");
  EXPECT_GT(evicted, 0);
  EXPECT_EQ(c_->Command({"DBSIZE"}).integer + evicted, 8000);
}

TEST_F(integration_Eviction, EvictionTellsWatchersAndSubscribers) {
  auto subscriber = Connect();
  auto watcher = Connect();
  ASSERT_NE(subscriber, nullptr);
  ASSERT_NE(watcher, nullptr);
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "notify-keyspace-events", "Ee"}).str, "OK");
  ASSERT_EQ(subscriber->Command({"SUBSCRIBE", "__keyevent@0__:evicted"}).elements.size(), 3u);
  ASSERT_EQ(c_->Command({"SET", "w", "1"}).str, "OK");
  ASSERT_EQ(watcher->Command({"WATCH", "w"}).str, "OK");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}).str, "OK");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "1"}).str, "OK");
  c_->Command({"PING"});  // evicts everything
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory", "0"}).str, "OK");
  EXPECT_EQ(c_->Command({"EXISTS", "w"}).integer, 0);
  // As Redis's signalModifiedKey: the watcher's transaction fails.
  ASSERT_EQ(watcher->Command({"MULTI"}).str, "OK");
  ASSERT_EQ(watcher->Command({"SET", "w", "2"}).str, "QUEUED");
  EXPECT_TRUE(watcher->Command({"EXEC"}).is_null());
  auto message = subscriber->ReadReply();
  ASSERT_TRUE(message.ok());
  ASSERT_EQ(message->elements.size(), 3u) << message->DebugString();
  EXPECT_EQ(message->elements[0].str, "message");
  EXPECT_EQ(message->elements[1].str, "__keyevent@0__:evicted");
  EXPECT_EQ(message->elements[2].str, "w");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "notify-keyspace-events", ""}).str, "OK");
}

TEST_F(integration_Eviction, AccessClockIsTouchedByUseNotByInspection) {
  Fill("k", 1, "IDLETIME", "1000");
  EXPECT_GE(c_->Command({"OBJECT", "IDLETIME", "k:0"}).integer, 1000);
  // Redis's LOOKUP_NOTOUCH commands leave it alone.
  c_->Command({"TYPE", "k:0"});
  c_->Command({"EXISTS", "k:0"});
  c_->Command({"TTL", "k:0"});
  EXPECT_GE(c_->Command({"OBJECT", "IDLETIME", "k:0"}).integer, 1000);
  // It survives a save and load (the RDB's IDLE opcode) under an LRU policy.
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).str, "OK");
  ASSERT_EQ(c_->Command({"DEBUG", "RELOAD"}).str, "OK");
  EXPECT_GE(c_->Command({"OBJECT", "IDLETIME", "k:0"}).integer, 1000);
  // A read uses it.
  c_->Command({"GET", "k:0"});
  EXPECT_LT(c_->Command({"OBJECT", "IDLETIME", "k:0"}).integer, 1000);
  // TOUCH uses it too.
  Fill("t", 1, "IDLETIME", "1000");
  EXPECT_EQ(c_->Command({"TOUCH", "t:0"}).integer, 1);
  EXPECT_LT(c_->Command({"OBJECT", "IDLETIME", "t:0"}).integer, 1000);
  // Under LFU, FREQ set by RESTORE is what OBJECT FREQ reports, and a
  // rename keeps it (the same object to Redis).
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}).str, "OK");
  Fill("f", 1, "FREQ", "100");
  ASSERT_EQ(c_->Command({"RENAME", "f:0", "g"}).str, "OK");
  EXPECT_GE(c_->Command({"OBJECT", "FREQ", "g"}).integer, 99);
  EXPECT_EQ(c_->Command({"OBJECT", "IDLETIME", "g"}).str,
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
            "switching between policies at runtime LRU and LFU data will take some time to "
            "adjust.");
}

TEST_F(integration_Eviction, DebugObjectShowsEncodingLengthAndIdleTime) {
  Fill("k", 1, "IDLETIME", "500");
  const std::string line = c_->Command({"DEBUG", "OBJECT", "k:0"}).str;
  EXPECT_EQ(line.rfind("Value at:0x", 0), 0u) << line;
  EXPECT_NE(line.find(" refcount:1 encoding:raw serializedlength:"), std::string::npos) << line;
  EXPECT_NE(line.find(" lru_seconds_idle:5"), std::string::npos) << line;  // 500 and a bit
  // It does not count as a use.
  EXPECT_GE(c_->Command({"OBJECT", "IDLETIME", "k:0"}).integer, 500);
  ASSERT_EQ(c_->Command({"RPUSH", "list", "a", "b", "c"}).integer, 3);
  EXPECT_NE(c_->Command({"DEBUG", "OBJECT", "list"}).str.find(" ql_nodes:1 ql_avg_node:3.00 "),
            std::string::npos);
  EXPECT_EQ(c_->Command({"DEBUG", "OBJECT", "nokey"}).str, "ERR no such key");
}

TEST_F(integration_Eviction, DebugSetActiveExpireStopsTheCronDeleting) {
  ASSERT_EQ(c_->Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}).str, "OK");
  ASSERT_EQ(c_->Command({"SET", "e", "v", "PX", "1"}).str, "OK");
  // Several cron periods pass; only the cron could delete it (nothing reads it).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(c_->Command({"DBSIZE"}).integer, 1);
  ASSERT_EQ(c_->Command({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}).str, "OK");
  int64_t size = 1;
  for (int i = 0; i < 1000 && size != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    size = c_->Command({"DBSIZE"}).integer;
  }
  EXPECT_EQ(size, 0);
}

}  // namespace
}  // namespace valkdb::test
