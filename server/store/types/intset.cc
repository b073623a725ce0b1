#include "server/store/types/intset.h"

#include <cstring>

namespace valkdb::intset {
namespace {

// The narrowest width (2, 4 or 8 bytes) that holds value, as Redis's _intsetValueEncoding.
uint8_t WidthFor(int64_t value) {
  if (value < INT32_MIN || value > INT32_MAX) return 8;
  if (value < INT16_MIN || value > INT16_MAX) return 4;
  return 2;
}

uint8_t Width(std::string_view set) { return static_cast<uint8_t>(set[0]); }

int64_t Read(const char* p, uint8_t width) {
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void Write(char* p, uint8_t width, int64_t value) {
  switch (width) {
    case 2: {
      const auto v = static_cast<int16_t>(value);
      std::memcpy(p, &v, 2);
      break;
    }
    case 4: {
      const auto v = static_cast<int32_t>(value);
      std::memcpy(p, &v, 4);
      break;
    }
    default:
      std::memcpy(p, &value, 8);
  }
}

// Binary search: true and the position if found; else the insertion position.
bool Search(std::string_view set, int64_t value, size_t* position) {
  const uint8_t width = Width(set);
  size_t low = 0, high = Count(set);
  const char* data = set.data() + 1;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    const int64_t v = Read(data + mid * width, width);
    if (v == value) {
      *position = mid;
      return true;
    }
    if (v < value) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  *position = low;
  return false;
}

}  // namespace

std::string Empty() { return std::string(1, static_cast<char>(2)); }

bool Valid(std::string_view set) {
  if (set.empty()) return false;
  const uint8_t width = Width(set);
  if (width != 2 && width != 4 && width != 8) return false;
  if ((set.size() - 1) % width != 0) return false;
  // Strictly ascending, as every reader's binary search assumes.
  const size_t n = (set.size() - 1) / width;
  for (size_t i = 1; i < n; ++i) {
    if (Read(set.data() + 1 + (i - 1) * width, width) >= Read(set.data() + 1 + i * width, width)) {
      return false;
    }
  }
  return true;
}

size_t Count(std::string_view set) { return (set.size() - 1) / Width(set); }

int64_t Get(std::string_view set, size_t index) {
  const uint8_t width = Width(set);
  return Read(set.data() + 1 + index * width, width);
}

bool Contains(std::string_view set, int64_t value) {
  if (WidthFor(value) > Width(set)) return false;
  size_t position = 0;
  return Search(set, value, &position);
}

bool Add(std::string_view set, int64_t value, std::string* out) {
  const uint8_t width = Width(set);
  const uint8_t needed = WidthFor(value);
  const size_t n = Count(set);
  if (needed > width) {
    // Widen: the new value is beyond every member, so it goes first or last.
    out->assign(1 + (n + 1) * needed, '\0');
    (*out)[0] = static_cast<char>(needed);
    const size_t shift = value < 0 ? 1 : 0;
    for (size_t i = 0; i < n; ++i) {
      Write(out->data() + 1 + (i + shift) * needed, needed, Get(set, i));
    }
    Write(out->data() + 1 + (value < 0 ? 0 : n) * needed, needed, value);
    return true;
  }
  size_t position = 0;
  if (Search(set, value, &position)) return false;
  out->resize(set.size() + width);
  std::memcpy(out->data(), set.data(), 1 + position * width);
  Write(out->data() + 1 + position * width, width, value);
  std::memcpy(out->data() + 1 + (position + 1) * width, set.data() + 1 + position * width,
              (n - position) * width);
  return true;
}

bool Remove(std::string_view set, int64_t value, std::string* out) {
  if (WidthFor(value) > Width(set)) return false;
  size_t position = 0;
  if (!Search(set, value, &position)) return false;
  const uint8_t width = Width(set);
  out->assign(set.data(), 1 + position * width);
  out->append(set.substr(1 + (position + 1) * width));
  return true;
}

std::optional<int64_t> ParseMember(std::string_view s) {
  // Redis's string2ll: no spaces, no '+', no leading zeros, "-0" is not an integer.
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (s.size() == 1 && s[0] == '0') return 0;
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative) {
    if (s.size() == 1) return std::nullopt;
    i = 1;
  }
  if (s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return v == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

}  // namespace valkdb::intset
