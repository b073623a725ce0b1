#include "tests/support/resp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "gtest/gtest.h"
#include "protocol/str_util.h"

namespace valkdb::test {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
}

// Waits for `events` on fd until the deadline; false on timeout.
absl::Status PollUntil(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd pfd{fd, events, 0};
    int n = poll(&pfd, 1, RemainingMs(deadline));
    if (n > 0) return absl::OkStatus();
    if (n == 0) return absl::DeadlineExceededError("timed out");
    if (errno != EINTR) return absl::InternalError(StrCat("poll: ", std::strerror(errno)));
  }
}

std::vector<std::string_view> Views(const std::vector<std::string>& args) {
  return std::vector<std::string_view>(args.begin(), args.end());
}

std::string Describe(absl::Span<const std::string_view> args) {
  std::string out;
  for (std::string_view arg : args) {
    if (!out.empty()) out += ' ';
    out += arg.size() > 64 ? StrCat(arg.substr(0, 64), "...(", arg.size(), " bytes)")
                           : std::string(arg);
  }
  return out;
}

}  // namespace

// The value of `name:` in an INFO section, "" if absent.
std::string InfoValue(std::string_view info, std::string_view name) {
  const std::string key = StrCat("\r\n", name, ":");
  size_t at = info.find(key);
  if (at == std::string_view::npos) return "";
  at += key.size();
  return std::string(info.substr(at, info.find("\r\n", at) - at));
}

std::string InfoField(RespClient& c, std::string_view section, std::string_view name) {
  return InfoValue(c.Command({"INFO", section}).str, name);
}

std::string Encode(std::initializer_list<std::string_view> args) {
  return EncodeCommand(absl::Span<const std::string_view>(args.begin(), args.size()));
}

std::string Encode(const std::vector<std::string>& args) {
  std::vector<std::string_view> views = Views(args);
  return EncodeCommand(views);
}

absl::StatusOr<std::unique_ptr<RespClient>> RespClient::Connect(int port, Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(StrCat("connect to port ", port, ": ", std::strerror(err)));
  }
  if (rc != 0) {
    absl::Status status = PollUntil(fd, POLLOUT, deadline);
    int err = 0;
    socklen_t len = sizeof(err);
    if (status.ok()) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!status.ok() || err != 0) {
      close(fd);
      return absl::UnavailableError(
          StrCat("connect to port ", port, ": ", status.ok() ? std::strerror(err) : "timed out"));
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RespClient>(new RespClient(fd));
}

absl::StatusOr<std::unique_ptr<RespClient>> RespClient::ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(StrCat("unix socket path too long: ", path));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(StrCat("socket: ", std::strerror(errno)));
  // A unix socket connects at once (or fails at once): blocking is fine here.
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(StrCat("connect to ", path, ": ", std::strerror(err)));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<RespClient>(new RespClient(fd));
}

RespClient::~RespClient() { Close(); }

void RespClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status RespClient::Send(std::string_view bytes, Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("not connected");
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status status = PollUntil(fd_, POLLOUT, deadline);
      if (!status.ok()) {
        return absl::DeadlineExceededError(
            StrCat("send timed out with ", bytes.size(), " bytes unsent"));
      }
      continue;
    }
    return absl::UnavailableError(StrCat("send: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status RespClient::Fill(Clock::time_point deadline) {
  if (fd_ < 0) return absl::FailedPreconditionError("not connected");
  if (eof_) return absl::UnavailableError("connection closed by peer");
  constexpr size_t kChunk = 256 * 1024;
  while (true) {
    const size_t old_size = buffer_.size();
    buffer_.resize(old_size + kChunk);
    ssize_t n = recv(fd_, buffer_.data() + old_size, kChunk, 0);
    buffer_.resize(old_size + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      eof_ = true;
      return absl::UnavailableError("connection closed by peer");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status status = PollUntil(fd_, POLLIN, deadline);
      if (!status.ok()) return status;
      continue;
    }
    if (errno == ECONNRESET) {
      eof_ = true;
      return absl::UnavailableError("connection reset by peer");
    }
    return absl::UnavailableError(StrCat("recv: ", std::strerror(errno)));
  }
}

absl::Status RespClient::ReadReplyImpl(Duration timeout, RespValue* value, std::string* raw) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (!buffer_.empty()) {
      size_t consumed = 0;
      ReplyParser::Status status = parser_.Parse(buffer_, &consumed, value);
      if (raw != nullptr) raw->append(buffer_, 0, consumed);
      buffer_.erase(0, consumed);
      if (status == ReplyParser::Status::kValue) return absl::OkStatus();
      if (status == ReplyParser::Status::kError) {
        std::string error = parser_.error();
        parser_ = ReplyParser();
        return absl::DataLossError(StrCat("unparseable reply: ", error));
      }
    }
    absl::Status status = Fill(deadline);
    if (!status.ok()) {
      return absl::Status(status.code(), StrCat("reading a reply: ", status.message()));
    }
  }
}

absl::StatusOr<RespValue> RespClient::ReadReply(Duration timeout) {
  RespValue value;
  absl::Status status = ReadReplyImpl(timeout, &value, nullptr);
  if (!status.ok()) return status;
  return value;
}

absl::StatusOr<std::string> RespClient::ReadRawReply(Duration timeout) {
  RespValue value;
  std::string raw;
  absl::Status status = ReadReplyImpl(timeout, &value, &raw);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        StrCat(status.message(), " (partial reply: ", raw.size(), " bytes)"));
  }
  return raw;
}

RespValue RespClient::Command(std::initializer_list<std::string_view> args, Duration timeout) {
  absl::Span<const std::string_view> span(args.begin(), args.size());
  absl::Status status = Send(EncodeCommand(span), timeout);
  absl::StatusOr<RespValue> reply =
      status.ok() ? ReadReply(timeout) : absl::StatusOr<RespValue>(status);
  if (!reply.ok()) {
    ADD_FAILURE() << "command '" << Describe(span) << "' failed: " << reply.status();
    return RespValue::Err(StrCat("CLIENT: ", reply.status().ToString()));
  }
  return *std::move(reply);
}

RespValue RespClient::Run(const std::vector<std::string>& args, Duration timeout) {
  std::vector<std::string_view> views = Views(args);
  absl::Status status = Send(EncodeCommand(views), timeout);
  absl::StatusOr<RespValue> reply =
      status.ok() ? ReadReply(timeout) : absl::StatusOr<RespValue>(status);
  if (!reply.ok()) {
    ADD_FAILURE() << "command '" << Describe(views) << "' failed: " << reply.status();
    return RespValue::Err(StrCat("CLIENT: ", reply.status().ToString()));
  }
  return *std::move(reply);
}

std::string RespClient::ReadRaw(size_t n, Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  // Raw reads bypass the reply parser: drop any half-parsed reply.
  parser_ = ReplyParser();
  while (buffer_.size() < n && Fill(deadline).ok()) {
  }
  std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
  buffer_.erase(0, out.size());
  return out;
}

std::string RespClient::ReadRawUntilTimeout(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  parser_ = ReplyParser();
  while (Fill(deadline).ok()) {
  }
  std::string out;
  out.swap(buffer_);
  return out;
}

bool RespClient::IsClosedByPeer(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    absl::Status status = Fill(deadline);
    if (status.ok()) continue;
    return eof_;
  }
}

}  // namespace valkdb::test
