#include "server/persist/aof_persistence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <utility>

#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/server_state.h"
#include "server/log/logger.h"
#include "server/persist/file_util.h"

namespace valkdb {
namespace {

constexpr std::string_view kManifestSuffix = ".manifest";
constexpr int64_t kAutoRewriteRetryS = 60;      // after a failed automatic rewrite
constexpr uint64_t kFailuresBeforeBackoff = 3;  // scheduled rewrites, as Redis

std::string TimestampAnnotation(int64_t unix_s) { return StrCat("#TS:", unix_s, "\r\n"); }

void RaiseTo(std::atomic<uint64_t>& value, uint64_t to) {
  uint64_t now = value.load(std::memory_order_relaxed);
  while (now < to && !value.compare_exchange_weak(now, to, std::memory_order_acq_rel)) {
  }
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Splits a manifest line as Redis's sdssplitargs does for the names it
// writes (plain words, or a quoted name with escapes).
bool SplitManifestLine(std::string_view line, std::vector<std::string>* words) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) return true;
    std::string word;
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < line.size()) {
          const char e = line[i++];
          switch (e) {
            case 'n':
              word.push_back('\n');
              break;
            case 'r':
              word.push_back('\r');
              break;
            case 't':
              word.push_back('\t');
              break;
            case 'x':
              if (i + 1 < line.size()) {
                word.push_back(
                    static_cast<char>(std::stoi(std::string(line.substr(i, 2)), nullptr, 16)));
                i += 2;
              }
              break;
            default:
              word.push_back(e);
          }
        } else {
          word.push_back(c);
        }
      }
      if (!closed) return false;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') word.push_back(line[i++]);
    }
    words->push_back(std::move(word));
  }
}

std::string FormatManifestName(const std::string& name) {
  bool plain = !name.empty();
  for (unsigned char c : name) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c >= 127) plain = false;
  }
  if (plain) return name;
  std::string out = "\"";
  for (unsigned char c : name) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < ' ' || c >= 127) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

AofPersistence::AofPersistence(Store& store, Config& config, RdbPersistence& rdb,
                               ServerState& server)
    : store_(store), config_(config), rdb_(rdb), server_(server) {
  ConfigChanged();
  fsync_thread_ = std::thread([this] { FsyncLoop(); });
}

