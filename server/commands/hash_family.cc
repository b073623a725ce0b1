// HSET HSETNX HMSET HGET HMGET HGETALL HKEYS HVALS HDEL HLEN HSTRLEN HEXISTS
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN
//
// Each follows its Redis 7.0 counterpart in t_hash.c. A hash starts inline in
// its entry as a packed list of fields and values (Redis's listpack, in
// insertion order) and moves to a PackedTable (Redis's hashtable) once it
// has more than hash-max-listpack-entries fields or a field or value longer
// than hash-max-listpack-value bytes; it never moves back. Dispatch locks
// the key's shard (kCmdLocksKeys) before a handler runs.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"

namespace valkdb {
namespace {

constexpr Entry::Type kHash = Entry::Type::kHash;

// Read access to a hash of either encoding.
class HashRef {
 public:
  explicit HashRef(const Entry* entry) : entry_(entry) {}

  size_t Length() const {
    return entry_->is_table() ? entry_->table()->size() : packed::Count(entry_->value_view()) / 2;
  }
  bool Get(std::string_view field, std::string_view* value) const {
    if (entry_->is_table()) return entry_->table()->Find(field, value);
    packed::Record record;
    if (!packed::Find(entry_->value_view(), field, 2, &record)) return false;
    *value = record.second;
    return true;
  }
  // The value as a reply: inline values are shared with the entry, not copied.
  void ReplyValue(RespWriter& out, std::string_view value) const {
    if (entry_->is_table()) {
      out.Bulk(value);
    } else {
      out.Bulk(entry_->Share(value));
    }
  }
  template <class Fn>
  void ForEach(Fn fn) const {
    if (entry_->is_table()) {
      entry_->table()->ForEach(fn);
      return;
    }
    packed::Reader reader(entry_->value_view());
    std::string_view field, value;
    while (reader.Next(&field) && reader.Next(&value)) fn(field, value);
  }

 private:
  const Entry* entry_;
};

// Moves an inline hash to a table (Redis's hashTypeConvert to HT).
Entry* ConvertToTable(Shard& shard, std::string_view key,
                      Entry* entry) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  auto* table = new PackedTable(2);
  HashRef(entry).ForEach([&](std::string_view f, std::string_view v) { table->Insert(f, v); });
  shard.Put(key, Entry::MakeTable(key, kHash, table), std::nullopt, true);
  return shard.FindMutable(key, 0);
}

// Sets field to value in the hash held by *entry (created when null), as
// Redis's hashTypeSet; true when the field is new. *entry follows the entry
// when it is rebuilt.
bool HashSet(CommandContext& ctx, Shard& shard, std::string_view key, Entry** entry,
             std::string_view field, std::string_view value) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const Config& config = *ctx.server.config;
  if (*entry == nullptr) {
    shard.Put(key, Entry::MakeCompact(key, kHash, {}), std::nullopt, false);
    *entry = shard.FindMutable(key, ctx.now_ms);
  }
  const auto max_value = static_cast<uint64_t>(config.hash_max_listpack_value());
  if (!(*entry)->is_table() && (field.size() > max_value || value.size() > max_value)) {
    *entry = ConvertToTable(shard, key, *entry);
  }
  if ((*entry)->is_table()) return (*entry)->table()->Insert(field, value);

  const std::string_view bytes = (*entry)->value_view();
  std::string& scratch = Scratch();
  packed::Record record;
  const bool found = packed::Find(bytes, field, 2, &record);
  if (found) {
    packed::Splice(bytes, record.offset, record.size, &field, &value, &scratch);
  } else {
    packed::Splice(bytes, bytes.size(), 0, &field, &value, &scratch);
  }
  WriteCompact(shard, key, scratch);
  *entry = shard.FindMutable(key, ctx.now_ms);
  if (!found &&
      packed::Count(scratch) / 2 > static_cast<uint64_t>(config.hash_max_listpack_entries())) {
    *entry = ConvertToTable(shard, key, *entry);
  }
  return !found;
}

// Removes a field; true when it was there. The caller deletes an emptied key.
bool HashDelete(Shard& shard, std::string_view key, Entry* entry,
                std::string_view field) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (entry->is_table()) return entry->table()->Erase(field);
  const std::string_view bytes = entry->value_view();
  packed::Record record;
  if (!packed::Find(bytes, field, 2, &record)) return false;
  std::string& scratch = Scratch();
  packed::Splice(bytes, record.offset, record.size, nullptr, nullptr, &scratch);
  WriteCompact(shard, key, scratch);
  return true;
}

// A hash for reading: nullptr when missing (after replying `missing`, which
// may be empty to reply nothing) or of another type.
const Entry* ReadHash(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  *wrongtype = LookupTyped(ctx, ctx.shard(key), key, kHash, true, &entry) == Lookup::kWrongType;
  return entry;
}

