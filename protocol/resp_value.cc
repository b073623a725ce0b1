#include "protocol/resp_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/request_parser.h"

namespace valkdb {
namespace {

using Type = RespValue::Type;

// Aggregates announce their size before their elements arrive; a hostile or
// broken peer may announce billions, so memory is only reserved up to this.
constexpr int64_t kMaxReserve = 1024;
// Blob payloads are reserved up to this size; bigger ones grow as they arrive.
constexpr int64_t kMaxBlobReserve = 1024 * 1024;

// C-style escaping, so control bytes and quotes in a value are visible and unambiguous.
std::string Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\'':
        out.append("\\'");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
          const auto u = static_cast<unsigned char>(c);
          out.append({'\\', 'x', kHex[u >> 4], kHex[u & 0xf]});
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string Quote(std::string_view s) { return absl::StrCat("\"", Escape(s), "\""); }

// Everything but the elements of an aggregate (and its closing bracket).
void AppendOpening(const RespValue& v, std::string* out) {
  switch (v.type) {
    case Type::kSimpleString:
      absl::StrAppend(out, "+", Quote(v.str));
      break;
    case Type::kError:
      absl::StrAppend(out, "-", Quote(v.str));
      break;
    case Type::kInteger:
      absl::StrAppend(out, ":", v.integer);
      break;
    case Type::kBulkString:
      out->append(Quote(v.str));
      break;
    case Type::kNull:
      out->append("nil");
      break;
    case Type::kArray:
      out->push_back('[');
      break;
    case Type::kMap:
      out->append("%{");
      break;
    case Type::kSet:
      out->append("~[");
      break;
    case Type::kPush:
      out->append(">[");
      break;
    case Type::kDouble:
      // The text as sent when there is one: it is exact, the double may not print back the same.
      if (v.str.empty()) {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.dbl);
        out->push_back(',');
        out->append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
      } else {
        absl::StrAppend(out, ",", v.str);
      }
      break;
    case Type::kBoolean:
      out->append(v.boolean ? "#t" : "#f");
      break;
    case Type::kVerbatim:
      absl::StrAppend(out, "=", Quote(v.format), ":", Quote(v.str));
      break;
    case Type::kBigNumber:
      absl::StrAppend(out, "(", v.str);
      break;
  }
}

// Same type and contents, or for aggregates as many elements (not compared
// here). Fields a type does not use are ignored.
bool ShallowEqual(const RespValue& a, const RespValue& b) {
  if (a.type != b.type) return false;
  if (a.is_aggregate()) return a.elements.size() == b.elements.size();
  switch (a.type) {
    case Type::kSimpleString:
    case Type::kError:
    case Type::kBulkString:
    case Type::kBigNumber:
      return a.str == b.str;
    case Type::kInteger:
      return a.integer == b.integer;
    case Type::kNull:
    case Type::kArray:  // (aggregates returned above)
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
      return true;
    case Type::kDouble:
      // The value, not its spelling ("1.5" == "1.50"); a NaN reply equals a NaN reply.
      return a.dbl == b.dbl || (std::isnan(a.dbl) && std::isnan(b.dbl));
    case Type::kBoolean:
      return a.boolean == b.boolean;
    case Type::kVerbatim:
      return a.format == b.format && a.str == b.str;
  }
  return false;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty()) return false;
  // from_chars takes neither a leading '+' nor spaces, and ignores the locale.
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) {
    // A well-formed number beyond the range of a double: strtod's +-HUGE_VAL or 0.
    *value = std::strtod(std::string(text).c_str(), nullptr);
    return true;
  }
  return ec == std::errc();
}

bool IsBigNumber(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Printable(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() > kMaxShown) return absl::StrCat(Escape(text.substr(0, kMaxShown)), "...");
  return Escape(text);
}

}  // namespace

