// Running valkdb the way Redis is run: daemonize, pid file, log file and its
// line format, supervision (systemd's notify socket), the unix socket.

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

// A short private directory (a unix socket path has at most 107 bytes).
class TempDir {
 public:
  TempDir() {
    const char* dir = std::getenv("TMPDIR");
    path_ = StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/vk-ops-XXXXXX");
    if (mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return StrCat(path_, "/", name); }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Polls `done` until it holds or 30 s pass (a liveness bound, not a timing assumption).
template <typename F>
bool WaitFor(F done) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return done();
}

// The value of `field` in an INFO reply.
std::string InfoField(const std::string& info, std::string_view field) {
  for (std::string_view line : Split(info, '\n')) {
    if (line.starts_with(StrCat(field, ":"))) {
      line.remove_prefix(field.size() + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return std::string(line);
    }
  }
  return "";
}

// Redis's log line: "pid:role dd Mon yyyy hh:mm:ss.mmm <. - * #> message".
const std::regex kLogLine(R"(^(\d+):M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.*#-] .+$)");

TEST(integration_Ops, DaemonizeWritesPidFileAndLogAndCleansUpOnSigterm) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string pidfile = dir.File("valkdb.pid");
  const std::string logfile = dir.File("valkdb.log");
  const std::string sock = dir.File("valkdb.sock");
  const std::string conf = dir.File("valkdb.conf");
  WriteFile(conf, StrCat("# as an init script would run it\n"
                         "port 0\nbind 127.0.0.1\ndaemonize yes\nsave \"\"\n",
                         "pidfile ", pidfile, "\nlogfile ", logfile, "\nunixsocket ", sock,
                         "\nunixsocketperm 700\ndir ", dir.path(), "\nloglevel notice\n"));
  auto parent = ServerProcess::Start(ValkdbServerPath(), {conf}, /*read_port=*/false);
  ASSERT_OK(parent);
  // The parent exits 0 once the daemon listens and the pid file is written.
  auto exited = (*parent)->Wait(milliseconds(30000));
  ASSERT_OK(exited);
  EXPECT_TRUE(exited->ok()) << exited->ToString() << "\nlog:\n" << ReadFile(logfile);
  ASSERT_TRUE(Exists(pidfile)) << ReadFile(logfile);
  int pid = 0;
  const std::string pid_text = ReadFile(pidfile);
  ASSERT_TRUE(absl::SimpleAtoi(ToAbsl(StripWhitespace(pid_text)), &pid)) << pid_text;
  ASSERT_GT(pid, 0);
  EXPECT_NE(pid, (*parent)->pid());  // the daemon is the parent's child
  ASSERT_EQ(kill(pid, 0), 0);

  {
    auto client = RespClient::ConnectUnix(sock);
    ASSERT_OK(client);
    EXPECT_EQ((*client)->Command({"PING"}), Simple("PONG"));
    RespValue info = (*client)->Command({"INFO", "server"});
    EXPECT_EQ(InfoField(info.str, "process_id"), StrCat(pid));
    EXPECT_EQ(InfoField(info.str, "config_file"), conf);
    EXPECT_EQ(InfoField(info.str, "executable"),
              std::filesystem::canonical(ValkdbServerPath()).string());
    EXPECT_EQ(InfoField(info.str, "process_supervised"), "no");
    EXPECT_EQ(InfoField(info.str, "run_id").size(), 40u);
    int tcp_port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(ToAbsl(InfoField(info.str, "tcp_port")), &tcp_port));
    EXPECT_GT(tcp_port, 0);
    // The TCP listener is the same server.
    auto tcp = RespClient::Connect(tcp_port);
    ASSERT_OK(tcp);
    EXPECT_EQ((*tcp)->Command({"INFO", "server"}).str.find(StrCat("process_id:", pid)) !=
                  std::string::npos,
              true);
  }
  struct stat st;
  ASSERT_EQ(stat(sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  const std::string log = ReadFile(logfile);
  EXPECT_THAT(log, HasSubstr("Ready to accept connections"));
  for (std::string_view line : Split(log, '\n')) {
    std::smatch match;
    const std::string text(line);
    ASSERT_TRUE(std::regex_match(text, match, kLogLine)) << "not in Redis's format: " << text;
    EXPECT_EQ(match[1].str(), StrCat(pid)) << text;
  }

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  // The daemon is not our child (nobody here reaps it): its files going is the sign.
  EXPECT_TRUE(WaitFor([&] { return !Exists(pidfile); })) << ReadFile(logfile);
  EXPECT_TRUE(WaitFor([&] { return ReadFile(logfile).find("bye bye") != std::string::npos; }))
      << ReadFile(logfile);
  EXPECT_FALSE(Exists(sock));
  if (Exists(pidfile)) kill(pid, SIGKILL);
}

TEST(integration_Ops, DaemonizeParentExitsNonZeroWhenTheServerCannotStart) {
  TempDir dir;
  // A unix socket path in a directory that does not exist: bind fails after the fork.
  auto parent = ServerProcess::Start(
      ValkdbServerPath(),
      {"--port", "0", "--daemonize", "yes", "--pidfile", dir.File("p.pid"), "--logfile",
       dir.File("v.log"), "--unixsocket", dir.File("missing/v.sock")},
      /*read_port=*/false);
  ASSERT_OK(parent);
  auto exited = (*parent)->Wait(milliseconds(30000));
  ASSERT_OK(exited);
  EXPECT_TRUE(exited->exited && exited->code == 1) << exited->ToString();
  EXPECT_FALSE(Exists(dir.File("p.pid")));
  EXPECT_THAT(ReadFile(dir.File("v.log")), HasSubstr("Failed opening Unix socket"));
}

TEST(integration_Ops, SupervisedSystemdSendsReadyToTheNotifySocket) {
  TempDir dir;
  const std::string notify = dir.File("notify.sock");
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", notify.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  for (std::string_view mode : {"systemd", "auto"}) {
    // The child takes the environment at fork; the variable goes right after.
    setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    auto server =
        ServerProcess::StartValkdb({"--supervised", std::string(mode), "--daemonize", "yes"});
    unsetenv("NOTIFY_SOCKET");
    ASSERT_OK(server);
    std::string messages;
    ASSERT_TRUE(WaitFor([&] {
      char buf[512];
      ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) messages.append(buf, static_cast<size_t>(n));
      return messages.find("READY=1") != std::string::npos;
    })) << (*server)->log();
    // Supervised, it stays in the foreground whatever daemonize says.
    EXPECT_TRUE((*server)->IsRunning());
    auto client = RespClient::Connect((*server)->port());
    ASSERT_OK(client);
    EXPECT_EQ(InfoField((*client)->Command({"INFO", "server"}).str, "process_supervised"),
              "systemd");
    EXPECT_TRUE((*server)->Stop().ok());
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    EXPECT_THAT(n > 0 ? std::string(buf, static_cast<size_t>(n)) : "", HasSubstr("STOPPING=1"));
  }
  close(fd);
}

