#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"

#ifndef VALKDB_SERVER_PATH
#error "VALKDB_SERVER_PATH must be defined by the build"
#endif

namespace valkdb::test {
namespace {

using Clock = std::chrono::steady_clock;

bool IsExecutable(const std::string& path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

std::string SearchPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (std::string_view dir : Split(path, ':')) {
    std::string candidate = StrCat(dir, "/", name);
    if (IsExecutable(candidate)) return candidate;
  }
  return "";
}

std::string TempDir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace

std::string ExitStatus::ToString() const {
  std::string out = exited ? StrCat("exited with code ", code)
                           : StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
  if (timed_out) out += " after it did not stop in time";
  return out;
}

std::string ValkdbServerPath() {
  const char* override_path = std::getenv("VALKDB_SERVER");
  if (override_path != nullptr && *override_path != '\0') return override_path;
  return VALKDB_SERVER_PATH;
}

std::string FindRedisTool(const std::string& name) {
  std::string env_name = AsciiUpper(name);
  for (char& c : env_name) {
    if (c == '-') c = '_';
  }
  // $REDIS_SERVER / $REDIS_CLI / $REDIS_BENCHMARK, when set, is the only candidate.
  const char* from_env = std::getenv(env_name.c_str());
  if (from_env != nullptr && *from_env != '\0') return IsExecutable(from_env) ? from_env : "";
  std::string usr_bin = StrCat("/usr/bin/", name);
  if (IsExecutable(usr_bin)) return usr_bin;
  return SearchPath(name);
}

std::string FindRedisServer() { return FindRedisTool("redis-server"); }

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool AnswersPing(int port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto client = RespClient::Connect(port, std::min(left, std::chrono::milliseconds(1000)));
    if (client.ok() && (*client)->Send(Encode({"PING"})).ok()) {
      auto reply = (*client)->ReadReply(std::chrono::milliseconds(1000));
      if (reply.ok() && *reply == RespValue::Simple("PONG")) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& binary, const std::vector<std::string>& args, bool read_port,
    Duration startup_timeout) {
  if (!IsExecutable(binary)) {
    return absl::NotFoundError(StrCat("server binary '", binary, "' is not an executable file"));
  }
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  process->binary_ = binary;

  std::string log_template = StrCat(TempDir(), "/valkdb-test-server-XXXXXX.log");
  int log_fd = mkstemps(log_template.data(), 4);
  if (log_fd < 0) return absl::InternalError(StrCat("mkstemps: ", std::strerror(errno)));
  process->log_path_ = log_template;
  // Each server runs in a directory of its own, so what it saves there
  // (dump.rdb) is never loaded by the next test's server.
  std::string work_template = StrCat(TempDir(), "/valkdb-test-dir-XXXXXX");
  if (mkdtemp(work_template.data()) == nullptr) {
    close(log_fd);
    return absl::InternalError(StrCat("mkdtemp: ", std::strerror(errno)));
  }
  process->work_dir_ = work_template;
  // Absolute, since the child changes directory; symlinks are kept (Debian's
  // redis-server is a link whose name picks the program).
  std::string exec_path = binary;
  if (!binary.empty() && binary[0] != '/' && binary.find('/') != std::string::npos) {
    exec_path = (std::filesystem::current_path() / binary).string();
  }

  int out_pipe[2] = {-1, -1};
  if (read_port && pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(log_fd);
    return absl::InternalError(StrCat("pipe2: ", std::strerror(errno)));
  }

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls until exec.
  std::vector<std::string> argv_storage;
  argv_storage.push_back(exec_path);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    if (read_port) {
      close(out_pipe[0]);
      close(out_pipe[1]);
    }
    return absl::InternalError(StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Never outlive the test binary, even if it crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(read_port ? out_pipe[1] : log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (chdir(process->work_dir_.c_str()) != 0) _exit(125);
    execv(exec_path.c_str(), argv.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so it holds before the child runs
  process->pid_ = pid;
  close(log_fd);
  if (!read_port) return process;

  close(out_pipe[1]);
  process->stdout_fd_ = out_pipe[0];
  fcntl(process->stdout_fd_, F_SETFL, fcntl(process->stdout_fd_, F_GETFL) | O_NONBLOCK);
  // The first line of stdout is the port.
  const auto deadline = Clock::now() + startup_timeout;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    pollfd pfd{process->stdout_fd_, POLLIN, 0};
    int n = poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::DeadlineExceededError(StrCat(binary, " printed no port within ",
                                                startup_timeout.count(), " ms; log:\n",
                                                process->log()));
    }
    char buf[256];
    ssize_t got = read(process->stdout_fd_, buf, sizeof(buf));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) {
      auto status = process->Wait(Duration(2000));
      return absl::FailedPreconditionError(
          StrCat(binary, " closed stdout before printing a port (",
                 status.ok() ? status->ToString() : "still running", "); log:\n", process->log()));
    }
    line.append(buf, static_cast<size_t>(got));
  }
  const size_t newline = line.find('\n');
  process->stdout_rest_ = line.substr(newline + 1);
  std::string_view port_text = StripWhitespace(std::string_view(line).substr(0, newline));
  int port = 0;
  if (!absl::SimpleAtoi(ToAbsl(port_text), &port) || port <= 0 || port > 65535) {
    return absl::InternalError(StrCat(binary, " printed '", port_text,
                                      "' where the port was expected; log:\n", process->log()));
  }
  process->port_ = port;
  process->StartStdoutDrain();
  return process;
}

void ServerProcess::StartStdoutDrain() {
  drain_thread_ = std::thread([this] {
    while (!stop_drain_.load()) {
      pollfd pfd{stdout_fd_, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      std::lock_guard<std::mutex> lock(stdout_mu_);
      if (!ReadStdoutLocked()) break;
    }
  });
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartValkdb(
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return Start(ValkdbServerPath(), args, /*read_port=*/true);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartValkdbWithArgs(
    const std::vector<std::string>& args) {
  return Start(ValkdbServerPath(), args, /*read_port=*/true);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartRedis(
    const std::vector<std::string>& extra_args) {
  const std::string binary = FindRedisServer();
  if (binary.empty()) {
    return absl::NotFoundError(
        "redis-server not found (install the Debian package redis-server, or set "
        "REDIS_SERVER=/path/to/redis-server); compatibility tests need the real server");
  }
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = PickFreePort();
    if (port == 0) {
      last_error = "could not pick a free port";
      continue;
    }
    std::vector<std::string> args = {
        "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
        "no",     "--daemonize",        "no",     "--logfile", ""};
    // No --dir: the process's own fresh working directory is its dir, so a
    // dump.rdb another server left in a shared directory is never loaded.
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    auto process = Start(binary, args, /*read_port=*/false);
    if (!process.ok()) return process.status();
    (*process)->port_ = port;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      if (!(*process)->IsRunning()) break;  // e.g. the port was taken meanwhile
      if (AnswersPing(port, std::chrono::milliseconds(200))) return process;
    }
    last_error =
        StrCat("redis-server on port ", port, " did not answer PING; log:\n", (*process)->log());
    (*process)->Stop(Duration(2000));
  }
  return absl::UnavailableError(last_error);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) Stop(Duration(5000));
  stop_drain_ = true;
  if (drain_thread_.joinable()) drain_thread_.join();
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (!log_path_.empty()) unlink(log_path_.c_str());
  if (!work_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

bool ServerProcess::IsRunning() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_status_ = FromWaitStatus(status);
    return false;
  }
  return true;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0 && !reaped_) kill(pid_, signal);
}

absl::StatusOr<ExitStatus> ServerProcess::Wait(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (IsRunning()) {
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          StrCat("pid ", pid_, " still running after ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_status_;
}

ExitStatus ServerProcess::Stop(Duration timeout) {
  if (pid_ <= 0 || reaped_) return exit_status_;
  kill(pid_, SIGTERM);
  if (Wait(timeout).ok()) return exit_status_;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  exit_status_ = FromWaitStatus(status);
  exit_status_.timed_out = true;
  return exit_status_;
}

bool ServerProcess::ReadStdoutLocked() const {
  if (stdout_fd_ < 0) return false;
  char buf[4096];
  while (true) {
    ssize_t got = read(stdout_fd_, buf, sizeof(buf));
    if (got > 0) {
      stdout_rest_.append(buf, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    return got < 0;  // EAGAIN: open, nothing more now; 0: end of file
  }
}

void ServerProcess::DrainStdout() const {
  std::lock_guard<std::mutex> lock(stdout_mu_);
  ReadStdoutLocked();
}

std::string ServerProcess::log() const {
  DrainStdout();
  std::string out = ReadFile(log_path_);
  std::lock_guard<std::mutex> lock(stdout_mu_);
  if (!stdout_rest_.empty()) StrAppend(&out, "[stdout]\n", stdout_rest_);
  return out;
}

}  // namespace valkdb::test
