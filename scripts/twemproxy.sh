#!/usr/bin/env bash
# Sharding with twemproxy: nutcracker (Debian package `nutcracker`) in front of
# valkdb nodes. Clients talk to nutcracker as to one Redis; it hashes each key
# (murmur, ketama) to one node.
#
#   scripts/twemproxy.sh --nodes 3
#       starts 3 valkdb-server nodes (127.0.0.1:7001..7003, each with its own
#       directory under --dir) and nutcracker on 127.0.0.1:22121 in front of
#       them; Ctrl-C (or SIGTERM) stops nutcracker and the nodes.
#   scripts/twemproxy.sh 10.0.0.1:6379 10.0.0.2:6379 10.0.0.3:6379
#       nutcracker alone, in front of nodes that already run; the script
#       becomes nutcracker (exec), in the foreground.
#
# Options:
#   --nodes N           start N valkdb-server nodes (besides any HOST:PORT given)
#   --node-port P       the first started node's port (7001); the next ones follow
#   --listen ADDR:PORT  where nutcracker listens (127.0.0.1:22121)
#   --stats ADDR:PORT   nutcracker's stats port (127.0.0.1:22222)
#   --dir DIR           the generated nutcracker.yml, the logs and the
#                       nodes' directories (default: a new directory in /tmp)
#   --server PATH       valkdb-server (default build/server/valkdb-server,
#                       built with scripts/build.sh when missing)
#   --auth PASSWORD     the nodes' requirepass (nutcracker's redis_auth)
#   -- ARGS...          more arguments for every started node (--save '', ...)
#
# The pool's settings are those of deploy/nutcracker.yml (the example for a
# fixed deployment): a node is never ejected, since its keys would move to the
# others; hash tags {...} put related keys on one node.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

NODES=0
NODE_PORT=7001
LISTEN=127.0.0.1:22121
STATS=127.0.0.1:22222
DIR=""
SERVER=""
AUTH=""
BACKENDS=()
NODE_ARGS=()
while (($#)); do
  case "$1" in
    --nodes) NODES="$2"; shift ;;
    --node-port) NODE_PORT="$2"; shift ;;
    --listen) LISTEN="$2"; shift ;;
    --stats) STATS="$2"; shift ;;
    --dir) DIR="$2"; shift ;;
    --server) SERVER="$2"; shift ;;
    --auth) AUTH="$2"; shift ;;
    --) shift; NODE_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "twemproxy.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *:*) BACKENDS+=("$1") ;;
    *) echo "twemproxy.sh: '$1' is not HOST:PORT (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$NODES" =~ ^[0-9]+$ && "$NODE_PORT" =~ ^[0-9]+$ ]] ||
  { echo "twemproxy.sh: --nodes and --node-port take numbers" >&2; exit 2; }
if ((NODES == 0 && ${#BACKENDS[@]} == 0)); then
  echo "twemproxy.sh: no nodes: give --nodes N or HOST:PORT... (see --help)" >&2
  exit 2
fi

NUTCRACKER=$(command -v nutcracker || true)
[[ -n "$NUTCRACKER" ]] || NUTCRACKER=/usr/sbin/nutcracker
[[ -x "$NUTCRACKER" ]] ||
  { echo "twemproxy.sh: nutcracker not found: apt-get install -y nutcracker" >&2; exit 1; }

if [[ -z "$DIR" ]]; then DIR=$(mktemp -d /tmp/valkdb-twemproxy-XXXXXX); fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# PING over bash's /dev/tcp until +PONG (or -NOAUTH: the node is up), for at most $2 seconds.
wait_for_ping() {
  local host=${1%:*} port=${1##*:} deadline=$((SECONDS + $2)) reply
  while ((SECONDS < deadline)); do
    # (Braces: a redirection on `exec` itself would stay on for the whole script.)
    if { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
      # Multibulk: nutcracker takes no inline commands. ($4 is RESP, not bash.)
      # shellcheck disable=SC2016
      printf '*1\r\n$4\r\nPING\r\n' >&3
      reply=""
      read -r -t 2 reply <&3 || true
      exec 3<&- 3>&-
      [[ "$reply" == +PONG* || "$reply" == -NOAUTH* ]] && return 0
    fi
    sleep 0.1
  done
  return 1
}

PIDS=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

if ((NODES > 0)); then
  if [[ -z "$SERVER" ]]; then
    SERVER="$ROOT/build/server/valkdb-server"
    if [[ ! -x "$SERVER" ]]; then
      "$ROOT/scripts/build.sh" -DVALKDB_BUILD_TESTS=OFF -DVALKDB_BUILD_BENCH=OFF >&2
    fi
  fi
  trap stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for ((i = 0; i < NODES; ++i)); do
    port=$((NODE_PORT + i))
    mkdir -p "$DIR/node-$port"
    args=(--port "$port" --bind 127.0.0.1 --dir "$DIR/node-$port")
    [[ -n "$AUTH" ]] && args+=(--requirepass "$AUTH")
    # Each node in its own directory, so its dump.rdb stays there.
    (cd "$DIR/node-$port" && exec "$SERVER" "${args[@]}" "${NODE_ARGS[@]}") \
      >"$DIR/node-$port/valkdb.log" 2>&1 &
    PIDS+=($!)
    BACKENDS+=("127.0.0.1:$port")
  done
  for backend in "${BACKENDS[@]:${#BACKENDS[@]}-NODES}"; do
    wait_for_ping "$backend" 60 ||
      { echo "twemproxy.sh: node $backend did not answer PING; see $DIR/node-*/valkdb.log" >&2; exit 1; }
  done
fi

# The pool: deploy/nutcracker.yml's settings, with these nodes. A node's name
# (valkdb1, ...) is what ketama hashes, so a node keeps its keys when its
# address changes.
CONF="$DIR/nutcracker.yml"
{
  echo "valkdb:"
  echo "  listen: $LISTEN"
  echo "  redis: true"
  echo "  hash: murmur"
  echo "  hash_tag: \"{}\""
  echo "  distribution: ketama"
  echo "  auto_eject_hosts: false"
  echo "  preconnect: true"
  [[ -n "$AUTH" ]] && echo "  redis_auth: $AUTH"
  echo "  servers:"
  for i in "${!BACKENDS[@]}"; do echo "    - ${BACKENDS[$i]}:1 valkdb$((i + 1))"; done
} >"$CONF"
"$NUTCRACKER" --test-conf --conf-file "$CONF" >&2

NUT_ARGS=(--conf-file "$CONF" --stats-addr "${STATS%:*}" --stats-port "${STATS##*:}")
if ((NODES == 0)); then
  # nutcracker alone: it takes this process's place and logs to its stderr.
  echo "twemproxy.sh: nutcracker on $LISTEN in front of ${BACKENDS[*]} (config $CONF)" >&2
  exec "$NUTCRACKER" "${NUT_ARGS[@]}" --output /dev/stderr
fi
"$NUTCRACKER" "${NUT_ARGS[@]}" --output "$DIR/nutcracker.log" &
PIDS+=($!)
wait_for_ping "$LISTEN" 60 ||
  { echo "twemproxy.sh: nutcracker did not answer PING; see $DIR/nutcracker.log" >&2; exit 1; }
echo "twemproxy.sh: nutcracker on $LISTEN in front of ${BACKENDS[*]}" >&2
echo "twemproxy.sh: config $CONF, logs in $DIR; Ctrl-C stops everything" >&2
# Until a signal, or until nutcracker or a node exits.
wait -n "${PIDS[@]}" || true
echo "twemproxy.sh: nutcracker or a node exited; stopping the others" >&2
