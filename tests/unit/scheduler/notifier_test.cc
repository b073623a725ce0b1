#include "server/scheduler/notifier.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
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

// --- Batches: a run of contiguous ids with one owner, one registration. ---

// Ends every id of `batch` in order the way the Applier does, calling its owner
// for the ids this thread won; returns how many it won.
uint64_t EndAll(Batch& batch, const Outcome& outcome = Outcome::Done()) {
  uint64_t won = 0;
  for (uint64_t i = 0; i < batch.count(); ++i) {
    const uint64_t id = batch.first() + i;
    if (batch.End(id)) {
      batch.owner()->Complete(id, outcome);
      ++won;
    }
  }
  return won;
}

TEST(NotifierBatchTest, RegisterThenEndEachIdOnce) {
  Notifier notifier;
  CountingCompletion owner;
  Batch batch;
  EXPECT_FALSE(batch.registered());
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 100, 16, &owner).ok());
  EXPECT_TRUE(batch.registered());
  EXPECT_EQ(batch.first(), 100u);
  EXPECT_EQ(batch.last(), 115u);
  EXPECT_EQ(batch.owner(), &owner);
  EXPECT_EQ(notifier.in_flight(), 16u);
  for (uint64_t id = 100; id < 116; ++id) {
    EXPECT_TRUE(batch.Pending(id)) << id;
    EXPECT_FALSE(batch.Pending(id + 1)) << "ids end in order";
    EXPECT_FALSE(batch.End(id + 1)) << "only the next id can end";
    ASSERT_TRUE(batch.End(id));
    EXPECT_FALSE(batch.End(id)) << "an id ends once";
    EXPECT_EQ(notifier.in_flight(), 115 - id);
  }
  EXPECT_EQ(owner.total(), 0u) << "the notifier never calls a batch's owner on its own";
  // Single triggers do not reach batch ids.
  EXPECT_TRUE(absl::IsNotFound(notifier.Trigger(100, Outcome::Done())));
  notifier.UnregisterBatch(&batch);
  EXPECT_FALSE(batch.registered());
  EXPECT_EQ(notifier.in_flight(), 0u);
  notifier.UnregisterBatch(&batch);  // harmless twice
}

TEST(NotifierBatchTest, OverlapsWithIdsInFlightAreRefused) {
  Notifier notifier;
  CountingCompletion owner, other;
  Batch batch, clash;
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 10, 10, &owner).ok());  // 10 .. 19
  // Single ids inside the run, at both ends.
  for (uint64_t id : {10, 15, 19}) {
    EXPECT_TRUE(absl::IsAlreadyExists(notifier.Register(id, &other))) << id;
  }
  EXPECT_TRUE(notifier.Register(9, &other).ok());
  EXPECT_TRUE(notifier.Register(20, &other).ok());
  // Batches that overlap the run or a single id; the refused one is untouched.
  for (auto [first, count] : {std::pair<uint64_t, uint64_t>{5, 6}, {19, 1}, {12, 2}, {0, 100}}) {
    absl::Status status = notifier.RegisterBatch(&clash, first, count, &other);
    EXPECT_TRUE(absl::IsAlreadyExists(status)) << first << "+" << count << " " << status;
    EXPECT_FALSE(clash.registered());
  }
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.RegisterBatch(&clash, 20, 5, &other)));
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.RegisterBatch(&clash, 1, 9, &other)));
  EXPECT_TRUE(notifier.RegisterBatch(&clash, 21, 5, &other).ok());
  EXPECT_EQ(notifier.in_flight(), 10u + 2u + 5u);
  // The first registration is intact.
  EXPECT_EQ(EndAll(batch), 10u);
  EXPECT_EQ(owner.total(), 10u);
  EXPECT_EQ(other.total(), 0u);
  notifier.UnregisterBatch(&batch);
  notifier.UnregisterBatch(&clash);
}

TEST(NotifierBatchTest, ManySingleIdsAreCheckedAgainstARun) {
  // Both ways of checking singles: more singles than run ids, and fewer.
  Notifier notifier;
  CountingCompletion owner;
  for (uint64_t id = 1000; id < 1100; ++id) ASSERT_TRUE(notifier.Register(id, &owner).ok());
  Batch small, big;
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.RegisterBatch(&small, 1098, 4, &owner)));
  EXPECT_TRUE(notifier.RegisterBatch(&small, 1100, 4, &owner).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.RegisterBatch(&big, 0, 1001, &owner)));
  EXPECT_TRUE(notifier.RegisterBatch(&big, 0, 1000, &owner).ok());
  EXPECT_EQ(notifier.in_flight(), 100u + 4u + 1000u);
  notifier.UnregisterBatch(&small);
  notifier.UnregisterBatch(&big);
  EXPECT_EQ(notifier.in_flight(), 100u);
}

