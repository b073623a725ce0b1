#include "server/commands/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"
#include "server/commands/config_support.h"
#include "server/log/logger.h"
#include "server/store/access_clock.h"
#include "server/store/change_feed.h"

namespace valkdb {
namespace {

using K = Config::Kind;

// Redis 7.0's parameters that valkdb knows, with their kinds, bounds and
// enum orders as Redis reports them, and Redis's defaults where valkdb
// behaves the same. bind defaults to loopback (valkdb's safe default); save
// is empty because valkdb has no persistence yet. Parameters that tune only
// Redis's internal encodings or allocator are accepted and reported back,
// as clients and tools set them. port and bind are immutable here (Redis can
// re-listen on CONFIG SET; valkdb's listeners are fixed at start-up).
const std::vector<Config::Param>& ParamTable() {
  constexpr auto kImm = Config::Access::kImmutable;
  constexpr auto kProt = Config::Access::kProtected;
  constexpr auto kMut = Config::Access::kMutable;
  constexpr int64_t kIntMax = INT32_MAX;
  constexpr int64_t kLongMax = INT64_MAX;
  static const auto* params = new std::vector<Config::Param>{
      {"bind", "", K::kString, "127.0.0.1", kMut},
      {"port", "", K::kInt, "6379", kMut, 0, 65535},
      {"threads", "", K::kInt, "1", kImm, 1, 64, "", true},
      // valkdb's own: the priority of the thread that writes a BGSAVE or an AOF
      // rewrite (see ApplySavePriority in server/persist/rdb_persistence.cc).
      {"bgsave-priority", "", K::kEnum, "normal", kMut, 0, 0, "normal low idle", true},
      // valkdb's own: each event loop reads, sends and waits through one
      // io_uring (server/net/io_ring.h); "sends" (or a kernel before 6.1)
      // uses it for replies only; "no" (or a kernel that refuses io_uring)
      // uses libuv for everything.
      {"io-uring", "", K::kEnum, "yes", kImm, 0, 0, "yes sends no", true},
      // valkdb's own: after a turn with work, how long (microseconds) a loop
      // on the native ring watches it for more before it sleeps (0: it
      // sleeps at once); see EventLoop::RunNative.
      {"loop-spin-us", "", K::kInt, "0", kImm, 0, 1000, "", true},
      // valkdb's own: while many clients are active (ClientActivity), how
      // long a loop's wait on the native ring gathers completions once the
      // first came (0: it wakes at the first); Linux 6.12 on.
      {"loop-gather-us", "", K::kInt, "50", kImm, 0, 1000, "", true},
      {"databases", "", K::kInt, "16", kImm, 1, kIntMax},
      {"maxclients", "", K::kInt, "10000", kMut, 1, UINT32_MAX},
      {"timeout", "", K::kInt, "0", kMut, 0, kIntMax},
      {"tcp-keepalive", "", K::kInt, "300", kMut, 0, kIntMax},
      {"tcp-backlog", "", K::kInt, "511", kImm, 0, kIntMax},
      {"requirepass", "", K::kString, "", kMut},
      {"protected-mode", "", K::kBool, "yes", kMut},
      {"proto-max-bulk-len", "", K::kMemory, "536870912", kMut, 1024 * 1024, kLongMax},
      {"client-query-buffer-limit", "", K::kMemory, "1073741824", kMut, 1024 * 1024, kLongMax},
      {"client-output-buffer-limit", "", K::kClientOutputBufferLimit,
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", kMut},
      {"maxmemory", "", K::kMemory, "0", kMut, 0, kLongMax},
      {"maxmemory-policy", "", K::kEnum, "noeviction", kMut, 0, 0,
       "volatile-lru volatile-lfu volatile-random volatile-ttl allkeys-lru allkeys-lfu "
       "allkeys-random noeviction"},
      {"maxmemory-samples", "", K::kInt, "5", kMut, 1, kIntMax},
      {"maxmemory-eviction-tenacity", "", K::kInt, "10", kMut, 0, 100},
      {"maxmemory-clients", "", K::kMemoryOrPercent, "0", kMut, -100, kLongMax},
      {"hz", "", K::kInt, "10", kMut, 0, kIntMax},
      {"dynamic-hz", "", K::kBool, "yes", kMut},
      {"active-expire-effort", "", K::kInt, "1", kMut, 1, 10},
      {"save", "", K::kSave, "3600 1 300 100 60 10000", kMut},
      {"appendonly", "", K::kBool, "no", kMut},
      {"appendfsync", "", K::kEnum, "everysec", kMut, 0, 0, "everysec always no"},
      {"appendfilename", "", K::kString, "appendonly.aof", kImm},
      {"appenddirname", "", K::kString, "appendonlydir", kImm},
      {"auto-aof-rewrite-percentage", "", K::kInt, "100", kMut, 0, kIntMax},
      {"auto-aof-rewrite-min-size", "", K::kMemory, "67108864", kMut, 0, kLongMax},
      {"aof-load-truncated", "", K::kBool, "yes", kMut},
      {"no-appendfsync-on-rewrite", "", K::kBool, "no", kMut},
      {"aof-rewrite-incremental-fsync", "", K::kBool, "yes", kMut},
      {"aof-use-rdb-preamble", "", K::kBool, "yes", kMut},
      {"aof-timestamp-enabled", "", K::kBool, "no", kMut},
      {"dbfilename", "", K::kString, "dump.rdb", kProt},
      {"dir", "", K::kString, "", kProt},
      // "nothing" is Redis 7.2's; 7.0's error text lists the other four.
      {"loglevel", "", K::kEnum, "notice", kMut, 0, 0, "debug verbose notice warning !nothing"},
      {"logfile", "", K::kString, "", kImm},
      {"syslog-enabled", "", K::kBool, "no", kImm},
      {"syslog-ident", "", K::kString, "redis", kImm},
      {"syslog-facility", "", K::kEnum, "local0", kImm, 0, 0,
       "user local0 local1 local2 local3 local4 local5 local6 local7"},
      {"unixsocket", "", K::kString, "", kImm},
      {"unixsocketperm", "", K::kOctal, "0", kImm, 0, 0777},
      {"always-show-logo", "", K::kBool, "no", kImm},
      {"set-proc-title", "", K::kBool, "yes", kImm},
      {"disable-thp", "", K::kBool, "yes", kImm},
      {"oom-score-adj-values", "", K::kOomScoreAdjValues, "0 200 800", kMut},
      {"rdb-del-sync-files", "", K::kBool, "no", kMut},
      {"rdb-save-incremental-fsync", "", K::kBool, "yes", kMut},
      {"daemonize", "", K::kBool, "no", kImm},
      {"pidfile", "", K::kString, "", kImm},
      {"supervised", "", K::kEnum, "no", kImm, 0, 0, "upstart systemd auto no"},
      {"io-threads", "", K::kInt, "1", kImm, 1, 128},
      {"io-threads-do-reads", "", K::kBool, "no", kImm},
      {"lazyfree-lazy-eviction", "", K::kBool, "no", kMut},
      {"lazyfree-lazy-expire", "", K::kBool, "no", kMut},
      {"lazyfree-lazy-server-del", "", K::kBool, "no", kMut},
      {"lazyfree-lazy-user-del", "", K::kBool, "no", kMut},
      {"lazyfree-lazy-user-flush", "", K::kBool, "no", kMut},
      {"activerehashing", "", K::kBool, "yes", kMut},
      {"notify-keyspace-events", "", K::kKeyspaceEvents, "", kMut},
      {"slowlog-log-slower-than", "", K::kInt, "10000", kMut, -1, kLongMax},
      {"slowlog-max-len", "", K::kInt, "128", kMut, 0, kLongMax},
      {"latency-monitor-threshold", "", K::kInt, "0", kMut, 0, kLongMax},
      {"latency-tracking", "", K::kBool, "yes", kMut},
      {"latency-tracking-info-percentiles", "", K::kPercentiles, "50 99 99.9", kMut},
      {"busy-reply-threshold", "lua-time-limit", K::kInt, "5000", kMut, 0, kLongMax},
      {"shutdown-timeout", "", K::kInt, "10", kMut, 0, kIntMax},
      // One flag of Redis's (it also takes combinations, as "nosave force").
      {"shutdown-on-sigint", "", K::kEnum, "default", kMut, 0, 0, "default save nosave now force"},
      {"shutdown-on-sigterm", "", K::kEnum, "default", kMut, 0, 0, "default save nosave now force"},
      {"replica-read-only", "slave-read-only", K::kBool, "yes", kMut},
      // Replication (server/repl/replication.h).
      {"replicaof", "slaveof", K::kString, "", kImm},
      {"masterauth", "", K::kString, "", kMut},
      {"masteruser", "", K::kString, "", kMut},
      {"repl-backlog-size", "", K::kMemory, "1048576", kMut, 1, kLongMax},
      {"repl-backlog-ttl", "", K::kInt, "3600", kMut, 0, kLongMax},
      {"repl-ping-replica-period", "repl-ping-slave-period", K::kInt, "10", kMut, 1, kIntMax},
      {"repl-timeout", "", K::kInt, "60", kMut, 1, kIntMax},
      {"repl-diskless-sync", "", K::kBool, "yes", kMut},
      {"repl-diskless-sync-delay", "", K::kInt, "5", kMut, 0, kIntMax},
      {"repl-diskless-sync-max-replicas", "", K::kInt, "0", kMut, 0, kIntMax},
      {"repl-diskless-load", "", K::kEnum, "disabled", kMut, 0, 0, "disabled on-empty-db swapdb"},
      {"repl-disable-tcp-nodelay", "", K::kBool, "no", kMut},
      {"replica-serve-stale-data", "slave-serve-stale-data", K::kBool, "yes", kMut},
      {"replica-priority", "slave-priority", K::kInt, "100", kMut, 0, kIntMax},
      {"replica-announce-ip", "slave-announce-ip", K::kString, "", kMut},
      {"replica-announce-port", "slave-announce-port", K::kInt, "0", kMut, 0, 65535},
      {"replica-announced", "", K::kBool, "yes", kMut},
      {"replica-lazy-flush", "slave-lazy-flush", K::kBool, "no", kMut},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", K::kBool, "yes", kMut},
      {"min-replicas-to-write", "min-slaves-to-write", K::kInt, "0", kMut, 0, kIntMax},
      {"min-replicas-max-lag", "min-slaves-max-lag", K::kInt, "10", kMut, 0, kIntMax},
      {"cluster-enabled", "", K::kBool, "no", kImm},
      {"stop-writes-on-bgsave-error", "", K::kBool, "yes", kMut},
      {"rdbcompression", "", K::kBool, "yes", kMut},
      {"rdbchecksum", "", K::kBool, "yes", kImm},
      // Microseconds slept per key saved: lets tests write while a save runs (as Redis's).
      {"rdb-key-save-delay", "", K::kInt, "0", kMut, 0, kIntMax, "", true},
      // Redis's test-only delay per key loaded (microseconds), hidden as in Redis.
      {"key-load-delay", "", K::kInt, "0", kMut, INT32_MIN, kIntMax, "", true},
      // RESTORE always checks a payload deeply (as "yes" does); the setting is kept for CONFIG.
      {"sanitize-dump-payload", "", K::kEnum, "no", kMut, 0, 0, "no yes clients"},
      {"crash-log-enabled", "", K::kBool, "yes", kMut},
      {"crash-memcheck-enabled", "", K::kBool, "yes", kMut},
      {"acllog-max-len", "", K::kInt, "128", kMut, 0, kLongMax},
      {"tracking-table-max-keys", "", K::kInt, "1000000", kMut, 0, kLongMax},
      {"oom-score-adj", "", K::kEnum, "no", kMut, 0, 0, "no yes relative=yes absolute"},
      {"proc-title-template", "", K::kString, "{title} {listen-addr} {server-mode}", kMut},
      {"ignore-warnings", "", K::kString, "", kMut},
      {"enable-protected-configs", "", K::kEnum, "no", kImm, 0, 0, "no yes local"},
      {"enable-debug-command", "", K::kEnum, "no", kImm, 0, 0, "no yes local"},
      {"enable-module-command", "", K::kEnum, "no", kImm, 0, 0, "no yes local"},
      // Redis's internal encodings and allocator: accepted and reported only.
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", K::kInt, "512", kMut, 0, kLongMax},
      {"hash-max-listpack-value", "hash-max-ziplist-value", K::kMemory, "64", kMut, 0, kLongMax},
      {"list-max-listpack-size", "list-max-ziplist-size", K::kInt, "-2", kMut, INT32_MIN, kIntMax},
      {"list-compress-depth", "", K::kInt, "0", kMut, 0, kIntMax},
      {"set-max-intset-entries", "", K::kInt, "512", kMut, 0, kLongMax},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", K::kInt, "128", kMut, 0, kLongMax},
      {"zset-max-listpack-value", "zset-max-ziplist-value", K::kMemory, "64", kMut, 0, kLongMax},
      {"hll-sparse-max-bytes", "", K::kMemory, "3000", kMut, 0, kLongMax},
      {"stream-node-max-bytes", "", K::kMemory, "4096", kMut, 0, kLongMax},
      {"stream-node-max-entries", "", K::kInt, "100", kMut, 0, kLongMax},
      {"lfu-log-factor", "", K::kInt, "10", kMut, 0, kIntMax},
      {"lfu-decay-time", "", K::kInt, "1", kMut, 0, kIntMax},
      {"activedefrag", "", K::kBool, "no", kMut},
      {"active-defrag-ignore-bytes", "", K::kMemory, "104857600", kMut, 1, kLongMax},
      {"active-defrag-threshold-lower", "", K::kInt, "10", kMut, 0, 1000},
      {"active-defrag-threshold-upper", "", K::kInt, "100", kMut, 0, 1000},
      {"active-defrag-cycle-min", "", K::kInt, "1", kMut, 1, 99},
      {"active-defrag-cycle-max", "", K::kInt, "25", kMut, 1, 99},
      {"active-defrag-max-scan-fields", "", K::kInt, "1000", kMut, 1, kLongMax},
      {"jemalloc-bg-thread", "", K::kBool, "yes", kMut},
  };
  return *params;
}

bool ParseBool(std::string_view text, bool* value) {
  if (EqualsIgnoreCase(text, "yes")) {
    *value = true;
    return true;
  }
  if (EqualsIgnoreCase(text, "no")) {
    *value = false;
    return true;
  }
  return false;
}

}  // namespace

const std::vector<Config::Param>& Config::Params() { return ParamTable(); }

std::optional<int64_t> ParseMemory(std::string_view text) {
  std::string lower = AsciiLower(text);
  int64_t multiplier = 1;
  std::string_view digits = lower;
  struct Unit {
    std::string_view suffix;
    int64_t factor;
  };
  static constexpr Unit kUnits[] = {{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024LL * 1024 * 1024},
                                    {"k", 1000},  {"m", 1000 * 1000},  {"g", 1000LL * 1000 * 1000},
                                    {"b", 1}};
  for (const Unit& unit : kUnits) {
    if (digits.ends_with(unit.suffix)) {
      digits.remove_suffix(unit.suffix.size());
      multiplier = unit.factor;
      break;
    }
  }
  int64_t value = 0;
  if (!ParseInt64(digits, &value)) return std::nullopt;
  if (value < 0) return std::nullopt;
  if (value > INT64_MAX / multiplier) return std::nullopt;
  return value * multiplier;
}

namespace {

// tolower() in the C locale, also for negative (high-bit) chars, as glibc does.
int LowerC(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// A port of Redis 7.0's stringmatchlen_impl, quirks included: the pattern is
// read as a C string would be (a NUL past its end), '[' without ']' ends at
// the pattern's end, and more than 1000 nested '*' never match.
class GlobMatcher {
 public:
  GlobMatcher(std::string_view pattern, bool nocase) : pattern_(pattern), nocase_(nocase) {}

  bool Match(size_t p, std::string_view text, int nesting) {
    if (nesting > 1000) return false;
    const char* s = text.data();
    size_t s_len = text.size();
    size_t p_len = pattern_.size() - p;
    while (p_len > 0 && s_len > 0) {
      switch (At(p)) {
        case '*': {
          while (p_len > 0 && At(p + 1) == '*') {
            ++p;
            --p_len;
          }
          if (p_len == 1) return true;
          while (s_len > 0) {
            if (Match(p + 1, std::string_view(s, s_len), nesting + 1)) return true;
            if (skip_longer_matches_) return false;
            ++s;
            --s_len;
          }
          skip_longer_matches_ = true;
          return false;
        }
        case '?':
          ++s;
          --s_len;
          break;
        case '[': {
          ++p;
          --p_len;
          const bool negate = At(p) == '^';
          if (negate) {
            ++p;
            --p_len;
          }
          bool match = false;
          while (true) {
            if (At(p) == '\\' && p_len >= 2) {
              ++p;
              --p_len;
              if (At(p) == s[0]) match = true;
            } else if (At(p) == ']') {
              break;
            } else if (p_len == 0) {
              --p;
              ++p_len;
              break;
            } else if (p_len >= 3 && At(p + 1) == '-') {
              int start = At(p), end = At(p + 2), c = s[0];
              if (start > end) std::swap(start, end);
              if (nocase_) {
                start = LowerC(start);
                end = LowerC(end);
                c = LowerC(c);
              }
              p += 2;
              p_len -= 2;
              if (c >= start && c <= end) match = true;
            } else if (Same(At(p), s[0])) {
              match = true;
            }
            ++p;
            --p_len;
          }
          if (negate) match = !match;
          if (!match) return false;
          ++s;
          --s_len;
          break;
        }
        case '\\':
          if (p_len >= 2) {
            ++p;
            --p_len;
          }
          [[fallthrough]];
        default:
          if (!Same(At(p), s[0])) return false;
          ++s;
          --s_len;
          break;
      }
      ++p;
      --p_len;
      if (s_len == 0) {
        while (At(p) == '*') {
          ++p;
          --p_len;
        }
        break;
      }
    }
    return p_len == 0 && s_len == 0;
  }

 private:
  // The pattern as Redis sees it: NUL-terminated.
  char At(size_t i) const { return i < pattern_.size() ? pattern_[i] : '\0'; }
  bool Same(char a, char b) const { return nocase_ ? LowerC(a) == LowerC(b) : a == b; }

  std::string_view pattern_;
  bool nocase_;
  bool skip_longer_matches_ = false;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  return GlobMatcher(pattern, nocase).Match(0, text, 0);
}

Config::Config() {
  absl::MutexLock lock(&mu_);
  for (const Param& param : Params()) values_.emplace_back(param.default_value);
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) != nullptr) values_[Find("dir") - Params().data()] = cwd;
}

const Config::Param* Config::Find(std::string_view name) const {
  for (const Param& param : Params()) {
    if (EqualsIgnoreCase(param.name, name) ||
        (!param.alias.empty() && EqualsIgnoreCase(param.alias, name))) {
      return &param;
    }
  }
  return nullptr;
}

namespace {

std::string JoinWords(const std::vector<std::string_view>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += ' ';
    out.append(words[i]);
  }
  return out;
}

std::string FormatBound(int64_t v) { return StrCat(v); }

// Redis's numeric config parse and bounds check, with its error texts.
absl::Status ParseNumeric(const Config::Param& param, std::string_view value, int64_t* out) {
  const bool memory = param.kind == K::kMemory || param.kind == K::kMemoryOrPercent;
  bool parsed = false;
  if (memory) {
    if (std::optional<uint64_t> v = RedisMemToULL(value)) {
      *out = static_cast<int64_t>(*v);
      parsed = true;
    }
  }
  if (!parsed && param.kind == K::kMemoryOrPercent && value.size() > 1 && value.back() == '%') {
    int64_t percent = 0;
    if (ParseInt64(value.substr(0, value.size() - 1), &percent) && percent >= 0) {
      *out = -percent;  // Redis stores a percentage as a negative number
      parsed = true;
    }
  }
  if (!parsed && param.kind == K::kInt && ParseInt64(value, out)) parsed = true;
  if (!parsed) {
    if (param.kind == K::kMemoryOrPercent) {
      return absl::InvalidArgumentError("argument must be a memory or percent value");
    }
    if (memory) return absl::InvalidArgumentError("argument must be a memory value");
    return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
  }
  if (param.kind == K::kMemoryOrPercent && *out < 0) {
    if (*out < param.min) {
      return absl::InvalidArgumentError(
          StrCat("percentage argument must be less or equal to ", -param.min));
    }
  } else if (*out < param.min || *out > param.max) {
    return absl::InvalidArgumentError(StrCat("argument must be between ", FormatBound(param.min),
                                             " and ", FormatBound(param.max), " inclusive"));
  }
  return absl::OkStatus();
}

// Redis's keyspaceEventsStringToFlags / keyspaceEventsFlagsToString.
enum EventFlags : int {
  kEvKeyspace = 1 << 0,
  kEvKeyevent = 1 << 1,
  kEvGeneric = 1 << 2,
  kEvString = 1 << 3,
  kEvList = 1 << 4,
  kEvSet = 1 << 5,
  kEvHash = 1 << 6,
  kEvZset = 1 << 7,
  kEvExpired = 1 << 8,
  kEvEvicted = 1 << 9,
  kEvStream = 1 << 10,
  kEvKeyMiss = 1 << 11,
  kEvModule = 1 << 12,
  kEvNew = 1 << 13,
  kEvAll = kEvGeneric | kEvString | kEvList | kEvSet | kEvHash | kEvZset | kEvExpired | kEvEvicted |
           kEvStream | kEvModule,
};

bool ParseKeyspaceEvents(std::string_view text, std::string* canonical) {
  int flags = 0;
  for (char c : text.substr(0, text.find('\0'))) {
    switch (c) {
      case 'A':
        flags |= kEvAll;
        break;
      case 'g':
        flags |= kEvGeneric;
        break;
      case '$':
        flags |= kEvString;
        break;
      case 'l':
        flags |= kEvList;
        break;
      case 's':
        flags |= kEvSet;
        break;
      case 'h':
        flags |= kEvHash;
        break;
      case 'z':
        flags |= kEvZset;
        break;
      case 'x':
        flags |= kEvExpired;
        break;
      case 'e':
        flags |= kEvEvicted;
        break;
      case 'K':
        flags |= kEvKeyspace;
        break;
      case 'E':
        flags |= kEvKeyevent;
        break;
      case 't':
        flags |= kEvStream;
        break;
      case 'm':
        flags |= kEvKeyMiss;
        break;
      case 'd':
        flags |= kEvModule;
        break;
      case 'n':
        flags |= kEvNew;
        break;
      default:
        return false;
    }
  }
  std::string out;
  if ((flags & kEvAll) == kEvAll) {
    out += 'A';
  } else {
    const std::pair<int, char> kLetters[] = {{kEvGeneric, 'g'}, {kEvString, '$'},  {kEvList, 'l'},
                                             {kEvSet, 's'},     {kEvHash, 'h'},    {kEvZset, 'z'},
                                             {kEvExpired, 'x'}, {kEvEvicted, 'e'}, {kEvStream, 't'},
                                             {kEvModule, 'd'},  {kEvNew, 'n'}};
    for (const auto& [flag, letter] : kLetters) {
      if (flags & flag) out += letter;
    }
  }
  if (flags & kEvKeyspace) out += 'K';
  if (flags & kEvKeyevent) out += 'E';
  if (flags & kEvKeyMiss) out += 'm';
  *canonical = std::move(out);
  return true;
}

// Redis's setConfigLatencyTrackingInfoPercentilesOutputOption: each a number
// in 0..100, kept as "%f" without trailing zeros ("50 99 99.9").
absl::Status ParsePercentileList(std::string_view text, std::string* canonical) {
  canonical->clear();
  for (std::string_view word : Split(text, ' ')) {
    if (word.empty()) continue;
    std::string copy(word);
    char* end = nullptr;
    errno = 0;
    const double p = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || std::isspace(static_cast<unsigned char>(copy[0])) ||
        errno == ERANGE || std::isnan(p)) {
      return absl::InvalidArgumentError("Invalid latency-tracking-info-percentiles parameters");
    }
    if (p > 100.0 || p < 0.0) {
      return absl::InvalidArgumentError(
          "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    }
    char buf[128];
    std::string formatted(buf, static_cast<size_t>(std::snprintf(buf, sizeof(buf), "%f", p)));
    while (formatted.back() == '0') formatted.pop_back();
    if (formatted.back() == '.') formatted.pop_back();
    if (!canonical->empty()) *canonical += ' ';
    *canonical += formatted;
  }
  return absl::OkStatus();
}

// Redis's setConfigSaveOption: "seconds changes" pairs, seconds >= 1, changes >= 0.
bool ParseSave(std::string_view text, std::string* canonical) {
  std::vector<std::string_view> words = Split(text, ' ', false);
  if (words.size() == 1 && words[0].empty()) words.clear();  // "" is no save points
  if (words.size() % 2 != 0) return false;
  std::vector<std::string> out;
  for (size_t j = 0; j < words.size(); ++j) {
    const std::string word(words[j]);
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (*end != '\0' || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0)) return false;
    out.push_back(StrCat(static_cast<int64_t>(v)));
  }
  *canonical = Join(out, " ");
  return true;
}

// The client classes of client-output-buffer-limit, in Redis's order.
constexpr std::string_view kBufferClasses[] = {"normal", "slave", "pubsub"};

int BufferClass(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return 0;
  if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica")) return 1;
  if (EqualsIgnoreCase(name, "pubsub")) return 2;
  return -1;  // "master" is refused too
}

// Redis's setConfigClientOutputBufferLimitOption: quadruples that replace the
// limits of the classes they name.
absl::Status ParseBufferLimits(std::string_view text, const std::string& current,
                               std::string* canonical) {
  std::vector<std::string_view> words = Split(text, ' ', false);
  if (words.size() == 1 && words[0].empty()) {
    *canonical = current;  // Redis takes "" and changes nothing
    return absl::OkStatus();
  }
  if (words.empty() || words.size() % 4 != 0) {
    return absl::InvalidArgumentError("Wrong number of arguments in buffer limit configuration.");
  }
  std::vector<std::string_view> now = Split(current, ' ');
  uint64_t limits[3][3] = {};
  for (size_t c = 0; c < 3 && c * 4 + 3 < now.size(); ++c) {
    for (size_t k = 0; k < 3; ++k) {
      const std::string word(now[c * 4 + 1 + k]);
      limits[c][k] = std::strtoull(word.c_str(), nullptr, 10);
    }
  }
  for (size_t j = 0; j < words.size(); j += 4) {
    const int c = BufferClass(words[j]);
    if (c < 0) {
      return absl::InvalidArgumentError(
          "Invalid client class specified in buffer limit configuration.");
    }
    std::optional<uint64_t> hard = RedisMemToULL(words[j + 1]);
    std::optional<uint64_t> soft = RedisMemToULL(words[j + 2]);
    const std::string seconds_text(words[j + 3]);
    char* end = nullptr;
    const long long seconds = std::strtoll(seconds_text.c_str(), &end, 10);
    if (!hard || !soft || seconds < 0 || *end != '\0') {
      return absl::InvalidArgumentError(
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    limits[c][0] = *hard;
    limits[c][1] = *soft;
    limits[c][2] = static_cast<uint64_t>(seconds);
  }
  std::string out;
  for (size_t c = 0; c < 3; ++c) {
    StrAppend(&out, c > 0 ? " " : "", kBufferClasses[c], " ", limits[c][0], " ", limits[c][1], " ",
              limits[c][2]);
  }
  *canonical = std::move(out);
  return absl::OkStatus();
}

}  // namespace

std::optional<uint64_t> RedisMemToULL(std::string_view text) {
  text = text.substr(0, text.find('\0'));  // a C string
  if (!text.empty() && text[0] == '-') return std::nullopt;
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string_view unit = text.substr(digits);
  uint64_t multiplier = 0;
  struct Unit {
    std::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"b", 1},
                                    {"k", 1000},
                                    {"kb", 1024},
                                    {"m", 1000 * 1000},
                                    {"mb", 1024 * 1024},
                                    {"g", 1000ULL * 1000 * 1000},
                                    {"gb", 1024ULL * 1024 * 1024}};
  for (const Unit& u : kUnits) {
    if (EqualsIgnoreCase(unit, u.name)) multiplier = u.factor;
  }
  if (multiplier == 0 || digits >= 128) return std::nullopt;
  const std::string number(text.substr(0, digits));
  const uint64_t value =
      std::strtoull(number.c_str(), nullptr, 10);  // ERANGE: ULLONG_MAX, as Redis
  return value * multiplier;
}

absl::Status Config::SetLocked(const Param& param, std::string_view value, bool append) {
  std::string canonical;
  switch (param.kind) {
    case Kind::kString:
      canonical = std::string(value);
      break;
    case Kind::kBool: {
      bool b;
      if (!ParseBool(value, &b))
        return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
      canonical = b ? "yes" : "no";
      break;
    }
    case Kind::kInt:
    case Kind::kMemory:
    case Kind::kMemoryOrPercent: {
      int64_t v = 0;
      absl::Status status = ParseNumeric(param, value, &v);
      if (!status.ok()) return status;
      if (param.name == "hz") v = std::clamp<int64_t>(v, 1, 500);  // Redis clamps hz
      canonical = v < 0 && param.kind == Kind::kMemoryOrPercent ? StrCat(-v, "%") : StrCat(v);
      break;
    }
    case Kind::kEnum: {
      bool known = false;
      std::vector<std::string> choices;
      // "name=other": a name Redis accepts for the same value, reported as `other`.
      for (std::string_view choice : Split(param.choices, ' ')) {
        // "!name": accepted, not listed in the error (not a choice of Redis 7.0's).
        const bool hidden = choice.starts_with('!');
        if (hidden) choice.remove_prefix(1);
        const size_t eq = choice.find('=');
        const std::string_view name = choice.substr(0, eq);
        if (!known && EqualsIgnoreCase(name, value)) {
          known = true;
          canonical = std::string(eq == std::string_view::npos ? name : choice.substr(eq + 1));
        }
        if (!hidden) choices.emplace_back(name);
      }
      if (!known) {
        return absl::InvalidArgumentError("argument(s) must be one of the following: " +
                                          Join(choices, ", "));
      }
      break;
    }
    case Kind::kOctal: {
      // Redis's OCTAL_CONFIG: strtol base 8, shown as "%o".
      const std::string text(value);
      char* end = nullptr;
      errno = 0;
      const long v = std::strtol(text.c_str(), &end, 8);
      if (text.empty() || *end != '\0' || errno != 0) {
        return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
      }
      if (v < param.min || v > param.max) {
        return absl::InvalidArgumentError(StrCat("argument must be between ", param.min, " and ",
                                                 absl::StrFormat("%o", param.max), " inclusive"));
      }
      canonical = absl::StrFormat("%o", v);
      break;
    }
    case Kind::kOomScoreAdjValues: {
      // Redis's setConfigOOMScoreAdjValuesOption: three integers in -2000..2000.
      std::vector<std::string_view> words = Split(value, ' ', false);
      std::vector<std::string> out;
      for (std::string_view word : words) {
        if (!word.empty()) out.emplace_back(word);
      }
      if (out.size() != 3) return absl::InvalidArgumentError("wrong number of arguments");
      for (std::string& word : out) {
        int64_t v = 0;
        if (!ParseInt64(word, &v) || v < -2000 || v > 2000) {
          return absl::InvalidArgumentError("Invalid oom-score-adj-values");
        }
        word = StrCat(v);
      }
      canonical = Join(out, " ");
      break;
    }
    case Kind::kSave:
      if (!ParseSave(value, &canonical)) {
        return absl::InvalidArgumentError("Invalid save parameters");
      }
      break;
    case Kind::kClientOutputBufferLimit: {
      absl::Status status = ParseBufferLimits(value, values_[&param - Params().data()], &canonical);
      if (!status.ok()) return status;
      break;
    }
    case Kind::kPercentiles: {
      absl::Status status = ParsePercentileList(value, &canonical);
      if (!status.ok()) return status;
      break;
    }
    case Kind::kKeyspaceEvents:
      if (!ParseKeyspaceEvents(value, &canonical)) {
        return absl::InvalidArgumentError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
      keyspace_event_flags_.store(KeyspaceEventFlags(value.substr(0, value.find('\0'))),
                                  std::memory_order_relaxed);
      break;
  }
  std::string& slot = values_[&param - Params().data()];
  if (append && !slot.empty() && !canonical.empty()) {
    slot += " " + canonical;
  } else {
    slot = std::move(canonical);
  }
  CacheLocked();
  return absl::OkStatus();
}

void Config::CacheLocked() {
  int64_t bulk = 0;
  if (ParseInt64(values_[Find("proto-max-bulk-len") - Params().data()], &bulk)) {
    proto_max_bulk_len_.store(bulk, std::memory_order_relaxed);
  }
  for (auto [name, cache] : {std::pair{"hash-max-listpack-entries", &hash_max_listpack_entries_},
                             std::pair{"hash-max-listpack-value", &hash_max_listpack_value_},
                             std::pair{"set-max-intset-entries", &set_max_intset_entries_},
                             std::pair{"list-max-listpack-size", &list_max_listpack_size_},
                             std::pair{"list-compress-depth", &list_compress_depth_},
                             std::pair{"zset-max-listpack-entries", &zset_max_listpack_entries_},
                             std::pair{"zset-max-listpack-value", &zset_max_listpack_value_},
                             std::pair{"hll-sparse-max-bytes", &hll_sparse_max_bytes_},
                             std::pair{"stream-node-max-bytes", &stream_node_max_bytes_},
                             std::pair{"stream-node-max-entries", &stream_node_max_entries_}}) {
    int64_t value = 0;
    if (ParseInt64(values_[Find(name) - Params().data()], &value)) {
      cache->store(value, std::memory_order_relaxed);
    }
  }
  const std::string& policy = values_[Find("maxmemory-policy") - Params().data()];
  eviction_policy_.store(
      static_cast<uint8_t>(ParseEvictionPolicy(policy).value_or(EvictionPolicy::kNoEviction)),
      std::memory_order_relaxed);
  int64_t maxmemory = 0, samples = 5, tenacity = 10;
  ParseInt64(values_[Find("maxmemory") - Params().data()], &maxmemory);
  ParseInt64(values_[Find("maxmemory-samples") - Params().data()], &samples);
  ParseInt64(values_[Find("maxmemory-eviction-tenacity") - Params().data()], &tenacity);
  maxmemory_.store(maxmemory, std::memory_order_relaxed);
  maxmemory_samples_.store(static_cast<int>(samples), std::memory_order_relaxed);
  eviction_tenacity_.store(static_cast<int>(tenacity), std::memory_order_relaxed);
  lazy_eviction_.store(values_[Find("lazyfree-lazy-eviction") - Params().data()] == "yes",
                       std::memory_order_relaxed);
  // What the keys' access clocks mean follows the policy (access_clock.h).
  AccessClock::SetLfu(values_[Find("maxmemory-policy") - Params().data()].find("lfu") !=
                      std::string::npos);
  int64_t log_factor = 10, decay_time = 1;
  ParseInt64(values_[Find("lfu-log-factor") - Params().data()], &log_factor);
  ParseInt64(values_[Find("lfu-decay-time") - Params().data()], &decay_time);
  AccessClock::SetLfuParameters(static_cast<int>(log_factor), static_cast<int>(decay_time));
  if (std::optional<LogLevel> level = ParseLogLevel(values_[Find("loglevel") - Params().data()])) {
    SetLogLevel(*level);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

absl::Status Config::Apply(std::string_view name, const std::vector<std::string>& words) {
  return ApplyImpl(name, words, nullptr);
}

absl::Status Config::ApplyImpl(std::string_view name, const std::vector<std::string>& words,
                               bool* save_seen) {
  const Param* param = Find(name);
  if (param == nullptr) {
    const std::string lower = AsciiLower(name);
    if (std::optional<std::string_view> why = RefusedDirective(lower)) {
      return absl::NotFoundError(StrCat("'", lower, "' is not supported by valkdb: ", *why));
    }
    if (IsReplicationSetting(lower)) {
      return absl::NotFoundError(
          StrCat("'", lower, "' is a replication setting, and replication is not in this build"));
    }
    return absl::NotFoundError("Bad directive or wrong number of arguments");
  }
  const bool multi_word = param->kind == Kind::kString || param->kind == Kind::kSave ||
                          param->kind == Kind::kClientOutputBufferLimit ||
                          param->kind == Kind::kOomScoreAdjValues ||
                          param->kind == Kind::kPercentiles;
  if (words.empty() && !multi_word) {
    return absl::InvalidArgumentError("wrong number of arguments");
  }
  if (words.size() > 1 && !multi_word) {
    return absl::InvalidArgumentError("wrong number of arguments");
  }
  std::vector<std::string_view> views(words.begin(), words.end());
  // Like Redis reading its config: the first save line replaces the
  // defaults, later ones add save points.
  bool append = false;
  if (param->kind == Kind::kSave && save_seen != nullptr) {
    append = *save_seen;
    *save_seen = true;
  }
  absl::MutexLock lock(&mu_);
  const size_t index = param - Params().data();
  const std::string old_value = values_[index];
  absl::Status status = SetLocked(*param, JoinWords(views), append);
  if (!status.ok()) return status;
  // No silent settings: a value valkdb cannot honour stops the start; one
  // without effect is kept and reported (main logs it once the log is open).
  const SettingVerdict verdict = JudgeSetting(param->name, values_[index]);
  if (verdict.support == SettingSupport::kRefused) {
    const std::string error = DescribeVerdict(AsciiLower(name), values_[index], verdict);
    values_[index] = old_value;
    CacheLocked();
    return absl::InvalidArgumentError(error);
  }
  if (verdict.support != SettingSupport::kHonoured) {
    startup_warnings_.push_back(DescribeVerdict(AsciiLower(name), values_[index], verdict));
  }
  return absl::OkStatus();
}

std::vector<std::string> Config::TakeStartupWarnings() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.swap(startup_warnings_);
  return out;
}

absl::Status Config::LoadText(std::string_view text) {
  bool save_seen = false;
  return LoadTextImpl(text, &save_seen);
}

absl::Status Config::LoadTextImpl(std::string_view text, bool* save_seen) {
  int line_number = 0;
  for (std::string_view line : Split(text, '\n', false)) {
    ++line_number;
    line = StripWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::string storage;
    std::vector<std::pair<size_t, size_t>> spans;
    if (!SplitArgs(line, &storage, &spans)) {
      return absl::InvalidArgumentError(
          StrCat("line ", line_number, ": '", line, "': Unbalanced quotes in configuration line"));
    }
    if (spans.empty()) continue;
    std::string name = storage.substr(spans[0].first, spans[0].second);
    std::vector<std::string> words;
    for (size_t i = 1; i < spans.size(); ++i) {
      words.push_back(storage.substr(spans[i].first, spans[i].second));
    }
    absl::Status status;
    if (EqualsIgnoreCase(name, "include") && words.size() == 1) {
      // Redis's include: the file's directives, read here, in order.
      if (++include_depth_ > 16) {
        status = absl::InvalidArgumentError("include nested too deeply");
      } else {
        std::ifstream file(words[0]);
        if (!file) {
          status =
              absl::NotFoundError(StrCat("Fatal error, can't open config file '", words[0], "'"));
        } else {
          std::stringstream included;
          included << file.rdbuf();
          status = LoadTextImpl(included.str(), save_seen);
        }
      }
      --include_depth_;
    } else {
      status = ApplyImpl(name, words, save_seen);
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          StrCat("line ", line_number, ": '", line, "': ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Config::LoadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(StrCat("Fatal error, can't open config file '", path, "'"));
  std::stringstream text;
  text << file.rdbuf();
  return LoadText(text.str());
}

absl::Status Config::LoadArgs(int argc, const char* const* argv) {
  int i = 1;
  bool save_seen = false;
  if (i < argc && !std::string_view(argv[i]).starts_with("--")) {
    std::ifstream file(argv[i]);
    if (!file) {
      return absl::NotFoundError(StrCat("Fatal error, can't open config file '", argv[i], "'"));
    }
    std::stringstream text;
    text << file.rdbuf();
    absl::Status status = LoadTextImpl(text.str(), &save_seen);
    if (!status.ok()) return status;
    ++i;
  }
  // Like redis-server: `--name` starts a directive, the words after it are its arguments.
  while (i < argc) {
    std::string_view flag = argv[i];
    if (!flag.starts_with("--") || flag.size() == 2) {
      return absl::InvalidArgumentError(StrCat("unexpected argument '", flag, "'"));
    }
    std::string name(flag.substr(2));
    std::vector<std::string> words;
    for (++i; i < argc && !std::string_view(argv[i]).starts_with("--"); ++i)
      words.emplace_back(argv[i]);
    absl::Status status = ApplyImpl(name, words, &save_seen);
    if (!status.ok()) {
      return absl::InvalidArgumentError(StrCat("--", name, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

std::string Config::SetFromCommand(
    const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  // After Redis's configSetCommand: find every parameter first (an unknown
  // one wins over other errors), refuse immutable/protected ones and
  // duplicates, then set all in order and restore all if one fails.
  struct Target {
    const Param* param;
    bool via_alias;
  };
  std::vector<Target> targets;
  std::string_view unknown;
  std::string error, error_arg;
  bool invalid = false;
  for (const auto& [name, value] : pairs) {
    const Param* param = Find(name);
    if (param == nullptr) {
      if (!invalid) {
        unknown = name;
        invalid = true;
      }
      continue;
    }
    if (invalid) continue;
    if (param->access != Access::kMutable) {
      error = param->access == Access::kImmutable ? "can't set immutable config"
                                                  : "can't set protected config";
      error_arg = std::string(name);
      invalid = true;
      continue;
    }
    const bool via_alias = !EqualsIgnoreCase(param->name, name);
    for (const Target& t : targets) {
      if (t.param == param && t.via_alias == via_alias) {
        error = "duplicate parameter";
        error_arg = std::string(name);
        invalid = true;
        break;
      }
    }
    targets.push_back({param, via_alias});
  }
  if (invalid) {
    if (!unknown.empty() || error.empty()) {
      return StrCat("Unknown option or number of arguments for CONFIG SET - '",
                    unknown.substr(0, unknown.find('\0')), "'");
    }
    return StrCat("CONFIG SET failed (possibly related to argument '",
                  error_arg.substr(0, error_arg.find('\0')), "') - ", error);
  }
  absl::MutexLock lock(&mu_);
  const std::vector<std::string> backup = values_;
  // Not derivable from the restored value ("A" hides "n"): restored apart.
  const uint32_t event_flags_backup = keyspace_event_flags_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < targets.size(); ++i) {
    absl::Status status = SetLocked(*targets[i].param, pairs[i].second);
    if (!status.ok()) {
      values_ = backup;
      keyspace_event_flags_.store(event_flags_backup, std::memory_order_relaxed);
      CacheLocked();
      const Param& p = *targets[i].param;
      return StrCat("CONFIG SET failed (possibly related to argument '",
                    targets[i].via_alias ? p.alias : p.name, "') - ", status.message());
    }
  }
  // No silent settings: a value valkdb cannot honour undoes the whole SET;
  // one without effect is kept and logged.
  std::vector<std::string> warnings;
  for (const Target& target : targets) {
    const std::string& value = values_[target.param - Params().data()];
    const SettingVerdict verdict = JudgeSetting(target.param->name, value);
    if (verdict.support == SettingSupport::kHonoured) continue;
    const std::string_view shown = target.via_alias ? target.param->alias : target.param->name;
    if (verdict.support == SettingSupport::kRefused) {
      const std::string text = DescribeVerdict(shown, value, verdict);
      values_ = backup;
      keyspace_event_flags_.store(event_flags_backup, std::memory_order_relaxed);
      CacheLocked();
      return StrCat("CONFIG SET failed (possibly related to argument '", shown, "') - ", text);
    }
    warnings.push_back(DescribeVerdict(shown, value, verdict));
  }
  for (const std::string& warning : warnings) Log(LogLevel::kWarning, "WARNING %s", warning);
  for (const Target& target : targets) {
    if (target.param->name != "maxclients" || !maxclients_hook_) continue;
    int64_t maxclients = 0;
    ParseInt64(values_[target.param - Params().data()], &maxclients);
    std::string error = maxclients_hook_(maxclients);
    if (!error.empty()) {
      values_ = backup;
      keyspace_event_flags_.store(event_flags_backup, std::memory_order_relaxed);
      CacheLocked();
      return StrCat("CONFIG SET failed (possibly related to argument 'maxclients') - ", error);
    }
  }
  const size_t bind_index = Find("bind") - Params().data();
  const size_t port_index = Find("port") - Params().data();
  const bool bind_changed = values_[bind_index] != backup[bind_index];
  const bool port_changed = values_[port_index] != backup[port_index];
  if ((bind_changed || port_changed) && listen_hook_) {
    int64_t port = 0;
    ParseInt64(values_[port_index], &port);
    std::string error = listen_hook_(values_[bind_index], port);
    if (!error.empty()) {
      values_ = backup;
      keyspace_event_flags_.store(event_flags_backup, std::memory_order_relaxed);
      CacheLocked();
      return StrCat("CONFIG SET failed (possibly related to argument '",
                    bind_changed ? "bind" : "port", "') - ", error);
    }
  }
  return "";
}

namespace {

// Redis's rewriteConfigFormatMemory: the biggest unit that divides exactly.
std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kGb = 1024 * 1024 * 1024, kMb = 1024 * 1024, kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) return StrCat(bytes / kGb, "gb");
  if (bytes != 0 && bytes % kMb == 0) return StrCat(bytes / kMb, "mb");
  if (bytes != 0 && bytes % kKb == 0) return StrCat(bytes / kKb, "kb");
  return StrCat(bytes);
}

constexpr std::string_view kRewriteSignature = "# Generated by CONFIG REWRITE";

}  // namespace

absl::Status Config::Rewrite(const std::string& path) const {
  // The old file's lines, and where each known parameter appears in it.
  std::vector<std::string> lines;
  absl::flat_hash_map<std::string, std::vector<size_t>> option_lines;
  bool needs_signature = true;
  {
    // Like Redis: the whole file split at '\n', so a final newline leaves an
    // empty last line.
    std::ifstream file(path, std::ios::binary);
    if (!file && errno != ENOENT) {
      return absl::InternalError(StrCat("Rewriting config file: ", std::strerror(errno)));
    }
    std::stringstream content;
    if (file) content << file.rdbuf();
    const std::string old_text = content.str();
    std::vector<std::string_view> raw_lines;
    if (!old_text.empty()) raw_lines = Split(old_text, '\n', false);
    for (std::string_view line : raw_lines) {
      while (!line.empty() && std::strchr(" \t\r\n", line.front())) line.remove_prefix(1);
      while (!line.empty() && std::strchr(" \t\r\n", line.back())) line.remove_suffix(1);
      if (line.empty() || line[0] == '#') {
        if (line == kRewriteSignature) needs_signature = false;
        lines.emplace_back(line);
        continue;
      }
      std::string storage;
      std::vector<std::pair<size_t, size_t>> spans;
      const Param* param = nullptr;
      if (SplitArgs(line, &storage, &spans) && !spans.empty()) {
        param = Find(std::string_view(storage).substr(spans[0].first, spans[0].second));
      }
      if (param == nullptr) {
        lines.push_back(StrCat("# ??? ", line));  // unparsable or unknown: kept as a comment
        continue;
      }
      option_lines[std::string(param->name)].push_back(lines.size());
      lines.emplace_back(line);
    }
  }
  absl::flat_hash_map<std::string, size_t> used;  // lines of each option reused so far
  auto rewrite_line = [&](std::string_view option, std::string line, bool force) {
    auto it = option_lines.find(std::string(option));
    size_t& next = used[std::string(option)];
    if (it != option_lines.end() && next < it->second.size()) {
      lines[it->second[next++]] = std::move(line);
      return;
    }
    if (!force) return;
    if (needs_signature) {
      lines.emplace_back(kRewriteSignature);
      needs_signature = false;
    }
    lines.push_back(std::move(line));
  };
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < Params().size(); ++i) {
      const Param& param = Params()[i];
      const std::string& value = values_[i];
      const bool is_default = value == param.default_value;
      used[std::string(param.name)];  // processed: leftover lines of it go
      switch (param.kind) {
        case Kind::kBool:
        case Kind::kInt:
        case Kind::kEnum:
        case Kind::kOctal:
        case Kind::kOomScoreAdjValues:
          rewrite_line(param.name, StrCat(param.name, " ", value), !is_default);
          break;
        case Kind::kMemory:
        case Kind::kMemoryOrPercent: {
          int64_t bytes = 0;
          const bool number = ParseInt64(value, &bytes);
          rewrite_line(param.name, StrCat(param.name, " ", number ? FormatMemory(bytes) : value),
                       !is_default);
          break;
        }
        case Kind::kString:
          if (param.name == "bind") {
            rewrite_line(param.name, StrCat(param.name, " ", value), !is_default);
          } else {
            // dir is always written, as Redis does.
            rewrite_line(param.name, StrCat(param.name, " ", Repr(value)),
                         !is_default || param.name == "dir");
          }
          break;
        case Kind::kKeyspaceEvents:
          rewrite_line(param.name, StrCat(param.name, " ", Repr(value)), !value.empty());
          break;
        case Kind::kPercentiles:
          rewrite_line(param.name, StrCat(param.name, " ", value.empty() ? "\"\"" : value),
                       !is_default);
          break;
        case Kind::kSave: {
          std::vector<std::string_view> words = Split(value, ' ');
          if (words.empty()) rewrite_line(param.name, "save \"\"", true);
          for (size_t j = 0; j + 1 < words.size(); j += 2) {
            rewrite_line(param.name, StrCat("save ", words[j], " ", words[j + 1]), true);
          }
          break;
        }
        case Kind::kClientOutputBufferLimit: {
          std::vector<std::string_view> words = Split(value, ' ');
          std::vector<std::string_view> defaults = Split(param.default_value, ' ');
          for (size_t c = 0; c * 4 + 3 < words.size(); ++c) {
            int64_t hard = 0, soft = 0;
            ParseInt64(words[c * 4 + 1], &hard);
            ParseInt64(words[c * 4 + 2], &soft);
            const bool force =
                c * 4 + 3 >= defaults.size() || words[c * 4 + 1] != defaults[c * 4 + 1] ||
                words[c * 4 + 2] != defaults[c * 4 + 2] || words[c * 4 + 3] != defaults[c * 4 + 3];
            const std::string_view class_name = c == 1 ? "replica" : kBufferClasses[c];
            rewrite_line(param.name,
                         StrCat(param.name, " ", class_name, " ", FormatMemory(hard), " ",
                                FormatMemory(soft), " ", words[c * 4 + 3]),
                         force);
          }
          break;
        }
      }
    }
  }
  // Lines of rewritten options that were not reused (duplicates) go.
  for (const auto& [option, indexes] : option_lines) {
    auto it = used.find(option);
    const size_t reused = it == used.end() ? 0 : it->second;
    for (size_t k = reused; k < indexes.size(); ++k) lines[indexes[k]].clear();
  }
  // Every run of empty lines becomes one.
  std::string content;
  bool was_empty = false;
  for (const std::string& line : lines) {
    if (line.empty()) {
      if (was_empty) continue;
      was_empty = true;
    } else {
      was_empty = false;
    }
    content += line;
    content += '\n';
  }
  const std::string temp = StrCat(path, ".tmp-", getpid());
  {
    std::ofstream out(temp, std::ios::trunc | std::ios::binary);
    out << content;
    out.flush();
    if (!out) {
      const int saved = errno;
      std::remove(temp.c_str());
      return absl::InternalError(StrCat("Rewriting config file: ", std::strerror(saved)));
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::remove(temp.c_str());
    return absl::InternalError(StrCat("Rewriting config file: ", std::strerror(saved)));
  }
  return absl::OkStatus();
}

std::optional<std::string> Config::Get(std::string_view name) const {
  const Param* param = Find(name);
  if (param == nullptr) return std::nullopt;
  absl::MutexLock lock(&mu_);
  return values_[param - Params().data()];
}

std::vector<std::pair<std::string, std::string>> Config::Match(
    const std::vector<std::string_view>& patterns) const {
  // As Redis's CONFIG GET: a name without glob characters is looked up and
  // reported as the client spelled it; a pattern is matched against every
  // name and alias. Each parameter name appears once (compared without case).
  std::vector<std::pair<std::string, std::string>> out;
  auto listed = [&](std::string_view name) {
    for (const auto& [n, v] : out) {
      if (EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  absl::MutexLock lock(&mu_);
  for (std::string_view pattern : patterns) {
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      const Param* param = Find(pattern);
      if (param != nullptr && !listed(pattern)) {
        out.emplace_back(std::string(pattern), values_[param - Params().data()]);
      }
      continue;
    }
    for (size_t i = 0; i < Params().size(); ++i) {
      const Param& param = Params()[i];
      if (param.hidden) continue;
      for (std::string_view name : {param.name, param.alias}) {
        if (name.empty() || listed(name)) continue;
        if (GlobMatch(pattern, name, true)) out.emplace_back(std::string(name), values_[i]);
      }
    }
  }
  return out;
}

int64_t Config::GetInt(std::string_view name) const {
  int64_t value = 0;
  std::optional<std::string> text = Get(name);
  if (text) ParseInt64(*text, &value);
  return value;
}

bool Config::GetBool(std::string_view name) const { return Get(name).value_or("no") == "yes"; }

}  // namespace valkdb
