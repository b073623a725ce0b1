#pragma once

// What the typed families (hashes, sets; later lists and sorted sets) share:
// the typed lookup that answers WRONGTYPE in one place (Redis's
// lookupKeyRead + checkType), and writing back a value held inline.
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/stats.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/store/types/small_zset.h"

namespace valkdb {

// The name TYPE and SCAN TYPE use for an entry's type.
std::string_view TypeName(Entry::Type type);

// The writable bytes of the string at key, made new_size (>= its size) long:
// created when `exists` is false, the added bytes zeroed (SETRANGE, SETBIT,
// BITFIELD). The shard is locked by dispatch.
inline char* GrowString(Shard& shard, std::string_view key, bool exists, size_t old_size,
                        size_t new_size) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  char* bytes = nullptr;
  if (!exists) {
    Entry created = Entry::MakeWithRoom(key, {}, new_size, new_size, Entry::Encoding::kRaw);
    bytes = created.MutableValue();
    shard.Put(key, std::move(created), std::nullopt, false);
  } else {
    bytes = shard.ResizeValue(key, new_size, Entry::Encoding::kRaw);
  }
  if (new_size > old_size) std::memset(bytes + old_size, 0, new_size - old_size);
  return bytes;
}

// What Redis's OBJECT ENCODING and OBJECT REFCOUNT answer for the value
// (keyspace_family.cc); DEBUG OBJECT shows them too.
std::string_view ObjectEncodingName(const Entry& entry);
int64_t ObjectRefCount(CommandContext& ctx, const Entry& entry);

// A read lookup, as Redis's lookupKeyRead counts it: a hit or a miss in this
// loop's counters, and a miss raises the "keymiss" event (unless `notify`
// is false: Redis's LOOKUP_NONOTIFY, as OBJECT uses).
inline void CountLookup(CommandContext& ctx, bool hit, std::string_view key, bool notify = true) {
  if (LoopStats* stats = ctx.client.stats) {
    (hit ? stats->keyspace_hits : stats->keyspace_misses).Add(1);
  } else {
    (hit ? ctx.server.keyspace_hits : ctx.server.keyspace_misses)
        .fetch_add(1, std::memory_order_relaxed);
  }
  if (!hit && notify) ctx.Notify(kEventKeyMiss, "keymiss", key);
}

// Outcome of a typed lookup. kWrongType has already been answered.
enum class Lookup { kFound, kMissing, kWrongType };

// The live entry of `key` in its (locked) shard if it holds `type`; replies
// WRONGTYPE when it holds another type. `read` counts keyspace hits and
// misses, as Redis's lookupKeyRead does (writes do not).
inline Lookup LookupTyped(CommandContext& ctx, Shard& shard, std::string_view key, Entry::Type type,
                          bool read, Entry** entry) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  *entry = shard.FindMutable(key, ctx.now_ms);
  if (read) CountLookup(ctx, *entry != nullptr, key);
  if (*entry == nullptr) return Lookup::kMissing;
  if ((*entry)->type() != type) {
    ctx.out.Error(errors::kWrongType);
    return Lookup::kWrongType;
  }
  return Lookup::kFound;
}

// Replaces the inline value of `key` (which must exist and be inline) by
// `bytes`, keeping its type and TTL.
inline void WriteCompact(Shard& shard, std::string_view key,
                         std::string_view bytes) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  char* dst = shard.ResizeValue(key, bytes.size(), Entry::Encoding::kAuto);
  if (!bytes.empty()) std::memcpy(dst, bytes.data(), bytes.size());
}

// A per-thread scratch buffer for building inline values without an
// allocation per command.
inline std::string& Scratch() {
  thread_local std::string scratch;
  scratch.clear();
  return scratch;
}

// Parsed [MATCH pattern] [COUNT count] of HSCAN/SSCAN (and SCAN's TYPE).
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
};
// Redis's parseScanCursorOrReply without the reply: false for an invalid cursor.
bool ParseScanCursor(std::string_view text, uint64_t* cursor);
// Parses the cursor at `cursor_index` and the options after it, as Redis's
// scanGenericCommand; false after replying an error.
bool ParseScanArgs(CommandContext& ctx, size_t cursor_index, bool allow_type, uint64_t* cursor,
                   ScanOptions* options);

// A sorted set holding `records` (distinct members, sorted here), encoded as
// Redis encodes a loaded or computed one: small within both
// zset-max-listpack limits, else a SortedSet (zset_family.cc).
Entry MakeZSetEntry(std::string_view key, std::vector<small_zset::Record>* records,
                    const Config& config);
// Visits a sorted set's members in order (score, then member).
void ForEachZSetRecord(const Entry& entry, absl::FunctionRef<void(std::string_view, double)> fn);

// For the GEO commands (geo_family.cc), whose keys are sorted sets
// (zset_family.cc): ZADD over ctx's arguments (GEOADD calls it with the
// arguments rewritten, as Redis's geoadd calls zaddCommand); Redis's string2d;
// a member's score; the members with min <= score < max in order until fn
// returns false.
void ZAddCommand(CommandContext& ctx);
bool ParseZSetScore(std::string_view text, double* value);
bool ZSetMemberScore(const Entry& entry, std::string_view member, double* score);
void ForEachZSetInScoreRange(const Entry& entry, double min, double max,
                             absl::FunctionRef<bool(std::string_view, double)> fn);

// Redis's getTimeoutFromObjectOrReply in seconds, for the blocking commands:
// the absolute deadline in unix ms, 0 for none; false after replying an error
// (blocking.cc).
bool ParseBlockTimeout(CommandContext& ctx, std::string_view text, int64_t* deadline_ms);
// The keys after a numkeys argument at `index` (LMPOP, BLMPOP, ZMPOP, ZUNION...):
// the key finder of commands whose keys move.
void NumKeysFrom(const CommandContext& ctx, size_t index, KeyList* keys);

}  // namespace valkdb
