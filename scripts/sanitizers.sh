#!/usr/bin/env bash
# Sanitizer builds and fuzzing, with clang-14 (plain builds, -j2):
#   1. build-asan/ (Debug, ASan + UBSan): unit, integration (and compat) tests,
#      and the stress test at a reduced size;
#   2. build-tsan/ (TSan): the store, scheduler and multi-loop integration tests,
#      and the stress test at a reduced size against the TSan server;
#   3. scripts/fuzz.sh: every libFuzzer target for FUZZ_SECONDS (default 60) each.
# Any sanitizer report fails the run: UBSan is built with -fno-sanitize-recover=all
# (checked first on a tiny program), ASan/LSan/TSan reports fail the test that
# triggered them, including reports of the server processes the tests start.
#
#   scripts/sanitizers.sh                 everything (about 10 minutes on 2 cores)
#   SANITIZERS="asan fuzz" scripts/sanitizers.sh   a subset (asan, tsan, fuzz)
#   FUZZ_SECONDS=30 scripts/sanitizers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SANITIZERS="${SANITIZERS:-asan tsan fuzz}"
JOBS="${JOBS:-2}"
TEST_TIMEOUT="${TEST_TIMEOUT:-600}"  # per test binary
export FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export CC=clang-14 CXX=clang++-14
scripts/deps.sh --test

# Reports go to stderr (the test fixtures print the server's log on failure);
# every sanitizer error is fatal.
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# detect_deadlocks=0: TSan's lock-order checker aborts when a thread holds more than 64
# locks, and FLUSHDB/FLUSHALL/SWAPDB hold every shard lock of a database at once.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:detect_deadlocks=0"
# The stress test under sanitizers: a smaller load, and no verdict on memory
# held (the sanitizers' allocators are invisible to glibc's statistics; LSan
# finds leaks there instead).
export VALKDB_STRESS_ROUNDS="${VALKDB_STRESS_ROUNDS:-20}"
export VALKDB_STRESS_SECONDS="${VALKDB_STRESS_SECONDS:-300}"  # a liveness bound, not a speed target
export VALKDB_STRESS_HELD_SLACK_MB=0

declare -a timings=()
phase_start=0
begin() {
  echo
  echo "==== $1"
  phase_start=$SECONDS
}
end() { timings+=("$(printf '%-44s %4d s' "$1" $((SECONDS - phase_start)))"); }
summary() {
  echo
  echo "==== sanitizers.sh: time per phase"
  printf '  %s\n' "${timings[@]}"
  echo "  total $SECONDS s"
}
trap summary EXIT

wants() { [[ " $SANITIZERS " == *" $1 "* ]]; }
# A failed phase is recorded and the others still run; the script fails at the end.
failures=()
failed() { failures+=("$1"); }

begin "UBSan findings are fatal"
probe_dir=$(mktemp -d)
cat >"$probe_dir/ub.cc" <<'EOF'
#include <climits>
#include <cstdio>
int main(int argc, char**) {
  int big = INT_MAX - 1 + argc;  // INT_MAX when argc == 1
  std::printf("%d\n", big + argc);  // signed overflow
  return 0;
}
EOF
clang++-14 -fsanitize=address,undefined -fno-sanitize-recover=all -g "$probe_dir/ub.cc" \
  -o "$probe_dir/ub"
if "$probe_dir/ub" >/dev/null 2>"$probe_dir/ub.log"; then
  echo "UBSan did not stop a signed overflow: findings would not fail the run" >&2
  exit 1
fi
grep -q "runtime error: signed integer overflow" "$probe_dir/ub.log"
rm -rf "$probe_dir"
echo "ok: a UBSan finding exits non-zero"
end "ubsan probe"

configure() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DVALKDB_BUILD_TESTS=ON -DVALKDB_BUILD_BENCH=OFF "$@" >/dev/null
}

# The build's targets whose names match a regex (compat_tests exists only with sources).
targets_matching() {
  cmake --build "$1" --target help | sed -n 's/^\.\.\. \([A-Za-z0-9_-]*\).*/\1/p' | grep -xE "$2" || true
}

