#pragma once

// Server-wide state: what each connection carries (ClientState), what
// CLIENT LIST sees of it, the directory of connections, and the counters and
// settings every event loop shares (ServerState).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "protocol/request_parser.h"
#include "server/commands/blocking.h"
#include "server/commands/config.h"
#include "server/commands/migrate_sockets.h"
#include "server/commands/pubsub.h"
#include "server/commands/stats.h"
#include "server/commands/tracking.h"
#include "server/commands/watch.h"
#include "server/script/function_registry.h"
#include "server/script/script_cache.h"

namespace valkdb {

// The Redis version valkdb answers as (HELLO, INFO redis_version), and its own.
inline constexpr std::string_view kRedisVersion = "7.0.15";
inline constexpr std::string_view kValkdbVersion = "0.1.0";

// Redis's client classes (getClientType): what CLIENT LIST TYPE and CLIENT
// KILL TYPE select, and which client-output-buffer-limit class applies.
enum class ClientType : uint8_t { kNormal, kReplica, kPubSub, kMaster };

// "normal", "replica" or "slave", "pubsub", "master", in any case (Redis's
// getClientTypeByName); nullopt for anything else.
std::optional<ClientType> ParseClientType(std::string_view name);

// A connection's class from what it is: `link` (kReplica for a replica
// attached to us, kMaster for our link to our master, kNormal otherwise) wins
// over its subscriptions. A MONITOR client is normal, as in Redis.
inline ClientType ClassifyClient(ClientType link, bool subscribed) {
  if (link == ClientType::kMaster || link == ClientType::kReplica) return link;
  return subscribed ? ClientType::kPubSub : ClientType::kNormal;
}

// ServerState::repl_checks: a replica refuses writes (READONLY), or every
// command but a few while its link is down (replica-serve-stale-data no); a
// master refuses writes without enough good replicas (min-replicas-to-write).
inline constexpr int kBusyEval = 1;
inline constexpr int kBusyFunction = 2;
inline constexpr uint32_t kReplReadOnly = 1;
inline constexpr uint32_t kReplStale = 2;
inline constexpr uint32_t kReplNoReplicas = 4;
inline constexpr uint32_t kReplIgnoreMaxmemory = 8;  // a replica with replica-ignore-maxmemory

// Per-connection state that commands read and change.
struct ClientState {
  uint64_t id = 0;
  int db = 0;
  int protocol = 2;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string addr;          // peer "ip:port"
  std::string laddr;         // local "ip:port"
  bool unix_socket = false;  // on the unix socket: addr and laddr are "<path>:0"
  int fd = -1;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string_view last_command;   // points at the command table's static name
  bool close_after_reply = false;  // QUIT, protocol errors
  bool close_now = false;     // POST / Host: (cross-protocol attack): close, drop unsent replies
  bool authenticated = true;  // false until AUTH when requirepass is set
  int64_t qbuf_alloc = 0;     // its connection's query buffer, as Redis sizes one
  // Replication sets kReplica (a replica attached to us) or kMaster (the
  // link to our master); see type().
  ClientType link = ClientType::kNormal;

  // Pub/sub: the connection's delivery end, and what it is subscribed to.
  Subscriber* subscriber = nullptr;
  absl::flat_hash_set<std::string> channels;
  absl::flat_hash_set<std::string> patterns;
  absl::flat_hash_set<std::string> shard_channels;  // SSUBSCRIBE
  // Any subscription puts a RESP2 client in subscribed mode.
  size_t subscriptions() const { return channels.size() + patterns.size() + shard_channels.size(); }
  ClientType type() const { return ClassifyClient(link, subscriptions() > 0); }
  bool monitor = false;  // MONITOR: sees every command (delivered through `subscriber`)

  // MULTI ... EXEC
  bool in_multi = false;
  bool multi_error = false;  // a command was refused while queueing: EXEC aborts
  std::vector<CommandArgs> queued;
  ClientWatch watch;

  // CLIENT REPLY ON|OFF|SKIP
  enum class ReplyMode { kOn, kOff, kSkip };
  ReplyMode reply_mode = ReplyMode::kOn;
  bool no_evict = false;

  // While EXEC runs with a change feed observed: MULTI is published before
  // the transaction's first change, EXEC after its last.
  enum class ExecFeed { kNone, kPending, kOpen };
  ExecFeed exec_feed = ExecFeed::kNone;
  // EXEC is running the queue: blocking commands do not block (Redis's
  // CLIENT_DENY_BLOCKING), and ready keys wait for the end of EXEC.
  bool in_exec = false;

  // A script's own client (EVAL): its writes are kept here, in the form
  // Redis propagates them, and published when the script ends (one command
  // alone, several as MULTI/EXEC); script_repl is redis.set_repl's choice.
  struct ScriptChange {
    int db = 0;
    std::vector<std::string> argv;
    bool replicas_only = false;  // PUBLISH (see PublishToReplicas)
    bool aof_only = false;       // redis.set_repl(redis.REPL_AOF)
  };
  std::vector<ScriptChange>* script_changes = nullptr;
  int script_repl = 3;

