#include "server/net/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/persist/shutdown.h"
#include "server/repl/replication.h"

namespace valkdb {
namespace {

std::string RandomRunId() {
  std::random_device rd;
  std::string id;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) id.push_back(hex[rd() % 16]);
  return id;
}

// Creates, binds and returns a listening-ready socket; *port is updated with
// the port bound (when it was 0).
absl::StatusOr<int> BindSocket(const std::string& address, int* port) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  if (address.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(*port));
    if (inet_pton(AF_INET6, address == "::*" ? "::" : address.c_str(), &in6->sin6_addr) != 1) {
      return absl::InvalidArgumentError(StrCat("invalid bind address '", address, "'"));
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(*port));
    if (inet_pton(AF_INET, address == "*" ? "0.0.0.0" : address.c_str(), &in->sin_addr) != 1) {
      return absl::InvalidArgumentError(StrCat("invalid bind address '", address, "'"));
    }
    len = sizeof(sockaddr_in);
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(StrCat("Could not create server TCP listening socket ", address,
                                         ":", *port, ": bind: ", std::strerror(err)));
  }
  if (*port == 0) {
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof(bound);
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
    *port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  }
  return fd;
}

// Redis's anetUnixServer: whatever is at `path` goes, then a socket is bound
// there and given `perm` (when not 0).
absl::StatusOr<int> BindUnixSocket(const std::string& path, mode_t perm) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        StrCat("Failed opening Unix socket: path too long or empty: ", path));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  unlink(path.c_str());  // a socket left by an earlier run; errors do not matter
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return absl::InternalError(StrCat("Failed opening Unix socket: ", std::strerror(errno)));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(StrCat("Failed opening Unix socket: bind: ", std::strerror(err)));
  }
  if (perm != 0 && chmod(path.c_str(), perm) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(
        StrCat("Failed opening Unix socket: chmod: ", std::strerror(err)));
  }
  return fd;
}

// Descriptors the server keeps for itself beyond its clients (Redis's
// CONFIG_MIN_RESERVED_FDS).
constexpr rlim_t kReservedFds = 32;

// Raises the soft RLIMIT_NOFILE towards `wanted` as Redis's
// adjustOpenFilesLimit does: all of it if the OS allows, else as much as it
// allows. Returns the limit in force afterwards; *old gets the limit before,
// *error the errno of the refusal (0 if none).
rlim_t RaiseOpenFilesLimit(rlim_t wanted, rlim_t* old, int* error) {
  *error = 0;
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    *error = errno;
    *old = 0;
    return 0;
  }
  *old = limit.rlim_cur;
  if (limit.rlim_cur >= wanted) return limit.rlim_cur;
  rlim_t best = wanted;
  while (best > *old) {
    // Soft and hard alike, as Redis sets them (so, unprivileged, a later
    // CONFIG SET maxclients cannot go past this either, as in Redis).
    rlimit want{best, best};
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) break;
    *error = errno;
    if (limit.rlim_max != RLIM_INFINITY && best > limit.rlim_max) {
      best = limit.rlim_max;  // unprivileged: the hard limit is as far as it goes
    } else {
      best = best < 16 ? *old : best - 16;
    }
  }
  return std::max(best, *old);
}

// Redis's log lines when maxclients does not fit the open-files limit.
void LogLowLimit(int64_t maxclients, rlim_t wanted, rlim_t best, int error) {
  Log(LogLevel::kWarning,
      "You requested maxclients of %lld requiring at least %llu max file descriptors.",
      static_cast<long long>(maxclients), static_cast<unsigned long long>(wanted));
  Log(LogLevel::kWarning, "Server can't set maximum open files to %llu because of OS error: %s.",
      static_cast<unsigned long long>(wanted), std::strerror(error));
  Log(LogLevel::kWarning,
      "Current maximum open files is %llu. maxclients has been reduced to %lld to compensate "
      "for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
      static_cast<unsigned long long>(best),
      static_cast<long long>(best - std::min(best, kReservedFds)));
}

void LogRaisedLimit(rlim_t wanted, rlim_t old) {
  Log(LogLevel::kNotice,
      "Increased maximum number of open files to %llu (it was originally set to %llu).",
      static_cast<unsigned long long>(wanted), static_cast<unsigned long long>(old));
}

