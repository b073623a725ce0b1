// Replication, the master side: the stream buffer, replicas' senders, full
// and partial resynchronisation, WAIT, INFO replication and ROLE. The
// replica side (the link to a master) is in master_link.cc.
#include "server/repl/replication.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "absl/strings/str_format.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"
#include "server/commands/blocking.h"
#include "server/commands/server_state.h"
#include "server/log/logger.h"
#include "server/persist/rdb_persistence.h"

namespace valkdb {
namespace {

// Bytes a sender copies out of the stream per write.
constexpr size_t kSendChunk = 1 << 20;
// SendPending sends at once when this much is pending.
constexpr int64_t kReplBatchBytes = 16 * 1024;
// A diskless sync's writer runs at most this far ahead of its slowest replica.
constexpr size_t kDisklessWindow = 8 << 20;
// An RDB file is sent in pieces of this size.
constexpr size_t kFileChunk = 256 * 1024;

std::string RandomReplId() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      static_cast<uint64_t>(UnixTimeUs()));
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}

}  // namespace

// The RDB of one full sync, shared by the replicas that take it; the file
// goes when the last of them is done with it.
struct Replication::SyncFile {
  std::string path;
  bool ready = false;   // written
  bool failed = false;  // writing failed: its replicas are dropped
  // Diskless (repl-diskless-sync yes): no file; the RDB goes from the writer
  // to the replicas through `data`, which keeps the bytes some replica has
  // not taken yet (at most kDisklessWindow: the writer waits for the slowest).
  bool diskless = false;
  std::string mark;  // "$EOF:<mark>\r\n<rdb><mark>": 40 random characters
  std::string data;
  int64_t data_first = 0;  // the RDB offset of data[0]
  ~SyncFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

// One replica, served by a thread of its own.
struct Replication::Sender {
  enum class State { kWaitSnapshot, kWaitFile, kSendFile, kOnline };
  uint64_t id = 0;
  int fd = -1;
  int wake_fd = -1;  // an eventfd: new bytes, or a new state
  std::string addr;  // peer ip:port
  std::string ip;    // as INFO shows it: the announced one, else the peer's
  int port = 0;      // REPLCONF listening-port
  bool sync = false;
  bool capa_eof = false;  // takes "$EOF:" payloads (a diskless sync)
  bool capa_psync2 = false;
  int64_t created_ms = 0;
  std::atomic<bool> idle{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  std::atomic<int64_t> ack_offset{0};
  std::atomic<int64_t> ack_ms{0};
  std::string input_left;
  // Guarded by Replication::mu_.
  State state = State::kWaitSnapshot;
  int64_t next = 0;      // the next stream offset to send
  bool busy = false;     // the thread holds bytes it has not sent: only it writes
  int64_t file_pos = 0;  // diskless: the RDB bytes taken so far
  // Diskless: the stream waits for the replica's first REPLCONF ACK (Redis's
  // repl_put_online_on_ack): a replica finds the payload's end only when the
  // mark ends what it read, so nothing may follow the mark until it loaded.
  bool await_ack = false;
  std::string preface;  // sent before anything else (replies, +FULLRESYNC)
  std::shared_ptr<SyncFile> file;
  std::thread thread;

  // The thread sleeps on wake_fd: this makes its poll return.
  void Wake() const {
    const uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof(one));
  }
  // Wakes the thread if it sleeps with nothing to do.
  void WakeIfIdle() {
    if (idle.exchange(false)) Wake();
  }
};

struct Replication::WaitEntry {
  std::shared_ptr<Waiter> waiter;
  int64_t offset;
  int64_t needed;
};

Replication::Replication(Store& store, Config& config, ServerState& server, RdbPersistence& rdb)
    : store_(store), config_(config), server_(server), rdb_(rdb) {
  replid_ = RandomReplId();
  replid2_ = std::string(40, '0');
  rdb_.SetReplicationInfo([this](bool hold) { HoldApply(hold); }, [this] { return SaveInfo(); });
  timeout_ms_.store(config_.GetInt("repl-timeout") * 1000, std::memory_order_relaxed);
  // Pings go every repl-ping-replica-period from the server's start, as
  // Redis's cron counts them: not at once when the first replica comes.
  last_ping_ms_ = UnixTimeMs();
}

Replication::~Replication() { Stop(); }

void Replication::HoldApply(bool hold) {
  if (ChangeFeed::applying_master_stream) return;  // the link's own thread: held already
  if (hold) {
    apply_mu_.Lock();
  } else {
    apply_mu_.Unlock();
  }
}

std::vector<std::pair<std::string, std::string>> Replication::SaveInfo() {
  absl::MutexLock lock(&mu_);
  if (!backlog_ && !replica_.load()) return {};
  const int stream_db = replica_.load() ? master_db_ : std::max(selected_db_, 0);
  return {{"repl-stream-db", StrCat(stream_db)},
          {"repl-id", replid_},
          {"repl-offset", StrCat(EndOffsetLocked())}};
}

void Replication::RestoreFromRdb(const std::vector<std::pair<std::string, std::string>>& aux) {
  std::string id;
  int64_t offset = -1, db = 0;
  for (const auto& [key, value] : aux) {
    if (key == "repl-id") id = value;
    if (key == "repl-offset" && !ParseInt64(value, &offset)) offset = -1;
    if (key == "repl-stream-db" && !ParseInt64(value, &db)) db = 0;
  }
  if (id.size() != 40 || offset < 0) return;
  absl::MutexLock apply(&apply_mu_);
  absl::MutexLock lock(&mu_);
  replid_ = id;
  stream_.clear();
  stream_first_ = offset + 1;
  master_db_ = static_cast<int>(std::clamp<int64_t>(db, 0, store_.databases() - 1));
}

void Replication::Stop() {
  stopping_.store(true);
  {
    absl::MutexLock link(&link_mu_);
    link_generation_.fetch_add(1);
    if (link_fd_ >= 0) ::shutdown(link_fd_, SHUT_RDWR);
  }
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    DisconnectReplicasLocked();
    for (auto& sender : senders_) {
      if (sender->thread.joinable()) threads.push_back(std::move(sender->thread));
    }
    for (auto& t : finished_threads_) threads.push_back(std::move(t));
    finished_threads_.clear();
  }
  {
    absl::MutexLock link(&link_mu_);
    for (auto& t : link_threads_) threads.push_back(std::move(t));
    link_threads_.clear();
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  absl::MutexLock lock(&mu_);
  // A full sync's writer calls back into this object (its sink, its done):
  // it is stopped and waited for before this object may go.
  if (sync_running_) {
    rdb_.CancelRewrite();
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](bool* running) { return !*running; }, &sync_running_),
                         absl::Seconds(60));
  }
  for (auto& sender : senders_) {
    if (sender->wake_fd >= 0) ::close(sender->wake_fd);
    sender->wake_fd = -1;
  }
  senders_.clear();
}

