#include "server/net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "protocol/str_util.h"
#include "server/log/logger.h"
#include "server/net/event_loop.h"
#include "server/persist/aof_persistence.h"
#include "server/repl/replication.h"

namespace valkdb {
namespace {

// Stop reading from a client whose unsent replies pass this (it pipelines
// without reading); resume when they drain below a quarter of it.
constexpr size_t kPauseReadingAt = 16 * 1024 * 1024;
constexpr size_t kMaxIov = 64;
// Redis's PROTO_REPLY_CHUNK_BYTES: the per-client reply buffer that output
// limits do not count.
constexpr size_t kReplyBufferBytes = 16 * 1024;
// A connection closing after its replies (QUIT, a protocol error, shutdown)
// waits for its peer to take them; it gives up on a peer whose unsent and
// unacknowledged output has not moved for this long (it stopped reading).
constexpr int64_t kStalledPeerMs = 10000;
// A peer that has every byte and sent nothing for this long is taken to be
// idle: closing it then loses it nothing (see DoneClosing).
constexpr int64_t kQuietPeerMs = 1000;

std::string FormatAddress(const sockaddr_storage& addr) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    uv_ip4_name(in, ip, sizeof(ip));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(in6, ip, sizeof(ip));
    port = ntohs(in6->sin6_port);
  }
  return StrCat(ip, ":", port);
}

constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same host "
    "the server is running, however MAKE SURE Redis is not publicly accessible from internet if "
    "you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just "
    "disable the protected mode by editing the Redis configuration file, and setting the "
    "protected mode option to 'no', and then restarting the server. 3) If you started the server "
    "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a bind "
    "address or an authentication password. NOTE: You only need to do one of the above things in "
    "order for the server to start accepting connections from the outside.\r\n";

bool IsLoopback(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
           (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
  }
  return true;  // unix sockets
}

// Redis's anetKeepAlive for tcp-keepalive seconds (0: off): probes start
// after that idle time, every third of it, and 3 unanswered ones drop the peer.
void SetKeepAlive(int fd, int64_t seconds) {
  if (seconds <= 0) return;
  const int interval = static_cast<int>(std::min<int64_t>(seconds, INT32_MAX));
  const int one = 1;
  const int probe_interval = std::max(1, interval / 3);
  const int probes = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe_interval, sizeof(probe_interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
}

// Whether the connection runs a command before it parses the next (see
// kCmdDecidesInput); so does the cross-protocol guard's POST / Host:.
bool DecidesWhatFollows(const CommandSpec* spec, const CommandArgs& args) {
  if (spec != nullptr) return spec->flags & (kCmdDecidesInput | kCmdMayBlock);
  return !args.empty() && CommandTable::IsCrossProtocol(args[0]);
}

}  // namespace

Connection::Connection(EventLoop* loop, bool unix_socket)
    : loop_(loop), unix_socket_(unix_socket), writer_(&out_), discard_writer_(&discarded_) {
  if (unix_socket_) {
    uv_pipe_init(loop->uv(), &handle_.pipe, /*ipc=*/0);
  } else {
    uv_tcp_init(loop->uv(), &handle_.tcp);
  }
  handle_.handle.data = this;
  write_req_.data = this;
  recv_op_.self = this;
  ring_reads_ = loop->ring().native();
  state_.id = loop->server().next_client_id.fetch_add(1, std::memory_order_relaxed);
  state_.loop = loop->index();
  state_.created_ms = state_.last_interaction_ms = UnixTimeMs();
  state_.subscriber = this;
  state_.stats = loop->server().stats.ForLoop(loop->index(), CommandTable::Get().spec_count());
  writer_.set_error_observer(state_.stats);
  discard_writer_.set_error_observer(state_.stats);
}

Connection::~Connection() = default;

