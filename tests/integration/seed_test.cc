// A seed keeps open groups' content by its policy (issue 7), so members
// who can only dial out reach each other's files through it: here the
// sharer and the fetcher are linked only to the seed, the sharer leaves, and
// the file still arrives. The seed is not a member of the group: sharers
// serve it because it said it is a seed.
#include <gtest/gtest.h>

#include "praxis/node/access.h"
#include "praxis/node/holdings.h"
#include "praxis/node/keeper.h"
#include "testutil/authors.h"
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

// A sham circle: fresh keys join an empty open group and republish each
// other until it is raised to practice. Its catalogue is public now, but a
// seed keeps it only once the group is as old as any other group must be,
// counted from when the seed first saw it (the genesis' own date is the
// author's to choose).
TEST_F(SeedTest, AShamCircleOfFreshKeysWaitsOutTheMinimumAge) {
  TestPeer& sham = AddNode();
  TestPeer& seed = AddSeed();
  Connect(sham, seed);
  wire::Genesis genesis;
  genesis.set_name("instant circle");
  genesis.set_publish_on_practice(true);
  auto created = Publish(sham, {.kind = wire::KIND_GENESIS, .body = SerializeBody(genesis)});
  ASSERT_TRUE(created);
  const Id group = created->id;
  auto dump = ShareContent(sham, group, std::string(300 * 1024, 'd'), "dump");
  ASSERT_TRUE(dump);
  std::vector<testutil::TestAuthor> fresh(3);
  std::vector<RawDelivery> batch;
  const std::uint64_t t = dump->share.created + 1;  // after the genesis and the share
  for (auto& k : fresh) batch.push_back({k.Join(group, t).envelope, ""});
  for (auto& k : fresh)
    batch.push_back({k.Republish(group, dump->share, t + 1).envelope, dump->share.envelope});
  for (const auto& o : sham.peers->IngestLocal(batch)) ASSERT_TRUE(o.ok()) << o.reason;
  ASSERT_TRUE(RunUntil([&] {
    const GroupState* g = seed.node->ingestor().Group(group);
    return g && PublishesToAll(*g);
  })) << "raised to practice on the seed";

  Keeper keeper(*seed.node, *seed.peers, std::chrono::milliseconds(200));
  const std::uint64_t min_age_ms = 1500;
  keeper.set_seed_policy({.min_members = 1, .min_age_ms = min_age_ms});
  const auto started = std::chrono::steady_clock::now();
  keeper.Start();
  EXPECT_EQ(keeper.seed_groups_kept(), 0u) << "a circle the seed has just seen is not kept";
  ASSERT_TRUE(RunUntil([&] { return Holds(seed, dump->root); }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(min_age_ms));
  EXPECT_EQ(keeper.seed_groups_kept(), 1u);
  keeper.Stop();
}

}  // namespace
}  // namespace praxis::node
