#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/net/event_loop.h"
#include "server/store/store.h"

namespace valkdb {

class AofPersistence;
class Replication;

// The whole server: the store, N event loops (loop 0 on the caller's
// thread), their listening sockets, and signal handling for shutdown.
class Server : public ClientDirectory {
 public:
  explicit Server(Config* config);
  ~Server() override;

  // Binds the listening sockets and prepares the loops. After this, port()
  // is the port actually bound (useful with --port 0).
  absl::Status Start();
  int port() const { return port_.load(); }
  // Runs until SIGINT/SIGTERM or Shutdown(); returns once every loop stopped.
  void Run();
  // Thread-safe.
  void Shutdown();
  // After Run: the unix socket's file goes (as Redis removes it at shutdown).
  void RemoveUnixSocket();
  // SHUTDOWN: the same path as SIGTERM (handled on loop 0), from any loop's thread.
  void StopServer() override;

  // ClientDirectory: CLIENT LIST / KILL across every loop.
  std::vector<ClientSnapshot> Snapshot() override;
  bool Kill(uint64_t id) override;
  bool Exists(uint64_t id) override;
  bool Send(uint64_t id, const PubSubMessage& message) override;
  void ResumePaused() override;
  void ServeWhileBusy(uint64_t running_client) override;

  // Loads the AOF with appendonly yes (the RDB is not read then, as in
  // Redis), else dir/dbfilename when it exists (before Start). An error
  // means a file is there but could not be loaded: Redis refuses to start then.
  absl::Status LoadData();

  ServerState& state() { return state_; }
  Store& store() { return *store_; }

 private:
  absl::Status BindAll(const std::vector<std::string>& addresses, int port);
  // CONFIG SET bind / port (Redis's changeBindAddr / changeListenPort): binds
  // every address on the port first, and only then has the loops drop the
  // old sockets for the new ones; "" on success, else Redis's error text and
  // nothing changed. An empty bind list or port 0: no TCP listener.
  std::string Relisten(const std::string& bind, int64_t port, bool bind_changed);

  Config* config_;
  int backlog_ = 511;  // tcp-backlog, as at start-up (a listen hook may not read the config)
  std::string bind_;   // the bind list listened on
  ServerState state_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RdbPersistence> persistence_;  // after store_: destroyed (joined) first
  std::unique_ptr<AofPersistence> aof_;          // uses persistence_: destroyed before it
  std::unique_ptr<Replication> replication_;     // uses both: destroyed before them
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<int> port_{0};
  // SIGINT/SIGTERM, watched on loop 0 from Start() on, so a signal that comes
  // as soon as the port is printed still shuts down cleanly.
  uv_signal_t sigint_;
  uv_signal_t sigterm_;
};

}  // namespace valkdb
