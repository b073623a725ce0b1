#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/options.h"
#include "protocol/resp_value.h"

namespace valkdb::client_internal {

// The commands sent on every connect, before any command of the caller:
// HELLO 3 / AUTH / CLIENT SETNAME / SELECT, as the options ask.
struct Handshake {
  std::string encoded;             // all of them, for one write
  std::vector<std::string> names;  // one per command, for error messages
};

Handshake BuildHandshake(const ClientOptions& options);

// OK, or the error of reply `index` of the handshake, naming the command.
absl::Status CheckHandshakeReply(const ClientOptions& options, const Handshake& handshake,
                                 size_t index, const RespValue& reply);

// "host:port", with brackets around an IPv6 literal.
std::string Address(const ClientOptions& options);

}  // namespace valkdb::client_internal
