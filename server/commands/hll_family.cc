// PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST: Redis 7.0's HyperLogLog commands
// (hyperloglog.c). An HLL is a plain string in Redis's own bytes
// (server/store/types/hyperloglog.h), so GET, SET, DUMP and RESTORE move it
// between valkdb and Redis unchanged. Each command checks, looks up and
// writes in Redis's order, down to what it leaves behind on an error.
#include <array>
#include <cstring>
#include <random>
#include <string>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/store/types/hyperloglog.h"

namespace valkdb {
namespace {

// Where a sparse HLL is edited (at most hll-sparse-max-bytes, or a 12 KB dense
// one) without an allocation per command.
std::string& HllScratch() {
  thread_local std::string scratch;
  return scratch;
}

// Registers merged from several HLLs (PFCOUNT of several keys, PFMERGE).
uint8_t* ClearedMax() {
  thread_local std::array<uint8_t, hll::kRegisters> max;
  max.fill(0);
  return max.data();
}

// The HLL at `key` (nullptr when missing), as Redis's lookupKey* plus
// isHLLObjectOrReply: false after replying WRONGTYPE for another type or for
// a string that is not an HLL. `read` counts keyspace hits and misses.
bool FindHll(CommandContext& ctx, std::string_view key, bool read, Entry** entry) {
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  *entry = shard.FindMutable(key, ctx.now_ms);
  if (read) CountLookup(ctx, *entry != nullptr, key);
  if (*entry == nullptr) return true;
  if ((*entry)->type() != Entry::Type::kString) {
    ctx.out.Error(errors::kWrongType);
    return false;
  }
  if (!hll::IsValid((*entry)->value_view())) {
    ctx.out.Error(errors::kNotHll);
    return false;
  }
  return true;
}

// Redis's dbUnshareStringValue leaves the value "raw" (OBJECT ENCODING),
// whether or not the command then changes it.
void Unshare(Entry* entry) {
  if (entry->encoding() != Entry::Encoding::kRaw) entry->set_encoding(Entry::Encoding::kRaw);
}

// Stores `value` at `key`: a new raw string, or the existing one's bytes
// replaced (its TTL kept).
void StoreHll(CommandContext& ctx, std::string_view key, bool exists, std::string_view value) {
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  if (!exists) {
    shard.Put(key, Entry::Make(key, value, Entry::Encoding::kRaw), std::nullopt, false);
    return;
  }
  char* bytes = shard.ResizeValue(key, value.size(), Entry::Encoding::kRaw);
  std::memcpy(bytes, value.data(), value.size());
}

size_t SparseMaxBytes(const CommandContext& ctx) {
  return static_cast<size_t>(ctx.server.config->hll_sparse_max_bytes());
}

// PFADD key [element ...]: 1 when a register changed (or the key was created).
void CmdPfAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  Entry* entry = nullptr;
  if (!FindHll(ctx, key, false, &entry)) return;
  int updated = 0;
  if (entry != nullptr && hll::Encoding(entry->value_view()) == hll::kDense) {
    // Dense: registers change in place, and the value is only made writable
    // (copied if a reply still reads it) once an element raises one.
    Unshare(entry);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    const auto* current = reinterpret_cast<const uint8_t*>(entry->value_view().data());
    uint8_t* value = nullptr;
    for (size_t j = 2; j < ctx.argc(); ++j) {
      uint32_t index = 0;
      const uint8_t count = hll::PatternLength(ctx.arg(j), &index);
      if (count <= hll::GetRegister(current + hll::kHeaderSize, index)) continue;
      if (value == nullptr) {
        value = reinterpret_cast<uint8_t*>(
            shard.ResizeValue(key, hll::kDenseSize, Entry::Encoding::kRaw));
        current = value;
      }
      hll::SetRegister(value + hll::kHeaderSize, index, count);
      ++updated;
    }
    if (updated > 0) hll::InvalidateCache(reinterpret_cast<char*>(value));
  } else {
    std::string& value = HllScratch();
    if (entry == nullptr) {
      hll::MakeEmpty(&value);
      ++updated;
    } else {
      Unshare(entry);
      value.assign(entry->value_view());
    }
    const size_t max_bytes = SparseMaxBytes(ctx);
    bool corrupt = false;
    for (size_t j = 2; j < ctx.argc() && !corrupt; ++j) {
      switch (hll::Add(&value, ctx.arg(j), max_bytes)) {
        case hll::SetResult::kChanged:
          ++updated;
          break;
        case hll::SetResult::kCorrupt:
          corrupt = true;
          break;
        case hll::SetResult::kUnchanged:
          break;
      }
    }
    if (updated > 0 && !corrupt) hll::InvalidateCache(value.data());
    // Elements added before a corrupt part was met stay added, as in Redis.
    if (updated > 0) StoreHll(ctx, key, entry != nullptr, value);
    if (corrupt) {
      // Redis neither signals nor propagates this partial change.
      ctx.out.Error(errors::kCorruptHll);
      return;
    }
  }
  if (updated > 0) {
    ctx.KeyModified(key);
    ctx.Notify(kEventString, "pfadd", key);
  }
  ctx.out.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]: one key answers from (or refreshes) the cached
// cardinality; several are merged into a scratch HLL first.
void CmdPfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    uint8_t* max = ClearedMax();
    for (size_t j = 1; j < ctx.argc(); ++j) {
      Entry* entry = nullptr;
      if (!FindHll(ctx, ctx.arg(j), true, &entry)) return;
      if (entry == nullptr) continue;
      if (!hll::Merge(entry->value_view(), max)) {
        ctx.out.Error(errors::kCorruptHll);
        return;
      }
    }
    ctx.out.Integer(static_cast<int64_t>(hll::CountRaw(max)));
    return;
  }
  const std::string_view key = ctx.arg(1);
  Entry* entry = nullptr;
  if (!FindHll(ctx, key, true, &entry)) return;
  if (entry == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  Unshare(entry);
  const std::string_view value = entry->value_view();
  if (hll::CacheValid(value)) {
    ctx.out.Integer(static_cast<int64_t>(hll::CachedCardinality(value)));
    return;
  }
  bool invalid = false;
  const uint64_t card = hll::Count(value, &invalid);
  if (invalid) {
    ctx.out.Error(errors::kCorruptHll);
    return;
  }
  // The cache is part of the string: refreshing it is a write Redis
  // signals and propagates (as PFCOUNT itself).
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  hll::StoreCardinality(shard.ResizeValue(key, value.size(), Entry::Encoding::kRaw), card);
  ctx.KeyModified(key);
  ctx.out.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]: the destination (itself a source) gets the
