// Micro benchmarks of the protocol library: request parser, reply writer and
// buffer, Bytes.
#include <benchmark/benchmark.h>
#include <sys/uio.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "protocol/bytes.h"
#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"

namespace valkdb::bench {
namespace {

// `count` SET commands of value_size bytes, as one contiguous input.
std::string SetCommands(size_t count, size_t value_size) {
  std::string value(value_size, 'x');
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    std::string key = Key(i * 7919);
    const std::string_view args[] = {"SET", key, value};
    AppendCommand(args, &out);
  }
  return out;
}

void ReportAllocs(benchmark::State& state, const AllocStats& before, int64_t ops) {
  if (!AllocCounterEnabled() || ops == 0) return;
  const AllocStats after = ThreadAllocStats();
  state.counters["allocs/op"] =
      static_cast<double>(after.calls - before.calls) / static_cast<double>(ops);
}

// Parses a stream of `depth` SET commands (one read holding them all), as a
// connection does for a pipelined client. range(0): depth, range(1): value size.
void BM_Parser(benchmark::State& state, size_t depth, size_t value_size) {
  const std::string input = SetCommands(depth, value_size);
  RequestParser parser;
  CommandArgs args;
  int64_t commands = 0;
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    size_t consumed = 0;
    while (consumed < input.size()) {
      RequestParser::Status status =
          parser.Parse(std::string_view(input).substr(consumed), &consumed, &args);
      if (status != RequestParser::Status::kCommand) {
        state.SkipWithError("parser did not return a command");
        return;
      }
      benchmark::DoNotOptimize(args.views().data());
      ++commands;
    }
  }
  ReportAllocs(state, before, commands);
  state.SetItemsProcessed(commands);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(input.size()));
}

void BM_Parser_Single(benchmark::State& state) {
  BM_Parser(state, 1, static_cast<size_t>(state.range(0)));
}
BENCHMARK(BM_Parser_Single)->ArgName("value")->Arg(16)->Arg(1024);

void BM_Parser_Pipelined16(benchmark::State& state) {
  BM_Parser(state, 16, static_cast<size_t>(state.range(0)));
}
BENCHMARK(BM_Parser_Pipelined16)->ArgName("value")->Arg(16)->Arg(1024);

// One command that arrives a few bytes at a time: the resumable path.
void BM_Parser_Fragmented(benchmark::State& state) {
  const std::string input = SetCommands(1, static_cast<size_t>(state.range(0)));
  const size_t chunk = 7;
  RequestParser parser;
  CommandArgs args;
  for (auto _ : state) {
    for (size_t pos = 0; pos < input.size(); pos += chunk) {
      std::string_view piece = std::string_view(input).substr(pos, chunk);
      size_t consumed = 0;
      while (consumed < piece.size()) {
        RequestParser::Status status = parser.Parse(piece.substr(consumed), &consumed, &args);
        if (status == RequestParser::Status::kNeedMore) break;
        if (status == RequestParser::Status::kError) {
          state.SkipWithError("parse error");
          return;
        }
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Parser_Fragmented)->ArgName("value")->Arg(16)->Arg(1024);

// Sends everything pending, the way Connection::Flush does: Peek an iovec
// batch, then Consume what the "socket" took.
size_t DrainReplies(ReplyBuffer* out) {
  struct iovec iov[64];
  size_t total = 0;
  while (!out->empty()) {
    const size_t n = out->Peek(iov, 64);
    size_t bytes = 0;
    for (size_t i = 0; i < n; ++i) bytes += iov[i].iov_len;
    benchmark::DoNotOptimize(iov[0].iov_base);
    out->Consume(bytes);
    total += bytes;
  }
  return total;
}

// The replies of a 16-deep GET/SET pipeline: +OK, bulk values of range(0)
// bytes, a miss, an integer; then written out.
void BM_Writer_Pipelined16(benchmark::State& state) {
  const Bytes value = Bytes::Copy(std::string(static_cast<size_t>(state.range(0)), 'v'));
  ReplyBuffer out;
  RespWriter writer(&out);
  int64_t bytes = 0;
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) {
      writer.Ok();
      writer.Bulk(value);
      writer.Null();
      writer.Integer(123456 + i);
    }
    bytes += static_cast<int64_t>(DrainReplies(&out));
  }
  ReportAllocs(state, before, static_cast<int64_t>(state.iterations()) * 16);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 16);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_Writer_Pipelined16)->ArgName("value")->Arg(16)->Arg(1024)->Arg(16 * 1024);

// Small pieces appended to the reply buffer (the fast path of Append).
void BM_ReplyBuffer_AppendSmall(benchmark::State& state) {
  ReplyBuffer out;
  const std::string_view piece = "$5\r\nhello\r\n";
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) out.Append(piece);
    DrainReplies(&out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 64);
}
BENCHMARK(BM_ReplyBuffer_AppendSmall);

// Bytes: a copy into new storage, a shared clone, and a slice.
void BM_Bytes_Copy(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'b');
  for (auto _ : state) {
    Bytes copy = Bytes::Copy(data);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Bytes_Copy)->ArgName("size")->Arg(16)->Arg(1024)->Arg(1 << 20);

void BM_Bytes_Share(benchmark::State& state) {
  const Bytes data = Bytes::Copy(std::string(static_cast<size_t>(state.range(0)), 'b'));
  for (auto _ : state) {
    Bytes clone = data;
    benchmark::DoNotOptimize(clone.data());
  }
  state.counters["shares_storage"] = Bytes(data).SharesStorageWith(data) ? 1 : 0;
}
BENCHMARK(BM_Bytes_Share)->ArgName("size")->Arg(16)->Arg(1 << 20);

void BM_Bytes_Slice(benchmark::State& state) {
  const Bytes data = Bytes::Copy(std::string(static_cast<size_t>(state.range(0)), 'b'));
  size_t pos = 0;
  for (auto _ : state) {
    Bytes slice = data.Slice(pos, 64);
    benchmark::DoNotOptimize(slice.data());
    pos = (pos + 13) & 0x3ff;
  }
  state.counters["shares_storage"] = data.Slice(1, 8).SharesStorageWith(data) ? 1 : 0;
}
BENCHMARK(BM_Bytes_Slice)->ArgName("size")->Arg(1 << 20);

// Two threads cloning one Bytes: the refcount's cache line ping-pongs.
void BM_Bytes_ShareContended(benchmark::State& state) {
  static const Bytes* shared = new Bytes(Bytes::Copy(std::string(1024, 'b')));
  for (auto _ : state) {
    Bytes clone = *shared;
    benchmark::DoNotOptimize(clone.data());
  }
}
BENCHMARK(BM_Bytes_ShareContended)->Threads(1)->Threads(2);

}  // namespace
}  // namespace valkdb::bench
