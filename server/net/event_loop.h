#pragma once

#include <uv.h>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/commands/command_table.h"
#include "server/commands/pubsub.h"
#include "server/net/client_activity.h"
#include "server/net/io_ring.h"
#include "server/scheduler/applier.h"
#include "server/scheduler/id_generator.h"
#include "server/scheduler/notifier.h"
#include "server/store/store.h"

namespace valkdb {

class Connection;

// A client-output-buffer-limit class (bytes; seconds for the soft limit).
struct OutputLimit {
  size_t hard = 0;
  size_t soft = 0;
  int64_t soft_seconds = 0;
  bool enabled() const { return hard > 0 || soft > 0; }
};

// One libuv loop on one thread, with its listening sockets (every loop
// listens on the same socket), its connections, and its scheduler pipeline.
// Only this loop's thread touches its handles; other threads talk to it
// through its inbox (a queue plus uv_async_send, which coalesces).
class EventLoop {
 public:
  static constexpr size_t kReadBufferSize = 64 * 1024;

  EventLoop(int index, Store* store, ServerState* server);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The loop whose thread is calling, or nullptr.
  static EventLoop* Current();

  // Adopts a bound socket and listens on it: TCP, or the unix socket.
  absl::Status Listen(int fd, int backlog);
  absl::Status ListenUnix(int fd, int backlog);
  // Runs until stopped; call on the loop's own thread.
  void Run();
  // Thread-safe: close listeners, answer what is in flight, close
  // connections (after a grace period), then return from Run.
  void RequestStop();
  // Thread-safe: hand a pub/sub message to a client of this loop.
  void PostMessage(uint64_t client_id, const PubSubMessage& message);
  // Thread-safe: hands a message to client `id` if it is a client of this
  // loop (at once on this loop's thread, else through the inbox).
  bool DeliverIfHere(uint64_t client_id, const PubSubMessage& message)
      ABSL_LOCKS_EXCLUDED(clients_mu_);
  // Thread-safe: close a client of this loop (CLIENT KILL); unsent replies are dropped.
  void PostKill(uint64_t client_id);
  // Thread-safe: a blocked client of this loop had its wait ended (served,
  // CLIENT UNBLOCK): it writes the outcome and goes on.
  void PostUnblocked(uint64_t client_id);
  // Thread-safe: the pause ended (CLIENT UNPAUSE); held clients go on.
  void PostResumePaused();
  // A script on this loop runs past busy-reply-threshold: answers the other
  // clients' input meanwhile (see Connection::ServeWhileBusy).
  void ServeWhileBusy(uint64_t running_client) ABSL_LOCKS_EXCLUDED(clients_mu_);
  // Thread-safe (CONFIG SET port / bind): closes this loop's TCP listeners
  // and listens on `fds` (bound and listening; the loop takes them over).
  void PostRelisten(std::vector<int> fds, int backlog);
  // A client of this loop blocked until `deadline_ms` (unix ms): the loop's
  // timer ends its wait then, unless something else ended it first.
  void AddBlockDeadline(int64_t deadline_ms, uint64_t client_id);

