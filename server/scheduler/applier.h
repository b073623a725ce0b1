#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "protocol/request_parser.h"
#include "server/scheduler/notifier.h"

namespace valkdb {

struct CommandSpec;

// One request on its way through the scheduler.
struct Task {
  uint64_t id = 0;
  int64_t deadline_ms = 0;  // unix ms; a task still queued past it fails instead of running
  Completion* owner = nullptr;
  CommandArgs args;
  // The command table's entry for args, looked up once by the connection
  // (nullptr: an unknown command). Opaque to the scheduler.
  const CommandSpec* spec = nullptr;
  Batch* batch = nullptr;  // the applier's: its run, or nullptr if the run was refused
};

// Takes (id, request) pairs off its queue in order, applies each to the store
// through `apply` (which writes the reply) and ends it through the notifier,
// so every request ends exactly once: with its reply, or with an error when
// its deadline passed, its id was already in flight, or the applier stopped.
//
// An Applier belongs to one event loop and runs on that loop's thread: the
// loop queues every request it parsed in one read and then drains the queue,
// so many requests share one hand-off and no thread wake-up is needed. The
// sharded store is what lets several loops' appliers run side by side.
//
// The hand-off with the notifier costs per batch, not per request. Enqueue
// only fills a queue slot. When Drain reaches tasks not yet registered, it
// cuts them into runs (consecutive tasks of one owner with contiguous ids:
// one read of one connection is one run, its ids from the loop's generator)
// and registers each run as one notifier Batch, under one lock. Each task
// then ends through its Batch's atomic counter (Batch::End) and its owner is
// called directly: no lock and no hash lookup per request. A drained batch,
// its ids all ended, stays registered and holds nothing until the next drain
// points it at its next run: one lock round trip per read in all, and no
// allocation once the applier has as many batches as a drain has runs.
//
// Consequences, all on the loop thread:
// - a queued task is in flight for the notifier (Forget, FailAll,
//   duplicates) from the moment Drain registers it; Connection::Process
//   enqueues and drains in one go, so nothing can close its connection in
//   between;
// - a task whose owner was forgotten (its connection closed, maybe by an
//   earlier command of the same drain) is neither run nor answered;
// - a run that overlaps ids already in flight is refused whole: its tasks
//   end, in their turn, with kDuplicateError and do not run. They were
//   never in flight, so Forget does not reach them; duplicates only come
//   from misused ids (each loop's generator has its own prefix).
class Applier {
 public:
  // Runs a task's command at now_ms (the batch's clock reading).
  using ApplyFn = std::function<void(Task&, int64_t now_ms)>;

  Applier(Notifier* notifier, ApplyFn apply, absl::Duration request_timeout = absl::Seconds(10));
  // Unregisters the batches it left registered; the notifier must outlive it.
  ~Applier();
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  void Start() { running_ = true; }
  bool running() const { return running_; }
  // Stops taking work, applies what is queued until `timeout` has passed and
  // fails the rest. DeadlineExceeded if some work had to be failed. Called
  // from inside `apply`, it only stops taking work: the running drain
  // finishes the queue.
  absl::Status Stop(absl::Duration timeout);

  // A queue slot, its args empty, for a new request with `id` for `owner`;
  // nullptr when stopped (the caller's connection is about to close). Fill
  // in args before the next Drain. The id is checked against the ids in flight when Drain
  // registers it.
  Task* Enqueue(uint64_t id, Completion* owner, int64_t now_ms) {
    // Here, so that the loop that parses a read inlines it.
    if (!running_) return nullptr;
    if (count_ == tasks_.size()) [[unlikely]]
      Grow();
    Task& task = tasks_[count_++];
    task.id = id;
    task.owner = owner;
    task.deadline_ms = now_ms + timeout_ms_;
    // task.args is empty: every slot is released once it has run.
    return &task;
  }
  // Applies every queued task in order, including tasks that `apply`
  // enqueues meanwhile. Called from inside `apply`, it returns at once: the
  // running drain gets to the new work after the current task, in order.
  void Drain(int64_t now_ms);
  size_t queued() const { return count_ - head_; }

  static constexpr std::string_view kTimeoutError =
      "-TIMEOUT request deadline passed before it ran";
  static constexpr std::string_view kStoppedError = "-SHUTDOWN server is stopping";
  static constexpr std::string_view kDuplicateError = "-DUPLICATE request id already in flight";

 private:
  // One more queue slot (out of line: the queue grows only while warming up).
  void Grow();
  // Cuts the tasks not yet registered into runs and registers them.
  void RegisterQueued();
  // Runs task i (unless `failure` is set) and ends it.
  void RunOne(size_t i, int64_t now_ms, std::string_view failure);
  // Empties the queue once the outermost drain is done.
  void Retire();

  Notifier* notifier_;
  ApplyFn apply_;
  int64_t timeout_ms_;
  bool running_ = false;
  bool draining_ = false;    // inside Drain or Stop
  std::vector<Task> tasks_;  // reused across batches so steady state allocates nothing
  size_t head_ = 0;          // next task to run
  size_t count_ = 0;         // tasks queued
  size_t registered_ = 0;    // tasks [0, registered_) have their run registered
  // One per run of the current drain, in queue order, reused by the next
  // drain; registered with the notifier once used.
  std::vector<std::unique_ptr<Batch>> batches_;
  size_t batches_used_ = 0;
};

}  // namespace valkdb