void Connection::Start() {
  sockaddr_storage addr;
  int len = sizeof(addr);
  bool loopback = true;
  if (unix_socket_) {
    // As Redis shows a unix socket client: "<unixsocket>:0" for both ends.
    state_.addr = StrCat(loop_->server().unixsocket, ":0");
    state_.laddr = state_.addr;
    state_.unix_socket = true;
  } else if (uv_tcp_getpeername(&handle_.tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    state_.addr = FormatAddress(addr);
    loopback = IsLoopback(addr);
  }
  Config& config = *loop_->server().config;
  const bool no_password = config.GetString("requirepass").empty();
  state_.authenticated = no_password;
  if (!loopback && no_password && config.GetBool("protected-mode")) {
    // Redis's protected mode: no password, so only loopback clients are served.
    out_.Append(kProtectedModeError);
    UpdateSnapshot();
    CloseAfterReply();
    return;
  }
  len = sizeof(addr);
  if (!unix_socket_ &&
      uv_tcp_getsockname(&handle_.tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    state_.laddr = FormatAddress(addr);
  }
  uv_os_fd_t fd;
  if (uv_fileno(&handle_.handle, &fd) == 0) state_.fd = fd;
  if (!unix_socket_) {
    // Replies must not wait for Nagle: clients send the next request only after one.
    uv_tcp_nodelay(&handle_.tcp, 1);
    if (state_.fd >= 0) SetKeepAlive(state_.fd, loop_->tcp_keepalive());
  }
  UpdateSnapshot();
  StartReading();
}

void Connection::StartReading() {
  if (reading_ || closing_ || state_.close_after_reply) return;
  if (ring_reads_) {
    reading_ = true;
    ArmRecv();
    if (!kept_input_.empty()) Defer();  // what came while stopped runs first
    return;
  }
  reading_ = uv_read_start(&handle_.stream, OnAlloc, OnRead) == 0;
}

void Connection::StopReading() {
  if (!reading_) return;
  reading_ = false;
  if (ring_reads_) {
    CancelRecv();  // what arrives before the cancel lands is kept (KeepForLater)
    return;
  }
  uv_read_stop(&handle_.stream);
}

void Connection::ArmRecv() {
  // A receive being cancelled is armed again when it ends (OnRingRecv).
  if (recv_armed_ || closing_ || peer_closed_) return;
  uv_os_fd_t fd;
  if (uv_fileno(&handle_.handle, &fd) == 0 && loop_->ring().RecvMultishot(fd, &recv_op_)) {
    recv_armed_ = true;
    return;
  }
  // The ring takes nothing now: libuv reads this connection from here on.
  ring_reads_ = false;
  reading_ = uv_read_start(&handle_.stream, OnAlloc, OnRead) == 0;
}

void Connection::CancelRecv() {
  if (!recv_armed_ || recv_cancelling_) return;
  loop_->ring().Cancel(&recv_op_);
  recv_cancelling_ = true;
}

void Connection::OnRingRecv(int result, unsigned flags) {
  if (!(flags & IORING_CQE_F_MORE)) {
    recv_armed_ = false;
    recv_cancelling_ = false;
  }
  const uint64_t busy = loop_->busy_client();
  if (result > 0) {
    loop_->NoteInput(input_heard_ms_);
    const std::string_view data = loop_->ring().RecvData(result, flags);
    if (closing_) {
      // Dropped: nothing more is answered.
    } else if (!reading_ || !kept_input_.empty() || busy == state_.id) {
      KeepForLater(data);
    } else if (busy != 0) {
      ServeBusyInput(data);
    } else {
      Input(data);
    }
    loop_->ring().RecycleRecvBuffer(flags);
  } else if (result == -ENOBUFS || result == -ECANCELED) {
    // Ended with the input still open: armed again below while reading.
  } else if (!closing_) {
    // End of input (0), or a reset. Decided outside any command (a busy
    // script's reaping), after the input kept before it.
    peer_closed_ = true;
    peer_reset_ = result < 0;
    progress_ms_ = UnixTimeMs();
    if (busy != 0 || !kept_input_.empty() || deferred_) {
      Defer();
    } else {
      FinishIfPeerClosed();
    }
  }
  if (recv_armed_) return;
  if (closing_) {
    MaybeCloseHandle();
  } else if (handoff_pending_) {
    Defer();  // the socket can go to replication now: no receive can take its input
  } else if (reading_ && !peer_closed_) {
    ArmRecv();  // ended by -ENOBUFS (every buffer taken), or a cancel overtaken
  }
}

void Connection::KeepForLater(std::string_view input) {
  if (handoff_pending_) {
    handoff_input_.append(input);  // replication reads it
    return;
  }
  kept_input_.append(input);
  if (kept_input_.size() > loop_->query_buffer_limit()) {
    Close();
    return;
  }
  if (reading_) Defer();
}

void Connection::Defer() {
  if (deferred_) return;
  deferred_ = true;
  loop_->Defer(this);
}

void Connection::RunDeferred() {
  deferred_ = false;
  if (has_held_result_) {
    has_held_result_ = false;
    OnRingComplete(held_result_, 0);
  }
  if (closing_) {
    MaybeCloseHandle();
    return;
  }
  if (!kept_input_.empty() && reading_) {
    std::string input;
    input.swap(kept_input_);
    Input(input);
  }
  if (handoff_pending_ && !writing_ && !recv_armed_ && !closing_) HandOffToReplication();
  FinishIfPeerClosed();
}

void Connection::FinishIfPeerClosed() {
  if (!peer_closed_ || closing_) return;
  // A reset loses what was not sent. At the end of input, Redis has written
  // the replies of what it read before its read sees the end: so here (Sent).
  if (peer_reset_ || (!writing_ && out_.empty() && kept_input_.empty())) Close();
}

void Connection::MaybeCloseHandle() {
  if (!closing_ || handle_closing_ || ring_sending_ || recv_armed_ || deferred_) return;
  handle_closing_ = true;
  uv_close(&handle_.handle, OnClose);
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  buf->base = self->loop_->read_buffer();
  buf->len = EventLoop::kReadBufferSize;
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    // EOF or a reset: nothing more to answer.
    self->Close();
    return;
  }
  if (nread == 0) return;
  const std::string_view input(buf->base, static_cast<size_t>(nread));
  if (!self->kept_input_.empty()) {
    self->KeepForLater(input);  // after what the ring brought (ArmRecv fell back)
  } else {
    self->Input(input);
  }
}

void Connection::Input(std::string_view input) {
  const auto nread = static_cast<int64_t>(input.size());
  if (state_.close_after_reply || lingering_) {
    // After QUIT, a protocol error or at shutdown, input is read and dropped:
    // a peer still sending never stalls behind replies it has yet to read.
    last_input_ms_ = UnixTimeMs();
    return;
  }
  if (LoopStats* stats = state_.stats) stats->reads_processed.Add(1);
  loop_->server().net_input_bytes.fetch_add(static_cast<uint64_t>(nread),
                                            std::memory_order_relaxed);
  EventLoop& loop = *loop_;
  loop.MaybeRefreshLimits();
  // Redis's client-query-buffer-limit: what it holds of an unfinished request
  // plus this read; the client is closed without a reply.
  const size_t held = parser_.held_bytes() + static_cast<size_t>(nread);
  if (held > loop.query_buffer_limit()) {
    Log(LogLevel::kWarning,
        "Closing client that reached max query buffer length: id=%llu addr=%s "
        "qbuf=%zu",
        static_cast<unsigned long long>(state_.id), state_.addr.c_str(), held);
    Close();
    return;
  }
  {
    // Redis reads 16 KB at a time into its query buffer (PROTO_IOBUF_LEN,
    // 20474 usable bytes once jemalloc has sized it), or as much as an
    // unfinished big argument needs; the buffer keeps that size until the
    // cron shrinks it. valkdb reads into a loop-wide buffer, so this models
    // the size Redis would report.
    constexpr int64_t kRedisReadBufferAlloc = 20474;
    const int64_t before = static_cast<int64_t>(parser_.held_bytes());
    const int64_t need = before + std::max<int64_t>(16 * 1024, nread);
    qbuf_peak_ = std::max(qbuf_peak_, need);
    qbuf_alloc_ = std::max({qbuf_alloc_, kRedisReadBufferAlloc, before + nread});
    state_.qbuf_alloc = qbuf_alloc_;
  }
  if (paused_) {
    // Redis reads a client CLIENT PAUSE holds too: a peer that closes
    // meanwhile is seen (above), and what it had sent is never run.
    paused_input_.append(input);
    if (paused_input_.size() > loop.query_buffer_limit()) Close();
    return;
  }
  Process(input);
}

bool Connection::MustPause(const CommandSpec* spec, absl::Span<const std::string_view> args,
                           int64_t now_ms) const {
  ServerState& server = loop_->server();
  if (now_ms >= server.pause_until_ms.load(std::memory_order_acquire)) return false;
  return PauseHolds(server, state_, spec, args, server.pause_all.load(std::memory_order_relaxed));
}

void Connection::Process(std::string_view input) {
  // After QUIT (or CLIENT KILL of itself) Redis reads nothing more, even while
  // earlier replies are still on their way out.
  if (state_.close_after_reply || closing_) return;
  if (state_.blocked != nullptr) {
    // Redis keeps reading a blocked client's input and runs it afterwards.
    blocked_input_.append(input);
    if (blocked_input_.size() > loop_->query_buffer_limit()) Close();
    return;
  }
  const int64_t now_ms = UnixTimeMs();
  state_.last_interaction_ms = now_ms;
  // The first command's start; each command's end is the next one's start.
  state_.stats->clock_ns = MonotonicNs();
  Applier& applier = loop_->applier();
  RequestLimits limits = loop_->request_limits();
  limits.unauthenticated = !state_.authenticated;
  parser_.set_limits(limits);
  size_t consumed = 0;
  bool protocol_error = false;
  uint64_t commands = 0;
  const CommandTable& table = CommandTable::Get();
  // CLIENT PAUSE is rare: one load per read decides whether to look.
  const bool pausing = now_ms < loop_->server().pause_until_ms.load(std::memory_order_acquire);
  // nullptr when stopping: the connection is about to close.
  auto enqueue = [&](CommandArgs& args, const CommandSpec* spec) -> Task* {
    Task* task = applier.Enqueue(loop_->ids().Next(), this, now_ms);
    if (task == nullptr) return nullptr;
    task->args.Swap(args);
    task->spec = spec;
    ++commands;
    return task;
  };
  // Queued commands of a pipeline whose members' bucket slots were prefetched
  // as they were parsed: their buckets are, just before the queue runs (see
  // MemberPrefetcher). The args stay where they are until their task has run.
  struct Prefetched {
    const CommandSpec* spec;
    int db;
    absl::Span<const std::string_view> args;
  };
  std::array<Prefetched, 16> prefetched;
  size_t prefetched_count = 0;
  MemberPrefetcher prefetcher(loop_->store());
  // Also lets go of the shard the prefetcher holds: the batch runs next.
  auto prefetch_buckets = [&] {
    for (size_t i = 0; i < prefetched_count; ++i) {
      const Prefetched& p = prefetched[i];
      prefetcher.Prefetch(p.db, *p.spec, p.args, MemberPrefetch::kBuckets);
    }
    prefetched_count = 0;
    prefetcher.Release();
  };
  // Runs what is queued now, before parsing on (see DecidesWhatFollows);
  // false if nothing more may be read.
  auto run_now = [&] {
    prefetch_buckets();
    applier.Drain(now_ms);
    if (state_.close_after_reply || state_.close_now || closing_ || over_limit_) return false;
    if (state_.blocked != nullptr) return false;  // the rest waits for the wait to end
    if (state_.become_replica) return false;      // PSYNC: the socket is handed over
    if (limits.unauthenticated == state_.authenticated) {
      limits.unauthenticated = !state_.authenticated;
      parser_.set_limits(limits);
    }
    return true;
  };
  bool read_on = true;
  if (paused_) {
    paused_ = false;
    const CommandSpec* spec = CommandTable::Get().Lookup(paused_command_.views());
    const bool decides = DecidesWhatFollows(spec, paused_command_);
    read_on = enqueue(paused_command_, spec) && (!decides || run_now());
  }
  while (read_on && consumed < input.size()) {
    RequestParser::Status status = parser_.Parse(input.substr(consumed), &consumed, &current_);
    if (status == RequestParser::Status::kNeedMore) break;
    if (status == RequestParser::Status::kError) {
      protocol_error = true;
      break;
    }
    const CommandSpec* spec = lookup_cache_.Lookup(table, current_.views());
    if (pausing && MustPause(spec, current_.views(), now_ms)) {
      // Hold this command and everything after it until the pause ends.
      paused_ = true;
      paused_command_.Swap(current_);
      paused_command_.Detach();
      paused_input_.assign(input.substr(consumed));
      loop_->AddPaused(this);
      break;
    }
    const bool decides = DecidesWhatFollows(spec, current_);
    // More of a pipeline follows: what this command will look its members up
    // in loads while the rest is parsed and run before it.
    const bool big =
        spec != nullptr && spec->member_first != 0 && consumed < input.size() &&
        prefetched_count < prefetched.size() &&
        prefetcher.Prefetch(state_.db, *spec, current_.views(), MemberPrefetch::kSlots);
    // A shard stays held only across a run of prefetched commands (at most
    // prefetched.size()), not while the rest of a long read is parsed.
    if (!big) prefetcher.Release();
    Task* task = enqueue(current_, spec);
    if (task == nullptr) break;
    if (big) prefetched[prefetched_count++] = {spec, state_.db, task->args.views()};
    if (decides && !run_now()) break;
  }
  // One hand-off for everything this read brought: the applier runs the
  // batch in order and the replies leave together.
  prefetch_buckets();
  applier.Drain(now_ms);
  if (state_.blocked != nullptr && !closing_) {
    blocked_input_.assign(input.substr(consumed));
    if (state_.blocked->deadline_ms > 0) {
      loop_->AddBlockDeadline(state_.blocked->deadline_ms, state_.id);
    }
  }
  loop_->server().total_commands.fetch_add(commands, std::memory_order_relaxed);
  UpdateSnapshot();
  if (state_.become_replica && !closing_) [[unlikely]] {
    // PSYNC/SYNC: once what is being written has left, the socket goes to
    // the replication module (see OnWrite).
    StopReading();
    handoff_input_.assign(input.substr(consumed));
    handoff_pending_ = true;
    // A receive on the ring still in flight ends first (OnRingRecv).
    if (!writing_ && !recv_armed_) HandOffToReplication();
    return;
  }
  if (state_.close_now) {
    // POST / Host: (see CommandTable::Dispatch): the replies not yet written go too.
    Close();
  } else if (over_limit_) {
    KillOverOutputLimit();
  } else if (protocol_error) {
    // With CLIENT REPLY OFF or SKIP, Redis sends no protocol error either.
    if (state_.reply_mode == ClientState::ReplyMode::kOn) writer_.Error(parser_.error());
    CloseAfterReply();
  } else if (state_.close_after_reply) {
    CloseAfterReply();  // QUIT, CLIENT KILL of itself: stop reading now
  } else if (AofPersistence* aof = loop_->server().aof;
             aof != nullptr && aof->enabled() && aof->FlushNeeded()) {
    loop_->WaitForAof(this);  // replies go after the iteration's one AOF write
  } else {
    Flush();
  }
  // Subscribers on this loop that a PUBLISH above reached.
  loop_->FlushPending();
}

bool Connection::CanServeWhileBusy() const {
  return !closing_ && !detached_ && !lingering_ && !paused_ && reading_ && !handoff_pending_ &&
         state_.blocked == nullptr && !state_.close_after_reply && state_.fd >= 0 && !over_limit_;
}

void Connection::ServeWhileBusy() {
  if (ring_reads_ || !CanServeWhileBusy()) return;
  std::string input;
  char buf[16 * 1024];
  while (input.size() < loop_->query_buffer_limit()) {
    const ssize_t n = recv(state_.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;  // nothing more now, or EOF: libuv sees that once the loop runs again
    input.append(buf, static_cast<size_t>(n));
  }
  if (input.empty()) return;
  ServeBusyInput(input);
}

void Connection::ServeBusyInput(std::string_view input) {
  if (!CanServeWhileBusy()) {
    KeepForLater(input);
    return;
  }
  const int64_t now_ms = UnixTimeMs();
  state_.last_interaction_ms = now_ms;
  const CommandTable& table = *command_table_;
  size_t consumed = 0;
  while (consumed < input.size() && !state_.close_after_reply && !closing_) {
    RequestParser::Status status = parser_.Parse(input.substr(consumed), &consumed, &current_);
    if (status == RequestParser::Status::kNeedMore) break;
    if (status == RequestParser::Status::kError) {
      if (state_.reply_mode == ClientState::ReplyMode::kOn) writer_.Error(parser_.error());
      state_.close_after_reply = true;
      break;
    }
    RespWriter& out = state_.reply_mode == ClientState::ReplyMode::kOn ? writer_ : discard_writer_;
    out.set_protocol(state_.protocol);
    CommandContext ctx{loop_->store(), loop_->server(), state_, out, current_, now_ms, &writer_};
    table.Dispatch(ctx, table.Lookup(current_.views()));
    discarded_.Clear();
  }
  UpdateSnapshot();
  Flush();
}

void Connection::ResumeIfUnpaused(int64_t now_ms) {
  if (!paused_ || closing_ ||
      MustPause(CommandTable::Get().Lookup(paused_command_.views()), paused_command_.views(),
                now_ms)) {
    return;
  }
  loop_->RemovePaused(this);
  std::string input = std::move(paused_input_);
  paused_input_.clear();
  Process(input);
  StartReading();
}

void Connection::Unblocked() {
  if (state_.blocked == nullptr ||
      state_.blocked->state.load(std::memory_order_acquire) == Waiter::State::kWaiting) {
    return;
  }
  FinishBlocked();
}

void Connection::BlockTimedOut(int64_t deadline_ms) {
  const std::shared_ptr<Waiter>& waiter = state_.blocked;
  if (waiter == nullptr || waiter->deadline_ms != deadline_ms) return;  // an older wait's
  if (!waiter->Finish(Waiter::State::kTimedOut)) return;  // served meanwhile: its post comes
  loop_->server().blocking.Remove(*waiter);
  FinishBlocked();
}

void Connection::FinishBlocked() {
  std::shared_ptr<Waiter> waiter = std::move(state_.blocked);
  state_.blocked = nullptr;
  if (closing_) return;
  RespWriter& out = state_.reply_mode == ClientState::ReplyMode::kOn ? writer_ : discard_writer_;
  out.set_protocol(state_.protocol);
  // A serve may end the wait with an error (XREADGROUP's -NOGROUP): it
  // counts as an error reply and a failed call, as Redis's.
  const bool served_error =
      waiter->state.load(std::memory_order_acquire) == Waiter::State::kServed &&
      waiter->reply.size() > 2 && waiter->reply[0] == '-';
  switch (waiter->state.load(std::memory_order_acquire)) {
    case Waiter::State::kServed:
      if (served_error) {
        out.Error(std::string_view(waiter->reply).substr(0, waiter->reply.size() - 2));
      } else {
        out.Raw(waiter->reply);
      }
      break;
    case Waiter::State::kError:
      out.Error("-UNBLOCKED client unblocked via CLIENT UNBLOCK");
      break;
    default:
      if (waiter->timeout_reply) {
        out.Raw(waiter->timeout_reply());
      } else if (waiter->null_array_on_timeout) {
        out.NullArray();
      } else {
        out.Null();
      }
      break;
  }
  if (blocked_spec_ != nullptr) {
    AccountUnblocked(
        state_, loop_->server(), *blocked_spec_, blocked_args_.views(), blocked_duration_ns_,
        served_error || waiter->state.load(std::memory_order_acquire) == Waiter::State::kError);
    blocked_spec_ = nullptr;
    blocked_args_.Clear();
  }
  discarded_.Clear();
  std::string input = std::move(blocked_input_);
  blocked_input_.clear();
  Process(input);
}

void Connection::Execute(Task& task, int64_t now_ms) {
  // After QUIT (or a fatal error, or passing the output limit) the rest of a
  // pipeline is not run, as in Redis.
  if (state_.close_after_reply || closing_ || over_limit_ || state_.close_now) return;
  const ClientState::ReplyMode mode = state_.reply_mode;
  RespWriter& out = mode == ClientState::ReplyMode::kOn ? writer_ : discard_writer_;
  out.set_protocol(state_.protocol);
  writer_.set_protocol(state_.protocol);
  CommandContext ctx{loop_->store(), loop_->server(), state_, out, task.args, now_ms, &writer_};
  ServerState& server = loop_->server();
  const CommandTable& table = *command_table_;
  // Client-side caching: this client is the one whose command runs here.
  Tracking::Scope tracking_scope(state_.id);
  tracking_scope.set_in_command(true);
  if (server.threads > 1 || server.exec_shared.load(std::memory_order_relaxed)) {
    // Other loops (or a replication link) run commands at the same time; EXEC runs alone.
    if (task.spec != nullptr && (task.spec->flags & kCmdRunsAlone)) {
      absl::MutexLock lock(&server.exec_mu);
      table.Dispatch(ctx, task.spec);
    } else if (server.LockExecSharedUnlessBusy()) {
      table.Dispatch(ctx, task.spec);
      server.exec_mu.ReaderUnlock();
    } else {
      table.Dispatch(ctx, task.spec);  // -BUSY, or what may stop the script
    }
  } else {
    table.Dispatch(ctx, task.spec);
  }
  tracking_scope.set_in_command(false);
  // Invalidations of this client's own keys go after its reply (after EXEC's
  // whole reply in a transaction).
  server.tracking.FlushPending(state_.id, [this](const PubSubMessage& m) { DeliverLocal(m); });
  EndTrackedCommand(state_, task.spec);
  if (state_.blocked != nullptr && task.spec != nullptr) [[unlikely]] {
    // Kept for the accounting at the end of the wait (AccountUnblocked).
    blocked_spec_ = task.spec;
    blocked_args_.Assign(task.args.views());
    blocked_duration_ns_ = state_.stats->last_duration_ns;
  }
  if (mode != ClientState::ReplyMode::kOn) {
    // CLIENT REPLY ON answers +OK although it ran with replies off.
    if (state_.reply_mode == ClientState::ReplyMode::kOn) out_.Append(discarded_.ToString());
    discarded_.Clear();
    if (mode == ClientState::ReplyMode::kSkip && state_.reply_mode == mode) {
      state_.reply_mode = ClientState::ReplyMode::kOn;
    }
  }
  writer_.set_protocol(state_.protocol);
  OverOutputLimit(now_ms);
}

void Connection::Complete(uint64_t, const Outcome& outcome) {
  if (!outcome.ok && !closing_) writer_.Error(outcome.error);
}

void Connection::Deliver(const PubSubMessage& message) {
  if (EventLoop::Current() == loop_) {
    DeliverLocal(message);
  } else {
    loop_->PostMessage(state_.id, message);
  }
}

void Connection::DeliverLocal(const PubSubMessage& message) {
  if (closing_ || state_.close_after_reply) return;
  if (state_.protocol < 3 &&
      (message.resp2.empty() || (message.resp2_if_subscribed && state_.subscriptions() == 0))) {
    return;  // a tracking push has no RESP2 form for this client
  }
  out_.AppendBytes(state_.protocol >= 3 ? message.resp3 : message.resp2);
  // A subscriber that does not read is cut off at its limit (checked in
  // FlushOrKill, after the publisher's batch).
  const OutputLimit& limit = loop_->output_limit(state_.subscriptions() > 0);
  if (limit.enabled()) OverOutputLimit(/*now_ms=*/0);
  loop_->MarkPending(this);
}

bool Connection::OverOutputLimit(int64_t now_ms) {
  if (over_limit_) return true;
  const OutputLimit& limit = loop_->output_limit(state_.subscriptions() > 0);
  // Redis counts only its reply list, not the fixed 16 KB buffer in front of
  // it (so `normal 1 2 3` still lets small replies through).
  const size_t pending = out_.size() > kReplyBufferBytes ? out_.size() - kReplyBufferBytes : 0;
  if (limit.hard > 0 && pending >= limit.hard) {
    over_limit_ = true;
  } else if (limit.soft > 0 && pending >= limit.soft) {
    if (now_ms == 0) now_ms = UnixTimeMs();
    if (soft_limit_since_ms_ == 0) {
      soft_limit_since_ms_ = now_ms;
    } else if (now_ms - soft_limit_since_ms_ > limit.soft_seconds * 1000) {
      over_limit_ = true;
    }
  } else {
    soft_limit_since_ms_ = 0;
  }
  return over_limit_;
}

bool Connection::HasOutputLimit() const {
  return loop_->output_limit(state_.subscriptions() > 0).enabled();
}

void Connection::LogOverOutputLimit() const {
  Log(LogLevel::kWarning,
      "Client id=%llu addr=%s omem=%zu closed for overcoming of output buffer "
      "limits.",
      static_cast<unsigned long long>(state_.id), state_.addr.c_str(), out_.size());
}

void Connection::KillOverOutputLimit() {
  LogOverOutputLimit();
  Close();
}

void Connection::FlushOrKill() {
  if (over_limit_) {
    KillOverOutputLimit();
    return;
  }
  Flush();
}

bool Connection::CronCheck(int64_t now_ms, int64_t idle_timeout_ms) {
  if (closing_) return false;
  // A peer that closed its side and stopped reading is not kept forever.
  if (state_.close_after_reply || lingering_ || peer_closed_) return DoneClosing(now_ms);
  // Redis's clientsCronHandleTimeout: subscribers (and clients CLIENT PAUSE
  // holds, which Redis counts as blocked) never time out.
  if (idle_timeout_ms > 0 && !paused_ && state_.subscriptions() == 0 &&
      now_ms - state_.last_interaction_ms > idle_timeout_ms) {
    return true;
  }
  // Also forgets a soft-limit episode that ended while nothing was added.
  if (OverOutputLimit(now_ms)) {
    LogOverOutputLimit();
    return true;
  }
  ResizeQueryBuffer(now_ms);
  return false;
}

// Redis's clientsCronResizeQueryBuffer: a buffer wasting more than 4 KB is
// freed after 2 s idle, or cut to the recent peak when it is over 32 KB and
// twice that peak; the peak restarts from what is held now.
void Connection::ResizeQueryBuffer(int64_t now_ms) {
  const int64_t held =
      static_cast<int64_t>(parser_.held_bytes() + paused_input_.size() + blocked_input_.size());
  if (qbuf_alloc_ - held > 4 * 1024) {
    if ((now_ms - state_.last_interaction_ms) / 1000 > 2) {
      qbuf_alloc_ = held;
    } else if (qbuf_alloc_ > 32 * 1024 && qbuf_alloc_ / 2 > qbuf_peak_) {
      qbuf_alloc_ = std::max(held, qbuf_peak_);
    }
  }
  qbuf_peak_ = held;
  if (state_.qbuf_alloc != qbuf_alloc_) {
    state_.qbuf_alloc = qbuf_alloc_;
    UpdateSnapshot();  // CLIENT LIST from other clients reads the snapshot
  }
}

void Connection::CloseAfterReply() {
  if (!state_.close_after_reply) {
    state_.close_after_reply = true;
    progress_ms_ = last_input_ms_ = UnixTimeMs();
  }
  Flush();
  DrainInput();
}

void Connection::DrainInput() {
  if (closing_ || reading_) return;
  if (ring_reads_) {
    reading_ = true;
    ArmRecv();
    return;
  }
  reading_ = uv_read_start(&handle_.stream, OnAlloc, OnRead) == 0;
  if (!reading_) Close();
}

size_t Connection::PendingOutput() const {
  // A uv_write's bytes are in libuv's queue; a ring send's still in out_.
  size_t pending = out_.size() - (writing_ && !ring_sending_ ? writing_bytes_ : 0) +
                   uv_stream_get_write_queue_size(&handle_.stream);
  uv_os_fd_t fd;
  int unacked = 0;
  if (uv_fileno(&handle_.handle, &fd) == 0 && ioctl(fd, SIOCOUTQ, &unacked) == 0 && unacked > 0) {
    pending += static_cast<size_t>(unacked);
  }
  return pending;
}

bool Connection::DoneClosing(int64_t now_ms) {
  const size_t pending = PendingOutput();
  if (pending != pending_seen_) {
    pending_seen_ = pending;
    progress_ms_ = now_ms;
  }
  // The peer's kernel has acknowledged every byte and the FIN, and the peer
  // has been quiet for a while: closing now loses it nothing (even a reset
  // from input that comes later leaves the received bytes readable). A peer
  // still sending is waited for: it closes when it sees the FIN.
  if (lingering_ && pending == 0 && now_ms - last_input_ms_ >= kQuietPeerMs) return true;
  return now_ms - progress_ms_ > kStalledPeerMs;
}

void Connection::Flush() {
  if (closing_) return;
  // No reply may show a write the AOF does not hold yet.
  if (AofPersistence* aof = loop_->server().aof; aof != nullptr && aof->enabled()) {
    aof->FlushBeforeReply();
  }
  if (!writing_ && !out_.empty() && loop_->ring().enabled() && !send_via_libuv_ && RingSend()) {
    // Submitted with the loop iteration's other sends (EventLoop::OnCheck).
  } else if (!writing_) {
    send_via_libuv_ = false;
    // Write synchronously while the socket takes it; queue the rest.
    uv_stream_t* stream = &handle_.stream;
    uv_buf_t bufs[kMaxIov];
    struct iovec iov[kMaxIov];
    while (!out_.empty()) {
      size_t n = out_.Peek(iov, kMaxIov);
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        bufs[i] = uv_buf_init(static_cast<char*>(iov[i].iov_base),
                              static_cast<unsigned int>(iov[i].iov_len));
        total += iov[i].iov_len;
      }
      int written = uv_try_write(stream, bufs, static_cast<unsigned int>(n));
      if (written == UV_EAGAIN) break;
      if (written < 0) {
        Close();
        return;
      }
      out_.Consume(static_cast<size_t>(written));
      if (LoopStats* stats = state_.stats) stats->writes_processed.Add(1);
      loop_->server().net_output_bytes.fetch_add(static_cast<uint64_t>(written),
                                                 std::memory_order_relaxed);
      if (static_cast<size_t>(written) < total) break;
    }
    if (!out_.empty()) {
      size_t n = out_.Peek(iov, kMaxIov);
      writing_bytes_ = 0;
      for (size_t i = 0; i < n; ++i) {
        bufs[i] = uv_buf_init(static_cast<char*>(iov[i].iov_base),
                              static_cast<unsigned int>(iov[i].iov_len));
        writing_bytes_ += iov[i].iov_len;
      }
      if (uv_write(&write_req_, stream, bufs, static_cast<unsigned int>(n), OnWrite) != 0) {
        Close();
        return;
      }
      if (LoopStats* stats = state_.stats) stats->writes_processed.Add(1);
      writing_ = true;
    }
  }
  if (state_.close_after_reply) {
    if (out_.empty() && !writing_) Linger();
    return;
  }
  // Backpressure: a client that sends faster than it reads waits for its
  // replies, unless an output limit governs its class (then, as in Redis, it
  // is read on and closed when it passes the limit).
  const bool backpressure = !HasOutputLimit();
  if (backpressure && out_.size() >= kPauseReadingAt) {
    StopReading();
  } else if (!reading_ && (!backpressure || out_.size() < kPauseReadingAt / 4) &&
             !loop_->stopping()) {
    StartReading();
  }
}

// Closing a socket that holds unread input makes the kernel send a reset and
// drop the replies it has not yet delivered; so does input that reaches a
// closed socket. So the last replies to a client that pipelined past QUIT, a
// protocol error or a shutdown could be lost. Instead: FIN after the replies,
// read and drop input, and close when the peer closes, when the peer has
// acknowledged everything and gone quiet, or when it stopped reading
// (DoneClosing, from the cron).
void Connection::Linger() {
  if (lingering_ || closing_) return;
  uv_stream_t* stream = &handle_.stream;
  uv_os_fd_t fd;
  int unread = 0;
  // At shutdown an idle client (quiet for a while, nothing unread, nothing
  // unacknowledged) goes at once, so shutdown need not wait for it.
  if (loop_->stopping() && UnixTimeMs() - state_.last_interaction_ms >= kQuietPeerMs &&
      uv_fileno(&handle_.handle, &fd) == 0 && ioctl(fd, FIONREAD, &unread) == 0 && unread == 0 &&
      PendingOutput() == 0) {
    Close();
    return;
  }
  lingering_ = true;
  progress_ms_ = UnixTimeMs();
  // It is no longer a client (CLIENT LIST, maxclients, PUBLISH receivers),
  // as in Redis, which frees it here.
  Detach();
  loop_->StartLingering(this);
  shutdown_req_.data = this;
  if (uv_shutdown(&shutdown_req_, stream, OnShutdown) != 0) {
    Close();
    return;
  }
  DrainInput();
}

void Connection::OnShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  if (status < 0 && status != UV_ECANCELED) self->Close();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  self->writing_ = false;
  if (status < 0) {
    self->Close();
    return;
  }
  self->Sent(self->writing_bytes_);
}

