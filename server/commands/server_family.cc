// COMMAND CONFIG INFO
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "absl/strings/str_format.h"
#include "protocol/str_util.h"
#include "server/commands/command_meta.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"
#include "server/persist/shutdown.h"
#include "server/repl/replication.h"
#include "server/store/eviction.h"
#include "server/store/used_memory.h"

namespace valkdb {

namespace {

void CmdCommand(CommandContext& ctx) {
  // Plain COMMAND: every command's info.
  const auto& commands = CommandTable::Get().commands();
  ctx.out.Array(commands.size());
  for (const CommandSpec& spec : commands) WriteCommandInfo(ctx.out, spec);
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.out.Integer(static_cast<int64_t>(CommandTable::Get().commands().size()));
}

// "config|get" style names resolve to the subcommand.
const CommandSpec* FindByFullName(std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* base = CommandTable::Get().Find(name.substr(0, bar));
  if (base == nullptr || bar == std::string_view::npos) return base;
  std::string lower = AsciiLower(name);
  for (const CommandSpec& sub : base->subcommands) {
    if (sub.name == lower) return &sub;
  }
  return nullptr;
}

void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return CmdCommand(ctx);
  ctx.out.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = FindByFullName(ctx.arg(i));
    if (spec == nullptr) {
      ctx.out.Null();
    } else {
      WriteCommandInfo(ctx.out, *spec);
    }
  }
}

void CmdCommandDocs(CommandContext& ctx) {
  const auto& commands = CommandTable::Get().commands();
  if (ctx.argc() == 2) {
    ctx.out.Map(commands.size());
    for (const CommandSpec& spec : commands) WriteCommandDocs(ctx.out, spec);
    return;
  }
  std::vector<const CommandSpec*> found;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (const CommandSpec* spec = FindByFullName(ctx.arg(i))) found.push_back(spec);
  }
  ctx.out.Map(found.size());
  for (const CommandSpec* spec : found) WriteCommandDocs(ctx.out, *spec);
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
// every command and subcommand, by full name.
void CmdCommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view value;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "filterby")) {
    value = ctx.arg(4);
    if (EqualsIgnoreCase(ctx.arg(3), "module")) {
      filter = Filter::kModule;
    } else if (EqualsIgnoreCase(ctx.arg(3), "aclcat")) {
      filter = Filter::kAclCat;
    } else if (EqualsIgnoreCase(ctx.arg(3), "pattern")) {
      filter = Filter::kPattern;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  auto keep = [&](const CommandSpec& spec) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // valkdb loads no modules
      case Filter::kAclCat:
        for (std::string_view category : Split(spec.acl_categories, ' ')) {
          if (EqualsIgnoreCase(category.substr(1), value)) return true;
        }
        return false;
      case Filter::kPattern:
        return GlobMatch(value, spec.name, true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    if (keep(spec)) names.push_back(spec.name);
    for (const CommandSpec& sub : spec.subcommands) {
      if (keep(sub)) names.push_back(sub.name);
    }
  }
  ctx.out.Array(names.size());
  for (std::string_view name : names) ctx.out.Bulk(name);
}

// The flags of the key of a command whose key spec says "variable_flags", as
// Redis's setGetKeys and bitfieldGetKeys give them.
std::string_view VariableKeyFlags(std::string_view command,
                                  const std::vector<std::string_view>& args) {
  if (command == "set") {
    for (size_t i = 3; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "get")) return "RW access update";
    }
    return "OW update";
  }
  // BITFIELD: read-only while every operation is a GET (or OVERFLOW).
  for (size_t i = 2; i < args.size(); ++i) {
    const size_t more = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "get") && more >= 2) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "overflow") && more >= 1) {
      i += 1;
    } else {
      return "RW access update";  // SET, INCRBY, or an error: not read-only
    }
  }
  return "RO access";
}

// COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: as Redis 7.0's
// commandGetKeys, from Redis's key specs where they can be followed, else from
// the command's own key finder (or first/last/step), each key with the flags
// of the spec it falls under.
void CommandGetKeys(CommandContext& ctx, bool with_flags) {
  std::vector<std::string_view> args(ctx.args.views().begin() + 2, ctx.args.views().end());
  const CommandSpec* spec = CommandTable::Get().Lookup(args);
  const int argc = static_cast<int>(args.size());
  if (spec == nullptr) {
    ctx.out.Error("Invalid command specified");
    return;
  }
  const RedisCommandMeta* meta = FindRedisCommandMeta(spec->name);
  bool spec_keys = false;  // a key spec that is not "not_key"
  bool variable_flags = false;
  if (meta != nullptr) {
    for (const KeySpec& key_spec : meta->key_specs) {
      if (key_spec.HasFlag("variable_flags")) variable_flags = true;
      if (!key_spec.HasFlag("not_key")) spec_keys = true;
    }
  }
  if (!spec_keys && spec->find_keys == nullptr && spec->first_key <= 0) {
    ctx.out.Error("The command has no key arguments");
    return;
  }
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    ctx.out.Error("Invalid number of arguments specified for command");
    return;
  }
  std::vector<FoundKey> found;
  SpecKeys from_specs = SpecKeys::kUnknown;
  if (spec_keys && !variable_flags) from_specs = KeysFromSpecs(*meta, args, &found);
  if (from_specs == SpecKeys::kInvalid) found.clear();
  if (from_specs == SpecKeys::kUnknown) {
    found.clear();
    // The keys dispatch would lock (the command's own finder for movable
    // keys: SORT ... STORE, MIGRATE ... KEYS), as views of the arguments.
    CommandArgs inner_args;
    inner_args.Assign(args);
    KeyList keys;
    const CommandContext inner{ctx.store, ctx.server, ctx.client, ctx.out, inner_args, ctx.now_ms};
    CommandKeys(*spec, inner, &keys);
    std::vector<size_t> positions;
    const auto views = inner_args.views();
    for (const MultiShardLock::Key& key : keys) {
      for (size_t i = 1; i < views.size(); ++i) {
        if (views[i].data() == key.key.data()) positions.push_back(i);
      }
    }
    for (size_t k = 0; k < positions.size(); ++k) {
      // The first key is the first spec's (SORT's sorted key, MIGRATE's key),
      // the others the last spec's (SORT's STORE, MIGRATE's KEYS).
      std::string_view flags;
      if (meta != nullptr && !meta->key_specs.empty()) {
        flags = meta->key_specs[k == 0 ? 0 : meta->key_specs.size() - 1].flags;
        if (flags.ends_with(" incomplete")) flags.remove_suffix(sizeof(" incomplete") - 1);
      }
      found.push_back({positions[k], flags});
    }
    if (variable_flags && !found.empty()) found[0].flags = VariableKeyFlags(spec->name, args);
  }
  if (found.empty()) {
    if (meta != nullptr && meta->info.find("+no_mandatory_keys\r\n") != std::string_view::npos) {
      ctx.out.Array(0);
    } else {
      ctx.out.Error("Invalid arguments specified for command");
    }
    return;
  }
  ctx.out.Array(found.size());
  for (const FoundKey& key : found) {
    if (!with_flags) {
      ctx.out.Bulk(args[key.pos]);
      continue;
    }
    ctx.out.Array(2);
    ctx.out.Bulk(args[key.pos]);
    std::vector<std::string_view> flags = Split(key.flags, ' ');
    ctx.out.Set(flags.size());
    for (std::string_view flag : flags) ctx.out.SimpleString(flag);
  }
}

