#!/usr/bin/env bash
# Redis 7.0.15's own Tcl tests against the Release valkdb-server, in strict
# mode (OBJECT ENCODING assertions count), for the units whose families valkdb
# has. Each unit must pass at least the number of tests recorded in
# tests/redis_suite_expected.txt: raise a number when valkdb passes more, never
# lower one. The suite and its runner live outside the repository
# (REDIS_SUITE_DIR, default: the `shared/redis-suite` folder beside the
# checkout, or /work/shared/redis-suite); it is an error when they are missing.
# A line may name, after the minimum, the capability tags to deny for that
# unit instead of the runner's default list (for example to run the tests
# that need SAVE and DEBUG: the server here is a throwaway with DEBUG on).
#
#   scripts/redis_suite.sh [build dir]     (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SERVER="$BUILD/server/valkdb-server"
EXPECTED=tests/redis_suite_expected.txt

suite=""
for candidate in "${REDIS_SUITE_DIR:-}" "$PWD/../shared/redis-suite" /work/shared/redis-suite; do
  if [[ -n "$candidate" && -x "$candidate/run.sh" ]]; then
    suite=$candidate
    break
  fi
done
if [[ -z "$suite" ]]; then
  echo "redis_suite.sh: Redis's test suite runner not found (set REDIS_SUITE_DIR)" >&2
  exit 1
fi
[[ -x "$SERVER" ]] || { echo "redis_suite.sh: $SERVER not built" >&2; exit 1; }

port_file=$(mktemp)
logs=$(mktemp -d)
"$SERVER" --port 0 --bind 127.0.0.1 --dir "$logs" --enable-debug-command yes \
  --logfile "$logs/server.log" >"$port_file" 2>>"$logs/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do
  [[ -s "$port_file" ]] && break
  sleep 0.1
done
port=$(head -1 "$port_file")
[[ -n "$port" ]] || { echo "redis_suite.sh: the server did not start" >&2; cat "$logs/server.log" >&2; exit 1; }

status=0
while read -r unit minimum deny; do
  [[ -z "$unit" || "$unit" == \#* ]] && continue
  if [[ -n "$deny" ]]; then
    line=$(DENY_TAGS="$deny" STRICT=1 LOG_DIR="$logs" "$suite/run.sh" 127.0.0.1 "$port" "$unit" |
      grep "^$unit:" || true)
  else
    line=$(STRICT=1 LOG_DIR="$logs" "$suite/run.sh" 127.0.0.1 "$port" "$unit" | grep "^$unit:" || true)
  fi
  passed=$(sed -n 's/^[^:]*: \([0-9]*\) passed.*/\1/p' <<<"$line")
  echo "$line (at least $minimum must pass${deny:+; denied: $deny})"
  if [[ -z "$passed" || "$passed" -lt "$minimum" ]]; then
    echo "redis_suite.sh: $unit passed ${passed:-none}, fewer than $minimum; failed tests:" >&2
    sed 's/^/  /' "$logs/${unit//\//_}.failed" >&2 || true
    status=1
  fi
done <"$EXPECTED"
kill -0 "$pid" 2>/dev/null || { echo "redis_suite.sh: the server died" >&2; status=1; }
exit "$status"
