#include "protocol/request_parser.h"

#include <cstring>
#include <limits>

namespace valkdb {
namespace {

// Arguments at least this big are read into a buffer of their own exact size,
// which a stored value can then share without a copy (Redis: PROTO_MBULK_BIG_ARG).
constexpr int64_t kBigArgLen = 32 * 1024;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseInt64(std::string_view text, int64_t* value) {
  // Mirrors Redis's string2ll, so the same inputs are accepted and refused.
  if (text.empty() || text.size() >= 21) return false;
  if (text.size() == 1 && text[0] == '0') {
    *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    if (++i == text.size()) return false;
  }
  if (text[i] < '1' || text[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(text[i++] - '0');
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    if (v > std::numeric_limits<uint64_t>::max() / 10) return false;
    v *= 10;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > std::numeric_limits<uint64_t>::max() - digit) return false;
    v += digit;
  }
  if (negative) {
    constexpr uint64_t kMaxNegative =
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
    if (v > kMaxNegative) return false;
    *value = v == kMaxNegative ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  } else {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

const Bytes* CommandArgs::Owned(size_t i) const {
  std::string_view arg = views_[i];
  for (const Bytes& big : big_) {
    if (big.data() == arg.data() && big.size() == arg.size() && !arg.empty()) return &big;
  }
  return nullptr;
}

Bytes CommandArgs::ToBytes(size_t i) const {
  const Bytes* big = Owned(i);
  return big != nullptr ? *big : Bytes::Copy(views_[i]);
}

CommandArgs& CommandArgs::operator=(CommandArgs&& other) noexcept {
  if (this == &other) return *this;
  const char* old_begin = other.scratch_.data();
  const char* old_end = old_begin + other.scratch_.size();
  views_ = std::move(other.views_);
  scratch_ = std::move(other.scratch_);
  big_ = std::move(other.big_);
  for (std::string_view& v : views_) {
    if (!v.empty() && v.data() >= old_begin && v.data() < old_end) {
      v = std::string_view(scratch_.data() + (v.data() - old_begin), v.size());
    }
  }
  other.Clear();
  return *this;
}

namespace {
// Re-points views that pointed into [old_begin, old_begin + size) at new_begin.
void Rebase(std::vector<std::string_view>& views, const char* old_begin, size_t size,
            const char* new_begin) {
  for (std::string_view& v : views) {
    if (!v.empty() && v.data() >= old_begin && v.data() < old_begin + size) {
      v = std::string_view(new_begin + (v.data() - old_begin), v.size());
    }
  }
}
}  // namespace

void CommandArgs::Swap(CommandArgs& other) noexcept {
  views_.swap(other.views_);
  big_.swap(other.big_);
  const char* mine = scratch_.data();
  const char* theirs = other.scratch_.data();
  const size_t my_size = scratch_.size();
  const size_t their_size = other.scratch_.size();
  scratch_.swap(other.scratch_);
  // Heap strings swap their pointers; short (inline) ones are copied, so
  // only then do views need re-pointing.
  if (scratch_.data() != theirs) Rebase(views_, theirs, their_size, scratch_.data());
  if (other.scratch_.data() != mine) Rebase(other.views_, mine, my_size, other.scratch_.data());
}

void CommandArgs::Detach() {
  size_t total = 0;
  for (std::string_view v : views_) total += v.size();
  std::string owned;
  owned.reserve(total);
  for (std::string_view v : views_) owned.append(v);
  scratch_ = std::move(owned);
  big_.clear();
  size_t offset = 0;
  for (std::string_view& v : views_) {
    v = std::string_view(scratch_.data() + offset, v.size());
    offset += v.size();
  }
}

void CommandArgs::Assign(absl::Span<const std::string_view> args) {
  Clear();
  views_.assign(args.begin(), args.end());
  Detach();
}

RequestParser::Status RequestParser::Fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

bool RequestParser::ReadLine(std::string_view input, size_t* pos, char terminator,
                             std::string_view* line) {
  const char* start = input.data() + *pos;
  const size_t available = input.size() - *pos;
  auto hold = [&] {
    line_.append(start, available);
    *pos = input.size();
    return false;
  };
  // Redis looks for the end of a line with strchr(), which stops at a NUL: a
  // line with a NUL before its terminator never ends, and Redis keeps reading
  // until the bytes held reach its line-length limit.
  if (line_has_nul_) return hold();
  // A '\r' that ended the previous input: the next byte (Redis does not check
  // that it is '\n') completes the line.
  if (terminator == '\r' && !line_.empty() && line_.back() == '\r') {
    if (*pos == input.size()) return false;
    line_.pop_back();
    ++*pos;
    *line = line_;
    return true;
  }
  const void* found = available == 0 ? nullptr : std::memchr(start, terminator, available);
  size_t end = found ? static_cast<size_t>(static_cast<const char*>(found) - start) : available;
  if (end > 0 && std::memchr(start, '\0', end) != nullptr) {
    line_has_nul_ = true;
    return hold();
  }
  bool complete = found != nullptr && (terminator == '\n' || end + 1 < available);
  if (!complete) return hold();
  if (line_.empty()) {
    *line = std::string_view(start, end);
  } else {
    line_.append(start, end);
    *line = line_;
  }
  *pos += end + (terminator == '\r' ? 2 : 1);
  return true;
}

void RequestParser::SaveInputArgs(std::string_view input, CommandArgs* out) {
  for (ArgRef& arg : args_) {
    if (arg.where != ArgRef::Where::kInput) continue;
    size_t offset = out->scratch_.size();
    out->scratch_.append(input.substr(arg.offset, arg.len));
    arg = ArgRef{ArgRef::Where::kScratch, offset, arg.len};
  }
}

RequestParser::Status RequestParser::FinishFrame(std::string_view input, CommandArgs* out) {
  out->views_.clear();
  for (const ArgRef& arg : args_) {
    switch (arg.where) {
      case ArgRef::Where::kInput:
        out->views_.emplace_back(input.data() + arg.offset, arg.len);
        break;
      case ArgRef::Where::kScratch:
        out->views_.emplace_back(out->scratch_.data() + arg.offset, arg.len);
        break;
      case ArgRef::Where::kBig:
        out->views_.push_back(out->big_[arg.offset].view());
        break;
    }
  }
  args_.clear();
  // One unusually big command (a 100,000-argument SADD) leaves nothing behind.
  if (args_.capacity() > 4096) std::vector<ArgRef>().swap(args_);
  if (line_.capacity() > 64 * 1024) std::string().swap(line_);
  state_ = State::kStart;
  return Status::kCommand;
}

bool SplitArgs(std::string_view line, std::string* storage,
               std::vector<std::pair<size_t, size_t>>* words) {
  // Redis's sdssplitargs: whitespace-separated words, "double quotes" with
  // escapes, 'single quotes'; a closing quote must end the word. The line is a
  // C string to Redis, so a NUL byte ends it.
  size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  const size_t n = line.size();
  auto at = [&](size_t i) { return i < n ? line[i] : '\0'; };
  std::string& scratch = *storage;
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    size_t word_start = scratch.size();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && HexValue(at(i + 2)) >= 0 && HexValue(at(i + 3)) >= 0) {
          scratch.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          switch (at(i)) {
            case 'n':
              scratch.push_back('\n');
              break;
            case 'r':
              scratch.push_back('\r');
              break;
            case 't':
              scratch.push_back('\t');
              break;
            case 'b':
              scratch.push_back('\b');
              break;
            case 'a':
              scratch.push_back('\a');
              break;
            default:
              scratch.push_back(at(i));
              break;
          }
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          scratch.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          scratch.push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          scratch.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            scratch.push_back(c);
            break;
        }
      }
      if (at(i) != '\0') ++i;
    }
    words->emplace_back(word_start, scratch.size() - word_start);
  }
}

