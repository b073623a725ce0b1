#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/reply.h"
#include "client/request.h"
#include "protocol/resp_value.h"

namespace valkdb {

struct SetOptions {
  // Expire after this long (EX when whole seconds, else PX); zero: no expiry.
  absl::Duration ttl = absl::ZeroDuration();
  bool only_if_absent = false;   // NX
  bool only_if_present = false;  // XX
  bool keep_ttl = false;         // KEEPTTL
};

using KeyValue = std::pair<std::string_view, std::string_view>;

namespace client_internal {
Request SetRequest(std::string_view key, std::string_view value, const SetOptions& options);
Request KeyArgsRequest(std::string_view name, std::string_view key,
                       absl::Span<const std::string_view> args);
Request PairsRequest(std::string_view name, absl::Span<const KeyValue> pairs);
Request KeyPairsRequest(std::string_view name, std::string_view key,
                        absl::Span<const KeyValue> pairs);
Request ScanRequest(std::string_view cursor, std::string_view match, int64_t count);
std::string FormatNumber(double value);
std::string FormatNumber(int64_t value);
}  // namespace client_internal

// The typed command API, written once for every client: Result is
// absl::StatusOr for the blocking Client and ClientPool, Future for AsyncClient.
// A server error reply becomes a status carrying the server's text.
template <typename Derived, template <typename> class Result>
class Commands {
 public:
  // Any command; the reply as the server sent it (errors become a status).
  Result<RespValue> Command(const Request& request) { return Run(request, &reply::AsValue); }

  // Connection and server.
  Result<std::string> Ping() { return Run({"PING"}, &reply::AsString); }
  Result<std::string> Echo(std::string_view message) {
    return Run({"ECHO", message}, &reply::AsString);
  }
  Result<int64_t> DbSize() { return Run({"DBSIZE"}, &reply::AsInteger); }
  Result<Done> FlushDb() { return Run({"FLUSHDB"}, &reply::AsDone); }
  Result<Done> FlushAll() { return Run({"FLUSHALL"}, &reply::AsDone); }
  Result<int64_t> Publish(std::string_view channel, std::string_view message) {
    return Run({"PUBLISH", channel, message}, &reply::AsInteger);
  }

  // Strings.
  Result<std::optional<std::string>> Get(std::string_view key) {
    return Run({"GET", key}, &reply::AsOptionalString);
  }
  // True when the value was stored; false when NX/XX said not to.
  Result<bool> Set(std::string_view key, std::string_view value, const SetOptions& options = {}) {
    return Run(client_internal::SetRequest(key, value, options), &reply::AsOkOrNull);
  }
  Result<std::optional<std::string>> GetDel(std::string_view key) {
    return Run({"GETDEL", key}, &reply::AsOptionalString);
  }
  Result<std::vector<std::optional<std::string>>> MGet(absl::Span<const std::string_view> keys) {
    return Run(Request("MGET", keys), &reply::AsOptionalStringList);
  }
  Result<Done> MSet(absl::Span<const KeyValue> pairs) {
    return Run(client_internal::PairsRequest("MSET", pairs), &reply::AsDone);
  }
  Result<int64_t> Incr(std::string_view key) { return Run({"INCR", key}, &reply::AsInteger); }
  Result<int64_t> IncrBy(std::string_view key, int64_t by) {
    return Run({"INCRBY", key, client_internal::FormatNumber(by)}, &reply::AsInteger);
  }
  Result<int64_t> Decr(std::string_view key) { return Run({"DECR", key}, &reply::AsInteger); }
  Result<int64_t> DecrBy(std::string_view key, int64_t by) {
    return Run({"DECRBY", key, client_internal::FormatNumber(by)}, &reply::AsInteger);
  }
  Result<double> IncrByFloat(std::string_view key, double by) {
    return Run({"INCRBYFLOAT", key, client_internal::FormatNumber(by)}, &reply::AsDouble);
  }
  Result<int64_t> Append(std::string_view key, std::string_view value) {
    return Run({"APPEND", key, value}, &reply::AsInteger);
  }
  Result<int64_t> StrLen(std::string_view key) { return Run({"STRLEN", key}, &reply::AsInteger); }