int64_t Replication::master_repl_offset() {
  absl::MutexLock lock(&mu_);
  return EndOffsetLocked();
}

void Replication::EnsureBacklogLocked() {
  if (backlog_) return;
  backlog_ = true;
  backlog_open_.store(true, std::memory_order_relaxed);
  backlog_size_ = std::max<int64_t>(config_.GetInt("repl-backlog-size"), 1);
  stream_.clear();
  stream_first_ = EndOffsetLocked() + 1;
  selected_db_ = -1;
}

void Replication::SubscribeToFeed() {
  if (subscribed_.exchange(true)) return;
  // Safe with every shard locked: no change is in flight. (Not under mu_:
  // changes take the shard locks first, then mu_.)
  store_.WithEveryShardLocked([this](int db, Shard& shard) {
    if (db == store_.databases() - 1 && &shard == store_.ShardAt(db, store_.shard_count() - 1)) {
      store_.feed().Subscribe(this);
    }
  });
}

void Replication::OnChange(const Change& change) {
  if (replica_.load(std::memory_order_relaxed)) return;  // a replica's stream is its master's
  if (change.aof_only) return;
  absl::MutexLock lock(&mu_);
  if (!backlog_) return;
  AppendCommandLocked(change.db, change.argv);
}

void Replication::AppendCommandLocked(int db, absl::Span<const std::string_view> argv) {
  const size_t before = stream_.size();
  if (db >= 0 && db != selected_db_) {
    const std::string index = StrCat(db);
    StrAppend(&stream_, "*2\r\n$6\r\nSELECT\r\n");
    AppendBulk(&stream_, index);
    selected_db_ = db;
  }
  StrAppend(&stream_, "*", argv.size(), "\r\n");
  for (std::string_view arg : argv) AppendBulk(&stream_, arg);
  (void)before;
  // Sent after the loop iteration by SendPending, as Redis writes to its
  // replicas in beforeSleep: one send for many changes.
  unsent_.store(true, std::memory_order_relaxed);
  TrimLocked();
}

bool Replication::SendPending(int64_t now_ms, bool force) {
  if (!unsent_.load(std::memory_order_relaxed)) return false;
  absl::MutexLock lock(&mu_);
  const int64_t end = EndOffsetLocked();
  if (unsent_since_ms_ < 0) {
    unsent_since_ms_ = now_ms;
    unsent_from_ = end;
  }
  // Batched: a loop at full load runs an iteration every few dozen
  // microseconds, each with a handful of changes; one send per millisecond
  // (or per kReplBatchBytes) costs the master far less and delays the
  // replica by at most that millisecond.
  if (!force && now_ms == unsent_since_ms_ && end - unsent_from_ < kReplBatchBytes) return true;
  unsent_.store(false, std::memory_order_relaxed);
  unsent_since_ms_ = -1;
  for (auto& sender : senders_) {
    if (sender->state != Sender::State::kOnline || sender->await_ack || sender->next > end ||
        sender->fd < 0 || sender->finished.load(std::memory_order_relaxed)) {
      continue;
    }
    if (!sender->busy && sender->preface.empty() && sender->next >= stream_first_) {
      // The socket is idle: write from here, without waking the thread.
      const size_t from = static_cast<size_t>(sender->next - stream_first_);
      const size_t n = std::min(kSendChunk, stream_.size() - from);
      const ssize_t sent =
          ::send(sender->fd, stream_.data() + from, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent > 0) {
        sender->next += sent;
        server_.net_repl_output_bytes.fetch_add(static_cast<uint64_t>(sent),
                                                std::memory_order_relaxed);
      }
      if (sender->next > end) continue;
    }
    // A full socket, an error or the thread busy: the thread goes on.
    sender->WakeIfIdle();
  }
  return false;
}

size_t Replication::BacklogBytes() {
  absl::MutexLock lock(&mu_);
  return backlog_ ? stream_.capacity() : 0;
}

void Replication::AppendLocked(std::string_view bytes) {
  stream_.append(bytes);
  WakeSendersLocked();
  TrimLocked();
}

void Replication::WakeSendersLocked() {
  for (auto& sender : senders_) sender->WakeIfIdle();
}