bool SplitArgs(std::string_view line, std::string* storage, std::vector<std::string_view>* words) {
  std::vector<std::pair<size_t, size_t>> spans;
  if (!SplitArgs(line, storage, &spans)) return false;
  for (const auto& [offset, length] : spans) {
    words->push_back(std::string_view(*storage).substr(offset, length));
  }
  return true;
}

bool RequestParser::SplitInline(std::string_view line, CommandArgs* out) {
  words_.clear();
  if (!SplitArgs(line, &out->scratch_, &words_)) return false;
  for (auto [offset, len] : words_) args_.push_back(ArgRef{ArgRef::Where::kScratch, offset, len});
  return true;
}

namespace {

// Reads a canonical length ("0" or 1-9 followed by digits, at most 18 of
// them) ending in '\r' plus one more byte; anything unusual returns false
// and is left to the general parser, which reports errors exactly.
inline bool FastLength(const char* p, const char* end, int64_t* value, const char** next) {
  if (p >= end) return false;
  int64_t v = 0;
  const char* start = p;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end && *p >= '0' && *p <= '9') {
      if (p - start == 18) return false;
      v = v * 10 + (*p++ - '0');
    }
    if (p == start) return false;
  }
  if (p + 1 >= end || *p != '\r') return false;
  *value = v;
  *next = p + 2;
  return true;
}

}  // namespace

