// Invite-only groups between in-process nodes on loopback (DESIGN §4, §5):
// an invite reaches the invitee's node as a notice, the invitee's join
// (signed before its node holds the group) is admitted by a member's node and
// the group follows; announcements by non-members, injected over the
// protocol by raw peers, are refused by every node; and a connected
// non-member asking by group id or by root gets nothing.
#include <gtest/gtest.h>

#include "praxis/crypto/crypto.h"
#include "praxis/node/resource.h"
#include "testutil/authors.h"
#include "testutil/loopback_nodes.h"
#include "testutil/raw_peer.h"

namespace praxis::node {
namespace {

class InviteOnlyTest : public LoopbackTest {
 protected:
  // `owner` creates an invite-only group and shares a small file into it.
  void CreateClosedGroup(TestPeer& owner) {
    wire::Genesis g;
    g.set_name("closed");
    g.set_nonce("closed");
    g.set_invite_only(true);
    auto genesis = Publish(owner, {.kind = wire::KIND_GENESIS, .body = SerializeBody(g)});
    ASSERT_TRUE(genesis);
    group_ = genesis->id;
    auto shared = ShareContent(owner, group_, std::string(300 * 1024, 'x'), "minutes");
    ASSERT_TRUE(shared) << shared.error().ToString();
    root_ = shared->root;
    share_ = shared->share.id;
  }

  Result<Announcement> Invite(TestPeer& by, const Id& invitee) {
    wire::Invite i;
    i.set_invitee(invitee.Str());
    return Publish(by, {.kind = wire::KIND_INVITE, .group = group_, .body = SerializeBody(i)});
  }

  // What `praxis group join` does for a group this node does not hold yet.
  Result<Announcement> PendingJoin(TestPeer& p) {
    auto invite = p.node->invites().For(group_);
    if (!invite) return Err(Status::NotFound("no invite held"));
    wire::Join j;
    j.set_invite(invite->invite.Str());
    auto a = Publish(p, {.kind = wire::KIND_JOIN,
                         .group = group_,
                         .body = SerializeBody(j),
                         .pending_join = true,
                         .not_before = invite->created});
    if (a)
      for (const auto& link : p.peers->gossip().Links())
        for (const std::string& env : p.node->invites().JoinsFor(link.member))
          p.peers->gossip().SendJoin(link.member, env);
    return a;
  }

  static bool IsMember(TestPeer& at, const Id& member, const Id& group) {
    auto h = at.node->ingestor().Head(member, group);
    return h && h->member;
  }

  static wire::PeerMessage DeliveryOf(const Announcement& a) {
    wire::PeerMessage m;
    m.mutable_delivery()->set_envelope(a.envelope);
    return m;
  }

  // Whether `raw` was sent any announcement of `group`.
  bool SentAnythingOf(const testutil::RawPeer& raw) const {
    for (const auto& m : raw.received()) {
      if (!m.has_delivery()) continue;
      auto a = ParseAnnouncement(m.delivery().envelope());
      if (a && a->LogGroup() == group_) return true;
    }
    return false;
  }

