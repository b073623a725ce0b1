// EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT: Lua scripts, as Redis 7.0 runs
// them. The Lua side is server/script/lua_engine; this file runs a script's
// redis.call commands through dispatch on the script's own client (Redis's
// "lua client"), applies Redis's checks to them, and propagates the
// script's effects: one command alone, several wrapped in MULTI/EXEC.
//
// A script runs on its caller's event loop, start to end; with one loop
// (the default) nothing else runs meanwhile, as in Redis. With several,
// each command of the script is atomic but the script as a whole is not
// isolated from other loops (as EXEC today).
#include <cstring>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "server/commands/command_meta.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/stats.h"
#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/script/lua_engine.h"
#include "server/store/eviction.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/rdb_file.h"
#include "server/store/rdb/rdb_io.h"

namespace valkdb {
namespace {

constexpr std::string_view kNoScriptError = "-NOSCRIPT No matching script. Please use EVAL.";

// The interpreter of this thread (each event loop has its own), started
// afresh after SCRIPT FLUSH.
thread_local std::unique_ptr<LuaEngine> thread_engine;

LuaEngine& ThreadEngine(ServerState& server) {
  std::unique_ptr<LuaEngine>& engine = thread_engine;
  thread_local uint64_t generation = 0;
  const uint64_t now = server.scripts.generation();
  if (engine == nullptr || generation != now) {
    engine = std::make_unique<LuaEngine>();
    generation = now;
  }
  return *engine;
}

// What scripts need to know of a command beyond valkdb's own flags: Redis's
// noscript, write and deny-oom flags (COMMAND INFO's), by spec id.
enum ScriptBits : uint8_t { kNoScript = 1, kWrite = 2, kDenyOom = 4 };

uint8_t ScriptBitsOf(const CommandSpec& spec) {
  static const std::vector<uint8_t> bits = [] {
    std::vector<uint8_t> table(CommandTable::Get().spec_count(), 0);
    auto fill = [&table](const CommandSpec& s) {
      uint8_t b = 0;
      if (s.flags & kCmdNoScript) b |= kNoScript;
      if (s.flags & kCmdWrite) b |= kWrite;
      if (s.flags & kCmdDenyOom) b |= kDenyOom;
      if (const RedisCommandMeta* meta = FindRedisCommandMeta(s.name); meta != nullptr) {
        if (meta->info.find("+noscript\r\n") != std::string_view::npos) b |= kNoScript;
        if (meta->info.find("+write\r\n") != std::string_view::npos) b |= kWrite;
        if (meta->info.find("+denyoom\r\n") != std::string_view::npos) b |= kDenyOom;
      }
      if (s.id < table.size()) table[s.id] = b;
    };
    for (const CommandSpec& s : CommandTable::Get().commands()) {
      fill(s);
      for (const CommandSpec& sub : s.subcommands) fill(sub);
    }
    return table;
  }();
  return spec.id < bits.size() ? bits[spec.id] : 0;
}

// One script run: its client, and Redis's checks on each redis.call.
class ScriptRun final : public ScriptHost {
 public:
  ScriptRun(CommandContext& caller, bool read_only, bool allow_oom, int kind, std::string_view name)
      : caller_(caller), read_only_(read_only), kind_(kind), name_(name), start_ns_(MonotonicNs()) {
    client_.id = caller.client.id;
    client_.db = caller.client.db;
    client_.addr = "lua";
    client_.loop = caller.client.loop;
    client_.stats = caller.client.stats;
    // A script's reads track the keys its caller declared, not the ones it
    // read (Redis's call() remembers the script caller's keys): see Call.
    client_.tracking = 0;
    client_.tracking_redirect = caller.client.tracking_redirect;
    client_.is_master = caller.client.is_master;
    client_.in_exec = true;  // blocking commands do not block; ready keys wait for the end
    client_.script_changes = &changes_;
    if (!allow_oom && caller.server.config->maxmemory() != 0 && !caller.client.is_master) {
      oom_at_start_ = PerformEvictions(caller.store, caller.server.config->eviction_settings()) ==
                      EvictionResult::kFail;
    }
  }

  void Call(absl::Span<const std::string_view> argv, int protocol, std::string* reply) override {
    const CommandTable& table = CommandTable::Get();
    const CommandSpec* spec = table.Lookup(argv);
    const int argc = static_cast<int>(argv.size());
    if (spec == nullptr) {
      return Refuse(spec, "-ERR Unknown Redis command called from script", reply);
    }
    if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
      return Refuse(spec, "-ERR Wrong number of args calling Redis command from script", reply);
    }
    const uint8_t bits = ScriptBitsOf(*spec);
    if ((bits & kNoScript) &&
        !caller_.server.script_disable_deny_script.load(std::memory_order_relaxed)) {
      return Refuse(spec, "-ERR This Redis command is not allowed from script", reply);
    }
    ServerState& server = caller_.server;
    const uint32_t checks = server.repl_checks.load(std::memory_order_relaxed);
    if ((checks & kReplStale) && !(spec->flags & kCmdStale) && !client_.is_master) {
      return Refuse(spec, "-ERR Can not execute the command on a stale replica", reply);
    }
    const bool write = (bits & kWrite) != 0;
    if (read_only_ && (write || (spec->flags & kCmdMayReplicate))) {
      return Refuse(spec, "-ERR Write commands are not allowed from read-only scripts.", reply);
    }
    // Refused only before the script's first write: after it, failing would
    // leave half a script applied.
    if (write && !write_dirty_ && !client_.is_master) {
      if (checks & kReplReadOnly) {
        return Refuse(spec, "-READONLY You can't write against a read only replica.", reply);
      }
      if (server.persistence != nullptr && server.persistence->WritesRefused()) {
        return Refuse(spec, errors::kMisconf, reply);
      }
      if (server.aof != nullptr && server.aof->WritesRefused()) {
        const std::string error = server.aof->WriteError();
        return Refuse(spec, error[0] == '-' ? error : StrCat("-", error), reply);
      }
      if (checks & kReplNoReplicas) {
        return Refuse(spec, "-NOREPLICAS Not enough good replicas to write.", reply);
      }
    }
    if (oom_at_start_ && !write_dirty_ && (bits & kDenyOom)) {
      return Refuse(spec, "-OOM command not allowed when used memory > 'maxmemory'.", reply);
    }
    if (write) write_dirty_ = true;

