// The gossip engine under a fake clock, no sockets and no sleeps: timers fire
// exactly at their deadlines, the active set refills from the passive one,
// the eager links settle into a spanning tree, advertised ids are repaired at
// their timeout, and a raw probe's bad input is punished while out-of-order
// input is only deferred.
#include <gtest/gtest.h>

#include <cstdio>

#include <numeric>

#include "testutil/authors.h"
#include "testutil/gossip_net.h"

namespace praxis::node {
namespace {

using testutil::GossipNet;
using testutil::TestAuthor;

wire::PeerMessage DeliveryMsg(const Announcement& a, bool reply = false) {
  wire::PeerMessage m;
  m.mutable_delivery()->set_envelope(a.envelope);
  m.mutable_delivery()->set_reply(reply);
  return m;
}

wire::PeerMessage HelloMsg() {
  wire::PeerMessage m;
  m.mutable_hello()->set_listen_port(7000);
  return m;
}

std::string ShareBody(const std::string& title) {
  wire::Share s;
  s.set_root(crypto::Blake2b256(title).Str());
  s.set_size(title.size());
  s.set_title(title);
  return SerializeBody(s);
}

std::size_t Count(const std::vector<testutil::ProbeFrame>& inbox, wire::PeerMessage::MsgCase kind) {
  return static_cast<std::size_t>(std::count_if(
      inbox.begin(), inbox.end(), [&](const auto& f) { return f.message.msg_case() == kind; }));
}

class GossipLogicTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
};

TEST_F(GossipLogicTest, IdleLinkIsPingedThenClosedExactlyAtItsDeadline) {
  GossipNet net;
  GossipOptions opts;
  opts.ping_after = 20'000;
  opts.idle_timeout = 60'000;
  net.AddNode(opts);
  // A probe that never answers: the node hears nothing after the link opens.
  const int probe = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  const Millis opened = net.now();
  net.RunUntil(opened + opts.ping_after - 1);
  EXPECT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kPing), 0u);
  net.RunUntil(opened + opts.ping_after + 1);  // +1: the probe link's latency
  EXPECT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kPing), 1u);
  net.RunUntil(opened + opts.idle_timeout - 1);
  EXPECT_EQ(net.node(0).gossip->link_count(), 1u);
  net.RunUntil(opened + opts.idle_timeout);
  EXPECT_EQ(net.node(0).gossip->link_count(), 0u);
  EXPECT_TRUE(net.ProbeClosed(probe));
}

