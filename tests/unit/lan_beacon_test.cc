// The LAN beacon's sans-I/O half. Sends nothing: the Asio half runs only
// inside network namespaces (tests/netns/).
#include "praxis/net/lan_beacon.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <asio/io_context.hpp>
#include <limits>
#include <random>

#include "praxis/crypto/crypto.h"
#include "praxis/net/secure_handshake.h"

namespace praxis::net {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'000;  // some wall time in ms

NoisePsk Key(std::uint8_t fill) {
  NoisePsk k;
  k.fill(fill);
  return k;
}

BeaconNonce Nonce(std::uint8_t fill) {
  BeaconNonce n;
  n.fill(fill);
  return n;
}

Beacon MakeBeacon(std::string_view who = "alice", std::uint64_t sent = kNow) {
  return {.member = crypto::Blake2b256(who),
          .listen_port = 7421,
          .protocol_version = kProtocolVersion,
          .sent_at_ms = sent};
}

class LanBeaconTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
};

TEST_F(LanBeaconTest, RoundTrips) {
  const Beacon b = MakeBeacon();
  const std::string sealed = SealBeacon(Key(1), b, Nonce(9));
  ASSERT_EQ(sealed.size(), kBeaconSize);
  EXPECT_EQ(sealed.substr(0, 5), std::string("pxlb\x01", 5));
  auto opened = OpenBeacon(Key(1), sealed, kNow);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, b);
}

TEST_F(LanBeaconTest, ExtremeFieldValuesRoundTrip) {
  Beacon b = MakeBeacon();
  b.listen_port = 65535;
  b.sent_at_ms = std::numeric_limits<std::uint64_t>::max();
  auto opened = OpenBeacon(Key(1), SealBeacon(Key(1), b, Nonce(0)), b.sent_at_ms);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, b);
}

TEST_F(LanBeaconTest, HidesTheMemberAndVariesWithTheNonce) {
  const Beacon b = MakeBeacon();
  const std::string s1 = SealBeacon(Key(1), b, Nonce(1));
  const std::string s2 = SealBeacon(Key(1), b, Nonce(2));
  EXPECT_NE(s1, s2);
  EXPECT_EQ(s1.find(b.member.View()), std::string::npos);
}

TEST_F(LanBeaconTest, AnotherNetworkKeyCanNeitherReadNorForge) {
  const std::string sealed = SealBeacon(Key(1), MakeBeacon(), Nonce(3));
  auto opened = OpenBeacon(Key(2), sealed, kNow);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kProtocol);
  EXPECT_FALSE(OpenBeacon(Key(1), SealBeacon(Key(2), MakeBeacon(), Nonce(3)), kNow));
}

TEST_F(LanBeaconTest, IsNotSealedUnderTheNetworkKeyItself) {
  // Domain separation: the beacon key is derived, so the raw network key
  // (the handshake's PSK) does not open a beacon.
  const NoisePsk key = Key(5);
  const std::string sealed = SealBeacon(key, MakeBeacon(), Nonce(4));
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::array<unsigned char, kBeaconPlaintextSize> plain{};
  unsigned long long len = 0;
  EXPECT_NE(
      crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, in + 29,
                                                 sealed.size() - 29, in, 5, in + 5, key.data()),
      0);
}

TEST_F(LanBeaconTest, EveryFlippedBitIsRefused) {
  const std::string sealed = SealBeacon(Key(1), MakeBeacon(), Nonce(5));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = sealed;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      auto opened = OpenBeacon(Key(1), t, kNow);
      ASSERT_FALSE(opened) << "byte " << i << " bit " << bit;
      EXPECT_EQ(opened.error().code(), Code::kProtocol);
    }
  }
}

TEST_F(LanBeaconTest, TruncatedOrExtendedIsRefused) {
  const std::string sealed = SealBeacon(Key(1), MakeBeacon(), Nonce(6));
  for (std::size_t n = 0; n < sealed.size(); ++n)
    EXPECT_FALSE(OpenBeacon(Key(1), std::string_view(sealed).substr(0, n), kNow)) << n;
  EXPECT_FALSE(OpenBeacon(Key(1), sealed + '\0', kNow));
  EXPECT_FALSE(OpenBeacon(Key(1), sealed + sealed, kNow));
}

