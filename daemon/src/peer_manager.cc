#include "praxis/node/peer_manager.h"

#include <spdlog/spdlog.h>

#include <asio/connect.hpp>

#include "praxis/storage/keys.h"

namespace praxis::node {

using asio::ip::tcp;
using storage::Column;
namespace keys = storage::keys;

namespace {
constexpr std::size_t kMaxWantAnswer = 10'000;  // announcements sent for one want
}

PeerManager::PeerManager(Node& node, const crypto::KeyPair& identity, net::HandshakeOptions hs,
                         net::SessionOptions opts)
    : node_(node), identity_(identity), hs_(hs), opts_(opts) {
  node_.set_on_durable([this](const Announcement& a) { Push(a, nullptr); });
}

PeerManager::~PeerManager() {
  node_.set_on_durable(nullptr);
  Close();
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
  return acceptor_->local_endpoint();
}

void PeerManager::Accept() {
  acceptor_->async_accept([this](const asio::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (acceptor_ && acceptor_->is_open()) Accept();
      return;
    }
    Adopt(std::move(socket), net::NoiseRole::kResponder);
    Accept();
  });
}

void PeerManager::Connect(const std::string& host_port, std::function<void(Status)> done) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    return done(Status::InvalidArgument("not HOST:PORT: " + host_port));
  auto resolver = std::make_shared<tcp::resolver>(node_.executor());
  auto socket = std::make_shared<tcp::socket>(node_.executor());
  resolver->async_resolve(
      host_port.substr(0, colon), host_port.substr(colon + 1),
      [this, resolver, socket, done, host_port](const asio::error_code& ec,
                                                tcp::resolver::results_type results) {
        if (ec) return done(Status::IOError("cannot resolve " + host_port + ": " + ec.message()));
        asio::async_connect(
            *socket, results,
            [this, socket, done, host_port](const asio::error_code& ec2, const tcp::endpoint&) {
              if (ec2)
                return done(
                    Status::IOError("cannot connect to " + host_port + ": " + ec2.message()));
              Adopt(std::move(*socket), net::NoiseRole::kInitiator);
              done(Status::OK());
            });
      });
}

void PeerManager::Adopt(tcp::socket socket, net::NoiseRole role) {
  auto s = std::make_shared<net::Session>(std::move(socket), role, identity_, hs_, opts_, *this);
  pending_.push_back(s);
  s->Start();
}

void PeerManager::Close() {
  if (acceptor_) {
    asio::error_code ec;
    acceptor_->close(ec);
  }
  auto peers = peers_;
  for (auto& [id, s] : peers) s->Stop(Status::Cancelled("node stopping"));
  for (auto& s : pending_) s->Stop(Status::Cancelled("node stopping"));
  pending_.clear();
  peers_.clear();
}

std::vector<PeerInfo> PeerManager::Peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [id, s] : peers_)
    out.push_back({id, s->remote_address(), s->role() == net::NoiseRole::kResponder, s->bytes_in(),
                   s->bytes_out()});
  return out;
}

void PeerManager::OnPeerUp(const std::shared_ptr<net::Session>& s) {
  std::erase(pending_, s);
  const Id member = s->peer().member;
  if (peers_.count(member)) {
    // Both dialled each other at once: keep the first session.
    s->Stop(Status::AlreadyExists("already connected to this member"));
    return;
  }
  peers_[member] = s;
  spdlog::info("peer up {} {} ({})", member.Short(), s->remote_address(),
               s->role() == net::NoiseRole::kInitiator ? "outbound" : "inbound");
  SendFrontier(*s);
}

void PeerManager::OnPeerDown(const std::shared_ptr<net::Session>& s, const Status& why) {
  auto it = peers_.find(s->peer().member);
  if (it != peers_.end() && it->second == s) {
    peers_.erase(it);
    spdlog::info("peer down {}: {}", s->peer().member.Short(), why.message());
  }
}

void PeerManager::OnHandshakeFailed(const std::shared_ptr<net::Session>& s, const Status& why) {
  std::erase(pending_, s);
  spdlog::debug("handshake with {} failed: {}", s->remote_address(), why.message());
}

std::string PeerManager::Encode(const wire::PeerMessage& m) { return m.SerializeAsString(); }

void PeerManager::SendFrontier(net::Session& s) {
  wire::PeerMessage m;
  auto* f = m.mutable_frontier();
  std::string last_prefix;
  wire::LogPosition* cur = nullptr;
  // One entry per (author, log group): the last key of each prefix run.
  (void)node_.store().Scan(Column::kLogs, "", [&](std::string_view k, std::string_view) {
    if (k.size() != 72) return true;
    std::string_view prefix = k.substr(0, 64);
    if (!cur || prefix != last_prefix) {
      cur = f->add_logs();
      cur->set_author(std::string(k.substr(0, 32)));
      cur->set_log_group(std::string(k.substr(32, 32)));
      last_prefix.assign(prefix);
    }
    cur->set_seq(keys::LogSeq(k));
    return true;
  });
  s.Send(Encode(m));
}

