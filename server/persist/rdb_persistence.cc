#include "server/persist/rdb_persistence.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>
#include <utility>

#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/rdb_convert.h"
#include "server/commands/server_state.h"
#include "server/log/logger.h"
#include "server/persist/file_util.h"
#include "server/store/access_clock.h"
#include "server/store/rdb/rdb_file.h"
#include "server/store/types/stream.h"

namespace valkdb {
namespace {

constexpr int64_t kRetryDelayS = 5;  // Redis's CONFIG_BGSAVE_RETRY_DELAY

// `name key` and up to 64 items per command, as Redis's AOF rewrite
// (AOF_REWRITE_ITEMS_PER_CMD).
void AppendVariadic(std::string* out, std::string_view name, std::string_view key,
                    const std::vector<std::string_view>& args, size_t per_item) {
  constexpr size_t kItemsPerCommand = 64;
  std::vector<std::string_view> argv;
  for (size_t i = 0; i < args.size();) {
    const size_t n = std::min(args.size() - i, kItemsPerCommand * per_item);
    argv.assign({name, key});
    argv.insert(argv.end(), args.begin() + static_cast<ptrdiff_t>(i),
                args.begin() + static_cast<ptrdiff_t>(i + n));
    AppendCommand(argv, out);
    i += n;
  }
}

// A stream as Redis's rewriteStreamObject rebuilds it: XADD per entry (an
// empty stream: XADD MAXLEN 0 of a dummy entry), XSETID with the metadata,
// then per group XGROUP CREATE, an XCLAIM per pending entry and XGROUP
// CREATECONSUMER for a consumer with nothing pending.
void AppendStreamCommands(std::string_view key, const Stream& stream, std::string* out) {
  std::vector<std::string_view> argv;
  if (stream.length() > 0) {
    stream.Range(StreamID::Min(), StreamID::Max(), false, [&](const Stream::EntryView& e) {
      const std::string id = e.id.ToString();
      argv.assign({std::string_view("XADD"), key, std::string_view(id)});
      argv.insert(argv.end(), e.fields_and_values.begin(), e.fields_and_values.end());
      AppendCommand(argv, out);
      return true;
    });
  } else {
    AppendCommand({std::string_view("XADD"), key, std::string_view("MAXLEN"), std::string_view("0"),
                   std::string_view("0-1"), std::string_view("x"), std::string_view("y")},
                  out);
  }
  const std::string last_id = stream.last_id().ToString();
  const std::string added = StrCat(stream.entries_added());
  const std::string max_deleted = stream.max_deleted_entry_id().ToString();
  AppendCommand(
      {std::string_view("XSETID"), key, std::string_view(last_id), std::string_view("ENTRIESADDED"),
       std::string_view(added), std::string_view("MAXDELETEDID"), std::string_view(max_deleted)},
      out);
  for (const auto& [name, group] : stream.groups()) {
    const std::string group_last = group->last_id.ToString();
    const std::string entries_read = StrCat(group->entries_read);
    AppendCommand({std::string_view("XGROUP"), std::string_view("CREATE"), key,
                   std::string_view(name), std::string_view(group_last),
                   std::string_view("ENTRIESREAD"), std::string_view(entries_read)},
                  out);
    for (const auto& [consumer_name, consumer] : group->consumers) {
      if (consumer->pel.empty()) {
        AppendCommand({std::string_view("XGROUP"), std::string_view("CREATECONSUMER"), key,
                       std::string_view(name), std::string_view(consumer_name)},
                      out);
        continue;
      }
      for (const auto& [id, nack] : consumer->pel) {
        const std::string pending = id.ToString();
        const std::string time = StrCat(nack->delivery_time);
        const std::string count = StrCat(nack->delivery_count);
        AppendCommand(
            {std::string_view("XCLAIM"), key, std::string_view(name),
             std::string_view(consumer_name), std::string_view("0"), std::string_view(pending),
             std::string_view("TIME"), std::string_view(time), std::string_view("RETRYCOUNT"),
             std::string_view(count), std::string_view("JUSTID"), std::string_view("FORCE")},
            out);
      }
    }
  }
}

// The commands that rebuild one key (and its TTL).
void AppendRebuildCommands(std::string_view key, const rdb::Value& value, int64_t expire_ms,
                           std::string* out) {
  std::vector<std::string_view> args;
  std::vector<std::string> scores;
  switch (value.kind) {
    case rdb::Kind::kString:
      AppendCommand({std::string_view("SET"), key, std::string_view(value.string)}, out);
      break;
    case rdb::Kind::kList:
    case rdb::Kind::kSet:
    case rdb::Kind::kHash:
      for (const std::string& item : value.items) args.push_back(item);
      AppendVariadic(out,
                     value.kind == rdb::Kind::kList  ? "RPUSH"
                     : value.kind == rdb::Kind::kSet ? "SADD"
                                                     : "HMSET",
                     key, args, value.kind == rdb::Kind::kHash ? 2 : 1);
      break;
    case rdb::Kind::kZSet:
      scores.reserve(value.zset.size());
      for (const auto& [member, score] : value.zset) scores.push_back(FormatDouble(score));
      for (size_t i = 0; i < value.zset.size(); ++i) {
        args.push_back(scores[i]);
        args.push_back(value.zset[i].first);
      }
      AppendVariadic(out, "ZADD", key, args, 2);
      break;
    case rdb::Kind::kStream:
      AppendStreamCommands(key, *value.stream, out);
      break;
  }
  if (expire_ms >= 0) {
    const std::string when = StrCat(expire_ms);
    AppendCommand({std::string_view("PEXPIREAT"), key, std::string_view(when)}, out);
  }
}

// "save" as Config keeps it: "<seconds> <changes>" pairs separated by spaces.
std::vector<std::pair<int64_t, int64_t>> SavePoints(const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> points;
  std::istringstream in(text);
  int64_t seconds = 0, changes = 0;
  while (in >> seconds >> changes) points.emplace_back(seconds, changes);
  return points;
}

}  // namespace

namespace {

// bgsave-priority: normal competes for CPU as any thread does (as Redis's
// fork child); low runs the save thread at nice 19; idle (SCHED_IDLE) runs it
// only on CPU the event loops leave free. The lower, the less a save delays
// the loops on a busy machine, and the longer it takes there.
void ApplySavePriority(const Config& config) {
  const std::string priority = config.GetString("bgsave-priority");
  int rc = 0;
  if (priority == "idle") {
    sched_param param{};
    rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
  } else if (priority == "low") {
    // On Linux a thread's id names the thread alone.
    rc = setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  }
  if (rc != 0) {
    Log(LogLevel::kWarning, "bgsave-priority %s: the save thread keeps its priority",
        priority.c_str());
  }
}

}  // namespace

RdbPersistence::RdbPersistence(Store& store, Config& config) : store_(store), config_(config) {
  last_save_s_ = UnixTimeMs() / 1000;
}

RdbPersistence::~RdbPersistence() {
  // The server is exiting: a background save still running is dropped
  // (its temp file removed), as Redis kills its child.
  cancel_.store(true);
  absl::MutexLock lock(&worker_mu_);
  if (worker_.joinable()) worker_.join();
}

std::string RdbPersistence::Path() const {
  const std::string dir = config_.GetString("dir");
  const std::string file = config_.GetString("dbfilename");
  return dir.empty() ? file : StrCat(dir, "/", file);
}

bool RdbPersistence::Begin(int64_t now_ms, const std::function<void()>& at_instant,
                           bool repl_info) {
  bool idle = false;
  if (!in_progress_.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) return false;
  // A cancel was for the save before (a diskless sync's sink cancels its own).
  cancel_.store(false);
  // A replica's link holds still over the instant, so the offset saved is
  // exactly the keyspace saved (see SetReplicationInfo).
  const bool with_repl = repl_info && static_cast<bool>(repl_hold_);
  if (with_repl) repl_hold_(true);
  repl_aux_.clear();
  {
    // The previous background save has ended; its thread is published
    // (StartBackgroundSave assigns it under the same lock) before this join.
    absl::MutexLock lock(&worker_mu_);
    if (worker_.joinable()) worker_.join();
  }
  options_ = RdbEncodeOptions(config_);
  // Built in place: a Database cannot be copied (its deque holds move-only handles).
  std::vector<Database>(static_cast<size_t>(store_.databases())).swap(dbs_);
  started_ms_ = now_ms;
  keys_processed_ = 0;
  keys_total_ = 0;
  const int64_t capture_start_us = UnixTimeUs();
  // The instant: every shard locked while each is marked not captured.
  store_.WithEveryShardLocked([&](int db, Shard& shard) {
    if (db != store_.databases() - 1 || &shard != store_.ShardAt(db, store_.shard_count() - 1)) {
      return;
    }
    absl::MutexLock lock(&mu_);
    instant_ms_ = now_ms;
    uncaptured_.clear();
    loop_captures_ = 0;
    loop_capture_us_ = 0;
    uncaptured_.reserve(static_cast<size_t>(store_.databases()) * store_.shard_count());
    for (int d = 0; d < store_.databases(); ++d) {
      for (size_t i = 0; i < store_.shard_count(); ++i)
        uncaptured_.emplace(store_.ShardAt(d, i), d);
    }
    uncaptured_count_.store(uncaptured_.size(), std::memory_order_release);
    store_.set_snapshot_guard(this);
    changes_at_start_ = changes_.load(std::memory_order_relaxed);
    if (at_instant) at_instant();
    if (with_repl && repl_aux_fn_) repl_aux_ = repl_aux_fn_();
    function_codes_ = function_codes_fn_ ? function_codes_fn_() : std::vector<std::string>();
  });
  if (with_repl) repl_hold_(false);
  capture_us_ = UnixTimeUs() - capture_start_us;
  return true;
}

void RdbPersistence::CaptureLocked(int db, Shard& shard, bool by_saver) {
  AssumeLocked(shard);
  const int64_t start_us = by_saver ? 0 : UnixTimeUs();
  Database& out = dbs_[static_cast<size_t>(db)];
  const bool any_ttl = shard.expires_size() > 0;
  uint64_t captured = 0;
  // A capture often runs on a client's loop, which waits for it. Taking a
  // reference touches each entry's memory: gather the entries first, then
  // take them with the memory of the ones ahead already on its way.
  std::vector<const Entry*> entries;
  entries.reserve(shard.size());
  for (size_t slot = 0; slot < shard.slot_count(); ++slot) {
    if (const Entry* entry = shard.EntryAt(slot)) entries.push_back(entry);
  }
  constexpr size_t kPrefetchAhead = 16;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + kPrefetchAhead < entries.size()) entries[i + kPrefetchAhead]->Prefetch();
    const Entry* entry = entries[i];
    const std::optional<int64_t> expire =
        any_ttl ? shard.GetExpire(entry->key()) : std::optional<int64_t>();
    // Expired (alive through its expiry millisecond, as Shard::IsExpired): dropped.
    if (expire && *expire < instant_ms_) continue;
    out.items.push_back({entry->Retain(), expire.value_or(-1)});
    const Entry& kept = out.items.back().entry;
    if (kept.is_table()) pending_.emplace(kept.identity(), &kept);
    if (expire) ++out.expires;
    ++captured;
  }
  keys_total_.fetch_add(captured, std::memory_order_relaxed);
  uncaptured_.erase(&shard);
  uncaptured_count_.fetch_sub(1, std::memory_order_release);
  if (!by_saver) {
    ++loop_captures_;
    loop_capture_us_ += UnixTimeUs() - start_us;
  }
}

