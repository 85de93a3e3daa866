// Stage engine (DESIGN.md §5): hand-built histories for each rule, then
// randomized histories fed in many arrival orders, where the incremental
// engine must always agree with the batch reference ComputeStage.
#include "praxis/node/stage_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace praxis {
// Readable ids in failure messages (found by ADL). Internal linkage so that
// another test file may print ids its own way.
[[maybe_unused]] static void PrintTo(const Id& id, std::ostream* os) { *os << id.Short(); }
}  // namespace praxis

namespace praxis::node {

[[maybe_unused]] static void PrintTo(const StageReport& r, std::ostream* os) {
  *os << "{stage=" << StageName(r.stage)
      << " raised_by=" << (r.raised_by ? r.raised_by->Short() : std::string("none"))
      << " republishers=" << r.republishers << " outside=" << r.outside_republishers
      << " contributors=" << r.contributors << " members=" << r.members
      << " share=" << r.republisher_share << " reciprocity=" << r.reciprocity
      << " median_uptake_ms=" << r.median_uptake_ms << "}";
}

namespace {

// Fills all 32 bytes from n (four big-endian copies), so ids order like their
// numbers and never come out all-zero for n > 0.
Id MakeId(std::uint64_t n) {
  Id id;
  for (std::size_t i = 0; i < Id::kSize; ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(n >> (8 * (7 - i % 8)));
  }
  return id;
}

// Authors are 1..999, groups 1000.., announcements 100000.. (History) or
// random (the randomized scenarios).
Id Author(std::uint64_t n) { return MakeId(n); }
const Id kGroup = MakeId(1000);
const Id kOther = MakeId(1001);
const Id kThird = MakeId(1002);

GroupRules Rules(std::uint32_t min_republishers = kDefaultMinRepublishers,
                 std::uint32_t min_outside = kDefaultMinOutside) {
  return GroupRules{.group = kGroup,
                    .genesis_author = Author(1),
                    .genesis_created = 0,
                    .min_republishers = min_republishers,
                    .min_outside = min_outside};
}

// Builds announcements as logs would: fresh ids and seq counting up per
// (author, group) log in the order they are written here.
class History {
 public:
  StageEvent Join(std::uint64_t author, std::uint64_t created, const Id& group = kGroup) {
    return Make(StageEvent::Type::kJoin, author, created, group);
  }
  StageEvent Leave(std::uint64_t author, std::uint64_t created, const Id& group = kGroup) {
    return Make(StageEvent::Type::kLeave, author, created, group);
  }
  StageEvent Share(std::uint64_t author, std::uint64_t created, const Id& group = kGroup) {
    return Make(StageEvent::Type::kShare, author, created, group);
  }
  StageEvent Republish(std::uint64_t author, std::uint64_t created, const StageEvent& share,
                       const Id& into = kGroup) {
    StageEvent e;
    e.type = StageEvent::Type::kRepublish;
    e.original = share.id;
    e.original_author = share.author;
    e.original_group = share.group;
    e.original_created = share.created;
    return Record(std::move(e), author, created, into);
  }

  const std::vector<StageEvent>& events() const { return events_; }

 private:
  StageEvent Make(StageEvent::Type type, std::uint64_t author, std::uint64_t created,
                  const Id& group) {
    StageEvent e;
    e.type = type;
    return Record(std::move(e), author, created, group);
  }
  StageEvent Record(StageEvent e, std::uint64_t author, std::uint64_t created, const Id& group) {
    e.id = MakeId(next_id_++);
    e.author = Author(author);
    e.group = group;
    e.created = created;
    e.seq = ++seqs_[{e.author, group}];
    events_.push_back(e);
    return e;
  }

  std::uint64_t next_id_ = 100000;
  std::map<std::pair<Id, Id>, std::uint64_t> seqs_;
  std::vector<StageEvent> events_;
};

// Feeds the history to an engine in the order it was written (which need not
// be canonical) and checks it against the batch reference.
StageReport Both(const GroupRules& rules, const History& h) {
  StageEngine engine(rules);
  for (const StageEvent& e : h.events()) engine.Add(e);
  StageReport batch = ComputeStage(rules, h.events());
  EXPECT_EQ(engine.Report(), batch);
  return batch;
}

TEST(StageEngine, StageNames) {
  EXPECT_STREQ(StageName(Stage::kNetwork), "network");
  EXPECT_STREQ(StageName(Stage::kPractice), "practice");
  EXPECT_STREQ(StageName(Stage::kInfluence), "influence");
}

TEST(StageEngine, NewGroupIsANetworkOfItsGenesisAuthor) {
  StageEngine engine(Rules());
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);
  EXPECT_FALSE(engine.Report().raised_by.has_value());
  EXPECT_EQ(engine.Report().members, 1u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(), {}));
}