TEST_F(LanBeaconTest, AnotherFormatVersionIsRefusedBeforeTheMac) {
  std::string sealed = SealBeacon(Key(1), MakeBeacon(), Nonce(7));
  sealed[4] = 2;
  auto opened = OpenBeacon(Key(1), sealed, kNow);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message().find("format version 2"), std::string::npos)
      << opened.error().message();
}

TEST_F(LanBeaconTest, FreshnessWindowIsExactEitherWay) {
  const std::string sealed = SealBeacon(Key(1), MakeBeacon("alice", kNow), Nonce(8));
  EXPECT_TRUE(OpenBeacon(Key(1), sealed, kNow + kBeaconMaxAgeMs));
  auto stale = OpenBeacon(Key(1), sealed, kNow + kBeaconMaxAgeMs + 1);
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().message().find("stale"), std::string::npos);

  EXPECT_TRUE(OpenBeacon(Key(1), sealed, kNow - kBeaconMaxAheadMs));
  auto future = OpenBeacon(Key(1), sealed, kNow - kBeaconMaxAheadMs - 1);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message().find("future"), std::string::npos);
}

TEST_F(LanBeaconTest, ClockExtremesNeitherOverflowNorPass) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_FALSE(OpenBeacon(Key(1), SealBeacon(Key(1), MakeBeacon("a", 0), Nonce(1)), kMax));
  EXPECT_FALSE(OpenBeacon(Key(1), SealBeacon(Key(1), MakeBeacon("a", kMax), Nonce(1)), 0));
  EXPECT_TRUE(OpenBeacon(Key(1), SealBeacon(Key(1), MakeBeacon("a", 0), Nonce(1)), 0));
}

TEST_F(LanBeaconTest, SealedButUnusableFieldsAreRefused) {
  Beacon other_version = MakeBeacon();
  other_version.protocol_version = kProtocolVersion + 1;
  Beacon port_zero = MakeBeacon();
  port_zero.listen_port = 0;
  Beacon zero_member = MakeBeacon();
  zero_member.member = Id{};
  for (const Beacon& b : {other_version, port_zero, zero_member}) {
    auto opened = OpenBeacon(Key(1), SealBeacon(Key(1), b, Nonce(2)), kNow);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code(), Code::kProtocol);
  }
}

TEST_F(LanBeaconTest, GarbageOfEveryLengthIsRefused) {
  std::mt19937 rng(42);
  const std::string prefix("pxlb\x01", 5);
  for (std::size_t n = 0; n <= 200; ++n) {
    for (int round = 0; round < 20; ++round) {
      std::string g(n, '\0');
      for (auto& c : g) c = static_cast<char>(rng());
      // Half the rounds carry a valid header, to reach the MAC check.
      if (round % 2 == 1) g.replace(0, std::min(n, prefix.size()), prefix, 0, n);
      EXPECT_FALSE(OpenBeacon(Key(1), g, kNow)) << "length " << n;
      BeaconReceiver rx(Key(1), crypto::Blake2b256("me"));
      EXPECT_FALSE(rx.OnDatagram(g, asio::ip::make_address("10.0.0.1"), kNow));
      EXPECT_EQ(rx.tracked(), 0u);
    }
  }
}

TEST_F(LanBeaconTest, StartRefusesAnUnusableConfigurationBeforeOpeningASocket) {
  asio::io_context io;
  LanBeacon no_port(io.get_executor(), Key(1), crypto::Blake2b256("me"), 0, {});
  EXPECT_EQ(no_port.Start().code(), Code::kInvalidArgument);
  LanBeacon no_interval(io.get_executor(), Key(1), crypto::Blake2b256("me"), 7421, {},
                        {.interval = std::chrono::milliseconds(0)});
  EXPECT_EQ(no_interval.Start().code(), Code::kInvalidArgument);
  EXPECT_FALSE(no_port.running());
  EXPECT_FALSE(no_interval.running());
  EXPECT_EQ(io.poll(), 0u);  // nothing was queued: no socket, no timer
}

// ------------------------------------------------------------ BeaconReceiver

class BeaconReceiverTest : public LanBeaconTest {
 protected:
  std::string From(std::string_view who, std::uint64_t sent = kNow, std::uint16_t port = 7421) {
    Beacon b = MakeBeacon(who, sent);
    b.listen_port = port;
    return SealBeacon(Key(1), b, Nonce(static_cast<std::uint8_t>(++nonce_)));
  }
  const asio::ip::address lan_ = asio::ip::make_address("192.168.1.20");
  const Id me_ = crypto::Blake2b256("me");
  int nonce_ = 0;
};

