// Subscriber against redis-server and valkdb-server, the same cases. valkdb's
// pub/sub was being written while these tests were: a valkdb build without it
// answers SUBSCRIBE with "unknown command", and the valkdb cases then skip (so
// they run against redis only) instead of failing.
#include "client/subscriber.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/test_support.h"

namespace valkdb::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr absl::Duration kWait = absl::Seconds(5);

class SubscriberTest : public ServerTest {
 protected:
  // Publishes until `receivers` subscribers got it (a subscription made by a
  // reconnect lands a moment later); bounded.
  int64_t PublishUntilHeard(Client& c, const std::string& channel, const std::string& message,
                            int64_t receivers = 1) {
    const auto end = Clock::now() + std::chrono::seconds(10);
    int64_t heard = 0;
    while (Clock::now() < end) {
      heard = c.Publish(channel, message).value_or(0);
      if (heard >= receivers) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return heard;
  }
};

TEST_P(SubscriberTest, SubscribePublishNextUnsubscribe) {
  Subscriber sub(Options());
  absl::Status subscribed = sub.Subscribe({"news", "sport"});
  VALKDB_REQUIRE_SUPPORTED(subscribed);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  EXPECT_THAT(sub.channels(), ElementsAre("news", "sport"));
  Client c(Options());
  EXPECT_EQ(c.Publish("news", "hello").value(), 1);
  EXPECT_EQ(c.Publish("sport", std::string("bin\0ary", 7)).value(), 1);
  absl::StatusOr<Message> first = sub.Next(kWait);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->channel, "news");
  EXPECT_EQ(first->payload, "hello");
  EXPECT_EQ(first->pattern, "");
  EXPECT_EQ(sub.Next(kWait)->payload, std::string("bin\0ary", 7));

  ASSERT_TRUE(sub.PSubscribe({"user:*"}).ok());
  EXPECT_THAT(sub.patterns(), ElementsAre("user:*"));
  EXPECT_EQ(c.Publish("user:42", "joined").value(), 1);
  absl::StatusOr<Message> pm = sub.Next(kWait);
  ASSERT_TRUE(pm.ok()) << pm.status();
  EXPECT_EQ(pm->pattern, "user:*");
  EXPECT_EQ(pm->channel, "user:42");
  EXPECT_EQ(pm->payload, "joined");

  ASSERT_TRUE(sub.Unsubscribe({"news"}).ok());
  EXPECT_THAT(sub.channels(), ElementsAre("sport"));
  EXPECT_EQ(c.Publish("news", "unheard").value(), 0);
  ASSERT_TRUE(sub.Unsubscribe().ok());
  ASSERT_TRUE(sub.PUnsubscribe().ok());
  EXPECT_TRUE(sub.channels().empty());
  EXPECT_TRUE(sub.patterns().empty());
  EXPECT_EQ(c.Publish("sport", "unheard").value(), 0);
  const auto start = Clock::now();
  EXPECT_EQ(sub.Next(absl::Milliseconds(200)).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));   // far above the timeout, below the defaults
  EXPECT_TRUE(sub.Unsubscribe().ok());  // nothing left: no round trip, no error
  EXPECT_EQ(sub.Subscribe({}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(SubscriberTest, CallbackReceivesMessagesOnTheLoopThread) {
  Subscriber sub(Options());
  absl::Mutex mu;
  std::vector<std::string> got;
  std::atomic<bool> blocking_refused{false};
  std::atomic<bool> async_subscribed{false};
  sub.OnMessage([&](const Message& m) {
    {
      absl::MutexLock lock(&mu);
      got.push_back(m.channel + "=" + m.payload);
    }
    if (m.payload == "more") {
      // Blocking on the loop thread would deadlock: refused. The callback form works.
      blocking_refused = sub.Subscribe({"late"}).code() == absl::StatusCode::kFailedPrecondition;
      sub.Subscribe({"late"}, [&](absl::Status s) { async_subscribed = s.ok(); });
      EXPECT_EQ(sub.Next(absl::Seconds(1)).status().code(), absl::StatusCode::kFailedPrecondition);
    }
  });
  absl::Status subscribed = sub.Subscribe({"a"});
  VALKDB_REQUIRE_SUPPORTED(subscribed);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  Client c(Options());
  EXPECT_EQ(c.Publish("a", "1").value(), 1);
  EXPECT_EQ(c.Publish("a", "more").value(), 1);
  EXPECT_EQ(PublishUntilHeard(c, "late", "2"), 1);
  auto count = [&] {
    absl::MutexLock lock(&mu);
    return got.size();
  };
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (count() < 3 && Clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(got, ElementsAre("a=1", "a=more", "late=2"));
  EXPECT_TRUE(blocking_refused.load());
  EXPECT_TRUE(async_subscribed.load());
}

TEST_P(SubscriberTest, Resp3PushMessages) {
  ClientOptions options = Options();
  options.protocol = 3;
  Subscriber sub(options);
  absl::Status subscribed = sub.Subscribe({"c3"});
  VALKDB_REQUIRE_SUPPORTED(subscribed);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  ASSERT_TRUE(sub.PSubscribe({"p3*"}).ok());
  Client c(Options());
  EXPECT_EQ(c.Publish("c3", "x").value(), 1);
  EXPECT_EQ(c.Publish("p3z", "y").value(), 1);
  EXPECT_EQ(sub.Next(kWait)->payload, "x");
  absl::StatusOr<Message> p = sub.Next(kWait);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->pattern, "p3*");
  ASSERT_TRUE(sub.Unsubscribe({"c3"}).ok());
}

TEST_P(SubscriberTest, ResubscribesAfterTheServerRestarts) {
  ClientOptions options = Options();
  options.reconnect = true;
  Subscriber sub(options);
  absl::Status subscribed = sub.Subscribe({"r"});
  VALKDB_REQUIRE_SUPPORTED(subscribed);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  ASSERT_TRUE(sub.PSubscribe({"rp*"}).ok());
  ASSERT_TRUE(server_->Restart().ok());
  Client c(Options());
  EXPECT_EQ(PublishUntilHeard(c, "r", "after restart"), 1);
  absl::StatusOr<Message> m = sub.Next(kWait);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->payload, "after restart");
  EXPECT_EQ(PublishUntilHeard(c, "rp1", "pattern too"), 1);
  EXPECT_EQ(sub.Next(kWait)->pattern, "rp*");
}

TEST_P(SubscriberTest, WithoutReconnectALostConnectionEndsTheStream) {
  Subscriber sub(Options());
  absl::Status subscribed = sub.Subscribe({"x"});
  VALKDB_REQUIRE_SUPPORTED(subscribed);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  ASSERT_TRUE(server_->Stop().ok());
  absl::StatusOr<Message> m = sub.Next(kWait);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnavailable) << m.status();
  EXPECT_TRUE(sub.channels().empty());
}

INSTANTIATE_TEST_SUITE_P(Servers, SubscriberTest,
                         ::testing::Values(ServerKind::kValkdb, ServerKind::kRedis), ParamName);

TEST(SubscriberTimeoutTest, AServerThatNeverConfirmsIsATimeout) {
  SilentServer silent;
  ClientOptions options = silent.Options();
  options.command_timeout = absl::Milliseconds(300);
  Subscriber sub(options);
  const auto start = Clock::now();
  absl::Status status = sub.Subscribe({"a"});
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
}

}  // namespace
}  // namespace valkdb::testing
