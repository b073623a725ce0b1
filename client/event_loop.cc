#include "client/event_loop.h"

#include <pthread.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "client/internal/loop_thread.h"
#include "client/internal/task_queue.h"

namespace valkdb {

struct EventLoop::State {
  uv_loop_t loop;
  std::shared_ptr<client_internal::LoopThread> thread =
      std::make_shared<client_internal::LoopThread>();
  std::shared_ptr<client_internal::TaskQueue> queue;
  std::thread worker;
  absl::Notification finished;
};

namespace {
constexpr absl::Duration kFinishWait = absl::Seconds(10);
}  // namespace

EventLoop::EventLoop() : state_(std::make_shared<State>()) {
  if (const int rc = uv_loop_init(&state_->loop); rc != 0) {
    std::fprintf(stderr, "valkdb: uv_loop_init: %s\n", uv_strerror(rc));
    std::abort();
  }
  state_->queue = std::make_shared<client_internal::TaskQueue>(&state_->loop, state_->thread);
  state_->worker = std::thread([state = state_] {
    // A write to a socket the peer closed must fail with EPIPE, not kill the
    // program: SIGPIPE is delivered to the writing thread, so block it here.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    state->thread->SetCurrent();
    uv_run(&state->loop, UV_RUN_DEFAULT);
    uv_loop_close(&state->loop);
    state->finished.Notify();
  });
}

EventLoop::~EventLoop() {
  // Closing the queue's handle lets uv_run return once the clients' handles are closed too.
  state_->queue->Post([queue = state_->queue] { queue->Close(); });
  if (InLoopThread()) {
    state_->worker.detach();
    return;
  }
  if (state_->finished.WaitForNotificationWithTimeout(kFinishWait)) {
    state_->worker.join();
  } else {
    std::fprintf(stderr,
                 "valkdb: an EventLoop was destroyed while clients still use it; leaving its "
                 "thread behind\n");
    state_->worker.detach();
  }
}

uv_loop_s* EventLoop::loop() const { return &state_->loop; }

void EventLoop::Post(std::function<void()> task) { state_->queue->Post(std::move(task)); }

bool EventLoop::InLoopThread() const { return state_->thread->IsCurrent(); }

const std::shared_ptr<client_internal::TaskQueue>& EventLoop::queue() const {
  return state_->queue;
}

const std::shared_ptr<client_internal::LoopThread>& EventLoop::thread() const {
  return state_->thread;
}

}  // namespace valkdb
