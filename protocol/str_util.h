#pragma once

// String helpers that take std::string_view. Debian's abseil is built with its
// own absl::string_view (not std::string_view), so its string functions do not
// accept std::string_view directly; these adapt or replace them.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace valkdb {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

namespace str_internal {
template <typename T>
decltype(auto) Adapt(const T& value) {
  if constexpr (!std::is_arithmetic_v<T> && std::is_convertible_v<const T&, std::string_view>) {
    return ToAbsl(std::string_view(value));
  } else {
    return (value);
  }
}
}  // namespace str_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(str_internal::Adapt(args)...);
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, str_internal::Adapt(args)...);
}

// ASCII case folding as C's tolower in the "C" locale (Redis's), inline: no
// call per byte on the command path.
inline char AsciiToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// An argument as Redis's C-string comparisons see it: up to its first NUL.
inline std::string_view AsCString(std::string_view s) { return s.substr(0, s.find('\0')); }
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);
std::string_view StripWhitespace(std::string_view s);
// Splits on `sep`; empty pieces are dropped when skip_empty.
std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = true);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// Redis's sdscatrepr: `s` double-quoted, with C escapes (\n, \xHH, ...).
void AppendRepr(std::string_view s, std::string* out);
std::string Repr(std::string_view s);

}  // namespace valkdb
