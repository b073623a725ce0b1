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
// fsyncs the directory holding `path`, so a rename or a new file in it is durable.
void FsyncDirOf(const std::string& path);
// `dir`/`name`, or `name` when dir is empty.
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace valkdb