    client_.protocol = protocol;
    // Reused per thread: a command run from a script never runs a script.
    thread_local CommandArgs args;
    args.Assign(argv);
    RespWriter out(&buffer_, protocol);
    if (caller_.client.stats != nullptr) out.set_error_observer(caller_.client.stats);
    CommandContext ctx{caller_.store, caller_.server, client_, out, args, caller_.now_ms};
    table.Dispatch(ctx, spec);
    buffer_.AppendTo(reply);
    buffer_.Clear();
    if ((spec->flags & kCmdReadOnly) && caller_.client.tracking != 0 && !tracked_caller_keys_) {
      tracked_caller_keys_ = true;
      if (const CommandSpec* caller_spec = table.Lookup(caller_.args.views())) {
        RememberTrackedKeys(caller_, *caller_spec);
      }
    }
  }

  // A call refused before it ran: the error counts in INFO errorstats and
  // against the command as a rejected call, as Redis's rejectCommand.
  void Refuse(const CommandSpec* spec, std::string_view error, std::string* reply) {
    RespWriter out(&buffer_, 2);
    LoopStats* stats = caller_.client.stats;
    if (stats != nullptr) out.set_error_observer(stats);
    out.Error(error);
    buffer_.AppendTo(reply);
    buffer_.Clear();
    if (stats != nullptr && spec != nullptr) {
      stats->CatchUpReset();
      stats->command(spec->id).rejected.Add(1);
    }
  }

  void SetRepl(int flags) override { client_.script_repl = flags; }

  // Past busy-reply-threshold the script is "timed out", as Redis calls
  // it: other clients get -BUSY, and SCRIPT KILL (FUNCTION KILL) can stop
  // a script that has not written.
  bool Interrupt() override {
    ServerState& server = caller_.server;
    if (!timed_out_) {
      const int64_t threshold = server.config->GetInt("busy-reply-threshold");
      const int64_t elapsed_ms = (MonotonicNs() - start_ns_) / 1000000;
      if (threshold <= 0 || elapsed_ms < threshold) return false;
      timed_out_ = true;
      {
        absl::MutexLock lock(&server.busy_script_mu);
        server.busy_script_info.name = name_;
        server.busy_script_info.command.clear();
        for (size_t i = 0; i < caller_.argc(); ++i) {
          server.busy_script_info.command.emplace_back(caller_.arg(i));
        }
        server.busy_script_info.start_ns = start_ns_;
      }
      server.kill_busy_script.store(false);
      server.busy_script_from_master.store(caller_.client.is_master);
      server.busy_script.store(kind_);
      Log(LogLevel::kWarning,
          "Slow script detected: still in execution after %lld milliseconds. You can try "
          "killing the script using the %s command. Script name is: %s.",
          static_cast<long long>(elapsed_ms), kind_ == kBusyEval ? "SCRIPT KILL" : "FUNCTION KILL",
          name_);
    }
    server.busy_script_dirty.store(write_dirty_);
    if (server.clients != nullptr) server.clients->ServeWhileBusy(caller_.client.id);
    if (!killed_ && server.busy_script_shutdown.load()) {
      killed_ = true;
      abandoned_ = true;
    }
    if (!killed_ && server.kill_busy_script.load()) {
      killed_ = true;
      Log(LogLevel::kWarning, "Lua script killed by user with SCRIPT KILL.");
    }
    return killed_;
  }

  ~ScriptRun() {
    if (timed_out_) {
      caller_.server.busy_script.store(0);
      caller_.server.kill_busy_script.store(false);
    }
  }

  // After the script: its effects to the change feed, the keys it made
  // ready to the caller (served once EVAL is over).
  void Finish() {
    ChangeFeed& feed = caller_.store.feed();
    // As Redis's alsoPropagate: a change for the AOF alone when there is no
    // AOF (or for replicas alone when none listen) is not propagated at all,
    // and does not count towards wrapping the rest in MULTI/EXEC.
    if (!changes_.empty() && feed.active() && !abandoned_) {
      const bool aof_on = caller_.server.aof != nullptr && caller_.server.aof->enabled();
      const bool replicas_on = feed.replicas_listening();
      std::erase_if(changes_, [&](const ClientState::ScriptChange& change) {
        return (change.aof_only && !aof_on) || (change.replicas_only && !replicas_on);
      });
    }
    if (!changes_.empty() && feed.active() && !abandoned_) {
      ClientState& caller = caller_.client;
      // Inside EXEC the transaction's MULTI/EXEC already wraps them.
      const bool in_exec_block = caller.exec_feed != ClientState::ExecFeed::kNone;
      const bool wrap = !in_exec_block && changes_.size() > 1;
      if (wrap) feed.Publish(changes_.front().db, {"MULTI"});
      for (const ClientState::ScriptChange& change : changes_) {
        if (caller.exec_feed == ClientState::ExecFeed::kPending) {
          feed.Publish(change.db, {"MULTI"});
          caller.exec_feed = ClientState::ExecFeed::kOpen;
        }
        std::vector<std::string_view> views(change.argv.begin(), change.argv.end());
        if (change.replicas_only && change.aof_only) {
          continue;  // set_repl(REPL_NONE) records nothing (kept out by PublishChange)
        } else if (change.replicas_only) {
          feed.PublishToReplicas(change.db, views);
        } else if (change.aof_only) {
          feed.PublishToAof(change.db, views);
        } else {
          feed.Publish(change.db, views);
        }
      }
      if (wrap) feed.Publish(changes_.back().db, {"EXEC"});
    }
    for (ReadyKey& key : client_.ready_keys) caller_.client.ready_keys.push_back(std::move(key));
  }

