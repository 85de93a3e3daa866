// Who may use the HTTP API (DESIGN §7, docs/api.md): the checks made on
// every request before any work reaches the node.
//
// - Bound to loopback: no token, but the Host header must name the bound
//   loopback address and port, so a page that rebinds its own DNS name to
//   127.0.0.1 cannot reach the API.
// - Bound elsewhere: every /api/ request carries `Authorization: Bearer
//   TOKEN`, the token kept in DATA_DIR/api-token (0600).
// - Always: an Origin header must be the served origin itself, and the API
//   refuses requests a browser marks as cross-site.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "praxis/node/http_server.h"
#include "praxis/storage/status.h"

namespace praxis::node {

inline constexpr char kApiTokenFile[] = "api-token";

// 127.0.0.0/8, ::1 (bracketed or not), localhost.
bool IsLoopbackHost(std::string_view host);
// The host part of HOST:PORT (brackets kept).
std::string HostOf(std::string_view host_port);

struct ApiAccess {
  std::string host;   // as bound, e.g. "127.0.0.1", "[::1]", "0.0.0.0"
  int port = 0;       // as bound
  std::string token;  // empty: loopback, Host checked instead
};

struct Refusal {
  int status;
  std::string reason;  // one line, for {"error": ...}
};

// nullopt when `req` may proceed.
std::optional<Refusal> CheckAccess(const ApiAccess& access, const HttpRequest& req);

// The token in DATA_DIR/api-token, created (32 random bytes, hex, 0600)
// when missing.
Result<std::string> LoadOrCreateApiToken(const std::string& data_dir);

}  // namespace praxis::node
