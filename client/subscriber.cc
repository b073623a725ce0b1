#include "client/subscriber.h"

#include <deque>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "client/future.h"
#include "client/internal/async_core.h"
#include "client/reply.h"
#include "protocol/str_util.h"

namespace valkdb {

namespace {
constexpr absl::Duration kShutdownWait = absl::Seconds(5);

bool IsText(const RespValue& v) {
  return v.type == RespValue::Type::kBulkString || v.type == RespValue::Type::kSimpleString;
}
}  // namespace

struct Subscriber::State {
  // Loop thread only.
  std::shared_ptr<client_internal::AsyncCore> core;
  std::set<std::string> channels_wanted;  // as of the last command queued
  std::set<std::string> patterns_wanted;
  bool resubscribe = false;  // the connection dropped since the last subscribe

  // Any thread.
  mutable absl::Mutex mu;
  std::deque<Message> queue ABSL_GUARDED_BY(mu);
  std::shared_ptr<MessageCallback> callback ABSL_GUARDED_BY(mu);
  absl::Status ended ABSL_GUARDED_BY(mu);  // set when the connection is lost for good
  std::vector<std::string> channels_view ABSL_GUARDED_BY(mu);
  std::vector<std::string> patterns_view ABSL_GUARDED_BY(mu);

  void Publish() {
    absl::MutexLock lock(&mu);
    channels_view.assign(channels_wanted.begin(), channels_wanted.end());
    patterns_view.assign(patterns_wanted.begin(), patterns_wanted.end());
  }

  void Deliver(Message message) {
    std::shared_ptr<MessageCallback> cb;
    {
      absl::MutexLock lock(&mu);
      cb = callback;
      if (cb == nullptr) {
        queue.push_back(std::move(message));
        return;
      }
    }
    (*cb)(message);
  }

  // Messages (and pongs) are consumed here; confirmations and errors answer the
  // pending command.
  bool Intercept(RespValue& v) {
    if (v.type != RespValue::Type::kArray && v.type != RespValue::Type::kPush) return false;
    if (v.elements.empty() || !IsText(v.elements[0])) return false;
    const std::string kind = AsciiLower(v.elements[0].str);
    if (kind == "message" && v.elements.size() == 3) {
      Deliver(Message{std::move(v.elements[1].str), std::move(v.elements[2].str), {}});
      return true;
    }
    if (kind == "pmessage" && v.elements.size() == 4) {
      Deliver(Message{std::move(v.elements[2].str), std::move(v.elements[3].str),
                      std::move(v.elements[1].str)});
      return true;
    }
    return kind == "pong";
  }

  // After a reconnect the server knows nothing of us: subscribe to everything again.
  void Resubscribe() {
    if (!resubscribe) return;
    resubscribe = false;
    for (auto [kind, set] :
         {std::pair{"SUBSCRIBE", &channels_wanted}, std::pair{"PSUBSCRIBE", &patterns_wanted}}) {
      if (set->empty()) continue;
      std::vector<std::string_view> args = {kind};
      args.insert(args.end(), set->begin(), set->end());
      client_internal::AsyncOp op;
      op.bytes = EncodeCommand(args);
      op.replies = set->size();
      op.error_ends = true;
      op.deadline = client_internal::Deadline::After(core->options().command_timeout);
      op.done = [](client_internal::Replies) {};
      core->Enqueue(std::move(op));
    }
  }

