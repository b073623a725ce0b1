#include "client/request.h"

#include "protocol/resp_value.h"
#include "protocol/str_util.h"

namespace valkdb {

Request::Request(std::initializer_list<std::string_view> args)
    : Request(absl::Span<const std::string_view>(args.begin(), args.size())) {}

Request::Request(absl::Span<const std::string_view> args) : argc_(args.size()) {
  AppendCommand(args, &encoded_);
  if (!args.empty()) name_.assign(args[0]);
}

Request::Request(const std::vector<std::string>& args) : argc_(args.size()) {
  std::vector<std::string_view> views(args.begin(), args.end());
  AppendCommand(views, &encoded_);
  if (!args.empty()) name_ = args[0];
}

Request::Request(std::string_view name, absl::Span<const std::string_view> rest)
    : name_(name), argc_(rest.size() + 1) {
  std::vector<std::string_view> views;
  views.reserve(rest.size() + 1);
  views.push_back(name);
  views.insert(views.end(), rest.begin(), rest.end());
  AppendCommand(views, &encoded_);
}

Pipeline& Pipeline::Add(const Request& request) {
  encoded_.append(request.encoded());
  names_.push_back(request.name());
  ++count_;
  return *this;
}

void Pipeline::Clear() {
  encoded_.clear();
  names_.clear();
  count_ = 0;
}

}  // namespace valkdb
