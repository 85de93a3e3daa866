#include "praxis/node/ingestor.h"

#include <gtest/gtest.h>

#include "praxis/storage/keys.h"
#include "testutil/authors.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

using K = IngestOutcome::Kind;
using storage::Column;
using testutil::ApplyAndWrite;

// The envelope of `a` with one bit of its signature flipped: same id, bad signature.
std::string ForgedCopy(const Announcement& a) {
  wire::Envelope env;
  env.ParseFromString(a.envelope);
  std::string sig = env.signature();
  sig[0] ^= 1;
  env.set_signature(sig);
  return env.SerializeAsString();
}

class IngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::InitCrypto();
    Open();
  }
  void Open() {
    ing_.reset();
    store_.reset();
    auto s = storage::OpenRocksStore({.path = dir_.Sub("db")});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    auto i = Ingestor::Open(*store_, {.now_ms = [this] { return now_; },
                                      .max_per_author = max_per_author_,
                                      .max_per_group = max_per_group_});
    ASSERT_TRUE(i) << i.error().ToString();
    ing_ = std::move(*i);
  }
  IngestOutcome Apply(const Announcement& a, const Announcement* original = nullptr) {
    return ApplyAndWrite(*ing_, *store_, a, original);
  }
  std::vector<IngestOutcome> Batch(std::vector<const Announcement*> in) {
    std::vector<RawDelivery> raw;
    for (auto* a : in) raw.push_back({a->envelope, {}});
    return ing_->IngestBatch(raw, storage::Durability::kWal);
  }
  // A group by alice that bob has joined.
  void SetUpGroup() {
    genesis_ = alice_.Genesis("cooks");
    ASSERT_EQ(Apply(genesis_).kind, K::kAccepted);
    ASSERT_EQ(Apply(bob_.Join(genesis_.id)).kind, K::kAccepted);
  }

  std::uint64_t now_ = 1'000'000'000;
  std::uint64_t max_per_author_ = 0, max_per_group_ = 0;
  testutil::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Ingestor> ing_;
  testutil::TestAuthor alice_, bob_, carol_;
  Announcement genesis_;
};

TEST_F(IngestorTest, AcceptsALogInOrderAndReportsDuplicates) {
  SetUpGroup();
  Announcement s = bob_.Share(genesis_.id, "bread");
  EXPECT_EQ(Apply(s).kind, K::kAccepted);
  EXPECT_EQ(Apply(s).kind, K::kDuplicate);
  auto head = ing_->Head(bob_.id(), genesis_.id);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 2u);
  EXPECT_EQ(head->id, s.id);
  EXPECT_TRUE(head->member);
  EXPECT_EQ(ing_->accepted_total(), 3u);
}

TEST_F(IngestorTest, GapIsDeferredUntilThePreviousArrivesInTheSameBatch) {
  SetUpGroup();
  Announcement s1 = bob_.Share(genesis_.id, "one");
  Announcement s2 = bob_.Share(genesis_.id, "two");
  auto out = Batch({&s2, &s1});
  EXPECT_EQ(out[0].kind, K::kDeferred);
  ASSERT_TRUE(out[0].waiting_for);
  EXPECT_EQ(*out[0].waiting_for, s1.id);
  EXPECT_EQ(out[1].kind, K::kAccepted);
  // The deferred one was retried once its dependency was accepted.
  EXPECT_TRUE(ing_->Held(s2.id));
  EXPECT_EQ(ing_->pending(), 0u);
}

TEST_F(IngestorTest, DeferredAcrossBatchesIsRetriedWhenTheDependencyArrives) {
  Announcement g = alice_.Genesis("later");
  Announcement j = bob_.Join(g.id);
  EXPECT_EQ(Batch({&j})[0].kind, K::kDeferred);  // genesis not held yet
  EXPECT_EQ(ing_->pending(), 1u);
  EXPECT_EQ(Batch({&g})[0].kind, K::kAccepted);
  EXPECT_TRUE(ing_->Held(j.id));
}

