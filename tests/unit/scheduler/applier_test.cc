#include "server/scheduler/applier.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace valkdb {
namespace {

using ::testing::_;
using ::testing::StrictMock;

class MockCompletion : public Completion {
 public:
  MOCK_METHOD(void, Complete, (uint64_t id, const Outcome& outcome), (override));
};

constexpr int64_t kNow = 1'700'000'000'000;

// Records how each request ended, and the order of applies and completions.
class Recorder : public Completion {
 public:
  void Complete(uint64_t id, const Outcome& outcome) override {
    ++completions[id];
    outcomes[id] = outcome;
    events.push_back("done " + std::to_string(id) + (outcome.ok ? "" : " " + outcome.error));
  }

  absl::flat_hash_map<uint64_t, int> completions;
  absl::flat_hash_map<uint64_t, Outcome> outcomes;
  std::vector<std::string> events;
};

class ApplierTest : public ::testing::Test {
 protected:
  Applier::ApplyFn RecordingApply() {
    return [this](Task& task, int64_t now_ms) {
      applied.push_back(task.id);
      apply_now.push_back(now_ms);
      std::string words;
      for (size_t i = 0; i < task.args.size(); ++i) words += std::string(task.args[i]) + " ";
      applied_args.push_back(words);
      recorder.events.push_back("apply " + std::to_string(task.id));
    };
  }

  // Enqueues `id` with args {"cmd", id}; fails the test on a null slot.
  void EnqueueOk(Applier& applier, uint64_t id, int64_t now_ms) {
    Task* task = applier.Enqueue(id, &recorder, now_ms);
    ASSERT_NE(task, nullptr) << id;
    EXPECT_EQ(task->id, id);
    EXPECT_EQ(task->owner, &recorder);
    EXPECT_TRUE(task->args.empty()) << "a queue slot starts with no args";
    const std::string id_text = std::to_string(id);
    task->args.Assign({std::string_view("cmd"), std::string_view(id_text)});
  }

  Notifier notifier;
  Recorder recorder;
  std::vector<uint64_t> applied;
  std::vector<int64_t> apply_now;
  std::vector<std::string> applied_args;
};

TEST_F(ApplierTest, EnqueueBeforeStartIsRefused) {
  Applier applier(&notifier, RecordingApply());
  EXPECT_FALSE(applier.running());
  EXPECT_EQ(applier.Enqueue(1, &recorder, kNow), nullptr);
  EXPECT_EQ(notifier.in_flight(), 0u) << "a refused request must not stay registered";
  EXPECT_EQ(applier.queued(), 0u);
  applier.Drain(kNow);
  EXPECT_TRUE(applied.empty());
  EXPECT_TRUE(recorder.completions.empty());
}

TEST_F(ApplierTest, AppliesInFifoOrderAndCompletesEachOnce) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  EXPECT_TRUE(applier.running());
  for (uint64_t id = 0; id < 100; ++id) EnqueueOk(applier, id, kNow);
  EXPECT_EQ(applier.queued(), 100u);
  EXPECT_EQ(notifier.in_flight(), 0u) << "queued tasks are registered when Drain reaches them";
  applier.Drain(kNow + 5);
  EXPECT_EQ(applier.queued(), 0u);
  EXPECT_EQ(notifier.in_flight(), 0u);
  ASSERT_EQ(applied.size(), 100u);
  for (uint64_t id = 0; id < 100; ++id) {
    EXPECT_EQ(applied[id], id);
    EXPECT_EQ(applied_args[id], "cmd " + std::to_string(id) + " ");
    EXPECT_EQ(apply_now[id], kNow + 5) << "apply runs at the batch's clock";
    EXPECT_EQ(recorder.completions[id], 1);
    EXPECT_TRUE(recorder.outcomes[id].ok);
  }
}

TEST_F(ApplierTest, EachRequestIsAppliedBeforeItCompletes) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  EnqueueOk(applier, 1, kNow);
  EnqueueOk(applier, 2, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(recorder.events, (std::vector<std::string>{"apply 1", "done 1", "apply 2", "done 2"}));
}

