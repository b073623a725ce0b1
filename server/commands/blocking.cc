#include "server/commands/blocking.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "protocol/request_parser.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/server_state.h"
#include "server/commands/typed.h"
#include "server/store/key_hash.h"

namespace valkdb {

size_t BlockingRegistry::KeyIdHash::operator()(const KeyId& k) const {
  return absl::HashOf(k.first, ToAbsl(k.second));
}

void BlockingRegistry::Add(std::shared_ptr<Waiter> waiter) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : waiter->keys) {
    auto& queue = by_key_[KeyId(waiter->db, key)];
    // BLPOP k k: one registration per key.
    if (std::find(queue.begin(), queue.end(), waiter) == queue.end()) queue.push_back(waiter);
  }
  waiter->registered = true;
  by_client_[waiter->client_id] = std::move(waiter);
  waiting_.fetch_add(1, std::memory_order_acq_rel);
}

void BlockingRegistry::RemoveLocked(Waiter& waiter) {
  if (!waiter.registered) return;
  waiter.registered = false;
  for (const std::string& key : waiter.keys) {
    auto queue = by_key_.find(KeyId(waiter.db, key));
    if (queue == by_key_.end()) continue;
    auto& q = queue->second;
    q.erase(std::remove_if(q.begin(), q.end(), [&](const auto& w) { return w.get() == &waiter; }),
            q.end());
    if (q.empty()) by_key_.erase(queue);
  }
  auto it = by_client_.find(waiter.client_id);
  if (it != by_client_.end() && it->second.get() == &waiter) by_client_.erase(it);
  waiting_.fetch_sub(1, std::memory_order_acq_rel);
}

void BlockingRegistry::Remove(Waiter& waiter) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(waiter);
}

bool BlockingRegistry::HasWaiters(int db, std::string_view key) {
  absl::MutexLock lock(&mu_);
  return by_key_.contains(KeyId(db, std::string(key)));
}

bool BlockingRegistry::HasStreamGroupWaiters(int db, std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(KeyId(db, std::string(key)));
  if (it == by_key_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [](const auto& waiter) {
    return waiter->type == Entry::Type::kStream && !waiter->group.empty();
  });
}

std::vector<std::string> BlockingRegistry::WaitedKeys(int db) {
  std::vector<std::string> keys;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, queue] : by_key_) {
    if (id.first == db) keys.push_back(id.second);
  }
  return keys;
}

std::shared_ptr<Waiter> BlockingRegistry::First(int db, std::string_view key, Entry::Type type,
                                                const std::vector<const Waiter*>& passed) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(KeyId(db, std::string(key)));
  if (it == by_key_.end()) return nullptr;
  for (const std::shared_ptr<Waiter>& waiter : it->second) {
    if (waiter->type == type &&
        std::find(passed.begin(), passed.end(), waiter.get()) == passed.end()) {
      return waiter;
    }
  }
  return nullptr;
}

void BlockingRegistry::EndStreamGroupWaiters(int db, std::string_view key) {
  std::vector<std::shared_ptr<Waiter>> ended;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(KeyId(db, std::string(key)));
    if (it == by_key_.end()) return;
    for (const std::shared_ptr<Waiter>& waiter : it->second) {
      if (waiter->type == Entry::Type::kStream && !waiter->group.empty()) ended.push_back(waiter);
    }
    size_t mine = 0;  // those not ended by someone else meanwhile
    for (const std::shared_ptr<Waiter>& waiter : ended) {
      if (waiter->Finish(Waiter::State::kServed)) {
        waiter->reply = "-UNBLOCKED the stream key no longer exists\r\n";
        ended[mine++] = waiter;
      }
      RemoveLocked(*waiter);
    }
    ended.resize(mine);
  }
  for (const std::shared_ptr<Waiter>& waiter : ended) {
    if (deliver_) deliver_(waiter->loop, waiter->client_id);
  }
}

bool BlockingRegistry::Unblock(uint64_t client_id, bool error) {
  std::shared_ptr<Waiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_client_.find(client_id);
    if (it == by_client_.end()) return false;
    waiter = it->second;
    if (!waiter->Finish(error ? Waiter::State::kError : Waiter::State::kTimedOut)) return false;
    RemoveLocked(*waiter);
  }
  if (deliver_) deliver_(waiter->loop, waiter->client_id);
  return true;
}