AofPersistence::~AofPersistence() {
  // A rewrite's end calls back here: it is stopped and waited for first.
  while (rewriting_.load()) {
    rdb_.CancelRewrite();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    std::lock_guard<std::mutex> lock(fsync_mu_);
    stop_ = true;
  }
  fsync_cv_.notify_all();
  fsync_thread_.join();
  if (enabled()) store_.feed().Unsubscribe(this);
  Flush(true);
  absl::MutexLock io(&io_mu_);
  for (int fd : retired_) {
    ::fdatasync(fd);
    ::close(fd);
  }
  retired_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool AofPersistence::RdbPreamble() const {
  return config_.GetString("aof-use-rdb-preamble") != "no";
}

std::string_view AofPersistence::BaseSuffix() const { return RdbPreamble() ? ".rdb" : ".aof"; }

std::string AofPersistence::DirPath() const {
  return JoinPath(config_.GetString("dir"), config_.GetString("appenddirname"));
}

std::string AofPersistence::FilePath(const std::string& name) const {
  return JoinPath(DirPath(), name);
}

absl::Status AofPersistence::ReadManifest(Manifest* out) const {
  *out = Manifest();
  const std::string path = FilePath(StrCat(config_.GetString("appendfilename"), kManifestSuffix));
  if (!IsDirectory(DirPath()) || !FileExists(path)) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return absl::InternalError(StrCat("Fatal error: can't open the AOF manifest file ", path,
                                      " for reading: ", text.status().message()));
  }
  int64_t max_seq = 0;
  int line_number = 0;
  auto fail = [&](std::string_view error, std::string_view line) {
    return absl::InvalidArgumentError(
        StrCat("*** FATAL AOF MANIFEST FILE ERROR *** Reading the "
               "manifest file, at line ",
               line_number, " '", line, "': ", error));
  };
  if (text->empty()) return fail("Found an empty AOF manifest", "");
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    ++line_number;
    // Redis reads lines of up to 1024 bytes with fgets: a longer one, or a
    // last one without its '\n', is "too long".
    if (end == std::string::npos) end = text->size();
    std::string_view line(text->data() + pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line[0] == '#') continue;
    if (line.size() > 1024 || end == text->size()) {
      return fail("The AOF manifest file contains too long line", "");
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) return fail("Invalid AOF manifest file format", line);
    std::vector<std::string> words;
    if (!SplitManifestLine(line, &words) || words.size() < 6 || words.size() % 2 != 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    FileInfo info;
    info.type = 0;
    for (size_t i = 0; i < words.size(); i += 2) {
      if (EqualsIgnoreCase(words[i], "file")) {
        info.name = words[i + 1];
        if (info.name.find('/') != std::string::npos) {
          return fail("File can't be a path, just a filename", line);
        }
      } else if (EqualsIgnoreCase(words[i], "seq")) {
        info.seq = std::atoll(words[i + 1].c_str());
      } else if (EqualsIgnoreCase(words[i], "type")) {
        info.type = words[i + 1].empty() ? 0 : words[i + 1][0];
      }
    }
    if (info.name.empty() || info.seq == 0 || info.type == 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    if (info.type == 'b') {
      if (!out->base.name.empty()) return fail("Found duplicate base file information", line);
      out->base = info;
      out->base_seq = info.seq;
    } else if (info.type == 'h') {
      // History files are deleted after a rewrite; one left by a crash is not loaded.
    } else if (info.type == 'i') {
      if (info.seq <= max_seq) return fail("Found a non-monotonic sequence number", line);
      out->incrs.push_back(info);
      out->incr_seq = info.seq;
      max_seq = info.seq;
    } else {
      return fail("Unknown AOF file type", line);
    }
  }
  return absl::OkStatus();
}

absl::Status AofPersistence::WriteManifest(const Manifest& manifest) const {
  std::string text;
  auto add = [&](const FileInfo& info, char type) {
    text += StrCat("file ", FormatManifestName(info.name), " seq ", info.seq, " type ",
                   std::string(1, type), "\n");
  };
  if (!manifest.base.name.empty()) add(manifest.base, 'b');
  for (const FileInfo& incr : manifest.incrs) add(incr, 'i');
  const std::string name = StrCat(config_.GetString("appendfilename"), kManifestSuffix);
  const std::string path = FilePath(name);
  const std::string temp = FilePath(StrCat("temp-", name));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        StrCat("Can't open the AOF manifest file temp-", name, ": ", std::strerror(errno)));
  }
  absl::Status status = WriteAll(fd, text);
  if (status.ok() && ::fsync(fd) != 0) status = absl::InternalError(std::strerror(errno));
  ::close(fd);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = absl::InternalError(StrCat("Error trying to rename the temporary AOF manifest file ",
                                        temp, " into ", path, ": ", std::strerror(errno)));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  FsyncDirOf(path);
  return absl::OkStatus();
}

int AofPersistence::OpenForAppend(const std::string& name, bool truncate,
                                  std::string* error) const {
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  const int fd = ::open(FilePath(name).c_str(), flags, 0644);
  if (fd < 0) *error = StrCat("Can't open the append-only file ", name, ": ", std::strerror(errno));
  return fd;
}

