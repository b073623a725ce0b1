#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "server/commands/command_table.h"
#include "server/scheduler/applier.h"
#include "server/scheduler/id_generator.h"
#include "server/scheduler/notifier.h"
#include "server/store/store.h"

namespace valkdb {

class Connection;

// One libuv loop on one thread, with its own listening sockets (SO_REUSEPORT
// spreads connections over the loops), its connections, and its scheduler
// pipeline. Only this loop's thread touches its handles; other threads talk
// to it through RequestStop (uv_async_send).
class EventLoop {
 public:
  static constexpr size_t kReadBufferSize = 64 * 1024;

  EventLoop(int index, Store* store, ServerState* server);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Adopts a bound socket and listens on it.
  absl::Status Listen(int fd, int backlog);
  // Runs until stopped; call on the loop's own thread.
  void Run();
  // Thread-safe: close listeners, answer what is in flight, close
  // connections (after at most `grace`), then return from Run.
  void RequestStop();

  int index() const { return index_; }
  uv_loop_t* uv() { return &loop_; }
  Store& store() { return *store_; }
  ServerState& server() { return *server_; }
  IdGenerator& ids() { return ids_; }
  Notifier& notifier() { return notifier_; }
  Applier& applier() { return applier_; }
  // Shared by every connection of this loop: each read is parsed and
  // applied before the next one is made, so one buffer serves them all.
  char* read_buffer() { return read_buffer_.get(); }
  bool stopping() const { return stopping_; }

  void Forget(Connection* connection);

 private:
  static void OnConnection(uv_stream_t* server, int status);
  static void OnAsync(uv_async_t* handle);
  static void OnCron(uv_timer_t* handle);
  static void OnGraceTimeout(uv_timer_t* handle);
  void BeginStop();
  void MaybeFinishStop();

  const int index_;
  Store* store_;
  ServerState* server_;
  uv_loop_t loop_;
  uv_async_t wakeup_;
  uv_timer_t cron_;
  uv_timer_t grace_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  absl::flat_hash_set<Connection*> connections_;
  std::unique_ptr<char[]> read_buffer_;
  IdGenerator ids_;
  Notifier notifier_;
  Applier applier_;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace valkdb