void CmdCommandGetKeys(CommandContext& ctx) { CommandGetKeys(ctx, false); }
void CmdCommandGetKeysAndFlags(CommandContext& ctx) { CommandGetKeys(ctx, true); }

void CmdCommandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

void CmdConfigGet(CommandContext& ctx) {
  std::vector<std::string_view> patterns;
  for (size_t i = 2; i < ctx.argc(); ++i) patterns.push_back(ctx.arg(i));
  auto pairs = ctx.server.config->Match(patterns);
  ctx.out.Map(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.out.Bulk(name);
    ctx.out.Bulk(value);
  }
}

void CmdConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  const std::string error = ctx.server.config->SetFromCommand(pairs);
  if (!error.empty()) {
    ctx.out.Error(error);
    return;
  }
  for (const auto& [name, value] : pairs) {
    if (EqualsIgnoreCase(name, "notify-keyspace-events")) {
      ctx.store.feed().SetEventFlags(ctx.server.config->keyspace_event_flags());
    }
    if (ctx.server.replication != nullptr && (EqualsIgnoreCase(name, "min-replicas-to-write") ||
                                              EqualsIgnoreCase(name, "min-slaves-to-write") ||
                                              EqualsIgnoreCase(name, "min-replicas-max-lag") ||
                                              EqualsIgnoreCase(name, "min-slaves-max-lag"))) {
      ctx.server.replication->MinReplicasChanged(ctx.now_ms);
    }
  }
  if (AofPersistence* aof = ctx.server.aof) {
    for (const auto& [name, value] : pairs) {
      if (EqualsIgnoreCase(name, "appendfsync") ||
          EqualsIgnoreCase(name, "no-appendfsync-on-rewrite") ||
          EqualsIgnoreCase(name, "aof-timestamp-enabled")) {
        aof->ConfigChanged();
      }
      if (!EqualsIgnoreCase(name, "appendonly")) continue;
      if (ctx.server.config->GetString("appendonly") == "no") {
        aof->Disable();
      } else if (!aof->Enable().ok()) {
        ctx.out.Error(
            "CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on "
            "AOF. Check server logs.");
        return;
      }
    }
  }
  ctx.out.Ok();
}

void CmdConfigResetStat(CommandContext& ctx) {
  ServerState& s = ctx.server;
  for (auto* counter : {&s.total_commands, &s.total_connections, &s.rejected_connections,
                        &s.net_input_bytes, &s.net_output_bytes, &s.net_repl_input_bytes,
                        &s.net_repl_output_bytes, &s.keyspace_hits, &s.keyspace_misses}) {
    counter->store(0, std::memory_order_relaxed);
  }
  for (InstantaneousMetric* metric :
       {&s.ops_per_sec, &s.input_bytes_per_sec, &s.output_bytes_per_sec,
        &s.repl_input_bytes_per_sec, &s.repl_output_bytes_per_sec}) {
    metric->Reset();
  }
  s.used_memory_peak.store(0, std::memory_order_relaxed);
  ctx.store.ResetStats();
  // commandstats, errorstats, latencystats, total_error_replies (not SLOWLOG
  // or LATENCY's events, which Redis keeps too).
  ctx.server.stats.ResetAll();
  if (ctx.client.stats != nullptr) ctx.client.stats->CatchUpReset();
  ctx.out.Ok();
}

