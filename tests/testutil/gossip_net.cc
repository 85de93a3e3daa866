#include "testutil/gossip_net.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "testutil/authors.h"

namespace praxis::testutil {

using node::LinkId;
using node::Millis;

namespace {
constexpr Millis kProbeLatency = 1;
constexpr std::uint16_t kListenPort = 7000;

std::string AddressOf(int i) {
  return "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":" +
         std::to_string(kListenPort);
}
}  // namespace

class GossipNet::Transport : public node::GossipTransport {
 public:
  Transport(GossipNet& net, int index) : net_(net), index_(index) {}
  void Send(LinkId link, std::string frame) override { net_.Send(index_, link, std::move(frame)); }
  void Close(LinkId link, const Status&) override { net_.Close(index_, link); }
  void Dial(const std::string& address) override { net_.Dial(index_, address); }
  std::size_t Backlog(LinkId) const override { return 0; }

 private:
  GossipNet& net_;
  int index_;
};

GossipNet::GossipNet(std::uint64_t seed) : rng_(seed) {
  // Thousands of "peer up" lines would drown a failing test's own output.
  spdlog::set_level(spdlog::level::warn);
}

GossipNet::~GossipNet() {
  // Engines unhook from their ingestors before either goes.
  for (auto& n : nodes_) n->gossip.reset();
}

NetNode& GossipNet::AddNode(node::GossipOptions opts) {
  auto n = std::make_unique<NetNode>();
  n->index = static_cast<int>(nodes_.size());
  n->member = n->key.public_key();
  n->address = AddressOf(n->index);
  auto store = storage::OpenRocksStore({.path = n->dir.Sub("db")});
  if (!store) throw std::runtime_error(store.error().ToString());
  n->store = std::move(*store);
  auto ing = node::Ingestor::Open(*n->store, {});
  if (!ing) throw std::runtime_error(ing.error().ToString());
  n->ingestor = std::move(*ing);
  n->transport = std::make_unique<Transport>(*this, n->index);
  opts.listen_port = kListenPort;
  if (!opts.rng_seed) opts.rng_seed = rng_() | 1;
  n->opts = opts;
  auto g = node::Gossip::Open(*n->ingestor, *n->store, *n->transport, n->member, opts, now_);
  if (!g) throw std::runtime_error(g.error().ToString());
  n->gossip = std::move(*g);
  nodes_.push_back(std::move(n));
  return *nodes_.back();
}

Millis GossipNet::Latency(int a, int b) {
  auto key = std::minmax(a, b);
  auto it = latency_.find(key);
  if (it != latency_.end()) return it->second;
  Millis l = 5 + rng_() % 26;
  latency_[key] = l;
  return l;
}

void GossipNet::Introduce(int from, int to) {
  node(from).gossip->AddAddress(node(to).address, node::FoundBy::kSeed, now_);
}

void GossipNet::Crash(int i) {
  node(i).up = false;
  std::vector<LinkId> links;
  for (const auto& [key, pipe] : pipes_)
    if (key.first == i) links.push_back(key.second);
  for (LinkId l : links) Close(i, l);
}

void GossipNet::Restart(int i) {
  NetNode& n = node(i);
  n.gossip.reset();
  auto g = node::Gossip::Open(*n.ingestor, *n.store, *n.transport, n.member, n.opts, now_);
  if (!g) throw std::runtime_error(g.error().ToString());
  n.gossip = std::move(*g);
  n.up = true;
}

void GossipNet::Publish(int i, const node::Announcement& a, const node::Announcement* original) {
  NetNode& n = node(i);
  auto o = ApplyAndWrite(*n.ingestor, *n.store, a, original);
  if (!o.ok()) throw std::runtime_error("publish refused: " + o.reason);
  n.gossip->OnOwn(a, original, now_);
}

int GossipNet::AttachProbe(int i, const Id& member) {
  const int p = next_probe_++;
  const LinkId link = NewLink();
  probes_[p] = Probe{i, link, {}, false};
  pipes_[{i, link}] = Pipe{LinkEnd{-1, p, 0}, kProbeLatency};
  if (!node(i).gossip->OnLinkUp(link, member, "10.9.9.9:50000", true, "", now_))
    probes_[p].closed = true;
  return p;
}

void GossipNet::ProbeSendRaw(int probe, std::string bytes) {
  Probe& p = probes_.at(probe);
  LinkEnd to{p.node, -1, p.node_link};
  At(now_ + kProbeLatency,
     [this, to, bytes = std::move(bytes)]() mutable { Deliver(to, std::move(bytes)); });
}

void GossipNet::ProbeSend(int probe, const wire::PeerMessage& m) {
  ProbeSendRaw(probe, m.SerializeAsString());
}

void GossipNet::At(Millis t, std::function<void()> fn) {
  events_.push(Event{t, next_seq_++, std::move(fn)});
}

void GossipNet::Send(int from, LinkId link, std::string frame) {
  auto it = pipes_.find({from, link});
  if (it == pipes_.end()) return;
  LinkEnd to = it->second.to;
  if (to.probe < 0 && Cut(from, to.node)) return;  // lost in the partition
  if (muted_.count(from)) {
    wire::PeerMessage m;
    if (m.ParseFromString(frame) && m.has_delivery()) return;  // swallowed
  }
  At(now_ + it->second.latency,
     [this, to, frame = std::move(frame)]() mutable { Deliver(to, std::move(frame)); });
}

void GossipNet::Deliver(const LinkEnd& to, std::string frame) {
  if (to.probe >= 0) {
    Probe& p = probes_.at(to.probe);
    if (p.closed) return;
    ProbeFrame f;
    f.at = now_;
    f.message.ParseFromString(frame);
    p.inbox.push_back(std::move(f));
    return;
  }
  NetNode& n = node(to.node);
  // A frame in flight on a link that closed meanwhile is lost, as on TCP.
  if (!n.up || !pipes_.count({to.node, to.link})) return;
  n.gossip->OnFrame(to.link, frame, now_);
  n.gossip->Flush(now_);
}

void GossipNet::Close(int from, LinkId link) {
  auto it = pipes_.find({from, link});
  if (it == pipes_.end()) return;
  Pipe pipe = it->second;
  pipes_.erase(it);
  if (pipe.to.probe >= 0) {
    probes_.at(pipe.to.probe).closed = true;
    return;
  }
  pipes_.erase({pipe.to.node, pipe.to.link});
  const int other = pipe.to.node;
  const LinkId other_link = pipe.to.link;
  if (Cut(from, other)) return;  // no FIN crosses: the other end times out
  At(now_ + pipe.latency, [this, other, other_link] {
    if (node(other).up) node(other).gossip->OnLinkDown(other_link, now_);
  });
}

void GossipNet::Dial(int from, const std::string& address) {
  int target = -1;
  for (const auto& n : nodes_)
    if (n->address == address) target = n->index;
  if (target < 0 || !node(target).up) {
    At(now_ + 50, [this, from, address] {
      if (node(from).up) node(from).gossip->OnDialFailed(address, false, now_);
    });
    return;
  }
  if (Cut(from, target)) {
    At(now_ + 5'000, [this, from, address] {  // a connect timeout
      if (node(from).up) node(from).gossip->OnDialFailed(address, false, now_);
    });
    return;
  }
  if (target == from) {
    At(now_ + 1, [this, from, address] { node(from).gossip->OnDialFailed(address, true, now_); });
    return;
  }
  // TCP connect plus the three handshake messages: two round trips.
  const Millis lat = Latency(from, target);
  At(now_ + 4 * lat, [this, from, target, address, lat] {
    if (!node(from).up) return;
    if (!node(target).up) return node(from).gossip->OnDialFailed(address, false, now_);
    const LinkId la = NewLink(), lb = NewLink();
    pipes_[{from, la}] = Pipe{LinkEnd{target, -1, lb}, lat};
    pipes_[{target, lb}] = Pipe{LinkEnd{from, -1, la}, lat};
    const std::string ephemeral = node(from).address.substr(0, node(from).address.rfind(':')) +
                                  ":" + std::to_string(40000 + la % 20000);
    node(target).gossip->OnLinkUp(lb, node(from).member, ephemeral, true, "", now_);
    if (pipes_.count({from, la}))
      node(from).gossip->OnLinkUp(la, node(target).member, address, false, address, now_);
    else
      node(from).gossip->OnDialFailed(address, false, now_);
  });
}