wire::Delivery PeerManager::DeliveryOf(const Announcement& a) {
  wire::Delivery d;
  d.set_envelope(a.envelope);
  if (a.kind == wire::KIND_REPUBLISH) {
    wire::Republish r;
    if (r.ParseFromString(a.body))
      if (auto oid = Id::FromBytes(r.original()))
        if (auto o = node_.ingestor().Find(*oid); o && *o) d.set_original((*o)->envelope);
  }
  return d;
}

void PeerManager::Push(const Announcement& a, const net::Session* except) {
  if (peers_.empty()) return;
  Push(DeliveryOf(a), except);
}

void PeerManager::Push(const wire::Delivery& d, const net::Session* except) {
  if (peers_.empty()) return;
  wire::PeerMessage m;
  *m.mutable_delivery() = d;
  std::string frame = Encode(m);
  for (auto& [id, s] : peers_)
    if (s.get() != except) s->Send(frame);
}

void PeerManager::AnswerWant(net::Session& s, const wire::Want& want) {
  std::size_t sent = 0;
  auto send = [&](const Announcement& a) {
    wire::PeerMessage m;
    *m.mutable_delivery() = DeliveryOf(a);
    s.Send(Encode(m));
    ++sent;
  };
  for (const auto& id_bytes : want.ids()) {
    auto id = Id::FromBytes(id_bytes);
    if (!id) continue;
    auto a = node_.ingestor().Find(*id);
    if (a && *a && node_.ingestor().Held(*id)) send(**a);
  }
  for (const auto& pos : want.after()) {
    auto author = Id::FromBytes(pos.author());
    auto group = Id::FromBytes(pos.log_group());
    if (!author || !group) continue;
    std::vector<Id> ids;
    (void)node_.store().Scan(
        Column::kLogs, keys::LogPrefix(*author, *group),
        [&](std::string_view, std::string_view v) {
          ids.push_back(*Id::FromBytes(v.substr(0, 32)));
          return ids.size() + sent < kMaxWantAnswer;
        },
        keys::Log(*author, *group, pos.seq() + 1));
    for (const Id& id : ids)
      if (auto a = node_.ingestor().Find(id); a && *a) send(**a);
  }
}

void PeerManager::OnFrame(const std::shared_ptr<net::Session>& s, std::string frame) {
  wire::PeerMessage m;
  if (!m.ParseFromString(frame)) {
    s->Stop(Status::Protocol("peer message does not parse"));
    return;
  }
  switch (m.msg_case()) {
    case wire::PeerMessage::kFrontier: {
      wire::PeerMessage want_msg;
      auto* want = want_msg.mutable_want();
      for (const auto& pos : m.frontier().logs()) {
        auto author = Id::FromBytes(pos.author());
        auto group = Id::FromBytes(pos.log_group());
        if (!author || !group) continue;
        auto head = node_.ingestor().Head(*author, *group);
        if (head && head->seq < pos.seq() && !head->frozen_at) {
          auto* after = want->add_after();
          *after = pos;
          after->set_seq(head->seq);
        }
      }
      if (want->after_size()) s->Send(Encode(want_msg));
      break;
    }
    case wire::PeerMessage::kWant:
      AnswerWant(*s, m.want());
      break;
    case wire::PeerMessage::kDelivery:
      Ingest(s, m.delivery());
      break;
    default:
      break;  // unknown message types are skipped (forward compatibility)
  }
}

void PeerManager::Ingest(const std::shared_ptr<net::Session>& from, const wire::Delivery& d) {
  RawDelivery raw{d.envelope(), d.original()};
  auto outcomes = node_.ingestor().IngestBatch({&raw, 1}, storage::Durability::kWal);
  for (const auto& o : outcomes) {
    using K = IngestOutcome::Kind;
    switch (o.kind) {
      case K::kAccepted:
        // Forward what the peer sent, original attached: no need to read back
        // what was just written.
        Push(d, from.get());
        break;
      case K::kInvalid:
        spdlog::warn("peer {} sent an invalid announcement: {}", from->peer().member.Short(),
                     o.reason);
        from->Stop(Status::Protocol("invalid announcement: " + o.reason));
        return;
      case K::kDeferred: {
        if (!o.waiting_for) break;
        wire::PeerMessage m;
        auto* want = m.mutable_want();
        want->add_ids(o.waiting_for->Str());
        if (auto parsed = ParseAnnouncement(d.envelope())) {
          auto head = node_.ingestor().Head(parsed->author, parsed->LogGroup());
          auto* after = want->add_after();
          after->set_author(parsed->author.Str());
          after->set_log_group(parsed->LogGroup().Str());
          after->set_seq(head ? head->seq : 0);
        }
        from->Send(Encode(m));
        break;
      }
      default:
        break;
    }
  }
  // Announcements the batch unblocked from the pending set were accepted too;
  // they reach other peers through their own frontier exchange.
}

}  // namespace praxis::node
