#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "protocol/request_parser.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/config.h"
#include "server/commands/pubsub.h"
#include "server/commands/server_state.h"
#include "server/commands/watch.h"
#include "server/store/store.h"

namespace valkdb {

// Everything a command handler works with.
struct CommandContext {
  Store& store;
  ServerState& server;
  ClientState& client;
  RespWriter& out;
  const CommandArgs& args;
  int64_t now_ms;
  // Where subscription confirmations go: Redis sends them (as it sends
  // messages) even under CLIENT REPLY OFF or SKIP. nullptr: to `out`.
  RespWriter* pushes = nullptr;

  // The shards of the keys the command declares, locked by dispatch for the
  // handler's run (commands flagged kCmdLocksKeys); nullptr otherwise.
  const MultiShardLock* locks = nullptr;

  RespWriter& push_out() const { return pushes != nullptr ? *pushes : out; }
  // The locked shard of a declared key (of the client's db unless told).
  Shard& shard(std::string_view key) const { return (*locks)(client.db, key); }
  Shard& shard(int db, std::string_view key) const { return (*locks)(db, key); }

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }

  // Every command that changes a key calls this (WATCH depends on it), once
  // the change is made, and only when something really changed.
  void KeyModified(std::string_view key) const { KeyModified(client.db, key); }
  void KeyModified(int db, std::string_view key) const {
    StreamModified(db, key);
    // The key may be deleted or retyped, which ends its XREADGROUP waits
    // (Redis's signalDeletedKeyAsReady). One atomic load when nobody waits.
    if (server.blocking.waiting() > 0 && server.blocking.HasStreamGroupWaiters(db, key) &&
        !server.blocking.DropThisWakeup()) {
      client.ready_keys.push_back({db, std::string(key)});
    }
  }
  // KeyModified for a stream command: the key still holds a stream after it,
  // so only KeyReady (new entries, a destroyed group) wakes its readers.
  void StreamModified(int db, std::string_view key) const {
    wrote = true;
    server.watches.Touch(db, key);
    store.feed().KeyChanged(key, /*by_client=*/true);
  }

  // Redis's notifyKeyspaceEvent: the keyspace event a change raises (`type`
  // a KeyspaceEvent class), after the change. Nothing when notifications
  // of that class are off (one relaxed load).
  void Notify(uint32_t type, std::string_view event, std::string_view key) const {
    store.feed().Notify(type, client.db, event, key);
  }
  void Notify(uint32_t type, int db, std::string_view event, std::string_view key) const {
    store.feed().Notify(type, db, event, key);
  }

  // The change feed (change_feed.h): a command that called KeyModified is
  // published by dispatch after its handler, its keys still locked, as sent
  // unless the handler gave the form Redis propagates instead (SET ... EX as
  // SET ... PXAT, SPOP as SREM, ...).
  mutable bool wrote = false;
  absl::InlinedVector<std::string, 4> propagate = {};
  void Propagate(std::initializer_list<std::string_view> argv) {
    propagate.assign(argv.begin(), argv.end());
  }
  // A list (or sorted set) was created at `key`: clients blocked on it are
  // served once the command is over (Redis's signalKeyAsReady). One atomic
  // load when nobody waits anywhere.
  void KeyReady(int db, std::string_view key) const {
    if (server.blocking.waiting() > 0 && server.blocking.HasWaiters(db, key) &&
        !server.blocking.DropThisWakeup()) {
      client.ready_keys.push_back({db, std::string(key)});
    }
  }
  // Whether a blocking command may block now (not inside EXEC).
  bool may_block() const { return !client.in_exec; }

  // A whole database is about to change (FLUSHDB, SWAPDB; db < 0: FLUSHALL):
  // call it before the change, so watchers of keys that exist now are told.
  void DbModified(int db) const {
    server.watches.TouchDb(db, [this](int d, std::string_view key) {
      Shard* shard = store.ShardFor(d, key);
      LockedShard shard_lock(shard);
      return shard->Find(key, now_ms) != nullptr;
    });
  }
};

