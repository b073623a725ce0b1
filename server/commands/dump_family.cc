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
#include "server/commands/migrate_sockets.h"
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

// Redis's createDumpPayload: the RDB value, the RDB version, the CRC64.
void DumpPayload(const CommandContext& ctx, const Entry& entry, std::string* payload) {
  EncodeEntry(entry, RdbEncodeOptions(*ctx.server.config), payload);
  payload->push_back(static_cast<char>(rdb::kRdbVersion & 0xff));
  payload->push_back(static_cast<char>(rdb::kRdbVersion >> 8));
  const uint64_t crc = rdb::Crc64(0, *payload);
  for (int i = 0; i < 8; ++i) payload->push_back(static_cast<char>(crc >> (8 * i)));
}

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
  DumpPayload(ctx, *entry, &payload);
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

// The multibulk requests MIGRATE sends its target.
void AppendCount(std::string* out, size_t count) { StrAppend(out, "*", count, "\r\n"); }
void AppendBulk(std::string* out, std::string_view bulk) {
  StrAppend(out, "$", bulk.size(), "\r\n", bulk, "\r\n");
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key...]
// Redis 7.0's migrateCommand (cluster.c): the keys go to the target as
// RESTORE commands on a cached connection, and are deleted here only once the
// target answered OK for them (propagated as DEL of those keys). It waits for
// the target on this event loop, with the keys' shards locked, as Redis
// blocks its one thread: the keys never change between DUMP and DEL.
void CmdMigrate(CommandContext& ctx) {
  bool copy = false, replace = false;
  std::optional<std::string_view> username, password;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const size_t more = ctx.argc() - 1 - j;
    const std::string_view option = ctx.arg(j);
    if (EqualsIgnoreCase(option, "copy")) {
      copy = true;
    } else if (EqualsIgnoreCase(option, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(option, "auth")) {
      if (more == 0) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      password = ctx.arg(++j);
    } else if (EqualsIgnoreCase(option, "auth2")) {
      if (more < 2) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      username = ctx.arg(++j);
      password = ctx.arg(++j);
    } else if (EqualsIgnoreCase(option, "keys")) {
      if (!ctx.arg(3).empty()) {
        ctx.out.Error(
            "When using MIGRATE KEYS option, the key argument must be set to the empty string");
        return;
      }
      first_key = j + 1;
      num_keys = ctx.argc() - j - 1;
      break;  // all the remaining arguments are keys
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  int64_t timeout = 0, dbid = 0;
  if (!ParseIntArg(ctx, ctx.arg(5), &timeout) || !ParseIntArg(ctx, ctx.arg(4), &dbid)) return;
  if (timeout <= 0) timeout = 1000;

  // The keys that are here; none: NOKEY (not an error: often a key just expired).
  struct Found {
    std::string_view key;
    Shard* shard;
    const Entry* entry;
  };
  std::vector<Found> found;
  for (size_t j = 0; j < num_keys; ++j) {
    const std::string_view key = ctx.arg(first_key + j);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    const Entry* entry = shard.Find(key, ctx.now_ms);
    CountLookup(ctx, entry != nullptr, key);
    if (entry != nullptr) found.push_back({key, &shard, entry});
  }
  if (found.empty()) {
    ctx.out.SimpleString("NOKEY");
    return;
  }

  const std::string_view host = ctx.arg(1), port = ctx.arg(2);
  MigrateSockets& sockets = ctx.server.migrate_sockets;
  bool may_retry = true;
  bool deleted_any = false;  // keys acknowledged and deleted: nothing is retried
  while (true) {
    MigrateSockets::Lease lease;
    if (!sockets.Acquire(host, port, timeout, &lease)) {
      ctx.out.Error("-IOERR error or timeout connecting to the client");
      return;
    }
    std::string cmd;
    if (password) {
      AppendCount(&cmd, username ? 3 : 2);
      AppendBulk(&cmd, "AUTH");
      if (username) AppendBulk(&cmd, *username);
      AppendBulk(&cmd, *password);
    }
    const bool select = lease.last_dbid != dbid;
    if (select) {
      AppendCount(&cmd, 2);
      AppendBulk(&cmd, "SELECT");
      AppendBulk(&cmd, StrCat(dbid));
    }
    // Keys that expired since the lookup are left out.
    const int64_t now_ms = UnixTimeMs();
    size_t non_expired = 0;
    for (const Found& f : found) {
      int64_t ttl = 0;
      AssumeLocked(*f.shard);
      if (const std::optional<int64_t> when = f.shard->GetExpire(f.key)) {
        ttl = *when - now_ms;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      found[non_expired++] = f;
      AppendCount(&cmd, replace ? 5 : 4);
      AppendBulk(&cmd, "RESTORE");
      AppendBulk(&cmd, f.key);
      AppendBulk(&cmd, StrCat(ttl));
      std::string payload;
      DumpPayload(ctx, *f.entry, &payload);
      AppendBulk(&cmd, payload);
      if (replace) AppendBulk(&cmd, "REPLACE");
    }
    found.resize(non_expired);

    // Sent in 64 KB chunks, each with the whole timeout, as Redis does.
    bool timed_out = false, write_error = false, socket_error = false;
    for (size_t pos = 0; pos < cmd.size();) {
      const std::string_view chunk = std::string_view(cmd).substr(pos, 64 * 1024);
      if (!SyncWrite(lease.fd, chunk, timeout, &timed_out)) {
        write_error = socket_error = true;
        break;
      }
      pos += chunk.size();
    }
    char auth_reply[1024], select_reply[1024], restore_reply[1024];
    if (!socket_error && password &&
        SyncReadLine(lease.fd, auth_reply, sizeof(auth_reply), timeout, &timed_out) <= 0) {
      socket_error = true;
    }
    if (!socket_error && select &&
        SyncReadLine(lease.fd, select_reply, sizeof(select_reply), timeout, &timed_out) <= 0) {
      socket_error = true;
    }
    if (!socket_error) {
      bool error_from_target = false;
      size_t j = 0;
      for (; j < found.size(); ++j) {
        if (SyncReadLine(lease.fd, restore_reply, sizeof(restore_reply), timeout, &timed_out) <=
            0) {
          socket_error = true;
          break;
        }
        const char* error = nullptr;
        if (password && auth_reply[0] == '-') {
          error = auth_reply;
        } else if (select && select_reply[0] == '-') {
          error = select_reply;
        } else if (restore_reply[0] == '-') {
          error = restore_reply;
        }
        if (error != nullptr) {
          if (!error_from_target) {
            // The target's selected db is no longer known.
            lease.last_dbid = -1;
            error_from_target = true;
            ctx.out.Error(StrCat("Target instance replied with error: ", error + 1));
          }
        } else if (!copy) {
          // Acknowledged: deleted here (a key named twice is deleted once, as Redis's dbDelete).
          const std::string_view key = found[j].key;
          AssumeLocked(*found[j].shard);
          found[j].shard->Erase(key);
          ctx.KeyModified(key);
          ctx.Notify(kEventGeneric, "del", key);
          if (!deleted_any) ctx.propagate.assign({"DEL"});
          ctx.propagate.emplace_back(key);
          deleted_any = true;
        }
      }
      // Nothing was answered on a socket that failed at once (a cached one the
      // target closed, most often): one more try on a new connection.
      const bool retry = !error_from_target && socket_error && j == 0 && may_retry && !timed_out;
      if (!retry) {
        if (socket_error) sockets.Close(&lease);
        if (!socket_error || error_from_target) {
          if (!error_from_target) {
            lease.last_dbid = dbid;
            ctx.out.Ok();
          }
          sockets.Release(&lease);
          return;
        }
        may_retry = false;
      }
    }
    // A socket error: the connection is dropped (the next one SELECTs again),
    // and unless it timed out, tried once more.
    sockets.Close(&lease);
    if (!timed_out && may_retry) {
      may_retry = false;
      continue;
    }
    ctx.out.Error(StrCat("-IOERR error or timeout ", write_error ? "writing" : "reading",
                         " to target instance"));
    return;
  }
}

// The keys MIGRATE names (Redis's migrateGetKeys): its key argument, or all
// after KEYS (past AUTH's and AUTH2's values) when that argument is empty;
// none when both are given (the command refuses that).
void MigrateKeys(const CommandContext& ctx, KeyList* keys) {
  size_t first = 3, last = 3;
  for (size_t i = 6; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "auth")) {
      i += 1;
    } else if (EqualsIgnoreCase(ctx.arg(i), "auth2")) {
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "keys")) {
      if (!ctx.arg(3).empty()) return;
      first = i + 1;
      last = ctx.argc() - 1;
      break;
    }
  }
  for (size_t i = first; i <= last && i < ctx.argc(); ++i) {
    keys->push_back({ctx.client.db, ctx.arg(i)});
  }
}

}  // namespace

