// An in-memory network of Gossip engines under a fake clock: links are pairs
// of queues with a latency, dials connect by address, time moves only when
// the test says so. Each node keeps a real RocksDB store in a temp dir. A
// probe is a test-controlled endpoint of a link (the sans-I/O raw peer): it
// records what the node sends and sends whatever the test hands it.
//
// Deterministic: one event queue ordered by (time, sequence number).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "praxis/node/gossip.h"
#include "testutil/temp_dir.h"

namespace praxis::testutil {

class GossipNet;

// One node of the network.
struct NetNode {
  int index = 0;
  Id member;
  crypto::KeyPair key =
      crypto::KeyPair::Generate();  // the node's identity (member = its public key)
  std::string address;              // "10.0.<i/256>.<i%256>:7000"
  bool up = true;
  TempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<node::Ingestor> ingestor;
  std::unique_ptr<node::GossipTransport> transport;
  std::unique_ptr<node::Gossip> gossip;
  node::GossipOptions opts;
};

// What a probe saw the node send it.
struct ProbeFrame {
  node::Millis at = 0;
  wire::PeerMessage message;
};

class GossipNet {
 public:
  explicit GossipNet(std::uint64_t seed = 1);
  ~GossipNet();

  // Adds a node listening at its address. `opts` defaults to a small active
  // set; rng_seed is set from the network's seed.
  NetNode& AddNode(node::GossipOptions opts = {});
  NetNode& node(int i) { return *nodes_.at(static_cast<std::size_t>(i)); }
  std::size_t size() const { return nodes_.size(); }

  // Latency of every link between a and b (default: uniform 5-30 ms, fixed
  // per pair).
  node::Millis Latency(int a, int b);

  // Tells node `from` about node `to`'s address (it dials when it wants to).
  void Introduce(int from, int to);
  // Crashes a node: every link of it goes down (as a TCP reset would).
  void Crash(int i);
  // Starts a crashed node again from its store (a new engine, as a restarted
  // process: it knows only what it persisted).
  void Restart(int i);

  // Splits the network: frames between nodes of different sides are lost
  // and dials across fail after a connect timeout, as when a route goes
  // away (no reset reaches either end: links die by their idle timeout).
  // `side[i]` is node i's side; nodes beyond it are on side 0.
  void Partition(std::vector<int> side) { side_ = std::move(side); }
  void Heal() { side_.clear(); }
  // A node that takes everything in and passes nothing on: its deliveries
  // (pushes and replies) are lost; pings, digests and advertisements still
  // go out, so it looks alive and keeps its links.
  void Mute(int i) { muted_.insert(i); }
  bool Cut(int a, int b) const { return SideOf(a) != SideOf(b); }

  // Publishes `a` as node i's own announcement (applied and written first).
  void Publish(int i, const node::Announcement& a, const node::Announcement* original = nullptr);

  // A probe linked to node i as the peer `member` (inbound at the node).
  // Returns the probe's id.
  int AttachProbe(int i, const Id& member);
  void ProbeSend(int probe, const wire::PeerMessage& m);
  void ProbeSendRaw(int probe, std::string bytes);
  const std::vector<ProbeFrame>& ProbeInbox(int probe) const { return probes_.at(probe).inbox; }
  bool ProbeClosed(int probe) const { return probes_.at(probe).closed; }

  // Time.
  node::Millis now() const { return now_; }
  // Processes events and timers up to and including time t.
  void RunUntil(node::Millis t);
  // Runs until cond() or `limit` ms of fake time pass; returns cond().
  bool RunUntilTrue(const std::function<bool()>& cond, node::Millis limit);

  // Links, as (node, node) pairs where both ends are up, with eagerness (for
  // every source, or for the announcements of `root`).
  struct Edge {
    int a, b;
    bool eager_a, eager_b;
  };
  std::vector<Edge> Edges(const Id* root = nullptr) const;
  bool Holds(int i, const Id& id);
  // Every node holds every one of `ids`.
  bool AllHold(const std::vector<Id>& ids);

 private:
  class Transport;
  struct LinkEnd {
    int node = -1;  // -1: a probe
    int probe = -1;
    node::LinkId link = 0;
  };
  struct Pipe {  // one direction of a link
    LinkEnd to;
    node::Millis latency = 0;
  };
  struct Probe {
    int node = 0;
    node::LinkId node_link = 0;
    std::vector<ProbeFrame> inbox;
    bool closed = false;
  };
  struct Event {
    node::Millis at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  int SideOf(int i) const {
    return i >= 0 && static_cast<std::size_t>(i) < side_.size() ? side_[i] : 0;
  }
  void At(node::Millis t, std::function<void()> fn);
  void Send(int from, node::LinkId link, std::string frame);
  void Close(int from, node::LinkId link);
  void Dial(int from, const std::string& address);
  void Deliver(const LinkEnd& to, std::string frame);
  node::LinkId NewLink() { return next_link_++; }

  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<NetNode>> nodes_;
  std::map<std::pair<int, int>, node::Millis> latency_;
  // (node, link) -> the other end.
  std::map<std::pair<int, node::LinkId>, Pipe> pipes_;
  std::map<int, Probe> probes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_seq_ = 0;
  node::LinkId next_link_ = 1;
  node::Millis now_ = 1'000;
  int next_probe_ = 0;
  std::vector<int> side_;  // empty: no partition
  std::set<int> muted_;
  friend class Transport;
};

}  // namespace praxis::testutil
