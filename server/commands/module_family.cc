// MODULE: valkdb is not Redis and loads no Redis modules. LIST answers
// that none is loaded; LOAD and LOADEX fail as Redis's do for a library
// that does not load, behind the same enable-module-command protection.
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/log/logger.h"

namespace valkdb {
namespace {

void CmdModuleHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MODULE",
            {"LIST", "    Return a list of loaded modules.", "LOAD <path> [<arg> ...]",
             "    Load a module library from <path>, passing to it any optional arguments.",
             "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
             "    Load a module library from <path>, while passing it module configurations and "
             "optional arguments.",
             "UNLOAD <name>", "    Unload a module."});
}

void CmdModuleList(CommandContext& ctx) { ctx.out.Array(0); }

// Dispatch refuses these unless enable-module-command allows them
// (kCmdProtected), as Redis's processCommand does.
void CmdModuleLoad(CommandContext& ctx) {
  Log(LogLevel::kWarning, "Module %s not loaded: valkdb does not load Redis modules", ctx.arg(2));
  ctx.out.Error(errors::kModuleLoadFailed);
}

void CmdModuleUnload(CommandContext& ctx) { ctx.out.Error(errors::kModuleUnloadNoSuchModule); }

}  // namespace

void RegisterModuleFamily(CommandTable* table) {
  // Arity, flags and the rest as Redis 7.0's COMMAND INFO / DOCS give them.
  std::vector<CommandSpec> module_subcommands = {
      {"module|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdModuleHelp, "server",
       "Show helpful text about the different subcommands", "5.0.0", "@slow", "", "O(1)"},
      {"module|list", 2, kCmdAdmin | kCmdNoScript, 0, 0, 0, CmdModuleList, "server",
       "List all modules loaded by the server", "4.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the number of loaded modules."},
      {"module|load", -3, kCmdAdmin | kCmdNoScript | kCmdProtected, 0, 0, 0, CmdModuleLoad,
       "server", "Load a module", "4.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"module|loadex", -3, kCmdAdmin | kCmdNoScript | kCmdProtected, 0, 0, 0, CmdModuleLoad,
       "server", "Load a module with extended parameters", "7.0.0", "@admin @slow @dangerous", "",
       "O(1)"},
      {"module|unload", 3, kCmdAdmin | kCmdNoScript | kCmdProtected, 0, 0, 0, CmdModuleUnload,
       "server", "Unload a module", "4.0.0", "@admin @slow @dangerous", "", "O(1)"},
  };
  table->Register({"module", -2, 0, 0, 0, 0, CmdContainer, "server",
                   "A container for module commands", "4.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(module_subcommands)});
}

}  // namespace valkdb
