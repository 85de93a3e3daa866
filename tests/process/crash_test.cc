// Crash safety (issue 8): SIGKILL at random moments of a mixed workload, fifty
// times. While node A shares files of its own, takes in node B's gossip and
// downloads B's files, it is killed at a random instant. Each time: A's
// database opens again, every share `praxis share` acknowledged is there,
// and A never forks its own log (B, which holds A's log throughout, would
// have caught a second announcement at a seq it already holds).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace praxis::process_test {
namespace {

constexpr int kKills = 50;

TEST(ProcessCrash, FiftyKillsAtRandomMomentsLoseNothingAcknowledgedAndNeverFork) {
  TestNode a, b;
  ASSERT_TRUE(b.Start());
  const std::string b_listen = b.JsonOf({"status"})["listen"];
  const std::string gb = b.CreateGroup("b's files");
  ASSERT_TRUE(a.Start({"--seed", b_listen}));
  ASSERT_TRUE(Eventually([&] {
    CmdResult r = a.Praxis({"group", "join", gb, "--json"});
    return r.ok();
  }));
  const std::string ga = a.CreateGroup("a's files");

  std::mt19937 rng(2026);
  std::set<std::string> acked;  // announcement ids A acknowledged
  std::mutex mu;
  int file_no = 0;
  std::size_t fetches_started = 0, kills_mid_share = 0;

  for (int kill = 0; kill < kKills; ++kill) {
    // Something new on B for A to take in and download.
    const std::string bfile = b.tmp() / ("b-" + std::to_string(kill) + ".bin");
    WriteFile(bfile, std::string(300 * 1024 + kill, static_cast<char>('a' + kill % 26)));
    const Json bshare = b.ShareFile(bfile, gb);

    // A's workload: its own shares one after another, and a download.
    std::atomic<bool> stop{false};
    std::atomic<bool> in_share{false};
    std::thread sharer([&, seed = rng()] {
      std::mt19937 sizes(seed);
      while (!stop) {
        const std::string path = a.tmp() / ("a-" + std::to_string(file_no++) + ".bin");
        WriteFile(path, std::string(static_cast<std::size_t>(sizes() % (600 * 1024)) + 1,
                                    static_cast<char>(file_no)));
        in_share = true;
        CmdResult r = a.Praxis({"share", path, "--group", ga, "--json"});
        in_share = false;
        if (!r.ok()) break;  // killed under it: not acknowledged
        std::lock_guard lock(mu);
        acked.insert(r.JsonOut()["announcement"].get<std::string>());
      }
    });
    Running fetch = Spawn({PRAXIS_BIN, "--data-dir", a.data_dir(), "get",
                           bshare["announcement"].get<std::string>(), "-o",
                           a.tmp() / ("got-" + std::to_string(kill)), "--force"},
                          {});
    ++fetches_started;
    // The random moment is the point of this test, not a wait for something.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 700));
    kills_mid_share += in_share.load();
    a.Kill9();
    stop = true;
    sharer.join();
    (void)fetch.Wait();

    ASSERT_TRUE(a.Start({"--seed", b_listen})) << "the database did not open after kill " << kill;
    std::set<std::string> listed;
    {
      const Json ls = a.JsonOf({"ls", "--group", ga});
      for (const auto& e : ls) listed.insert(e["announcement"].get<std::string>());
    }
    std::lock_guard lock(mu);
    for (const auto& id : acked)
      ASSERT_TRUE(listed.count(id)) << "acknowledged share " << id << " lost at kill " << kill;
  }
  // B holds A's log throughout: a reused seq would have been proven a fork.
  ASSERT_TRUE(Eventually([&] {
    const Json ls = b.JsonOf({"ls", "--group", ga});
    return ls.size() >= acked.size();
  }));
  EXPECT_EQ(b.JsonOf({"status"})["gossip"]["forks"], 0);
  EXPECT_EQ(a.JsonOf({"status"})["gossip"]["forks"], 0);
  std::printf("crash: %d kills, %zu acknowledged shares all kept, %zu kills during a share, "
              "%zu downloads started\n",
              kKills, acked.size(), kills_mid_share, fetches_started);
}

}  // namespace
}  // namespace praxis::process_test
