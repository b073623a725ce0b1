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
#include <memory>

#include "server/commands/command_meta.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/script/lua_engine.h"
#include "server/store/eviction.h"

namespace valkdb {
namespace {

constexpr std::string_view kNoScriptError = "-NOSCRIPT No matching script. Please use EVAL.";

// The interpreter of this thread (each event loop has its own), started
// afresh after SCRIPT FLUSH.
LuaEngine& ThreadEngine(ServerState& server) {
  thread_local std::unique_ptr<LuaEngine> engine;
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
  ScriptRun(CommandContext& caller, bool read_only, bool allow_oom)
      : caller_(caller), read_only_(read_only) {
    client_.id = caller.client.id;
    client_.db = caller.client.db;
    client_.addr = "lua";
    client_.loop = caller.client.loop;
    client_.stats = caller.client.stats;
    client_.tracking = caller.client.tracking;
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
      *reply = "-ERR Unknown Redis command called from script\r\n";
      return;
    }
    if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
      *reply = "-ERR Wrong number of args calling Redis command from script\r\n";
      return;
    }
    const uint8_t bits = ScriptBitsOf(*spec);
    if (bits & kNoScript) {
      *reply = "-ERR This Redis command is not allowed from script\r\n";
      return;
    }
    ServerState& server = caller_.server;
    const uint32_t checks = server.repl_checks.load(std::memory_order_relaxed);
    if ((checks & kReplStale) && !(spec->flags & kCmdStale) && !client_.is_master) {
      *reply = "-ERR Can not execute the command on a stale replica\r\n";
      return;
    }
    const bool write = (bits & kWrite) != 0;
    if (read_only_ && (write || (spec->flags & kCmdMayReplicate))) {
      *reply = "-ERR Write commands are not allowed from read-only scripts.\r\n";
      return;
    }
    // Refused only before the script's first write: after it, failing would
    // leave half a script applied.
    if (write && !write_dirty_ && !client_.is_master) {
      if (checks & kReplReadOnly) {
        *reply = "-READONLY You can't write against a read only replica.\r\n";
        return;
      }
      if (server.persistence != nullptr && server.persistence->WritesRefused()) {
        *reply = StrCat(errors::kMisconf, "\r\n");
        return;
      }
      if (server.aof != nullptr && server.aof->WritesRefused()) {
        *reply = StrCat(server.aof->WriteError(), "\r\n");
        if ((*reply)[0] != '-') *reply = StrCat("-", *reply);
        return;
      }
      if (checks & kReplNoReplicas) {
        *reply = "-NOREPLICAS Not enough good replicas to write.\r\n";
        return;
      }
    }
    if (oom_at_start_ && !write_dirty_ && (bits & kDenyOom)) {
      *reply = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
      return;
    }
    if (write) write_dirty_ = true;

    client_.protocol = protocol;
    CommandArgs args;
    args.Assign(argv);
    RespWriter out(&buffer_, protocol);
    if (caller_.client.stats != nullptr) out.set_error_observer(caller_.client.stats);
    CommandContext ctx{caller_.store, caller_.server, client_, out, args, caller_.now_ms};
    table.Dispatch(ctx, spec);
    *reply = buffer_.ToString();
    buffer_.Clear();
  }

  void SetRepl(int flags) override { client_.script_repl = flags; }

  // After the script: its effects to the change feed, the keys it made
  // ready to the caller (served once EVAL is over).
  void Finish() {
    ChangeFeed& feed = caller_.store.feed();
    if (!changes_.empty() && feed.active()) {
      ClientState& caller = caller_.client;
      // Inside EXEC the transaction's MULTI/EXEC already wraps them.
      const bool in_exec_block = caller.exec_feed != ClientState::ExecFeed::kNone;
      const bool wrap = !in_exec_block && changes_.size() > 1;
      if (wrap) feed.Publish(changes_.front().first, {"MULTI"});
      for (const auto& [db, argv] : changes_) {
        if (caller.exec_feed == ClientState::ExecFeed::kPending) {
          feed.Publish(db, {"MULTI"});
          caller.exec_feed = ClientState::ExecFeed::kOpen;
        }
        std::vector<std::string_view> views(argv.begin(), argv.end());
        feed.Publish(db, views);
      }
      if (wrap) feed.Publish(changes_.back().first, {"EXEC"});
    }
    for (ReadyKey& key : client_.ready_keys) caller_.client.ready_keys.push_back(std::move(key));
  }

 private:
  CommandContext& caller_;
  const bool read_only_;
  bool write_dirty_ = false;
  bool oom_at_start_ = false;
  ClientState client_;
  ReplyBuffer buffer_;
  std::vector<std::pair<int, std::vector<std::string>>> changes_;
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

void EvalGeneric(CommandContext& ctx, bool evalsha, bool ro) {
  // MONITOR shows the script before the commands it runs (as Redis).
  if (ctx.server.monitors.active()) FeedMonitors(ctx);
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(2), &numkeys)) {
    ctx.out.Error(errors::kNotInteger);
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.out.Error("Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    ctx.out.Error("Number of keys can't be negative");
    return;
  }
  std::string sha;
  if (evalsha) {
    if (ctx.arg(1).size() != 40) {
      ctx.out.Error(kNoScriptError);
      return;
    }
    sha = AsciiLower(ctx.arg(1));
  } else {
    sha = Sha1Hex(ctx.arg(1));
  }
  LuaEngine& engine = ThreadEngine(ctx.server);
  std::optional<ScriptCache::Script> script = ctx.server.scripts.Find(sha);
  uint32_t flags = 0;
  size_t shebang_len = 0;
  std::string error;
  if (!script.has_value()) {
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
    flags = script->flags;
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
  ScriptRun run(ctx, read_only, allow_oom);
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
    // Redis looks the SHA up as given: upper case does not match.
    ctx.out.Integer(ctx.server.scripts.Contains(ctx.arg(i)) ? 1 : 0);
  }
}

void CmdScriptFlush(CommandContext& ctx) {
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
      !EqualsIgnoreCase(ctx.arg(2), "async")) {
    ctx.out.Error("SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.scripts.Flush();
  ctx.out.Ok();
}

void CmdScriptKill(CommandContext& ctx) {
  // A script runs to its end on its loop before the loop reads any other
  // command, so none is ever running when SCRIPT KILL is read.
  ctx.out.Error("-NOTBUSY No scripts in execution right now.");
}

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

}  // namespace

void RegisterScriptingFamily(CommandTable* table) {
  constexpr uint32_t kEvalFlags = kCmdNoScript | kCmdSkipMonitor | kCmdMayReplicate | kCmdStale;
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
  table->Register({"script", -2, 0, 0, 0, 0, CmdScriptContainer, "scripting",
                   "A container for Lua scripts management commands", "2.6.0", "@slow", "",
                   "Depends on subcommand.", std::move(script_subcommands)});
}

}  // namespace valkdb