TEST_F(IngestorTest, EachCopyIsVerifiedOnceWhetherInTheSameBatchOrAlreadyPending) {
  SetUpGroup();
  Announcement s1 = bob_.Share(genesis_.id, "one");
  Announcement s2 = bob_.Share(genesis_.id, "two");
  std::uint64_t before = SignatureChecks();
  auto out = Batch({&s2, &s2, &s2});  // s1 missing: deferred, three copies
  EXPECT_EQ(SignatureChecks() - before, 1u);
  for (const auto& o : out) {
    EXPECT_EQ(o.kind, K::kDeferred);
    ASSERT_TRUE(o.waiting_for);
    EXPECT_EQ(*o.waiting_for, s1.id);
  }
  EXPECT_EQ(ing_->pending(), 1u);

  before = SignatureChecks();
  out = Batch({&s2});  // already pending: same bytes, no second check
  EXPECT_EQ(SignatureChecks() - before, 0u);
  EXPECT_EQ(out[0].kind, K::kDeferred);
  ASSERT_TRUE(out[0].waiting_for);
  EXPECT_EQ(*out[0].waiting_for, s1.id);

  before = SignatureChecks();
  out = Batch({&s1, &s1});
  EXPECT_EQ(SignatureChecks() - before, 1u);
  EXPECT_EQ(out[0].kind, K::kAccepted);
  EXPECT_EQ(out[1].kind, K::kDuplicate);
  EXPECT_TRUE(ing_->Held(s2.id));
  EXPECT_EQ(ing_->pending(), 0u);

  // A forged copy (same id, other signature) next to the real one is still checked.
  Announcement s3 = bob_.Share(genesis_.id, "three");
  std::vector<RawDelivery> raw{{ForgedCopy(s3), {}}, {s3.envelope, {}}};
  out = ing_->IngestBatch(raw, storage::Durability::kWal);
  EXPECT_EQ(out[0].kind, K::kInvalid);
  EXPECT_EQ(out[1].kind, K::kAccepted);
}

TEST_F(IngestorTest, ForkIsProvenKeptAndFreezesTheLog) {
  SetUpGroup();
  Announcement a = bob_.At(genesis_.id, wire::KIND_SHARE, bob_.Share(genesis_.id, "x").body, 2,
                           ing_->Head(bob_.id(), genesis_.id)->id, 3000);
  Announcement b = bob_.At(genesis_.id, wire::KIND_SHARE, bob_.Share(genesis_.id, "y").body, 2,
                           ing_->Head(bob_.id(), genesis_.id)->id, 3001);
  ASSERT_NE(a.id, b.id);
  EXPECT_EQ(Apply(a).kind, K::kAccepted);
  EXPECT_EQ(Apply(b).kind, K::kFork);
  auto proof = store_->Get(Column::kForks, storage::keys::Log(bob_.id(), genesis_.id, 2));
  ASSERT_TRUE(proof && *proof);
  wire::ForkProof fp;
  ASSERT_TRUE(fp.ParseFromString(**proof));
  EXPECT_EQ(fp.first(), a.envelope);
  EXPECT_EQ(fp.second(), b.envelope);
  // Later announcements in the frozen log count for nothing, even after a restart.
  Announcement c = bob_.At(genesis_.id, wire::KIND_SHARE, "", 3, a.id, 4000);
  EXPECT_EQ(Apply(c).kind, K::kOutOfScope);
  Open();
  EXPECT_EQ(Apply(c).kind, K::kOutOfScope);
}

TEST_F(IngestorTest, CreatedGoingBackwardsAlongALogIsInvalid) {
  SetUpGroup();
  ASSERT_EQ(Apply(bob_.Share(genesis_.id, "late", 9000)).kind, K::kAccepted);
  IngestOutcome o = Apply(bob_.Share(genesis_.id, "early", 8000));
  EXPECT_EQ(o.kind, K::kInvalid);
  EXPECT_NE(o.reason.find("backwards"), std::string::npos);
}

TEST_F(IngestorTest, DatedBeforeTheGenesisIsInvalid) {
  genesis_ = alice_.Genesis("cooks", false, 0, 5000);
  ASSERT_EQ(Apply(genesis_).kind, K::kAccepted);
  EXPECT_EQ(Apply(bob_.Join(genesis_.id, 4000)).kind, K::kInvalid);
}

TEST_F(IngestorTest, FutureDatedIsDeferredNotRejected) {
  SetUpGroup();
  Announcement s = bob_.Share(genesis_.id, "from the future", now_ + 16 * 60 * 1000);
  EXPECT_EQ(Apply(s).kind, K::kDeferred);
  EXPECT_FALSE(ing_->Held(s.id));
  now_ += 2 * 60 * 1000;  // our clock catches up
  EXPECT_EQ(Apply(s).kind, K::kAccepted);
}

TEST_F(IngestorTest, NonMembersCannotShareLeaveOrInvite) {
  SetUpGroup();
  EXPECT_EQ(Apply(carol_.Share(genesis_.id, "spam")).kind, K::kInvalid);
  testutil::TestAuthor dave;
  EXPECT_EQ(Apply(dave.Leave(genesis_.id, 3000)).kind, K::kInvalid);
  // After leaving, bob can no longer share.
  ASSERT_EQ(Apply(bob_.Leave(genesis_.id)).kind, K::kAccepted);
  EXPECT_EQ(Apply(bob_.Share(genesis_.id, "after leaving")).kind, K::kInvalid);
}

