#include "praxis/net/frame_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace praxis::net {
namespace {

// Two codecs facing each other, keyed directly (the handshake is tested on its own).
struct Pair {
  FrameCodec a, b;
};
Pair MakePair(std::size_t max_frame = kMaxFrameBytes) {
  std::array<std::uint8_t, kNoiseKeySize> k1{}, k2{};
  k1.fill(1);
  k2.fill(2);
  CipherState a_send, a_recv, b_send, b_recv;
  a_send.InitializeKey(k1);
  b_recv.InitializeKey(k1);
  b_send.InitializeKey(k2);
  a_recv.InitializeKey(k2);
  return {FrameCodec(NoiseTransport(a_send, a_recv), max_frame),
          FrameCodec(NoiseTransport(b_send, b_recv), max_frame)};
}

std::string Bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(FrameCodec, FramesArriveWholeAndInOrderWhateverTheReadSizes) {
  crypto::InitCrypto();
  Pair p = MakePair();
  std::vector<std::string> frames = {"",
                                     "x",
                                     Bytes(1000, 1),
                                     Bytes(kNoiseMaxPlaintext - 1, 2),
                                     Bytes(kNoiseMaxPlaintext, 3),
                                     Bytes(300 * 1024, 4)};
  std::string wire;
  for (const auto& f : frames) wire += *p.a.Encode(f);
  // Feed in pieces of every awkward size: 1 byte, 3 bytes, then big gulps.
  std::mt19937 rng(7);
  std::size_t off = 0;
  while (off < wire.size()) {
    std::size_t n = std::min<std::size_t>(wire.size() - off, 1 + rng() % 5000);
    ASSERT_TRUE(p.b.Feed(std::string_view(wire).substr(off, n)).ok());
    off += n;
  }
  for (const auto& f : frames) {
    auto got = p.b.Next();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, f);
  }
  EXPECT_FALSE(p.b.Next());
  EXPECT_EQ(p.b.buffered(), 0u);
}

TEST(FrameCodec, TruncatedInputWaitsWithoutAFrame) {
  crypto::InitCrypto();
  Pair p = MakePair();
  std::string wire = *p.a.Encode("hello");
  ASSERT_TRUE(p.b.Feed(std::string_view(wire).substr(0, wire.size() - 1)).ok());
  EXPECT_FALSE(p.b.Next());
  ASSERT_TRUE(p.b.Feed(std::string_view(wire).substr(wire.size() - 1)).ok());
  EXPECT_EQ(*p.b.Next(), "hello");
}

TEST(FrameCodec, TamperedBytesAreAFinalProtocolError) {
  crypto::InitCrypto();
  Pair p = MakePair();
  std::string wire = *p.a.Encode("payload");
  wire[5] ^= 0x40;
  Status s = p.b.Feed(wire);
  EXPECT_EQ(s.code(), Code::kProtocol);
  EXPECT_FALSE(p.b.Next());
  // The session is over: even a good message later is refused.
  EXPECT_EQ(p.b.Feed(*p.a.Encode("next")).code(), Code::kProtocol);
}

TEST(FrameCodec, ReplayedMessageIsRefused) {
  crypto::InitCrypto();
  Pair p = MakePair();
  std::string wire = *p.a.Encode("once");
  ASSERT_TRUE(p.b.Feed(wire).ok());
  EXPECT_EQ(p.b.Feed(wire).code(), Code::kProtocol);
}

TEST(FrameCodec, OversizeFramesAreRefusedOnBothSides) {
  crypto::InitCrypto();
  Pair small = MakePair(/*max_frame=*/100 * 1024);
  EXPECT_EQ(small.a.Encode(Bytes(100 * 1024 + 1, 5)).error().code(), Code::kInvalidArgument);
  // A peer with a larger cap sends what we refuse: cut off while reassembling.
  Pair big = MakePair(/*max_frame=*/kMaxFrameBytes);
  std::string wire = *big.a.Encode(Bytes(200 * 1024, 6));
  std::array<std::uint8_t, kNoiseKeySize> k1{};
  k1.fill(1);
  CipherState recv, unused;
  recv.InitializeKey(k1);
  FrameCodec strict(NoiseTransport(unused, recv), 100 * 1024);
  EXPECT_EQ(strict.Feed(wire).code(), Code::kProtocol);
  EXPECT_LE(strict.buffered(), 0u);  // nothing held on to after the error
}

TEST(FrameCodec, JunkFromAPeerIsAProtocolErrorNeverACrash) {
  crypto::InitCrypto();
  std::mt19937 rng(99);
  for (int i = 0; i < 200; ++i) {
    Pair p = MakePair();
    std::string junk = Bytes(rng() % 300, static_cast<unsigned>(i));
    Status s = p.b.Feed(junk);
    EXPECT_TRUE(s.ok() || s.code() == Code::kProtocol);
    EXPECT_FALSE(p.b.Next());
  }
}

}  // namespace
}  // namespace praxis::net
