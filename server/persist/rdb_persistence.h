#pragma once

// RDB persistence: SAVE, BGSAVE, save points, load at start-up.
//
// A save is a point-in-time snapshot taken without fork. At its instant
// every shard is locked once, for as long as it takes to mark each shard
// "not captured" and install this class as the store's SnapshotGuard. A
// shard is captured — another handle (Entry::Retain) taken to each of its
// keys — by the save's own pass, or, if a command is about to change it
// first, by that command under the shard's lock: so every shard is captured
// as it was at the instant, and no client waits for more than one shard's
// capture. Then the file is written from those handles while clients keep
// writing:
//   - strings and inline values (small hashes, sets, sorted sets) never
//     change while a handle is shared: a write copies them, so the handle
//     still reads the value as it was;
//   - a structure that changes in place (big hash, set, sorted set, any
//     list) is saved before its first change: every MultiShardLock tells
//     this class (SnapshotGuard) which keys it locked, and a pending
//     structure among them is serialised then, under its shard's lock.
// Extra memory: a handle per key (16 bytes) plus the values changed during
// the save (their old copy, or the serialised bytes of a structure).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/commands/config.h"
#include "server/store/rdb/rdb_value.h"
#include "server/store/store.h"

namespace valkdb {

class RdbPersistence : public SnapshotGuard {
 public:
  RdbPersistence(Store& store, Config& config);
  ~RdbPersistence() override;  // cancels a background save and waits for it

  // The file saves and loads use: dir/dbfilename.
  std::string Path() const;

  // SAVE: the snapshot written on the calling thread. Fails (and changes
  // nothing on disk) when a save is already running or writing failed.
  absl::Status Save();
  // BGSAVE: the snapshot taken now, written on a thread of its own. false
  // when a save is already running.
  bool StartBackgroundSave();
  // SHUTDOWN, SIGTERM, FLUSHALL and DEBUG RELOAD: a running background save
  // is cancelled (Redis kills its child) and a save is made now. keep_changes
  // leaves rdb_changes_since_last_save as it was (FLUSHALL, as Redis).
  absl::Status CancelAndSave(bool keep_changes = false);
  // Stops a running background save, if any (FLUSHALL, SHUTDOWN NOSAVE).
  void CancelBackgroundSave();
  // A BGSAVE (not a foreground SAVE) is running: INFO rdb_bgsave_in_progress.
  bool background_in_progress() const {
    return in_progress() && background_.load(std::memory_order_relaxed) &&
           !rewriting_.load(std::memory_order_relaxed);
  }
  bool in_progress() const { return in_progress_.load(std::memory_order_acquire); }

  // An AOF rewrite's base (aof_persistence.h): the same snapshot, written to
  // `path` with the aux field aof-base 1. It counts as the running save (a
  // BGSAVE waits for it) but leaves the RDB's status and counters alone.
  struct Rewrite {
    std::string path;
    std::function<void()> at_instant;        // runs with every shard locked
    std::function<void(absl::Status)> done;  // on the writing thread, at the end
    bool rdb_preamble = true;                // aof-use-rdb-preamble: an RDB, else commands (RESP)
    std::string preface;                     // commands only: written first (a #TS: annotation)
    bool aof_base = true;  // the aux field aof-base 1 (false: a replica's full sync)
    std::vector<std::pair<std::string, std::string>> aux;  // more aux fields (repl-stream-db)
    // Set: the bytes go here instead of a file at `path` (a diskless sync
    // streams them to its replicas; an error stops the rewrite).
    std::function<absl::Status(std::string_view)> sink;
  };
  // BGREWRITEAOF: false when a save or rewrite runs.
  bool StartBackgroundRewrite(Rewrite rewrite);
  // The base at start-up, before serving: written on the calling thread.
  absl::Status RewriteNow(Rewrite rewrite);
  // Stops a running AOF rewrite (the server is exiting); returns at once.
  void CancelRewrite() {
    if (rewrite_in_progress()) cancel_.store(true);
  }
  // The running save or rewrite was asked to stop (its sink stops waiting).
  bool cancel_requested() const { return cancel_.load(std::memory_order_relaxed); }
  bool rewrite_in_progress() const {
    return in_progress() && rewriting_.load(std::memory_order_relaxed);
  }

