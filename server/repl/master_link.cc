// Replication, the replica side: REPLICAOF, the link to the master (its own
// thread, blocking on poll), the handshake, a full sync's load, and the
// master's stream applied as Redis's master client.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "protocol/reply_buffer.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/server_state.h"
#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/repl/replication.h"

namespace valkdb {
namespace {

// The socket to the master, read and written with poll in short slices so a
// stopped link (REPLICAOF elsewhere, shutdown) is noticed at once.
class LinkIo {
 public:
  LinkIo(int fd, const std::function<bool()>& current, int64_t timeout_ms,
         std::atomic<uint64_t>* input_bytes)
      : fd_(fd), current_(current), timeout_ms_(timeout_ms), input_bytes_(input_bytes) {}

  std::string buf;  // read and not yet consumed
  int64_t last_io_ms = UnixTimeMs();

  absl::Status Write(std::string_view bytes) {
    size_t done = 0;
    const int64_t start = UnixTimeMs();
    while (done < bytes.size()) {
      if (!current_()) return absl::CancelledError("link stopped");
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 100) < 0 && errno != EINTR) return Errno("poll");
      if (!(p.revents & (POLLOUT | POLLERR | POLLHUP))) {
        if (UnixTimeMs() - start > timeout_ms_) return absl::DeadlineExceededError("write timeout");
        continue;
      }
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return Errno("write");
      }
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  // Reads what is there (waiting up to wait_ms); EOF and errors fail.
  absl::Status ReadSome(int wait_ms, size_t* got = nullptr) {
    if (!current_()) return absl::CancelledError("link stopped");
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) < 0 && errno != EINTR) return Errno("poll");
    if (got != nullptr) *got = 0;
    if (!(p.revents & (POLLIN | POLLERR | POLLHUP))) {
      if (UnixTimeMs() - last_io_ms > timeout_ms_) {
        return absl::DeadlineExceededError("Timeout connecting to the MASTER...");
      }
      return absl::OkStatus();
    }
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return absl::UnavailableError("connection lost");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return absl::OkStatus();
      return Errno("read");
    }
    buf.append(chunk, static_cast<size_t>(n));
    input_bytes_->fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    last_io_ms = UnixTimeMs();
    if (got != nullptr) *got = static_cast<size_t>(n);
    return absl::OkStatus();
  }

  // One line (without its \r\n), as the handshake's replies come.
  absl::Status ReadLine(std::string* line) {
    while (true) {
      const size_t eol = buf.find('\n');
      if (eol != std::string::npos) {
        *line = buf.substr(0, eol);
        if (!line->empty() && line->back() == '\r') line->pop_back();
        buf.erase(0, eol + 1);
        return absl::OkStatus();
      }
      absl::Status status = ReadSome(100);
      if (!status.ok()) return status;
    }
  }

  // A command and its reply line.
  absl::Status Command(std::initializer_list<std::string_view> argv, std::string* reply) {
    std::string out = StrCat("*", argv.size(), "\r\n");
    for (std::string_view a : argv) StrAppend(&out, "$", a.size(), "\r\n", a, "\r\n");
    absl::Status status = Write(out);
    if (!status.ok()) return status;
    return ReadLine(reply);
  }

 private:
  static absl::Status Errno(std::string_view what) {
    return absl::UnavailableError(StrCat(what, ": ", std::strerror(errno)));
  }
  int fd_;
  const std::function<bool()>& current_;
  int64_t timeout_ms_;
  std::atomic<uint64_t>* input_bytes_;  // INFO total_net_repl_input_bytes
};