namespace {
// Every field but the elements.
void CopyFields(const RespValue& from, RespValue* to) {
  to->type = from.type;
  to->str = from.str;
  to->integer = from.integer;
  to->dbl = from.dbl;
  to->boolean = from.boolean;
  to->format = from.format;
}
}  // namespace

RespValue::RespValue(const RespValue& other) {
  CopyFields(other, this);
  // Aggregates still to fill in, each with room reserved for all its elements
  // so that pointers to the copies already made stay valid.
  std::vector<std::pair<RespValue*, const RespValue*>> pending;
  if (!other.elements.empty()) pending.emplace_back(this, &other);
  while (!pending.empty()) {
    auto [to, from] = pending.back();
    pending.pop_back();
    to->elements.reserve(from->elements.size());
    for (const RespValue& element : from->elements) {
      RespValue& copy = to->elements.emplace_back();
      CopyFields(element, &copy);
      if (!element.elements.empty()) pending.emplace_back(&copy, &element);
    }
  }
}

RespValue& RespValue::operator=(const RespValue& other) {
  if (this != &other) *this = RespValue(other);
  return *this;
}

RespValue::~RespValue() {
  if (elements.empty()) return;
  // Children are moved out onto a worklist before their parent goes, so each
  // destructor below sees no elements of its own: the depth of the call stack
  // stays one, whatever the depth of the value.
  std::vector<RespValue> pending = std::move(elements);
  while (!pending.empty()) {
    RespValue last = std::move(pending.back());
    pending.pop_back();
    for (RespValue& child : last.elements) {
      if (!child.elements.empty()) pending.push_back(std::move(child));
    }
  }
}

std::string RespValue::DebugString() const {
  std::string out;
  struct Open {
    const RespValue* value;
    size_t next;  // index of the next element to print
  };
  std::vector<Open> open;
  AppendOpening(*this, &out);
  if (is_aggregate()) open.push_back({this, 0});
  while (!open.empty()) {
    const RespValue& v = *open.back().value;
    const size_t i = open.back().next++;
    if (i == v.elements.size()) {
      out.push_back(v.type == Type::kMap ? '}' : ']');
      open.pop_back();
      continue;
    }
    if (i > 0) out.append(v.type == Type::kMap && i % 2 == 1 ? ": " : ", ");
    const RespValue& element = v.elements[i];
    AppendOpening(element, &out);
    if (element.is_aggregate()) open.push_back({&element, 0});
  }
  return out;
}

RespValue RespValue::Simple(std::string s) {
  RespValue v;
  v.type = Type::kSimpleString;
  v.str = std::move(s);
  return v;
}

RespValue RespValue::Err(std::string s) {
  RespValue v;
  v.type = Type::kError;
  v.str = std::move(s);
  return v;
}

RespValue RespValue::Int(int64_t value) {
  RespValue v;
  v.type = Type::kInteger;
  v.integer = value;
  return v;
}

RespValue RespValue::BulkStr(std::string s) {
  RespValue v;
  v.type = Type::kBulkString;
  v.str = std::move(s);
  return v;
}

RespValue RespValue::Nil() { return RespValue(); }

RespValue RespValue::Arr(std::vector<RespValue> elements) {
  RespValue v;
  v.type = Type::kArray;
  v.elements = std::move(elements);
  return v;
}

bool operator==(const RespValue& a, const RespValue& b) {
  if (!ShallowEqual(a, b)) return false;
  if (!a.is_aggregate() || a.elements.empty()) return true;
  std::vector<std::pair<const RespValue*, const RespValue*>> pending;
  for (size_t i = 0; i < a.elements.size(); ++i)
    pending.emplace_back(&a.elements[i], &b.elements[i]);
  while (!pending.empty()) {
    auto [x, y] = pending.back();
    pending.pop_back();
    if (!ShallowEqual(*x, *y)) return false;
    if (!x->is_aggregate()) continue;
    for (size_t i = 0; i < x->elements.size(); ++i) {
      pending.emplace_back(&x->elements[i], &y->elements[i]);
    }
  }
  return true;
}

