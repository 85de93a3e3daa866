// HttpServer: a small HTTP listener (civetweb) for the operator endpoints
// (/metrics, /healthz, /readyz) and the local web API and page. It only moves
// bytes: each request is handed to `handler` on one of civetweb's threads,
// and the handler is expected to pass the work to the node's own thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "praxis/storage/status.h"

struct mg_context;
struct mg_connection;

namespace praxis::node {

// Request bodies larger than this are refused (413) unread.
inline constexpr std::size_t kMaxHttpBody = 64 << 10;

struct HttpRequest {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // after '?', still percent-encoded; "" when none
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool HasHeader(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
};

// Writes one piece of a streamed body; false once the client is gone.
using HttpWrite = std::function<bool(std::string_view)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the usual ones
  // Set: the body is streamed instead (no Content-Length): called on the
  // civetweb thread, it writes until it returns (Server-Sent Events).
  std::function<void(const HttpWrite&)> stream;
};

struct HttpServerOptions {
  // Each request in progress (a streamed one for as long as it lasts)
  // holds one thread.
  int threads = 2;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Listens on HOST:PORT (port 0: any) and serves every request with
  // `handler`. Returns the server; `bound()` says the port actually taken.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& host_port, Handler handler,
                                                   HttpServerOptions opts = {});
  ~HttpServer();  // stops: waits for requests in progress
  const std::string& bound() const { return bound_; }
  int port() const { return port_; }

 private:
  HttpServer() = default;
  static int OnRequest(::mg_connection* conn, void* self);
  Handler handler_;
  ::mg_context* ctx_ = nullptr;
  std::string bound_;
  int port_ = 0;
};

}  // namespace praxis::node