TEST_F(ApplierTest, BatchesReuseSlotsAndKeepOrder) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  uint64_t next = 0;
  for (int batch = 0; batch < 20; ++batch) {
    const int size = 1 + (batch * 7) % 13;
    for (int i = 0; i < size; ++i) EnqueueOk(applier, next++, kNow + batch);
    applier.Drain(kNow + batch);
    EXPECT_EQ(applier.queued(), 0u);
  }
  ASSERT_EQ(applied.size(), next);
  for (uint64_t id = 0; id < next; ++id) {
    ASSERT_EQ(applied[id], id);
    ASSERT_EQ(applied_args[id], "cmd " + std::to_string(id) + " ") << "stale args in a reused slot";
    ASSERT_EQ(recorder.completions[id], 1);
  }
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, DrainWithNothingQueuedDoesNothing) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  applier.Drain(kNow);
  applier.Drain(kNow);
  EXPECT_TRUE(applied.empty());
  EXPECT_TRUE(recorder.events.empty());
}

TEST_F(ApplierTest, ExpiredTaskFailsWithTimeoutInsteadOfRunning) {
  Applier applier(&notifier, RecordingApply(), absl::Milliseconds(100));
  applier.Start();
  EnqueueOk(applier, 1, kNow);  // deadline kNow + 100
  applier.Drain(kNow + 101);
  EXPECT_TRUE(applied.empty()) << "a task past its deadline must not run";
  EXPECT_EQ(recorder.completions[1], 1);
  EXPECT_FALSE(recorder.outcomes[1].ok);
  EXPECT_EQ(recorder.outcomes[1].error, Applier::kTimeoutError);
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, TaskAtItsDeadlineStillRuns) {
  Applier applier(&notifier, RecordingApply(), absl::Milliseconds(100));
  applier.Start();
  EnqueueOk(applier, 1, kNow);
  applier.Drain(kNow + 100);
  EXPECT_EQ(applied, (std::vector<uint64_t>{1}));
  EXPECT_TRUE(recorder.outcomes[1].ok);
}

TEST_F(ApplierTest, DeadlinesAreCheckedPerTask) {
  Applier applier(&notifier, RecordingApply(), absl::Milliseconds(100));
  applier.Start();
  EnqueueOk(applier, 1, kNow);        // deadline kNow + 100
  EnqueueOk(applier, 2, kNow + 50);   // deadline kNow + 150
  EnqueueOk(applier, 3, kNow - 500);  // long gone
  EnqueueOk(applier, 4, kNow + 100);  // deadline kNow + 200
  applier.Drain(kNow + 120);
  EXPECT_EQ(applied, (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(recorder.outcomes[1].error, Applier::kTimeoutError);
  EXPECT_EQ(recorder.outcomes[3].error, Applier::kTimeoutError);
  EXPECT_TRUE(recorder.outcomes[2].ok);
  EXPECT_TRUE(recorder.outcomes[4].ok);
  for (uint64_t id = 1; id <= 4; ++id) EXPECT_EQ(recorder.completions[id], 1) << id;
  // Order of endings is request order, failures included.
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"done 1 " + std::string(Applier::kTimeoutError), "apply 2",
                                      "done 2", "done 3 " + std::string(Applier::kTimeoutError),
                                      "apply 4", "done 4"}));
}

TEST_F(ApplierTest, TimeoutErrorTextsCarryTheirOwnCode) {
  // The reply layer writes texts starting with '-' verbatim: both must.
  EXPECT_EQ(Applier::kTimeoutError.substr(0, 1), "-");
  EXPECT_EQ(Applier::kStoppedError.substr(0, 1), "-");
  EXPECT_EQ(Applier::kTimeoutError.find_first_of("\r\n"), std::string_view::npos);
  EXPECT_EQ(Applier::kStoppedError.find_first_of("\r\n"), std::string_view::npos);
}

