// The LAN beacon: any datagram on UDP 7422 reaches OpenBeacon and the
// receiver's rate limiting. Raw datagrams, or beacons sealed with the
// network key from input fields (any member, port, version, time) and then
// possibly tampered, from IPv4 or IPv6 senders, at a clock the input moves.
//
// Checked: no crash; an opened beacon is exactly what was sealed (when not
// tampered), fresh, with a non-zero port and member; the receiver tracks at
// most max_tracked senders.
#include "fuzz/fuzz_init.h"
#include "fuzz/fuzz_input.h"
#include "praxis/net/lan_beacon.h"
#include "praxis/net/secure_handshake.h"

namespace {

using namespace praxis;

asio::ip::address From(fuzz::FuzzInput& in) {
  if (in.Bool()) return asio::ip::address_v4(in.U32());
  asio::ip::address_v6::bytes_type b{};
  for (auto& x : b) x = in.U8();
  return asio::ip::address_v6(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  static net::NoisePsk key = [] {
    net::NoisePsk k;
    k.fill(9);
    return k;
  }();
  static Id self = [] {
    Id id;
    id.bytes.fill(1);
    return id;
  }();
  static net::BeaconReceiver receiver(key, self, {.report_every_ms = 1000, .max_tracked = 8});
  static std::uint64_t now = 1'700'000'000'000;
  fuzz::FuzzInput in(data, size);
  while (!in.empty()) {
    const std::uint8_t op = in.U8();
    now += in.U16();
    std::string datagram;
    std::optional<net::Beacon> sealed;
    if (op % 2 == 0) {
      datagram = in.Part();
    } else {
      net::Beacon b;
      const bool own = op & 2;
      if (own) b.member = self;
      else for (auto& x : b.member.bytes) x = in.U8() & (op & 4 ? 0 : 0xff);
      b.listen_port = op & 8 ? 0 : in.U16();
      b.protocol_version = op & 16 ? in.U32() : net::kProtocolVersion;
      b.sent_at_ms = op & 32 ? in.U64() : now - 60'000 + in.U16() * 2;
      net::BeaconNonce nonce;
      for (auto& x : nonce) x = in.U8();
      datagram = net::SealBeacon(key, b, nonce);
      sealed = b;
      if (op & 64 && !datagram.empty()) {
        datagram[in.U8() % datagram.size()] ^= static_cast<char>(in.U8() | 1);
        sealed.reset();
      }
    }
    auto opened = net::OpenBeacon(key, datagram, now);
    if (opened) {
      FUZZ_CHECK(opened->listen_port != 0 && !opened->member.IsZero());
      FUZZ_CHECK(opened->sent_at_ms + net::kBeaconMaxAgeMs >= now);
      FUZZ_CHECK(opened->sent_at_ms <= now + net::kBeaconMaxAheadMs);
      if (sealed) FUZZ_CHECK(*opened == *sealed);
    } else {
      FUZZ_CHECK(opened.error().code() == Code::kProtocol);
    }
    auto ev = receiver.OnDatagram(datagram, From(in), now);
    FUZZ_CHECK(ev.has_value() == opened.has_value());
    FUZZ_CHECK(receiver.tracked() <= 8);
  }
  return 0;
}