void CmdConfigRewrite(CommandContext& ctx) {
  if (ctx.server.config_file.empty()) {
    ctx.out.Error(errors::kNoConfigFile);
    return;
  }
  absl::Status status = ctx.server.config->Rewrite(ctx.server.config_file);
  if (!status.ok()) {
    ctx.out.Error(std::string(status.message()));
    return;
  }
  ctx.out.Ok();
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: saves as Redis's
// prepareForShutdown (when asked to, or when save points are set and NOSAVE
// is not given), then stops as on SIGTERM. A failed save keeps the server
// up unless FORCE. On success there is no reply: the connection closes.
void CmdShutdown(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false, other = false, force = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view arg = ctx.arg(i);
    if (EqualsIgnoreCase(arg, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(arg, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(arg, "now")) {
      other = true;
    } else if (EqualsIgnoreCase(arg, "force")) {
      other = force = true;
    } else if (EqualsIgnoreCase(arg, "abort")) {
      abort = true;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if ((save && nosave) || (abort && (save || nosave || other))) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (abort) {
    ctx.out.Error("-ERR No shutdown in progress.");
    return;
  }
  // A script past busy-reply-threshold: only SHUTDOWN NOSAVE, which stops it.
  const int busy = ctx.server.busy_script.load();
  if (busy != 0 && !nosave) {
    ctx.out.Error(busy == kBusyEval ? "-BUSY Redis is busy running a script. You can only call "
                                      "SCRIPT KILL or SHUTDOWN NOSAVE."
                                    : "-BUSY Redis is busy running a script. You can only call "
                                      "FUNCTION KILL or SHUTDOWN NOSAVE.");
    return;
  }
  Log(LogLevel::kNotice, "User requested shutdown...");
  const ShutdownSave mode =
      save ? ShutdownSave::kSave : (nosave ? ShutdownSave::kNoSave : ShutdownSave::kDefault);
  if (!PrepareForShutdown(ctx.server, mode, force)) {
    ctx.out.Error("-ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  ctx.server.shutdown_saved = true;
  ctx.client.close_after_reply = true;  // nothing after it in the pipeline runs
  // The busy script ends now, its changes not published (Redis exits at once).
  if (busy != 0) ctx.server.busy_script_shutdown.store(true);
  if (ctx.server.clients != nullptr) ctx.server.clients->StopServer();
}

void CmdTime(CommandContext& ctx) {
  const int64_t now_us = UnixTimeUs();
  ctx.out.Array(2);
  ctx.out.Bulk(StrCat(now_us / 1000000));
  ctx.out.Bulk(StrCat(now_us % 1000000));
}

void CmdConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

template <typename... Args>
std::string Format(const char* format, Args... args) {
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), format, args...);
  return std::string(buf, static_cast<size_t>(std::max(0, n)));
}

std::string HumanBytes(uint64_t n) {
  const double d = static_cast<double>(n);
  if (n < 1024) return StrCat(n, "B");
  if (n < 1024 * 1024) return Format("%.2fK", d / 1024);
  if (n < 1024ULL * 1024 * 1024) return Format("%.2fM", d / (1024 * 1024));
  return Format("%.2fG", d / (1024.0 * 1024 * 1024));
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// Bytes the allocator has handed out and not had back (glibc's arenas and
// mmapped chunks): everything the server holds, entries, tables, client
// buffers. 0 where the allocator does not say (a sanitizer's own allocator).
uint64_t AllocatedBytes() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<uint64_t>(info.uordblks) + static_cast<uint64_t>(info.hblkhd);
}

void Line(std::string* out, std::string_view name, const auto& value) {
  StrAppend(out, name, ":", value, "\r\n");
}

std::string InfoServer(CommandContext& ctx) {
  std::string s = "# Server\r\n";
  struct utsname name;
  uname(&name);
  const int64_t uptime = (ctx.now_ms - ctx.server.start_time_ms) / 1000;
  Line(&s, "redis_version", kRedisVersion);
  Line(&s, "redis_git_sha1", "00000000");
  Line(&s, "redis_git_dirty", 0);
  Line(&s, "redis_build_id", "0");
  Line(&s, "redis_mode", "standalone");
  Line(&s, "valkdb_version", kValkdbVersion);
  Line(&s, "os", StrCat(name.sysname, " ", name.release, " ", name.machine));
  Line(&s, "arch_bits", 64);
  Line(&s, "monotonic_clock", "POSIX clock_gettime");
  Line(&s, "multiplexing_api", "epoll");
  Line(&s, "atomicvar_api", "c11-builtin");
  Line(&s, "gcc_version", StrCat(__GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__));
  Line(&s, "process_id", getpid());
  Line(&s, "process_supervised", ctx.server.supervised);
  Line(&s, "run_id", ctx.server.run_id);
  Line(&s, "tcp_port", ctx.server.tcp_port.load());
  Line(&s, "server_time_usec", ctx.now_ms * 1000);
  Line(&s, "uptime_in_seconds", uptime);
  Line(&s, "uptime_in_days", uptime / 86400);
  Line(&s, "hz", ctx.server.config->GetInt("hz"));
  Line(&s, "configured_hz", ctx.server.config->GetInt("hz"));
  Line(&s, "lru_clock", (ctx.now_ms / 1000) & ((1 << 24) - 1));  // Redis's LRU clock, in seconds
  Line(&s, "executable", ctx.server.executable);
  Line(&s, "config_file", ctx.server.config_file);
  Line(&s, "io_threads_active", 0);
  Line(&s, "event_loop_threads", ctx.server.threads);
  return s;
}

std::string InfoClients(CommandContext& ctx) {
  std::string s = "# Clients\r\n";
  Line(&s, "connected_clients", ctx.server.connected_clients.load());
  Line(&s, "cluster_connections", 0);
  Line(&s, "maxclients", ctx.server.config->GetInt("maxclients"));
  Line(&s, "client_recent_max_input_buffer", 0);
  Line(&s, "client_recent_max_output_buffer", 0);
  Line(&s, "blocked_clients",
       ctx.server.blocked_clients.load(std::memory_order_relaxed) + ctx.server.blocking.waiting());
  Line(&s, "tracking_clients", ctx.server.tracking.clients());
  Line(&s, "clients_in_timeout_table", 0);
  return s;
}

// Where the memory goes, as Redis's getMemoryOverheadData splits it (INFO
// memory, MEMORY STATS): what the server needs besides the data, and the data.
struct MemoryOverview {
  uint64_t used = 0, peak = 0, startup = 0;
  uint64_t backlog = 0, clients_replicas = 0, clients_normal = 0, aof_buffer = 0;
  uint64_t replicas = 0, clients = 0;                  // connections of each kind
  std::vector<std::pair<int, Store::DbOverhead>> dbs;  // the databases with keys
  uint64_t overhead = 0, dataset = 0, keys = 0;
  // glibc's view: bytes handed out, bytes its arenas span (plus mmapped
  // chunks), and the process's resident set.
  uint64_t allocated = 0, active = 0, rss = 0;

  double Ratio(uint64_t a, uint64_t b) const { return b == 0 ? 0.0 : static_cast<double>(a) / b; }
  double DatasetPercent() const {
    return 100.0 * Ratio(dataset, used > startup ? used - startup : 0);
  }
  double PeakPercent() const { return 100.0 * Ratio(used, peak); }
};

MemoryOverview TakeMemoryOverview(CommandContext& ctx) {
  MemoryOverview m;
  // The allocation counter (used_memory.h), as maxmemory sees it; under a
  // sanitizer, whose allocator is not counted, the store's own estimate.
  m.used = EvictionUsedMemory(ctx.store);
  ctx.server.NotePeakMemory(m.used);
  m.peak = std::max<uint64_t>(ctx.server.used_memory_peak.load(), 1);
  m.startup = ctx.server.startup_memory;
  if (ctx.server.replication != nullptr) m.backlog = ctx.server.replication->BacklogBytes();
  if (ctx.server.aof != nullptr) m.aof_buffer = ctx.server.aof->buffer_length();
  if (ctx.server.clients != nullptr) {
    for (const ClientSnapshot& c : ctx.server.clients->Snapshot()) {
      const auto bytes = static_cast<uint64_t>(c.tot_mem);
      const bool replica = c.link == ClientType::kReplica;
      (replica ? m.clients_replicas : m.clients_normal) += bytes;
      ++(replica ? m.replicas : m.clients);
    }
  }
  m.overhead = m.startup + m.backlog + m.clients_replicas + m.clients_normal + m.aof_buffer;
  for (int db = 0; db < ctx.store.databases(); ++db) {
    const size_t keys = ctx.store.DbSize(db);
    if (keys == 0) continue;
    m.keys += keys;
    const Store::DbOverhead overhead = ctx.store.TableOverhead(db);
    m.overhead += overhead.main + overhead.expires;
    m.dbs.emplace_back(db, overhead);
  }
  m.dataset = m.used > m.overhead ? m.used - m.overhead : 0;
  const struct mallinfo2 info = mallinfo2();
  m.allocated = UsedMemoryCounted() ? m.used : AllocatedBytes();
  m.active = static_cast<uint64_t>(info.arena) + static_cast<uint64_t>(info.hblkhd);
  m.rss = ResidentBytes();
  return m;
}

std::string InfoMemory(CommandContext& ctx) {
  std::string s = "# Memory\r\n";
  const MemoryOverview m = TakeMemoryOverview(ctx);
  const uint64_t used = m.used, rss = m.rss, peak = m.peak;
  const int64_t maxmemory = ctx.server.config->GetInt("maxmemory");
  Line(&s, "used_memory", used);
  Line(&s, "used_memory_human", HumanBytes(used));
  const uint64_t system_memory =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  Line(&s, "used_memory_rss", rss);
  Line(&s, "used_memory_rss_human", HumanBytes(rss));
  Line(&s, "used_memory_peak", peak);
  Line(&s, "used_memory_peak_human", HumanBytes(peak));
  Line(&s, "used_memory_peak_perc", absl::StrFormat("%.2f%%", m.PeakPercent()));
  Line(&s, "used_memory_overhead", m.overhead);
  Line(&s, "used_memory_startup", m.startup);
  Line(&s, "used_memory_dataset", m.dataset);
  Line(&s, "used_memory_dataset_perc", absl::StrFormat("%.2f%%", m.DatasetPercent()));
  Line(&s, "allocator_allocated", m.allocated);
  Line(&s, "allocator_active", m.active);
  Line(&s, "allocator_resident", rss);
  Line(&s, "total_system_memory", system_memory);
  Line(&s, "total_system_memory_human", HumanBytes(system_memory));
  const ScriptMemory scripts = TakeScriptMemory(ctx.server);
  const uint64_t vm_total = static_cast<uint64_t>(scripts.vm_eval + scripts.vm_functions);
  const uint64_t scripts_total =
      static_cast<uint64_t>(scripts.scripts_eval + scripts.functions_overhead);
  Line(&s, "used_memory_lua", scripts.vm_eval);
  Line(&s, "used_memory_vm_eval", scripts.vm_eval);
  Line(&s, "used_memory_lua_human", HumanBytes(static_cast<uint64_t>(scripts.vm_eval)));
  Line(&s, "used_memory_scripts_eval", scripts.scripts_eval);
  Line(&s, "number_of_cached_scripts", scripts.cached_scripts);
  Line(&s, "number_of_functions", scripts.functions);
  Line(&s, "number_of_libraries", scripts.libraries);
  Line(&s, "used_memory_vm_functions", scripts.vm_functions);
  Line(&s, "used_memory_vm_total", vm_total);
  Line(&s, "used_memory_vm_total_human", HumanBytes(vm_total));
  Line(&s, "used_memory_functions", scripts.functions_overhead);
  Line(&s, "used_memory_scripts", scripts_total);
  Line(&s, "used_memory_scripts_human", HumanBytes(scripts_total));
  Line(&s, "maxmemory", maxmemory);
  Line(&s, "maxmemory_human", HumanBytes(static_cast<uint64_t>(maxmemory)));
  Line(&s, "maxmemory_policy", ctx.server.config->GetString("maxmemory-policy"));
  Line(&s, "allocator_frag_ratio", absl::StrFormat("%.2f", m.Ratio(m.active, m.allocated)));
  Line(&s, "allocator_frag_bytes",
       static_cast<int64_t>(m.active) - static_cast<int64_t>(m.allocated));
  Line(&s, "allocator_rss_ratio", absl::StrFormat("%.2f", m.Ratio(rss, m.active)));
  Line(&s, "allocator_rss_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(m.active));
  // The allocator's resident figure is the process's RSS here (glibc keeps none apart).
  Line(&s, "rss_overhead_ratio", "1.00");
  Line(&s, "rss_overhead_bytes", 0);
  Line(&s, "mem_fragmentation_ratio", absl::StrFormat("%.2f", m.Ratio(rss, used)));
  Line(&s, "mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  // Counted in used_memory, not by maxmemory (Redis's freeMemoryGetNotCountedMemory).
  Line(&s, "mem_not_counted_for_evict", 0);
  Line(&s, "mem_replication_backlog", m.backlog);
  Line(&s, "mem_total_replication_buffers", m.backlog);
  Line(&s, "mem_clients_slaves", m.clients_replicas);
  Line(&s, "mem_clients_normal", m.clients_normal);
  Line(&s, "mem_cluster_links", 0);
  Line(&s, "mem_aof_buffer", m.aof_buffer);
  Line(&s, "mem_allocator", "libc");
  // valkdb frees a deleted value at once (UNLINK and FLUSHALL ASYNC too):
  // nothing is ever pending.
  Line(&s, "lazyfree_pending_objects", 0);
  Line(&s, "lazyfreed_objects", 0);
  return s;
}

std::string InfoPersistence(CommandContext& ctx) {
  if (ctx.server.persistence == nullptr) return "# Persistence\r\nloading:0\r\n";
  const RdbPersistence& rdb = *ctx.server.persistence;
  const bool saving = rdb.background_in_progress();
  std::string s = "# Persistence\r\n";
  Line(&s, "loading", 0);
  Line(&s, "async_loading", 0);
  // No fork, so no copy-on-write of pages: the fork fields stay 0.
  Line(&s, "current_cow_peak", 0);
  Line(&s, "current_cow_size", 0);
  Line(&s, "current_cow_size_age", 0);
  Line(&s, "current_fork_perc", "0.00");
  Line(&s, "current_save_keys_processed", saving ? rdb.current_keys_processed() : 0);
  Line(&s, "current_save_keys_total", saving ? rdb.current_keys_total() : 0);
  Line(&s, "rdb_changes_since_last_save", rdb.changes_since_last_save());
  Line(&s, "rdb_bgsave_in_progress", saving ? 1 : 0);
  Line(&s, "rdb_last_save_time", rdb.last_save_time());
  Line(&s, "rdb_last_bgsave_status", rdb.last_save_ok() ? "ok" : "err");
  Line(&s, "rdb_last_bgsave_time_sec", rdb.last_save_duration_s());
  Line(&s, "rdb_current_bgsave_time_sec",
       saving ? (UnixTimeMs() - rdb.current_save_start_ms()) / 1000 : -1);
  Line(&s, "rdb_saves", rdb.saves());
  Line(&s, "rdb_last_cow_size", 0);
  Line(&s, "rdb_last_load_keys_expired", rdb.last_load_keys_expired());
  Line(&s, "rdb_last_load_keys_loaded", rdb.last_load_keys_loaded());
  AofPersistence* aof = ctx.server.aof;
  const bool aof_on = aof != nullptr && aof->switched_on();
  const bool rewriting = aof != nullptr && aof->rewrite_in_progress();
  Line(&s, "aof_enabled", aof_on ? 1 : 0);
  Line(&s, "aof_rewrite_in_progress", rewriting ? 1 : 0);
  Line(&s, "aof_rewrite_scheduled", aof != nullptr && aof->rewrite_scheduled() ? 1 : 0);
  Line(&s, "aof_last_rewrite_time_sec", aof != nullptr ? aof->last_rewrite_time_s() : -1);
  Line(&s, "aof_current_rewrite_time_sec",
       rewriting ? (UnixTimeMs() - aof->current_rewrite_start_ms()) / 1000 : -1);
  Line(&s, "aof_last_bgrewrite_status", aof == nullptr || aof->last_rewrite_ok() ? "ok" : "err");
  Line(&s, "aof_rewrites", aof != nullptr ? aof->rewrites() : 0);
  Line(&s, "aof_rewrites_consecutive_failures", aof != nullptr ? aof->consecutive_failures() : 0);
  Line(&s, "aof_last_write_status", aof == nullptr || aof->last_write_ok() ? "ok" : "err");
  Line(&s, "aof_last_cow_size", 0);
  Line(&s, "module_fork_in_progress", 0);
  Line(&s, "module_fork_last_cow_size", 0);
  if (aof_on) {
    Line(&s, "aof_current_size", aof->current_size());
    Line(&s, "aof_base_size", aof->base_size());
    Line(&s, "aof_pending_rewrite", aof->rewrite_scheduled() ? 1 : 0);
    Line(&s, "aof_buffer_length", aof->buffer_length());
    Line(&s, "aof_pending_bio_fsync", 0);
    Line(&s, "aof_delayed_fsync", 0);
  }
  return s;
}

std::string InfoStats(CommandContext& ctx) {
  std::string s = "# Stats\r\n";
  Line(&s, "total_connections_received", ctx.server.total_connections.load());
  Line(&s, "total_commands_processed", ctx.server.total_commands.load());
  Line(&s, "instantaneous_ops_per_sec", static_cast<int64_t>(ctx.server.ops_per_sec.PerSecond()));
  Line(&s, "total_net_input_bytes", ctx.server.net_input_bytes.load());
  Line(&s, "total_net_output_bytes", ctx.server.net_output_bytes.load());
  Line(&s, "total_net_repl_input_bytes", ctx.server.net_repl_input_bytes.load());
  Line(&s, "total_net_repl_output_bytes", ctx.server.net_repl_output_bytes.load());
  Line(&s, "instantaneous_input_kbps",
       absl::StrFormat("%.2f", ctx.server.input_bytes_per_sec.PerSecond() / 1024));
  Line(&s, "instantaneous_output_kbps",
       absl::StrFormat("%.2f", ctx.server.output_bytes_per_sec.PerSecond() / 1024));
  Line(&s, "instantaneous_input_repl_kbps",
       absl::StrFormat("%.2f", ctx.server.repl_input_bytes_per_sec.PerSecond() / 1024));
  Line(&s, "instantaneous_output_repl_kbps",
       absl::StrFormat("%.2f", ctx.server.repl_output_bytes_per_sec.PerSecond() / 1024));
  Line(&s, "rejected_connections", ctx.server.rejected_connections.load());
  {
    Replication* repl = ctx.server.replication;
    Line(&s, "sync_full", repl != nullptr ? repl->sync_full() : 0);
    Line(&s, "sync_partial_ok", repl != nullptr ? repl->sync_partial_ok() : 0);
    Line(&s, "sync_partial_err", repl != nullptr ? repl->sync_partial_err() : 0);
  }
  Line(&s, "expired_keys", ctx.store.ExpiredKeys());
  const Store::ExpireCycleStats cycle = ctx.store.expire_cycle_stats();
  Line(&s, "expired_stale_perc", absl::StrFormat("%.2f", cycle.stale_percent));
  Line(&s, "expired_time_cap_reached_count", cycle.time_cap_reached);
  Line(&s, "expire_cycle_cpu_milliseconds", cycle.cpu_ms);
  Line(&s, "evicted_keys", ctx.store.EvictedKeys());
  // valkdb has no maxmemory-clients: no client is ever evicted.
  Line(&s, "evicted_clients", 0);
  Line(&s, "total_eviction_exceeded_time", ctx.store.over_limit_total_ms());
  Line(&s, "current_eviction_exceeded_time", ctx.store.over_limit_current_ms(UnixTimeUs()));
  uint64_t hits = ctx.server.keyspace_hits.load(), misses = ctx.server.keyspace_misses.load();
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) {
    hits += loop.keyspace_hits.Get();
    misses += loop.keyspace_misses.Get();
  });
  Line(&s, "keyspace_hits", hits);
  Line(&s, "keyspace_misses", misses);
  Line(&s, "pubsub_channels", ctx.server.pubsub.channel_count());
  Line(&s, "pubsub_patterns", ctx.server.pubsub.NumPat());
  Line(&s, "pubsubshard_channels", ctx.server.pubsub.channel_count(true));
  // valkdb saves and rewrites without forking.
  Line(&s, "latest_fork_usec", 0);
  Line(&s, "total_forks", 0);
  Line(&s, "migrate_cached_sockets", ctx.server.migrate_sockets.size());
  uint64_t errors = 0;
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) { errors += loop.errors(); });
  Line(&s, "tracking_total_keys", ctx.server.tracking.total_keys());
  Line(&s, "tracking_total_items", ctx.server.tracking.total_items());
  Line(&s, "tracking_total_prefixes", ctx.server.tracking.total_prefixes());
  uint64_t reads = 0, writes = 0;
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) {
    reads += loop.reads_processed.Get();
    writes += loop.writes_processed.Get();
  });
  Line(&s, "unexpected_error_replies", 0);
  Line(&s, "total_error_replies", errors);
  Line(&s, "total_reads_processed", reads);
  Line(&s, "total_writes_processed", writes);
  // Reads and writes happen on the event loops; valkdb has no I/O threads.
  Line(&s, "io_threaded_reads_processed", 0);
  Line(&s, "io_threaded_writes_processed", 0);
  return s;
}

