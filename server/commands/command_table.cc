#include "server/commands/command_table.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>

#include "absl/container/inlined_vector.h"
#include "protocol/str_util.h"
#include "server/commands/command_meta.h"
#include "server/commands/errors.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/script/lua_engine.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/sorted_set.h"

namespace valkdb {
namespace {

// Redis's printf("%.*s") of an argument: stops at a NUL byte.
std::string_view CString(std::string_view s, size_t max) {
  size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  return s.substr(0, std::min(max, s.size()));
}

struct FlagName {
  uint32_t flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {kCmdWrite, "write"},
    {kCmdReadOnly, "readonly"},
    {kCmdDenyOom, "denyoom"},
    {kCmdAdmin, "admin"},
    {kCmdPubSub, "pubsub"},
    {kCmdNoScript, "noscript"},
    {kCmdMayBlock, "blocking"},
    {kCmdLoading, "loading"},
    {kCmdStale, "stale"},
    {kCmdSkipMonitor, "skip_monitor"},
    {kCmdSkipSlowlog, "skip_slowlog"},
    {kCmdFast, "fast"},
    {kCmdNoAuth, "no_auth"},
    {kCmdAllowBusy, "allow_busy"},
    {kCmdNoMulti, "no_multi"},
};

std::vector<std::string_view> Words(std::string_view text) { return Split(text, ' '); }

}  // namespace

CommandTable::CommandTable() {
  RegisterConnectionFamily(this);
  RegisterStringFamily(this);
  RegisterBitmapFamily(this);
  RegisterHllFamily(this);
  RegisterKeyspaceFamily(this);
  RegisterServerFamily(this);
  RegisterPubSubFamily(this);
  RegisterTransactionFamily(this);
  RegisterHashFamily(this);
  RegisterSetFamily(this);
  RegisterListFamily(this);
  RegisterZSetFamily(this);
  RegisterStreamFamily(this);
  RegisterScriptingFamily(this);
  RegisterGeoFamily(this);
  RegisterDumpFamily(this);
  RegisterPersistFamily(this);
  RegisterSortFamily(this);
  RegisterDebugFamily(this);
  RegisterIntrospectionFamily(this);
  RegisterReplicationFamily(this);
  RegisterClusterFamily(this);
  RegisterModuleFamily(this);
}

const CommandTable& CommandTable::Get() {
  static const auto* table = new CommandTable();
  return *table;
}

void CommandTable::Register(CommandSpec spec) {
  // Subcommands share their command's connection-level behaviour.
  constexpr uint32_t kInherited = kCmdSubscribedOk | kCmdRunsInMulti | kCmdDecidesInput;
  for (CommandSpec& sub : spec.subcommands) {
    sub.flags |= spec.flags & kInherited;
    sub.id = spec_count_++;
  }
  spec.id = spec_count_++;
  index_[spec.name] = commands_.size();
  commands_.push_back(std::move(spec));
}

void CommandTable::SetMemberArgs(std::string_view name, int first, int step) {
  CommandSpec& spec = commands_[index_.at(name)];
  spec.member_first = first;
  spec.member_step = step;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char lower[32];
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    lower[i] = AsciiToLower(name[i]);
  }
  auto it = index_.find(std::string_view(lower, name.size()));
  return it == index_.end() ? nullptr : &commands_[it->second];
}

const CommandSpec* CommandTable::Lookup(absl::Span<const std::string_view> args) const {
  if (args.empty()) return nullptr;
  const CommandSpec* spec = Find(args[0]);
  if (spec == nullptr || spec->subcommands.empty() || args.size() < 2) return spec;
  for (const CommandSpec& sub : spec->subcommands) {
    std::string_view sub_name = sub.name.substr(sub.name.find('|') + 1);
    if (EqualsIgnoreCase(sub_name, args[1])) return &sub;
  }
  return nullptr;
}

Entry MakeEntry(const CommandContext& ctx, std::string_view key, size_t value_index) {
  const Bytes* big = ctx.args.Owned(value_index);
  return big != nullptr ? Entry::Make(key, *big) : Entry::Make(key, ctx.arg(value_index));
}

void ReplyWrongArity(CommandContext& ctx, std::string_view full_name) {
  ctx.out.Error(StrCat("wrong number of arguments for '", full_name, "' command"));
}

void CmdContainer(CommandContext& ctx) { ReplyWrongArity(ctx, AsciiLower(ctx.arg(0))); }

