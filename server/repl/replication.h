#pragma once

// Replication, Redis's protocol (PSYNC2), both ends.
//
// Master side. The stream sent to replicas is the change feed (change_feed.h)
// in RESP, with SELECT where the database changes: OnChange appends each
// change to one shared buffer, `stream_`, which holds the bytes from the
// oldest offset any replica still needs (and at least repl-backlog-size of
// history, the backlog a reconnecting replica continues from) to the latest.
// Offsets are Redis's: master_repl_offset counts every byte ever appended.
// A replica's connection leaves its event loop at PSYNC (the socket is handed
// over) and gets a sender thread of its own, which copies what is new from
// the buffer and writes it, and reads the replica's REPLCONF ACKs. A full
// resynchronisation is a point-in-time snapshot (rdb_persistence.h) taken
// while every shard is locked; the stream offset is read at that instant, so
// the RDB plus the stream from there rebuild the keyspace exactly.
//
// Replica side (REPLICAOF host port). A link thread connects, does the
// handshake (PING, AUTH, REPLCONF, PSYNC), loads the RDB of a full sync, then
// applies the master's commands as Redis's master client: through dispatch,
// with no reply except to REPLCONF GETACK. Each command applied is appended,
// as the master sent it, to this server's own buffer, so sub-replicas get
// the master's bytes and offsets (a promoted replica's replicas continue
// partially: the second replication id of PSYNC2).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "protocol/resp_writer.h"
#include "server/commands/config.h"
#include "server/store/change_feed.h"
#include "server/store/store.h"

namespace valkdb {

struct ServerState;
struct Waiter;
class RdbPersistence;

// What PSYNC (or SYNC) hands over from the connection it arrived on.
struct ReplicaHandoff {
  int fd = -1;  // the socket (a dup; owned from now on)
  uint64_t client_id = 0;
  std::string addr;          // the peer's "ip:port"
  int listening_port = 0;    // REPLCONF listening-port
  std::string announced_ip;  // REPLCONF ip-address
  bool capa_eof = false;
  bool capa_psync2 = false;
  bool sync = false;   // SYNC (no +FULLRESYNC line) rather than PSYNC
  std::string replid;  // PSYNC's arguments
  int64_t offset = -1;
  std::string unsent;      // replies the connection had not written yet
  std::string input_left;  // input read after PSYNC
};

class Replication : public ChangeObserver {
 public:
  Replication(Store& store, Config& config, ServerState& server, RdbPersistence& rdb);
  ~Replication() override;

  // Start-up: `replicaof` from the config starts the link.
  void Start();
  // Start-up, after dump.rdb was loaded: its repl-id and repl-offset (and
  // repl-stream-db) make this server's history, so a replica restarted
  // continues partially, and so do the replicas of a restarted master.
  void RestoreFromRdb(const std::vector<std::pair<std::string, std::string>>& aux);
  // Shutdown: the link and every replica's sender stop.
  void Stop();

  // ---- Master side.
  // ChangeObserver: a change, appended to the stream (not while a replica).
  void OnChange(const Change& change) override;
  // A master with a stream (a backlog): PUBLISH goes to its replicas.
  bool TakesReplicasOnly() const override {
    return backlog_open_.load(std::memory_order_relaxed) &&
           !replica_.load(std::memory_order_relaxed);
  }
  // PSYNC/SYNC: the connection becomes a replica; its sender starts.
  void AddReplica(ReplicaHandoff handoff);
  // After each loop iteration (now_ms: the loop's clock): the changes
  // appended since are written to the replicas whose sockets are idle, one
  // send each; a sender thread is woken only when its socket is full. Under
  // load the sends are batched: they wait until the clock ticks (at most a
  // millisecond) or kReplBatchBytes are pending, unless `force`. Returns true
  // when bytes were left for later: the caller's timer then forces them out.
  bool SendPending(int64_t now_ms, bool force);
  // Every cron tick (loop 0, exec_mu held shared): starts the snapshot for
  // replicas waiting for a full sync, pings replicas every
  // repl-ping-replica-period, counts good replicas (min-replicas-to-write),
  // frees the backlog after repl-backlog-ttl without replicas.
  void Cron(int64_t now_ms);
  // CONFIG SET min-replicas-to-write / -max-lag: applies at once, as Redis's.
  void MinReplicasChanged(int64_t now_ms);
  // The PSYNC answer a replica will get, for PSYNC's own checks.
  // WAIT numreplicas: replicas that acknowledged the stream up to now; when
  // fewer than `needed`, the waiter is registered and answered (its reply
  // ":<n>") once enough have, or by its timeout. Returns true if it blocks.
  bool Wait(std::shared_ptr<Waiter> waiter, int64_t needed, int64_t* acked);
  // The replicas that acknowledged at least `offset`.
  int64_t AckedReplicas(int64_t offset);
  // min-replicas-to-write: false when too few good replicas are connected.
  bool EnoughGoodReplicas() const { return !min_replicas_unmet_.load(std::memory_order_relaxed); }
  int64_t master_repl_offset();