  // BGSAVE SCHEDULE (or BGSAVE inside MULTI): started by the next Cron.
  void Schedule() { scheduled_.store(true, std::memory_order_relaxed); }
  // Once per cron tick (loop 0): a scheduled save, then Redis's save points
  // ("save <seconds> <changes>"), each retried no sooner than 5 s after a
  // failed one.
  void Cron(int64_t now_ms);

  // Loads `path` into the store (which should be empty); NotFound when there
  // is no file. Keys already expired are skipped, as a Redis master does.
  // merge: a key already there is replaced (DEBUG RELOAD MERGE) instead of
  // failing the load as a duplicate.
  // serving false: nothing else runs yet (start-up), so shards are not locked.
  absl::Status Load(const std::string& path, int64_t now_ms, bool merge = false,
                    bool serving = true);
  // The same from bytes already read; `consumed` (if given) is set to the
  // bytes the RDB took (an AOF's RDB preamble is followed by commands).
  absl::Status LoadBytes(std::string_view bytes, int64_t now_ms, bool merge, bool serving,
                         size_t* consumed = nullptr,
                         std::function<void(std::string_view, std::string_view)> on_aux = {});

  // Replication's part in SAVE/BGSAVE files (Redis's rdbSaveInfoAuxFields):
  // aux() gives repl-id, repl-offset and repl-stream-db at the instant, with
  // hold(true) called before it and hold(false) after. Set before serving.
  using AuxFields = std::vector<std::pair<std::string, std::string>>;
  void SetReplicationInfo(std::function<void(bool)> hold, std::function<AuxFields()> aux) {
    repl_hold_ = std::move(hold);
    repl_aux_fn_ = std::move(aux);
  }
  // The FUNCTION libraries in files (Redis's RDB_OPCODE_FUNCTION2): codes()
  // gives each library's code at a save's instant; load() takes those a file
  // holds once it loaded whole (merge: a library of the same name is replaced,
  // else the load fails, as Redis's RDBFLAGS_ALLOW_DUP). Set before serving.
  void SetFunctions(std::function<std::vector<std::string>()> codes,
                    std::function<absl::Status(const std::vector<std::string>&, bool merge)> load) {
    function_codes_fn_ = std::move(codes);
    load_functions_fn_ = std::move(load);
  }
  // The aux fields of the last file loaded.
  const AuxFields& last_load_aux() const { return last_load_aux_; }

