#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs
# what is missing (including redis-server, the oracle the compatibility tests
# compare against, and clang-14 for the sanitizer and fuzz builds), builds
# everything and runs every test with ctest, then the sanitizer builds
# (ASan+UBSan, TSan) and each libFuzzer target for about a minute
# (scripts/sanitizers.sh). Both parts run; a failure in either fails the run.
#
#   VALKDB_SKIP_SANITIZERS=1 scripts/test.sh   only the Release build's tests (quick local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/build.sh -DVALKDB_BUILD_TESTS=ON -DVALKDB_BUILD_BENCH=ON
status=0
ctest --test-dir build --output-on-failure -j 2 --timeout 600 || status=$?
if [[ -z "${VALKDB_SKIP_SANITIZERS:-}" ]]; then
  scripts/sanitizers.sh || status=1
fi
if ((status != 0)); then
  echo "test.sh: FAILED" >&2
fi
exit "$status"
