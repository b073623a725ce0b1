// AsyncClient against valkdb-server and redis-server: on its own loop, on a
// shared valkdb::EventLoop, and on the caller's libuv loop.
#include "client/async_client.h"

#include <uv.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/client/test_support.h"

namespace valkdb::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr absl::Duration kWait = absl::Seconds(10);

class AsyncClientTest : public ServerTest {};

TEST_P(AsyncClientTest, FuturesOnItsOwnLoop) {
  AsyncClient c(Options());
  Future<bool> set = c.Set("k", "v");
  Future<std::optional<std::string>> get = c.Get("k");
  Future<std::optional<std::string>> missing = c.Get("missing");
  EXPECT_EQ(set.Get(kWait).value(), true);
  EXPECT_EQ(get.Get(kWait).value(), "v");
  EXPECT_EQ(missing.Get().value(), std::nullopt);
  absl::StatusOr<RespValue> error = c.Command({"GET"}).Get(kWait);
  EXPECT_EQ(error.status().message(), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(c.Command({}).Get(kWait).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(AsyncClientTest, ManyRequestsInFlightAreAnsweredInOrder) {
  AsyncClient c(Options());
  std::vector<Future<bool>> sets;
  std::vector<Future<std::optional<std::string>>> gets;
  for (int i = 0; i < 5000; ++i) {
    sets.push_back(c.Set(StrCat("k", i), StrCat("v", i)));
    gets.push_back(c.Get(StrCat("k", i)));
  }
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(sets[i].Get(kWait).value(), true);
    ASSERT_EQ(gets[i].Get(kWait).value(), StrCat("v", i));
  }
}

TEST_P(AsyncClientTest, CallbacksRunOnTheSharedLoopThread) {
  EventLoop loop;
  AsyncClient a(&loop, Options());
  AsyncClient b(&loop, Options());
  absl::Notification done;
  std::atomic<bool> on_loop{false};
  a.Command({"SET", "k", "from a"}, [&](absl::StatusOr<RespValue> r) {
    ASSERT_TRUE(r.ok()) << r.status();
    // Chained from inside a callback: the loop is never blocked.
    b.Command({"GET", "k"}, [&](absl::StatusOr<RespValue> got) {
      on_loop = loop.InLoopThread() && a.InLoopThread() && b.InLoopThread();
      EXPECT_EQ(got.value(), RespValue::BulkStr("from a"));
      done.Notify();
    });
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_TRUE(on_loop.load());
  EXPECT_FALSE(a.InLoopThread());
}

TEST_P(AsyncClientTest, ThenRunsTheCallbackWithTheTypedResult) {
  AsyncClient c(Options());
  absl::Notification done;
  std::optional<std::string> seen;
  c.Set("k", "v").Get(kWait).IgnoreError();
  c.Get("k").Then([&](absl::StatusOr<std::optional<std::string>> v) {
    seen = v.value();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(seen, "v");
  // Then() on a result that is already there runs at once.
  Future<std::string> ping = c.Ping();
  ASSERT_EQ(ping.Get(kWait).value(), "PONG");
  bool ran = false;
  ping.Then([&](absl::StatusOr<std::string> again) {
    ran = true;
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);  // taken by Get()
  });
  EXPECT_TRUE(ran);
}

TEST_P(AsyncClientTest, BlockingInsideACallbackOfItsOwnLoopIsAnErrorNotADeadlock) {
  AsyncClient c(Options());
  Client blocking(Options());
  absl::Notification done;
  absl::Status inner;
  std::optional<std::string> via_blocking_client;
  c.Command({"SET", "k", "v"}, [&](absl::StatusOr<RespValue>) {
    // Waiting here for a reply only this (blocked) loop can deliver would hang forever.
    inner = c.Get("k").Get().status();
    // A blocking Client has its own socket and no loop: it works here.
    via_blocking_client = blocking.Get("k").value();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(inner.message(), HasSubstr("would deadlock"));
  EXPECT_EQ(via_blocking_client, "v");
}

TEST_P(AsyncClientTest, PipelineInOneWrite) {
  AsyncClient c(Options());
  Pipeline p;
  p.Add({"SET", "a", "1"}).Add({"GET", "a"}).Add({"GET"}).Add({"ECHO", "x"});
  absl::StatusOr<PipelineReplies> replies = c.Execute(p).Get(kWait);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[1].value(), RespValue::BulkStr("1"));
  EXPECT_FALSE((*replies)[2].ok());
  EXPECT_EQ((*replies)[3].value(), RespValue::BulkStr("x"));
}

TEST_P(AsyncClientTest, OnTheCallersOwnLibuvLoop) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  int answered = 0;
  std::string got;
  {
    AsyncClient c(&loop, Options());
    c.Command({"SET", "k", "v"}, [&](absl::StatusOr<RespValue> r) {
      EXPECT_TRUE(r.ok()) << r.status();
      ++answered;
    });
    c.Get("k").Then([&](absl::StatusOr<std::optional<std::string>> v) {
      got = v.value().value_or("");
      ++answered;
    });
    // A request from another thread reaches the loop through its async handle.
    std::thread other([&] {
      c.Command({"ECHO", "from another thread"}, [&](absl::StatusOr<RespValue> r) {
        EXPECT_EQ(r.value(), RespValue::BulkStr("from another thread"));
        ++answered;
      });
    });
    other.join();
    // The test is the loop's owner: run it until the replies are in (bounded).
    const auto end = Clock::now() + std::chrono::seconds(10);
    while (answered < 3 && Clock::now() < end) uv_run(&loop, UV_RUN_ONCE);
    EXPECT_EQ(answered, 3);
    EXPECT_EQ(got, "v");
    EXPECT_TRUE(c.InLoopThread());
  }
  // The client closed its handles; the loop finishes them and has nothing left.
  for (int i = 0; i < 100 && uv_loop_alive(&loop); ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST_P(AsyncClientTest, ReconnectsAfterTheServerRestarts) {
  ClientOptions options = Options();
  options.reconnect = true;
  AsyncClient c(options);
  ASSERT_EQ(c.Ping().Get(kWait).value(), "PONG");
  ASSERT_TRUE(server_->Restart().ok());
  // The first request may meet the dead connection; the reconnect follows.
  absl::StatusOr<std::string> first = c.Ping().Get(kWait);
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(c.Ping().Get(kWait).value(), "PONG");

  options.reconnect = false;
  AsyncClient once(options);
  ASSERT_EQ(once.Ping().Get(kWait).value(), "PONG");
  ASSERT_TRUE(server_->Restart().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the loop see the close
  absl::StatusOr<std::string> after = once.Ping().Get(kWait);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable) << after.status();
}

TEST_P(AsyncClientTest, EightThreadsShareOneAsyncClient) {
  AsyncClient c(Options());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Future<std::optional<std::string>>> gets;
      for (int i = 0; i < 300; ++i) {
        c.Set(StrCat("t", t, ":", i), StrCat(i));
        gets.push_back(c.Get(StrCat("t", t, ":", i)));
      }
      for (int i = 0; i < 300; ++i) {
        absl::StatusOr<std::optional<std::string>> v = gets[i].Get(kWait);
        if (!v.ok() || *v != StrCat(i)) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c.DbSize().Get(kWait).value(), 2400);
}

TEST_P(AsyncClientTest, Resp3Replies) {
  ClientOptions options = Options();
  options.protocol = 3;
  AsyncClient c(options);
  RespValue hello = c.Command({"HELLO"}).Get(kWait).value();
  EXPECT_EQ(hello.type, RespValue::Type::kMap);
  EXPECT_EQ(c.Set("k", "v").Get(kWait).value(), true);
  EXPECT_EQ(c.Get("missing").Get(kWait).value(), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Servers, AsyncClientTest,
                         ::testing::Values(ServerKind::kValkdb, ServerKind::kRedis), ParamName);

TEST(AsyncClientTimeoutTest, AServerThatNeverAnswersIsATimeout) {
  SilentServer silent;
  ClientOptions options = silent.Options();
  options.command_timeout = absl::Milliseconds(300);
  AsyncClient c(options);
  const auto start = Clock::now();
  Future<std::string> a = c.Ping();
  Future<std::string> b = c.Ping();
  absl::StatusOr<std::string> ra = a.Get(kWait);
  absl::StatusOr<std::string> rb = b.Get(kWait);
  EXPECT_EQ(ra.status().code(), absl::StatusCode::kDeadlineExceeded) << ra.status();
  EXPECT_EQ(rb.status().code(), absl::StatusCode::kDeadlineExceeded) << rb.status();
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
}

TEST(AsyncClientTimeoutTest, AConnectThatIsNeverAcceptedIsATimeout) {
  UnreachableServer unreachable;
  ClientOptions options = unreachable.Options();
  options.connect_timeout = absl::Milliseconds(300);
  AsyncClient c(options);
  const auto start = Clock::now();
  absl::StatusOr<std::string> r = c.Ping().Get(kWait);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(Clock::now() - start,
            std::chrono::seconds(4));  // far above the timeout, below the defaults
}

TEST(AsyncClientTimeoutTest, NothingListeningIsUnavailable) {
  ClientOptions options;
  options.port = UnusedPort();
  AsyncClient c(options);
  EXPECT_EQ(c.Ping().Get(kWait).status().code(), absl::StatusCode::kUnavailable);
}

TEST(AsyncClientTimeoutTest, DestroyingTheClientCancelsWhatIsPending) {
  SilentServer silent;
  std::atomic<int> cancelled{0};
  Future<std::string> future;
  {
    AsyncClient c(silent.Options());
    for (int i = 0; i < 3; ++i) {
      c.Command({"PING"}, [&](absl::StatusOr<RespValue> r) {
        if (absl::IsCancelled(r.status())) ++cancelled;
      });
    }
    future = c.Ping();
  }
  EXPECT_EQ(cancelled.load(), 3);
  EXPECT_EQ(future.Get(kWait).status().code(), absl::StatusCode::kCancelled);
}

TEST(AsyncClientTimeoutTest, GetOnAFutureWhoseLoopNeverRunsEndsInTime) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ClientOptions options;
  options.port = UnusedPort();
  {
    AsyncClient c(&loop, options);
    Future<std::string> never;
    std::thread other([&] { never = c.Ping(); });  // queued for a loop nobody runs
    other.join();
    std::thread waiter([&] {
      EXPECT_EQ(never.Get(absl::Milliseconds(200)).status().code(),
                absl::StatusCode::kDeadlineExceeded);
    });
    waiter.join();
  }
  for (int i = 0; i < 100 && uv_loop_alive(&loop); ++i) uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace valkdb::testing
