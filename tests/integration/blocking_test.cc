// Blocking list and sorted-set commands against the real binary: who is served, in which
// order, what a timeout, a disconnect, CLIENT UNBLOCK and MULTI do, and a
// stress run over four event loops that checks every element is delivered
// exactly once. Waits are bounded by generous liveness limits, never timed.

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

// INFO blocked_clients.
int64_t BlockedClients(RespClient& c) {
  const RespValue info = c.Command({"INFO", "clients"});
  const size_t at = info.str.find("blocked_clients:");
  if (at == std::string::npos) return -1;
  return std::stoll(info.str.substr(at + 16));
}

// Waits (up to a liveness limit) until `count` clients are blocked.
bool WaitForBlocked(RespClient& c, int64_t count) {
  for (int i = 0; i < 2000; ++i) {
    if (BlockedClients(c) == count) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return false;
}

class BlockingTest : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return {"--threads", "4"}; }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    c_ = Connect();
    ASSERT_NE(c_, nullptr);
  }
  std::unique_ptr<RespClient> c_;
};
using integration_Blocking = BlockingTest;

TEST_F(integration_Blocking, PushServesWaiterAndPipelineWaitsBehindIt) {
  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  // Over the unix socket Redis adds U (after b). With several loops, the
  // waiter's loop publishes its CLIENT LIST line once its batch is over, a
  // moment after it counts as blocked: wait for it (liveness, not speed).
  const std::string flags = OverUnixSocket() ? " flags=bU db=0 " : " flags=b db=0 ";
  std::string clients;
  for (int i = 0; i < 1000; ++i) {
    clients = c_->Command({"CLIENT", "LIST"}).str;
    if (clients.find(flags) != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_NE(clients.find(flags), std::string::npos) << clients;
  EXPECT_NE(clients.find(" cmd=blpop "), std::string::npos) << clients;
  // Nothing, not even the PING's reply, comes before the wait ends.
  EXPECT_EQ(waiter->ReadRawUntilTimeout(milliseconds(50)), "");
  EXPECT_EQ(c_->Command({"RPUSH", "q", "hello"}).integer, 1);
  auto reply = waiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(*reply, "*2\r\n$1\r\nq\r\n$5\r\nhello\r\n");
  auto pong = waiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(*pong, "+PONG\r\n");
  EXPECT_EQ(c_->Command({"EXISTS", "q"}).integer, 0);
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, WaitersAreServedInArrivalOrder) {
  std::vector<std::unique_ptr<RespClient>> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.push_back(Connect());
    ASSERT_NE(waiters.back(), nullptr);
    ASSERT_TRUE(waiters.back()->Send("*3\r\n$5\r\nBRPOP\r\n$1\r\nq\r\n$1\r\n0\r\n").ok());
    ASSERT_TRUE(WaitForBlocked(*c_, i + 1));
  }
  EXPECT_EQ(c_->Command({"RPUSH", "q", "a", "b", "c"}).integer, 3);
  // BRPOP pops from the tail: the first waiter gets c.
  const char* expected[] = {"c", "b", "a"};
  for (int i = 0; i < 3; ++i) {
    auto reply = waiters[i]->ReadReply(milliseconds(10000));
    ASSERT_TRUE(reply.ok());
    ASSERT_EQ(reply->elements.size(), 2u);
    EXPECT_EQ(reply->elements[1].str, expected[i]);
  }
}

TEST_F(integration_Blocking, TimeoutsReplyNullOfTheRightShape) {
  auto raw = [&](std::vector<std::string> args) {
    EXPECT_TRUE(c_->Send(Encode(args)).ok());
    auto reply = c_->ReadRawReply(milliseconds(10000));
    return reply.ok() ? *reply : reply.status().ToString();
  };
  EXPECT_EQ(raw({"BLPOP", "nokey", "0.01"}), "*-1\r\n");
  EXPECT_EQ(raw({"BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.01"}), "$-1\r\n");
  EXPECT_EQ(raw({"BRPOPLPUSH", "nokey", "dst", "0.001"}), "$-1\r\n");
  EXPECT_EQ(raw({"BLMPOP", "0.01", "1", "nokey", "LEFT"}), "*-1\r\n");
  EXPECT_EQ(raw({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(raw({"BLPOP", "nokey", "0.01"}), "_\r\n");
  EXPECT_EQ(raw({"BLPOP", "nokey", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(raw({"BLPOP", "nokey", "x"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, DisconnectedWaiterLeavesNothingBehind) {
  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  waiter->Close();
  ASSERT_TRUE(WaitForBlocked(*c_, 0));
  EXPECT_EQ(c_->Command({"RPUSH", "q", "kept"}).integer, 1);
  EXPECT_EQ(c_->Command({"LLEN", "q"}).integer, 1);
}

TEST_F(integration_Blocking, ClientUnblockEndsTheWait) {
  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  const std::string id = StrCat(waiter->Command({"CLIENT", "ID"}).integer);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  EXPECT_EQ(c_->Command({"CLIENT", "UNBLOCK", id}).integer, 1);
  auto reply = waiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(*reply, "*-1\r\n");
  EXPECT_EQ(c_->Command({"CLIENT", "UNBLOCK", id}).integer, 0);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  EXPECT_EQ(c_->Command({"CLIENT", "UNBLOCK", id, "ERROR"}).integer, 1);
  reply = waiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(*reply, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_EQ(c_->Command({"CLIENT", "UNBLOCK", id, "MAYBE"}).str,
            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
}

// CLIENT PAUSE WRITE holds waiters as Redis 7.0 does (checked against
// redis-server): a push is held, so a blocked client stays blocked and the
// list stays empty; a blocking pop issued during the pause is a write, so it
// is held too, even on a list that has elements; UNPAUSE runs what was held
// in order. A blocked client's own timeout still ends its wait under a pause.
TEST_F(integration_Blocking, ClientPauseHoldsPushesAndNewWaiters) {
  auto waiter = Connect();
  auto pusher = Connect();
  auto late = Connect();
  auto timed = Connect();
  ASSERT_TRUE(waiter && pusher && late && timed);
  EXPECT_EQ(c_->Command({"RPUSH", "ready", "r"}).integer, 1);
  ASSERT_TRUE(waiter->Send(Encode({"BLPOP", "q", "0"})).ok());
  // Its timeout leaves a generous margin for seeing it blocked before the pause.
  ASSERT_TRUE(timed->Send(Encode({"BLPOP", "never", "5"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 2));
  EXPECT_EQ(c_->Command({"CLIENT", "PAUSE", "100000", "WRITE"}).str, "OK");
  ASSERT_TRUE(pusher->Send(Encode({"RPUSH", "q", "x"})).ok());
  ASSERT_TRUE(late->Send(Encode({"BLPOP", "ready", "0"})).ok());
  // The blocked client's timeout fires though writes are paused.
  auto timed_out = timed->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(timed_out.ok());
  EXPECT_EQ(*timed_out, "*-1\r\n");
  EXPECT_EQ(c_->Command({"LLEN", "q"}).integer, 0);
  EXPECT_EQ(c_->Command({"LLEN", "ready"}).integer, 1);
  EXPECT_EQ(waiter->ReadRawUntilTimeout(milliseconds(50)), "");
  EXPECT_EQ(pusher->ReadRawUntilTimeout(milliseconds(1)), "");
  EXPECT_EQ(late->ReadRawUntilTimeout(milliseconds(1)), "");
  EXPECT_EQ(c_->Command({"CLIENT", "UNPAUSE"}).str, "OK");
  auto pushed = pusher->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(pushed.ok());
  EXPECT_EQ(*pushed, ":1\r\n");
  auto served = waiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(*served, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
  auto late_served = late->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(late_served.ok());
  EXPECT_EQ(*late_served, "*2\r\n$5\r\nready\r\n$1\r\nr\r\n");
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, InsideExecNothingBlocksAndPushesWakeAfterExec) {
  EXPECT_EQ(c_->Command({"MULTI"}).str, "OK");
  c_->Command({"BLPOP", "empty", "0"});
  auto exec = c_->Command({"EXEC"});
  ASSERT_EQ(exec.elements.size(), 1u);
  EXPECT_EQ(exec.elements[0].type, RespValue::Type::kNull);

  auto waiter = Connect();
  ASSERT_NE(waiter, nullptr);
  ASSERT_TRUE(waiter->Send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n").ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  c_->Command({"MULTI"});
  c_->Command({"LPUSH", "q", "a"});
  c_->Command({"LPUSH", "q", "b"});
  c_->Command({"LPUSH", "q", "c"});
  c_->Command({"EXEC"});
  auto reply = waiter->ReadReply(milliseconds(10000));
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->elements.size(), 2u);
  EXPECT_EQ(reply->elements[1].str, "c");  // as Redis: served once EXEC is over
  EXPECT_EQ(c_->Command({"LLEN", "q"}).integer, 2);
}

TEST_F(integration_Blocking, MovedElementWakesTheNextWaiterInTurn) {
  auto mover = Connect();
  auto popper = Connect();
  ASSERT_NE(mover, nullptr);
  ASSERT_NE(popper, nullptr);
  ASSERT_TRUE(mover->Send(Encode({"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  ASSERT_TRUE(popper->Send(Encode({"BLPOP", "b", "0"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 2));
  c_->Command({"RPUSH", "a", "x"});
  auto moved = mover->ReadReply(milliseconds(10000));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->str, "x");
  auto popped = popper->ReadReply(milliseconds(10000));
  ASSERT_TRUE(popped.ok());
  ASSERT_EQ(popped->elements.size(), 2u);
  EXPECT_EQ(popped->elements[1].str, "x");
  EXPECT_EQ(c_->Command({"EXISTS", "a", "b"}).integer, 0);
}

// Producers push unique elements to a few shared keys while consumers (on
// other connections, spread over the four loops) block on all of them.
// Every element must arrive exactly once, and none may be left on a key once
// the producers are done and the consumers have drained.
TEST_F(integration_Blocking, StressEveryElementDeliveredExactlyOnce) {
  constexpr int kProducers = 4, kConsumers = 6, kPerProducer = 1500;
  const std::vector<std::string> keys = {"s1", "s2", "s3"};
  std::atomic<bool> producing{true};
  std::atomic<int> failures{0};
  std::vector<std::multiset<std::string>> received(kConsumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) {
        ++failures;
        return;
      }
      while (true) {
        const bool was_producing = producing.load();
        // BLPOP / BRPOP / BLMPOP in turn, all on every key.
        std::vector<std::string> args;
        if (c % 3 == 0) {
          args = {"BLPOP", keys[0], keys[1], keys[2], "0.2"};
        } else if (c % 3 == 1) {
          args = {"BRPOP", keys[2], keys[0], keys[1], "0.2"};
        } else {
          args = {"BLMPOP", "0.2", "3", keys[1], keys[2], keys[0], "LEFT", "COUNT", "3"};
        }
        RespValue reply = (*conn)->Run(args, milliseconds(30000));
        if (reply.is_error()) {
          ++failures;
          return;
        }
        if (reply.type != RespValue::Type::kArray) {
          if (!was_producing) return;  // timed out after the producers finished: drained
          continue;
        }
        if (reply.elements.size() != 2) {
          ++failures;
          return;
        }
        if (reply.elements[1].type == RespValue::Type::kArray) {
          for (const RespValue& e : reply.elements[1].elements) received[c].insert(e.str);
        } else {
          received[c].insert(reply.elements[1].str);
        }
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerProducer; i += 3) {
        const std::string& key = keys[static_cast<size_t>(i + p) % keys.size()];
        RespValue r = (*conn)->Run({p % 2 == 0 ? "RPUSH" : "LPUSH", key, StrCat(p, ":", i),
                                    StrCat(p, ":", i + 1), StrCat(p, ":", i + 2)},
                                   milliseconds(30000));
        if (r.is_error()) ++failures;
      }
    });
  }
  for (std::thread& t : producers) t.join();
  producing.store(false);
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::multiset<std::string> all;
  for (const auto& r : received) all.insert(r.begin(), r.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kProducers * kPerProducer));
  std::set<std::string> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), all.size()) << "an element was delivered twice";
  for (const std::string& key : keys) EXPECT_EQ(c_->Command({"LLEN", key}).integer, 0) << key;
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, SortedSetWaitersGetMemberAndScoreInTheirProtocol) {
  auto resp2 = Connect();
  auto resp3 = Connect();
  ASSERT_NE(resp2, nullptr);
  ASSERT_NE(resp3, nullptr);
  ASSERT_EQ(resp3->Command({"HELLO", "3"}).type, RespValue::Type::kMap);
  ASSERT_TRUE(resp2->Send(Encode({"BZPOPMIN", "z", "0"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  ASSERT_TRUE(resp3->Send(Encode({"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 2));
  EXPECT_EQ(c_->Command({"ZADD", "z", "1", "a", "2.5", "b", "3", "c"}).integer, 3);
  auto first = resp2->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
  auto second = resp3->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(c_->Command({"EXISTS", "z"}).integer, 0);
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, WaitersForAnotherTypeDoNotHoldBackTheKey) {
  auto zwaiter = Connect();
  auto lwaiter = Connect();
  ASSERT_NE(zwaiter, nullptr);
  ASSERT_NE(lwaiter, nullptr);
  ASSERT_TRUE(zwaiter->Send(Encode({"BZPOPMIN", "k", "0"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  ASSERT_TRUE(lwaiter->Send(Encode({"BLPOP", "k", "0"})).ok());
  ASSERT_TRUE(WaitForBlocked(*c_, 2));
  // A list at k serves the list waiter, though a sorted-set waiter came first.
  EXPECT_EQ(c_->Command({"RPUSH", "k", "x"}).integer, 1);
  auto popped = lwaiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(popped.ok());
  EXPECT_EQ(*popped, "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
  ASSERT_TRUE(WaitForBlocked(*c_, 1));
  EXPECT_EQ(c_->Command({"ZADD", "k", "7", "m"}).integer, 1);
  auto zpopped = zwaiter->ReadRawReply(milliseconds(10000));
  ASSERT_TRUE(zpopped.ok());
  EXPECT_EQ(*zpopped, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n7\r\n");
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

TEST_F(integration_Blocking, StressSortedSetMembersDeliveredExactlyOnce) {
  constexpr int kProducers = 3, kConsumers = 4, kPerProducer = 900;
  const std::vector<std::string> keys = {"z1", "z2"};
  std::atomic<bool> producing{true};
  std::atomic<int> failures{0};
  std::vector<std::multiset<std::string>> received(kConsumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) {
        ++failures;
        return;
      }
      while (true) {
        const bool was_producing = producing.load();
        std::vector<std::string> args;
        if (c % 2 == 0) {
          args = {c % 4 == 0 ? "BZPOPMIN" : "BZPOPMAX", keys[0], keys[1], "0.2"};
        } else {
          args = {"BZMPOP", "0.2", "2", keys[1], keys[0], "MIN", "COUNT", "4"};
        }
        RespValue reply = (*conn)->Run(args, milliseconds(30000));
        if (reply.is_error()) {
          ++failures;
          return;
        }
        if (reply.type != RespValue::Type::kArray) {
          if (!was_producing) return;  // timed out after the producers finished: drained
          continue;
        }
        if (reply.elements.size() == 3) {  // BZPOPMIN/MAX: key, member, score
          received[c].insert(reply.elements[1].str);
        } else if (reply.elements.size() == 2 &&
                   reply.elements[1].type == RespValue::Type::kArray) {
          for (const RespValue& pair : reply.elements[1].elements) {
            received[c].insert(pair.elements.at(0).str);
          }
        } else {
          ++failures;
          return;
        }
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto conn = RespClient::Connect(port());
      if (!conn.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerProducer; i += 3) {
        const std::string& key = keys[static_cast<size_t>(i / 3 + p) % keys.size()];
        RespValue r = (*conn)->Run({"ZADD", key, StrCat(i), StrCat(p, ":", i), StrCat(i + 1),
                                    StrCat(p, ":", i + 1), StrCat(i + 2), StrCat(p, ":", i + 2)},
                                   milliseconds(30000));
        if (r.is_error()) ++failures;
      }
    });
  }
  for (std::thread& t : producers) t.join();
  producing.store(false);
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::multiset<std::string> all;
  for (const auto& r : received) all.insert(r.begin(), r.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kProducers * kPerProducer));
  std::set<std::string> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), all.size()) << "a member was delivered twice";
  for (const std::string& key : keys) EXPECT_EQ(c_->Command({"ZCARD", key}).integer, 0) << key;
  EXPECT_TRUE(WaitForBlocked(*c_, 0));
}

// A stress run whose consumers wait forever (BLPOP ... 0), so that a lost
// wake-up cannot hide behind a timeout and a retry. Producers push single
// elements (each may create its list, the moment waiters are woken), then
// three probe elements go one at a time to an idle server. The verdict:
// every element delivered exactly once, or `stuck` — elements queued on keys
// while every consumer stays blocked on them (a lost wake-up; with no
// producers left, nothing else could end it).
struct ForeverStressVerdict {
  size_t pushed = 0, delivered = 0, unique = 0;
  bool stuck = false;
  int failures = 0;
};

ForeverStressVerdict RunForeverStress(int port, RespClient& admin) {
  constexpr int kProducers = 2, kConsumers = 4, kPerProducer = 600;
  const std::vector<std::string> keys = {"f1", "f2", "f3"};
  ForeverStressVerdict verdict;
  std::atomic<int> failures{0};
  std::atomic<size_t> delivered{0};
  std::vector<std::multiset<std::string>> received(kConsumers);
  std::vector<int64_t> ids(kConsumers, 0);
  std::atomic<int> started{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      auto conn = RespClient::Connect(port);
      if (!conn.ok()) {
        ++failures;
        ++started;
        return;
      }
      ids[static_cast<size_t>(c)] = (*conn)->Command({"CLIENT", "ID"}).integer;
      ++started;
      while (true) {
        RespValue reply =
            (*conn)->Run({"BLPOP", keys[0], keys[1], keys[2], "0"}, milliseconds(600000));
        if (reply.type != RespValue::Type::kArray) return;  // CLIENT UNBLOCK: done
        if (reply.elements.size() != 2) {
          ++failures;
          return;
        }
        received[static_cast<size_t>(c)].insert(reply.elements[1].str);
        ++delivered;
      }
    });
  }
  while (started.load() < kConsumers) std::this_thread::sleep_for(milliseconds(1));
  auto queued = [&] {
    int64_t n = 0;
    for (const std::string& key : keys) n += admin.Command({"LLEN", key}).integer;
    return n;
  };
  // Waits until everything pushed so far is delivered (true), or until the
  // stuck state holds for a whole second of polls (false); 120 s liveness bound.
  auto settle = [&](size_t pushed) {
    int stuck_polls = 0;
    for (int i = 0; i < 12000; ++i) {
      if (delivered.load() >= pushed) return true;
      const bool all_blocked = BlockedClients(admin) == kConsumers;
      stuck_polls = all_blocked && queued() > 0 ? stuck_polls + 1 : 0;
      if (stuck_polls >= 100) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    ++failures;  // neither delivered nor stuck in 120 s: a hang of another kind
    return false;
  };
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto conn = RespClient::Connect(port);
      if (!conn.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerProducer; ++i) {
        const std::string& key = keys[static_cast<size_t>(i + p) % keys.size()];
        if ((*conn)->Run({"RPUSH", key, StrCat(p, ":", i)}, milliseconds(30000)).is_error()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : producers) t.join();
  verdict.pushed = kProducers * kPerProducer;
  bool settled = settle(verdict.pushed);
  // Probes on an idle server: each creates its list while all consumers wait.
  for (int probe = 0; settled && probe < 3; ++probe) {
    if (!WaitForBlocked(admin, kConsumers)) {
      ++failures;
      break;
    }
    admin.Command({"RPUSH", keys[static_cast<size_t>(probe)], StrCat("probe:", probe)});
    ++verdict.pushed;
    settled = settle(verdict.pushed);
  }
  verdict.stuck = !settled;
  for (int64_t id : ids) admin.Command({"CLIENT", "UNBLOCK", StrCat(id)});
  // Consumers woken by the unblock may first pop what was stuck; they end at
  // the next unblock, so keep unblocking until all have finished.
  for (int round = 0; round < 1000; ++round) {
    if (BlockedClients(admin) == 0 && delivered.load() >= verdict.pushed) break;
    for (int64_t id : ids) admin.Command({"CLIENT", "UNBLOCK", StrCat(id)});
    admin.Command({"DEL", keys[0], keys[1], keys[2]});
    std::this_thread::sleep_for(milliseconds(10));
  }
  for (std::thread& t : consumers) t.join();
  std::multiset<std::string> all;
  for (const auto& r : received) all.insert(r.begin(), r.end());
  verdict.delivered = all.size();
  verdict.unique = std::set<std::string>(all.begin(), all.end()).size();
  verdict.failures = failures.load();
  return verdict;
}

TEST_F(integration_Blocking, StressNoWakeupIsLostWhenConsumersWaitForever) {
  const ForeverStressVerdict v = RunForeverStress(port(), *c_);
  EXPECT_EQ(v.failures, 0);
  EXPECT_FALSE(v.stuck) << "elements stayed queued while every consumer was blocked on them";
  EXPECT_EQ(v.delivered, v.pushed);
  EXPECT_EQ(v.unique, v.delivered) << "an element was delivered twice";
}

// The same with loops that spin before they sleep (loop-spin-us): a push
// from another loop lands while the waiter's loop watches its ring, not
// sleeps, and must still reach the waiter.
class SpinningLoopsTest : public BlockingTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override {
    return {"--threads", "4", "--loop-spin-us", "200"};
  }
};
using integration_BlockingSpinningLoops = SpinningLoopsTest;

TEST_F(integration_BlockingSpinningLoops, NoWakeupIsLostWhenConsumersWaitForever) {
  const ForeverStressVerdict v = RunForeverStress(port(), *c_);
  EXPECT_EQ(v.failures, 0);
  EXPECT_FALSE(v.stuck) << "elements stayed queued while every consumer was blocked on them";
  EXPECT_EQ(v.delivered, v.pushed);
  EXPECT_EQ(v.unique, v.delivered) << "an element was delivered twice";
}

// The same run against a server that drops every third wake-up
// (VALKDB_TEST_DROP_WAKEUP_EVERY): the check above must notice.
class DroppedWakeupTest : public BlockingTest {
 protected:
  void SetUp() override {
    setenv("VALKDB_TEST_DROP_WAKEUP_EVERY", "3", 1);
    BlockingTest::SetUp();
    unsetenv("VALKDB_TEST_DROP_WAKEUP_EVERY");
  }
};
using integration_BlockingDroppedWakeup = DroppedWakeupTest;

TEST_F(integration_BlockingDroppedWakeup, TheStressCheckCatchesALostWakeup) {
  const ForeverStressVerdict v = RunForeverStress(port(), *c_);
  EXPECT_EQ(v.failures, 0);
  EXPECT_TRUE(v.stuck) << "the check missed the dropped wake-ups";
}

// Streams over four event loops, every wait forever (BLOCK 0): consumers of
// one group read two streams, followers XREAD s2 from the start. A stream
// keeps its entries, so a lost wake-up is hidden by the next XADD to the key;
// the probes, one XADD at a time to an idle server, are what could be lost.
// The verdict: every entry delivered exactly once to the group and in order
// to each follower, or `stuck` — entries not yet delivered while every
// reader stays blocked.
struct StreamStressVerdict {
  size_t added = 0, delivered = 0, unique = 0;
  bool followers_in_order = true, stuck = false;
  int failures = 0;
};

StreamStressVerdict RunStreamStress(int port, RespClient& admin) {
  constexpr int kProducers = 3, kConsumers = 4, kFollowers = 2, kPerProducer = 600;
  constexpr int kReaders = kConsumers + kFollowers;
  StreamStressVerdict verdict;
  for (const char* key : {"s1", "s2"}) {
    if (admin.Command({"XGROUP", "CREATE", key, "g", "$", "MKSTREAM"}).str != "OK") {
      ++verdict.failures;
      return verdict;
    }
  }
  std::atomic<int> failures{0};
  std::atomic<size_t> delivered{0};
  std::vector<std::atomic<size_t>> followed(kFollowers);
  std::vector<std::vector<std::string>> received(kReaders);  // values; followers' in order
  std::vector<int64_t> ids(kReaders, 0);
  std::atomic<int> started{0};
  std::vector<std::thread> readers;
  for (int c = 0; c < kReaders; ++c) {
    readers.emplace_back([&, c] {
      auto conn = RespClient::Connect(port);
      if (!conn.ok()) {
        ++failures;
        ++started;
        return;
      }
      ids[static_cast<size_t>(c)] = (*conn)->Command({"CLIENT", "ID"}).integer;
      ++started;
      const bool follower = c >= kConsumers;
      const std::string name = StrCat("consumer", c);
      std::string last = "0-0";
      while (true) {
        const std::vector<std::string> args =
            follower ? std::vector<std::string>{"XREAD", "COUNT",   "50", "BLOCK",
                                                "0",     "STREAMS", "s2", last}
                     : std::vector<std::string>{"XREADGROUP", "GROUP", "g", name,      "COUNT",
                                                "2",          "BLOCK", "0", "STREAMS", "s1",
                                                "s2",         ">",     ">"};
        RespValue reply = (*conn)->Run(args, milliseconds(600000));
        if (reply.type != RespValue::Type::kArray) return;  // CLIENT UNBLOCK: done
        for (const RespValue& stream : reply.elements) {
          for (const RespValue& entry : stream.elements.at(1).elements) {
            last = entry.elements.at(0).str;
            received[static_cast<size_t>(c)].push_back(entry.elements.at(1).elements.at(1).str);
            if (follower) {
              ++followed[static_cast<size_t>(c - kConsumers)];
            } else {
              ++delivered;
            }
          }
        }
      }
    });
  }
  while (started.load() < kReaders) std::this_thread::sleep_for(milliseconds(1));
  // Waits until all `added` entries are delivered (true), or until the stuck
  // state holds for a whole second of polls (false); 120 s liveness bound.
  auto all_delivered = [&](size_t added, size_t on_s2) {
    if (delivered.load() < added) return false;
    for (const auto& f : followed) {
      if (f.load() < on_s2) return false;
    }
    return true;
  };
  auto settle = [&](size_t added, size_t on_s2) {
    int stuck_polls = 0;
    for (int i = 0; i < 12000; ++i) {
      if (all_delivered(added, on_s2)) return true;
      const bool all_blocked = BlockedClients(admin) == kReaders;
      stuck_polls = all_blocked && !all_delivered(added, on_s2) ? stuck_polls + 1 : 0;
      if (stuck_polls >= 100) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    ++failures;  // neither delivered nor stuck in 120 s: a hang of another kind
    return false;
  };
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto conn = RespClient::Connect(port);
      if (!conn.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerProducer; ++i) {
        const RespValue r = (*conn)->Run(
            {"XADD", i % 2 == 0 ? "s1" : "s2", "*", "v", StrCat(p, ":", i)}, milliseconds(30000));
        if (r.type != RespValue::Type::kBulkString) ++failures;
      }
    });
  }
  for (std::thread& t : producers) t.join();
  verdict.added = kProducers * kPerProducer;
  size_t on_s2 = verdict.added / 2;
  bool settled = settle(verdict.added, on_s2);
  for (int probe = 0; settled && probe < 3; ++probe) {
    if (!WaitForBlocked(admin, kReaders)) {
      ++failures;
      break;
    }
    if (admin.Command({"XADD", "s2", "*", "v", StrCat("probe", probe)}).is_error()) ++failures;
    ++verdict.added;
    ++on_s2;
    settled = settle(verdict.added, on_s2);
  }
  verdict.stuck = !settled;
  for (int64_t id : ids) admin.Command({"CLIENT", "UNBLOCK", StrCat(id)});
  for (std::thread& t : readers) t.join();
  std::multiset<std::string> all;
  for (int c = 0; c < kConsumers; ++c) all.insert(received[c].begin(), received[c].end());
  verdict.delivered = all.size();
  verdict.unique = std::set<std::string>(all.begin(), all.end()).size();
  std::vector<std::string> order;
  for (const RespValue& entry : admin.Command({"XRANGE", "s2", "-", "+"}).elements) {
    order.push_back(entry.elements.at(1).elements.at(1).str);
  }
  for (int f = kConsumers; f < kReaders; ++f) {
    if (!verdict.stuck && received[f] != order) verdict.followers_in_order = false;
  }
  verdict.failures = failures.load();
  return verdict;
}

TEST_F(integration_Blocking, StressStreamEntriesReachGroupsAndFollowers) {
  const StreamStressVerdict v = RunStreamStress(port(), *c_);
  EXPECT_EQ(v.failures, 0);
  EXPECT_FALSE(v.stuck) << "entries stayed undelivered while every reader was blocked";
  EXPECT_EQ(v.delivered, v.added);
  EXPECT_EQ(v.unique, v.delivered) << "an entry was delivered twice";
  EXPECT_TRUE(v.followers_in_order) << "an XREAD follower missed or reordered entries";
}

TEST_F(integration_BlockingDroppedWakeup, TheStreamStressCheckCatchesALostWakeup) {
  const StreamStressVerdict v = RunStreamStress(port(), *c_);
  EXPECT_EQ(v.failures, 0);
  EXPECT_TRUE(v.stuck) << "every third wake-up was dropped, yet the run saw no reader stuck";
}

}  // namespace
}  // namespace valkdb::test
