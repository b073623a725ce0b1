// valkdb-server: flags and wiring, nothing else.
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/commands/config.h"
#include "server/log/logger.h"
#include "server/net/server.h"
#include "server/process/process.h"
#include "server/store/eviction.h"

namespace {

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: valkdb-server [/path/to/redis.conf] [--name value ...]\n"
               "       valkdb-server --version\n"
               "Examples:\n"
               "       valkdb-server --port 6380 --threads 2\n"
               "       valkdb-server --port 0     (picks a free port and prints it)\n"
               "       valkdb-server /etc/valkdb/valkdb.conf --daemonize yes\n"
               "Settings use Redis's names (port, bind, databases, maxclients, ...).\n");
}

// The config file's absolute path (INFO config_file, CONFIG REWRITE), as
// Redis keeps it: the server may change directory later.
std::string AbsolutePath(const char* path) {
  char resolved[PATH_MAX];
  if (realpath(path, resolved) != nullptr) return resolved;
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-v"))) {
    std::printf("valkdb-server v=0.1.0 (compatible with Redis 7.0.15)\n");
    return 0;
  }
  if (argc == 2 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    PrintUsage();
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // Debian's abseil is built with deadlock detection on, which costs a graph
  // lookup on every lock; the tests keep it, the server does without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  valkdb::Config config;
  absl::Status status = config.LoadArgs(argc, argv);
  if (!status.ok()) {
    std::fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\n%s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  std::string config_file;
  if (argc > 1 && std::strncmp(argv[1], "--", 2) != 0) config_file = AbsolutePath(argv[1]);

  using valkdb::Log;
  using valkdb::LogLevel;
  valkdb::LoggerOptions log_options;
  log_options.level =
      valkdb::ParseLogLevel(config.GetString("loglevel")).value_or(LogLevel::kNotice);
  log_options.file = config.GetString("logfile");
  log_options.syslog = config.GetBool("syslog-enabled");
  log_options.syslog_ident = config.GetString("syslog-ident");
  log_options.syslog_facility = config.GetString("syslog-facility");
  valkdb::ConfigureLogger(log_options);
  const bool print_port = config.GetInt("port") == 0;
  // Scripts and tests read the chosen port from the first line of stdout.
  if (print_port && log_options.file.empty()) valkdb::HoldStdoutLog();

  // As Redis: a supervised server stays in the foreground whatever daemonize says.
  const valkdb::Supervisor supervisor = valkdb::DetectSupervisor(config.GetString("supervised"));
  const bool background = config.GetBool("daemonize") && supervisor == valkdb::Supervisor::kNone;
  // Before any thread exists (the event loops start theirs).
  if (background) valkdb::Daemonize();
  std::string pidfile = config.GetString("pidfile");
  if (background && pidfile.empty()) pidfile = "/var/run/valkdb.pid";  // Redis's default, renamed

  Log(LogLevel::kNotice, "oO0OoO0OoO0Oo valkdb is starting oO0OoO0OoO0Oo");
  Log(LogLevel::kNotice, "valkdb version=%s (Redis %s compatible), bits=64, pid=%d, just started",
      valkdb::kValkdbVersion, valkdb::kRedisVersion, static_cast<int>(getpid()));
  if (config_file.empty()) {
    Log(LogLevel::kNotice, "Configuration loaded (no config file)");
  } else {
    Log(LogLevel::kNotice, "Configuration loaded from %s", config_file);
  }
  // Settings accepted without effect in valkdb: said, never silent.
  for (const std::string& warning : config.TakeStartupWarnings()) {
    Log(LogLevel::kWarning, "WARNING %s", warning);
  }
  if (config.GetBool("disable-thp")) valkdb::DisableTransparentHugePages();

  valkdb::Server server(&config);
  server.state().config_file = config_file;
  server.state().supervised = std::string(valkdb::SupervisorName(supervisor));
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (len > 0) server.state().executable.assign(exe, static_cast<size_t>(len));

  server.state().startup_memory = valkdb::EvictionUsedMemory(server.store());
  status = server.LoadData();
  if (!status.ok()) {
    Log(LogLevel::kWarning, "Fatal error loading the DB: %s. Exiting.", status.message());
    valkdb::ReleaseStdoutLog();
    return 1;
  }
  status = server.Start();
  if (!status.ok()) {
    Log(LogLevel::kWarning, "%s", status.message());
    valkdb::ReleaseStdoutLog();
    if (!background) std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  // Once the listeners are up: whoever waits for the pid file can connect.
  valkdb::WritePidFile(pidfile);
  if (print_port) {
    std::fflush(stdout);
    valkdb::ReleaseStdoutLog(absl::StrCat(server.port(), "\n"));
  }
  Log(LogLevel::kNotice, "Ready to accept connections tcp on port %d (%d event loop%s)",
      server.port(), server.state().threads, server.state().threads == 1 ? "" : "s");
  if (!server.state().unixsocket.empty()) {
    Log(LogLevel::kNotice, "Ready to accept connections unix on %s", server.state().unixsocket);
  }
  valkdb::NotifyReady(supervisor);
  valkdb::DaemonReady();
  server.Run();
  if (supervisor == valkdb::Supervisor::kSystemd) valkdb::NotifySystemd("STOPPING=1\n");
  server.RemoveUnixSocket();
  valkdb::RemovePidFile(pidfile);
  Log(LogLevel::kWarning, "valkdb is now ready to exit, bye bye...");
  return 0;
}
