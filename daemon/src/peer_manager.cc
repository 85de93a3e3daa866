#include "praxis/node/peer_manager.h"

#include <spdlog/spdlog.h>

#include "praxis/node/access.h"
#include "praxis/node/holdings.h"

#include <asio/connect.hpp>

namespace praxis::node {

using asio::ip::tcp;

Result<std::unique_ptr<PeerManager>> PeerManager::Open(Node& node, const crypto::KeyPair& identity,
                                                       net::HandshakeOptions hs,
                                                       PeerManagerOptions opts) {
  std::unique_ptr<PeerManager> pm(new PeerManager(node, identity, hs, std::move(opts)));
  auto g =
      Gossip::Open(node.ingestor(), node.store(), *pm, node.member(), pm->opts_.gossip, pm->Now());
  if (!g) return Err(g.error());
  pm->gossip_ = std::move(*g);
  pm->gossip_->set_parallel_for(node.PoolFor());
  if (!pm->opts_.transfer.likely_holders)
    pm->opts_.transfer.likely_holders = [&node](const Id& root) {
      return LikelyHolders(node.ingestor(), node.store(), root);
    };
  pm->transfer_ = std::make_unique<Transfer>(
      node.store(), *pm, *pm->gossip_,
      [&node, pm = pm.get()](const Id& member, const Id& root) {
        return !node.deny().RefusesRoot(root) &&
               MayFetch(node.ingestor(), node.store(), member, root,
                        pm->gossip_->LinkedSeed(member));
      },
      pm->opts_.transfer);
  pm->gossip_->set_extension(pm->transfer_.get(), pm->Now());
  pm->gossip_->set_own_log_hooks(
      {[&node](const Id& group) { node.NoteCaughtUp(group); },
       [&node](const Id& group, std::uint64_t seq) { node.NoteOwnLogAhead(group, seq); }});
  pm->gossip_->set_withhold([&node](const Announcement& a) { return node.deny().Refuses(a); });
  pm->gossip_->set_invite_hooks(
      {[&node](const Announcement& invite, const Id& from) { node.ReceiveInvite(invite, from); },
       [&node](const Id& member) { return node.invites().JoinsFor(member); }});
  node.set_on_durable([pm = pm.get()](const Announcement& a) {
    pm->gossip_->OnOwn(a, nullptr, pm->Now());
    pm->Arm();
  });
  pm->Arm();
  return pm;
}

PeerManager::PeerManager(Node& node, const crypto::KeyPair& identity, net::HandshakeOptions hs,
                         PeerManagerOptions opts)
    : node_(node),
      identity_(identity),
      hs_(hs),
      opts_(std::move(opts)),
      accept_retry_(node.executor()),
      timer_(node.executor()),
      epoch_(std::chrono::steady_clock::now()),
      last_wall_(std::chrono::system_clock::now()) {}

PeerManager::~PeerManager() {
  node_.set_on_durable(nullptr);
  Close();
  if (gossip_) gossip_->set_extension(nullptr, Now());
}

Status PeerManager::Fetch(const Id& root, bool beyond_size_limit) {
  if (node_.deny().RefusesRoot(root))
    return Status::FailedPrecondition(root.Short() + " is on this node's deny list");
  Status s = transfer_->Fetch(root, Now(), beyond_size_limit);
  Arm();
  return s;
}

Millis PeerManager::Now() const {
  return static_cast<Millis>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - epoch_)
                                 .count());
}

Result<tcp::endpoint> PeerManager::Listen(const tcp::endpoint& ep) {
  acceptor_ = std::make_unique<tcp::acceptor>(node_.executor());
  asio::error_code ec;
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Err(Status::IOError(ec.message()));
  Accept();
  auto bound = acceptor_->local_endpoint();
  gossip_->set_listen_port(bound.port());
  return bound;
}

void PeerManager::Accept() {
  acceptor_->async_accept([this](const asio::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor_ || !acceptor_->is_open() || ec == asio::error::operation_aborted) return;
      // Out of descriptors (or another transient failure): the connection
      // stays queued, so accepting again at once would spin. Try in a while.
      spdlog::warn("cannot accept a peer: {}; trying again in 100 ms", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](const asio::error_code& e) {
        if (!e && !closed_) Accept();
      });
      return;
    }
    DropOldestHandshakeIfFull();
    Adopt(std::move(socket), net::NoiseRole::kResponder, "");
    Accept();
  });
}

void PeerManager::Connect(const std::string& host_port, std::function<void(Status)> done) {
  gossip_->AddAddress(host_port, FoundBy::kManual, Now());
  DialThen(host_port, std::move(done));
}