void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  ctx.out.Array(lines.size() + 3);
  ctx.out.SimpleString(
      StrCat(command, " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
  for (std::string_view line : lines) ctx.out.SimpleString(line);
  ctx.out.SimpleString("HELP");
  ctx.out.SimpleString("    Prints this help.");
}

void ReplyUnknownSubcommand(CommandContext& ctx, std::string_view command, std::string_view sub) {
  ctx.out.Error(
      StrCat("unknown subcommand '", CString(sub, 128), "'. Try ", AsciiUpper(command), " HELP."));
}

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  ctx.out.Error(StrCat("unknown subcommand or wrong number of arguments for '",
                       CString(ctx.arg(1), 128), "'. Try ", AsciiUpper(ctx.arg(0)), " HELP."));
}

bool ParseIntArg(CommandContext& ctx, std::string_view text, int64_t* value,
                 std::string_view error) {
  if (ParseInt64(text, value)) return true;
  ctx.out.Error(error);
  return false;
}

namespace {

// Redis's allowProtectedAction: whether a command `setting` protects
// (enable-debug-command, enable-module-command) may run for this client:
// "yes", or "local" and a client on the unix socket, 127.0.0.1 or ::1 (as
// Redis's islocalClient), or one of valkdb's own (no address).
bool ProtectedCommandAllowed(const CommandContext& ctx, std::string_view setting) {
  const std::string value = ctx.server.config->GetString(setting);
  if (value == "yes") return true;
  if (value != "local") return false;
  const ClientState& client = ctx.client;
  if (client.unix_socket || client.addr.empty()) return true;
  std::string_view host = client.addr;
  host = host.substr(0, host.rfind(':'));
  return host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

// Redis's rejectCommand: a refusal before the command ran counts against it.
void CountRejected(CommandContext& ctx, const CommandSpec& spec) {
  LoopStats* stats = ctx.client.stats;
  if (stats == nullptr) return;
  stats->CatchUpReset();
  stats->command(spec.id).rejected.Add(1);
}

void PushSlowLog(ServerState& server, const ClientState& client, const LoopStats& stats,
                 absl::Span<const std::string_view> args, int64_t duration_us) {
  absl::InlinedVector<std::string_view, 8> argv(args.begin(), args.end());
  RedactPasswords(&argv);
  server.stats.slowlog.Push(argv, duration_us, client.addr, client.name, stats.slowlog_max_len);
}

// What Redis's call() records once a command ran: commandstats (a failure
// is an error reply since the command began, not counting those of commands
// it ran itself, as EXEC's), the latency histogram, the latency monitor's
// "command" / "fast-command" events and the slow log. A blocked command's
// histogram and slow log entry wait for the end of its wait.
void AccountCall(CommandContext& ctx, const CommandSpec& spec, int64_t start_ns) {
  LoopStats& stats = *ctx.client.stats;
  const int64_t end_ns = MonotonicNs();
  stats.clock_ns = end_ns;
  const int64_t duration_ns = end_ns > start_ns ? end_ns - start_ns : 0;
  stats.last_duration_ns = duration_ns;
  stats.CatchUpReset();
  stats.CatchUpConfig(*ctx.server.config);
  CommandCounters& counters = stats.command(spec.id);
  if (stats.errors() > stats.prev_errors) counters.failed.Add(1);
  stats.prev_errors = stats.errors();
  const int64_t duration_us = duration_ns / 1000;
  counters.calls.Add(1);
  counters.usec.Add(static_cast<uint64_t>(duration_us));
  const bool blocked = ctx.client.blocked != nullptr;
  // Redis records whole microseconds (in ns).
  if (stats.latency_tracking && !blocked) stats.histogram(spec.id).Record(duration_us * 1000);
  if (stats.latency_threshold_ms > 0 && duration_us / 1000 >= stats.latency_threshold_ms)
      [[unlikely]] {
    ctx.server.stats.latency.AddSample((spec.flags & kCmdFast) ? "fast-command" : "command",
                                       duration_us / 1000);
  }
  if (!blocked && !(spec.flags & kCmdSkipSlowlog) && stats.slowlog_slower_than >= 0 &&
      duration_us >= stats.slowlog_slower_than) [[unlikely]] {
    PushSlowLog(ctx.server, ctx.client, stats, ctx.args.views(), duration_us);
  }
}

}  // namespace

void AccountUnblocked(ClientState& client, ServerState& server, const CommandSpec& spec,
                      absl::Span<const std::string_view> args, int64_t duration_ns, bool failed) {
  LoopStats* stats = client.stats;
  if (stats == nullptr) return;
  stats->CatchUpReset();
  stats->CatchUpConfig(*server.config);
  CommandCounters& counters = stats->command(spec.id);
  const int64_t duration_us = duration_ns / 1000;
  counters.usec.Add(static_cast<uint64_t>(duration_us));
  if (failed) counters.failed.Add(1);
  if (stats->latency_tracking) stats->histogram(spec.id).Record(duration_us * 1000);
  if (stats->slowlog_slower_than >= 0 && duration_us >= stats->slowlog_slower_than) {
    PushSlowLog(server, client, *stats, args, duration_us);
  }
}

const CommandSpec* CommandTable::FindFullName(std::string_view name) const {
  const size_t bar = name.find('|');
  const CommandSpec* spec = Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  for (const CommandSpec& sub : spec->subcommands) {
    if (EqualsIgnoreCase(sub.name, name)) return &sub;
  }
  return nullptr;
}

namespace {

// Logged at most once a minute, as Redis does.
void WarnCrossProtocolAttack() {
  static std::atomic<int64_t> last_ms{0};
  const int64_t now_ms = UnixTimeMs();
  int64_t last = last_ms.load(std::memory_order_relaxed);
  if (now_ms - last < 60 * 1000 && last != 0) return;
  if (!last_ms.compare_exchange_strong(last, now_ms, std::memory_order_relaxed)) return;
  std::fprintf(
      stderr,
      "valkdb: Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
      "Host: commands to Redis. This is likely due to an attacker attempting to use Cross "
      "Protocol Scripting to compromise your Redis instance. Connection aborted.\n");
}

}  // namespace

bool CommandTable::IsCrossProtocol(std::string_view name) {
  return EqualsIgnoreCase(name, "post") || EqualsIgnoreCase(name, "host:");
}

bool CommandTable::MemoryAllows(CommandContext& ctx, const CommandSpec& spec) const {
  WatchRegistry& watches = ctx.server.watches;
  Tracking::OutsideCommand before_the_command;
  if (PerformEvictions(ctx.store, ctx.server.config->eviction_settings(),
                       [&watches](int db, std::string_view key) { watches.Touch(db, key); }) !=
      EvictionResult::kFail) {
    return true;
  }
  // Redis's processCommand: deny-oom commands, an EXEC holding one, and
  // anything queued into MULTI (queueing takes memory too) are refused.
  const bool is_exec = spec.name == "exec";
  // A script that declares flags is judged by them (deny-oom unless allow-oom or no-writes).
  const uint32_t flags = (spec.flags & kCmdRunsAlone) && !is_exec
                             ? ScriptCommandFlags(ctx.server, spec, ctx.args.views())
                             : spec.flags;
  bool reject = (flags & kCmdDenyOom) != 0;
  if (is_exec) {
    for (const auto& queued : ctx.client.queued) {
      const CommandSpec* q = Lookup(queued.views());
      if (q != nullptr && (q->flags & kCmdDenyOom)) reject = true;
    }
  }
  if (ctx.client.in_multi && !is_exec && spec.name != "discard" && spec.name != "quit" &&
      spec.name != "reset") {
    reject = true;
  }
  if (!reject) return true;
  CountRejected(ctx, spec);
  if (is_exec && ctx.client.in_multi) {
    ctx.client.in_multi = false;
    ctx.client.multi_error = false;
    ctx.client.queued.clear();
    ctx.server.watches.UnwatchAll(&ctx.client.watch);
    ctx.out.Error(StrCat("-EXECABORT Transaction discarded because of: ", errors::kOom.substr(1)));
    return false;
  }
  if (ctx.client.in_multi) ctx.client.multi_error = true;
  ctx.out.Error(errors::kOom);
  return false;
}

namespace {

// Refusals Redis's processCommand makes before it looks at CLIENT PAUSE;
// Dispatch answers them, PauseHolds lets them through to be answered.
bool NeedsAuth(const ClientState& client, const CommandSpec& spec) {
  return !client.authenticated && !(spec.flags & kCmdNoAuth);
}
bool RefusedInMulti(const ClientState& client, const CommandSpec& spec) {
  return client.in_multi && (spec.flags & kCmdNoMulti);
}
bool RefusedWhileSubscribed(const ClientState& client, const CommandSpec& spec) {
  return client.protocol == 2 && client.subscriptions() > 0 && !(spec.flags & kCmdSubscribedOk);
}

// The flags CLIENT PAUSE WRITE judges a command by.
uint32_t PauseFlags(ServerState& server, const CommandSpec& spec,
                    absl::Span<const std::string_view> args) {
  return (spec.flags & kCmdRunsAlone) ? ScriptCommandFlags(server, spec, args) : spec.flags;
}

}  // namespace

bool PauseHolds(ServerState& server, const ClientState& client, const CommandSpec* spec,
                absl::Span<const std::string_view> args, bool all) {
  if (spec == nullptr || !ArityMatches(*spec, args.size())) return false;
  if (NeedsAuth(client, *spec) || RefusedInMulti(client, *spec) ||
      RefusedWhileSubscribed(client, *spec)) {
    return false;
  }
  if (all) return true;
  constexpr uint32_t kHeld = kCmdWrite | kCmdMayReplicate;
  if (PauseFlags(server, *spec, args) & kHeld) return true;
  if (spec->name == "exec" && client.in_multi) {
    for (const CommandArgs& queued : client.queued) {
      const CommandSpec* inner = CommandTable::Get().Lookup(queued.views());
      if (inner != nullptr && (PauseFlags(server, *inner, queued.views()) & kHeld)) return true;
    }
  }
  return false;
}

namespace {

// At most this many members of one command: a command with more would have
// the first lines evicted again before it got to them.
constexpr size_t kMaxPrefetched = 32;

// False when the entry holds no big hash, set or sorted set.
bool PrefetchMembersOf(const Entry& entry, const CommandSpec& spec,
                       absl::Span<const std::string_view> args, MemberPrefetch stage) {
  if (!entry.is_table()) return false;  // compact encodings live in the entry's own bytes
  const PackedTable* table = nullptr;
  switch (entry.type()) {
    case Entry::Type::kHash:
    case Entry::Type::kSet:
      table = entry.table();
      break;
    case Entry::Type::kZSet:
      table = &entry.sorted_set()->index();
      break;
    default:
      return false;
  }
  const size_t first = static_cast<size_t>(spec.member_first);
  const size_t step = static_cast<size_t>(spec.member_step);
  absl::Span<const std::string_view> span;
  absl::InlinedVector<std::string_view, kMaxPrefetched> strided;  // constructs nothing up front
  if (step == 1) {
    span = args.subspan(first, kMaxPrefetched);  // members side by side (SADD, HMGET)
  } else {
    for (size_t i = first; i < args.size() && strided.size() < kMaxPrefetched; i += step) {
      strided.push_back(args[i]);
    }
    span = strided;
  }
  if (stage == MemberPrefetch::kSlots) {
    table->PrefetchSlots(span);
  } else {
    table->Prefetch(span);
  }
  return true;
}

}  // namespace

// The lock outlives the call (until Release), which the analysis cannot follow.
bool MemberPrefetcher::Prefetch(int db, const CommandSpec& spec,
                                absl::Span<const std::string_view> args,
                                MemberPrefetch stage) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (spec.member_first == 0 || args.size() <= static_cast<size_t>(spec.member_first)) {
    return false;
  }
  const std::string_view key = args[static_cast<size_t>(spec.first_key)];
  // The last key again: its shard is still held, so its entry is still the one found.
  if (entry_ == nullptr || db != db_ || entry_->key() != key) {
    Shard* shard = store_.ShardFor(db, key);
    if (shard != shard_) {
      Release();
      if (!shard->mu.TryLock()) return false;
      shard_ = shard;
    }
    db_ = db;
    entry_ = shard->FindAny(key);
  }
  return entry_ != nullptr && PrefetchMembersOf(*entry_, spec, args, stage);
}

