// The simulator drives the same engines as GossipNet (tests/testutil), the
// in-process test network, with in-memory stores instead of RocksDB and its
// own links: for the same nodes, introductions and publications, every node
// ends up holding the same set of announcements in both.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "praxis/sim/simulator.h"
#include "testutil/authors.h"
#include "testutil/gossip_net.h"

namespace praxis::sim {
namespace {

using node::Announcement;
using testutil::TestAuthor;

// What both networks are told to do: a sparse topology, and publications at
// fixed times (the author, its node, the announcement).
struct Script {
  int nodes = 14;
  std::vector<std::pair<int, int>> introductions;
  struct Pub {
    Millis after;  // since the start of publishing
    int node;
    Announcement a;
  };
  std::vector<Pub> pubs;
};

Script MakeScript() {
  crypto::InitCrypto();
  Script s;
  std::mt19937 rng(5);
  for (int i = 1; i < s.nodes; ++i) s.introductions.emplace_back(i, static_cast<int>(rng() % i));
  // Three groups; each has a creator and two members on other nodes.
  std::vector<TestAuthor> authors(9);
  std::vector<Id> groups;
  for (int g = 0; g < 3; ++g) {
    auto genesis = authors[static_cast<std::size_t>(g)].Genesis("agreement " + std::to_string(g));
    groups.push_back(genesis.id);
    s.pubs.push_back({static_cast<Millis>(g) * 50, g, genesis});
  }
  for (int k = 3; k < 9; ++k)
    s.pubs.push_back({2'000 + static_cast<Millis>(k) * 30, k, authors[static_cast<std::size_t>(k)].Join(groups[static_cast<std::size_t>(k % 3)])});
  for (int n = 0; n < 40; ++n) {
    const int k = static_cast<int>(rng() % 9);
    s.pubs.push_back({4'000 + static_cast<Millis>(n) * 150, k,
                      authors[static_cast<std::size_t>(k)].Share(groups[static_cast<std::size_t>(k % 3)], "item " + std::to_string(n))});
  }
  return s;
}

// Each node's held subset of every published id, in publication order.
using Held = std::vector<std::vector<bool>>;

template <typename Net>
Held RunScript(Net& net, const Script& s, const std::function<void(int, const Announcement&)>& publish,
         const std::function<bool(int, const Id&)>& holds) {
  for (auto [from, to] : s.introductions) net.Introduce(from, to);
  net.RunUntil(net.now() + 15'000);
  const Millis start = net.now();
  for (const auto& p : s.pubs) {
    net.RunUntil(start + p.after);
    publish(p.node, p.a);
  }
  net.RunUntil(net.now() + 30'000);
  Held held(static_cast<std::size_t>(s.nodes));
  for (int i = 0; i < s.nodes; ++i)
    for (const auto& p : s.pubs) held[static_cast<std::size_t>(i)].push_back(holds(i, p.a.id));
  return held;
}

TEST(Agreement, SimulatorAndGossipNetDeliverTheSameSets) {
  const Script s = MakeScript();

  testutil::GossipNet net(3);
  node::GossipOptions opts;
  opts.active_target = 3;
  for (int i = 0; i < s.nodes; ++i) net.AddNode(opts);
  const Held in_net = RunScript(
      net, s, [&](int i, const Announcement& a) { net.Publish(i, a); },
      [&](int i, const Id& id) { return net.Holds(i, id); });

  LinkModel links;  // GossipNet's: 5-30 ms per pair
  links.latency_median_ms = 15;
  links.latency_min_ms = 5;
  links.latency_max_ms = 30;
  Simulator sim(3, links);
  for (int i = 0; i < s.nodes; ++i) sim.AddNode(opts);
  const Held in_sim = RunScript(
      sim, s,
      [&](int i, const Announcement& a) { ASSERT_TRUE(sim.Publish(i, a).ok()); },
      [&](int i, const Id& id) { return sim.Holds(i, id); });

  ASSERT_EQ(in_net.size(), in_sim.size());
  std::size_t held = 0;
  for (std::size_t i = 0; i < in_net.size(); ++i) {
    EXPECT_EQ(in_net[i], in_sim[i]) << "node " << i;
    for (bool h : in_sim[i]) held += h;
  }
  // Open groups: that set is everything, everywhere.
  EXPECT_EQ(held, s.pubs.size() * static_cast<std::size_t>(s.nodes));
}

}  // namespace
}  // namespace praxis::sim