void PeerManager::AddSeed(const std::string& host_port) {
  gossip_->AddAddress(host_port, FoundBy::kSeed, Now());
  Arm();
}

void PeerManager::AddLanPeer(const std::string& host_port, const Id& member) {
  gossip_->AddAddress(host_port, FoundBy::kLan, Now(), member);
  Arm();
}

void PeerManager::Dial(const std::string& address) {
  DialThen(address, [](Status) {});
}

void PeerManager::DialThen(const std::string& address, std::function<void(Status)> done) {
  auto fail = [this, address, done](Status s) {
    gossip_->OnDialFailed(address, false, Now());
    Arm();
    done(std::move(s));
  };
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return fail(Status::InvalidArgument("not HOST:PORT: " + address));
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto resolver = std::make_shared<tcp::resolver>(node_.executor());
  auto socket = std::make_shared<tcp::socket>(node_.executor());
  // Resolved on every try: a seed's name may point elsewhere by now.
  resolver->async_resolve(
      host, address.substr(colon + 1),
      [this, resolver, socket, done, fail, address](const asio::error_code& ec,
                                                    tcp::resolver::results_type results) {
        if (closed_) return;
        if (ec) return fail(Status::IOError("cannot resolve " + address + ": " + ec.message()));
        asio::async_connect(
            *socket, results,
            [this, socket, done, fail, address](const asio::error_code& ec2, const tcp::endpoint&) {
              if (closed_) return;
              if (ec2)
                return fail(Status::IOError("cannot connect to " + address + ": " + ec2.message()));
              Adopt(std::move(*socket), net::NoiseRole::kInitiator, address);
              done(Status::OK());
            });
      });
}

void PeerManager::DropOldestHandshakeIfFull() {
  std::size_t inbound = 0;
  for (const auto& p : pending_) inbound += p->role() == net::NoiseRole::kResponder;
  if (inbound < opts_.max_handshakes) return;
  for (const auto& p : pending_)
    if (p->role() == net::NoiseRole::kResponder) {
      ++handshakes_dropped_;
      if (handshakes_dropped_ == 1 || handshakes_dropped_ % 1000 == 0)
        spdlog::warn("{} inbound handshakes in flight (the cap): dropping the oldest ({} so far)",
                     opts_.max_handshakes, handshakes_dropped_);
      auto oldest = p;  // Stop() removes it from pending_
      oldest->Stop(Status::Cancelled("too many handshakes in flight"));
      std::erase(pending_, oldest);
      return;
    }
}

void PeerManager::Adopt(tcp::socket socket, net::NoiseRole role, const std::string& dialed) {
  asio::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // small frames, latency matters
  // A small kernel send buffer keeps the queue where praxisd can see it (the
  // session's outbox): publishers are slowed by it, and a queue the node
  // cannot see would only add latency (grafts fire, duplicates follow).
  socket.set_option(asio::socket_base::send_buffer_size(256 << 10), ec);
  socket.set_option(asio::socket_base::receive_buffer_size(256 << 10), ec);
  auto s =
      std::make_shared<net::Session>(std::move(socket), role, identity_, hs_, opts_.session, *this);
  pending_.push_back(s);
  if (!dialed.empty()) dialed_[s.get()] = dialed;
  s->Start();
}

void PeerManager::Close() {
  if (closed_) return;
  closed_ = true;
  if (acceptor_) {
    asio::error_code ec;
    acceptor_->close(ec);
  }
  timer_.cancel();
  accept_retry_.cancel();
  auto links = links_;
  for (auto& [id, s] : links) s->Stop(Status::Cancelled("node stopping"));
  auto pending = pending_;
  for (auto& s : pending) s->Stop(Status::Cancelled("node stopping"));
  pending_.clear();
  links_.clear();
  link_of_.clear();
  dialed_.clear();
}

std::vector<PeerInfo> PeerManager::Peers() const {
  std::vector<PeerInfo> out;
  const Millis now = Now();
  const auto wall_now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (const LinkInfo& l : gossip_->Links()) {
    PeerInfo p{l.member, l.address, l.inbound, l.found, wall_now - (now - l.since), l.eager};
    if (auto it = links_.find(l.link); it != links_.end()) {
      p.bytes_in = it->second->bytes_in();
      p.bytes_out = it->second->bytes_out();
    }
    out.push_back(std::move(p));
  }
  return out;
}

// ---------------------------------------------------------------- sessions

