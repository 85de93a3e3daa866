// A network split in two and healed (issue 8, partitions): 16 gossip engines
// on real RocksDB stores under a fake clock, in a sparse random topology.
// While split, each side goes on publishing, and one side raises a group to
// practice on its own. After the heal every node holds everything and every
// group reports the same stage everywhere.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>

#include "testutil/authors.h"
#include "testutil/gossip_net.h"

namespace praxis::node {
namespace {

using testutil::GossipNet;
using testutil::TestAuthor;

constexpr int kNodes = 16;

class PartitionTest : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  void SetUp() override { crypto::InitCrypto(); }

  static Stage StageAt(GossipNet& net, int i, const Id& group) {
    const GroupState* g = net.node(i).ingestor->Group(group);
    return g ? g->engine->Report().stage : Stage::kNetwork;
  }
};

TEST_P(PartitionTest, SixteenNodesSplitPublishOnBothSidesHealAndAgree) {
  GossipNet net(GetParam());
  GossipOptions opts;
  opts.active_target = 3;
  opts.shuffle_every = 5'000;
  for (int i = 0; i < kNodes; ++i) net.AddNode(opts);
  // Sparse and random: each node knows two others to start with.
  std::mt19937 rng(static_cast<std::uint32_t>(GetParam()));
  for (int i = 0; i < kNodes; ++i)
    for (int k = 0; k < 2; ++k) {
      int j = static_cast<int>(rng() % kNodes);
      if (j != i) net.Introduce(i, j);
    }
  net.RunUntil(net.now() + 30'000);

  // Groups everyone holds before the split; author k posts through node k.
  std::vector<TestAuthor> authors(kNodes);
  std::vector<Id> all;
  auto publish = [&](int i, const Announcement& a, const Announcement* original = nullptr) {
    net.Publish(i, a, original);
    all.push_back(a.id);
  };
  const Announcement circle = authors[0].Genesis("circle", false, /*min_republishers=*/2);
  const Announcement plain = authors[8].Genesis("plain");
  publish(0, circle);
  publish(8, plain);
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.AllHold(all); }, 60'000));

  // Split 0-7 | 8-15. Links across die by idle timeout; each side carries on.
  std::vector<int> side(kNodes);
  for (int i = 0; i < kNodes; ++i) side[i] = i < kNodes / 2 ? 0 : 1;
  net.Partition(side);
  std::vector<Id> left, right;
  for (int i = 0; i < kNodes; ++i) {
    const bool on_left = i < kNodes / 2;
    const Id& g = on_left ? circle.id : plain.id;
    std::vector<Id>& mine = on_left ? left : right;
    if (i != 0 && i != kNodes / 2) {  // the creators are members already
      Announcement j = authors[i].Join(g, 2'000 + i);
      publish(i, j);
      mine.push_back(j.id);
    }
    Announcement s = authors[i].Share(g, "work of " + std::to_string(i), 3'000 + i);
    publish(i, s);
    mine.push_back(s.id);
  }
  // Two members of "circle" republish a third's work: practice, on the left only.
  const Announcement work = authors[0].Share(circle.id, "the work", 4'000);
  publish(0, work);
  left.push_back(work.id);
  for (int i : {1, 2}) {
    Announcement r = authors[i].Republish(circle.id, work, 5'000 + i);
    publish(i, r, &work);
    left.push_back(r.id);
  }
  auto side_holds = [&](int from, int to, const std::vector<Id>& ids) {
    for (int i = from; i < to; ++i)
      for (const Id& id : ids)
        if (!net.Holds(i, id)) return false;
    return true;
  };
  ASSERT_TRUE(net.RunUntilTrue(
      [&] { return side_holds(0, kNodes / 2, left) && side_holds(kNodes / 2, kNodes, right); },
      120'000));
  // The split held: nothing crossed.
  for (int i = kNodes / 2; i < kNodes; ++i) {
    EXPECT_FALSE(net.Holds(i, work.id)) << "node " << i << " is on the other side";
    EXPECT_EQ(StageAt(net, i, circle.id), Stage::kNetwork);
  }
  for (int i = 0; i < kNodes / 2; ++i) {
    EXPECT_FALSE(net.Holds(i, right.front())) << "node " << i;
    EXPECT_EQ(StageAt(net, i, circle.id), Stage::kPractice) << "node " << i;
  }
  // The sides lost each other: idle timeouts closed every link across.
  ASSERT_TRUE(net.RunUntilTrue(
      [&] {
        for (const auto& e : net.Edges())
          if (net.Cut(e.a, e.b)) return false;
        return true;
      },
      120'000));

  net.Heal();
  const Millis healed = net.now();
  ASSERT_TRUE(net.RunUntilTrue([&] { return net.AllHold(all); }, 10 * 60'000))
      << "the network did not converge within ten minutes of the heal";
  std::printf("seed %llu: %zu announcements everywhere %.1f s (simulated) after the heal\n",
              static_cast<unsigned long long>(GetParam()), all.size(),
              static_cast<double>(net.now() - healed) / 1000);
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(StageAt(net, i, circle.id), Stage::kPractice) << "node " << i;
    EXPECT_EQ(StageAt(net, i, plain.id), Stage::kNetwork) << "node " << i;
    EXPECT_EQ(net.node(i).ingestor->Group(circle.id)->engine->Report(),
              net.node(0).ingestor->Group(circle.id)->engine->Report())
        << "node " << i << " reports the circle differently";
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, PartitionTest, ::testing::Values(8, 21, 34));

}  // namespace
}  // namespace praxis::node
