#pragma once

// What a Redis-style server does around its event loops as a Unix process:
// daemonize, the pid file, and readiness notification to a supervisor
// (systemd's sd_notify protocol, upstart's SIGSTOP).

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace valkdb {

enum class Supervisor { kNone, kSystemd, kUpstart };

// Redis's redisIsSupervised: "systemd", "upstart", "auto" (systemd when
// $NOTIFY_SOCKET is set, upstart when $UPSTART_JOB is), anything else none.
// Logs, as Redis does, when a supervisor was asked for but is not there.
Supervisor DetectSupervisor(std::string_view mode);
std::string_view SupervisorName(Supervisor supervisor);  // "systemd", "upstart", "no"

// Forks into the background. Unlike Redis's daemonize, the parent waits until
// the child reports that it serves (DaemonReady), so an init script that runs
// `valkdb-server --daemonize yes` knows from the exit code whether the
// server started: 0 once it listens and the pid file is written, 1 if it
// failed first. The child gets a new session and /dev/null for stdin,
// stdout and stderr. Call before any thread is started.
void Daemonize();
// In the daemonized child: tells the waiting parent to exit 0 (no-op otherwise).
void DaemonReady();

// Writes "<pid>\n" to `path`; a failure is logged, not fatal (as Redis).
void WritePidFile(const std::string& path);
void RemovePidFile(const std::string& path);

// Sends a sd_notify(3) message ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET.
// Returns false (and logs) when it cannot.
bool NotifySystemd(std::string_view message);
// Tells the supervisor the server is ready: systemd READY=1, upstart SIGSTOP.
void NotifyReady(Supervisor supervisor);

// disable-thp yes: transparent huge pages off for this process (Redis's
// PR_SET_THP_DISABLE), so a fork-free snapshot never doubles memory either.
void DisableTransparentHugePages();

}  // namespace valkdb
