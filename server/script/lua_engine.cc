#include "server/script/lua_engine.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"
#include "server/log/logger.h"
#include "server/store/digest.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace valkdb {
namespace {

constexpr std::string_view kRedisVersion = "7.0.15";
constexpr int kRedisVersionNum = 0x0007000f;

// The running script's context, kept in the registry while it runs.
constexpr const char* kRunKey = "__valkdb_run";
// The real globals table, behind the proxy scripts see.
constexpr const char* kGlobalsKey = "__valkdb_globals";
// The sandbox's switch of where global reads go, and FUNCTION LOAD's globals.
constexpr const char* kSetCurrentKey = "__valkdb_set_current";
constexpr const char* kLoadApiKey = "__valkdb_load_api";
// While FUNCTION LOAD runs a library: where register_function puts functions.
constexpr const char* kLoadKey = "__valkdb_load";
struct LoadContext {
  std::vector<LuaEngine::RegisteredFunction>* functions;
  int64_t deadline_ns;
};
struct RunContext {
  ScriptHost* host;
  int resp;  // the protocol redis.call replies in (redis.setresp)
};

RunContext* Running(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRunKey);
  auto* run = static_cast<RunContext*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return run;
}

// Redis's luaPushErrorBuff: a table {err = "<CODE> <message>"}; a text that
// starts with '-' carries its own code, others get ERR.
void PushErrorTable(lua_State* L, std::string_view text) {
  std::string code = "ERR";
  std::string_view message = text;
  if (!text.empty() && text[0] == '-') {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      message = text.substr(1);
    } else {
      code = std::string(text.substr(1, space - 1));
      message = text.substr(space + 1);
    }
  }
  while (!message.empty() && (message.back() == '\r' || message.back() == '\n')) {
    message.remove_suffix(1);
  }
  lua_newtable(L);
  std::string full = StrCat(code, " ", message);
  lua_pushlstring(L, full.data(), full.size());
  lua_setfield(L, -2, "err");
}

// Marks the error table on top as already counted by the command that failed.
void MarkCounted(lua_State* L) {
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "ignore_error_stats_update");
}

// ---- RESP (a redis.call reply) to Lua, as Redis's redisProtocolToLuaType ----

int64_t ParseLength(const char*& p) {
  int64_t value = 0;
  bool negative = *p == '-';
  if (negative) ++p;
  while (*p != '\r') value = value * 10 + (*p++ - '0');
  p += 2;
  return negative ? -value : value;
}

std::string_view ParseLine(const char*& p) {
  const char* start = p;
  while (*p != '\r') ++p;
  std::string_view line(start, static_cast<size_t>(p - start));
  p += 2;
  return line;
}

