// ControlServer: the local control API on DIR/praxis.sock (DESIGN.md §7).
// Length-prefixed protobuf (proto/control.proto). The daemon never opens a
// user's path: the CLI streams file bytes over the socket.
//
// Threading: sessions are coroutines on the node's executor.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

#include "control.pb.h"
#include "praxis/node/node.h"

namespace praxis::node {

inline constexpr std::uint32_t kMaxControlFrame = 4 << 20;

class PeerManager;

// Answers one request as the control socket would, for callers that are not
// a socket (the HTTP API): the reply, or Response{error}. Requests that
// stream a file or events (share, get, watch) are refused. Awaited on the
// node's executor.
asio::awaitable<control::Response> AnswerControl(Node& node, PeerManager* peers,
                                                 const control::Request& req);

class ControlServer {
 public:
  // `peers` may be null (a node that does not network, e.g. in tests).
  ControlServer(Node& node, std::string socket_path, PeerManager* peers = nullptr);
  // Binds the socket with mode 0600 (a stale socket file left by a crash is
  // replaced; the data-dir lock proves no live daemon owns it).
  Status Start();
  void Stop();
  const std::string& path() const { return path_; }

 private:
  Node& node_;
  PeerManager* peers_;
  std::string path_;
  std::unique_ptr<asio::local::stream_protocol::acceptor> acceptor_;
};

}  // namespace praxis::node
