#include "client/internal/async_core.h"

#include <uv.h>

#include <algorithm>
#include <utility>

#include "client/reply.h"
#include "protocol/str_util.h"

namespace valkdb::client_internal {

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);

std::string UvError(int code) { return uv_strerror(code); }

uint64_t TimerMs(int64_t ms) { return ms < 0 ? 0 : static_cast<uint64_t>(ms); }

}  // namespace

struct AsyncCore::Conn {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  AsyncCore* core;
  ReplyParser parser;
  std::string writing;  // the buffer of the write in flight
  bool write_in_flight = false;
};

struct AsyncCore::Resolve {
  uv_getaddrinfo_t req;
  AsyncCore* core;
};

// The libuv callbacks, with access to the core's private members.
struct CoreCallbacks {
  static void OnConnect(uv_connect_t* req, int status) {
    auto* conn = static_cast<AsyncCore::Conn*>(req->data);
    conn->core->OnConnected(conn, status);
  }
  static void OnWrite(uv_write_t* req, int status) {
    auto* conn = static_cast<AsyncCore::Conn*>(req->data);
    conn->core->OnWritten(conn, status);
  }
  static void OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* conn = static_cast<AsyncCore::Conn*>(handle->data);
    buf->base = conn->core->read_buf_.get();
    buf->len = kReadBufferSize;
  }
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* conn = static_cast<AsyncCore::Conn*>(stream->data);
    AsyncCore* core = conn->core;
    core->queue_->thread()->SetCurrent();
    if (conn != core->conn_) return;
    if (nread < 0) {
      core->Disconnect(absl::UnavailableError(
          nread == UV_EOF ? StrCat("valkdb: connection closed by ", core->address_)
                          : StrCat("valkdb: connection to ", core->address_,
                                   " lost: ", UvError(static_cast<int>(nread)))));
      return;
    }
    core->OnData(conn, buf->base, static_cast<size_t>(nread));
  }
  static void OnConnClosed(uv_handle_t* handle) {
    auto* conn = static_cast<AsyncCore::Conn*>(handle->data);
    AsyncCore* core = conn->core;
    delete conn;
    core->HandleClosed();
  }
  static void OnTimerClosed(uv_handle_t* handle) {
    auto* core = static_cast<AsyncCore*>(handle->data);
    delete reinterpret_cast<uv_timer_t*>(handle);
    core->HandleClosed();
  }
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
    auto* resolve = static_cast<AsyncCore::Resolve*>(req->data);
    AsyncCore* core = resolve->core;
    const bool current = core->resolving_ == resolve;
    delete resolve;
    if (current) {
      core->resolving_ = nullptr;
      if (status != 0 || res == nullptr) {
        core->Disconnect(absl::UnavailableError(
            StrCat("valkdb: cannot resolve ", core->options_.host, ": ", UvError(status))));
      } else {
        // Prefer IPv4: "localhost" often resolves to ::1 first, where a server
        // bound to 127.0.0.1 (the default) does not listen.
        const addrinfo* pick = res;
        for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
          if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
          }
        }
        core->ConnectTo(pick->ai_addr);
      }
    }
    if (res != nullptr) uv_freeaddrinfo(res);
    core->HandleClosed();
  }
};

std::shared_ptr<AsyncCore> AsyncCore::Create(uv_loop_s* loop, std::shared_ptr<TaskQueue> queue,
                                             ClientOptions options, Hooks hooks) {
  std::shared_ptr<AsyncCore> core(
      new AsyncCore(loop, std::move(queue), std::move(options), std::move(hooks)));
  core->self_ = core;
  return core;
}

AsyncCore::AsyncCore(uv_loop_s* loop, std::shared_ptr<TaskQueue> queue, ClientOptions options,
                     Hooks hooks)
    : loop_(loop),
      queue_(std::move(queue)),
      options_(std::move(options)),
      address_(Address(options_)),
      handshake_(BuildHandshake(options_)),
      hooks_(std::move(hooks)),
      backoff_(kFirstBackoff),
      read_buf_(new char[kReadBufferSize]) {}

