// DEL UNLINK EXISTS TOUCH TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE
// SWAPDB OBJECT EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST DBSIZE FLUSHDB FLUSHALL
//
// Each follows its Redis 7.0 counterpart (db.c, expire.c, object.c): the same
// checks in the same order. Commands on several keys lock all their shards
// at once (dispatch locks every key's shard before the handler runs), so
// other clients see them whole or not at all.
#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/persist/rdb_persistence.h"
#include "server/store/access_clock.h"

namespace valkdb {
namespace {

// Redis's getIntFromObjectOrReply: an int, or `error` (Redis's default texts
// when empty) for a non-integer or one outside the int range.
bool ParseIntRangeArg(CommandContext& ctx, std::string_view text, int* value,
                      std::string_view error = {}) {
  int64_t v = 0;
  if (!ParseInt64(text, &v)) {
    ctx.out.Error(error.empty() ? errors::kNotInteger : error);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.out.Error(error.empty() ? errors::kIntOutOfRange : error);
    return false;
  }
  *value = static_cast<int>(v);
  return true;
}

// DEL and UNLINK (UNLINK frees nothing in the background: freeing is cheap here).
void CmdDel(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    if (shard.Find(key, ctx.now_ms) != nullptr && shard.Erase(key)) {
      ++deleted;
      ctx.KeyModified(key);
      ctx.Notify(kEventGeneric, "del", key);
    }
  }
  ctx.out.Integer(deleted);
}

// EXISTS and TOUCH: how many of the keys exist (a key named twice counts twice).
void CmdExists(CommandContext& ctx) {
  int64_t found = 0;
  // TOUCH is EXISTS that counts as a use of the keys.
  const bool touch = EqualsIgnoreCase(ctx.arg(0), "touch");
  if (ctx.argc() == 2) {
    std::string_view key = ctx.arg(1);
    Shard* shard = &ctx.shard(key);
    AssumeLocked(*shard);
    found = (touch ? shard->Find(key, ctx.now_ms) : shard->FindNoTouch(key, ctx.now_ms)) != nullptr;
    CountLookup(ctx, found, key);
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      Shard& shard = ctx.shard(ctx.arg(i));
      AssumeLocked(shard);
      const bool hit = (touch ? shard.Find(ctx.arg(i), ctx.now_ms)
                              : shard.FindNoTouch(ctx.arg(i), ctx.now_ms)) != nullptr;
      CountLookup(ctx, hit, ctx.arg(i));
      found += hit;
    }
  }
  ctx.out.Integer(found);
}

void CmdType(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->FindNoTouch(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  ctx.out.SimpleString(entry != nullptr ? TypeName(entry->type()) : "none");
}

void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  const bool all = pattern == "*";
  std::vector<std::string> keys;
  ctx.store.ForEachKey(ctx.client.db, ctx.now_ms, [&](const Entry& entry) {
    if (all || GlobMatch(pattern, entry.key(), false)) keys.emplace_back(entry.key());
  });
  ctx.out.Array(keys.size());
  for (const std::string& key : keys) ctx.out.Bulk(key);
}