TEST(StageEngine, ThirdDistinctMemberRepublisherRaisesPractice) {
  History h;
  std::vector<StageEvent> joins;
  for (std::uint64_t a = 2; a <= 6; ++a) joins.push_back(h.Join(a, 100 + a));
  StageEvent share = h.Share(2, 200);
  StageEvent r3 = h.Republish(3, 300, share);
  StageEvent r4 = h.Republish(4, 400, share);
  StageEvent r5 = h.Republish(5, 500, share);
  StageEvent r6 = h.Republish(6, 600, share);

  StageEngine engine(Rules());
  for (const StageEvent& e : joins) EXPECT_FALSE(engine.Add(e));
  EXPECT_FALSE(engine.Add(share));
  EXPECT_FALSE(engine.Add(r3));
  EXPECT_FALSE(engine.Add(r4));
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);
  EXPECT_EQ(engine.Report().republishers, 2u);
  EXPECT_TRUE(engine.Add(r5));
  EXPECT_EQ(engine.Report().stage, Stage::kPractice);
  EXPECT_EQ(engine.Report().raised_by, r5.id);
  // A fourth republisher is counted but does not move raised_by.
  EXPECT_FALSE(engine.Add(r6));
  EXPECT_EQ(engine.Report().raised_by, r5.id);
  EXPECT_EQ(engine.Report().republishers, 4u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(), h.events()));
}

TEST(StageEngine, OutsideRepublishersRaiseInfluence) {
  History h;
  for (std::uint64_t a = 2; a <= 5; ++a) h.Join(a, 100 + a);
  StageEvent share = h.Share(2, 200);
  h.Republish(3, 300, share);
  h.Republish(4, 400, share);
  StageEvent practice_at = h.Republish(5, 500, share);
  // Authors 10..12 never join the group; they carry its share elsewhere.
  h.Republish(10, 600, share, kOther);
  StageEvent second_outside = h.Republish(11, 700, share, kThird);

  StageReport before = Both(Rules(), h);
  EXPECT_EQ(before.stage, Stage::kPractice);
  EXPECT_EQ(before.raised_by, practice_at.id);
  EXPECT_EQ(before.outside_republishers, 2u);

  StageEvent influence_at = h.Republish(12, 800, share, kOther);
  StageReport after = Both(Rules(), h);
  EXPECT_EQ(after.stage, Stage::kInfluence);
  EXPECT_EQ(after.raised_by, influence_at.id);
  EXPECT_EQ(after.outside_republishers, 3u);
  EXPECT_NE(after.raised_by, second_outside.id);
}

TEST(StageEngine, OutsideRepublishesBeforePracticeCountOnceItHolds) {
  History h;
  for (std::uint64_t a = 2; a <= 5; ++a) h.Join(a, 100 + a);
  StageEvent share = h.Share(2, 200);
  for (std::uint64_t a = 10; a <= 12; ++a) h.Republish(a, 200 + a, share, kOther);
  h.Republish(3, 300, share);
  h.Republish(4, 400, share);

  StageReport network = Both(Rules(), h);
  EXPECT_EQ(network.stage, Stage::kNetwork);
  EXPECT_EQ(network.outside_republishers, 3u);

  // Practice and influence are both satisfied here: straight to influence.
  StageEvent both_at = h.Republish(5, 500, share);
  StageReport r = Both(Rules(), h);
  EXPECT_EQ(r.stage, Stage::kInfluence);
  EXPECT_EQ(r.raised_by, both_at.id);
}

TEST(StageEngine, SelfRepublishCountsForNothing) {
  History h;
  for (std::uint64_t a = 2; a <= 4; ++a) h.Join(a, 100 + a);
  for (std::uint64_t a = 1; a <= 4; ++a) {
    StageEvent own = h.Share(a, 200 + a);
    h.Republish(a, 300 + a, own);
    h.Republish(a, 400 + a, own, kOther);
  }
  // Having left, author 4 carrying their own share elsewhere is not outside uptake.
  StageEvent own4 = h.Share(4, 500);
  h.Leave(4, 600);
  h.Republish(4, 700, own4, kOther);

  StageReport r = Both(Rules(1, 1), h);
  EXPECT_EQ(r.stage, Stage::kNetwork);
  EXPECT_EQ(r.republishers, 0u);
  EXPECT_EQ(r.outside_republishers, 0u);
  EXPECT_EQ(r.median_uptake_ms, 0u);
}

TEST(StageEngine, LoneCuratorRepublishingFiveOthersCountsOnce) {
  History h;
  for (std::uint64_t a = 2; a <= 7; ++a) h.Join(a, 100 + a);
  std::vector<StageEvent> shares;
  for (std::uint64_t a = 2; a <= 6; ++a) shares.push_back(h.Share(a, 200 + a));
  for (std::size_t i = 0; i < shares.size(); ++i) h.Republish(7, 300 + i, shares[i]);

  StageReport r = Both(Rules(3, 3), h);
  EXPECT_EQ(r.stage, Stage::kNetwork);
  EXPECT_EQ(r.republishers, 1u);
  StageEngine engine(Rules(3, 3));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Edges().size(), 5u);
}

