#pragma once

// "No silent settings": how valkdb treats each Redis setting, judged per value.
// A value valkdb cannot honour is refused (at start-up and by CONFIG SET),
// except for settings of a feature still being built (replication) and
// settings whose absence is harmless: those are accepted, kept for CONFIG GET,
// and logged as a WARNING. Never harmless: durability and memory limits.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace valkdb {

enum class SettingSupport {
  kHonoured,           // does what Redis does with this value
  kFeatureInProgress,  // accepted with a warning: the feature is being built (replication)
  kWithoutEffect,      // accepted with a warning: harmless to do without
  kRefused,            // valkdb cannot honour it: start-up and CONFIG SET refuse it
};

struct SettingVerdict {
  SettingSupport support = SettingSupport::kHonoured;
  std::string_view reason;  // why, for the log or the error
};

// One rule: `honoured` lists the values (canonical, as CONFIG GET shows them)
// valkdb honours, "*" for all; any other value gets `otherwise`.
struct SettingRule {
  std::string_view name;
  std::string_view honoured;  // space-separated; "" = no value has an effect
  SettingSupport otherwise;
  std::string_view reason;
};

// The rules for settings valkdb does not honour whatever their value; a
// setting not listed here is honoured for every value it accepts.
const std::vector<SettingRule>& SettingRules();

// The verdict for `name` (a parameter's name, not its alias) set to `value`.
SettingVerdict JudgeSetting(std::string_view name, std::string_view value);

// Redis's replication settings (replicaof, masterauth, repl-*, replica-*, ...):
// replication's own, judged there; one valkdb does not know yet is refused
// naming replication.
bool IsReplicationSetting(std::string_view name);

// A Redis 7.0 directive that valkdb refuses whatever its value, and why
// (tls-*, cluster-*, rename-command, loadmodule, ...); nullopt if not one.
std::optional<std::string_view> RefusedDirective(std::string_view name);

// The log line or error text for a value that is not honoured.
std::string DescribeVerdict(std::string_view name, std::string_view value,
                            const SettingVerdict& verdict);

}  // namespace valkdb