void RdbPersistence::MaybeCapture(Shard& shard, bool by_saver) {
  if (uncaptured_count_.load(std::memory_order_acquire) == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = uncaptured_.find(&shard);
  if (it != uncaptured_.end()) CaptureLocked(it->second, shard, by_saver);
}

void RdbPersistence::SleepUnlessCancelled(int64_t us) const {
  // In steps, so a cancel is not kept waiting.
  for (int64_t left = us; left > 0 && !cancel_.load(std::memory_order_relaxed); left -= 10000) {
    std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(left, 10000)));
  }
}

void RdbPersistence::CaptureRemaining() {
  // rdb-key-save-delay (tests) also slows a BGSAVE's pass, one delay per
  // shard with keys, so that commands capture shards themselves meanwhile.
  const int64_t delay_us = config_.GetInt("rdb-key-save-delay");
  for (int db = 0; db < store_.databases(); ++db) {
    for (size_t i = 0; i < store_.shard_count(); ++i) {
      if (uncaptured_count_.load(std::memory_order_acquire) == 0) return;
      Shard* shard = store_.ShardAt(db, i);
      bool captured_keys = false;
      {
        LockedShard lock(shard);
        captured_keys = shard->size() > 0;
        MaybeCapture(*shard, /*by_saver=*/true);
      }
      if (captured_keys && background_.load(std::memory_order_relaxed)) {
        SleepUnlessCancelled(delay_us);
      }
    }
  }
}

