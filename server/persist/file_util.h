#pragma once

// Small POSIX file helpers shared by the RDB and AOF code.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace valkdb {

// write(2) until all is written (EINTR retried); the error names errno.
absl::Status WriteAll(int fd, std::string_view bytes);
// The whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// A file mapped read-only: loading reads it in place, without copying it into
// the heap first (the copy and its page faults were a sixth of a load's CPU).
class MappedFile {
 public:
  // NotFound when the file does not exist.
  static absl::StatusOr<MappedFile> Open(const std::string& path);
  MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  ~MappedFile();
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}
  void* data_ = nullptr;
  size_t size_ = 0;
};
// fsyncs the directory holding `path`, so a rename or a new file in it is durable.
void FsyncDirOf(const std::string& path);
// `dir`/`name`, or `name` when dir is empty.
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace valkdb
