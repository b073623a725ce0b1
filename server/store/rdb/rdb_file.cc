#include "server/store/rdb/rdb_file.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "protocol/str_util.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/le_bytes.h"

namespace valkdb::rdb {
namespace {

constexpr size_t kFlushBytes = 64 * 1024;
constexpr std::string_view kMagic = "REDIS";

absl::Status Corrupt(std::string_view what) {
  return absl::InvalidArgumentError(StrCat("Corrupt RDB: ", what));
}

}  // namespace

void FileWriter::Header() { buffer_.append(StrCat(kMagic, "00", kRdbVersion)); }

void FileWriter::Aux(std::string_view key, std::string_view value) {
  buffer_.push_back(static_cast<char>(kOpAux));
  SaveString(key, false, &buffer_);
  SaveString(value, false, &buffer_);
  MaybeFlush();
}

void FileWriter::Function(std::string_view code, bool compress) {
  buffer_.push_back(static_cast<char>(kOpFunction2));
  SaveString(code, compress, &buffer_);
  MaybeFlush();
}

void FileWriter::SelectDb(int db, uint64_t keys, uint64_t expires) {
  buffer_.push_back(static_cast<char>(kOpSelectDb));
  SaveLen(static_cast<uint64_t>(db), &buffer_);
  buffer_.push_back(static_cast<char>(kOpResizeDb));
  SaveLen(keys, &buffer_);
  SaveLen(expires, &buffer_);
}

void FileWriter::Key(std::string_view key, std::optional<int64_t> expire_ms,
                     std::string_view typed_value, bool compress, int64_t lru_idle_s,
                     int lfu_freq) {
  if (expire_ms) {
    buffer_.push_back(static_cast<char>(kOpExpireTimeMs));
    SaveMillis(*expire_ms, &buffer_);
  }
  if (lru_idle_s >= 0) {
    buffer_.push_back(static_cast<char>(kOpIdle));
    SaveLen(static_cast<uint64_t>(lru_idle_s), &buffer_);
  }
  if (lfu_freq >= 0) {
    buffer_.push_back(static_cast<char>(kOpFreq));
    buffer_.push_back(static_cast<char>(lfu_freq));
  }
  buffer_.push_back(typed_value[0]);
  SaveString(key, compress, &buffer_);
  buffer_.append(typed_value.substr(1));
  MaybeFlush();
}

void FileWriter::MaybeFlush() {
  if (buffer_.size() >= kFlushBytes) Flush();
}

void FileWriter::Flush() {
  if (buffer_.empty()) return;
  if (checksum_) crc_ = Crc64(crc_, buffer_);
  if (status_.ok()) status_ = sink_(buffer_);
  written_ += buffer_.size();
  buffer_.clear();
}

absl::Status FileWriter::Finish() {
  buffer_.push_back(static_cast<char>(kOpEof));
  Flush();
  std::string tail;
  StoreLe(checksum_ ? crc_ : 0, 8, &tail);
  buffer_ = std::move(tail);
  // The checksum covers everything before it, so it is not fed to Crc64.
  if (status_.ok()) status_ = sink_(buffer_);
  written_ += buffer_.size();
  buffer_.clear();
  return status_;
}

absl::Status LoadFile(std::string_view bytes, const LoadOptions& options,
                      const std::function<absl::Status(LoadedKey&)>& on_key) {
  if (bytes.size() < 9 || bytes.substr(0, 5) != kMagic) {
    return absl::InvalidArgumentError("Wrong signature trying to load DB from file");
  }
  int version = 0;
  for (char c : bytes.substr(5, 4)) {
    version = c >= '0' && c <= '9' && version >= 0 ? version * 10 + (c - '0') : -1;
  }
  if (version < 1 || version > kRdbVersion) {
    return absl::InvalidArgumentError(
        StrCat("Can't handle RDB format version ", bytes.substr(5, 4)));
  }
  RdbReader reader(bytes.substr(9));
  LoadedKey loaded;
  std::optional<int64_t> expire_ms;
  int64_t lru_idle_s = -1;
  int lfu_freq = -1;
  int db = 0;
  while (true) {
    auto type = reader.ReadByte();
    if (!type.ok()) return Corrupt("unexpected end of file");
    switch (*type) {
      case kOpExpireTime: {
        auto secs = reader.ReadBytes(4);
        if (!secs.ok()) return Corrupt("truncated expire time");
        int32_t s;
        std::memcpy(&s, secs->data(), 4);
        expire_ms = static_cast<int64_t>(s) * 1000;
        continue;
      }
      case kOpExpireTimeMs: {
        auto ms = reader.ReadMillis();
        if (!ms.ok()) return Corrupt("truncated expire time");
        expire_ms = *ms;
        continue;
      }
      case kOpFreq: {
        auto freq = reader.ReadByte();
        if (!freq.ok()) return Corrupt("truncated LFU frequency");
        lfu_freq = static_cast<uint8_t>(*freq);
        continue;
      }
      case kOpIdle: {
        auto idle = reader.ReadLen();
        if (!idle.ok()) return Corrupt("truncated LRU idle time");
        lru_idle_s = static_cast<int64_t>(std::min<uint64_t>(*idle, INT64_MAX));
        continue;
      }
      case kOpEof:
        break;
      case kOpSelectDb: {
        auto n = reader.ReadLen();
        if (!n.ok()) return Corrupt("truncated SELECTDB");
        if (*n >= static_cast<uint64_t>(options.databases)) {
          return absl::InvalidArgumentError(
              StrCat("FATAL: Data file was created with a Redis server configured to handle "
                     "more than ",
                     options.databases, " databases. Exiting"));
        }
        db = static_cast<int>(*n);
        continue;
      }
      case kOpResizeDb: {
        auto keys = reader.ReadLen();
        auto expires = keys.ok() ? reader.ReadLen() : keys;
        if (!keys.ok() || !expires.ok()) return Corrupt("truncated RESIZEDB");
        if (options.on_resize) options.on_resize(db, *keys, *expires);
        continue;
      }
      case kOpAux: {
        auto key = reader.ReadString();
        if (!key.ok()) return Corrupt("truncated aux field");
        auto value = reader.ReadString();
        if (!value.ok()) return Corrupt("truncated aux field");
        if (options.on_aux) options.on_aux(*key, *value);
        continue;
      }
      case kOpModuleAux:
        return absl::UnimplementedError("The RDB file contains module AUX data, not supported");
      case kOpFunction2: {
        if (!options.on_function) {
          return absl::UnimplementedError("The RDB file contains functions, not supported");
        }
        auto code = reader.ReadString();
        if (!code.ok()) return Corrupt("truncated function library");
        absl::Status status = options.on_function(*code);
        if (!status.ok()) return status;
        continue;
      }
      case kOpFunctionPreGa: {
        // Redis 7.0 RC1/RC2: name, engine, optional description, code; made
        // into the payload 7.0 keeps (its rdbFunctionLoad does the same).
        if (!options.on_function) {
          return absl::UnimplementedError("The RDB file contains functions, not supported");
        }
        auto name = reader.ReadString();
        auto engine = name.ok() ? reader.ReadString() : name;
        if (!engine.ok()) return Corrupt("truncated function library");
        auto has_desc = reader.ReadLen();
        if (!has_desc.ok()) return Corrupt("truncated function library");
        if (*has_desc != 0 && !reader.ReadString().ok()) {
          return Corrupt("truncated function library");
        }
        auto blob = reader.ReadString();
        if (!blob.ok()) return Corrupt("truncated function library");
        absl::Status status =
            options.on_function(StrCat("#!", *engine, " name=", *name, "\n", *blob));
        if (!status.ok()) return status;
        continue;
      }
      default: {
        auto key = reader.ReadString();
        if (!key.ok()) return Corrupt("truncated key");
        auto value = DecodeObject(*type, reader);
        if (!value.ok()) {
          if (value.status().code() == absl::StatusCode::kUnimplemented) return value.status();
          return Corrupt(StrCat("bad value of key '", *key, "': ", value.status().message()));
        }
        loaded.db = db;
        loaded.key = *std::move(key);
        loaded.value = *std::move(value);
        loaded.expire_ms = std::exchange(expire_ms, std::nullopt);
        loaded.lru_idle_s = std::exchange(lru_idle_s, -1);
        loaded.lfu_freq = std::exchange(lfu_freq, -1);
        absl::Status status = on_key(loaded);
        if (!status.ok()) return status;
        continue;
      }
    }
    break;  // EOF
  }
  if (version >= 5) {
    const size_t body = bytes.size() - reader.remaining();
    auto stored = reader.ReadBytes(8);
    if (!stored.ok()) return Corrupt("truncated checksum");
    const uint64_t expected = LoadLe(reinterpret_cast<const unsigned char*>(stored->data()), 8);
    if (options.verify_checksum && expected != 0 && expected != Crc64(0, bytes.substr(0, body))) {
      return absl::DataLossError("Wrong RDB checksum. Aborting now.");
    }
  }
  if (options.consumed != nullptr) *options.consumed = bytes.size() - reader.remaining();
  return absl::OkStatus();
}

}  // namespace valkdb::rdb
