// GET SET
#include <optional>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

void CmdGet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (entry == nullptr) {
    ctx.server.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    ctx.out.Null();
    return;
  }
  ctx.server.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  ctx.out.Bulk(entry->value());
}

enum SetFlags : uint32_t {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetGet = 1 << 2,
  kSetKeepTtl = 1 << 3,
  kSetEx = 1 << 4,
  kSetPx = 1 << 5,
  kSetExAt = 1 << 6,
  kSetPxAt = 1 << 7,
};
constexpr uint32_t kSetAnyExpire = kSetEx | kSetPx | kSetExAt | kSetPxAt;

void CmdSet(CommandContext& ctx) {
  // Option parsing follows Redis's parseExtendedStringArgumentsOrReply, so
  // the same combinations are accepted and refused.
  uint32_t flags = 0;
  std::string_view expire_arg;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool has_next = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "nx") && !(flags & kSetXx)) {
      flags |= kSetNx;
    } else if (EqualsIgnoreCase(opt, "xx") && !(flags & kSetNx)) {
      flags |= kSetXx;
    } else if (EqualsIgnoreCase(opt, "get")) {
      flags |= kSetGet;
    } else if (EqualsIgnoreCase(opt, "keepttl") && !(flags & kSetAnyExpire)) {
      flags |= kSetKeepTtl;
    } else if (has_next && !(flags & kSetKeepTtl) &&
               ((EqualsIgnoreCase(opt, "ex") && !(flags & (kSetAnyExpire & ~kSetEx))) ||
                (EqualsIgnoreCase(opt, "px") && !(flags & (kSetAnyExpire & ~kSetPx))) ||
                (EqualsIgnoreCase(opt, "exat") &&
                 !(flags & (kSetAnyExpire & ~kSetExAt))) ||
                (EqualsIgnoreCase(opt, "pxat") &&
                 !(flags & (kSetAnyExpire & ~kSetPxAt))))) {
      if (EqualsIgnoreCase(opt, "ex")) flags |= kSetEx;
      if (EqualsIgnoreCase(opt, "px")) flags |= kSetPx;
      if (EqualsIgnoreCase(opt, "exat")) flags |= kSetExAt;
      if (EqualsIgnoreCase(opt, "pxat")) flags |= kSetPxAt;
      expire_arg = ctx.arg(++j);
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }

  std::optional<int64_t> expire_ms;
  if (flags & kSetAnyExpire) {
    int64_t when = 0;
    if (!ParseIntArg(ctx, expire_arg, &when)) return;
    const bool seconds = flags & (kSetEx | kSetExAt);
    if (when <= 0 || (seconds && when > INT64_MAX / 1000)) {
      ctx.out.Error("invalid expire time in 'set' command");
      return;
    }
    if (seconds) when *= 1000;
    if (flags & (kSetEx | kSetPx)) {
      if (when > INT64_MAX - ctx.now_ms) {
        ctx.out.Error("invalid expire time in 'set' command");
        return;
      }
      when += ctx.now_ms;
    }
    expire_ms = when;
  }

  std::string_view key = ctx.arg(1);
  LockedShard shard(ctx.store.ShardFor(ctx.client.db, key));
  const Entry* existing = shard->Find(key, ctx.now_ms);
  if (flags & kSetGet) {
    if (existing == nullptr) {
      ctx.out.Null();
    } else {
      ctx.out.Bulk(existing->value());
    }
  }
  if (((flags & kSetNx) && existing != nullptr) || ((flags & kSetXx) && existing == nullptr)) {
    if (!(flags & kSetGet)) ctx.out.Null();
    return;
  }
  shard->Put(key, MakeEntry(ctx, key, 2), expire_ms, flags & kSetKeepTtl);
  ctx.KeyModified(key);
  if (!(flags & kSetGet)) ctx.out.Ok();
}

}  // namespace

void RegisterStringFamily(CommandTable* table) {
  table->Register({"get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, CmdGet, "string",
                   "Get the value of a key", "1.0.0", "@read @string @fast", "RO access"});
  table->Register({"set", -3, kCmdWrite | kCmdDenyOom, 1, 1, 1, CmdSet, "string",
                   "Set the string value of a key", "1.0.0", "@write @string @slow",
                   "RW access update variable_flags"});
}

}  // namespace valkdb
