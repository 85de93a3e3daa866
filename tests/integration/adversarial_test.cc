// Hostile peers over the real protocol (issue 8): each case sends what a bad
// peer would, then checks that honest traffic still flows, that the bad peer
// is cut off or limited, and that the node's own tables stay under their
// caps (Gossip::TableSizes, also exported as praxis_table_entries).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "praxis/net/frame_codec.h"
#include "testutil/authors.h"
#include "testutil/loopback_nodes.h"
#include "testutil/raw_peer.h"

namespace praxis::node {
namespace {

using Clock = std::chrono::steady_clock;

class AdversarialTest : public LoopbackTest {
 protected:
  static void ExpectTablesUnderCaps(TestPeer& p) {
    for (const auto& t : p.peers->gossip().TableSizes())
      EXPECT_LE(t.entries, t.cap) << t.name;
  }
  static std::size_t Entries(TestPeer& p, const std::string& table) {
    for (const auto& t : p.peers->gossip().TableSizes())
      if (table == t.name) return t.entries;
    ADD_FAILURE() << "no table " << table;
    return 0;
  }
  static std::size_t Count(const testutil::RawPeer& r, wire::PeerMessage::MsgCase kind) {
    std::size_t n = 0;
    for (const auto& m : r.received()) n += m.msg_case() == kind;
    return n;
  }
  // A frame of `size` bytes that parses as a PeerMessage of a type this
  // version does not know (field 1000, bytes): what a newer peer may send.
  static std::string UnknownTypeFrame(std::size_t size) {
    std::string f;
    auto varint = [&](std::uint64_t v) {
      while (v >= 0x80) {
        f.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
      }
      f.push_back(static_cast<char>(v));
    };
    varint((1000u << 3) | 2);
    const std::size_t body = size - 8;
    varint(body);
    f.append(body, 'j');
    return f;
  }
};

// One peer streams 80 frames of the largest size a frame may have, of a type
// the node skips; another sends junk that does not parse. Meanwhile an
// honest peer's pings are each answered within a generous deadline (the
// figure, printed, goes to the closing note), the junk peer is cut off and
// refused, and the big frames were all read (counted), not dropped unread.
TEST_F(AdversarialTest, MaximumSizeAndJunkFramesDoNotStarveAnHonestPeer) {
  TestPeer& a = AddNode();
  testutil::RawPeer big(io_, Hs()), junk(io_, Hs()), honest(io_, Hs());
  ASSERT_TRUE(big.Connect(a.address).ok());
  ASSERT_TRUE(junk.Connect(a.address).ok());
  ASSERT_TRUE(honest.Connect(a.address).ok());
  const std::uint64_t unknown_before = a.peers->gossip().counters().unknown_frames;

  const std::string frame = UnknownTypeFrame(net::kMaxFrameBytes - 64);
  junk.SendRaw(std::string(net::kMaxFrameBytes - 64, '\xff'));

  // Eight at a time (a sender's own outbox holds 16 MiB), each round raced
  // by one ping.
  Clock::duration worst{};
  for (std::uint64_t nonce = 1; nonce <= 10; ++nonce) {
    for (int i = 0; i < 8; ++i) big.SendRaw(frame);
    wire::PeerMessage ping;
    ping.mutable_ping()->set_nonce(nonce);
    const auto sent = Clock::now();
    honest.Send(ping);
    ASSERT_TRUE(RunUntil([&] {
      for (const auto& m : honest.received())
        if (m.has_pong() && m.pong().nonce() == nonce) return true;
      return Clock::now() - sent > std::chrono::seconds(20);
    }));
    const auto took = Clock::now() - sent;
    ASSERT_LT(took, std::chrono::seconds(20)) << "ping " << nonce << " unanswered";
    worst = std::max(worst, took);
    ASSERT_TRUE(RunUntil([&] {
      return a.peers->gossip().counters().unknown_frames >= unknown_before + 8 * nonce;
    }));
  }
  ASSERT_TRUE(RunUntil([&] {
    return a.peers->gossip().counters().unknown_frames >= unknown_before + 80 && junk.down();
  }));
  std::printf("junk: slowest ping answer %.1f ms while 80 x 1 MiB frames arrived\n",
              std::chrono::duration<double, std::milli>(worst).count());
  EXPECT_TRUE(a.peers->gossip().Banned(junk.member(), /*now=*/0));
  EXPECT_FALSE(big.down()) << "an unknown type is skipped, not punished";
  EXPECT_FALSE(honest.down());
  ExpectTablesUnderCaps(a);
}

// A valid announcement replayed a thousand times is held once and passed on
// once: the node's other peer receives it a single time.
TEST_F(AdversarialTest, ReplayedValidAnnouncementsAreHeldAndForwardedOnce) {
  TestPeer& a = AddNode();
  testutil::RawPeer replayer(io_, Hs()), watcher(io_, Hs());
  ASSERT_TRUE(watcher.Connect(a.address).ok());
  ASSERT_TRUE(replayer.Connect(a.address).ok());
  testutil::TestAuthor alice;
  auto g = alice.Genesis("g");
  const std::uint64_t dups_before = a.peers->gossip().counters().duplicates;
  for (int i = 0; i < 1000; ++i) replayer.Send(DeliveryMsg(g));
  ASSERT_TRUE(RunUntil([&] {
    return a.peers->gossip().counters().duplicates >= dups_before + 999;
  }));
  ASSERT_TRUE(RunUntil([&] { return Count(watcher, wire::PeerMessage::kDelivery) >= 1; }));
  // Anything still in flight would arrive behind a pong.
  wire::PeerMessage ping;
  ping.mutable_ping()->set_nonce(7);
  watcher.Send(ping);
  ASSERT_TRUE(RunUntil([&] { return Count(watcher, wire::PeerMessage::kPong) >= 1; }));
  EXPECT_EQ(Count(watcher, wire::PeerMessage::kDelivery), 1u);
  EXPECT_TRUE(a.node->ingestor().Held(g.id));
  EXPECT_EQ(a.node->ingestor().accepted_total(), 1u);
  ExpectTablesUnderCaps(a);
}

// Forty connections, each with its own identity and a forged signature: each
// is cut off and refused; the node remembers each failure once; an honest
// peer's announcement is accepted afterwards.
TEST_F(AdversarialTest, InvalidSignaturesFromManyConnectionsAreEachCutOff) {
  TestPeer& a = AddNode();
  testutil::TestAuthor alice;
  auto g = alice.Genesis("g");
  std::string forged = g.envelope;
  forged.back() ^= 1;
  wire::PeerMessage bad;
  bad.mutable_delivery()->set_envelope(forged);
  std::vector<std::unique_ptr<testutil::RawPeer>> attackers;
  for (int i = 0; i < 40; ++i) {
    attackers.push_back(std::make_unique<testutil::RawPeer>(io_, Hs()));
    ASSERT_TRUE(attackers.back()->Connect(a.address).ok());
    attackers.back()->Send(bad);
  }
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& r : attackers)
      if (!r->down()) return false;
    return true;
  }));
  for (const auto& r : attackers) EXPECT_TRUE(a.peers->gossip().Banned(r->member(), /*now=*/0));
  EXPECT_EQ(Entries(a, "failed_signatures"), 1u) << "the same forgery is remembered once";
  EXPECT_EQ(Entries(a, "bans"), 40u);
  testutil::RawPeer honest(io_, Hs());
  ASSERT_TRUE(honest.Connect(a.address).ok());
  honest.Send(DeliveryMsg(g));
  ASSERT_TRUE(RunUntil([&] { return a.node->ingestor().Held(g.id); }));
  EXPECT_FALSE(honest.down());
  ExpectTablesUnderCaps(a);
}