AsyncCore::~AsyncCore() = default;

void AsyncCore::Submit(AsyncOp op) {
  if (queue_->thread()->IsCurrent()) {
    Enqueue(std::move(op));
    return;
  }
  auto shared_op = std::make_shared<AsyncOp>(std::move(op));
  if (!queue_->Post(
          [self = shared_from_this(), shared_op] { self->Enqueue(std::move(*shared_op)); })) {
    if (shared_op->done) shared_op->done(absl::CancelledError("valkdb: the event loop was closed"));
  }
}

void AsyncCore::Shutdown(std::function<void()> finished) {
  queue_->Run([self = shared_from_this(), finished = std::move(finished)] {
    self->DoShutdown();
    if (finished) finished();
  });
}

void AsyncCore::EnsureInit() {
  if (inited_) return;
  inited_ = true;
  request_timer_ = new uv_timer_t;
  connect_timer_ = new uv_timer_t;
  uv_timer_init(loop_, request_timer_);
  uv_timer_init(loop_, connect_timer_);
  request_timer_->data = this;
  connect_timer_->data = this;
  open_handles_ += 2;
}

void AsyncCore::Enqueue(AsyncOp op) {
  queue_->thread()->SetCurrent();
  if (shutting_down_) {
    if (op.done) op.done(absl::CancelledError("valkdb: the client is shutting down"));
    return;
  }
  EnsureInit();
  if (state_ == State::kIdle) {
    if (ever_connected_ && !options_.reconnect) {
      if (op.done) {
        op.done(absl::UnavailableError(StrCat("valkdb: the connection to ", address_,
                                              " is closed (", lost_.message(),
                                              ") and ClientOptions::reconnect is off")));
      }
      return;
    }
    StartConnect();
    if (state_ == State::kIdle) {  // failed at once
      if (op.done) op.done(lost_);
      return;
    }
  }
  out_.append(op.bytes);
  if (op.replies > 0) {
    const bool was_empty = pending_.empty();
    pending_.push_back(Pending{op.replies, op.error_ends, {}, op.deadline, std::move(op.done)});
    pending_.back().got.reserve(op.replies);
    if (was_empty) ArmRequestTimer();
  }
  if (state_ == State::kReady) Flush();
}

void AsyncCore::StartConnect() {
  state_ = State::kConnecting;
  const int64_t ms = Deadline::After(options_.connect_timeout).MillisecondsLeft();
  uv_timer_stop(connect_timer_);
  if (ms >= 0) {
    uv_timer_start(
        connect_timer_, [](uv_timer_t* t) { static_cast<AsyncCore*>(t->data)->OnConnectTimer(); },
        TimerMs(ms), 0);
  }
  sockaddr_storage addr{};
  if (uv_ip4_addr(options_.host.c_str(), options_.port, reinterpret_cast<sockaddr_in*>(&addr)) ==
          0 ||
      uv_ip6_addr(options_.host.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr)) ==
          0) {
    ConnectTo(reinterpret_cast<const sockaddr*>(&addr));
    return;
  }
  auto* resolve = new Resolve;
  resolve->core = this;
  resolve->req.data = resolve;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(options_.port);
  const int rc = uv_getaddrinfo(loop_, &resolve->req, &CoreCallbacks::OnResolved,
                                options_.host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    delete resolve;
    Disconnect(absl::UnavailableError(
        StrCat("valkdb: cannot resolve ", options_.host, ": ", UvError(rc))));
    return;
  }
  resolving_ = resolve;
  ++open_handles_;
}

void AsyncCore::ConnectTo(const sockaddr* addr) {
  auto* conn = new Conn;
  conn->core = this;
  uv_tcp_init(loop_, &conn->tcp);
  ++open_handles_;
  conn->tcp.data = conn;
  conn->connect.data = conn;
  conn->write.data = conn;
  conn_ = conn;
  uv_tcp_nodelay(&conn->tcp, 1);
  const int rc = uv_tcp_connect(&conn->connect, &conn->tcp, addr, &CoreCallbacks::OnConnect);
  if (rc != 0) {
    Disconnect(
        absl::UnavailableError(StrCat("valkdb: cannot connect to ", address_, ": ", UvError(rc))));
  }
}

