// REPLICAOF/SLAVEOF, REPLCONF, PSYNC, SYNC, ROLE and WAIT, as Redis 7.0's
// replication.c commands. The work is in server/repl/replication.h.
#include <memory>

#include "protocol/str_util.h"
#include "server/commands/blocking.h"
#include "server/commands/command_table.h"
#include "server/repl/replication.h"

namespace valkdb {
namespace {

void CmdReplicaOf(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl == nullptr) {
    ctx.out.Error("replication is not available");
    return;
  }
  if (EqualsIgnoreCase(ctx.arg(1), "no") && EqualsIgnoreCase(ctx.arg(2), "one")) {
    if (repl->is_replica()) repl->UnsetMaster();
    ctx.out.Ok();
    return;
  }
  int64_t port = 0;
  if (!ParseInt64(ctx.arg(2), &port) || port < 0 || port > 65535) {
    ctx.out.Error("Invalid master port");
    return;
  }
  if (!repl->SetMaster(std::string(ctx.arg(1)), static_cast<int>(port))) {
    ctx.out.Raw("+OK Already connected to specified master\r\n");
    return;
  }
  ctx.out.Ok();
}

// REPLCONF option value [option value ...]: what a replica tells its master
// before PSYNC (listening-port, ip-address, capa), and ACK/GETACK after.
void CmdReplConf(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.out.Error("syntax error");
    return;
  }
  for (size_t j = 1; j < ctx.argc(); j += 2) {
    const std::string_view option = ctx.arg(j);
    const std::string_view value = ctx.arg(j + 1);
    if (EqualsIgnoreCase(option, "listening-port")) {
      int64_t port = 0;
      if (!ParseIntArg(ctx, value, &port)) return;
      ctx.client.repl_listening_port = static_cast<int>(port);
    } else if (EqualsIgnoreCase(option, "ip-address")) {
      if (value.size() >= 46) {
        ctx.out.Error(StrCat("REPLCONF ip-address provided by replica instance is too long: ",
                             value.size(), " bytes"));
        return;
      }
      ctx.client.repl_announced_ip = std::string(value);
    } else if (EqualsIgnoreCase(option, "capa")) {
      if (EqualsIgnoreCase(value, "eof")) ctx.client.repl_capa_eof = true;
      if (EqualsIgnoreCase(value, "psync2")) ctx.client.repl_capa_psync2 = true;
    } else if (EqualsIgnoreCase(option, "ack") || EqualsIgnoreCase(option, "getack")) {
      // From a replica (ACK) or a master (GETACK): never answered here.
      return;
    } else if (EqualsIgnoreCase(option, "rdb-only") ||
               EqualsIgnoreCase(option, "rdb-filter-only")) {
      // redis-cli --rdb's options: accepted (the whole RDB is sent).
    } else {
      ctx.out.Error(StrCat("Unrecognized REPLCONF option: ", AsCString(option)));
      return;
    }
  }
  ctx.out.Ok();
}