// Redis's parseScanCursorOrReply: strtoul over the whole (C string) argument.
bool ParseCursor(std::string_view text, uint64_t* cursor) {
  const std::string c_string(AsCString(text));
  if (!c_string.empty() && std::isspace(static_cast<unsigned char>(c_string[0]))) return false;
  errno = 0;
  char* end = nullptr;
  *cursor = std::strtoull(c_string.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

void CmdScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  ScanOptions options;
  if (!ParseScanArgs(ctx, 1, true, &cursor, &options)) return;
  std::vector<std::string> keys;
  const uint64_t next = ctx.store.Scan(
      ctx.client.db, cursor, static_cast<size_t>(options.count), ctx.now_ms,
      [&](const Entry& entry) {
        if (options.use_type && !EqualsIgnoreCase(options.type, TypeName(entry.type()))) return;
        if (options.use_pattern && !GlobMatch(options.pattern, entry.key(), false)) return;
        keys.emplace_back(entry.key());
      });
  ctx.out.Array(2);
  ctx.out.Bulk(StrCat(next));
  ctx.out.Array(keys.size());
  for (const std::string& key : keys) ctx.out.Bulk(key);
}

void CmdRandomKey(CommandContext& ctx) {
  std::optional<std::string> key = ctx.store.RandomKey(ctx.client.db, ctx.now_ms);
  if (key) {
    ctx.out.Bulk(*key);
  } else {
    ctx.out.Null();
  }
}

// Encoding an entry keeps when its value is copied (Redis's dupStringObject
// makes a private integer object).
Entry::Encoding CopiedEncoding(Entry::Encoding encoding) {
  return encoding == Entry::Encoding::kAuto ? Entry::Encoding::kIntCopy : encoding;
}

// RENAME / RENAMENX, as Redis's renameGenericCommand.
void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view from = ctx.arg(1), to = ctx.arg(2);
  const int db = ctx.client.db;
  Shard& source = ctx.shard(db, from);
  AssumeLocked(source);
  const Entry* entry = source.Find(from, ctx.now_ms);
  if (entry == nullptr) {
    ctx.out.Error(errors::kNoSuchKey);
    return;
  }
  if (from == to) {
    if (nx) {
      ctx.out.Integer(0);
    } else {
      ctx.out.Ok();
    }
    return;
  }
  Shard& target = ctx.shard(db, to);
  AssumeLocked(target);
  if (nx && target.Find(to, ctx.now_ms) != nullptr) {
    ctx.out.Integer(0);
    return;
  }
  // The key is part of the entry's allocation, so the entry is rebuilt under
  // the new name; a big value is shared, not copied.
  std::optional<int64_t> expire_ms;
  Entry renamed = source.Take(from, &expire_ms).Rekeyed(to);
  target.Erase(to);  // replaced as Redis does it, delete then add (a "new" key event)
  target.Put(to, std::move(renamed), expire_ms, false);
  ctx.KeyModified(from);
  ctx.KeyModified(to);
  ctx.Notify(kEventGeneric, "rename_from", from);
  ctx.Notify(kEventGeneric, "rename_to", to);
  ctx.KeyReady(ctx.client.db, to);
  if (nx) {
    ctx.out.Integer(1);
  } else {
    ctx.out.Ok();
  }
}

void CmdRename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

void CmdCopy(CommandContext& ctx) {
  const int db = ctx.client.db;
  int target_db = db;
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = AsCString(ctx.arg(j));
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "db") && j + 1 < ctx.argc()) {
      if (!ParseIntRangeArg(ctx, ctx.arg(j + 1), &target_db)) return;
      if (target_db < 0 || target_db >= ctx.store.databases()) {
        ctx.out.Error(errors::kDbIndexOutOfRange);
        return;
      }
      ++j;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  std::string_view from = ctx.arg(1), to = ctx.arg(2);
  if (db == target_db && from == to) {
    ctx.out.Error(errors::kSameObject);
    return;
  }
  Shard& source = ctx.shard(db, from);
  AssumeLocked(source);
  const Entry* entry = source.Find(from, ctx.now_ms);
  if (entry == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  Shard& target = ctx.shard(target_db, to);
  AssumeLocked(target);
  if (target.Find(to, ctx.now_ms) != nullptr && !replace) {
    ctx.out.Integer(0);
    return;
  }
  const std::optional<int64_t> expire_ms = source.GetExpire(from);
  Entry copy = entry->Copy(to, CopiedEncoding(entry->encoding()));
  target.Erase(to);  // REPLACE deletes, then adds (a "new" key event), as Redis
  target.Put(to, std::move(copy), expire_ms, false);
  ctx.KeyModified(target_db, to);
  ctx.Notify(kEventGeneric, target_db, "copy_to", to);
  ctx.KeyReady(target_db, to);
  ctx.out.Integer(1);
}

// A database index argument, when valid (else the client's db: the handler
// answers the error and touches nothing).
int TargetDb(const CommandContext& ctx, std::string_view text) {
  int64_t db = 0;
  if (!ParseInt64(text, &db) || db < 0 || db >= ctx.store.databases()) return ctx.client.db;
  return static_cast<int>(db);
}

// COPY source destination [DB destination-db] [REPLACE]: the destination may be in another db.
void CopyKeys(const CommandContext& ctx, KeyList* keys) {
  int target_db = ctx.client.db;
  // The handler's own option walk, so both agree on the target db.
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = AsCString(ctx.arg(j));
    if (EqualsIgnoreCase(opt, "replace")) continue;
    if (!EqualsIgnoreCase(opt, "db") || j + 1 >= ctx.argc()) break;
    target_db = TargetDb(ctx, ctx.arg(++j));
  }
  keys->push_back({ctx.client.db, ctx.arg(1)});
  keys->push_back({target_db, ctx.arg(2)});
}

