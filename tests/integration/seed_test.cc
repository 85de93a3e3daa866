// A seed keeps open groups' content by its policy (issue 7), so members
// who can only dial out reach each other's files through it: here the
// sharer and the fetcher are linked only to the seed, the sharer leaves, and
// the file still arrives. The seed is not a member of the group: sharers
// serve it because it said it is a seed.
#include <gtest/gtest.h>

#include "praxis/node/access.h"
#include "praxis/node/holdings.h"
#include "praxis/node/keeper.h"
#include "testutil/content.h"
#include "testutil/loopback_nodes.h"

namespace praxis::node {
namespace {

class SeedTest : public LoopbackTest {
 protected:
  TestPeer& AddSeed() {
    NodeSpec spec;
    spec.options.gossip.seed = true;
    return AddNode(spec);
  }
  void Join(TestPeer& p, const Id& group) {
    ASSERT_TRUE(RunUntil([&] { return p.node->ingestor().Group(group) != nullptr; }));
    auto j = Publish(p, {.kind = wire::KIND_JOIN, .group = group});
    ASSERT_TRUE(j) << j.error().ToString();
  }
  static bool Holds(TestPeer& p, const Id& root) {
    auto held = ResourceHeld(*p.store, root);
    return held && *held;
  }
};

TEST_F(SeedTest, KeepsOpenGroupsByPolicyWithinAPerGroupCapAndServesMembersBehindIt) {
  TestPeer& sharer = AddNode();
  TestPeer& seed = AddSeed();
  TestPeer& fetcher = AddNode();
  Connect(sharer, seed);
  Connect(fetcher, seed);

  const Id lively = CreateGroup(sharer, "lively");
  Join(fetcher, lively);
  const Id lonely = CreateGroup(sharer, "lonely");  // one member: below the policy
  const std::string a(700 * 1024, 'a'), b(700 * 1024, 'b'), c(300 * 1024, 'c');
  auto sa = ShareContent(sharer, lively, a, "a");
  auto sb = ShareContent(sharer, lively, b, "b");
  auto sc = ShareContent(sharer, lonely, c, "c");
  ASSERT_TRUE(sa && sb && sc);
  ASSERT_TRUE(RunUntil([&] {
    return seed.node->ingestor().Held(sb->share.id) && seed.node->ingestor().Held(sc->share.id);
  }));

  Keeper keeper(*seed.node, *seed.peers);
  keeper.set_seed_policy({.min_members = 2, .min_age_ms = 0, .group_quota = 1 << 20});
  keeper.Start();
  // One of the two 700 KiB files fits the 1 MiB cap of "lively"; nothing of
  // "lonely" is kept.
  ASSERT_TRUE(RunUntil([&] { return Holds(seed, sa->root) || Holds(seed, sb->root); }));
  EXPECT_EQ(keeper.seed_groups_kept(), 1u);
  EXPECT_EQ(keeper.seed_groups_at_cap(), 1u);
  EXPECT_FALSE(Holds(seed, sa->root) && Holds(seed, sb->root)) << "the per-group cap held";
  EXPECT_FALSE(Holds(seed, sc->root)) << "a one-member group is below the policy";
  // Served only because it said it is a seed: it is no member of "lively".
  EXPECT_FALSE(MayFetch(sharer.node->ingestor(), *sharer.store, seed.node->member(), sa->root));
  EXPECT_TRUE(MayFetch(sharer.node->ingestor(), *sharer.store, seed.node->member(), sa->root,
                       /*seed=*/true));
  const auto& kept = Holds(seed, sa->root) ? *sa : *sb;
  const std::string& kept_bytes = Holds(seed, sa->root) ? a : b;

  // The sharer goes away: its group-mate still gets the file, from the seed.
  sharer.peers->Close();
  ASSERT_TRUE(RunUntil([&] { return fetcher.peers->peer_count() == 1; }));
  ASSERT_TRUE(fetcher.peers->Fetch(kept.root).ok());
  ASSERT_TRUE(RunUntil([&] { return Holds(fetcher, kept.root); }));
  auto got = testutil::ReadResource(*fetcher.store, kept.root);
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got == kept_bytes);
  keeper.Stop();
}

TEST_F(SeedTest, AnAllowListReplacesTheMembersAndAgeRule) {
  TestPeer& sharer = AddNode();
  TestPeer& seed = AddSeed();
  Connect(sharer, seed);
  const Id listed = CreateGroup(sharer, "listed");
  const Id other = CreateGroup(sharer, "other");
  auto sl = ShareContent(sharer, listed, std::string(200 * 1024, 'l'), "l");
  auto so = ShareContent(sharer, other, std::string(200 * 1024, 'o'), "o");
  ASSERT_TRUE(sl && so);
  ASSERT_TRUE(RunUntil([&] { return seed.node->ingestor().Held(so->share.id); }));

  Keeper keeper(*seed.node, *seed.peers);
  // A huge age and member floor would keep nothing; the allow-list wins.
  keeper.set_seed_policy({.min_members = 100, .min_age_ms = 1ull << 40, .groups = {listed}});
  keeper.Start();
  ASSERT_TRUE(RunUntil([&] { return Holds(seed, sl->root); }));
  EXPECT_EQ(keeper.seed_groups_kept(), 1u);
  EXPECT_FALSE(Holds(seed, so->root));
  keeper.Stop();
}

}  // namespace
}  // namespace praxis::node