bool Connection::RingSend() {
  uv_os_fd_t fd;
  if (uv_fileno(&handle_.handle, &fd) != 0) return false;
  const size_t n = out_.Peek(ring_iov_, kRingIov);
  writing_bytes_ = 0;
  for (size_t i = 0; i < n; ++i) writing_bytes_ += ring_iov_[i].iov_len;
  ring_msg_ = {};
  ring_msg_.msg_iov = ring_iov_;
  ring_msg_.msg_iovlen = n;
  if (!loop_->ring().SendMsg(fd, &ring_msg_, this)) return false;
  if (LoopStats* stats = state_.stats) stats->writes_processed.Add(1);
  writing_ = true;
  ring_sending_ = true;
  return true;
}

void Connection::OnRingComplete(int result, unsigned) {
  if (loop_->MustHoldCompletion(state_.id, handoff_pending_)) {
    held_result_ = result;  // the handle stays open: ring_sending_ is still set
    has_held_result_ = true;
    Defer();
    return;
  }
  ring_sending_ = false;
  writing_ = false;
  if (closing_) {
    // Close waited for the kernel to be done with the buffers.
    MaybeCloseHandle();
    return;
  }
  if (result == -EAGAIN || result == -EINTR || result == -ENOBUFS) {
    // Nothing was sent (not expected with FAST_POLL): this chunk goes
    // through libuv, which waits for the socket itself.
    send_via_libuv_ = true;
    Flush();
    return;
  }
  if (result < 0) {
    Close();  // the peer is gone (reset, broken pipe)
    return;
  }
  // A stream socket may take part of it: the rest goes in the next send.
  Sent(static_cast<size_t>(result));
}

