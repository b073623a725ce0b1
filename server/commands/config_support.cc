#include "server/commands/config_support.h"

#include "protocol/str_util.h"

namespace valkdb {
namespace {

constexpr auto kNoEffect = SettingSupport::kWithoutEffect;
constexpr auto kRefuse = SettingSupport::kRefused;
constexpr auto kBuilding = SettingSupport::kFeatureInProgress;

constexpr std::string_view kNoDefrag = "valkdb does no active defragmentation";
constexpr std::string_view kLazyFree = "valkdb frees deleted values at once";

}  // namespace

const std::vector<SettingRule>& SettingRules() {
  static const auto* rules = new std::vector<SettingRule>{
      // Tuning of Redis's internals valkdb does not have: harmless without.
      {"hz", "10", kNoEffect, "valkdb's cron runs at a fixed 10 Hz"},
      {"dynamic-hz", "no", kNoEffect, "valkdb's cron runs at a fixed 10 Hz"},
      {"active-expire-effort", "1", kNoEffect, "active expiry runs at Redis's default effort"},
      {"activerehashing", "", kNoEffect, "valkdb's tables grow at once, with nothing to rehash"},
      {"jemalloc-bg-thread", "", kNoEffect, "valkdb does not use jemalloc"},
      {"activedefrag", "no", kNoEffect, kNoDefrag},
      {"active-defrag-ignore-bytes", "", kNoEffect, kNoDefrag},
      {"active-defrag-threshold-lower", "", kNoEffect, kNoDefrag},
      {"active-defrag-threshold-upper", "", kNoEffect, kNoDefrag},
      {"active-defrag-cycle-min", "", kNoEffect, kNoDefrag},
      {"active-defrag-cycle-max", "", kNoEffect, kNoDefrag},
      {"active-defrag-max-scan-fields", "", kNoEffect, kNoDefrag},
      {"lazyfree-lazy-expire", "no", kNoEffect, kLazyFree},
      {"lazyfree-lazy-server-del", "no", kNoEffect, kLazyFree},
      {"lazyfree-lazy-user-del", "no", kNoEffect, kLazyFree},
      {"lazyfree-lazy-user-flush", "no", kNoEffect, kLazyFree},
      {"io-threads", "1", kNoEffect, "valkdb's event loops are set with 'threads'"},
      {"io-threads-do-reads", "no", kNoEffect, "valkdb's event loops are set with 'threads'"},
      {"aof-rewrite-incremental-fsync", "no", kNoEffect,
       "a rewritten AOF file is fsynced once, when complete"},
      {"rdb-save-incremental-fsync", "no", kNoEffect, "an RDB file is fsynced once, when complete"},
      {"always-show-logo", "no", kNoEffect, "valkdb prints no logo"},
      {"set-proc-title", "no", kNoEffect, "the process title stays the command line"},
      {"proc-title-template", "", kNoEffect, "the process title stays the command line"},
      {"crash-log-enabled", "no", kNoEffect, "valkdb writes no crash report"},
      {"crash-memcheck-enabled", "no", kNoEffect, "valkdb writes no crash report"},
      {"acllog-max-len", "", kNoEffect, "valkdb has no ACLs yet"},
      {"enable-module-command", "no", kNoEffect, "valkdb has no modules"},
      {"oom-score-adj", "no", kNoEffect, "valkdb leaves its OOM score as it is"},
      {"oom-score-adj-values", "0 200 800", kNoEffect, "valkdb leaves its OOM score as it is"},
      {"sanitize-dump-payload", "yes", kNoEffect,
       "RESTORE always checks a payload deeply (as 'yes')"},
      // Replication, being built this round.
      {"rdb-del-sync-files", "no", kBuilding, "RDB files made for replicas are kept"},
      {"shutdown-timeout", "10", kBuilding, "it is how long shutdown waits for replicas"},
      // Never harmless: a memory limit, a mode, a security setting.
      {"maxmemory-clients", "0", kRefuse, "client eviction by memory is not implemented"},
      {"cluster-enabled", "no", kRefuse, "cluster mode is not supported"},
      {"enable-protected-configs", "no", kRefuse,
       "valkdb never lets CONFIG SET change protected settings (dir, dbfilename)"},
  };
  return *rules;
}

bool IsReplicationSetting(std::string_view name) {
  for (std::string_view exact : {"replicaof", "slaveof", "masterauth", "masteruser"}) {
    if (name == exact) return true;
  }
  for (std::string_view prefix : {"repl-", "replica-", "slave-", "min-replicas-", "min-slaves-"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

SettingVerdict JudgeSetting(std::string_view name, std::string_view value) {
  for (const SettingRule& rule : SettingRules()) {
    if (rule.name != name) continue;
    if (rule.honoured == "*") return {};
    for (std::string_view honoured : Split(rule.honoured, ' ')) {
      if (honoured == value) return {};
    }
    // A multi-word value ("0 200 800") is one honoured value.
    if (!rule.honoured.empty() && rule.honoured == value) return {};
    return {rule.otherwise, rule.reason};
  }
  // Replication's own settings are judged by replication (server/repl/).
  return {};
}

std::optional<std::string_view> RefusedDirective(std::string_view name) {
  if (name.starts_with("tls-")) return "TLS is not supported (put a TLS proxy in front)";
  if (name.starts_with("cluster-")) return "cluster mode is not supported";
  if (name.ends_with("_cpulist")) return "CPU affinity is not set (use taskset)";
  struct Refused {
    std::string_view name;
    std::string_view reason;
  };
  static constexpr Refused kRefused[] = {
      {"rename-command", "commands cannot be renamed or disabled"},
      {"user", "ACLs are not supported yet"},
      {"aclfile", "ACLs are not supported yet"},
      {"acl-pubsub-default", "ACLs are not supported yet"},
      {"loadmodule", "modules are not supported"},
      {"sentinel", "valkdb-server is not a Sentinel"},
      {"bind-source-addr", "outgoing connections use the system's source address"},
      {"socket-mark-id", "sockets are not marked"},
      {"propagation-error-behavior", "a command that fails while replayed stops the load"},
      {"aof-disable-auto-gc", "old AOF files are always removed after a rewrite"},
  };
  for (const Refused& refused : kRefused) {
    if (refused.name == name) return refused.reason;
  }
  return std::nullopt;
}

std::string DescribeVerdict(std::string_view name, std::string_view value,
                            const SettingVerdict& verdict) {
  std::string shown = value.empty() ? "\"\"" : std::string(value);
  switch (verdict.support) {
    case SettingSupport::kHonoured:
      return "";
    case SettingSupport::kFeatureInProgress:
      return StrCat("'", name, " ", shown, "' has no effect yet: ", verdict.reason);
    case SettingSupport::kWithoutEffect:
      return StrCat("'", name, " ", shown, "' has no effect in valkdb: ", verdict.reason);
    case SettingSupport::kRefused:
      return StrCat("valkdb cannot honour '", name, " ", shown, "': ", verdict.reason);
  }
  return "";
}

}  // namespace valkdb