void Replication::TrimLocked() {
  const int64_t backlog = backlog_size_;
  const int64_t size = static_cast<int64_t>(stream_.size());
  // Trim in steps, not on every append: erasing a prefix moves the rest.
  if (size <= backlog + std::max<int64_t>(backlog, 1 << 20)) return;
  int64_t keep_from = EndOffsetLocked() - backlog + 1;
  for (const auto& sender : senders_) {
    if (sender->finished.load()) continue;
    if (sender->state != Sender::State::kWaitSnapshot)
      keep_from = std::min(keep_from, sender->next);
  }
  const int64_t drop = keep_from - stream_first_;
  if (drop <= 0) return;
  stream_.erase(0, static_cast<size_t>(drop));
  stream_first_ += drop;
}

void Replication::ShiftReplIdLocked() {
  replid2_ = replid_;
  second_replid_offset_ = EndOffsetLocked() + 1;
  replid_ = RandomReplId();
}

void Replication::DisconnectReplicasLocked() {
  for (auto& sender : senders_) {
    sender->stop.store(true);
    if (sender->fd >= 0) ::shutdown(sender->fd, SHUT_RDWR);
    sender->Wake();
  }
}

void Replication::AddReplica(ReplicaHandoff handoff) {
  auto sender = std::make_unique<Sender>();
  sender->id = handoff.client_id;
  sender->fd = handoff.fd;
  sender->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  sender->addr = handoff.addr;
  sender->ip = handoff.announced_ip;
  if (sender->ip.empty()) {
    const size_t colon = handoff.addr.rfind(':');
    sender->ip = handoff.addr.substr(0, colon == std::string::npos ? handoff.addr.size() : colon);
  }
  sender->port = handoff.listening_port;
  sender->sync = handoff.sync;
  sender->capa_eof = handoff.capa_eof;
  sender->capa_psync2 = handoff.capa_psync2;
  sender->created_ms = UnixTimeMs();
  sender->ack_ms = sender->created_ms;
  sender->input_left = std::move(handoff.input_left);
  sender->preface = std::move(handoff.unsent);
  ::fcntl(sender->fd, F_SETFL, ::fcntl(sender->fd, F_GETFL) | O_NONBLOCK);
  SubscribeToFeed();
  absl::MutexLock lock(&mu_);
  if (stopping_.load()) {
    ::close(sender->fd);
    ::close(sender->wake_fd);
    return;
  }
  EnsureBacklogLocked();
  const int64_t end = EndOffsetLocked();
  bool partial = false;
  if (!handoff.sync) {
    // Redis's masterTryPartialResynchronization.
    const bool same_history =
        handoff.replid == replid_ ||
        (handoff.replid == replid2_ && handoff.offset <= second_replid_offset_);
    partial = same_history && handoff.offset >= stream_first_ && handoff.offset <= end + 1;
    if (!partial && handoff.replid != "?") sync_partial_err_.fetch_add(1);
  }
  if (partial) {
    sender->state = Sender::State::kOnline;
    sender->next = handoff.offset;
    sender->preface +=
        sender->capa_psync2 ? StrCat("+CONTINUE ", replid_, "\r\n") : "+CONTINUE\r\n";
    sync_partial_ok_.fetch_add(1);
    Log(LogLevel::kNotice,
        "Partial resynchronization request from %s accepted. Sending %lld bytes "
        "of backlog starting from offset %lld.",
        sender->addr.c_str(), static_cast<long long>(end + 1 - handoff.offset),
        static_cast<long long>(handoff.offset));
  } else {
    sender->state = Sender::State::kWaitSnapshot;  // the cron starts the snapshot
    sync_full_.fetch_add(1);
    Log(LogLevel::kNotice, "Replica %s asks for synchronization; full resync",
        sender->addr.c_str());
  }
  Sender* raw = sender.get();
  senders_.push_back(std::move(sender));
  raw->thread = std::thread([this, raw] { SenderLoop(raw); });
}