// MOVE key db: the key in both databases.
void MoveKeys(const CommandContext& ctx, KeyList* keys) {
  keys->push_back({ctx.client.db, ctx.arg(1)});
  keys->push_back({TargetDb(ctx, ctx.arg(2)), ctx.arg(1)});
}

void CmdMove(CommandContext& ctx) {
  const int db = ctx.client.db;
  int target_db = 0;
  if (!ParseIntRangeArg(ctx, ctx.arg(2), &target_db)) return;
  if (target_db < 0 || target_db >= ctx.store.databases()) {
    ctx.out.Error(errors::kDbIndexOutOfRange);
    return;
  }
  if (target_db == db) {
    ctx.out.Error(errors::kSameObject);
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& source = ctx.shard(db, key);
  Shard& target = ctx.shard(target_db, key);
  AssumeLocked(source);
  AssumeLocked(target);
  if (source.Find(key, ctx.now_ms) == nullptr || target.Find(key, ctx.now_ms) != nullptr) {
    ctx.out.Integer(0);
    return;
  }
  // The entry itself moves: same key, same value, no copy.
  std::optional<int64_t> expire_ms;
  Entry entry = source.Take(key, &expire_ms);
  target.Put(key, std::move(entry), expire_ms, false);
  ctx.KeyModified(db, key);
  ctx.KeyModified(target_db, key);
  ctx.Notify(kEventGeneric, db, "move_from", key);
  ctx.Notify(kEventGeneric, target_db, "move_to", key);
  ctx.KeyReady(target_db, key);
  ctx.out.Integer(1);
}

void CmdSwapDb(CommandContext& ctx) {
  int db1 = 0, db2 = 0;
  if (!ParseIntRangeArg(ctx, ctx.arg(1), &db1, "invalid first DB index") ||
      !ParseIntRangeArg(ctx, ctx.arg(2), &db2, "invalid second DB index")) {
    return;
  }
  if (db1 >= 0 && db2 >= 0 && db1 < ctx.store.databases() && db2 < ctx.store.databases() &&
      db1 != db2) {
    // A watched key breaks if it exists on either side of the swap.
    ctx.DbModified(db1);
    ctx.DbModified(db2);
  }
  if (!ctx.store.SwapDatabases(db1, db2)) {
    ctx.out.Error(errors::kDbIndexOutOfRange);
    return;
  }
  if (db1 != db2) {
    ctx.DbModified(db1);
    ctx.DbModified(db2);
    // Clients blocked on a key that now exists in its db are served (Redis's
    // scanDatabaseForReadyKeys).
    for (int db : {db1, db2}) {
      for (const std::string& key : ctx.server.blocking.WaitedKeys(db)) ctx.KeyReady(db, key);
    }
  }
  ctx.out.Ok();
}

// OBJECT subcommands: the key's entry, or a null reply when it is missing.
const Entry* ObjectLookup(CommandContext& ctx, Shard& shard, std::string_view key)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
  const Entry* entry = shard.FindNoTouch(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key, /*notify=*/false);
  if (entry == nullptr) ctx.out.Null();
  return entry;
}