void MemberPrefetcher::Unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  shard_->mu.Unlock();
  shard_ = nullptr;
  entry_ = nullptr;
}

void CommandTable::Dispatch(CommandContext& ctx) const { Dispatch(ctx, Lookup(ctx.args.views())); }

void CommandTable::Dispatch(CommandContext& ctx, const CommandSpec* spec) const {
  absl::Span<const std::string_view> args = ctx.args.views();
  if (spec == nullptr && IsCrossProtocol(args[0])) {
    // Redis's guard against cross-protocol scripting (an HTTP request sent to
    // the port by a browser): no reply, the connection is dropped along with
    // the replies not yet written.
    WarnCrossProtocolAttack();
    ctx.client.close_now = true;
    return;
  }
  // Checks in Redis's order: exists, arity, state; a refused command inside
  // MULTI makes EXEC abort.
  if (spec == nullptr) {
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    const CommandSpec* base = Find(args[0]);
    if (base != nullptr) {
      ReplyUnknownSubcommand(ctx, args[0], args[1]);
      return;
    }
    std::string list;
    for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
      StrAppend(&list, "'", CString(args[i], 128 - list.size()), "' ");
    }
    ctx.out.Error(
        StrCat("unknown command '", CString(args[0], 128), "', with args beginning with: ", list));
    return;
  }
  if (!ArityMatches(*spec, args.size())) {
    if (spec->name == "exec") {
      // Redis ends the transaction (in MULTI or not) with EXECABORT.
      ctx.client.in_multi = false;
      ctx.client.multi_error = false;
      ctx.client.queued.clear();
      ctx.server.watches.UnwatchAll(&ctx.client.watch);
      CountRejected(ctx, *spec);
      ctx.out.Error(
          "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
          "command");
      return;
    }
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    CountRejected(ctx, *spec);
    ReplyWrongArity(ctx, spec->name);
    return;
  }
  // Redis's order: before authentication (CMD_PROTECTED).
  if ((spec->flags & kCmdProtected) != 0) [[unlikely]] {
    const bool debug = spec->name == "debug";
    const std::string_view setting = debug ? "enable-debug-command" : "enable-module-command";
    if (!ProtectedCommandAllowed(ctx, setting)) {
      if (ctx.client.in_multi) ctx.client.multi_error = true;
      CountRejected(ctx, *spec);
      ctx.out.Error(StrCat(debug ? "DEBUG" : "MODULE", " command not allowed. If the ", setting,
                           " option is set to \"local\", you can run it from a local "
                           "connection, otherwise you need to set this option in the "
                           "configuration file, and then restart the server."));
      return;
    }
  }
  if (NeedsAuth(ctx.client, *spec)) {
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    CountRejected(ctx, *spec);
    ctx.out.Error("-NOAUTH Authentication required.");
    return;
  }
  if (RefusedInMulti(ctx.client, *spec)) {
    ctx.client.multi_error = true;
    CountRejected(ctx, *spec);
    ctx.out.Error("-ERR Command not allowed inside a transaction");
    return;
  }
  // maxmemory: evict before every command, as Redis; refuse what would grow
  // memory when nothing more can go. Commands inside EXEC were checked at EXEC.
  if (ctx.server.config->maxmemory() != 0 && !ctx.client.in_exec && !ctx.client.is_master &&
      !(ctx.server.repl_checks.load(std::memory_order_relaxed) & kReplIgnoreMaxmemory))
      [[unlikely]] {
    if (!MemoryAllows(ctx, *spec)) return;
  }
  if (RefusedWhileSubscribed(ctx.client, *spec)) {
    CountRejected(ctx, *spec);
    ctx.out.Error(StrCat("Can't execute '", spec->name,
                         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                         "allowed in this context"));
    return;
  }
  // WritesRefused first: one atomic load each while the last save and AOF write succeeded.
  if (!ctx.client.is_master &&
      ((ctx.server.persistence != nullptr && ctx.server.persistence->WritesRefused()) ||
       (ctx.server.aof != nullptr && ctx.server.aof->WritesRefused())) &&
      ((spec->flags & kCmdWrite) || spec->name == "ping")) [[unlikely]] {
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    CountRejected(ctx, *spec);
    // As Redis: the RDB's error first, then the AOF's.
    if (ctx.server.persistence != nullptr && ctx.server.persistence->WritesRefused()) {
      ctx.out.Error(errors::kMisconf);
    } else {
      ctx.out.Error(ctx.server.aof->WriteError());
    }
    return;
  }
  // Replication (Redis's processCommand order): NOREPLICAS, READONLY, MASTERDOWN.
  if (const uint32_t checks = ctx.server.repl_checks.load(std::memory_order_relaxed);
      checks != 0 && !ctx.client.is_master) [[unlikely]] {
    std::string_view refusal;
    if ((checks & kReplNoReplicas) && (spec->flags & kCmdWrite)) {
      refusal = "-NOREPLICAS Not enough good replicas to write.";
    } else if ((checks & kReplReadOnly) && (spec->flags & kCmdWrite)) {
      refusal = "-READONLY You can't write against a read only replica.";
    } else if ((checks & kReplStale) && !(spec->flags & kCmdStale)) {
      refusal = "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    }
    if (!refusal.empty()) {
      if (ctx.client.in_multi) ctx.client.multi_error = true;
      CountRejected(ctx, *spec);
      ctx.out.Error(refusal);
      return;
    }
  }
  // A script ran past busy-reply-threshold: only what may stop it runs (not
  // the script's own commands). One relaxed load when none does.
  if (const int busy = ctx.server.busy_script.load(std::memory_order_relaxed);
      busy != 0 && !(spec->flags & kCmdAllowBusy) && ctx.client.script_changes == nullptr)
      [[unlikely]] {
    CountRejected(ctx, *spec);
    const std::string_view busy_error =
        busy == kBusyEval
            ? "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
              "SHUTDOWN NOSAVE."
            : "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
              "SHUTDOWN NOSAVE.";
    if (ctx.client.in_multi && spec->name == "exec") {
      // As Redis's rejectCommand: a refused EXEC ends the transaction.
      ctx.client.in_multi = false;
      ctx.client.multi_error = false;
      ctx.client.queued.clear();
      ctx.server.watches.UnwatchAll(&ctx.client.watch);
      ctx.out.Error(StrCat("-EXECABORT Transaction discarded because of: ", busy_error.substr(1)));
      return;
    }
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    ctx.out.Error(busy_error);
    return;
  }
  ctx.client.last_command = spec->name;
  if (ctx.client.in_multi && !(spec->flags & kCmdRunsInMulti)) {
    ctx.client.queued.emplace_back();
    ctx.client.queued.back().Assign(args);
    ctx.out.Raw("+QUEUED\r\n");
    return;
  }
  LoopStats* stats = ctx.client.stats;
  int64_t start_ns = 0;
  if (stats != nullptr) {
    // Redis's incrCommandStatsOnError(NULL): only errors from here on fail this command.
    stats->prev_errors = stats->errors();
    start_ns = stats->clock_ns;  // the end of the previous command (or the batch's start)
  }
  if (spec->flags & kCmdLocksKeys) {
    MultiShardLock locks(ctx.store);
    if (spec->find_keys == nullptr && spec->first_key > 0 &&
        (spec->last_key == spec->first_key ||
         args.size() == static_cast<size_t>(spec->first_key) + 1)) {
      const std::string_view key = args[static_cast<size_t>(spec->first_key)];
      locks.LockOne(ctx.client.db, key);  // one key: the common case
      if (spec->member_first != 0 &&
          args.size() > static_cast<size_t>(spec->member_first + spec->member_step)) {
        // Two members or more: their lookups' misses overlap.
        Shard& shard = locks(ctx.client.db, key);
        AssumeLocked(shard);
        if (const Entry* entry = shard.FindAny(key)) {
          PrefetchMembersOf(*entry, *spec, args, MemberPrefetch::kBuckets);
        }
      }
    } else {
      KeyList keys;
      CommandKeys(*spec, ctx, &keys);
      locks.Lock(keys);
    }
    ctx.locks = &locks;
    spec->handler(ctx);
    if (ctx.wrote && ctx.store.feed().active()) PublishChange(ctx);
    // Under the keys' locks: a write that follows finds them in the table.
    // Read-only scripts (they run alone) track through their reads instead.
    if (ctx.client.tracking != 0 && (spec->flags & kCmdReadOnly) && !(spec->flags & kCmdRunsAlone))
        [[unlikely]] {
      RememberTrackedKeys(ctx, *spec);
    }
    ctx.locks = nullptr;
  } else {
    spec->handler(ctx);
    if (ctx.wrote && ctx.store.feed().active()) PublishChange(ctx);
    if (ctx.client.tracking != 0 && (spec->flags & kCmdReadOnly) && !(spec->flags & kCmdRunsAlone))
        [[unlikely]] {
      RememberTrackedKeys(ctx, *spec);
    }
  }
  if (stats != nullptr) AccountCall(ctx, *spec, start_ns);
  // As Redis: after the command ran, administrative commands not shown.
  if (ctx.server.monitors.active() && !(spec->flags & (kCmdAdmin | kCmdSkipMonitor))) [[unlikely]] {
    FeedMonitors(ctx);
  }
  if (ctx.wrote && ctx.server.persistence != nullptr) ctx.server.persistence->AddChanges(1);
  // Clients blocked on keys this command filled are served now, with this
  // command's locks released (after EXEC for the commands of a transaction),
  // at the time it is now, as Redis's handleClientsBlockedOnKeys updates its
  // clock: a key that expired meanwhile (a DEBUG SLEEP in the EXEC) is deleted
  // then, not served.
  if (!ctx.client.ready_keys.empty() && !ctx.client.in_exec) {
    ctx.server.blocking.ServeReady(ctx.store, ctx.server, UnixTimeMs(), &ctx.client.ready_keys);
  }
}