# Runs gtest binaries, $JOBS at a time (a new one starts as soon as any
# finishes; give the longest first), each as one process: "name" or
# "name=gtest-filter". ctest would start one process per test (thousands of
# parameterized parser cases), which under a sanitizer takes several times longer.
run_gtests() {
  local dir=$1
  shift
  local logs="$dir/test-logs"
  rm -rf "$logs"
  mkdir -p "$logs"
  local -A running=()  # pid -> name
  local -a failed=()
  local spec name filter done_pid
  reap_one() {
    if wait -n -p done_pid; then :; else failed+=("${running[$done_pid]}"); fi
    unset "running[$done_pid]"
  }
  for spec in "$@"; do
    name=${spec%%=*}
    filter='*'
    [[ "$spec" == *=* ]] && filter=${spec#*=}
    while ((${#running[@]} >= JOBS)); do reap_one; done
    (
      start=$SECONDS
      if timeout -k 10 "$TEST_TIMEOUT" "$dir/tests/$name" --gtest_brief=1 --gtest_filter="$filter" \
        >"$logs/$name.log" 2>&1; then
        echo "  $name: ok ($(grep -m1 -o '[0-9]* tests\? from [0-9]* test suites\? ran' \
          "$logs/$name.log" || echo '? tests'), $((SECONDS - start)) s)"
      else
        status=$?
        echo "  $name: FAILED ($((SECONDS - start)) s$( ((status == 124 || status == 137)) &&
          echo ", timed out after $TEST_TIMEOUT s"))"
        exit 1
      fi
    ) &
    running[$!]=$name
  done
  while ((${#running[@]} > 0)); do reap_one; done
  for name in "${failed[@]}"; do
    echo "---- $name ($logs/$name.log, last 300 lines) ----"
    tail -300 "$logs/$name.log"
  done
  ((${#failed[@]} == 0))
}

# The names given, the slowest under ASan first (as measured), then the rest.
longest_first() {
  local slow
  for slow in integration_tests compat_tests unit_types_tests unit_protocol_tests unit_store_tests; do
    [[ " $* " == *" $slow "* ]] && echo "$slow"
  done
  local name
  for name in "$@"; do
    [[ " integration_tests compat_tests unit_types_tests unit_protocol_tests unit_store_tests " == *" $name "* ]] || echo "$name"
  done
}

run_stress() {
  local dir=$1 start=$SECONDS
  if timeout -k 10 "$TEST_TIMEOUT" "$dir/tests/stress/stress_test" >"$dir/test-logs/stress.log" 2>&1; then
    echo "  stress_test: ok ($((SECONDS - start)) s): $(grep -m1 'commands,' "$dir/test-logs/stress.log")"
  else
    echo "  stress_test: FAILED"
    cat "$dir/test-logs/stress.log"
    return 1
  fi
}

if wants asan; then
  begin "ASan + UBSan build (build-asan)"
  configure build-asan -DVALKDB_SANITIZE=address,undefined \
    -DCMAKE_CXX_FLAGS=-fno-sanitize-recover=all
  grep -q -- '-fno-sanitize-recover=all' build-asan/compile_commands.json
  mapfile -t asan_tests < <(targets_matching build-asan 'integration_tests|compat_tests|feed_tests|unit_[a-z_]+_tests')
  if cmake --build build-asan -j "$JOBS" --target valkdb-server stress_test "${asan_tests[@]}"; then
    end "asan build"
    begin "ASan + UBSan: unit, integration and stress tests"
    mapfile -t asan_tests < <(longest_first "${asan_tests[@]}")
    run_gtests build-asan "${asan_tests[@]}" || failed "asan tests"
    run_stress build-asan || failed "asan stress"
    end "asan tests"
  else
    failed "asan build"
  fi
fi

if wants tsan; then
  begin "TSan build (build-tsan)"
  # -O1: TSan at -O0 is several times slower, and its reports lose nothing.
  configure build-tsan -DVALKDB_SANITIZE=thread -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
  # Debian's abseil is not built for TSan: without this preloaded shim every
  # access guarded by an absl::Mutex is reported as a race (see the file).
  if cmake --build build-tsan -j "$JOBS" --target valkdb-server unit_store_tests \
      unit_scheduler_tests integration_tests stress_test feed_tests &&
    clang++-14 -std=c++20 -shared -fPIC -O1 -Wall -Wextra -Werror -I. \
      tests/stress/tsan_abseil_shim.cc -o build-tsan/libtsan_abseil_shim.so; then
    end "tsan build"
    begin "TSan: store, scheduler, change feed, multi-loop, blocking, BGSAVE, AOF, eviction and replication integration, stress tests"
    export LD_PRELOAD="$PWD/build-tsan/libtsan_abseil_shim.so"
    # feed_tests: commands dispatched from four threads at once, as by four event loops.
    run_gtests build-tsan \
      "integration_tests=*Threaded*:*MultiLoop*:*AcrossLoops*:*Blocking*:*Persistence*:*Aof*:*Eviction*:*Replication*" \
      unit_store_tests unit_scheduler_tests feed_tests || failed "tsan tests"
    run_stress build-tsan || failed "tsan stress"
    unset LD_PRELOAD
    end "tsan tests"
  else
    failed "tsan build"
  fi
fi

if wants fuzz; then
  begin "libFuzzer targets, ${FUZZ_SECONDS} s each"
  scripts/fuzz.sh || failed "fuzz"
  end "fuzz build + run"
fi
echo
if ((${#failures[@]} > 0)); then
  echo "sanitizers.sh: FAILED: ${failures[*]}"
  exit 1
fi
echo "sanitizers.sh: all green"
