// Per-command accounting against the real binary over two event loops: INFO
// sums every loop's counters and CONFIG RESETSTAT clears them all; blocked
// commands are charged at the end of their wait; SLOWLOG and the latency
// monitor see a DEBUG SLEEP. No timing is asserted beyond what a sleep
// guarantees (at least its length).

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

bool WaitForBlocked(RespClient& c, int64_t count) {
  for (int i = 0; i < 2000; ++i) {
    if (InfoField(c, "clients", "blocked_clients") == std::to_string(count)) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return false;
}

class StatsTest : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override {
    return {"--threads", "2", "--enable-debug-command", "yes"};
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    c_ = Connect();
    ASSERT_NE(c_, nullptr);
    ASSERT_EQ(c_->Command({"CONFIG", "RESETSTAT"}).str, "OK");
    ASSERT_EQ(c_->Command({"SLOWLOG", "RESET"}).str, "OK");
    c_->Command({"LATENCY", "RESET"});
  }
  void TearDown() override {
    if (c_ != nullptr) {
      c_->Command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
      c_->Command({"CONFIG", "SET", "latency-monitor-threshold", "0"});
    }
    ServerTest::TearDown();
  }
  std::unique_ptr<RespClient> c_;
};
using integration_Stats = StatsTest;

TEST_F(integration_Stats, CountersOfEveryLoopAreSummedAndReset) {
  // Connections are spread over the loops: four clients cover both.
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(Connect());
    ASSERT_NE(clients.back(), nullptr);
  }
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(clients[i]->Command({"SET", StrCat("k", i), "v"}).str, "OK");
    }
    EXPECT_EQ(clients[i]->Command({"SET", "k"}).str,
              "ERR wrong number of arguments for 'set' command");
    EXPECT_EQ(clients[i]->Command({"LPUSH", StrCat("k", i), "x"}).str,
              "WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  const std::string set = InfoField(*c_, "commandstats", "cmdstat_set");
  EXPECT_TRUE(set.starts_with("calls=20,usec=")) << set;
  EXPECT_TRUE(set.ends_with(",rejected_calls=4,failed_calls=0")) << set;
  const std::string lpush = InfoField(*c_, "commandstats", "cmdstat_lpush");
  EXPECT_TRUE(lpush.starts_with("calls=4,")) << lpush;
  EXPECT_TRUE(lpush.ends_with(",rejected_calls=0,failed_calls=4")) << lpush;
  EXPECT_EQ(InfoField(*c_, "errorstats", "errorstat_ERR"), "count=4");
  EXPECT_EQ(InfoField(*c_, "errorstats", "errorstat_WRONGTYPE"), "count=4");
  EXPECT_EQ(InfoField(*c_, "stats", "total_error_replies"), "8");
  EXPECT_NE(InfoField(*c_, "latencystats", "latency_percentiles_usec_set"), "");

  // A reset from one loop clears the other loop's counters too, at once.
  EXPECT_EQ(c_->Command({"CONFIG", "RESETSTAT"}).str, "OK");
  EXPECT_EQ(InfoField(*c_, "commandstats", "cmdstat_set"), "");
  EXPECT_EQ(InfoField(*c_, "errorstats", "errorstat_WRONGTYPE"), "");
  EXPECT_EQ(InfoField(*c_, "stats", "total_error_replies"), "0");
  EXPECT_EQ(InfoField(*c_, "latencystats", "latency_percentiles_usec_set"), "");
  // And they count again from zero.
  for (auto& client : clients) EXPECT_EQ(client->Command({"SET", "x", "y"}).str, "OK");
  EXPECT_TRUE(InfoField(*c_, "commandstats", "cmdstat_set").starts_with("calls=4,"));
}