void RdbPersistence::SerialiseLocked(const Entry& entry) {
  if (pending_.erase(entry.identity()) == 0) return;
  EncodeEntry(entry, options_, &early_[entry.identity()]);
}

void RdbPersistence::BeforeShardChange(Shard& shard) { MaybeCapture(shard); }

void RdbPersistence::BeforeChange(Shard& shard, std::string_view key) {
  MaybeCapture(shard);
  AssumeLocked(shard);
  const Entry* entry = shard.FindAny(key);
  if (entry == nullptr || !entry->is_table()) return;
  absl::MutexLock lock(&mu_);
  SerialiseLocked(*entry);
}

void RdbPersistence::BeforeChangeAny() {
  // Rare (SORT with BY/GET patterns during a save): save every pending
  // structure now rather than find which ones the command will touch.
  absl::MutexLock lock(&mu_);
  for (const auto& [identity, entry] : pending_) EncodeEntry(*entry, options_, &early_[identity]);
  pending_.clear();
}

absl::Status RdbPersistence::WriteAndFinish(bool background) {
  const int64_t start_ms = started_ms_.load();
  const bool aof_base = rewrite_.has_value();
  const std::string path = aof_base ? rewrite_->path : Path();
  // The temp file goes beside the final one, so the rename stays in one directory.
  const std::string dir =
      aof_base ? path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'))
               : config_.GetString("dir");
  const std::string temp_name = aof_base ? StrCat("temp-rewriteaof-bg-", getpid(), ".aof")
                                         : StrCat("temp-", getpid(), ".rdb");
  const std::string temp = dir.empty() ? temp_name : StrCat(dir, "/", temp_name);
  absl::Status status;
  CaptureRemaining();  // every shard as it was at the instant, before anything is written
  const bool to_sink = aof_base && rewrite_->sink != nullptr;
  const int fd =
      to_sink ? -2 : ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) {
    status = absl::InternalError(StrCat("Failed opening the temp RDB file ", temp_name,
                                        " (in server root dir ", dir,
                                        ") for saving: ", std::strerror(errno)));
  } else {
    rdb::FileWriter::Sink sink = [fd](std::string_view bytes) { return WriteAll(fd, bytes); };
    if (to_sink) sink = rewrite_->sink;
    rdb::FileWriter writer(std::move(sink), config_.GetString("rdbchecksum") != "no");
    if (!aof_base || rewrite_->rdb_preamble) {
      writer.Header();
      writer.Aux("redis-ver", kRedisVersion);
      writer.Aux("redis-bits", "64");
      writer.Aux("ctime", StrCat(UnixTimeMs() / 1000));
      writer.Aux("used-mem", StrCat(store_.MemoryUsage()));
      writer.Aux("aof-base", aof_base && rewrite_->aof_base ? "1" : "0");
      for (const auto& [key, value] : aof_base ? rewrite_->aux : repl_aux_) writer.Aux(key, value);
      const bool compress_functions = config_.GetString("rdbcompression") != "no";
      for (const std::string& code : function_codes_) writer.Function(code, compress_functions);
    }
    std::string value;
    uint64_t saved_early = 0;  // structures serialised before a change
    const int64_t key_delay_us = config_.GetInt("rdb-key-save-delay");
    // aof-use-rdb-preamble no: the AOF base is commands that rebuild each
    // key (Redis's rewriteAppendOnlyFileRio), written in 1 MB pieces.
    const bool as_commands = aof_base && !rewrite_->rdb_preamble;
    std::string commands = as_commands ? rewrite_->preface : std::string();
    if (as_commands) {
      // Redis's rewriteFunctions: each library as FUNCTION LOAD.
      for (const std::string& code : function_codes_) {
        StrAppend(&commands, "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$", code.size(), "\r\n", code,
                  "\r\n");
      }
    }
    // Redis saves the access data its policy tracks (rdbSaveKeyValuePair).
    const std::string policy = config_.GetString("maxmemory-policy");
    const bool save_lru = policy.find("lru") != std::string::npos;
    const bool save_lfu = policy.find("lfu") != std::string::npos;
    for (size_t db = 0; db < dbs_.size() && status.ok(); ++db) {
      Database& database = dbs_[db];
      if (database.items.empty()) continue;
      if (as_commands) {
        const std::string index = StrCat(db);
        AppendCommand({std::string_view("SELECT"), std::string_view(index)}, &commands);
      } else {
        writer.SelectDb(static_cast<int>(db), database.items.size(), database.expires);
      }
      for (Item& item : database.items) {
        if (cancel_.load(std::memory_order_relaxed)) {
          status = absl::CancelledError("Background saving terminated by signal");
          break;
        }
        value.clear();
        if (item.entry.is_table()) {
          absl::MutexLock lock(&mu_);
          if (pending_.erase(item.entry.identity()) > 0) {
            EncodeEntry(item.entry, options_, &value);
          } else {
            auto it = early_.find(item.entry.identity());
            if (it == early_.end()) {
              status = absl::InternalError("a structure of the snapshot was not saved");
              break;
            }
            value = std::move(it->second);
            early_.erase(it);
            ++saved_early;
          }
        } else {
          EncodeEntry(item.entry, options_, &value);
        }
        if (as_commands) {
          absl::StatusOr<rdb::Value> decoded = rdb::Decode(value);
          if (!decoded.ok()) {
            status = decoded.status();
            break;
          }
          AppendRebuildCommands(item.entry.key(), *decoded, item.expire_ms, &commands);
          if (commands.size() >= (1 << 20)) {
            status = to_sink ? rewrite_->sink(commands) : WriteAll(fd, commands);
            commands.clear();
          }
        } else {
          writer.Key(item.entry.key(),
                     item.expire_ms >= 0 ? std::optional(item.expire_ms) : std::nullopt, value,
                     options_.rdb_compression,
                     save_lru ? AccessClock::IdleSeconds(item.entry) : int64_t{-1},
                     save_lfu ? AccessClock::Frequency(item.entry) : -1);
        }
        item.entry = Entry();  // the saved value's memory may go now
        keys_processed_.fetch_add(1, std::memory_order_relaxed);
        SleepUnlessCancelled(key_delay_us);
      }
    }
    if (status.ok()) {
      if (!as_commands) {
        status = writer.Finish();
      } else {
        status = to_sink ? rewrite_->sink(commands) : WriteAll(fd, commands);
      }
    }
    if (to_sink) {
      // Nothing on disk: no fsync, no rename.
      if (status.ok()) {
        Log(LogLevel::kNotice, "Diskless sync: the RDB of %llu keys was streamed to the replicas",
            static_cast<unsigned long long>(keys_processed_.load()));
      }
    } else {
      if (status.ok() && ::fsync(fd) != 0) status = absl::InternalError(std::strerror(errno));
      if (::close(fd) != 0 && status.ok()) status = absl::InternalError(std::strerror(errno));
      if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
        status = absl::InternalError(StrCat("Error moving temp DB file ", temp_name,
                                            " on the final destination ", path, ": ",
                                            std::strerror(errno)));
      }
      if (status.ok()) {
        uint64_t loop_captures = 0;
        int64_t loop_capture_us = 0;
        {
          absl::MutexLock lock(&mu_);
          loop_captures = loop_captures_;
          loop_capture_us = loop_capture_us_;
        }
        Log(LogLevel::kNotice,
            "DB saved on disk (%llu keys; the instant held every shard %lld us; client loops "
            "captured %llu shards in %lld us; %llu values saved before a change)",
            static_cast<unsigned long long>(keys_processed_.load()),
            static_cast<long long>(capture_us_), static_cast<unsigned long long>(loop_captures),
            static_cast<long long>(loop_capture_us), static_cast<unsigned long long>(saved_early));
        // The rename itself reaches the disk with the directory's fsync.
        FsyncDirOf(path);
      } else {
        ::unlink(temp.c_str());
      }
    }
  }
  // The save is over: no more capture or early serialisation, the view is released.
  {
    absl::MutexLock lock(&mu_);
    uncaptured_.clear();
    uncaptured_count_.store(0, std::memory_order_release);
    store_.set_snapshot_guard(nullptr);
    pending_.clear();
    early_.clear();
    dbs_.clear();
  }
  const int64_t now_ms = UnixTimeMs();
  if (aof_base) {
    // The AOF's own status and counters are kept by its owner.
    if (!status.ok()) {
      Log(LogLevel::kWarning, "writing the AOF base %s failed: %s", path.c_str(),
          std::string(status.message()).c_str());
    }
    Rewrite rewrite = std::move(*rewrite_);
    rewrite_.reset();
    rewriting_.store(false, std::memory_order_relaxed);
    in_progress_.store(false, std::memory_order_release);
    if (rewrite.done) rewrite.done(status);
    return status;
  }
  // As Redis: the bgsave status and timings are a background save's; a
  // foreground SAVE only sets the status back to ok when it succeeds.
  // A cancelled save (Redis kills its child with SIGUSR1) is not a failure.
  if (background && !absl::IsCancelled(status)) {
    last_try_s_ = now_ms / 1000;
    last_duration_s_ = (now_ms - start_ms) / 1000;
    last_ok_ = status.ok();
  } else if (status.ok()) {
    last_ok_ = true;
  }
  if (status.ok()) {
    last_save_s_ = now_ms / 1000;
    saved_changes_ = changes_at_start_;
    saves_.fetch_add(1, std::memory_order_relaxed);
  } else {
    Log(LogLevel::kWarning, "saving %s failed: %s", path.c_str(),
        std::string(status.message()).c_str());
  }
  background_.store(false, std::memory_order_relaxed);
  in_progress_.store(false, std::memory_order_release);
  return status;
}