// Redis's trackingRememberKeys, after a read-only command of a client that
// tracks keys (not in BCAST mode): OPTIN takes keys only after CLIENT CACHING
// YES, OPTOUT all but after CLIENT CACHING NO.
void RememberTrackedKeys(CommandContext& ctx, const CommandSpec& spec) {
  const uint32_t flags = ctx.client.tracking;
  if (!(flags & kTrackingOn) || (flags & kTrackingBcast)) return;
  const bool caching = flags & kTrackingCaching;
  if (((flags & kTrackingOptIn) && !caching) || ((flags & kTrackingOptOut) && caching)) return;
  if (spec.flags & kCmdPubSub) return;
  KeyList keys;
  CommandKeys(spec, ctx, &keys);
  if (keys.empty()) return;
  absl::InlinedVector<std::string_view, 4> names;
  for (const MultiShardLock::Key& key : keys) names.push_back(key.key);
  ctx.server.tracking.RememberKeys(ctx.client.id, names);
  // tracking-table-max-keys: the table only grows here (and CONFIG SET
  // lowering the limit is applied by the cron), so no other command pays for
  // the check Redis makes before every command.
  ctx.server.tracking.LimitUsedSlots(*ctx.server.config);
}

void EndTrackedCommand(ClientState& client, const CommandSpec* spec) {
  // Any CLIENT subcommand keeps it, as does a transaction being queued.
  if ((client.tracking & kTrackingCaching) && !client.in_multi &&
      (spec == nullptr || !spec->name.starts_with("client"))) {
    client.tracking &= ~kTrackingCaching;
  }
}