std::string InfoReplication(CommandContext& ctx) {
  if (ctx.server.replication != nullptr) return ctx.server.replication->InfoSection();
  std::string s = "# Replication\r\n";
  Line(&s, "role", "master");
  Line(&s, "connected_slaves", 0);
  return s;
}

std::string InfoCpu(CommandContext&) {
  std::string s = "# CPU\r\n";
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) {
    return Format("%.6f", static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6);
  };
  Line(&s, "used_cpu_sys", secs(self.ru_stime));
  Line(&s, "used_cpu_user", secs(self.ru_utime));
  Line(&s, "used_cpu_sys_children", secs(children.ru_stime));
  Line(&s, "used_cpu_user_children", secs(children.ru_utime));
  return s;
}

std::string InfoCluster(CommandContext&) { return "# Cluster\r\ncluster_enabled:0\r\n"; }

std::string InfoKeyspace(CommandContext& ctx) {
  std::string s = "# Keyspace\r\n";
  for (int db = 0; db < ctx.store.databases(); ++db) {
    size_t keys = ctx.store.DbSize(db);
    if (keys == 0) continue;
    StrAppend(&s, "db", db, ":keys=", keys, ",expires=", ctx.store.ExpiresSize(db),
              ",avg_ttl=0\r\n");
  }
  return s;
}

