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
  // apply_ may enqueue more work (it must not, but be safe): loop on count_.
  while (head_ < count_) {
    Task& task = tasks_[head_++];
    if (now_ms > task.deadline_ms) {
      Finish(task, Outcome::Failed(kTimeoutError));
    } else {
      apply_(task, now_ms);
      Finish(task, Outcome::Done());
    }
  }
  head_ = count_ = 0;
}

absl::Status Applier::Stop(absl::Duration timeout) {
  running_ = false;
  const absl::Time deadline = absl::Now() + timeout;
  size_t failed = 0;
  while (head_ < count_) {
    Task& task = tasks_[head_++];
    if (absl::Now() > deadline) {
      Finish(task, Outcome::Failed(kStoppedError));
      ++failed;
    } else {
      apply_(task, absl::ToUnixMillis(absl::Now()));
      Finish(task, Outcome::Done());
    }
  }
  head_ = count_ = 0;
  if (failed > 0) {
    return absl::DeadlineExceededError("applier stopped with work still queued");
  }
  return absl::OkStatus();
}

}  // namespace valkdb
