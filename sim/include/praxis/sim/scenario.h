// Scenario: one simulated run from start to horizon, and its figures. The
// network forms (each node starts knowing a few random addresses), the
// workload is published from the authors' nodes, optionally a fraction of
// nodes crashes mid-run, and at the horizon every live node's store is
// checked for every announcement that left its author.
#pragma once

#include <cstdint>
#include <string>

#include "praxis/sim/simulator.h"
#include "praxis/sim/workload.h"

namespace praxis::sim {

struct ScenarioOptions {
  std::uint64_t seed = 1;
  int nodes = 1'000;
  int introductions = 3;  // random addresses each node starts with
  Millis warmup = 30'000;  // the network forms before anything is published
  Millis tail = 60'000;    // after the last planned publication, up to the horizon
  WorkloadOptions workload;  // seed, start and epoch are set from here
  LinkModel links;
  double crash_fraction = 0;  // of nodes, crashed halfway through the shares' window
  node::GossipOptions gossip;
  bool progress = false;  // a line on stderr every simulated 10 s
};

struct ScenarioResult {
  int nodes = 0;
  int crashed = 0;
  double loss = 0;
  std::uint64_t announcements = 0;  // published
  std::uint64_t counted = 0;        // left their author before any crash
  std::uint64_t receipts_expected = 0, receipts = 0;  // (counted x live nodes but the author)
  double delivered_fraction = 0;
  std::uint32_t hops_p50 = 0, hops_p99 = 0, hops_max = 0;
  Millis latency_p50_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  double rmr = 0;  // duplicate payloads received per delivery
  double control_bytes_per_announcement = 0;
  double payload_bytes_per_announcement = 0;
  std::uint64_t links = 0;       // at the horizon
  int components = 0;            // of live nodes, after the warm-up
  Millis horizon_ms = 0;         // simulated time from the first publication
  std::uint64_t events = 0, ticks = 0;  // everything handled; timers among them
  std::uint64_t grafts = 0, prunes = 0, wants = 0, digests = 0;

  bool operator==(const ScenarioResult&) const = default;
  // The figures as JSON members (keys prefixed with `prefix`), without the
  // fault settings (crashed, loss), which the caller names.
  std::string JsonFields(const std::string& prefix = "") const;
};

ScenarioResult RunScenario(const ScenarioOptions& o);

}  // namespace praxis::sim