TEST_F(integration_Stats, InstantaneousRatesPeakMemoryAndPubSubCounts) {
  // The rates are sampled every 100 ms: while commands flow they turn
  // positive (the wait is a liveness bound, not a speed figure).
  // All three are read from one INFO reply: each turns positive at a sample,
  // and a sample may fall between two INFO calls.
  std::string ops, input_kbps, output_kbps;
  for (int i = 0; i < 2000; ++i) {
    for (int j = 0; j < 50; ++j) c_->Command({"SET", "k", "v"});
    const std::string info = c_->Command({"INFO", "stats"}).str;
    ops = InfoValue(info, "instantaneous_ops_per_sec");
    input_kbps = InfoValue(info, "instantaneous_input_kbps");
    output_kbps = InfoValue(info, "instantaneous_output_kbps");
    if (ops != "0" && input_kbps != "0.00" && output_kbps != "0.00") break;
  }
  EXPECT_NE(ops, "0");
  EXPECT_NE(input_kbps, "0.00");
  EXPECT_NE(output_kbps, "0.00");

  // The peak is at least what is used now, and it stays when memory is freed.
  ASSERT_EQ(c_->Command({"SET", "big", std::string(4 << 20, 'x')}).str, "OK");
  const int64_t used = std::stoll(InfoField(*c_, "memory", "used_memory"));
  ASSERT_EQ(c_->Command({"DEL", "big"}).integer, 1);
  EXPECT_GE(std::stoll(InfoField(*c_, "memory", "used_memory_peak")), used);
  EXPECT_GT(std::stoll(InfoField(*c_, "memory", "total_system_memory")), 0);

  // Channels with subscribers, and patterns, as PUBSUB NUMPAT counts them.
  auto sub1 = Connect();
  auto sub2 = Connect();
  ASSERT_NE(sub1, nullptr);
  ASSERT_NE(sub2, nullptr);
  ASSERT_TRUE(sub1->Send(Encode({"SUBSCRIBE", "a", "b"})).ok());
  ASSERT_TRUE(sub2->Send(Encode({"SUBSCRIBE", "a"})).ok());
  ASSERT_TRUE(sub2->Send(Encode({"PSUBSCRIBE", "p*", "q*"})).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(sub1->ReadReply().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sub2->ReadReply().ok());
  EXPECT_EQ(InfoField(*c_, "stats", "pubsub_channels"), "2");
  EXPECT_EQ(InfoField(*c_, "stats", "pubsub_patterns"), "2");
}

// Under a sanitizer the server's allocations are not counted (the sanitizer
// brings its own allocator): used_memory is then the store's estimate of its
// entries, with no start-up part. The server is built as this test is.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kAllocatorCounted = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kAllocatorCounted = false;
#else
constexpr bool kAllocatorCounted = true;
#endif
#else
constexpr bool kAllocatorCounted = true;
#endif

// INFO's memory split and MEMORY STATS agree with used_memory; socket reads
// and writes are counted; the active expiry cycle reports its work.
TEST_F(integration_Stats, MemoryOverheadReadsWritesAndExpireCycle) {
  ASSERT_EQ(c_->Command({"FLUSHALL"}).str, "OK");
  for (int i = 0; i < 100; ++i) c_->Command({"SET", "key:" + std::to_string(i), "value"});
  const int64_t used = std::stoll(InfoField(*c_, "memory", "used_memory"));
  const int64_t overhead = std::stoll(InfoField(*c_, "memory", "used_memory_overhead"));
  const int64_t startup = std::stoll(InfoField(*c_, "memory", "used_memory_startup"));
  const int64_t dataset = std::stoll(InfoField(*c_, "memory", "used_memory_dataset"));
  EXPECT_GT(overhead, startup);  // the key table and this client come on top
  if (kAllocatorCounted) {
    EXPECT_GT(startup, 0);
    EXPECT_GT(dataset, 0);
    EXPECT_LE(overhead + dataset, used + 64 * 1024);  // taken a moment apart
  }
  EXPECT_GT(std::stoll(InfoField(*c_, "memory", "mem_clients_normal")), 0);

  const RespValue stats = c_->Command({"MEMORY", "STATS"});
  ASSERT_EQ(stats.type, RespValue::Type::kArray);
  std::map<std::string, const RespValue*> fields;
  for (size_t i = 0; i + 1 < stats.elements.size(); i += 2) {
    fields[stats.elements[i].str] = &stats.elements[i + 1];
  }
  for (const char* name : {"peak.allocated", "total.allocated", "startup.allocated",
                           "overhead.total", "keys.count", "dataset.bytes", "fragmentation"}) {
    EXPECT_TRUE(fields.contains(name)) << name;
  }
  ASSERT_TRUE(fields.contains("keys.count"));
  EXPECT_EQ(fields["keys.count"]->integer, 100);
  ASSERT_TRUE(fields.contains("db.0"));
  EXPECT_GT(fields["db.0"]->elements.at(1).integer, 0);  // overhead.hashtable.main

  const int64_t reads = std::stoll(InfoField(*c_, "stats", "total_reads_processed"));
  const int64_t writes = std::stoll(InfoField(*c_, "stats", "total_writes_processed"));
  EXPECT_GE(reads, 100);
  EXPECT_GE(writes, 100);

  // Keys that expire unread are removed by the cycle, which counts its time.
  const int64_t expired_before = std::stoll(InfoField(*c_, "stats", "expired_keys"));
  const std::string want = std::to_string(expired_before + 200);
  for (int i = 0; i < 200; ++i) c_->Command({"SET", "short:" + std::to_string(i), "v", "PX", "1"});
  std::string expired;
  for (int i = 0; i < 500 && expired != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    expired = InfoField(*c_, "stats", "expired_keys");
  }
  EXPECT_EQ(expired, want);
  EXPECT_NE(InfoField(*c_, "stats", "expired_stale_perc"), "0.00");
}

TEST_F(integration_Stats, BlockedCommandUnblockedWithAnError) {
  // Redis's unit/info "errorstats: blocking commands".
  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  const std::string id = std::to_string(waiter->Command({"CLIENT", "ID"}).integer);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$5\r\nlist1\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  EXPECT_EQ(c_->Command({"CLIENT", "UNBLOCK", id, "ERROR"}).integer, 1);
  auto reply = waiter->ReadReply();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->str, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  EXPECT_EQ(InfoField(*c_, "errorstats", "errorstat_UNBLOCKED"), "count=1");
  const std::string blpop = InfoField(*c_, "commandstats", "cmdstat_blpop");
  EXPECT_TRUE(blpop.starts_with("calls=1,")) << blpop;
  EXPECT_TRUE(blpop.ends_with(",rejected_calls=0,failed_calls=1")) << blpop;
  EXPECT_EQ(InfoField(*c_, "stats", "total_error_replies"), "1");
  EXPECT_NE(InfoField(*c_, "latencystats", "latency_percentiles_usec_blpop"), "");
}

TEST_F(integration_Stats, ServedBlockedCommandIsLoggedAsSent) {
  // Redis's unit/slowlog: the served BLPOP is logged when its wait ends.
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "slowlog-log-slower-than", "0"}).str, "OK");
  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  ASSERT_EQ(waiter->Command({"CLIENT", "SETNAME", "waiter"}).str, "OK");
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  EXPECT_EQ(c_->Command({"MULTI"}).str, "OK");
  EXPECT_EQ(c_->Command({"LPUSH", "l", "foo"}).str, "QUEUED");
  EXPECT_EQ(c_->Command({"SLOWLOG", "RESET"}).str, "QUEUED");
  EXPECT_EQ(c_->Command({"EXEC"}).elements.size(), 2u);
  auto reply = waiter->ReadReply();
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->elements.size(), 2u);
  const RespValue entries = c_->Command({"SLOWLOG", "GET"});
  ASSERT_FALSE(entries.elements.empty());
  const RespValue& newest = entries.elements[0];
  ASSERT_EQ(newest.elements.size(), 6u);
  ASSERT_EQ(newest.elements[3].elements.size(), 3u);
  EXPECT_EQ(newest.elements[3].elements[0].str, "BLPOP");
  EXPECT_EQ(newest.elements[3].elements[1].str, "l");
  EXPECT_EQ(newest.elements[5].str, "waiter");
  // The unblocked client's queued input still runs.
  EXPECT_EQ(waiter->Command({"PING"}).str, "PONG");
}