TEST_F(IngestorTest, UnknownKindIsStoredWhenHeaderRulesHoldAndIgnoredByStages) {
  SetUpGroup();
  const auto before = ing_->Group(genesis_.id)->engine->Report();
  Announcement u = bob_.Raw(genesis_.id, 4242, "a body from the future");
  EXPECT_EQ(Apply(u).kind, K::kAccepted);
  EXPECT_TRUE(ing_->Held(u.id));
  EXPECT_EQ(ing_->Group(genesis_.id)->engine->Report(), before);
  // The same kind from a non-member breaks a header-level rule.
  EXPECT_EQ(Apply(carol_.Raw(genesis_.id, 4242, "x", 3000)).kind, K::kInvalid);
}

TEST_F(IngestorTest, RepublishNeedsItsOriginalAndKeepsItOutsideTheLogs) {
  // The original lives in another group this node has not seen joins for.
  Announcement other = carol_.Genesis("other");
  Announcement share = carol_.Share(other.id, "carol's work");
  SetUpGroup();
  ASSERT_EQ(Apply(other).kind, K::kAccepted);
  Announcement r = bob_.Republish(genesis_.id, share);
  IngestOutcome missing = Apply(r);
  EXPECT_EQ(missing.kind, K::kDeferred);
  EXPECT_EQ(*missing.waiting_for, share.id);
  EXPECT_EQ(Apply(r, &share).kind, K::kAccepted);
  EXPECT_FALSE(ing_->Held(share.id));  // not in the logs
  EXPECT_TRUE(**store_->Get(Column::kOriginals, share.id.View()) == share.envelope);
  auto found = ing_->Find(share.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, share.id);
}

