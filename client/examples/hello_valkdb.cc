// Talks to valkdb (or Redis) with the blocking, pipelined, async and pub/sub APIs.
// Usage: hello_valkdb [host] [port]
#include <valkdb/client/valkdb.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  valkdb::ClientOptions options;
  if (argc > 1) options.host = argv[1];
  if (argc > 2) options.port = std::atoi(argv[2]);
  options.reconnect = true;

  // Blocking, typed.
  valkdb::Client client(options);
  if (absl::Status s = client.Set("greeting", "hello from valkdb's C++ client").status(); !s.ok()) {
    std::fprintf(stderr, "SET failed: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  absl::StatusOr<std::optional<std::string>> greeting = client.Get("greeting");
  if (!greeting.ok() || !greeting->has_value()) {
    std::fprintf(stderr, "GET failed: %s\n", std::string(greeting.status().message()).c_str());
    return 1;
  }
  std::printf("GET greeting -> %s\n", (*greeting)->c_str());

  // Server errors arrive as statuses carrying the server's own words.
  absl::StatusOr<valkdb::RespValue> bad = client.Command({"GET"});
  std::printf("GET with no key -> %s\n", std::string(bad.status().message()).c_str());

  // Pipelined: one write, one round trip.
  valkdb::Pipeline pipeline;
  pipeline.Add({"SET", "a", "1"}).Add({"SET", "b", "2"}).Add({"GET", "b"});
  absl::StatusOr<std::vector<absl::StatusOr<valkdb::RespValue>>> replies = client.Execute(pipeline);
  if (!replies.ok()) return 1;
  std::printf("pipeline of %zu -> last reply %s\n", replies->size(),
              (*replies)[2]->DebugString().c_str());

  // Asynchronous, on a loop thread the client owns.
  valkdb::AsyncClient async(options);
  valkdb::Future<std::optional<std::string>> a = async.Get("a");
  std::printf("async GET a -> %s\n", a.Get().value_or(std::nullopt).value_or("(error)").c_str());

  // Pub/sub.
  valkdb::Subscriber subscriber(options);
  if (subscriber.Subscribe({"news"}).ok()) {
    client.Publish("news", "valkdb is up").IgnoreError();
    absl::StatusOr<valkdb::Message> m = subscriber.Next(absl::Seconds(2));
    if (m.ok()) std::printf("message on %s -> %s\n", m->channel.c_str(), m->payload.c_str());
  }
  return 0;
}