TEST(NotifierBatchTest, SpentBatchHoldsNoIdsAndIsPointedAtTheNextRun) {
  Notifier notifier;
  CountingCompletion owner, other;
  Batch batch;
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 1, 4, &owner).ok());
  absl::Status busy = notifier.RegisterBatch(&batch, 50, 1, &owner);
  EXPECT_TRUE(absl::IsFailedPrecondition(busy)) << "ids 1..4 have not ended: " << busy;
  EXPECT_EQ(batch.first(), 1u) << "a refused re-registration leaves the run as it was";
  ASSERT_EQ(EndAll(batch), 4u);
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_TRUE(batch.registered()) << "spent, but still registered until unregistered or reused";
  // The spent run's ids are free again, for single ids...
  ASSERT_TRUE(notifier.Register(2, &other).ok());
  ASSERT_TRUE(notifier.Trigger(2, Outcome::Done()).ok());
  // ... and for the same batch, overlapping its old run.
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 3, 3, &other).ok());
  EXPECT_EQ(batch.first(), 3u);
  EXPECT_EQ(batch.owner(), &other);
  EXPECT_EQ(notifier.in_flight(), 3u);
  EXPECT_TRUE(batch.Pending(3));
  // A refused new run leaves a spent batch registered and spent.
  ASSERT_EQ(EndAll(batch), 3u);
  ASSERT_TRUE(notifier.Register(40, &other).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.RegisterBatch(&batch, 39, 2, &owner)));
  EXPECT_TRUE(batch.registered());
  EXPECT_EQ(notifier.in_flight(), 1u);
  EXPECT_EQ(notifier.Forget(&other), 1u) << "only the single id 40";
  notifier.UnregisterBatch(&batch);
}

TEST(NotifierBatchTest, RunEndingAtTheLargestIdDoesNotWrap) {
  Notifier notifier;
  CountingCompletion owner;
  Batch batch, low;
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  ASSERT_TRUE(notifier.RegisterBatch(&batch, max - 3, 4, &owner).ok());
  EXPECT_EQ(batch.last(), max);
  EXPECT_TRUE(notifier.RegisterBatch(&low, 0, 3, &owner).ok()) << "ids 0.. are not in the run";
  EXPECT_TRUE(absl::IsAlreadyExists(notifier.Register(max, &owner)));
  EXPECT_TRUE(notifier.Register(max - 4, &owner).ok());
  EXPECT_EQ(notifier.in_flight(), 8u);
  EXPECT_EQ(EndAll(batch), 4u);
  EXPECT_FALSE(batch.End(max)) << "nothing past the last id";
  EXPECT_EQ(notifier.in_flight(), 4u);
  notifier.UnregisterBatch(&batch);
  notifier.UnregisterBatch(&low);
}

TEST(NotifierBatchTest, ForgetTakesTheIdsNotYetEnded) {
  Notifier notifier;
  StrictMock<MockCompletion> closing;  // any call would fail the test
  CountingCompletion staying;
  Batch a, b;
  ASSERT_TRUE(notifier.RegisterBatch(&a, 0, 10, &closing).ok());
  ASSERT_TRUE(notifier.RegisterBatch(&b, 10, 5, &staying).ok());
  ASSERT_TRUE(notifier.Register(20, &closing).ok());
  ASSERT_TRUE(a.End(0));
  ASSERT_TRUE(a.End(1));  // as if 0 and 1 were answered
  EXPECT_EQ(notifier.Forget(&closing), 8u + 1u);
  EXPECT_EQ(notifier.in_flight(), 5u);
  EXPECT_FALSE(a.Pending(2));
  EXPECT_EQ(EndAll(a), 0u) << "forgotten ids cannot end";
  EXPECT_EQ(notifier.Forget(&closing), 0u);
  EXPECT_EQ(EndAll(b), 5u);
  EXPECT_EQ(staying.total(), 5u);
  notifier.UnregisterBatch(&a);
  notifier.UnregisterBatch(&b);
}