// RESTORE's and RESTORE-ASKING's COMMAND DOCS complexity.
constexpr std::string_view kRestoreComplexity =
    "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where "
    "N is the number of Redis objects composing the value and M their average size. For small "
    "string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). "
    "However for sorted set values the complexity is O(N*M*log(N)) because inserting values into "
    "sorted sets is O(log(N)).";

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
                   "2.6.0", "@keyspace @write @slow @dangerous", "OW update", kRestoreComplexity});
  // What a cluster node's MIGRATE sends instead of RESTORE: RESTORE itself,
  // as in Redis (only cluster mode gives its asking flag a meaning).
  table->Register({"restore-asking", -4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1,
                   CmdRestore, "server", "An internal command for migrating keys in a cluster",
                   "3.0.0", "@keyspace @write @slow @dangerous", "OW update", kRestoreComplexity});
  // COMMAND INFO shows the first of Redis's two key specs (the key argument);
  // the table has no place for the second (after KEYS), nor for movablekeys.
  table->Register({"migrate",
                   -6,
                   kCmdWrite | kCmdLocksKeys,
                   3,
                   3,
                   1,
                   CmdMigrate,
                   "generic",
                   "Atomically transfer a key from a Redis instance to another one.",
                   "2.6.0",
                   "@keyspace @write @slow @dangerous",
                   "RW access delete",
                   "This command actually executes a DUMP+DEL in the source instance, and a "
                   "RESTORE in the target instance. See the pages of these commands for time "
                   "complexity. Also an O(N) data transfer between the two instances is "
                   "performed.",
                   {},
                   MigrateKeys});
}

}  // namespace valkdb