TEST_F(GossipLogicTest, AnsweredPingsKeepALinkUp) {
  GossipNet net;
  GossipOptions opts;
  opts.ping_after = 1'000;
  opts.idle_timeout = 3'000;
  net.AddNode(opts);
  net.AddNode(opts);
  net.Introduce(0, 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 1; }, 5'000));
  net.RunUntil(net.now() + 60'000);  // twenty idle timeouts: pings answered each time
  EXPECT_EQ(net.node(0).gossip->link_count(), 1u);
  EXPECT_EQ(net.node(1).gossip->link_count(), 1u);
}

TEST_F(GossipLogicTest, KillingTwoActivePeersRefillsTheActiveSetFromThePassiveOne) {
  GossipNet net;
  GossipOptions opts;
  opts.active_target = 3;
  opts.shuffle_every = 5'000;  // addresses spread within the test's minute
  GossipOptions first = opts;
  first.max_active = 3;  // node 0's active set is exactly three links
  net.AddNode(first);
  for (int i = 1; i < 8; ++i) net.AddNode(opts);
  // Node 0 learns everyone through one seed's peer exchange.
  for (int i = 1; i < 8; ++i) net.Introduce(i, 1);
  net.Introduce(0, 1);
  ASSERT_TRUE(net.RunUntilTrue(
      [&] {
        return net.node(0).gossip->link_count() == 3 && net.node(0).gossip->passive_count() >= 6;
      },
      60'000))
      << net.node(0).gossip->link_count() << " links, " << net.node(0).gossip->passive_count()
      << " known";
  std::vector<int> active;
  for (const LinkInfo& l : net.node(0).gossip->Links())
    for (int i = 1; i < 8; ++i)
      if (net.node(i).member == l.member) active.push_back(i);
  ASSERT_EQ(active.size(), 3u);
  net.Crash(active[0]);
  net.Crash(active[1]);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 1; }, 1'000));
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 3; }, 10'000));
  for (const LinkInfo& l : net.node(0).gossip->Links()) {
    EXPECT_NE(l.member, net.node(active[0]).member);
    EXPECT_NE(l.member, net.node(active[1]).member);
  }
}

// Undirected eager edges (both ends eager) and whether they connect all nodes.
std::pair<std::size_t, bool> EagerTree(GossipNet& net, const Id* root = nullptr) {
  std::vector<int> parent(net.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> find = [&](int x) {
    return parent[x] == x ? x : parent[x] = find(parent[x]);
  };
  std::size_t eager = 0;
  for (const auto& e : net.Edges(root)) {
    if (!(e.eager_a && e.eager_b)) continue;
    ++eager;
    parent[find(e.a)] = find(e.b);
  }
  bool connected = true;
  for (std::size_t i = 0; i < net.size(); ++i) connected &= find(static_cast<int>(i)) == find(0);
  return {eager, connected};
}

// n nodes with three links wanted each, every one introduced to one random
// earlier node (sparse, connected); true once every node has two links.
bool SparseNetwork(GossipNet& net, int n, std::mt19937& rng, GossipOptions opts = {}) {
  opts.active_target = 3;
  for (int i = 0; i < n; ++i) net.AddNode(opts);
  for (int i = 1; i < n; ++i) net.Introduce(i, static_cast<int>(rng() % i));
  return net.RunUntilTrue(
      [&] {
        for (int i = 0; i < n; ++i)
          if (net.node(i).gossip->link_count() < 2) return false;
        return true;
      },
      60'000);
}

TEST_F(GossipLogicTest, EagerLinksOfSixteenNodesSettleIntoASpanningTree) {
  GossipNet net(7);
  const int n = 16;
  std::mt19937 rng(7);
  ASSERT_TRUE(SparseNetwork(net, n, rng));
  net.RunUntil(net.now() + 5'000);
  const std::size_t edges = net.Edges().size();
  ASSERT_GT(edges, static_cast<std::size_t>(n - 1)) << "topology has no cycle to prune";

  // One author per node (an author publishes from its own node), each with
  // its own group: many sources, so one source's tree cannot hide a cycle.
  std::vector<TestAuthor> authors(n);
  std::vector<Id> groups;
  std::vector<Announcement> sent;
  for (int i = 0; i < n; ++i) {
    auto g = authors[i].Genesis("tree " + std::to_string(i));
    groups.push_back(g.id);
    net.Publish(i, g);
    sent.push_back(g);
    net.RunUntil(net.now() + 100);
  }
  for (int k = 0; k < 64; ++k) {
    const int i = static_cast<int>(rng() % n);
    auto a = authors[i].Share(groups[i], "item " + std::to_string(k));
    net.Publish(i, a);
    sent.push_back(a);
    net.RunUntil(net.now() + 300);
  }
  net.RunUntil(net.now() + 5'000);
  for (int i = 0; i < n; ++i)
    for (const auto& a : sent) ASSERT_TRUE(net.Holds(i, a.id)) << "node " << i;
  // One tree per source (author): each is a spanning tree.
  for (int i = 0; i < n; ++i) {
    auto [eager, connected] = EagerTree(net, &authors[i].id());
    EXPECT_TRUE(connected) << "source " << i;
    EXPECT_EQ(eager, static_cast<std::size_t>(n - 1))
        << "source " << i << ", of " << edges << " links";
  }
}

// A peer that never forwards (issue 8): once the trees have formed, the
// node with the most eager links goes silent for payloads while it stays
// linked and keeps advertising. Its tree children learn of each
// announcement from lazy advertisements, graft, and get everything anyway;
// a child no lazy neighbour happens to tell is reached by anti-entropy.
TEST_F(GossipLogicTest, APeerThatNeverForwardsIsRoutedAroundByGrafts) {
  GossipNet net(11);
  const int n = 16;
  std::mt19937 rng(11);
  ASSERT_TRUE(SparseNetwork(net, n, rng));
  net.RunUntil(net.now() + 5'000);
  TestAuthor author;
  auto g = author.Genesis("around the hole");
  net.Publish(0, g);
  std::vector<Id> sent{g.id};
  for (int k = 0; k < 10; ++k) {
    auto a = author.Share(g.id, "warm-up " + std::to_string(k));
    net.Publish(0, a);
    sent.push_back(a.id);
    net.RunUntil(net.now() + 200);
  }
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.AllHold(sent); }, 30'000));
  // The busiest relay of this author's tree (not the author's own node).
  std::vector<int> eager_degree(n);
  for (const auto& e : net.Edges(&author.id()))
    if (e.eager_a && e.eager_b) ++eager_degree[e.a], ++eager_degree[e.b];
  int hole = 1;
  for (int i = 1; i < n; ++i)
    if (eager_degree[i] > eager_degree[hole]) hole = i;
  ASSERT_GE(eager_degree[hole], 2) << "the hole must be an inner node of the tree";
  net.Mute(hole);
  const std::uint64_t grafts_before = [&] {
    std::uint64_t total = 0;
    for (int i = 0; i < n; ++i) total += net.node(i).gossip->counters().grafts_sent;
    return total;
  }();
  std::vector<Id> after;
  for (int k = 0; k < 50; ++k) {
    auto a = author.Share(g.id, "item " + std::to_string(k));
    net.Publish(0, a);
    after.push_back(a.id);
    net.RunUntil(net.now() + 100);
  }
  const Millis t_last = net.now();
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.AllHold(after); }, 60'000))
      << "nodes behind the silent relay did not get everything";
  std::printf("black hole: all 50 everywhere at +%lld ms\n", static_cast<long long>(net.now() - t_last));

  std::uint64_t grafts = 0;
  for (int i = 0; i < n; ++i) grafts += net.node(i).gossip->counters().grafts_sent;
  EXPECT_GT(grafts, grafts_before) << "delivered by grafts around the hole";
}

TEST_F(GossipLogicTest, AMissingAdvertisedIdIsGraftedExactlyAtItsTimeout) {
  GossipNet net;
  GossipOptions opts;
  opts.graft_timeout = 500;
  net.AddNode(opts);
  const int probe = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  net.ProbeSend(probe, HelloMsg());
  net.RunUntil(net.now() + 10);
  wire::PeerMessage ihave;
  ihave.mutable_ihave()->add_short_ids(0x1234567890abcdefull);
  net.ProbeSend(probe, ihave);
  const Millis arrives = net.now() + 1;  // the probe link's latency
  net.RunUntil(arrives + opts.graft_timeout - 1);
  EXPECT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kGraft), 0u);
  net.RunUntil(arrives + opts.graft_timeout + 1);  // + the way back
  ASSERT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kGraft), 1u);
  const auto& graft = net.ProbeInbox(probe).back();
  EXPECT_EQ(graft.at, arrives + opts.graft_timeout + 1);
  ASSERT_EQ(graft.message.graft().short_ids_size(), 1);
  EXPECT_EQ(graft.message.graft().short_ids(0), 0x1234567890abcdefull);
}