void AsyncCore::OnConnected(Conn* conn, int status) {
  queue_->thread()->SetCurrent();
  if (conn != conn_) return;  // an abandoned attempt (closed, or cancelled)
  if (status != 0) {
    Disconnect(absl::UnavailableError(
        StrCat("valkdb: cannot connect to ", address_, ": ", UvError(status))));
    return;
  }
  const int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&conn->tcp), &CoreCallbacks::OnAlloc,
                               &CoreCallbacks::OnRead);
  if (rc != 0) {
    Disconnect(absl::UnavailableError(StrCat("valkdb: read from ", address_, ": ", UvError(rc))));
    return;
  }
  if (handshake_.names.empty()) {
    Ready();
    return;
  }
  // The caller's commands wait until the handshake succeeded: sent after a
  // failed AUTH or SELECT, they would run as the wrong user or in the wrong db.
  state_ = State::kHandshaking;
  handshake_left_ = handshake_.names.size();
  conn->writing = handshake_.encoded;
  StartWrite(conn);
}

void AsyncCore::Ready() {
  state_ = State::kReady;
  uv_timer_stop(connect_timer_);
  ever_connected_ = true;
  backoff_ = kFirstBackoff;
  lost_ = absl::OkStatus();
  if (hooks_.connected) hooks_.connected();
  Flush();
}

void AsyncCore::Flush() {
  if (state_ != State::kReady || conn_ == nullptr || conn_->write_in_flight || out_.empty()) {
    return;
  }
  // Everything queued since the last write leaves in one write.
  conn_->writing.swap(out_);
  out_.clear();
  StartWrite(conn_);
}

void AsyncCore::StartWrite(Conn* conn) {
  uv_buf_t buf = uv_buf_init(conn->writing.data(), static_cast<unsigned int>(conn->writing.size()));
  conn->write_in_flight = true;
  const int rc = uv_write(&conn->write, reinterpret_cast<uv_stream_t*>(&conn->tcp), &buf, 1,
                          &CoreCallbacks::OnWrite);
  if (rc != 0) {
    conn->write_in_flight = false;
    Disconnect(absl::UnavailableError(StrCat("valkdb: write to ", address_, ": ", UvError(rc))));
  }
}

void AsyncCore::OnWritten(Conn* conn, int status) {
  conn->write_in_flight = false;
  conn->writing.clear();
  if (conn != conn_) return;
  queue_->thread()->SetCurrent();
  if (status != 0) {
    Disconnect(absl::UnavailableError(
        StrCat("valkdb: connection to ", address_, " lost: ", UvError(status))));
    return;
  }
  Flush();
}

void AsyncCore::OnData(Conn* conn, const char* data, size_t size) {
  std::string_view input(data, size);
  while (true) {
    size_t consumed = 0;
    RespValue value;
    const ReplyParser::Status status = conn->parser.Parse(input, &consumed, &value);
    input.remove_prefix(consumed);
    if (status == ReplyParser::Status::kNeedMore) return;
    if (status == ReplyParser::Status::kError) {
      Disconnect(absl::InternalError(
          StrCat("valkdb: malformed reply from ", address_, ": ", conn->parser.error())));
      return;
    }
    OnReply(std::move(value));
    if (conn != conn_) return;  // a callback closed or replaced the connection
  }
}

void AsyncCore::OnReply(RespValue&& value) {
  if (state_ == State::kHandshaking) {
    if (value.type == RespValue::Type::kPush) return;
    const size_t index = handshake_.names.size() - handshake_left_;
    if (absl::Status s = CheckHandshakeReply(options_, handshake_, index, value); !s.ok()) {
      Disconnect(s);
      return;
    }
    if (--handshake_left_ == 0) Ready();
    return;
  }
  if (hooks_.intercept) {
    if (hooks_.intercept(value)) return;
  } else if (value.type == RespValue::Type::kPush) {
    return;  // out of band (client tracking, ...): answers no request
  }
  if (pending_.empty()) {
    Disconnect(absl::InternalError(StrCat("valkdb: reply from ", address_,
                                          " with no request waiting: ", value.DebugString())));
    return;
  }
  Pending& front = pending_.front();
  const bool ends = front.error_ends && value.is_error();
  front.got.push_back(std::move(value));
  if (ends || front.got.size() == front.expected) {
    Pending done = std::move(front);
    pending_.pop_front();
    if (ends) {
      done.done(ServerError(done.got.back().str));
    } else {
      done.done(std::move(done.got));
    }
  }
}