TEST_F(IngestorTest, RepublishDatedBeforeItsOriginalIsInvalid) {
  SetUpGroup();
  Announcement share = alice_.Share(genesis_.id, "later work", 50'000);
  ASSERT_EQ(Apply(share).kind, K::kAccepted);
  IngestOutcome o = Apply(bob_.Republish(genesis_.id, share, 40'000));
  EXPECT_EQ(o.kind, K::kInvalid);
  EXPECT_NE(o.reason.find("before its original"), std::string::npos) << o.reason;
}

TEST_F(IngestorTest, AttachedOriginalMustMatchTheRepublish) {
  SetUpGroup();
  Announcement s1 = alice_.Share(genesis_.id, "one");
  Announcement s2 = alice_.Share(genesis_.id, "two");
  wire::Republish body;
  body.set_original(Id{}.Str());
  Announcement r = bob_.Raw(genesis_.id, wire::KIND_REPUBLISH, SerializeBody(body));
  EXPECT_EQ(Apply(r, &s2).kind, K::kInvalid);
  (void)s1;
}

TEST_F(IngestorTest, InviteOnlyShareCannotBeRepublishedOutside) {
  Announcement closed = alice_.Genesis("closed", /*invite_only=*/true);
  Announcement open = bob_.Genesis("open");
  ASSERT_EQ(Apply(closed).kind, K::kAccepted);
  ASSERT_EQ(Apply(open).kind, K::kAccepted);
  Announcement s = alice_.Share(closed.id, "secret");
  ASSERT_EQ(Apply(s).kind, K::kAccepted);
  ASSERT_EQ(Apply(alice_.Join(open.id)).kind, K::kAccepted);
  IngestOutcome o = Apply(alice_.Republish(open.id, s));
  EXPECT_EQ(o.kind, K::kInvalid);
  EXPECT_NE(o.reason.find("invite-only"), std::string::npos);
}

TEST_F(IngestorTest, InviteOnlyJoinNeedsAnInviteForItsAuthor) {
  Announcement closed = alice_.Genesis("closed", true);
  ASSERT_EQ(Apply(closed).kind, K::kAccepted);
  EXPECT_EQ(Apply(bob_.Join(closed.id)).kind, K::kInvalid);  // names no invite
  testutil::TestAuthor bob2;
  Announcement inv = alice_.Invite(closed.id, carol_.id());
  Id inv_id = inv.id;
  IngestOutcome early = Apply(bob2.Join(closed.id, 0, &inv_id));
  EXPECT_EQ(early.kind, K::kDeferred);  // invite not held yet
  ASSERT_EQ(Apply(inv).kind, K::kAccepted);
  testutil::TestAuthor bob3;
  EXPECT_EQ(Apply(bob3.Join(closed.id, 0, &inv_id)).kind, K::kInvalid);  // invite is for carol
  EXPECT_EQ(Apply(carol_.Join(closed.id, 0, &inv_id)).kind, K::kAccepted);
}

TEST_F(IngestorTest, BadSignatureIsInvalidAndRemembered) {
  SetUpGroup();
  Announcement s = bob_.Share(genesis_.id, "x");
  std::vector<RawDelivery> raw{{ForgedCopy(s), {}}};
  auto first = ing_->IngestBatch(raw, storage::Durability::kWal);
  EXPECT_EQ(first[0].kind, K::kInvalid);
  EXPECT_EQ(first[0].reason, "bad signature");
  auto second = ing_->IngestBatch(raw, storage::Durability::kWal);
  EXPECT_EQ(second[0].reason, "bad signature (seen before)");
  // A forged copy does not censor the real one: same id, good signature.
  std::vector<RawDelivery> real{{s.envelope, {}}};
  EXPECT_EQ(ing_->IngestBatch(real, storage::Durability::kWal)[0].kind, K::kAccepted);
}

TEST_F(IngestorTest, StagesAreRebuiltFromStoredAnnouncementsOnReopen) {
  genesis_ = alice_.Genesis("circle", false, /*min_republishers=*/2);
  ASSERT_EQ(Apply(genesis_).kind, K::kAccepted);
  ASSERT_EQ(Apply(bob_.Join(genesis_.id)).kind, K::kAccepted);
  ASSERT_EQ(Apply(carol_.Join(genesis_.id)).kind, K::kAccepted);
  Announcement s = alice_.Share(genesis_.id, "work");
  ASSERT_EQ(Apply(s).kind, K::kAccepted);
  ASSERT_EQ(Apply(bob_.Republish(genesis_.id, s)).kind, K::kAccepted);
  Announcement r2 = carol_.Republish(genesis_.id, s, 5000);  // after bob's, in canonical order
  ASSERT_EQ(Apply(r2).kind, K::kAccepted);
  const StageReport before = ing_->Group(genesis_.id)->engine->Report();
  EXPECT_EQ(before.stage, Stage::kPractice);
  EXPECT_EQ(before.raised_by, r2.id);
  Open();
  ASSERT_NE(ing_->Group(genesis_.id), nullptr);
  EXPECT_EQ(ing_->Group(genesis_.id)->engine->Report(), before);
  EXPECT_EQ(ing_->accepted_total(), 6u);
}

// A valid key posting without end cannot fill the disk: past the cap its
// announcements are out of scope (dropped quietly, not a protocol fault), the
// cap holds across a restart (counts come from what is stored), and other
// authors and groups are untouched.
TEST_F(IngestorTest, PerAuthorAndPerGroupCapsRefuseWhatIsOver) {
  max_per_author_ = 4;  // bob: join + 3 shares
  max_per_group_ = 7;
  Open();
  SetUpGroup();  // genesis (alice), join (bob)
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Apply(bob_.Share(genesis_.id, "s" + std::to_string(i))).kind, K::kAccepted);
  IngestOutcome over = Apply(bob_.Share(genesis_.id, "one too many"));
  EXPECT_EQ(over.kind, K::kOutOfScope);
  EXPECT_NE(over.reason.find("max_author_announcements"), std::string::npos) << over.reason;
  EXPECT_EQ(ing_->capped_by_author(), 1u);
  // The group holds 5: carol may still post until it holds 7.
  ASSERT_EQ(Apply(carol_.Join(genesis_.id)).kind, K::kAccepted);
  ASSERT_EQ(Apply(carol_.Share(genesis_.id, "c1")).kind, K::kAccepted);
  IngestOutcome full = Apply(carol_.Share(genesis_.id, "c2"));
  EXPECT_EQ(full.kind, K::kOutOfScope);
  EXPECT_NE(full.reason.find("max_group_announcements"), std::string::npos) << full.reason;
  EXPECT_EQ(ing_->capped_by_group(), 1u);
  // Another group of carol's is not capped by the first one's fill.
  Announcement other = carol_.Genesis("elsewhere");
  EXPECT_EQ(Apply(other).kind, K::kAccepted);
  // Counts are rebuilt from the store: still over after a restart.
  Open();
  EXPECT_EQ(Apply(bob_.Share(genesis_.id, "after restart")).kind, K::kOutOfScope);
  EXPECT_EQ(ing_->accepted_total(), 8u);
}

}  // namespace
}  // namespace praxis::node