  int index() const { return index_; }
  uv_loop_t* uv() { return &loop_; }
  Store& store() { return *store_; }
  ServerState& server() { return *server_; }
  IdGenerator& ids() { return ids_; }
  Notifier& notifier() { return notifier_; }
  Applier& applier() { return applier_; }
  // The loop's io_uring, when enabled (io-uring, and the kernel allows it).
  IoRing& ring() { return ring_; }
  // While a busy script serves the others (ServeWhileBusy): a send
  // completion of the running client, or of one handing its socket to
  // replication, waits for the loop (the connection defers it).
  bool MustHoldCompletion(uint64_t client_id, bool handing_off) const;
  // Runs the connection's RunDeferred at the loop's next turn (outside any
  // command): held completions, input kept meanwhile, a hand-off.
  void Defer(Connection* connection);
  // The client whose busy script is serving the others, or 0.
  uint64_t busy_client() const { return busy_client_; }
  // A connection's input arrived; `heard_ms` is the connection's own
  // record for ClientActivity.
  void NoteInput(uint64_t& heard_ms) { activity_.Note(uv_now(&loop_), heard_ms); }
  // Shared by every connection of this loop: each read is parsed and
  // applied before the next one is made, so one buffer serves them all.
  char* read_buffer() { return read_buffer_.get(); }
  bool stopping() const { return stopping_; }
  // The client-output-buffer-limit class of a client: pubsub for one with
  // subscriptions, normal for the others (as Redis's getClientType).
  const OutputLimit& output_limit(bool pubsub) const {
    return pubsub ? pubsub_limit_ : normal_limit_;
  }
  const RequestLimits& request_limits() const { return request_limits_; }
  // client-query-buffer-limit, bytes.
  size_t query_buffer_limit() const { return query_buffer_limit_; }
  // tcp-keepalive, seconds (0 = off).
  int64_t tcp_keepalive() const { return tcp_keepalive_s_; }
  // Re-reads the cached settings if any setting changed (CONFIG SET), so a
  // change applies from the next read on; one atomic load when nothing did.
  void MaybeRefreshLimits() {
    if (server_->config->generation() != config_generation_) RefreshLimits();
  }

  // Connections with output queued by pub/sub, flushed by FlushPending.
  void MarkPending(Connection* connection);
  void FlushPending();
  // The AOF holds writes not yet on disk as its policy wants them: this
  // connection's replies go at the end of the loop iteration, after one AOF
  // write (and fdatasync, appendfsync always) for everything the iteration
  // did — Redis's beforeSleep flush, the group commit.
  void WaitForAof(Connection* connection);
  // Connections held back by CLIENT PAUSE; the cron resumes them.
  // Clients CLIENT PAUSE holds; Redis counts them in INFO blocked_clients.
  void AddPaused(Connection* connection);
  void RemovePaused(Connection* connection);

  // A connection closed after its replies, waiting for its peer to close
  // (Connection::Linger): no longer a client, still an open handle.
  void StartLingering(Connection* connection);
  // The connection is closing: it leaves every list.
  void Forget(Connection* connection);
  // Thread-safe: snapshots of this loop's clients; Kill finds one by id.
  void AppendSnapshots(std::vector<ClientSnapshot>* out) ABSL_LOCKS_EXCLUDED(clients_mu_);
  bool HasClient(uint64_t id) ABSL_LOCKS_EXCLUDED(clients_mu_);
  // Thread-safe CLIENT KILL: the client leaves CLIENT LIST and the client
  // count at once, as in Redis, and closes on its own loop soon after
  // (unsent replies are dropped). false if it is not here (or already killed).
  bool Kill(uint64_t id) ABSL_LOCKS_EXCLUDED(clients_mu_);

 private:
  struct InboxItem {
    enum class Kind { kMessage, kKill, kUnblocked, kResumePaused, kRelisten };
    uint64_t client_id;
    Kind kind;
    PubSubMessage message;
    std::vector<int> fds = {};  // kRelisten
    int backlog = 0;
  };

  static void OnConnection(uv_stream_t* server, int status);
  static void OnAsync(uv_async_t* handle);
  static void OnCron(uv_timer_t* handle);
  static void OnGraceTimeout(uv_timer_t* handle);
  static void OnBlockTimer(uv_timer_t* handle);
  static void OnReplTimer(uv_timer_t* handle);
  static void OnCheck(uv_check_t* handle);
  static void OnPrepare(uv_prepare_t* handle);
  static void OnRingReadable(uv_poll_t* handle, int status, int events);
  // Redis's beforeSleep work after the iteration's I/O (OnCheck).
  void AfterPoll();
  // Submits the iteration's sends and takes what completed.
  void SubmitRing();
  // Sets the ring up on the loop's thread: native if the kernel allows it,
  // else for sends only (watched through a uv_poll), else none.
  void SetUpRing();
  // The loop when the ring is native: it waits in io_uring_enter, and runs
  // libuv (accepts, timers, other threads' posts, anything libuv watches)
  // without waiting, when its epoll fd is readable or a timer is due.
  void RunNative();
  // Watches the ring up to spin_ns_ (and no longer than `timeout_ms`, -1: no
  // limit) for completions; true when some came.
  bool SpinForWork(int timeout_ms);
  void RunDeferred();
  void ArmBlockTimer();
  void Post(InboxItem item) ABSL_LOCKS_EXCLUDED(inbox_mu_);
  // Takes a connection out of the client list (and the paused set).
  void Unregister(Connection* connection);
  void RefreshLimits();
  // Redis's clientsCron: idle clients (timeout) and output limits.
  void ClientsCron(int64_t now_ms);
  void ResumePaused(int64_t now_ms);
  void Relisten(const std::vector<int>& fds, int backlog);
  void BeginStop();
  void MaybeFinishStop();