bool IsIntEncoded(const Entry& entry, int64_t* value) {
  const Entry::Encoding encoding = entry.encoding();
  if (encoding != Entry::Encoding::kAuto && encoding != Entry::Encoding::kIntCopy) return false;
  if (entry.external() || entry.value_size() > 20) return false;
  return ParseInt64(entry.value_view(), value);
}

bool LfuPolicy(CommandContext& ctx) {
  return ctx.server.config->GetString("maxmemory-policy").find("lfu") != std::string::npos;
}

void CmdObjectEncoding(CommandContext& ctx) {
  std::string_view key = ctx.arg(2);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  if (const Entry* entry = ObjectLookup(ctx, *shard, key)) ctx.out.Bulk(ObjectEncodingName(*entry));
}

void CmdObjectRefCount(CommandContext& ctx) {
  std::string_view key = ctx.arg(2);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = ObjectLookup(ctx, *shard, key);
  if (entry == nullptr) return;
  ctx.out.Integer(ObjectRefCount(ctx, *entry));
}

// IDLETIME and FREQ read the key's access clock, with Redis's errors when
// the policy does not track the one asked for.
void CmdObjectIdleTime(CommandContext& ctx) {
  std::string_view key = ctx.arg(2);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = ObjectLookup(ctx, *shard, key);
  if (entry == nullptr) return;
  if (LfuPolicy(ctx)) {
    ctx.out.Error(errors::kLfuSelected);
    return;
  }
  ctx.out.Integer(AccessClock::IdleSeconds(*entry));
}

void CmdObjectFreq(CommandContext& ctx) {
  std::string_view key = ctx.arg(2);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = ObjectLookup(ctx, *shard, key);
  if (entry == nullptr) return;
  if (!LfuPolicy(ctx)) {
    ctx.out.Error(errors::kLfuNotSelected);
    return;
  }
  ctx.out.Integer(AccessClock::Frequency(*entry));
}

// MEMORY USAGE key [SAMPLES count]: the bytes the key really holds (its
// entry and any table it owns, plus its slot in the shard's table).
void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    int64_t samples = 0;
    if (EqualsIgnoreCase(AsCString(ctx.arg(j)), "samples") && j + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &samples)) return;
      if (samples < 0) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      ++j;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  std::string_view key = ctx.arg(2);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  ctx.out.Integer(static_cast<int64_t>(entry->AllocatedSize() + sizeof(Entry) + 1));
}

void CmdMemoryMallocStats(CommandContext& ctx) {
  ctx.out.Bulk("Stats not supported for the current allocator");
}

void CmdMemoryPurge(CommandContext& ctx) {
  malloc_trim(0);  // glibc gives free heap pages back to the system, as jemalloc's purge does
  ctx.out.Ok();
}

void CmdMemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Print this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

void CmdMemory(CommandContext& ctx) { ReplyWrongArity(ctx, "memory"); }

void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

void CmdObject(CommandContext& ctx) { ReplyWrongArity(ctx, "object"); }

enum ExpireFlags : uint32_t { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT], after Redis's
// expireGenericCommand; basetime_ms is now for the relative forms, 0 for the
// absolute ones. A time in the past deletes the key.
void ExpireGeneric(CommandContext& ctx, bool seconds, int64_t basetime_ms) {
  uint32_t flags = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = AsCString(ctx.arg(j));
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kLt;
    } else {
      ctx.out.Error(StrCat("Unsupported option ", opt));
      return;
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    ctx.out.Error(errors::kExpireNxAndOthers);
    return;
  }
  if ((flags & kGt) && (flags & kLt)) {
    ctx.out.Error(errors::kExpireGtAndLt);
    return;
  }
  int64_t when = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &when)) return;
  const std::string invalid =
      StrCat("invalid expire time in '", ctx.client.last_command, "' command");
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ctx.out.Error(invalid);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime_ms) {
    ctx.out.Error(invalid);
    return;
  }
  when += basetime_ms;

  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  if (shard->Find(key, ctx.now_ms) == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  if (flags) {
    std::optional<int64_t> current = shard->GetExpire(key);
    if ((flags & kNx) && current) return ctx.out.Integer(0);
    if ((flags & kXx) && !current) return ctx.out.Integer(0);
    if ((flags & kGt) && (!current || when <= *current)) return ctx.out.Integer(0);
    if ((flags & kLt) && current && when >= *current) return ctx.out.Integer(0);
  }
  if (when <= ctx.now_ms) {
    shard->Erase(key);
    ctx.Propagate({"DEL", key});
    ctx.KeyModified(key);
    ctx.Notify(kEventGeneric, "del", key);
  } else {
    shard->SetExpire(key, when);
    ctx.Propagate({"PEXPIREAT", key, StrCat(when)});
    ctx.KeyModified(key);
    ctx.Notify(kEventGeneric, "expire", key);
  }
  ctx.out.Integer(1);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, ctx.now_ms); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, ctx.now_ms); }
void CmdExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, 0); }
void CmdPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, 0); }

// TTL PTTL EXPIRETIME PEXPIRETIME, as Redis's ttlGenericCommand.
void TtlGeneric(CommandContext& ctx, bool milliseconds, bool absolute) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const bool found = shard->FindNoTouch(key, ctx.now_ms) != nullptr;
  CountLookup(ctx, found, key);
  if (!found) return ctx.out.Integer(-2);
  std::optional<int64_t> when = shard->GetExpire(key);
  if (!when) return ctx.out.Integer(-1);
  const int64_t ttl = std::max<int64_t>(0, absolute ? *when : *when - ctx.now_ms);
  ctx.out.Integer(milliseconds ? ttl : (ttl + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void CmdPersist(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  if (shard->Find(key, ctx.now_ms) == nullptr) return ctx.out.Integer(0);
  bool removed = shard->Persist(key);
  if (removed) {
    ctx.KeyModified(key);
    ctx.Notify(kEventGeneric, "persist", key);
  }
  ctx.out.Integer(removed ? 1 : 0);
}

void CmdDbSize(CommandContext& ctx) {
  ctx.out.Integer(static_cast<int64_t>(ctx.store.DbSize(ctx.client.db)));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both flush at once; the option is checked as Redis does.
bool FlushOptionOk(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(AsCString(ctx.arg(1)), "sync") &&
                         !EqualsIgnoreCase(AsCString(ctx.arg(1)), "async"))) {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx) {
  if (!FlushOptionOk(ctx)) return;
  ctx.DbModified(ctx.client.db);  // before: only keys that existed break a WATCH
  ctx.store.FlushDb(ctx.client.db);
  ctx.server.tracking.InvalidateAll();  // Redis's signalFlushedDb
  // XREADGROUP waits end (Redis's scanDatabaseForDeletedKeys).
  for (const std::string& key : ctx.server.blocking.WaitedKeys(ctx.client.db)) {
    ctx.KeyReady(ctx.client.db, key);
  }
  ctx.out.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  if (!FlushOptionOk(ctx)) return;
  ctx.DbModified(-1);
  ctx.store.FlushAll(ctx.client.db);
  ctx.server.tracking.InvalidateAll();
  for (int db = 0; db < ctx.store.databases(); ++db) {
    for (const std::string& key : ctx.server.blocking.WaitedKeys(db)) ctx.KeyReady(db, key);
  }
  // As Redis's flushAllDataAndResetRDB: a running BGSAVE is dropped and, with
  // save points set, the empty dataset is saved at once, so a restart does
  // not bring the flushed keys back.
  if (ctx.server.persistence != nullptr) {
    if (ctx.server.config->GetString("save").empty()) {
      ctx.server.persistence->CancelBackgroundSave();
    } else {
      (void)ctx.server.persistence->CancelAndSave(/*keep_changes=*/true);
    }
  }
  ctx.out.Ok();
}

}  // namespace

bool ParseScanCursor(std::string_view text, uint64_t* cursor) { return ParseCursor(text, cursor); }

std::string_view TypeName(Entry::Type type) {
  switch (type) {
    case Entry::Type::kString:
      return "string";
    case Entry::Type::kList:
      return "list";
    case Entry::Type::kSet:
      return "set";
    case Entry::Type::kZSet:
      return "zset";
    case Entry::Type::kHash:
      return "hash";
    case Entry::Type::kStream:
      return "stream";
  }
  return "none";
}

bool ParseScanArgs(CommandContext& ctx, size_t cursor_index, bool allow_type, uint64_t* cursor,
                   ScanOptions* options) {
  if (!ParseCursor(ctx.arg(cursor_index), cursor)) {
    ctx.out.Error(errors::kInvalidCursor);
    return false;
  }
  for (size_t i = cursor_index + 1; i < ctx.argc();) {
    std::string_view opt = AsCString(ctx.arg(i));
    const size_t left = ctx.argc() - i;
    if (EqualsIgnoreCase(opt, "count") && left >= 2) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &options->count)) return false;
      if (options->count < 1) {
        ctx.out.Error(errors::kSyntax);
        return false;
      }
      i += 2;
    } else if (EqualsIgnoreCase(opt, "match") && left >= 2) {
      options->pattern = ctx.arg(i + 1);
      options->use_pattern = options->pattern != "*";
      i += 2;
    } else if (allow_type && EqualsIgnoreCase(opt, "type") && left >= 2) {
      options->type = AsCString(ctx.arg(i + 1));
      options->use_type = true;
      i += 2;
    } else {
      ctx.out.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

std::string_view ObjectEncodingName(const Entry& entry) {
  switch (entry.type()) {
    case Entry::Type::kHash:
      return entry.is_table() ? "hashtable" : "listpack";
    case Entry::Type::kSet:
      return entry.is_table() ? "hashtable" : "intset";
    case Entry::Type::kList:
      return "quicklist";
    case Entry::Type::kZSet:
      return entry.is_table() ? "skiplist" : "listpack";
    case Entry::Type::kStream:
      return "stream";
    case Entry::Type::kString:
      break;
  }
  int64_t value = 0;
  if (IsIntEncoded(entry, &value)) return "int";
  if (entry.encoding() == Entry::Encoding::kRaw || entry.external()) return "raw";
  return entry.value_size() <= 44 ? "embstr" : "raw";
}

int64_t ObjectRefCount(CommandContext& ctx, const Entry& entry) {
  // Redis shares the objects of the integers 0..9999 (refcount INT_MAX)
  // unless an LRU/LFU maxmemory policy needs per-object access data.
  int64_t value = 0;
  const std::string policy = ctx.server.config->GetString("maxmemory-policy");
  const bool sharing =
      ctx.server.config->GetInt("maxmemory") == 0 ||
      (policy.find("lru") == std::string::npos && policy.find("lfu") == std::string::npos);
  const bool shared = entry.type() == Entry::Type::kString &&
                      entry.encoding() == Entry::Encoding::kAuto && IsIntEncoded(entry, &value) &&
                      value >= 0 && value < 10000 && sharing;
  return shared ? INT_MAX : 1;
}

void RegisterKeyspaceFamily(CommandTable* table) {
  table->Register({"del", -2, kCmdWrite | kCmdLocksKeys, 1, -1, 1, CmdDel, "generic",
                   "Delete a key", "1.0.0", "@keyspace @write @slow", "RM delete",
                   "O(N) where N is the number of keys that will be removed. When a key to "
                   "remove holds a value other than a string, the individual complexity for this "
                   "key is O(M) where M is the number of elements in the list, set, sorted set or "
                   "hash. Removing a single key that holds a string value is O(1)."});
  table->Register({"unlink", -2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, -1, 1, CmdDel, "generic",
                   "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                   "but non blocking.",
                   "4.0.0", "@keyspace @write @fast", "RM delete",
                   "O(1) for each key removed regardless of its size. Then the command does O(N) "
                   "work in a different thread in order to reclaim memory, where N is the number "
                   "of allocations the deleted objects where composed of."});
  table->Register({"exists", -2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, -1, 1, CmdExists,
                   "generic", "Determine if a key exists", "1.0.0", "@keyspace @read @fast", "RO",
                   "O(N) where N is the number of keys to check."});
  table->Register({"touch", -2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, -1, 1, CmdExists,
                   "generic",
                   "Alters the last access time of a key(s). Returns the number of existing keys "
                   "specified.",
                   "3.2.1", "@keyspace @read @fast", "RO",
                   "O(N) where N is the number of keys that will be touched."});
  table->Register({"type", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdType, "generic",
                   "Determine the type stored at key", "1.0.0", "@keyspace @read @fast", "RO"});
  table->Register({"keys", 2, kCmdReadOnly, 0, 0, 0, CmdKeys, "generic",
                   "Find all keys matching the given pattern", "1.0.0",
                   "@keyspace @read @slow @dangerous", "",
                   "O(N) with N being the number of keys in the database, under the assumption "
                   "that the key names in the database and the given pattern have limited "
                   "length."});
  table->Register({"scan", -2, kCmdReadOnly, 0, 0, 0, CmdScan, "generic",
                   "Incrementally iterate the keys space", "2.8.0", "@keyspace @read @slow", "",
                   "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of elements inside "
                   "the collection."});
  table->Register({"randomkey", 1, kCmdReadOnly, 0, 0, 0, CmdRandomKey, "generic",
                   "Return a random key from the keyspace", "1.0.0", "@keyspace @read @slow"});
  table->Register({"rename", 3, kCmdWrite | kCmdLocksKeys, 1, 2, 1, CmdRename, "generic",
                   "Rename a key", "1.0.0", "@keyspace @write @slow", "RW access delete"});
  table->Register({"renamenx", 3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 2, 1, CmdRenameNx,
                   "generic", "Rename a key, only if the new key does not exist", "1.0.0",
                   "@keyspace @write @fast", "RW access delete"});
  table->Register({"copy",
                   -3,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   2,
                   1,
                   CmdCopy,
                   "generic",
                   "Copy a key",
                   "6.2.0",
                   "@keyspace @write @slow",
                   "RO access",
                   "O(N) worst case for collections, where N is the number of nested items. O(1) "
                   "for string values.",
                   {},
                   CopyKeys});
  table->Register({"move",
                   3,
                   kCmdWrite | kCmdFast | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdMove,
                   "generic",
                   "Move a key to another database",
                   "1.0.0",
                   "@keyspace @write @fast",
                   "RW access update",
                   "O(1)",
                   {},
                   MoveKeys});
  table->Register({"swapdb", 3, kCmdWrite | kCmdFast, 0, 0, 0, CmdSwapDb, "server",
                   "Swaps two Redis databases", "4.0.0", "@keyspace @write @fast @dangerous", "",
                   "O(N) where N is the count of clients watching or blocking on keys from both "
                   "databases."});
  std::vector<CommandSpec> object_subcommands = {
      {"object|encoding", 3, kCmdReadOnly | kCmdLocksKeys, 2, 2, 1, CmdObjectEncoding, "generic",
       "Inspect the internal encoding of a Redis object", "2.2.3", "@keyspace @read @slow", "RO"},
      {"object|freq", 3, kCmdReadOnly | kCmdLocksKeys, 2, 2, 1, CmdObjectFreq, "generic",
       "Get the logarithmic access frequency counter of a Redis object", "4.0.0",
       "@keyspace @read @slow", "RO"},
      {"object|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdObjectHelp, "generic",
       "Show helpful text about the different subcommands", "6.2.0", "@keyspace @slow"},
      {"object|idletime", 3, kCmdReadOnly | kCmdLocksKeys, 2, 2, 1, CmdObjectIdleTime, "generic",
       "Get the time since a Redis object was last accessed", "2.2.3", "@keyspace @read @slow",
       "RO"},
      {"object|refcount", 3, kCmdReadOnly | kCmdLocksKeys, 2, 2, 1, CmdObjectRefCount, "generic",
       "Get the number of references to the value of the key", "2.2.3", "@keyspace @read @slow",
       "RO"},
  };
  table->Register({"object", -2, 0, 0, 0, 0, CmdObject, "generic",
                   "A container for object introspection commands", "2.2.3", "@slow", "",
                   "Depends on subcommand.", std::move(object_subcommands)});
  std::vector<CommandSpec> memory_subcommands = {
      {"memory|doctor", 2, 0, 0, 0, 0, CmdMemoryDoctor, "server", "Outputs memory problems report",
       "4.0.0", "@slow"},
      {"memory|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdMemoryHelp, "server",
       "Show helpful text about the different subcommands", "4.0.0", "@slow"},
      {"memory|malloc-stats", 2, 0, 0, 0, 0, CmdMemoryMallocStats, "server",
       "Show allocator internal stats", "4.0.0", "@slow"},
      {"memory|purge", 2, 0, 0, 0, 0, CmdMemoryPurge, "server",
       "Ask the allocator to release memory", "4.0.0", "@slow"},
      {"memory|stats", 2, 0, 0, 0, 0, CmdMemoryStats, "server", "Show memory usage details",
       "4.0.0", "@slow"},
      {"memory|usage", -3, kCmdReadOnly | kCmdLocksKeys, 2, 2, 1, CmdMemoryUsage, "server",
       "Estimate the memory usage of a key", "4.0.0", "@read @slow", "RO",
       "O(N) where N is the number of samples."},
  };
  table->Register({"memory", -2, 0, 0, 0, 0, CmdMemory, "server",
                   "A container for memory diagnostics commands", "4.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(memory_subcommands)});
  table->Register({"expire", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdExpire,
                   "generic", "Set a key's time to live in seconds", "1.0.0",
                   "@keyspace @write @fast", "RW update"});
  table->Register({"pexpire", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdPExpire,
                   "generic", "Set a key's time to live in milliseconds", "2.6.0",
                   "@keyspace @write @fast", "RW update"});
  table->Register({"expireat", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdExpireAt,
                   "generic", "Set the expiration for a key as a UNIX timestamp", "1.2.0",
                   "@keyspace @write @fast", "RW update"});
  table->Register({"pexpireat", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdPExpireAt,
                   "generic",
                   "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                   "2.6.0", "@keyspace @write @fast", "RW update"});
  table->Register({"ttl", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdTtl, "generic",
                   "Get the time to live for a key in seconds", "1.0.0", "@keyspace @read @fast",
                   "RO access"});
  table->Register({"pttl", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdPTtl, "generic",
                   "Get the time to live for a key in milliseconds", "2.6.0",
                   "@keyspace @read @fast", "RO access"});
  table->Register({"expiretime", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdExpireTime,
                   "generic", "Get the expiration Unix timestamp for a key", "7.0.0",
                   "@keyspace @read @fast", "RO access"});
  table->Register({"pexpiretime", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1,
                   CmdPExpireTime, "generic",
                   "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0",
                   "@keyspace @read @fast", "RO access"});
  table->Register({"persist", 2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdPersist,
                   "generic", "Remove the expiration from a key", "2.2.0", "@keyspace @write @fast",
                   "RW update"});
  table->Register({"dbsize", 1, kCmdReadOnly | kCmdFast, 0, 0, 0, CmdDbSize, "server",
                   "Return the number of keys in the selected database", "1.0.0",
                   "@keyspace @read @fast"});
  table->Register({"flushdb", -1, kCmdWrite, 0, 0, 0, CmdFlushDb, "server",
                   "Remove all keys from the current database", "1.0.0",
                   "@keyspace @write @slow @dangerous", "",
                   "O(N) where N is the number of keys in the selected database"});
  table->Register({"flushall", -1, kCmdWrite, 0, 0, 0, CmdFlushAll, "server",
                   "Remove all keys from all databases", "1.0.0",
                   "@keyspace @write @slow @dangerous", "",
                   "O(N) where N is the total number of keys in all databases"});
}

}  // namespace valkdb