// Pushes the value at p (nothing when lua is nullptr: skipped) and returns past it.
const char* PushResp(lua_State* L, const char* p) {
  if (L != nullptr && !lua_checkstack(L, 5)) {
    luaL_error(L, "reached lua stack limit");
  }
  char type = *p++;
  switch (type) {
    case '+': {
      std::string_view line = ParseLine(p);
      if (L != nullptr) {
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "ok");
      }
      return p;
    }
    case '-':
    case '!': {
      std::string text;
      if (type == '-') {
        text = StrCat("-", ParseLine(p));
      } else {
        int64_t len = ParseLength(p);
        text = StrCat("-", std::string_view(p, static_cast<size_t>(len)));
        p += len + 2;
      }
      if (L != nullptr) {
        PushErrorTable(L, text);
        MarkCounted(L);
      }
      return p;
    }
    case ':': {
      std::string_view line = ParseLine(p);
      int64_t value = 0;
      (void)ParseInt64(line, &value);
      if (L != nullptr) lua_pushnumber(L, static_cast<lua_Number>(value));
      return p;
    }
    case '$': {
      int64_t len = ParseLength(p);
      if (len < 0) {
        if (L != nullptr) lua_pushboolean(L, 0);
        return p;
      }
      if (L != nullptr) lua_pushlstring(L, p, static_cast<size_t>(len));
      return p + len + 2;
    }
    case '*':
    case '>': {
      int64_t len = ParseLength(p);
      if (len < 0) {
        if (L != nullptr) lua_pushboolean(L, 0);
        return p;
      }
      if (L != nullptr) lua_newtable(L);
      for (int64_t i = 0; i < len; ++i) {
        if (L != nullptr) lua_pushnumber(L, static_cast<lua_Number>(i + 1));
        p = PushResp(L, p);
        if (L != nullptr) lua_settable(L, -3);
      }
      return p;
    }
    case '%': {
      int64_t len = ParseLength(p);
      if (L != nullptr) {
        lua_newtable(L);
        lua_pushstring(L, "map");
        lua_newtable(L);
      }
      for (int64_t i = 0; i < len; ++i) {
        p = PushResp(L, p);
        p = PushResp(L, p);
        if (L != nullptr) lua_settable(L, -3);
      }
      if (L != nullptr) lua_settable(L, -3);
      return p;
    }
    case '~': {
      int64_t len = ParseLength(p);
      if (L != nullptr) {
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
      }
      for (int64_t i = 0; i < len; ++i) {
        p = PushResp(L, p);
        if (L != nullptr) {
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        }
      }
      if (L != nullptr) lua_settable(L, -3);
      return p;
    }
    case '_':
      p += 2;
      if (L != nullptr) lua_pushnil(L);
      return p;
    case '#': {
      bool value = *p == 't';
      p += 3;
      if (L != nullptr) lua_pushboolean(L, value ? 1 : 0);
      return p;
    }
    case ',': {
      std::string line(ParseLine(p));
      if (L != nullptr) {
        lua_newtable(L);
        lua_pushnumber(L, std::strtod(line.c_str(), nullptr));
        lua_setfield(L, -2, "double");
      }
      return p;
    }
    case '(': {
      std::string_view line = ParseLine(p);
      if (L != nullptr) {
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "big_number");
      }
      return p;
    }
    case '=': {
      int64_t len = ParseLength(p);
      std::string_view all(p, static_cast<size_t>(len));
      p += len + 2;
      if (L != nullptr) {
        lua_newtable(L);
        lua_newtable(L);
        std::string_view text = all.size() >= 4 ? all.substr(4) : std::string_view();
        lua_pushlstring(L, text.data(), text.size());
        lua_setfield(L, -2, "string");
        std::string_view format = all.substr(0, std::min<size_t>(3, all.size()));
        lua_pushlstring(L, format.data(), format.size());
        lua_setfield(L, -2, "format");
        lua_setfield(L, -2, "verbatim_string");
      }
      return p;
    }
    case '|': {
      int64_t len = ParseLength(p);
      for (int64_t i = 0; i < 2 * len; ++i) p = PushResp(nullptr, p);
      return PushResp(L, p);
    }
    default:
      if (L != nullptr) lua_pushnil(L);
      return p;
  }
}

// ---- Lua to the caller's reply, as Redis's luaReplyToRedisReply ----

// A string field of the table at `index`, if it is one.
bool StringField(lua_State* L, int index, const char* name, std::string_view* value) {
  lua_pushstring(L, name);
  lua_rawget(L, index < 0 ? index - 1 : index);
  bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    *value = std::string_view(s, len);
  }
  lua_pop(L, 1);
  return found;
}

std::string NoNewlines(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// Writes the value on top of the stack and pops it. `script_resp` decides
// how booleans go (RESP2 scripts reply 1 or nil, as Redis).
void WriteReply(lua_State* L, RespWriter& out, RespWriter& uncounted_out, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    out.Error("reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      out.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          out.Integer(1);
        } else {
          out.Null();
        }
      } else {
        out.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER: {
      // Truncated as Redis's (long long) cast; out of range (inf, NaN) gives
      // what x86 gives for it, without the undefined conversion.
      double d = lua_tonumber(L, -1);
      out.Integer(d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? static_cast<int64_t>(d)
                                                                           : INT64_MIN);
      break;
    }
    case LUA_TTABLE: {
      std::string_view text;
      if (StringField(L, -1, "err", &text)) {
        lua_getfield(L, -1, "ignore_error_stats_update");
        bool counted = lua_toboolean(L, -1);
        lua_pop(L, 1);
        std::string error = StrCat("-", text);
        (counted ? uncounted_out : out).Error(error);
        break;
      }
      if (StringField(L, -1, "ok", &text)) {
        out.SimpleString(NoNewlines(text));
        break;
      }
      lua_pushstring(L, "double");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        out.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (StringField(L, -1, "big_number", &text)) {
        std::string big = NoNewlines(text);
        if (out.resp3()) {
          out.Raw(StrCat("(", big, "\r\n"));
        } else {
          out.Bulk(big);
        }
        break;
      }
      lua_pushstring(L, "verbatim_string");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        std::string_view format, str;
        if (StringField(L, -1, "format", &format) && StringField(L, -1, "string", &str)) {
          out.Verbatim(format, str);
          lua_pop(L, 2);
          return;
        }
      }
      lua_pop(L, 1);
      lua_pushstring(L, "map");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          ++pairs;
        }
        out.Map(pairs);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          WriteReply(L, out, uncounted_out, script_resp);  // the key
          WriteReply(L, out, uncounted_out, script_resp);  // the value
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "set");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          ++count;
        }
        out.Set(count);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          WriteReply(L, out, uncounted_out, script_resp);
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      // An array: up to the first nil.
      size_t count = 0;
      while (true) {
        lua_rawgeti(L, -1, static_cast<int>(count + 1));
        bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++count;
      }
      out.Array(count);
      for (size_t i = 1; i <= count; ++i) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        WriteReply(L, out, uncounted_out, script_resp);
      }
      break;
    }
    default:
      out.Null();
      break;
  }
  lua_pop(L, 1);
}