using CommandHandler = void (*)(CommandContext&);

// Command flags, named as Redis's COMMAND INFO reports them.
enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadOnly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdPubSub = 1 << 4,
  kCmdNoScript = 1 << 5,
  kCmdLoading = 1 << 6,
  kCmdStale = 1 << 7,
  kCmdFast = 1 << 8,
  kCmdNoAuth = 1 << 9,
  kCmdAllowBusy = 1 << 10,
  kCmdSkipMonitor = 1 << 11,
  kCmdSkipSlowlog = 1 << 12,
  kCmdNoMulti = 1 << 13,
  kCmdSentinel = 1 << 14,
  // Redis's CMD_MAY_REPLICATE (PFCOUNT, PUBLISH, SPUBLISH), which COMMAND
  // INFO does not show: CLIENT PAUSE WRITE holds these as it holds writes.
  kCmdMayReplicate = 1 << 15,
  // Redis's CMD_PROTECTED (not shown by COMMAND INFO): DEBUG and MODULE
  // LOAD/LOADEX/UNLOAD run only as enable-debug-command or
  // enable-module-command allow; dispatch refuses them otherwise.
  kCmdProtected = 1 << 16,
  // Not a Redis flag: the command may block the client (BLPOP...). The
  // connection runs it before parsing on, and reads no further while it waits.
  kCmdMayBlock = 1u << 27,
  // Not a Redis flag: with several event loops the command runs alone (EXEC,
  // scripts), holding ServerState::exec_mu exclusively.
  kCmdRunsAlone = 1u << 26,
  // Not a Redis flag: dispatch locks the shards of the command's keys (its
  // key spec, or find_keys) before the handler runs, and hands them over in
  // CommandContext::locks. Handlers of such commands never lock by hand.
  kCmdLocksKeys = 1u << 31,
  // Not Redis flags either: what the hand-kept name lists used to say.
  kCmdSubscribedOk = 1u << 28,  // a RESP2 client may send it while subscribed
  kCmdRunsInMulti = 1u << 29,   // runs at once inside MULTI instead of being queued
  // Decides how the input after it is read (QUIT, AUTH, HELLO, RESET, CLIENT):
  // the connection runs it before parsing on, as Redis runs each command
  // before it parses the next.
  kCmdDecidesInput = 1u << 30,
};

// The keys a command touches, for commands whose keys a first/last/step
// range cannot describe (movable keys: SINTERCARD numkeys ..., MOVE's target db).
using KeyList = absl::InlinedVector<MultiShardLock::Key, 4>;
using KeyFinder = void (*)(const CommandContext& ctx, KeyList* keys);

// One declarative entry per command, as in Redis's command table: arity
// counts the name (positive: exact, negative: minimum); key positions for
// COMMAND INFO and key extraction.
struct CommandSpec {
  std::string_view name;  // lower case; subcommands: "config|get"
  int arity;
  uint32_t flags;
  int first_key;
  int last_key;
  int key_step;
  CommandHandler handler;
  std::string_view group;           // COMMAND DOCS group: string, generic, connection, server
  std::string_view summary;         // COMMAND DOCS summary
  std::string_view since;           // Redis version that introduced it
  std::string_view acl_categories;  // space-separated, e.g. "@read @string @fast"
  std::string_view key_flags = "";  // key spec flags, e.g. "RO access" (commands with keys)
  std::string_view complexity = "O(1)";
  std::vector<CommandSpec> subcommands = {};
  KeyFinder find_keys = nullptr;  // movable keys; otherwise first/last/step
  size_t id = 0;                  // set by Register: the index of its counters in LoopStats
  // The arguments naming members or fields of the first key's hash, set or
  // sorted set: args[member_first], then every member_step-th (0: none). Set
  // by CommandTable::SetMemberArgs; MemberPrefetcher reads them.
  int member_first = 0;
  int member_step = 0;
};