void Replication::MaybeStartFullSync(int64_t now_ms) {
  std::shared_ptr<SyncFile> file;
  {
    absl::MutexLock lock(&mu_);
    if (sync_running_) return;
    int64_t waiting = 0;
    bool all_take_eof = true;
    for (const auto& sender : senders_) {
      if (sender->finished.load() || sender->state != Sender::State::kWaitSnapshot) continue;
      ++waiting;
      all_take_eof &= sender->capa_eof;
    }
    if (waiting == 0) {
      sync_waiting_since_ms_ = 0;
      return;
    }
    if (sync_waiting_since_ms_ == 0) sync_waiting_since_ms_ = now_ms;
    if (rdb_.in_progress()) return;
    // As Redis: diskless only when every waiting replica takes "$EOF:" payloads.
    const bool diskless = all_take_eof && config_.GetString("repl-diskless-sync") == "yes";
    if (diskless) {
      // Redis waits repl-diskless-sync-delay for more replicas to share the sync.
      const int64_t max_replicas = config_.GetInt("repl-diskless-sync-max-replicas");
      if (now_ms - sync_waiting_since_ms_ < config_.GetInt("repl-diskless-sync-delay") * 1000 &&
          !(max_replicas > 0 && waiting >= max_replicas)) {
        return;
      }
    }
    file = std::make_shared<SyncFile>();
    file->diskless = diskless;
    if (diskless) {
      file->mark = RandomReplId();
    } else {
      const std::string dir = config_.GetString("dir");
      const std::string name = StrCat("temp-repl-", getpid(), "-", ++sync_seq_, ".rdb");
      file->path = dir.empty() ? name : StrCat(dir, "/", name);
    }
    sync_running_ = true;
    sync_waiting_since_ms_ = 0;
  }
  // On a replica, the link applies each command and then appends it to the
  // stream: holding its lock keeps the instant off that gap.
  absl::MutexLock apply(&apply_mu_);
  RdbPersistence::Rewrite rewrite;
  rewrite.path = file->diskless ? config_.GetString("dir") + "/diskless" : file->path;
  rewrite.aof_base = false;
  if (file->diskless) {
    rewrite.sink = [this, file](std::string_view bytes) { return DisklessSink(file, bytes); };
  }
  // The database the stream continues in: a replica's stream is its
  // master's, so its sub-replicas start in the db its master last selected
  // (a master's stream after the instant starts with a SELECT).
  rewrite.aux = {{"repl-stream-db", StrCat(replica_.load() ? master_db_ : 0)}};
  // At the instant (every shard locked, so no change is in flight): the
  // waiting replicas take this snapshot and the stream from here.
  rewrite.at_instant = [this, file] {
    absl::MutexLock lock(&mu_);
    selected_db_ = -1;  // the stream after the RDB starts with a SELECT
    const int64_t end = EndOffsetLocked();
    for (auto& sender : senders_) {
      if (sender->finished.load() || sender->state != Sender::State::kWaitSnapshot) continue;
      // One that came meanwhile and takes no "$EOF:" payload waits for the next sync.
      if (file->diskless && !sender->capa_eof) continue;
      // Diskless: the RDB flows while it is written.
      sender->state = file->diskless ? Sender::State::kSendFile : Sender::State::kWaitFile;
      sender->next = end + 1;
      sender->file = file;
      sender->file_pos = 0;
      if (!sender->sync) sender->preface += StrCat("+FULLRESYNC ", replid_, " ", end, "\r\n");
    }
    WakeSendersLocked();
  };
  rewrite.done = [this, file](absl::Status status) {
    absl::MutexLock lock(&mu_);
    sync_running_ = false;
    file->ready = status.ok();
    file->failed = !status.ok();
    for (auto& sender : senders_) {
      if (sender->file != file) continue;
      if (!status.ok()) {
        sender->stop.store(true);
      } else if (sender->state == Sender::State::kWaitFile) {
        sender->state = Sender::State::kSendFile;
      }
      sender->idle.store(false);
      sender->Wake();
    }
  };
  if (!rdb_.StartBackgroundRewrite(std::move(rewrite))) {
    absl::MutexLock lock(&mu_);
    sync_running_ = false;  // a save began meanwhile: the next tick tries again
  }
  (void)now_ms;
}

