#include "praxis/node/http_server.h"

#include <civetweb.h>

#include <mutex>

namespace praxis::node {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

int HttpServer::OnRequest(::mg_connection* conn, void* self) {
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req{.method = info->request_method ? info->request_method : "",
                  .path = info->local_uri ? info->local_uri : ""};
  HttpResponse r = static_cast<HttpServer*>(self)->handler_(req);
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            r.status, Reason(r.status), r.content_type.c_str(), r.body.size());
  if (req.method != "HEAD") mg_write(conn, r.body.data(), r.body.size());
  return r.status;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host_port,
                                                      Handler handler) {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->handler_ = std::move(handler);
  // Two threads are plenty for scrapes and probes.
  const char* options[] = {"listening_ports", host_port.c_str(), "num_threads", "2",
                           "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks{};
  // civetweb prints its own errors; keep them out of our log lines.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  char error[256] = {0};
  mg_init_data init_data{};
  init_data.callbacks = &callbacks;
  init_data.configuration_options = options;
  mg_error_data err{};
  err.text = error;
  err.text_buffer_size = sizeof error;
  s->ctx_ = mg_start2(&init_data, &err);
  if (!s->ctx_)
    return Err(Status::IOError("cannot serve HTTP on " + host_port + ": " +
                               (error[0] ? std::string(error) : "civetweb failed to start")));
  mg_set_request_handler(s->ctx_, "/", &HttpServer::OnRequest, s.get());
  mg_server_port ports[4]{};
  const int n = mg_get_server_ports(s->ctx_, 4, ports);
  const auto colon = host_port.rfind(':');
  const std::string host = colon == std::string::npos ? host_port : host_port.substr(0, colon);
  s->bound_ = n > 0 ? host + ":" + std::to_string(ports[0].port) : host_port;
  return s;
}

HttpServer::~HttpServer() {
  if (ctx_) mg_stop(ctx_);
}

}  // namespace praxis::node
