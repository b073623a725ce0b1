#include "server/scheduler/notifier.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace valkdb {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::StrictMock;

class MockCompletion : public Completion {
 public:
  MOCK_METHOD(void, Complete, (uint64_t id, const Outcome& outcome), (override));
};

// Counts completions per id; thread-safe.
class CountingCompletion : public Completion {
 public:
  void Complete(uint64_t id, const Outcome& outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[id];
    if (!outcome.ok) last_error_ = outcome.error;
  }
  int calls(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(id);
    return it == calls_.end() ? 0 : it->second;
  }
  size_t total() {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [id, count] : calls_) n += static_cast<size_t>(count);
    return n;
  }
  std::string last_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<uint64_t, int> calls_;
  std::string last_error_;
};

TEST(OutcomeTest, DoneAndFailed) {
  Outcome done = Outcome::Done();
  EXPECT_TRUE(done.ok);
  EXPECT_TRUE(done.error.empty());
  Outcome failed = Outcome::Failed("-TIMEOUT too late");
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error, "-TIMEOUT too late");
}

TEST(NotifierTest, RegisterThenTriggerCompletesOnce) {
  Notifier notifier;
  StrictMock<MockCompletion> completion;
  ASSERT_TRUE(notifier.Register(7, &completion).ok());
  EXPECT_EQ(notifier.in_flight(), 1u);
  EXPECT_CALL(completion, Complete(7, Field(&Outcome::ok, true))).Times(1);
  EXPECT_TRUE(notifier.Trigger(7, Outcome::Done()).ok());
  EXPECT_EQ(notifier.in_flight(), 0u);
  // A second trigger is for an id no longer in flight.
  absl::Status again = notifier.Trigger(7, Outcome::Done());
  EXPECT_TRUE(absl::IsNotFound(again)) << again;
}

TEST(NotifierTest, TriggerPassesTheOutcome) {
  Notifier notifier;
  StrictMock<MockCompletion> completion;
  ASSERT_TRUE(notifier.Register(1, &completion).ok());
  EXPECT_CALL(completion, Complete(1, Field(&Outcome::error, "-ERR boom"))).Times(1);
  EXPECT_TRUE(notifier.Trigger(1, Outcome::Failed("-ERR boom")).ok());
}

TEST(NotifierTest, DuplicateRegisterIsAlreadyExistsAndKeepsTheFirst) {
  Notifier notifier;
  StrictMock<MockCompletion> first, second;
  ASSERT_TRUE(notifier.Register(5, &first).ok());
  absl::Status status = notifier.Register(5, &second);
  EXPECT_TRUE(absl::IsAlreadyExists(status)) << status;
  EXPECT_EQ(notifier.in_flight(), 1u);
  // The original registration is untouched: the trigger goes to `first`.
  EXPECT_CALL(first, Complete(5, _)).Times(1);
  EXPECT_TRUE(notifier.Trigger(5, Outcome::Done()).ok());
}

TEST(NotifierTest, RegisterAgainAfterTrigger) {
  Notifier notifier;
  CountingCompletion completion;
  ASSERT_TRUE(notifier.Register(9, &completion).ok());
  ASSERT_TRUE(notifier.Trigger(9, Outcome::Done()).ok());
  EXPECT_TRUE(notifier.Register(9, &completion).ok()) << "a finished id may be reused";
  ASSERT_TRUE(notifier.Trigger(9, Outcome::Done()).ok());
  EXPECT_EQ(completion.calls(9), 2);
}

