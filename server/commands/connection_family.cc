// PING ECHO SELECT QUIT HELLO RESET CLIENT
#include <algorithm>
#include <optional>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/repl/replication.h"

namespace valkdb {

std::optional<ClientType> ParseClientType(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) {
    return ClientType::kReplica;
  }
  if (EqualsIgnoreCase(name, "pubsub")) return ClientType::kPubSub;
  if (EqualsIgnoreCase(name, "master")) return ClientType::kMaster;
  return std::nullopt;
}

namespace {

// The version valkdb reports where clients look for Redis's (INFO, HELLO):
// the Redis release whose behaviour it matches.

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ReplyWrongArity(ctx, "ping");
    return;
  }
  if (ctx.client.protocol == 2 && ctx.client.subscriptions() > 0) {
    // Subscribed RESP2 clients get PING's answer in the shape of a message.
    ctx.out.Array(2);
    ctx.out.Bulk("pong");
    ctx.out.Bulk(ctx.argc() == 1 ? std::string_view() : ctx.arg(1));
  } else if (ctx.argc() == 1) {
    ctx.out.Raw("+PONG\r\n");
  } else {
    ctx.out.Bulk(ctx.arg(1));
  }
}

void CmdEcho(CommandContext& ctx) { ctx.out.Bulk(ctx.arg(1)); }

void CmdSelect(CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseIntArg(ctx, ctx.arg(1), &index)) return;
  if (index < INT32_MIN || index > INT32_MAX) {
    ctx.out.Error("value is out of range, value must between -2147483648 and 2147483647");
    return;
  }
  if (index < 0 || index >= ctx.store.databases()) {
    ctx.out.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.db = static_cast<int>(index);
  ctx.out.Ok();
}

void CmdQuit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.out.Ok();
}

// Redis's validateClientName: printable ASCII without spaces.
bool ValidClientAttr(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// The default user's check: with no requirepass any password passes (Redis's nopass).
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  std::string required = ctx.server.config->GetString("requirepass");
  return required.empty() || PasswordMatches(password, required);
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2 && ctx.server.config->GetString("requirepass").empty()) {
    ctx.out.Error(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
    return;
  }
  std::string_view user = ctx.argc() == 2 ? std::string_view("default") : ctx.arg(1);
  std::string_view password = ctx.arg(ctx.argc() - 1);
  if (!Authenticate(ctx, user, password)) {
    ctx.out.Error("-WRONGPASS invalid username-password pair or user is disabled.");
    return;
  }
  ctx.client.authenticated = true;
  ctx.out.Ok();
}