void RedactPasswords(absl::InlinedVector<std::string_view, 8>* argv) {
  constexpr std::string_view kRedacted = "(redacted)";
  auto& args = *argv;
  if (EqualsIgnoreCase(args[0], "auth")) {
    for (size_t j = 1; j < args.size(); ++j) args[j] = kRedacted;
  } else if (EqualsIgnoreCase(args[0], "hello")) {
    for (size_t j = 2; j + 2 < args.size(); ++j) {
      if (EqualsIgnoreCase(args[j], "auth")) {
        args[j + 1] = kRedacted;
        args[j + 2] = kRedacted;
        j += 2;
      }
    }
  } else if (EqualsIgnoreCase(args[0], "migrate")) {
    // As far as MIGRATE's option parser got: it redacts as it goes.
    for (size_t j = 6; j < args.size(); ++j) {
      const size_t more = args.size() - 1 - j;
      if (EqualsIgnoreCase(args[j], "copy") || EqualsIgnoreCase(args[j], "replace")) continue;
      if (EqualsIgnoreCase(args[j], "auth") && more >= 1) {
        args[++j] = kRedacted;
      } else if (EqualsIgnoreCase(args[j], "auth2") && more >= 2) {
        args[++j] = kRedacted;
        args[++j] = kRedacted;
      } else {
        break;  // KEYS, or an error
      }
    }
  }
}

