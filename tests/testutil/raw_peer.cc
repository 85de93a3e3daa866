#include "testutil/raw_peer.h"

#include "testutil/io_loop.h"

namespace praxis::testutil {

using asio::ip::tcp;

RawPeer::RawPeer(asio::io_context& io, net::HandshakeOptions hs, crypto::KeyPair key)
    : io_(io), hs_(hs), key_(std::move(key)) {}

RawPeer::~RawPeer() { Close(); }

Status RawPeer::Connect(const tcp::endpoint& to) {
  up_ = down_ = failed_ = false;
  tcp::socket socket(io_);
  asio::error_code ec;
  socket.connect(to, ec);  // loopback: immediate
  if (ec) return Status::IOError(ec.message());
  session_ = std::make_shared<net::Session>(std::move(socket), net::NoiseRole::kInitiator, key_,
                                            hs_, net::SessionOptions{}, *this);
  session_->Start();
  if (!RunUntil(io_, [&] { return up_ || failed_; })) return Status::TimedOut("handshake");
  return up_ ? Status::OK() : Status::Protocol("handshake failed");
}

void RawPeer::Send(const wire::PeerMessage& m) { SendRaw(m.SerializeAsString()); }

void RawPeer::SendRaw(std::string frame) {
  if (session_) session_->Send(std::move(frame));
}

void RawPeer::Close() {
  if (session_) session_->Stop(Status::Cancelled("test closes"));
}

void RawPeer::OnPeerUp(const std::shared_ptr<net::Session>&) { up_ = true; }

void RawPeer::OnFrame(const std::shared_ptr<net::Session>&, std::string frame) {
  wire::PeerMessage m;
  if (m.ParseFromString(frame)) received_.push_back(std::move(m));
}

void RawPeer::OnPeerDown(const std::shared_ptr<net::Session>&, const Status&) { down_ = true; }

void RawPeer::OnHandshakeFailed(const std::shared_ptr<net::Session>&, const Status&) {
  failed_ = true;
}

}  // namespace praxis::testutil