bool RequestParser::ParseWholeFrame(std::string_view input, size_t* pos, CommandArgs* out) {
  const char* begin = input.data();
  const char* p = begin + *pos;
  const char* end = begin + input.size();
  int64_t count = 0;
  if (p >= end || *p != '*' || !FastLength(p + 1, end, &count, &p)) return false;
  if (count <= 0 || count > 1024 || count > limits_.max_multibulk_len ||
      (limits_.unauthenticated && count > limits_.unauthenticated_max_multibulk_len)) {
    return false;
  }
  const int64_t max_len = limits_.unauthenticated
                              ? std::min(limits_.unauthenticated_max_bulk_len, kBigArgLen - 1)
                              : std::min(limits_.max_bulk_len, kBigArgLen - 1);
  out->Clear();
  for (int64_t i = 0; i < count; ++i) {
    int64_t len = 0;
    if (p >= end || *p != '$' || !FastLength(p + 1, end, &len, &p) || len > max_len ||
        end - p < len + 2) {
      out->views_.clear();
      return false;
    }
    out->views_.emplace_back(p, static_cast<size_t>(len));
    p += len + 2;
  }
  *pos = static_cast<size_t>(p - begin);
  return true;
}

RequestParser::Status RequestParser::Parse(std::string_view input, size_t* consumed,
                                           CommandArgs* out) {
  size_t pos = 0;
  if (state_ == State::kStart && ParseWholeFrame(input, &pos, out)) {
    *consumed += pos;
    return Status::kCommand;
  }
  auto need_more = [&]() {
    SaveInputArgs(input, out);
    *consumed += pos;
    return Status::kNeedMore;
  };
  while (true) {
    switch (state_) {
      case State::kStart: {
        if (pos == input.size()) {
          *consumed += pos;
          return Status::kNeedMore;
        }
        out->Clear();
        args_.clear();
        line_.clear();
        line_has_nul_ = false;
        state_ = input[pos] == '*' ? State::kMultibulkCount : State::kInline;
        break;
      }
      case State::kInline: {
        std::string_view line;
        if (!ReadLine(input, &pos, '\n', &line)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big inline request");
          }
          return need_more();
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        bool ok = SplitInline(line, out);
        line_.clear();
        if (!ok) return Fail("Protocol error: unbalanced quotes in request");
        if (args_.empty()) {
          state_ = State::kStart;
          break;
        }
        *consumed += pos;
        return FinishFrame(input, out);
      }
      case State::kMultibulkCount: {
        std::string_view line;
        if (!ReadLine(input, &pos, '\r', &line)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big mbulk count string");
          }
          return need_more();
        }
        int64_t count = 0;
        bool ok = ParseInt64(line.substr(1), &count);
        line_.clear();
        if (!ok || count > limits_.max_multibulk_len) {
          return Fail("Protocol error: invalid multibulk length");
        }
        if (limits_.unauthenticated && count > limits_.unauthenticated_max_multibulk_len) {
          return Fail("Protocol error: unauthenticated multibulk length");
        }
        if (count <= 0) {
          state_ = State::kStart;
          break;
        }
        bulks_left_ = count;
        args_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
        state_ = State::kBulkHeader;
        break;
      }
      case State::kBulkHeader: {
        std::string_view line;
        if (!ReadLine(input, &pos, '\r', &line)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big bulk count string");
          }
          return need_more();
        }
        if (line.empty() || line[0] != '$') {
          // Redis prints the offending byte, with CR/LF shown as a space.
          char got = line.empty() ? ' ' : line[0];
          if (got == '\r' || got == '\n') got = ' ';
          return Fail(std::string("Protocol error: expected '$', got '") + got + "'");
        }
        int64_t len = 0;
        bool ok = ParseInt64(line.substr(1), &len);
        line_.clear();
        if (!ok || len < 0 || len > limits_.max_bulk_len) {
          return Fail("Protocol error: invalid bulk length");
        }
        if (limits_.unauthenticated && len > limits_.unauthenticated_max_bulk_len) {
          return Fail("Protocol error: unauthenticated bulk length");
        }
        bulk_len_ = len;
        bulk_read_ = 0;
        state_ = State::kBulkData;
        break;
      }
      case State::kBulkData: {
        const int64_t available = static_cast<int64_t>(input.size() - pos);
        if (available == 0) return need_more();
        const bool big = bulk_len_ >= kBigArgLen;
        if (bulk_read_ == 0 && !big && available >= bulk_len_ + 2) {
          // The common case: the whole argument is in this input.
          args_.push_back(ArgRef{ArgRef::Where::kInput, pos, static_cast<size_t>(bulk_len_)});
          pos += static_cast<size_t>(bulk_len_) + 2;
        } else {
          if (bulk_read_ == 0) {
            if (big) {
              SharedBuffer* buffer = SharedBuffer::Allocate(static_cast<size_t>(bulk_len_));
              out->big_.push_back(Bytes::Adopt(buffer, buffer->payload(), bulk_len_));
              args_.push_back(ArgRef{ArgRef::Where::kBig, out->big_.size() - 1,
                                     static_cast<size_t>(bulk_len_)});
            } else {
              // Earlier whole arguments of this frame go to scratch first, so
              // they stay ahead of this one there.
              SaveInputArgs(input, out);
              args_.push_back(ArgRef{ArgRef::Where::kScratch, out->scratch_.size(),
                                     static_cast<size_t>(bulk_len_)});
            }
          }
          // Copy the payload; the two bytes after it are skipped unchecked, as in Redis.
          int64_t take = std::min(available, bulk_len_ + 2 - bulk_read_);
          int64_t payload = std::max<int64_t>(0, std::min(take, bulk_len_ - bulk_read_));
          if (payload > 0) {
            const char* from = input.data() + pos;
            if (big) {
              char* to = const_cast<char*>(out->big_.back().data()) + bulk_read_;
              std::memcpy(to, from, static_cast<size_t>(payload));
            } else {
              out->scratch_.append(from, static_cast<size_t>(payload));
            }
          }
          bulk_read_ += take;
          pos += static_cast<size_t>(take);
          if (bulk_read_ < bulk_len_ + 2) return need_more();
        }
        if (--bulks_left_ == 0) {
          *consumed += pos;
          return FinishFrame(input, out);
        }
        state_ = State::kBulkHeader;
        break;
      }
    }
  }
}

}  // namespace valkdb