// At start-up: room for maxclients plus 32 descriptors of the server's own;
// when the OS refuses, maxclients is lowered to fit (Redis's log lines).
absl::Status AdjustOpenFilesLimit(Config* config) {
  const int64_t maxclients = config->GetInt("maxclients");
  const rlim_t wanted = static_cast<rlim_t>(maxclients) + kReservedFds;
  rlim_t old = 0;
  int error = 0;
  const rlim_t best = RaiseOpenFilesLimit(wanted, &old, &error);
  if (best == 0) {
    Log(LogLevel::kWarning,
        "Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting the "
        "max clients configuration accordingly.",
        std::strerror(error));
    return config->Apply("maxclients", {std::to_string(1024 - kReservedFds)});
  }
  if (best >= wanted) {
    if (old < wanted) LogRaisedLimit(wanted, old);
    return absl::OkStatus();
  }
  if (best <= kReservedFds) {
    return absl::FailedPreconditionError(
        StrCat("Your current 'ulimit -n' of ", static_cast<uint64_t>(old),
               " is not enough for the server to start. Please increase your open file limit "
               "to at least ",
               static_cast<uint64_t>(wanted), ". Exiting."));
  }
  LogLowLimit(maxclients, wanted, best, error);
  return config->Apply("maxclients", {std::to_string(best - kReservedFds)});
}

// CONFIG SET maxclients (Redis's updateMaxclients): raise the limit if
// needed; if the OS refuses, the SET fails and says what would fit.
std::string UpdateMaxclients(int64_t maxclients) {
  const rlim_t wanted = static_cast<rlim_t>(maxclients) + kReservedFds;
  rlim_t old = 0;
  int error = 0;
  const rlim_t best = RaiseOpenFilesLimit(wanted, &old, &error);
  if (best >= wanted) {
    if (old < wanted) LogRaisedLimit(wanted, old);
    return "";
  }
  LogLowLimit(maxclients, wanted, best, error);
  return StrCat(
      "The operating system is not able to handle the specified number of clients, "
      "try with ",
      static_cast<int64_t>(best - std::min(best, kReservedFds)));
}

}  // namespace

Server::Server(Config* config) : config_(config), state_(config) {
  StoreOptions options;
  options.databases = static_cast<int>(config->GetInt("databases"));
  store_ = std::make_unique<Store>(options);
  store_->feed().SetEventSink(&state_.keyspace_notifier);
  store_->feed().SetTrackingSink(&state_.tracking);
  state_.tracking.set_directory(this);
  store_->feed().SetEventFlags(config->keyspace_event_flags());
  state_.start_time_ms = UnixTimeMs();
  state_.run_id = RandomRunId();
  state_.threads = static_cast<int>(config->GetInt("threads"));
  state_.clients = this;
  persistence_ = std::make_unique<RdbPersistence>(*store_, *config_);
  state_.persistence = persistence_.get();
  persistence_->SetFunctions([this] { return FunctionLibraryCodes(state_); },
                             [this](const std::vector<std::string>& codes, bool merge) {
                               return LoadFunctionLibraries(state_, codes, merge);
                             });
  aof_ = std::make_unique<AofPersistence>(*store_, *config_, *persistence_, state_);
  state_.aof = aof_.get();
  replication_ = std::make_unique<Replication>(*store_, *config_, state_, *persistence_);
  state_.replication = replication_.get();
  for (int i = 0; i < state_.threads; ++i) {
    loops_.push_back(std::make_unique<EventLoop>(i, store_.get(), &state_));
  }
  state_.blocking.set_deliver([this](int loop, uint64_t client_id) {
    loops_[static_cast<size_t>(loop)]->PostUnblocked(client_id);
  });
}

Server::~Server() = default;

