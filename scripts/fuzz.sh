#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan, build-fuzz/) and runs
# each for a bounded time; fails on any finding (crash, sanitizer report,
# broken invariant, leak, timeout, out-of-memory).
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS (60) each
#   scripts/fuzz.sh fuzz_dispatch        one target
#   FUZZ_SECONDS=600 scripts/fuzz.sh     longer
#   FUZZ_PARALLEL=3 scripts/fuzz.sh      all targets at once (default: two at a time)
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh    build, run nothing
#
# The seeds are tests/fuzz/corpus/<target>/; what the fuzzer finds to be new
# goes to build-fuzz/corpus/<target>/ (kept between runs), a crashing input
# to build-fuzz/artifacts/. Reproduce one with
#   build-fuzz/tests/fuzz/<target> build-fuzz/artifacts/<target>-crash-...
# and keep it as a regression in tests/fuzz/regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_PARALLEL="${FUZZ_PARALLEL:-2}"
JOBS="${JOBS:-2}"
BUILD=build-fuzz
targets=(fuzz_request_parser fuzz_reply_parser fuzz_dispatch fuzz_types fuzz_rdb)
if (($# > 0)); then targets=("$@"); fi

declare -A dict=([fuzz_request_parser]=request [fuzz_reply_parser]=reply [fuzz_dispatch]=dispatch
  [fuzz_types]=types [fuzz_rdb]=rdb)

echo "== fuzz: building ${targets[*]} into $BUILD/"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DVALKDB_FUZZ=ON -DVALKDB_SANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS=-fno-sanitize-recover=all \
  -DVALKDB_BUILD_TESTS=OFF -DVALKDB_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"
if [[ -n "${FUZZ_BUILD_ONLY:-}" ]]; then exit 0; fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$BUILD/artifacts" "$BUILD/logs"

run_one() {
  local target=$1
  local corpus="$BUILD/corpus/$target"
  mkdir -p "$corpus"
  # -timeout: an input that takes this long is a finding (so is one over 2 GB of memory).
  "$BUILD/tests/fuzz/$target" "$corpus" "tests/fuzz/corpus/$target" \
    -dict="tests/fuzz/dict/${dict[$target]}.dict" \
    -max_total_time="$FUZZ_SECONDS" -timeout=20 \
    -artifact_prefix="$BUILD/artifacts/$target-" -print_final_stats=1 \
    >"$BUILD/logs/$target.log" 2>&1
}

echo "== fuzz: running each target for ${FUZZ_SECONDS} s (${FUZZ_PARALLEL} at a time)"
declare -A status=()
pids=()
names=()
for target in "${targets[@]}"; do
  run_one "$target" &
  pids+=($!)
  names+=("$target")
  if ((${#pids[@]} >= FUZZ_PARALLEL)); then
    wait "${pids[0]}" && status[${names[0]}]=0 || status[${names[0]}]=$?
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" && status[${names[$i]}]=0 || status[${names[$i]}]=$?
done

failed=0
printf '%-22s %12s %10s %8s  %s\n' target executions exec/s corpus result
for target in "${targets[@]}"; do
  log="$BUILD/logs/$target.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$BUILD/corpus/$target" -type f | wc -l)
  if [[ ${status[$target]} -eq 0 ]]; then
    result=ok
  else
    result="FAILED (exit ${status[$target]})"
    failed=1
  fi
  printf '%-22s %12s %10s %8s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
if ((failed)); then
  for target in "${targets[@]}"; do
    [[ ${status[$target]} -eq 0 ]] && continue
    echo "---- $target: last lines of $BUILD/logs/$target.log ----"
    grep -v '^#[0-9]' "$BUILD/logs/$target.log" | tail -60
  done
  ls -l "$BUILD"/artifacts/ 2>/dev/null || true
  exit 1
fi