// ---- the redis.* API ----

// redis.call / redis.pcall
int RedisGenericCall(lua_State* L, bool raise) {
  RunContext* run = Running(L);
  if (run == nullptr) {
    PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    return lua_error(L);
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  // The arguments stay on the Lua stack while the command runs, so strings
  // are passed without copies; numbers are formatted into one reused buffer.
  // Reused per thread: a command run from a script never runs a script.
  thread_local std::vector<std::string_view> argv;
  thread_local std::string numbers;
  thread_local std::vector<std::pair<int, size_t>> number_at;  // (argument, offset in numbers)
  thread_local std::string reply;
  argv.assign(static_cast<size_t>(argc), std::string_view());
  numbers.clear();
  number_at.clear();
  for (int j = 0; j < argc; ++j) {
    if (lua_type(L, j + 1) == LUA_TNUMBER) {
      // Not lua_tolstring: its format loses precision.
      char buf[64];
      int n = std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, j + 1)));
      number_at.emplace_back(j, numbers.size());
      numbers.append(buf, static_cast<size_t>(n));
      argv[static_cast<size_t>(j)] = std::string_view(nullptr, static_cast<size_t>(n));
      continue;
    }
    size_t len = 0;
    const char* s = lua_type(L, j + 1) == LUA_TSTRING ? lua_tolstring(L, j + 1, &len) : nullptr;
    if (s == nullptr) {
      lua_pop(L, argc);
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return raise ? lua_error(L) : 1;
    }
    argv[static_cast<size_t>(j)] = std::string_view(s, len);
  }
  for (const auto& [j, offset] : number_at) {
    argv[static_cast<size_t>(j)] =
        std::string_view(numbers).substr(offset, argv[static_cast<size_t>(j)].size());
  }
  reply.clear();
  run->host->Call(argv, run->resp, &reply);
  lua_pop(L, argc);
  if (reply.empty()) reply = "$-1\r\n";
  PushResp(L, reply.c_str());
  if (raise && reply[0] == '-') return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) { return RedisGenericCall(L, true); }
int RedisPcall(lua_State* L) { return RedisGenericCall(L, false); }

// The global pcall: a Redis error table caught becomes its message (Redis 7's
// luaRedisPcall, for scripts written for the string errors of older versions).
int GlobalPcall(lua_State* L) {
  int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int RedisSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "wrong number of arguments");
    return lua_error(L);
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(s == nullptr ? std::string_view() : std::string_view(s, len));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  std::string_view text = lua_tostring(L, -1);
  PushErrorTable(L, text[0] == '-' ? std::string(text) : StrCat("-", text));
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int RedisSetRepl(lua_State* L) {
  RunContext* run = Running(L);
  if (run == nullptr) {
    PushErrorTable(L, "redis.set_repl can only be called inside a script invocation");
    return lua_error(L);
  }
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~(kReplAof | kReplReplica)) != 0) {
    PushErrorTable(L,
                   "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  run->host->SetRepl(flags);
  return 0;
}

int RedisSetResp(lua_State* L) {
  RunContext* run = Running(L);
  if (run == nullptr) {
    PushErrorTable(L, "redis.setresp can only be called inside a script invocation");
    return lua_error(L);
  }
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "redis.setresp() requires one argument.");
    return lua_error(L);
  }
  int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) {
    PushErrorTable(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  run->resp = resp;
  return 0;
}

int RedisLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) {
    PushErrorTable(L, "redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, -argc)) {
    PushErrorTable(L, "First argument must be a number (log level).");
    return lua_error(L);
  }
  int level = static_cast<int>(lua_tonumber(L, -argc));
  if (level < 0 || level > 3) {
    PushErrorTable(L, "Invalid debug level.");
    return lua_error(L);
  }
  auto log_level = static_cast<LogLevel>(level);
  if (!LogEnabled(log_level)) return 0;
  std::string line;
  for (int j = 1; j < argc; ++j) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -argc + j, &len);
    if (s != nullptr) {
      if (j != 1) line += ' ';
      line.append(s, len);
    }
  }
  LogLine(log_level, line);
  return 0;
}

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);  // Redis 7 always replicates a script's effects
  return 1;
}

int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugging session
  return 1;
}

