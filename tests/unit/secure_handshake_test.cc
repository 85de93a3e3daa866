#include "praxis/net/secure_handshake.h"

#include <gtest/gtest.h>

namespace praxis::net {
namespace {

HandshakeOptions Options(std::uint8_t network, std::uint64_t clock) {
  HandshakeOptions o;
  o.network_key.fill(network);
  o.features = 0x5;
  o.clock_ms = clock;
  return o;
}

// Runs both sides to the end; returns the first error, if any.
Status RunHandshake(SecureHandshake& a, SecureHandshake& b) {
  auto m1 = a.Start();
  if (!m1) return m1.error();
  auto m2 = b.OnMessage(*m1);
  if (!m2) return m2.error();
  auto m3 = a.OnMessage(**m2);
  if (!m3) return m3.error();
  auto end = b.OnMessage(**m3);
  if (!end) return end.error();
  EXPECT_FALSE(end->has_value());
  return Status::OK();
}

class SecureHandshakeTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
  crypto::KeyPair alice_ = crypto::KeyPair::Generate();
  crypto::KeyPair bob_ = crypto::KeyPair::Generate();
};

TEST_F(SecureHandshakeTest, PeersLearnEachOthersIdentityAndShareATransport) {
  SecureHandshake a(NoiseRole::kInitiator, alice_, Options(7, 1000));
  SecureHandshake b(NoiseRole::kResponder, bob_, Options(7, 2000));
  ASSERT_TRUE(RunHandshake(a, b).ok());
  ASSERT_TRUE(a.Complete() && b.Complete());
  EXPECT_EQ(a.peer().member, bob_.public_key());
  EXPECT_EQ(b.peer().member, alice_.public_key());
  EXPECT_EQ(a.peer().clock_ms, 2000u);
  EXPECT_EQ(b.peer().clock_ms, 1000u);
  EXPECT_EQ(b.peer().features, 0x5u);
  auto ta = a.Split();
  auto tb = b.Split();
  ASSERT_TRUE(ta && tb);
  EXPECT_EQ(*tb->Decrypt(*ta->Encrypt("hello bob")), "hello bob");
  EXPECT_EQ(*ta->Decrypt(*tb->Encrypt("hello alice")), "hello alice");
}

TEST_F(SecureHandshakeTest, AnotherNetworkKeyFailsBeforeTheResponderSaysAnything) {
  SecureHandshake a(NoiseRole::kInitiator, alice_, Options(7, 0));
  SecureHandshake b(NoiseRole::kResponder, bob_, Options(8, 0));
  auto m1 = a.Start();
  ASSERT_TRUE(m1);
  auto m2 = b.OnMessage(*m1);
  ASSERT_FALSE(m2);  // no message 2: the prober learns nothing about bob
  EXPECT_EQ(m2.error().code(), Code::kProtocol);
  EXPECT_FALSE(b.Complete());
}

TEST_F(SecureHandshakeTest, ConnectingToOurselvesIsRefused) {
  SecureHandshake a(NoiseRole::kInitiator, alice_, Options(7, 0));
  SecureHandshake b(NoiseRole::kResponder, alice_, Options(7, 0));
  Status s = RunHandshake(a, b);
  EXPECT_EQ(s.code(), Code::kProtocol);
  EXPECT_NE(s.message().find("ourselves"), std::string::npos) << s.message();
}

TEST_F(SecureHandshakeTest, TamperedMessagesFailCleanly) {
  for (int which = 1; which <= 3; ++which) {
    SecureHandshake a(NoiseRole::kInitiator, alice_, Options(7, 0));
    SecureHandshake b(NoiseRole::kResponder, bob_, Options(7, 0));
    std::string m1 = *a.Start();
    if (which == 1) m1[m1.size() / 2] ^= 1;
    auto m2 = b.OnMessage(m1);
    if (which == 1) {
      EXPECT_FALSE(m2);
      continue;
    }
    std::string r2 = **m2;
    if (which == 2) r2[r2.size() - 1] ^= 1;
    auto m3 = a.OnMessage(r2);
    if (which == 2) {
      EXPECT_FALSE(m3);
      continue;
    }
    std::string r3 = **m3;
    r3[40] ^= 1;
    EXPECT_FALSE(b.OnMessage(r3));
    EXPECT_FALSE(b.Complete());
  }
}

TEST_F(SecureHandshakeTest, SecondStartAndResponderStartAreRefused) {
  SecureHandshake a(NoiseRole::kInitiator, alice_, Options(7, 0));
  ASSERT_TRUE(a.Start());
  EXPECT_FALSE(a.Start());
  SecureHandshake b(NoiseRole::kResponder, bob_, Options(7, 0));
  EXPECT_FALSE(b.Start());
}

}  // namespace
}  // namespace praxis::net
