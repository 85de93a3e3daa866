// A scriptable peer over real loopback sockets: the real Noise handshake and
// frames, then whatever the test sends (bad signatures, out-of-order seqs,
// unknown message types, forks, garbage), so a node's defences are tested
// over the protocol rather than through the CLI refusing.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "praxis/net/session.h"
#include "wire.pb.h"

namespace praxis::testutil {

class RawPeer : public net::SessionHost {
 public:
  RawPeer(asio::io_context& io, net::HandshakeOptions hs,
          crypto::KeyPair key = crypto::KeyPair::Generate());
  ~RawPeer() override;

  // Dials `to` and runs the io_context until the handshake ends either way.
  // OK when the session came up.
  Status Connect(const asio::ip::tcp::endpoint& to);
  void Send(const wire::PeerMessage& m);
  void SendRaw(std::string frame);  // any bytes as one (well-encrypted) frame
  void Close();

  const Id& member() const { return key_.public_key(); }
  bool up() const { return up_ && !down_; }
  bool down() const { return down_; }  // came up, then closed (by either side)
  const std::vector<wire::PeerMessage>& received() const { return received_; }

  void OnPeerUp(const std::shared_ptr<net::Session>& s) override;
  void OnFrame(const std::shared_ptr<net::Session>& s, std::string frame) override;
  void OnPeerDown(const std::shared_ptr<net::Session>& s, const Status& why) override;
  void OnHandshakeFailed(const std::shared_ptr<net::Session>& s, const Status& why) override;

 private:
  asio::io_context& io_;
  net::HandshakeOptions hs_;
  crypto::KeyPair key_;
  std::shared_ptr<net::Session> session_;
  bool up_ = false, down_ = false, failed_ = false;
  std::vector<wire::PeerMessage> received_;
};

}  // namespace praxis::testutil