 private:
  CommandContext& caller_;
  const bool read_only_;
  const int kind_;  // kBusyEval or kBusyFunction
  const std::string name_;
  const int64_t start_ns_;
  bool timed_out_ = false;
  bool killed_ = false;
  bool abandoned_ = false;  // stopped by SHUTDOWN NOSAVE: its changes go nowhere
  bool write_dirty_ = false;
  bool oom_at_start_ = false;
  bool tracked_caller_keys_ = false;
  ClientState client_;
  ReplyBuffer buffer_;
  std::vector<ClientState::ScriptChange> changes_;
};

// Redis's scriptPrepareForRun checks for scripts that declare flags.
bool ScriptMayRun(CommandContext& ctx, uint32_t flags, bool ro) {
  const uint32_t checks = ctx.server.repl_checks.load(std::memory_order_relaxed);
  const bool obey = ctx.client.is_master;
  if (flags & kScriptEvalCompat) {
    if ((checks & kReplStale) && !obey) {
      ctx.out.Error(
          "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
      return false;
    }
    return true;
  }
  if ((checks & kReplStale) && !obey && !(flags & kScriptAllowStale)) {
    ctx.out.Error(
        "-MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and "
        "'allow-stale' flag is not set on the script.");
    return false;
  }
  if (!(flags & kScriptNoWrites)) {
    if ((checks & kReplReadOnly) && !obey) {
      ctx.out.Error("-READONLY Can not run script with write flag on readonly replica");
      return false;
    }
    if (!obey && ctx.server.persistence != nullptr && ctx.server.persistence->WritesRefused()) {
      ctx.out.Error(
          "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
          "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
          "scripts.");
      return false;
    }
    if (!obey && ctx.server.aof != nullptr && ctx.server.aof->WritesRefused()) {
      ctx.out.Error(
          "-MISCONF Redis is configured to persist data to AOF, but it's currently unable to "
          "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
          "scripts. AOF error: " +
          ctx.server.aof->WriteError());
      return false;
    }
    if (ro) {
      ctx.out.Error("Can not execute a script with write flag using *_ro command.");
      return false;
    }
    if (checks & kReplNoReplicas) {
      ctx.out.Error("-NOREPLICAS Not enough good replicas to write.");
      return false;
    }
  }
  if (!(flags & (kScriptAllowOom | kScriptNoWrites)) && ctx.server.config->maxmemory() != 0 &&
      !obey &&
      PerformEvictions(ctx.store, ctx.server.config->eviction_settings()) ==
          EvictionResult::kFail) {
    ctx.out.Error(
        "-OOM allow-oom flag is not set on the script, can not run it when used memory > "
        "'maxmemory'");
    return false;
  }
  return true;
}

// EVAL's and FCALL's numkeys (argument 2), checked in Redis's order; the
// two commands differ only in the text for a non-number.
bool ParseNumKeys(CommandContext& ctx, std::string_view not_a_number, int64_t* numkeys) {
  if (!ParseInt64(ctx.arg(2), numkeys)) {
    ctx.out.Error(not_a_number);
    return false;
  }
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.out.Error("Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    ctx.out.Error("Number of keys can't be negative");
    return false;
  }
  return true;
}

void EvalGeneric(CommandContext& ctx, bool evalsha, bool ro) {
  // MONITOR shows the script before the commands it runs (as Redis).
  if (ctx.server.monitors.active()) FeedMonitors(ctx);
  int64_t numkeys = 0;
  if (!ParseNumKeys(ctx, errors::kNotInteger, &numkeys)) return;
  // The SHA1 in lower case, on the stack (EVALSHA's hot path allocates nothing for it).
  char sha_text[40];
  if (evalsha) {
    if (ctx.arg(1).size() != sizeof(sha_text)) {
      ctx.out.Error(kNoScriptError);
      return;
    }
    for (size_t i = 0; i < sizeof(sha_text); ++i) sha_text[i] = AsciiToLower(ctx.arg(1)[i]);
  } else {
    const std::string hex = Sha1Hex(ctx.arg(1));
    std::memcpy(sha_text, hex.data(), sizeof(sha_text));
  }
  const std::string_view sha(sha_text, sizeof(sha_text));
  LuaEngine& engine = ThreadEngine(ctx.server);
  // The flags alone (no copy of the body) when this loop compiled it already.
  std::optional<uint32_t> cached_flags = ctx.server.scripts.FlagsOf(sha);
  std::optional<ScriptCache::Script> script;
  if (cached_flags.has_value() && !engine.Has(sha)) script = ctx.server.scripts.Find(sha);
  uint32_t flags = 0;
  size_t shebang_len = 0;
  std::string error;
  if (!cached_flags.has_value() || (!engine.Has(sha) && !script.has_value())) {
    if (evalsha) {
      ctx.out.Error(kNoScriptError);
      return;
    }
    if (!ParseScriptShebang(ctx.arg(1), &flags, &shebang_len, &error) ||
        !engine.Compile(sha, ctx.arg(1), shebang_len, &error)) {
      ctx.out.Error(error);
      return;
    }
    ctx.server.scripts.Add(sha, ctx.arg(1), flags);
  } else {
    flags = *cached_flags;
    if (!engine.Has(sha)) {
      // Known from another loop (or before this loop's last reset).
      if (!ParseScriptShebang(script->body, &flags, &shebang_len, &error) ||
          !engine.Compile(sha, script->body, shebang_len, &error)) {
        ctx.out.Error(error);
        return;
      }
    }
  }
  if (!ScriptMayRun(ctx, flags, ro)) return;
  const bool compat = (flags & kScriptEvalCompat) != 0;
  const bool read_only = ro || (!compat && (flags & kScriptNoWrites));
  const bool allow_oom = !compat && (flags & kScriptAllowOom);

  const auto keys = ctx.args.views().subspan(3, static_cast<size_t>(numkeys));
  const auto args = ctx.args.views().subspan(3 + static_cast<size_t>(numkeys));
  ScriptRun run(ctx, read_only, allow_oom, kBusyEval, sha);
  RespWriter uncounted(ctx.out.buffer(), ctx.out.protocol());
  engine.Run(sha, keys, args, run, ctx.out, uncounted);
  run.Finish();
}

void CmdEval(CommandContext& ctx) { EvalGeneric(ctx, false, false); }
void CmdEvalRo(CommandContext& ctx) { EvalGeneric(ctx, false, true); }
void CmdEvalSha(CommandContext& ctx) { EvalGeneric(ctx, true, false); }
void CmdEvalShaRo(CommandContext& ctx) { EvalGeneric(ctx, true, true); }

// EVAL's keys: numkeys of them after the script (none when numkeys is bad).
void EvalKeys(const CommandContext& ctx, KeyList* keys) {
  int64_t numkeys = 0;
  if (ctx.argc() < 3 || !ParseInt64(ctx.arg(2), &numkeys) || numkeys <= 0 ||
      numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    return;
  }
  for (size_t i = 3; i < 3 + static_cast<size_t>(numkeys); ++i) {
    keys->push_back({ctx.client.db, ctx.arg(i)});
  }
}

void CmdScriptLoad(CommandContext& ctx) {
  std::string sha = Sha1Hex(ctx.arg(2));
  if (!ctx.server.scripts.Contains(sha)) {
    uint32_t flags = 0;
    size_t shebang_len = 0;
    std::string error;
    LuaEngine& engine = ThreadEngine(ctx.server);
    if (!ParseScriptShebang(ctx.arg(2), &flags, &shebang_len, &error) ||
        (!engine.Has(sha) && !engine.Compile(sha, ctx.arg(2), shebang_len, &error))) {
      ctx.out.Error(error);
      return;
    }
    ctx.server.scripts.Add(sha, ctx.arg(2), flags);
  }
  ctx.out.Bulk(sha);
}

void CmdScriptExists(CommandContext& ctx) {
  ctx.out.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    // Redis's script dict compares keys without case.
    ctx.out.Integer(ctx.server.scripts.Contains(AsciiLower(ctx.arg(i))) ? 1 : 0);
  }
}

void CmdScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
                         !EqualsIgnoreCase(ctx.arg(2), "async"))) {
    ctx.out.Error("SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.scripts.Flush();
  ctx.out.Ok();
}

// Redis's scriptKill: SCRIPT KILL stops an EVAL script, FUNCTION KILL a
// function, once it runs past busy-reply-threshold (before that, the
// command is not read until the script ends).
void KillScript(CommandContext& ctx, bool eval) {
  ServerState& server = ctx.server;
  const int busy = server.busy_script.load();
  if (busy == 0) {
    ctx.out.Error("-NOTBUSY No scripts in execution right now.");
    return;
  }
  if (server.busy_script_from_master.load()) {
    ctx.out.Error(
        "-UNKILLABLE The busy script was sent by a master instance in the context of replication "
        "and cannot be killed.");
    return;
  }
  if (server.busy_script_dirty.load()) {
    ctx.out.Error(
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
    return;
  }
  if (eval && busy != kBusyEval) {
    ctx.out.Error(
        "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
        "NOSAVE.");
    return;
  }
  if (!eval && busy != kBusyFunction) {
    ctx.out.Error(
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    return;
  }
  server.kill_busy_script.store(true);
  ctx.out.Ok();
}

void CmdScriptKill(CommandContext& ctx) { KillScript(ctx, true); }

void CmdScriptDebug(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.arg(2), "no")) {
    ctx.out.Ok();
    return;
  }
  if (EqualsIgnoreCase(ctx.arg(2), "yes") || EqualsIgnoreCase(ctx.arg(2), "sync")) {
    ctx.out.Error("SCRIPT DEBUG is not supported by valkdb");
    return;
  }
  ctx.out.Error("Use SCRIPT DEBUG YES/SYNC/NO");
}

void CmdScriptHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined by "
             "the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.", "KILL",
             "    Kill the currently executing Lua script.", "LOAD <script>",
             "    Load a script into the scripts cache without executing it."});
}