  Id group_, root_, share_;
};

TEST_F(InviteOnlyTest, AnInviteReachesTheInviteeAndItsJoinIsAdmittedThenTheGroupFollows) {
  TestPeer& owner = AddNode();
  TestPeer& guest = AddNode();
  CreateClosedGroup(owner);
  Connect(guest, owner);
  ASSERT_TRUE(RunUntil([&] { return owner.peers->peer_count() == 1; }));
  // Linked, but not a member: nothing of the group reaches the guest.
  EXPECT_FALSE(guest.node->ingestor().Held(group_));

  auto invite = Invite(owner, guest.node->member());
  ASSERT_TRUE(invite) << invite.error().ToString();
  ASSERT_TRUE(RunUntil([&] { return guest.node->invites().For(group_).has_value(); }));
  EXPECT_EQ(guest.node->invites().For(group_)->inviter, owner.node->member());
  // The notice is the invite alone: the group's genesis and shares stay put.
  EXPECT_FALSE(guest.node->ingestor().Held(group_));
  EXPECT_FALSE(guest.node->ingestor().Held(share_));

  auto join = PendingJoin(guest);
  ASSERT_TRUE(join) << join.error().ToString();
  EXPECT_TRUE(guest.node->invites().PendingJoin(group_).has_value());
  // The owner's node admits it; the group then reaches the guest, its own
  // join included, and the pending join is settled.
  ASSERT_TRUE(RunUntil([&] { return IsMember(owner, guest.node->member(), group_); }));
  ASSERT_TRUE(RunUntil([&] {
    return guest.node->ingestor().Held(share_) && guest.node->ingestor().Held(join->id) &&
           !guest.node->invites().PendingJoin(group_);
  }));
  EXPECT_TRUE(IsMember(guest, guest.node->member(), group_));
  // Now a member, the guest may fetch the content too.
  ASSERT_TRUE(guest.peers->Fetch(root_).ok());
  ASSERT_TRUE(RunUntil([&] {
    auto p = guest.peers->transfer().Progress(root_);
    return p && p->done;
  }));
}

TEST_F(InviteOnlyTest, ANonMembersAnnouncementsInjectedOverTheProtocolAreRefusedByEveryNode) {
  TestPeer& owner = AddNode();
  TestPeer& member = AddNode();
  CreateClosedGroup(owner);
  Connect(member, owner);
  ASSERT_TRUE(Invite(owner, member.node->member()));
  ASSERT_TRUE(RunUntil([&] { return member.node->invites().For(group_).has_value(); }));
  ASSERT_TRUE(PendingJoin(member));
  ASSERT_TRUE(RunUntil([&] { return member.node->ingestor().Held(share_); }));

  for (TestPeer* target : {&owner, &member}) {
    SCOPED_TRACE(target == &owner ? "at the owner" : "at the other member");
    const crypto::KeyPair key = crypto::KeyPair::Generate();
    testutil::TestAuthor outsider(key);
    testutil::RawPeer raw(io_, Hs(), key);
    ASSERT_TRUE(raw.Connect(target->address).ok());
    // A join naming no invite, then a share: provably bad (a non-member's).
    auto join = outsider.Join(group_);
    raw.Send(DeliveryOf(join));
    ASSERT_TRUE(RunUntil([&] { return raw.down(); }));
    // Another identity posts a share straight away, and one joins with an
    // invite admitting someone else.
    const crypto::KeyPair key2 = crypto::KeyPair::Generate();
    testutil::TestAuthor sharer(key2);
    testutil::RawPeer raw2(io_, Hs(), key2);
    ASSERT_TRUE(raw2.Connect(target->address).ok());
    auto share = sharer.Share(group_, "spam");
    raw2.Send(DeliveryOf(share));
    ASSERT_TRUE(RunUntil([&] { return raw2.down(); }));
    for (TestPeer* p : {&owner, &member}) {
      EXPECT_FALSE(p->node->ingestor().Held(join.id));
      EXPECT_FALSE(p->node->ingestor().Held(share.id));
      EXPECT_FALSE(IsMember(*p, outsider.id(), group_));
    }
  }
  EXPECT_EQ(owner.node->ingestor().Group(group_)->engine->Report().members, 2u);
}

TEST_F(InviteOnlyTest, AConnectedNonMemberGetsNothingByGroupIdOrByRoot) {
  TestPeer& owner = AddNode();
  CreateClosedGroup(owner);
  testutil::RawPeer raw(io_, Hs());
  ASSERT_TRUE(raw.Connect(owner.address).ok());
  auto genesis = owner.node->ingestor().Find(group_);
  ASSERT_TRUE(genesis && *genesis);

  // By group id: its heads (empty: "send me all"), and wants by id and by log.
  wire::PeerMessage heads;
  heads.mutable_heads()->set_group(group_.Str());
  heads.mutable_heads()->set_answer(true);
  raw.Send(heads);
  wire::PeerMessage want;
  want.mutable_want()->add_ids(group_.Str());
  want.mutable_want()->add_ids(share_.Str());
  auto* after = want.mutable_want()->add_after();
  after->set_author(owner.node->member().Str());
  after->set_log_group(group_.Str());
  after->set_seq(0);
  raw.Send(want);
  // By root: is it held, and its manifest and first chunk.
  wire::PeerMessage have;
  have.mutable_have_query()->set_root(root_.Str());
  raw.Send(have);
  wire::PeerMessage chunk;
  chunk.mutable_chunk_request()->set_root(root_.Str());
  chunk.mutable_chunk_request()->set_index(0);
  chunk.mutable_chunk_request()->set_manifest(true);
  raw.Send(chunk);

  // Frames on one link are handled in order: once the last request is
  // answered, every earlier one was handled.
  const wire::ChunkReply* reply = nullptr;
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& m : raw.received())
      if (m.has_chunk_reply()) reply = &m.chunk_reply();
    return reply != nullptr;
  }));
  EXPECT_TRUE(reply->missing());
  EXPECT_TRUE(reply->data().empty());
  bool refused = false;
  for (const auto& m : raw.received())
    if (m.has_have_reply()) refused = m.have_reply().refused() && !m.have_reply().held();
  EXPECT_TRUE(refused);
  EXPECT_FALSE(SentAnythingOf(raw));
  for (const auto& m : raw.received()) {
    if (m.has_digest()) {
      for (const auto& g : m.digest().groups()) EXPECT_NE(g.group(), group_.Str());
    }
    if (m.has_heads()) {
      EXPECT_NE(m.heads().group(), group_.Str());
    }
  }
  EXPECT_FALSE(raw.down()) << "asking is not misbehaving";
}

}  // namespace
}  // namespace praxis::node
