// HttpServer: a small HTTP listener (civetweb) for the operator endpoints
// (/metrics, /healthz, /readyz) and later the local web API. It only moves
// bytes: each request is handed to `handler` on one of civetweb's threads,
// and the handler is expected to pass the work to the node's own thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "praxis/storage/status.h"

struct mg_context;
struct mg_connection;

namespace praxis::node {

struct HttpRequest {
  std::string method;
  std::string path;  // without the query string
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Listens on HOST:PORT (port 0: any) and serves every request with
  // `handler`. Returns the server; `bound()` says the port actually taken.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& host_port, Handler handler);
  ~HttpServer();  // stops: waits for requests in progress
  const std::string& bound() const { return bound_; }

 private:
  HttpServer() = default;
  static int OnRequest(::mg_connection* conn, void* self);
  Handler handler_;
  ::mg_context* ctx_ = nullptr;
  std::string bound_;
};

}  // namespace praxis::node