void GossipNet::RunUntil(Millis t) {
  std::map<int, Millis> ticked_at;  // a node is ticked at most once per instant
  for (;;) {
    Millis next = events_.empty() ? ~Millis{0} : events_.top().at;
    for (const auto& n : nodes_) {
      if (!n->up) continue;
      Millis d = n->gossip->NextDeadline();
      auto it = ticked_at.find(n->index);
      if (it != ticked_at.end() && d <= it->second) d = it->second + 1;
      next = std::min(next, d);
    }
    if (next > t) break;
    now_ = std::max(now_, next);
    while (!events_.empty() && events_.top().at <= now_) {
      auto fn = events_.top().fn;
      events_.pop();
      fn();
    }
    for (const auto& n : nodes_) {
      if (!n->up || n->gossip->NextDeadline() > now_) continue;
      auto it = ticked_at.find(n->index);
      if (it != ticked_at.end() && it->second == now_) continue;
      ticked_at[n->index] = now_;
      n->gossip->Tick(now_);
    }
  }
  now_ = std::max(now_, t);
}

bool GossipNet::RunUntilTrue(const std::function<bool()>& cond, Millis limit) {
  const Millis end = now_ + limit;
  while (!cond() && now_ < end) RunUntil(std::min(end, now_ + 10));
  return cond();
}

std::vector<GossipNet::Edge> GossipNet::Edges(const Id* root) const {
  std::vector<Edge> out;
  for (const auto& [key, pipe] : pipes_) {
    const int a = key.first, b = pipe.to.node;
    if (pipe.to.probe >= 0 || a > b) continue;
    if (!nodes_[a]->up || !nodes_[b]->up) continue;
    auto eager = [&](int node, node::LinkId link) {
      return root ? nodes_[node]->gossip->IsEagerFor(link, *root)
                  : nodes_[node]->gossip->IsEager(link);
    };
    out.push_back({a, b, eager(a, key.second), eager(b, pipe.to.link)});
  }
  return out;
}

bool GossipNet::Holds(int i, const Id& id) { return node(i).ingestor->Held(id); }

bool GossipNet::AllHold(const std::vector<Id>& ids) {
  for (int i = 0; i < static_cast<int>(size()); ++i)
    for (const Id& id : ids)
      if (!Holds(i, id)) return false;
  return true;
}

}  // namespace praxis::testutil
