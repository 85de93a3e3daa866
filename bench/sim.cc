// bench/sim.cc: the protocol at internet scale, in simulation (issue 8 item
// 5). Thousands of real Gossip engines (the daemon's code, not a model of
// it) run in this process under a virtual clock on simulated links
// (sim/: Simulator, in-memory stores, one signature memo).
//
// Two runs with the same seed, workload and horizon:
//  1. clean: every link delivers, after its latency (log-normal per pair,
//     median 40 ms one way);
//  2. faults: --crash of the nodes crash halfway through the shares' window
//     (never to return) and every frame is lost with probability --loss.
// Each reports, over the announcements that left their author before any
// crash, the fraction of (announcement, live node) pairs delivered by the
// horizon, hops and latency at first receipt, rmr (duplicate payloads per
// delivery) and control bytes per announcement.
//
// Prints lines for people, then exactly one JSON object as the last line:
// the clean run's figures (nodes, delivered_fraction, hops_p50, hops_p99,
// latency_p50_ms, latency_p99_ms, rmr, control_bytes_per_announcement, ...),
// the fault run's under "faults_" keys (faults_delivered_fraction,
// faults_crashed, faults_loss, ...), crashed_fraction, loss, seconds and
// peak_rss_mb. Exit status 0 when both runs delivered everything (fraction
// 1.0), 1 when one did not, 2 on a setup error.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <thread>

#include "common/bench_util.h"
#include "praxis/sim/scenario.h"

using namespace praxis;

namespace {

void Print(const char* name, const sim::ScenarioResult& r, double seconds) {
  fmt::print("{} run: {} nodes ({} crashed), loss {:.0f}%, {} announcements ({} counted), {:.1f} s\n",
             name, r.nodes, r.crashed, r.loss * 100, r.announcements, r.counted, seconds);
  fmt::print("  delivered {}/{} = {:.6f} of (announcement, live node) pairs by the horizon "
             "({:.0f} s simulated)\n",
             r.receipts, r.receipts_expected, r.delivered_fraction,
             static_cast<double>(r.horizon_ms) / 1000.0);
  fmt::print("  hops p50 {} p99 {} max {}; latency p50 {} ms p99 {} ms max {} ms\n", r.hops_p50,
             r.hops_p99, r.hops_max, r.latency_p50_ms, r.latency_p99_ms, r.latency_max_ms);
  fmt::print("  rmr {:.3f}; per announcement: {:.0f} payload bytes, {:.0f} control bytes ({:.1f}%)\n",
             r.rmr, r.payload_bytes_per_announcement, r.control_bytes_per_announcement,
             100 * r.control_bytes_per_announcement /
                 std::max(1.0, r.payload_bytes_per_announcement + r.control_bytes_per_announcement));
  fmt::print("  links {} ({} component(s) after warm-up); frames: {} grafts, {} prunes, {} wants, "
             "{} digests; {} events ({} timers)\n",
             r.links, r.components, r.grafts, r.prunes, r.wants, r.digests, r.events, r.ticks);
}

}  // namespace

// The simulator's heap is gigabytes of small map nodes visited in no order:
// glibc then backs it with 2 MiB pages, and TLB misses fall (30% less CPU
// at 2,000 nodes). The tunable is read at start, hence the re-exec.
void UseHugePages(char** argv) {
  if (std::getenv("GLIBC_TUNABLES")) return;  // set by the caller (or by the re-exec)
  setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: go on without
}

