#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs
# what is missing (including redis-server, the oracle the compatibility tests
# compare against), builds everything and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/build.sh -DVALKDB_BUILD_TESTS=ON -DVALKDB_BUILD_BENCH=ON
ctest --test-dir build --output-on-failure -j 2 --timeout 600
