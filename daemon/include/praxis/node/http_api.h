// HttpApi: the web page at / and the versioned JSON API under /api/v1/
// (docs/api.md). Each route becomes a control::Request answered by the
// control API's own handlers on the node's thread (AnswerControl), and the
// reply is rendered in the CLI's --json shapes. Events come from a ring the
// node's thread feeds, read by cursor or streamed as Server-Sent Events.
//
// Threading: constructed and destroyed on the node's thread (before io.run
// or on it); Serve() runs on civetweb's threads and never touches node state.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "control.pb.h"
#include "praxis/node/api_auth.h"
#include "praxis/node/event_log.h"
#include "praxis/node/http_server.h"
#include "praxis/node/node.h"

namespace praxis::node {

class PeerManager;

class HttpApi {
 public:
  HttpApi(Node& node, PeerManager* peers);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Known once the listener is bound (its port); until then requests are refused.
  void set_access(ApiAccess access);
  // Ends event streams and stops waiting for the node: call before the
  // HTTP server is stopped, on the node's thread.
  void Stop();

  HttpResponse Serve(const HttpRequest& req);

 private:
  HttpResponse Route(const HttpRequest& req);
  // Answers `req` on the node's thread and waits for the reply.
  Result<control::Response> Call(const control::Request& req);
  HttpResponse Events(const HttpRequest& req, bool stream);

  Node& node_;
  PeerManager* peers_;
  EventLog events_;
  std::size_t watch_token_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  ApiAccess access_;
};

}  // namespace praxis::node
