// Several nodes in one process on real loopback sockets: announcements reach
// the end of a line and every node of a sparse 16-node network, a late joiner
// catches up, a foreign network stays out, a raw peer's bad input is punished
// and its out-of-order input only deferred, forks are seen everywhere, and an
// imported identity never forks its own log.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <random>

#include "praxis/storage/keys.h"
#include "testutil/authors.h"
#include "testutil/io_loop.h"
#include "testutil/loopback_nodes.h"
#include "testutil/raw_peer.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

using asio::ip::tcp;

class GossipTest : public LoopbackTest {};

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

TEST_F(GossipTest, SixteenNodesEachGivenOneSeedAllReceiveEverything) {
  std::vector<TestPeer*> n;
  std::mt19937 rng(3);
  for (int i = 0; i < 16; ++i) {
    n.push_back(&AddNode(NodeSpec{.active_target = 3}));
    if (i > 0) n.back()->peers->AddSeed(Addr(*n[rng() % i]));
  }
  ASSERT_TRUE(RunUntil([&] {
    for (auto* p : n)
      if (p->peers->peer_count() < 2) return false;
    return true;
  }));
  std::vector<Id> all;
  for (int gi = 0; gi < 4; ++gi) {
    TestPeer& owner = *n[gi * 5];
    Id g = CreateGroup(owner, "group " + std::to_string(gi));
    all.push_back(g);
    for (int k = 0; k < 5; ++k) all.push_back(Share(owner, g, "s" + std::to_string(k)));
  }
  ASSERT_TRUE(RunUntil([&] {
    for (auto* p : n)
      if (!HoldsAll(*p, all)) return false;
    return true;
  }));
  // Every node agrees on every group's fingerprint.
  for (auto* p : n)
    for (int gi = 0; gi < 4; ++gi)
      EXPECT_EQ(p->peers->gossip().log_index().Fingerprint(all[gi * 6]),
                n[0]->peers->gossip().log_index().Fingerprint(all[gi * 6]));
  // A node that arrives late catches up from its one seed.
  TestPeer& late = AddNode(NodeSpec{.active_target = 3});
  late.peers->AddSeed(Addr(*n[7]));
  ASSERT_TRUE(RunUntil([&] { return HoldsAll(late, all); }));
}

TEST_F(GossipTest, ARawPeerWithABadSignatureIsCutOffAndItsIdentityRefused) {
  TestPeer& a = AddNode();
  testutil::RawPeer raw(io_, Hs());
  ASSERT_TRUE(raw.Connect(a.address).ok());
  ASSERT_TRUE(RunUntil([&] { return a.peers->peer_count() == 1; }));
  testutil::TestAuthor alice;
  auto g = alice.Genesis("g");
  std::string bad = g.envelope;
  bad.back() ^= 1;  // the signature's last byte
  wire::PeerMessage m;
  m.mutable_delivery()->set_envelope(bad);
  raw.Send(m);
  ASSERT_TRUE(RunUntil([&] { return raw.down(); }));
  EXPECT_EQ(a.peers->peer_count(), 0u);
  EXPECT_FALSE(a.node->ingestor().Held(g.id));
  // The same identity comes back: the handshake completes (it proves who it
  // is), then the node refuses it.
  ASSERT_TRUE(raw.Connect(a.address).ok());
  ASSERT_TRUE(RunUntil([&] { return raw.down(); }));
  EXPECT_EQ(a.peers->peer_count(), 0u);
  // Another identity from the same address is welcome: refusal is by
  // identity, not by IP.
  testutil::RawPeer other(io_, Hs());
  ASSERT_TRUE(other.Connect(a.address).ok());
  other.Send(DeliveryMsg(g));
  ASSERT_TRUE(RunUntil([&] { return a.node->ingestor().Held(g.id); }));
  EXPECT_FALSE(other.down());
}

TEST_F(GossipTest, ARawPeersOutOfOrderSeqIsDeferredNotPunishedAndAcceptedOnceTheGapFills) {
  TestPeer& a = AddNode();
  testutil::RawPeer raw(io_, Hs());
  ASSERT_TRUE(raw.Connect(a.address).ok());
  testutil::TestAuthor alice;
  auto g = alice.Genesis("g");
  auto s1 = alice.Share(g.id, "one");
  auto s2 = alice.Share(g.id, "two");
  raw.Send(DeliveryMsg(g));
  raw.Send(DeliveryMsg(s2));
  // The node asks for what s2 waits for.
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& m : raw.received())
      if (m.has_want()) return true;
    return false;
  }));
  EXPECT_FALSE(a.node->ingestor().Held(s2.id));
  EXPECT_FALSE(raw.down());
  raw.Send(DeliveryMsg(s1, true));
  ASSERT_TRUE(RunUntil([&] { return a.node->ingestor().Held(s2.id); }));
  EXPECT_TRUE(a.node->ingestor().Held(s1.id));
  EXPECT_FALSE(raw.down());
  EXPECT_EQ(a.peers->peer_count(), 1u);
}