int RedisDebug(lua_State*) { return 0; }

// Redis's rand48 (math.random gives the same sequence for a seed on every platform).
uint64_t rand48_state = 0x1234ABCD330EULL;

int32_t Lrand48() {
  rand48_state = (rand48_state * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(rand48_state >> 17);
}

void Srand48(int32_t seed) {
  auto value = static_cast<uint32_t>(seed);
  rand48_state = (static_cast<uint64_t>(value >> 16) << 32) |
                 (static_cast<uint64_t>(value & 0xFFFF) << 16) | 0x330E;
}

int MathRandom(lua_State* L) {
  constexpr int32_t kMax = 0x7FFFFFFF;
  lua_Number r = static_cast<lua_Number>(Lrand48() % kMax) / static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  Srand48(luaL_checkint(L, 1));
  return 0;
}

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// The flags of a register_function flags table (Redis's names, any case).
bool ReadFunctionFlags(lua_State* L, uint32_t* flags) {
  *flags = 0;
  for (int j = 1;; ++j) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return true;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    std::string_view flag = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (EqualsIgnoreCase(flag, "no-writes")) {
      *flags |= kScriptNoWrites;
    } else if (EqualsIgnoreCase(flag, "allow-oom")) {
      *flags |= kScriptAllowOom;
    } else if (EqualsIgnoreCase(flag, "allow-stale")) {
      *flags |= kScriptAllowStale;
    } else if (EqualsIgnoreCase(flag, "no-cluster")) {
      *flags |= kScriptNoCluster;
    } else if (EqualsIgnoreCase(flag, "allow-cross-slot-keys")) {
      *flags |= kScriptAllowCrossSlot;
    } else {
      return false;
    }
  }
}