// Duplicates are found when Drain registers a run: the holder of the id is
// untouched, the duplicate ends with an error in its turn and does not run.
TEST_F(ApplierTest, DuplicateIdFailsAndTheFirstStillEndsOnce) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  EnqueueOk(applier, 7, kNow);
  Recorder other;
  Task* duplicate = applier.Enqueue(7, &other, kNow);
  ASSERT_NE(duplicate, nullptr) << "Enqueue only refuses when stopped";
  EnqueueOk(applier, 8, kNow);
  EXPECT_EQ(applier.queued(), 3u);
  applier.Drain(kNow);
  EXPECT_EQ(applied, (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(recorder.completions[7], 1);
  EXPECT_TRUE(recorder.outcomes[7].ok);
  EXPECT_EQ(recorder.completions[8], 1);
  EXPECT_EQ(other.completions[7], 1);
  EXPECT_EQ(other.outcomes[7].error, Applier::kDuplicateError);
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, IdRegisteredElsewhereFailsTheWholeRun) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  StrictMock<MockCompletion> elsewhere;
  ASSERT_TRUE(notifier.Register(5, &elsewhere).ok());
  // One run 3..6 (same owner, contiguous ids) that overlaps 5, then a run
  // of another owner that does not.
  for (uint64_t id = 3; id <= 6; ++id) EnqueueOk(applier, id, kNow);
  Recorder next;
  ASSERT_NE(applier.Enqueue(7, &next, kNow), nullptr);
  applier.Drain(kNow);
  EXPECT_EQ(applied, (std::vector<uint64_t>{7}));
  for (uint64_t id = 3; id <= 6; ++id) {
    EXPECT_EQ(recorder.completions[id], 1) << id;
    EXPECT_EQ(recorder.outcomes[id].error, Applier::kDuplicateError) << id;
  }
  EXPECT_EQ(next.completions[7], 1);
  EXPECT_TRUE(next.outcomes[7].ok);
  // The registration elsewhere is untouched.
  EXPECT_EQ(notifier.in_flight(), 1u);
  EXPECT_CALL(elsewhere, Complete(5, _)).Times(1);
  EXPECT_TRUE(notifier.Trigger(5, Outcome::Done()).ok());
}

// A connection that closes forgets its requests, possibly while a command
// of the same drain runs: its requests not yet answered neither run nor are
// answered, and the others are unaffected.
TEST_F(ApplierTest, ForgottenOwnerIsNotRunNorCalledBack) {
  Recorder gone;
  int forgotten = -1;
  Applier applier(&notifier, [&](Task& task, int64_t) {
    applied.push_back(task.id);
    if (task.id == 0) forgotten = static_cast<int>(notifier.Forget(&gone));
  });
  applier.Start();
  // Owners alternate, so every task is a run (a batch) of its own.
  for (uint64_t id = 0; id < 6; ++id) {
    ASSERT_NE(applier.Enqueue(id, id % 2 ? &gone : &recorder, kNow), nullptr);
  }
  applier.Drain(kNow);
  EXPECT_EQ(forgotten, 3);
  EXPECT_EQ(applied, (std::vector<uint64_t>{0, 2, 4}));
  EXPECT_TRUE(gone.completions.empty());
  for (uint64_t id : {0, 2, 4}) EXPECT_EQ(recorder.completions[id], 1) << id;
  EXPECT_EQ(notifier.in_flight(), 0u);
}

