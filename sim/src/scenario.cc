#include "praxis/sim/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <iostream>
#include <numeric>
#include <queue>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace praxis::sim {

namespace {
constexpr Millis kNever = ~Millis{0};
constexpr Millis kRetryPublish = 1'000;  // an author whose node lacks the group yet tries again

template <typename T>
T Percentile(std::vector<T>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int Components(const Simulator& sim) {
  std::vector<int> parent(sim.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[static_cast<std::size_t>(x)] != x)
      x = parent[static_cast<std::size_t>(x)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
    return x;
  };
  for (auto [a, b] : sim.Edges()) parent[static_cast<std::size_t>(find(a))] = find(b);
  int n = 0;
  for (int i = 0; i < static_cast<int>(sim.size()); ++i)
    if (sim.Up(i) && find(i) == i) ++n;
  return n;
}
}  // namespace

std::string ScenarioResult::JsonFields(const std::string& p) const {
  return fmt::format(
      "\"{0}nodes\": {1}, \"{0}announcements\": {2}, \"{0}counted\": {3}, "
      "\"{0}delivered_fraction\": {4:.6f}, \"{0}hops_p50\": {5}, \"{0}hops_p99\": {6}, "
      "\"{0}latency_p50_ms\": {7}, \"{0}latency_p99_ms\": {8}, \"{0}rmr\": {9:.4f}, "
      "\"{0}control_bytes_per_announcement\": {10:.0f}, "
      "\"{0}payload_bytes_per_announcement\": {11:.0f}",
      p, nodes, announcements, counted, delivered_fraction, hops_p50, hops_p99, latency_p50_ms,
      latency_p99_ms, rmr, control_bytes_per_announcement, payload_bytes_per_announcement);
}

ScenarioResult RunScenario(const ScenarioOptions& o) {
  Simulator sim(o.seed, o.links);
  const int n = o.nodes;
  for (int i = 0; i < n; ++i) sim.AddNode(o.gossip);
  std::mt19937_64 rng(o.seed * 0x9e3779b97f4a7c15ULL + 1);
  for (int i = 0; i < n && n > 1; ++i)
    for (int k = 0; k < o.introductions; ++k) {
      int j = static_cast<int>(rng() % static_cast<std::uint64_t>(n - 1));
      if (j >= i) ++j;
      sim.Introduce(i, j);
    }
  const Millis t0 = sim.now() + o.warmup;
  sim.RunUntil(t0);

  ScenarioResult r;
  r.nodes = n;
  r.loss = o.links.loss;
  r.components = Components(sim);

  WorkloadOptions wo = o.workload;
  wo.seed = o.seed;
  wo.start = t0;
  wo.epoch_ms = Simulator::kEpochMs;
  const Workload work = MakeWorkload(wo);
  // Each author publishes from its own node, a different one each.
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> host(static_cast<std::size_t>(work.authors));
  for (int k = 0; k < work.authors; ++k) host[static_cast<std::size_t>(k)] = order[static_cast<std::size_t>(k % n)];

  struct Ann {
    Millis published = kNever;
    bool left = false;  // accepted by another node before the crash
  };
  std::vector<Ann> anns(work.items.size());
  std::unordered_map<Id, std::size_t, IdHash> index;
  for (std::size_t k = 0; k < work.items.size(); ++k) index[work.items[k].a.id] = k;

  const Millis horizon = t0 + wo.share_after + wo.window + o.tail;
  const Millis crash_at = o.crash_fraction > 0 ? t0 + wo.share_after + wo.window / 2 : kNever;
  std::vector<std::uint32_t> hops;
  std::vector<Millis> latency;
  sim.set_on_accepted([&](int node, const node::Announcement& a, Millis now, std::uint32_t h) {
    auto it = index.find(a.id);
    if (it == index.end()) return;
    Ann& x = anns[it->second];
    if (node != host[static_cast<std::size_t>(work.items[it->second].author)] && now < crash_at)
      x.left = true;
    hops.push_back(h);
    latency.push_back(now - x.published);
  });
  sim.ResetTraffic();

  // Each author's items in order; an author publishes its next one when it
  // is due and the last went out.
  std::vector<std::deque<std::size_t>> queue(static_cast<std::size_t>(work.authors));
  for (std::size_t k = 0; k < work.items.size(); ++k)
    queue[static_cast<std::size_t>(work.items[k].author)].push_back(k);
  using Due = std::pair<Millis, int>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  for (int a = 0; a < work.authors; ++a)
    if (!queue[static_cast<std::size_t>(a)].empty())
      due.emplace(work.items[queue[static_cast<std::size_t>(a)].front()].at, a);

  bool crashed = false;
  Millis next_report = 0;
  auto run_to = [&](Millis t) {
    for (Millis step = sim.now(); step < t;) {
      step = std::min(t, step + 10'000);
      if (!crashed && crash_at <= step) {
        sim.RunUntil(crash_at);
        std::vector<int> victims(order.begin(), order.end());
        std::shuffle(victims.begin(), victims.end(), rng);
        r.crashed = static_cast<int>(o.crash_fraction * n);
        for (int v = 0; v < r.crashed; ++v) sim.Crash(victims[static_cast<std::size_t>(v)]);
        crashed = true;
      }
      sim.RunUntil(step);
      if (o.progress && sim.now() >= next_report) {
        next_report = sim.now() + 10'000;
        std::cerr << fmt::format("  sim t={:.0f}s events={} links={}\n",
                                 static_cast<double>(sim.now() - t0) / 1000.0,
                                 sim.events_processed(), sim.links_up());
      }
    }
  };
  while (!due.empty() && due.top().first <= horizon) {
    auto [at, a] = due.top();
    due.pop();
    run_to(at);
    const int h = host[static_cast<std::size_t>(a)];
    if (!sim.Up(h)) continue;  // crashed: the rest of its log never goes out
    auto& q = queue[static_cast<std::size_t>(a)];
    const std::size_t k = q.front();
    const node::IngestOutcome out = sim.Publish(h, work.items[k].a);
    if (out.kind == node::IngestOutcome::Kind::kDeferred) {
      due.emplace(sim.now() + kRetryPublish, a);
      continue;
    }
    if (!out.ok())
      throw std::runtime_error("publish refused: " + std::string(node::OutcomeName(out.kind)) +
                               ": " + out.reason);
    anns[k].published = sim.now();
    ++r.announcements;
    q.pop_front();
    if (!q.empty()) due.emplace(std::max(work.items[q.front()].at, sim.now()), a);
  }
  run_to(horizon);
  r.horizon_ms = horizon - t0;

  // Delivery: every live node but the author holds every announcement that
  // left its author (all of them when the author is alive).
  for (std::size_t k = 0; k < work.items.size(); ++k) {
    if (anns[k].published == kNever) continue;
    const int h = host[static_cast<std::size_t>(work.items[k].author)];
    if (!sim.Up(h) && !anns[k].left) continue;
    ++r.counted;
    for (int i = 0; i < n; ++i) {
      if (i == h || !sim.Up(i)) continue;
      ++r.receipts_expected;
      if (sim.Holds(i, work.items[k].a.id)) ++r.receipts;
    }
  }
  r.delivered_fraction =
      r.receipts_expected ? static_cast<double>(r.receipts) / static_cast<double>(r.receipts_expected) : 1.0;
  r.hops_max = hops.empty() ? 0 : *std::max_element(hops.begin(), hops.end());
  r.latency_max_ms = latency.empty() ? 0 : *std::max_element(latency.begin(), latency.end());
  r.hops_p50 = Percentile(hops, 0.50);
  r.hops_p99 = Percentile(hops, 0.99);
  r.latency_p50_ms = Percentile(latency, 0.50);
  r.latency_p99_ms = Percentile(latency, 0.99);
  std::uint64_t delivered = 0, duplicates = 0;
  for (int i = 0; i < n; ++i) {
    delivered += sim.gossip(i).counters().delivered;
    duplicates += sim.gossip(i).counters().duplicates;
  }
  r.rmr = delivered ? static_cast<double>(duplicates) / static_cast<double>(delivered) : 0;
  const Traffic& t = sim.traffic();
  const double published = static_cast<double>(std::max<std::uint64_t>(r.announcements, 1));
  r.control_bytes_per_announcement = static_cast<double>(t.ControlBytes()) / published;
  r.payload_bytes_per_announcement = static_cast<double>(t.PayloadBytes()) / published;
  r.links = sim.links_up();
  r.events = sim.events_processed();
  r.ticks = sim.ticks();
  r.wants = t.frames[2];
  r.digests = t.frames[4];
  r.grafts = t.frames[7];
  r.prunes = t.frames[8];
  return r;
}

}  // namespace praxis::sim