TEST(NotifierTest, UnknownIdIsNotFound) {
  Notifier notifier;
  absl::Status status = notifier.Trigger(12345, Outcome::Done());
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST(NotifierTest, IdsAreFull64Bit) {
  Notifier notifier;
  CountingCompletion completion;
  const uint64_t a = (uint64_t{0xffff} << 48) | 1;
  const uint64_t b = 1;  // same low bits, different prefix
  ASSERT_TRUE(notifier.Register(a, &completion).ok());
  ASSERT_TRUE(notifier.Register(b, &completion).ok());
  ASSERT_TRUE(notifier.Trigger(a, Outcome::Done()).ok());
  EXPECT_EQ(completion.calls(a), 1);
  EXPECT_EQ(completion.calls(b), 0);
  EXPECT_EQ(notifier.in_flight(), 1u);
}

TEST(NotifierTest, FailAllFailsEveryRequestOnce) {
  Notifier notifier;
  CountingCompletion one, two;
  for (uint64_t id = 0; id < 10; ++id)
    ASSERT_TRUE(notifier.Register(id, id % 2 ? &one : &two).ok());
  EXPECT_EQ(notifier.FailAll("-SHUTDOWN bye"), 10u);
  EXPECT_EQ(notifier.in_flight(), 0u);
  for (uint64_t id = 0; id < 10; ++id) EXPECT_EQ((id % 2 ? one : two).calls(id), 1) << id;
  EXPECT_EQ(one.last_error(), "-SHUTDOWN bye");
  EXPECT_EQ(two.last_error(), "-SHUTDOWN bye");
  EXPECT_EQ(notifier.FailAll("again"), 0u);
  EXPECT_TRUE(absl::IsNotFound(notifier.Trigger(3, Outcome::Done())));
  EXPECT_EQ(one.total() + two.total(), 10u);
}

TEST(NotifierTest, ForgetDropsOnlyThatCompletionsRequestsWithoutCalling) {
  Notifier notifier;
  StrictMock<MockCompletion> closing;  // any call would fail the test
  CountingCompletion staying;
  ASSERT_TRUE(notifier.Register(1, &closing).ok());
  ASSERT_TRUE(notifier.Register(2, &staying).ok());
  ASSERT_TRUE(notifier.Register(3, &closing).ok());
  EXPECT_EQ(notifier.Forget(&closing), 2u);
  EXPECT_EQ(notifier.in_flight(), 1u);
  EXPECT_TRUE(absl::IsNotFound(notifier.Trigger(1, Outcome::Done())));
  EXPECT_TRUE(absl::IsNotFound(notifier.Trigger(3, Outcome::Done())));
  EXPECT_TRUE(notifier.Trigger(2, Outcome::Done()).ok());
  EXPECT_EQ(staying.calls(2), 1);
  EXPECT_EQ(notifier.Forget(&closing), 0u);
  EXPECT_EQ(notifier.FailAll("x"), 0u);
}

// The completion runs after the notifier's lock is released, so it may call
// back into the notifier (register follow-up work, trigger another request).
TEST(NotifierTest, CompletionMayReenterTheNotifier) {
  Notifier notifier;
  CountingCompletion plain;
  class Reentrant : public Completion {
   public:
    Reentrant(Notifier* notifier, Completion* next) : notifier_(notifier), next_(next) {}
    void Complete(uint64_t id, const Outcome&) override {
      ++calls;
      EXPECT_TRUE(notifier_->Register(id + 100, next_).ok());
      EXPECT_TRUE(notifier_->Trigger(id + 100, Outcome::Done()).ok());
      (void)notifier_->in_flight();
    }
    int calls = 0;

   private:
    Notifier* notifier_;
    Completion* next_;
  } reentrant(&notifier, &plain);
  ASSERT_TRUE(notifier.Register(1, &reentrant).ok());
  ASSERT_TRUE(notifier.Trigger(1, Outcome::Done()).ok());
  ASSERT_TRUE(notifier.Register(2, &reentrant).ok());
  EXPECT_EQ(notifier.FailAll("x"), 1u);
  EXPECT_EQ(reentrant.calls, 2);
  EXPECT_EQ(plain.calls(101), 1);
  EXPECT_EQ(plain.calls(102), 1);
  EXPECT_EQ(notifier.in_flight(), 0u);
}

// Registering and triggering from several threads at once: every request is
// completed exactly once, triggers from two threads for one id complete it
// once, and duplicate registrations are refused.
TEST(NotifierTest, ThreadSafeRegisterAndTrigger) {
  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 20000;
  Notifier notifier;
  CountingCompletion completion;
  std::atomic<uint64_t> triggered_ok{0}, not_found{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kPerThread; ++i) {
        // Pairs of threads share ids: both try to register, both try to trigger.
        const uint64_t id = (uint64_t(t / 2) << 48) | i;
        absl::Status reg = notifier.Register(id, &completion);
        if (absl::IsAlreadyExists(reg)) duplicates.fetch_add(1);
        absl::Status trig = notifier.Trigger(id, Outcome::Done());
        if (trig.ok()) {
          triggered_ok.fetch_add(1);
        } else if (absl::IsNotFound(trig)) {
          not_found.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_EQ(triggered_ok + not_found, kThreads * kPerThread);
  // Every successful register was completed by exactly one successful trigger.
  EXPECT_EQ(completion.total(), triggered_ok.load());
  EXPECT_EQ(kThreads * kPerThread - duplicates.load(), triggered_ok.load());
  for (uint64_t i = 0; i < kPerThread; i += 997) {
    EXPECT_GE(completion.calls(i), 1);
    EXPECT_LE(completion.calls(i), 2);  // registered at most twice (after the first finished)
  }
}

TEST(NotifierTest, ForgetAndFailAllRaceWithTriggers) {
  Notifier notifier;
  CountingCompletion a, b;
  constexpr uint64_t kIds = 20000;
  for (uint64_t id = 0; id < kIds; ++id) ASSERT_TRUE(notifier.Register(id, id % 2 ? &a : &b).ok());
  std::atomic<uint64_t> triggered{0};
  std::thread trigger([&] {
    for (uint64_t id = 0; id < kIds; ++id) {
      if (notifier.Trigger(id, Outcome::Done()).ok()) triggered.fetch_add(1);
    }
  });
  std::thread forget([&] { (void)notifier.Forget(&a); });
  trigger.join();
  forget.join();
  const size_t failed = notifier.FailAll("-SHUTDOWN");
  EXPECT_EQ(notifier.in_flight(), 0u);
  // b's requests all ended exactly once (triggered or failed); a's at most once.
  for (uint64_t id = 0; id < kIds; id += 2) ASSERT_EQ(b.calls(id), 1) << id;
  for (uint64_t id = 1; id < kIds; id += 2) ASSERT_LE(a.calls(id), 1) << id;
  EXPECT_EQ(a.total() + b.total(), triggered.load() + failed);
}

}  // namespace
}  // namespace valkdb