  const int index_;
  Store* store_;
  ServerState* server_;
  uv_loop_t loop_;
  uv_async_t wakeup_;
  uv_timer_t cron_;
  uv_timer_t grace_;
  // Blocked clients' deadlines, earliest first, and the timer for the earliest.
  std::multimap<int64_t, uint64_t> block_deadlines_;
  uv_timer_t block_timer_;
  uv_timer_t repl_timer_;  // sends the replication stream SendPending batched
  uv_check_t check_;       // after each poll: the AOF flush and the replies waiting for it
  uv_prepare_t prepare_;   // before each poll: submits the sends timers queued
  IoRing ring_;
  uv_poll_t ring_poll_;       // the ring's completions of sends that had to wait
  bool ring_polled_ = false;  // ring_poll_ is initialised (sends-only ring)
  // Native ring: a poll of libuv's epoll fd, so libuv runs when it has work.
  struct EpollWatch : RingOp {
    EventLoop* loop = nullptr;
    void OnRingComplete(int, unsigned) override {
      loop->epoll_watched_ = false;
      loop->uv_ready_ = true;
    }
  };
  EpollWatch epoll_watch_;
  bool epoll_watched_ = false;
  bool uv_ready_ = false;
  // Native ring: how long the loop watches the ring for more work before it
  // sleeps, after a turn that had some (`loop-spin-us`); see SpinForWork.
  int64_t spin_ns_ = 0;
  // Native ring: how long a wait gathers completions once one came
  // (`loop-gather-us`), while many clients are active (activity_).
  int gather_us_ = 0;
  ClientActivity activity_;
  bool had_work_ = false;
  uint64_t busy_client_ = 0;  // the client whose script is busy, while others are served
  // Connections whose RunDeferred is due at the loop's next turn (Defer).
  std::vector<Connection*> deferred_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  std::vector<std::unique_ptr<uv_pipe_t>> unix_listeners_;
  // Written only by this loop's thread, under clients_mu_ so others may read.
  absl::Mutex clients_mu_;
  absl::flat_hash_map<uint64_t, Connection*> connections_;
  // Killed clients still in connections_ until their loop closes them.
  absl::flat_hash_set<uint64_t> killed_ ABSL_GUARDED_BY(clients_mu_);
  std::vector<uint64_t> pending_;      // ids of connections to flush
  std::vector<uint64_t> aof_waiting_;  // ids of connections whose replies wait for the AOF
  absl::flat_hash_set<Connection*> paused_;
  absl::flat_hash_set<Connection*> lingering_;
  std::unique_ptr<char[]> read_buffer_;
  IdGenerator ids_;
  Notifier notifier_;
  Applier applier_;
  // Settings cached from the config; RefreshLimits re-reads them.
  uint64_t config_generation_ = 0;
  OutputLimit normal_limit_;
  OutputLimit pubsub_limit_;
  RequestLimits request_limits_;
  size_t query_buffer_limit_ = 1024 * 1024 * 1024;
  int64_t idle_timeout_ms_ = 0;  // `timeout`, 0 = never
  int64_t tcp_keepalive_s_ = 300;
  absl::Mutex inbox_mu_;
  std::vector<InboxItem> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace valkdb
