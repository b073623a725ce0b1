// libFuzzer target: RequestParser on arbitrary bytes.
//
// The input is fed as one read and again cut into reads of other sizes (one
// byte at a time, a few bytes, random lengths including empty reads), under
// Redis's default limits and under small ones that the fuzzer can reach. For
// every feeding:
//   - Parse never reports more bytes used than it was given, uses all of a
//     read when it needs more, and uses at least one byte per command (else
//     a connection would spin);
//   - a command has at least one argument; big arguments live in a buffer
//     of their own; moving and swapping the args keeps them intact (the
//     connection swaps them into the applier's tasks);
//   - the commands are the same however the input was split, and so is the
//     outcome (an error, a frame left open, or neither), except that Redis's
//     "too big ..." errors, which depend on how much of a header line had
//     arrived, may end a feeding early;
//   - errors are Redis's texts.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"
#include "tests/fuzz/fuzz_common.h"

namespace valkdb::fuzz {
namespace {

// Redis's PROTO_MBULK_BIG_ARG: arguments this big get a buffer of their own.
constexpr size_t kBigArgLen = 32 * 1024;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::optional<std::string> error;
  bool in_frame = false;
};

std::string Describe(const Outcome& o) {
  std::string out = std::to_string(o.commands.size()) + " commands";
  for (size_t i = 0; i < o.commands.size() && i < 8; ++i) {
    out += "\n      [";
    for (const std::string& arg : o.commands[i]) out += " '" + Printable(arg, 40) + "'";
    out += " ]";
  }
  if (o.error) out += "\n      error: " + *o.error;
  if (o.in_frame) out += "\n      (frame left open)";
  return out;
}

std::vector<std::string> Copy(const CommandArgs& args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (std::string_view v : args.views()) out.emplace_back(v);
  return out;
}

void CheckSame(const CommandArgs& args, const std::vector<std::string>& expected,
               const char* what) {
  FUZZ_CHECK(args.size() == expected.size(), what);
  for (size_t i = 0; i < expected.size(); ++i) {
    FUZZ_CHECK(args[i] == expected[i], what);
    Bytes bytes = args.ToBytes(i);
    FUZZ_CHECK(bytes.view() == expected[i], what);
  }
}

Outcome Feed(std::string_view input, const RequestLimits& limits, const Chunking& chunking) {
  Outcome outcome;
  RequestParser parser(limits);
  CommandArgs current;
  // The applier's task slots, reused with stale contents as in the server.
  CommandArgs tasks[2];
  std::vector<std::string> detached_args;
  size_t next_task = 0;
  size_t offset = 0;
  for (size_t length : ReadLengths(input.size(), chunking)) {
    ReadBuffer read(input.substr(offset, length));
    offset += length;
    const std::string_view data = read.view();
    size_t consumed = 0;
    // An empty read is offered once; a non-empty one until it is used up.
    do {
      const size_t before = consumed;
      const std::string_view rest = data.substr(consumed);
      RequestParser::Status status = parser.Parse(rest, &consumed, &current);
      FUZZ_CHECK(consumed >= before && consumed - before <= rest.size(),
                 "Parse reported more bytes used than it was given");
      if (status == RequestParser::Status::kError) {
        FUZZ_CHECK(IsRedisRequestError(parser.error()), parser.error());
        outcome.error = parser.error();
        return outcome;
      }
      if (status == RequestParser::Status::kNeedMore) {
        FUZZ_CHECK(consumed == data.size(), "kNeedMore left input unused");
        break;
      }
      FUZZ_CHECK(consumed > before, "a command that used no input: the connection would spin");
      FUZZ_CHECK(!current.empty(), "a command without arguments");
      FUZZ_CHECK(!parser.in_frame(), "in_frame() after a whole command");
      std::vector<std::string> args = Copy(current);
      for (size_t i = 0; i < current.size(); ++i) {
        const Bytes* owned = current.Owned(i);
        if (owned != nullptr) {
          FUZZ_CHECK(owned->size() >= kBigArgLen, "a small argument in a buffer of its own");
          FUZZ_CHECK(owned->view() == args[i]);
        }
      }
      // What the connection does: swap into a reused task slot, run it later.
      CommandArgs& task = tasks[next_task++ % 2];
      task.Swap(current);
      CheckSame(task, args, "args changed when swapped into a task");
      CommandArgs moved(std::move(task));
      CheckSame(moved, args, "args changed when moved");
      FUZZ_CHECK(task.empty(), "a moved-from CommandArgs is not empty");
      task = std::move(moved);
      CheckSame(task, args, "args changed when move-assigned");
      // One slot detaches its args (as MULTI's queue and a paused client do),
      // so they outlive the read; the other keeps views into the read, stale
      // once it is freed, as the server's task slots do until reused.
      if (&task == &tasks[1]) {
        task.Detach();
        CheckSame(task, args, "args changed when detached");
        detached_args = args;
      }
      outcome.commands.push_back(std::move(args));
    } while (consumed < data.size());
  }
  outcome.in_frame = parser.in_frame();
  CheckSame(tasks[1], detached_args, "detached args did not outlive their read");
  return outcome;
}

bool IsPrefix(const Outcome& shorter, const Outcome& longer) {
  if (shorter.commands.size() > longer.commands.size()) return false;
  for (size_t i = 0; i < shorter.commands.size(); ++i) {
    if (shorter.commands[i] != longer.commands[i]) return false;
  }
  return true;
}

void Compare(const Outcome& whole, const Outcome& split, std::string_view input,
             std::string_view limits_name, const Chunking& chunking) {
  auto detail = [&] {
    return std::string(limits_name) + " limits, chunking " +
           std::to_string(static_cast<int>(chunking.kind)) + "/" + std::to_string(chunking.size) +
           "/" + std::to_string(chunking.max_random) + ", input: '" + Printable(input, 300) +
           "'\n    whole: " + Describe(whole) +
           "\n    split: " + Describe(split);
  };
  const bool whole_cut = whole.error && IsLineTooBigError(*whole.error);
  const bool split_cut = split.error && IsLineTooBigError(*split.error);
  if (!whole_cut && !split_cut) {
    FUZZ_CHECK(whole.commands == split.commands, detail());
    FUZZ_CHECK(whole.error == split.error, detail());
    if (!whole.error) FUZZ_CHECK(whole.in_frame == split.in_frame, detail());
    return;
  }
  // A header line that grew past the limit before its end arrived is refused
  // ("too big ..."), as in Redis, while the same line complete in one read
  // goes on to be parsed: such a feeding may stop early, never differ.
  if (whole_cut && split_cut) {
    FUZZ_CHECK(IsPrefix(whole, split) || IsPrefix(split, whole), detail());
  } else {
    FUZZ_CHECK(IsPrefix(whole_cut ? whole : split, whole_cut ? split : whole), detail());
  }
}

void Run(std::string_view name, std::string_view input, const RequestLimits& limits,
         const std::vector<Chunking>& chunkings) {
  const Outcome whole = Feed(input, limits, Chunking{});
  for (const Chunking& chunking : chunkings) {
    Compare(whole, Feed(input, limits, chunking), input, name, chunking);
  }
}

}  // namespace
}  // namespace valkdb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using valkdb::RequestLimits;
  using valkdb::fuzz::Chunking;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint64_t seed = valkdb::fuzz::HashBytes(input);
  using Kind = Chunking::Kind;
  // Tiny reads of a big input (a 32 KB argument) cost much and find little
  // that slightly bigger ones do not.
  const size_t scale = input.size() > 4096 ? 64 : 1;

  // Redis's defaults.
  valkdb::fuzz::Run("default", input, RequestLimits{},
                    {Chunking{Kind::kFixed, 1 * scale}, Chunking{Kind::kFixed, 3 * scale + 1},
                     Chunking{Kind::kRandom, 0, seed, 48 * scale, true},
                     Chunking{Kind::kRandom, 0, seed ^ 1, 8192, false}});

  // Limits small enough for the fuzzer to cross every one of them.
  RequestLimits small;
  small.max_bulk_len = 100;
  small.max_inline_len = 40;
  small.max_multibulk_len = 6;
  valkdb::fuzz::Run("small", input, small,
                    {Chunking{Kind::kFixed, 2 * scale + 1},
                     Chunking{Kind::kRandom, 0, seed ^ 2, 32 * scale, true}});

  // Before AUTH.
  RequestLimits unauthenticated;
  unauthenticated.unauthenticated = true;
  valkdb::fuzz::Run("unauthenticated", input, unauthenticated, {Chunking{Kind::kRandom, 0, seed ^ 3, 100, false}});
  return 0;
}