void AsyncCore::Disconnect(const absl::Status& status) {
  if (conn_ != nullptr) {
    CloseConn(conn_);
    conn_ = nullptr;
  }
  if (resolving_ != nullptr) {
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolving_->req));
    resolving_ = nullptr;  // its callback sees it is no longer current
  }
  if (inited_) uv_timer_stop(connect_timer_);
  state_ = State::kIdle;
  lost_ = status;
  out_.clear();
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (Pending& p : failed) {
    if (p.done) p.done(status);
  }
  if (hooks_.disconnected) hooks_.disconnected(status);
  if (hooks_.keep_connected && options_.reconnect && !shutting_down_ && state_ == State::kIdle) {
    ScheduleReconnect();
  }
}

void AsyncCore::CloseConn(Conn* conn) {
  uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp), &CoreCallbacks::OnConnClosed);
}

void AsyncCore::ArmRequestTimer() {
  if (pending_.empty()) return;
  const int64_t ms = pending_.front().deadline.MillisecondsLeft();
  if (ms < 0) return;  // no deadline
  uv_timer_start(
      request_timer_, [](uv_timer_t* t) { static_cast<AsyncCore*>(t->data)->OnRequestTimer(); },
      TimerMs(ms), 0);
}

void AsyncCore::OnRequestTimer() {
  queue_->thread()->SetCurrent();
  if (pending_.empty()) return;
  if (!pending_.front().deadline.Passed()) {
    ArmRequestTimer();
    return;
  }
  // The late reply would answer the next request: the connection must go.
  Disconnect(absl::DeadlineExceededError(
      StrCat("valkdb: timed out after ", absl::FormatDuration(options_.command_timeout),
             " waiting for a reply from ", address_, " (connection closed)")));
}

void AsyncCore::OnConnectTimer() {
  queue_->thread()->SetCurrent();
  if (state_ == State::kIdle) {
    // The backoff before a reconnect ended.
    if (!shutting_down_) StartConnect();
    return;
  }
  if (state_ == State::kReady) return;
  Disconnect(absl::DeadlineExceededError(
      StrCat("valkdb: connect to ", address_, " timed out after ",
             absl::FormatDuration(options_.connect_timeout),
             state_ == State::kHandshaking ? StrCat(" (no answer to ", handshake_.names[0], ")")
                                           : std::string())));
}

void AsyncCore::ScheduleReconnect() {
  uv_timer_stop(connect_timer_);
  uv_timer_start(
      connect_timer_, [](uv_timer_t* t) { static_cast<AsyncCore*>(t->data)->OnConnectTimer(); },
      TimerMs(absl::ToInt64Milliseconds(backoff_)), 0);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

void AsyncCore::DoShutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  Disconnect(absl::CancelledError("valkdb: the client was destroyed"));
  hooks_ = Hooks();
  if (inited_) {
    for (uv_timer_t* t : {request_timer_, connect_timer_}) {
      uv_timer_stop(t);
      uv_close(reinterpret_cast<uv_handle_t*>(t), &CoreCallbacks::OnTimerClosed);
    }
    request_timer_ = connect_timer_ = nullptr;
  }
  MaybeFinish();
}

void AsyncCore::HandleClosed() {
  --open_handles_;
  MaybeFinish();
}

void AsyncCore::MaybeFinish() {
  if (!shutting_down_ || open_handles_ > 0 || self_ == nullptr) return;
  // The last handle is closed: nothing of libuv refers to this object any more.
  std::shared_ptr<AsyncCore> release = std::move(self_);
}

}  // namespace valkdb::client_internal
