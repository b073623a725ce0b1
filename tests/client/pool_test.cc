#include "client/pool.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/client/test_support.h"

namespace valkdb::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ClientPoolTest : public ServerTest {};

TEST_P(ClientPoolTest, EightThreadsThroughFourConnections) {
  ClientPool pool(Options(), {.max_connections = 4});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = StrCat("t", t, ":", i);
        if (!pool.Set(key, StrCat(i)).ok()) ++failures;
        absl::StatusOr<std::optional<std::string>> got = pool.Get(key);
        if (!got.ok() || *got != StrCat(i)) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(pool.size(), 4u);
  EXPECT_GE(pool.size(), 1u);
  EXPECT_EQ(pool.DbSize().value(), 1600);
}

TEST_P(ClientPoolTest, ALeaseKeepsOneConnectionForASequence) {
  ClientPool pool(Options(), {.max_connections = 2});
  {
    absl::StatusOr<ClientPool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->Command({"CLIENT", "SETNAME", "leased"}).ok());
    EXPECT_EQ((*lease)->Command({"CLIENT", "GETNAME"}).value(), RespValue::BulkStr("leased"));
    Pipeline p;
    p.Add({"SET", "a", "1"}).Add({"GET", "a"});
    EXPECT_EQ((*lease)->Execute(p).value()[1].value(), RespValue::BulkStr("1"));
  }
  EXPECT_EQ(pool.size(), 1u);  // returned, and reused next
  EXPECT_EQ(pool.Get("a").value(), "1");
  EXPECT_EQ(pool.size(), 1u);
}

TEST_P(ClientPoolTest, BrokenConnectionsAreReplaced) {
  ClientPool pool(Options(), {.max_connections = 2});
  ASSERT_TRUE(pool.Set("k", "v").ok());
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(pool.Ping().value(), "PONG");
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_EQ(pool.Ping().status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(pool.Ping().value(), "PONG");
  EXPECT_LE(pool.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Servers, ClientPoolTest,
                         ::testing::Values(ServerKind::kValkdb, ServerKind::kRedis), ParamName);

TEST(ClientPoolWaitTest, AcquireGivesUpAfterItsTimeout) {
  ClientOptions options;
  options.port = UnusedPort();
  ClientPool pool(options, {.max_connections = 1, .acquire_timeout = absl::Milliseconds(200)});
  absl::StatusOr<ClientPool::Lease> held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  const auto start = Clock::now();
  absl::StatusOr<ClientPool::Lease> second = pool.Acquire();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
  EXPECT_EQ(pool.Ping().status().code(), absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace valkdb::testing