// registers' maximum; dense when any source was.
void CmdPfMerge(CommandContext& ctx) {
  uint8_t* max = ClearedMax();
  bool use_dense = false;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    Entry* entry = nullptr;
    if (!FindHll(ctx, ctx.arg(j), true, &entry)) return;
    if (entry == nullptr) continue;
    if (hll::Encoding(entry->value_view()) == hll::kDense) use_dense = true;
    if (!hll::Merge(entry->value_view(), max)) {
      ctx.out.Error(errors::kCorruptHll);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = shard.FindMutable(key, ctx.now_ms);
  std::string& value = HllScratch();
  if (entry == nullptr) {
    hll::MakeEmpty(&value);
  } else {
    Unshare(entry);
    value.assign(entry->value_view());
  }
  // The destination was merged above, so its sparse body converts.
  if (use_dense && !hll::SparseToDense(&value)) {
    ctx.out.Error(errors::kCorruptHll);
    return;
  }
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (size_t j = 0; j < hll::kRegisters; ++j) {
    if (max[j] != 0) hll::Set(&value, j, max[j], max_bytes);
  }
  hll::InvalidateCache(value.data());
  StoreHll(ctx, key, entry != nullptr, value);
  ctx.KeyModified(key);
  // A merge is a mass add: Redis raises "pfadd" for it.
  ctx.Notify(kEventString, "pfadd", key);
  ctx.out.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void CmdPfDebug(CommandContext& ctx) {
  const std::string_view sub = AsCString(ctx.arg(1));
  const std::string_view key = ctx.arg(2);
  Entry* entry = nullptr;
  if (!FindHll(ctx, key, false, &entry)) return;
  if (entry == nullptr) {
    ctx.out.Error("The specified key does not exist");
    return;
  }
  Unshare(entry);
  // GETREG and TODENSE store a sparse value as dense: Redis propagates that
  // (server.dirty) without signalling the key, so WATCH does not see it.
  const auto to_dense = [&]() {
    std::string& value = HllScratch();
    value.assign(entry->value_view());
    if (!hll::SparseToDense(&value)) {
      ctx.out.Error(errors::kCorruptHll);
      return false;
    }
    StoreHll(ctx, key, true, value);
    ctx.wrote = true;
    return true;
  };
  const bool sparse = hll::Encoding(entry->value_view()) == hll::kSparse;
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (sparse && !to_dense()) return;
    const auto* registers =
        reinterpret_cast<const uint8_t*>(entry->value_view().data()) + hll::kHeaderSize;
    ctx.out.Array(hll::kRegisters);
    for (size_t j = 0; j < hll::kRegisters; ++j) ctx.out.Integer(hll::GetRegister(registers, j));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) {
      ctx.out.Error("HLL encoding is not sparse");
      return;
    }
    ctx.out.Bulk(hll::DecodeSparse(entry->value_view()));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.out.SimpleString(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (sparse && !to_dense()) return;
    ctx.out.Integer(sparse ? 1 : 0);
  } else {
    ctx.out.Error(StrCat("Unknown PFDEBUG subcommand '", sub, "'"));
  }
}

void CmdPfSelfTest(CommandContext& ctx) {
  const uint64_t seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  const std::string error = hll::SelfTest(SparseMaxBytes(ctx), seed);
  if (error.empty()) {
    ctx.out.Ok();
  } else {
    ctx.out.Error(error);
  }
}

}  // namespace

