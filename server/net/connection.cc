#include "server/net/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>

#include "protocol/str_util.h"
#include "server/net/event_loop.h"

namespace valkdb {
namespace {

// Stop reading from a client whose unsent replies pass this (it pipelines
// without reading); resume when they drain below a quarter of it.
constexpr size_t kPauseReadingAt = 16 * 1024 * 1024;
constexpr size_t kMaxIov = 64;

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

}  // namespace

Connection::Connection(EventLoop* loop) : loop_(loop), writer_(&out_) {
  uv_tcp_init(loop->uv(), &tcp_);
  tcp_.data = this;
  write_req_.data = this;
  state_.id = loop->server().next_client_id.fetch_add(1, std::memory_order_relaxed);
  state_.created_ms = state_.last_interaction_ms = UnixTimeMs();
}

Connection::~Connection() = default;

void Connection::Start() {
  sockaddr_storage addr;
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    state_.addr = FormatAddress(addr);
  }
  len = sizeof(addr);
  if (uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    state_.laddr = FormatAddress(addr);
  }
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0) state_.fd = fd;
  // Replies must not wait for Nagle: clients send the next request only after one.
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, 300);
  StartReading();
}

void Connection::StartReading() {
  if (reading_ || closing_ || state_.close_after_reply) return;
  reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead) == 0;
}

void Connection::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
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
  self->loop_->server().net_input_bytes.fetch_add(static_cast<uint64_t>(nread),
                                                 std::memory_order_relaxed);
  self->Process(std::string_view(buf->base, static_cast<size_t>(nread)));
}

void Connection::Process(std::string_view input) {
  const int64_t now_ms = UnixTimeMs();
  state_.last_interaction_ms = now_ms;
  Applier& applier = loop_->applier();
  size_t consumed = 0;
  bool protocol_error = false;
  uint64_t commands = 0;
  while (consumed < input.size()) {
    RequestParser::Status status = parser_.Parse(input.substr(consumed), &consumed, &current_);
    if (status == RequestParser::Status::kNeedMore) break;
    if (status == RequestParser::Status::kError) {
      protocol_error = true;
      break;
    }
    Task* task = applier.Enqueue(loop_->ids().Next(), this, now_ms);
    if (task == nullptr) break;  // stopping: the connection is about to close
    task->args.Swap(current_);
    ++commands;
  }
  // One hand-off for everything this read brought: the applier runs the
  // batch in order and the replies leave together.
  applier.Drain(now_ms);
  loop_->server().total_commands.fetch_add(commands, std::memory_order_relaxed);
  if (protocol_error) {
    writer_.Error(parser_.error());
    CloseAfterReply();
    return;
  }
  Flush();
}

void Connection::Execute(Task& task, int64_t now_ms) {
  // After QUIT (or a fatal error) the rest of a pipeline is not run, as in Redis.
  if (state_.close_after_reply || closing_) return;
  CommandContext ctx{loop_->store(), loop_->server(), state_, writer_, task.args, now_ms};
  CommandTable::Get().Dispatch(ctx);
}

void Connection::Complete(uint64_t, const Outcome& outcome) {
  if (!outcome.ok && !closing_) writer_.Error(outcome.error);
}

void Connection::CloseAfterReply() {
  state_.close_after_reply = true;
  StopReading();
  Flush();
}

void Connection::Flush() {
  if (closing_) return;
  if (!writing_) {
    // Write synchronously while the socket takes it; queue the rest.
    uv_stream_t* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
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
      writing_ = true;
    }
  }
  if (out_.empty() && state_.close_after_reply) {
    Close();
    return;
  }
  // Backpressure: a client that sends faster than it reads waits for its replies.
  if (out_.size() >= kPauseReadingAt) {
    StopReading();
  } else if (!reading_ && out_.size() < kPauseReadingAt / 4 && !loop_->stopping()) {
    StartReading();
  }
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  self->writing_ = false;
  if (status < 0) {
    self->Close();
    return;
  }
  self->out_.Consume(self->writing_bytes_);
  self->loop_->server().net_output_bytes.fetch_add(self->writing_bytes_, std::memory_order_relaxed);
  self->writing_bytes_ = 0;
  self->Flush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  reading_ = false;
  loop_->notifier().Forget(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  self->loop_->Forget(self);
  delete self;
}

}  // namespace valkdb
