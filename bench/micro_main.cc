// valkdb-microbench: Google Benchmark micro benchmarks of the hot pieces
// (micro_*.cc). Release builds only; see bench/README.md.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