void CmdHSet(CommandContext& ctx) {
  if (ctx.argc() % 2 == 1) {
    ReplyWrongArity(ctx, ctx.client.last_command);
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kHash, false, &entry) == Lookup::kWrongType) return;
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    created += HashSet(ctx, shard, key, &entry, ctx.arg(i), ctx.arg(i + 1));
  }
  ctx.KeyModified(key);
  ctx.Notify(kEventHash, "hset", key);
  if (ctx.client.last_command == "hmset") {
    ctx.out.Ok();
  } else {
    ctx.out.Integer(created);
  }
}

void CmdHSetNx(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kHash, false, &entry) == Lookup::kWrongType) return;
  std::string_view existing;
  if (entry != nullptr && HashRef(entry).Get(ctx.arg(2), &existing)) {
    ctx.out.Integer(0);
    return;
  }
  HashSet(ctx, shard, key, &entry, ctx.arg(2), ctx.arg(3));
  ctx.KeyModified(key);
  ctx.Notify(kEventHash, "hset", key);
  ctx.out.Integer(1);
}

void CmdHGet(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  std::string_view value;
  if (entry == nullptr || !HashRef(entry).Get(ctx.arg(2), &value)) {
    ctx.out.Null();
    return;
  }
  HashRef(entry).ReplyValue(ctx.out, value);
}

void CmdHMGet(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view value;
    if (entry != nullptr && HashRef(entry).Get(ctx.arg(i), &value)) {
      HashRef(entry).ReplyValue(ctx.out, value);
    } else {
      ctx.out.Null();
    }
  }
}

enum class GetAll { kKeys, kValues, kBoth };

// HKEYS HVALS HGETALL, as Redis's genericHgetallCommand.
void HashGetAll(CommandContext& ctx, GetAll what) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  const size_t length = entry == nullptr ? 0 : HashRef(entry).Length();
  if (what == GetAll::kBoth) {
    ctx.out.Map(length);
  } else {
    ctx.out.Array(length);
  }
  if (entry == nullptr) return;
  const HashRef hash(entry);
  hash.ForEach([&](std::string_view field, std::string_view value) {
    if (what != GetAll::kValues) hash.ReplyValue(ctx.out, field);
    if (what != GetAll::kKeys) hash.ReplyValue(ctx.out, value);
  });
}

void CmdHGetAll(CommandContext& ctx) { HashGetAll(ctx, GetAll::kBoth); }
void CmdHKeys(CommandContext& ctx) { HashGetAll(ctx, GetAll::kKeys); }
void CmdHVals(CommandContext& ctx) { HashGetAll(ctx, GetAll::kValues); }

void CmdHDel(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kHash, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Integer(0);
    return;
  }
  int64_t deleted = 0;
  bool emptied = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (HashDelete(shard, key, entry, ctx.arg(i))) {
      ++deleted;
      entry = shard.FindMutable(key, ctx.now_ms);
      if (HashRef(entry).Length() == 0) {
        AssumeLocked(shard);
        shard.Erase(key);
        emptied = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    ctx.KeyModified(key);
    ctx.Notify(kEventHash, "hdel", key);
    if (emptied) ctx.Notify(kEventGeneric, "del", key);
  }
  ctx.out.Integer(deleted);
}

void CmdHLen(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Integer(entry == nullptr ? 0 : static_cast<int64_t>(HashRef(entry).Length()));
}

void CmdHStrLen(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  std::string_view value;
  const bool found = entry != nullptr && HashRef(entry).Get(ctx.arg(2), &value);
  ctx.out.Integer(found ? static_cast<int64_t>(value.size()) : 0);
}

void CmdHExists(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  std::string_view value;
  ctx.out.Integer(entry != nullptr && HashRef(entry).Get(ctx.arg(2), &value) ? 1 : 0);
}

void CmdHIncrBy(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntArg(ctx, ctx.arg(3), &incr)) return;
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kHash, false, &entry) == Lookup::kWrongType) return;
  int64_t value = 0;
  std::string_view current;
  if (entry != nullptr && HashRef(entry).Get(ctx.arg(2), &current) &&
      !ParseInt64(current, &value)) {
    ctx.out.Error("hash value is not an integer");
    return;
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    ctx.out.Error(errors::kOverflow);
    return;
  }
  value += incr;
  HashSet(ctx, shard, key, &entry, ctx.arg(2), StrCat(value));
  ctx.KeyModified(key);
  ctx.Notify(kEventHash, "hincrby", key);
  ctx.out.Integer(value);
}