struct CommandTotals {
  uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
};

// Every command's counters, summed over the event loops, by CommandSpec::id.
std::vector<CommandTotals> SumCommandStats(CommandContext& ctx) {
  std::vector<CommandTotals> totals(CommandTable::Get().spec_count());
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) {
    for (size_t id = 0; id < totals.size(); ++id) {
      const CommandCounters& c = loop.command(id);
      totals[id].calls += c.calls.Get();
      totals[id].usec += c.usec.Get();
      totals[id].rejected += c.rejected.Get();
      totals[id].failed += c.failed.Get();
    }
  });
  return totals;
}

// Calls fn for every command and subcommand, each command before its subcommands.
template <typename Fn>
void ForEachSpec(Fn fn) {
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    fn(spec);
    for (const CommandSpec& sub : spec.subcommands) fn(sub);
  }
}

std::string InfoCommandStats(CommandContext& ctx) {
  std::string s = "# Commandstats\r\n";
  const std::vector<CommandTotals> totals = SumCommandStats(ctx);
  ForEachSpec([&](const CommandSpec& spec) {
    const CommandTotals& t = totals[spec.id];
    if (t.calls == 0 && t.failed == 0 && t.rejected == 0) return;
    // As Redis: the average in float precision.
    const float per_call =
        t.calls == 0 ? 0 : static_cast<float>(t.usec) / static_cast<float>(t.calls);
    StrAppend(&s, "cmdstat_", spec.name, ":calls=", t.calls, ",usec=", t.usec,
              ",usec_per_call=", Format("%.2f", static_cast<double>(per_call)),
              ",rejected_calls=", t.rejected, ",failed_calls=", t.failed, "\r\n");
  });
  return s;
}