void RegisterHllFamily(CommandTable* table) {
  table->Register({"pfadd", -2, kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys, 1, 1, 1,
                   CmdPfAdd, "hyperloglog",
                   "Adds the specified elements to the specified HyperLogLog.", "2.8.9",
                   "@write @hyperloglog @fast", "RW insert", "O(1) to add every element."});
  table->Register(
      {"pfcount", -2, kCmdReadOnly | kCmdMayReplicate | kCmdLocksKeys, 1, -1, 1, CmdPfCount,
       "hyperloglog",
       "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
       "2.8.9", "@read @hyperloglog @slow", "RW access",
       "O(1) with a very small average constant time when called with a single key. O(N) with N "
       "being the number of keys, and much bigger constant times, when called with multiple "
       "keys."});
  table->Register({"pfmerge", -2, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, -1, 1, CmdPfMerge,
                   "hyperloglog", "Merge N different HyperLogLogs into a single one.", "2.8.9",
                   "@write @hyperloglog @slow", "RW access insert",
                   "O(N) to merge N HyperLogLogs, but with high constant times."});
  table->Register({"pfdebug", 3, kCmdWrite | kCmdDenyOom | kCmdAdmin | kCmdLocksKeys, 2, 2, 1,
                   CmdPfDebug, "hyperloglog", "Internal commands for debugging HyperLogLog values",
                   "2.8.9", "@write @hyperloglog @admin @slow @dangerous", "RW access", "N/A"});
  table->Register({"pfselftest", 1, kCmdAdmin, 0, 0, 0, CmdPfSelfTest, "hyperloglog",
                   "An internal command for testing HyperLogLog values", "2.8.9",
                   "@hyperloglog @admin @slow @dangerous", "", "N/A"});
}

}  // namespace valkdb