absl::Status AofPersistence::Start(int64_t now_ms) {
  const std::string dir = DirPath();
  const std::string filename = config_.GetString("appendfilename");
  Manifest manifest;
  absl::Status status = ReadManifest(&manifest);
  if (!status.ok()) return status;
  if (config_.GetString("appendonly") != "yes") {
    absl::MutexLock lock(&manifest_mu_);
    manifest_ = std::move(manifest);
    return absl::OkStatus();
  }
  // An AOF of Redis before 7.0 (one file in `dir`): moved into the directory
  // as its base, as Redis's aofUpgradePrepare does.
  const std::string old_style = JoinPath(config_.GetString("dir"), filename);
  if (FileExists(old_style) && manifest.base.name.empty() && manifest.incrs.empty()) {
    if (!IsDirectory(dir) && ::mkdir(dir.c_str(), 0755) != 0) {
      return absl::InternalError(
          StrCat("Can't open or create append-only dir ", dir, ": ", std::strerror(errno)));
    }
    manifest.base = {filename, 1, 'b'};
    manifest.base_seq = 1;
    status = WriteManifest(manifest);
    if (!status.ok()) return status;
    if (::rename(old_style.c_str(), FilePath(filename).c_str()) != 0) {
      return absl::InternalError(StrCat("Error trying to move the old AOF file ", filename,
                                        " into dir ", dir, ": ", std::strerror(errno)));
    }
    Log(LogLevel::kNotice,
        "Successfully migrated an old-style AOF file (%s) into the AOF directory "
        "(%s).",
        filename.c_str(), dir.c_str());
  }
  {
    absl::MutexLock lock(&manifest_mu_);
    manifest_ = manifest;
  }
  status = LoadAll(now_ms, /*serving=*/false);
  if (!status.ok()) return status;
  if (!IsDirectory(dir) && ::mkdir(dir.c_str(), 0755) != 0) {
    return absl::InternalError(
        StrCat("Can't open or create append-only dir ", dir, ": ", std::strerror(errno)));
  }
  if (manifest.base.name.empty() && manifest.incrs.empty()) {
    // Nothing on disk yet: a base of the (empty) dataset, as Redis makes on start.
    manifest.base_seq = 1;
    manifest.base = {StrCat(filename, ".1.base", BaseSuffix()), 1, 'b'};
    const std::string preface =
        timestamps_.load() ? TimestampAnnotation(std::time(nullptr)) : std::string();
    status = rdb_.RewriteNow({FilePath(manifest.base.name),
                              nullptr,
                              nullptr,
                              RdbPreamble(),
                              preface,
                              true,
                              {},
                              nullptr});
    if (!status.ok()) return status;
    Log(LogLevel::kNotice, "Creating AOF base file %s on server start", manifest.base.name.c_str());
  }
  const bool new_incr = manifest.incrs.empty();
  if (new_incr) {
    manifest.incr_seq += 1;
    manifest.incrs.push_back(
        {StrCat(filename, ".", manifest.incr_seq, ".incr.aof"), manifest.incr_seq, 'i'});
  }
  std::string error;
  const int fd = OpenForAppend(manifest.incrs.back().name, false, &error);
  if (fd < 0) return absl::InternalError(error);
  status = WriteManifest(manifest);
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  Log(LogLevel::kNotice, "%s AOF incr file %s on server start", new_incr ? "Creating" : "Opening",
      manifest.incrs.back().name.c_str());
  uint64_t incr_total = 0;
  for (const FileInfo& incr : manifest.incrs) incr_total += FileSize(FilePath(incr.name));
  base_size_ = manifest.base.name.empty() ? 0 : FileSize(FilePath(manifest.base.name));
  incr_total_ = incr_total;
  {
    absl::MutexLock lock(&manifest_mu_);
    manifest_ = std::move(manifest);
  }
  {
    absl::MutexLock io(&io_mu_);
    fd_ = fd;
  }
  enabled_ = true;
  switched_on_ = true;
  store_.feed().Subscribe(this);
  return absl::OkStatus();
}

absl::Status AofPersistence::LoadAll(int64_t now_ms, bool serving) {
  Manifest manifest;
  {
    absl::MutexLock lock(&manifest_mu_);
    manifest = manifest_;
  }
  std::vector<std::string> names;
  if (!manifest.base.name.empty()) names.push_back(manifest.base.name);
  for (const FileInfo& incr : manifest.incrs) names.push_back(incr.name);
  for (const std::string& name : names) {
    if (!FileExists(FilePath(name))) {
      return absl::NotFoundError(StrCat("The append log file ", name, " doesn't exist"));
    }
  }
  const int64_t start_us = UnixTimeUs();
  uint64_t total = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    uint64_t size = 0;
    absl::Status status = LoadFile(names[i], now_ms, i + 1 == names.size(), serving, &size);
    if (!status.ok()) return status;
    total += size;
  }
  if (!names.empty() && total > 0) {
    Log(LogLevel::kNotice, "DB loaded from append only file: %.3f seconds",
        static_cast<double>(UnixTimeUs() - start_us) / 1e6);
  }
  return absl::OkStatus();
}