std::string InfoErrorStats(CommandContext& ctx) {
  std::string s = "# Errorstats\r\n";
  std::map<std::string, uint64_t> errors;
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) { loop.AddErrorsTo(&errors); });
  for (const auto& [code, count] : errors) {
    std::string safe = code;
    for (char& c : safe) {
      if (c == '#' || c == ':' || c == '\n' || c == '\r') c = '_';
    }
    StrAppend(&s, "errorstat_", safe, ":count=", count, "\r\n");
  }
  return s;
}

std::string InfoLatencyStats(CommandContext& ctx) {
  std::string s = "# Latencystats\r\n";
  if (!ctx.server.config->GetBool("latency-tracking")) return s;
  std::vector<double> percentiles;
  ParsePercentiles(ctx.server.config->GetString("latency-tracking-info-percentiles"), &percentiles);
  std::vector<std::string> labels;
  for (double p : percentiles) {
    // Redis's "%f" trimmed of trailing zeros: 99.9, 50.
    std::string label = Format("%f", p);
    while (label.back() == '0') label.pop_back();
    if (label.back() == '.') label.pop_back();
    labels.push_back(std::move(label));
  }
  ForEachSpec([&](const CommandSpec& spec) {
    LatencyHistogram::Counts h;
    ctx.server.stats.ForEachLoop([&](const LoopStats& loop) {
      const LatencyHistogram* loop_h =
          loop.command(spec.id).histogram.load(std::memory_order_acquire);
      if (loop_h != nullptr) loop_h->AddTo(&h);
    });
    if (h.total == 0) return;
    StrAppend(&s, "latency_percentiles_usec_", spec.name, ":");
    for (size_t i = 0; i < percentiles.size(); ++i) {
      if (i > 0) s += ",";
      StrAppend(&s, "p", labels[i], "=",
                Format("%.3f", static_cast<double>(h.ValueAtPercentile(percentiles[i])) / 1000.0));
    }
    s += "\r\n";
  });
  return s;
}