// Publishes a command's change to the store's feed (dispatch calls it).
void PublishChange(CommandContext& ctx);
// PUBLISH, SPUBLISH: the command itself goes to the replicas, not to the AOF
// (Redis's forceCommandPropagation(c, PROPAGATE_REPL)), so their subscribers
// get the message; only while a replication stream is open (a master with a
// backlog), inside EXEC in its MULTI, from a script with its effects (unless
// redis.set_repl leaves replicas out). Changes nothing, so no dirty count.
void PublishToReplicas(CommandContext& ctx);

// The keys of a request, from its spec (what dispatch locks).
void CommandKeys(const CommandSpec& spec, const CommandContext& ctx, KeyList* keys);

// Starts loading the buckets in which a request will look up its members
// (spec.member_first/member_step), when its key holds a big hash, set or
// sorted set, so the cache misses overlap with other work instead of
// stalling the command. A connection calls it for the commands of a
// pipeline: kSlots as each is parsed (it never waits for memory), then
// kBuckets for those that returned true, just before the batch runs (the
// slots are loaded by then). It never waits for the shard's lock either (a
// busy shard, a script holding every lock: it gives up) and changes
// nothing, so a command it guessed wrong for (after a SELECT not run yet, a
// key that changes before the command runs) only loses the prefetch.
//
// It keeps the last key's shard locked and its entry found until Release,
// so a pipeline of commands on one key (a set being filled, a hash being
// read) locks the shard and finds the key once, not once per command and
// stage. Nothing may run meanwhile: Release before the batch runs.
enum class MemberPrefetch { kSlots, kBuckets };
class MemberPrefetcher {
 public:
  explicit MemberPrefetcher(Store& store) : store_(store) {}
  ~MemberPrefetcher() { Release(); }
  MemberPrefetcher(const MemberPrefetcher&) = delete;
  MemberPrefetcher& operator=(const MemberPrefetcher&) = delete;

  // True when the key holds such a structure.
  bool Prefetch(int db, const CommandSpec& spec, absl::Span<const std::string_view> args,
                MemberPrefetch stage);
  // Unlocks the shard held, if any. Inline: the parse loop calls it after
  // every command that is not prefetched, which mostly holds nothing.
  void Release() {
    if (shard_ != nullptr) Unlock();
  }

 private:
  void Unlock();

  Store& store_;
  Shard* shard_ = nullptr;  // locked by this object while not null
  int db_ = 0;
  const Entry* entry_ = nullptr;  // the last key's entry in shard_, if it has one
};

class CommandTable {
 public:
  // Builds the table with every family registered.
  CommandTable();

  void Register(CommandSpec spec);
  // Which arguments of a registered command are members or fields of its key
  // (CommandSpec::member_first, member_step).
  void SetMemberArgs(std::string_view name, int first, int step);
  // Case-insensitive lookup of a top-level command.
  const CommandSpec* Find(std::string_view name) const;
  // The command a request names: a subcommand when the command has them
  // and a second argument is given.
  const CommandSpec* Lookup(absl::Span<const std::string_view> args) const;
  const std::vector<CommandSpec>& commands() const { return commands_; }
  // Commands and subcommands (the ids Register gives).
  size_t spec_count() const { return spec_count_; }
  // The command a name such as "get" or "client|list" names (LATENCY HISTOGRAM).
  const CommandSpec* FindFullName(std::string_view name) const;

  // Runs one command: lookup, arity check, handler. Unknown commands and
  // wrong arity get Redis's errors.
  void Dispatch(CommandContext& ctx) const;
  // The same with the request's Lookup() done already (nullptr: unknown).
  void Dispatch(CommandContext& ctx, const CommandSpec* spec) const;
  // maxmemory: evicts, and says whether the command may run (false: refused, replied).
  bool MemoryAllows(CommandContext& ctx, const CommandSpec& spec) const;
  // POST and Host: (a browser's HTTP request sent to the port), which Redis
  // answers by closing the connection.
  static bool IsCrossProtocol(std::string_view name);

