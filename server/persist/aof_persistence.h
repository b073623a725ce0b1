#pragma once

// The append-only file, Redis 7.0's multi-part layout: in `dir`/`appenddirname`
// a manifest (`appendonly.aof.manifest`) names one base file (an RDB, written
// from a snapshot as BGSAVE writes one) and the incr files, RESP commands
// appended in order since that base.
//
// Every change reaches this class through the change feed (OnChange, called
// with the changed keys' shards locked, so changes of one key arrive in
// order) and is appended to a buffer. The buffer reaches the file before any
// reply leaves (FlushBeforeReply, from every connection's write): a client
// never sees a write, its own or another's, that a crash of the process
// could lose. appendfsync always also fdatasyncs there — one fdatasync
// covers every write buffered by then, from every loop (group commit);
// everysec fdatasyncs on a thread of its own once a second; no leaves it to
// the kernel.
//
// BGREWRITEAOF opens the next incr file, then takes a snapshot; at its
// instant (every shard locked) appending switches to the new file. The
// snapshot becomes the next base; when it is on disk the manifest names the
// new base and the incr files from the switch on, and the old files go.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/commands/config.h"
#include "server/persist/rdb_persistence.h"
#include "server/store/change_feed.h"
#include "server/store/store.h"

namespace valkdb {

struct ServerState;

class AofPersistence : public ChangeObserver {
 public:
  AofPersistence(Store& store, Config& config, RdbPersistence& rdb, ServerState& server);
  ~AofPersistence() override;  // writes and fsyncs what is buffered

  // Start-up with appendonly yes, before serving: loads the files the
  // manifest names (an old single appendonly.aof in `dir` is moved into the
  // directory first, as Redis upgrades it), writes a base when there is
  // none, opens the last incr file and starts appending. An error is fatal.
  // With appendonly no only the manifest is read (a later CONFIG SET
  // appendonly yes continues its numbering).
  absl::Status Start(int64_t now_ms);

  bool enabled() const { return enabled_.load(std::memory_order_acquire); }
  // INFO aof_enabled: on, or being turned on (the first rewrite is running,
  // scheduled, or being retried after it failed), as Redis's aof_state.
  bool switched_on() const { return switched_on_.load(std::memory_order_relaxed); }

  // CONFIG SET appendonly yes: a rewrite starts, and appending with it
  // (Redis's AOF_WAIT_REWRITE; when it fails it is retried until one
  // succeeds). appendonly no: what is buffered is written and fsynced, and
  // appending stops.
  absl::Status Enable();
  void Disable();

  enum class RewriteStart { kStarted, kScheduled, kAlreadyRunning, kFailed };
  // BGREWRITEAOF. in_exec, or a save running: scheduled for the cron.
  RewriteStart StartRewrite(bool in_exec);
  bool rewrite_in_progress() const { return rewriting_.load(std::memory_order_acquire); }
  bool rewrite_scheduled() const { return scheduled_.load(std::memory_order_relaxed); }

  // Every cron tick: writes what is buffered (a write with no reply, as an
  // expiry, still reaches the file), starts a scheduled rewrite, and one
  // when the AOF has grown by auto-aof-rewrite-percentage over
  // auto-aof-rewrite-min-size.
  void Cron(int64_t now_ms);

  // Before replies leave: everything appended so far is written (and with
  // appendfsync always, fdatasynced). One atomic load when it already is.
  void FlushBeforeReply() {
    if (FlushNeeded()) Flush(always_.load(std::memory_order_relaxed));
  }
  // Something appended is not yet written (or, appendfsync always, fdatasynced).
  bool FlushNeeded() const {
    const uint64_t appended = appended_.load(std::memory_order_acquire);
    return appended != written_.load(std::memory_order_acquire) ||
           (always_.load(std::memory_order_relaxed) &&
            appended != synced_.load(std::memory_order_acquire));
  }
  // SHUTDOWN, SIGTERM, DEBUG LOADAOF: written and fsynced now.
  void FlushAndSync() { Flush(true); }

  // DEBUG LOADAOF: the keyspace is emptied and the AOF loaded again.
  absl::Status Reload(int64_t now_ms);
  // DEBUG RELOAD empties and reloads the keyspace without changing it: that
  // must not reach the AOF (a FLUSHALL in it would empty the next start).
  void StopAppending();
  void ResumeAppending();
  // CONFIG SET of appendfsync or no-appendfsync-on-rewrite: read once here,
  // not on every flush.
  void ConfigChanged();

  // ChangeObserver.
  void OnChange(const Change& change) override;

  // INFO persistence.
  int64_t last_rewrite_time_s() const { return last_rewrite_s_.load(); }
  int64_t current_rewrite_start_ms() const { return rewrite_start_ms_.load(); }
  bool last_rewrite_ok() const { return last_rewrite_ok_.load(); }
  uint64_t rewrites() const { return rewrites_.load(); }
  uint64_t consecutive_failures() const { return consecutive_failures_.load(); }
  bool last_write_ok() const { return last_write_ok_.load(); }
  // Redis's writeCommandsDeniedByDiskError for the AOF: the last write to it
  // failed, so writes are refused (with WriteError()) until one succeeds.
  bool WritesRefused() const { return !last_write_ok_.load(std::memory_order_relaxed); }
  std::string WriteError();
  uint64_t current_size() const;
  uint64_t base_size() const { return base_size_.load(); }
  size_t buffer_length();

