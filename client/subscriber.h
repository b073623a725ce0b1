#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/event_loop.h"
#include "client/options.h"

namespace valkdb {

struct Message {
  std::string channel;
  std::string payload;
  std::string pattern;  // the pattern that matched, for PSUBSCRIBE; empty for SUBSCRIBE
};

// Pub/sub on a connection of its own, driven by an event loop (its own, or a
// shared valkdb::EventLoop). Messages go to the OnMessage callback (on the loop
// thread) when one is set, else into a queue that Next() reads:
//
//   valkdb::Subscriber sub(options);
//   sub.Subscribe({"news"});
//   absl::StatusOr<valkdb::Message> m = sub.Next(absl::Seconds(1));
//
// Subscribe() and friends return once the server confirmed (bounded by the
// timeouts). With reconnect on, a dropped connection is reopened with backoff
// and every channel and pattern subscribed again (messages published in
// between are lost, as pub/sub is at most once). Thread-safe.
class Subscriber {
 public:
  explicit Subscriber(ClientOptions options);
  Subscriber(EventLoop* loop, ClientOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  using MessageCallback = std::function<void(const Message&)>;
  using DoneCallback = std::function<void(absl::Status)>;

  // Set it before subscribing; messages that arrive without it are queued for Next().
  void OnMessage(MessageCallback callback);

  absl::Status Subscribe(const std::vector<std::string>& channels);
  absl::Status PSubscribe(const std::vector<std::string>& patterns);
  // No arguments: every channel (pattern) subscribed now.
  absl::Status Unsubscribe(const std::vector<std::string>& channels = {});
  absl::Status PUnsubscribe(const std::vector<std::string>& patterns = {});

  // Non-blocking forms, for use inside callbacks on the loop thread.
  void Subscribe(const std::vector<std::string>& channels, DoneCallback done);
  void PSubscribe(const std::vector<std::string>& patterns, DoneCallback done);
  void Unsubscribe(const std::vector<std::string>& channels, DoneCallback done);
  void PUnsubscribe(const std::vector<std::string>& patterns, DoneCallback done);

  // The next queued message, waiting at most `timeout` (kDeadlineExceeded).
  // kUnavailable once the connection is lost for good (reconnect off).
  absl::StatusOr<Message> Next(absl::Duration timeout);

  std::vector<std::string> channels() const;
  std::vector<std::string> patterns() const;

 private:
  struct State;
  enum class Kind { kSubscribe, kPSubscribe, kUnsubscribe, kPUnsubscribe };
  void Start(Kind kind, std::vector<std::string> names, DoneCallback done);
  absl::Status Wait(Kind kind, const std::vector<std::string>& names);

  const ClientOptions options_;
  std::unique_ptr<EventLoop> own_loop_;
  std::shared_ptr<State> state_;
};

}  // namespace valkdb
