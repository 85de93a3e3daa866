// Several nodes in one process on loopback: announcements reach the end of a
// line, a late joiner catches up from a frontier, a foreign network stays out.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

#include "praxis/node/peer_manager.h"
#include "testutil/io_loop.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

using asio::ip::tcp;

struct TestPeer {
  testutil::TempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Node> node;
  std::unique_ptr<PeerManager> peers;
  tcp::endpoint address;
};

class GossipTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
  void TearDown() override {
    for (auto& p : nodes_) p->peers->Close();
    RunFor(std::chrono::milliseconds(50));
    nodes_.clear();
    pool_.join();
  }

  // active_target 1: nodes dial nobody beyond what the test connects, so a
  // line stays a line.
  TestPeer& AddNode(std::uint8_t network = 1, std::size_t active_target = 1) {
    auto p = std::make_unique<TestPeer>();
    auto s = storage::OpenRocksStore({.path = p->dir.Sub("db")});
    EXPECT_TRUE(s);
    p->store = std::move(*s);
    auto ing = Ingestor::Open(*p->store, {});
    EXPECT_TRUE(ing);
    p->node = std::make_unique<Node>(io_.get_executor(), pool_, *p->store, std::move(*ing),
                                     crypto::KeyPair::Generate(), NodeOptions{});
    net::HandshakeOptions hs;
    hs.network_key.fill(network);
    PeerManagerOptions opts;
    opts.gossip.active_target = active_target;
    auto pm = PeerManager::Open(*p->node, p->node->key(), hs, opts);
    EXPECT_TRUE(pm) << pm.error().ToString();
    p->peers = std::move(*pm);
    auto ep = p->peers->Listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    EXPECT_TRUE(ep);
    p->address = *ep;
    nodes_.push_back(std::move(p));
    return *nodes_.back();
  }
  void Connect(TestPeer& from, TestPeer& to) {
    bool done = false;
    from.peers->Connect("127.0.0.1:" + std::to_string(to.address.port()), [&](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      done = true;
    });
    ASSERT_TRUE(RunUntil([&] { return done; }));
  }
  bool RunUntil(const std::function<bool()>& cond) { return testutil::RunUntil(io_, cond); }
  void RunFor(std::chrono::milliseconds d) {
    auto guard = asio::make_work_guard(io_);
    io_.restart();
    io_.run_for(d);
  }
  Result<Announcement> Publish(TestPeer& p, OwnWrite w) {
    std::optional<Result<Announcement>> out;
    p.node->Publish(std::move(w), [&](Result<Announcement> r) { out = std::move(r); });
    EXPECT_TRUE(RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }
  Id CreateGroup(TestPeer& p, const std::string& name) {
    wire::Genesis g;
    g.set_name(name);
    g.set_nonce(name);
    auto a = Publish(p, {.kind = wire::KIND_GENESIS, .body = SerializeBody(g)});
    EXPECT_TRUE(a);
    return a->id;
  }
  Id Share(TestPeer& p, const Id& group, const std::string& title) {
    wire::Share s;
    s.set_root(crypto::Blake2b256(title).Str());
    s.set_title(title);
    auto a = Publish(p, {.kind = wire::KIND_SHARE, .group = group, .body = SerializeBody(s)});
    EXPECT_TRUE(a) << a.error().ToString();
    return a->id;
  }

  asio::io_context io_;
  asio::thread_pool pool_{2};
  std::vector<std::unique_ptr<TestPeer>> nodes_;
};

TEST_F(GossipTest, AnnouncementsReachTheEndOfALine) {
  TestPeer& a = AddNode();
  TestPeer& b = AddNode();
  TestPeer& c = AddNode();
  Connect(a, b);
  Connect(b, c);
  ASSERT_TRUE(RunUntil([&] { return b.peers->peer_count() == 2 && c.peers->peer_count() == 1; }));
  Id g = CreateGroup(a, "line");
  Id s = Share(a, g, "travels two hops");
  ASSERT_TRUE(RunUntil([&] { return c.node->ingestor().Held(s); }));
  EXPECT_TRUE(c.node->ingestor().Held(g));
  EXPECT_NE(c.node->ingestor().Group(g), nullptr);
}

TEST_F(GossipTest, ALateNodeCatchesUpFromTheFrontier) {
  TestPeer& a = AddNode();
  Id g = CreateGroup(a, "history");
  std::vector<Id> shares;
  for (int i = 0; i < 40; ++i) shares.push_back(Share(a, g, "old " + std::to_string(i)));
  TestPeer& late = AddNode();
  Connect(late, a);
  ASSERT_TRUE(RunUntil([&] {
    for (const Id& s : shares)
      if (!late.node->ingestor().Held(s)) return false;
    return true;
  }));
  EXPECT_EQ(late.node->ingestor().accepted_total(), 41u);
}

TEST_F(GossipTest, NodesOfAnotherNetworkNeverPeer) {
  TestPeer& a = AddNode(1);
  TestPeer& other = AddNode(2);
  Id g = CreateGroup(a, "private deployment");
  Connect(other, a);
  // Both handshakes end (failed) rather than hang.
  ASSERT_TRUE(
      RunUntil([&] { return a.peers->handshaking() == 0 && other.peers->handshaking() == 0; }));
  EXPECT_EQ(a.peers->peer_count(), 0u);
  EXPECT_EQ(other.peers->peer_count(), 0u);
  EXPECT_FALSE(other.node->ingestor().Held(g));
}

}  // namespace
}  // namespace praxis::node