// PSYNC replid offset / SYNC: the connection becomes a replica once this
// command is over (Connection hands its socket to the replication module).
void CmdSync(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl == nullptr) {
    ctx.out.Error("replication is not available");
    return;
  }
  if (ctx.argc() > 3 && EqualsIgnoreCase(ctx.arg(0), "psync") &&
      EqualsIgnoreCase(ctx.arg(3), "failover")) {
    // The master of this replica hands over (its FAILOVER): this replica
    // becomes the master, then serves the PSYNC as any.
    if (!repl->AcceptFailover(std::string(ctx.arg(1)))) {
      ctx.out.Error("PSYNC FAILOVER replid must match my replid.");
      return;
    }
  }
  if (repl->is_replica() && !repl->link_up()) {
    ctx.out.Error("-NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  ctx.client.become_replica = true;
  ctx.client.psync_args.clear();
  if (ctx.argc() >= 3 && EqualsIgnoreCase(ctx.arg(0), "psync")) {
    ctx.client.psync_args.emplace_back(ctx.arg(1));
    ctx.client.psync_args.emplace_back(ctx.arg(2));
  }
}

void CmdRole(CommandContext& ctx) {
  if (ctx.server.replication == nullptr) {
    ctx.out.Array(3);
    ctx.out.Bulk("master");
    ctx.out.Integer(0);
    ctx.out.Array(0);
    return;
  }
  ctx.server.replication->WriteRole(ctx.out);
}

// WAIT numreplicas timeout: blocks until that many replicas acknowledged
// the stream as it is now, or the timeout (ms, 0 = forever) passes.
void CmdWait(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl != nullptr && repl->is_replica()) {
    ctx.out.Error(
        "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to replicas "
        "are just local and are not propagated.");
    return;
  }
  int64_t needed = 0;
  if (!ParseIntArg(ctx, ctx.arg(1), &needed)) return;
  int64_t timeout = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &timeout, "timeout is not an integer or out of range")) return;
  if (timeout < 0) {
    ctx.out.Error("timeout is negative");
    return;
  }
  if (repl == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  const int64_t offset = repl->master_repl_offset();
  const int64_t acked = repl->AckedReplicas(offset);
  // Inside EXEC (or when enough replicas have it already) WAIT answers at once.
  if (acked >= needed || !ctx.may_block()) {
    ctx.out.Integer(acked);
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->client_id = ctx.client.id;
  waiter->loop = ctx.client.loop;
  waiter->db = ctx.client.db;
  waiter->deadline_ms = timeout > 0 ? ctx.now_ms + timeout : 0;
  ctx.client.blocked = waiter;
  ctx.server.blocking.Add(waiter);
  int64_t now_acked = 0;
  if (!repl->Wait(waiter, needed, &now_acked)) {
    // Enough acknowledged meanwhile: answered now.
    if (waiter->Finish(Waiter::State::kServed)) {
      ctx.server.blocking.Remove(*waiter);
      ctx.client.blocked = nullptr;
      ctx.out.Integer(now_acked);
    }
  }
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds], as Redis
// 7.0's failoverCommand.
void CmdFailover(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl == nullptr) {
    ctx.out.Error("replication is not available");
    return;
  }
  std::string host;
  int64_t port = 0, timeout = 0;
  bool force = false, abort = false, timeout_given = false;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.arg(j);
    if (EqualsIgnoreCase(arg, "to") && j + 2 < ctx.argc() && host.empty()) {
      host = std::string(ctx.arg(j + 1));
      if (!ParseIntArg(ctx, ctx.arg(j + 2), &port)) return;
      j += 2;
    } else if (EqualsIgnoreCase(arg, "timeout") && j + 1 < ctx.argc() && !timeout_given) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &timeout)) return;
      if (timeout <= 0) {
        ctx.out.Error("FAILOVER timeout must be greater than 0");
        return;
      }
      timeout_given = true;
      ++j;
    } else if (EqualsIgnoreCase(arg, "force") && !force) {
      force = true;
    } else if (EqualsIgnoreCase(arg, "abort") && !abort) {
      abort = true;
    } else {
      ctx.out.Error("syntax error");
      return;
    }
  }
  if (abort) {
    if (force || timeout_given || !host.empty()) {
      ctx.out.Error("FAILOVER abort does not support other arguments.");
      return;
    }
    const std::string error = repl->AbortFailover();
    if (error.empty()) {
      ctx.out.Ok();
    } else {
      ctx.out.Error(error);
    }
    return;
  }
  if (force && (!timeout_given || host.empty())) {
    ctx.out.Error("FAILOVER with force option requires both a timeout and target HOST and IP.");
    return;
  }
  const std::string error =
      repl->StartFailover(host, static_cast<int>(port), force, timeout, ctx.now_ms);
  if (error.empty()) {
    ctx.out.Ok();
  } else {
    ctx.out.Error(error);
  }
}

}  // namespace

void RegisterReplicationFamily(CommandTable* table) {
  table->Register({"failover", -1, kCmdAdmin | kCmdNoScript | kCmdStale, 0, 0, 0, CmdFailover,
                   "server",
                   "Start a coordinated failover between this server and one of its replicas.",
                   "6.2.0", "@admin @slow @dangerous"});
  const uint32_t kOf = kCmdAdmin | kCmdNoScript | kCmdStale;
  table->Register({"replicaof", 3, kOf, 0, 0, 0, CmdReplicaOf, "server",
                   "Make the server a replica of another instance, or promote it as master.",
                   "5.0.0", "@admin @slow @dangerous"});
  table->Register({"slaveof", 3, kOf, 0, 0, 0, CmdReplicaOf, "server",
                   "Make the server a replica of another instance, or promote it as master.",
                   "1.0.0", "@admin @slow @dangerous"});
  table->Register(
      {"replconf", -1, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdAllowBusy, 0, 0, 0,
       CmdReplConf, "server", "An internal command for configuring the replication stream", "3.0.0",
       "@admin @slow @dangerous"});
  table->Register({"psync", -3, kCmdAdmin | kCmdNoScript | kCmdNoMulti | kCmdDecidesInput, 0, 0, 0,
                   CmdSync, "server", "Internal command used for replication", "2.8.0",
                   "@admin @slow @dangerous"});
  table->Register({"sync", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti | kCmdDecidesInput, 0, 0, 0,
                   CmdSync, "server", "Internal command used for replication", "1.0.0",
                   "@admin @slow @dangerous"});
  table->Register({"role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdRole,
                   "server", "Return the role of the instance in the context of replication",
                   "2.8.12", "@admin @fast @dangerous"});
  table->Register({"wait", 3, kCmdNoScript | kCmdMayBlock, 0, 0, 0, CmdWait, "generic",
                   "Wait for the synchronous replication of all the write commands sent in the "
                   "context of the current connection",
                   "3.0.0", "@slow @connection"});
}

}  // namespace valkdb