int RegisterFunctionError(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

// redis.register_function(name, callback) or redis.register_function{
// function_name=, callback=, flags=, description=}, during FUNCTION LOAD.
int RegisterFunction(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadKey);
  auto* load = static_cast<LoadContext*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (load == nullptr) {
    return RegisterFunctionError(
        L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) {
    return RegisterFunctionError(L, "wrong number of arguments to redis.register_function");
  }
  LuaEngine::RegisteredFunction fn;
  bool has_name = false, has_callback = false;
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return RegisterFunctionError(
          L,
          "calling redis.register_function with a single argument is only applicable to Lua "
          "table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2)) {
        return RegisterFunctionError(
            L, "named argument key given to redis.register_function is not a string");
      }
      std::string_view key = lua_tostring(L, -2);
      if (EqualsIgnoreCase(key, "function_name")) {
        if (!lua_isstring(L, -1)) {
          return RegisterFunctionError(
              L, "function_name argument given to redis.register_function must be a string");
        }
        size_t len = 0;
        const char* name = lua_tolstring(L, -1, &len);
        fn.name.assign(name, len);  // a NUL inside is kept: the name check refuses it
        has_name = true;
      } else if (EqualsIgnoreCase(key, "description")) {
        if (!lua_isstring(L, -1)) {
          return RegisterFunctionError(
              L, "description argument given to redis.register_function must be a string");
        }
        fn.description = lua_tostring(L, -1);
        fn.has_description = true;
      } else if (EqualsIgnoreCase(key, "callback")) {
        if (!lua_isfunction(L, -1)) {
          return RegisterFunctionError(
              L, "callback argument given to redis.register_function must be a function");
        }
        if (has_callback) luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
        lua_pushvalue(L, -1);
        fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);
        has_callback = true;
      } else if (EqualsIgnoreCase(key, "flags")) {
        if (!lua_istable(L, -1)) {
          return RegisterFunctionError(L,
                                       "flags argument to redis.register_function must be a "
                                       "table representing function flags");
        }
        if (!ReadFunctionFlags(L, &fn.flags)) {
          return RegisterFunctionError(L, "unknown flag given");
        }
      } else {
        return RegisterFunctionError(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!has_name) {
      return RegisterFunctionError(L, "redis.register_function must get a function name argument");
    }
    if (!has_callback) {
      return RegisterFunctionError(L, "redis.register_function must get a callback argument");
    }
  } else {
    if (!lua_isstring(L, 1)) {
      return RegisterFunctionError(L, "first argument to redis.register_function must be a string");
    }
    if (!lua_isfunction(L, 2)) {
      return RegisterFunctionError(L,
                                   "second argument to redis.register_function must be a function");
    }
    size_t len = 0;
    const char* name = lua_tolstring(L, 1, &len);
    fn.name.assign(name, len);
    lua_pushvalue(L, 2);
    fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if (!ValidFunctionName(fn.name)) {
    luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
    return RegisterFunctionError(L,
                                 "Library names can only contain letters, numbers, or "
                                 "underscores(_) and must be at least one character long");
  }
  for (const auto& other : *load->functions) {
    if (other.name == fn.name) {
      luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
      return RegisterFunctionError(L, "Function already exists in the library");
    }
  }
  load->functions->push_back(std::move(fn));
  return 0;
}

// Every 100,000 instructions: the host may answer other clients meanwhile
// and may ask for the script to stop. Once stopped, the hook fires on every
// line, so a pcall in the script cannot catch it for long (as Redis).
void InterruptHook(lua_State* L, lua_Debug*) {
  RunContext* run = Running(L);
  if (run == nullptr || !run->host->Interrupt()) return;
  lua_sethook(L, InterruptHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// FUNCTION LOAD gives a library's code 500 ms to register its functions (Redis's LOAD_TIMEOUT_MS).
void LoadTimeoutHook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadKey);
  auto* load = static_cast<LoadContext*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (load != nullptr && load->deadline_ns != 0 && MonotonicNs() > load->deadline_ns) {
    PushErrorTable(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
}

void SetFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

// Redis's error handler for EVAL: the error as a table, with the source and
// line of the script code that raised it (the caller of a C function).
constexpr std::string_view kErrorHandler = R"(
local dbg = debug
function __redis__err__handler(err)
  local i = dbg.getinfo(2,'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3,'nSl')
  end
  -- (valkdb) past the sandbox's own functions, to the script's line
  local level = 3
  while i and i.source == '@sandbox' do
    level = level + 1
    i = dbg.getinfo(level,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
)";

// Stock Lua 5.1 has no read-only tables (Redis patches its Lua for them), so
// scripts see proxies: the globals and each library table are empty tables
// whose metatable reads through to the real one, raises Redis's error for a
// global that does not exist, and refuses every write. rawset, setmetatable,
// getmetatable and getfenv are wrapped so they cannot reach past a proxy,
// and loadstring/load refuse Lua bytecode (Redis's Lua cannot load it either).
// Runs with the real globals as its argument; returns the proxy of them.
constexpr std::string_view kSandbox = R"(
local G = ...
local rawget, rawset, setmetatable, getmetatable, getfenv = rawget, rawset, setmetatable, getmetatable, getfenv
local error, type, tostring, loadstring, load = error, type, tostring, loadstring, load
local concat = table.concat
local real = setmetatable({}, {__mode = 'k'})
local proxies = setmetatable({}, {__mode = 'k'})
local function readonly() error('Attempt to modify a readonly table', 2) end
local function protect(t, strict)
  if proxies[t] then return proxies[t] end
  local p = {}
  local index = t
  if strict then
    index = function(_, k)
      local v = t[k]
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end
  end
  setmetatable(p, {__index = index, __newindex = readonly, __metatable = false})
  real[p] = t
  proxies[t] = p
  return p
end
-- The table global reads go to: the real globals, or while FUNCTION LOAD
-- runs a library's code, the loading API (only `redis.register_function`...).
local current = G
local function strict_index(_, k)
  local v = current[k]
  if v == nil then
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end
  return v
end
local proxyG = {}
setmetatable(proxyG, {__index = strict_index, __newindex = readonly, __metatable = false})
real[proxyG] = G
proxies[G] = proxyG
-- As Redis's C functions raise it: without a position.
local function readonly_c() error('Attempt to modify a readonly table', 0) end
G.rawset = function(t, k, v)
  if real[t] then readonly_c() end
  return rawset(t, k, v)
end
G.rawget = function(t, k)
  if real[t] then return rawget(real[t], k) end
  return rawget(t, k)
end
G.setmetatable = function(t, mt)
  if real[t] then readonly_c() end
  return setmetatable(t, mt)
end
G.getmetatable = function(t)
  if real[t] then return protect(getmetatable(real[t]) or {}, false) end
  if type(t) == 'string' then return protect(getmetatable(t), false) end
  return getmetatable(t)
end
G.getfenv = function(f)
  if f == nil then f = 1 end
  if type(f) == 'number' and f > 0 then f = f + 1 end
  local env = getfenv(f)
  if env == G then return proxyG end
  return env
end
local function nobinary(s)
  return type(s) == 'string' and s:byte(1) == 27
end
G.loadstring = function(s, name)
  if nobinary(s) then return nil, 'binary code loading is not allowed' end
  return loadstring(s, name)
end
G.load = function(f, name)
  local parts = {}
  while true do
    local piece = f()
    if piece == nil or piece == '' then break end
    parts[#parts + 1] = piece
  end
  return G.loadstring(concat(parts), name)
end
-- Not in redis-server 7.0.15's (Debian's) script globals.
G.getfenv, G.setfenv, G.newproxy = nil, nil, nil
for k, v in next, G do
  if type(v) == 'table' and v ~= G then G[k] = protect(v, false) end
end
G._G = proxyG
-- 'x':upper() and getmetatable('').__index reach the same read-only string
-- table that the global `string` is.
getmetatable('').__index = G.string
local function set_current(t) current = t or G end
return proxyG, set_current, protect
)";

void RunChunk(lua_State* L, std::string_view code, const char* name, int nargs, int nresults) {
  if (luaL_loadbuffer(L, code.data(), code.size(), name) != 0) {
    LogLine(LogLevel::kWarning, StrCat("Lua set-up failed: ", lua_tostring(L, -1)));
    std::abort();
  }
  if (nargs > 0) lua_insert(L, -(nargs + 1));
  if (lua_pcall(L, nargs, nresults, 0) != 0) {
    LogLine(LogLevel::kWarning, StrCat("Lua set-up failed: ", lua_tostring(L, -1)));
    std::abort();
  }
}

// Opens a library; one that returns its table without setting a global
// (Debian's cjson) gets it set too.
void LoadLib(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != '\0' && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

}  // namespace

std::string Sha1Hex(std::string_view bytes) {
  Digest digest = Sha1(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(40, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                        std::string* error) {
  *flags = kScriptEvalCompat;
  *shebang_len = 0;
  if (!body.starts_with("#!")) return true;
  size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    *error = "Invalid script shebang";
    return false;
  }
  // Split as Redis's sdssplitargs, as a function library's first line is.
  std::string storage;
  std::vector<std::string_view> parts;
  if (!SplitArgs(body.substr(0, end), &storage, &parts) || parts.empty()) {
    *error = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *error = StrCat("Unexpected engine in script shebang: ", parts[0]);
    return false;
  }
  *flags &= ~kScriptEvalCompat;
  for (size_t j = 1; j < parts.size(); ++j) {
    if (!parts[j].starts_with("flags=")) {
      *error = StrCat("Unknown lua shebang option: ", parts[j]);
      return false;
    }
    std::string_view list = parts[j].substr(6);
    if (list.empty()) continue;
    for (std::string_view flag : Split(list, ',', false)) {
      if (flag == "no-writes") {
        *flags |= kScriptNoWrites;
      } else if (flag == "allow-oom") {
        *flags |= kScriptAllowOom;
      } else if (flag == "allow-stale") {
        *flags |= kScriptAllowStale;
      } else if (flag == "no-cluster") {
        *flags |= kScriptNoCluster;
      } else if (flag == "allow-cross-slot-keys") {
        *flags |= kScriptAllowCrossSlot;
      } else {
        *error = StrCat("Unexpected flag in script shebang: ", flag);
        return false;
      }
    }
  }
  *shebang_len = end;
  return true;
}

namespace {

// redis.log, its levels and the version: in the scripting API and in the
// API a function library's code sees while FUNCTION LOAD runs it.
void SetLogAndVersion(lua_State* L) {
  SetFunction(L, "log", RedisLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushlstring(L, kRedisVersion.data(), kRedisVersion.size());
  lua_setfield(L, -2, "REDIS_VERSION");
}

}  // namespace

namespace {

// As luaL_newstate's: an error outside any protected call ends the process.
int LuaPanic(lua_State* L) {
  const char* message = lua_tostring(L, -1);
  LogLine(LogLevel::kWarning, StrCat("Lua panic: ", message != nullptr ? message : "(no message)"));
  return 0;
}

}  // namespace

LuaEngine::LuaEngine(bool functions)
    : allocator_(std::make_unique<LuaAllocator>()),
      lua_(lua_newstate(&LuaAllocator::Alloc, allocator_.get())) {
  lua_State* L = lua_;
  lua_atpanic(L, &LuaPanic);
  LoadLib(L, "", luaopen_base);
  LoadLib(L, LUA_TABLIBNAME, luaopen_table);
  LoadLib(L, LUA_STRLIBNAME, luaopen_string);
  LoadLib(L, LUA_MATHLIBNAME, luaopen_math);
  LoadLib(L, LUA_DBLIBNAME, luaopen_debug);
  LoadLib(L, "cjson", luaopen_cjson);
  LoadLib(L, "bit", luaopen_bit);
  // Not in Redis's sandbox.
  for (const char* name : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }

  lua_pushcfunction(L, GlobalPcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFunction(L, "call", RedisCall);
  SetFunction(L, "pcall", RedisPcall);
  SetLogAndVersion(L);
  SetFunction(L, "setresp", RedisSetResp);
  SetFunction(L, "sha1hex", RedisSha1hex);
  SetFunction(L, "error_reply", RedisErrorReply);
  SetFunction(L, "status_reply", RedisStatusReply);
  SetFunction(L, "set_repl", RedisSetRepl);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", kReplAof);
  SetNumber(L, "REPL_SLAVE", kReplReplica);
  SetNumber(L, "REPL_REPLICA", kReplReplica);
  SetNumber(L, "REPL_ALL", kReplAof | kReplReplica);
  SetFunction(L, "replicate_commands", RedisReplicateCommands);
  SetFunction(L, "breakpoint", RedisBreakpoint);
  SetFunction(L, "debug", RedisDebug);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  SetFunction(L, "random", MathRandom);
  SetFunction(L, "randomseed", MathRandomseed);
  lua_pop(L, 1);

  RunChunk(L, kErrorHandler, "@err_handler_def", 0, 0);
  lua_pushnil(L);
  lua_setglobal(L, "debug");

  // Scripts compiled from now on see the proxy as their globals.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  RunChunk(L, kSandbox, "@sandbox", 1, 3);  // proxy, set_current, protect
  if (functions) {
    // What a library's code sees while FUNCTION LOAD runs it: only `redis`,
    // with register_function, log and the version.
    lua_newtable(L);       // the loading API's globals
    lua_pushvalue(L, -2);  // protect
    lua_newtable(L);
    SetFunction(L, "register_function", RegisterFunction);
    SetLogAndVersion(L);
    lua_pushboolean(L, 1);
    lua_call(L, 2, 1);  // protect(redis, strict)
    lua_setfield(L, -2, "redis");
    lua_setfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  }
  lua_pop(L, 1);  // protect
  lua_setfield(L, LUA_REGISTRYINDEX, kSetCurrentKey);
  lua_replace(L, LUA_GLOBALSINDEX);

  static bool seeded = false;
  if (!seeded) {
    seeded = true;
    Srand48(static_cast<int32_t>(std::random_device{}()));
  }
}

LuaEngine::~LuaEngine() { lua_close(lua_); }

namespace {

// A script's key in the registry, "f_" and its SHA1, as a C string. Built on
// the stack for a SHA1's 40 characters: EVALSHA asks for it several times.
class ScriptRegistryName {
 public:
  explicit ScriptRegistryName(std::string_view sha) {
    if (sha.size() + 3 <= sizeof(inline_)) {
      std::memcpy(inline_, "f_", 2);
      std::memcpy(inline_ + 2, sha.data(), sha.size());
      inline_[2 + sha.size()] = '\0';
      c_str_ = inline_;
    } else {
      heap_ = StrCat("f_", sha);
      c_str_ = heap_.c_str();
    }
  }
  ScriptRegistryName(const ScriptRegistryName&) = delete;
  ScriptRegistryName& operator=(const ScriptRegistryName&) = delete;
  const char* c_str() const { return c_str_; }

 private:
  char inline_[48];
  std::string heap_;
  const char* c_str_;
};

}  // namespace

bool LuaEngine::Has(std::string_view sha) const {
  const ScriptRegistryName name(sha);
  lua_getfield(lua_, LUA_REGISTRYINDEX, name.c_str());
  bool found = !lua_isnil(lua_, -1);
  lua_pop(lua_, 1);
  return found;
}

bool LuaEngine::Compile(std::string_view sha, std::string_view body, size_t shebang_len,
                        std::string* error) {
  std::string_view code = body.substr(shebang_len);
  if (!code.empty() && code[0] == LUA_SIGNATURE[0]) {
    *error = "Error compiling script (new function): user_script: binary code is not allowed";
    return false;
  }
  if (luaL_loadbuffer(lua_, code.data(), code.size(), "@user_script") != 0) {
    *error = StrCat("Error compiling script (new function): ", lua_tostring(lua_, -1));
    lua_pop(lua_, 1);
    return false;
  }
  const ScriptRegistryName name(sha);
  lua_setfield(lua_, LUA_REGISTRYINDEX, name.c_str());
  return true;
}

namespace {
void SetGlobalArray(lua_State* L, const char* name, absl::Span<const std::string_view> items) {
  // Into the real globals (behind the proxy), where scripts read them.
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_newtable(L);
  for (size_t j = 0; j < items.size(); ++j) {
    lua_pushlstring(L, items[j].data(), items[j].size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}
}  // namespace

void LuaEngine::Run(std::string_view sha, absl::Span<const std::string_view> keys,
                    absl::Span<const std::string_view> args, ScriptHost& host, RespWriter& out,
                    RespWriter& uncounted_out) {
  lua_State* L = lua_;
  SetGlobalArray(L, "KEYS", keys);
  SetGlobalArray(L, "ARGV", args);
  lua_getglobal(L, "__redis__err__handler");
  const ScriptRegistryName name(sha);
  lua_getfield(L, LUA_REGISTRYINDEX, name.c_str());
  Invoke(0, sha, host, out, uncounted_out);
}

namespace {
void PushArray(lua_State* L, absl::Span<const std::string_view> items) {
  lua_newtable(L);
  for (size_t j = 0; j < items.size(); ++j) {
    lua_pushlstring(L, items[j].data(), items[j].size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
}
}  // namespace

void LuaEngine::CallFunction(int ref, std::string_view name,
                             absl::Span<const std::string_view> keys,
                             absl::Span<const std::string_view> args, ScriptHost& host,
                             RespWriter& out, RespWriter& uncounted_out) {
  lua_State* L = lua_;
  lua_getglobal(L, "__redis__err__handler");
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  PushArray(L, keys);
  PushArray(L, args);
  Invoke(2, name, host, out, uncounted_out);
}

void LuaEngine::Invoke(int nargs, std::string_view name, ScriptHost& host, RespWriter& out,
                       RespWriter& uncounted_out) {
  lua_State* L = lua_;
  RunContext run{&host, 2};
  lua_pushlightuserdata(L, &run);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunKey);

  lua_sethook(L, InterruptHook, LUA_MASKCOUNT, 100000);
  int err = lua_pcall(L, nargs, 1, -(nargs + 2));
  lua_sethook(L, nullptr, 0, 0);

  // A GC step now and then, as Redis, rather than a full cycle at a bad time.
  if (++runs_ % 50 == 0) lua_gc(L, LUA_GCSTEP, 50);

  if (err != 0) {
    if (!lua_istable(L, -1)) {
      const char* message = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      out.Error(
          StrCat("Error running script ", name, ", ", std::string_view(message).substr(0, 100)));
    } else {
      std::string_view text;
      if (!StringField(L, -1, "err", &text)) text = "";
      std::string message = StrCat("-", text);
      lua_getfield(L, -1, "line");
      lua_getfield(L, -2, "source");
      if (lua_isstring(L, -1) && lua_isstring(L, -2)) {
        StrAppend(&message, " script: ", name, ", on ", std::string_view(lua_tostring(L, -1)), ":",
                  std::string_view(lua_tostring(L, -2)), ".");
      }
      lua_pop(L, 2);
      lua_getfield(L, -1, "ignore_error_stats_update");
      bool counted = lua_toboolean(L, -1);
      lua_pop(L, 1);
      (counted ? uncounted_out : out).Error(message);
    }
    lua_pop(L, 1);
  } else {
    WriteReply(L, out, uncounted_out, run.resp);
  }
  lua_pop(L, 1);  // the error handler

  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunKey);
}

bool LuaEngine::LoadLibrary(std::string_view code, std::vector<RegisteredFunction>* functions,
                            std::string* error, bool time_limit) {
  lua_State* L = lua_;
  if (!code.empty() && code[0] == LUA_SIGNATURE[0]) {
    *error = "Error compiling function: user_function: binary code is not allowed";
    return false;
  }
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function") != 0) {
    *error = StrCat("Error compiling function: ", std::string_view(lua_tostring(L, -1)));
    lua_pop(L, 1);
    return false;
  }
  // Global reads go to the loading API while the code runs.
  lua_getfield(L, LUA_REGISTRYINDEX, kSetCurrentKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  lua_call(L, 1, 0);
  LoadContext load{functions, time_limit ? MonotonicNs() + 500'000'000 : 0};
  lua_pushlightuserdata(L, &load);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadKey);
  lua_sethook(L, LoadTimeoutHook, LUA_MASKCOUNT, 100000);
  bool ok = lua_pcall(L, 0, 0, 0) == 0;
  if (!ok) {
    // Redis's luaExtractErrorInformation: a table's err, or ERR and the string.
    std::string message;
    if (lua_istable(L, -1)) {
      std::string_view text;
      if (StringField(L, -1, "err", &text)) message = std::string(text);
    } else if (lua_isstring(L, -1)) {
      message = StrCat("ERR ", std::string_view(lua_tostring(L, -1)));
    }
    *error = StrCat("Error registering functions: ", message);
    lua_pop(L, 1);
    for (const RegisteredFunction& fn : *functions) luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
    functions->clear();
  }
  lua_sethook(L, nullptr, 0, 0);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kSetCurrentKey);
  lua_call(L, 0, 0);
  return ok;
}

int64_t LuaEngine::MemoryBytes() const {
  return static_cast<int64_t>(lua_gc(lua_, LUA_GCCOUNT, 0)) * 1024;
}

}  // namespace valkdb
