#!/usr/bin/env bash
# Checks the Debian package end to end on this machine, as root: builds it
# (scripts/package.sh), verifies the systemd unit, installs it with dpkg -i,
# starts valkdb-server the way the unit does (as the valkdb user, with the
# unit's ExecStart and a NOTIFY_SOCKET that must receive READY=1), asks it with
# redis-cli, stops it with SIGTERM (the pid file must go), and purges the
# package (the user, /etc/valkdb and /var/lib/valkdb must go).
# systemctl needs a running systemd, which a container usually lacks; where it
# runs, `systemctl start valkdb-server` does the same as step 3.
# Not part of .ci/run: it installs into the system. Uses port 6379 (the
# packaged valkdb.conf's); fails if something already listens there.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "package_check: run as root" >&2; exit 2; }
if ss -ltn | grep -q ':6379 '; then echo "package_check: port 6379 is busy" >&2; exit 2; fi

deb=$(scripts/package.sh | tail -n1)
unit=/usr/lib/systemd/system/valkdb-server.service
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "package_check: $*"; }

step "installing $deb"
dpkg -i "$deb"
systemd-analyze verify "$unit"
id valkdb
test "$(stat -c %U /var/lib/valkdb)" = valkdb

step "starting as the unit does"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
mkdir -p /run/valkdb && chown valkdb:valkdb /run/valkdb && chmod 2755 /run/valkdb
python3 - "$work/notify.sock" >"$work/notify.out" 2>&1 <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.settimeout(60)
while "READY=1" not in (msg := s.recv(4096).decode()):
    pass
print("READY=1")
EOF
notify_pid=$!
for _ in $(seq 50); do [[ -S $work/notify.sock ]] && break; sleep 0.1; done
chmod 755 "$work"
# shellcheck disable=SC2086  # ExecStart is split into words as systemd does
(cd / && exec setpriv --reuid=valkdb --regid=valkdb --init-groups \
  env NOTIFY_SOCKET="$work/notify.sock" $exec_start) &
server_pid=$!
wait "$notify_pid"
grep -q READY=1 "$work/notify.out"
test "$(redis-cli ping)" = PONG
test "$(redis-cli set package_check ok)" = OK
redis-cli save >/dev/null
test -s /var/lib/valkdb/dump.rdb
test "$(stat -c %U /var/lib/valkdb/dump.rdb)" = valkdb
grep -q "Ready to accept connections" /var/log/valkdb/valkdb-server.log
pidfile=/run/valkdb/valkdb-server.pid
test "$(cat $pidfile)" = "$(pgrep -u valkdb -x valkdb-server)"

step "stopping with SIGTERM"
kill -TERM "$(cat $pidfile)"
wait "$server_pid" || true
server_pid=""
test ! -e "$pidfile"

step "purging"
dpkg --purge valkdb
if id valkdb >/dev/null 2>&1; then echo "package_check: user valkdb left" >&2; exit 1; fi
test ! -e /etc/valkdb && test ! -e /var/lib/valkdb && test ! -e /usr/bin/valkdb-server
step "ok"
