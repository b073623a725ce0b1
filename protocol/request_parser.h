#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "protocol/bytes.h"

namespace valkdb {

// Limits a server applies to incoming requests; defaults are Redis 7's.
struct RequestLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  int64_t max_multibulk_len = INT32_MAX;       // Redis 7.0 accepts counts up to INT_MAX
  // Before AUTH, Redis refuses bigger frames than these.
  bool unauthenticated = false;
  int64_t unauthenticated_max_multibulk_len = 10;
  int64_t unauthenticated_max_bulk_len = 16384;
};

// The arguments of one command. Views point either into the input handed to
// RequestParser::Parse (valid while that input is) or into storage this object
// owns (arguments that arrived over several reads, and big arguments).
class CommandArgs {
 public:
  CommandArgs() = default;
  CommandArgs(const CommandArgs&) = delete;
  CommandArgs& operator=(const CommandArgs&) = delete;
  // Moving keeps the views valid: ones into a short (inline) scratch string
  // are re-pointed at the new object's copy.
  CommandArgs(CommandArgs&& other) noexcept { *this = std::move(other); }
  CommandArgs& operator=(CommandArgs&& other) noexcept;
  // Exchanges contents without copying (views stay valid); cheaper than std::swap.
  void Swap(CommandArgs& other) noexcept;
  size_t size() const { return views_.size(); }
  bool empty() const { return views_.empty(); }
  std::string_view operator[](size_t i) const { return views_[i]; }
  absl::Span<const std::string_view> views() const { return views_; }

  // The argument as a Bytes that may outlive the input: big arguments (read
  // into a buffer of their exact size) are shared without a copy, others copied.
  Bytes ToBytes(size_t i) const;
  // The buffer of a big argument (read into storage of its own), or nullptr.
  const Bytes* Owned(size_t i) const;

  // Copies every argument into owned storage, so the args outlive the input.
  void Detach();

  void Clear() {
    views_.clear();
    scratch_.clear();
    big_.clear();
  }
  // Clear, and give back storage that one unusually big command left behind.
  void Release() {
    Clear();
    if (scratch_.capacity() > kKeepCapacity) std::string().swap(scratch_);
    if (views_.capacity() > kKeepCapacity / 16) std::vector<std::string_view>().swap(views_);
  }

  // For building args by hand (tests, queued transactions).
  void Assign(absl::Span<const std::string_view> args);

 private:
  friend class RequestParser;
  static constexpr size_t kKeepCapacity = 64 * 1024;
  std::vector<std::string_view> views_;
  std::string scratch_;
  std::vector<Bytes> big_;  // storage of big arguments, in argument order
};

// A resumable parser of client requests: multibulk (`*2\r\n$3\r\nGET\r\n...`) and
// inline (`GET key\r\n`) commands, with Redis's limits and error texts. It keeps
// its position across calls, so a frame that arrives in pieces is never
// re-scanned from its start.
class RequestParser {
 public:
  enum class Status {
    kCommand,   // *out holds a whole command
    kNeedMore,  // all input consumed, the frame is incomplete
    kError,     // protocol error: error() has Redis's text; close after replying
  };

  explicit RequestParser(const RequestLimits& limits = {}) : limits_(limits) {}

  void set_limits(const RequestLimits& limits) { limits_ = limits; }
  const RequestLimits& limits() const { return limits_; }

  // Parses from input, adding the bytes used to *consumed. Pass the same
  // `out` until kCommand is returned; it is cleared when a new frame starts.
  // Empty commands (`*0`, blank inline lines) are skipped, as Redis does.
  Status Parse(std::string_view input, size_t* consumed, CommandArgs* out);

  // Redis's error text (without the "-ERR " prefix), valid after kError.
  const std::string& error() const { return error_; }

  // True when a frame has been started but not finished.
  bool in_frame() const { return state_ != State::kStart; }
  // Bytes of the unfinished frame's header line and current argument held so far (Redis's qbuf).
  size_t held_bytes() const { return line_.size() + (state_ == State::kBulkData ? bulk_read_ : 0); }

 private:
  enum class State { kStart, kInline, kMultibulkCount, kBulkHeader, kBulkData };
  // Where a parsed argument lives until the frame completes.
  struct ArgRef {
    enum class Where : uint8_t { kInput, kScratch, kBig } where;
    size_t offset;  // into input, scratch, or index into big_
    size_t len;
  };

  Status Fail(std::string message);
  // Parses a whole, well-formed multibulk frame that lies entirely in input,
  // in one pass; false (consuming nothing) for anything else, which then
  // goes through the state machine.
  bool ParseWholeFrame(std::string_view input, size_t* pos, CommandArgs* out);
  // Reads up to and including `terminator` into line_; returns false if the
  // line is not complete in input (the partial part is kept in line_).
  bool ReadLine(std::string_view input, size_t* pos, char terminator, std::string_view* line);
  Status FinishFrame(std::string_view input, CommandArgs* out);
  void SaveInputArgs(std::string_view input, CommandArgs* out);
  bool SplitInline(std::string_view line, CommandArgs* out);

  RequestLimits limits_;
  State state_ = State::kStart;
  std::string line_;           // a header line split across reads
  bool line_has_nul_ = false;  // line_ holds a NUL before its end: it never ends (as in Redis)
  int64_t bulks_left_ = 0;     // arguments still expected in this frame
  int64_t bulk_len_ = 0;       // length of the argument being read
  int64_t bulk_read_ = 0;      // bytes of it read so far (split or big arguments)
  std::vector<ArgRef> args_;   // arguments of the current frame
  std::vector<std::pair<size_t, size_t>> words_;  // inline words, reused
  std::string error_;
};

// Redis's sdssplitargs, used for inline commands and config lines: appends
// the words (unquoted, unescaped) to *storage and their (offset, length) to
// *words. False on unbalanced quotes.
bool SplitArgs(std::string_view line, std::string* storage,
               std::vector<std::pair<size_t, size_t>>* words);
// The same, as views into *storage (valid while *storage is unchanged).
bool SplitArgs(std::string_view line, std::string* storage, std::vector<std::string_view>* words);

// Redis's strict integer parse (string2ll): optional '-', no '+', no spaces,
// no leading zeros, fits in int64.
bool ParseInt64(std::string_view text, int64_t* value);

}  // namespace valkdb
