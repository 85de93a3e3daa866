// AuthorBuckets: the per-author token bucket behind the ingest rate limit.
#include "praxis/node/rate_limiter.h"

#include <gtest/gtest.h>

namespace praxis::node {
namespace {

Id Key(std::uint8_t b) {
  Id id;
  id.bytes.fill(b);
  return id;
}

TEST(AuthorBuckets, ABurstThenTheRate) {
  AuthorBuckets b(10, 5);
  int taken = 0;
  for (int i = 0; i < 20; ++i) taken += b.Take(Key(1), 1000);
  EXPECT_EQ(taken, 5) << "the burst, at one instant";
  EXPECT_FALSE(b.Take(Key(1), 1050)) << "half a token after 50 ms";
  EXPECT_TRUE(b.Take(Key(1), 1100)) << "one token after 100 ms at 10/s";
  EXPECT_TRUE(b.Take(Key(2), 1100)) << "another author has its own bucket";
}

TEST(AuthorBuckets, ChargedRepliesPutTheBucketInDebt) {
  AuthorBuckets b(10, 5);
  for (int i = 0; i < 10; ++i) b.Charge(Key(1), 0);  // 5 - 10 = -5 (the floor)
  EXPECT_FALSE(b.Take(Key(1), 500)) << "debt of 5, 5 tokens back: 0";
  EXPECT_TRUE(b.Take(Key(1), 600));
}

TEST(AuthorBuckets, DisabledTakesEverythingAndTheTableStaysBounded) {
  AuthorBuckets off(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.Take(Key(1), 0));
  AuthorBuckets b(1, 1, /*max_keys=*/8);
  for (int i = 0; i < 100; ++i) b.Take(Key(static_cast<std::uint8_t>(i)), 0);
  EXPECT_LE(b.size(), 8u);
}

}  // namespace
}  // namespace praxis::node
