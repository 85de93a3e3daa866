// Two real praxisd processes on loopback, driven through praxis: connect,
// peers, and a share made on one node listed on the other.
#include <chrono>
#include <thread>

#include "harness.h"

namespace praxis::process_test {
namespace {

// Polls `cond` until it holds or the liveness deadline passes.
bool Eventually(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + kLiveness;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

TEST(ProcessNetwork, ConnectedNodesSeeEachOtherAndGossipShares) {
  TestNode a, b;
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  const std::string a_listen = a.JsonOf({"status"})["listen"];
  const std::string g = a.CreateGroup("across");
  const Json share = a.ShareText("made on node a", g);

  const Json connect = b.JsonOf({"connect", a_listen});
  EXPECT_EQ(connect["connecting"], true) << connect;
  ASSERT_TRUE(Eventually([&] { return b.JsonOf({"peers"}).size() == 1; }));
  const Json peers = b.JsonOf({"peers"});
  EXPECT_EQ(peers[0]["member"], a.Member()) << peers;
  EXPECT_EQ(peers[0]["direction"], "outbound") << peers;
  EXPECT_EQ(a.JsonOf({"status"})["peers"], 1);

  // Catch-up brought the group and the share; a new one is pushed.
  ASSERT_TRUE(Eventually([&] { return b.JsonOf({"ls"}).size() == 1; }));
  EXPECT_EQ(b.JsonOf({"ls"})[0]["announcement"], share["announcement"]);
  const Json later = a.ShareText("pushed after connecting", g);
  ASSERT_TRUE(Eventually([&] { return b.JsonOf({"ls"}).size() == 2; }));
  EXPECT_EQ(b.JsonOf({"stage", g})["members"], 1);
  (void)later;
}

TEST(ProcessNetwork, ConnectToNothingFailsWithOneLine) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"connect", "127.0.0.1:1"})));
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"connect", "no-port-here"})));
}

}  // namespace
}  // namespace praxis::process_test
