// ControlServer: the local control API on DIR/praxis.sock (DESIGN.md §7).
// Length-prefixed protobuf (proto/control.proto). The daemon never opens a
// user's path: the CLI streams file bytes over the socket.
//
// Threading: sessions are coroutines on the node's executor.
#pragma once

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

#include "praxis/node/node.h"

namespace praxis::node {

inline constexpr std::uint32_t kMaxControlFrame = 4 << 20;

class PeerManager;

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
