#pragma once

#include <string>

#include "absl/time/time.h"

namespace valkdb {

// How to reach a server and what to do on every (re)connect. Shared by Client,
// ClientPool, AsyncClient and Subscriber.
struct ClientOptions {
  std::string host = "127.0.0.1";  // an IPv4/IPv6 literal or a name to resolve
  int port = 6379;

  // Sent on every connect when password is non-empty: `HELLO 3 AUTH user pass`
  // with protocol 3, else `AUTH [user] pass`. An empty username means "default".
  std::string username;
  std::string password;
  int db = 0;               // SELECT db on connect when non-zero
  int protocol = 2;         // 3: `HELLO 3` on connect, replies use RESP3 types
  std::string client_name;  // CLIENT SETNAME (HELLO SETNAME with protocol 3) when set

  // TCP connect plus the handshake above. absl::InfiniteDuration() waits forever.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Writing one command (or pipeline) and reading all its replies. A timed out
  // connection is closed: a late reply would otherwise answer the next command.
  absl::Duration command_timeout = absl::Seconds(5);

  // When true, a connection that broke (server restart, network error, a
  // timeout) is opened again for the next command, with the handshake above.
  // A command whose connection broke after it was sent is not resent (it may
  // have run); it fails with kUnavailable. When false, the first connection is
  // the only one the client opens on its own; Connect() opens another.
  bool reconnect = false;
};

}  // namespace valkdb