TEST_F(integration_Stats, DebugSleepIsSlowAndALatencyEvent) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "slowlog-log-slower-than", "100000"}).str, "OK");
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "latency-monitor-threshold", "100"}).str, "OK");
  ASSERT_EQ(c_->Command({"CLIENT", "SETNAME", "sleeper"}).str, "OK");
  EXPECT_EQ(c_->Command({"DEBUG", "SLEEP", "0.2"}).str, "OK");
  // Newest first; on a busy machine another command may pass a threshold too.
  const RespValue entry = c_->Command({"SLOWLOG", "GET"}).elements.at(0);
  EXPECT_EQ(entry.elements.at(3).elements.at(0).str, "DEBUG");
  EXPECT_GE(entry.elements.at(2).integer, 200000);  // a sleep lasts at least its length
  EXPECT_EQ(entry.elements.at(5).str, "sleeper");
  const RespValue latest = c_->Command({"LATENCY", "LATEST"});
  bool seen = false;
  for (const RespValue& event : latest.elements) {
    if (event.elements.at(0).str != "command") continue;
    seen = true;
    EXPECT_GE(event.elements.at(3).integer, 200);  // the all-time high
  }
  EXPECT_TRUE(seen) << latest.DebugString();
  EXPECT_GE(c_->Command({"LATENCY", "HISTORY", "command"}).elements.size(), 1u);
  EXPECT_NE(c_->Command({"LATENCY", "DOCTOR"}).str.find(". command: "), std::string::npos);
  EXPECT_NE(c_->Command({"LATENCY", "GRAPH", "command"}).str.find("command - high "),
            std::string::npos);
  const std::string debug = InfoField(*c_, "latencystats", "latency_percentiles_usec_debug");
  ASSERT_TRUE(debug.starts_with("p50=")) << debug;
  EXPECT_GE(std::stod(debug.substr(4)), 200000.0);
  EXPECT_GE(c_->Command({"LATENCY", "RESET", "command"}).integer, 1);
  EXPECT_TRUE(c_->Command({"LATENCY", "HISTORY", "command"}).elements.empty());
}

