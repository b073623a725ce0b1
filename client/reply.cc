#include "client/reply.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "protocol/str_util.h"

namespace valkdb {
namespace {

using Type = RespValue::Type;

absl::Status Unexpected(std::string_view what, const RespValue& value) {
  std::string shown = value.DebugString();
  if (shown.size() > 200) shown = StrCat(shown.substr(0, 200), "...");
  return absl::InternalError(StrCat("valkdb: expected ", what, " in the reply, got ", shown));
}

bool IsText(const RespValue& v) {
  return v.type == Type::kBulkString || v.type == Type::kSimpleString ||
         v.type == Type::kVerbatim || v.type == Type::kDouble || v.type == Type::kBigNumber;
}

bool IsList(const RespValue& v) {
  return v.type == Type::kArray || v.type == Type::kSet || v.type == Type::kPush;
}

bool ParseDoubleText(std::string_view text, double* out) {
  if (text == "inf" || text == "+inf") {
    *out = HUGE_VAL;
    return true;
  }
  if (text == "-inf") {
    *out = -HUGE_VAL;
    return true;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

absl::StatusOr<double> ToDouble(const RespValue& v) {
  if (v.type == Type::kDouble) return v.dbl;
  if (v.type == Type::kInteger) return static_cast<double>(v.integer);
  double d = 0;
  if (IsText(v) && ParseDoubleText(v.str, &d)) return d;
  return Unexpected("a number", v);
}

}  // namespace

absl::Status ServerError(std::string_view text) {
  std::string_view code = text.substr(0, text.find(' '));
  absl::StatusCode status_code = absl::StatusCode::kUnknown;
  if (code == "NOAUTH" || code == "WRONGPASS") {
    status_code = absl::StatusCode::kUnauthenticated;
  } else if (code == "NOPERM") {
    status_code = absl::StatusCode::kPermissionDenied;
  }
  return absl::Status(status_code, std::string(text));
}

namespace reply {

absl::StatusOr<RespValue> ToStatusOr(RespValue&& value) {
  if (value.is_error()) return ServerError(value.str);
  return std::move(value);
}

absl::StatusOr<RespValue> AsValue(RespValue&& value) { return std::move(value); }

absl::StatusOr<std::string> AsString(RespValue&& value) {
  if (!IsText(value)) return Unexpected("a string", value);
  return std::move(value.str);
}

absl::StatusOr<std::optional<std::string>> AsOptionalString(RespValue&& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (!IsText(value)) return Unexpected("a string or null", value);
  return std::optional<std::string>(std::move(value.str));
}

absl::StatusOr<int64_t> AsInteger(RespValue&& value) {
  if (value.type != Type::kInteger) return Unexpected("an integer", value);
  return value.integer;
}

absl::StatusOr<bool> AsBool(RespValue&& value) {
  if (value.type == Type::kBoolean) return value.boolean;
  if (value.type == Type::kInteger) return value.integer != 0;
  return Unexpected("an integer or boolean", value);
}

absl::StatusOr<bool> AsOkOrNull(RespValue&& value) {
  if (value.is_null()) return false;
  if (value.type == Type::kSimpleString) return true;
  return Unexpected("+OK or null", value);
}

absl::StatusOr<Done> AsDone(RespValue&&) { return Done{}; }

absl::StatusOr<double> AsDouble(RespValue&& value) { return ToDouble(value); }

absl::StatusOr<std::optional<double>> AsOptionalDouble(RespValue&& value) {
  if (value.is_null()) return std::optional<double>();
  absl::StatusOr<double> d = ToDouble(value);
  if (!d.ok()) return d.status();
  return std::optional<double>(*d);
}

absl::StatusOr<std::vector<std::string>> AsStringList(RespValue&& value) {
  if (!IsList(value)) return Unexpected("an array", value);
  std::vector<std::string> out;
  out.reserve(value.elements.size());
  for (RespValue& e : value.elements) {
    if (e.is_null()) {
      out.emplace_back();
    } else if (IsText(e)) {
      out.push_back(std::move(e.str));
    } else if (e.type == Type::kInteger) {
      out.push_back(std::to_string(e.integer));
    } else {
      return Unexpected("an array of strings", value);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<std::string>>> AsOptionalStringList(RespValue&& value) {
  if (!IsList(value)) return Unexpected("an array", value);
  std::vector<std::optional<std::string>> out;
  out.reserve(value.elements.size());
  for (RespValue& e : value.elements) {
    if (e.is_null()) {
      out.emplace_back();
    } else if (IsText(e)) {
      out.emplace_back(std::move(e.str));
    } else {
      return Unexpected("an array of strings or nulls", value);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> AsStringPairs(RespValue&& value) {
  if ((value.type != Type::kMap && !IsList(value)) || value.elements.size() % 2 != 0) {
    return Unexpected("a map", value);
  }
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(value.elements.size() / 2);
  for (size_t i = 0; i < value.elements.size(); i += 2) {
    RespValue& k = value.elements[i];
    RespValue& v = value.elements[i + 1];
    if (!IsText(k) || !IsText(v)) return Unexpected("a map of strings", value);
    out.emplace_back(std::move(k.str), std::move(v.str));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, double>>> AsScoredMembers(RespValue&& value) {
  if (!IsList(value)) return Unexpected("an array", value);
  std::vector<std::pair<std::string, double>> out;
  const bool nested = !value.elements.empty() && IsList(value.elements[0]);
  if (nested) {
    for (RespValue& pair : value.elements) {
      if (!IsList(pair) || pair.elements.size() != 2 || !IsText(pair.elements[0])) {
        return Unexpected("member/score pairs", value);
      }
      absl::StatusOr<double> score = ToDouble(pair.elements[1]);
      if (!score.ok()) return score.status();
      out.emplace_back(std::move(pair.elements[0].str), *score);
    }
    return out;
  }
  if (value.elements.size() % 2 != 0) return Unexpected("member/score pairs", value);
  for (size_t i = 0; i < value.elements.size(); i += 2) {
    if (!IsText(value.elements[i])) return Unexpected("member/score pairs", value);
    absl::StatusOr<double> score = ToDouble(value.elements[i + 1]);
    if (!score.ok()) return score.status();
    out.emplace_back(std::move(value.elements[i].str), *score);
  }
  return out;
}

absl::StatusOr<ScanPage> AsScanPage(RespValue&& value) {
  if (!IsList(value) || value.elements.size() != 2 || !IsText(value.elements[0])) {
    return Unexpected("a SCAN page", value);
  }
  ScanPage page;
  page.cursor = std::move(value.elements[0].str);
  absl::StatusOr<std::vector<std::string>> keys = AsStringList(std::move(value.elements[1]));
  if (!keys.ok()) return keys.status();
  page.keys = std::move(*keys);
  return page;
}

}  // namespace reply
}  // namespace valkdb
