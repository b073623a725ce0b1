#include "server/persist/shutdown.h"

#include <cstdio>

#include "server/persist/aof_persistence.h"
#include "server/persist/rdb_persistence.h"

namespace valkdb {

bool PrepareForShutdown(ServerState& server, ShutdownSave save, bool force) {
  if (server.aof != nullptr && server.aof->enabled()) server.aof->FlushAndSync();
  RdbPersistence* rdb = server.persistence;
  if (rdb == nullptr) return true;
  if (save == ShutdownSave::kSave ||
      (save == ShutdownSave::kDefault && !server.config->GetString("save").empty())) {
    std::fprintf(stderr, "valkdb: Saving the final RDB snapshot before exiting.\n");
    if (!rdb->CancelAndSave().ok()) {
      std::fprintf(stderr, "valkdb: Error trying to save the DB, can't exit.\n");
      if (!force) return false;
    } else {
      std::fprintf(stderr, "valkdb: DB saved on disk\n");
    }
  }
  rdb->CancelBackgroundSave();
  return true;
}

}  // namespace valkdb
