#include "client/internal/sync_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client/internal/handshake.h"
#include "protocol/str_util.h"

namespace valkdb::client_internal {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

// Waits for `events` on fd until the deadline; false on timeout.
absl::StatusOr<bool> WaitFor(int fd, short events, const Deadline& deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, deadline.PollTimeoutMs());
    if (rc > 0) return true;
    if (rc == 0) {
      if (deadline.Passed()) return false;
      continue;  // poll rounds to milliseconds; go again until the deadline really passed
    }
    if (errno == EINTR) continue;
    return absl::InternalError(StrCat("valkdb: poll: ", ErrnoText(errno)));
  }
}

std::string Format(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace

SyncConnection::SyncConnection(ClientOptions options)
    : options_(std::move(options)), address_(Address(options_)) {}

SyncConnection::~SyncConnection() { Close(); }

void SyncConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  parser_ = ReplyParser();
  rbuf_.clear();
  rpos_ = 0;
}

absl::Status SyncConnection::Fail(absl::Status status) {
  Close();
  return status;
}

absl::Status SyncConnection::ConnectSocket(const Deadline& deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  const int gai = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) {
    return absl::UnavailableError(
        StrCat("valkdb: cannot resolve ", options_.host, ": ", ::gai_strerror(gai)));
  }
  absl::Status last = absl::UnavailableError(StrCat("valkdb: no address for ", options_.host));
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = absl::UnavailableError(StrCat("valkdb: socket: ", ErrnoText(errno)));
      continue;
    }
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {
        absl::StatusOr<bool> ready = WaitFor(fd, POLLOUT, deadline);
        if (!ready.ok()) {
          ::close(fd);
          ::freeaddrinfo(found);
          return ready.status();
        }
        if (!*ready) {
          ::close(fd);
          ::freeaddrinfo(found);
          return absl::DeadlineExceededError(StrCat("valkdb: connect to ", address_,
                                                    " timed out after ",
                                                    Format(options_.connect_timeout)));
        }
        socklen_t len = sizeof(err);
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err != 0) {
      ::close(fd);
      last = absl::UnavailableError(
          StrCat("valkdb: cannot connect to ", address_, ": ", ErrnoText(err)));
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fd_ = fd;
    ::freeaddrinfo(found);
    return absl::OkStatus();
  }
  ::freeaddrinfo(found);
  return last;
}

absl::Status SyncConnection::Connect() {
  Close();
  const Deadline deadline = Deadline::After(options_.connect_timeout);
  if (absl::Status s = ConnectSocket(deadline); !s.ok()) return s;
  const Handshake handshake = BuildHandshake(options_);
  if (handshake.names.empty()) return absl::OkStatus();
  auto timed_out = [&](const absl::Status& s) {
    if (!absl::IsDeadlineExceeded(s)) return s;
    return absl::DeadlineExceededError(StrCat("valkdb: connect to ", address_, " timed out after ",
                                              Format(options_.connect_timeout), " (no answer to ",
                                              handshake.names[0], ")"));
  };
  if (absl::Status s = Write(handshake.encoded, deadline); !s.ok()) return timed_out(s);
  for (size_t i = 0; i < handshake.names.size(); ++i) {
    RespValue reply;
    if (absl::Status s = Read(deadline, &reply); !s.ok()) return timed_out(s);
    if (absl::Status s = CheckHandshakeReply(options_, handshake, i, reply); !s.ok()) {
      return Fail(s);
    }
  }
  return absl::OkStatus();
}

bool SyncConnection::PeerClosed() {
  if (fd_ < 0) return true;
  char c;
  const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  return true;
}

absl::Status SyncConnection::ReadAvailable() {
  while (true) {
    const size_t old = rbuf_.size();
    rbuf_.resize(old + kReadChunk);
    const ssize_t n = ::recv(fd_, rbuf_.data() + old, kReadChunk, MSG_DONTWAIT);
    rbuf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return absl::OkStatus();
    // The peer closed or failed; what it sent is still buffered, but the
    // command cannot complete.
    if (n == 0) {
      return Fail(absl::UnavailableError(StrCat("valkdb: connection closed by ", address_)));
    }
    return Fail(absl::UnavailableError(
        StrCat("valkdb: connection to ", address_, " lost: ", ErrnoText(errno))));
  }
}

absl::Status SyncConnection::Write(std::string_view data, const Deadline& deadline) {
  if (fd_ < 0) return absl::UnavailableError(StrCat("valkdb: not connected to ", address_));
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Replies to the start of a long pipeline may fill the socket while it is
      // still being sent; read them into the buffer so neither side stalls.
      absl::StatusOr<bool> ready = WaitFor(fd_, POLLOUT | POLLIN, deadline);
      if (!ready.ok()) return Fail(ready.status());
      if (*ready) {
        if (absl::Status s = ReadAvailable(); !s.ok()) return s;
        continue;
      }
      if (!*ready) {
        return Fail(absl::DeadlineExceededError(
            StrCat("valkdb: timed out after ", Format(options_.command_timeout), " writing to ",
                   address_, " (connection closed)")));
      }
      continue;
    }
    return Fail(absl::UnavailableError(
        StrCat("valkdb: connection to ", address_, " lost: ", ErrnoText(errno))));
  }
  return absl::OkStatus();
}

absl::Status SyncConnection::Read(const Deadline& deadline, RespValue* out, bool keep_pushes) {
  if (fd_ < 0) return absl::UnavailableError(StrCat("valkdb: not connected to ", address_));
  while (true) {
    if (rpos_ < rbuf_.size()) {
      size_t consumed = 0;
      const ReplyParser::Status status =
          parser_.Parse(std::string_view(rbuf_).substr(rpos_), &consumed, out);
      rpos_ += consumed;
      if (rpos_ == rbuf_.size()) {
        rbuf_.clear();
        rpos_ = 0;
      }
      if (status == ReplyParser::Status::kValue) {
        if (out->type == RespValue::Type::kPush && !keep_pushes) continue;
        return absl::OkStatus();
      }
      if (status == ReplyParser::Status::kError) {
        return Fail(absl::InternalError(
            StrCat("valkdb: malformed reply from ", address_, ": ", parser_.error())));
      }
    }
    absl::StatusOr<bool> ready = WaitFor(fd_, POLLIN, deadline);
    if (!ready.ok()) return Fail(ready.status());
    if (!*ready) {
      return Fail(absl::DeadlineExceededError(
          StrCat("valkdb: timed out after ", Format(options_.command_timeout),
                 " waiting for a reply from ", address_, " (connection closed)")));
    }
    const size_t old = rbuf_.size();
    rbuf_.resize(old + kReadChunk);
    const ssize_t n = ::recv(fd_, rbuf_.data() + old, kReadChunk, 0);
    rbuf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n > 0) continue;
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n == 0) {
      return Fail(absl::UnavailableError(StrCat("valkdb: connection closed by ", address_)));
    }
    return Fail(absl::UnavailableError(
        StrCat("valkdb: connection to ", address_, " lost: ", ErrnoText(errno))));
  }
}

absl::Status SyncConnection::RoundTrip(std::string_view data, size_t count,
                                       std::vector<RespValue>* replies) {
  const Deadline deadline = Deadline::After(options_.command_timeout);
  if (absl::Status s = Write(data, deadline); !s.ok()) return s;
  replies->resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (absl::Status s = Read(deadline, &(*replies)[i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace valkdb::client_internal
