#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs
# what is missing (including redis-server, the oracle the compatibility tests
# compare against, and clang-14 for the sanitizer and fuzz builds), builds
# everything and runs every test with ctest, Redis's own Tcl tests for the
# families valkdb has (scripts/redis_suite.sh), then the sanitizer builds
# (ASan+UBSan, TSan) and each libFuzzer target for FUZZ_SECONDS (20 here;
# long fuzzing is scripts/fuzz.sh on its own). Every phase runs; a failure in
# any fails the run. The time of each phase is printed at the end.
#
#   VALKDB_SKIP_SANITIZERS=1 scripts/test.sh   only the Release build's tests (quick local runs)
set -euo pipefail
cd "$(dirname "$0")/.."

declare -a timings=()
phase_start=$SECONDS
phase() {
  timings+=("$(printf '%-36s %5d s' "$1" $((SECONDS - phase_start)))")
  phase_start=$SECONDS
}
summary() {
  echo
  echo "==== test.sh: time per phase"
  printf '  %s\n' "${timings[@]}"
  echo "  total $SECONDS s"
}
trap summary EXIT

scripts/deps.sh --test
phase "deps"
scripts/build.sh -DVALKDB_BUILD_TESTS=ON -DVALKDB_BUILD_BENCH=ON -DVALKDB_TEST_PER_CASE=OFF
phase "release build"
status=0
ctest --test-dir build --output-on-failure -j 2 --timeout 600 || status=$?
phase "release ctest"
scripts/redis_suite.sh build || status=1
phase "redis's Tcl suite (scripts/redis_suite.sh)"
if [[ -z "${VALKDB_SKIP_SANITIZERS:-}" ]]; then
  FUZZ_SECONDS="${FUZZ_SECONDS:-20}" scripts/sanitizers.sh || status=1
  phase "sanitizers + fuzz (scripts/sanitizers.sh)"
fi
if ((status != 0)); then
  echo "test.sh: FAILED" >&2
fi
exit "$status"
