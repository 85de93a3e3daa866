#include "praxis/sim/simulator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "praxis/storage/mem_store.h"

namespace praxis::sim {

namespace {
constexpr std::uint16_t kListenPort = 7000;
constexpr Millis kNever = ~Millis{0};
constexpr Millis kRefusedAfter = 50;       // a dial to nobody: connection refused
constexpr Millis kDialTimeout = 3'000;     // a dial across a partition: no answer
constexpr int kDeliveryField = 3;          // PeerMessage.delivery

std::string AddressOf(int i) {
  return "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 0xff) + "." +
         std::to_string(i & 0xff) + ":" + std::to_string(kListenPort);
}

// The field number of a serialised PeerMessage's one field (its first tag).
int FieldOf(const std::string& frame) {
  std::uint32_t tag = 0;
  int shift = 0;
  for (unsigned char c : frame) {
    tag |= static_cast<std::uint32_t>(c & 0x7f) << shift;
    if (!(c & 0x80) || (shift += 7) > 28) break;
  }
  const int field = static_cast<int>(tag >> 3);
  return field < Traffic::kKinds ? field : 0;
}

std::mutex memo_mu;  // guards memo_users
int memo_users = 0;
node::SignatureMemo& Memo() {
  static node::SignatureMemo memo;
  return memo;
}

std::uint64_t Mix(std::uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

const node::SignatureMemo& SharedMemo() { return Memo(); }

std::uint64_t Traffic::ControlBytes() const {
  std::uint64_t sum = 0;
  for (int k = 0; k < kKinds; ++k)
    if (k != kDeliveryField) sum += bytes[k];
  return sum;
}

struct Simulator::Node {
  int index = 0;
  Id member;
  std::string address;
  bool up = true;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<node::Ingestor> ingestor;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<node::Gossip> gossip;
  std::vector<LinkId> links;  // this node's ends
  Millis scheduled = kNever;  // its entry in timers_
  Millis ticked_at = kNever;  // ticked at most once per instant
};

class Simulator::Transport : public node::GossipTransport {
 public:
  Transport(Simulator& sim, int index) : sim_(sim), index_(index) {}
  void Send(LinkId link, std::string frame) override { sim_.Send(index_, link, std::move(frame)); }
  void Close(LinkId link, const Status&) override { sim_.Close(index_, link); }
  void Dial(const std::string& address) override { sim_.Dial(index_, address); }
  std::size_t Backlog(LinkId) const override { return 0; }

 private:
  Simulator& sim_;
  int index_;
};

Simulator::Simulator(std::uint64_t seed, LinkModel links)
    : seed_(seed), model_(links), rng_(seed) {
  crypto::InitCrypto();
  // Thousands of "peer up" lines would drown everything else.
  spdlog::set_level(spdlog::level::warn);
  std::lock_guard lock(memo_mu);
  if (memo_users++ == 0) node::SetSignatureMemo(&Memo());
}

Simulator::~Simulator() {
  {
    std::lock_guard lock(memo_mu);
    if (--memo_users == 0) node::SetSignatureMemo(nullptr);
  }
  // Engines unhook from their ingestors before either goes.
  for (auto& n : nodes_) n->gossip.reset();
}

int Simulator::AddNode(node::GossipOptions opts) {
  auto n = std::make_unique<Node>();
  n->index = static_cast<int>(nodes_.size());
  n->member = crypto::Blake2b256("sim node " + std::to_string(seed_) + " " +
                                 std::to_string(n->index));
  n->address = AddressOf(n->index);
  n->store = storage::OpenMemStore(n->address);
  node::IngestorOptions io;
  io.now_ms = [this] { return wall_ms(); };
  auto ing = node::Ingestor::Open(*n->store, io);
  if (!ing) throw std::runtime_error(ing.error().ToString());
  n->ingestor = std::move(*ing);
  n->transport = std::make_unique<Transport>(*this, n->index);
  opts.listen_port = kListenPort;
  if (!opts.rng_seed) opts.rng_seed = rng_() | 1;
  auto g = node::Gossip::Open(*n->ingestor, *n->store, *n->transport, n->member, opts, now_);
  if (!g) throw std::runtime_error(g.error().ToString());
  n->gossip = std::move(*g);
  const int i = n->index;
  n->ingestor->AddAcceptedListener([this, i](const node::Announcement& a, const node::Announcement*) {
    if (on_accepted_ && calling_ == i) accepted_now_.push_back(a);
  });
  by_address_[n->address] = i;
  nodes_.push_back(std::move(n));
  if (!side_.empty()) side_.push_back(0);
  Reschedule(i);
  return i;
}

Millis Simulator::Latency(int a, int b) const {
  // A function of the pair and the seed: no table of n^2 pairs.
  const auto [lo, hi] = std::minmax(a, b);
  const std::uint64_t h = Mix(seed_ ^ Mix((static_cast<std::uint64_t>(lo) << 32) | static_cast<std::uint32_t>(hi)));
  // Two uniforms -> one standard normal (Box-Muller), deterministic.
  const double u1 = (static_cast<double>(h >> 32) + 1.0) / 4294967297.0;
  const double u2 = static_cast<double>(h & 0xffffffff) / 4294967296.0;
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  const double ms = static_cast<double>(model_.latency_median_ms) * std::exp(model_.latency_sigma * z);
  return std::clamp(static_cast<Millis>(std::llround(ms)), model_.latency_min_ms,
                    model_.latency_max_ms);
}

void Simulator::Introduce(int from, int to) {
  Call(from, [&](node::Gossip& g) {
    g.AddAddress(nodes_[static_cast<std::size_t>(to)]->address, node::FoundBy::kSeed, now_);
  });
}

void Simulator::Crash(int i) {
  Node& n = *nodes_[static_cast<std::size_t>(i)];
  if (!n.up) return;
  n.up = false;
  const std::vector<LinkId> links = n.links;
  for (LinkId l : links) Close(i, l);
}

void Simulator::Partition(std::vector<std::uint8_t> side_of_node) {
  side_of_node.resize(nodes_.size(), 0);
  side_ = std::move(side_of_node);
}

void Simulator::Heal() { side_.clear(); }

bool Simulator::Cut(int a, int b) const {
  return !side_.empty() && side_[static_cast<std::size_t>(a)] != side_[static_cast<std::size_t>(b)];
}

node::IngestOutcome Simulator::Publish(int i, const node::Announcement& a) {
  Node& n = *nodes_[static_cast<std::size_t>(i)];
  storage::WriteSet ws;
  node::IngestOutcome o = n.ingestor->Apply(a, nullptr, ws);
  if (!o.ok()) {
    n.ingestor->Committed();
    return o;
  }
  if (!n.store->Write(ws, storage::Durability::kSync).ok())
    throw std::runtime_error("mem store write failed");
  n.ingestor->Committed();
  Call(i, [&](node::Gossip& g) { g.OnOwn(a, nullptr, now_); });
  return o;
}

bool Simulator::Up(int i) const { return nodes_[static_cast<std::size_t>(i)]->up; }
const node::Gossip& Simulator::gossip(int i) const {
  return *nodes_[static_cast<std::size_t>(i)]->gossip;
}
node::Ingestor& Simulator::ingestor(int i) { return *nodes_[static_cast<std::size_t>(i)]->ingestor; }

bool Simulator::Holds(int i, const Id& id) {
  return nodes_[static_cast<std::size_t>(i)]->ingestor->Held(id);
}

std::vector<std::pair<int, int>> Simulator::Edges() const {
  std::vector<std::pair<int, int>> out;
  for (const auto& [link, p] : pipes_)
    if (p.node < p.peer) out.emplace_back(p.node, p.peer);
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- links

void Simulator::Push(Event e) {
  e.seq = next_seq_++;
  events_.push(std::move(e));
}

void Simulator::Send(int from, LinkId link, std::string frame) {
  auto it = pipes_.find(link);
  if (it == pipes_.end()) return;
  Pipe& p = it->second;
  const int field = FieldOf(frame);
  ++traffic_.frames[field];
  traffic_.bytes[field] += frame.size();
  if (Cut(from, p.peer) ||
      (model_.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < model_.loss)) {
    ++traffic_.dropped;
    return;
  }
  Millis at = now_ + p.latency;
  if (model_.jitter_ms) at += rng_() % (model_.jitter_ms + 1);
  at = std::max(at, p.last_arrival);
  p.last_arrival = at;
  Event e{.at = at, .kind = Kind::kFrame, .a = from, .b = p.peer, .link = p.peer_link};
  e.data = std::move(frame);
  Push(std::move(e));
}

void Simulator::Close(int from, LinkId link) {
  auto it = pipes_.find(link);
  if (it == pipes_.end()) return;
  const Pipe p = it->second;
  pipes_.erase(it);
  pipes_.erase(p.peer_link);
  auto forget = [&](int node, LinkId l) {
    auto& v = nodes_[static_cast<std::size_t>(node)]->links;
    v.erase(std::remove(v.begin(), v.end(), l), v.end());
  };
  forget(from, link);
  forget(p.peer, p.peer_link);
  Push(Event{.at = now_ + p.latency, .kind = Kind::kLinkDown, .a = p.peer, .link = p.peer_link});
}

void Simulator::Dial(int from, const std::string& address) {
  auto it = by_address_.find(address);
  const int to = it == by_address_.end() ? -1 : it->second;
  Event fail{.kind = Kind::kDialFailed, .a = from, .b = to};
  fail.data = address;
  if (to == from) {
    fail.at = now_ + 1;
    fail.permanent = true;
    return Push(std::move(fail));
  }
  if (to < 0 || !nodes_[static_cast<std::size_t>(to)]->up) {
    fail.at = now_ + kRefusedAfter;
    return Push(std::move(fail));
  }
  if (Cut(from, to)) {
    fail.at = now_ + kDialTimeout;
    return Push(std::move(fail));
  }
  // TCP connect plus the three handshake messages: two round trips.
  Event connect{.at = now_ + 4 * Latency(from, to), .kind = Kind::kConnect, .a = from, .b = to};
  connect.data = address;
  Push(std::move(connect));
}

void Simulator::Connect(int from, int to, const std::string& address) {
  Node& f = *nodes_[static_cast<std::size_t>(from)];
  Node& t = *nodes_[static_cast<std::size_t>(to)];
  if (!f.up) return;
  if (!t.up || Cut(from, to))
    return Call(from, [&](node::Gossip& g) { g.OnDialFailed(address, false, now_); });
  const Millis lat = Latency(from, to);
  const LinkId la = NewLink(), lb = NewLink();
  pipes_[la] = Pipe{from, to, lb, lat, 0};
  pipes_[lb] = Pipe{to, from, la, lat, 0};
  f.links.push_back(la);
  t.links.push_back(lb);
  const std::string ephemeral = f.address.substr(0, f.address.rfind(':')) + ":" +
                                std::to_string(40000 + la % 20000);
  Call(to, [&](node::Gossip& g) { g.OnLinkUp(lb, f.member, ephemeral, true, "", now_); });
  if (pipes_.count(la))
    Call(from, [&](node::Gossip& g) { g.OnLinkUp(la, t.member, address, false, address, now_); });
  else
    Call(from, [&](node::Gossip& g) { g.OnDialFailed(address, false, now_); });
}

void Simulator::Handle(Event& e) {
  switch (e.kind) {
    case Kind::kFrame: {
      Node& to = *nodes_[static_cast<std::size_t>(e.b)];
      // A frame in flight on a link that closed meanwhile is lost, as on TCP.
      if (!to.up || !pipes_.count(e.link)) return;
      if (Cut(e.a, e.b)) {
        ++traffic_.dropped;
        return;
      }
      return Call(e.b, [&](node::Gossip& g) {
        g.OnFrame(e.link, e.data, now_);
        g.Flush(now_);
      }, &e.data);
    }
    case Kind::kLinkDown:
      if (!nodes_[static_cast<std::size_t>(e.a)]->up) return;
      return Call(e.a, [&](node::Gossip& g) { g.OnLinkDown(e.link, now_); });
    case Kind::kDialFailed:
      if (!nodes_[static_cast<std::size_t>(e.a)]->up) return;
      return Call(e.a, [&](node::Gossip& g) { g.OnDialFailed(e.data, e.permanent, now_); });
    case Kind::kConnect:
      return Connect(e.a, e.b, e.data);
  }
}

// ---------------------------------------------------------------- calls and time

void Simulator::Call(int i, const std::function<void(node::Gossip&)>& fn,
                     const std::string* frame) {
  Node& n = *nodes_[static_cast<std::size_t>(i)];
  if (!n.up) return;
  const std::uint64_t hops_before = n.gossip->counters().hops_total;
  calling_ = i;
  fn(*n.gossip);
  calling_ = -1;
  if (!accepted_now_.empty()) {
    std::vector<node::Announcement> accepted = std::move(accepted_now_);
    accepted_now_.clear();
    const std::vector<std::uint32_t> hops =
        HopsOf(accepted, n.gossip->counters().hops_total - hops_before, frame);
    for (std::size_t k = 0; k < accepted.size(); ++k) on_accepted_(i, accepted[k], now_, hops[k]);
  }
  Reschedule(i);
}

std::vector<std::uint32_t> Simulator::HopsOf(const std::vector<node::Announcement>& accepted,
                                             std::uint64_t hops_total, const std::string* frame) {
  // The engine adds up hops per delivery: with one accepted (the usual
  // case) the sum is its count. A frame that unblocked deferred ones: its
  // own announcement has its Delivery's count + 1, the rest share the rest.
  std::vector<std::uint32_t> hops(accepted.size(), 0);
  std::vector<bool> known(accepted.size(), false);
  std::size_t unknown = accepted.size();
  if (accepted.size() > 1 && frame && FieldOf(*frame) == kDeliveryField) {
    wire::PeerMessage m;
    if (m.ParseFromString(*frame))
      for (std::size_t k = 0; k < accepted.size(); ++k)
        if (accepted[k].envelope == m.delivery().envelope()) {
          hops[k] = m.delivery().hops() + 1;
          hops_total -= std::min<std::uint64_t>(hops_total, hops[k]);
          known[k] = true;
          --unknown;
        }
  }
  for (std::size_t k = 0; k < accepted.size(); ++k)
    if (!known[k]) hops[k] = static_cast<std::uint32_t>(hops_total / unknown);
  return hops;
}

void Simulator::Reschedule(int i) {
  Node& n = *nodes_[static_cast<std::size_t>(i)];
  if (!n.up) return;
  Millis d = n.gossip->NextDeadline();
  if (n.ticked_at != kNever && d <= n.ticked_at) d = n.ticked_at + 1;
  if (d == n.scheduled) return;
  n.scheduled = d;
  if (d != kNever) timers_.push(Timer{d, i});
}

void Simulator::RunUntil(Millis t) {
  for (;;) {
    // Drop timer entries that were superseded or whose node crashed.
    while (!timers_.empty()) {
      const Timer& top = timers_.top();
      const Node& n = *nodes_[static_cast<std::size_t>(top.node)];
      if (n.up && n.scheduled == top.at) break;
      timers_.pop();
    }
    const Millis next_event = events_.empty() ? kNever : events_.top().at;
    const Millis next_timer = timers_.empty() ? kNever : timers_.top().at;
    const Millis next = std::min(next_event, next_timer);
    if (next > t) break;
    now_ = std::max(now_, next);
    ++events_processed_;
    if (next_event <= next_timer) {
      // priority_queue::top is const: move the frame out before popping.
      Event e = std::move(const_cast<Event&>(events_.top()));
      events_.pop();
      Handle(e);
      continue;
    }
    const int i = timers_.top().node;
    timers_.pop();
    Node& n = *nodes_[static_cast<std::size_t>(i)];
    n.scheduled = kNever;
    n.ticked_at = now_;
    ++ticks_;
    Call(i, [&](node::Gossip& g) { g.Tick(now_); });
  }
  now_ = std::max(now_, t);
}

}  // namespace praxis::sim