  // FAILOVER [TO host port [FORCE]] [TIMEOUT ms]: "" when it started, else
  // the error. Writes pause; once the target (or the first replica that has
  // everything) acknowledged the whole stream, this master becomes its
  // replica and asks it, with PSYNC ... FAILOVER, to take over.
  std::string StartFailover(const std::string& host, int port, bool force, int64_t timeout_ms,
                            int64_t now_ms);
  // FAILOVER ABORT: "" when one was aborted, else the error.
  std::string AbortFailover();
  // PSYNC replid offset FAILOVER, on the target: promotes this replica when
  // replid is its master's (false: Redis's error).
  bool AcceptFailover(const std::string& replid);

  // ---- Replica side.
  // REPLICAOF host port. Already following it: false (Redis's "+OK Already
  // connected to specified master").
  bool SetMaster(const std::string& host, int port);
  // REPLICAOF NO ONE: the link stops; this server becomes a master with a new
  // replication id (the old one stays the second id, so replicas continue).
  void UnsetMaster();
  bool is_replica() const { return replica_.load(std::memory_order_acquire); }
  // The link is up (replica-serve-stale-data no refuses commands otherwise).
  bool link_up() const { return link_up_.load(std::memory_order_acquire); }

  // ---- Introspection.
  uint64_t sync_full() const { return sync_full_.load(); }
  uint64_t sync_partial_ok() const { return sync_partial_ok_.load(); }
  uint64_t sync_partial_err() const { return sync_partial_err_.load(); }
  std::string InfoSection();
  // Bytes the replication stream buffer holds (INFO mem_replication_backlog).
  size_t BacklogBytes() ABSL_LOCKS_EXCLUDED(mu_);
  void WriteRole(RespWriter& out);
  // CLIENT KILL TYPE master|replica: closes those connections.
  int KillReplicas();
  int KillMasterLink();

 private:
  struct Sender;    // one per replica (master side)
  struct SyncFile;  // the RDB of one full sync
  struct WaitEntry;