void CmdHello(CommandContext& ctx) {
  int64_t version = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!ParseIntArg(ctx, ctx.arg(next++), &version, errors::kProtoVersionNotInteger)) return;
    if (version < 2 || version > 3) {
      ctx.out.Error(errors::kNoProto);
      return;
    }
  }
  std::string_view client_name;
  bool set_name = false;
  std::string_view user, password;
  bool auth = false;
  for (size_t j = next; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "AUTH") && more >= 2) {
      user = ctx.arg(j + 1);
      password = ctx.arg(j + 2);
      auth = true;
      j += 2;
    } else if (EqualsIgnoreCase(opt, "SETNAME") && more >= 1) {
      client_name = ctx.arg(j + 1);
      if (!ValidClientAttr(client_name)) {
        ctx.out.Error(errors::kClientNameInvalid);
        return;
      }
      // Redis 7.0 names the client as it reads the option, even if a later one fails.
      ctx.client.name = std::string(client_name);
      set_name = true;
      ++j;
    } else {
      ctx.out.Error(StrCat("Syntax error in HELLO option '", opt, "'"));
      return;
    }
  }
  if (auth) {
    if (!Authenticate(ctx, user, password)) {
      ctx.out.Error("-WRONGPASS invalid username-password pair or user is disabled.");
      return;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    ctx.out.Error(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  if (set_name) ctx.client.name = std::string(client_name);
  if (version != 0) {
    ctx.client.protocol = static_cast<int>(version);
    ctx.out.set_protocol(ctx.client.protocol);
    if (ctx.client.tracking & kTrackingOn) {
      ctx.server.tracking.SetProtocol(ctx.client.id, ctx.client.protocol);
    }
  }
  RespWriter& out = ctx.out;
  out.Map(7);
  out.Bulk("server");
  out.Bulk("redis");
  out.Bulk("version");
  out.Bulk(kRedisVersion);
  out.Bulk("proto");
  out.Integer(ctx.client.protocol);
  out.Bulk("id");
  out.Integer(static_cast<int64_t>(ctx.client.id));
  out.Bulk("mode");
  out.Bulk("standalone");
  out.Bulk("role");
  out.Bulk(ctx.server.replication != nullptr && ctx.server.replication->is_replica() ? "replica"
                                                                                     : "master");
  out.Bulk("modules");
  out.Array(0);
}

void CmdClientId(CommandContext& ctx) { ctx.out.Integer(static_cast<int64_t>(ctx.client.id)); }

void CmdClientSetName(CommandContext& ctx) {
  std::string_view name = ctx.arg(2);
  if (!ValidClientAttr(name)) {
    ctx.out.Error(errors::kClientNameInvalid);
    return;
  }
  ctx.client.name = std::string(name);
  ctx.out.Ok();
}

void CmdClientGetName(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.out.Null();
  } else {
    ctx.out.Bulk(ctx.client.name);
  }
}

void CmdClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.arg(2);
  std::string_view value = ctx.arg(3);
  std::string* dest = nullptr;
  if (EqualsIgnoreCase(attr, "lib-name")) {
    dest = &ctx.client.lib_name;
  } else if (EqualsIgnoreCase(attr, "lib-ver")) {
    dest = &ctx.client.lib_ver;
  } else {
    ctx.out.Error(StrCat("Unrecognized option '", attr, "'"));
    return;
  }
  if (!ValidClientAttr(value)) {
    ctx.out.Error(StrCat(attr, " cannot contain spaces, newlines or special characters."));
    return;
  }
  *dest = std::string(value);
  ctx.out.Ok();
}

void CmdClientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "HELP",
      "    Prints this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

void CmdClient(CommandContext& ctx) { ReplyWrongArity(ctx, "client"); }

