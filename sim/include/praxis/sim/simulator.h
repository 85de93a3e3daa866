// Simulator: thousands of real Gossip engines (daemon/src/gossip*.cc, the
// same Ingestor) in one process under a virtual clock, on simulated links.
// What GossipNet (tests/testutil) does for a few nodes, built to scale:
//  - one event queue ordered by (time, sequence number), and a heap of each
//    node's next timer deadline (recomputed after every call into the
//    node), so a step costs O(log n) instead of a sweep of every node;
//  - an in-memory store per node (storage::OpenMemStore) and one signature
//    memo for the whole process (node::SignatureMemo; see SharedMemo());
//  - links with a latency per pair of nodes drawn from a distribution, a
//    little jitter (order kept, as on TCP), per-frame loss, partitions and
//    crashes.
// Deterministic: the same seed and the same calls give the same run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "praxis/node/gossip.h"
#include "praxis/node/signature_memo.h"

namespace praxis::sim {

using node::LinkId;
using node::Millis;

struct LinkModel {
  // One-way latency of a pair of nodes, fixed for the pair: a log-normal
  // distribution with this median, clamped to [min, max] (a spread like the
  // internet's: most pairs near the median, a tail of far ones).
  Millis latency_median_ms = 40;
  double latency_sigma = 0.6;
  Millis latency_min_ms = 5;
  Millis latency_max_ms = 300;
  // Extra delay of each frame, uniform in [0, jitter] (a frame never
  // overtakes an earlier one on the same link: TCP keeps order).
  Millis jitter_ms = 5;
  // Chance that a frame is dropped (a lossy link; TCP would retransmit, so
  // this is harsher than the internet: the protocol must repair it).
  double loss = 0;
};

// Bytes and frames sent, by PeerMessage field (1 hello .. 18 invite).
struct Traffic {
  static constexpr int kKinds = 19;
  std::uint64_t frames[kKinds] = {};
  std::uint64_t bytes[kKinds] = {};
  std::uint64_t dropped = 0;  // lost to `loss` or a partition
  std::uint64_t PayloadBytes() const { return bytes[3]; }  // deliveries
  std::uint64_t ControlBytes() const;                      // every other kind
};

// The memo every simulator in this process installs (while one exists):
// simulators may run on several threads at once, and announcements signed
// from the same seed are checked once in all of them.
const node::SignatureMemo& SharedMemo();

class Simulator {
 public:
  explicit Simulator(std::uint64_t seed, LinkModel links = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Adds a node listening at its address ("10.<i>:7000" style). rng_seed is
  // drawn from the simulator's seed unless set.
  int AddNode(node::GossipOptions opts = {});
  std::size_t size() const { return nodes_.size(); }

  // Tells node `from` of node `to`'s address (it dials when it wants to).
  void Introduce(int from, int to);
  // Every link of the node goes down (as a TCP reset); it never comes back.
  void Crash(int i);
  bool Up(int i) const;
  // Nodes with different sides cannot reach each other: frames between them
  // are dropped (links then time out) and dials fail. Heal() joins them.
  void Partition(std::vector<std::uint8_t> side_of_node);
  void Heal();

  // Publishes `a` as node i's own announcement (applied, written, then
  // handed to its engine). Not kAccepted: nothing was sent (e.g. kDeferred
  // when the node does not hold the group yet).
  node::IngestOutcome Publish(int i, const node::Announcement& a);

  Millis now() const { return now_; }
  // The virtual wall clock the ingestors see (ms since the Unix epoch).
  std::uint64_t wall_ms() const { return kEpochMs + now_; }
  static constexpr std::uint64_t kEpochMs = 1'767'225'600'000;  // 2026-01-01
  // Processes events and timers up to and including time t.
  void RunUntil(Millis t);

  bool Holds(int i, const Id& id);
  const node::Gossip& gossip(int i) const;
  node::Ingestor& ingestor(int i);
  Millis Latency(int a, int b) const;

  // Called for every announcement a node accepts from the network, with the
  // hops it travelled (the engine's count: 1 = straight from its author).
  using AcceptedFn =
      std::function<void(int node, const node::Announcement& a, Millis now, std::uint32_t hops)>;
  void set_on_accepted(AcceptedFn fn) { on_accepted_ = std::move(fn); }

  const Traffic& traffic() const { return traffic_; }
  void ResetTraffic() { traffic_ = {}; }
  std::uint64_t events_processed() const { return events_processed_; }  // frames, timers, ...
  std::uint64_t ticks() const { return ticks_; }                         // ...of which timers
  std::size_t links_up() const { return pipes_.size() / 2; }
  // Links as (node, node) pairs, each once.
  std::vector<std::pair<int, int>> Edges() const;

 private:
  class Transport;
  struct Node;
  struct Pipe {  // one end of a link: where its frames go
    int node = -1;  // the owner of this end
    int peer = -1;
    LinkId peer_link = 0;
    Millis latency = 0;
    Millis last_arrival = 0;  // keeps the link's frames in order
  };
  enum class Kind : std::uint8_t { kFrame, kLinkDown, kDialFailed, kConnect };
  struct Event {
    Millis at;
    std::uint64_t seq;
    Kind kind;
    int a = -1, b = -1;  // kFrame: from, to; kLinkDown: node; kDial*/kConnect: from, to
    LinkId link = 0;     // kFrame, kLinkDown: the receiving end
    std::string data;    // kFrame: the frame; kDial*: the address
    bool permanent = false;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Timer {
    Millis at;
    int node;
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : node > o.node; }
  };

  void Push(Event e);
  void Handle(Event& e);
  void Send(int from, LinkId link, std::string frame);
  void Close(int from, LinkId link);
  void Dial(int from, const std::string& address);
  void Connect(int from, int to, const std::string& address);
  bool Cut(int a, int b) const;
  // Runs `fn` on node i's engine, then reports what it accepted and
  // reschedules its timer.
  void Call(int i, const std::function<void(node::Gossip&)>& fn, const std::string* frame = nullptr);
  // Hops of each announcement accepted in one call, whose hops add up to
  // `hops_total` (the engine's counter), `frame` being what the call handled.
  static std::vector<std::uint32_t> HopsOf(const std::vector<node::Announcement>& accepted,
                                           std::uint64_t hops_total, const std::string* frame);
  void Reschedule(int i);
  LinkId NewLink() { return next_link_++; }

  std::uint64_t seed_;
  LinkModel model_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<std::string, int> by_address_;
  std::unordered_map<LinkId, Pipe> pipes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<std::uint8_t> side_;  // partition side by node (empty: none)
  std::uint64_t next_seq_ = 0;
  LinkId next_link_ = 1;
  Millis now_ = 1'000;
  Traffic traffic_;
  std::uint64_t events_processed_ = 0;
  std::uint64_t ticks_ = 0;
  AcceptedFn on_accepted_;
  // Accepted during the current Call, reported when it returns.
  std::vector<node::Announcement> accepted_now_;
  int calling_ = -1;
};

}  // namespace praxis::sim
