#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/commands.h"
#include "client/event_loop.h"
#include "client/future.h"
#include "client/options.h"
#include "client/reply.h"
#include "client/request.h"
#include "protocol/resp_value.h"

struct uv_loop_s;

namespace valkdb {

namespace client_internal {
class AsyncCore;
class TaskQueue;
}  // namespace client_internal

using ReplyCallback = std::function<void(absl::StatusOr<RespValue>)>;
using PipelineReplies = std::vector<absl::StatusOr<RespValue>>;

// A client driven by a libuv loop: many requests in flight on one connection,
// written in batches, answered in order. Three ways to run it:
//
//   valkdb::AsyncClient c(options);            // on a loop thread it owns
//   valkdb::AsyncClient c(&shared_loop, opts); // on a valkdb::EventLoop shared with others
//   valkdb::AsyncClient c(uv_default_loop(), opts);  // on the caller's own libuv loop
//
// Every call returns at once. Typed calls return a Future: Then(callback) runs
// the callback on the loop thread; Get() blocks (bounded), and refuses with
// kFailedPrecondition on the loop's own thread, where waiting would deadlock.
// Calls are thread-safe in every mode. With the caller's loop, construct and
// destroy the client on that loop's thread (or before the loop runs).
// Destroying the client fails what is still pending with kCancelled.
class AsyncClient : public Commands<AsyncClient, Future> {
 public:
  explicit AsyncClient(ClientOptions options = {});
  AsyncClient(EventLoop* loop, ClientOptions options);
  AsyncClient(uv_loop_s* loop, ClientOptions options);
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  using Commands::Command;
  // The callback runs on the loop thread; an error reply arrives as a status.
  void Command(const Request& request, ReplyCallback callback);

  // All commands in one write; replies[i] answers command i.
  Future<PipelineReplies> Execute(const Pipeline& pipeline);
  void Execute(const Pipeline& pipeline,
               std::function<void(absl::StatusOr<PipelineReplies>)> callback);

  // True on the thread that runs this client's loop (inside its callbacks).
  bool InLoopThread() const;
  const ClientOptions& options() const { return options_; }

 private:
  friend class Commands<AsyncClient, Future>;

  template <typename T>
  Future<T> Invoke(const Request& request, reply::Converter<T> convert) {
    auto state = std::make_shared<client_internal::FutureState<T>>(thread_, max_wait_);
    Command(request, [state, convert](absl::StatusOr<RespValue> value) {
      if (!value.ok()) {
        state->Set(value.status());
      } else {
        state->Set(convert(*std::move(value)));
      }
    });
    return Future<T>(std::move(state));
  }
  void Init(uv_loop_s* loop, std::shared_ptr<client_internal::TaskQueue> queue);

  const ClientOptions options_;
  const absl::Duration max_wait_;
  std::unique_ptr<EventLoop> own_loop_;
  std::shared_ptr<client_internal::TaskQueue> own_queue_;  // on the caller's loop
  std::shared_ptr<const client_internal::LoopThread> thread_;
  std::shared_ptr<client_internal::AsyncCore> core_;
};

}  // namespace valkdb
