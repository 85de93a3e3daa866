// Real praxisd processes on loopback, driven through praxis: connect, peers,
// shares gossiped; five nodes each given one seed find each other and every
// share reaches every `praxis ls`.
#include <chrono>
#include <memory>
#include <thread>

#include "harness.h"

namespace praxis::process_test {
namespace {

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

TEST(ProcessNetwork, FiveNodesEachGivenOneSeedAllListEveryShare) {
  std::vector<std::unique_ptr<TestNode>> nodes;
  std::vector<std::string> listen;
  for (int i = 0; i < 5; ++i) {
    nodes.push_back(std::make_unique<TestNode>());
    // Node i's one seed is node i-1 (node 0 has none): a line to start
    // with, which peer exchange turns into a mesh.
    std::vector<std::string> args;
    if (i > 0) args = {"--seed", listen.back()};
    ASSERT_TRUE(nodes.back()->Start(args));
    listen.push_back(nodes.back()->JsonOf({"status"})["listen"]);
  }
  // Peer exchange: node 4 learns of more than its seed.
  ASSERT_TRUE(Eventually([&] { return nodes[4]->JsonOf({"peers"}).size() >= 2; }))
      << nodes[4]->JsonOf({"peers"});
  const Json peers = nodes[4]->JsonOf({"peers"});
  bool found_by_seed = false, found_by_exchange = false;
  for (const auto& p : peers) {
    found_by_seed |= p["found"] == "seed";
    found_by_exchange |= p["found"] == "exchange" || p["found"] == "inbound";
  }
  EXPECT_TRUE(found_by_seed) << peers;
  EXPECT_TRUE(found_by_exchange) << peers;

  const std::string g = nodes[2]->CreateGroup("five");
  const Json a = nodes[2]->ShareText("from the middle", g);
  for (auto& n : nodes)
    ASSERT_TRUE(Eventually([&] {
      const Json ls = n->JsonOf({"ls"});
      return ls.size() == 1 && ls[0]["announcement"] == a["announcement"];
    })) << n->JsonOf({"ls"});
}

TEST(ProcessNetwork, ConnectToNothingFailsWithOneLine) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"connect", "127.0.0.1:1"})));
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"connect", "no-port-here"})));
}

}  // namespace
}  // namespace praxis::process_test