absl::Status RdbPersistence::Save() {
  // An AOF rewrite running is waited for, as Redis's SAVE runs beside its child.
  while (rewrite_in_progress()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!Begin(UnixTimeMs(), nullptr, /*repl_info=*/true))
    return absl::FailedPreconditionError("Background save already in progress");
  return WriteAndFinish(false);
}

void RdbPersistence::CancelBackgroundSave() {
  // A BGSAVE only: an AOF rewrite goes on (Redis kills only the RDB child).
  while (background_in_progress()) {
    cancel_.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  cancel_.store(false);
}

absl::Status RdbPersistence::CancelAndSave(bool keep_changes) {
  while (true) {
    while (in_progress()) {
      if (background_.load(std::memory_order_relaxed)) cancel_.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    cancel_.store(false);
    if (!Begin(UnixTimeMs(), nullptr, /*repl_info=*/true)) continue;
    const uint64_t saved_changes = saved_changes_.load();
    absl::Status status = WriteAndFinish(false);
    if (keep_changes) saved_changes_ = saved_changes;
    return status;
  }
}

void RdbPersistence::StartWorkerLocked() {
  worker_ = std::thread([this] {
    ApplySavePriority(config_);
    (void)WriteAndFinish(true);
  });
}

bool RdbPersistence::StartBackgroundRewrite(Rewrite rewrite) {
  std::function<void()> at_instant = std::move(rewrite.at_instant);
  if (!Begin(UnixTimeMs(), at_instant)) return false;
  rewrite_ = std::move(rewrite);
  rewriting_.store(true, std::memory_order_relaxed);
  background_.store(true, std::memory_order_relaxed);
  absl::MutexLock lock(&worker_mu_);
  StartWorkerLocked();
  return true;
}

absl::Status RdbPersistence::RewriteNow(Rewrite rewrite) {
  std::function<void()> at_instant = std::move(rewrite.at_instant);
  if (!Begin(UnixTimeMs(), at_instant)) {
    return absl::FailedPreconditionError("Background save already in progress");
  }
  rewrite_ = std::move(rewrite);
  rewriting_.store(true, std::memory_order_relaxed);
  return WriteAndFinish(false);
}

bool RdbPersistence::StartBackgroundSave() {
  if (!Begin(UnixTimeMs(), nullptr, /*repl_info=*/true)) return false;
  background_.store(true, std::memory_order_relaxed);
  // The thread may end (and another save begin) before the assignment below
  // completes: that save's Begin joins it under the same lock, so it waits.
  absl::MutexLock lock(&worker_mu_);
  StartWorkerLocked();
  return true;
}

void RdbPersistence::Cron(int64_t now_ms) {
  if (in_progress()) return;
  if (scheduled_.exchange(false, std::memory_order_relaxed)) {
    StartBackgroundSave();
    return;
  }
  const int64_t now_s = now_ms / 1000;
  const uint64_t changes = changes_since_last_save();
  for (const auto& [seconds, min_changes] : SavePoints(config_.GetString("save"))) {
    if (changes >= static_cast<uint64_t>(min_changes) && now_s - last_save_s_.load() > seconds &&
        (now_s - last_try_s_.load() > kRetryDelayS || last_ok_.load())) {
      Log(LogLevel::kNotice, "%lld changes in %lld seconds. Saving...",
          static_cast<long long>(min_changes), static_cast<long long>(seconds));
      StartBackgroundSave();
      return;
    }
  }
}

absl::Status RdbPersistence::Load(const std::string& path, int64_t now_ms, bool merge,
                                  bool serving) {
  absl::StatusOr<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return LoadBytes(file->bytes(), now_ms, merge, serving);
}

absl::Status RdbPersistence::LoadBytes(
    std::string_view bytes, int64_t now_ms, bool merge, bool serving, size_t* consumed,
    std::function<void(std::string_view, std::string_view)> on_aux) {
  rdb::LoadOptions options;
  options.consumed = consumed;
  options.on_aux = std::move(on_aux);
  options.verify_checksum = config_.GetString("rdbchecksum") != "no";
  options.databases = store_.databases();
  // Redis sizes its dicts from RESIZEDB; the shards are sized the same way,
  // so loading never rehashes.
  const uint64_t max_keys = bytes.size() / 3;  // a key takes 3 bytes at least
  options.on_resize = [&](int db, uint64_t claimed_keys, uint64_t) {
    const uint64_t keys = std::min(claimed_keys, max_keys);  // the count is untrusted
    const size_t per_shard = static_cast<size_t>(keys / store_.shard_count() + keys / 64 + 16);
    for (size_t i = 0; i < store_.shard_count(); ++i) {
      Shard* shard = store_.ShardAt(db, i);
      LockedShard lock(shard);
      shard->Reserve(shard->size() + per_shard);
    }
  };
  loaded_keys_ = 0;
  loaded_expired_ = 0;
  last_load_aux_.clear();
  options.on_aux = [this, on_aux = std::move(options.on_aux)](std::string_view key,
                                                              std::string_view value) {
    last_load_aux_.emplace_back(key, value);
    if (on_aux) on_aux(key, value);
  };
  // key-load-delay (Redis's test-only setting): microseconds slept per key.
  const int64_t key_load_delay_us = config_.GetInt("key-load-delay");
  std::vector<std::string> function_codes;
  if (load_functions_fn_) {
    options.on_function = [&function_codes](std::string_view code) {
      function_codes.emplace_back(code);
      return absl::OkStatus();
    };
  }
  absl::Status loaded = rdb::LoadFile(bytes, options, [&](rdb::LoadedKey& key) -> absl::Status {
    if (key_load_delay_us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(key_load_delay_us));
    if (key.expire_ms && *key.expire_ms < now_ms) {
      loaded_expired_.fetch_add(1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    std::optional<Entry> entry = EntryFromRdbValue(config_, key.key, key.value);
    if (!entry) return absl::UnimplementedError("unsupported value type in RDB");
    if (AccessClock::lfu() && key.lfu_freq >= 0) {
      entry->set_access_clock(AccessClock::FromFrequency(key.lfu_freq));
    } else if (!AccessClock::lfu() && key.lru_idle_s >= 0) {
      entry->set_access_clock(AccessClock::FromIdleSeconds(key.lru_idle_s));
    }
    Shard* shard = store_.ShardFor(key.db, key.key);
    // Before the server serves nothing else runs: no lock per key.
    std::optional<LockedShard> lock;
    if (serving) lock.emplace(shard);
    AssumeLocked(*shard);
    if (!shard->Add(std::move(*entry), key.expire_ms)) {
      if (!merge) {
        return absl::InvalidArgumentError(
            StrCat("RDB has duplicated key '", key.key, "' in DB ", key.db));
      }
      shard->Put(key.key, std::move(*entry), key.expire_ms, false);  // MERGE: the file wins
    }
    loaded_keys_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  });
  if (!loaded.ok() || function_codes.empty()) return loaded;
  return load_functions_fn_(function_codes, merge);
}

}  // namespace valkdb
