#include "server/commands/config.h"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "protocol/str_util.h"
#include "protocol/request_parser.h"

namespace valkdb {
namespace {

using K = Config::Kind;

// Redis 7.0's parameters that valkdb knows, with Redis's defaults where
// valkdb behaves the same. bind defaults to loopback (valkdb's safe default);
// save is empty because valkdb has no persistence yet.
const std::vector<Config::Param>& ParamTable() {
  static const auto* params = new std::vector<Config::Param>{
      {"bind", "", K::kString, "127.0.0.1", true},
      {"port", "", K::kInt, "6379", true, 0, 65535},
      {"threads", "", K::kInt, "1", true, 1, 64},
      {"databases", "", K::kInt, "16", true, 1, INT32_MAX},
      {"maxclients", "", K::kInt, "10000", false, 1, INT32_MAX},
      {"timeout", "", K::kInt, "0", false, 0, INT32_MAX},
      {"tcp-keepalive", "", K::kInt, "300", false, 0, INT32_MAX},
      {"tcp-backlog", "", K::kInt, "511", true, 0, INT32_MAX},
      {"requirepass", "", K::kString, "", false},
      {"protected-mode", "", K::kBool, "yes", false},
      {"proto-max-bulk-len", "", K::kMemory, "536870912", false, 1024 * 1024, INT64_MAX},
      {"client-query-buffer-limit", "", K::kMemory, "1073741824", false, 1024 * 1024,
       INT64_MAX},
      {"client-output-buffer-limit", "", K::kString,
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", false},
      {"maxmemory", "", K::kMemory, "0", false},
      {"maxmemory-policy", "", K::kEnum, "noeviction", false, 0, 0,
       "volatile-lru allkeys-lru volatile-lfu allkeys-lfu volatile-random allkeys-random "
       "volatile-ttl noeviction"},
      {"maxmemory-samples", "", K::kInt, "5", false, 1, 64},
      {"maxmemory-clients", "", K::kMemory, "0", false},
      {"hz", "", K::kInt, "10", false, 1, 500},
      {"dynamic-hz", "", K::kBool, "yes", false},
      {"active-expire-effort", "", K::kInt, "1", false, 1, 10},
      {"save", "", K::kString, "", false},
      {"appendonly", "", K::kBool, "no", false},
      {"appendfsync", "", K::kEnum, "everysec", false, 0, 0, "always everysec no"},
      {"appendfilename", "", K::kString, "appendonly.aof", true},
      {"appenddirname", "", K::kString, "appendonlydir", true},
      {"dbfilename", "", K::kString, "dump.rdb", false},
      {"dir", "", K::kString, "", false},
      {"loglevel", "", K::kEnum, "notice", false, 0, 0, "debug verbose notice warning nothing"},
      {"logfile", "", K::kString, "", true},
      {"daemonize", "", K::kBool, "no", true},
      {"pidfile", "", K::kString, "", false},
      {"io-threads", "", K::kInt, "1", true, 1, 128},
      {"io-threads-do-reads", "", K::kBool, "no", true},
      {"lazyfree-lazy-eviction", "", K::kBool, "no", false},
      {"lazyfree-lazy-expire", "", K::kBool, "no", false},
      {"lazyfree-lazy-server-del", "", K::kBool, "no", false},
      {"lazyfree-lazy-user-del", "", K::kBool, "no", false},
      {"lazyfree-lazy-user-flush", "", K::kBool, "no", false},
      {"activerehashing", "", K::kBool, "yes", false},
      {"notify-keyspace-events", "", K::kString, "", false},
      {"slowlog-log-slower-than", "", K::kInt, "10000", false, -1, INT64_MAX},
      {"slowlog-max-len", "", K::kInt, "128", false, 0, INT64_MAX},
      {"latency-monitor-threshold", "", K::kInt, "0", false, 0, INT64_MAX},
      {"busy-reply-threshold", "lua-time-limit", K::kInt, "5000", false, 0, INT64_MAX},
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", K::kInt, "128", false},
      {"hash-max-listpack-value", "hash-max-ziplist-value", K::kInt, "64", false},
      {"list-max-listpack-size", "list-max-ziplist-size", K::kInt, "-2", false, INT32_MIN,
       INT32_MAX},
      {"list-compress-depth", "", K::kInt, "0", false},
      {"set-max-intset-entries", "", K::kInt, "512", false},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", K::kInt, "128", false},
      {"zset-max-listpack-value", "zset-max-ziplist-value", K::kInt, "64", false},
      {"hll-sparse-max-bytes", "", K::kMemory, "3000", false},
      {"stream-node-max-bytes", "", K::kMemory, "4096", false},
      {"stream-node-max-entries", "", K::kInt, "100", false},
      {"lfu-log-factor", "", K::kInt, "10", false},
      {"lfu-decay-time", "", K::kInt, "1", false},
      {"replica-read-only", "slave-read-only", K::kBool, "yes", false},
      {"cluster-enabled", "", K::kBool, "no", true},
      {"supervised", "", K::kEnum, "no", true, 0, 0, "upstart systemd auto no"},
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
  static constexpr Unit kUnits[] = {{"kb", 1024},       {"mb", 1024 * 1024},
                                    {"gb", 1024LL << 30}, {"k", 1000},
                                    {"m", 1000 * 1000}, {"g", 1000LL * 1000 * 1000},
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

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  auto lower = [&](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  size_t p = 0, s = 0;
  while (p < pattern.size()) {
    switch (pattern[p]) {
      case '*': {
        while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
        if (p + 1 == pattern.size()) return true;
        for (size_t i = s; i <= text.size(); ++i) {
          if (GlobMatch(pattern.substr(p + 1), text.substr(i), nocase)) return true;
        }
        return false;
      }
      case '?':
        if (s == text.size()) return false;
        ++s;
        break;
      case '[': {
        if (s == text.size()) return false;
        ++p;
        bool negate = p < pattern.size() && pattern[p] == '^';
        if (negate) ++p;
        bool match = false;
        while (p < pattern.size() && pattern[p] != ']') {
          if (pattern[p] == '\\' && p + 1 < pattern.size()) {
            ++p;
            if (lower(pattern[p]) == lower(text[s])) match = true;
          } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
            char start = lower(pattern[p]), end = lower(pattern[p + 2]);
            if (start > end) std::swap(start, end);
            char c = lower(text[s]);
            if (c >= start && c <= end) match = true;
            p += 2;
          } else if (lower(pattern[p]) == lower(text[s])) {
            match = true;
          }
          ++p;
        }
        if (p == pattern.size()) --p;  // unterminated class: Redis treats the end as ']'
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        break;
      }
      case '\\':
        if (p + 1 < pattern.size()) ++p;
        [[fallthrough]];
      default:
        if (s == text.size() || lower(pattern[p]) != lower(text[s])) return false;
        ++s;
        break;
    }
    ++p;
  }
  return s == text.size();
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

absl::Status Config::SetLocked(const Param& param, std::string value) {
  switch (param.kind) {
    case Kind::kString:
      break;
    case Kind::kBool: {
      bool b;
      if (!ParseBool(value, &b)) return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
      value = b ? "yes" : "no";
      break;
    }
    case Kind::kInt: {
      int64_t v;
      if (!ParseInt64(value, &v)) return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
      if (v < param.min || v > param.max) {
        return absl::InvalidArgumentError(
            StrCat("argument must be between ", param.min, " and ", param.max, " inclusive"));
      }
      value = StrCat(v);
      break;
    }
    case Kind::kMemory: {
      std::optional<int64_t> v = ParseMemory(value);
      if (!v) return absl::InvalidArgumentError("argument must be a memory value");
      if (*v < param.min || *v > param.max) {
        return absl::InvalidArgumentError(
            StrCat("argument must be between ", param.min, " and ", param.max, " inclusive"));
      }
      value = StrCat(*v);
      break;
    }
    case Kind::kEnum: {
      std::string lower = AsciiLower(value);
      bool known = false;
      std::vector<std::string> choices;
      for (std::string_view choice : Split(param.choices, ' ')) {
        known |= choice == lower;
        choices.emplace_back(choice);
      }
      if (!known) {
        return absl::InvalidArgumentError("argument(s) must be one of the following: " +
                                          Join(choices, ", "));
      }
      value = lower;
      break;
    }
  }
  values_[&param - Params().data()] = std::move(value);
  return absl::OkStatus();
}

absl::Status Config::Apply(std::string_view name, const std::vector<std::string>& words) {
  const Param* param = Find(name);
  if (param == nullptr) return absl::NotFoundError("Bad directive or wrong number of arguments");
  if (words.empty() && param->kind != Kind::kString) {
    return absl::InvalidArgumentError("wrong number of arguments");
  }
  absl::MutexLock lock(&mu_);
  return SetLocked(*param, Join(words, " "));
}

absl::Status Config::LoadText(std::string_view text) {
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
    for (size_t i = 1; i < spans.size(); ++i) words.push_back(storage.substr(spans[i].first, spans[i].second));
    absl::Status status = Apply(name, words);
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
  if (i < argc && !std::string_view(argv[i]).starts_with("--")) {
    absl::Status status = LoadFile(argv[i]);
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
    for (++i; i < argc && !std::string_view(argv[i]).starts_with("--"); ++i) words.emplace_back(argv[i]);
    absl::Status status = Apply(name, words);
    if (!status.ok()) {
      return absl::InvalidArgumentError(StrCat("--", name, ": ", status.message()));
    }
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
  std::vector<std::pair<std::string, std::string>> out;
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < Params().size(); ++i) {
    const Param& param = Params()[i];
    for (std::string_view pattern : patterns) {
      bool name_match = GlobMatch(pattern, param.name, true);
      bool alias_match = !param.alias.empty() && GlobMatch(pattern, param.alias, true);
      if (name_match) out.emplace_back(std::string(param.name), values_[i]);
      if (alias_match) out.emplace_back(std::string(param.alias), values_[i]);
      if (name_match || alias_match) break;
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
