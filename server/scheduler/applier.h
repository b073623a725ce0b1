#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "protocol/request_parser.h"
#include "server/scheduler/notifier.h"

namespace valkdb {

// One request on its way through the scheduler.
struct Task {
  uint64_t id = 0;
  int64_t deadline_ms = 0;  // unix ms; a task still queued past it fails instead of running
  Completion* owner = nullptr;
  CommandArgs args;
};

// Takes (id, request) pairs off its queue in order, applies each to the store
// through `apply` (which writes the reply) and triggers the notifier, so
// every request ends exactly once: with its reply, or with an error when its
// deadline passed or the applier stopped.
//
// An Applier belongs to one event loop and runs on that loop's thread: the
// loop queues every request it parsed in one read and then drains the queue,
// so many requests share one hand-off and no thread wake-up is needed. The
// sharded store is what lets several loops' appliers run side by side.
class Applier {
 public:
  // Runs a task's command at now_ms (the batch's clock reading).
  using ApplyFn = std::function<void(Task&, int64_t now_ms)>;

  Applier(Notifier* notifier, ApplyFn apply, absl::Duration request_timeout = absl::Seconds(10));
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  void Start() { running_ = true; }
  bool running() const { return running_; }
  // Stops taking work, applies what is queued until `timeout` has passed and
  // fails the rest. DeadlineExceeded if some work had to be failed.
  absl::Status Stop(absl::Duration timeout);

  // A queue slot for a new request, registered with the notifier under `id`
  // for `owner`; nullptr when stopped or the id is a duplicate (the caller
  // answers with an error). Fill in args before the next Drain.
  Task* Enqueue(uint64_t id, Completion* owner, int64_t now_ms);
  // Applies every queued task in order.
  void Drain(int64_t now_ms);
  size_t queued() const { return count_ - head_; }

  static constexpr std::string_view kTimeoutError = "-TIMEOUT request deadline passed before it ran";
  static constexpr std::string_view kStoppedError = "-SHUTDOWN server is stopping";

 private:
  void Finish(Task& task, const Outcome& outcome);

  Notifier* notifier_;
  ApplyFn apply_;
  int64_t timeout_ms_;
  bool running_ = false;
  std::vector<Task> tasks_;  // reused across batches so steady state allocates nothing
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace valkdb