TEST(StageEngine, RepublishBeforeJoinDoesNotCountWhenJoinArrivesLater) {
  History h;
  h.Join(2, 100);
  StageEvent share = h.Share(2, 200);
  StageEvent early = h.Republish(3, 300, share, kOther);

  StageEngine engine(Rules(1, 3));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().outside_republishers, 1u);

  // Author 3 joins after having republished: membership now must not reach
  // back to the earlier republish.
  EXPECT_FALSE(engine.Add(h.Join(3, 400)));
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);
  EXPECT_EQ(engine.Report().republishers, 0u);
  EXPECT_EQ(engine.Report().outside_republishers, 1u);
  EXPECT_TRUE(engine.Edges().empty());
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 3), h.events()));
  EXPECT_EQ(early.created, 300u);
}

TEST(StageEngine, BackdatedJoinArrivingLaterMakesTheRepublishCount) {
  History h;
  h.Join(2, 100);
  StageEvent share = h.Share(2, 200);
  StageEvent republish = h.Republish(3, 300, share, kOther);

  StageEngine engine(Rules(1, 3));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);

  // The join reaches this node last, but is dated before the republish.
  EXPECT_TRUE(engine.Add(h.Join(3, 250)));
  EXPECT_EQ(engine.Report().stage, Stage::kPractice);
  EXPECT_EQ(engine.Report().raised_by, republish.id);
  EXPECT_EQ(engine.Report().outside_republishers, 0u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 3), h.events()));
}

TEST(StageEngine, LeaveBeforeRepublishMakesItNotCount) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  h.Leave(3, 250);
  h.Republish(3, 300, share);
  StageReport r = Both(Rules(1, 3), h);
  EXPECT_EQ(r.stage, Stage::kNetwork);
  EXPECT_EQ(r.republishers, 0u);
  EXPECT_EQ(r.contributors, 1u);  // only author 2 was a member when posting
}

TEST(StageEngine, BackdatedLeaveArrivingLaterUncountsTheRepublish) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  h.Republish(3, 300, share);

  StageEngine engine(Rules(1, 3));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().stage, Stage::kPractice);
  // The stage is a function of the set: a leave dated before the republish
  // takes the count back, however late it arrives.
  EXPECT_TRUE(engine.Add(h.Leave(3, 250)));
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);
  EXPECT_FALSE(engine.Report().raised_by.has_value());
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 3), h.events()));
}

TEST(StageEngine, RepublishAfterLeavingAndRejoiningCounts) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  h.Leave(3, 250);
  h.Join(3, 260);
  StageEvent republish = h.Republish(3, 300, share);
  StageReport r = Both(Rules(1, 3), h);
  EXPECT_EQ(r.stage, Stage::kPractice);
  EXPECT_EQ(r.raised_by, republish.id);
  EXPECT_EQ(r.members, 3u);
}

TEST(StageEngine, SameTimestampIsOrderedById) {
  // History hands out increasing ids, so at equal `created` the event written
  // first comes first in canonical order.
  History before;
  before.Join(2, 100);
  StageEvent share = before.Share(2, 200);
  StageEvent republish = before.Republish(3, 300, share);
  StageEvent join = before.Join(3, 300);
  ASSERT_LT(republish.id, join.id);
  EXPECT_EQ(Both(Rules(1, 3), before).republishers, 0u);

  History after;
  after.Join(2, 100);
  share = after.Share(2, 200);
  join = after.Join(3, 300);
  republish = after.Republish(3, 300, share);
  ASSERT_LT(join.id, republish.id);
  StageReport r = Both(Rules(1, 3), after);
  EXPECT_EQ(r.republishers, 1u);
  EXPECT_EQ(r.raised_by, republish.id);

  // Whichever of the two arrives first.
  StageEngine engine(Rules(1, 3));
  for (auto it = after.events().rbegin(); it != after.events().rend(); ++it) engine.Add(*it);
  EXPECT_EQ(engine.Report(), r);
}

TEST(StageEngine, MemberRepublishIntoAnotherGroupIsNotOutside) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  h.Republish(3, 300, share, kOther);
  StageReport r = Both(Rules(1, 1), h);
  EXPECT_EQ(r.outside_republishers, 0u);
  // It is still a member passing on another's work, so it counts for practice.
  EXPECT_EQ(r.republishers, 1u);
  EXPECT_EQ(r.stage, Stage::kPractice);
}

TEST(StageEngine, NonMemberRepublishIntoAnotherGroupIsOutside) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  StageEvent practice_at = h.Republish(3, 300, share);
  StageEvent outside = h.Republish(9, 400, share, kOther);
  StageReport r = Both(Rules(1, 1), h);
  EXPECT_EQ(r.outside_republishers, 1u);
  EXPECT_EQ(r.republishers, 1u);
  EXPECT_EQ(r.stage, Stage::kInfluence);
  EXPECT_EQ(r.raised_by, outside.id);
  EXPECT_NE(r.raised_by, practice_at.id);
}

