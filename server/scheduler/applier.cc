#include "server/scheduler/applier.h"

#include <limits>
#include <memory>

#include "absl/base/attributes.h"
#include "absl/time/clock.h"

namespace valkdb {
namespace {

const Outcome kDone = Outcome::Done();

}  // namespace

Applier::Applier(Notifier* notifier, ApplyFn apply, absl::Duration request_timeout)
    : notifier_(notifier),
      apply_(std::move(apply)),
      timeout_ms_(absl::ToInt64Milliseconds(request_timeout)) {}

Applier::~Applier() {
  for (const auto& batch : batches_) notifier_->UnregisterBatch(batch.get());
}

void Applier::Grow() { tasks_.emplace_back(); }

void Applier::RegisterQueued() {
  size_t i = registered_;
  while (i < count_) {
    if (batches_used_ == batches_.size()) batches_.push_back(std::make_unique<Batch>());
    Batch* batch = batches_[batches_used_++].get();
    // A run: the next tasks with the same owner and ids counting up by one.
    const size_t begin = i;
    tasks_[i].batch = batch;
    for (++i; i < count_ && tasks_[i].owner == tasks_[begin].owner &&
              tasks_[i - 1].id != std::numeric_limits<uint64_t>::max() &&
              tasks_[i].id == tasks_[i - 1].id + 1;
         ++i) {
      tasks_[i].batch = batch;
    }
    if (!notifier_->RegisterBatch(batch, tasks_[begin].id, i - begin, tasks_[begin].owner).ok()) {
      // An id of the run is in flight already: its tasks fail in their turn.
      for (size_t k = begin; k < i; ++k) tasks_[k].batch = nullptr;
    }
  }
  registered_ = count_;
}

// Inlined into the drain loops: it runs once per request.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Applier::RunOne(size_t i, int64_t now_ms,
                                                         std::string_view failure) {
  // Copies: apply_ may enqueue, which can move tasks_.
  const uint64_t id = tasks_[i].id;
  Completion* const owner = tasks_[i].owner;
  Batch* const batch = tasks_[i].batch;
  if (batch == nullptr) {
    // Its run overlaps ids in flight; the holders of those ids are untouched.
    owner->Complete(id, Outcome::Failed(kDuplicateError));
  } else if (!batch->Pending(id)) {
    // Forgotten (the owner went away) or failed by FailAll: nobody to answer.
  } else if (!failure.empty()) {
    if (batch->End(id)) owner->Complete(id, Outcome::Failed(failure));
  } else {
    apply_(tasks_[i], now_ms);
    if (batch->End(id)) owner->Complete(id, kDone);
  }
  tasks_[i].args.Release();
}

void Applier::Retire() {
  // The batches stay registered, spent, until their next run.
  batches_used_ = 0;
  head_ = count_ = registered_ = 0;
  draining_ = false;
}

void Applier::Drain(int64_t now_ms) {
  // From inside apply_: the drain already running gets to the new work in
  // order. (Running it here would end ids of a run before the one running.)
  if (draining_) return;
  draining_ = true;
  while (head_ < count_) {
    if (head_ == registered_) RegisterQueued();
    const size_t i = head_++;
    RunOne(i, now_ms, now_ms > tasks_[i].deadline_ms ? kTimeoutError : std::string_view());
  }
  Retire();
}

absl::Status Applier::Stop(absl::Duration timeout) {
  running_ = false;
  if (draining_) return absl::OkStatus();  // from inside apply_: the drain finishes the queue
  draining_ = true;
  const absl::Time deadline = absl::Now() + timeout;
  size_t failed = 0;
  while (head_ < count_) {
    if (head_ == registered_) RegisterQueued();
    const size_t i = head_++;
    const absl::Time now = absl::Now();
    if (now > deadline) {
      RunOne(i, 0, kStoppedError);
      ++failed;
    } else {
      // Stop's own bounded wait governs here, not the requests' deadlines:
      // shutdown answers what it can in the time it has.
      RunOne(i, absl::ToUnixMillis(now), std::string_view());
    }
  }
  Retire();
  if (failed > 0) {
    return absl::DeadlineExceededError("applier stopped with work still queued");
  }
  return absl::OkStatus();
}

}  // namespace valkdb