void CmdHIncrByFloat(CommandContext& ctx) {
  long double incr = 0;
  if (!ParseLongDouble(ctx.arg(3), &incr)) {
    ctx.out.Error(errors::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.out.Error("value is NaN or Infinity");
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kHash, false, &entry) == Lookup::kWrongType) return;
  long double value = 0;
  std::string_view current;
  if (entry != nullptr && HashRef(entry).Get(ctx.arg(2), &current) &&
      !ParseLongDouble(current, &value)) {
    ctx.out.Error("hash value is not a float");
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.out.Error(errors::kNanOrInfinity);
    return;
  }
  const std::string text = FormatLongDouble(value);
  HashSet(ctx, shard, key, &entry, ctx.arg(2), text);
  ctx.Propagate({"HSET", key, ctx.arg(2), text});
  ctx.KeyModified(key);
  ctx.Notify(kEventHash, "hincrbyfloat", key);
  ctx.out.Bulk(text);
}

// Every (field, value) of a hash, in iteration order, copied out.
std::vector<std::pair<std::string, std::string>> AllPairs(const Entry* entry) {
  std::vector<std::pair<std::string, std::string>> pairs;
  HashRef(entry).ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
  return pairs;
}

// HRANDFIELD key [count [WITHVALUES]], as Redis's hrandfieldCommand.
void CmdHRandField(CommandContext& ctx) {
  thread_local uint64_t rng = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(&rng);
  if (ctx.argc() == 2) {
    bool wrongtype = false;
    const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
    if (wrongtype) return;
    if (entry == nullptr) {
      ctx.out.Null();
      return;
    }
    if (entry->is_table()) {
      ctx.out.Bulk(entry->table()->Random(&rng).first);
      return;
    }
    packed::Record record;
    packed::At(entry->value_view(), NextRandom(&rng) % HashRef(entry).Length(), 2, &record);
    ctx.out.Bulk(entry->Share(record.first));
    return;
  }
  int64_t count = 0;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.out.Error(errors::kNotInteger);
    return;
  }
  if (count == INT64_MIN) {
    ctx.out.Error(
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool withvalues = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withvalues"))) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 4) {
    withvalues = true;
    if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
      ctx.out.Error("value is out of range");
      return;
    }
  }
  bool wrongtype = false;
  Entry* entry = nullptr;
  std::string_view key = ctx.arg(1);
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kHash, true, &entry);
  wrongtype = found == Lookup::kWrongType;
  if (wrongtype) return;
  if (entry == nullptr || count == 0) {
    ctx.out.Array(0);
    return;
  }
  const bool resp3_pairs = withvalues && ctx.client.protocol == 3;
  auto reply_pair = [&](std::string_view f, std::string_view v) {
    if (resp3_pairs) ctx.out.Array(2);
    ctx.out.Bulk(f);
    if (withvalues) ctx.out.Bulk(v);
  };
  const auto per_item = static_cast<size_t>(withvalues && !resp3_pairs ? 2 : 1);
  const size_t size = HashRef(entry).Length();
  if (count < 0) {
    // With repetitions: `-count` independent picks.
    const auto picks = static_cast<size_t>(-count);
    ctx.out.Array(picks * per_item);
    if (entry->is_table()) {
      for (size_t i = 0; i < picks; ++i) {
        auto [f, v] = entry->table()->Random(&rng);
        reply_pair(f, v);
      }
    } else {
      const std::string_view bytes = entry->value_view();
      for (size_t i = 0; i < picks; ++i) {
        packed::Record record;
        packed::At(bytes, NextRandom(&rng) % size, 2, &record);
        reply_pair(record.first, record.second);
      }
    }
    return;
  }
  const auto wanted = static_cast<size_t>(count);
  std::vector<std::pair<std::string, std::string>> pairs = AllPairs(entry);
  if (wanted < size) {
    // Distinct fields: a partial Fisher-Yates shuffle.
    for (size_t i = 0; i < wanted; ++i) {
      std::swap(pairs[i], pairs[i + NextRandom(&rng) % (size - i)]);
    }
    pairs.resize(wanted);
  }
  ctx.out.Array(pairs.size() * per_item);
  for (const auto& [f, v] : pairs) reply_pair(f, v);
}

void CmdHScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.out.Error(errors::kInvalidCursor);
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadHash(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Array(2);
    ctx.out.Bulk("0");
    ctx.out.Array(0);
    return;
  }
  ScanOptions options;
  if (!ParseScanArgs(ctx, 2, false, &cursor, &options)) return;
  std::vector<std::pair<std::string, std::string>> found;
  auto visit = [&](std::string_view f, std::string_view v) {
    if (options.use_pattern && !GlobMatch(options.pattern, f, false)) return;
    found.emplace_back(f, v);
  };
  uint64_t next = 0;
  if (entry->is_table()) {
    // Like Redis: about `count` buckets' worth, never more than 10x as many steps.
    const PackedTable& table = *entry->table();
    size_t steps = static_cast<size_t>(options.count) * 10;
    next = cursor;
    do {
      next = table.Scan(next, visit);
    } while (next != 0 && found.size() < static_cast<size_t>(options.count) && --steps > 0);
  } else {
    HashRef(entry).ForEach(visit);
  }
  ctx.out.Array(2);
  ctx.out.Bulk(StrCat(next));
  ctx.out.Array(found.size() * 2);
  for (const auto& [f, v] : found) {
    ctx.out.Bulk(f);
    ctx.out.Bulk(v);
  }
}

}  // namespace