absl::Status AofPersistence::LoadFile(const std::string& name, int64_t now_ms, bool last_file,
                                      bool serving, uint64_t* size) {
  const std::string path = FilePath(name);
  absl::StatusOr<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) {
    return absl::InternalError(StrCat("Fatal error: can't open the append log file ", name,
                                      " for reading: ", file.status().message()));
  }
  const std::string_view bytes = file->bytes();
  *size = bytes.size();
  if (bytes.empty()) return absl::OkStatus();
  size_t offset = 0;
  if (bytes.starts_with("REDIS")) {
    absl::Status status = rdb_.LoadBytes(bytes, now_ms, /*merge=*/false, serving, &offset);
    if (!status.ok()) {
      return absl::InvalidArgumentError(StrCat("Error reading the RDB preamble of the AOF file ",
                                               name, ", AOF loading aborted: ", status.message()));
    }
  }
  size_t valid = 0;
  bool truncated = false;
  absl::Status status = Replay(bytes.substr(offset), now_ms, &valid, &truncated);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        StrCat(status.message(), " reading the append only file ", name));
  }
  if (!truncated) return absl::OkStatus();
  const std::string fix_hint =
      ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>";
  if (!last_file) {
    return absl::DataLossError(
        StrCat("Fatal error: the truncated file is not the last file (", name, ")"));
  }
  if (config_.GetString("aof-load-truncated") == "no") {
    return absl::DataLossError(StrCat(
        "Unexpected end of file reading the append only file ", name,
        ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
        "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration "
        "option to yes and restart the server."));
  }
  const uint64_t keep = offset + valid;
  Log(LogLevel::kWarning, "!!! Warning: short read while loading the AOF file %s!!!", name.c_str());
  Log(LogLevel::kWarning, "!!! Truncating the AOF %s at offset %llu !!!", name.c_str(),
      static_cast<unsigned long long>(keep));
  if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
    return absl::InternalError(
        StrCat("Error truncating the AOF file ", name, ": ", std::strerror(errno), fix_hint));
  }
  *size = keep;
  Log(LogLevel::kNotice, "AOF %s loaded anyway because aof-load-truncated is enabled",
      name.c_str());
  return absl::OkStatus();
}