void CmdScriptContainer(CommandContext& ctx) { ReplyWrongArity(ctx, "script"); }

// ---- FUNCTION and FCALL ----

// This thread's interpreter for FUNCTION libraries, with every library of
// the current snapshot loaded, and the registry refs of their callbacks.
struct ThreadFunctions {
  std::unique_ptr<LuaEngine> engine;
  uint64_t generation = ~uint64_t{0};
  absl::flat_hash_map<std::string, int> refs;  // function name (as registered) -> ref
};

thread_local ThreadFunctions thread_functions;

ThreadFunctions& FunctionsFor(ServerState& server) {
  ThreadFunctions& functions = thread_functions;
  const uint64_t now = server.functions.generation();
  if (functions.engine == nullptr || functions.generation != now) {
    functions.engine = std::make_unique<LuaEngine>(/*functions=*/true);
    functions.refs.clear();
    functions.generation = now;
    for (const auto& [name, library] : *server.functions.Snapshot()) {
      std::vector<LuaEngine::RegisteredFunction> registered;
      std::string error;
      // It loaded when it was added; without the time limit, as a replica loads.
      if (!functions.engine->LoadLibrary(std::string_view(library.code).substr(library.shebang_len),
                                         &registered, &error, /*time_limit=*/false)) {
        continue;
      }
      for (const auto& fn : registered) functions.refs[fn.name] = fn.ref;
    }
  }
  return functions;
}

bool ValidLibraryName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

constexpr std::string_view kBadNameError =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
    "character long";

// Whether a library other than `except_library` has a function `name`
// (names ignore case): Redis's "Function ... already exists".
bool FunctionTaken(const FunctionLibraries& libraries, std::string_view name,
                   std::string_view except_library, std::string* error) {
  for (const auto& [library_name, library] : libraries) {
    if (library_name == except_library) continue;
    for (const FunctionInfo& info : library.functions) {
      if (EqualsIgnoreCase(info.name, name)) {
        *error = StrCat("Function ", name, " already exists");
        return true;
      }
    }
  }
  return false;
}