  // Blocking commands: the event loop the client lives on, its wait while it
  // is blocked, and keys its commands made ready for others' waits.
  int loop = 0;
  std::shared_ptr<Waiter> blocked;
  std::vector<ReadyKey> ready_keys;

  // CLIENT TRACKING: TrackingFlag bits (the tracking table keeps its own
  // copy, with kTrackingBrokenRedir) and the client redirected to.
  uint32_t tracking = 0;
  uint64_t tracking_redirect = 0;

  // Replication: the link thread's client for its master's stream (no
  // replies, no READONLY), and what REPLCONF told of a replica-to-be.
  bool is_master = false;
  int repl_listening_port = 0;
  std::string repl_announced_ip;
  bool repl_capa_eof = false;
  bool repl_capa_psync2 = false;
  // PSYNC/SYNC ran: the connection hands its socket to the replication
  // module once the command is over (psync_args: replid and offset, or
  // empty for SYNC).
  bool become_replica = false;
  std::vector<std::string> psync_args;

  // The counters of the client's event loop (nullptr: not counted, as the
  // AOF's loading client).
  LoopStats* stats = nullptr;
};

// What CLIENT LIST shows of one connection, copied by its owning loop so
// any loop may read it.
struct ClientSnapshot {
  uint64_t id = 0;
  std::string addr, laddr, name, lib_name, lib_ver;
  int fd = -1;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  int db = 0;
  int64_t sub = 0, psub = 0, ssub = 0;
  int64_t multi = -1;  // queued commands, -1 outside MULTI
  int64_t qbuf = 0, omem = 0;
  int64_t qbuf_free = 0;  // the query buffer's room left (Redis's qbuf-free)
  // Everything the connection holds: its object, qbuf and omem (CLIENT
  // LIST tot-mem, INFO mem_clients_normal / mem_clients_slaves).
  int64_t tot_mem = 0;
  std::string_view cmd = "NULL";
  int resp = 2;
  bool pubsub = false, in_multi = false, no_evict = false, monitor = false;
  bool blocked = false;      // waiting in a blocking command (flags=b)
  bool unix_socket = false;  // connected over the unix socket (flags=U)
  bool tracking = false;     // CLIENT TRACKING on (flags=t; the rest from Tracking::Info)
  bool dirty_cas = false;    // a WATCHed key changed: EXEC will fail (flags=d)
  ClientType link = ClientType::kNormal;  // ClientState::link
  ClientType type() const { return ClassifyClient(link, pubsub); }
};

// The server's connections, across event loops (implemented by the network layer).
class ClientDirectory {
 public:
  virtual ~ClientDirectory() = default;
  virtual std::vector<ClientSnapshot> Snapshot() = 0;
  // Closes a client (its unsent replies are dropped); false if there is none.
  virtual bool Kill(uint64_t id) = 0;
  // Stops the server gracefully, as SIGTERM does (SHUTDOWN); from any thread.
  virtual void StopServer() = 0;
  // Whether a client with this id is connected (Redis's lookupClientByID).
  virtual bool Exists(uint64_t /*id*/) { return false; }
  // Hands a message to a client on its own event loop (at once when it lives
  // on the calling thread's loop); false if there is no such client.
  virtual bool Send(uint64_t /*id*/, const PubSubMessage& /*message*/) { return false; }
  // CLIENT UNPAUSE: every loop runs what the pause held now, not at its next cron tick.
  virtual void ResumePaused() {}
  // Called from a script that runs past busy-reply-threshold, on its loop's
  // thread: reads and answers the loop's other clients (-BUSY, or SCRIPT
  // KILL and the other commands allowed while busy).
  virtual void ServeWhileBusy(uint64_t /*running_client*/) {}
};

class RdbPersistence;
class AofPersistence;
class Replication;

// Counters and settings shared by all event loops.
struct ServerState {
  explicit ServerState(Config* config) : config(config) {}

