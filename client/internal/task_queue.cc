#include "client/internal/task_queue.h"

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "protocol/str_util.h"

namespace valkdb::client_internal {

absl::Status WouldDeadlock(std::string_view what) {
  return absl::FailedPreconditionError(
      StrCat("valkdb: ", what,
             " would deadlock: the result can only arrive through the event loop this call "
             "would block. Use the callback or Then() form inside loop callbacks"));
}

TaskQueue::TaskQueue(uv_loop_s* loop, std::shared_ptr<LoopThread> thread)
    : thread_(std::move(thread)), handle_(new uv_async_t) {
  const int rc = uv_async_init(loop, handle_, &TaskQueue::OnAsync);
  if (rc != 0) {
    std::fprintf(stderr, "valkdb: uv_async_init: %s\n", uv_strerror(rc));
    std::abort();
  }
  handle_->data = this;
}

TaskQueue::~TaskQueue() = default;

bool TaskQueue::Post(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  tasks_.push_back(std::move(task));
  // Under the lock, so Close() cannot free the handle in between.
  uv_async_send(handle_);
  return true;
}

void TaskQueue::Run(std::function<void()> task) {
  if (thread_->IsCurrent()) {
    task();
  } else {
    Post(std::move(task));
  }
}

void TaskQueue::OnAsync(uv_async_s* handle) {
  auto* self = static_cast<TaskQueue*>(handle->data);
  self->thread_->SetCurrent();
  self->Drain();
}

void TaskQueue::Drain() {
  while (true) {
    std::vector<std::function<void()>> batch;
    {
      absl::MutexLock lock(&mu_);
      batch.swap(tasks_);
    }
    if (batch.empty()) return;
    for (auto& task : batch) task();
  }
}

void TaskQueue::Close() {
  Drain();
  std::vector<std::function<void()>> dropped;  // destroyed outside the lock
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    dropped.swap(tasks_);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
}

}  // namespace valkdb::client_internal
