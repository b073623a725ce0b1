#include "client/cli/reply_format.h"

#include <algorithm>
#include <cstdio>

#include "protocol/resp_writer.h"
#include "protocol/str_util.h"

namespace valkdb::cli {
namespace {

using Type = RespValue::Type;

std::string DoubleText(const RespValue& v) { return v.str.empty() ? FormatDouble(v.dbl) : v.str; }

std::string Tty(const RespValue& v, const std::string& prefix) {
  switch (v.type) {
    case Type::kError:
      return StrCat("(error) ", v.str, "\n");
    case Type::kSimpleString:
      return StrCat(v.str, "\n");
    case Type::kInteger:
      return StrCat("(integer) ", v.integer, "\n");
    case Type::kDouble:
      return StrCat("(double) ", DoubleText(v), "\n");
    case Type::kBulkString:
      return StrCat(Quote(v.str), "\n");
    case Type::kVerbatim:
      return StrCat(v.str, "\n");
    case Type::kNull:
      return "(nil)\n";
    case Type::kBoolean:
      return v.boolean ? "(true)\n" : "(false)\n";
    case Type::kBigNumber:
      return StrCat("(big number) ", v.str, "\n");
    case Type::kArray:
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
      break;
  }
  if (v.elements.empty()) {
    switch (v.type) {
      case Type::kMap:
        return "(empty hash)\n";
      case Type::kSet:
        return "(empty set)\n";
      case Type::kPush:
        return "(empty push)\n";
      default:
        return "(empty array)\n";
    }
  }
  const bool map = v.type == Type::kMap;
  size_t count = map ? v.elements.size() / 2 : v.elements.size();
  int width = 0;
  do {
    ++width;
    count /= 10;
  } while (count != 0);
  const std::string inner = prefix + std::string(static_cast<size_t>(width) + 2, ' ');
  const char sep = v.type == Type::kSet ? '~' : map ? '#' : ')';
  std::string out;
  for (size_t i = 0; i < v.elements.size(); ++i) {
    const size_t index = (map ? i / 2 : i) + 1;
    std::string head = std::to_string(index);
    head.insert(0, static_cast<size_t>(width) - std::min(head.size(), static_cast<size_t>(width)),
                ' ');
    head.push_back(sep);
    head.push_back(' ');
    // The first element follows the index its parent already printed.
    StrAppend(&out, i == 0 ? std::string() : prefix, head, Tty(v.elements[i], inner));
    if (map && i + 1 < v.elements.size()) {
      ++i;
      out.pop_back();  // the key's newline
      StrAppend(&out, " => ", Tty(v.elements[i], inner));
    }
  }
  return out;
}

}  // namespace

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          out.push_back(c);
        } else {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
          out.append(hex);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatTty(const RespValue& value) { return Tty(value, ""); }

std::string FormatRaw(const RespValue& v) {
  switch (v.type) {
    case Type::kNull:
      return "";
    case Type::kError:
      return StrCat(v.str, "\n");
    case Type::kSimpleString:
    case Type::kBulkString:
    case Type::kVerbatim:
    case Type::kBigNumber:
      return v.str;
    case Type::kBoolean:
      return v.boolean ? "(true)" : "(false)";
    case Type::kInteger:
      return std::to_string(v.integer);
    case Type::kDouble:
      return DoubleText(v);
    case Type::kArray:
    case Type::kSet:
    case Type::kPush: {
      std::string out;
      for (size_t i = 0; i < v.elements.size(); ++i) {
        if (i > 0) out.push_back('\n');
        out.append(FormatRaw(v.elements[i]));
      }
      return out;
    }
    case Type::kMap: {
      std::string out;
      for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
        if (i > 0) out.push_back('\n');
        StrAppend(&out, FormatRaw(v.elements[i]), " ", FormatRaw(v.elements[i + 1]));
      }
      return out;
    }
  }
  return "";
}

}  // namespace valkdb::cli