// One RESP multibulk command at the start of `bytes`: its length, or 0 when
// incomplete, or -1 when malformed; argv points into `bytes`.
int64_t ScanCommand(std::string_view bytes, std::vector<std::string_view>* argv) {
  argv->clear();
  size_t pos = 0;
  auto line = [&](std::string_view* out) {
    const size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    *out = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    return true;
  };
  std::string_view header;
  if (!line(&header)) return 0;
  int64_t argc = 0;
  if (header.empty() || header[0] != '*' || !ParseInt64(header.substr(1), &argc) || argc < 1) {
    return -1;
  }
  for (int64_t i = 0; i < argc; ++i) {
    std::string_view size_line;
    if (!line(&size_line)) return 0;
    int64_t len = 0;
    if (size_line.empty() || size_line[0] != '$' || !ParseInt64(size_line.substr(1), &len) ||
        len < 0) {
      return -1;
    }
    if (bytes.size() - pos < static_cast<size_t>(len) + 2) return 0;
    argv->push_back(bytes.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len) + 2;
  }
  return static_cast<int64_t>(pos);
}

absl::StatusOr<int> Connect(const std::string& host, int port, const std::function<bool()>& current,
                            int64_t timeout_ms, int* registered_fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const std::string service = StrCat(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result); rc != 0) {
    return absl::UnavailableError(StrCat("Unable to connect to MASTER: ", gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError("Unable to connect to MASTER");
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    *registered_fd = fd;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = absl::UnavailableError(StrCat("Unable to connect to MASTER: ", std::strerror(errno)));
      ::close(fd);
      *registered_fd = -1;
      continue;
    }
    const int64_t start = UnixTimeMs();
    bool connected = false;
    while (current() && UnixTimeMs() - start < timeout_ms) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 100) > 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          last =
              absl::UnavailableError(StrCat("Unable to connect to MASTER: ", std::strerror(err)));
        } else {
          connected = true;
        }
        break;
      }
    }
    if (connected) {
      ::freeaddrinfo(result);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    ::close(fd);
    *registered_fd = -1;
  }
  ::freeaddrinfo(result);
  return last;
}

}  // namespace

bool Replication::SetMaster(const std::string& host, int port) {
  uint64_t generation;
  {
    absl::MutexLock link(&link_mu_);
    if (replica_.load() && host == master_host_ && port == master_port_) return false;
    master_host_ = host;
    master_port_ = port;
    link_state_ = "connect";
    link_error_.clear();
    link_down_since_ms_ = UnixTimeMs();
    generation = link_generation_.fetch_add(1) + 1;
    if (link_fd_ >= 0) ::shutdown(link_fd_, SHUT_RDWR);
    link_up_.store(false);
    replica_.store(true);
    server_.exec_shared.store(true);
    UpdateChecks();
    link_threads_.emplace_back(
        [this, generation, host, port] { LinkLoop(generation, host, port); });
  }
  Log(LogLevel::kNotice, "Connecting to MASTER %s:%d", host.c_str(), port);
  return true;
}

void Replication::UnsetMaster() {
  {
    absl::MutexLock link(&link_mu_);
    if (!replica_.load()) return;
    link_generation_.fetch_add(1);
    if (link_fd_ >= 0) ::shutdown(link_fd_, SHUT_RDWR);
    master_host_.clear();
    master_port_ = 0;
  }
  SubscribeToFeed();  // this server's own changes feed its replicas from now on
  {
    // The old link applies nothing more (it checks its generation under this lock).
    absl::MutexLock apply(&apply_mu_);
    replica_.store(false);
    link_up_.store(false);
    absl::MutexLock lock(&mu_);
    EnsureBacklogLocked();
    ShiftReplIdLocked();
    selected_db_ = -1;
    // Replicas learn the new id by reconnecting; they continue partially.
    DisconnectReplicasLocked();
  }
  UpdateChecks();
  Log(LogLevel::kNotice, "MASTER MODE enabled (user request)");
}

void Replication::Start() {
  const std::string replicaof = config_.GetString("replicaof");
  if (replicaof.empty()) return;
  std::vector<std::string_view> words = Split(replicaof, ' ');
  int64_t port = 0;
  if (words.size() == 2 && ParseInt64(words[1], &port) && port > 0 && port < 65536) {
    SetMaster(std::string(words[0]), static_cast<int>(port));
  } else {
    Log(LogLevel::kWarning, "replicaof '%s': expected <host> <port>", replicaof.c_str());
  }
}

