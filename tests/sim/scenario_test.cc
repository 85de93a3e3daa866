// Whole simulated runs: the same seed gives the same figures, and with a
// fifth of the nodes crashed mid-run and 5% of frames lost every live node
// still gets every announcement that left its author.
#include <gtest/gtest.h>

#include "praxis/sim/scenario.h"

namespace praxis::sim {
namespace {

ScenarioOptions Small(std::uint64_t seed) {
  ScenarioOptions o;
  o.seed = seed;
  o.nodes = 120;
  o.warmup = 20'000;
  o.tail = 40'000;
  o.workload.groups = 3;
  o.workload.authors_per_group = 3;
  o.workload.announcements = 40;
  o.workload.window = 20'000;
  return o;
}

TEST(Scenario, TheSameSeedGivesTheSameFigures) {
  ScenarioOptions o = Small(11);
  o.crash_fraction = 0.2;
  o.links.loss = 0.05;
  const ScenarioResult a = RunScenario(o);
  const ScenarioResult b = RunScenario(o);
  EXPECT_EQ(a, b) << a.JsonFields() << "\n" << b.JsonFields();
  EXPECT_EQ(a.JsonFields(), b.JsonFields());
  EXPECT_GT(a.events, 0u);
  // ... and the seed matters (the figures are not constants).
  o.seed = 12;
  const ScenarioResult c = RunScenario(o);
  EXPECT_NE(a.events, c.events);
}

TEST(Scenario, CleanRunDeliversEverythingEverywhere) {
  const std::uint64_t checks = node::SignatureChecks();
  const ScenarioResult r = RunScenario(Small(3));
  EXPECT_EQ(r.components, 1);
  EXPECT_EQ(r.announcements, 40u);
  EXPECT_EQ(r.counted, 40u);
  EXPECT_EQ(r.receipts, r.receipts_expected);
  EXPECT_EQ(r.delivered_fraction, 1.0);
  EXPECT_GE(r.hops_p50, 1u);
  EXPECT_GT(r.latency_p50_ms, 0u);
  // At most one real check per announcement: the memo answers every other
  // node (and every other run signed from the same seed).
  EXPECT_LE(node::SignatureChecks() - checks, 40u);
}

TEST(Scenario, CrashesAndLossStillDeliverToEveryLiveNode) {
  ScenarioOptions o = Small(5);
  o.crash_fraction = 0.2;
  o.links.loss = 0.05;
  const ScenarioResult r = RunScenario(o);
  EXPECT_EQ(r.crashed, 24);
  EXPECT_GT(r.counted, 30u);
  EXPECT_EQ(r.receipts, r.receipts_expected) << r.JsonFields();
  EXPECT_EQ(r.delivered_fraction, 1.0);
}

}  // namespace
}  // namespace praxis::sim
