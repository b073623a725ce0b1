#include "tests/client/test_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "client/internal/sync_connection.h"
#include "protocol/str_util.h"

namespace valkdb::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string MakeTempDir() {
  char path[] = "/tmp/valkdb-client-test-XXXXXX";
  if (::mkdtemp(path) == nullptr) return "/tmp";
  return path;
}

int ListenLoopback(int backlog, int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, backlog) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// Waits for pid to exit within timeout; true when it did (and was reaped).
bool WaitExit(int pid, absl::Duration timeout, int* status) {
  const auto end = Clock::now() + absl::ToChronoNanoseconds(timeout);
  while (Clock::now() < end) {
    const int rc = ::waitpid(pid, status, WNOHANG);
    if (rc == pid) return true;
    if (rc < 0 && errno != EINTR) return true;
    ::usleep(5000);
  }
  return false;
}

}  // namespace

std::string KindName(ServerKind kind) { return kind == ServerKind::kValkdb ? "valkdb" : "redis"; }

void PrintTo(ServerKind kind, std::ostream* os) { *os << KindName(kind); }

std::string ParamName(const ::testing::TestParamInfo<ServerKind>& info) {
  return KindName(info.param);
}

bool RedisAvailable() { return ::access(REDIS_SERVER_PATH, X_OK) == 0; }

bool IsUnknownCommand(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnknown &&
         status.message().find("unknown command") != absl::string_view::npos;
}

ServerProcess::ServerProcess(ServerKind kind, std::vector<std::string> extra_args,
                             std::string log_path)
    : kind_(kind), extra_args_(std::move(extra_args)), log_path_(std::move(log_path)) {}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    ServerKind kind, std::vector<std::string> extra_args) {
  if (kind == ServerKind::kRedis && !RedisAvailable()) {
    return absl::NotFoundError(StrCat(REDIS_SERVER_PATH, " is not installed"));
  }
  std::string dir = MakeTempDir();
  std::unique_ptr<ServerProcess> server(
      new ServerProcess(kind, std::move(extra_args), StrCat(dir, "/server.log")));
  server->dir_ = dir;
  // redis-server takes a port it is given; a port picked free may be taken
  // by the time it binds, so try a few.
  absl::Status status;
  for (int attempt = 0; attempt < 5; ++attempt) {
    status = server->Launch(kind == ServerKind::kValkdb ? 0 : UnusedPort());
    if (status.ok()) return server;
    server->Stop().IgnoreError();
  }
  return absl::Status(status.code(), StrCat(status.message(), "\nlog:\n", server->Log()));
}

ServerProcess::~ServerProcess() {
  Stop().IgnoreError();
  std::remove(log_path_.c_str());
  ::rmdir(dir_.c_str());
}

ClientOptions ServerProcess::Options() const {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.connect_timeout = absl::Seconds(5);
  options.command_timeout = absl::Seconds(10);
  return options;
}

