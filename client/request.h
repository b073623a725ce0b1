#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace valkdb {

// One command, encoded for the wire as soon as it is built, so the arguments
// need not outlive the call: `{"SET", key, value}`.
class Request {
 public:
  Request(std::initializer_list<std::string_view> args);  // NOLINT: implicit
  Request(absl::Span<const std::string_view> args);       // NOLINT: implicit
  Request(const std::vector<std::string>& args);          // NOLINT: implicit
  Request(std::string_view name, absl::Span<const std::string_view> rest);

  // The RESP multibulk encoding.
  const std::string& encoded() const { return encoded_; }
  // The command name as given (first argument), for error messages.
  const std::string& name() const { return name_; }
  size_t argc() const { return argc_; }

 private:
  std::string encoded_;
  std::string name_;
  size_t argc_ = 0;
};

// Commands queued to be sent in one write and answered in one round trip;
// replies come back in the order the commands were added.
class Pipeline {
 public:
  Pipeline& Add(const Request& request);
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const std::string& encoded() const { return encoded_; }
  const std::vector<std::string>& names() const { return names_; }
  void Clear();

 private:
  std::string encoded_;
  std::vector<std::string> names_;
  size_t count_ = 0;
};

}  // namespace valkdb
