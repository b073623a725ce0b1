// MULTI EXEC DISCARD WATCH UNWATCH
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

void EndTransaction(CommandContext& ctx) {
  ctx.client.in_multi = false;
  ctx.client.multi_error = false;
  ctx.client.queued.clear();
  ctx.server.watches.UnwatchAll(&ctx.client.watch);
}

void CmdMulti(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.out.Error("MULTI calls can not be nested");
    return;
  }
  ctx.client.in_multi = true;
  ctx.out.Ok();
}

void CmdDiscard(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.out.Error("DISCARD without MULTI");
    return;
  }
  EndTransaction(ctx);
  ctx.out.Ok();
}

// True when a watched key changed, or one that had a TTL when watched has expired since.
bool WatchBroken(CommandContext& ctx) {
  if (ctx.client.watch.dirty.load(std::memory_order_relaxed)) return true;
  for (const auto& [db, key] : ctx.client.watch.volatile_keys) {
    Shard* shard = ctx.store.ShardFor(db, key);
    LockedShard shard_lock(shard);
    if (shard->Find(key, ctx.now_ms) == nullptr) return true;
  }
  return false;
}

void CmdExec(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.out.Error("EXEC without MULTI");
    return;
  }
  if (ctx.client.multi_error) {
    EndTransaction(ctx);
    ctx.out.Error("-EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (WatchBroken(ctx)) {
    EndTransaction(ctx);
    ctx.out.NullArray();
    return;
  }
  // The queue is taken out first: the commands run as if outside MULTI.
  std::vector<CommandArgs> queued = std::move(ctx.client.queued);
  EndTransaction(ctx);
  ctx.out.Array(queued.size());
  if (ctx.store.feed().active()) ctx.client.exec_feed = ClientState::ExecFeed::kPending;
  ctx.client.in_exec = true;
  for (const CommandArgs& args : queued) {
    CommandContext inner{ctx.store, ctx.server, ctx.client, ctx.out, args, ctx.now_ms};
    CommandTable::Get().Dispatch(inner);
  }
  ctx.client.in_exec = false;
  if (ctx.client.exec_feed == ClientState::ExecFeed::kOpen) {
    ctx.store.feed().Publish(ctx.client.db, {"EXEC"});
  }
  ctx.client.exec_feed = ClientState::ExecFeed::kNone;
}

void CmdWatch(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.out.Error("WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    ctx.server.watches.Watch(ctx.client.db, key, &ctx.client.watch);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    if (shard.Find(key, ctx.now_ms) != nullptr && shard.GetExpire(key).has_value()) {
      ctx.client.watch.volatile_keys.emplace_back(ctx.client.db, std::string(key));
    }
  }
  ctx.out.Ok();
}

void CmdUnwatch(CommandContext& ctx) {
  ctx.server.watches.UnwatchAll(&ctx.client.watch);
  ctx.out.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable* table) {
  constexpr uint32_t kFlags = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdAllowBusy;
  table->Register({"multi", 1, kFlags | kCmdRunsInMulti, 0, 0, 0, CmdMulti, "transactions",
                   "Mark the start of a transaction block", "1.2.0", "@fast @transaction"});
  table->Register(
      {"exec", 1,
       kCmdNoScript | kCmdLoading | kCmdStale | kCmdSkipSlowlog | kCmdRunsInMulti | kCmdRunsAlone,
       0, 0, 0, CmdExec, "transactions", "Execute all commands issued after MULTI", "1.2.0",
       "@slow @transaction", "", "Depends on commands in the transaction"});
  table->Register({"discard", 1, kFlags | kCmdRunsInMulti, 0, 0, 0, CmdDiscard, "transactions",
                   "Discard all commands issued after MULTI", "2.0.0", "@fast @transaction", "",
                   "O(N), when N is the number of queued commands"});
  table->Register({"watch", -2, kFlags | kCmdLocksKeys | kCmdRunsInMulti, 1, -1, 1, CmdWatch,
                   "transactions",
                   "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0",
                   "@fast @transaction", "RO", "O(1) for every key."});
  table->Register({"unwatch", 1, kFlags, 0, 0, 0, CmdUnwatch, "transactions",
                   "Forget about all watched keys", "2.2.0", "@fast @transaction"});
}

}  // namespace valkdb
