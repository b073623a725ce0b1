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
# The units run REDIS_SUITE_JOBS at a time (default 4: a unit spends most of
# its time waiting, not computing), each lane against a server of its own (its
# own port and --dir): a unit's FLUSHALL and CONFIG SET never reach another
# unit. A lane takes the next unit of the file when it finishes one, so the
# file lists the longest units first. Results print in the file's order.
#
#   scripts/redis_suite.sh [build dir]     (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SERVER="$BUILD/server/valkdb-server"
EXPECTED=tests/redis_suite_expected.txt
JOBS=${REDIS_SUITE_JOBS:-4}

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

logs=$(mktemp -d)
pids=()
lane_pids=()
cleanup() {
  for pid in "${lane_pids[@]}" "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Starts lane $1's server; sets `port` and appends its pid to `pids`.
start_server() {
  local lane=$1 port_file="$logs/port$1"
  mkdir -p "$logs/dir$lane"
  "$SERVER" --port 0 --bind 127.0.0.1 --dir "$logs/dir$lane" --enable-debug-command yes \
    --logfile "$logs/server$lane.log" >"$port_file" 2>>"$logs/server$lane.log" &
  pids+=($!)
  for _ in $(seq 100); do
    [[ -s "$port_file" ]] && break
    sleep 0.1
  done
  port=$(head -1 "$port_file")
  [[ -n "$port" ]] || {
    echo "redis_suite.sh: the server did not start" >&2
    cat "$logs/server$lane.log" >&2
    exit 1
  }
}

# The units, in the file's order: "unit minimum [deny...]".
mapfile -t units < <(grep -vE '^[[:space:]]*(#|$)' "$EXPECTED")
echo 0 >"$logs/next"

# Lane $1 (its server on port $2): runs the next unit not yet taken until
# none is left; the runner's line for unit i goes to $logs/result.i, its logs
# to $logs/lane$1. Each lane's test helper listens on ports of its own
# (--baseport): two helpers probing one range could both pick a port.
run_lane() {
  local lane=$1 port=$2 i unit minimum deny
  export LOG_DIR="$logs/lane$lane" EXTRA_ARGS="--baseport $((21111 + 1000 * lane))" STRICT=1
  mkdir -p "$LOG_DIR"
  while true; do
    i=$(flock "$logs/next" bash -c 'i=$(cat "$1"); echo $((i + 1)) >"$1"; echo "$i"' _ "$logs/next")
    ((i < ${#units[@]})) || return 0
    read -r unit minimum deny <<<"${units[$i]}"
    local start=$SECONDS
    if [[ -n "$deny" ]]; then
      DENY_TAGS="$deny" "$suite/run.sh" 127.0.0.1 "$port" "$unit" 2>>"$LOG_DIR/stderr" |
        grep "^$unit:" >"$logs/result.$i" || true
    else
      "$suite/run.sh" 127.0.0.1 "$port" "$unit" 2>>"$LOG_DIR/stderr" |
        grep "^$unit:" >"$logs/result.$i" || true
    fi
    echo $((SECONDS - start)) >"$logs/seconds.$i"
  done
}

for ((lane = 0; lane < JOBS; ++lane)); do
  start_server "$lane"
  run_lane "$lane" "$port" &
  lane_pids+=($!)
done
for pid in "${lane_pids[@]}"; do wait "$pid" || true; done
lane_pids=()

status=0
for i in "${!units[@]}"; do
  read -r unit minimum deny <<<"${units[$i]}"
  line=$(cat "$logs/result.$i" 2>/dev/null || true)
  passed=$(sed -n 's/^[^:]*: \([0-9]*\) passed.*/\1/p' <<<"$line")
  seconds=$(cat "$logs/seconds.$i" 2>/dev/null || echo "?")
  echo "${line:-$unit: no result} (at least $minimum must pass${deny:+; denied: $deny}; $seconds s)"
  if [[ -z "$passed" || "$passed" -lt "$minimum" ]]; then
    echo "redis_suite.sh: $unit passed ${passed:-none}, fewer than $minimum; failed tests:" >&2
    cat "$logs"/lane*/"${unit//\//_}.failed" 2>/dev/null | sed 's/^/  /' >&2 || true
    status=1
  fi
done
for ((lane = 0; lane < JOBS; ++lane)); do
  kill -0 "${pids[$lane]}" 2>/dev/null || {
    echo "redis_suite.sh: lane $lane's server died" >&2
    status=1
  }
done
exit "$status"
