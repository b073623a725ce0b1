#!/usr/bin/env bash
# Runs the timing-sensitive tests over and over on a busy machine, to catch
# the failure that comes once in a hundred runs (not part of CI: it takes
# hours). A CPU hog per core runs beside them the whole time.
#
#   scripts/flaky_hunt.sh                 every selected test, until-fail:100
#   REPEAT=20 scripts/flaky_hunt.sh       fewer rounds
#   TESTS='integration_Limits' scripts/flaky_hunt.sh    a ctest -R regex of your own
#
# Uses the Release build in build/ (built or brought up to date first; the
# option stays in build/'s cache: -DVALKDB_TEST_PER_CASE=OFF goes back to shards).
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT="${REPEAT:-100}"
TESTS="${TESTS:-integration_Limits|integration_Shutdown|integration_Lifecycle|HostileInputTest|stress|compat_strings_keyspace.*Type|compat/DifferentialTest}"

# Each test case as a ctest test of its own (VALKDB_TEST_PER_CASE), so -R
# picks cases and each runs in a fresh process.
scripts/deps.sh --test
scripts/build.sh -DVALKDB_BUILD_TESTS=ON -DVALKDB_BUILD_BENCH=ON -DVALKDB_TEST_PER_CASE=ON

hogs=()
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT

echo "flaky_hunt: '$TESTS', until-fail:$REPEAT, with $(nproc) CPU hogs"
start=$SECONDS
ctest --test-dir build -R "$TESTS" --repeat "until-fail:$REPEAT" -j 2 --timeout 900 \
  --output-on-failure
echo "flaky_hunt: passed $REPEAT rounds in $((SECONDS - start)) s"