struct InfoSection {
  std::string_view name;
  std::string (*render)(CommandContext&);
  bool in_default;
};
constexpr InfoSection kSections[] = {
    {"server", InfoServer, true},
    {"clients", InfoClients, true},
    {"memory", InfoMemory, true},
    {"persistence", InfoPersistence, true},
    {"stats", InfoStats, true},
    {"replication", InfoReplication, true},
    {"cpu", InfoCpu, true},
    {"commandstats", InfoCommandStats, false},
    {"errorstats", InfoErrorStats, true},
    {"latencystats", InfoLatencyStats, false},
    {"cluster", InfoCluster, true},
    {"keyspace", InfoKeyspace, true},
};

void CmdInfo(CommandContext& ctx) {
  std::vector<std::string_view> wanted;
  for (size_t i = 1; i < ctx.argc(); ++i) wanted.push_back(ctx.arg(i));
  const bool all = wanted.empty();
  std::string text;
  for (const InfoSection& section : kSections) {
    bool include = all && section.in_default;
    for (std::string_view w : wanted) {
      include |= EqualsIgnoreCase(w, section.name) || EqualsIgnoreCase(w, "all") ||
                 EqualsIgnoreCase(w, "everything") ||
                 (EqualsIgnoreCase(w, "default") && section.in_default);
    }
    if (!include) continue;
    if (!text.empty()) text += "\r\n";
    text += section.render(ctx);
  }
  ctx.out.Verbatim("txt", text);
}

}  // namespace

// MEMORY STATS: Redis's fields, in its order (keyspace_family.cc registers it).
void CmdMemoryStats(CommandContext& ctx) {
  const MemoryOverview m = TakeMemoryOverview(ctx);
  RespWriter& out = ctx.out;
  out.Map(27 + m.dbs.size());
  auto number = [&](std::string_view name, auto value) {
    out.Bulk(name);
    out.Integer(static_cast<int64_t>(value));
  };
  auto real = [&](std::string_view name, double value) {
    out.Bulk(name);
    out.Double(value);
  };
  number("peak.allocated", m.peak);
  number("total.allocated", m.used);
  number("startup.allocated", m.startup);
  number("replication.backlog", m.backlog);
  number("clients.slaves", m.clients_replicas);
  number("clients.normal", m.clients_normal);
  number("cluster.links", 0);
  number("aof.buffer", m.aof_buffer);
  number("lua.caches", 0);
  number("functions.caches", 0);
  for (const auto& [db, overhead] : m.dbs) {
    out.Bulk(StrCat("db.", db));
    out.Map(3);
    number("overhead.hashtable.main", overhead.main);
    number("overhead.hashtable.expires", overhead.expires);
    number("overhead.hashtable.slot-to-keys", 0);
  }
  number("overhead.total", m.overhead);
  number("keys.count", m.keys);
  number("keys.bytes-per-key", m.keys == 0 ? 0 : (m.used - m.startup) / m.keys);
  number("dataset.bytes", m.dataset);
  real("dataset.percentage", m.DatasetPercent());
  real("peak.percentage", m.PeakPercent());
  number("allocator.allocated", m.allocated);
  number("allocator.active", m.active);
  number("allocator.resident", m.rss);
  real("allocator-fragmentation.ratio", m.Ratio(m.active, m.allocated));
  number("allocator-fragmentation.bytes",
         static_cast<int64_t>(m.active) - static_cast<int64_t>(m.allocated));
  real("allocator.rss-ratio", m.Ratio(m.rss, m.active));
  number("allocator.rss-bytes", static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.active));
  real("rss-overhead.ratio", 1.0);
  number("rss-overhead.bytes", 0);
  real("fragmentation", m.Ratio(m.rss, m.used));
  number("fragmentation.bytes", static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.used));
}

// MEMORY DOCTOR: Redis's getMemoryDoctorReport, its checks and its words.
void CmdMemoryDoctor(CommandContext& ctx) {
  const MemoryOverview m = TakeMemoryOverview(ctx);
  constexpr uint64_t kTenMb = 10 << 20;
  const auto over = [](uint64_t a, uint64_t b) {
    return static_cast<int64_t>(a) - static_cast<int64_t>(b) > static_cast<int64_t>(kTenMb);
  };
  const bool empty = m.used < 5 * 1024 * 1024;
  const bool big_peak = !empty && static_cast<float>(m.peak) / m.used > 1.5;
  const bool high_frag = !empty && m.Ratio(m.rss, m.used) > 1.4 && over(m.rss, m.used);
  const bool high_alloc_frag =
      !empty && m.Ratio(m.active, m.allocated) > 1.1 && over(m.active, m.allocated);
  const bool high_alloc_rss = !empty && m.Ratio(m.rss, m.active) > 1.1 && over(m.rss, m.active);
  const bool big_client_buf = !empty && m.clients > 0 && m.clients_normal / m.clients > 1024 * 200;
  const bool big_replica_buf = !empty && m.replicas > 0 && m.clients_replicas > kTenMb;
  // (The process's RSS is the allocator's here, and there are no scripts:
  // Redis's "process RSS overhead" and "many scripts" cannot arise.)
  const bool any = empty || big_peak || high_frag || high_alloc_frag || high_alloc_rss ||
                   big_client_buf || big_replica_buf;
  std::string s;
  if (!any) {
    s = "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.\n";
  } else if (empty) {
    s = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with "
        "some data. The new Sam and I will be back to our programming as soon as I finished "
        "rebooting.\n";
  } else {
    s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
    if (big_peak) {
      s += " * Peak memory: In the past this instance used more than 150% the memory that is "
           "currently using. The allocator is normally not able to release memory after a peak, "
           "so you can expect to see a big fragmentation ratio, however this is actually "
           "harmless and is only due to the memory peak, and if the Redis instance Resident Set "
           "Size (RSS) is currently bigger than expected, the memory will be used as soon as you "
           "fill the Redis instance with more data. If the memory peak was only occasional and "
           "you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the "
           "only other option is to shutdown and restart the instance.\n\n";
    }
    if (high_frag) {
      s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
           "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
           "than the sum of the logical allocations Redis performed). This problem is usually due "
           "either to a large peak memory (check if there is a peak memory entry above in the "
           "report) or may result from a workload that causes the allocator to fragment memory a "
           "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
           "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
           "currently used allocator is \"libc\".\n\n";
    }
    if (high_alloc_frag) {
      s += " * High allocator fragmentation: This instance has an allocator external "
           "fragmentation greater than 1.1. This problem is usually due either to a large peak "
           "memory (check if there is a peak memory entry above in the report) or may result "
           "from a workload that causes the allocator to fragment memory a lot. You can try "
           "enabling 'activedefrag' config option.\n\n";
    }
    if (high_alloc_rss) {
      s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
           "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
           "the sum what the allocator actually holds). This problem is usually due to a large "
           "peak memory (check if there is a peak memory entry above in the report), you can try "
           "the MEMORY PURGE command to reclaim it.\n\n";
    }
    if (big_replica_buf) {
      s += " * Big replica buffers: The replica output buffers in this instance are greater than "
           "10MB for each replica (on average). This likely means that there is some replica "
           "instance that is struggling receiving data, either because it is too slow or because "
           "of networking issues. As a result, data piles on the master output buffers. Please "
           "try to identify what replica is not receiving data correctly and why. You can use the "
           "INFO output in order to check the replicas delays and the CLIENT LIST command to "
           "check the output buffers of each replica.\n\n";
    }
    if (big_client_buf) {
      s += " * Big client buffers: The clients output buffers in this instance are greater than "
           "200K per client (on average). This may result from different causes, like Pub/Sub "
           "clients subscribed to channels bot not receiving data fast enough, so that data "
           "piles on the Redis instance output buffer, or clients sending commands with large "
           "replies or very large sequences of commands in the same pipeline. Please use the "
           "CLIENT LIST command in order to investigate the issue if it causes problems in your "
           "instance, or to understand better why certain clients are using a big amount of "
           "memory.\n\n";
    }
    s += "I'm here to keep you safe, Sam. I want to help you.\n";
  }
  ctx.out.Verbatim("txt", s);
}

