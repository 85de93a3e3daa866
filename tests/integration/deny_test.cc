// The operator's deny list on in-process nodes (issue 7): a denied member's
// announcements reach a node, which neither stores nor forwards them, while
// everyone else's pass through; a denied root is dropped and not served.
#include <gtest/gtest.h>

#include "praxis/node/holdings.h"
#include "praxis/node/resource.h"
#include "testutil/authors.h"
#include "testutil/content.h"
#include "testutil/loopback_nodes.h"
#include "testutil/raw_peer.h"

namespace praxis::node {
namespace {

class DenyTest : public LoopbackTest {};

TEST_F(DenyTest, ADeniedMembersAnnouncementsAreNeitherStoredNorForwarded) {
  TestPeer& a = AddNode();
  TestPeer& b = AddNode();
  TestPeer& c = AddNode();
  Connect(b, a);
  Connect(c, b);  // a line: all c learns, it learns through b
  testutil::TestAuthor honest, spammer;
  ASSERT_TRUE(b.node->deny().Add(DenyKind::kMember, spammer.id()).ok());

  auto g = honest.Genesis("commons");
  auto sg = spammer.Genesis("spam");
  auto sj = spammer.Join(g.id);
  auto ss = spammer.Share(g.id, "buy now");
  auto hs = honest.Share(g.id, "minutes");
  std::vector<RawDelivery> batch{{sg.envelope, ""}, {g.envelope, ""}, {sj.envelope, ""},
                                 {ss.envelope, ""}, {hs.envelope, ""}};
  for (const auto& o : a.peers->IngestLocal(batch)) ASSERT_TRUE(o.ok()) << o.reason;

  ASSERT_TRUE(RunUntil([&] { return c.node->ingestor().Held(hs.id); }));
  for (const Announcement* x : {&sg, &sj, &ss}) {
    EXPECT_FALSE(b.node->ingestor().Held(x->id)) << "b stores none of the spammer's";
    EXPECT_FALSE(c.node->ingestor().Held(x->id)) << "so c never hears of them through b";
  }
  EXPECT_GE(b.node->deny().refused_announcements(), 3u);
  EXPECT_EQ(b.peers->peer_count(), 2u) << "refusing is not punishing the peer that relayed";

  // Lifted: catch-up brings them.
  auto removed = b.node->deny().Remove(DenyKind::kMember, spammer.id());
  ASSERT_TRUE(removed && *removed);
  auto more = spammer.Share(g.id, "again");
  std::vector<RawDelivery> again{{more.envelope, ""}};
  for (const auto& o : a.peers->IngestLocal(again)) ASSERT_TRUE(o.ok()) << o.reason;
  ASSERT_TRUE(RunUntil([&] { return c.node->ingestor().Held(more.id); }));
}

// Denied after they were stored: still on disk, never served again, so a
// node catching up from this one does not get them.
TEST_F(DenyTest, WhatWasHeldBeforeADenyIsNotServedByCatchUp) {
  TestPeer& b = AddNode();
  testutil::TestAuthor honest, spammer;
  auto g = honest.Genesis("commons");
  auto sj = spammer.Join(g.id);
  auto ss = spammer.Share(g.id, "buy now");
  auto hs = honest.Share(g.id, "minutes");
  std::vector<RawDelivery> batch{
      {g.envelope, ""}, {sj.envelope, ""}, {ss.envelope, ""}, {hs.envelope, ""}};
  for (const auto& o : b.peers->IngestLocal(batch)) ASSERT_TRUE(o.ok()) << o.reason;
  ASSERT_TRUE(b.node->deny().Add(DenyKind::kMember, spammer.id()).ok());
  const std::uint64_t refused_before = b.node->deny().refused_announcements();

  TestPeer& c = AddNode();
  Connect(c, b);
  // The spammer's log is streamed after the creator's: wait until b has
  // passed over both of its entries.
  ASSERT_TRUE(RunUntil([&] {
    return c.node->ingestor().Held(hs.id) &&
           b.node->deny().refused_announcements() >= refused_before + 2;
  }));
  EXPECT_FALSE(c.node->ingestor().Held(sj.id));
  EXPECT_FALSE(c.node->ingestor().Held(ss.id));
  EXPECT_TRUE(b.node->ingestor().Held(ss.id)) << "withheld, not deleted";
}

TEST_F(DenyTest, ADeniedRootIsDroppedAndNotServed) {
  TestPeer& holder = AddNode();
  const Id group = CreateGroup(holder, "files");
  auto shared = ShareContent(holder, group, std::string(600 * 1024, 'q'), "q");
  ASSERT_TRUE(shared) << shared.error().ToString();
  const Id root = shared->root;
  ASSERT_TRUE(testutil::ReadResource(*holder.store, root));

  ASSERT_TRUE(holder.node->deny().Add(DenyKind::kRoot, root).ok());
  ASSERT_TRUE(DropContent(*holder.store, root));
  EXPECT_FALSE(testutil::ReadResource(*holder.store, root));
  EXPECT_FALSE(holder.peers->Fetch(root).ok()) << "nor fetched again";

  // Even a member asking is refused.
  testutil::RawPeer raw(io_, Hs());
  ASSERT_TRUE(raw.Connect(holder.address).ok());
  wire::PeerMessage q;
  q.mutable_have_query()->set_root(root.Str());
  raw.Send(q);
  const wire::HaveReply* reply = nullptr;
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& m : raw.received())
      if (m.has_have_reply()) reply = &m.have_reply();
    return reply != nullptr;
  }));
  EXPECT_FALSE(reply->held());
  EXPECT_GE(holder.node->deny().refused_requests(), 1u);
}

}  // namespace
}  // namespace praxis::node