  // Creates the buffer and subscribes to the feed (first replica).
  void EnsureBacklogLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SubscribeToFeed() ABSL_LOCKS_EXCLUDED(mu_);
  void AppendLocked(std::string_view bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AppendCommandLocked(int db, absl::Span<const std::string_view> argv)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeSendersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t EndOffsetLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stream_first_ + static_cast<int64_t>(stream_.size()) - 1;
  }
  // Starts the snapshot for replicas waiting for one (exec_mu held shared):
  // diskless after repl-diskless-sync-delay (or once
  // repl-diskless-sync-max-replicas wait) when every one of them takes
  // "$EOF:" payloads, else through a file.
  void MaybeStartFullSync(int64_t now_ms);
  // A diskless sync's writer: `bytes` of the RDB for the replicas taking it.
  absl::Status DisklessSink(const std::shared_ptr<SyncFile>& file, std::string_view bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The sender has diskless RDB bytes to take, or the end.
  bool DisklessReadyLocked(const Sender& sender) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SenderLoop(Sender* sender);
  void RemoveSender(Sender* sender);
  void CheckWaitersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DisconnectReplicasLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A new replication id; the old one stays valid up to the current offset.
  void ShiftReplIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // SAVE/BGSAVE: the link holds still over the instant; the aux fields then.
  void HoldApply(bool hold) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  std::vector<std::pair<std::string, std::string>> SaveInfo() ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Replica side: the link thread (see master_link.cc).
  void LinkLoop(uint64_t generation, std::string host, int port);
  absl::Status RunLink(uint64_t generation, const std::string& host, int port);
  // Publishes what dispatch checks per command (ServerState::repl_checks).
  void UpdateChecks();
  void SetGoodReplicas(int64_t good);  // min-replicas-to-write against `good`
  bool LinkCurrent(uint64_t generation) const {
    return link_generation_.load(std::memory_order_acquire) == generation;
  }

  Store& store_;
  Config& config_;
  ServerState& server_;
  RdbPersistence& rdb_;

  absl::Mutex mu_;
  std::string replid_ ABSL_GUARDED_BY(mu_);
  std::string replid2_ ABSL_GUARDED_BY(mu_);
  int64_t second_replid_offset_ ABSL_GUARDED_BY(mu_) = -1;
  // The stream: stream_[0] is the byte at offset stream_first_; the last
  // byte's offset is master_repl_offset (0 before anything was appended).
  bool backlog_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> backlog_open_{false};  // backlog_, read without mu_ (TakesReplicasOnly)
  std::atomic<bool> subscribed_{false};    // to the feed (once, for good)
  std::atomic<bool> unsent_{false};        // changes appended since SendPending
  int64_t unsent_since_ms_ ABSL_GUARDED_BY(mu_) = -1;  // SendPending first left them then
  int64_t unsent_from_ ABSL_GUARDED_BY(mu_) = 0;       // the first offset left
  // repl-backlog-size, read by the cron (CONFIG SET applies within a tick):
  // the per-change trim check reads no config.
  int64_t backlog_size_ ABSL_GUARDED_BY(mu_) = 1 << 20;
  // repl-timeout in ms, read by the cron too: sender threads check it on
  // every pass without a config lookup.
  std::atomic<int64_t> timeout_ms_{60000};
  std::string stream_ ABSL_GUARDED_BY(mu_);
  int64_t stream_first_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t backlog_history_ ABSL_GUARDED_BY(mu_) = 0;  // bytes of it that are backlog
  int selected_db_ ABSL_GUARDED_BY(mu_) = -1;
  std::vector<std::unique_ptr<Sender>> senders_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> finished_threads_ ABSL_GUARDED_BY(mu_);
  std::vector<WaitEntry> waiters_ ABSL_GUARDED_BY(mu_);
  bool sync_running_ ABSL_GUARDED_BY(mu_) = false;
  int64_t sync_waiting_since_ms_ ABSL_GUARDED_BY(mu_) = 0;  // a replica waits for a full sync
  absl::CondVar diskless_cv_;  // a diskless sync's writer waits for its slowest replica
  uint64_t sync_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_ping_ms_ = 0;
  int64_t no_replicas_since_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> min_replicas_unmet_{false};
  std::atomic<bool> stopping_{false};
  // Counters (INFO stats).
  std::atomic<uint64_t> sync_full_{0};
  std::atomic<uint64_t> sync_partial_ok_{0};
  std::atomic<uint64_t> sync_partial_err_{0};

  // FAILOVER (master side): its state and target; guarded by mu_.
  enum class Failover { kNone, kWaitForSync, kInProgress };
  Failover failover_ ABSL_GUARDED_BY(mu_) = Failover::kNone;
  std::string failover_host_ ABSL_GUARDED_BY(mu_);
  int failover_port_ ABSL_GUARDED_BY(mu_) = 0;
  bool failover_force_ ABSL_GUARDED_BY(mu_) = false;
  int64_t failover_deadline_ms_ ABSL_GUARDED_BY(mu_) = 0;
  void FailoverCron(int64_t now_ms);
  void EndFailover(const char* why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The link of this generation sends PSYNC ... FAILOVER.
  std::atomic<uint64_t> failover_generation_{0};

  // Replica side.
  std::atomic<bool> replica_{false};
  std::atomic<bool> link_up_{false};
  std::atomic<uint64_t> link_generation_{0};
  absl::Mutex link_mu_;  // the link's settings and status, for INFO and ROLE
  std::string master_host_ ABSL_GUARDED_BY(link_mu_);
  int master_port_ ABSL_GUARDED_BY(link_mu_) = 0;
  std::string link_state_ ABSL_GUARDED_BY(link_mu_) = "connect";
  std::string link_error_ ABSL_GUARDED_BY(link_mu_);
  int64_t link_down_since_ms_ ABSL_GUARDED_BY(link_mu_) = 0;
  int64_t last_io_ms_ ABSL_GUARDED_BY(link_mu_) = 0;
  int64_t sync_total_bytes_ ABSL_GUARDED_BY(link_mu_) = -1;
  int64_t sync_read_bytes_ ABSL_GUARDED_BY(link_mu_) = 0;
  int link_fd_ ABSL_GUARDED_BY(link_mu_) = -1;  // shut down to stop the link
  // The offset processed from the master (a replica's master_repl_offset).
  // Holds the apply lock: commands from the master and a full sync's load
  // are applied under it, so a stopped link never applies after a new one.
  absl::Mutex apply_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::thread> link_threads_ ABSL_GUARDED_BY(link_mu_);
  int master_db_ ABSL_GUARDED_BY(apply_mu_) = 0;  // the master's stream's selected db
  // Bytes of the master's MULTI block applied but not yet in the stream
  // (see the link's apply loop): slave_read_repl_offset counts them.
  std::atomic<int64_t> transaction_bytes_{0};
};

}  // namespace valkdb