void FeedMonitors(CommandContext& ctx) {
  absl::InlinedVector<std::string_view, 8> argv(ctx.args.views().begin(), ctx.args.views().end());
  RedactPasswords(&argv);
  ctx.server.monitors.Feed(ctx.client.db, ctx.client.addr, argv);
}

void PublishChange(CommandContext& ctx) {
  ChangeFeed& feed = ctx.store.feed();
  if (!feed.active()) return;
  if (ctx.client.script_changes != nullptr) [[unlikely]] {
    if (ctx.client.script_repl == 0) return;
    auto& change = ctx.client.script_changes->emplace_back();
    change.db = ctx.client.db;
    // redis.set_repl: the AOF or the replicas alone.
    change.aof_only = !(ctx.client.script_repl & kReplReplica);
    change.replicas_only = !(ctx.client.script_repl & kReplAof);
    if (ctx.propagate.empty()) {
      change.argv.assign(ctx.args.views().begin(), ctx.args.views().end());
    } else {
      change.argv.assign(ctx.propagate.begin(), ctx.propagate.end());
    }
    return;
  }
  if (ctx.client.exec_feed == ClientState::ExecFeed::kPending) {
    feed.Publish(ctx.client.db, {"MULTI"});
    ctx.client.exec_feed = ClientState::ExecFeed::kOpen;
  }
  if (ctx.propagate.empty()) {
    feed.Publish(ctx.client.db, ctx.args.views());
    return;
  }
  absl::InlinedVector<std::string_view, 8> argv(ctx.propagate.begin(), ctx.propagate.end());
  feed.Publish(ctx.client.db, argv);
}

