// The simulator's links: latency per pair as configured, and partitions
// that cut a network in two until it heals.
#include "praxis/sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <random>

#include "testutil/authors.h"

namespace praxis::sim {
namespace {

TEST(Simulator, LatencyIsAFixedSymmetricDrawPerPair) {
  LinkModel m;
  Simulator sim(9, m);
  std::vector<Millis> all;
  for (int a = 0; a < 100; ++a)
    for (int b = a + 1; b < 100; ++b) {
      const Millis l = sim.Latency(a, b);
      EXPECT_EQ(l, sim.Latency(b, a));
      EXPECT_GE(l, m.latency_min_ms);
      EXPECT_LE(l, m.latency_max_ms);
      all.push_back(l);
    }
  std::nth_element(all.begin(), all.begin() + all.size() / 2, all.end());
  const Millis median = all[all.size() / 2];
  EXPECT_GE(median, m.latency_median_ms * 9 / 10);
  EXPECT_LE(median, m.latency_median_ms * 11 / 10);
  EXPECT_GT(*std::max_element(all.begin(), all.end()), 2 * m.latency_median_ms);  // a tail
}

// Splits 40 nodes into even and odd halves (frames across are lost, no
// reset), waits `before_publish`, publishes on both sides, heals, and
// returns how long (simulated) until every node holds everything; 0 if not
// within ten minutes.
Millis SplitPublishHeal(const node::GossipOptions& opts, int introductions, Millis before_publish) {
  crypto::InitCrypto();
  const int n = 40;
  Simulator sim(21);
  for (int i = 0; i < n; ++i) sim.AddNode(opts);
  std::mt19937 rng(21);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < introductions; ++k)
      sim.Introduce(i, static_cast<int>((i + 1 + rng() % (n - 1)) % n));
  sim.RunUntil(sim.now() + 15'000);

  std::vector<std::uint8_t> side(n);
  for (int i = 0; i < n; ++i) side[static_cast<std::size_t>(i)] = i % 2;
  sim.Partition(side);
  sim.RunUntil(sim.now() + before_publish);
  if (before_publish > opts.idle_timeout) {  // links across died by their idle timeout
    for (auto [a, b] : sim.Edges()) EXPECT_EQ(a % 2, b % 2) << a << "-" << b;
  }

  testutil::TestAuthor even, odd;
  auto g0 = even.Genesis("even side");
  auto g1 = odd.Genesis("odd side");
  EXPECT_TRUE(sim.Publish(0, g0).ok());
  EXPECT_TRUE(sim.Publish(1, g1).ok());
  std::vector<node::Announcement> sent = {g0, g1};
  for (int k = 0; k < 5; ++k) {
    sent.push_back(even.Share(g0.id, "even " + std::to_string(k)));
    EXPECT_TRUE(sim.Publish(0, sent.back()).ok());
    sent.push_back(odd.Share(g1.id, "odd " + std::to_string(k)));
    EXPECT_TRUE(sim.Publish(1, sent.back()).ok());
    sim.RunUntil(sim.now() + 500);
  }
  sim.RunUntil(sim.now() + 10'000);
  for (int i = 0; i < n; ++i)
    for (std::size_t k = 0; k < sent.size(); ++k)
      EXPECT_EQ(sim.Holds(i, sent[k].id), k % 2 == static_cast<std::size_t>(i % 2))
          << "node " << i << " item " << k;

  sim.Heal();
  auto agreed = [&] {
    for (int i = 0; i < n; ++i)
      for (const auto& a : sent)
        if (!sim.Holds(i, a.id)) return false;
    return true;
  };
  const Millis healed = sim.now();
  while (!agreed() && sim.now() < healed + 10 * 60'000) sim.RunUntil(sim.now() + 1'000);
  int across = 0;
  for (auto [a, b] : sim.Edges()) across += (a % 2) != (b % 2);
  std::cout << across << " links across, " << sim.links_up() << " in all, "
            << (sim.now() - healed) / 1000 << " s (simulated) after the heal\n";
  return agreed() ? std::max<Millis>(sim.now() - healed, 1) : 0;
}

TEST(Simulator, ASplitShorterThanTheIdleTimeoutHealsByAntiEntropy) {
  // The links across outlive the split; what they lost is found by the
  // periodic digest comparison once frames pass again.
  EXPECT_GT(SplitPublishHeal(node::GossipOptions{}, 3, 1'000), 0u);
}

// When the split outlasts the idle timeout, the links across die and every
// node refills its active set from its own half (20 nodes each here). Only
// active-set rotation (GossipOptions::rotate_every: a full node swaps one
// outbound link for a random known address) ever makes a link across again.
TEST(Simulator, ASplitLongerThanTheIdleTimeoutHeals) {
  EXPECT_GT(SplitPublishHeal(node::GossipOptions{}, 3, 70'000), 0u);
}

}  // namespace
}  // namespace praxis::sim
