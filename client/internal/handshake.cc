#include "client/internal/handshake.h"

#include <string_view>

#include "client/reply.h"
#include "protocol/str_util.h"

namespace valkdb::client_internal {

Handshake BuildHandshake(const ClientOptions& options) {
  Handshake h;
  const std::string db = std::to_string(options.db);
  if (options.protocol == 3) {
    std::vector<std::string_view> hello = {"HELLO", "3"};
    if (!options.password.empty()) {
      hello.push_back("AUTH");
      hello.push_back(options.username.empty() ? std::string_view("default") : options.username);
      hello.push_back(options.password);
    }
    if (!options.client_name.empty()) {
      hello.push_back("SETNAME");
      hello.push_back(options.client_name);
    }
    AppendCommand(hello, &h.encoded);
    h.names.push_back("HELLO 3");
  } else {
    if (!options.password.empty()) {
      if (options.username.empty()) {
        AppendCommand({"AUTH", options.password}, &h.encoded);
      } else {
        AppendCommand({"AUTH", options.username, options.password}, &h.encoded);
      }
      h.names.push_back("AUTH");
    }
    if (!options.client_name.empty()) {
      AppendCommand({"CLIENT", "SETNAME", options.client_name}, &h.encoded);
      h.names.push_back("CLIENT SETNAME");
    }
  }
  if (options.db != 0) {
    AppendCommand({"SELECT", db}, &h.encoded);
    h.names.push_back(StrCat("SELECT ", db));
  }
  return h;
}

absl::Status CheckHandshakeReply(const ClientOptions& options, const Handshake& handshake,
                                 size_t index, const RespValue& reply) {
  if (!reply.is_error()) return absl::OkStatus();
  absl::Status server = ServerError(reply.str);
  return absl::Status(server.code(), StrCat("valkdb: ", handshake.names[index], " on connect to ",
                                            Address(options), " failed: ", reply.str));
}

std::string Address(const ClientOptions& options) {
  if (options.host.find(':') != std::string::npos) {
    return StrCat("[", options.host, "]:", options.port);
  }
  return StrCat(options.host, ":", options.port);
}

}  // namespace valkdb::client_internal
