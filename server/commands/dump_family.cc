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
#include "server/commands/typed.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/rdb_value.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"

namespace valkdb {
namespace {

rdb::EncodeOptions Options(const CommandContext& ctx) {
  const Config& config = *ctx.server.config;
  rdb::EncodeOptions options;
  options.hash_max_listpack_entries = static_cast<size_t>(config.hash_max_listpack_entries());
  options.hash_max_listpack_value = static_cast<size_t>(config.hash_max_listpack_value());
  options.set_max_intset_entries = static_cast<size_t>(config.set_max_intset_entries());
  options.zset_max_listpack_entries = static_cast<size_t>(config.zset_max_listpack_entries());
  options.zset_max_listpack_value = static_cast<size_t>(config.zset_max_listpack_value());
  options.list_max_listpack_size = static_cast<int>(config.list_max_listpack_size());
  options.rdb_compression = config.GetString("rdbcompression") != "no";
  return options;
}

// The value of an entry in the neutral form, and the RDB type of its encoding here.
rdb::Value ToValue(const Entry& entry, rdb::RdbType* type) {
  rdb::Value value;
  switch (entry.type()) {
    case Entry::Type::kString:
      value.kind = rdb::Kind::kString;
      value.string = std::string(entry.value_view());
      *type = rdb::kTypeString;
      break;
    case Entry::Type::kList:
      value.kind = rdb::Kind::kList;
      entry.list()->ForEachFrom(0, false, [&](std::string_view e) {
        value.items.emplace_back(e);
        return true;
      });
      *type = rdb::kTypeListQuicklist2;
      break;
    case Entry::Type::kSet:
      value.kind = rdb::Kind::kSet;
      if (entry.is_table()) {
        entry.table()->ForEach(
            [&](std::string_view m, std::string_view) { value.items.emplace_back(m); });
        *type = rdb::kTypeSet;
      } else {
        const std::string_view set = entry.value_view();
        for (size_t i = 0; i < intset::Count(set); ++i) {
          value.items.push_back(StrCat(intset::Get(set, i)));
        }
        *type = rdb::kTypeSetIntset;
      }
      break;
    case Entry::Type::kHash:
      value.kind = rdb::Kind::kHash;
      if (entry.is_table()) {
        entry.table()->ForEach([&](std::string_view f, std::string_view v) {
          value.items.emplace_back(f);
          value.items.emplace_back(v);
        });
        *type = rdb::kTypeHash;
      } else {
        packed::Reader reader(entry.value_view());
        std::string_view e;
        while (reader.Next(&e)) value.items.emplace_back(e);
        *type = rdb::kTypeHashListpack;
      }
      break;
    case Entry::Type::kZSet:
      value.kind = rdb::Kind::kZSet;
      ForEachZSetRecord(entry,
                        [&](std::string_view m, double s) { value.zset.emplace_back(m, s); });
      *type = entry.is_table() ? rdb::kTypeZSet2 : rdb::kTypeZSetListpack;
      break;
  }
  return value;
}

// An entry holding a loaded value, encoded as Redis's loader would encode it
// under the current limits; null for a type valkdb does not hold yet.
std::optional<Entry> ToEntry(const CommandContext& ctx, std::string_view key, rdb::Value& value) {
  const Config& config = *ctx.server.config;
  switch (value.kind) {
    case rdb::Kind::kString:
      return Entry::Make(key, std::string_view(value.string));
    case rdb::Kind::kList: {
      auto list = std::make_unique<QuickList>(config.list_max_listpack_size(),
                                              config.list_compress_depth());
      for (const std::string& e : value.items) list->PushBack(e);
      return Entry::MakeList(key, list.release());
    }
    case rdb::Kind::kSet: {
      std::string set = intset::Empty(), scratch;
      bool small = static_cast<int64_t>(value.items.size()) <= config.set_max_intset_entries();
      for (size_t i = 0; small && i < value.items.size(); ++i) {
        const std::optional<int64_t> member = intset::ParseMember(value.items[i]);
        if (!member || !intset::Add(set, *member, &scratch)) {
          small = false;
          break;
        }
        set.swap(scratch);
      }
      if (small) return Entry::MakeCompact(key, Entry::Type::kSet, set);
      auto table = std::make_unique<PackedTable>(1);
      for (const std::string& m : value.items) table->Insert(m);
      return Entry::MakeTable(key, Entry::Type::kSet, table.release());
    }
    case rdb::Kind::kHash: {
      const size_t pairs = value.items.size() / 2;
      bool small = static_cast<int64_t>(pairs) <= config.hash_max_listpack_entries();
      for (size_t i = 0; small && i < value.items.size(); ++i) {
        small = static_cast<int64_t>(value.items[i].size()) <= config.hash_max_listpack_value();
      }
      if (small) {
        std::string bytes;
        for (const std::string& e : value.items) packed::Append(&bytes, e);
        return Entry::MakeCompact(key, Entry::Type::kHash, bytes);
      }
      auto table = std::make_unique<PackedTable>(2);
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        table->Insert(value.items[i], value.items[i + 1]);
      }
      return Entry::MakeTable(key, Entry::Type::kHash, table.release());
    }
    case rdb::Kind::kZSet: {
      std::vector<small_zset::Record> records;
      records.reserve(value.zset.size());
      for (const auto& [member, score] : value.zset) records.push_back({member, score});
      return MakeZSetEntry(key, &records, config);
    }
  }
  return std::nullopt;
}

void CmdDump(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  rdb::RdbType type = rdb::kTypeString;
  const rdb::Value value = ToValue(*entry, &type);
  std::string payload;
  if (!rdb::EncodeAs(value, type, Options(ctx), &payload).ok()) {
    rdb::Encode(value, Options(ctx), &payload);
  }
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
  std::optional<Entry> entry = ToEntry(ctx, key, *value);
  if (!entry) {
    ctx.out.Error("Bad data format");
    return;
  }
  const bool deleted = replace && shard.Erase(key);
  if (ttl != 0 && !absttl) ttl += ctx.now_ms;
  if (ttl != 0 && ttl <= ctx.now_ms) {
    // Already expired: nothing is created (the old value is gone with REPLACE).
    if (deleted) {
      ctx.Propagate({"DEL", key});
      ctx.KeyModified(key);
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