void PublishToReplicas(CommandContext& ctx) {
  ChangeFeed& feed = ctx.store.feed();
  if (!feed.replicas_listening()) return;
  if (ctx.client.script_changes != nullptr) [[unlikely]] {
    // From a script: with its effects, unless redis.set_repl left replicas out.
    if (!(ctx.client.script_repl & kReplReplica)) return;
    auto& change = ctx.client.script_changes->emplace_back();
    change.db = ctx.client.db;
    change.argv.assign(ctx.args.views().begin(), ctx.args.views().end());
    change.replicas_only = true;
    return;
  }
  if (ctx.client.exec_feed == ClientState::ExecFeed::kPending) {
    feed.Publish(ctx.client.db, {"MULTI"});
    ctx.client.exec_feed = ClientState::ExecFeed::kOpen;
  }
  feed.PublishToReplicas(ctx.client.db, ctx.args.views());
}

void CommandKeys(const CommandSpec& spec, const CommandContext& ctx, KeyList* keys) {
  if (spec.find_keys != nullptr) {
    spec.find_keys(ctx, keys);
    return;
  }
  if (spec.first_key <= 0) return;
  const int argc = static_cast<int>(ctx.argc());
  const int last = spec.last_key < 0 ? argc + spec.last_key : std::min(spec.last_key, argc - 1);
  for (int i = spec.first_key; i <= last; i += spec.key_step) {
    keys->push_back({ctx.client.db, ctx.arg(static_cast<size_t>(i))});
  }
}

