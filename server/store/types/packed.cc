#include "server/store/types/packed.h"

#include <algorithm>

#include "server/store/types/varint.h"

namespace valkdb::packed {
namespace {

void PutVarint(std::string* out, size_t v) {
  char buf[10];
  out->append(buf, static_cast<size_t>(varint::Put(buf, v) - buf));
}

}  // namespace

size_t EncodedSize(std::string_view element) {
  return varint::Size(element.size()) + element.size();
}

void Append(std::string* out, std::string_view element) {
  PutVarint(out, element.size());
  out->append(element);
}

bool Reader::Next(std::string_view* element) {
  size_t length = 0;
  int shift = 0;
  size_t p = offset_;
  while (true) {
    if (p >= bytes_.size() || shift > 56) return false;
    const auto byte = static_cast<uint8_t>(bytes_[p++]);
    length |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  if (length > bytes_.size() - p) return false;
  *element = bytes_.substr(p, length);
  offset_ = p + length;
  return true;
}

size_t Count(std::string_view bytes) {
  Reader reader(bytes);
  std::string_view element;
  size_t n = 0;
  while (reader.Next(&element)) ++n;
  return n;
}

bool Valid(std::string_view bytes, int stride) {
  if (stride < 1) return false;
  Reader reader(bytes);
  std::string_view element;
  size_t n = 0;
  while (reader.Next(&element)) ++n;
  return reader.at_end() && n % static_cast<size_t>(stride) == 0;
}

namespace {

// Reads one record at the reader's position.
bool ReadRecord(Reader& reader, int stride, Record* record) {
  record->offset = reader.offset();
  if (!reader.Next(&record->first)) return false;
  if (stride == 2 && !reader.Next(&record->second)) return false;
  record->size = reader.offset() - record->offset;
  return true;
}

}  // namespace

bool Find(std::string_view bytes, std::string_view key, int stride, Record* record) {
  Reader reader(bytes);
  while (ReadRecord(reader, stride, record)) {
    if (record->first == key) return true;
  }
  return false;
}

bool At(std::string_view bytes, size_t index, int stride, Record* record) {
  Reader reader(bytes);
  for (size_t i = 0; ReadRecord(reader, stride, record); ++i) {
    if (i == index) return true;
  }
  return false;
}

void Splice(std::string_view bytes, size_t offset, size_t erase, const std::string_view* first,
            const std::string_view* second, std::string* out) {
  // Offsets come from Find or At; out-of-range ones are clamped, never trusted.
  offset = std::min(offset, bytes.size());
  erase = std::min(erase, bytes.size() - offset);
  out->clear();
  out->reserve(bytes.size() + (first ? EncodedSize(*first) : 0) +
               (second ? EncodedSize(*second) : 0));
  out->append(bytes.substr(0, offset));
  if (first != nullptr) Append(out, *first);
  if (second != nullptr) Append(out, *second);
  out->append(bytes.substr(offset + erase));
}

}  // namespace valkdb::packed