TEST(integration_Ops, LogLevelAndLogFileAndStdout) {
  TempDir dir;
  // logfile "": the log goes to stdout, after the port line.
  auto server = ServerProcess::StartValkdb({"--loglevel", "verbose"});
  ASSERT_OK(server);
  auto client = RespClient::Connect((*server)->port());
  ASSERT_OK(client);
  EXPECT_EQ((*client)->Command({"CONFIG", "SET", "loglevel", "nothing"}), Ok());
  EXPECT_EQ((*client)->Command({"CONFIG", "GET", "loglevel"}).elements.at(1), Bulk("nothing"));
  EXPECT_EQ((*client)->Command({"CONFIG", "SET", "loglevel", "warning"}), Ok());
  // A setting without effect is logged as a WARNING, also on CONFIG SET.
  EXPECT_EQ((*client)->Command({"CONFIG", "SET", "activedefrag", "yes"}), Ok());
  EXPECT_TRUE(WaitFor([&] {
    return (*server)->log().find("WARNING 'activedefrag yes' has no effect in valkdb") !=
           std::string::npos;
  })) << (*server)->log();
  // One it cannot honour is refused, naming it.
  RespValue refused = (*client)->Command({"CONFIG", "SET", "maxmemory-clients", "10mb"});
  EXPECT_TRUE(refused.is_error());
  EXPECT_THAT(refused.str, HasSubstr("'maxmemory-clients'"));
  EXPECT_THAT(refused.str, HasSubstr("valkdb cannot honour"));
  EXPECT_EQ((*client)->Command({"CONFIG", "GET", "maxmemory-clients"}).elements.at(1), Bulk("0"));
  EXPECT_TRUE((*server)->Stop().ok());
  const std::string log = (*server)->log();
  EXPECT_THAT(log, HasSubstr("[stdout]\n"));
  EXPECT_THAT(log, HasSubstr(" * Ready to accept connections"));
  // At warning level, the notice lines of the shutdown are not written; the warning is.
  EXPECT_THAT(log, Not(HasSubstr("User requested shutdown")));
  EXPECT_THAT(log, HasSubstr(" # valkdb is now ready to exit, bye bye..."));
}

