// DEBUG: the subcommands tools and tests rely on. DIGEST and DIGEST-VALUE
// compute exactly what Redis 7.0 computes (server/store/digest.h), so a
// keyspace can be compared with a real redis-server's. Like Redis, dispatch
// refuses DEBUG unless enable-debug-command allows it (kCmdProtected).
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/commands/errors.h"
#include "server/commands/rdb_convert.h"
#include "server/commands/typed.h"
#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/store/access_clock.h"
#include "server/store/digest.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"
#include "server/store/types/stream.h"

namespace valkdb {
namespace {

// Mixes an entry's value into *d as Redis's xorObjectDigest does.
void MixValue(Digest* d, const Entry& entry) {
  switch (entry.type()) {
    case Entry::Type::kString:
      MixStringValue(d, entry.value_view());
      return;
    case Entry::Type::kHash:
      MixHashValue(d, [&](absl::FunctionRef<void(std::string_view, std::string_view)> fn) {
        if (entry.is_table()) {
          entry.table()->ForEach(fn);
          return;
        }
        packed::Reader reader(entry.value_view());
        std::string_view field, value;
        while (reader.Next(&field) && reader.Next(&value)) fn(field, value);
      });
      return;
    case Entry::Type::kSet:
      MixSetValue(d, [&](absl::FunctionRef<void(std::string_view)> fn) {
        if (entry.is_table()) {
          entry.table()->ForEach([&](std::string_view m, std::string_view) { fn(m); });
          return;
        }
        const std::string_view set = entry.value_view();
        char buf[24];
        for (size_t i = 0; i < intset::Count(set); ++i) {
          auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), intset::Get(set, i));
          fn(std::string_view(buf, static_cast<size_t>(end - buf)));
        }
      });
      return;
    case Entry::Type::kList:
      MixListValue(d, [&](absl::FunctionRef<void(std::string_view)> fn) {
        entry.list()->ForEachFrom(0, false, [&](std::string_view element) {
          fn(element);
          return true;
        });
      });
      return;
    case Entry::Type::kZSet:
      MixZSetValue(d, [&](absl::FunctionRef<void(std::string_view, double)> fn) {
        ForEachZSetRecord(entry, fn);
      });
      return;
    case Entry::Type::kStream:
      MixStreamValue(d, [&](auto fn) {
        entry.stream()->Range(StreamID::Min(), StreamID::Max(), false,
                              [&](const Stream::EntryView& e) {
                                fn(e.id.ms, e.id.seq, e.fields_and_values);
                                return true;
                              });
      });
      return;
  }
}

void DebugDigest(CommandContext& ctx) {
  DatasetDigest digest;
  for (int db = 0; db < ctx.store.databases(); ++db) {
    bool begun = false;
    ctx.store.ForEachKeyWithExpiry(db, ctx.now_ms, [&](const Entry& entry, bool has_expire) {
      if (!begun) {
        digest.BeginDb(db);
        begun = true;
      }
      digest.AddKey(
          entry.key(), [&](Digest* d) { MixValue(d, entry); }, has_expire);
    });
  }
  ctx.out.SimpleString(DigestHex(digest.result()));
}

void DebugDigestValue(CommandContext& ctx) {
  std::vector<MultiShardLock::Key> keys;
  for (size_t i = 2; i < ctx.argc(); ++i) keys.push_back({ctx.client.db, ctx.arg(i)});
  MultiShardLock lock(ctx.store, keys);
  ctx.out.Array(keys.size());
  for (const MultiShardLock::Key& key : keys) {
    Shard& shard = lock(key.db, key.key);
    AssumeLocked(shard);
    const Entry* entry = shard.Find(key.key, ctx.now_ms);
    Digest digest{};
    if (entry != nullptr) {
      digest = ValueDigest([&](Digest* d) { MixValue(d, *entry); },
                           shard.GetExpire(key.key).has_value());
    }
    ctx.out.SimpleString(DigestHex(digest));
  }
}

