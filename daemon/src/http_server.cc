#include "praxis/node/http_server.h"

#include <civetweb.h>

#include <cctype>
#include <mutex>

namespace praxis::node {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 421:
      return "Misdirected Request";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header values end up in our own response lines: no line breaks.
bool SafeHeaderValue(const std::string& v) {
  return v.find_first_of("\r\n") == std::string::npos;
}

void WriteHead(::mg_connection* conn, const HttpResponse& r, bool streamed) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) +
                     "\r\nContent-Type: " + r.content_type + "\r\n";
  if (!streamed) head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
  for (const auto& [k, v] : r.headers)
    if (SafeHeaderValue(k) && SafeHeaderValue(v)) head += k + ": " + v + "\r\n";
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
}

}  // namespace

int HttpServer::OnRequest(::mg_connection* conn, void* self) {
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req{.method = info->request_method ? info->request_method : "",
                  .path = info->local_uri ? info->local_uri : "",
                  .query = info->query_string ? info->query_string : ""};
  for (int i = 0; i < info->num_headers; ++i) {
    const auto& h = info->http_headers[i];
    if (h.name && h.value) req.headers[Lower(h.name)] = h.value;
  }
  HttpResponse r;
  char buf[4096];
  if (info->content_length > static_cast<long long>(kMaxHttpBody)) {
    // Read (a bounded amount of) what the client sends anyway: closing on
    // unread bytes resets the connection before it sees the answer.
    for (int n, total = 0; total < (1 << 20) && (n = mg_read(conn, buf, sizeof buf)) > 0;)
      total += n;
    r = {413, "application/json", "{\"error\":\"request body over 64 KiB\"}\n"};
  } else {
    // Bodies without a length (chunked) are read up to the same bound.
    for (int n; req.body.size() <= kMaxHttpBody && (n = mg_read(conn, buf, sizeof buf)) > 0;)
      req.body.append(buf, static_cast<std::size_t>(n));
    if (req.body.size() > kMaxHttpBody)
      r = {413, "application/json", "{\"error\":\"request body over 64 KiB\"}\n"};
    else
      r = static_cast<HttpServer*>(self)->handler_(req);
  }
  if (r.stream) {
    WriteHead(conn, r, /*streamed=*/true);
    r.stream([conn](std::string_view bytes) {
      return mg_write(conn, bytes.data(), bytes.size()) == static_cast<int>(bytes.size());
    });
    return r.status;
  }
  WriteHead(conn, r, /*streamed=*/false);
  if (req.method != "HEAD") mg_write(conn, r.body.data(), r.body.size());
  return r.status;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host_port,
                                                      Handler handler, HttpServerOptions opts) {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->handler_ = std::move(handler);
  const std::string threads = std::to_string(opts.threads);
  const char* options[] = {"listening_ports", host_port.c_str(), "num_threads", threads.c_str(),
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
  s->port_ = n > 0 ? ports[0].port : 0;
  s->bound_ = n > 0 ? host + ":" + std::to_string(ports[0].port) : host_port;
  return s;
}

HttpServer::~HttpServer() {
  if (ctx_) mg_stop(ctx_);
}

}  // namespace praxis::node
