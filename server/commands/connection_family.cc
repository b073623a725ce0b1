// PING ECHO SELECT QUIT HELLO CLIENT
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

// The version valkdb reports where clients look for Redis's (INFO, HELLO):
// the Redis release whose behaviour it matches.
constexpr std::string_view kRedisVersion = "7.0.15";

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ReplyWrongArity(ctx, "ping");
    return;
  }
  if (ctx.argc() == 1) {
    ctx.out.Raw("+PONG\r\n");
  } else {
    ctx.out.Bulk(ctx.arg(1));
  }
}

void CmdEcho(CommandContext& ctx) { ctx.out.Bulk(ctx.arg(1)); }

void CmdSelect(CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseInt64(ctx.arg(1), &index) || index < INT32_MIN || index > INT32_MAX) {
    ctx.out.Error(errors::kInvalidDbIndex);
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
  for (size_t j = next; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "AUTH") && more >= 2) {
      // No ACL users yet: only the default user with no password exists,
      // and Redis accepts any password for it when requirepass is unset.
      j += 2;
    } else if (EqualsIgnoreCase(opt, "SETNAME") && more >= 1) {
      client_name = ctx.arg(j + 1);
      if (!ValidClientAttr(client_name)) {
        ctx.out.Error(errors::kClientNameInvalid);
        return;
      }
      set_name = true;
      ++j;
    } else {
      ctx.out.Error(StrCat("Syntax error in HELLO option '", opt, "'"));
      return;
    }
  }
  if (set_name) ctx.client.name = std::string(client_name);
  if (version != 0) {
    ctx.client.protocol = static_cast<int>(version);
    ctx.out.set_protocol(ctx.client.protocol);
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
  out.Bulk("master");
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
      "HELP",
      "    Print this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

void CmdClient(CommandContext& ctx) { ReplyWrongArity(ctx, "client"); }

}  // namespace

std::string_view RedisVersion() { return kRedisVersion; }

void RegisterConnectionFamily(CommandTable* table) {
  constexpr uint32_t kConn = kCmdNoScript | kCmdLoading | kCmdStale;
  table->Register({"ping", -1, kCmdFast | kCmdSentinel, 0, 0, 0, CmdPing, "connection",
                   "Ping the server", "1.0.0", "@fast @connection"});
  table->Register({"echo", 2, kCmdFast, 0, 0, 0, CmdEcho, "connection",
                   "Echo the given string", "1.0.0", "@fast @connection"});
  table->Register({"select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdSelect,
                   "connection", "Change the selected database for the current connection",
                   "1.0.0", "@fast @connection"});
  table->Register({"quit", -1, kCmdAllowBusy | kCmdNoAuth | kConn | kCmdFast, 0, 0, 0, CmdQuit,
                   "connection", "Close the connection", "1.0.0", "@fast @connection"});
  table->Register({"hello", -1, kCmdNoAuth | kCmdFast | kConn | kCmdSentinel | kCmdAllowBusy, 0,
                   0, 0, CmdHello, "connection", "Handshake with Redis", "6.0.0",
                   "@fast @connection"});
  constexpr uint32_t kSub = kConn;
  table->Register({"client", -2, kCmdSentinel, 0, 0, 0, CmdClient, "connection",
                   "A container for client connection commands", "2.4.0", "@slow",
                   "", "Depends on subcommand.",
                   {
                       {"client|id", 2, kSub, 0, 0, 0, CmdClientId, "connection",
                        "Returns the client ID for the current connection", "5.0.0",
                        "@slow @connection"},
                       {"client|setname", 3, kSub, 0, 0, 0, CmdClientSetName, "connection",
                        "Set the current connection name", "2.6.9", "@slow @connection"},
                       {"client|getname", 2, kSub, 0, 0, 0, CmdClientGetName, "connection",
                        "Get the current connection name", "2.6.9", "@slow @connection"},
                       {"client|setinfo", 4, kSub, 0, 0, 0, CmdClientSetInfo, "connection",
                        "Set client or connection specific info", "7.2.0",
                        "@slow @connection"},
                       {"client|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdClientHelp,
                        "connection", "Show helpful text about the different subcommands",
                        "5.0.0", "@slow @connection"},
                   }});
}

}  // namespace valkdb