TEST(StageEngine, ThresholdsComeFromTheRules) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  StageEvent practice_at = h.Republish(3, 300, share);
  h.Republish(9, 400, share, kOther);

  EXPECT_EQ(Both(Rules(), h).stage, Stage::kNetwork);
  StageReport one_outside = Both(Rules(1, 2), h);
  EXPECT_EQ(one_outside.stage, Stage::kPractice);
  EXPECT_EQ(one_outside.raised_by, practice_at.id);

  StageEvent second = h.Republish(8, 500, share, kThird);
  StageReport two_outside = Both(Rules(1, 2), h);
  EXPECT_EQ(two_outside.stage, Stage::kInfluence);
  EXPECT_EQ(two_outside.raised_by, second.id);
  EXPECT_EQ(Both(Rules(1, 3), h).stage, Stage::kPractice);
  EXPECT_EQ(Both(Rules(2, 2), h).stage, Stage::kNetwork);
}

TEST(StageEngine, ZeroThresholdsAreMetAtGenesis) {
  StageEngine practice(Rules(0, 1));
  EXPECT_EQ(practice.Report().stage, Stage::kPractice);
  EXPECT_EQ(practice.Report().raised_by, kGroup);
  StageEngine influence(Rules(0, 0));
  EXPECT_EQ(influence.Report().stage, Stage::kInfluence);
  EXPECT_EQ(influence.Report().raised_by, kGroup);
  EXPECT_EQ(influence.Report(), ComputeStage(Rules(0, 0), {}));
}

TEST(StageEngine, FreezeLogDropsLaterContributions) {
  History h;
  for (std::uint64_t a = 2; a <= 5; ++a) h.Join(a, 100 + a);  // seq 1 of each log
  StageEvent share = h.Share(2, 200);
  h.Republish(3, 300, share);
  h.Republish(4, 400, share);
  StageEvent forked = h.Republish(5, 500, share);  // seq 2 of author 5's log
  ASSERT_EQ(forked.seq, 2u);

  StageEngine engine(Rules());
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().stage, Stage::kPractice);
  EXPECT_EQ(engine.Report().raised_by, forked.id);

  engine.FreezeLog(Author(5), kGroup, 2);
  EXPECT_EQ(engine.Report().stage, Stage::kNetwork);
  EXPECT_FALSE(engine.Report().raised_by.has_value());
  EXPECT_EQ(engine.Report().republishers, 2u);
  EXPECT_EQ(engine.Report().members, 5u);  // the join at seq 1 still holds

  // Later announcements in the frozen log count for nothing, whenever they arrive.
  StageEvent later = h.Republish(5, 600, share);
  EXPECT_FALSE(engine.Add(later));
  EXPECT_EQ(engine.Report().republishers, 2u);

  // Another log of the same author is not frozen.
  StageEvent other_log = h.Republish(5, 700, share, kOther);
  EXPECT_TRUE(engine.Add(other_log));
  EXPECT_EQ(engine.Report().raised_by, other_log.id);

  std::vector<StageEvent> kept;
  for (const StageEvent& e : h.events()) {
    if (e.id != forked.id && e.id != later.id) kept.push_back(e);
  }
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(), kept));
}

TEST(StageEngine, FreezeLogBeforeEventsArriveRefusesThem) {
  History h;
  for (std::uint64_t a = 2; a <= 3; ++a) h.Join(a, 100 + a);
  StageEvent share = h.Share(2, 200);
  StageEvent outside1 = h.Republish(9, 300, share, kOther);  // seq 1 in 9's kOther log
  StageEvent outside2 = h.Republish(9, 310, share, kOther);  // seq 2

  StageEngine engine(Rules(1, 1));
  engine.FreezeLog(Author(9), kOther, 1);
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().outside_republishers, 0u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 1), {h.events().begin(), h.events().end() - 2}));
  EXPECT_NE(outside1.id, outside2.id);
}

TEST(StageEngine, FiguresFollowTheirDefinitions) {
  History h;
  for (std::uint64_t a = 2; a <= 4; ++a) h.Join(a, 100 + a);
  StageEvent s1 = h.Share(2, 1000);
  StageEvent s2 = h.Share(3, 2000);
  StageEvent s3 = h.Share(1, 3000);
  StageEvent s4 = h.Share(4, 5000);
  h.Republish(3, 1500, s1);                 // uptake of s1: 500
  h.Republish(4, 1800, s1);                 // not the first of s1
  StageEvent r = h.Republish(2, 2100, s2);  // uptake of s2: 100; third republisher
  h.Republish(1, 3050, s3);                 // self: nothing
  h.Republish(9, 3100, s3, kOther);         // outside: not an uptake
  h.Share(9, 3200);                         // a non-member's share is no contribution
  h.Republish(2, 4000, s3);                 // uptake of s3: 1000
  h.Republish(3, 5300, s4, kOther);         // uptake of s4: 300, a member elsewhere
  h.Leave(4, 6000);                         // leaving does not erase past contribution

  StageReport got = Both(Rules(), h);
  EXPECT_EQ(got.stage, Stage::kPractice);
  EXPECT_EQ(got.raised_by, r.id);
  EXPECT_EQ(got.republishers, 3u);          // 2, 3, 4
  EXPECT_EQ(got.outside_republishers, 1u);  // 9
  EXPECT_EQ(got.contributors, 4u);          // 1, 2, 3, 4
  EXPECT_EQ(got.members, 3u);               // 1, 2, 3
  EXPECT_DOUBLE_EQ(got.republisher_share, 0.75);
  // Edges 3->2, 4->2, 2->3, 2->1, 3->4: only 3<->2 is mutual.
  EXPECT_DOUBLE_EQ(got.reciprocity, 2.0 / 5.0);
  // Uptakes 100, 300, 500, 1000: the lower median.
  EXPECT_EQ(got.median_uptake_ms, 300u);

  StageEngine engine(Rules());
  for (const StageEvent& e : h.events()) engine.Add(e);
  std::vector<std::pair<Id, Id>> want = {{Author(2), Author(1)},
                                         {Author(2), Author(3)},
                                         {Author(3), Author(2)},
                                         {Author(3), Author(4)},
                                         {Author(4), Author(2)}};
  EXPECT_EQ(engine.Edges(), want);
}

