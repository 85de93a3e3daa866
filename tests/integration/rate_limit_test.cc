// The per-author ingest rate (issue 7): a valid key posting far faster than
// the limit has its pushes deferred, not dropped for good: catch-up brings
// the rest, and the author's log arrives whole.
#include <gtest/gtest.h>

#include "testutil/authors.h"
#include "testutil/loopback_nodes.h"

namespace praxis::node {
namespace {

class RateLimitTest : public LoopbackTest {};

TEST_F(RateLimitTest, AFloodingAuthorIsDeferredToCatchUpAndItsLogArrivesWhole) {
  TestPeer& source = AddNode();
  NodeSpec limited;
  limited.options.gossip.author_rate = 20;
  limited.options.gossip.author_burst = 20;
  limited.options.gossip.sync_every = 300;  // anti-entropy often, so the test is quick
  limited.options.gossip.sync_quiet = 200;
  TestPeer& seed = AddNode(limited);
  Connect(seed, source);
  ASSERT_TRUE(RunUntil([&] { return source.peers->peer_count() == 1; }));

  testutil::TestAuthor flooder, other;
  auto g = flooder.Genesis("flood");
  std::vector<RawDelivery> batch{{g.envelope, ""}};
  std::vector<Id> ids{g.id};
  for (int i = 0; i < 400; ++i) {
    auto s = flooder.Share(g.id, "post " + std::to_string(i));
    batch.push_back({s.envelope, ""});
    ids.push_back(s.id);
  }
  auto og = other.Genesis("calm");
  batch.push_back({og.envelope, ""});
  for (const auto& o : source.peers->IngestLocal(batch)) ASSERT_TRUE(o.ok()) << o.reason;

  // The calm author's one announcement is not held up by the flood.
  ASSERT_TRUE(RunUntil([&] { return seed.node->ingestor().Held(og.id); }));
  ASSERT_TRUE(RunUntil([&] {
    return seed.peers->gossip().counters().rate_limited > 0;
  })) << "pushes sent " << source.peers->gossip().counters().pushes_sent << ", delivered "
      << seed.peers->gossip().counters().delivered << ", replies "
      << source.peers->gossip().counters().replies_sent;
  // Deferred, not lost: catch-up brings every one, and the log has no gap.
  ASSERT_TRUE(RunUntil([&] {
    for (const Id& id : ids)
      if (!seed.node->ingestor().Held(id)) return false;
    return true;
  }));
  auto head = seed.node->ingestor().Head(flooder.id(), g.id);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 401u);
  EXPECT_EQ(seed.peers->peer_count(), 1u) << "a fast author is not a bad peer";
}

}  // namespace
}  // namespace praxis::node
