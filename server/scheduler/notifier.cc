#include "server/scheduler/notifier.h"

#include <utility>
#include <vector>

#include "protocol/str_util.h"

namespace valkdb {

absl::Status Notifier::Register(uint64_t id, Completion* completion) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = requests_.try_emplace(id, completion);
  if (!inserted) return absl::AlreadyExistsError(StrCat("duplicate request id ", id));
  return absl::OkStatus();
}

absl::Status Notifier::Trigger(uint64_t id, const Outcome& outcome) {
  Completion* completion = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return absl::NotFoundError(StrCat("request id ", id, " not found"));
    completion = it->second;
    requests_.erase(it);
  }
  completion->Complete(id, outcome);
  return absl::OkStatus();
}

size_t Notifier::FailAll(std::string_view error) {
  absl::flat_hash_map<uint64_t, Completion*> failed;
  {
    absl::MutexLock lock(&mu_);
    failed.swap(requests_);
  }
  Outcome outcome = Outcome::Failed(error);
  for (auto& [id, completion] : failed) completion->Complete(id, outcome);
  return failed.size();
}

size_t Notifier::Forget(Completion* completion) {
  absl::MutexLock lock(&mu_);
  return absl::erase_if(requests_, [&](const auto& kv) { return kv.second == completion; });
}

size_t Notifier::in_flight() const {
  absl::MutexLock lock(&mu_);
  return requests_.size();
}

}  // namespace valkdb