  static const CommandTable& Get();

 private:
  std::vector<CommandSpec> commands_;
  size_t spec_count_ = 0;
  struct NameHash {
    size_t operator()(std::string_view s) const { return absl::HashOf(ToAbsl(s)); }
  };
  absl::flat_hash_map<std::string_view, size_t, NameHash> index_;  // lower-case name -> position
};

// A connection's last command name, as it was spelled, and its entry: a
// pipeline mostly repeats one command, so most lookups end at one comparison
// instead of lower-casing and hashing the name.
class LookupCache {
 public:
  const CommandSpec* Lookup(const CommandTable& table, absl::Span<const std::string_view> args) {
    // Nothing cached yet matches only an empty name, which the table does
    // not know either (spec_ is nullptr).
    if (!args.empty() && args[0].size() == size_ &&
        std::memcmp(args[0].data(), name_, size_) == 0) {
      return spec_;
    }
    const CommandSpec* spec = table.Lookup(args);
    // Commands with subcommands depend on the next argument too (a
    // subcommand's entry is named "config|get").
    if (spec != nullptr && spec->subcommands.empty() &&
        spec->name.find('|') == std::string_view::npos && args[0].size() <= sizeof(name_)) {
      std::memcpy(name_, args[0].data(), args[0].size());
      size_ = static_cast<uint8_t>(args[0].size());
      spec_ = spec;
    }
    return spec;
  }

 private:
  char name_[16];
  uint8_t size_ = 0;
  const CommandSpec* spec_ = nullptr;
};

// Families: each registers its commands.
void RegisterStringFamily(CommandTable* table);
void RegisterBitmapFamily(CommandTable* table);
void RegisterHllFamily(CommandTable* table);
void RegisterKeyspaceFamily(CommandTable* table);
void RegisterConnectionFamily(CommandTable* table);
void RegisterServerFamily(CommandTable* table);
void RegisterPubSubFamily(CommandTable* table);
void RegisterTransactionFamily(CommandTable* table);
void RegisterHashFamily(CommandTable* table);
void RegisterSetFamily(CommandTable* table);
void RegisterListFamily(CommandTable* table);
void RegisterZSetFamily(CommandTable* table);
void RegisterStreamFamily(CommandTable* table);
void RegisterScriptingFamily(CommandTable* table);
void RegisterGeoFamily(CommandTable* table);
// INFO memory's scripting figures (scripting_family.cc): this loop's
// interpreters, the script cache and the function libraries.
struct ScriptMemory {
  int64_t vm_eval = 0, scripts_eval = 0, cached_scripts = 0;
  int64_t functions = 0, libraries = 0, vm_functions = 0, functions_overhead = 0;
};
ScriptMemory TakeScriptMemory(ServerState& server);
// The FUNCTION libraries as RDB files keep them (scripting_family.cc): each
// library's code, and loading codes read from a file (replace: a library of
// the same name is replaced, else the load fails as Redis's does).
std::vector<std::string> FunctionLibraryCodes(ServerState& server);
absl::Status LoadFunctionLibraries(ServerState& server, const std::vector<std::string>& codes,
                                   bool replace);
// A script command's flags as its script declares them (Redis's
// evalGetCommandFlags / fcallGetCommandFlags): a script with flags=no-writes
// neither writes nor may replicate, so CLIENT PAUSE WRITE lets it run.
uint32_t ScriptCommandFlags(ServerState& server, const CommandSpec& spec,
                            absl::Span<const std::string_view> args);
