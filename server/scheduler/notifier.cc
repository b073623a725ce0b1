#include "server/scheduler/notifier.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "protocol/str_util.h"

namespace valkdb {

bool Notifier::InFlightLocked(uint64_t first, uint64_t last) const {
  for (const Batch* batch : batches_) {
    if (batch->first() <= last && first <= batch->last() && !batch->Spent()) return true;
  }
  if (requests_.empty()) return false;
  // Whichever is fewer: the ids of the run, or the single ids in flight.
  if (last - first < requests_.size()) {
    for (uint64_t id = first;; ++id) {
      if (requests_.contains(id)) return true;
      if (id == last) return false;
    }
  }
  return std::any_of(requests_.begin(), requests_.end(),
                     [&](const auto& kv) { return first <= kv.first && kv.first <= last; });
}

absl::Status Notifier::Register(uint64_t id, Completion* completion) {
  absl::MutexLock lock(&mu_);
  for (const Batch* batch : batches_) {
    if (batch->first() <= id && id <= batch->last() && !batch->Spent()) {
      return absl::AlreadyExistsError(StrCat("duplicate request id ", id));
    }
  }
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

absl::Status Notifier::RegisterBatch(Batch* batch, uint64_t first, uint64_t count,
                                     Completion* owner) {
  absl::MutexLock lock(&mu_);
  if (batch->registered_ && !batch->Spent()) {
    return absl::FailedPreconditionError("batch still has requests in flight");
  }
  // A spent batch, this one included, holds no ids.
  if (InFlightLocked(first, first + (count - 1))) {
    return absl::AlreadyExistsError(StrCat("duplicate request ids from ", first));
  }
  batch->first_ = first;
  batch->count_ = count;
  batch->owner_ = owner;
  batch->ended_.store(0, std::memory_order_release);
  if (!batch->registered_) {
    batches_.push_back(batch);
    batch->registered_ = true;
  }
  return absl::OkStatus();
}

void Notifier::UnregisterBatch(Batch* batch) {
  absl::MutexLock lock(&mu_);
  if (!batch->registered_) return;
  batch->registered_ = false;
  batch->TakeRest();
  batches_.erase(std::find(batches_.begin(), batches_.end(), batch));
}

size_t Notifier::FailAll(std::string_view error) {
  absl::flat_hash_map<uint64_t, Completion*> failed;
  struct Rest {
    Completion* owner;
    uint64_t first;
    uint64_t count;
  };
  std::vector<Rest> rests;
  {
    absl::MutexLock lock(&mu_);
    failed.swap(requests_);
    // A batch stays registered (its registrant unregisters it); only the ids
    // it has not ended yet are taken here.
    for (Batch* batch : batches_) {
      const uint64_t ended = batch->TakeRest();
      if (ended < batch->count()) {
        rests.push_back({batch->owner(), batch->first() + ended, batch->count() - ended});
      }
    }
  }
  const Outcome outcome = Outcome::Failed(error);
  size_t count = failed.size();
  for (auto& [id, completion] : failed) completion->Complete(id, outcome);
  for (const Rest& rest : rests) {
    for (uint64_t i = 0; i < rest.count; ++i) rest.owner->Complete(rest.first + i, outcome);
    count += rest.count;
  }
  return count;
}

size_t Notifier::Forget(Completion* completion) {
  absl::MutexLock lock(&mu_);
  size_t count = absl::erase_if(requests_, [&](const auto& kv) { return kv.second == completion; });
  for (Batch* batch : batches_) {
    if (batch->owner() == completion) count += batch->count() - batch->TakeRest();
  }
  return count;
}

size_t Notifier::in_flight() const {
  absl::MutexLock lock(&mu_);
  size_t count = requests_.size();
  for (const Batch* batch : batches_) count += batch->Remaining();
  return count;
}

}  // namespace valkdb