absl::Status AofPersistence::Replay(std::string_view bytes, int64_t now_ms, size_t* valid,
                                    bool* truncated) {
  ClientState client;
  client.authenticated = true;
  ReplyBuffer discard;
  RespWriter out(&discard);
  const CommandTable& table = CommandTable::Get();
  std::vector<std::string_view> argv;
  CommandArgs args;
  size_t pos = 0;
  *valid = 0;
  *truncated = false;
  auto read_line = [&](std::string_view* line) {
    const size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) return false;
    *line = bytes.substr(pos, eol - pos);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos = eol + 1;
    return true;
  };
  while (pos < bytes.size()) {
    std::string_view line;
    if (!read_line(&line)) {
      *truncated = true;
      return absl::OkStatus();
    }
    if (!line.empty() && line[0] == '#') continue;  // an annotation (aof-timestamp-enabled)
    int64_t argc = 0;
    if (line.empty() || line[0] != '*') return absl::InvalidArgumentError("Bad file format");
    if (!ParseInt64(line.substr(1), &argc) || argc < 1 || argc > INT32_MAX) {
      return absl::InvalidArgumentError("Bad file format");
    }
    argv.clear();
    bool complete = true;
    for (int64_t i = 0; i < argc; ++i) {
      if (!read_line(&line)) {
        complete = false;
        break;
      }
      int64_t len = 0;
      if (line.empty() || line[0] != '$' || !ParseInt64(line.substr(1), &len) || len < 0) {
        return absl::InvalidArgumentError("Bad file format");
      }
      if (bytes.size() - pos < static_cast<size_t>(len) + 2) {
        complete = false;
        break;
      }
      argv.push_back(bytes.substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    if (!complete) {
      *truncated = true;
      return absl::OkStatus();
    }
    args.Assign(argv);
    const CommandSpec* spec = table.Lookup(args.views());
    if (spec == nullptr) {
      return absl::InvalidArgumentError(StrCat("Unknown command '", argv[0], "'"));
    }
    CommandContext ctx{store_, server_, client, out, args, now_ms};
    table.Dispatch(ctx, spec);
    discard.Clear();
    // A transaction counts once its EXEC is read: one cut short is dropped whole.
    if (!client.in_multi) *valid = pos;
  }
  if (client.in_multi) {
    Log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction in AOF file");
    *truncated = true;
  }
  return absl::OkStatus();
}

void AofPersistence::OnChange(const Change& change) {
  if (change.replicas_only) return;  // PUBLISH: Redis's AOF never sees it
  absl::MutexLock lock(&mu_);
  const size_t before = buffer_.size();
  if (timestamps_.load(std::memory_order_relaxed)) {
    // aof-timestamp-enabled: "#TS:<unix seconds>" before the first change
    // of each second (Redis's genAofTimestampAnnotationIfNeeded).
    const int64_t now_s = std::time(nullptr);
    if (now_s > annotated_s_) {
      annotated_s_ = now_s;
      buffer_ += TimestampAnnotation(now_s);
    }
  }
  if (change.db != selected_db_) {
    const std::string db = StrCat(change.db);
    AppendCommand({std::string_view("SELECT"), std::string_view(db)}, &buffer_);
    selected_db_ = change.db;
  }
  AppendCommand(change.argv, &buffer_);
  appended_.fetch_add(buffer_.size() - before, std::memory_order_release);
}

void AofPersistence::Flush(bool sync) {
  absl::MutexLock io(&io_mu_);
  std::string out;
  uint64_t end = 0;
  {
    absl::MutexLock lock(&mu_);
    out.swap(buffer_);
    end = appended_.load(std::memory_order_relaxed);
  }
  if (fd_ < 0) {
    written_.store(end, std::memory_order_release);
    synced_.store(end, std::memory_order_release);
    return;
  }
  if (!out.empty()) {
    absl::Status status = WriteAll(fd_, out);
    if (!status.ok()) {
      const int64_t now_s = UnixTimeMs() / 1000;
      if (now_s - last_write_error_log_s_.load() > 30) {
        last_write_error_log_s_ = now_s;
        Log(LogLevel::kWarning, "Error writing to the AOF file: %s",
            std::string(status.message()).c_str());
      }
      if (always_.load(std::memory_order_relaxed)) {
        Log(LogLevel::kWarning,
            "Can't recover from AOF write error when the AOF fsync policy is "
            "'always'. Exiting...");
        std::_Exit(1);
      }
      // Nothing partial stays in the file; the bytes are tried again next time.
      if (::ftruncate(fd_, static_cast<off_t>(incr_file_size_)) != 0) {
        Log(LogLevel::kWarning, "Could not remove short write from the append-only file");
      }
      last_write_error_ = std::string(status.message());
      last_write_ok_ = false;
      absl::MutexLock lock(&mu_);
      out.append(buffer_);
      buffer_.swap(out);
      return;
    }
    if (!last_write_ok_.exchange(true)) {
      Log(LogLevel::kNotice, "AOF write error looks solved, Redis can write again.");
    }
    incr_file_size_ += out.size();
    incr_total_.fetch_add(out.size(), std::memory_order_relaxed);
    written_.store(end, std::memory_order_release);
  }
  if (sync && synced_.load(std::memory_order_acquire) < end) {
    if (no_fsync_on_rewrite_.load(std::memory_order_relaxed) && rdb_.in_progress()) return;
    if (::fdatasync(fd_) != 0 && always_.load(std::memory_order_relaxed)) {
      Log(LogLevel::kWarning,
          "Can't persist AOF for fsync error when the AOF fsync policy is "
          "'always': %s. Exiting...",
          std::strerror(errno));
      std::_Exit(1);
    }
    RaiseTo(synced_, end);
  }
}

void AofPersistence::SwitchFile(int fd) {
  Flush(always_.load(std::memory_order_relaxed));
  absl::MutexLock io(&io_mu_);
  {
    // The new file is read by a fresh client (database 0): it starts with a SELECT.
    absl::MutexLock lock(&mu_);
    selected_db_ = -1;
  }
  if (fd_ >= 0) retired_.push_back(fd_);
  fd_ = fd;
  incr_file_size_ = 0;
}

void AofPersistence::FsyncLoop() {
  std::unique_lock<std::mutex> lock(fsync_mu_);
  while (!stop_) {
    fsync_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    int fd = -1;
    uint64_t target = 0;
    std::vector<int> retired;
    {
      absl::MutexLock io(&io_mu_);
      fd = fd_;
      target = written_.load(std::memory_order_acquire);
      retired.swap(retired_);
    }
    // Only this thread closes retired files, so `fd` stays open while it is synced.
    for (int old : retired) {
      ::fdatasync(old);
      ::close(old);
    }
    const bool skip = no_fsync_on_rewrite_.load(std::memory_order_relaxed) && rdb_.in_progress();
    if (fd >= 0 && !skip && config_.GetString("appendfsync") == "everysec" &&
        synced_.load(std::memory_order_acquire) < target) {
      if (::fdatasync(fd) == 0) RaiseTo(synced_, target);
    }
    lock.lock();
  }
}

AofPersistence::RewriteStart AofPersistence::StartRewrite(bool in_exec) {
  if (rewriting_.load(std::memory_order_acquire)) return RewriteStart::kAlreadyRunning;
  if (in_exec || rdb_.in_progress()) {
    scheduled_ = true;
    return RewriteStart::kScheduled;
  }
  return BeginRewrite(NextRewriteMode());
}

AofPersistence::RewriteMode AofPersistence::NextRewriteMode() const {
  if (enabled()) return RewriteMode::kAppending;
  return switched_on() ? RewriteMode::kEnabling : RewriteMode::kOff;
}

AofPersistence::RewriteStart AofPersistence::BeginRewrite(RewriteMode mode) {
  const bool enabling = mode == RewriteMode::kEnabling;
  bool idle = false;
  if (!rewriting_.compare_exchange_strong(idle, true)) return RewriteStart::kAlreadyRunning;
  const std::string filename = config_.GetString("appendfilename");
  const std::string dir = DirPath();
  FileInfo incr;
  std::string base_name;
  int64_t base_seq = 0;
  int fd = -1;
  {
    absl::MutexLock lock(&manifest_mu_);
    std::string error;
    if (!IsDirectory(dir) && ::mkdir(dir.c_str(), 0755) != 0) {
      error = StrCat("Can't open or create append-only dir ", dir, ": ", std::strerror(errno));
    } else if (mode != RewriteMode::kOff) {
      incr = {StrCat(filename, ".", manifest_.incr_seq + 1, ".incr.aof"), manifest_.incr_seq + 1,
              'i'};
      fd = OpenForAppend(incr.name, /*truncate=*/true, &error);
    }
    if (mode == RewriteMode::kOff && error.empty()) {
      // BGREWRITEAOF with the AOF off, as Redis: a new base, no incr file.
    } else if (fd >= 0 && !enabling) {
      // Named in the manifest before anything is appended to it: loading
      // reads it after the older incr files, so it is right at every moment.
      Manifest next = manifest_;
      next.incrs.push_back(incr);
      next.incr_seq = incr.seq;
      absl::Status status = WriteManifest(next);
      if (status.ok()) {
        manifest_ = std::move(next);
      } else {
        error = std::string(status.message());
        ::close(fd);
        ::unlink(FilePath(incr.name).c_str());
        fd = -1;
      }
    } else if (fd >= 0) {
      manifest_.incr_seq = incr.seq;  // named once the base is on disk
    }
    if (!error.empty()) {
      Log(LogLevel::kWarning, "%s", error.c_str());
      rewriting_ = false;
      return RewriteStart::kFailed;
    }
    base_seq = manifest_.base_seq + 1;
    base_name = StrCat(filename, ".", base_seq, ".base", BaseSuffix());
  }
  if (fd >= 0) {
    Log(LogLevel::kNotice, "Creating AOF incr file %s on background rewrite", incr.name.c_str());
  }
  rewrite_start_ms_ = UnixTimeMs();
  RdbPersistence::Rewrite rewrite;
  rewrite.path = FilePath(base_name);
  rewrite.rdb_preamble = RdbPreamble();
  if (timestamps_.load(std::memory_order_relaxed)) {
    rewrite.preface = TimestampAnnotation(std::time(nullptr));
  }
  rewrite.at_instant = [this, fd, enabling] {
    if (fd >= 0) SwitchFile(fd);
    if (enabling) {
      enabled_ = true;
      store_.feed().Subscribe(this);
    }
  };
  rewrite.done = [this, base_name, base_seq, incr, enabling](absl::Status status) {
    RewriteDone(std::move(status), base_name, base_seq, incr, enabling);
  };
  if (!rdb_.StartBackgroundRewrite(std::move(rewrite))) {
    // A save began in between: the file stays (empty, named last), the rewrite waits.
    if (fd < 0) {
      // AOF off: nothing was opened.
    } else if (enabling) {
      ::close(fd);
      ::unlink(FilePath(incr.name).c_str());
      absl::MutexLock lock(&manifest_mu_);
      if (manifest_.incr_seq == incr.seq) manifest_.incr_seq = incr.seq - 1;  // not used
    } else {
      absl::MutexLock io(&io_mu_);
      retired_.push_back(fd);
    }
    rewriting_ = false;
    scheduled_ = true;
    return RewriteStart::kScheduled;
  }
  Log(LogLevel::kNotice, "Background append only file rewriting started");
  return RewriteStart::kStarted;
}

void AofPersistence::RewriteDone(absl::Status status, const std::string& base_name,
                                 int64_t base_seq, const FileInfo& new_incr, bool enabling) {
  const int64_t now_ms = UnixTimeMs();
  last_rewrite_s_ = (now_ms - rewrite_start_ms_.load()) / 1000;
  std::vector<std::string> old_files;
  if (status.ok()) {
    absl::MutexLock lock(&manifest_mu_);
    Manifest next;
    next.base = {base_name, base_seq, 'b'};
    next.base_seq = base_seq;
    next.incr_seq = manifest_.incr_seq;
    if (!new_incr.name.empty()) next.incrs.push_back(new_incr);
    status = WriteManifest(next);
    if (status.ok()) {
      if (!manifest_.base.name.empty()) old_files.push_back(manifest_.base.name);
      for (const FileInfo& incr : manifest_.incrs) {
        if (new_incr.name.empty() || incr.seq < new_incr.seq) old_files.push_back(incr.name);
      }
      manifest_ = std::move(next);
      base_size_ = FileSize(FilePath(base_name));
      incr_total_ = incr_file_size_.load();
    } else {
      ::unlink(FilePath(base_name).c_str());
    }
  }
  if (!status.ok()) {
    if (absl::IsCancelled(status)) {
      // Stopped for a SAVE (FLUSHALL, SHUTDOWN, DEBUG RELOAD) that needs the
      // snapshot: not a failure; it starts again from the cron.
      Log(LogLevel::kWarning, "Background AOF rewrite stopped; it will start again");
      scheduled_ = true;
    } else {
      Log(LogLevel::kWarning, "Background AOF rewrite terminated with error: %s",
          std::string(status.message()).c_str());
      last_rewrite_ok_ = false;
      consecutive_failures_.fetch_add(1);
    }
    if (enabling) {
      // Not durable without its base: appending stops until a rewrite,
      // retried by the cron as Redis retries one in AOF_WAIT_REWRITE, writes one.
      StopFile();
      ::unlink(FilePath(new_incr.name).c_str());
      if (switched_on()) scheduled_ = true;
    }
    rewriting_ = false;
    return;
  }
  for (const std::string& name : old_files) {
    Log(LogLevel::kNotice, "Removing the history file %s", name.c_str());
    ::unlink(FilePath(name).c_str());
  }
  last_rewrite_ok_ = true;
  consecutive_failures_ = 0;
  rewrites_.fetch_add(1);
  Log(LogLevel::kNotice, "Background AOF rewrite finished successfully");
  rewriting_ = false;
}

absl::Status AofPersistence::Enable() {
  if (enabled() || rewriting_.load()) return absl::OkStatus();
  RewriteStart started = BeginRewrite(RewriteMode::kEnabling);
  if (started == RewriteStart::kFailed || started == RewriteStart::kAlreadyRunning) {
    return absl::InternalError("Can't enable the AOF: the rewrite could not start");
  }
  switched_on_ = true;
  return absl::OkStatus();
}

void AofPersistence::Disable() {
  switched_on_ = false;
  if (!enabled()) scheduled_ = false;  // a retried first rewrite is not wanted any more
  StopFile();
}

void AofPersistence::StopFile() {
  if (!enabled()) return;
  store_.feed().Unsubscribe(this);
  enabled_ = false;
  Flush(true);
  absl::MutexLock io(&io_mu_);
  if (fd_ >= 0) retired_.push_back(fd_);
  fd_ = -1;
}

void AofPersistence::ConfigChanged() {
  always_ = config_.GetString("appendfsync") == "always";
  timestamps_ = config_.GetString("aof-timestamp-enabled") == "yes";
  no_fsync_on_rewrite_ = config_.GetString("no-appendfsync-on-rewrite") == "yes";
}

void AofPersistence::StopAppending() {
  if (!enabled()) return;
  Flush(true);
  store_.feed().Unsubscribe(this);
}

void AofPersistence::ResumeAppending() {
  if (enabled()) store_.feed().Subscribe(this);
}

absl::Status AofPersistence::Reload(int64_t now_ms) {
  StopAppending();
  store_.FlushAll();
  Manifest manifest;
  absl::Status status = ReadManifest(&manifest);
  if (status.ok()) {
    {
      absl::MutexLock lock(&manifest_mu_);
      manifest_.base = manifest.base;
      manifest_.incrs = manifest.incrs;
    }
    status = LoadAll(now_ms, /*serving=*/true);
  }
  ResumeAppending();
  return status;
}

void AofPersistence::Cron(int64_t now_ms) {
  if (enabled()) Flush(always_.load(std::memory_order_relaxed));
  if (rewriting_.load() || rdb_.in_progress()) return;
  if (scheduled_.load()) {
    // After repeated failures retries wait, as Redis's aofRewriteLimited.
    if (consecutive_failures_.load() >= kFailuresBeforeBackoff &&
        now_ms / 1000 - last_auto_try_s_ < kAutoRewriteRetryS) {
      return;
    }
    scheduled_ = false;
    last_auto_try_s_ = now_ms / 1000;
    BeginRewrite(NextRewriteMode());
    return;
  }
  if (!enabled()) return;
  const int64_t percentage = config_.GetInt("auto-aof-rewrite-percentage");
  const uint64_t size = current_size();
  if (percentage <= 0 ||
      size < static_cast<uint64_t>(config_.GetInt("auto-aof-rewrite-min-size"))) {
    return;
  }
  if (!last_rewrite_ok_.load() && now_ms / 1000 - last_auto_try_s_ < kAutoRewriteRetryS) return;
  const uint64_t base = std::max<uint64_t>(base_size_.load(), 1);
  const uint64_t growth = size * 100 / base - 100;
  if (size > base && growth >= static_cast<uint64_t>(percentage)) {
    Log(LogLevel::kNotice, "Starting automatic rewriting of AOF on %llu%% growth",
        static_cast<unsigned long long>(growth));
    last_auto_try_s_ = now_ms / 1000;
    BeginRewrite(RewriteMode::kAppending);
  }
}

std::string AofPersistence::WriteError() {
  absl::MutexLock io(&io_mu_);
  return StrCat("-MISCONF Errors writing to the AOF file: ", last_write_error_);
}

uint64_t AofPersistence::current_size() const {
  return base_size_.load(std::memory_order_relaxed) + incr_total_.load(std::memory_order_relaxed);
}

size_t AofPersistence::buffer_length() {
  absl::MutexLock lock(&mu_);
  return buffer_.size();
}

}  // namespace valkdb