TEST(StageEngine, DuplicatesAndUnrelatedEventsAreIgnored) {
  History h;
  h.Join(2, 100);
  h.Join(3, 110);
  StageEvent share = h.Share(2, 200);
  StageEvent republish = h.Republish(3, 300, share);
  const std::vector<StageEvent> relevant = h.events();
  // Another group's own life does not bear on this one.
  StageEvent elsewhere = h.Share(5, 150, kOther);
  h.Join(5, 120, kOther);
  h.Republish(6, 160, elsewhere, kOther);

  StageEngine engine(Rules(1, 1));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_FALSE(engine.Add(republish));
  EXPECT_FALSE(engine.Add(share));
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 1), relevant));
  std::vector<StageEvent> doubled = h.events();
  doubled.insert(doubled.end(), relevant.begin(), relevant.end());
  EXPECT_EQ(ComputeStage(Rules(1, 1), doubled), engine.Report());
  EXPECT_EQ(engine.Report().republishers, 1u);
}

// A leave and a rejoin arriving late, dated between one author's republishes:
// only the republishes between them stop counting, and the author's first
// counted republish (hence raised_by) moves to the next one that counts.
TEST(StageEngine, BackdatedLeaveAndRejoinMoveTheAuthorsFirstCountedRepublish) {
  History h;
  for (std::uint64_t a = 2; a <= 4; ++a) h.Join(a, 100 + a);
  StageEvent share = h.Share(2, 200);
  h.Republish(4, 250, share);
  h.Republish(3, 300, share);
  h.Republish(3, 400, share);
  StageEvent counts = h.Republish(3, 500, share);
  const std::size_t on_time = h.events().size();
  h.Leave(3, 350);
  h.Join(3, 450);

  StageEngine engine(Rules(2, 3));
  for (std::size_t i = 0; i < on_time; ++i) engine.Add(h.events()[i]);
  EXPECT_EQ(engine.Report().stage, Stage::kPractice);
  EXPECT_EQ(engine.Report().raised_by, h.events()[on_time - 3].id);  // 3's republish at 300
  // Delivered in reverse: the rejoin first restands nothing visible (3 is
  // still a member there), the leave then uncounts 300's successor at 400.
  engine.Add(h.events()[on_time + 1]);
  engine.Add(h.events()[on_time]);
  EXPECT_EQ(engine.Report().raised_by, h.events()[on_time - 3].id);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(2, 3), h.events()));

  // A leave before all of them: only the republish after the rejoin counts.
  h.Leave(3, 280);
  EXPECT_TRUE(engine.Add(h.events().back()) || true);
  EXPECT_EQ(engine.Report().raised_by, counts.id);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(2, 3), h.events()));
}

TEST(StageEngine, GenesisAuthorLeavingAndRejoiningIsJudgedByPosition) {
  History h;
  h.Join(2, 100);
  StageEvent share = h.Share(2, 200);
  h.Leave(1, 250);
  StageEvent outside = h.Republish(1, 300, share, kOther);  // not a member: outside
  h.Join(1, 350);
  StageEvent counted = h.Republish(1, 400, share);
  StageReport r = Both(Rules(1, 1), h);
  EXPECT_EQ(r.republishers, 1u);
  EXPECT_EQ(r.outside_republishers, 1u);
  EXPECT_EQ(r.raised_by, counted.id);
  EXPECT_EQ(r.members, 2u);
  EXPECT_NE(outside.id, counted.id);

  // Every arrival order of these six gives the same report.
  std::vector<StageEvent> order = h.events();
  std::sort(order.begin(), order.end(),
            [](const StageEvent& a, const StageEvent& b) { return a.id < b.id; });
  do {
    StageEngine engine(Rules(1, 1));
    for (const StageEvent& e : order) engine.Insert(e);
    ASSERT_EQ(engine.Report(), r);
  } while (
      std::next_permutation(order.begin(), order.end(),
                            [](const StageEvent& a, const StageEvent& b) { return a.id < b.id; }));
}