// Redis's functionsCreateWithLibraryCtx: parses and runs a library's code
// in a fresh interpreter, checks it against `libraries` (the one it
// replaces taken out), and adds it there.
bool CreateLibrary(std::string_view payload, bool replace, FunctionLibraries* libraries,
                   std::string* loaded_name, std::string* error, bool time_limit) {
  if (!payload.starts_with("#!")) {
    *error = "Missing library metadata";
    return false;
  }
  const size_t end = payload.find('\n');
  if (end == std::string_view::npos) {
    *error = "Invalid library metadata";
    return false;
  }
  // Split as Redis's sdssplitargs: name="foo" is the name foo.
  std::string storage;
  std::vector<std::string_view> parts;
  if (!SplitArgs(payload.substr(0, end), &storage, &parts) || parts.empty()) {
    *error = "Invalid library metadata";
    return false;
  }
  std::string_view engine = parts[0].substr(2);
  std::string name;
  bool has_name = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && EqualsIgnoreCase(parts[i].substr(0, 5), "name=")) {
      if (has_name) {
        *error = "Invalid metadata value, name argument was given multiple times";
        return false;
      }
      name = std::string(parts[i].substr(5));
      has_name = true;
      continue;
    }
    *error = StrCat("Invalid metadata value given: ", parts[i]);
    return false;
  }
  if (!has_name) {
    *error = "Library name was not given";
    return false;
  }
  if (!ValidLibraryName(name)) {
    *error = std::string(kBadNameError);
    return false;
  }
  if (!EqualsIgnoreCase(engine, "lua")) {
    *error = StrCat("Engine '", engine, "' not found");
    return false;
  }
  auto old = libraries->find(name);
  if (old != libraries->end() && !replace) {
    *error = StrCat("Library '", name, "' already exists");
    return false;
  }
  LuaEngine loader(/*functions=*/true);
  std::vector<LuaEngine::RegisteredFunction> registered;
  if (!loader.LoadLibrary(payload.substr(end), &registered, error, time_limit)) return false;
  if (registered.empty()) {
    *error = "No functions registered";
    return false;
  }
  for (const auto& fn : registered) {
    if (FunctionTaken(*libraries, fn.name, /*except_library=*/name, error)) return false;
  }
  FunctionLibrary library;
  library.name = name;
  library.code = std::string(payload);
  library.shebang_len = end;
  for (auto& fn : registered) {
    library.functions.push_back({fn.name, fn.description, fn.has_description, fn.flags});
  }
  (*libraries)[name] = std::move(library);
  *loaded_name = name;
  return true;
}

void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.argc() - 1) {
    std::string_view option = ctx.arg(pos++);
    if (EqualsIgnoreCase(option, "replace")) {
      replace = true;
      continue;
    }
    ctx.out.Error(StrCat("Unknown option given: ", option));
    return;
  }
  if (pos >= ctx.argc()) {
    ctx.out.Error("Function code is missing");
    return;
  }
  auto libraries = std::make_shared<FunctionLibraries>(*ctx.server.functions.Snapshot());
  std::string name, error;
  if (!CreateLibrary(ctx.arg(pos), replace, libraries.get(), &name, &error,
                     /*time_limit=*/!ctx.client.is_master)) {
    ctx.out.Error(error);
    return;
  }
  ctx.server.functions.Replace(std::move(libraries));
  ctx.wrote = true;  // propagated as sent, counted as a change
  ctx.out.Bulk(name);
}

void CmdFunctionDelete(CommandContext& ctx) {
  auto libraries = std::make_shared<FunctionLibraries>(*ctx.server.functions.Snapshot());
  if (libraries->erase(std::string(ctx.arg(2))) == 0) {
    ctx.out.Error("Library not found");
    return;
  }
  ctx.server.functions.Replace(std::move(libraries));
  ctx.wrote = true;
  ctx.out.Ok();
}

void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
      !EqualsIgnoreCase(ctx.arg(2), "async")) {
    ctx.out.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.server.functions.Replace(std::make_shared<const FunctionLibraries>());
  ctx.wrote = true;
  ctx.out.Ok();
}

void WriteFunctionFlags(RespWriter& out, uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kScriptNoWrites, "no-writes"},
      {kScriptAllowOom, "allow-oom"},
      {kScriptAllowStale, "allow-stale"},
      {kScriptNoCluster, "no-cluster"},
      {kScriptAllowCrossSlot, "allow-cross-slot-keys"},
  };
  size_t count = 0;
  for (const auto& [bit, name] : kNames) count += (flags & bit) ? 1 : 0;
  out.Set(count);
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out.SimpleString(name);
  }
}

void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!with_code && EqualsIgnoreCase(ctx.arg(i), "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern.has_value() && EqualsIgnoreCase(ctx.arg(i), "libraryname")) {
      if (i >= ctx.argc() - 1) {
        ctx.out.Error("library name argument was not given");
        return;
      }
      pattern = ctx.arg(++i);
      continue;
    }
    ctx.out.Error(StrCat("Unknown argument ", ctx.arg(i)));
    return;
  }
  auto libraries = ctx.server.functions.Snapshot();
  std::vector<const FunctionLibrary*> shown;
  for (const auto& [name, library] : *libraries) {
    if (pattern.has_value() && !GlobMatch(*pattern, name, /*nocase=*/true)) continue;
    shown.push_back(&library);
  }
  ctx.out.Array(shown.size());
  for (const FunctionLibrary* library : shown) {
    ctx.out.Map(with_code ? 4 : 3);
    ctx.out.Bulk("library_name");
    ctx.out.Bulk(library->name);
    ctx.out.Bulk("engine");
    ctx.out.Bulk("LUA");
    ctx.out.Bulk("functions");
    ctx.out.Array(library->functions.size());
    for (const FunctionInfo& fn : library->functions) {
      ctx.out.Map(3);
      ctx.out.Bulk("name");
      ctx.out.Bulk(fn.name);
      ctx.out.Bulk("description");
      if (fn.has_description) {
        ctx.out.Bulk(fn.description);
      } else {
        ctx.out.Null();
      }
      ctx.out.Bulk("flags");
      WriteFunctionFlags(ctx.out, fn.flags);
    }
    if (with_code) {
      ctx.out.Bulk("library_code");
      ctx.out.Bulk(library->code);
    }
  }
}