// The usual case: the connection's own command closes it halfway through
// its pipeline. The command that closed it still ran; nothing after it runs
// and nothing is answered.
TEST_F(ApplierTest, OwnerForgottenHalfwayThroughItsRun) {
  size_t forgotten = 0;
  std::vector<size_t> in_flight_seen;
  Applier applier(&notifier, [&](Task& task, int64_t) {
    applied.push_back(task.id);
    in_flight_seen.push_back(notifier.in_flight());
    if (task.id == 12) forgotten = notifier.Forget(&recorder);
  });
  applier.Start();
  for (uint64_t id = 10; id < 16; ++id) EnqueueOk(applier, id, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(applied, (std::vector<uint64_t>{10, 11, 12}));
  EXPECT_EQ(forgotten, 4u) << "12 (running, not yet answered) and 13..15";
  EXPECT_EQ(in_flight_seen, (std::vector<size_t>{6, 5, 4})) << "one run of 6, ending in turn";
  EXPECT_EQ(recorder.completions[10], 1);
  EXPECT_EQ(recorder.completions[11], 1);
  for (uint64_t id = 12; id < 16; ++id) EXPECT_EQ(recorder.completions.count(id), 0u) << id;
  EXPECT_EQ(notifier.in_flight(), 0u);
  // The next read of another connection reuses the batch.
  Recorder next;
  ASSERT_NE(applier.Enqueue(16, &next, kNow), nullptr);
  applier.Drain(kNow);
  EXPECT_EQ(next.completions[16], 1);
}

// FailAll (shutdown) while a drain runs: the ids not yet answered fail once
// and do not run; later runs still run.
TEST_F(ApplierTest, FailAllDuringDrainFailsTheRestOnce) {
  size_t failed = 0;
  Applier applier(&notifier, [&](Task& task, int64_t) {
    applied.push_back(task.id);
    if (task.id == 1) failed = notifier.FailAll(Applier::kStoppedError);
  });
  applier.Start();
  for (uint64_t id = 0; id < 4; ++id) EnqueueOk(applier, id, kNow);
  Recorder later;
  ASSERT_NE(applier.Enqueue(100, &later, kNow), nullptr);  // a run of its own
  applier.Drain(kNow);
  EXPECT_EQ(failed, 3u + 1u) << "1 (running), 2, 3 and the other run's 100";
  EXPECT_EQ(applied, (std::vector<uint64_t>{0, 1}));
  EXPECT_TRUE(recorder.outcomes[0].ok);
  for (uint64_t id = 1; id < 4; ++id) {
    EXPECT_EQ(recorder.completions[id], 1) << id;
    EXPECT_EQ(recorder.outcomes[id].error, Applier::kStoppedError) << id;
  }
  EXPECT_EQ(later.completions[100], 1);
  EXPECT_EQ(later.outcomes[100].error, Applier::kStoppedError);
  EXPECT_EQ(notifier.in_flight(), 0u);
}

// Runs are cut where the owner changes or the ids stop counting up by one;
// they are all registered when the drain starts and end in turn.
TEST_F(ApplierTest, RunsAreCutByOwnerAndIdGaps) {
  Recorder b;
  std::vector<size_t> in_flight_seen;
  Applier applier(&notifier, [&](Task& task, int64_t) {
    applied.push_back(task.id);
    in_flight_seen.push_back(notifier.in_flight());
  });
  applier.Start();
  for (uint64_t id : {0, 1, 2}) EnqueueOk(applier, id, kNow);                    // run 1
  for (uint64_t id : {3, 4}) ASSERT_NE(applier.Enqueue(id, &b, kNow), nullptr);  // run 2
  for (uint64_t id : {10, 11}) EnqueueOk(applier, id, kNow);                     // run 3 (gap)
  EnqueueOk(applier, 9, kNow);  // run 4 (counts down)
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EnqueueOk(applier, max, kNow);  // run 5
  EnqueueOk(applier, 0, kNow);    // run 6: the ids do not wrap into run 5
  applier.Drain(kNow);
  // Run 6 reuses id 0 while run 1 holds it: refused as a duplicate.
  EXPECT_EQ(applied, (std::vector<uint64_t>{0, 1, 2, 3, 4, 10, 11, 9, max}));
  EXPECT_EQ(in_flight_seen, (std::vector<size_t>{9, 8, 7, 6, 5, 4, 3, 2, 1}))
      << "every run registered when the drain started, ending in turn";
  EXPECT_EQ(recorder.completions[0], 2);
  EXPECT_EQ(recorder.outcomes[0].error, Applier::kDuplicateError);
  EXPECT_EQ(b.completions[3], 1);
  EXPECT_EQ(b.completions[4], 1);
  EXPECT_EQ(recorder.completions[max], 1);
  EXPECT_EQ(notifier.in_flight(), 0u);
  // Once a drain is over its ids are free again.
  EnqueueOk(applier, 0, kNow);
  EnqueueOk(applier, 1, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(recorder.completions[0], 3);
  EXPECT_TRUE(recorder.outcomes[0].ok);
  EXPECT_EQ(recorder.completions[1], 2);
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, StopAppliesQueuedWorkWithinTheWait) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  for (uint64_t id = 0; id < 10; ++id) EnqueueOk(applier, id, kNow);
  const int64_t before = absl::ToUnixMillis(absl::Now());
  absl::Status status = applier.Stop(absl::Seconds(30));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_FALSE(applier.running());
  ASSERT_EQ(applied.size(), 10u);
  for (uint64_t id = 0; id < 10; ++id) {
    EXPECT_EQ(applied[id], id);
    EXPECT_EQ(recorder.completions[id], 1);
    EXPECT_TRUE(recorder.outcomes[id].ok);
    EXPECT_GE(apply_now[id], before) << "Stop applies at the current time";
  }
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_EQ(applier.queued(), 0u);
  EXPECT_EQ(applier.Enqueue(100, &recorder, kNow), nullptr) << "no new work after Stop";
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, StopWithNothingQueuedIsOk) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  EXPECT_TRUE(applier.Stop(absl::ZeroDuration()).ok());
  EXPECT_TRUE(applier.Stop(absl::ZeroDuration()).ok()) << "stopping twice is harmless";
  EXPECT_FALSE(applier.running());
}