absl::Status ServerProcess::Launch(int port) {
  std::vector<std::string> argv;
  if (kind_ == ServerKind::kValkdb) {
    argv = {VALKDB_SERVER_PATH,
            "--port",
            std::to_string(port),
            "--enable-debug-command",
            "local",
            "--dir",
            dir_,
            "--save",
            ""};
  } else {
    argv = {REDIS_SERVER_PATH,
            "--port",
            std::to_string(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            dir_,
            "--enable-debug-command",
            "local"};
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int pid = ::fork();
  if (pid == 0) {
    ::dup2(kind_ == ServerKind::kValkdb ? out_pipe[1] : log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::close(out_pipe[1]);
  ::close(log_fd);
  pid_ = pid;
  if (kind_ == ServerKind::kValkdb && port == 0) {
    // The first stdout line is the port.
    std::string line;
    const auto end = Clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && Clock::now() < end) {
      pollfd p{out_pipe[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_pipe[0], buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    ::close(out_pipe[0]);
    port_ = std::atoi(line.c_str());
    if (port_ <= 0) return absl::UnavailableError("valkdb-server printed no port");
  } else {
    ::close(out_pipe[0]);
    port_ = port;
  }
  return WaitReady(absl::Seconds(10));
}

absl::Status ServerProcess::WaitReady(absl::Duration timeout) {
  const auto end = Clock::now() + absl::ToChronoNanoseconds(timeout);
  while (Clock::now() < end) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(StrCat(KindName(kind_), " exited at start"));
    }
    ClientOptions options = Options();
    options.password.clear();
    options.connect_timeout = absl::Milliseconds(500);
    options.command_timeout = absl::Milliseconds(500);
    client_internal::SyncConnection conn(options);
    std::vector<RespValue> replies;
    if (conn.Connect().ok() && conn.RoundTrip(EncodeCommand({"PING"}), 1, &replies).ok()) {
      return absl::OkStatus();  // PONG, or NOAUTH: either way it is serving
    }
    ::usleep(20000);
  }
  return absl::DeadlineExceededError(StrCat(KindName(kind_), " did not start serving"));
}

absl::Status ServerProcess::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitExit(pid_, absl::Seconds(5), &status)) {
    ::kill(pid_, SIGKILL);
    WaitExit(pid_, absl::Seconds(5), &status);
  }
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status ServerProcess::Restart() {
  if (absl::Status s = Stop(); !s.ok()) return s;
  const int port = port_;
  absl::Status status;
  // The old socket's port may take a moment to be free again.
  for (int attempt = 0; attempt < 20; ++attempt) {
    status = Launch(port);
    if (status.ok()) return status;
    Stop().IgnoreError();
    ::usleep(100000);
  }
  return status;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SilentServer::SilentServer() {
  listen_fd_ = ListenLoopback(64, &port_);
  thread_ = std::thread([this] {
    const auto end = Clock::now() + std::chrono::seconds(120);  // bounded, whatever happens
    while (!stop_.load() && Clock::now() < end) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        clients_.push_back(fd);
        accepted_.fetch_add(1);
      }
    }
  });
}

SilentServer::~SilentServer() {
  stop_.store(true);
  thread_.join();
  for (int fd : clients_) ::close(fd);
  ::close(listen_fd_);
}

ClientOptions SilentServer::Options() const {
  ClientOptions options;
  options.port = port_;
  return options;
}

UnreachableServer::UnreachableServer() {
  listen_fd_ = ListenLoopback(0, &port_);
  // One connection fills the accept queue of a backlog-0 socket; later SYNs are dropped.
  filler_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  ::connect(filler_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
}

UnreachableServer::~UnreachableServer() {
  ::close(filler_fd_);
  ::close(listen_fd_);
}

ClientOptions UnreachableServer::Options() const {
  ClientOptions options;
  options.port = port_;
  return options;
}

int UnusedPort() {
  int port = 0;
  const int fd = ListenLoopback(1, &port);
  ::close(fd);
  return port;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input,
                         absl::Duration timeout, const std::vector<std::string>& env,
                         const std::string& stop_at) {
  ProcessResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return result;
  }
  const int pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (std::string& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  const auto end = Clock::now() + absl::ToChronoNanoseconds(timeout);
  bool killed = false;
  while (out_fd >= 0 || err_fd >= 0) {
    if (Clock::now() >= end) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (!stop_at.empty() && !result.out.empty() && result.out.back() == '\n') {
      const size_t at = result.out.find(stop_at);
      if (at != std::string::npos && result.out.find('\n', at) != std::string::npos) {
        ::kill(pid, SIGKILL);
        killed = true;
        break;
      }
    }
    std::vector<pollfd> fds;
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    if (out_fd >= 0) fds.push_back({out_fd, POLLIN, 0});
    if (err_fd >= 0) fds.push_back({err_fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_fd) {
        const ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) written = input.size();
        if (written == input.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[4096];
      const ssize_t n = ::read(p.fd, buf, sizeof(buf));
      std::string& sink = p.fd == out_fd ? result.out : result.err;
      if (n > 0) {
        sink.append(buf, static_cast<size_t>(n));
      } else {
        ::close(p.fd);
        (p.fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  for (int fd : {in_fd, out_fd, err_fd}) {
    if (fd >= 0) ::close(fd);
  }
  int status = 0;
  if (!WaitExit(pid, absl::Seconds(5), &status)) {
    ::kill(pid, SIGKILL);
    WaitExit(pid, absl::Seconds(5), &status);
    killed = true;
  }
  result.exit_code = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return result;
}

void ServerTest::SetUp() {
  if (GetParam() == ServerKind::kRedis && !RedisAvailable()) {
    FAIL() << REDIS_SERVER_PATH << " is not installed (Debian package redis-server)";
  }
  RestartWith({});
}

void ServerTest::RestartWith(std::vector<std::string> extra_args) {
  server_.reset();
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start(GetParam(), std::move(extra_args));
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
}

void ServerTest::TearDown() {
  if (HasFailure() && server_ != nullptr) {
    std::fprintf(stderr, "---- %s log ----\n%s\n----\n", KindName(GetParam()).c_str(),
                 server_->Log().c_str());
  }
  server_.reset();
}

}  // namespace valkdb::testing
