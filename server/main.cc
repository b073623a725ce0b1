// valkdb-server: flags and wiring, nothing else.
#include <csignal>
#include <cstdio>
#include <cstring>

#include "absl/synchronization/mutex.h"
#include "server/commands/config.h"
#include "server/net/server.h"

namespace {

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: valkdb-server [/path/to/redis.conf] [--name value ...]\n"
               "       valkdb-server --version\n"
               "Examples:\n"
               "       valkdb-server --port 6380 --threads 2\n"
               "       valkdb-server --port 0     (picks a free port and prints it)\n"
               "Settings use Redis's names (port, bind, databases, maxclients, ...).\n");
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
  valkdb::Server server(&config);
  if (argc > 1 && std::strncmp(argv[1], "--", 2) != 0) server.state().config_file = argv[1];
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (len > 0) server.state().executable.assign(exe, static_cast<size_t>(len));

  status = server.LoadData();
  if (!status.ok()) {
    std::fprintf(stderr, "valkdb: Fatal error loading the DB: %s. Exiting.\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  if (config.GetInt("port") == 0) {
    // Tests and scripts read the chosen port from the first line of stdout.
    std::printf("%d\n", server.port());
    std::fflush(stdout);
  }
  std::fprintf(stderr, "valkdb %.*s: ready to accept connections on port %d (%d event loop%s)\n",
               static_cast<int>(valkdb::kValkdbVersion.size()), valkdb::kValkdbVersion.data(),
               server.port(), server.state().threads, server.state().threads == 1 ? "" : "s");
  server.Run();
  std::fprintf(stderr, "valkdb: shut down\n");
  return 0;
}