 private:
  struct FileInfo {
    std::string name;
    int64_t seq = 0;
    char type = 'i';  // b(ase), h(istory), i(ncr)
  };
  struct Manifest {
    FileInfo base;  // name empty: none
    std::vector<FileInfo> incrs;
    int64_t base_seq = 0;
    int64_t incr_seq = 0;
  };

  // aof-use-rdb-preamble: the base is an RDB (".rdb"), else commands (".aof").
  bool RdbPreamble() const;
  std::string_view BaseSuffix() const;
  std::string DirPath() const;
  std::string FilePath(const std::string& name) const;
  absl::Status ReadManifest(Manifest* out) const;
  absl::Status WriteManifest(const Manifest& manifest) const;
  // Loads one file (an RDB preamble, then commands). The last file may end
  // in the middle of a command: cut there with aof-load-truncated yes.
  // serving: other loops run (DEBUG LOADAOF), so shards are locked.
  absl::Status LoadFile(const std::string& name, int64_t now_ms, bool last_file, bool serving,
                        uint64_t* size);
  absl::Status LoadAll(int64_t now_ms, bool serving);
  // Runs the commands of an AOF, stopping at the first incomplete one:
  // *valid is where the last complete command (outside a MULTI) ended.
  absl::Status Replay(std::string_view bytes, int64_t now_ms, size_t* valid, bool* truncated);
  // Opens `name` for appending; the fd or -1 with `error` set.
  int OpenForAppend(const std::string& name, bool truncate, std::string* error) const;
  // Writes the buffer to the file; fdatasyncs it when `sync`.
  void Flush(bool sync);
  // The switch at a rewrite's instant: later changes go to `fd`.
  void SwitchFile(int fd);
  void RewriteDone(absl::Status status, const std::string& base_name, int64_t base_seq,
                   const FileInfo& new_incr, bool enabling);
  void FsyncLoop();
  // A rewrite while appending (new base, new incr file), the first one of
  // CONFIG SET appendonly yes (appending starts at its instant), or one
  // with the AOF off (BGREWRITEAOF: a new base alone, as Redis).
  enum class RewriteMode { kAppending, kEnabling, kOff };
  RewriteMode NextRewriteMode() const;
  RewriteStart BeginRewrite(RewriteMode mode);
  // Appending stops: what is buffered is written and fsynced, the file closed.
  void StopFile();

  Store& store_;
  Config& config_;
  RdbPersistence& rdb_;
  ServerState& server_;

  std::atomic<bool> enabled_{false};
  std::atomic<bool> switched_on_{false};
  std::atomic<bool> always_{false};               // appendfsync always
  std::atomic<bool> no_fsync_on_rewrite_{false};  // no-appendfsync-on-rewrite yes
  std::atomic<bool> timestamps_{false};           // aof-timestamp-enabled yes
  std::atomic<bool> rewriting_{false};
  std::atomic<bool> scheduled_{false};

  // The buffer: appended under mu_ (held briefly, by every writing loop).
  absl::Mutex mu_;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  int selected_db_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t annotated_s_ ABSL_GUARDED_BY(mu_) = 0;  // the last #TS: annotation's second
  // Bytes appended, written and fdatasynced since start-up (positions in one
  // endless stream; a file switch does not reset them).
  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> synced_{0};

  // The file: written under io_mu_ (one writer at a time; others wait and
  // find their bytes written).
  absl::Mutex io_mu_;
  int fd_ ABSL_GUARDED_BY(io_mu_) = -1;
  // Files switched away from, fsynced and closed by the fsync thread.
  std::vector<int> retired_ ABSL_GUARDED_BY(io_mu_);
  std::string last_write_error_ ABSL_GUARDED_BY(io_mu_);
  std::atomic<uint64_t> incr_file_size_{0};  // bytes in the file appended to
  std::atomic<uint64_t> incr_total_{0};      // bytes in every incr file of the manifest

  mutable absl::Mutex manifest_mu_;
  Manifest manifest_ ABSL_GUARDED_BY(manifest_mu_);

  std::mutex fsync_mu_;
  std::condition_variable fsync_cv_;
  bool stop_ = false;  // guarded by fsync_mu_
  std::thread fsync_thread_;

  std::atomic<int64_t> last_rewrite_s_{-1};
  std::atomic<int64_t> rewrite_start_ms_{0};
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<uint64_t> rewrites_{0};
  std::atomic<uint64_t> consecutive_failures_{0};
  std::atomic<bool> last_write_ok_{true};
  std::atomic<uint64_t> base_size_{0};
  std::atomic<int64_t> last_write_error_log_s_{0};
  int64_t last_auto_try_s_ = 0;  // the cron's (loop 0) only
};

}  // namespace valkdb