void RegisterServerFamily(CommandTable* table) {
  constexpr uint32_t kInfoFlags = kCmdLoading | kCmdStale;
  std::vector<CommandSpec> command_subcommands = {
      {"command|count", 2, kInfoFlags, 0, 0, 0, CmdCommandCount, "server",
       "Get total number of Redis commands", "2.8.13", "@slow @connection"},
      {"command|docs", -2, kInfoFlags, 0, 0, 0, CmdCommandDocs, "server",
       "Get array of specific Redis command documentation", "7.0.0", "@slow @connection", "",
       "O(N) where N is the number of commands to look up"},
      {"command|info", -2, kInfoFlags, 0, 0, 0, CmdCommandInfo, "server",
       "Get array of specific Redis command details, or all when no argument "
       "is given.",
       "2.8.13", "@slow @connection", "", "O(N) where N is the number of commands to look up"},
      {"command|list", -2, kInfoFlags, 0, 0, 0, CmdCommandList, "server",
       "Get an array of Redis command names", "7.0.0", "@slow @connection", "",
       "O(N) where N is the total number of Redis commands"},
      {"command|getkeys", -4, kInfoFlags, 0, 0, 0, CmdCommandGetKeys, "server",
       "Extract keys given a full Redis command", "2.8.13", "@slow @connection", "",
       "O(N) where N is the number of arguments to the command"},
      {"command|getkeysandflags", -4, kInfoFlags, 0, 0, 0, CmdCommandGetKeysAndFlags, "server",
       "Extract keys and access flags given a full Redis command", "7.0.0", "@slow @connection", "",
       "O(N) where N is the number of arguments to the command"},
      {"command|help", 2, kInfoFlags, 0, 0, 0, CmdCommandHelp, "server",
       "Show helpful text about the different subcommands", "5.0.0", "@slow @connection"},
  };
  table->Register({"command", -1, kCmdLoading | kCmdStale, 0, 0, 0, CmdCommand, "server",
                   "Get array of Redis command details", "2.8.13", "@slow @connection", "",
                   "O(N) where N is the total number of Redis commands",
                   std::move(command_subcommands)});
  constexpr uint32_t kConfigFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr std::string_view kConfigAcl = "@admin @slow @dangerous";
  std::vector<CommandSpec> config_subcommands = {
      {"config|get", -3, kConfigFlags, 0, 0, 0, CmdConfigGet, "server",
       "Get the values of configuration parameters", "2.0.0", kConfigAcl, "",
       "O(N) when N is the number of configuration parameters provided"},
      {"config|set", -4, kConfigFlags, 0, 0, 0, CmdConfigSet, "server",
       "Set configuration parameters to the given values", "2.0.0", kConfigAcl, "",
       "O(N) when N is the number of configuration parameters provided"},
      {"config|resetstat", 2, kConfigFlags, 0, 0, 0, CmdConfigResetStat, "server",
       "Reset the stats returned by INFO", "2.0.0", kConfigAcl},
      {"config|rewrite", 2, kConfigFlags, 0, 0, 0, CmdConfigRewrite, "server",
       "Rewrite the configuration file with the in memory configuration", "2.8.0", kConfigAcl},
      {"config|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdConfigHelp, "server",
       "Show helpful text about the different subcommands", "5.0.0", "@slow"},
  };
  table->Register({"config", -2, 0, 0, 0, 0, CmdContainer, "server",
                   "A container for server configuration commands", "2.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(config_subcommands)});
  table->Register({"info", -1, kCmdLoading | kCmdStale, 0, 0, 0, CmdInfo, "server",
                   "Get information and statistics about the server", "1.0.0", "@slow @dangerous",
                   "", "O(1)"});
  table->Register({"shutdown", -1,
                   kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
                   0, 0, 0, CmdShutdown, "server",
                   "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
                   "@admin @slow @dangerous", "",
                   "O(N) when saving, where N is the total number of keys in all databases when "
                   "saving data, otherwise O(1)"});
  table->Register({"time", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdTime, "server",
                   "Return the current server time", "2.6.0", "@fast"});
}

}  // namespace valkdb
