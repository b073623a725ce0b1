// SAVE, BGSAVE and LASTSAVE as Redis 7.0's saveCommand, bgsaveCommand and
// lastsaveCommand (rdb.c); the snapshot itself is server/persist/.
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
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
  if (rdb.in_progress()) {
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
  if (rdb.in_progress()) {
    ctx.out.Error("Background save already in progress");
  } else if (ctx.client.in_exec) {
    // Redis starts it after the transaction (its cron picks it up).
    rdb.Schedule();
    ctx.out.SimpleString("Background saving scheduled");
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

}  // namespace

void RegisterPersistFamily(CommandTable* table) {
  table->Register({"save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, 0, 0, 0, CmdSave, "server",
                   "Synchronously save the dataset to disk", "1.0.0", "@admin @slow @dangerous", "",
                   "O(N) where N is the total number of keys in all databases"});
  table->Register({"bgsave", -1, kCmdAdmin | kCmdNoScript, 0, 0, 0, CmdBgsave, "server",
                   "Asynchronously save the dataset to disk", "1.0.0", "@admin @slow @dangerous",
                   "", "O(N) where N is the total number of keys in all databases"});
  table->Register({"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdLastsave,
                   "server", "Get the UNIX time stamp of the last successful save to disk", "1.0.0",
                   "@admin @fast @dangerous"});
}

}  // namespace valkdb
