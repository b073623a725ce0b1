#include "server/net/event_loop.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "protocol/str_util.h"
#include "server/log/logger.h"
#include "server/net/connection.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/repl/replication.h"
#include "server/store/access_clock.h"
#include "server/store/eviction.h"

namespace valkdb {
namespace {

// Tells the CPU this is a wait loop (lets the other hyperthread run).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

constexpr uint64_t kCronIntervalMs = 100;  // Redis's default hz 10
constexpr uint64_t kStopGraceMs = 3000;    // how long shutdown waits for replies to drain
constexpr int64_t kExpireBudgetUs = 10 * 1000;
constexpr std::string_view kMaxClientsError = "-ERR max number of clients reached\r\n";

thread_local EventLoop* current_loop = nullptr;

}  // namespace

EventLoop::EventLoop(int index, Store* store, ServerState* server)
    : index_(index),
      store_(store),
      server_(server),
      read_buffer_(new char[kReadBufferSize]),
      ids_(static_cast<uint16_t>(index)),
      applier_(&notifier_, [](Task& task, int64_t now_ms) {
        static_cast<Connection*>(task.owner)->Execute(task, now_ms);
      }) {
  uv_loop_init(&loop_);
  loop_.data = this;
  uv_async_init(&loop_, &wakeup_, OnAsync);
  wakeup_.data = this;
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uv_timer_init(&loop_, &grace_);
  grace_.data = this;
  uv_timer_init(&loop_, &block_timer_);
  block_timer_.data = this;
  uv_timer_init(&loop_, &repl_timer_);
  repl_timer_.data = this;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
  epoll_watch_.loop = this;
  RefreshLimits();
  applier_.Start();
}

EventLoop::~EventLoop() { uv_loop_close(&loop_); }

EventLoop* EventLoop::Current() { return current_loop; }

absl::Status EventLoop::Listen(int fd, int backlog) {
  auto tcp = std::make_unique<uv_tcp_t>();
  uv_tcp_init(&loop_, tcp.get());
  tcp->data = this;
  int rc = uv_tcp_open(tcp.get(), fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp.get()), backlog, OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(tcp.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return absl::InternalError(StrCat("listen: ", uv_strerror(rc)));
  }
  listeners_.push_back(std::move(tcp));
  return absl::OkStatus();
}

absl::Status EventLoop::ListenUnix(int fd, int backlog) {
  auto pipe = std::make_unique<uv_pipe_t>();
  uv_pipe_init(&loop_, pipe.get(), /*ipc=*/0);
  pipe->data = this;
  int rc = uv_pipe_open(pipe.get(), fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(pipe.get()), backlog, OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(pipe.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
    return absl::InternalError(StrCat("listen on the unix socket: ", uv_strerror(rc)));
  }
  unix_listeners_.push_back(std::move(pipe));
  return absl::OkStatus();
}

void EventLoop::SetUpRing() {
  const std::string mode = server_->config->GetString("io-uring");
  if (mode == "no") return;
  if (mode == "yes" && ring_.InitNative(1024)) {
    spin_ns_ = server_->config->GetInt("loop-spin-us") * 1000;
    gather_us_ = static_cast<int>(server_->config->GetInt("loop-gather-us"));
    return;
  }
  if (!ring_.Init(1024)) return;
  if (uv_poll_init(&loop_, &ring_poll_, ring_.fd()) == 0) {
    ring_poll_.data = this;
    ring_polled_ = true;
  } else {
    ring_.Disable();
  }
}

void EventLoop::Run() {
  current_loop = this;
  SetUpRing();
  uv_timer_start(&cron_, OnCron, kCronIntervalMs, kCronIntervalMs);
  uv_check_start(&check_, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));  // never what keeps the loop running
  if (ring_.native()) {
    RunNative();
  } else {
    if (ring_polled_) {
      uv_prepare_start(&prepare_, OnPrepare);
      uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
      uv_poll_start(&ring_poll_, UV_READABLE, OnRingReadable);
      uv_unref(reinterpret_cast<uv_handle_t*>(&ring_poll_));
    }
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  current_loop = nullptr;
}

void EventLoop::RunNative() {
  const int epoll_fd = uv_backend_fd(&loop_);
  uv_run(&loop_, UV_RUN_NOWAIT);
  for (;;) {
    RunDeferred();
    // Redis's beforeSleep (OnCheck does it too when libuv runs).
    AfterPoll();
    if (stopping_) MaybeFinishStop();
    uv_update_time(&loop_);
    const bool alive = uv_loop_alive(&loop_) != 0;
    if (!alive && ring_.in_flight() == 0 && deferred_.empty()) break;
    // libuv has work now (a timer due, handles closing), or a connection
    // deferred some (AfterPoll resumed its reading): no waiting.
    int timeout = alive ? uv_backend_timeout(&loop_) : -1;
    if (!deferred_.empty()) timeout = 0;
    if (!epoll_watched_ && alive) epoll_watched_ = ring_.WatchReadable(epoll_fd, &epoll_watch_);
    // The iteration's sends and receives, and the one wait. With
    // loop-spin-us, after a turn with work the sends go first and the loop
    // watches the ring a moment before it sleeps: what a client sends
    // meanwhile needs no wake-up, which on the client's side is a cross-CPU
    // interrupt. It trades this loop's CPU for latency and for the CPU of
    // clients on the same machine; off by default. A timer may fire up to
    // the spin's length late.
    size_t taken = 0;
    if (timeout != 0 && had_work_ && spin_ns_ > 0) {
      taken = ring_.SubmitAndReap();
      if (taken == 0 && SpinForWork(timeout)) taken = ring_.SubmitAndReap();
    }
    // With many clients active, the wait gathers (loop-gather-us): what
    // they send meanwhile costs one wake-up here and fewer on their side.
    if (taken == 0) {
      const bool gather = gather_us_ > 0 && activity_.Many(uv_now(&loop_));
      taken = ring_.SubmitAndWait(timeout, gather ? gather_us_ : 0);
    }
    had_work_ = taken != 0;
    // What the completions start (block timers, the replication stream's
    // batching) counts from now, not from before the wait.
    uv_update_time(&loop_);
    if (uv_ready_ || (alive && uv_backend_timeout(&loop_) == 0)) {
      uv_ready_ = false;
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
  }
}

bool EventLoop::SpinForWork(int timeout_ms) {
  int64_t limit = spin_ns_;
  if (timeout_ms >= 0) limit = std::min<int64_t>(limit, int64_t{timeout_ms} * 1000000);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    // Reading the clock costs more than a look at the ring: a few looks each.
    for (int i = 0; i < 16; ++i) {
      if (ring_.CompletionsPending()) return true;
      CpuRelax();
    }
    if (std::chrono::steady_clock::now() - start >= std::chrono::nanoseconds(limit)) return false;
  }
}

void EventLoop::RequestStop() {
  stop_requested_.store(true, std::memory_order_release);
  uv_async_send(&wakeup_);
}

void EventLoop::Post(InboxItem item) {
  {
    absl::MutexLock lock(&inbox_mu_);
    inbox_.push_back(std::move(item));
  }
  uv_async_send(&wakeup_);
}

void EventLoop::PostMessage(uint64_t client_id, const PubSubMessage& message) {
  Post(InboxItem{client_id, InboxItem::Kind::kMessage, message});
}

bool EventLoop::DeliverIfHere(uint64_t client_id, const PubSubMessage& message) {
  Connection* connection = nullptr;
  {
    absl::MutexLock lock(&clients_mu_);
    auto it = connections_.find(client_id);
    if (it == connections_.end() || killed_.contains(client_id)) return false;
    connection = it->second;
  }
  // Only this loop's thread may touch the connection; others post it.
  if (current_loop == this) {
    connection->DeliverLocal(message);
  } else {
    PostMessage(client_id, message);
  }
  return true;
}

void EventLoop::PostKill(uint64_t client_id) {
  Post(InboxItem{client_id, InboxItem::Kind::kKill, {}});
}

void EventLoop::PostUnblocked(uint64_t client_id) {
  Post(InboxItem{client_id, InboxItem::Kind::kUnblocked, {}});
}

void EventLoop::ServeWhileBusy(uint64_t running_client) {
  // Copied first: a command served here may close a connection.
  std::vector<Connection*> others;
  {
    absl::MutexLock lock(&clients_mu_);
    for (const auto& [id, connection] : connections_) {
      if (id != running_client && !killed_.contains(id)) others.push_back(connection);
    }
  }
  for (Connection* connection : others) connection->ServeWhileBusy();
  // The loop is not running meanwhile: the replies leave now, and the sends
  // that completed are taken, so a client whose earlier send was in flight
  // gets its -BUSY (SCRIPT KILL must be able to reach the server). The
  // running client is mid-command, and a replica hand-off must not run
  // inside a script: their completions wait for the loop (Defer).
  busy_client_ = running_client;
  ring_.SubmitAndReap();
  busy_client_ = 0;
}

bool EventLoop::MustHoldCompletion(uint64_t client_id, bool handing_off) const {
  return busy_client_ != 0 && (client_id == busy_client_ || handing_off);
}

void EventLoop::Defer(Connection* connection) { deferred_.push_back(connection); }

void EventLoop::PostResumePaused() { Post(InboxItem{0, InboxItem::Kind::kResumePaused, {}}); }

void EventLoop::PostRelisten(std::vector<int> fds, int backlog) {
  Post(InboxItem{0, InboxItem::Kind::kRelisten, {}, std::move(fds), backlog});
}

void EventLoop::Relisten(const std::vector<int>& fds, int backlog) {
  for (auto& listener : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  listeners_.clear();
  for (int fd : fds) {
    if (stopping_) {
      ::close(fd);
      continue;
    }
    absl::Status status = Listen(fd, backlog);
    if (!status.ok()) Log(LogLevel::kWarning, "Could not listen anew: %s", status.message());
  }
}

void EventLoop::ResumePaused(int64_t now_ms) {
  if (paused_.empty()) return;
  std::vector<Connection*> paused(paused_.begin(), paused_.end());
  for (Connection* connection : paused) connection->ResumeIfUnpaused(now_ms);
}

void EventLoop::AddBlockDeadline(int64_t deadline_ms, uint64_t client_id) {
  const bool earliest = block_deadlines_.empty() || deadline_ms < block_deadlines_.begin()->first;
  block_deadlines_.emplace(deadline_ms, client_id);
  if (earliest) ArmBlockTimer();
}

void EventLoop::ArmBlockTimer() {
  if (block_deadlines_.empty() || stopping_) {
    uv_timer_stop(&block_timer_);
    return;
  }
  const int64_t wait = block_deadlines_.begin()->first - UnixTimeMs();
  uv_timer_start(&block_timer_, OnBlockTimer, static_cast<uint64_t>(std::max<int64_t>(wait, 0)), 0);
}

void EventLoop::OnBlockTimer(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  const int64_t now_ms = UnixTimeMs();
  std::vector<std::pair<int64_t, uint64_t>> due;
  while (!self->block_deadlines_.empty() && self->block_deadlines_.begin()->first <= now_ms) {
    due.push_back(*self->block_deadlines_.begin());
    self->block_deadlines_.erase(self->block_deadlines_.begin());
  }
  for (const auto& [deadline_ms, id] : due) {
    auto it = self->connections_.find(id);
    // A deadline left by a wait that already ended is ignored there.
    if (it != self->connections_.end()) it->second->BlockTimedOut(deadline_ms);
  }
  self->ArmBlockTimer();
  self->FlushPending();
}

void EventLoop::OnAsync(uv_async_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  std::vector<InboxItem> items;
  {
    absl::MutexLock lock(&self->inbox_mu_);
    items.swap(self->inbox_);
  }
  // uv_async_send coalesces: drain everything that arrived.
  for (InboxItem& item : items) {
    if (item.kind == InboxItem::Kind::kResumePaused) {
      self->ResumePaused(UnixTimeMs());
      continue;
    }
    if (item.kind == InboxItem::Kind::kRelisten) {
      self->Relisten(item.fds, item.backlog);
      continue;
    }
    auto it = self->connections_.find(item.client_id);
    if (it == self->connections_.end()) continue;
    switch (item.kind) {
      case InboxItem::Kind::kKill:
        // As Redis's freeClient: replies not yet written go with it (a
        // client that stopped reading is not kept until it drains).
        it->second->Close();
        break;
      case InboxItem::Kind::kMessage:
        it->second->DeliverLocal(item.message);
        break;
      case InboxItem::Kind::kUnblocked:
        it->second->Unblocked();
        break;
      case InboxItem::Kind::kResumePaused:
      case InboxItem::Kind::kRelisten:
        break;
    }
  }
  self->FlushPending();
  if (self->stop_requested_.load(std::memory_order_acquire) && !self->stopping_) {
    self->BeginStop();
  }
}

void EventLoop::MarkPending(Connection* connection) { pending_.push_back(connection->id()); }

void EventLoop::WaitForAof(Connection* connection) { aof_waiting_.push_back(connection->id()); }

void EventLoop::OnCheck(uv_check_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  self->AfterPoll();
  if (!self->ring_.native()) self->SubmitRing();  // native: RunNative submits
}

void EventLoop::OnPrepare(uv_prepare_t* handle) {
  static_cast<EventLoop*>(handle->data)->SubmitRing();
}

void EventLoop::OnRingReadable(uv_poll_t* handle, int, int) {
  static_cast<EventLoop*>(handle->data)->SubmitRing();
}

void EventLoop::RunDeferred() {
  // Completions held while a busy script ran (see ServeWhileBusy), input
  // that came while it could not run.
  while (!deferred_.empty()) {
    std::vector<Connection*> due;
    due.swap(deferred_);
    for (Connection* connection : due) connection->RunDeferred();
  }
}

void EventLoop::SubmitRing() {
  if (!ring_.enabled()) return;
  RunDeferred();
  ring_.SubmitAndReap();
  // A connection that closed while its send was in flight has now closed.
  if (stopping_) MaybeFinishStop();
}

void EventLoop::AfterPoll() {
  // Redis's beforeSleep: this iteration's changes go to the replicas (or,
  // under load, within the millisecond: the timer makes sure).
  if (Replication* repl = server_->replication; repl != nullptr) {
    const auto now_ms = static_cast<int64_t>(uv_now(&loop_));
    if (repl->SendPending(now_ms, /*force=*/false) &&
        !uv_is_active(reinterpret_cast<uv_handle_t*>(&repl_timer_))) {
      uv_timer_start(&repl_timer_, OnReplTimer, 1, 0);
    }
  }
  // BCAST invalidations of the keys changed meanwhile.
  if (server_->tracking.broadcast_pending()) [[unlikely]] {
    server_->tracking.BroadcastPending();
    FlushPending();
  }
  if (aof_waiting_.empty()) return;
  if (AofPersistence* aof = server_->aof; aof != nullptr) aof->FlushBeforeReply();
  std::vector<uint64_t> ids;
  ids.swap(aof_waiting_);
  for (uint64_t id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->FlushOrKill();
  }
  FlushPending();
}

void EventLoop::OnReplTimer(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  const auto now_ms = static_cast<int64_t>(uv_now(&self->loop_));
  self->server_->replication->SendPending(now_ms, /*force=*/true);
}

void EventLoop::FlushPending() {
  while (!pending_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(pending_);
    for (uint64_t id : ids) {
      auto it = connections_.find(id);
      if (it != connections_.end()) it->second->FlushOrKill();
    }
  }
}

void EventLoop::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<EventLoop*>(listener->data);
  if (status < 0 || self->stopping_) return;
  // Clients on the unix socket are served as TCP ones: same limits, same AUTH.
  auto* connection = new Connection(self, listener->type == UV_NAMED_PIPE);
  if (uv_accept(listener, connection->handle()) != 0) {
    connection->Close();
    return;
  }
  ServerState& server = *self->server_;
  const int64_t limit = server.config->GetInt("maxclients");
  int64_t connected_before;
  {
    // The client list and the count change together (CLIENT LIST and INFO agree).
    absl::MutexLock lock(&self->clients_mu_);
    self->connections_[connection->id()] = connection;
    connected_before = server.connected_clients.fetch_add(1, std::memory_order_relaxed);
  }
  if (connected_before >= limit) {
    // Redis answers over the socket, best effort, then closes.
    uv_buf_t buf = uv_buf_init(const_cast<char*>(kMaxClientsError.data()),
                               static_cast<unsigned int>(kMaxClientsError.size()));
    uv_try_write(connection->handle(), &buf, 1);
    server.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    connection->Close();
    return;
  }
  server.total_connections.fetch_add(1, std::memory_order_relaxed);
  self->MaybeRefreshLimits();  // tcp-keepalive, set by CONFIG SET on any loop
  connection->Start();
}

void EventLoop::AddPaused(Connection* connection) {
  if (paused_.insert(connection).second) {
    server_->blocked_clients.fetch_add(1, std::memory_order_relaxed);
  }
}

void EventLoop::RemovePaused(Connection* connection) {
  if (paused_.erase(connection) > 0) {
    server_->blocked_clients.fetch_sub(1, std::memory_order_relaxed);
  }
}

void EventLoop::Unregister(Connection* connection) {
  RemovePaused(connection);
  // Under the lock, so CLIENT LIST (which takes it) and the count agree.
  absl::MutexLock lock(&clients_mu_);
  // A killed client was counted out when it was killed.
  if (connections_.erase(connection->id()) > 0 && killed_.erase(connection->id()) == 0) {
    server_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
  }
}

void EventLoop::StartLingering(Connection* connection) {
  lingering_.insert(connection);
  Unregister(connection);
}

void EventLoop::Forget(Connection* connection) {
  lingering_.erase(connection);
  Unregister(connection);
  MaybeFinishStop();
}

void EventLoop::AppendSnapshots(std::vector<ClientSnapshot>* out) {
  absl::MutexLock lock(&clients_mu_);
  for (const auto& [id, connection] : connections_) {
    if (!killed_.contains(id)) out->push_back(connection->Snapshot());
  }
}

bool EventLoop::HasClient(uint64_t id) {
  absl::MutexLock lock(&clients_mu_);
  return connections_.contains(id) && !killed_.contains(id);
}

bool EventLoop::Kill(uint64_t id) {
  {
    absl::MutexLock lock(&clients_mu_);
    if (!connections_.contains(id) || !killed_.insert(id).second) return false;
    server_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
  }
  PostKill(id);
  return true;
}

void EventLoop::RefreshLimits() {
  Config& config = *server_->config;
  // Read first: a change made while reading shows as a newer generation next time.
  config_generation_ = config.generation();
  request_limits_.max_bulk_len = config.GetInt("proto-max-bulk-len");
  query_buffer_limit_ =
      static_cast<size_t>(std::max<int64_t>(0, config.GetInt("client-query-buffer-limit")));
  idle_timeout_ms_ = std::max<int64_t>(0, config.GetInt("timeout")) * 1000;
  tcp_keepalive_s_ = config.GetInt("tcp-keepalive");
  // "normal 0 0 0 slave ... pubsub 33554432 8388608 60" (bytes, canonical).
  std::string text = config.GetString("client-output-buffer-limit");
  std::vector<std::string_view> words = Split(text, ' ');
  for (size_t i = 0; i + 3 < words.size(); i += 4) {
    OutputLimit* limit = words[i] == "normal"   ? &normal_limit_
                         : words[i] == "pubsub" ? &pubsub_limit_
                                                : nullptr;
    if (limit == nullptr) continue;
    limit->hard = static_cast<size_t>(ParseMemory(words[i + 1]).value_or(0));
    limit->soft = static_cast<size_t>(ParseMemory(words[i + 2]).value_or(0));
    int64_t seconds = 0;
    ParseInt64(words[i + 3], &seconds);
    limit->soft_seconds = seconds;
  }
}

void EventLoop::ClientsCron(int64_t now_ms) {
  // Collected first: closing a connection takes it out of connections_.
  std::vector<Connection*> to_close;
  for (const auto& [id, connection] : connections_) {
    if (connection->CronCheck(now_ms, idle_timeout_ms_)) to_close.push_back(connection);
  }
  for (Connection* connection : lingering_) {
    if (connection->CronCheck(now_ms, idle_timeout_ms_)) to_close.push_back(connection);
  }
  for (Connection* connection : to_close) connection->Close();
}

void EventLoop::OnCron(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  const int64_t now_ms = UnixTimeMs();
  // DEBUG PAUSE-CRON: as Redis, the time is kept and nothing else runs (a
  // server that is stopping still closes its clients).
  if (self->server_->cron_paused.load(std::memory_order_relaxed) && !self->stopping_) return;
  if (self->index_ == 0) {
    AccessClock::Tick(now_ms);
    self->server_->SampleMetrics(now_ms, EvictionUsedMemory(*self->store_));
  }
  if (self->stopping_) {
    // Only connections closing after their replies are left (DoneClosing).
    self->ClientsCron(now_ms);
    return;
  }
  // Active expiry: loop 0 sweeps for everyone, so the passes never overlap.
  if (self->index_ == 0) {
    // A replica leaves expiry to its master (its DELs come in the stream).
    Replication* repl = self->server_->replication;
    const bool replica = repl != nullptr && repl->is_replica();
    // Nor does a paused server delete expired keys (Redis 7.0).
    if (self->server_->active_expire_enabled.load(std::memory_order_relaxed) && !replica &&
        !self->store_->feed().expiry_held(now_ms)) {
      const auto start = std::chrono::steady_clock::now();
      self->store_->ActiveExpireCycle(now_ms, kExpireBudgetUs);
      // Redis's "expire-cycle" latency event: a cycle that took at least
      // latency-monitor-threshold ms (freeing a big expired value can). The
      // setting is read only for a cycle that took a millisecond or more.
      const int64_t took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
      if (took_ms > 0) {
        const int64_t threshold = self->server_->config->GetInt("latency-monitor-threshold");
        if (threshold > 0 && took_ms >= threshold) {
          self->server_->stats.latency.AddSample("expire-cycle", took_ms);
        }
      }
    }
    // Memory over maxmemory (a CONFIG SET that lowered it, or commands that
    // ran out of eviction time) keeps being freed here, as Redis's eviction
    // time event does, without waiting for the next command.
    if (self->server_->config->maxmemory() != 0 &&
        !(replica && self->server_->config->GetBool("replica-ignore-maxmemory"))) {
      WatchRegistry& watches = self->server_->watches;
      PerformEvictions(*self->store_, self->server_->config->eviction_settings(),
                       [&watches](int db, std::string_view key) { watches.Touch(db, key); });
    } else {
      self->store_->NoteMemoryOverLimit(false);  // maxmemory was lifted: no longer over it
    }
    // As Redis's serverCron: tracking-table-max-keys applies even when idle.
    if (self->server_->tracking.clients() > 0) {
      self->server_->tracking.LimitUsedSlots(*self->server_->config);
    }
    self->FlushPending();  // "expired" notifications to this loop's subscribers
    // Redis closes them once a second; a check every tick is as cheap.
    self->server_->migrate_sockets.CloseIdle();
    // Shared, as a batch holds it: a save's instant never falls inside
    // another loop's EXEC. Skipped for this tick while a script is busy.
    if (self->server_->persistence != nullptr && self->server_->LockExecSharedUnlessBusy()) {
      self->server_->persistence->Cron(now_ms);
      if (self->server_->aof != nullptr) self->server_->aof->Cron(now_ms);
      if (repl != nullptr) repl->Cron(now_ms);
      self->server_->exec_mu.ReaderUnlock();
    }
  }
  self->MaybeRefreshLimits();
  self->ClientsCron(now_ms);
  self->ResumePaused(now_ms);
}

void EventLoop::BeginStop() {
  stopping_ = true;
  for (auto& listener : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  listeners_.clear();
  for (auto& listener : unix_listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
  }
  unix_listeners_.clear();
  // Every queued request is answered (or failed) before connections close.
  applier_.Stop(absl::Seconds(2)).IgnoreError();
  notifier_.FailAll(Applier::kStoppedError);
  std::vector<Connection*> open;
  for (const auto& [id, connection] : connections_) open.push_back(connection);
  for (Connection* connection : open) connection->CloseAfterReply();
  uv_timer_start(&grace_, OnGraceTimeout, kStopGraceMs, 0);
  MaybeFinishStop();
}

void EventLoop::OnGraceTimeout(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  std::vector<Connection*> open(self->lingering_.begin(), self->lingering_.end());
  for (const auto& [id, connection] : self->connections_) open.push_back(connection);
  for (Connection* connection : open) connection->Close();
}

void EventLoop::MaybeFinishStop() {
  if (!stopping_ || finished_ || !connections_.empty() || !lingering_.empty() ||
      ring_.in_flight() > 0 || !deferred_.empty()) {
    return;
  }
  finished_ = true;
  uv_timer_stop(&grace_);
  uv_timer_stop(&block_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&block_timer_), nullptr);
  uv_timer_stop(&repl_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&repl_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&grace_), nullptr);
  uv_check_stop(&check_);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  if (ring_polled_) uv_close(reinterpret_cast<uv_handle_t*>(&ring_poll_), nullptr);
}

}  // namespace valkdb