TEST(integration_Ops, RefusedSettingStopsTheStartNamingIt) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--maxmemory-clients", "5%"},
                                             {"--cluster-enabled", "yes"},
                                             {"--tls-port", "6380"},
                                             {"--rename-command", "FLUSHALL", "\"\""}}) {
    auto server = ServerProcess::Start(ValkdbServerPath(), args, /*read_port=*/false);
    ASSERT_OK(server);
    auto exited = (*server)->Wait(milliseconds(30000));
    ASSERT_OK(exited);
    EXPECT_TRUE(exited->exited && exited->code == 1) << exited->ToString();
    const std::string name = args[0].substr(2);
    EXPECT_THAT((*server)->log(), HasSubstr("FATAL CONFIG FILE ERROR"));
    EXPECT_THAT((*server)->log(), HasSubstr(StrCat("'", name)));
  }
}

TEST(integration_Ops, UnixSocketClientsAreServedAsTcpOnes) {
  TempDir dir;
  const std::string sock = dir.File("v.sock");
  auto server = ServerProcess::StartValkdb({"--unixsocket", sock, "--unixsocketperm", "660",
                                            "--requirepass", "pw", "--maxclients", "2"});
  ASSERT_OK(server);
  struct stat st;
  ASSERT_EQ(stat(sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto a = RespClient::ConnectUnix(sock);
  ASSERT_OK(a);
  // AUTH as over TCP.
  EXPECT_THAT((*a)->Command({"GET", "k"}).str, HasSubstr("NOAUTH"));
  EXPECT_EQ((*a)->Command({"AUTH", "pw"}), Ok());
  EXPECT_EQ((*a)->Command({"CONFIG", "GET", "unixsocketperm"}).elements.at(1), Bulk("660"));
  EXPECT_EQ((*a)->Command({"CONFIG", "GET", "unixsocket"}).elements.at(1), Bulk(sock));
  // CLIENT LIST / INFO as Redis shows a unix socket client.
  const std::string info = (*a)->Command({"CLIENT", "INFO"}).str;
  EXPECT_THAT(info, HasSubstr(StrCat(" addr=", sock, ":0 laddr=", sock, ":0 ")));
  EXPECT_THAT(info, HasSubstr(" flags=U "));
  // The same limits: maxclients counts both kinds of clients.
  auto b = RespClient::Connect((*server)->port());
  ASSERT_OK(b);
  EXPECT_EQ((*b)->Command({"AUTH", "pw"}), Ok());
  EXPECT_THAT((*b)->Command({"CLIENT", "INFO"}).str, HasSubstr(" flags=N "));
  auto c = RespClient::ConnectUnix(sock);
  ASSERT_OK(c);
  EXPECT_EQ((*c)->ReadRaw(40, milliseconds(10000)), "-ERR max number of clients reached\r\n");
  // CLIENT KILL by the address Redis shows.
  EXPECT_EQ((*b)->Command({"CLIENT", "KILL", "ADDR", StrCat(sock, ":0")}),
            RespValue::Int(1));  // kills a's connection
  EXPECT_TRUE((*a)->IsClosedByPeer(milliseconds(10000)));
  EXPECT_TRUE((*server)->Stop().ok());
  EXPECT_FALSE(Exists(sock));  // removed at shutdown, as Redis does
}

TEST(integration_Ops, UnixSocketClientInfoMatchesRedis) {
  const std::string redis = FindRedisServer();
  ASSERT_FALSE(redis.empty()) << "redis-server is required";
  TempDir dir;
  auto valkdb = ServerProcess::StartValkdb({"--unixsocket", dir.File("v.sock")});
  ASSERT_OK(valkdb);
  auto real = ServerProcess::StartRedis({"--unixsocket", dir.File("r.sock")});
  ASSERT_OK(real);
  // Redis's CLIENT INFO, field by field, with the socket paths made the same.
  auto fields = [](std::string line, const std::string& sock) {
    line = std::regex_replace(line, std::regex(sock), "SOCK");
    std::map<std::string, std::string> out;
    for (std::string_view field : Split(StripWhitespace(line), ' ')) {
      const size_t eq = field.find('=');
      out[std::string(field.substr(0, eq))] = std::string(field.substr(eq + 1));
    }
    return out;
  };
  auto v = RespClient::ConnectUnix(dir.File("v.sock"));
  auto r = RespClient::ConnectUnix(dir.File("r.sock"));
  ASSERT_OK(v);
  ASSERT_OK(r);
  auto vf = fields((*v)->Command({"CLIENT", "INFO"}).str, dir.File("v.sock"));
  auto rf = fields((*r)->Command({"CLIENT", "INFO"}).str, dir.File("r.sock"));
  for (std::string_view name : {"addr", "laddr", "flags", "db", "name", "cmd", "user", "resp"}) {
    EXPECT_EQ(vf[std::string(name)], rf[std::string(name)]) << name;
  }
}

TEST(integration_Ops, RedisToolsWorkOverTheUnixSocket) {
  const std::string cli = FindRedisTool("redis-cli");
  const std::string bench = FindRedisTool("redis-benchmark");
  ASSERT_FALSE(cli.empty() || bench.empty()) << "redis-cli and redis-benchmark are required";
  TempDir dir;
  const std::string sock = dir.File("v.sock");
  auto server = ServerProcess::StartValkdb({"--unixsocket", sock});
  ASSERT_OK(server);
  auto run = [](const std::string& command) {
    std::string output;
    FILE* pipe = popen(StrCat("timeout -k 5 60 ", command, " 2>&1").c_str(), "r");
    if (pipe == nullptr) return std::pair<int, std::string>{-1, ""};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
    const int status = pclose(pipe);
    return std::pair<int, std::string>{WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  };
  auto [cli_code, cli_out] = run(StrCat(cli, " -s ", sock, " set greeting hello"));
  EXPECT_EQ(cli_code, 0);
  EXPECT_EQ(cli_out, "OK\n");
  auto [get_code, get_out] = run(StrCat(cli, " -s ", sock, " get greeting"));
  EXPECT_EQ(get_out, "hello\n");
  auto [bench_code, bench_out] = run(StrCat(bench, " -s ", sock, " -t set,get -n 2000 -c 4 -q"));
  EXPECT_EQ(bench_code, 0) << bench_out;
  EXPECT_THAT(bench_out, HasSubstr("SET: "));
  EXPECT_THAT(bench_out, HasSubstr("GET: "));
  if (HasFailure()) std::fprintf(stderr, "%s\n", (*server)->log().c_str());
}

}  // namespace
}  // namespace valkdb::test