void RegisterHashFamily(CommandTable* table) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kReadFast = kCmdReadOnly | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kRead = kCmdReadOnly | kCmdLocksKeys;
  table->Register({"hset", -4, kWriteFast, 1, 1, 1, CmdHSet, "hash",
                   "Set the string value of a hash field", "2.0.0", "@write @hash @fast",
                   "RW update",
                   "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                   "when the command is called with multiple field/value pairs."});
  table->Register({"hsetnx", 4, kWriteFast, 1, 1, 1, CmdHSetNx, "hash",
                   "Set the value of a hash field, only if the field does not exist", "2.0.0",
                   "@write @hash @fast", "RW insert"});
  table->Register({"hmset", -4, kWriteFast, 1, 1, 1, CmdHSet, "hash",
                   "Set multiple hash fields to multiple values", "2.0.0", "@write @hash @fast",
                   "RW update", "O(N) where N is the number of fields being set."});
  table->Register({"hget", 3, kReadFast, 1, 1, 1, CmdHGet, "hash", "Get the value of a hash field",
                   "2.0.0", "@read @hash @fast", "RO access"});
  table->Register({"hmget", -3, kReadFast, 1, 1, 1, CmdHMGet, "hash",
                   "Get the values of all the given hash fields", "2.0.0", "@read @hash @fast",
                   "RO access", "O(N) where N is the number of fields being requested."});
  table->Register({"hgetall", 2, kRead, 1, 1, 1, CmdHGetAll, "hash",
                   "Get all the fields and values in a hash", "2.0.0", "@read @hash @slow",
                   "RO access", "O(N) where N is the size of the hash."});
  table->Register({"hkeys", 2, kRead, 1, 1, 1, CmdHKeys, "hash", "Get all the fields in a hash",
                   "2.0.0", "@read @hash @slow", "RO", "O(N) where N is the size of the hash."});
  table->Register({"hvals", 2, kRead, 1, 1, 1, CmdHVals, "hash", "Get all the values in a hash",
                   "2.0.0", "@read @hash @slow", "RO access",
                   "O(N) where N is the size of the hash."});
  table->Register({"hdel", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdHDel, "hash",
                   "Delete one or more hash fields", "2.0.0", "@write @hash @fast", "RW delete",
                   "O(N) where N is the number of fields to be removed."});
  table->Register({"hlen", 2, kReadFast, 1, 1, 1, CmdHLen, "hash",
                   "Get the number of fields in a hash", "2.0.0", "@read @hash @fast", "RO"});
  table->Register({"hstrlen", 3, kReadFast, 1, 1, 1, CmdHStrLen, "hash",
                   "Get the length of the value of a hash field", "3.2.0", "@read @hash @fast",
                   "RO"});
  table->Register({"hexists", 3, kReadFast, 1, 1, 1, CmdHExists, "hash",
                   "Determine if a hash field exists", "2.0.0", "@read @hash @fast", "RO"});
  table->Register({"hincrby", 4, kWriteFast, 1, 1, 1, CmdHIncrBy, "hash",
                   "Increment the integer value of a hash field by the given number", "2.0.0",
                   "@write @hash @fast", "RW access update"});
  table->Register({"hincrbyfloat", 4, kWriteFast, 1, 1, 1, CmdHIncrByFloat, "hash",
                   "Increment the float value of a hash field by the given amount", "2.6.0",
                   "@write @hash @fast", "RW access update"});
  table->Register({"hrandfield", -2, kRead, 1, 1, 1, CmdHRandField, "hash",
                   "Get one or multiple random fields from a hash", "6.2.0", "@read @hash @slow",
                   "RO access", "O(N) where N is the number of fields returned"});
  table->Register({"hscan", -3, kRead, 1, 1, 1, CmdHScan, "hash",
                   "Incrementally iterate hash fields and associated values", "2.8.0",
                   "@read @hash @slow", "RO access",
                   "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the size of the collection."});
  // The fields each looks up (MemberPrefetcher): field value pairs, or fields.
  for (std::string_view name : {"hset", "hsetnx", "hmset", "hincrby", "hincrbyfloat"}) {
    table->SetMemberArgs(name, 2, 2);
  }
  for (std::string_view name : {"hget", "hmget", "hdel", "hexists", "hstrlen"}) {
    table->SetMemberArgs(name, 2, 1);
  }
}

}  // namespace valkdb