int main(int argc, char** argv) {
  UseHugePages(argv);
  sim::ScenarioOptions o;
  o.nodes = 10'000;
  o.workload.groups = 4;
  o.workload.authors_per_group = 6;
  o.workload.announcements = 150;
  double crash = 0.2, loss = 0.05;
  bool quick = false, no_faults = false, serial = false;
  CLI::App app{"Simulates the gossip protocol on many nodes. Last line of output: one JSON object."};
  app.add_option("--nodes", o.nodes, "simulated nodes (default 10000)");
  app.add_option("--seed", o.seed, "seed of everything random (default 1)");
  app.add_option("--groups", o.workload.groups, "open groups (default 4)");
  app.add_option("--authors-per-group", o.workload.authors_per_group,
                 "authors in each group, its creator included (default 6)");
  app.add_option("--announcements", o.workload.announcements,
                 "announcements in all: geneses, a join per other author, shares (default 150)");
  app.add_option("--window", o.workload.window, "ms over which shares go out (default 120000)");
  app.add_option("--tail", o.tail, "ms from the last planned share to the horizon (default 60000)");
  app.add_option("--crash", crash, "fraction of nodes crashed in the fault run (default 0.2)");
  app.add_option("--loss", loss, "per-frame loss in the fault run (default 0.05)");
  app.add_flag("--no-faults", no_faults, "the clean run only");
  app.add_flag("--serial", serial, "the two runs one after the other (default: on two threads)");
  app.add_flag("--quick", quick, "smoke size: 200 nodes, 60 announcements, 30 s window");
  app.add_flag("--progress", o.progress, "a line on stderr every simulated 10 s");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    o.nodes = 200;
    o.workload.announcements = 60;
    o.workload.window = 30'000;
  }
  if (o.nodes < 2 || crash < 0 || crash >= 1 || loss < 0 || loss >= 1) {
    fmt::print(stderr, "need --nodes >= 2, --crash and --loss in [0, 1)\n");
    return 2;
  }
  fmt::print("bench/sim: seed {}, {} nodes, {} groups x {} authors, links: log-normal one-way "
             "latency, median {} ms, [{}, {}] ms, jitter {} ms\n",
             o.seed, o.nodes, o.workload.groups, o.workload.authors_per_group,
             o.links.latency_median_ms, o.links.latency_min_ms, o.links.latency_max_ms,
             o.links.jitter_ms);
  const auto start = std::chrono::steady_clock::now();
  auto since = [](auto t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  // The two runs share nothing but the signature memo: on two threads at
  // once unless --serial (each still simulates on one thread).
  sim::ScenarioResult clean, faults;
  double clean_s = 0, faults_s = 0;
  std::exception_ptr clean_error, faults_error;
  auto run_clean = [&] {
    try {
      auto t = std::chrono::steady_clock::now();
      clean = sim::RunScenario(o);
      clean_s = since(t);
    } catch (...) {
      clean_error = std::current_exception();
    }
  };
  auto run_faults = [&] {
    try {
      sim::ScenarioOptions f = o;
      f.crash_fraction = crash;
      f.links.loss = loss;
      auto t = std::chrono::steady_clock::now();
      faults = sim::RunScenario(f);
      faults_s = since(t);
    } catch (...) {
      faults_error = std::current_exception();
    }
  };
  if (no_faults) {
    run_clean();
  } else if (serial) {
    run_clean();
    run_faults();
  } else {
    std::thread other(run_faults);
    run_clean();
    other.join();
  }
  for (const auto& e : {clean_error, faults_error}) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      fmt::print(stderr, "setup error: {}\n", ex.what());
      return 2;
    }
  }
  Print("clean", clean, clean_s);
  if (!no_faults) Print("faults", faults, faults_s);
  const double seconds = since(start);
  const double rss = bench::PeakRssMib();
  fmt::print("total {:.1f} s, peak RSS {:.0f} MiB (both runs); {} signature checks made, {} answered "
             "by the memo\n",
             seconds, rss, node::SignatureChecks(), sim::SharedMemo().hits());
  std::string json = "{" + clean.JsonFields();
  if (!no_faults)
    json += ", " + faults.JsonFields("faults_") +
            fmt::format(", \"crashed_fraction\": {}, \"faults_crashed\": {}, \"loss\": {}", crash,
                        faults.crashed, loss);
  json += fmt::format(", \"seed\": {}, \"seconds\": {:.1f}, \"peak_rss_mb\": {:.0f}}}", o.seed,
                      seconds, rss);
  fmt::print("{}\n", json);
  const bool ok = clean.delivered_fraction == 1.0 && (no_faults || faults.delivered_fraction == 1.0);
  return ok ? 0 : 1;
}
