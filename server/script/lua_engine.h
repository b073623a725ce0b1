#pragma once

// The Lua side of scripting (EVAL): one Lua 5.1 interpreter per thread, set up
// as Redis sets up its own (the redis.* API, cjson and bit, Redis's
// math.random, globals that scripts can read but not change), compiled
// scripts kept as f_<sha1>, and the conversions between Lua values and RESP
// that Redis makes. It knows nothing of commands: redis.call goes out
// through ScriptHost.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "protocol/resp_writer.h"
#include "server/script/lua_allocator.h"

struct lua_State;

namespace valkdb {

// Script flags, from a `#!lua flags=...` first line (Redis's SCRIPT_FLAG_*).
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1 << 0,
  kScriptAllowOom = 1 << 1,
  kScriptAllowStale = 1 << 2,
  kScriptNoCluster = 1 << 3,
  kScriptEvalCompat = 1 << 4,  // no shebang: Redis 6 rules
  kScriptAllowCrossSlot = 1 << 5,
};

// Parses the shebang (Redis's evalExtractShebangFlags): the flags, and how
// many bytes of `body` the shebang line takes (its newline is kept, so line
// numbers stay the user's). False with Redis's error text.
bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                        std::string* error);

// The 40 lower-case hex digits of SHA1(bytes).
std::string Sha1Hex(std::string_view bytes);

// What a running script reaches outside Lua.
class ScriptHost {
 public:
  // Runs a command for redis.call/pcall, replying in RESP `protocol` into
  // *reply (an error reply starts with '-').
  virtual void Call(absl::Span<const std::string_view> argv, int protocol, std::string* reply) = 0;
  // redis.set_repl: kReplAof | kReplReplica bits.
  virtual void SetRepl(int flags) = 0;
  // Called every 100,000 Lua instructions: true stops the script (SCRIPT KILL).
  virtual bool Interrupt() = 0;

 protected:
  ~ScriptHost() = default;
};

class LuaEngine {
 public:
  // A function a library registered (FUNCTION LOAD), its callback kept in
  // the registry under `ref`.
  struct RegisteredFunction {
    std::string name;
    std::string description;
    bool has_description = false;
    uint32_t flags = 0;
    int ref = -1;
  };

  // `functions`: an interpreter for FUNCTION libraries (Redis keeps one
  // apart from EVAL's), which can also run a library's loading code.
  explicit LuaEngine(bool functions = false);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  bool Has(std::string_view sha) const;
  // Compiles `body` (without its shebang line: pass shebang_len) as f_<sha>.
  // False with Redis's "Error compiling script ..." text.
  bool Compile(std::string_view sha, std::string_view body, size_t shebang_len, std::string* error);

  // Runs f_<sha> with KEYS and ARGV, writing its reply (or error) to `out`.
  // An error that a redis.call already counted goes to `uncounted_out`
  // instead (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE).
  void Run(std::string_view sha, absl::Span<const std::string_view> keys,
           absl::Span<const std::string_view> args, ScriptHost& host, RespWriter& out,
           RespWriter& uncounted_out);

  // Runs a library's code (without its shebang line) with the loading API;
  // the functions it registered, or Redis's error. time_limit: 500 ms, as
  // Redis gives FUNCTION LOAD (not when loading from a master or a file).
  bool LoadLibrary(std::string_view code, std::vector<RegisteredFunction>* functions,
                   std::string* error, bool time_limit);
  // Calls a registered function with its keys and args (FCALL); errors name it.
  void CallFunction(int ref, std::string_view name, absl::Span<const std::string_view> keys,
                    absl::Span<const std::string_view> args, ScriptHost& host, RespWriter& out,
                    RespWriter& uncounted_out);

  // Bytes the interpreter holds (INFO used_memory_lua).
  int64_t MemoryBytes() const;

 private:
  // Calls the function below its `nargs` arguments (an error handler below it).
  void Invoke(int nargs, std::string_view name, ScriptHost& host, RespWriter& out,
              RespWriter& uncounted_out);

  std::unique_ptr<LuaAllocator> allocator_;  // before lua_: it outlives the interpreter
  lua_State* lua_;
  int64_t runs_ = 0;
};

// redis.set_repl flags (Redis's PROPAGATE_AOF / PROPAGATE_REPL).
inline constexpr int kReplAof = 1;
inline constexpr int kReplReplica = 2;

}  // namespace valkdb