TEST_F(GossipLogicTest, AnIdThatArrivesBeforeItsTimeoutIsNotGrafted) {
  GossipNet net;
  net.AddNode();
  net.AddNode();
  net.Introduce(0, 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 1; }, 5'000));
  net.RunUntil(net.now() + 1'000);
  TestAuthor alice;
  auto g = alice.Genesis("g");
  net.Publish(0, g);
  for (int k = 1; k < 5; ++k) {
    net.RunUntil(net.now() + 100);
    net.Publish(0, alice.Share(g.id, "s" + std::to_string(k)));
  }
  net.RunUntil(net.now() + 5'000);
  EXPECT_EQ(net.node(1).gossip->counters().grafts_sent, 0u);
  EXPECT_EQ(net.node(1).gossip->counters().delivered, 5u);
}

TEST_F(GossipLogicTest, InvalidSignatureClosesTheProbeAndRefusesItsIdentity) {
  GossipNet net;
  net.AddNode();
  const Id member = crypto::KeyPair::Generate().public_key();
  const int probe = net.AttachProbe(0, member);
  TestAuthor alice;
  auto g = alice.Genesis("g");
  std::string bad = g.envelope;
  bad[bad.size() - 1] ^= 1;  // the signature's last byte
  wire::PeerMessage m;
  m.mutable_delivery()->set_envelope(bad);
  net.ProbeSend(probe, m);
  net.RunUntil(net.now() + 10);
  EXPECT_TRUE(net.ProbeClosed(probe));
  EXPECT_TRUE(net.node(0).gossip->Banned(member, net.now()));
  EXPECT_FALSE(net.Holds(0, g.id));
  // The same identity is refused when it comes back...
  const int again = net.AttachProbe(0, member);
  EXPECT_TRUE(net.ProbeClosed(again));
  // ...and the real announcement still gets in from someone honest: a
  // forged copy did not censor it.
  const int honest = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  net.ProbeSend(honest, DeliveryMsg(g));
  net.RunUntil(net.now() + 10);
  EXPECT_TRUE(net.Holds(0, g.id));
  EXPECT_FALSE(net.ProbeClosed(honest));
}

TEST_F(GossipLogicTest, GarbageFrameClosesTheProbe) {
  GossipNet net;
  net.AddNode();
  const int probe = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  net.ProbeSendRaw(probe, std::string("\xff\xff\xff\xff garbage", 12));
  net.RunUntil(net.now() + 10);
  EXPECT_TRUE(net.ProbeClosed(probe));
  EXPECT_EQ(net.node(0).gossip->counters().invalid, 1u);
}

TEST_F(GossipLogicTest, UnknownFrameTypesAreCountedAndSkipped) {
  GossipNet net;
  net.AddNode();
  const int probe = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  // Field 99 of PeerMessage, length-delimited: a message type from the future.
  net.ProbeSendRaw(probe, std::string("\x9a\x06\x03"
                                      "abc",
                                      6));
  net.RunUntil(net.now() + 10);
  EXPECT_FALSE(net.ProbeClosed(probe));
  EXPECT_EQ(net.node(0).gossip->counters().unknown_frames, 1u);
}

TEST_F(GossipLogicTest, OutOfOrderSeqIsDeferredNotPunishedAndAcceptedOnceTheGapFills) {
  GossipNet net;
  net.AddNode();
  const int probe = net.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  TestAuthor alice;
  auto g = alice.Genesis("g");
  auto s1 = alice.Share(g.id, "one");
  auto s2 = alice.Share(g.id, "two");
  net.ProbeSend(probe, DeliveryMsg(g));
  net.ProbeSend(probe, DeliveryMsg(s2));  // seq 3 before seq 2
  net.RunUntil(net.now() + 10);
  EXPECT_FALSE(net.ProbeClosed(probe));
  EXPECT_FALSE(net.Holds(0, s2.id));
  EXPECT_EQ(net.node(0).gossip->counters().deferred, 1u);
  // The node asks for what it lacks, once the tree has had a chance to
  // bring it (want_delay), and for exactly that id.
  EXPECT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kWant), 0u);
  net.RunUntil(net.now() + GossipOptions{}.want_delay + 10);
  ASSERT_EQ(Count(net.ProbeInbox(probe), wire::PeerMessage::kWant), 1u);
  for (const auto& f : net.ProbeInbox(probe))
    if (f.message.has_want()) {
      ASSERT_EQ(f.message.want().ids_size(), 1);
      EXPECT_EQ(f.message.want().ids(0), s1.id.Str());
      EXPECT_EQ(f.message.want().after_size(), 0);
    }
  net.ProbeSend(probe, DeliveryMsg(s1, true));
  net.RunUntil(net.now() + 10);
  EXPECT_TRUE(net.Holds(0, s1.id));
  EXPECT_TRUE(net.Holds(0, s2.id));
  EXPECT_FALSE(net.ProbeClosed(probe));
}

