#include "tests/support/transcript.h"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "protocol/str_util.h"

namespace valkdb::test {
namespace {

// The TTL or PTTL tolerance of a "> " line, or nothing for other commands.
std::optional<int64_t> ClockTolerance(std::string_view command_line) {
  const std::string lower = AsciiLower(command_line);
  // Multibulk as Visible() shows it, or an inline command.
  if (lower.find("\\r\\n$3\\r\\nttl\\r\\n") != std::string::npos || lower.rfind("> ttl ", 0) == 0) {
    return 2;
  }
  if (lower.find("\\r\\n$4\\r\\npttl\\r\\n") != std::string::npos ||
      lower.rfind("> pttl ", 0) == 0) {
    return 2000;
  }
  return std::nullopt;
}

// N of a "< :N\r\n" line when N >= 0.
std::optional<int64_t> PositiveInteger(std::string_view reply_line) {
  if (reply_line.rfind("< :", 0) != 0) return std::nullopt;
  std::string_view rest = reply_line.substr(3);
  const size_t end = rest.find("\\r\\n");
  if (end == std::string_view::npos || end + 4 != rest.size()) return std::nullopt;
  const std::string_view digits = rest.substr(0, end);
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

bool SameTranscriptsUpToClock(std::string_view actual, std::string_view expected) {
  if (actual == expected) return true;
  const std::vector<std::string_view> a = Split(actual, '\n', /*skip_empty=*/false);
  const std::vector<std::string_view> b = Split(expected, '\n', /*skip_empty=*/false);
  if (a.size() != b.size()) return false;
  std::optional<int64_t> tolerance;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].rfind("> ", 0) == 0) tolerance = ClockTolerance(a[i]);
    if (a[i] == b[i]) continue;
    if (!tolerance.has_value()) return false;
    const std::optional<int64_t> x = PositiveInteger(a[i]);
    const std::optional<int64_t> y = PositiveInteger(b[i]);
    if (!x.has_value() || !y.has_value() || std::llabs(*x - *y) > *tolerance) return false;
  }
  return true;
}

}  // namespace valkdb::test