// Whether `argc` arguments (the command's name included) fit the spec's arity.
inline bool ArityMatches(const CommandSpec& spec, size_t argc) {
  const int n = static_cast<int>(argc);
  return spec.arity > 0 ? spec.arity == n : n >= -spec.arity;
}
// Whether a CLIENT PAUSE in force holds this command (`all`: PAUSE ALL, else
// WRITE), as Redis's processCommand decides: the refusals it checks first
// (unknown command, arity, NOAUTH, a command MULTI does not allow, a RESP2
// subscriber's other commands) are answered at once; PAUSE WRITE holds what
// writes or may replicate, judging a script by its declared flags and EXEC by
// the commands it queued.
bool PauseHolds(ServerState& server, const ClientState& client, const CommandSpec* spec,
                absl::Span<const std::string_view> args, bool all);
// MEMORY STATS (server_family.cc, beside INFO memory; registered with MEMORY).
void CmdMemoryStats(CommandContext& ctx);
void CmdMemoryDoctor(CommandContext& ctx);
void RegisterDumpFamily(CommandTable* table);
void RegisterPersistFamily(CommandTable* table);
void RegisterSortFamily(CommandTable* table);
void RegisterDebugFamily(CommandTable* table);
void RegisterIntrospectionFamily(CommandTable* table);
void RegisterReplicationFamily(CommandTable* table);
// CLUSTER, ASKING, READONLY, READWRITE, as a Redis without cluster-enabled.
void RegisterClusterFamily(CommandTable* table);
// MODULE: valkdb loads no modules.
void RegisterModuleFamily(CommandTable* table);

// Helpers shared by the families.
// Ends every subscription of a client (RESET, disconnect).
void DropSubscriptions(ServerState& server, ClientState& client);
// CLIENT TRACKING: remembers the keys a read-only command read for the client.
void RememberTrackedKeys(CommandContext& ctx, const CommandSpec& spec);
// After a client's command (not one EXEC runs): CLIENT CACHING applies to
// that one command (or transaction) only, as Redis's resetClient.
void EndTrackedCommand(ClientState& client, const CommandSpec* spec);
// MONITOR: shows the command that just ran to every monitor.
void FeedMonitors(CommandContext& ctx);
// Passwords as MONITOR and SLOWLOG show them: "(redacted)" (Redis's
// redactClientCommandArgument, for AUTH, HELLO ... AUTH and MIGRATE ... AUTH/AUTH2).
void RedactPasswords(absl::InlinedVector<std::string_view, 8>* argv);
// Checks a password against requirepass in time independent of where they differ.
bool PasswordMatches(std::string_view given, std::string_view expected);
bool ParseIntArg(CommandContext& ctx, std::string_view text, int64_t* value,
                 std::string_view error = "value is not an integer or out of range");
// An entry for key holding argument `value_index`, sharing a big argument's buffer.
Entry MakeEntry(const CommandContext& ctx, std::string_view key, size_t value_index);
void ReplyWrongArity(CommandContext& ctx, std::string_view full_name);
// A container command's own handler (CONFIG, CLUSTER, ...). Unreachable in
// practice: the container's arity refuses it without a subcommand; it
// replies as Redis would.
void CmdContainer(CommandContext& ctx);
// Redis's addReplyHelp: `command`'s subcommands, one line each, then HELP.
void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines);
// A blocked command's wait ended: Redis's updateStatsOnUnblock (its time in
// commandstats again, latencystats, SLOWLOG).
void AccountUnblocked(ClientState& client, ServerState& server, const CommandSpec& spec,
                      absl::Span<const std::string_view> args, int64_t duration_ns, bool failed);
void ReplyUnknownSubcommand(CommandContext& ctx, std::string_view command, std::string_view sub);
// Redis's addReplySubcommandSyntaxError: a known subcommand with bad arguments.
void ReplySubcommandSyntaxError(CommandContext& ctx);
// Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT) and the %.17Lg form it replies with.
bool ParseLongDouble(std::string_view text, long double* out);
std::string FormatLongDouble(long double value);
// Writes COMMAND INFO / COMMAND DOCS entries.
void WriteCommandInfo(RespWriter& out, const CommandSpec& spec);
void WriteCommandDocs(RespWriter& out, const CommandSpec& spec);

}  // namespace valkdb