void CmdFunctionStats(CommandContext& ctx) {
  auto libraries = ctx.server.functions.Snapshot();
  size_t functions = 0;
  for (const auto& [name, library] : *libraries) functions += library.functions.size();
  ctx.out.Map(2);
  ctx.out.Bulk("running_script");
  if (ctx.server.busy_script.load() == 0) {
    // A script runs alone: others see it only once it is busy.
    ctx.out.Null();
  } else {
    ServerState::BusyScriptInfo info;
    {
      absl::MutexLock lock(&ctx.server.busy_script_mu);
      info = ctx.server.busy_script_info;
    }
    ctx.out.Map(3);
    ctx.out.Bulk("name");
    ctx.out.Bulk(info.name);
    ctx.out.Bulk("command");
    ctx.out.Array(info.command.size());
    for (const std::string& arg : info.command) ctx.out.Bulk(arg);
    ctx.out.Bulk("duration_ms");
    ctx.out.Integer((MonotonicNs() - info.start_ns) / 1000000);
  }
  ctx.out.Bulk("engines");
  ctx.out.Map(1);
  ctx.out.Bulk("LUA");
  ctx.out.Map(2);
  ctx.out.Bulk("libraries_count");
  ctx.out.Integer(static_cast<int64_t>(libraries->size()));
  ctx.out.Bulk("functions_count");
  ctx.out.Integer(static_cast<int64_t>(functions));
}

void CmdFunctionKill(CommandContext& ctx) { KillScript(ctx, false); }

// FUNCTION DUMP: each library as RDB_OPCODE_FUNCTION2 and its code as an
// RDB string, then the RDB version and a CRC64, as Redis.
void CmdFunctionDump(CommandContext& ctx) {
  std::string payload;
  for (const auto& [name, library] : *ctx.server.functions.Snapshot()) {
    payload.push_back(static_cast<char>(rdb::kOpFunction2));
    // LZF when it saves enough, as Redis's rdbSaveRawString under rdbcompression.
    rdb::SaveString(library.code, ctx.server.config->GetBool("rdbcompression"), &payload);
  }
  payload.push_back(static_cast<char>(rdb::kRdbVersion & 0xff));
  payload.push_back(static_cast<char>((rdb::kRdbVersion >> 8) & 0xff));
  uint64_t crc = rdb::Crc64(0, payload);
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  ctx.out.Bulk(payload);
}

void CmdFunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "append")) {
      policy = Policy::kAppend;
    } else if (EqualsIgnoreCase(ctx.arg(3), "replace")) {
      policy = Policy::kReplace;
    } else if (EqualsIgnoreCase(ctx.arg(3), "flush")) {
      policy = Policy::kFlush;
    } else {
      ctx.out.Error("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::string_view data = ctx.arg(2);
  bool footer_ok = data.size() >= 10;
  if (footer_ok) {
    const auto* footer = reinterpret_cast<const uint8_t*>(data.data() + data.size() - 10);
    const int version = footer[0] | (footer[1] << 8);
    uint64_t crc = 0;
    for (int i = 0; i < 8; ++i) crc |= static_cast<uint64_t>(footer[2 + i]) << (8 * i);
    footer_ok =
        version <= rdb::kRdbVersion && rdb::Crc64(0, data.substr(0, data.size() - 8)) == crc;
  }
  if (!footer_ok) {
    ctx.out.Error("DUMP payload version or checksum are wrong");
    return;
  }
  // The payload's libraries, checked among themselves first (Redis loads
  // them into a context of their own).
  FunctionLibraries restored;
  rdb::RdbReader reader(data.substr(0, data.size() - 10));
  std::string error;
  while (reader.remaining() > 0) {
    absl::StatusOr<uint8_t> type = reader.ReadByte();
    if (!type.ok()) {
      ctx.out.Error("can not read data type");
      return;
    }
    if (*type == rdb::kOpFunctionPreGa) {
      // Redis 7.0's RC format: it reads an engine name it cannot find.
      ctx.out.Error("Failed loading engine name");
      return;
    }
    if (*type != rdb::kOpFunction2) {
      ctx.out.Error("given type is not a function");
      return;
    }
    absl::StatusOr<std::string> code = reader.ReadString();
    std::string name;
    if (!code.ok()) {
      ctx.out.Error("failed loading the given functions payload");
      return;
    }
    if (!CreateLibrary(*code, /*replace=*/false, &restored, &name, &error, /*time_limit=*/false)) {
      ctx.out.Error(error);
      return;
    }
  }
  std::shared_ptr<FunctionLibraries> libraries;
  if (policy == Policy::kFlush) {
    libraries = std::make_shared<FunctionLibraries>(std::move(restored));
  } else {
    libraries = std::make_shared<FunctionLibraries>(*ctx.server.functions.Snapshot());
    // Redis's libraryJoin: a library that exists is an error (APPEND) or
    // replaced (REPLACE); a function name taken by another library is an error.
    for (const auto& [name, library] : restored) {
      if (libraries->contains(name)) {
        if (policy == Policy::kAppend) {
          ctx.out.Error(StrCat("Library ", name, " already exists"));
          return;
        }
        libraries->erase(name);
      }
    }
    for (const auto& [name, library] : restored) {
      for (const FunctionInfo& fn : library.functions) {
        std::string error;
        if (FunctionTaken(*libraries, fn.name, /*except_library=*/"", &error)) {
          ctx.out.Error(error);
          return;
        }
      }
    }
    for (auto& [name, library] : restored) (*libraries)[name] = std::move(library);
  }
  ctx.server.functions.Replace(std::move(libraries));
  ctx.wrote = true;
  ctx.out.Ok();
}

void CmdFunctionHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "FUNCTION",
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>",
       "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:",
       "    * Library name",
       "    * The engine used to run the Library",
       "    * Library description",
       "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS",
       "    Return information about the current function running:",
       "    * Function name",
       "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.",
       "KILL",
       "    Kill the current running function.",
       "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.",
       "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored using "
       "FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
       "replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

void CmdFunctionContainer(CommandContext& ctx) { ReplyWrongArity(ctx, "function"); }

void FcallGeneric(CommandContext& ctx, bool ro) {
  if (ctx.server.monitors.active()) FeedMonitors(ctx);
  const FunctionRegistry::Found function = ctx.server.functions.Find(ctx.arg(1));
  const FunctionInfo* found = function.info;
  if (found == nullptr) {
    ctx.out.Error("Function not found");
    return;
  }
  int64_t numkeys = 0;
  if (!ParseNumKeys(ctx, "Bad number of keys provided", &numkeys)) return;
  if (!ScriptMayRun(ctx, found->flags, ro)) return;
  ThreadFunctions& functions = FunctionsFor(ctx.server);
  auto ref = functions.refs.find(found->name);
  if (ref == functions.refs.end()) {
    ctx.out.Error("Function not found");
    return;
  }
  const bool read_only = ro || (found->flags & kScriptNoWrites);
  const auto keys = ctx.args.views().subspan(3, static_cast<size_t>(numkeys));
  const auto args = ctx.args.views().subspan(3 + static_cast<size_t>(numkeys));
  ScriptRun run(ctx, read_only, (found->flags & kScriptAllowOom) != 0, kBusyFunction, found->name);
  RespWriter uncounted(ctx.out.buffer(), ctx.out.protocol());
  functions.engine->CallFunction(ref->second, found->name, keys, args, run, ctx.out, uncounted);
  run.Finish();
}

void CmdFcall(CommandContext& ctx) { FcallGeneric(ctx, false); }
void CmdFcallRo(CommandContext& ctx) { FcallGeneric(ctx, true); }

}  // namespace

