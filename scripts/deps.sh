#!/usr/bin/env bash
# Installs the Debian 12 packages valkdb needs, only when some are missing.
#   scripts/deps.sh          build + run packages
#   scripts/deps.sh --test   also what the tests use (redis-server as the oracle, sanitizers...)
#   scripts/deps.sh --package  also what scripts/package.sh uses (dpkg-shlibdeps; systemd-analyze)
set -euo pipefail

packages=(cmake g++ make pkg-config libuv1-dev liburing-dev libabsl-dev libgtest-dev libgmock-dev
          libbenchmark-dev libedit-dev liblzf-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
if [[ "${1:-}" == "--test" ]]; then
  # iproute2 (ss) and util-linux (prlimit): the connection-limit tests inspect sockets and rlimits.
  # redis-server also brings /etc/redis/redis.conf, which the settings walk test reads.
  # redis-sentinel: the replication tests fail a valkdb master over with the real Sentinel.
  # nutcracker: the twemproxy test shards over valkdb nodes through it.
  packages+=(redis-server redis-tools redis-sentinel clang-14 libclang-rt-14-dev python3 iproute2
             util-linux nutcracker)
fi
if [[ "${1:-}" == "--package" ]]; then
  packages+=(dpkg-dev systemd adduser)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "Installing: ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