void Replication::UpdateChecks() {
  uint32_t checks = 0;
  if (replica_.load()) {
    if (config_.GetBool("replica-read-only")) checks |= kReplReadOnly;
    if (!link_up_.load() && !config_.GetBool("replica-serve-stale-data")) checks |= kReplStale;
    if (config_.GetBool("replica-ignore-maxmemory")) checks |= kReplIgnoreMaxmemory;
  } else if (!EnoughGoodReplicas()) {
    checks |= kReplNoReplicas;
  }
  server_.repl_checks.store(checks, std::memory_order_relaxed);
  store_.feed().SetMasterDrivesExpiry(replica_.load() && config_.GetBool("replica-read-only"));
}

void Replication::LinkLoop(uint64_t generation, std::string host, int port) {
  ChangeFeed::applying_master_stream = true;
  while (LinkCurrent(generation) && !stopping_.load()) {
    absl::Status status = RunLink(generation, host, port);
    {
      absl::MutexLock link(&link_mu_);
      if (link_fd_ >= 0) ::close(link_fd_);
      link_fd_ = -1;
      if (!LinkCurrent(generation)) break;
      const bool was_up = link_up_.exchange(false);
      if (was_up) link_down_since_ms_ = UnixTimeMs();
      link_state_ = "connect";
      if (!status.ok()) {
        link_error_ = std::string(status.message());
        Log(LogLevel::kWarning, "MASTER link: %s", link_error_.c_str());
      }
    }
    UpdateChecks();
    // Retry once a second, as Redis's replicationCron.
    for (int i = 0; i < 10 && LinkCurrent(generation) && !stopping_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

absl::Status Replication::RunLink(uint64_t generation, const std::string& host, int port) {
  const std::function<bool()> current = [this, generation] {
    return LinkCurrent(generation) && !stopping_.load();
  };
  const int64_t timeout_ms = config_.GetInt("repl-timeout") * 1000;
  int fd = -1;
  {
    absl::MutexLock link(&link_mu_);
    link_state_ = "connecting";
  }
  int connecting_fd = -1;
  absl::StatusOr<int> connected = Connect(host, port, current, timeout_ms, &connecting_fd);
  if (!connected.ok()) return connected.status();
  fd = *connected;
  {
    absl::MutexLock link(&link_mu_);
    if (!LinkCurrent(generation)) {
      ::close(fd);
      return absl::CancelledError("link stopped");
    }
    link_fd_ = fd;
    link_state_ = "handshake";
  }
  LinkIo io(fd, current, timeout_ms, &server_.net_repl_input_bytes);
  std::string reply;
  // The handshake, as Redis's syncWithMaster.
  absl::Status status = io.Command({"PING"}, &reply);
  if (!status.ok()) return status;
  if (!reply.empty() && reply[0] == '-' && !reply.starts_with("-NOAUTH") &&
      !reply.starts_with("-NOPERM") && !reply.starts_with("-ERR operation not permitted")) {
    return absl::UnavailableError(StrCat("Error reply to PING from master: '", reply, "'"));
  }
  const std::string auth = config_.GetString("masterauth");
  if (!auth.empty()) {
    const std::string user = config_.GetString("masteruser");
    status = user.empty() ? io.Command({"AUTH", auth}, &reply)
                          : io.Command({"AUTH", user, auth}, &reply);
    if (!status.ok()) return status;
    if (reply.empty() || reply[0] == '-') {
      return absl::PermissionDeniedError(StrCat("Unable to AUTH to MASTER: ", reply));
    }
  }
  const int64_t announce_port = config_.GetInt("replica-announce-port");
  const std::string my_port = StrCat(announce_port != 0 ? announce_port : server_.tcp_port.load());
  status = io.Command({"REPLCONF", "listening-port", my_port}, &reply);
  if (!status.ok()) return status;
  const std::string announce_ip = config_.GetString("replica-announce-ip");
  if (!announce_ip.empty()) {
    status = io.Command({"REPLCONF", "ip-address", announce_ip}, &reply);
    if (!status.ok()) return status;
  }
  status = io.Command({"REPLCONF", "capa", "eof", "capa", "psync2"}, &reply);
  if (!status.ok()) return status;
  std::string psync_id;
  std::string psync_offset;
  {
    absl::MutexLock lock(&mu_);
    psync_id = replid_;
    psync_offset = StrCat(EndOffsetLocked() + 1);
  }
  // FAILOVER: the demoted master asks its target to take over.
  status = failover_generation_.load() == generation
               ? io.Command({"PSYNC", psync_id, psync_offset, "FAILOVER"}, &reply)
               : io.Command({"PSYNC", psync_id, psync_offset}, &reply);
  while (status.ok() && reply.empty()) status = io.ReadLine(&reply);  // keepalive newlines
  if (!status.ok()) return status;
  if (reply.starts_with("+FULLRESYNC")) {
    std::vector<std::string_view> words = Split(reply, ' ');
    int64_t offset = 0;
    if (words.size() < 3 || !ParseInt64(words[2], &offset)) {
      return absl::UnavailableError(StrCat("Bad FULLRESYNC reply: ", reply));
    }
    const std::string master_id(words[1]);
    {
      absl::MutexLock link(&link_mu_);
      link_state_ = "transfer";
      sync_total_bytes_ = -1;
      sync_read_bytes_ = 0;
      last_io_ms_ = UnixTimeMs();
    }
    // The payload: "$<len>\r\n<bytes>" or, diskless, "$EOF:<mark>\r\n<bytes><mark>".
    std::string header;
    do {
      status = io.ReadLine(&header);
    } while (status.ok() && header.empty());
    if (!status.ok()) return status;
    if (header.empty() || header[0] != '$') {
      if (header[0] == '-')
        return absl::UnavailableError(StrCat("MASTER aborted replication: ", header));
      return absl::UnavailableError(
          StrCat("Bad protocol from MASTER, the first byte is not '$': ", header));
    }
    std::string payload;
    if (header.starts_with("$EOF:")) {
      const std::string mark = header.substr(5);
      if (mark.size() != 40) return absl::UnavailableError("Bad EOF mark from MASTER");
      while (!(io.buf.size() >= mark.size() && io.buf.ends_with(mark))) {
        status = io.ReadSome(100);
        if (!status.ok()) return status;
        absl::MutexLock link(&link_mu_);
        sync_read_bytes_ = static_cast<int64_t>(io.buf.size());
        last_io_ms_ = io.last_io_ms;
      }
      payload = std::move(io.buf);
      payload.resize(payload.size() - mark.size());
      io.buf.clear();
    } else {
      int64_t length = 0;
      if (!ParseInt64(std::string_view(header).substr(1), &length) || length < 0) {
        return absl::UnavailableError(StrCat("Bad bulk length from MASTER: ", header));
      }
      {
        absl::MutexLock link(&link_mu_);
        sync_total_bytes_ = length;
      }
      while (static_cast<int64_t>(io.buf.size()) < length) {
        status = io.ReadSome(100);
        if (!status.ok()) return status;
        absl::MutexLock link(&link_mu_);
        sync_read_bytes_ = std::min<int64_t>(static_cast<int64_t>(io.buf.size()), length);
        last_io_ms_ = io.last_io_ms;
      }
      payload = io.buf.substr(0, static_cast<size_t>(length));
      io.buf.erase(0, static_cast<size_t>(length));
    }
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: received %zu bytes of RDB", payload.size());
    {
      // Nothing else runs while the keyspace is replaced.
      absl::MutexLock exec_lock(&server_.exec_mu);
      absl::MutexLock apply(&apply_mu_);
      if (!LinkCurrent(generation)) return absl::CancelledError("link stopped");
      {
        // Sub-replicas follow a history that is gone: they sync again.
        absl::MutexLock lock(&mu_);
        DisconnectReplicasLocked();
      }
      if (server_.aof != nullptr) server_.aof->StopAppending();
      store_.FlushAll();
      // The master's libraries replace ours, as its keys do (Redis's emptyData).
      server_.functions.Replace(std::make_shared<const FunctionLibraries>());
      server_.tracking.InvalidateAll();
      // The stream goes on in the db the master's RDB says (repl-stream-db).
      int stream_db = 0;
      status = rdb_.LoadBytes(payload, UnixTimeMs(), /*merge=*/false, /*serving=*/true, nullptr,
                              [&stream_db](std::string_view key, std::string_view value) {
                                int64_t db = 0;
                                if (key == "repl-stream-db" && ParseInt64(value, &db) && db >= 0) {
                                  stream_db = static_cast<int>(db);
                                }
                              });
      if (server_.aof != nullptr) server_.aof->ResumeAppending();
      if (!status.ok()) {
        store_.FlushAll();
        return absl::DataLossError(StrCat(
            "Failed trying to load the MASTER synchronization DB from socket: ", status.message()));
      }
      absl::MutexLock lock(&mu_);
      replid_ = master_id;
      replid2_ = std::string(40, '0');
      second_replid_offset_ = -1;
      backlog_ = true;
      backlog_open_.store(true, std::memory_order_relaxed);
      stream_.clear();
      stream_first_ = offset + 1;
      selected_db_ = -1;
      master_db_ = stream_db;
    }
    // The AOF is rewritten from the new keyspace, as Redis restarts it.
    if (server_.aof != nullptr && server_.aof->enabled()) {
      absl::ReaderMutexLock exec_lock(&server_.exec_mu);
      server_.aof->StartRewrite(false);
    }
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Finished with success");
  } else if (reply.starts_with("+CONTINUE")) {
    std::vector<std::string_view> words = Split(reply, ' ');
    absl::MutexLock apply(&apply_mu_);
    absl::MutexLock lock(&mu_);
    EnsureBacklogLocked();
    if (words.size() >= 2 && words[1] != replid_) {
      // The master has a new id (it was promoted): ours becomes the second.
      replid2_ = replid_;
      second_replid_offset_ = EndOffsetLocked() + 1;
      replid_ = std::string(words[1]);
      DisconnectReplicasLocked();  // they learn the new id by reconnecting
    }
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
  } else {
    return absl::UnavailableError(StrCat("Unexpected reply to PSYNC from master: ", reply));
  }

  // The stream.
  {
    absl::MutexLock link(&link_mu_);
    link_state_ = "connected";
    link_error_.clear();
    last_io_ms_ = UnixTimeMs();
  }
  link_up_.store(true);
  UpdateChecks();
  const CommandTable& table = CommandTable::Get();
  ClientState client;
  client.is_master = true;
  client.link = ClientType::kMaster;  // CLIENT INFO/LIST's type and flags (M)
  client.authenticated = true;
  client.id = server_.next_client_id.fetch_add(1);
  ReplyBuffer discard;
  RespWriter out(&discard);
  CommandArgs args;
  std::vector<std::string_view> argv;
  int64_t last_ack_ms = 0;
  // A transaction's bytes (MULTI ... EXEC) join this server's stream and
  // offset together, after its EXEC, as Redis advances a master client's
  // reploff only outside MULTI: a snapshot for a sub-replica, taken between
  // two applied commands, must never fall inside one, or the sub-replica
  // would get the queued commands neither in the RDB nor in the stream.
  std::string transaction;
  absl::Cleanup no_transaction = [this] { transaction_bytes_.store(0); };
  auto append = [&](std::string_view raw) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (client.in_multi) {
      transaction.append(raw);
      transaction_bytes_.store(static_cast<int64_t>(transaction.size()));
      return;
    }
    if (!transaction.empty()) {
      AppendLocked(transaction);
      transaction.clear();
      transaction_bytes_.store(0);
    }
    AppendLocked(raw);
  };
  while (true) {
    size_t pos = 0;
    while (pos < io.buf.size()) {
      const int64_t length = ScanCommand(std::string_view(io.buf).substr(pos), &argv);
      if (length == 0) break;
      if (length < 0) return absl::DataLossError("Protocol error in the MASTER's stream");
      const std::string_view raw =
          std::string_view(io.buf).substr(pos, static_cast<size_t>(length));
      if (argv.size() >= 2 && EqualsIgnoreCase(argv[0], "replconf") &&
          EqualsIgnoreCase(argv[1], "getack")) {
        std::string ack;
        {
          absl::MutexLock lock(&mu_);
          ack = StrCat(EndOffsetLocked());
        }
        status = io.Write(
            StrCat("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$", ack.size(), "\r\n", ack, "\r\n"));
        if (!status.ok()) return status;
        absl::MutexLock apply(&apply_mu_);
        if (!LinkCurrent(generation)) return absl::CancelledError("link stopped");
        absl::MutexLock lock(&mu_);
        append(raw);
      } else {
        args.Assign(argv);
        const CommandSpec* spec = table.Lookup(args.views());
        if (spec == nullptr) {
          // Never skipped silently: the link goes down and says why.
          return absl::UnimplementedError(
              StrCat("the MASTER sent a command valkdb does not have: '", AsCString(argv[0]),
                     "'; replication stopped at offset ", master_repl_offset()));
        }
        const bool exclusive = (spec->flags & kCmdRunsAlone) != 0;
        auto apply = [&] {
          absl::MutexLock apply_lock(&apply_mu_);
          if (!LinkCurrent(generation)) return false;
          client.db = master_db_;
          CommandContext ctx{store_, server_, client, out, args, UnixTimeMs()};
          table.Dispatch(ctx, spec);
          discard.Clear();
          master_db_ = client.db;
          absl::MutexLock lock(&mu_);
          append(raw);
          return true;
        };
        bool applied;
        if (exclusive) {
          absl::MutexLock exec_lock(&server_.exec_mu);
          applied = apply();
        } else {
          absl::ReaderMutexLock exec_lock(&server_.exec_mu);
          applied = apply();
        }
        if (!applied) return absl::CancelledError("link stopped");
      }
      pos += static_cast<size_t>(length);
    }
    io.buf.erase(0, pos);
    const int64_t now_ms = UnixTimeMs();
    if (now_ms - last_ack_ms >= 1000) {
      // REPLCONF ACK once a second, as Redis's replicationCron.
      last_ack_ms = now_ms;
      const std::string ack = StrCat(master_repl_offset());
      status = io.Write(
          StrCat("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$", ack.size(), "\r\n", ack, "\r\n"));
      if (!status.ok()) return status;
    }
    status = io.ReadSome(100);
    if (!status.ok()) {
      if (absl::IsDeadlineExceeded(status))
        return absl::DeadlineExceededError("MASTER timeout: no data nor PING received");
      return status;
    }
    {
      absl::MutexLock link(&link_mu_);
      last_io_ms_ = io.last_io_ms;
    }
  }
}

bool Replication::AcceptFailover(const std::string& replid) {
  {
    absl::MutexLock lock(&mu_);
    if (!replica_.load() || replid != replid_) return false;
  }
  Log(LogLevel::kNotice, "Failover request received for replid %s.", replid.c_str());
  UnsetMaster();
  return true;
}

int Replication::KillMasterLink() {
  absl::MutexLock link(&link_mu_);
  if (!replica_.load() || link_fd_ < 0) return 0;
  ::shutdown(link_fd_, SHUT_RDWR);
  return 1;
}

}  // namespace valkdb