  Config* config;
  int64_t start_time_ms = 0;
  // used_memory once the server was set up, before loading data (Redis's
  // used_memory_startup).
  uint64_t startup_memory = 0;
  // DEBUG SET-ACTIVE-EXPIRE: whether the cron deletes expired keys nobody reads.
  std::atomic<bool> active_expire_enabled{true};
  // DEBUG PAUSE-CRON 1: the loops' cron does no work (tests), as Redis's serverCron.
  std::atomic<bool> cron_paused{false};
  std::string run_id;
  std::string executable;
  std::string config_file;
  std::string supervised = "no";  // INFO process_supervised: systemd, upstart or no
  std::string unixsocket;         // the unix socket's path, "" if none (CLIENT LIST addr=)
  std::atomic<int> tcp_port{0};   // CONFIG SET port changes it
  int threads = 1;
  std::atomic<uint64_t> total_commands{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<int64_t> connected_clients{0};
  std::atomic<int64_t> blocked_clients{
      0};  // INFO: clients CLIENT PAUSE holds (and blocking.waiting())
  BlockingRegistry blocking;
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  // Replication traffic, counted apart from the clients' (as Redis 7.0).
  std::atomic<uint64_t> net_repl_input_bytes{0};
  std::atomic<uint64_t> net_repl_output_bytes{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  // INFO instantaneous_ops_per_sec, _input_kbps, _output_kbps (loop 0's cron
  // samples them), and used_memory_peak.
  InstantaneousMetric ops_per_sec, input_bytes_per_sec, output_bytes_per_sec;
  InstantaneousMetric repl_input_bytes_per_sec, repl_output_bytes_per_sec;
  std::atomic<uint64_t> used_memory_peak{0};
  void SampleMetrics(int64_t now_ms, uint64_t used_memory) {
    ops_per_sec.Sample(now_ms, total_commands);
    input_bytes_per_sec.Sample(now_ms, net_input_bytes);
    output_bytes_per_sec.Sample(now_ms, net_output_bytes);
    repl_input_bytes_per_sec.Sample(now_ms, net_repl_input_bytes);
    repl_output_bytes_per_sec.Sample(now_ms, net_repl_output_bytes);
    NotePeakMemory(used_memory);
  }
  void NotePeakMemory(uint64_t used) {
    uint64_t peak = used_memory_peak.load(std::memory_order_relaxed);
    while (used > peak && !used_memory_peak.compare_exchange_weak(peak, used)) {
    }
  }
  std::atomic<uint64_t> next_client_id{1};
  WatchRegistry watches;
  PubSubHub pubsub;
  // The store's feed delivers keyspace events to it.
  KeyspaceNotifier keyspace_notifier{pubsub};
  MonitorHub monitors;
  MigrateSockets migrate_sockets;  // MIGRATE's cached connections to its targets
  Tracking tracking;               // CLIENT TRACKING (client-side caching)
  ScriptCache scripts;             // EVAL / SCRIPT LOAD
  FunctionRegistry functions;      // FUNCTION LOAD / FCALL
  // A script that ran past busy-reply-threshold (Redis's timed-out script):
  // other commands get -BUSY until it ends; SCRIPT/FUNCTION KILL may stop it.
  std::atomic<int> busy_script{0};                   // 0, kBusyEval or kBusyFunction
  std::atomic<bool> busy_script_dirty{false};        // it wrote: UNKILLABLE
  std::atomic<bool> busy_script_from_master{false};  // sent by our master: UNKILLABLE
  std::atomic<bool> kill_busy_script{false};
  std::atomic<bool> busy_script_shutdown{false};  // SHUTDOWN NOSAVE while busy
  // FUNCTION STATS' running_script while a script is busy (set before busy_script).
  struct BusyScriptInfo {
    std::string name;
    std::vector<std::string> command;
    int64_t start_ns = 0;
  };
  absl::Mutex busy_script_mu;
  BusyScriptInfo busy_script_info ABSL_GUARDED_BY(busy_script_mu);
  // DEBUG set-disable-deny-scripts: scripts may call noscript commands (tests only).
  std::atomic<bool> script_disable_deny_script{false};
  StatsRegistry stats;  // commandstats, errorstats, latencystats, SLOWLOG, LATENCY
  ClientDirectory* clients = nullptr;
  RdbPersistence* persistence = nullptr;  // SAVE, BGSAVE, save points (set by the server)
  AofPersistence* aof = nullptr;          // the append-only file (set by the server)
  Replication* replication = nullptr;     // both ends of replication (set by the server)
  // EXEC must exclude other writers: several event loops, or a replication
  // link applying its master's stream (see Connection::Execute).
  std::atomic<bool> exec_shared{false};
  // What dispatch must check for replication (kRepl* bits; 0 on a plain master).
  std::atomic<uint32_t> repl_checks{0};
  // The shutdown save was made (or skipped, SHUTDOWN NOSAVE): SIGTERM's handler does not save
  // again.
  std::atomic<bool> shutdown_saved{false};
  // CLIENT PAUSE: until this unix ms, clients wait; writes only, unless pause_all.
  std::atomic<int64_t> pause_until_ms{0};
  std::atomic<bool> pause_all{false};
  // With several event loops, EXEC holds this exclusively while every other
  // loop's batch holds it shared, so a transaction is atomic. Unused with one loop.
  absl::Mutex exec_mu;

  // Takes exec_mu shared, as a batch does. But a script on another loop that
  // ran past busy-reply-threshold holds it alone and may never end: then this
  // returns false without the lock, so the caller can answer -BUSY (or run
  // SCRIPT KILL) instead of hanging its whole loop behind the script.
  bool LockExecSharedUnlessBusy()
      ABSL_SHARED_TRYLOCK_FUNCTION(true, exec_mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (int tries = 0; !exec_mu.ReaderTryLock(); ++tries) {
      if (busy_script.load(std::memory_order_acquire) != 0) return false;
      if (tries < 64) {
        std::this_thread::yield();
      } else {
        absl::SleepFor(absl::Microseconds(50));
      }
    }
    return true;
  }
};

}  // namespace valkdb