absl::Status Replication::DisklessSink(const std::shared_ptr<SyncFile>& file,
                                       std::string_view bytes) {
  absl::MutexLock lock(&mu_);
  while (true) {
    bool any = false;
    int64_t slowest = file->data_first + static_cast<int64_t>(file->data.size());
    for (const auto& sender : senders_) {
      if (sender->file != file || sender->finished.load() || sender->stop.load()) continue;
      any = true;
      slowest = std::min(slowest, sender->file_pos);
    }
    if (!any || stopping_.load() || rdb_.cancel_requested()) {
      rdb_.CancelRewrite();  // nobody takes it: the writer stops at the next key
      return absl::CancelledError("no replica takes the diskless sync any more");
    }
    // Bytes every replica has taken are dropped, once they are half of the
    // buffer (erasing a prefix moves the rest).
    const int64_t taken = slowest - file->data_first;
    if (taken > 0 && static_cast<size_t>(taken) * 2 >= file->data.size()) {
      file->data.erase(0, static_cast<size_t>(taken));
      file->data_first = slowest;
    }
    const int64_t end = file->data_first + static_cast<int64_t>(file->data.size());
    if (end - slowest < static_cast<int64_t>(kDisklessWindow)) break;
    diskless_cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
  file->data.append(bytes);
  WakeSendersLocked();
  return absl::OkStatus();
}

bool Replication::DisklessReadyLocked(const Sender& sender) const {
  const SyncFile& file = *sender.file;
  return sender.file_pos < file.data_first + static_cast<int64_t>(file.data.size()) || file.ready ||
         file.failed;
}

void Replication::SenderLoop(Sender* sender) {
  std::string out;
  size_t out_pos = 0;
  int file_fd = -1;
  int64_t file_size = 0, file_sent = 0;
  int64_t last_newline_ms = UnixTimeMs();
  bool eof_header_sent = false;          // diskless: "$EOF:<mark>\r\n" went first
  int64_t last_write_ms = UnixTimeMs();  // bytes went out, or none were waiting
  RequestParser parser;
  CommandArgs args;
  std::string input = std::move(sender->input_left);
  char buf[16 * 1024];
  std::string why;
  struct {
    size_t hard = 0, soft = 0;
  } limit;
  {
    // client-output-buffer-limit's replica class.
    auto& l = limit;
    const std::string text = config_.GetString("client-output-buffer-limit");
    std::vector<std::string_view> words = Split(text, ' ');
    for (size_t i = 0; i + 3 < words.size(); i += 4) {
      if (words[i] == "slave" || words[i] == "replica") {
        l.hard = static_cast<size_t>(ParseMemory(words[i + 1]).value_or(0));
        l.soft = static_cast<size_t>(ParseMemory(words[i + 2]).value_or(0));
      }
    }
  }
  while (!sender->stop.load()) {
    const int64_t now_ms = UnixTimeMs();
    if (out_pos == out.size()) {
      out.clear();
      out_pos = 0;
      Sender::State state;
      bool diskless = false;
      {
        absl::MutexLock lock(&mu_);
        // Stopped meanwhile: the sink no longer keeps the bytes this one needs.
        if (sender->stop.load()) break;
        state = sender->state;
        diskless = sender->file != nullptr && sender->file->diskless;
        if (!sender->preface.empty()) {
          out.swap(sender->preface);
        } else if (state == Sender::State::kSendFile && diskless) {
          SyncFile& file = *sender->file;
          const int64_t data_end = file.data_first + static_cast<int64_t>(file.data.size());
          if (!eof_header_sent) {
            out = StrCat("$EOF:", file.mark, "\r\n");
            eof_header_sent = true;
          } else if (sender->file_pos < data_end) {
            const size_t from = static_cast<size_t>(sender->file_pos - file.data_first);
            const size_t n = std::min(kFileChunk, file.data.size() - from);
            out.assign(file.data, from, n);
            sender->file_pos += static_cast<int64_t>(n);
            diskless_cv_.SignalAll();  // the writer may be waiting for this replica
          } else if (file.failed) {
            why = "the diskless sync failed";
            break;
          } else if (file.ready) {
            out = file.mark;  // the end of the payload; the stream follows
            sender->state = Sender::State::kOnline;
            sender->await_ack = true;  // the stream follows the first ACK
            sender->file.reset();
            sender->ack_ms = now_ms;
            Log(LogLevel::kNotice, "Diskless sync with replica %s succeeded", sender->addr.c_str());
          }
        } else if (state == Sender::State::kOnline && !sender->await_ack) {
          const int64_t end = EndOffsetLocked();
          if (sender->next < stream_first_) {
            why = "its stream was trimmed before it was sent";
            break;
          }
          if (limit.hard > 0 && end + 1 - sender->next > static_cast<int64_t>(limit.hard)) {
            why = "it passed client-output-buffer-limit for replicas";
            break;
          }
          if (sender->next <= end) {
            const size_t from = static_cast<size_t>(sender->next - stream_first_);
            const size_t n = std::min(kSendChunk, stream_.size() - from);
            out.assign(stream_, from, n);
            sender->next += static_cast<int64_t>(n);
          }
        }
        sender->busy = !out.empty();
      }
      if (out.empty() && state == Sender::State::kSendFile && !diskless) {
        if (file_fd < 0) {
          std::shared_ptr<SyncFile> file;
          {
            absl::MutexLock lock(&mu_);
            file = sender->file;
          }
          file_fd = ::open(file->path.c_str(), O_RDONLY | O_CLOEXEC);
          struct stat st;
          if (file_fd < 0 || ::fstat(file_fd, &st) != 0) {
            why = StrCat("the RDB could not be opened: ", std::strerror(errno));
            break;
          }
          file_size = st.st_size;
          file_sent = 0;
          out = StrCat("$", file_size, "\r\n");
        } else if (file_sent < file_size) {
          out.resize(static_cast<size_t>(std::min<int64_t>(kFileChunk, file_size - file_sent)));
          const ssize_t n = ::pread(file_fd, out.data(), out.size(), file_sent);
          if (n <= 0) {
            why = "reading the RDB failed";
            break;
          }
          out.resize(static_cast<size_t>(n));
          file_sent += n;
        }
        if (out.empty() || file_sent == file_size) {
          if (file_sent == file_size) {
            ::close(file_fd);
            file_fd = -1;
            absl::MutexLock lock(&mu_);
            sender->state = Sender::State::kOnline;
            sender->busy = true;  // the file's last piece is still in `out`
            sender->file.reset();
            sender->ack_ms = now_ms;
            Log(LogLevel::kNotice, "Synchronization with replica %s succeeded",
                sender->addr.c_str());
          }
        }
      }
      if (out.empty() &&
          (state == Sender::State::kWaitSnapshot || state == Sender::State::kWaitFile) &&
          now_ms - last_newline_ms >= 1000) {
        out.assign(1, '\n');  // keeps the replica's link alive while the RDB is made
        last_newline_ms = now_ms;
      }
    }
    pollfd fds[2] = {{sender->fd, POLLIN, 0}, {sender->wake_fd, POLLIN, 0}};
    if (out_pos < out.size()) {
      fds[0].events |= POLLOUT;
    } else {
      // Nothing to send: sleep until woken, unless something came meanwhile.
      sender->idle.store(true);
      bool more;
      {
        absl::MutexLock lock(&mu_);
        sender->busy = false;  // everything it took is sent: SendPending may write
        more =
            !sender->preface.empty() ||
            (sender->state == Sender::State::kOnline && !sender->await_ack &&
             sender->next <= EndOffsetLocked()) ||
            (sender->state == Sender::State::kSendFile &&
             (sender->file == nullptr || !sender->file->diskless || DisklessReadyLocked(*sender)));
      }
      if (more) {
        sender->idle.store(false);
        continue;
      }
    }
    const int ready = ::poll(fds, 2, 1000);
    sender->idle.store(false);
    if (ready < 0 && errno != EINTR) {
      why = std::strerror(errno);
      break;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t value;
      (void)!::read(sender->wake_fd, &value, sizeof(value));
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(sender->fd, buf, sizeof(buf), 0);
      if (n == 0) {
        why = "connection closed";
        break;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        why = std::strerror(errno);
        break;
      }
      if (n > 0) input.append(buf, static_cast<size_t>(n));
      size_t consumed = 0;
      while (consumed < input.size()) {
        const RequestParser::Status status =
            parser.Parse(std::string_view(input).substr(consumed), &consumed, &args);
        if (status == RequestParser::Status::kNeedMore) break;
        if (status == RequestParser::Status::kError) {
          why = "protocol error";
          break;
        }
        // A replica sends REPLCONF ACK <offset> [FACK <aofoffset>]; nothing else matters.
        if (args.size() >= 3 && EqualsIgnoreCase(args[0], "replconf") &&
            EqualsIgnoreCase(args[1], "ack")) {
          int64_t offset = 0;
          if (ParseInt64(args[2], &offset)) {
            sender->ack_offset.store(offset);
            sender->ack_ms.store(UnixTimeMs());
            absl::MutexLock lock(&mu_);
            sender->await_ack = false;  // loaded: the stream may follow
            CheckWaitersLocked();
          }
        }
      }
      if (!why.empty()) break;
      input.erase(0, consumed);
    }
    if (out_pos < out.size() && (fds[0].revents & POLLOUT)) {
      const ssize_t n =
          ::send(sender->fd, out.data() + out_pos, out.size() - out_pos, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        why = std::strerror(errno);
        break;
      }
      if (n > 0) {
        out_pos += static_cast<size_t>(n);
        last_write_ms = UnixTimeMs();
        server_.net_repl_output_bytes.fetch_add(static_cast<uint64_t>(n),
                                                std::memory_order_relaxed);
      }
    }
    // repl-timeout, while sending: a replica that stopped reading (its RDB
    // included: a diskless sync's writer waits for the slowest) is dropped.
    if (out_pos >= out.size()) {
      last_write_ms = UnixTimeMs();
    } else if (UnixTimeMs() - last_write_ms > timeout_ms_.load(std::memory_order_relaxed)) {
      why = "timeout: it stopped reading";
      break;
    }
    // repl-timeout: an online replica that stopped acknowledging is dropped.
    if (sender->ack_ms.load() > 0 &&
        UnixTimeMs() - sender->ack_ms.load() > timeout_ms_.load(std::memory_order_relaxed)) {
      bool online;
      {
        absl::MutexLock lock(&mu_);
        online = sender->state == Sender::State::kOnline;
      }
      if (online) {
        why = "timeout";
        break;
      }
    }
  }
  if (file_fd >= 0) ::close(file_fd);
  if (why.empty()) why = "disconnected";
  Log(LogLevel::kWarning, "Connection with replica %s lost (%s).", sender->addr.c_str(),
      why.c_str());
  absl::MutexLock lock(&mu_);
  ::close(sender->fd);  // under mu_: DisconnectReplicasLocked never shuts a reused fd
  sender->file.reset();
  sender->fd = -1;
  sender->finished.store(true);
  if (senders_.size() == 1) no_replicas_since_ms_ = UnixTimeMs();
}

void Replication::SetGoodReplicas(int64_t good) {
  const int64_t min_replicas = config_.GetInt("min-replicas-to-write");
  min_replicas_unmet_.store(min_replicas > 0 && !replica_.load() && good < min_replicas,
                            std::memory_order_relaxed);
  UpdateChecks();
}

void Replication::MinReplicasChanged(int64_t now_ms) {
  int64_t good = 0;
  {
    absl::MutexLock lock(&mu_);
    const int64_t max_lag_ms = config_.GetInt("min-replicas-max-lag") * 1000;
    for (const auto& sender : senders_) {
      if (!sender->finished.load() && sender->state == Sender::State::kOnline &&
          now_ms - sender->ack_ms.load() <= max_lag_ms) {
        ++good;
      }
    }
  }
  SetGoodReplicas(good);
}

void Replication::Cron(int64_t now_ms) {
  SendPending(now_ms, /*force=*/true);  // changes made off the loops' iterations
  MaybeStartFullSync(now_ms);
  FailoverCron(now_ms);
  int64_t good = 0;
  {
    absl::MutexLock lock(&mu_);
    backlog_size_ = std::max<int64_t>(config_.GetInt("repl-backlog-size"), 1);
    timeout_ms_.store(config_.GetInt("repl-timeout") * 1000, std::memory_order_relaxed);
    // Senders that ended: their threads are joined here.
    for (size_t i = 0; i < senders_.size();) {
      if (senders_[i]->finished.load()) {
        if (senders_[i]->thread.joinable())
          finished_threads_.push_back(std::move(senders_[i]->thread));
        if (senders_[i]->wake_fd >= 0) ::close(senders_[i]->wake_fd);
        senders_.erase(senders_.begin() + static_cast<std::ptrdiff_t>(i));
        if (senders_.empty()) no_replicas_since_ms_ = now_ms;
      } else {
        ++i;
      }
    }
    const int64_t max_lag_ms = config_.GetInt("min-replicas-max-lag") * 1000;
    bool online = false;
    for (const auto& sender : senders_) {
      if (sender->state != Sender::State::kOnline) continue;
      online = true;
      if (now_ms - sender->ack_ms.load() <= max_lag_ms) ++good;
    }
    // repl-ping-replica-period: masters ping their replicas through the
    // stream (a replica's stream is its master's, pings included).
    if (online && !replica_.load() &&
        now_ms - last_ping_ms_ >= config_.GetInt("repl-ping-replica-period") * 1000) {
      last_ping_ms_ = now_ms;
      AppendLocked("*1\r\n$4\r\nPING\r\n");
    }
    // repl-backlog-ttl: a master without replicas for that long frees its
    // backlog (and, as Redis, takes a new id: nobody can continue it).
    const int64_t ttl = config_.GetInt("repl-backlog-ttl");
    if (backlog_ && senders_.empty() && !replica_.load() && ttl > 0 && no_replicas_since_ms_ > 0 &&
        now_ms - no_replicas_since_ms_ > ttl * 1000) {
      const int64_t end = EndOffsetLocked();
      backlog_ = false;
      backlog_open_.store(false, std::memory_order_relaxed);
      stream_.clear();
      stream_first_ = end + 1;
      replid_ = RandomReplId();
      replid2_ = std::string(40, '0');
      second_replid_offset_ = -1;
    }
  }
  SetGoodReplicas(good);
  std::vector<std::thread> done;
  {
    absl::MutexLock lock(&mu_);
    done.swap(finished_threads_);
  }
  for (auto& t : done) {
    if (t.joinable()) t.join();
  }
}

std::string Replication::StartFailover(const std::string& host, int port, bool force,
                                       int64_t timeout_ms, int64_t now_ms) {
  if (replica_.load()) return "FAILOVER is not valid when server is a replica.";
  absl::MutexLock lock(&mu_);
  if (failover_ != Failover::kNone) return "FAILOVER already in progress.";
  bool any_online = false;
  for (const auto& sender : senders_) {
    any_online |= !sender->finished.load() && sender->state == Sender::State::kOnline;
  }
  if (senders_.empty()) return "FAILOVER requires connected replicas.";
  if (!host.empty()) {
    const Sender* target = nullptr;
    for (const auto& sender : senders_) {
      if (!sender->finished.load() && sender->ip == host && sender->port == port) {
        target = sender.get();
      }
    }
    if (target == nullptr) return "FAILOVER target HOST and PORT is not a replica.";
    if (target->state != Sender::State::kOnline) return "FAILOVER target replica is not online.";
  } else if (!any_online) {
    return "FAILOVER requires connected replicas.";
  }
  failover_ = Failover::kWaitForSync;
  failover_host_ = host;
  failover_port_ = port;
  failover_force_ = force;
  failover_deadline_ms_ = timeout_ms > 0 ? now_ms + timeout_ms : 0;
  // Writes wait (as CLIENT PAUSE WRITE) until the failover ends.
  server_.pause_all.store(false, std::memory_order_relaxed);
  server_.pause_until_ms.store(INT64_MAX, std::memory_order_release);
  store_.feed().HoldExpiryUntil(INT64_MAX);
  // Replicas are asked for their offset now.
  if (backlog_) AppendLocked("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  Log(LogLevel::kNotice, "FAILOVER requested to %s:%d.",
      host.empty() ? "any replica" : host.c_str(), port);
  return "";
}

std::string Replication::AbortFailover() {
  absl::MutexLock lock(&mu_);
  if (failover_ == Failover::kNone) return "No failover in progress.";
  EndFailover("aborted by user");
  return "";
}

void Replication::EndFailover(const char* why) {
  if (failover_ == Failover::kNone) return;
  Log(LogLevel::kNotice, "FAILOVER ended: %s.", why);
  failover_ = Failover::kNone;
  failover_host_.clear();
  failover_port_ = 0;
  failover_force_ = false;
  server_.pause_until_ms.store(0, std::memory_order_release);
  store_.feed().HoldExpiryUntil(0);
}

void Replication::FailoverCron(int64_t now_ms) {
  std::string host;
  int port = 0;
  {
    absl::MutexLock lock(&mu_);
    if (failover_ == Failover::kInProgress) {
      // Done once the link to the new master is up (or given up on).
      if (link_up_.load()) {
        EndFailover("the target is the master now");
      } else if (failover_deadline_ms_ > 0 && now_ms > failover_deadline_ms_ + 5000) {
        EndFailover("the target did not take over");
      }
      return;
    }
    if (failover_ != Failover::kWaitForSync) return;
    const int64_t end = EndOffsetLocked();
    const Sender* chosen = nullptr;
    for (const auto& sender : senders_) {
      if (sender->finished.load() || sender->state != Sender::State::kOnline) continue;
      if (!failover_host_.empty() &&
          (sender->ip != failover_host_ || sender->port != failover_port_)) {
        continue;
      }
      if (sender->ack_offset.load() >= end) chosen = sender.get();
    }
    const bool timed_out = failover_deadline_ms_ > 0 && now_ms >= failover_deadline_ms_;
    if (chosen == nullptr && timed_out && failover_force_) {
      host = failover_host_;
      port = failover_port_;
    } else if (chosen == nullptr) {
      if (timed_out) EndFailover("replica never caught up before timeout");
      return;
    } else {
      host = chosen->ip;
      port = chosen->port;
    }
    failover_ = Failover::kInProgress;
    failover_host_ = host;
    failover_port_ = port;
  }
  Log(LogLevel::kNotice, "FAILOVER to %s:%d: this master becomes its replica.", host.c_str(), port);
  failover_generation_.store(link_generation_.load() + 1);
  SetMaster(host, port);
}

int64_t Replication::AckedReplicas(int64_t offset) {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (const auto& sender : senders_) {
    if (!sender->finished.load() && sender->state == Sender::State::kOnline &&
        sender->ack_offset.load() >= offset) {
      ++n;
    }
  }
  return n;
}

bool Replication::Wait(std::shared_ptr<Waiter> waiter, int64_t needed, int64_t* acked) {
  absl::MutexLock lock(&mu_);
  const int64_t offset = EndOffsetLocked();
  int64_t n = 0;
  bool any_online = false;
  for (const auto& sender : senders_) {
    if (sender->finished.load() || sender->state != Sender::State::kOnline) continue;
    any_online = true;
    if (sender->ack_offset.load() >= offset) ++n;
  }
  *acked = n;
  if (n >= needed) return false;
  waiter->timeout_reply = [this, offset] { return StrCat(":", AckedReplicas(offset), "\r\n"); };
  waiters_.push_back({std::move(waiter), offset, needed});
  // Replicas are asked for their offset now (Redis does it before sleeping).
  if (any_online && backlog_) AppendLocked("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  return true;
}

void Replication::CheckWaitersLocked() {
  for (size_t i = 0; i < waiters_.size();) {
    WaitEntry& entry = waiters_[i];
    if (entry.waiter->state.load() != Waiter::State::kWaiting) {
      waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    int64_t n = 0;
    for (const auto& sender : senders_) {
      if (!sender->finished.load() && sender->state == Sender::State::kOnline &&
          sender->ack_offset.load() >= entry.offset) {
        ++n;
      }
    }
    if (n >= entry.needed) {
      entry.waiter->reply = StrCat(":", n, "\r\n");
      if (entry.waiter->Finish(Waiter::State::kServed)) {
        server_.blocking.Remove(*entry.waiter);
        server_.blocking.DeliverEnded(*entry.waiter);
      }
      waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
}

int Replication::KillReplicas() {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& sender : senders_) n += !sender->finished.load();
  DisconnectReplicasLocked();
  return n;
}

std::string Replication::InfoSection() {
  std::string s = "# Replication\r\n";
  auto line = [&s](std::string_view name, auto value) { StrAppend(&s, name, ":", value, "\r\n"); };
  const int64_t now_ms = UnixTimeMs();
  if (replica_.load()) {
    absl::MutexLock link(&link_mu_);
    line("role", "slave");
    line("master_host", master_host_);
    line("master_port", master_port_);
    line("master_link_status", link_up_.load() ? "up" : "down");
    line("master_last_io_seconds_ago",
         last_io_ms_ > 0 ? (now_ms - last_io_ms_) / 1000 : int64_t{-1});
    const bool syncing = link_state_ == "transfer";
    line("master_sync_in_progress", syncing ? 1 : 0);
    {
      absl::MutexLock lock(&mu_);
      line("slave_read_repl_offset", EndOffsetLocked() + transaction_bytes_.load());
      line("slave_repl_offset", EndOffsetLocked());
    }
    if (syncing) {
      line("master_sync_total_bytes", sync_total_bytes_);
      line("master_sync_read_bytes", sync_read_bytes_);
      line("master_sync_left_bytes",
           sync_total_bytes_ >= 0 ? sync_total_bytes_ - sync_read_bytes_ : int64_t{-1});
      line("master_sync_perc",
           absl::StrFormat("%.2f", sync_total_bytes_ > 0
                                       ? 100.0 * static_cast<double>(sync_read_bytes_) /
                                             static_cast<double>(sync_total_bytes_)
                                       : 0.0));
      line("master_sync_last_io_seconds_ago", (now_ms - last_io_ms_) / 1000);
    }
    if (!link_up_.load()) {
      line("master_link_down_since_seconds",
           link_down_since_ms_ > 0 ? (now_ms - link_down_since_ms_) / 1000 : int64_t{-1});
      // Not in Redis: why the link is down (a command valkdb does not have, say).
      if (!link_error_.empty()) line("master_link_error", link_error_);
    }
    line("slave_priority", config_.GetInt("replica-priority"));
    line("slave_read_only", config_.GetBool("replica-read-only") ? 1 : 0);
    line("replica_announced", config_.GetBool("replica-announced") ? 1 : 0);
  } else {
    line("role", "master");
  }
  absl::MutexLock lock(&mu_);
  int connected = 0;
  std::string slaves;
  for (const auto& sender : senders_) {
    if (sender->finished.load()) continue;
    const char* state = sender->state == Sender::State::kOnline     ? "online"
                        : sender->state == Sender::State::kSendFile ? "send_bulk"
                                                                    : "wait_bgsave";
    StrAppend(&slaves, "slave", connected, ":ip=", sender->ip, ",port=", sender->port,
              ",state=", state, ",offset=", sender->ack_offset.load(),
              ",lag=", (now_ms - sender->ack_ms.load()) / 1000, "\r\n");
    ++connected;
  }
  line("connected_slaves", connected);
  s += slaves;
  if (!replica_.load() && config_.GetInt("min-replicas-to-write") > 0) {
    int64_t good = 0;
    const int64_t max_lag_ms = config_.GetInt("min-replicas-max-lag") * 1000;
    for (const auto& sender : senders_) {
      if (!sender->finished.load() && sender->state == Sender::State::kOnline &&
          now_ms - sender->ack_ms.load() <= max_lag_ms) {
        ++good;
      }
    }
    line("min_slaves_good_slaves", good);
  }
  line("master_failover_state", failover_ == Failover::kNone          ? "no-failover"
                                : failover_ == Failover::kWaitForSync ? "waiting-for-sync"
                                                                      : "failover-in-progress");
  line("master_replid", replid_);
  line("master_replid2", replid2_);
  line("master_repl_offset", EndOffsetLocked());
  line("second_repl_offset", second_replid_offset_);
  line("repl_backlog_active", backlog_ ? 1 : 0);
  line("repl_backlog_size", config_.GetInt("repl-backlog-size"));
  line("repl_backlog_first_byte_offset", backlog_ ? stream_first_ : 0);
  line("repl_backlog_histlen", backlog_ ? static_cast<int64_t>(stream_.size()) : 0);
  return s;
}

void Replication::WriteRole(RespWriter& out) {
  if (replica_.load()) {
    std::string host, state;
    int port;
    {
      absl::MutexLock link(&link_mu_);
      host = master_host_;
      port = master_port_;
      state = link_up_.load() ? "connected" : link_state_;
    }
    out.Array(5);
    out.Bulk("slave");
    out.Bulk(host);
    out.Integer(port);
    out.Bulk(state);
    out.Integer(master_repl_offset());
    return;
  }
  absl::MutexLock lock(&mu_);
  out.Array(3);
  out.Bulk("master");
  out.Integer(EndOffsetLocked());
  int n = 0;
  for (const auto& sender : senders_) n += !sender->finished.load();
  out.Array(n);
  for (const auto& sender : senders_) {
    if (sender->finished.load()) continue;
    out.Array(3);
    out.Bulk(sender->ip);
    out.Bulk(StrCat(sender->port));
    out.Bulk(StrCat(sender->ack_offset.load()));
  }
}

}  // namespace valkdb
