#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/internal/loop_thread.h"

namespace valkdb {

namespace client_internal {

template <typename T>
class FutureState {
 public:
  FutureState(std::shared_ptr<const LoopThread> loop, absl::Duration max_wait)
      : loop_(std::move(loop)), max_wait_(max_wait) {}

  // Completes the future once; later calls are ignored.
  void Set(absl::StatusOr<T> value) {
    std::function<void(absl::StatusOr<T>)> callback;
    {
      absl::MutexLock lock(&mu_);
      if (done_) return;
      done_ = true;
      if (!callback_) {
        result_.emplace(std::move(value));
        return;
      }
      callback = std::move(callback_);
    }
    callback(std::move(value));
  }

  bool ready() const {
    absl::MutexLock lock(&mu_);
    return result_.has_value();
  }

  absl::StatusOr<T> Get(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (retrieved_) {
      return absl::FailedPreconditionError("valkdb: the future's result was already taken");
    }
    if (!result_.has_value()) {
      if (loop_ != nullptr && loop_->IsCurrent()) {
        return WouldDeadlock("Future::Get() on the event loop thread that must complete it");
      }
      auto has_result = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return result_.has_value(); };
      if (!mu_.AwaitWithTimeout(absl::Condition(&has_result), timeout)) {
        return absl::DeadlineExceededError(
            "valkdb: the request was not completed in time (is its event loop running?)");
      }
    }
    retrieved_ = true;
    absl::StatusOr<T> out = std::move(*result_);
    result_.reset();
    return out;
  }

  void Then(std::function<void(absl::StatusOr<T>)> callback) {
    std::optional<absl::StatusOr<T>> now;
    {
      absl::MutexLock lock(&mu_);
      if (retrieved_ || callback_) {
        now.emplace(absl::FailedPreconditionError("valkdb: the future's result was already taken"));
      } else if (result_.has_value()) {
        now = std::move(result_);
        result_.reset();
        retrieved_ = true;
      } else {
        callback_ = std::move(callback);
        retrieved_ = true;
        return;
      }
    }
    callback(std::move(*now));
  }

  absl::Duration max_wait() const { return max_wait_; }

 private:
  mutable absl::Mutex mu_;
  std::optional<absl::StatusOr<T>> result_ ABSL_GUARDED_BY(mu_);
  std::function<void(absl::StatusOr<T>)> callback_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool retrieved_ ABSL_GUARDED_BY(mu_) = false;
  const std::shared_ptr<const LoopThread> loop_;
  const absl::Duration max_wait_;
};

}  // namespace client_internal

// The result of an asynchronous call. Take it once: with Get(), which blocks
// (never on the thread of the loop that must complete it: that returns
// kFailedPrecondition instead of deadlocking), or with Then(), which runs the
// callback on the loop thread when the result arrives (or at once, on the
// calling thread, if it already has).
template <typename T>
class Future {
 public:
  Future() = default;
  explicit Future(std::shared_ptr<client_internal::FutureState<T>> state)
      : state_(std::move(state)) {}

  bool valid() const { return state_ != nullptr; }
  bool ready() const { return state_ != nullptr && state_->ready(); }

  // Waits at most as long as the request may take (connect plus command
  // timeout, plus a margin), so a wait ends even if the loop never runs.
  absl::StatusOr<T> Get() {
    if (state_ == nullptr) return absl::FailedPreconditionError("valkdb: empty Future");
    return state_->Get(state_->max_wait());
  }
  // Waits at most `timeout`; kDeadlineExceeded if the result is not there by then.
  absl::StatusOr<T> Get(absl::Duration timeout) {
    if (state_ == nullptr) return absl::FailedPreconditionError("valkdb: empty Future");
    return state_->Get(timeout);
  }
  void Then(std::function<void(absl::StatusOr<T>)> callback) {
    if (state_ == nullptr) {
      callback(absl::FailedPreconditionError("valkdb: empty Future"));
      return;
    }
    state_->Then(std::move(callback));
  }

 private:
  std::shared_ptr<client_internal::FutureState<T>> state_;
};

}  // namespace valkdb
