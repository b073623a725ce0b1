#include "server/scheduler/applier.h"

#include "absl/time/clock.h"

namespace valkdb {

Applier::Applier(Notifier* notifier, ApplyFn apply, absl::Duration request_timeout)
    : notifier_(notifier),
      apply_(std::move(apply)),
      timeout_ms_(absl::ToInt64Milliseconds(request_timeout)) {}

Task* Applier::Enqueue(uint64_t id, Completion* owner, int64_t now_ms) {
  if (!running_) return nullptr;
  if (!notifier_->Register(id, owner).ok()) return nullptr;
  if (count_ == tasks_.size()) tasks_.emplace_back();
  Task& task = tasks_[count_++];
  task.id = id;
  task.owner = owner;
  task.deadline_ms = now_ms + timeout_ms_;
  task.args.Clear();
  return &task;
}

void Applier::Finish(Task& task, const Outcome& outcome) {
  // A trigger for an id that is no longer registered means its owner went
  // away (connection closed); there is nobody left to answer.
  notifier_->Trigger(task.id, outcome).IgnoreError();
  task.args.Release();
}

void Applier::Drain(int64_t now_ms) {
  while (head_ < count_) {
    // By index: apply_ may enqueue, which can move tasks_.
    const size_t i = head_++;
    if (now_ms > tasks_[i].deadline_ms) {
      Finish(tasks_[i], Outcome::Failed(kTimeoutError));
    } else {
      apply_(tasks_[i], now_ms);
      Finish(tasks_[i], Outcome::Done());
    }
  }
  head_ = count_ = 0;
}

absl::Status Applier::Stop(absl::Duration timeout) {
  running_ = false;
  const absl::Time deadline = absl::Now() + timeout;
  size_t failed = 0;
  while (head_ < count_) {
    const size_t i = head_++;
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    if (absl::Now() > deadline) {
      Finish(tasks_[i], Outcome::Failed(kStoppedError));
      ++failed;
    } else {
      // Stop's own bounded wait governs here, not the requests' deadlines:
      // shutdown answers what it can in the time it has.
      apply_(tasks_[i], now_ms);
      Finish(tasks_[i], Outcome::Done());
    }
  }
  head_ = count_ = 0;
  if (failed > 0) {
    return absl::DeadlineExceededError("applier stopped with work still queued");
  }
  return absl::OkStatus();
}

}  // namespace valkdb
