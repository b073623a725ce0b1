#pragma once

#include <functional>
#include <memory>

struct uv_loop_s;

namespace valkdb {

namespace client_internal {
class LoopThread;
class TaskQueue;
}  // namespace client_internal

// A libuv loop on a thread of its own, for AsyncClients and Subscribers that
// do not run on the caller's loop. Several clients may share one. Each
// EventLoop is independent of every other loop in the program (there is no
// global runtime to collide with). Destroy the clients before their loop.
class EventLoop {
 public:
  EventLoop();
  // Waits (at most 10 s) for the loop to finish its clients' closing work.
  // Called on the loop's own thread, it lets the thread finish by itself.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_s* loop() const;
  // Runs `task` on the loop's thread. Thread-safe.
  void Post(std::function<void()> task);
  bool InLoopThread() const;

  const std::shared_ptr<client_internal::TaskQueue>& queue() const;
  const std::shared_ptr<client_internal::LoopThread>& thread() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace valkdb
