// GET of big values must not copy them: 100 values of 1 MB (100 MB) are SET
// through the real parser and command table, then read back with GET; the
// reply buffer's iovecs are checked to point into the stored value's storage.
//
// Counters (per GET unless named otherwise):
//   shares_storage    1 when every GET reply referenced the stored buffer
//   copied_bytes/op   reply bytes not in the stored value (the RESP framing)
//   alloc_bytes/op    heap bytes allocated (malloc interposed; -1 if unavailable)
//   allocs/op         heap allocations
//   set_copies        SETs whose stored value is not the parser's buffer
// BM_Get1MB_CopyBaseline is the same GET with one memcpy of the value, to show
// what a copy would cost.
#include <benchmark/benchmark.h>
#include <sys/uio.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/store/store.h"

namespace valkdb::bench {
namespace {

constexpr size_t kValueSize = 1 << 20;
constexpr size_t kValues = 100;

struct BigValues {
  Config config;
  ServerState server{&config};
  Store store;
  ClientState client;
  ReplyBuffer out;
  RespWriter writer{&out};
  RequestParser parser;
  std::vector<std::string> keys;
  std::vector<std::string> get_requests;
  int64_t set_copies = 0;

  BigValues() {
    std::string value(kValueSize, 'x');
    for (size_t i = 0; i < kValues; ++i) {
      keys.push_back(Key(i));
      value[0] = static_cast<char>('a' + i % 26);
      std::string set;
      const std::string_view set_args[] = {"SET", keys.back(), value};
      AppendCommand(set_args, &set);
      // The value arrives over several socket-sized reads, as it would.
      CommandArgs args;
      std::optional<Bytes> parsed;
      for (size_t pos = 0; pos < set.size(); pos += 64 * 1024) {
        std::string_view piece = std::string_view(set).substr(pos, 64 * 1024);
        size_t consumed = 0;
        while (consumed < piece.size()) {
          RequestParser::Status status = parser.Parse(piece.substr(consumed), &consumed, &args);
          if (status == RequestParser::Status::kNeedMore) break;
          if (status == RequestParser::Status::kCommand) {
            if (args.Owned(2) != nullptr) parsed = *args.Owned(2);
            Run(args);
          }
        }
      }
      std::optional<Bytes> stored = store.Get(0, keys.back(), UnixTimeMs());
      if (!stored || !parsed || !stored->SharesStorageWith(*parsed)) ++set_copies;
      out.Clear();
      const std::string_view get_args[] = {"GET", keys.back()};
      get_requests.push_back(EncodeCommand(get_args));
    }
  }

  void Run(const CommandArgs& args) {
    CommandContext ctx{store, server, client, writer, args, UnixTimeMs()};
    CommandTable::Get().Dispatch(ctx);
  }
};

BigValues& Values() {
  static BigValues* values = new BigValues();
  return *values;
}

void BM_Get1MB_NoCopy(benchmark::State& state) {
  BigValues& v = Values();
  std::vector<Bytes> stored;  // what the store holds, to compare addresses with
  for (const std::string& key : v.keys) stored.push_back(*v.store.Get(0, key, UnixTimeMs()));
  CommandArgs args;
  struct iovec iov[64];
  size_t i = 0;
  int64_t copied = 0;
  int64_t referenced = 0;
  bool all_shared = true;
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    const std::string& request = v.get_requests[i];
    size_t consumed = 0;
    if (v.parser.Parse(request, &consumed, &args) != RequestParser::Status::kCommand) {
      state.SkipWithError("parse failed");
      return;
    }
    v.Run(args);
    // "Write" the reply: find the iovec that carries the value.
    const char* begin = stored[i].data();
    const char* end = begin + stored[i].size();
    bool shared = false;
    while (!v.out.empty()) {
      const size_t n = v.out.Peek(iov, 64);
      size_t bytes = 0;
      for (size_t k = 0; k < n; ++k) {
        const char* base = static_cast<const char*>(iov[k].iov_base);
        if (base >= begin && base + iov[k].iov_len <= end) {
          referenced += static_cast<int64_t>(iov[k].iov_len);
          shared = shared || iov[k].iov_len == stored[i].size();
        } else {
          copied += static_cast<int64_t>(iov[k].iov_len);
        }
        bytes += iov[k].iov_len;
      }
      v.out.Consume(bytes);
    }
    all_shared = all_shared && shared;
    i = (i + 1) % kValues;
  }
  const AllocStats after = ThreadAllocStats();
  const double ops = static_cast<double>(state.iterations());
  state.counters["shares_storage"] = all_shared ? 1 : 0;
  state.counters["copied_bytes/op"] = static_cast<double>(copied) / ops;
  state.counters["referenced_bytes/op"] = static_cast<double>(referenced) / ops;
  state.counters["alloc_bytes/op"] =
      AllocCounterEnabled() ? static_cast<double>(after.bytes - before.bytes) / ops : -1;
  state.counters["allocs/op"] =
      AllocCounterEnabled() ? static_cast<double>(after.calls - before.calls) / ops : -1;
  state.counters["set_copies"] = static_cast<double>(v.set_copies);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(referenced + copied);
}
BENCHMARK(BM_Get1MB_NoCopy);

// The cost a copy would add: the same GET plus one memcpy of the value.
void BM_Get1MB_CopyBaseline(benchmark::State& state) {
  BigValues& v = Values();
  std::unique_ptr<char[]> copy(new char[kValueSize]);
  CommandArgs args;
  size_t i = 0;
  for (auto _ : state) {
    size_t consumed = 0;
    if (v.parser.Parse(v.get_requests[i], &consumed, &args) != RequestParser::Status::kCommand) {
      state.SkipWithError("parse failed");
      return;
    }
    v.Run(args);
    std::optional<Bytes> value = v.store.Get(0, v.keys[i], UnixTimeMs());
    std::memcpy(copy.get(), value->data(), value->size());
    benchmark::DoNotOptimize(copy.get());
    v.out.Clear();
    i = (i + 1) % kValues;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kValueSize));
}
BENCHMARK(BM_Get1MB_CopyBaseline);

}  // namespace
}  // namespace valkdb::bench
