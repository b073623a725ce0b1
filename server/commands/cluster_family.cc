// Redis Cluster's commands in a server that is not a cluster node: valkdb
// is what Redis is with cluster-enabled no. Clients probe with CLUSTER INFO
// or READONLY and take this error as "not a cluster"; COMMAND lists the
// commands with Redis's metadata, as Redis does.
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

void CmdClusterDisabled(CommandContext& ctx) { ctx.out.Error(errors::kClusterDisabled); }

}  // namespace

void RegisterClusterFamily(CommandTable* table) {
  // Arity, flags and the rest as Redis 7.0's COMMAND INFO / DOCS give them.
  std::vector<CommandSpec> cluster_subcommands = {
      {"cluster|addslots", -3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Assign new hash slots to receiving node", "3.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the total number of hash slot arguments"},
      {"cluster|addslotsrange", -4, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Assign new hash slots to receiving node", "7.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the total number of the slots between the start slot and end slot "
       "arguments."},
      {"cluster|bumpepoch", 2, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Advance the cluster config epoch", "3.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|count-failure-reports", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled,
       "cluster", "Return the number of failure reports active for a given node", "3.0.0",
       "@admin @slow @dangerous", "", "O(N) where N is the number of failure reports"},
      {"cluster|countkeysinslot", 3, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Return the number of local keys in the specified hash slot", "3.0.0", "@slow", "", "O(1)"},
      {"cluster|delslots", -3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Set hash slots as unbound in receiving node", "3.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the total number of hash slot arguments"},
      {"cluster|delslotsrange", -4, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Set hash slots as unbound in receiving node", "7.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the total number of the slots between the start slot and end slot "
       "arguments."},
      {"cluster|failover", -2, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Forces a replica to perform a manual failover of its master.", "3.0.0",
       "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|flushslots", 2, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Delete a node's own slots information", "3.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|forget", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Remove a node from the nodes table", "3.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|getkeysinslot", 4, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Return local key names in the specified hash slot", "3.0.0", "@slow", "",
       "O(log(N)) where N is the number of requested keys"},
      {"cluster|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Show helpful text about the different subcommands", "5.0.0", "@slow", "", "O(1)"},
      {"cluster|info", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Provides info about Redis Cluster node state", "3.0.0", "@slow", "", "O(1)"},
      {"cluster|keyslot", 3, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Returns the hash slot of the specified key", "3.0.0", "@slow", "",
       "O(N) where N is the number of bytes in the key"},
      {"cluster|links", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0", "@slow", "",
       "O(N) where N is the total number of Cluster nodes"},
      {"cluster|meet", -4, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Force a node cluster to handshake with another node", "3.0.0", "@admin @slow @dangerous",
       "", "O(1)"},
      {"cluster|myid", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster", "Return the node id",
       "3.0.0", "@slow", "", "O(1)"},
      {"cluster|nodes", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Get Cluster config for the node", "3.0.0", "@slow", "",
       "O(N) where N is the total number of Cluster nodes"},
      {"cluster|replicas", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "List replica nodes of the specified master node", "5.0.0", "@admin @slow @dangerous", "",
       "O(1)"},
      {"cluster|replicate", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Reconfigure a node as a replica of the specified master node", "3.0.0",
       "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|reset", -2, kCmdAdmin | kCmdNoScript | kCmdStale, 0, 0, 0, CmdClusterDisabled,
       "cluster", "Reset a Redis Cluster node", "3.0.0", "@admin @slow @dangerous", "",
       "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side "
       "effect."},
      {"cluster|saveconfig", 2, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Forces the node to save cluster state on disk", "3.0.0", "@admin @slow @dangerous", "",
       "O(1)"},
      {"cluster|set-config-epoch", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Set the configuration epoch in a new node", "3.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|setslot", -4, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Bind a hash slot to a specific node", "3.0.0", "@admin @slow @dangerous", "", "O(1)"},
      {"cluster|shards", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Get array of cluster slots to node mappings", "7.0.0", "@slow", "",
       "O(N) where N is the total number of cluster nodes"},
      {"cluster|slaves", 3, kCmdAdmin | kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "List replica nodes of the specified master node", "3.0.0", "@admin @slow @dangerous", "",
       "O(1)"},
      {"cluster|slots", 2, kCmdStale, 0, 0, 0, CmdClusterDisabled, "cluster",
       "Get array of Cluster slot to node mappings", "3.0.0", "@slow", "",
       "O(N) where N is the total number of Cluster nodes"},
  };
  table->Register({"cluster", -2, 0, 0, 0, 0, CmdContainer, "cluster",
                   "A container for cluster commands", "3.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(cluster_subcommands)});
  table->Register({"asking", 1, kCmdFast, 0, 0, 0, CmdClusterDisabled, "cluster",
                   "Sent by cluster clients after an -ASK redirect", "3.0.0", "@fast @connection",
                   "", "O(1)"});
  table->Register({"readonly", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdClusterDisabled,
                   "cluster", "Enables read queries for a connection to a cluster replica node",
                   "3.0.0", "@fast @connection", "", "O(1)"});
  table->Register({"readwrite", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdClusterDisabled,
                   "cluster", "Disables read queries for a connection to a cluster replica node",
                   "3.0.0", "@fast @connection", "", "O(1)"});
}

}  // namespace valkdb