// A fork proof in a member's group log that reaches back to their join takes
// the join away: their republish elsewhere becomes outside uptake.
TEST(StageEngine, FreezingAJoinMakesTheAuthorAnOutsiderAgain) {
  History h;
  h.Join(2, 100);
  StageEvent share = h.Share(2, 200);
  StageEvent join = h.Join(3, 250);
  StageEvent elsewhere = h.Republish(3, 300, share, kOther);

  StageEngine engine(Rules(1, 1));
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().republishers, 1u);
  EXPECT_EQ(engine.Report().members, 3u);
  engine.FreezeLog(Author(3), kGroup, join.seq);
  EXPECT_EQ(engine.Report().republishers, 0u);
  EXPECT_EQ(engine.Report().outside_republishers, 1u);
  EXPECT_EQ(engine.Report().members, 2u);
  EXPECT_TRUE(engine.Edges().empty());
  std::vector<StageEvent> kept;
  for (const StageEvent& e : h.events())
    if (e.id != join.id) kept.push_back(e);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(1, 1), kept));
  EXPECT_EQ(elsewhere.seq, 1u);
}

// A share's uptake is its first counted republish; when that one stops
// counting the uptake moves to the next, and the median with it.
TEST(StageEngine, UptakeMovesWhenTheFirstCountedRepublishStopsCounting) {
  History h;
  for (std::uint64_t a = 2; a <= 4; ++a) h.Join(a, 100 + a);
  StageEvent share = h.Share(2, 1000);
  h.Republish(3, 1100, share);  // uptake 100 ...
  h.Republish(4, 1900, share);  // ... until 3's leave below: then 900
  StageEngine engine(Rules());
  for (const StageEvent& e : h.events()) engine.Add(e);
  EXPECT_EQ(engine.Report().median_uptake_ms, 100u);
  engine.Add(h.Leave(3, 1050));
  EXPECT_EQ(engine.Report().median_uptake_ms, 900u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(), h.events()));
  engine.Add(h.Join(3, 1060));
  EXPECT_EQ(engine.Report().median_uptake_ms, 100u);
  EXPECT_EQ(engine.Report(), ComputeStage(Rules(), h.events()));
}

// ---------------------------------------------------------------------------
// Randomized: one history, many arrival orders.

std::uint64_t Draw64(std::mt19937& rng) {
  const std::uint64_t high = rng();  // two statements: argument order is unspecified
  return (high << 32) | rng();
}

std::uint64_t Uniform(std::mt19937& rng, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
}

// ~20 authors joining, leaving, sharing and republishing, into this group and
// others, with random ids and timestamps (ties included, to exercise the id
// tie-break). Seqs follow each log's canonical order, as validation ensures.
std::vector<StageEvent> RandomHistory(std::mt19937& rng, std::size_t n) {
  constexpr std::uint64_t kAuthors = 20;
  const Id groups[] = {kGroup, kOther, kThird};
  std::vector<StageEvent> events;
  std::vector<StageEvent> shares;  // originals available for republishing
  std::set<Id> ids;
  auto fresh_id = [&] {
    Id id;
    do {
      id = MakeId(Draw64(rng));
    } while (!ids.insert(id).second);
    return id;
  };
  auto created = [&] {
    // One event in ten shares its timestamp with an earlier one.
    if (!events.empty() && Uniform(rng, 0, 9) == 0) {
      return events[Uniform(rng, 0, events.size() - 1)].created;
    }
    return Uniform(rng, 1, 10000);
  };
  while (events.size() < n) {
    StageEvent e;
    e.id = fresh_id();
    e.author = Author(Uniform(rng, 1, kAuthors));
    e.group = kGroup;
    e.created = created();
    const std::uint64_t roll = Uniform(rng, 0, 99);
    if (roll < 16) {
      e.type = StageEvent::Type::kJoin;
    } else if (roll < 24) {
      e.type = StageEvent::Type::kLeave;
    } else if (roll < 28) {
      e.type = StageEvent::Type::kJoin;  // into another group: ignored
      e.group = groups[Uniform(rng, 1, 2)];
    } else if (roll < 46 || shares.empty()) {
      e.type = StageEvent::Type::kShare;
      // Mostly this group's shares; some elsewhere, as originals for noise.
      if (Uniform(rng, 0, 4) == 0) e.group = groups[Uniform(rng, 1, 2)];
      shares.push_back(e);
    } else {
      e.type = StageEvent::Type::kRepublish;
      const StageEvent& original = shares[Uniform(rng, 0, shares.size() - 1)];
      e.original = original.id;
      e.original_author = original.author;
      e.original_group = original.group;
      e.original_created = original.created;
      e.created = original.created + Uniform(rng, 0, 4000);
      // Outsiders (authors who rarely join) carry work elsewhere more often.
      if (Uniform(rng, 0, 9) < 4) e.group = groups[Uniform(rng, 1, 2)];
      if (Uniform(rng, 0, 3) == 0) e.author = Author(Uniform(rng, kAuthors + 1, kAuthors + 8));
    }
    events.push_back(e);
  }
  std::vector<StageEvent*> canonical;
  for (StageEvent& e : events) canonical.push_back(&e);
  std::sort(canonical.begin(), canonical.end(), [](const StageEvent* a, const StageEvent* b) {
    return std::pair(a->created, a->id) < std::pair(b->created, b->id);
  });
  std::map<std::pair<Id, Id>, std::uint64_t> seqs;
  for (StageEvent* e : canonical) e->seq = ++seqs[{e->author, e->group}];
  return events;
}