// Turns tracking off for the client (CLIENT TRACKING OFF, RESET).
void DisableTracking(CommandContext& ctx) {
  if (!(ctx.client.tracking & kTrackingOn)) return;
  ctx.server.tracking.Disable(ctx.client.id);
  ctx.client.tracking = 0;
  ctx.client.tracking_redirect = 0;
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT]
// [NOLOOP], with Redis's checks in its order.
void CmdClientTracking(CommandContext& ctx) {
  int64_t redirect = 0;
  uint32_t options = 0;
  std::vector<std::string_view> prefixes;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const bool more = ctx.argc() - 1 - j > 0;
    std::string_view opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "redirect") && more) {
      ++j;
      if (redirect != 0) {
        ctx.out.Error("A client can only redirect to a single other client");
        return;
      }
      if (!ParseIntArg(ctx, ctx.arg(j), &redirect)) return;
      // The target must exist now, though it may go later.
      const bool exists =
          redirect > 0 && (static_cast<uint64_t>(redirect) == ctx.client.id ||
                           (ctx.server.clients != nullptr && ctx.server.clients->Exists(redirect)));
      if (!exists) {
        ctx.out.Error("The client ID you want redirect to does not exist");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "bcast")) {
      options |= kTrackingBcast;
    } else if (EqualsIgnoreCase(opt, "optin")) {
      options |= kTrackingOptIn;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      options |= kTrackingOptOut;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      options |= kTrackingNoLoop;
    } else if (EqualsIgnoreCase(opt, "prefix") && more) {
      prefixes.push_back(ctx.arg(++j));
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  ClientState& c = ctx.client;
  if (EqualsIgnoreCase(ctx.arg(2), "on")) {
    if (!(options & kTrackingBcast) && !prefixes.empty()) {
      ctx.out.Error("PREFIX option requires BCAST mode to be enabled");
      return;
    }
    if ((c.tracking & kTrackingOn) &&
        ((c.tracking & kTrackingBcast) != 0) != ((options & kTrackingBcast) != 0)) {
      ctx.out.Error(
          "You can't switch BCAST mode on/off before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
      return;
    }
    if ((options & kTrackingBcast) && (options & (kTrackingOptIn | kTrackingOptOut))) {
      ctx.out.Error("OPTIN and OPTOUT are not compatible with BCAST");
      return;
    }
    if ((options & kTrackingOptIn) && (options & kTrackingOptOut)) {
      ctx.out.Error("You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    if (((options & kTrackingOptIn) && (c.tracking & kTrackingOptOut)) ||
        ((options & kTrackingOptOut) && (c.tracking & kTrackingOptIn))) {
      ctx.out.Error(
          "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
      return;
    }
    if (options & kTrackingBcast) {
      Tracking::Collision collision = ctx.server.tracking.PrefixCollision(c.id, prefixes);
      if (!collision.error.empty()) {
        ctx.out.Error(collision.error);
        if (!collision.proceed) return;
      }
    }
    ctx.server.tracking.Enable(c.id, c.protocol, static_cast<uint64_t>(redirect), options,
                               prefixes);
    c.tracking = kTrackingOn | (c.tracking & kTrackingCaching) |
                 (options & (kTrackingBcast | kTrackingOptIn | kTrackingOptOut | kTrackingNoLoop));
    c.tracking_redirect = static_cast<uint64_t>(redirect);
  } else if (EqualsIgnoreCase(ctx.arg(2), "off")) {
    DisableTracking(ctx);
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  ctx.out.Ok();
}

void CmdClientCaching(CommandContext& ctx) {
  ClientState& c = ctx.client;
  if (!(c.tracking & kTrackingOn)) {
    ctx.out.Error(
        "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
    return;
  }
  std::string_view opt = ctx.arg(2);
  if (EqualsIgnoreCase(opt, "yes")) {
    if (!(c.tracking & kTrackingOptIn)) {
      ctx.out.Error("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqualsIgnoreCase(opt, "no")) {
    if (!(c.tracking & kTrackingOptOut)) {
      ctx.out.Error("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  c.tracking |= kTrackingCaching;
  ctx.out.Ok();
}

void CmdClientGetRedir(CommandContext& ctx) {
  ctx.out.Integer((ctx.client.tracking & kTrackingOn)
                      ? static_cast<int64_t>(ctx.client.tracking_redirect)
                      : -1);
}

void CmdClientTrackingInfo(CommandContext& ctx) {
  const ClientState& c = ctx.client;
  const TrackingInfo info = ctx.server.tracking.Info(c.id);
  const bool on = c.tracking & kTrackingOn;
  std::vector<std::string_view> flags = {on ? "on" : "off"};
  if (c.tracking & kTrackingBcast) flags.push_back("bcast");
  if (c.tracking & kTrackingOptIn) {
    flags.push_back("optin");
    if (c.tracking & kTrackingCaching) flags.push_back("caching-yes");
  }
  if (c.tracking & kTrackingOptOut) {
    flags.push_back("optout");
    if (c.tracking & kTrackingCaching) flags.push_back("caching-no");
  }
  if (c.tracking & kTrackingNoLoop) flags.push_back("noloop");
  if (info.flags & kTrackingBrokenRedir) flags.push_back("broken_redirect");
  RespWriter& out = ctx.out;
  out.Map(3);
  out.Bulk("flags");
  out.Set(flags.size());
  for (std::string_view flag : flags) out.Bulk(flag);
  out.Bulk("redirect");
  out.Integer(on ? static_cast<int64_t>(c.tracking_redirect) : -1);
  out.Bulk("prefixes");
  out.Array(info.prefixes.size());
  for (const std::string& prefix : info.prefixes) out.Bulk(prefix);
}

void CmdReset(CommandContext& ctx) {
  ClientState& c = ctx.client;
  c.in_multi = false;
  c.multi_error = false;
  c.queued.clear();
  ctx.server.watches.UnwatchAll(&c.watch);
  DropSubscriptions(ctx.server, c);
  DisableTracking(ctx);
  c.db = 0;
  c.protocol = 2;
  ctx.out.set_protocol(2);
  c.name.clear();
  c.authenticated = ctx.server.config->GetString("requirepass").empty();
  c.reply_mode = ClientState::ReplyMode::kOn;
  // CLIENT NO-EVICT stays on: Redis 7.0's clearClientConnectionState keeps it.
  ctx.out.SimpleString("RESET");
}

void CmdClientReply(CommandContext& ctx) {
  std::string_view mode = ctx.arg(2);
  if (EqualsIgnoreCase(mode, "on")) {
    ctx.client.reply_mode = ClientState::ReplyMode::kOn;
    ctx.out.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    ctx.client.reply_mode = ClientState::ReplyMode::kOff;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (ctx.client.reply_mode == ClientState::ReplyMode::kOn) {
      ctx.client.reply_mode = ClientState::ReplyMode::kSkip;
    }
  } else {
    ctx.out.Error(errors::kSyntax);
  }
}

// MONITOR, as Redis's monitorCommand: from now on the client sees every
// command the server runs (delivered as pub/sub messages are).
void CmdMonitor(CommandContext& ctx) {
  if (ctx.client.in_exec) {
    ctx.out.Error("MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (ctx.client.monitor || ctx.client.subscriber == nullptr) return;
  ctx.client.monitor = true;
  ctx.server.monitors.Add(ctx.client.subscriber);
  ctx.out.Ok();
}

void CmdClientNoEvict(CommandContext& ctx) {
  std::string_view mode = ctx.arg(2);
  if (EqualsIgnoreCase(mode, "on")) {
    ctx.client.no_evict = true;
  } else if (EqualsIgnoreCase(mode, "off")) {
    ctx.client.no_evict = false;
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  ctx.out.Ok();
}

std::string ClientLine(const ClientSnapshot& c, int64_t now_ms, Tracking& tracking) {
  // Redis's order: O|S M P x b t R B d ... U e.
  char flag_chars[13];
  size_t n = 0;
  TrackingInfo info;
  if (c.tracking) info = tracking.Info(c.id);
  if (c.monitor) flag_chars[n++] = 'O';
  if (c.link == ClientType::kReplica) flag_chars[n++] = 'S';
  if (c.link == ClientType::kMaster) flag_chars[n++] = 'M';
  if (c.pubsub) flag_chars[n++] = 'P';
  if (c.in_multi) flag_chars[n++] = 'x';
  if (c.blocked) flag_chars[n++] = 'b';
  if (info.flags & kTrackingOn) flag_chars[n++] = 't';
  if (info.flags & kTrackingBrokenRedir) flag_chars[n++] = 'R';
  if (info.flags & kTrackingBcast) flag_chars[n++] = 'B';
  if (c.dirty_cas) flag_chars[n++] = 'd';
  if (c.unix_socket) flag_chars[n++] = 'U';
  if (c.no_evict) flag_chars[n++] = 'e';
  if (n == 0) flag_chars[n++] = 'N';
  std::string_view flags(flag_chars, n);
  return StrCat(
      "id=", c.id, " addr=", c.addr, " laddr=", c.laddr, " fd=", c.fd, " name=", c.name,
      " age=", (now_ms - c.created_ms) / 1000, " idle=", (now_ms - c.last_interaction_ms) / 1000,
      " flags=", flags, " db=", c.db, " sub=", c.sub, " psub=", c.psub, " ssub=", c.ssub,
      " multi=", c.multi, " qbuf=", c.qbuf,
      " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=", c.omem,
      " tot-mem=", c.tot_mem, " events=r cmd=", c.cmd,
      " user=default redir=", (info.flags & kTrackingOn) ? static_cast<int64_t>(info.redirect) : -1,
      " resp=", c.resp, "\n");
}

// Our own line is taken from live state: the snapshot lags by the current batch.
ClientSnapshot SelfSnapshot(CommandContext& ctx) {
  const ClientState& c = ctx.client;
  ClientSnapshot s;
  s.id = c.id;
  s.addr = c.addr;
  s.laddr = c.laddr;
  s.unix_socket = c.unix_socket;
  s.name = c.name;
  s.fd = c.fd;
  s.created_ms = c.created_ms;
  s.last_interaction_ms = ctx.now_ms;
  s.db = c.db;
  s.sub = static_cast<int64_t>(c.channels.size());
  s.psub = static_cast<int64_t>(c.patterns.size());
  s.ssub = static_cast<int64_t>(c.shard_channels.size());
  s.multi = c.in_multi ? static_cast<int64_t>(c.queued.size()) : -1;
  s.cmd = c.last_command;
  s.resp = c.protocol;
  s.pubsub = c.subscriptions() > 0;
  s.monitor = c.monitor;
  s.in_multi = c.in_multi;
  s.no_evict = c.no_evict;
  s.tracking = (c.tracking & kTrackingOn) != 0;
  s.dirty_cas = c.watch.dirty.load(std::memory_order_relaxed);
  s.link = c.link;
  // Redis's query buffer still holds the running command (qbuf=26 for a
  // CLIENT LIST sent as RESP): its size as the request's RESP.
  int64_t request = static_cast<int64_t>(StrCat("*", ctx.argc(), "\r\n").size());
  for (size_t i = 0; i < ctx.argc(); ++i) {
    request +=
        static_cast<int64_t>(StrCat("$", ctx.arg(i).size(), "\r\n").size() + ctx.arg(i).size() + 2);
  }
  s.qbuf = request;
  s.tot_mem = request;
  return s;
}

// Every client in id order (Redis's list is in creation order), ours from live state.
std::vector<ClientSnapshot> AllClients(CommandContext& ctx) {
  if (ctx.server.clients == nullptr) return {};
  std::vector<ClientSnapshot> all = ctx.server.clients->Snapshot();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (ClientSnapshot& c : all) {
    if (c.id != ctx.client.id) continue;
    ClientSnapshot live = SelfSnapshot(ctx);
    // The loop's snapshot was taken before its last replies were written:
    // what is left of them now is not known here, and is most often nothing.
    live.tot_mem = c.tot_mem - c.omem - c.qbuf + live.qbuf;
    c = std::move(live);
  }
  return all;
}

// TYPE's argument, or Redis's error for an unknown one.
bool ParseTypeArg(CommandContext& ctx, std::string_view name, std::optional<ClientType>* type) {
  *type = ParseClientType(name);
  if (type->has_value()) return true;
  ctx.out.Error(StrCat("Unknown client type '", name, "'"));
  return false;
}

// CLIENT LIST [TYPE type | ID id...], as Redis 7.0: TYPE exactly, or ID with
// one or more ids (each line once per id asked, in the order asked).
void CmdClientList(CommandContext& ctx) {
  std::optional<ClientType> type;
  std::vector<uint64_t> ids;
  const bool by_id = ctx.argc() > 3 && EqualsIgnoreCase(ctx.arg(2), "id");
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.arg(2), "type")) {
    if (!ParseTypeArg(ctx, ctx.arg(3), &type)) return;
  } else if (by_id) {
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id = 0;
      if (!ParseInt64(ctx.arg(i), &id)) {
        ctx.out.Error("Invalid client ID");
        return;
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() != 2) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  const std::vector<ClientSnapshot> all = AllClients(ctx);
  std::string text;
  if (by_id) {
    for (uint64_t id : ids) {
      for (const ClientSnapshot& c : all) {
        if (c.id == id) text += ClientLine(c, ctx.now_ms, ctx.server.tracking);
      }
    }
  } else {
    for (const ClientSnapshot& c : all) {
      if (type.has_value() && c.type() != *type) continue;
      text += ClientLine(c, ctx.now_ms, ctx.server.tracking);
    }
  }
  ctx.out.Verbatim("txt", text);
}

void CmdClientInfo(CommandContext& ctx) {
  ctx.out.Verbatim("txt", ClientLine(SelfSnapshot(ctx), ctx.now_ms, ctx.server.tracking));
}

// CLIENT KILL addr:port, or CLIENT KILL <filter> <value> ..., as Redis 7.0's
// clientCommand: options are read in order and the first bad one answers.
// MAXAGE is Redis 7.4's (7.0 answers it with a syntax error).
void CmdClientKill(CommandContext& ctx) {
  std::optional<std::string_view> addr, laddr;
  std::optional<ClientType> type;
  uint64_t id = 0;
  int64_t max_age = 0;
  bool skip_me = true;
  const bool old_form = ctx.argc() == 3;
  if (old_form) {
    addr = ctx.arg(2);
    skip_me = false;  // with the old form a client may kill itself
  } else {
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      const std::string_view opt = ctx.arg(i);
      if (i + 1 >= ctx.argc()) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      const std::string_view value = ctx.arg(i + 1);
      if (EqualsIgnoreCase(opt, "id")) {
        int64_t parsed = 0;
        if (!ParseInt64(value, &parsed) || parsed <= 0) {
          ctx.out.Error("client-id should be greater than 0");
          return;
        }
        id = static_cast<uint64_t>(parsed);
      } else if (EqualsIgnoreCase(opt, "maxage")) {
        if (!ParseInt64(value, &max_age)) {
          ctx.out.Error("maxage is not an integer or out of range");
          return;
        }
        if (max_age <= 0) {
          ctx.out.Error("maxage should be greater than 0");
          return;
        }
      } else if (EqualsIgnoreCase(opt, "type")) {
        if (!ParseTypeArg(ctx, value, &type)) return;
      } else if (EqualsIgnoreCase(opt, "addr")) {
        addr = value;
      } else if (EqualsIgnoreCase(opt, "laddr")) {
        laddr = value;
      } else if (EqualsIgnoreCase(opt, "user")) {
        // The default user is the only one, and every client's.
        if (value != "default") {
          ctx.out.Error(StrCat("No such user '", value, "'"));
          return;
        }
      } else if (EqualsIgnoreCase(opt, "skipme")) {
        if (EqualsIgnoreCase(value, "yes")) {
          skip_me = true;
        } else if (EqualsIgnoreCase(value, "no")) {
          skip_me = false;
        } else {
          ctx.out.Error(errors::kSyntax);
          return;
        }
      } else {
        ctx.out.Error(errors::kSyntax);
        return;
      }
    }
  }
  int64_t killed = 0;
  bool kill_self = false;
  for (const ClientSnapshot& c : AllClients(ctx)) {
    if (addr.has_value() && c.addr != *addr) continue;
    if (laddr.has_value() && c.laddr != *laddr) continue;
    if (type.has_value() && c.type() != *type) continue;
    if (id != 0 && c.id != id) continue;
    const bool self = c.id == ctx.client.id;
    if (self && skip_me) continue;
    if (max_age != 0 && ctx.now_ms / 1000 - c.created_ms / 1000 < max_age) continue;
    if (self) {
      kill_self = true;
      ++killed;
    } else if (ctx.server.clients->Kill(c.id)) {
      ++killed;
    }
  }
  // Replicas attached to us and the link to our master have left the event
  // loops (the replication module owns their sockets), so they are not in
  // the directory: TYPE (and USER, SKIPME) reach them, filters that name one
  // connection (ID, ADDR, LADDR, MAXAGE) do not.
  Replication* repl = ctx.server.replication;
  if (repl != nullptr && !old_form && id == 0 && !addr.has_value() && !laddr.has_value() &&
      max_age == 0) {
    if (!type.has_value() || *type == ClientType::kReplica) killed += repl->KillReplicas();
    if (!type.has_value() || *type == ClientType::kMaster) killed += repl->KillMasterLink();
  }
  if (!old_form) {
    ctx.out.Integer(killed);
  } else if (killed == 0) {
    ctx.out.Error("No such client");
  } else {
    ctx.out.Ok();
  }
  // After the reply is queued, as Redis's CLIENT_CLOSE_AFTER_REPLY.
  if (kill_self) ctx.client.close_after_reply = true;
}

void CmdClientPause(CommandContext& ctx) {
  int64_t timeout = 0;
  if (!ParseInt64(ctx.arg(2), &timeout)) {
    ctx.out.Error("timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.out.Error("timeout is negative");
    return;
  }
  bool all = true;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "write")) {
      all = false;
    } else if (!EqualsIgnoreCase(ctx.arg(3), "all")) {
      ctx.out.Error("CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.argc() > 4) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  ctx.server.pause_all.store(all, std::memory_order_relaxed);
  ctx.server.pause_until_ms.store(ctx.now_ms + timeout, std::memory_order_release);
  ctx.store.feed().HoldExpiryUntil(ctx.now_ms + timeout);
  ctx.out.Ok();
}

void CmdClientUnpause(CommandContext& ctx) {
  ctx.server.pause_until_ms.store(0, std::memory_order_release);
  ctx.store.feed().HoldExpiryUntil(0);
  if (ctx.server.clients != nullptr) ctx.server.clients->ResumePaused();
  ctx.out.Ok();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends a blocking command's wait.
void CmdClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ReplyUnknownSubcommand(ctx, ctx.arg(0), ctx.arg(1));
    return;
  }
  bool error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "error")) {
      error = true;
    } else if (!EqualsIgnoreCase(ctx.arg(3), "timeout")) {
      ctx.out.Error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &id)) return;
  ctx.out.Integer(ctx.server.blocking.Unblock(static_cast<uint64_t>(id), error) ? 1 : 0);
}

}  // namespace

bool PasswordMatches(std::string_view given, std::string_view expected) {
  // Touch every byte of the longer string whatever the contents, so the
  // time taken says nothing about where the first difference is.
  const size_t n = std::max(given.size(), expected.size());
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

void RegisterConnectionFamily(CommandTable* table) {
  constexpr uint32_t kConn = kCmdNoScript | kCmdLoading | kCmdStale;
  table->Register({"ping", -1, kCmdFast | kCmdSentinel | kCmdSubscribedOk, 0, 0, 0, CmdPing,
                   "connection", "Ping the server", "1.0.0", "@fast @connection"});
  table->Register({"echo", 2, kCmdFast | kCmdLoading | kCmdStale, 0, 0, 0, CmdEcho, "connection",
                   "Echo the given string", "1.0.0", "@fast @connection"});
  table->Register({"select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdSelect,
                   "connection", "Change the selected database for the current connection", "1.0.0",
                   "@fast @connection"});
  table->Register({"quit", -1,
                   kCmdAllowBusy | kCmdNoAuth | kConn | kCmdFast | kCmdSubscribedOk |
                       kCmdRunsInMulti | kCmdDecidesInput,
                   0, 0, 0, CmdQuit, "connection", "Close the connection", "1.0.0",
                   "@fast @connection"});
  table->Register(
      {"hello", -1, kCmdNoAuth | kCmdFast | kConn | kCmdSentinel | kCmdAllowBusy | kCmdDecidesInput,
       0, 0, 0, CmdHello, "connection", "Handshake with Redis", "6.0.0", "@fast @connection"});
  table->Register({"auth", -2,
                   kCmdDecidesInput | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast |
                       kCmdNoAuth | kCmdSentinel | kCmdAllowBusy,
                   0, 0, 0, CmdAuth, "connection", "Authenticate to the server", "1.0.0",
                   "@fast @connection"});
  table->Register({"monitor", 1, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
                   CmdMonitor, "server",
                   "Listen for all requests received by the server in real time", "1.0.0",
                   "@admin @slow @dangerous"});
  table->Register({"reset", 1,
                   kCmdNoAuth | kConn | kCmdFast | kCmdAllowBusy | kCmdSubscribedOk |
                       kCmdRunsInMulti | kCmdDecidesInput,
                   0, 0, 0, CmdReset, "connection", "Reset the connection", "6.2.0",
                   "@fast @connection"});
  constexpr uint32_t kSub = kConn;
  table->Register(
      {"client",
       -2,
       kCmdSentinel | kCmdDecidesInput,
       0,
       0,
       0,
       CmdClient,
       "connection",
       "A container for client connection commands",
       "2.4.0",
       "@slow",
       "",
       "Depends on subcommand.",
       {
           {"client|id", 2, kSub, 0, 0, 0, CmdClientId, "connection",
            "Returns the client ID for the current connection", "5.0.0", "@slow @connection"},
           {"client|setname", 3, kSub, 0, 0, 0, CmdClientSetName, "connection",
            "Set the current connection name", "2.6.9", "@slow @connection"},
           {"client|getname", 2, kSub, 0, 0, 0, CmdClientGetName, "connection",
            "Get the current connection name", "2.6.9", "@slow @connection"},
           {"client|setinfo", 4, kSub, 0, 0, 0, CmdClientSetInfo, "connection",
            "Set client or connection specific info", "7.2.0", "@slow @connection"},
           {"client|reply", 3, kSub, 0, 0, 0, CmdClientReply, "connection",
            "Instruct the server whether to reply to commands", "3.2.0", "@slow @connection"},
           {"client|no-evict", 3, kSub | kCmdAdmin, 0, 0, 0, CmdClientNoEvict, "connection",
            "Set client eviction mode for the current connection", "7.0.0",
            "@admin @slow @dangerous @connection"},
           {"client|list", -2, kSub | kCmdAdmin, 0, 0, 0, CmdClientList, "connection",
            "Get the list of client connections", "2.4.0", "@admin @slow @dangerous @connection"},
           {"client|info", 2, kSub, 0, 0, 0, CmdClientInfo, "connection",
            "Returns information about the current client connection.", "6.2.0",
            "@slow @connection"},
           {"client|kill", -3, kSub | kCmdAdmin, 0, 0, 0, CmdClientKill, "connection",
            "Kill the connection of a client", "2.4.0", "@admin @slow @dangerous @connection"},
           {"client|pause", -3, kSub | kCmdAdmin, 0, 0, 0, CmdClientPause, "connection",
            "Stop processing commands from clients for some time", "2.9.50",
            "@admin @slow @dangerous @connection"},
           {"client|unpause", 2, kSub | kCmdAdmin, 0, 0, 0, CmdClientUnpause, "connection",
            "Resume processing of clients that were paused", "6.2.0",
            "@admin @slow @dangerous @connection"},
           {"client|unblock", -3, kSub | kCmdAdmin, 0, 0, 0, CmdClientUnblock, "connection",
            "Unblock a client blocked in a blocking command from a different connection", "5.0.0",
            "@admin @slow @dangerous @connection"},
           {"client|tracking", -3, kSub | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            CmdClientTracking, "connection",
            "Enable or disable server assisted client side caching support", "6.0.0",
            "@slow @connection"},
           {"client|caching", 3, kSub | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            CmdClientCaching, "connection",
            "Instruct the server about tracking or not keys in the next request", "6.0.0",
            "@slow @connection"},
           {"client|getredir", 2, kSub | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            CmdClientGetRedir, "connection",
            "Get tracking notifications redirection client ID if any", "6.0.0",
            "@slow @connection"},
           {"client|trackinginfo", 2, kSub | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
            CmdClientTrackingInfo, "connection",
            "Return information about server assisted client side caching for the current "
            "connection",
            "6.2.0", "@slow @connection"},
           {"client|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdClientHelp, "connection",
            "Show helpful text about the different subcommands", "5.0.0", "@slow @connection"},
       }});
}

}  // namespace valkdb