absl::Status Server::BindAll(const std::vector<std::string>& addresses, int port) {
  const int backlog = static_cast<int>(config_->GetInt("tcp-backlog"));
  bool any = false;
  for (std::string address : addresses) {
    // Redis's "-addr": optional, a failure to bind it is not fatal.
    bool optional = !address.empty() && address[0] == '-';
    if (optional) address.erase(0, 1);
    absl::StatusOr<int> fd = BindSocket(address, &port);
    if (!fd.ok()) {
      if (optional) continue;
      return fd.status();
    }
    any = true;
    // Every loop listens on the same socket (a dup of it): whichever loop
    // wakes first accepts, and no other process can share the port.
    for (size_t i = 0; i < loops_.size(); ++i) {
      int loop_fd = i == 0 ? *fd : fcntl(*fd, F_DUPFD_CLOEXEC, 0);
      absl::Status status = loops_[i]->Listen(loop_fd, backlog);
      if (!status.ok()) return status;
    }
  }
  if (!any) return absl::UnavailableError("Failed listening on any bind address");
  port_ = port;
  return absl::OkStatus();
}

std::string Server::Relisten(const std::string& bind, int64_t port, bool bind_changed) {
  const std::string error = bind_changed ? "Failed to bind to specified addresses."
                                         : "Unable to listen on this port. Check server logs.";
  std::vector<int> fds;
  if (port != 0) {
    for (std::string_view word : Split(bind, ' ')) {
      std::string address(word);
      if (address.empty()) continue;
      const bool optional = !address.empty() && address[0] == '-';
      if (optional) address.erase(0, 1);
      int bound_port = static_cast<int>(port);
      absl::StatusOr<int> fd = BindSocket(address, &bound_port);
      if (fd.ok() && ::listen(*fd, backlog_) != 0) {
        ::close(*fd);
        fd = absl::UnavailableError(StrCat("listen: ", std::strerror(errno)));
      }
      if (!fd.ok()) {
        Log(LogLevel::kWarning, "Failed to listen on %s:%d: %s", address, port,
            fd.status().message());
        if (optional) continue;
        for (int open_fd : fds) ::close(open_fd);
        return error;
      }
      fds.push_back(*fd);
    }
  }
  // Every loop listens on the same sockets (dups), as at start-up.
  for (size_t i = 0; i < loops_.size(); ++i) {
    std::vector<int> loop_fds;
    for (int fd : fds) loop_fds.push_back(i == 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0));
    loops_[i]->PostRelisten(std::move(loop_fds), backlog_);
  }
  bind_ = bind;
  port_ = static_cast<int>(port);
  state_.tcp_port.store(port_);
  return "";
}

absl::Status Server::Start() {
  absl::Status limit = AdjustOpenFilesLimit(config_);
  if (!limit.ok()) return limit;
  config_->SetMaxclientsHook(UpdateMaxclients);
  backlog_ = static_cast<int>(config_->GetInt("tcp-backlog"));
  config_->SetListenHook([this](const std::string& bind, int64_t port) {
    return Relisten(bind, port, bind != bind_);
  });
  std::vector<std::string> addresses;
  std::string bind = config_->GetString("bind");
  bind_ = bind;
  for (std::string_view a : Split(bind, ' ')) addresses.emplace_back(a);
  if (addresses.empty()) addresses.push_back("127.0.0.1");
  absl::Status status = BindAll(addresses, static_cast<int>(config_->GetInt("port")));
  if (!status.ok()) return status;
  state_.tcp_port = port_.load();
  const std::string unixsocket = config_->GetString("unixsocket");
  if (!unixsocket.empty()) {
    // unixsocketperm is kept as CONFIG GET shows it: octal digits.
    const std::string perm = config_->GetString("unixsocketperm");
    absl::StatusOr<int> fd =
        BindUnixSocket(unixsocket, static_cast<mode_t>(std::strtol(perm.c_str(), nullptr, 8)));
    if (!fd.ok()) return fd.status();
    const int backlog = static_cast<int>(config_->GetInt("tcp-backlog"));
    for (size_t i = 0; i < loops_.size(); ++i) {
      int loop_fd = i == 0 ? *fd : fcntl(*fd, F_DUPFD_CLOEXEC, 0);
      absl::Status listen = loops_[i]->ListenUnix(loop_fd, backlog);
      if (!listen.ok()) return listen;
    }
    state_.unixsocket = unixsocket;
  }
  auto on_signal = [](uv_signal_t* handle, int signum) {
    auto* server = static_cast<Server*>(handle->data);
    if (!server->state_.shutdown_saved.exchange(true)) {
      absl::ReaderMutexLock exec_lock(&server->state_.exec_mu);  // not inside an EXEC
      // shutdown-on-sigint / shutdown-on-sigterm, as Redis's SHUTDOWN flags
      // ("now": there are no replicas to wait for).
      const std::string how = server->config_->GetString(signum == SIGINT ? "shutdown-on-sigint"
                                                                          : "shutdown-on-sigterm");
      const ShutdownSave save = how == "save"     ? ShutdownSave::kSave
                                : how == "nosave" ? ShutdownSave::kNoSave
                                                  : ShutdownSave::kDefault;
      Log(LogLevel::kWarning, "Received %s scheduling shutdown...",
          signum == SIGINT ? "SIGINT" : "SIGTERM");
      if (!PrepareForShutdown(server->state_, save, /*force=*/how == "force")) {
        // As Redis: the server stays up; another signal tries again.
        Log(LogLevel::kWarning,
            "%s received but errors trying to shut down the server, check the "
            "logs for more information",
            signum == SIGINT ? "SIGINT" : "SIGTERM");
        server->state_.shutdown_saved = false;
        return;
      }
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&server->sigint_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&server->sigterm_), nullptr);
    server->Shutdown();
  };
  for (uv_signal_t* sig : {&sigint_, &sigterm_}) {
    uv_signal_init(loops_[0]->uv(), sig);
    sig->data = this;
  }
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  return absl::OkStatus();
}

