#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace valkdb {

// Server settings under Redis 7's parameter names, from the built-in
// defaults, a redis.conf-style file and `--name value` flags (and later
// CONFIG SET). Thread-safe.
class Config {
 public:
  enum class Kind { kString, kInt, kBool, kMemory, kEnum };
  struct Param {
    std::string_view name;
    std::string_view alias;  // an older name Redis still accepts ("" if none)
    Kind kind;
    std::string_view default_value;
    bool immutable;       // only settable at start-up
    int64_t min = 0;      // kInt / kMemory bounds
    int64_t max = INT64_MAX;
    std::string_view choices = "";  // kEnum: space-separated
  };

  Config();

  // Applies one setting given as words (`save 3600 1` -> "save", {"3600", "1"}).
  absl::Status Apply(std::string_view name, const std::vector<std::string>& words);
  // Applies redis.conf syntax: one directive per line, # comments, quoting.
  absl::Status LoadText(std::string_view text);
  absl::Status LoadFile(const std::string& path);
  // `valkdb-server [config-file] [--name value ...]`, as redis-server takes them.
  absl::Status LoadArgs(int argc, const char* const* argv);

  std::optional<std::string> Get(std::string_view name) const;
  // name/value pairs whose name (or alias) matches any glob pattern, in table order.
  std::vector<std::pair<std::string, std::string>> Match(
      const std::vector<std::string_view>& patterns) const;

  // Typed reads of settings used at start-up and on hot paths.
  int64_t GetInt(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  std::string GetString(std::string_view name) const { return Get(name).value_or(""); }

  static const std::vector<Param>& Params();

 private:
  const Param* Find(std::string_view name) const;
  absl::Status SetLocked(const Param& param, std::string value) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::string> values_ ABSL_GUARDED_BY(mu_);  // by index into Params()
};

// Redis's memtoull: "512mb" -> bytes (k=1000, kb=1024, m, mb, g, gb).
std::optional<int64_t> ParseMemory(std::string_view text);
// Redis's stringmatchlen: glob match with * ? [a-z] [^x] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase);

}  // namespace valkdb
