// DEL EXISTS EXPIRE PEXPIRE TTL PTTL PERSIST DBSIZE FLUSHDB FLUSHALL
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

void CmdDel(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.store.Delete(ctx.client.db, ctx.arg(i), ctx.now_ms)) {
      ++deleted;
      ctx.KeyModified(ctx.arg(i));
    }
  }
  ctx.out.Integer(deleted);
}

void CmdExists(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
    if (shard->Find(key, ctx.now_ms) != nullptr) ++found;
  }
  ctx.out.Integer(found);
}

enum ExpireFlags : uint32_t { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// EXPIRE/PEXPIRE key time [NX|XX|GT|LT], after Redis's expireGenericCommand.
void ExpireGeneric(CommandContext& ctx, bool seconds, std::string_view name) {
  uint32_t flags = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
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
  const std::string invalid = StrCat("invalid expire time in '", name, "' command");
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ctx.out.Error(invalid);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - ctx.now_ms) {
    ctx.out.Error(invalid);
    return;
  }
  when += ctx.now_ms;

  std::string_view key = ctx.arg(1);
  LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
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
  } else {
    shard->SetExpire(key, when);
  }
  ctx.KeyModified(key);
  ctx.out.Integer(1);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, "expire"); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, "pexpire"); }

void TtlGeneric(CommandContext& ctx, bool seconds) {
  std::string_view key = ctx.arg(1);
  LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
  if (shard->Find(key, ctx.now_ms) == nullptr) return ctx.out.Integer(-2);
  std::optional<int64_t> when = shard->GetExpire(key);
  if (!when) return ctx.out.Integer(-1);
  int64_t ttl = std::max<int64_t>(0, *when - ctx.now_ms);
  ctx.out.Integer(seconds ? (ttl + 500) / 1000 : ttl);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, true); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, false); }

void CmdPersist(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
  if (shard->Find(key, ctx.now_ms) == nullptr) return ctx.out.Integer(0);
  bool removed = shard->Persist(key);
  if (removed) ctx.KeyModified(key);
  ctx.out.Integer(removed ? 1 : 0);
}

void CmdDbSize(CommandContext& ctx) {
  ctx.out.Integer(static_cast<int64_t>(ctx.store.DbSize(ctx.client.db)));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both flush at once; the option is checked as Redis does.
bool FlushOptionOk(CommandContext& ctx) {
  if (ctx.argc() > 2 ||
      (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "sync") &&
       !EqualsIgnoreCase(ctx.arg(1), "async"))) {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx) {
  if (!FlushOptionOk(ctx)) return;
  ctx.store.FlushDb(ctx.client.db);
  ctx.DbModified(ctx.client.db);
  ctx.out.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  if (!FlushOptionOk(ctx)) return;
  ctx.store.FlushAll();
  ctx.DbModified(-1);
  ctx.out.Ok();
}

}  // namespace

void RegisterKeyspaceFamily(CommandTable* table) {
  table->Register({"del", -2, kCmdWrite, 1, -1, 1, CmdDel, "generic", "Delete a key", "1.0.0",
                   "@keyspace @write @slow", "RM delete", "O(N)"});
  table->Register({"exists", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, CmdExists, "generic",
                   "Determine if a key exists", "1.0.0", "@keyspace @read @fast", "RO",
                   "O(N)"});
  table->Register({"expire", -3, kCmdWrite | kCmdFast, 1, 1, 1, CmdExpire, "generic",
                   "Set a key's time to live in seconds", "1.0.0", "@keyspace @write @fast",
                   "RW update"});
  table->Register({"pexpire", -3, kCmdWrite | kCmdFast, 1, 1, 1, CmdPExpire, "generic",
                   "Set a key's time to live in milliseconds", "2.6.0",
                   "@keyspace @write @fast", "RW update"});
  table->Register({"ttl", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, CmdTtl, "generic",
                   "Get the time to live for a key in seconds", "1.0.0",
                   "@keyspace @read @fast", "RO access"});
  table->Register({"pttl", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, CmdPTtl, "generic",
                   "Get the time to live for a key in milliseconds", "2.6.0",
                   "@keyspace @read @fast", "RO access"});
  table->Register({"persist", 2, kCmdWrite | kCmdFast, 1, 1, 1, CmdPersist, "generic",
                   "Remove the expiration from a key", "2.2.0", "@keyspace @write @fast",
                   "RW update"});
  table->Register({"dbsize", 1, kCmdReadOnly | kCmdFast, 0, 0, 0, CmdDbSize, "server",
                   "Return the number of keys in the selected database", "1.0.0",
                   "@keyspace @read @fast"});
  table->Register({"flushdb", -1, kCmdWrite, 0, 0, 0, CmdFlushDb, "server",
                   "Remove all keys from the current database", "1.0.0",
                   "@keyspace @write @slow @dangerous", "", "O(N)"});
  table->Register({"flushall", -1, kCmdWrite, 0, 0, 0, CmdFlushAll, "server",
                   "Remove all keys from all databases", "1.0.0",
                   "@keyspace @write @slow @dangerous", "", "O(N)"});
}

}  // namespace valkdb
