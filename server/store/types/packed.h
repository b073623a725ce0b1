#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace valkdb::packed {

// A compact list of byte strings in one contiguous buffer, in the spirit of
// Redis's listpack: each element is a varint length followed by its bytes.
// Small hashes (field, value, field, value, ...) and small sets of strings
// live in this form inside their entry's own allocation, so a small hash
// costs one allocation and a few bytes per element.
//
// Readers never trust the bytes: a malformed buffer ends iteration early
// (Valid() tells), it never reads out of bounds.

// Bytes `element` takes once encoded.
size_t EncodedSize(std::string_view element);
// Appends one encoded element.
void Append(std::string* out, std::string_view element);

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  // The next element; false at the end or on malformed bytes.
  bool Next(std::string_view* element);
  // Offset of the next element to be read.
  size_t offset() const { return offset_; }
  bool at_end() const { return offset_ >= bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t offset_ = 0;
};

// Number of elements.
size_t Count(std::string_view bytes);
// True when the bytes decode to whole elements, and their count is a multiple of `stride`.
bool Valid(std::string_view bytes, int stride = 1);

// Where a record starts and what it holds: records are `stride` elements
// (1: set member; 2: hash field and value), matched by their first element.
struct Record {
  size_t offset = 0;  // of the record's first element
  size_t size = 0;    // encoded bytes of the whole record
  std::string_view first;
  std::string_view second;  // stride 2 only
};
// The record whose first element equals `key`; false when there is none.
bool Find(std::string_view bytes, std::string_view key, int stride, Record* record);
// The record at position `index` (0-based, in records); false past the end.
bool At(std::string_view bytes, size_t index, int stride, Record* record);

// out = bytes with [offset, offset + erase) replaced by the encoding of the
// given elements (none, one or two; pass nullptr to skip).
void Splice(std::string_view bytes, size_t offset, size_t erase, const std::string_view* first,
            const std::string_view* second, std::string* out);

}  // namespace valkdb::packed
