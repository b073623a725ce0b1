// SAVE, BGSAVE, LASTSAVE and BGREWRITEAOF as Redis 7.0's saveCommand,
// bgsaveCommand, lastsaveCommand (rdb.c) and bgrewriteaofCommand (aof.c);
// the snapshot and the AOF themselves are server/persist/.
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"

namespace valkdb {
namespace {

// In-process harnesses (unit tests, fuzzers) run without persistence.
bool HavePersistence(CommandContext& ctx) {
  if (ctx.server.persistence != nullptr) return true;
  ctx.out.Error("-ERR");
  return false;
}

void CmdSave(CommandContext& ctx) {
  if (!HavePersistence(ctx)) return;
  RdbPersistence& rdb = *ctx.server.persistence;
  if (rdb.background_in_progress()) {
    ctx.out.Error("Background save already in progress");
    return;
  }
  if (!rdb.Save().ok()) {
    ctx.out.Error("-ERR");
    return;
  }
  ctx.out.Ok();
}

void CmdBgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.arg(1), "schedule")) {
      schedule = true;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if (!HavePersistence(ctx)) return;
  RdbPersistence& rdb = *ctx.server.persistence;
  if (rdb.background_in_progress()) {
    ctx.out.Error("Background save already in progress");
  } else if (ctx.client.in_exec || (rdb.rewrite_in_progress() && schedule)) {
    // Redis starts it after the transaction or the rewrite (its cron picks it up).
    rdb.Schedule();
    ctx.out.SimpleString("Background saving scheduled");
  } else if (rdb.rewrite_in_progress()) {
    ctx.out.Error(
        "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
        "order to schedule a BGSAVE whenever possible.");
  } else if (rdb.StartBackgroundSave()) {
    ctx.out.SimpleString("Background saving started");
  } else if (schedule) {
    rdb.Schedule();
    ctx.out.SimpleString("Background saving scheduled");
  } else {
    ctx.out.Error("Background save already in progress");
  }
}

void CmdLastsave(CommandContext& ctx) {
  if (!HavePersistence(ctx)) return;
  ctx.out.Integer(ctx.server.persistence->last_save_time());
}

void CmdBgrewriteaof(CommandContext& ctx) {
  if (!HavePersistence(ctx) || ctx.server.aof == nullptr) return;
  switch (ctx.server.aof->StartRewrite(ctx.client.in_exec)) {
    case AofPersistence::RewriteStart::kAlreadyRunning:
      ctx.out.Error("Background append only file rewriting already in progress");
      break;
    case AofPersistence::RewriteStart::kScheduled:
      ctx.out.SimpleString("Background append only file rewriting scheduled");
      break;
    case AofPersistence::RewriteStart::kStarted:
      ctx.out.SimpleString("Background append only file rewriting started");
      break;
    case AofPersistence::RewriteStart::kFailed:
      ctx.out.Error(
          "Can't execute an AOF background rewriting. Please check the server logs for more "
          "information.");
      break;
  }
}

}  // namespace

void RegisterPersistFamily(CommandTable* table) {
  table->Register({"save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, 0, 0, 0, CmdSave, "server",
                   "Synchronously save the dataset to disk", "1.0.0", "@admin @slow @dangerous", "",
                   "O(N) where N is the total number of keys in all databases"});
  table->Register({"bgsave", -1, kCmdAdmin | kCmdNoScript, 0, 0, 0, CmdBgsave, "server",
                   "Asynchronously save the dataset to disk", "1.0.0", "@admin @slow @dangerous",
                   "", "O(N) where N is the total number of keys in all databases"});
  table->Register({"bgrewriteaof", 1, kCmdAdmin | kCmdNoScript, 0, 0, 0, CmdBgrewriteaof, "server",
                   "Asynchronously rewrite the append-only file", "1.0.0",
                   "@admin @slow @dangerous", "", "O(1)"});
  table->Register({"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdLastsave,
                   "server", "Get the UNIX time stamp of the last successful save to disk", "1.0.0",
                   "@admin @fast @dangerous"});
}

}  // namespace valkdb