TEST_F(GossipLogicTest, AForkIsDetectedOnEveryNodeAndTheLogFrozen) {
  GossipNet net;
  const int n = 6;
  for (int i = 0; i < n; ++i) net.AddNode();
  for (int i = 1; i < n; ++i) net.Introduce(i, i - 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(n - 1).gossip->link_count() >= 1; }, 10'000));
  net.RunUntil(net.now() + 2'000);
  TestAuthor mallory;
  auto g = mallory.Genesis("g");
  net.Publish(0, g);
  net.RunUntil(net.now() + 2'000);
  // Two different announcements at seq 2, published at opposite ends.
  auto a = mallory.At(g.id, wire::KIND_SHARE, ShareBody("a"), 2, g.id, 2000);
  auto b = mallory.At(g.id, wire::KIND_SHARE, ShareBody("b"), 2, g.id, 2000);
  net.Publish(0, a);
  net.Publish(n - 1, b);
  net.RunUntil(net.now() + 5'000);
  for (int i = 0; i < n; ++i) {
    auto head = net.node(i).ingestor->Head(mallory.id(), g.id);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->frozen_at, 2u) << "node " << i;
    const auto* logs = net.node(i).gossip->log_index().Find(g.id);
    ASSERT_NE(logs, nullptr);
    EXPECT_TRUE(logs->logs.at(mallory.id()).frozen) << "node " << i;
  }
}

TEST_F(GossipLogicTest, ALateNodeCatchesUpThroughFingerprintsWithoutDuplicates) {
  GossipNet net;
  for (int i = 0; i < 3; ++i) net.AddNode();
  net.Introduce(1, 0);
  net.Introduce(2, 0);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 2; }, 10'000));
  TestAuthor alice, bob;
  auto g1 = alice.Genesis("one"), g2 = bob.Genesis("two");
  std::vector<Announcement> all{g1, g2};
  net.Publish(0, g1);
  net.Publish(1, g2);
  for (int k = 0; k < 30; ++k) {
    all.push_back(alice.Share(g1.id, "a" + std::to_string(k)));
    net.Publish(0, all.back());
    all.push_back(bob.Share(g2.id, "b" + std::to_string(k)));
    net.Publish(1, all.back());
  }
  net.RunUntil(net.now() + 3'000);
  auto& late = net.AddNode();
  net.Introduce(late.index, 2);
  ASSERT_TRUE(net.RunUntilTrue(
      [&] {
        for (const auto& a : all)
          if (!net.Holds(late.index, a.id)) return false;
        return true;
      },
      30'000));
  EXPECT_EQ(late.gossip->log_index().Fingerprint(g1.id),
            net.node(0).gossip->log_index().Fingerprint(g1.id));
  // Catch-up streamed each missing announcement once (plus at most what the
  // tree pushed meanwhile, which is nothing here: nothing new was published).
  EXPECT_EQ(late.gossip->counters().duplicates, 0u);
}

TEST_F(GossipLogicTest, KnownAddressesSurviveARestart) {
  GossipNet net;
  GossipOptions opts;
  opts.persist_every = 1'000;
  for (int i = 0; i < 5; ++i) net.AddNode(opts);
  for (int i = 1; i < 5; ++i) net.Introduce(i, 0);
  net.Introduce(0, 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->passive_count() == 4; }, 30'000));
  net.RunUntil(net.now() + 2'000);  // past a persist period
  net.Crash(0);
  net.Restart(0);
  EXPECT_GE(net.node(0).gossip->passive_count(), 4u);
  // ...and it dials them again without being told.
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() >= 3; }, 10'000));
}

TEST_F(GossipLogicTest, AfterASleepANodeRedialsAtOnceInsteadOfWaitingOutItsBackoff) {
  GossipNet net;
  net.AddNode();
  net.AddNode();
  net.Introduce(0, 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 1; }, 5'000));
  net.Crash(1);
  // Ten minutes of failed dials: the backoff reaches its five-minute cap.
  net.RunUntil(net.now() + 10 * 60'000);
  EXPECT_EQ(net.node(0).gossip->link_count(), 0u);
  net.Restart(1);
  net.node(0).gossip->Wake(net.now());  // what PeerManager calls when the wall clock jumped
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(0).gossip->link_count() == 1; }, 1'000));
  EXPECT_FALSE(net.node(0).gossip->Links().front().inbound);  // node 0 dialled
}

TEST_F(GossipLogicTest, AnInviteOnlyGroupTravelsOnlyOverLinksBetweenItsMembers) {
  GossipNet net;
  GossipOptions opts;
  opts.active_target = 1;  // a line: 0 - 1 - 2
  for (int i = 0; i < 3; ++i) net.AddNode(opts);
  net.Introduce(1, 0);
  net.Introduce(2, 1);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.node(1).gossip->link_count() == 2; }, 10'000));
  // Node 0's member creates an invite-only group and an open one.
  TestAuthor owner(net.node(0).key);
  auto closed = owner.Genesis("closed", /*invite_only=*/true);
  auto open = owner.Genesis("open");
  // The invite for node 1's member is made now (it reaches node 1 by hand
  // later: delivering invites to invitees is the groups issue's).
  auto invite = owner.Invite(closed.id, net.node(1).member);
  net.Publish(0, closed);
  net.Publish(0, invite);
  net.Publish(0, open);
  net.Publish(0, owner.Share(closed.id, "members only"));
  auto open_share = owner.Share(open.id, "for everyone");
  net.Publish(0, open_share);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.Holds(2, open_share.id); }, 10'000));
  EXPECT_FALSE(net.Holds(1, closed.id));
  EXPECT_FALSE(net.Holds(2, closed.id));
  // Node 1's member joins with its invite.
  TestAuthor guest(net.node(1).key);
  net.Publish(1, closed);
  net.Publish(1, invite);
  auto join = guest.Join(closed.id, 0, &invite.id);
  net.Publish(1, join);
  // Published before node 0 saw the join: the join itself makes the two
  // members reconcile the group, so this still reaches node 1.
  auto later = owner.Share(closed.id, "after the join");
  net.Publish(0, later);
  EXPECT_TRUE(net.RunUntilTrue([&] { return net.Holds(1, later.id); }, 10'000));
  net.RunUntil(net.now() + 5'000);
  // Node 2's member never joined: nothing of the group crossed the 1-2 link.
  EXPECT_FALSE(net.Holds(2, closed.id));
  EXPECT_FALSE(net.Holds(2, later.id));
}

TEST_F(GossipLogicTest, AfterConcurrentFloodsTheEagerLinksReconvergeToASpanningTree) {
  GossipNet net(11);
  const int n = 16;
  std::mt19937 rng(11);
  ASSERT_TRUE(SparseNetwork(net, n, rng));
  net.RunUntil(net.now() + 5'000);
  std::vector<TestAuthor> authors(n);
  std::vector<Id> groups;
  std::vector<Announcement> sent;
  // Every node publishes at the same instant: each flood prunes links of
  // the others' (the eager graph falls apart).
  for (int i = 0; i < n; ++i) {
    auto g = authors[i].Genesis("flood " + std::to_string(i));
    groups.push_back(g.id);
    sent.push_back(g);
    net.Publish(i, g);
  }
  net.RunUntil(net.now() + 2'000);
  // Then a steady 100/s from random sources for 20 s.
  for (int k = 0; k < 2'000; ++k) {
    const int i = static_cast<int>(rng() % n);
    auto a = authors[i].Share(groups[i], "s" + std::to_string(k));
    net.Publish(i, a);
    sent.push_back(a);
    net.RunUntil(net.now() + 10);
  }
  net.RunUntil(net.now() + 3'000);
  std::size_t missing = 0;
  for (int i = 0; i < n; ++i)
    for (const auto& a : sent) missing += !net.Holds(i, a.id);
  std::uint64_t prunes = 0, dups = 0, deferred = 0;
  for (int i = 0; i < n; ++i) {
    prunes += net.node(i).gossip->counters().prunes_sent;
    dups += net.node(i).gossip->counters().duplicates;
    deferred += net.node(i).gossip->counters().deferred;
  }
  EXPECT_EQ(missing, 0u) << "prunes " << prunes << ", dups " << dups << ", deferred " << deferred;
  std::uint64_t grafts = 0, hops = 0, delivered = 0;
  for (int i = 0; i < n; ++i) {
    grafts += net.node(i).gossip->counters().grafts_sent;
    hops += net.node(i).gossip->counters().hops_total;
    delivered += net.node(i).gossip->counters().delivered;
  }
  for (int i = 0; i < n; ++i) {
    auto [eager, connected] = EagerTree(net, &authors[i].id());
    EXPECT_TRUE(connected) << "source " << i << ": " << eager << " eager links";
    EXPECT_EQ(eager, static_cast<std::size_t>(n - 1))
        << "source " << i << ", " << grafts << " grafts";
  }
  // Once the tree stands, almost everything travels on it, not by repair.
  EXPECT_LT(grafts, sent.size() / 20) << delivered << " deliveries, " << hops << " hops";
}

}  // namespace
}  // namespace praxis::node