TEST(NotifierBatchTest, FailAllFailsTheIdsNotYetEndedInOrder) {
  Notifier notifier;
  class Ordered : public Completion {
   public:
    void Complete(uint64_t id, const Outcome& outcome) override {
      ids.push_back(id);
      errors.push_back(outcome.error);
    }
    std::vector<uint64_t> ids;
    std::vector<std::string> errors;
  } owner;
  Batch batch;
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 50, 6, &owner).ok());
  ASSERT_TRUE(batch.End(50));
  owner.Complete(50, Outcome::Done());
  EXPECT_EQ(notifier.FailAll("-SHUTDOWN bye"), 5u);
  EXPECT_EQ(owner.ids, (std::vector<uint64_t>{50, 51, 52, 53, 54, 55}));
  EXPECT_EQ(owner.errors,
            (std::vector<std::string>{"", "-SHUTDOWN bye", "-SHUTDOWN bye", "-SHUTDOWN bye",
                                      "-SHUTDOWN bye", "-SHUTDOWN bye"}));
  EXPECT_FALSE(batch.End(51)) << "failed ids cannot end again";
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_EQ(notifier.FailAll("again"), 0u);
  EXPECT_TRUE(batch.registered()) << "the registrant unregisters its batch";
  notifier.UnregisterBatch(&batch);
}

TEST(NotifierBatchTest, UnregisterDropsTheRestWithoutCalling) {
  Notifier notifier;
  StrictMock<MockCompletion> owner;
  Batch batch;
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 7, 3, &owner).ok());
  notifier.UnregisterBatch(&batch);
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_FALSE(batch.End(7));
  EXPECT_EQ(notifier.FailAll("x"), 0u);
  EXPECT_TRUE(notifier.Register(8, &owner).ok()) << "its ids are free";
  EXPECT_EQ(notifier.Forget(&owner), 1u);
}

// FailAll's completions run after the lock is released: they may use the
// notifier, batch ids included.
TEST(NotifierBatchTest, FailAllCompletionMayReenter) {
  Notifier notifier;
  class Reentrant : public Completion {
   public:
    explicit Reentrant(Notifier* notifier) : notifier_(notifier) {}
    void Complete(uint64_t id, const Outcome& outcome) override {
      seen_in_flight.push_back(notifier_->in_flight());
      if (outcome.ok) return;
      EXPECT_TRUE(notifier_->Register(id, this).ok()) << "a failed id is free again";
      EXPECT_TRUE(notifier_->Trigger(id, Outcome::Done()).ok());
    }
    std::vector<size_t> seen_in_flight;

   private:
    Notifier* notifier_;
  } owner(&notifier);
  Batch batch;
  ASSERT_TRUE(notifier.RegisterBatch(&batch, 1, 3, &owner).ok());
  // Each Complete above re-registers and triggers its id, which calls it
  // again: 3 failures, each followed by one nested completion.
  EXPECT_EQ(notifier.FailAll("-SHUTDOWN"), 3u);
  EXPECT_EQ(owner.seen_in_flight.size(), 6u);
  for (size_t n : owner.seen_in_flight) EXPECT_EQ(n, 0u);
  notifier.UnregisterBatch(&batch);
}

// The applier's thread ends a batch's ids while another thread forgets the
// owner or fails everything: every id ends at most once, and with FailAll
// exactly once, whoever wins each id.
TEST(NotifierBatchTest, EndRacesWithForgetAndFailAll) {
  constexpr int kRounds = 300;
  constexpr uint64_t kRun = 64;
  Notifier notifier;
  CountingCompletion owner;
  Batch batch;
  uint64_t ended = 0, failed = 0, forgotten = 0;
  for (int round = 0; round < kRounds; ++round) {
    const uint64_t first = uint64_t(round) * kRun;
    ASSERT_TRUE(notifier.RegisterBatch(&batch, first, kRun, &owner).ok());
    const bool fail = round % 2 == 0;
    std::atomic<bool> go{false};
    size_t taken = 0;
    std::thread other([&] {
      while (!go.load()) {
      }
      taken = fail ? notifier.FailAll("-SHUTDOWN") : notifier.Forget(&owner);
    });
    go.store(true);
    ended += EndAll(batch);
    other.join();
    (fail ? failed : forgotten) += taken;
    EXPECT_EQ(notifier.in_flight(), 0u);
  }
  notifier.UnregisterBatch(&batch);
  EXPECT_EQ(ended + failed + forgotten, kRounds * kRun) << "every id taken exactly once";
  EXPECT_EQ(owner.total(), ended + failed) << "forgotten ids are never completed";
  for (uint64_t id = 0; id < kRounds * kRun; id += 7) EXPECT_LE(owner.calls(id), 1) << id;
}

}  // namespace
}  // namespace valkdb