// Redis's "expire-cycle" latency event: an active expiry cycle that frees a
// big value takes longer than the threshold (1 ms: freeing a million members
// takes tens here, and no machine frees them in less).
TEST_F(integration_Stats, SlowActiveExpiryCycleIsALatencyEvent) {
  ASSERT_EQ(c_->Command({"CONFIG", "SET", "latency-monitor-threshold", "1"}).str, "OK");
  for (int batch = 0; batch < 100; ++batch) {
    std::vector<std::string> sadd = {"SADD", "big"};
    for (int i = 0; i < 10000; ++i) sadd.push_back(StrCat("m", batch * 10000 + i));
    ASSERT_EQ(c_->Run(sadd).integer, 10000);
  }
  ASSERT_EQ(c_->Command({"PEXPIRE", "big", "1"}).integer, 1);
  // The cron's cycle deletes it (liveness: a generous bound); nothing reads
  // the key meanwhile, so no lazy expiry takes it first.
  bool deleted = false;
  for (int i = 0; i < 2000 && !deleted; ++i) {
    deleted = c_->Command({"DBSIZE"}).integer == 0;
    if (!deleted) std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(deleted);
  const RespValue latest = c_->Command({"LATENCY", "LATEST"});
  bool seen = false;
  for (const RespValue& event : latest.elements) {
    if (event.elements.at(0).str == "expire-cycle") seen = event.elements.at(3).integer >= 1;
  }
  EXPECT_TRUE(seen) << latest.DebugString();
}

TEST_F(integration_Stats, DebugPauseCronStopsTheActiveExpiryCycle) {
  // Paused, the cron deletes nothing: an expired key stays counted however
  // long it waits (DBSIZE counts keys not yet deleted, as Redis's).
  ASSERT_EQ(c_->Command({"DEBUG", "PAUSE-CRON", "1"}).str, "OK");
  ASSERT_EQ(c_->Command({"SET", "gone", "v", "PX", "1"}).str, "OK");
  std::this_thread::sleep_for(milliseconds(300));  // three cron ticks that do nothing
  EXPECT_EQ(c_->Command({"DBSIZE"}).integer, 1);
  // Resumed, the cycle deletes it (liveness: a generous bound).
  ASSERT_EQ(c_->Command({"DEBUG", "PAUSE-CRON", "0"}).str, "OK");
  bool deleted = false;
  for (int i = 0; i < 2000 && !deleted; ++i) {
    deleted = c_->Command({"DBSIZE"}).integer == 0;
    if (!deleted) std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(deleted);
}

}  // namespace

}  // namespace valkdb::test