uint32_t ScriptCommandFlags(ServerState& server, const CommandSpec& spec,
                            absl::Span<const std::string_view> args) {
  if (args.size() < 2) return spec.flags;
  uint32_t script_flags = 0;
  if (spec.name == "eval" || spec.name == "eval_ro") {
    size_t shebang_len = 0;
    std::string error;
    if (!ParseScriptShebang(args[1], &script_flags, &shebang_len, &error)) return spec.flags;
  } else if (spec.name == "evalsha" || spec.name == "evalsha_ro") {
    std::optional<ScriptCache::Script> script = server.scripts.Find(AsciiLower(args[1]));
    if (!script.has_value()) return spec.flags;
    script_flags = script->flags;
  } else if (spec.name == "fcall" || spec.name == "fcall_ro") {
    const FunctionRegistry::Found function = server.functions.Find(args[1]);
    if (function.info == nullptr) return spec.flags;
    script_flags = function.info->flags;
  } else {
    return spec.flags;
  }
  if (script_flags & kScriptEvalCompat) return spec.flags;
  // Redis's scriptFlagsToCmdFlags.
  uint32_t flags = spec.flags & ~(kCmdStale | kCmdDenyOom | kCmdWrite | kCmdMayReplicate);
  if (!(script_flags & (kScriptAllowOom | kScriptNoWrites))) flags |= kCmdDenyOom;
  if (!(script_flags & kScriptNoWrites)) flags |= kCmdWrite;
  if (script_flags & kScriptAllowStale) flags |= kCmdStale;
  return flags;
}

std::vector<std::string> FunctionLibraryCodes(ServerState& server) {
  std::vector<std::string> codes;
  for (const auto& [name, library] : *server.functions.Snapshot()) codes.push_back(library.code);
  return codes;
}

absl::Status LoadFunctionLibraries(ServerState& server, const std::vector<std::string>& codes,
                                   bool replace) {
  auto libraries = std::make_shared<FunctionLibraries>(*server.functions.Snapshot());
  for (const std::string& code : codes) {
    std::string name, error;
    if (!CreateLibrary(code, replace, libraries.get(), &name, &error, /*time_limit=*/false)) {
      Log(LogLevel::kWarning, "Failed loading library, %s", error.c_str());
      return absl::InvalidArgumentError(StrCat("Failed loading library, ", error));
    }
  }
  server.functions.Replace(std::move(libraries));
  return absl::OkStatus();
}

ScriptMemory TakeScriptMemory(ServerState& server) {
  ScriptMemory m;
  // Only interpreters that exist: INFO does not start one (that would move
  // used_memory between two INFO calls).
  m.vm_eval = thread_engine != nullptr ? thread_engine->MemoryBytes() : 0;
  m.scripts_eval = static_cast<int64_t>(server.scripts.bytes());
  m.cached_scripts = static_cast<int64_t>(server.scripts.size());
  m.vm_functions = thread_functions.engine != nullptr ? thread_functions.engine->MemoryBytes() : 0;
  for (const auto& [name, library] : *server.functions.Snapshot()) {
    ++m.libraries;
    m.functions += static_cast<int64_t>(library.functions.size());
    // Roughly Redis's functionsMemoryOverhead: names, code and descriptions.
    m.functions_overhead += static_cast<int64_t>(name.size() + library.code.size());
    for (const FunctionInfo& fn : library.functions) {
      m.functions_overhead += static_cast<int64_t>(fn.name.size() + fn.description.size());
    }
  }
  return m;
}

