#pragma once

// A mutable Redis 7.0 listpack for stream nodes: append, walk both ways and
// replace an integer in place, writing the bytes Redis's listpack.c writes
// (same encodings, backlens and header updates). The listpack is a
// std::string whose size is its total bytes. Reading assumes a well-formed
// listpack: validate untrusted bytes first (rdb::DecodeListpack).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace valkdb::stream_lp {

// No element: past the last or before the first.
inline constexpr size_t kNone = static_cast<size_t>(-1);
// Decimal text of any int64, with room to spare.
inline constexpr size_t kIntTextSize = 24;

// An empty listpack (lpNew).
std::string New();

// lpAppendInteger.
void AppendInt(std::string* lp, int64_t v);
// lpAppend: a canonical int64 string ("12", not "012" or "-0") is stored as
// an integer, anything else as a string.
void Append(std::string* lp, std::string_view s);
// lpReplaceInteger: the element at `pos` becomes `v`; its encoding may change
// size, the elements after it move, `pos` still addresses it.
void ReplaceInt(std::string* lp, size_t pos, int64_t v);

// Offsets of elements: lpFirst, lpNext, lpPrev, lpLast (kNone when there is
// no such element).
size_t First(std::string_view lp);
size_t Next(std::string_view lp, size_t pos);
size_t Prev(std::string_view lp, size_t pos);
size_t Last(std::string_view lp);

// The element at `pos` as an integer; the element is integer-encoded (every
// number a stream node stores is).
int64_t GetInt(std::string_view lp, size_t pos);
// lpGet: a string element's bytes, or an integer's decimal text written to `buf`.
std::string_view GetText(std::string_view lp, size_t pos, char (&buf)[kIntTextSize]);

}  // namespace valkdb::stream_lp