  // Writes that changed the keyspace (rdb_changes_since_last_save).
  void AddChanges(uint64_t n) { changes_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t changes_since_last_save() const {
    return changes_.load(std::memory_order_relaxed) -
           saved_changes_.load(std::memory_order_relaxed);
  }

  // INFO persistence.
  int64_t last_save_time() const { return last_save_s_.load(std::memory_order_relaxed); }
  bool last_save_ok() const { return last_ok_.load(std::memory_order_relaxed); }
  int64_t last_save_duration_s() const { return last_duration_s_.load(std::memory_order_relaxed); }
  int64_t current_save_start_ms() const { return started_ms_.load(std::memory_order_relaxed); }
  uint64_t saves() const { return saves_.load(std::memory_order_relaxed); }
  uint64_t last_load_keys_loaded() const { return loaded_keys_; }
  uint64_t last_load_keys_expired() const { return loaded_expired_; }
  uint64_t current_keys_total() const { return keys_total_.load(std::memory_order_relaxed); }
  uint64_t current_keys_processed() const {
    return keys_processed_.load(std::memory_order_relaxed);
  }

  // Redis's writeCommandsDeniedByDiskError: the last background save failed,
  // save points are set and stop-writes-on-bgsave-error is yes.
  bool WritesRefused() const {
    if (last_ok_.load(std::memory_order_relaxed)) return false;
    return config_.GetString("stop-writes-on-bgsave-error") != "no" &&
           !config_.GetString("save").empty();
  }

  // SnapshotGuard.
  void BeforeChange(Shard& shard, std::string_view key) override;
  void BeforeShardChange(Shard& shard) override;
  void BeforeChangeAny() override;

 private:
  struct Item {
    Entry entry;        // a handle taken at the snapshot's instant
    int64_t expire_ms;  // -1: none
  };
  struct Database {
    std::deque<Item> items;  // a deque: handles never move while shards are captured
    uint64_t expires = 0;
  };

  // Takes the point-in-time view and installs the guard; false when a save
  // runs. at_instant (if set) runs at the instant, every shard locked.
  bool Begin(int64_t now_ms, const std::function<void()>& at_instant = nullptr,
             bool repl_info = false);
  // Writes the view to a temp file, fsyncs and renames it over Path(); ends the save.
  absl::Status WriteAndFinish(bool background);
  // Serialises a pending structure (mu_ held).
  void SerialiseLocked(const Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Captures `shard` (locked by the caller) if the running save has not yet.
  // by_saver: the save's own thread, not a client's loop that must wait.
  // The background thread of a BGSAVE or rewrite, at bgsave-priority.
  void StartWorkerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(worker_mu_);
  void MaybeCapture(Shard& shard, bool by_saver = false);
  void CaptureLocked(int db, Shard& shard, bool by_saver) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The save's own pass over the shards not captured yet.
  void CaptureRemaining();
  // rdb-key-save-delay's sleeps (tests), cut short by a cancel.
  void SleepUnlessCancelled(int64_t us) const;

  Store& store_;
  Config& config_;
  rdb::EncodeOptions options_;  // fixed at Begin
  std::vector<Database> dbs_;   // the view; owned by the running save
  uint64_t changes_at_start_ = 0;
  int64_t capture_us_ = 0;  // how long the instant held every shard
  // Shards captured by client loops (which wait meanwhile), and the time it took.
  uint64_t loop_captures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t loop_capture_us_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex mu_;
  // Structures of the view not serialised yet, and those serialised early.
  // (The handles live in dbs_, whose vectors do not move during a save.)
  absl::flat_hash_map<const void*, const Entry*> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const void*, std::string> early_ ABSL_GUARDED_BY(mu_);
  // Shards not captured yet, with their database; their count, read without mu_.
  absl::flat_hash_map<const Shard*, int> uncaptured_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> uncaptured_count_{0};
  int64_t instant_ms_ = 0;  // keys expired by then are not saved

  std::optional<Rewrite> rewrite_;  // the running save is an AOF rewrite's base
  std::function<void(bool)> repl_hold_;
  std::function<AuxFields()> repl_aux_fn_;
  AuxFields repl_aux_;  // the running save's replication aux fields
  std::function<std::vector<std::string>()> function_codes_fn_;
  std::function<absl::Status(const std::vector<std::string>&, bool)> load_functions_fn_;
  std::vector<std::string> function_codes_;  // the running save's libraries
  AuxFields last_load_aux_;

  absl::Mutex worker_mu_;  // worker_ is assigned and joined under it
  std::thread worker_ ABSL_GUARDED_BY(worker_mu_);
  std::atomic<bool> in_progress_{false};
  std::atomic<bool> background_{false};  // the running save is a BGSAVE
  std::atomic<bool> rewriting_{false};   // the running save is an AOF rewrite
  std::atomic<bool> cancel_{false};      // stop the running BGSAVE
  std::atomic<bool> scheduled_{false};
  std::atomic<uint64_t> changes_{0};
  std::atomic<uint64_t> saved_changes_{0};
  std::atomic<int64_t> last_save_s_{0};
  std::atomic<int64_t> last_try_s_{0};
  std::atomic<bool> last_ok_{true};
  std::atomic<int64_t> last_duration_s_{-1};
  std::atomic<int64_t> started_ms_{0};
  std::atomic<uint64_t> saves_{0};
  std::atomic<uint64_t> keys_total_{0};
  std::atomic<uint64_t> keys_processed_{0};
  std::atomic<uint64_t> loaded_keys_{0};
  std::atomic<uint64_t> loaded_expired_{0};
};

}  // namespace valkdb