bool CanonicallyBefore(const StageEvent& a, const StageEvent& b) {
  return std::pair(a.created, a.id) < std::pair(b.created, b.id);
}

// Three shapes, by k % 3. 0: a full shuffle. 1: canonical with a fifth of the
// events held back and delivered late at random points (backdated inserts
// into a mostly in-order feed, the shape catch-up produces). 2: author by
// author, each author's events in canonical order, authors in random order,
// with one event in twenty delivered at the very end (the shape of a node
// fetching log after log; most events then arrive before canonically earlier
// ones of other authors). All repeat a few events to exercise dedup.
std::vector<StageEvent> ArrivalOrder(const std::vector<StageEvent>& events, int k,
                                     std::mt19937& rng) {
  std::vector<StageEvent> order = events;
  if (k % 3 == 0) {
    std::shuffle(order.begin(), order.end(), rng);
  } else if (k % 3 == 1) {
    std::sort(order.begin(), order.end(), CanonicallyBefore);
    std::vector<StageEvent> late;
    std::vector<StageEvent> on_time;
    for (const StageEvent& e : order) (Uniform(rng, 0, 4) == 0 ? late : on_time).push_back(e);
    order = std::move(on_time);
    for (const StageEvent& e : late) {
      order.insert(order.begin() + static_cast<std::ptrdiff_t>(Uniform(rng, 0, order.size())), e);
    }
  } else {
    std::map<Id, std::uint64_t> author_rank;
    for (const StageEvent& e : events) author_rank.try_emplace(e.author, Draw64(rng));
    std::sort(order.begin(), order.end(), [&](const StageEvent& a, const StageEvent& b) {
      const std::uint64_t ra = author_rank[a.author];
      const std::uint64_t rb = author_rank[b.author];
      return ra != rb ? ra < rb : CanonicallyBefore(a, b);
    });
    std::vector<StageEvent> late;
    std::vector<StageEvent> on_time;
    for (const StageEvent& e : order) (Uniform(rng, 0, 19) == 0 ? late : on_time).push_back(e);
    order = std::move(on_time);
    std::shuffle(late.begin(), late.end(), rng);
    order.insert(order.end(), late.begin(), late.end());
  }
  for (int i = 0; i < 10; ++i) {
    const StageEvent again = events[Uniform(rng, 0, events.size() - 1)];
    order.insert(order.begin() + static_cast<std::ptrdiff_t>(Uniform(rng, 0, order.size())), again);
  }
  return order;
}

TEST(StageEngine, AnyArrivalOrderGivesTheBatchReport) {
  std::mt19937 rng(20060101);
  const std::vector<StageEvent> events = RandomHistory(rng, 400);
  const GroupRules rules = Rules();
  const StageReport want = ComputeStage(rules, events);
  // The scenario must exercise both transitions and every figure, or agreement
  // would prove little.
  ASSERT_EQ(want.stage, Stage::kInfluence);
  ASSERT_GT(want.republishers, rules.min_republishers);
  ASSERT_GT(want.outside_republishers, rules.min_outside);
  ASSERT_GT(want.reciprocity, 0.0);
  ASSERT_GT(want.median_uptake_ms, 0u);
  ASSERT_GT(want.contributors, want.republishers / 2);
  ASSERT_GT(want.republisher_share, 0.0);

  std::vector<std::pair<Id, Id>> want_edges;
  {
    std::vector<StageEvent> sorted = events;
    std::sort(sorted.begin(), sorted.end(), CanonicallyBefore);
    StageEngine in_order(rules);
    for (const StageEvent& e : sorted) in_order.Add(e);
    ASSERT_EQ(in_order.Report(), want);
    want_edges = in_order.Edges();
    ASSERT_FALSE(want_edges.empty());
  }

  for (int k = 0; k < 50; ++k) {
    SCOPED_TRACE("order " + std::to_string(k));
    const std::vector<StageEvent> order = ArrivalOrder(events, k, rng);
    StageEngine engine(rules);
    std::vector<StageEvent> added;
    std::size_t backdated = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const StageEvent& e = order[i];
      const bool relevant = e.group == kGroup || e.original_group == kGroup;
      const bool duplicate = std::any_of(added.begin(), added.end(),
                                         [&](const StageEvent& a) { return a.id == e.id; });
      if (relevant && !duplicate && !added.empty() &&
          std::any_of(added.begin(), added.end(),
                      [&](const StageEvent& a) { return CanonicallyBefore(e, a); })) {
        ++backdated;
      }
      const Stage before = engine.Report().stage;
      const bool changed = engine.Add(e);
      ASSERT_EQ(changed, engine.Report().stage != before) << "at arrival " << i;
      if (!duplicate) added.push_back(e);
      // Intermediate states must match too, not just the final one.
      if (i % 23 == 0) {
        ASSERT_EQ(engine.Report(), ComputeStage(rules, added)) << "at arrival " << i;
      }
    }
    EXPECT_GT(backdated, 0u);
    ASSERT_EQ(engine.Report(), want);
    ASSERT_EQ(engine.Edges(), want_edges);
  }
}