// A peer advertises 20,000 ids it never delivers. The node tracks at most
// its per-link share of them, grafts, gives up on them, and still takes an
// honest delivery.
TEST_F(AdversarialTest, AdvertisedIdsNeverDeliveredStayBoundedAndExpire) {
  NodeSpec spec;
  spec.options.gossip.max_missing_per_link = 1000;
  TestPeer& a = AddNode(spec);
  testutil::RawPeer liar(io_, Hs()), honest(io_, Hs());
  ASSERT_TRUE(liar.Connect(a.address).ok());
  ASSERT_TRUE(honest.Connect(a.address).ok());
  std::mt19937_64 rng(5);
  for (int batch = 0; batch < 20; ++batch) {
    wire::PeerMessage m;
    for (int i = 0; i < 1000; ++i) m.mutable_ihave()->add_short_ids(rng());
    liar.Send(m);
  }
  ASSERT_TRUE(RunUntil([&] { return Count(liar, wire::PeerMessage::kGraft) >= 1; }));
  EXPECT_LE(Entries(a, "missing"), 1000u) << "bounded by max_missing_per_link";
  ASSERT_TRUE(RunUntil([&] { return Entries(a, "missing") == 0; }))
      << "grafted, never answered: forgotten";
  testutil::TestAuthor alice;
  auto g = alice.Genesis("g");
  honest.Send(DeliveryMsg(g));
  ASSERT_TRUE(RunUntil([&] { return a.node->ingestor().Held(g.id); }));
  ExpectTablesUnderCaps(a);
}

// Peer exchange floods: a peer sends thousands of addresses, again and
// again. The node takes a few from each exchange and its passive set stays
// at its cap.
TEST_F(AdversarialTest, PeerExchangeFloodsKeepThePassiveSetAtItsCap) {
  NodeSpec spec;
  spec.options.gossip.max_passive = 50;
  TestPeer& a = AddNode(spec);
  testutil::RawPeer flooder(io_, Hs());
  ASSERT_TRUE(flooder.Connect(a.address).ok());
  std::mt19937 rng(3);
  int port = 1;
  for (int x = 0; x < 50; ++x) {
    wire::PeerMessage m;
    for (int i = 0; i < 1000; ++i) {
      auto* p = m.mutable_exchange()->add_peers();
      p->set_address("10.1." + std::to_string(port / 250 % 250) + "." +
                     std::to_string(port % 250 + 1) + ":7420");
      std::string member(32, '\0');
      for (char& c : member) c = static_cast<char>(rng());
      p->set_member(member);
      ++port;
    }
    flooder.Send(m);
  }
  wire::PeerMessage ping;
  ping.mutable_ping()->set_nonce(1);
  flooder.Send(ping);
  ASSERT_TRUE(RunUntil([&] { return Count(flooder, wire::PeerMessage::kPong) >= 1; }));
  EXPECT_LE(a.peers->gossip().passive_count(), 50u);
  EXPECT_GE(a.peers->gossip().passive_count(), 10u) << "some were taken";
  ExpectTablesUnderCaps(a);
}

}  // namespace
}  // namespace praxis::node