  // Keys.
  Result<int64_t> Del(std::string_view key) { return Run({"DEL", key}, &reply::AsInteger); }
  Result<int64_t> Del(absl::Span<const std::string_view> keys) {
    return Run(Request("DEL", keys), &reply::AsInteger);
  }
  Result<int64_t> Del(std::initializer_list<std::string_view> keys) {
    return Del(absl::Span<const std::string_view>(keys.begin(), keys.size()));
  }
  Result<bool> Exists(std::string_view key) { return Run({"EXISTS", key}, &reply::AsBool); }
  // How many of the keys exist (a key named twice counts twice).
  Result<int64_t> Exists(absl::Span<const std::string_view> keys) {
    return Run(Request("EXISTS", keys), &reply::AsInteger);
  }
  Result<int64_t> Exists(std::initializer_list<std::string_view> keys) {
    return Exists(absl::Span<const std::string_view>(keys.begin(), keys.size()));
  }
  Result<bool> Expire(std::string_view key, int64_t seconds) {
    return Run({"EXPIRE", key, client_internal::FormatNumber(seconds)}, &reply::AsBool);
  }
  Result<bool> PExpire(std::string_view key, int64_t milliseconds) {
    return Run({"PEXPIRE", key, client_internal::FormatNumber(milliseconds)}, &reply::AsBool);
  }
  // Seconds to live; -1 without an expiry, -2 when the key does not exist.
  Result<int64_t> Ttl(std::string_view key) { return Run({"TTL", key}, &reply::AsInteger); }
  Result<int64_t> PTtl(std::string_view key) { return Run({"PTTL", key}, &reply::AsInteger); }
  Result<bool> Persist(std::string_view key) { return Run({"PERSIST", key}, &reply::AsBool); }
  Result<std::string> Type(std::string_view key) { return Run({"TYPE", key}, &reply::AsString); }
  Result<Done> Rename(std::string_view key, std::string_view new_key) {
    return Run({"RENAME", key, new_key}, &reply::AsDone);
  }
  Result<std::vector<std::string>> Keys(std::string_view pattern) {
    return Run({"KEYS", pattern}, &reply::AsStringList);
  }
  Result<ScanPage> Scan(std::string_view cursor, std::string_view match = {}, int64_t count = 0) {
    return Run(client_internal::ScanRequest(cursor, match, count), &reply::AsScanPage);
  }

  // Hashes.
  Result<int64_t> HSet(std::string_view key, std::string_view field, std::string_view value) {
    return Run({"HSET", key, field, value}, &reply::AsInteger);
  }
  Result<int64_t> HSet(std::string_view key, absl::Span<const KeyValue> fields) {
    return Run(client_internal::KeyPairsRequest("HSET", key, fields), &reply::AsInteger);
  }
  Result<std::optional<std::string>> HGet(std::string_view key, std::string_view field) {
    return Run({"HGET", key, field}, &reply::AsOptionalString);
  }
  Result<std::vector<std::pair<std::string, std::string>>> HGetAll(std::string_view key) {
    return Run({"HGETALL", key}, &reply::AsStringPairs);
  }
  Result<int64_t> HDel(std::string_view key, absl::Span<const std::string_view> fields) {
    return Run(client_internal::KeyArgsRequest("HDEL", key, fields), &reply::AsInteger);
  }
  Result<bool> HExists(std::string_view key, std::string_view field) {
    return Run({"HEXISTS", key, field}, &reply::AsBool);
  }
  Result<int64_t> HLen(std::string_view key) { return Run({"HLEN", key}, &reply::AsInteger); }
  Result<int64_t> HIncrBy(std::string_view key, std::string_view field, int64_t by) {
    return Run({"HINCRBY", key, field, client_internal::FormatNumber(by)}, &reply::AsInteger);
  }