void PeerManager::OnPeerUp(const std::shared_ptr<net::Session>& s) {
  std::erase(pending_, s);
  std::string dialed;
  if (auto it = dialed_.find(s.get()); it != dialed_.end()) {
    dialed = it->second;
    dialed_.erase(it);
  }
  if (closed_) return s->Stop(Status::Cancelled("node stopping"));
  const LinkId link = next_link_++;
  links_[link] = s;
  link_of_[s.get()] = link;
  // On refusal the engine has already closed the session (and OnPeerDown
  // removed it from the maps above).
  gossip_->OnLinkUp(link, s->peer().member, s->remote_address(),
                    s->role() == net::NoiseRole::kResponder, dialed, Now());
  Arm();
}

void PeerManager::OnFrame(const std::shared_ptr<net::Session>& s, std::string frame) {
  auto it = link_of_.find(s.get());
  if (it == link_of_.end()) return;
  gossip_->OnFrame(it->second, frame, Now());
  Arm();
}

void PeerManager::OnPeerDown(const std::shared_ptr<net::Session>& s, const Status& why) {
  auto it = link_of_.find(s.get());
  if (it == link_of_.end()) return;
  const LinkId link = it->second;
  link_of_.erase(it);
  links_.erase(link);
  spdlog::debug("link {} down: {}", s->peer().member.Short(), why.message());
  if (closed_) return;
  gossip_->OnLinkDown(link, Now());
  Arm();
}

void PeerManager::OnHandshakeFailed(const std::shared_ptr<net::Session>& s, const Status& why) {
  std::erase(pending_, s);
  auto it = dialed_.find(s.get());
  spdlog::debug("handshake with {} failed: {}", s->remote_address(), why.message());
  if (it == dialed_.end()) return;
  std::string address = it->second;
  dialed_.erase(it);
  if (closed_) return;
  // Reaching ourselves is not worth retrying; anything else backs off.
  const bool self = why.message() == "connected to ourselves";
  gossip_->OnDialFailed(address, self, Now());
  Arm();
}

void PeerManager::OnFramesDone(const std::shared_ptr<net::Session>&) {
  if (closed_) return;
  gossip_->Flush(Now());
  Arm();
}

void PeerManager::OnDrained(const std::shared_ptr<net::Session>& s) {
  auto it = link_of_.find(s.get());
  if (it == link_of_.end() || closed_) return;
  gossip_->OnDrained(it->second, Now());
  Arm();
}

// ---------------------------------------------------------------- transport

void PeerManager::Send(LinkId link, std::string frame) {
  if (auto it = links_.find(link); it != links_.end()) it->second->Send(std::move(frame));
}

void PeerManager::Close(LinkId link, const Status& why) {
  auto it = links_.find(link);
  if (it == links_.end()) return;
  auto s = it->second;  // Stop re-enters OnPeerDown, which erases `it`
  s->Stop(why);
}

std::vector<IngestOutcome> PeerManager::IngestLocal(std::span<const RawDelivery> batch) {
  gossip_->set_now(Now());
  auto outcomes = node_.ingestor().IngestBatch(batch, storage::Durability::kWal, node_.PoolFor());
  Arm();  // lazy advertisements of what was accepted are due soon
  return outcomes;
}

std::size_t PeerManager::TotalBacklog() const {
  std::size_t total = 0;
  for (const auto& [id, s] : links_) total += s->backlog();
  return total;
}

std::size_t PeerManager::Backlog(LinkId link) const {
  auto it = links_.find(link);
  return it == links_.end() ? 0 : it->second->backlog();
}

// ---------------------------------------------------------------- time

void PeerManager::Arm() {
  if (closed_) return;
  const Millis now = Now();
  // Wake at least once a second: the sleep check below needs the ticks.
  Millis next = std::min(gossip_->NextDeadline(), now + 1000);
  if (next >= armed_for_ && armed_for_ > now) return;
  armed_for_ = next;
  timer_.expires_at(epoch_ + std::chrono::milliseconds(next));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || closed_) return;
    armed_for_ = ~Millis{0};
    OnTimer();
  });
}

void PeerManager::OnTimer() {
  const Millis now = Now();
  const auto wall = std::chrono::system_clock::now();
  const auto wall_step = std::chrono::duration_cast<std::chrono::milliseconds>(wall - last_wall_);
  const auto mono_step = std::chrono::milliseconds(now - last_mono_);
  last_wall_ = wall;
  last_mono_ = now;
  // CLOCK_MONOTONIC stops while the machine sleeps; the wall clock does not.
  if (wall_step - mono_step > opts_.sleep_jump) gossip_->Wake(now);
  gossip_->Tick(now);
  Arm();
}

}  // namespace praxis::node