void Connection::Sent(size_t bytes) {
  const bool whole = bytes == writing_bytes_;
  out_.Consume(bytes);
  writing_bytes_ = 0;
  // The peer closed its side: replies go while its socket takes them all,
  // as Redis writes before its next read sees the end.
  if (peer_closed_ && (!whole || (out_.empty() && kept_input_.empty()))) {
    Close();
    return;
  }
  if (handoff_pending_) {
    if (!recv_armed_) HandOffToReplication();  // else once the receive ends
    return;
  }
  // Sending counts as interaction (Redis's writeToClient): a slow reader of a
  // big reply is not idle.
  state_.last_interaction_ms = UnixTimeMs();
  loop_->server().net_output_bytes.fetch_add(bytes, std::memory_order_relaxed);
  Flush();
}

void Connection::UpdateSnapshot() {
  absl::MutexLock lock(&snapshot_mu_);
  ClientSnapshot& s = snapshot_;
  if (s.id == 0) {
    s.id = state_.id;
    s.addr = state_.addr;
    s.laddr = state_.laddr;
    s.fd = state_.fd;
    s.unix_socket = unix_socket_;
    s.created_ms = state_.created_ms;
  }
  if (s.name != state_.name) s.name = state_.name;
  s.last_interaction_ms = state_.last_interaction_ms;
  s.db = state_.db;
  s.sub = static_cast<int64_t>(state_.channels.size());
  s.psub = static_cast<int64_t>(state_.patterns.size());
  s.ssub = static_cast<int64_t>(state_.shard_channels.size());
  s.multi = state_.in_multi ? static_cast<int64_t>(state_.queued.size()) : -1;
  s.omem = static_cast<int64_t>(out_.size());
  s.qbuf =
      static_cast<int64_t>(parser_.held_bytes() + paused_input_.size() + blocked_input_.size());
  s.qbuf_free = std::max<int64_t>(qbuf_alloc_ - s.qbuf, 0);
  s.tot_mem = static_cast<int64_t>(sizeof(Connection)) + s.qbuf + s.omem;
  if (!state_.last_command.empty()) s.cmd = state_.last_command;
  s.resp = state_.protocol;
  s.pubsub = state_.subscriptions() > 0;
  s.monitor = state_.monitor;
  s.in_multi = state_.in_multi;
  s.no_evict = state_.no_evict;
  s.blocked = state_.blocked != nullptr;
  s.tracking = (state_.tracking & kTrackingOn) != 0;
  s.link = state_.link;
}