void BlockingRegistry::ServeReady(Store& store, ServerState& server, int64_t now_ms,
                                  std::vector<ReadyKey>* ready) {
  // Serving may make more keys ready (a BLMOVE's destination): they join the list.
  for (size_t i = 0; i < ready->size(); ++i) {
    const int db = (*ready)[i].db;
    const std::string key = (*ready)[i].key;
    std::vector<const Waiter*> passed;  // waiters this key cannot serve now
    while (true) {
      // Waiters of another type (BZPOPMIN on a key that now holds a list)
      // keep waiting; those of the key's type are served in FIFO order.
      Entry::Type type;
      {
        MultiShardLock peek(store);
        peek.LockOne(db, key);
        Shard& shard = peek(db, key);
        AssumeLocked(shard);
        const Entry* entry = shard.Find(key, now_ms);
        if (entry == nullptr || entry->type() != Entry::Type::kStream) {
          EndStreamGroupWaiters(db, key);
        }
        if (entry == nullptr) break;
        type = entry->type();
      }
      std::shared_ptr<Waiter> waiter = First(db, key, type, passed);
      if (waiter == nullptr) break;
      MultiShardLock locks(store);
      if (waiter->destination.empty()) {
        locks.LockOne(db, key);
      } else {
        const MultiShardLock::Key keys[] = {{db, key}, {db, waiter->destination}};
        locks.Lock(keys);
      }
      Shard& shard = locks(db, key);
      AssumeLocked(shard);
      const Entry* entry = shard.Find(key, now_ms);
      if (entry == nullptr) break;
      if (entry->type() != waiter->type) continue;  // changed since the peek
      if (waiter->can_serve != nullptr && !waiter->can_serve(*entry, *waiter, key)) {
        passed.push_back(waiter.get());
        continue;
      }
      {
        absl::MutexLock lock(&mu_);
        // Another thread may have served, timed out or cancelled it meanwhile.
        if (!waiter->Finish(Waiter::State::kServed)) {
          RemoveLocked(*waiter);
          continue;
        }
        RemoveLocked(*waiter);
      }
      ServeContext ctx{store, server, locks, now_ms, ready};
      {
        // As in Redis, the served client is the current one: invalidations
        // of its own keys follow its reply.
        Tracking::Scope scope(waiter->client_id);
        scope.set_in_command(true);
        waiter->serve(ctx, *waiter, key);
        scope.set_in_command(false);
        server.tracking.FlushPending(waiter->client_id, [&](const PubSubMessage& m) {
          const Bytes& bytes = waiter->resp3 ? m.resp3 : m.resp2;
          if (!waiter->resp3 && m.resp2_if_subscribed)
            return;  // a blocked client is not subscribed
          waiter->reply.append(bytes.data(), bytes.size());
        });
      }
      if (deliver_) deliver_(waiter->loop, waiter->client_id);
    }
  }
  ready->clear();
}

void AppendArrayHeader(std::string* out, size_t count) { StrAppend(out, "*", count, "\r\n"); }

void AppendBulk(std::string* out, std::string_view bytes) {
  StrAppend(out, "$", bytes.size(), "\r\n");
  out->append(bytes);
  out->append("\r\n");
}

void AppendDouble(std::string* out, double value, bool resp3) {
  const std::string text = FormatDouble(value);
  if (resp3) {
    StrAppend(out, ",", text, "\r\n");
  } else {
    AppendBulk(out, text);
  }
}

int64_t BlockingRegistry::DropEveryFromEnvironment() {
  const char* every = std::getenv("VALKDB_TEST_DROP_WAKEUP_EVERY");
  return every != nullptr ? std::max<int64_t>(0, std::atoll(every)) : 0;
}

bool ParseBlockTimeout(CommandContext& ctx, std::string_view text, int64_t* deadline_ms) {
  long double seconds = 0;
  if (!ParseLongDouble(text, &seconds)) {
    ctx.out.Error("timeout is not a float or out of range");
    return false;
  }
  const long double ms = std::ceil(seconds * 1000.0L);  // 0.001 is 1 ms, not 0 (forever)
  if (ms < 0) {
    ctx.out.Error("timeout is negative");
    return false;
  }
  if (!(ms < 9.0e18L)) {
    ctx.out.Error("timeout is out of range");
    return false;
  }
  const auto tval = static_cast<int64_t>(ms);
  if (tval > 0 && tval > INT64_MAX - ctx.now_ms) {
    ctx.out.Error("timeout is out of range");
    return false;
  }
  *deadline_ms = tval > 0 ? tval + ctx.now_ms : 0;
  return true;
}

void NumKeysFrom(const CommandContext& ctx, size_t index, KeyList* keys) {
  int64_t numkeys = 0;
  if (index >= ctx.argc() || !ParseInt64(ctx.arg(index), &numkeys) || numkeys < 1) return;
  const auto last = std::min<uint64_t>(ctx.argc() - 1, index + static_cast<uint64_t>(numkeys));
  for (size_t i = index + 1; i <= last; ++i) keys->push_back({ctx.client.db, ctx.arg(i)});
}

}  // namespace valkdb
