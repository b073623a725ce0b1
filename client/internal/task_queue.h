#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/internal/loop_thread.h"

struct uv_loop_s;
struct uv_async_s;

namespace valkdb::client_internal {

// Runs closures on a loop's thread. Post() is thread-safe; uv_async_send
// coalesces, so every wake-up drains the whole queue.
class TaskQueue {
 public:
  // On the loop's thread, or before the loop runs.
  TaskQueue(uv_loop_s* loop, std::shared_ptr<LoopThread> thread);
  ~TaskQueue();
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  // False (and the task dropped) once the queue is closed.
  bool Post(std::function<void()> task);
  // Runs `task` now when called on the loop's thread, else posts it.
  void Run(std::function<void()> task);
  // Loop thread only: runs what is queued, then closes the handle. Tasks posted later are dropped.
  void Close();

  const std::shared_ptr<LoopThread>& thread() const { return thread_; }

 private:
  static void OnAsync(uv_async_s* handle);
  void Drain();

  const std::shared_ptr<LoopThread> thread_;
  absl::Mutex mu_;
  std::vector<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uv_async_s* handle_;  // freed in its close callback
};

}  // namespace valkdb::client_internal