void RegisterScriptingFamily(CommandTable* table) {
  constexpr uint32_t kEvalFlags =
      kCmdNoScript | kCmdSkipMonitor | kCmdMayReplicate | kCmdStale | kCmdRunsAlone;
  table->Register({"eval",
                   -3,
                   kEvalFlags,
                   0,
                   0,
                   0,
                   CmdEval,
                   "scripting",
                   "Execute a Lua script server side",
                   "2.6.0",
                   "@slow @scripting",
                   "RW access",
                   "Depends on the script that is executed.",
                   {},
                   EvalKeys});
  table->Register({"eval_ro",
                   -3,
                   kEvalFlags & ~kCmdMayReplicate,
                   0,
                   0,
                   0,
                   CmdEvalRo,
                   "scripting",
                   "Execute a read-only Lua script server side",
                   "7.0.0",
                   "@slow @scripting",
                   "RO access",
                   "Depends on the script that is executed.",
                   {},
                   EvalKeys});
  table->Register({"evalsha",
                   -3,
                   kEvalFlags,
                   0,
                   0,
                   0,
                   CmdEvalSha,
                   "scripting",
                   "Execute a Lua script server side",
                   "2.6.0",
                   "@slow @scripting",
                   "RW access",
                   "Depends on the script that is executed.",
                   {},
                   EvalKeys});
  table->Register({"evalsha_ro",
                   -3,
                   kEvalFlags & ~kCmdMayReplicate,
                   0,
                   0,
                   0,
                   CmdEvalShaRo,
                   "scripting",
                   "Execute a read-only Lua script server side",
                   "7.0.0",
                   "@slow @scripting",
                   "RO access",
                   "Depends on the script that is executed.",
                   {},
                   EvalKeys});
  std::vector<CommandSpec> script_subcommands = {
      {"script|debug", 3, kCmdNoScript, 0, 0, 0, CmdScriptDebug, "scripting",
       "Set the debug mode for executed scripts.", "3.2.0", "@slow @scripting", "", "O(1)"},
      {"script|exists", -3, kCmdNoScript, 0, 0, 0, CmdScriptExists, "scripting",
       "Check existence of scripts in the script cache.", "2.6.0", "@slow @scripting", "",
       "O(N) with N being the number of scripts to check (so checking a single script is an O(1) "
       "operation)."},
      {"script|flush", -2, kCmdNoScript, 0, 0, 0, CmdScriptFlush, "scripting",
       "Remove all the scripts from the script cache.", "2.6.0", "@slow @scripting", "",
       "O(N) with N being the number of scripts in cache"},
      {"script|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdScriptHelp, "scripting",
       "Show helpful text about the different subcommands", "5.0.0", "@slow @scripting", "",
       "O(1)"},
      {"script|kill", 2, kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdScriptKill, "scripting",
       "Kill the script currently in execution.", "2.6.0", "@slow @scripting", "", "O(1)"},
      {"script|load", 3, kCmdNoScript | kCmdStale, 0, 0, 0, CmdScriptLoad, "scripting",
       "Load the specified Lua script into the script cache.", "2.6.0", "@slow @scripting", "",
       "O(N) with N being the length in bytes of the script body."},
  };
  table->Register({"fcall",
                   -3,
                   kEvalFlags,
                   0,
                   0,
                   0,
                   CmdFcall,
                   "scripting",
                   "Invoke a function",
                   "7.0.0",
                   "@slow @scripting",
                   "RW access",
                   "Depends on the function that is executed.",
                   {},
                   EvalKeys});
  table->Register({"fcall_ro",
                   -3,
                   kEvalFlags & ~kCmdMayReplicate,
                   0,
                   0,
                   0,
                   CmdFcallRo,
                   "scripting",
                   "Invoke a read-only function",
                   "7.0.0",
                   "@slow @scripting",
                   "RO access",
                   "Depends on the function that is executed.",
                   {},
                   EvalKeys});
  constexpr uint32_t kFnWrite = kCmdWrite | kCmdDenyOom | kCmdNoScript;
  std::vector<CommandSpec> function_subcommands = {
      {"function|delete", 3, kFnWrite & ~kCmdDenyOom, 0, 0, 0, CmdFunctionDelete, "scripting",
       "Delete a function by name", "7.0.0", "@write @slow @scripting", "", "O(1)"},
      {"function|dump", 2, kCmdNoScript, 0, 0, 0, CmdFunctionDump, "scripting",
       "Dump all functions into a serialized binary payload", "7.0.0", "@slow @scripting", "",
       "O(N) where N is the number of functions"},
      {"function|flush", -2, kFnWrite & ~kCmdDenyOom, 0, 0, 0, CmdFunctionFlush, "scripting",
       "Deleting all functions", "7.0.0", "@write @slow @scripting", "",
       "O(N) where N is the number of functions deleted"},
      {"function|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdFunctionHelp, "scripting",
       "Show helpful text about the different subcommands", "7.0.0", "@slow @scripting", "",
       "O(1)"},
      {"function|kill", 2, kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdFunctionKill, "scripting",
       "Kill the function currently in execution.", "7.0.0", "@slow @scripting", "", "O(1)"},
      {"function|list", -2, kCmdNoScript, 0, 0, 0, CmdFunctionList, "scripting",
       "List information about all the functions", "7.0.0", "@slow @scripting", "",
       "O(N) where N is the number of functions"},
      {"function|load", -3, kFnWrite, 0, 0, 0, CmdFunctionLoad, "scripting",
       "Create a function with the given arguments (name, code, description)", "7.0.0",
       "@write @slow @scripting", "", "O(1) (considering compilation time is redundant)"},
      {"function|restore", -3, kFnWrite, 0, 0, 0, CmdFunctionRestore, "scripting",
       "Restore all the functions on the given payload", "7.0.0", "@write @slow @scripting", "",
       "O(N) where N is the number of functions on the payload"},
      {"function|stats", 2, kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdFunctionStats, "scripting",
       "Return information about the function currently running (name, description, duration)",
       "7.0.0", "@slow @scripting", "", "O(1)"},
  };
  table->Register({"function", -2, 0, 0, 0, 0, CmdFunctionContainer, "scripting",
                   "A container for function commands", "7.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(function_subcommands)});
  table->Register({"script", -2, 0, 0, 0, 0, CmdScriptContainer, "scripting",
                   "A container for Lua scripts management commands", "2.6.0", "@slow", "",
                   "Depends on subcommand.", std::move(script_subcommands)});
}

}  // namespace valkdb
