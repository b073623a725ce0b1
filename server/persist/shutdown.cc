#include "server/persist/shutdown.h"

#include <cstdio>

#include "server/log/logger.h"
#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"

namespace valkdb {

bool PrepareForShutdown(ServerState& server, ShutdownSave save, bool force) {
  if (server.aof != nullptr && server.aof->enabled()) server.aof->FlushAndSync();
  RdbPersistence* rdb = server.persistence;
  if (rdb == nullptr) return true;
  if (save == ShutdownSave::kSave ||
      (save == ShutdownSave::kDefault && !server.config->GetString("save").empty())) {
    Log(LogLevel::kWarning, "Saving the final RDB snapshot before exiting.");
    if (!rdb->CancelAndSave().ok()) {
      Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
      if (!force) return false;
    } else {
      Log(LogLevel::kNotice, "DB saved on disk");
    }
  }
  rdb->CancelBackgroundSave();
  return true;
}

}  // namespace valkdb