// DEBUG SLEEP seconds: blocks this event loop, as Redis blocks its one thread
// (clients of the loop wait; tests use it to make a server slow on purpose).
void DebugSleep(CommandContext& ctx) {
  const std::string text(ctx.arg(2));
  const double seconds = std::strtod(text.c_str(), nullptr);
  if (seconds > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
  ctx.out.Ok();
}

void DebugHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "LOADAOF",
      "    Flush the AOF buffers on disk and reload the AOF in memory.",
      "RELOAD [option ...]",
      "    Save the RDB on disk and reload it back to memory. Available <option> values:",
      "    * MERGE: conflicting keys will be loaded from RDB.",
      "    * NOFLUSH: the existing database will not be removed before load, but",
      "      conflicting keys will generate an exception and kill the server.",
      "    * NOSAVE: the database will be loaded from an existing RDB file.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "PAUSE-CRON <0|1>",
      "    Stop periodic cron job processing.",
      "HELP",
      "    Print this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

// DEBUG OBJECT key: Redis's low-level line about the value (found as it is,
// expired or not, and without counting as a use of the key).
void DebugObject(CommandContext& ctx) {
  const std::string_view key = ctx.arg(2);
  MultiShardLock lock(ctx.store, {{ctx.client.db, key}});
  Shard& shard = lock(ctx.client.db, key);
  AssumeLocked(shard);
  const Entry* entry = shard.FindAny(key);
  if (entry == nullptr) {
    ctx.out.Error(errors::kNoSuchKey);
    return;
  }
  std::string serialized;
  EncodeEntry(*entry, RdbEncodeOptions(*ctx.server.config), &serialized);
  std::string extra;
  if (entry->type() == Entry::Type::kList) {
    const QuickList& list = *entry->list();
    const size_t nodes = list.node_count();
    extra = absl::StrFormat(
        " ql_nodes:%u ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
        "ql_uncompressed_size:%u",
        nodes, nodes == 0 ? 0.0 : static_cast<double>(list.size()) / static_cast<double>(nodes),
        list.fill(), list.compress_depth() != 0 ? 1 : 0, list.UncompressedBytes());
  }
  ctx.out.SimpleString(absl::StrFormat(
      "Value at:%p refcount:%d encoding:%s serializedlength:%u lru:%u lru_seconds_idle:%d%s",
      entry->identity(), ObjectRefCount(ctx, *entry), ObjectEncodingName(*entry),
      serialized.size() - 1, entry->access_clock(), AccessClock::IdleSeconds(*entry), extra));
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load back (Redis's debugCommand).
void DebugReload(CommandContext& ctx) {
  bool flush = true, save = true, merge = false;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view option = ctx.arg(j);
    if (EqualsIgnoreCase(option, "merge")) {
      merge = true;
    } else if (EqualsIgnoreCase(option, "noflush")) {
      flush = false;
    } else if (EqualsIgnoreCase(option, "nosave")) {
      save = false;
    } else {
      ctx.out.Error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  if (ctx.server.persistence == nullptr) {
    ctx.out.Error("-ERR");
    return;
  }
  RdbPersistence& rdb = *ctx.server.persistence;
  if (save && !rdb.CancelAndSave().ok()) {
    ctx.out.Error("-ERR");
    return;
  }
  // The keyspace is the same afterwards: nothing of this reaches the AOF.
  if (ctx.server.aof != nullptr) ctx.server.aof->StopAppending();
  if (flush) {
    ctx.store.FlushAll();
    // Redis's emptyData(-1, EMPTYDB_NO_FLAGS) empties the function libraries too.
    ctx.server.functions.Replace(std::make_shared<const FunctionLibraries>());
    ctx.server.tracking.InvalidateAll();  // Redis's emptyData signals a flush
  }
  absl::Status status = rdb.Load(rdb.Path(), UnixTimeMs(), merge);
  if (ctx.server.aof != nullptr) ctx.server.aof->ResumeAppending();
  if (!status.ok()) {
    Log(LogLevel::kWarning, "DEBUG RELOAD: %s", std::string(status.message()).c_str());
    ctx.out.Error("Error trying to load the RDB dump, check server logs.");
    return;
  }
  ctx.out.Ok();
}

// DEBUG LOADAOF: the AOF written out, the keyspace emptied and loaded from it.
void DebugLoadAof(CommandContext& ctx) {
  if (ctx.server.aof == nullptr) {
    ctx.out.Error("-ERR");
    return;
  }
  absl::Status status = ctx.server.aof->Reload(UnixTimeMs());
  if (!status.ok()) {
    // Redis exits: a keyspace half loaded is not served.
    Log(LogLevel::kWarning, "DEBUG LOADAOF: %s. Exiting.", std::string(status.message()).c_str());
    std::_Exit(1);
  }
  Log(LogLevel::kNotice, "Append Only File loaded by DEBUG LOADAOF");
  ctx.out.Ok();
}

// DEBUG POPULATE count [prefix] [size]: keys prefix:0..count-1 holding
// "value:N" (zero-padded or cut to `size` bytes), skipping keys that exist,
// as Redis's; like Redis's, nothing of it is propagated.
void DebugPopulate(CommandContext& ctx) {
  int64_t count = 0, size = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &count)) return;
  if (count < 0) {
    ctx.out.Error("value is out of range, must be positive");
    return;
  }
  if (ctx.argc() == 5) {
    if (!ParseIntArg(ctx, ctx.arg(4), &size)) return;
    if (size < 0) {
      ctx.out.Error("value is out of range, must be positive");
      return;
    }
  }
  // Redis formats the key into a 128-byte buffer: a longer name is cut.
  const std::string prefix(ctx.argc() >= 4 ? AsCString(ctx.arg(3)) : std::string_view("key"));
  const int db = ctx.client.db;
  std::string value;
  for (int64_t i = 0; i < count; ++i) {
    std::string key = StrCat(prefix, ":", i);
    if (key.size() > 127) key.resize(127);
    MultiShardLock lock(ctx.store, {{db, key}});
    Shard& shard = lock(db, key);
    AssumeLocked(shard);
    if (shard.FindMutable(key, ctx.now_ms) != nullptr) continue;
    value = StrCat("value:", i);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    shard.Put(key, Entry::Make(key, std::string_view(value)), std::nullopt, false);
    ctx.server.watches.Touch(db, key);
    ctx.store.feed().KeyChanged(key, /*by_client=*/true);
  }
  ctx.out.Ok();
}

// DEBUG PROTOCOL <type>: one reply of each RESP type, as Redis's (clients'
// and scripts' conversions are tested with it).
void DebugProtocol(CommandContext& ctx) {
  const std::string_view name = ctx.arg(2);
  RespWriter& out = ctx.out;
  const bool resp3 = out.protocol() >= 3;
  if (EqualsIgnoreCase(name, "string")) {
    out.Bulk("Hello World");
  } else if (EqualsIgnoreCase(name, "integer")) {
    out.Integer(12345);
  } else if (EqualsIgnoreCase(name, "double")) {
    out.Double(3.141);
  } else if (EqualsIgnoreCase(name, "bignum")) {
    constexpr std::string_view kBig = "1234567999999999999999999999999999999";
    if (resp3) {
      out.Raw(StrCat("(", kBig, "\r\n"));
    } else {
      out.Bulk(kBig);
    }
  } else if (EqualsIgnoreCase(name, "null")) {
    out.Null();
  } else if (EqualsIgnoreCase(name, "array") || EqualsIgnoreCase(name, "set")) {
    if (EqualsIgnoreCase(name, "set")) {
      out.Set(3);
    } else {
      out.Array(3);
    }
    for (int j = 0; j < 3; ++j) out.Integer(j);
  } else if (EqualsIgnoreCase(name, "map")) {
    out.Map(3);
    for (int j = 0; j < 3; ++j) {
      out.Integer(j);
      out.Bool(j == 1);
    }
  } else if (EqualsIgnoreCase(name, "attrib")) {
    if (resp3) {
      out.Raw("|1\r\n");
      out.Bulk("key-popularity");
      out.Array(2);
      out.Bulk("key:123");
      out.Integer(90);
    }
    out.Bulk("Some real reply following the attribute");
  } else if (EqualsIgnoreCase(name, "push")) {
    if (!resp3) {
      out.Error("RESP2 is not supported by this command");
      return;
    }
    out.Push(2);
    out.Bulk("server-cpu-usage");
    out.Integer(42);
    out.Bulk("Some real reply following the push reply");
  } else if (EqualsIgnoreCase(name, "true")) {
    out.Bool(true);
  } else if (EqualsIgnoreCase(name, "false")) {
    out.Bool(false);
  } else if (EqualsIgnoreCase(name, "verbatim")) {
    out.Verbatim("txt", "This is a verbatim\nstring");
  } else {
    out.Error(
        "Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

void CmdDebug(CommandContext& ctx) {
  const std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "digest") && ctx.argc() == 2) return DebugDigest(ctx);
  if (EqualsIgnoreCase(sub, "digest-value")) return DebugDigestValue(ctx);
  if (EqualsIgnoreCase(sub, "sleep") && ctx.argc() == 3) return DebugSleep(ctx);
  if (EqualsIgnoreCase(sub, "object") && ctx.argc() == 3) return DebugObject(ctx);
  if (EqualsIgnoreCase(sub, "set-active-expire") && ctx.argc() == 3) {
    ctx.server.active_expire_enabled.store(std::atoi(std::string(ctx.arg(2)).c_str()) != 0,
                                           std::memory_order_relaxed);
    ctx.out.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "pause-cron") && ctx.argc() == 3) {
    ctx.server.cron_paused.store(std::atoi(std::string(ctx.arg(2)).c_str()) != 0,
                                 std::memory_order_relaxed);
    ctx.out.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "set-disable-deny-scripts") && ctx.argc() == 3) {
    ctx.server.script_disable_deny_script.store(std::atoi(std::string(ctx.arg(2)).c_str()) != 0,
                                                std::memory_order_relaxed);
    ctx.out.Ok();
    return;
  }
  if (EqualsIgnoreCase(sub, "protocol") && ctx.argc() == 3) return DebugProtocol(ctx);
  if (EqualsIgnoreCase(sub, "help") && ctx.argc() == 2) return DebugHelp(ctx);
  if (EqualsIgnoreCase(sub, "reload")) return DebugReload(ctx);
  if (EqualsIgnoreCase(sub, "loadaof") && ctx.argc() == 2) return DebugLoadAof(ctx);
  if (EqualsIgnoreCase(sub, "populate") && ctx.argc() >= 3 && ctx.argc() <= 5) {
    return DebugPopulate(ctx);
  }
  if (EqualsIgnoreCase(sub, "quicklist-packed-threshold") && ctx.argc() == 3) {
    // Redis's quicklistisSetPackedThreshold: 0 restores the default (1 GB).
    const std::optional<uint64_t> size = RedisMemToULL(ctx.arg(2));
    if (!size.has_value() || *size > (uint64_t{1} << 32) - (1 << 20)) {
      ctx.out.Error("argument must be a memory value bigger than 1 and smaller than 4gb");
      return;
    }
    QuickList::SetPackedThreshold(*size == 0 ? size_t{1} << 30 : static_cast<size_t>(*size));
    ctx.out.Ok();
    return;
  }
  ctx.out.Error(StrCat("unknown subcommand or wrong number of arguments for '",
                       AsCString(sub).substr(0, 128), "'. Try DEBUG HELP."));
}

}  // namespace

void RegisterDebugFamily(CommandTable* table) {
  table->Register({"debug", -2, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdProtected,
                   0, 0, 0, CmdDebug, "server", "A container for debugging commands", "1.0.0",
                   "@admin @slow @dangerous", "", "Depends on subcommand."});
}

}  // namespace valkdb
