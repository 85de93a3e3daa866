// PeerManager: carries the Gossip engine over real sockets. It accepts and
// dials TCP connections, runs each through a Session (Noise handshake,
// frames), reports links, frames and the time to the engine, and does what
// the engine asks (send, close, dial). It also notices when the machine slept
// (the wall clock jumped ahead of the monotonic one) and tells the engine.
// Every protocol decision lives in Gossip; this file only moves bytes and
// timers.
//
// Threading: the node's thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "praxis/net/session.h"
#include "praxis/node/gossip.h"
#include "praxis/node/node.h"
#include "praxis/node/transfer.h"

namespace praxis::node {

struct PeerInfo {
  Id member;
  std::string address;
  bool inbound = false;
  FoundBy found = FoundBy::kInbound;
  std::uint64_t since_unix_ms = 0;
  bool eager = true;
  std::uint64_t bytes_in = 0, bytes_out = 0;
};

struct PeerManagerOptions {
  GossipOptions gossip;
  TransferOptions transfer;
  net::SessionOptions session;
  // The machine is taken to have slept when the wall clock moves this much
  // further than the monotonic clock between two ticks.
  std::chrono::milliseconds sleep_jump{15'000};
  // Inbound handshakes in flight. Past it the oldest is dropped: an honest
  // handshake takes a round trip or two, so only connections that sit
  // half-open (a flood, or a peer that never speaks) lose their place.
  std::size_t max_handshakes = 64;
};

class PeerManager : public net::SessionHost, public GossipTransport {
 public:
  static Result<std::unique_ptr<PeerManager>> Open(Node& node, const crypto::KeyPair& identity,
                                                   net::HandshakeOptions hs,
                                                   PeerManagerOptions opts = {});
  ~PeerManager() override;

  // Binds, listens and accepts peers. Returns the bound address. Call before
  // peers connect so the port is told to them.
  Result<asio::ip::tcp::endpoint> Listen(const asio::ip::tcp::endpoint& ep);
  // Dials HOST:PORT now (and keeps it as a known address); done(ok) once the
  // TCP connection is up (the peer shows in Peers() when the handshake ends).
  void Connect(const std::string& host_port, std::function<void(Status)> done);
  // A seed: dialled, redialled with backoff while the active set is short.
  void AddSeed(const std::string& host_port);
  // A node the LAN beacon heard (dialled when the active set is short).
  void AddLanPeer(const std::string& host_port, const Id& member);
  void Close();  // stop listening and drop every peer

  std::vector<PeerInfo> Peers() const;
  std::size_t peer_count() const { return gossip_->link_count(); }
  std::size_t handshaking() const { return pending_.size(); }
  std::size_t max_handshakes() const { return opts_.max_handshakes; }
  // Half-open inbound handshakes dropped to make room for newer ones.
  std::uint64_t handshakes_dropped() const { return handshakes_dropped_; }
  Gossip& gossip() { return *gossip_; }
  Transfer& transfer() { return *transfer_; }
  // Starts fetching `root` from the peers that hold it (Transfer::Fetch).
  Status Fetch(const Id& root, bool beyond_size_limit = false);
  // Judges announcements that did not come from a peer (imports) and sends
  // on what it accepts at once.
  std::vector<IngestOutcome> IngestLocal(std::span<const RawDelivery> batch);
  // Bytes queued on every link: a publisher waits while this is high, so an
  // overloaded node slows its publishers instead of dropping links.
  std::size_t TotalBacklog() const;
  // The engine's clock: monotonic milliseconds (Gossip's Millis).
  Millis NowMono() const { return Now(); }

  // net::SessionHost
  void OnPeerUp(const std::shared_ptr<net::Session>& s) override;
  void OnFrame(const std::shared_ptr<net::Session>& s, std::string frame) override;
  void OnPeerDown(const std::shared_ptr<net::Session>& s, const Status& why) override;
  void OnHandshakeFailed(const std::shared_ptr<net::Session>& s, const Status& why) override;
  void OnDrained(const std::shared_ptr<net::Session>& s) override;
  void OnFramesDone(const std::shared_ptr<net::Session>& s) override;

  // GossipTransport
  void Send(LinkId link, std::string frame) override;
  void Close(LinkId link, const Status& why) override;
  void Dial(const std::string& address) override;
  std::size_t Backlog(LinkId link) const override;

 private:
  PeerManager(Node& node, const crypto::KeyPair& identity, net::HandshakeOptions hs,
              PeerManagerOptions opts);
  void Accept();
  void Adopt(asio::ip::tcp::socket socket, net::NoiseRole role, const std::string& dialed);
  void DialThen(const std::string& address, std::function<void(Status)> done);
  Millis Now() const;
  void Arm();  // (re)sets the timer to the engine's next deadline
  void OnTimer();

  Node& node_;
  const crypto::KeyPair& identity_;
  net::HandshakeOptions hs_;
  PeerManagerOptions opts_;
  std::unique_ptr<Gossip> gossip_;
  std::unique_ptr<Transfer> transfer_;  // shares gossip_'s links
  void DropOldestHandshakeIfFull();
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  asio::steady_timer accept_retry_;  // out of file descriptors: accept again later
  std::uint64_t handshakes_dropped_ = 0;
  asio::steady_timer timer_;
  Millis armed_for_ = ~Millis{0};
  std::chrono::steady_clock::time_point epoch_;
  std::chrono::system_clock::time_point last_wall_;
  Millis last_mono_ = 0;
  bool closed_ = false;

  LinkId next_link_ = 1;
  std::vector<std::shared_ptr<net::Session>> pending_;           // handshaking
  std::unordered_map<const net::Session*, std::string> dialed_;  // outbound: the address dialled
  std::map<LinkId, std::shared_ptr<net::Session>> links_;
  std::unordered_map<const net::Session*, LinkId> link_of_;
};

}  // namespace praxis::node