  void Lost(const absl::Status& status) {
    if (core == nullptr) return;
    if (core->options().reconnect) {
      resubscribe = true;
      return;
    }
    channels_wanted.clear();
    patterns_wanted.clear();
    Publish();
    absl::MutexLock lock(&mu);
    if (ended.ok()) ended = status;
  }
};

Subscriber::Subscriber(ClientOptions options) : Subscriber(nullptr, std::move(options)) {}

Subscriber::Subscriber(EventLoop* loop, ClientOptions options)
    : options_(std::move(options)), state_(std::make_shared<State>()) {
  if (loop == nullptr) {
    own_loop_ = std::make_unique<EventLoop>();
    loop = own_loop_.get();
  }
  std::weak_ptr<State> weak = state_;
  client_internal::AsyncCore::Hooks hooks;
  hooks.intercept = [weak](RespValue& v) {
    std::shared_ptr<State> s = weak.lock();
    return s != nullptr && s->Intercept(v);
  };
  hooks.connected = [weak] {
    if (std::shared_ptr<State> s = weak.lock()) s->Resubscribe();
  };
  hooks.disconnected = [weak](const absl::Status& status) {
    if (std::shared_ptr<State> s = weak.lock()) s->Lost(status);
  };
  hooks.keep_connected = true;
  state_->core =
      client_internal::AsyncCore::Create(loop->loop(), loop->queue(), options_, std::move(hooks));
}

Subscriber::~Subscriber() {
  auto finished = std::make_shared<absl::Notification>();
  std::shared_ptr<client_internal::AsyncCore> core = state_->core;
  const bool on_loop = core->queue()->thread()->IsCurrent();
  core->Shutdown([finished] { finished->Notify(); });
  if (!on_loop) finished->WaitForNotificationWithTimeout(kShutdownWait);
  own_loop_.reset();
}

void Subscriber::OnMessage(MessageCallback callback) {
  absl::MutexLock lock(&state_->mu);
  state_->callback = callback ? std::make_shared<MessageCallback>(std::move(callback)) : nullptr;
}

void Subscriber::Start(Kind kind, std::vector<std::string> names, DoneCallback done) {
  static constexpr const char* kNames[] = {"SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE",
                                           "PUNSUBSCRIBE"};
  std::shared_ptr<State> state = state_;
  auto task = [state, kind, names = std::move(names), done = std::move(done)]() mutable {
    const bool patterns = kind == Kind::kPSubscribe || kind == Kind::kPUnsubscribe;
    const bool subscribe = kind == Kind::kSubscribe || kind == Kind::kPSubscribe;
    std::set<std::string>& wanted = patterns ? state->patterns_wanted : state->channels_wanted;
    if (names.empty()) {
      if (subscribe) {
        done(absl::InvalidArgumentError("valkdb: subscribe to what? (no channel given)"));
        return;
      }
      // Name them: the server then confirms exactly one per name, so the
      // replies can be counted.
      names.assign(wanted.begin(), wanted.end());
      if (names.empty()) {
        done(absl::OkStatus());
        return;
      }
    }
    for (const std::string& n : names) {
      if (subscribe) {
        wanted.insert(n);
      } else {
        wanted.erase(n);
      }
    }
    state->Publish();
    std::vector<std::string_view> args = {kNames[static_cast<int>(kind)]};
    args.insert(args.end(), names.begin(), names.end());
    client_internal::AsyncOp op;
    op.bytes = EncodeCommand(args);
    op.replies = names.size();
    op.error_ends = true;
    op.deadline = client_internal::Deadline::After(state->core->options().command_timeout);
    op.done = [done = std::move(done)](client_internal::Replies replies) {
      done(replies.status());
    };
    state->core->Enqueue(std::move(op));
  };
  state->core->queue()->Run(std::move(task));
}

absl::Status Subscriber::Wait(Kind kind, const std::vector<std::string>& names) {
  if (state_->core->queue()->thread()->IsCurrent()) {
    return client_internal::WouldDeadlock(
        "a blocking Subscriber call on its event loop thread (use the DoneCallback form)");
  }
  auto result = std::make_shared<client_internal::FutureState<Done>>(
      nullptr, options_.connect_timeout + options_.command_timeout + absl::Seconds(1));
  Start(kind, names, [result](absl::Status status) {
    if (status.ok()) {
      result->Set(Done{});
    } else {
      result->Set(status);
    }
  });
  return result->Get(result->max_wait()).status();
}

absl::Status Subscriber::Subscribe(const std::vector<std::string>& channels) {
  return Wait(Kind::kSubscribe, channels);
}
absl::Status Subscriber::PSubscribe(const std::vector<std::string>& patterns) {
  return Wait(Kind::kPSubscribe, patterns);
}
absl::Status Subscriber::Unsubscribe(const std::vector<std::string>& channels) {
  return Wait(Kind::kUnsubscribe, channels);
}
absl::Status Subscriber::PUnsubscribe(const std::vector<std::string>& patterns) {
  return Wait(Kind::kPUnsubscribe, patterns);
}

void Subscriber::Subscribe(const std::vector<std::string>& channels, DoneCallback done) {
  Start(Kind::kSubscribe, channels, std::move(done));
}
void Subscriber::PSubscribe(const std::vector<std::string>& patterns, DoneCallback done) {
  Start(Kind::kPSubscribe, patterns, std::move(done));
}
void Subscriber::Unsubscribe(const std::vector<std::string>& channels, DoneCallback done) {
  Start(Kind::kUnsubscribe, channels, std::move(done));
}
void Subscriber::PUnsubscribe(const std::vector<std::string>& patterns, DoneCallback done) {
  Start(Kind::kPUnsubscribe, patterns, std::move(done));
}

absl::StatusOr<Message> Subscriber::Next(absl::Duration timeout) {
  State& s = *state_;
  absl::MutexLock lock(&s.mu);
  auto ready = [&s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
    return !s.queue.empty() || !s.ended.ok();
  };
  if (!ready()) {
    if (s.core->queue()->thread()->IsCurrent()) {
      return client_internal::WouldDeadlock("Subscriber::Next() on its event loop thread");
    }
    if (!s.mu.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
      return absl::DeadlineExceededError(
          StrCat("valkdb: no message within ", absl::FormatDuration(timeout)));
    }
  }
  if (s.queue.empty()) return s.ended;
  Message m = std::move(s.queue.front());
  s.queue.pop_front();
  return m;
}

std::vector<std::string> Subscriber::channels() const {
  absl::MutexLock lock(&state_->mu);
  return state_->channels_view;
}

std::vector<std::string> Subscriber::patterns() const {
  absl::MutexLock lock(&state_->mu);
  return state_->patterns_view;
}

}  // namespace valkdb
