#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server:
# installs what is missing, builds, starts valkdb-server (127.0.0.1:6379 by
# default; any arguments are passed to the server, e.g. --port 6380).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh -DVALKDB_BUILD_TESTS=OFF -DVALKDB_BUILD_BENCH=OFF
exec build/server/valkdb-server "$@"
