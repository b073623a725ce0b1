#pragma once

// What Redis's prepareForShutdown does before the server stops, for SHUTDOWN
// and for SIGTERM/SIGINT alike.

#include "server/commands/server_state.h"

namespace valkdb {

enum class ShutdownSave { kDefault, kSave, kNoSave };

// The AOF is written and fsynced; the final RDB is saved when asked (SAVE)
// or by default when save points are set (unless NOSAVE); a running BGSAVE
// is stopped so it cannot rename over dump.rdb afterwards. False when the
// save failed and `force` is not set: the server must stay up, as Redis's does.
bool PrepareForShutdown(ServerState& server, ShutdownSave save, bool force);

}  // namespace valkdb
