#include "server/commands/command_meta.h"

#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"

namespace valkdb {
namespace {

const std::vector<RedisCommandMeta>& AllMeta() {
  static const auto* const kMeta = new std::vector<RedisCommandMeta>{
#include "server/commands/redis_command_meta.inc"
  };
  return *kMeta;
}

const absl::flat_hash_map<std::string, size_t>& MetaIndex() {
  static const auto* const kIndex = [] {
    auto* index = new absl::flat_hash_map<std::string, size_t>();
    const auto& all = AllMeta();
    for (size_t i = 0; i < all.size(); ++i) index->emplace(std::string(all[i].name), i);
    return index;
  }();
  return *kIndex;
}

// Reads one RESP3 line ("+OK" without its CRLF) at *pos.
std::string_view Line(std::string_view data, size_t* pos) {
  const size_t end = data.find("\r\n", *pos);
  std::string_view line = data.substr(*pos, end - *pos);
  *pos = end + 2;
  return line;
}

int64_t Count(std::string_view text) {
  int64_t n = 0;
  ParseInt64(text, &n);
  return n;
}

void ReplayOne(std::string_view data, size_t* pos, RespWriter& out) {
  const std::string_view line = Line(data, pos);
  const char type = line[0];
  const std::string_view rest = line.substr(1);
  switch (type) {
    case '+':
      out.SimpleString(rest);
      return;
    case ':':
      out.Integer(Count(rest));
      return;
    case '_':
      out.Null();
      return;
    case '$': {
      const auto n = static_cast<size_t>(Count(rest));
      out.Bulk(data.substr(*pos, n));
      *pos += n + 2;
      return;
    }
    case '*':
    case '~':
    case '%': {
      const auto n = static_cast<size_t>(Count(rest));
      if (type == '*') out.Array(n);
      if (type == '~') out.Set(n);
      if (type == '%') out.Map(n);
      const size_t elements = type == '%' ? 2 * n : n;
      for (size_t i = 0; i < elements; ++i) ReplayOne(data, pos, out);
      return;
    }
    default:  // the generator writes no other type
      std::abort();
  }
}

}  // namespace

bool KeySpec::HasFlag(std::string_view flag) const {
  for (std::string_view f : Split(flags, ' ')) {
    if (f == flag) return true;
  }
  return false;
}

std::string_view Resp3Elements(std::string_view resp3, size_t* count) {
  size_t pos = 0;
  *count = static_cast<size_t>(Count(Line(resp3, &pos).substr(1)));
  return resp3.substr(pos);
}

const RedisCommandMeta* FindRedisCommandMeta(std::string_view full_name) {
  const auto& index = MetaIndex();
  auto it = index.find(AsciiLower(full_name));
  return it == index.end() ? nullptr : &AllMeta()[it->second];
}

void ReplayResp3(std::string_view resp3, RespWriter& out) {
  size_t pos = 0;
  while (pos < resp3.size()) ReplayOne(resp3, &pos, out);
}

SpecKeys KeysFromSpecs(const RedisCommandMeta& meta, const std::vector<std::string_view>& argv,
                       std::vector<FoundKey>* keys) {
  const int argc = static_cast<int>(argv.size());
  for (const KeySpec& spec : meta.key_specs) {
    int first = 0;
    if (spec.begin == KeySpec::Begin::kIndex) {
      first = spec.index;
    } else if (spec.begin == KeySpec::Begin::kKeyword) {
      const int start = spec.startfrom >= 0 ? spec.startfrom : argc + spec.startfrom;
      const int end = spec.startfrom >= 0 ? argc - 1 : 0;
      const int step = spec.startfrom >= 0 ? 1 : -1;
      int found = -1;
      for (int i = start; i != end + step && i >= 0 && i < argc; i += step) {
        if (EqualsIgnoreCase(argv[static_cast<size_t>(i)], spec.keyword)) {
          found = i;
          break;
        }
      }
      if (found < 0) continue;  // no such keyword: this spec names no key
      first = found + 1;
    } else {
      return SpecKeys::kUnknown;
    }
    int last = 0;
    int step = 1;
    if (spec.find == KeySpec::Find::kRange) {
      step = spec.b;
      if (spec.a >= 0) {
        last = first + spec.a;
      } else if (spec.c <= 1) {
        last = argc + spec.a;
      } else {
        last = first + ((argc - first) / spec.c + spec.a);
      }
    } else if (spec.find == KeySpec::Find::kKeynum) {
      step = spec.c;
      const int numkeys_at = first + spec.a;
      if (numkeys_at >= argc) return SpecKeys::kInvalid;
      int64_t numkeys = 0;
      // As the commands' own key finders: a count of 0 names no keys (EVAL
      // may have none), and a count past the arguments none either.
      if (!ParseInt64(argv[static_cast<size_t>(numkeys_at)], &numkeys) || numkeys < 1 ||
          numkeys > argc) {
        return SpecKeys::kInvalid;
      }
      first += spec.b;
      last = first + static_cast<int>(numkeys - 1) * step;
    } else {
      return SpecKeys::kUnknown;
    }
    for (int i = first; i <= last && step > 0; i += step) {
      if (i >= argc) return SpecKeys::kInvalid;
      keys->push_back({static_cast<size_t>(i), spec.flags});
    }
    if (spec.HasFlag("incomplete")) return SpecKeys::kUnknown;
  }
  return SpecKeys::kFound;
}

}  // namespace valkdb
