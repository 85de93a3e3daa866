// PeerManager: the node's peers and the first, simple gossip (issue 4).
//
//  - on connect both sides send a Frontier (the head seq of every log held)
//    and each asks for what it lacks (Want.after);
//  - an announcement accepted here (our own once durable, or one from a peer)
//    is pushed to every other peer; duplicates die at the receiver's dedup;
//  - a deferred announcement makes the node ask the sender for what it waits
//    for (Want.ids) and for the rest of that log (Want.after).
// Provably bad input (a frame that does not parse, an announcement that is
// invalid) disconnects the peer. Plumtree-style lazy push, per-group
// fingerprints and peer sampling are still to come (see the issue notes).
//
// Threading: the node's thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "praxis/net/session.h"
#include "praxis/node/node.h"
#include "wire.pb.h"

namespace praxis::node {

struct PeerInfo {
  Id member;
  std::string address;
  bool inbound = false;
  std::uint64_t bytes_in = 0, bytes_out = 0;
};

class PeerManager : public net::SessionHost {
 public:
  PeerManager(Node& node, const crypto::KeyPair& identity, net::HandshakeOptions hs,
              net::SessionOptions opts = {});
  ~PeerManager() override;

  // Binds, listens and accepts peers. Returns the bound address.
  Result<asio::ip::tcp::endpoint> Listen(const asio::ip::tcp::endpoint& ep);
  // Dials HOST:PORT (resolved now); done(ok) once the TCP connection is up
  // and the handshake started (the peer shows in Peers() when it completes).
  void Connect(const std::string& host_port, std::function<void(Status)> done);
  void Close();  // stop listening and drop every peer

  std::vector<PeerInfo> Peers() const;
  std::size_t peer_count() const { return peers_.size(); }

  // SessionHost
  void OnPeerUp(const std::shared_ptr<net::Session>& s) override;
  void OnFrame(const std::shared_ptr<net::Session>& s, std::string frame) override;
  void OnPeerDown(const std::shared_ptr<net::Session>& s, const Status& why) override;
  void OnHandshakeFailed(const std::shared_ptr<net::Session>& s, const Status& why) override;
  std::size_t handshaking() const { return pending_.size(); }

 private:
  void Accept();
  void Adopt(asio::ip::tcp::socket socket, net::NoiseRole role);
  void Push(const Announcement& a, const net::Session* except);
  void Push(const wire::Delivery& d, const net::Session* except);
  void SendFrontier(net::Session& s);
  void AnswerWant(net::Session& s, const wire::Want& want);
  void Ingest(const std::shared_ptr<net::Session>& from, const wire::Delivery& d);
  static std::string Encode(const wire::PeerMessage& m);
  wire::Delivery DeliveryOf(const Announcement& a);

  Node& node_;
  const crypto::KeyPair& identity_;
  net::HandshakeOptions hs_;
  net::SessionOptions opts_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::shared_ptr<net::Session>> pending_;  // handshaking
  std::map<Id, std::shared_ptr<net::Session>> peers_;   // by member id, one session each
};

}  // namespace praxis::node