  // Lists.
  Result<int64_t> LPush(std::string_view key, absl::Span<const std::string_view> values) {
    return Run(client_internal::KeyArgsRequest("LPUSH", key, values), &reply::AsInteger);
  }
  Result<int64_t> RPush(std::string_view key, absl::Span<const std::string_view> values) {
    return Run(client_internal::KeyArgsRequest("RPUSH", key, values), &reply::AsInteger);
  }
  Result<std::optional<std::string>> LPop(std::string_view key) {
    return Run({"LPOP", key}, &reply::AsOptionalString);
  }
  Result<std::optional<std::string>> RPop(std::string_view key) {
    return Run({"RPOP", key}, &reply::AsOptionalString);
  }
  Result<std::vector<std::string>> LRange(std::string_view key, int64_t start, int64_t stop) {
    return Run(
        {"LRANGE", key, client_internal::FormatNumber(start), client_internal::FormatNumber(stop)},
        &reply::AsStringList);
  }
  Result<int64_t> LLen(std::string_view key) { return Run({"LLEN", key}, &reply::AsInteger); }

  // Sets.
  Result<int64_t> SAdd(std::string_view key, absl::Span<const std::string_view> members) {
    return Run(client_internal::KeyArgsRequest("SADD", key, members), &reply::AsInteger);
  }
  Result<int64_t> SRem(std::string_view key, absl::Span<const std::string_view> members) {
    return Run(client_internal::KeyArgsRequest("SREM", key, members), &reply::AsInteger);
  }
  Result<std::vector<std::string>> SMembers(std::string_view key) {
    return Run({"SMEMBERS", key}, &reply::AsStringList);
  }
  Result<bool> SIsMember(std::string_view key, std::string_view member) {
    return Run({"SISMEMBER", key, member}, &reply::AsBool);
  }
  Result<int64_t> SCard(std::string_view key) { return Run({"SCARD", key}, &reply::AsInteger); }

  // Sorted sets.
  Result<int64_t> ZAdd(std::string_view key, double score, std::string_view member) {
    return Run({"ZADD", key, client_internal::FormatNumber(score), member}, &reply::AsInteger);
  }
  Result<std::optional<double>> ZScore(std::string_view key, std::string_view member) {
    return Run({"ZSCORE", key, member}, &reply::AsOptionalDouble);
  }
  Result<double> ZIncrBy(std::string_view key, double by, std::string_view member) {
    return Run({"ZINCRBY", key, client_internal::FormatNumber(by), member}, &reply::AsDouble);
  }
  Result<std::vector<std::string>> ZRange(std::string_view key, int64_t start, int64_t stop) {
    return Run(
        {"ZRANGE", key, client_internal::FormatNumber(start), client_internal::FormatNumber(stop)},
        &reply::AsStringList);
  }
  Result<std::vector<std::pair<std::string, double>>> ZRangeWithScores(std::string_view key,
                                                                       int64_t start,
                                                                       int64_t stop) {
    return Run({"ZRANGE", key, client_internal::FormatNumber(start),
                client_internal::FormatNumber(stop), "WITHSCORES"},
               &reply::AsScoredMembers);
  }
  Result<int64_t> ZRem(std::string_view key, absl::Span<const std::string_view> members) {
    return Run(client_internal::KeyArgsRequest("ZREM", key, members), &reply::AsInteger);
  }
  Result<int64_t> ZCard(std::string_view key) { return Run({"ZCARD", key}, &reply::AsInteger); }

 protected:
  template <typename T>
  Result<T> Run(const Request& request, reply::Converter<T> convert) {
    return static_cast<Derived*>(this)->template Invoke<T>(request, convert);
  }
};

}  // namespace valkdb