namespace {

// valkdb's own COMMAND INFO / DOCS for a command Redis's metadata lacks.
void WriteOwnCommandInfo(RespWriter& out, const CommandSpec& spec) {
  out.Array(10);
  out.Bulk(spec.name);
  out.Integer(spec.arity);
  std::vector<std::string_view> flags;
  for (const FlagName& f : kFlagNames) {
    if (spec.flags & f.flag) flags.push_back(f.name);
  }
  out.Set(flags.size());
  for (std::string_view f : flags) out.SimpleString(f);
  out.Integer(spec.first_key);
  out.Integer(spec.last_key);
  out.Integer(spec.key_step);
  std::vector<std::string_view> categories = Words(spec.acl_categories);
  out.Set(categories.size());
  for (std::string_view c : categories) out.SimpleString(c);
  out.Set(0);  // tips
  if (spec.first_key > 0) {
    out.Set(1);
    out.Map(3);
    out.Bulk("flags");
    std::vector<std::string_view> key_flags = Words(spec.key_flags);
    out.Set(key_flags.size());
    for (std::string_view f : key_flags) out.SimpleString(f);
    out.Bulk("begin_search");
    out.Map(2);
    out.Bulk("type");
    out.Bulk("index");
    out.Bulk("spec");
    out.Map(1);
    out.Bulk("index");
    out.Integer(spec.first_key);
    out.Bulk("find_keys");
    out.Map(2);
    out.Bulk("type");
    out.Bulk("range");
    out.Bulk("spec");
    out.Map(3);
    out.Bulk("lastkey");
    out.Integer(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
    out.Bulk("keystep");
    out.Integer(spec.key_step);
    out.Bulk("limit");
    out.Integer(0);
  } else {
    out.Set(0);
  }
  if (spec.subcommands.empty()) {
    out.Set(0);
  } else {
    out.Array(spec.subcommands.size());
  }
  for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(out, sub);
}

void WriteOwnCommandDocs(RespWriter& out, const CommandSpec& spec) {
  out.Bulk(spec.name);
  const bool has_subcommands = !spec.subcommands.empty();
  out.Map(has_subcommands ? 5 : 4);
  out.Bulk("summary");
  out.Bulk(spec.summary);
  out.Bulk("since");
  out.Bulk(spec.since);
  out.Bulk("group");
  out.Bulk(spec.group);
  out.Bulk("complexity");
  out.Bulk(spec.complexity);
  if (has_subcommands) {
    out.Bulk("subcommands");
    out.Map(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteCommandDocs(out, sub);
  }
}

}  // namespace

// Redis's metadata, with the subcommands valkdb has.
void WriteCommandInfo(RespWriter& out, const CommandSpec& spec) {
  const RedisCommandMeta* meta = FindRedisCommandMeta(spec.name);
  if (meta == nullptr) return WriteOwnCommandInfo(out, spec);
  size_t fields = 0;
  const std::string_view body = Resp3Elements(meta->info, &fields);
  out.Array(fields + 1);
  ReplayResp3(body, out);
  if (spec.subcommands.empty()) {
    out.Set(0);
    return;
  }
  // (Redis lists them in its dict's order, which changes with its hash seed.)
  out.Array(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(out, sub);
}

void WriteCommandDocs(RespWriter& out, const CommandSpec& spec) {
  const RedisCommandMeta* meta = FindRedisCommandMeta(spec.name);
  if (meta == nullptr) return WriteOwnCommandDocs(out, spec);
  out.Bulk(spec.name);
  size_t pairs = 0;
  const std::string_view body = Resp3Elements(meta->docs, &pairs);
  const bool has_subcommands = !spec.subcommands.empty();
  out.Map(pairs + (has_subcommands ? 1 : 0));
  ReplayResp3(body, out);
  if (!has_subcommands) return;
  out.Bulk("subcommands");
  out.Map(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) WriteCommandDocs(out, sub);
}

}  // namespace valkdb
