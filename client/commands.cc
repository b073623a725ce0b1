#include "client/commands.h"

#include <cmath>
#include <cstdio>

#include "protocol/str_util.h"

namespace valkdb::client_internal {

std::string FormatNumber(int64_t value) { return std::to_string(value); }

std::string FormatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "+inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  return buf;
}

Request SetRequest(std::string_view key, std::string_view value, const SetOptions& options) {
  std::vector<std::string_view> args = {"SET", key, value};
  std::string ttl;
  if (options.ttl > absl::ZeroDuration()) {
    const bool whole_seconds = options.ttl == absl::Seconds(absl::ToInt64Seconds(options.ttl));
    if (whole_seconds) {
      ttl = std::to_string(absl::ToInt64Seconds(options.ttl));
      args.push_back("EX");
    } else {
      // Round up: a sub-millisecond TTL still expires, it does not become 0 (an error).
      ttl =
          std::to_string(absl::ToInt64Milliseconds(absl::Ceil(options.ttl, absl::Milliseconds(1))));
      args.push_back("PX");
    }
    args.push_back(ttl);
  }
  if (options.only_if_absent) args.push_back("NX");
  if (options.only_if_present) args.push_back("XX");
  if (options.keep_ttl) args.push_back("KEEPTTL");
  return Request(args);
}

Request KeyArgsRequest(std::string_view name, std::string_view key,
                       absl::Span<const std::string_view> args) {
  std::vector<std::string_view> all;
  all.reserve(args.size() + 2);
  all.push_back(name);
  all.push_back(key);
  all.insert(all.end(), args.begin(), args.end());
  return Request(all);
}

namespace {
Request PairsWithPrefix(std::initializer_list<std::string_view> prefix,
                        absl::Span<const KeyValue> pairs) {
  std::vector<std::string_view> all(prefix);
  all.reserve(pairs.size() * 2 + prefix.size());
  for (const KeyValue& kv : pairs) {
    all.push_back(kv.first);
    all.push_back(kv.second);
  }
  return Request(all);
}
}  // namespace

Request PairsRequest(std::string_view name, absl::Span<const KeyValue> pairs) {
  return PairsWithPrefix({name}, pairs);
}

Request KeyPairsRequest(std::string_view name, std::string_view key,
                        absl::Span<const KeyValue> pairs) {
  return PairsWithPrefix({name, key}, pairs);
}

Request ScanRequest(std::string_view cursor, std::string_view match, int64_t count) {
  std::vector<std::string_view> args = {"SCAN", cursor};
  std::string count_text;
  if (!match.empty()) {
    args.push_back("MATCH");
    args.push_back(match);
  }
  if (count > 0) {
    count_text = std::to_string(count);
    args.push_back("COUNT");
    args.push_back(count_text);
  }
  return Request(args);
}

}  // namespace valkdb::client_internal