TEST_F(GossipTest, AForkInjectedAtBothEndsIsDetectedOnEveryNodeAndTheLogFrozen) {
  std::vector<TestPeer*> line;
  for (int i = 0; i < 4; ++i) line.push_back(&AddNode());
  for (int i = 1; i < 4; ++i) Connect(*line[i], *line[i - 1]);
  ASSERT_TRUE(RunUntil([&] { return line[1]->peers->peer_count() == 2; }));
  testutil::TestAuthor mallory;
  auto g = mallory.Genesis("g");
  wire::Share body;
  body.set_root(crypto::Blake2b256("x").Str());
  body.set_title("one");
  auto first = mallory.At(g.id, wire::KIND_SHARE, SerializeBody(body), 2, g.id, 2000);
  body.set_title("two");
  auto second = mallory.At(g.id, wire::KIND_SHARE, SerializeBody(body), 2, g.id, 2000);
  testutil::RawPeer left(io_, Hs()), right(io_, Hs());
  ASSERT_TRUE(left.Connect(line.front()->address).ok());
  ASSERT_TRUE(right.Connect(line.back()->address).ok());
  left.Send(DeliveryMsg(g));
  right.Send(DeliveryMsg(g));
  left.Send(DeliveryMsg(first));
  right.Send(DeliveryMsg(second));
  ASSERT_TRUE(RunUntil([&] {
    for (auto* p : line) {
      auto head = p->node->ingestor().Head(mallory.id(), g.id);
      if (!head || head->frozen_at != 2) return false;
    }
    return true;
  }));
  for (auto* p : line) EXPECT_EQ(Forks(*p), 1u);
  // Whoever sent a branch of a true fork is not punished: it could not know.
  EXPECT_FALSE(left.down());
  EXPECT_FALSE(right.down());
}

TEST_F(GossipTest, AnImportedIdentityCatchesUpItsOwnLogBeforeSigningAndNeverForks) {
  auto key = crypto::KeyPair::Generate();
  // Two nodes with one key never link (a handshake with oneself is
  // refused), so the laptop learns its own past from a third node.
  TestPeer& home = AddNode(NodeSpec{.key = key});
  TestPeer& relay = AddNode();
  Connect(home, relay);
  Id g = CreateGroup(home, "mine");
  std::vector<Id> mine{g};
  for (int k = 0; k < 3; ++k) mine.push_back(Share(home, g, "from home " + std::to_string(k)));
  ASSERT_TRUE(RunUntil([&] { return HoldsAll(relay, mine); }));
  home.peers->Close();  // the old machine goes away
  ASSERT_TRUE(RunUntil([&] { return relay.peers->peer_count() == 0; }));

  TestPeer& laptop = AddNode(NodeSpec{.key = key, .imported = true});
  // Before it has caught up, the imported identity signs nothing there.
  wire::Share early;
  early.set_root(crypto::Blake2b256("too early").Str());
  early.set_title("too early");
  EXPECT_FALSE(
      Publish(laptop, {.kind = wire::KIND_SHARE, .group = g, .body = SerializeBody(early)}));
  Connect(laptop, relay);
  ASSERT_TRUE(RunUntil([&] { return HoldsAll(laptop, mine); }));
  Id s = Share(laptop, g, "from the laptop");
  ASSERT_TRUE(RunUntil([&] { return relay.node->ingestor().Held(s); }));
  auto head = relay.node->ingestor().Head(key.public_key(), g);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 5u);
  EXPECT_EQ(head->id, s);
  EXPECT_EQ(Forks(relay), 0u);
  EXPECT_EQ(Forks(laptop), 0u);
}

TEST_F(GossipTest, AnIdentityInUseElsewhereStopsPostingWhileAPeerHoldsMoreOfItsLog) {
  TestPeer& a = AddNode();
  Id g = CreateGroup(a, "mine");
  Share(a, g, "first");
  // A peer whose heads show this member's log in g at seq 9: someone else
  // signs with this key (the raw peer only shows heads, it sends no posts).
  testutil::RawPeer raw(io_, Hs());
  ASSERT_TRUE(raw.Connect(a.address).ok());
  wire::PeerMessage digest;
  auto* e = digest.mutable_digest()->add_groups();
  e->set_group(g.Str());
  e->set_fingerprint(42);
  raw.Send(digest);
  wire::PeerMessage heads;
  heads.mutable_heads()->set_group(g.Str());
  auto* own = heads.mutable_heads()->add_logs();
  own->set_author(a.node->member().Str());
  own->set_seq(9);
  own->set_head(crypto::Blake2b256("elsewhere").Str());
  raw.Send(heads);
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& m : raw.received())
      if (m.has_heads()) return true;
    return false;
  }));
  wire::Share body;
  body.set_root(crypto::Blake2b256("second").Str());
  body.set_title("second");
  auto refused = Publish(a, {.kind = wire::KIND_SHARE, .group = g, .body = SerializeBody(body)});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("in use on another machine"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(Forks(a), 0u);
  EXPECT_FALSE(raw.down());  // not bad input: the node cannot tell who is right
}

}  // namespace
}  // namespace praxis::node