ReplyParser::Status ReplyParser::Parse(std::string_view input, size_t* consumed, RespValue* out) {
  size_t pos = 0;
  auto fail = [&](std::string message) {
    error_ = std::move(message);
    stack_.clear();
    line_.clear();
    in_blob_ = false;
    blob_ = RespValue();
    *consumed += pos;
    return Status::kError;
  };
  // Hands a finished value to the aggregate being built, closing every
  // aggregate it completes; true when a whole top-level reply is ready.
  auto complete = [&](RespValue value) {
    while (true) {
      if (stack_.empty()) {
        *out = std::move(value);
        return true;
      }
      Frame& top = stack_.back();
      if (!top.attribute) top.value.elements.push_back(std::move(value));
      if (--top.remaining > 0) return false;
      // The aggregate is whole. An attribute is dropped: it annotates the
      // value that follows it, it is not an element of its parent.
      bool attribute = top.attribute;
      value = std::move(top.value);
      stack_.pop_back();
      if (attribute) return false;
    }
  };

  while (true) {
    if (in_blob_) {
      const size_t want = static_cast<size_t>(blob_len_) + 2 - blob_.str.size();
      const size_t take = std::min(want, input.size() - pos);
      blob_.str.append(input.data() + pos, take);
      pos += take;
      if (take < want) {
        *consumed += pos;
        return Status::kNeedMore;
      }
      if (blob_.str.compare(static_cast<size_t>(blob_len_), 2, "\r\n") != 0) {
        return fail("Protocol error: bulk payload not followed by CRLF");
      }
      blob_.str.resize(static_cast<size_t>(blob_len_));
      in_blob_ = false;
      if (blob_.type == Type::kVerbatim) {
        if (blob_.str.size() < 4 || blob_.str[3] != ':') {
          return fail(
              absl::StrCat("Protocol error: invalid verbatim string '", Printable(blob_.str), "'"));
        }
        blob_.format = blob_.str.substr(0, 3);
        blob_.str.erase(0, 4);
      }
      if (complete(std::move(blob_))) {
        blob_ = RespValue();
        *consumed += pos;
        return Status::kValue;
      }
      blob_ = RespValue();
      continue;
    }

    // A header line; a part of it that ended a previous input waits in line_.
    const char* start = input.data() + pos;
    const size_t available = input.size() - pos;
    // (memchr must not see the null data() of an empty view, even for 0 bytes.)
    const void* found = available == 0 ? nullptr : std::memchr(start, '\n', available);
    if (found == nullptr) {
      line_.append(start, available);
      pos = input.size();
      *consumed += pos;
      return Status::kNeedMore;
    }
    const size_t end = static_cast<size_t>(static_cast<const char*>(found) - start);
    std::string_view line(start, end);
    if (!line_.empty()) {
      line_.append(start, end);
      line = line_;
    }
    pos += end + 1;
    if (line.empty() || line.back() != '\r') {
      return fail(absl::StrCat("Protocol error: reply line not terminated by CRLF: '",
                               Printable(line), "'"));
    }
    line.remove_suffix(1);
    if (line.empty()) return fail("Protocol error: empty reply line");

    const char type = line[0];
    const std::string_view rest = line.substr(1);
    RespValue value;
    bool have_value = false;
    switch (type) {
      case '+':
        value.type = Type::kSimpleString;
        value.str.assign(rest);
        have_value = true;
        break;
      case '-':
        value.type = Type::kError;
        value.str.assign(rest);
        have_value = true;
        break;
      case ':':
        value.type = Type::kInteger;
        if (!ParseInt64(rest, &value.integer)) {
          return fail(absl::StrCat("Protocol error: invalid integer '", Printable(rest), "'"));
        }
        have_value = true;
        break;
      case '_':
        if (!rest.empty()) {
          return fail(absl::StrCat("Protocol error: invalid null '", Printable(rest), "'"));
        }
        have_value = true;  // value is a null already
        break;
      case ',':
        value.type = Type::kDouble;
        if (!ParseDouble(rest, &value.dbl)) {
          return fail(absl::StrCat("Protocol error: invalid double '", Printable(rest), "'"));
        }
        value.str.assign(rest);
        have_value = true;
        break;
      case '#':
        value.type = Type::kBoolean;
        if (rest != "t" && rest != "f") {
          return fail(absl::StrCat("Protocol error: invalid boolean '", Printable(rest), "'"));
        }
        value.boolean = rest == "t";
        have_value = true;
        break;
      case '(':
        value.type = Type::kBigNumber;
        if (!IsBigNumber(rest)) {
          return fail(absl::StrCat("Protocol error: invalid big number '", Printable(rest), "'"));
        }
        value.str.assign(rest);
        have_value = true;
        break;
      case '$':
      case '=':
      case '!': {
        int64_t len = 0;
        if (!ParseInt64(rest, &len) || len < -1 || (len == -1 && type != '$') ||
            len > std::numeric_limits<int64_t>::max() - 2) {
          return fail(absl::StrCat("Protocol error: invalid bulk length '", Printable(rest), "'"));
        }
        if (len == -1) {
          have_value = true;  // $-1: a RESP2 null bulk
          break;
        }
        blob_ = RespValue();
        blob_.type = type == '$' ? Type::kBulkString : type == '=' ? Type::kVerbatim : Type::kError;
        blob_.str.reserve(static_cast<size_t>(std::min(len + 2, kMaxBlobReserve)));
        blob_len_ = len;
        in_blob_ = true;
        break;
      }
      case '*':
      case '%':
      case '~':
      case '>':
      case '|': {
        int64_t count = 0;
        if (!ParseInt64(rest, &count) || count < -1 || (count == -1 && type != '*') ||
            count > std::numeric_limits<int64_t>::max() / 2) {
          return fail(
              absl::StrCat("Protocol error: invalid aggregate length '", Printable(rest), "'"));
        }
        if (count == -1) {
          have_value = true;  // *-1: a RESP2 null array
          break;
        }
        if (stack_.size() >= kMaxDepth) {
          return fail(
              absl::StrCat("Protocol error: reply nested deeper than ", kMaxDepth, " levels"));
        }
        Frame frame{RespValue(), count, type == '|'};
        frame.value.type = type == '*'   ? Type::kArray
                           : type == '%' ? Type::kMap
                           : type == '~' ? Type::kSet
                           : type == '>' ? Type::kPush
                                         : Type::kMap;
        const bool pairs = type == '%' || type == '|';
        if (pairs) frame.remaining *= 2;
        if (frame.remaining == 0) {
          if (frame.attribute) break;  // an empty attribute annotates nothing
          value = std::move(frame.value);
          have_value = true;
          break;
        }
        if (!frame.attribute) {
          frame.value.elements.reserve(static_cast<size_t>(std::min(frame.remaining, kMaxReserve)));
        }
        stack_.push_back(std::move(frame));
        break;
      }
      default:
        return fail(absl::StrCat("Protocol error: invalid reply type byte '",
                                 Printable(std::string_view(&type, 1)), "'"));
    }
    line_.clear();
    if (have_value && complete(std::move(value))) {
      *consumed += pos;
      return Status::kValue;
    }
  }
}

std::string EncodeCommand(absl::Span<const std::string_view> args) {
  std::string out;
  AppendCommand(args, &out);
  return out;
}

void AppendCommand(absl::Span<const std::string_view> args, std::string* out) {
  size_t total = 16;
  for (std::string_view arg : args) total += arg.size() + 24;
  out->reserve(out->size() + total);
  absl::StrAppend(out, "*", args.size(), "\r\n");
  for (std::string_view arg : args) {
    absl::StrAppend(out, "$", arg.size(), "\r\n");
    out->append(arg);
    out->append("\r\n");
  }
}

}  // namespace valkdb
