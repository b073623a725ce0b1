#include "server/commands/migrate_sockets.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace valkdb {
namespace {

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Redis's aeWait: whether fd became ready for `events` within timeout_ms.
bool WaitFor(int fd, short events, int64_t timeout_ms) {
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms, INT32_MAX)));
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
}

// Redis's anetTcpNonBlockConnect then connBlockingConnect: the first address
// of host whose connect() succeeds or is in progress, then a wait of up to
// timeout_ms for it to become writable. As in Redis 7.0, a connection still
// in progress after the wait is used anyway (its first write then times out).
int Connect(std::string_view host, std::string_view port, int64_t timeout_ms) {
  // atoi, as Redis parses the port: "abc" is port 0, which refuses.
  const std::string port_text = std::to_string(std::atoi(std::string(port).c_str()));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* servinfo = nullptr;
  if (getaddrinfo(std::string(host).c_str(), port_text.c_str(), &hints, &servinfo) != 0) {
    return -1;
  }
  int fd = -1;
  for (addrinfo* p = servinfo; p != nullptr; p = p->ai_next) {
    fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(servinfo);
  if (fd < 0) return -1;
  WaitFor(fd, POLLOUT, timeout_ms);
  const int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  return fd;
}

}  // namespace

MigrateSockets::~MigrateSockets() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, cached] : sockets_) close(cached.fd);
}

bool MigrateSockets::Acquire(std::string_view host, std::string_view port, int64_t timeout_ms,
                             Lease* lease) {
  lease->name = std::string(host);
  lease->name.push_back(':');
  lease->name.append(port);
  const int64_t now_s = MonotonicMs() / 1000;
  {
    absl::MutexLock lock(&mu_);
    auto it = sockets_.find(lease->name);
    if (it != sockets_.end() && !it->second.lent) {
      it->second.lent = true;
      it->second.last_use_s = now_s;
      lease->fd = it->second.fd;
      lease->last_dbid = it->second.last_dbid;
      lease->cached = true;
      return true;
    }
  }
  // Connected with the lock released: it may take up to timeout_ms.
  lease->fd = Connect(host, port, timeout_ms);
  lease->last_dbid = -1;
  lease->cached = false;
  if (lease->fd < 0) return false;
  absl::MutexLock lock(&mu_);
  if (sockets_.contains(lease->name)) return true;  // lent to another MIGRATE: ours stays apart
  if (sockets_.size() >= kMaxItems) {
    // Full: one goes, as Redis drops a random one (here any one not lent).
    for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
      if (!it->second.lent) {
        close(it->second.fd);
        sockets_.erase(it);
        break;
      }
    }
    if (sockets_.size() >= kMaxItems) return true;  // all lent: not cached
  }
  sockets_.emplace(lease->name, Cached{lease->fd, -1, now_s, true});
  lease->cached = true;
  return true;
}

void MigrateSockets::Release(Lease* lease) {
  if (lease->fd < 0) return;
  if (!lease->cached) {
    close(lease->fd);
  } else {
    absl::MutexLock lock(&mu_);
    auto it = sockets_.find(lease->name);
    if (it != sockets_.end() && it->second.fd == lease->fd) {
      it->second.lent = false;
      it->second.last_dbid = lease->last_dbid;
    }
  }
  lease->fd = -1;
}

void MigrateSockets::Close(Lease* lease) {
  if (lease->fd < 0) return;
  if (lease->cached) {
    absl::MutexLock lock(&mu_);
    auto it = sockets_.find(lease->name);
    if (it != sockets_.end() && it->second.fd == lease->fd) sockets_.erase(it);
  }
  close(lease->fd);
  lease->fd = -1;
}

void MigrateSockets::CloseIdle() {
  const int64_t now_s = MonotonicMs() / 1000;
  absl::MutexLock lock(&mu_);
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    if (!it->second.lent && now_s - it->second.last_use_s > kTtlSeconds) {
      close(it->second.fd);
      sockets_.erase(it++);
    } else {
      ++it;
    }
  }
}

size_t MigrateSockets::size() const {
  absl::MutexLock lock(&mu_);
  return sockets_.size();
}

bool SyncWrite(int fd, std::string_view data, int64_t timeout_ms, bool* timed_out) {
  const int64_t start = MonotonicMs();
  int64_t remaining = timeout_ms;
  while (true) {
    // Optimistic write first; at worst EAGAIN.
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        *timed_out = errno == ETIMEDOUT;
        return false;
      }
    } else {
      data.remove_prefix(static_cast<size_t>(n));
    }
    if (data.empty()) return true;
    WaitFor(fd, POLLOUT, std::max<int64_t>(remaining, 10));
    const int64_t elapsed = MonotonicMs() - start;
    if (elapsed >= timeout_ms) {
      *timed_out = true;
      return false;
    }
    remaining = timeout_ms - elapsed;
  }
}

namespace {

// Redis's syncRead of one byte.
bool SyncReadByte(int fd, char* c, int64_t timeout_ms, bool* timed_out) {
  const int64_t start = MonotonicMs();
  int64_t remaining = timeout_ms;
  while (true) {
    const ssize_t n = read(fd, c, 1);
    if (n == 0) return false;  // the target closed the connection
    if (n == 1) return true;
    if (errno != EAGAIN && errno != EINTR) {
      *timed_out = errno == ETIMEDOUT;
      return false;
    }
    WaitFor(fd, POLLIN, std::max<int64_t>(remaining, 10));
    const int64_t elapsed = MonotonicMs() - start;
    if (elapsed >= timeout_ms) {
      *timed_out = true;
      return false;
    }
    remaining = timeout_ms - elapsed;
  }
}

}  // namespace

int64_t SyncReadLine(int fd, char* buf, size_t size, int64_t timeout_ms, bool* timed_out) {
  // Byte by byte, as Redis: what follows the line stays in the socket.
  size_t n = 0;
  buf[0] = '\0';
  while (n + 1 < size) {
    char c;
    if (!SyncReadByte(fd, &c, timeout_ms, timed_out)) return -1;
    if (c == '\n') {
      // The length counts the CR (so "\r\n" is 1, not a failure), as Redis's.
      if (n > 0 && buf[n - 1] == '\r') buf[n - 1] = '\0';
      return static_cast<int64_t>(n);
    }
    buf[n++] = c;
    buf[n] = '\0';
  }
  return static_cast<int64_t>(n);
}

}  // namespace valkdb