TEST_F(ApplierTest, StopPastItsWaitFailsTheRestExactlyOnce) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  for (uint64_t id = 0; id < 5; ++id) EnqueueOk(applier, id, kNow);
  absl::Status status = applier.Stop(-absl::Seconds(1));  // the wait is already over
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_TRUE(applied.empty());
  for (uint64_t id = 0; id < 5; ++id) {
    EXPECT_EQ(recorder.completions[id], 1) << id;
    EXPECT_EQ(recorder.outcomes[id].error, Applier::kStoppedError);
  }
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_EQ(applier.queued(), 0u);
}

// Work that outlasts the wait: what started is finished, the rest fails, and
// every request still ends exactly once.
TEST_F(ApplierTest, StopWhileSlowWorkRunsOut) {
  Applier applier(&notifier, [this](Task& task, int64_t) {
    applied.push_back(task.id);
    // Longer than the whole wait: however slow the machine, the first task
    // starts within it (a second) and outlasts it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  });
  applier.Start();
  for (uint64_t id = 0; id < 6; ++id) EnqueueOk(applier, id, kNow);
  absl::Status status = applier.Stop(absl::Seconds(1));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  ASSERT_GE(applied.size(), 1u);
  ASSERT_LT(applied.size(), 6u);
  for (uint64_t id = 0; id < 6; ++id) {
    EXPECT_EQ(recorder.completions[id], 1) << id;
    const bool was_applied = id < applied.size();
    EXPECT_EQ(recorder.outcomes[id].ok, was_applied) << id;
    if (!was_applied) {
      EXPECT_EQ(recorder.outcomes[id].error, Applier::kStoppedError);
    }
  }
  EXPECT_EQ(notifier.in_flight(), 0u);
}

TEST_F(ApplierTest, RestartAfterStop) {
  Applier applier(&notifier, RecordingApply());
  applier.Start();
  ASSERT_TRUE(applier.Stop(absl::Seconds(1)).ok());
  applier.Start();
  EnqueueOk(applier, 1, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(applied, (std::vector<uint64_t>{1}));
}

// Many batches with a mix of in-time and late requests, then Stop with work
// queued: across all of it, each request ends exactly once.
TEST_F(ApplierTest, EveryRequestEndsExactlyOnce) {
  Applier applier(&notifier, RecordingApply(), absl::Milliseconds(50));
  applier.Start();
  uint64_t next = 0;
  int64_t now = kNow;
  for (int batch = 0; batch < 50; ++batch) {
    for (int i = 0; i < 1 + batch % 9; ++i) EnqueueOk(applier, next++, now - (i % 3) * 40);
    now += 30;
    applier.Drain(now);
  }
  for (int i = 0; i < 17; ++i) EnqueueOk(applier, next++, now);
  ASSERT_TRUE(applier.Stop(absl::Seconds(30)).ok());
  EXPECT_EQ(notifier.in_flight(), 0u);
  size_t failed = 0;
  for (uint64_t id = 0; id < next; ++id) {
    ASSERT_EQ(recorder.completions[id], 1) << id;
    if (!recorder.outcomes[id].ok) ++failed;
  }
  EXPECT_EQ(applied.size() + failed, next);
  EXPECT_GT(failed, 0u);
  EXPECT_GT(applied.size(), 0u);
}

// applier.h: "apply_ may enqueue more work (it must not, but be safe)". A
// task enqueued from inside apply_ can grow the task vector while Drain still
// holds a reference into it; the request being applied must still end exactly
// once, and the new one must run too. Returns the exit code for the test.
int RunEnqueueFromApply() {
  Notifier notifier;
  Recorder recorder;
  std::vector<uint64_t> order;
  // Blocks of the sizes the task vector has had, filled with garbage: a
  // freed task vector gets reused by one of them, so a dangling reference
  // reads garbage deterministically (ASan reports it directly).
  std::vector<std::vector<unsigned char>> reuse;
  Applier* self = nullptr;
  Applier applier(&notifier, [&](Task& task, int64_t now_ms) {
    order.push_back(task.id);
    if (task.id < 1000) {
      // Each request spawns a follow-up, forcing the queue to grow.
      Task* more = self->Enqueue(task.id + 1000, &recorder, now_ms);
      if (more != nullptr) more->args.Assign({std::string_view("follow-up")});
      for (size_t n = 1; n <= 64; n *= 2) reuse.emplace_back(sizeof(Task) * n, 0xa5);
    }
  });
  self = &applier;
  applier.Start();
  for (uint64_t id = 0; id < 3; ++id) {
    if (applier.Enqueue(id, &recorder, kNow) == nullptr) return 2;
  }
  applier.Drain(kNow);
  bool ok = notifier.in_flight() == 0 && order == std::vector<uint64_t>{0, 1, 2, 1000, 1001, 1002};
  for (uint64_t id : {0, 1, 2, 1000, 1001, 1002}) {
    ok = ok && recorder.completions[id] == 1 && recorder.outcomes[id].ok;
  }
  return ok ? 0 : 1;
}

// Run in a child process: if the reference dangles, the damage (or ASan's
// report) stays there and the exit code tells.
TEST(ApplierReentryTest, ApplyMayEnqueueMoreWork) {
  EXPECT_EXIT(std::exit(RunEnqueueFromApply()), ::testing::ExitedWithCode(0), "");
}

// apply_ may call Drain (or Stop) again; that returns at once and the
// running drain gets to the new work in order, so ids still end in order
// and exactly once.
TEST_F(ApplierTest, DrainFromApplyLeavesTheWorkToTheRunningDrain) {
  Applier* self = nullptr;
  Applier applier(&notifier, [&](Task& task, int64_t now_ms) {
    const uint64_t id = task.id;
    applied.push_back(id);
    recorder.events.push_back("apply " + std::to_string(id));
    if (id == 0) {
      ASSERT_NE(self->Enqueue(100, &recorder, now_ms), nullptr);
      self->Drain(now_ms);
      EXPECT_EQ(applied.size(), 1u) << "the inner drain ran nothing";
    }
    if (id == 2) {
      EXPECT_TRUE(self->Stop(absl::ZeroDuration()).ok());
      EXPECT_FALSE(self->running());
      EXPECT_EQ(self->Enqueue(200, &recorder, now_ms), nullptr) << "stopped";
    }
  });
  self = &applier;
  applier.Start();
  for (uint64_t id = 0; id < 3; ++id) EnqueueOk(applier, id, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(applied, (std::vector<uint64_t>{0, 1, 2, 100}));
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"apply 0", "done 0", "apply 1", "done 1", "apply 2", "done 2",
                                      "apply 100", "done 100"}));
  EXPECT_EQ(applier.queued(), 0u);
  EXPECT_EQ(notifier.in_flight(), 0u);
  // And the applier is in a clean state afterwards.
  applier.Start();
  EnqueueOk(applier, 3, kNow);
  applier.Drain(kNow);
  EXPECT_EQ(recorder.completions[3], 1);
}

// An applier leaves its batches registered between drains; destroying it
// unregisters them, so the notifier holds nothing of it afterwards.
TEST_F(ApplierTest, DestroyedApplierLeavesNothingInTheNotifier) {
  Recorder other;
  {
    Applier applier(&notifier, RecordingApply());
    applier.Start();
    EnqueueOk(applier, 0, kNow);
    EnqueueOk(applier, 1, kNow);
    ASSERT_NE(applier.Enqueue(2, &other, kNow), nullptr);
    applier.Drain(kNow);  // two runs: two batches, left registered, spent
  }
  EXPECT_EQ(notifier.in_flight(), 0u);
  EXPECT_EQ(notifier.Forget(&recorder), 0u);
  EXPECT_EQ(notifier.FailAll("x"), 0u);
  Batch batch;
  EXPECT_TRUE(notifier.RegisterBatch(&batch, 0, 3, &other).ok());
  EXPECT_EQ(notifier.in_flight(), 3u);
  notifier.UnregisterBatch(&batch);
  EXPECT_EQ(recorder.completions[0], 1);
  EXPECT_EQ(other.completions[2], 1);
}

// Thread-safe: counts completions per id.
class SharedRecorder : public Completion {
 public:
  void Complete(uint64_t id, const Outcome& outcome) override {
    absl::MutexLock lock(&mu_);
    ++calls_[id];
    if (!outcome.ok) ++failed_;
  }
  int calls(uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(id);
    return it == calls_.end() ? 0 : it->second;
  }
  size_t failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, int> calls_;
  size_t failed_ = 0;
};

// The notifier's other users may run on other threads while a loop drains:
// FailAll and Forget race with the batches' endings, and still every request
// of a kept owner ends exactly once, a forgotten owner's at most once.
TEST(ApplierThreadTest, FailAllAndForgetRaceWithDrains) {
  constexpr uint64_t kDrains = 2000;
  constexpr uint64_t kRun = 16;
  Notifier notifier;
  SharedRecorder kept, forgotten;
  std::atomic<uint64_t> applied{0};
  Applier applier(&notifier, [&](Task&, int64_t) { applied.fetch_add(1); });
  applier.Start();
  std::atomic<bool> done{false};
  std::atomic<size_t> failed_by_fail_all{0};
  std::thread other([&] {
    for (int i = 0; !done.load(); ++i) {
      if (i % 2 == 0) {
        failed_by_fail_all.fetch_add(notifier.FailAll("-SHUTDOWN"));
      } else {
        (void)notifier.Forget(&forgotten);
      }
      (void)notifier.in_flight();
    }
  });
  uint64_t id = 0;
  for (uint64_t drain = 0; drain < kDrains; ++drain) {
    Completion* owner = drain % 2 == 0 ? static_cast<Completion*>(&kept) : &forgotten;
    for (uint64_t i = 0; i < kRun; ++i) ASSERT_NE(applier.Enqueue(id++, owner, kNow), nullptr);
    applier.Drain(kNow);
  }
  done.store(true);
  other.join();
  EXPECT_EQ(notifier.in_flight(), 0u);
  for (uint64_t i = 0; i < id; ++i) {
    const bool is_kept = (i / kRun) % 2 == 0;
    if (is_kept) {
      ASSERT_EQ(kept.calls(i), 1) << i;
    } else {
      ASSERT_LE(forgotten.calls(i), 1) << i;
    }
  }
  EXPECT_EQ(kept.failed() + forgotten.failed(), failed_by_fail_all.load())
      << "FailAll calls every id it takes";
  EXPECT_LE(applied.load(), id);
}

}  // namespace
}  // namespace valkdb