// The ingest path inserts without asking for the report; a burst of
// backdated arrivals must still end in the batch answer.
TEST(StageEngine, InsertWithoutReportingAgreesOnceAsked) {
  std::mt19937 rng(424242);
  const std::vector<StageEvent> events = RandomHistory(rng, 400);
  const GroupRules rules = Rules();
  const StageReport want = ComputeStage(rules, events);
  for (int k = 0; k < 10; ++k) {
    SCOPED_TRACE("order " + std::to_string(k));
    StageEngine engine(rules);
    for (const StageEvent& e : ArrivalOrder(events, k, rng)) engine.Insert(e);
    EXPECT_EQ(engine.Report(), want);
    // Asking twice changes nothing.
    EXPECT_EQ(engine.Report(), want);
  }
}

TEST(StageEngine, FreezeLogAtAnyPointAgreesWithBatchOverWhatRemains) {
  std::mt19937 rng(7);
  const std::vector<StageEvent> events = RandomHistory(rng, 300);
  const GroupRules rules = Rules();

  for (int k = 0; k < 20; ++k) {
    SCOPED_TRACE("order " + std::to_string(k));
    // Freeze three logs that bear on the group, each from a seq inside it.
    struct Freeze {
      Id author, group;
      std::uint64_t from_seq;
      std::size_t at;  // arrival index after which the proof comes in
    };
    std::vector<Freeze> freezes;
    const std::vector<StageEvent> order = ArrivalOrder(events, k, rng);
    while (freezes.size() < 3) {
      const StageEvent& e = events[Uniform(rng, 0, events.size() - 1)];
      if (e.group != kGroup && e.original_group != kGroup) continue;
      freezes.push_back({e.author, e.group, Uniform(rng, 1, e.seq), Uniform(rng, 0, order.size())});
    }
    auto dropped = [&](const StageEvent& e, std::size_t upto) {
      for (const Freeze& f : freezes) {
        if (f.at <= upto && e.author == f.author && e.group == f.group && e.seq >= f.from_seq) {
          return true;
        }
      }
      return false;
    };

    StageEngine engine(rules);
    std::vector<StageEvent> added;
    for (std::size_t i = 0; i <= order.size(); ++i) {
      for (const Freeze& f : freezes) {
        if (f.at == i) {
          engine.FreezeLog(f.author, f.group, f.from_seq);
          std::vector<StageEvent> kept;
          for (const StageEvent& e : added) {
            if (!dropped(e, i)) kept.push_back(e);
          }
          ASSERT_EQ(engine.Report(), ComputeStage(rules, kept)) << "after freeze at " << i;
        }
      }
      if (i < order.size()) {
        engine.Add(order[i]);
        added.push_back(order[i]);
      }
    }
    std::vector<StageEvent> kept;
    for (const StageEvent& e : events) {
      if (!dropped(e, order.size())) kept.push_back(e);
    }
    ASSERT_EQ(engine.Report(), ComputeStage(rules, kept));
  }
}

// Report after every arrival, as the ingest path does, against the batch over
// what has arrived, under thresholds from 0 to 5 (the rank walk's cache sees
// the k-th first position move both ways).
TEST(StageEngine, EveryIntermediateReportAgreesUnderAnyThresholds) {
  std::mt19937 rng(99);
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::vector<StageEvent> events = RandomHistory(rng, 160);
    const GroupRules rules = Rules(static_cast<std::uint32_t>(Uniform(rng, 0, 5)),
                                   static_cast<std::uint32_t>(Uniform(rng, 0, 5)));
    std::vector<std::pair<Id, Id>> want_edges;
    {
      std::vector<StageEvent> sorted = events;
      std::sort(sorted.begin(), sorted.end(), CanonicallyBefore);
      StageEngine in_order(rules);
      for (const StageEvent& e : sorted) in_order.Insert(e);
      want_edges = in_order.Edges();
    }
    for (int k = 0; k < 6; ++k) {
      const std::vector<StageEvent> order = ArrivalOrder(events, k, rng);
      StageEngine engine(rules);
      std::vector<StageEvent> added;
      for (std::size_t i = 0; i < order.size(); ++i) {
        engine.Insert(order[i]);
        added.push_back(order[i]);
        ASSERT_EQ(engine.Report(), ComputeStage(rules, added)) << "order " << k << " at " << i;
      }
      ASSERT_EQ(engine.Edges(), want_edges) << "order " << k;
    }
  }
}

// A moved engine carries on where it was.
TEST(StageEngine, MovedEngineKeepsItsState) {
  std::mt19937 rng(5);
  const std::vector<StageEvent> events = RandomHistory(rng, 200);
  StageEngine engine(Rules());
  for (std::size_t i = 0; i < events.size() / 2; ++i) engine.Insert(events[i]);
  StageEngine moved = std::move(engine);
  for (std::size_t i = events.size() / 2; i < events.size(); ++i) moved.Insert(events[i]);
  EXPECT_EQ(moved.Report(), ComputeStage(Rules(), events));
}

}  // namespace
}  // namespace praxis::node