TEST_F(BeaconReceiverTest, ReportsTheSendersAddressWithTheAdvertisedPort) {
  BeaconReceiver rx(Key(1), me_);
  auto ev = rx.OnDatagram(From("alice", kNow, 4001), lan_, kNow);
  ASSERT_TRUE(ev) << ev.error().ToString();
  EXPECT_EQ(ev->verdict, BeaconVerdict::kReport);
  EXPECT_EQ(ev->sighting.member, crypto::Blake2b256("alice"));
  EXPECT_EQ(ev->sighting.endpoint, asio::ip::tcp::endpoint(lan_, 4001));
}

TEST_F(BeaconReceiverTest, IgnoresItsOwnBeacon) {
  BeaconReceiver rx(Key(1), me_);
  auto ev = rx.OnDatagram(From("me"), lan_, kNow);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->verdict, BeaconVerdict::kOwn);
  EXPECT_EQ(rx.tracked(), 0u);
}

TEST_F(BeaconReceiverTest, RefusesAnotherNetworksBeacon) {
  BeaconReceiver rx(Key(2), me_);
  EXPECT_FALSE(rx.OnDatagram(From("alice"), lan_, kNow));
}

TEST_F(BeaconReceiverTest, ReportsEachMemberOncePerInterval) {
  BeaconReceiver rx(Key(1), me_, {.report_every_ms = 60'000});
  EXPECT_EQ(rx.OnDatagram(From("alice"), lan_, kNow)->verdict, BeaconVerdict::kReport);
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow + 10'000), lan_, kNow + 10'000)->verdict,
            BeaconVerdict::kReportedRecently);
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow + 59'999), lan_, kNow + 59'999)->verdict,
            BeaconVerdict::kReportedRecently);
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow + 60'000), lan_, kNow + 60'000)->verdict,
            BeaconVerdict::kReport);
  // Another member is its own entry.
  EXPECT_EQ(rx.OnDatagram(From("bob", kNow + 60'001), lan_, kNow + 60'001)->verdict,
            BeaconVerdict::kReport);
}

TEST_F(BeaconReceiverTest, AReplayFromElsewhereDoesNotMuteTheRealSender) {
  BeaconReceiver rx(Key(1), me_);
  const std::string beacon = From("alice");
  EXPECT_EQ(rx.OnDatagram(beacon, asio::ip::make_address("192.168.1.66"), kNow)->verdict,
            BeaconVerdict::kReport);
  EXPECT_EQ(rx.OnDatagram(beacon, lan_, kNow + 1)->verdict, BeaconVerdict::kReport);
  // A new listen port is news as well.
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow, 9999), lan_, kNow + 2)->verdict,
            BeaconVerdict::kReport);
}

TEST_F(BeaconReceiverTest, AClockThatWentBackDoesNotMuteAMember) {
  BeaconReceiver rx(Key(1), me_);
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow), lan_, kNow)->verdict, BeaconVerdict::kReport);
  EXPECT_EQ(rx.OnDatagram(From("alice", kNow - 3'600'000), lan_, kNow - 3'600'000)->verdict,
            BeaconVerdict::kReport);
}

TEST_F(BeaconReceiverTest, V4MappedSenderIsReportedAsPlainIpv4) {
  BeaconReceiver rx(Key(1), me_);
  auto ev = rx.OnDatagram(From("alice"), asio::ip::make_address("::ffff:192.168.1.20"), kNow);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->sighting.endpoint.address().is_v4());
  EXPECT_EQ(ev->sighting.endpoint.address(), lan_);
}

TEST_F(BeaconReceiverTest, TableStaysBoundedAndNewMembersAreStillFound) {
  BeaconReceiver rx(Key(1), me_, {.report_every_ms = 60'000, .max_tracked = 4});
  for (int i = 0; i < 50; ++i) {
    const std::uint64_t t = kNow + static_cast<std::uint64_t>(i);
    auto ev = rx.OnDatagram(From("m" + std::to_string(i), t), lan_, t);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->verdict, BeaconVerdict::kReport) << i;
    EXPECT_LE(rx.tracked(), 4u);
  }
  // The most recent are still rate-limited.
  EXPECT_EQ(rx.OnDatagram(From("m49", kNow + 60), lan_, kNow + 60)->verdict,
            BeaconVerdict::kReportedRecently);
}

}  // namespace
}  // namespace praxis::net
