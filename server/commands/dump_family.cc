// DUMP and RESTORE with Redis's serialisation (server/store/rdb/: the RDB
// value, RDB version 10 and CRC64), so a value dumped by Redis restores here
// and back. Each follows Redis 7.0's dumpCommand / restoreCommand (cluster.c).
//
// A value goes out in the encoding it has here (Redis writes the object's
// current encoding) and comes in with the encoding Redis's loader would give
// it under the current limits.
#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <utility>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/rdb_convert.h"
#include "server/commands/typed.h"
#include "server/store/access_clock.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/rdb_value.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"

namespace valkdb {
namespace {

void CmdDump(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  std::string payload;
  EncodeEntry(*entry, RdbEncodeOptions(*ctx.server.config), &payload);
  payload.push_back(static_cast<char>(rdb::kRdbVersion & 0xff));
  payload.push_back(static_cast<char>(rdb::kRdbVersion >> 8));
  const uint64_t crc = rdb::Crc64(0, payload);
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>(crc >> (8 * i)));
  ctx.out.Bulk(payload);
}

void CmdRestore(CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const std::string_view option = ctx.arg(j);
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(option, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(option, "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(option, "idletime") && more && freq == -1) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &idle)) return;
      if (idle < 0) {
        ctx.out.Error("Invalid IDLETIME value, must be >= 0");
        return;
      }
    } else if (EqualsIgnoreCase(option, "freq") && more && idle == -1) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &freq)) return;
      if (freq < 0 || freq > 255) {
        ctx.out.Error("Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  if (!replace && shard.Find(key, ctx.now_ms) != nullptr) {
    ctx.out.Error("-BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &ttl)) return;
  if (ttl < 0) {
    ctx.out.Error("Invalid TTL value, must be >= 0");
    return;
  }
  absl::StatusOr<rdb::Value> value = rdb::ParseDumpPayload(ctx.arg(3));
  if (!value.ok()) {
    ctx.out.Error(rdb::ClassifyDumpError(value.status()) == rdb::DumpError::kVersionOrChecksum
                      ? "DUMP payload version or checksum are wrong"
                      : "Bad data format");
    return;
  }
  std::optional<Entry> entry = EntryFromRdbValue(*ctx.server.config, key, *value);
  if (!entry) {
    ctx.out.Error("Bad data format");
    return;
  }
  // Redis's objectSetLRUOrLFU: the option that matches the policy is kept.
  if (AccessClock::lfu() && freq >= 0) {
    entry->set_access_clock(AccessClock::FromFrequency(static_cast<int>(freq)));
  } else if (!AccessClock::lfu() && idle >= 0) {
    entry->set_access_clock(AccessClock::FromIdleSeconds(idle));
  }
  const bool deleted = replace && shard.Erase(key);
  if (ttl != 0 && !absttl) ttl += ctx.now_ms;
  if (ttl != 0 && ttl <= ctx.now_ms) {
    // Already expired: nothing is created (the old value is gone with REPLACE).
    if (deleted) {
      ctx.Propagate({"DEL", key});
      ctx.KeyModified(key);
      ctx.Notify(kEventGeneric, "del", key);
    }
    ctx.out.Ok();
    return;
  }
  shard.Put(key, std::move(*entry), ttl != 0 ? std::optional<int64_t>(ttl) : std::nullopt, false);
  if (ttl != 0) {
    ctx.Propagate({"RESTORE", key, StrCat(ttl), ctx.arg(3), "REPLACE", "ABSTTL"});
  } else {
    ctx.Propagate({"RESTORE", key, "0", ctx.arg(3), "REPLACE"});
  }
  ctx.KeyModified(key);
  ctx.Notify(kEventGeneric, "restore", key);
  ctx.KeyReady(ctx.client.db, key);
  ctx.out.Ok();
}

}  // namespace

void RegisterDumpFamily(CommandTable* table) {
  table->Register({"dump", 2, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdDump, "generic",
                   "Return a serialized version of the value stored at the specified key.", "2.6.0",
                   "@keyspace @read @slow", "RO access",
                   "O(1) to access the key and additional O(N*M) to serialize it, where N is the "
                   "number of Redis objects composing the value and M their average size. For "
                   "small string values the time complexity is thus O(1)+O(1*M) where M is small, "
                   "so simply O(1)."});
  table->Register({"restore", -4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdRestore,
                   "generic",
                   "Create a key using the provided serialized value, previously obtained using "
                   "DUMP.",
                   "2.6.0", "@keyspace @write @slow @dangerous", "OW update",
                   "O(1) to create the new key and additional O(N*M) to reconstruct the serialized "
                   "value, where N is the number of Redis objects composing the value and M their "
                   "average size. For small string values the time complexity is thus O(1)+O(1*M) "
                   "where M is small, so simply O(1). However for sorted set values the complexity "
                   "is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."});
}

}  // namespace valkdb