ClientSnapshot Connection::Snapshot() const {
  absl::MutexLock lock(&snapshot_mu_);
  ClientSnapshot s = snapshot_;
  // Another client's write marks our WATCH dirty without this loop's help.
  s.dirty_cas = state_.watch.dirty.load(std::memory_order_relaxed);
  return s;
}

void Connection::Detach() {
  if (detached_) return;
  detached_ = true;
  // Nothing may reach this connection after it is freed: leave the pub/sub
  // hub, the WATCH registry and the scheduler first.
  DropSubscriptions(loop_->server(), state_);
  loop_->server().watches.UnwatchAll(&state_.watch);
  if (state_.tracking & kTrackingOn) loop_->server().tracking.Disable(state_.id);
  if (state_.blocked != nullptr) {
    // A client gone while blocked leaves no waiter behind.
    if (state_.blocked->Finish(Waiter::State::kCancelled)) {
      loop_->server().blocking.Remove(*state_.blocked);
    }
    state_.blocked = nullptr;
  }
  loop_->notifier().Forget(this);
}

void Connection::HandOffToReplication() {
  handoff_pending_ = false;
  Replication* repl = loop_->server().replication;
  uv_os_fd_t fd = -1;
  if (repl == nullptr || uv_fileno(&handle_.handle, &fd) != 0) {
    Close();
    return;
  }
  ReplicaHandoff handoff;
  handoff.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (handoff.fd < 0) {
    Close();
    return;
  }
  handoff.client_id = state_.id;
  handoff.addr = state_.addr;
  handoff.listening_port = state_.repl_listening_port;
  handoff.announced_ip = state_.repl_announced_ip;
  handoff.capa_eof = state_.repl_capa_eof;
  handoff.capa_psync2 = state_.repl_capa_psync2;
  handoff.sync = state_.psync_args.empty();
  if (!handoff.sync) {
    handoff.replid = state_.psync_args[0];
    if (!ParseInt64(state_.psync_args[1], &handoff.offset)) handoff.offset = -1;
  }
  handoff.unsent = out_.ToString();
  out_.Clear();
  handoff.input_left = std::move(handoff_input_);
  // A replica is not a client: it leaves the client list and the count.
  Close();
  repl->AddReplica(std::move(handoff));
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  reading_ = false;
  Detach();
  loop_->Forget(this);
  if (ring_sending_ || recv_armed_) {
    // The kernel may still read out_ or fill a receive buffer: the handle
    // closes once they are back (MaybeCloseHandle), which the cancels make
    // soon; so does the shutdown, should a cancel not reach the kernel.
    if (!ring_reads_) uv_read_stop(&handle_.stream);
    if (ring_sending_) loop_->ring().Cancel(this);
    CancelRecv();
    if (uv_os_fd_t fd; uv_fileno(&handle_.handle, &fd) == 0) shutdown(fd, SHUT_RDWR);
  }
  MaybeCloseHandle();
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  delete self;
}

}  // namespace valkdb
