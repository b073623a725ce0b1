#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/internal/deadline.h"
#include "client/internal/handshake.h"
#include "client/internal/task_queue.h"
#include "client/options.h"
#include "protocol/resp_value.h"

struct sockaddr;
struct uv_loop_s;
struct uv_timer_s;

namespace valkdb::client_internal {

using Replies = absl::StatusOr<std::vector<RespValue>>;

struct AsyncOp {
  std::string bytes;  // one or more encoded commands
  size_t replies = 1;
  // An error reply completes the op at once (a pub/sub command answers with
  // one confirmation per channel, or with a single error).
  bool error_ends = false;
  Deadline deadline;
  std::function<void(Replies)> done;  // runs on the loop thread
};

// One connection driven by a libuv loop: connects (and reconnects), runs the
// handshake, batches writes, matches replies to requests in order, and fails
// requests whose deadline passed. Only its loop's thread touches its state;
// Submit() and Shutdown() may be called from anywhere.
class AsyncCore : public std::enable_shared_from_this<AsyncCore> {
 public:
  struct Hooks {
    // Sees every reply after the handshake first; true when it consumed it
    // (pub/sub messages). Without it, RESP3 pushes are dropped.
    std::function<bool(RespValue&)> intercept;
    std::function<void()> connected;
    std::function<void(const absl::Status&)> disconnected;
    // Reconnect on its own, with backoff, whenever the connection drops
    // (subscribers, which must resubscribe without a command to trigger it).
    bool keep_connected = false;
  };

  static std::shared_ptr<AsyncCore> Create(uv_loop_s* loop, std::shared_ptr<TaskQueue> queue,
                                           ClientOptions options, Hooks hooks);
  ~AsyncCore();

  // Thread-safe.
  void Submit(AsyncOp op);
  // Thread-safe: fails what is pending with kCancelled, drops the hooks, closes
  // the handles. `finished` runs on the loop thread once the hooks are gone.
  void Shutdown(std::function<void()> finished);

  // Loop thread only.
  void Enqueue(AsyncOp op);
  const ClientOptions& options() const { return options_; }
  const std::shared_ptr<TaskQueue>& queue() const { return queue_; }

 private:
  struct Conn;
  struct Resolve;
  struct Pending {
    size_t expected;
    bool error_ends;
    std::vector<RespValue> got;
    Deadline deadline;
    std::function<void(Replies)> done;
  };
  enum class State { kIdle, kConnecting, kHandshaking, kReady };

  AsyncCore(uv_loop_s* loop, std::shared_ptr<TaskQueue> queue, ClientOptions options, Hooks hooks);

  void EnsureInit();
  void StartConnect();
  void ConnectTo(const sockaddr* addr);
  void OnConnected(Conn* conn, int status);
  void Ready();
  void Flush();
  void StartWrite(Conn* conn);
  void OnWritten(Conn* conn, int status);
  void OnData(Conn* conn, const char* data, size_t size);
  void OnReply(RespValue&& value);
  void Disconnect(const absl::Status& status);
  void CloseConn(Conn* conn);
  void ArmRequestTimer();
  void OnRequestTimer();
  void OnConnectTimer();
  void ScheduleReconnect();
  void DoShutdown();
  void HandleClosed();
  void MaybeFinish();

  friend struct CoreCallbacks;

  uv_loop_s* const loop_;
  const std::shared_ptr<TaskQueue> queue_;
  ClientOptions options_;
  const std::string address_;
  const Handshake handshake_;
  Hooks hooks_;

  bool inited_ = false;
  uv_timer_s* request_timer_ = nullptr;
  uv_timer_s* connect_timer_ = nullptr;  // connect timeout, or the backoff before a reconnect
  State state_ = State::kIdle;
  Conn* conn_ = nullptr;
  Resolve* resolving_ = nullptr;
  size_t handshake_left_ = 0;
  std::deque<Pending> pending_;
  std::string out_;  // encoded requests not yet handed to uv_write
  bool ever_connected_ = false;
  bool shutting_down_ = false;
  absl::Status lost_;
  absl::Duration backoff_;
  int open_handles_ = 0;
  std::unique_ptr<char[]> read_buf_;
  std::shared_ptr<AsyncCore> self_;  // kept until every handle has closed
};

}  // namespace valkdb::client_internal
