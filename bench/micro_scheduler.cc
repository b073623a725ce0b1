// Micro benchmarks of the scheduler pipeline: IdGenerator, Notifier, and the
// Applier, alone and in a full round trip through the command table.
#include <benchmark/benchmark.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/scheduler/applier.h"
#include "server/scheduler/id_generator.h"
#include "server/scheduler/notifier.h"
#include "server/store/store.h"

namespace valkdb::bench {
namespace {

void BM_IdGenerator_Next(benchmark::State& state) {
  static IdGenerator* ids = new IdGenerator(7);
  for (auto _ : state) benchmark::DoNotOptimize(ids->Next());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_IdGenerator_Next)->Threads(1)->Threads(2)->UseRealTime();

class CountingCompletion : public Completion {
 public:
  void Complete(uint64_t, const Outcome& outcome) override {
    ++completed;
    if (!outcome.ok) ++failed;
  }
  int64_t completed = 0;
  int64_t failed = 0;
};

// The per-id path: Register then Trigger of a fresh id; threads share one
// notifier (as the loops would if they shared one), each with its own id
// prefix. The Applier no longer takes this path (see BM_Notifier_Batch).
void BM_Notifier_RegisterTrigger(benchmark::State& state) {
  static Notifier* notifier = new Notifier();
  IdGenerator ids(static_cast<uint16_t>(state.thread_index() + 1));
  CountingCompletion completion;
  const Outcome done = Outcome::Done();
  for (auto _ : state) {
    const uint64_t id = ids.Next();
    if (!notifier->Register(id, &completion).ok() || !notifier->Trigger(id, done).ok()) {
      state.SkipWithError("register/trigger failed");
      return;
    }
  }
  if (completion.completed != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("lost completions");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Notifier_RegisterTrigger)->Threads(1)->Threads(2)->UseRealTime();

// The batch path, as the Applier takes it for one read of `depth` commands:
// one RegisterBatch (which also retires the batch's previous, spent run),
// then End and the owner's Complete per id. Per id figures.
void BM_Notifier_Batch(benchmark::State& state) {
  static Notifier* notifier = new Notifier();
  const uint64_t depth = static_cast<uint64_t>(state.range(0));
  IdGenerator ids(static_cast<uint16_t>(state.thread_index() + 1));
  CountingCompletion completion;
  Batch batch;
  const Outcome done = Outcome::Done();
  for (auto _ : state) {
    const uint64_t first = ids.Next();
    for (uint64_t i = 1; i < depth; ++i) ids.Next();
    if (!notifier->RegisterBatch(&batch, first, depth, &completion).ok()) {
      state.SkipWithError("register failed");
      break;
    }
    for (uint64_t id = first; id < first + depth; ++id) {
      if (batch.End(id)) completion.Complete(id, done);
    }
  }
  notifier->UnregisterBatch(&batch);
  const int64_t ops = static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(depth);
  if (completion.completed != ops) state.SkipWithError("lost completions");
  state.SetItemsProcessed(ops);
}
BENCHMARK(BM_Notifier_Batch)
    ->ArgName("depth")
    ->Arg(1)
    ->Arg(16)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// What one event loop owns, minus the sockets: store, command context,
// reply buffer, id generator, notifier and applier dispatching to the
// command table, as Connection::Process and Connection::Execute use them.
struct Pipeline {
  Config config;
  ServerState server{&config};
  Store store;
  ClientState client;
  ReplyBuffer out;
  RespWriter writer{&out};
  IdGenerator ids{0};
  Notifier notifier;
  CountingCompletion completion;
  Applier applier;

  explicit Pipeline(bool dispatch)
      : applier(&notifier,
                dispatch ? Applier::ApplyFn([this](Task& task, int64_t now) { Execute(task, now); })
                         : Applier::ApplyFn([this](Task&, int64_t) { writer.Ok(); }),
                absl::Seconds(10)) {
    applier.Start();
  }

  void Execute(Task& task, int64_t now_ms) {
    CommandContext ctx{store, server, client, writer, task.args, now_ms};
    CommandTable::Get().Dispatch(ctx);
  }

  // Writes out every pending reply; returns the byte count.
  size_t Flush() {
    struct iovec iov[64];
    size_t total = 0;
    while (!out.empty()) {
      const size_t n = out.Peek(iov, 64);
      size_t bytes = 0;
      for (size_t i = 0; i < n; ++i) bytes += iov[i].iov_len;
      out.Consume(bytes);
      total += bytes;
    }
    return total;
  }
};

// Scheduler overhead alone: enqueue `depth` tasks, drain them (one batch
// registration for the run, then one End per task) with an apply that only
// writes +OK.
void BM_Applier_EnqueueDrain(benchmark::State& state) {
  const int64_t depth = state.range(0);
  Pipeline p(/*dispatch=*/false);
  const int64_t now = UnixTimeMs();
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    for (int64_t i = 0; i < depth; ++i) {
      if (p.applier.Enqueue(p.ids.Next(), &p.completion, now) == nullptr) {
        state.SkipWithError("enqueue refused");
        return;
      }
    }
    p.applier.Drain(now);
    p.Flush();
  }
  const int64_t ops = static_cast<int64_t>(state.iterations()) * depth;
  if (p.completion.completed != ops || p.completion.failed != 0) {
    state.SkipWithError("every task must complete once");
  }
  if (AllocCounterEnabled()) {
    state.counters["allocs/op"] =
        static_cast<double>(ThreadAllocStats().calls - before.calls) / static_cast<double>(ops);
  }
  state.SetItemsProcessed(ops);
}
BENCHMARK(BM_Applier_EnqueueDrain)->ArgName("depth")->Arg(1)->Arg(16);

// The whole in-process path of a request: parse a read of `depth` commands
// (half SET, half GET of 16-byte keys, 32-byte values), enqueue each with a
// fresh id, drain through the command table, write the replies out.
void BM_Applier_RoundTrip(benchmark::State& state) {
  const int64_t depth = state.range(0);
  Pipeline p(/*dispatch=*/true);
  const std::string value(32, 'v');
  std::string input;
  for (int64_t i = 0; i < depth; ++i) {
    const std::string key = Key(static_cast<uint64_t>(i / 2));
    if (i % 2 == 0) {
      const std::string_view args[] = {"SET", key, value};
      AppendCommand(args, &input);
    } else {
      const std::string_view args[] = {"GET", key};
      AppendCommand(args, &input);
    }
  }
  RequestParser parser;
  CommandArgs current;
  int64_t reply_bytes = 0;
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    const int64_t now = UnixTimeMs();
    size_t consumed = 0;
    while (consumed < input.size()) {
      if (parser.Parse(std::string_view(input).substr(consumed), &consumed, &current) !=
          RequestParser::Status::kCommand) {
        state.SkipWithError("parse failed");
        return;
      }
      Task* task = p.applier.Enqueue(p.ids.Next(), &p.completion, now);
      if (task == nullptr) {
        state.SkipWithError("enqueue refused");
        return;
      }
      std::swap(task->args, current);
    }
    p.applier.Drain(now);
    reply_bytes += static_cast<int64_t>(p.Flush());
  }
  const int64_t ops = static_cast<int64_t>(state.iterations()) * depth;
  if (p.completion.completed != ops || p.completion.failed != 0) {
    state.SkipWithError("every task must complete once");
  }
  // Every reply is +OK (5 bytes) or the 32-byte bulk (39 bytes).
  const int64_t expected =
      static_cast<int64_t>(state.iterations()) * ((depth + 1) / 2 * 5 + depth / 2 * 39);
  if (reply_bytes != expected) state.SkipWithError("unexpected replies");
  if (AllocCounterEnabled()) {
    state.counters["allocs/op"] =
        static_cast<double>(ThreadAllocStats().calls - before.calls) / static_cast<double>(ops);
  }
  state.SetItemsProcessed(ops);
}
BENCHMARK(BM_Applier_RoundTrip)->ArgName("depth")->Arg(1)->Arg(16);

}  // namespace
}  // namespace valkdb::bench