void Server::Run() {
  replication_->Start();  // replicaof in the config: the link starts with the listeners up
  for (size_t i = 1; i < loops_.size(); ++i) {
    threads_.emplace_back([loop = loops_[i].get()] { loop->Run(); });
  }
  loops_[0]->Run();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  replication_->Stop();
}

std::vector<ClientSnapshot> Server::Snapshot() {
  std::vector<ClientSnapshot> all;
  for (auto& loop : loops_) loop->AppendSnapshots(&all);
  return all;
}

bool Server::Kill(uint64_t id) {
  for (auto& loop : loops_) {
    if (loop->Kill(id)) return true;
  }
  return false;
}

bool Server::Exists(uint64_t id) {
  for (auto& loop : loops_) {
    if (loop->HasClient(id)) return true;
  }
  return false;
}

bool Server::Send(uint64_t id, const PubSubMessage& message) {
  // The caller's own loop first: most messages stay on it.
  EventLoop* here = EventLoop::Current();
  if (here != nullptr && here->DeliverIfHere(id, message)) return true;
  for (auto& loop : loops_) {
    if (loop.get() != here && loop->DeliverIfHere(id, message)) return true;
  }
  return false;
}

void Server::ResumePaused() {
  for (auto& loop : loops_) loop->PostResumePaused();
}

void Server::StopServer() { kill(getpid(), SIGTERM); }

void Server::ServeWhileBusy(uint64_t running_client) {
  if (EventLoop* loop = EventLoop::Current(); loop != nullptr) loop->ServeWhileBusy(running_client);
}

absl::Status Server::LoadData() {
  const int64_t start_ms = UnixTimeMs();
  if (config_->GetString("appendonly") == "yes") return aof_->Start(start_ms);
  absl::Status status =
      persistence_->Load(persistence_->Path(), start_ms, /*merge=*/false, /*serving=*/false);
  if (!status.ok() && !absl::IsNotFound(status)) return status;
  if (status.ok()) {
    replication_->RestoreFromRdb(persistence_->last_load_aux());
    Log(LogLevel::kNotice, "DB loaded from disk: %.3f seconds (%llu keys, %llu expired)",
        static_cast<double>(UnixTimeMs() - start_ms) / 1000,
        static_cast<unsigned long long>(persistence_->last_load_keys_loaded()),
        static_cast<unsigned long long>(persistence_->last_load_keys_expired()));
  }
  return aof_->Start(start_ms);  // appendonly no: reads the manifest only
}

void Server::RemoveUnixSocket() {
  if (!state_.unixsocket.empty()) unlink(state_.unixsocket.c_str());
}

void Server::Shutdown() {
  for (auto& loop : loops_) loop->RequestStop();
}

}  // namespace valkdb
