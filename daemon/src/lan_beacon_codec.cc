// The sans-I/O half of net/lan_beacon.h: sealing, opening, and deciding
// what to report.
#include <sodium.h>

#include <cstring>

#include "praxis/net/lan_beacon.h"
#include "praxis/net/secure_handshake.h"

namespace praxis::net {

namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kBeaconNonceSize);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16);

constexpr std::size_t kHeaderSize = kBeaconMagic.size() + 1;
constexpr std::string_view kKeyDomain = "praxis/lan-beacon/v1";

// Wiped on destruction: it is as good as the network key for beacons.
struct BeaconKey {
  std::array<std::uint8_t, 32> bytes;
  explicit BeaconKey(const NoisePsk& network_key) {
    crypto_generichash(bytes.data(), bytes.size(),
                       reinterpret_cast<const unsigned char*>(kKeyDomain.data()), kKeyDomain.size(),
                       network_key.data(), network_key.size());
  }
  ~BeaconKey() { sodium_memzero(bytes.data(), bytes.size()); }
  BeaconKey(const BeaconKey&) = delete;
  BeaconKey& operator=(const BeaconKey&) = delete;
};

std::string Header() {
  std::string h(kBeaconMagic);
  h.push_back(static_cast<char>(kBeaconFormatVersion));
  return h;
}

void PutBE(std::uint8_t* out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint64_t GetBE(const std::uint8_t* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | in[i];
  return v;
}

}  // namespace

std::string SealBeacon(const NoisePsk& network_key, const Beacon& beacon,
                       const BeaconNonce& nonce) {
  std::array<std::uint8_t, kBeaconPlaintextSize> plain{};
  std::memcpy(plain.data(), beacon.member.bytes.data(), Id::kSize);
  PutBE(plain.data() + Id::kSize, beacon.listen_port, 2);
  PutBE(plain.data() + Id::kSize + 2, beacon.protocol_version, 4);
  PutBE(plain.data() + Id::kSize + 6, beacon.sent_at_ms, 8);

  const std::string header = Header();
  std::string out(kBeaconSize, '\0');
  std::memcpy(out.data(), header.data(), kHeaderSize);
  std::memcpy(out.data() + kHeaderSize, nonce.data(), nonce.size());
  auto* ct = reinterpret_cast<unsigned char*>(out.data() + kHeaderSize + kBeaconNonceSize);
  unsigned long long ct_len = 0;
  BeaconKey key(network_key);
  crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ct_len, plain.data(), plain.size(),
                                             reinterpret_cast<const unsigned char*>(header.data()),
                                             header.size(), nullptr, nonce.data(),
                                             key.bytes.data());
  return out;
}

Result<Beacon> OpenBeacon(const NoisePsk& network_key, std::string_view bytes,
                          std::uint64_t now_ms) {
  if (bytes.size() != kBeaconSize) return Err(Status::Protocol("lan beacon: wrong length"));
  if (bytes.substr(0, kBeaconMagic.size()) != kBeaconMagic)
    return Err(Status::Protocol("lan beacon: not a beacon"));
  const auto version = static_cast<std::uint8_t>(bytes[kBeaconMagic.size()]);
  if (version != kBeaconFormatVersion)
    return Err(Status::Protocol("lan beacon: format version " + std::to_string(version)));

  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  std::array<std::uint8_t, kBeaconPlaintextSize> plain{};
  unsigned long long plain_len = 0;
  BeaconKey key(network_key);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &plain_len, nullptr, in + kHeaderSize + kBeaconNonceSize,
          kBeaconSize - kHeaderSize - kBeaconNonceSize, in, kHeaderSize, in + kHeaderSize,
          key.bytes.data()) != 0 ||
      plain_len != plain.size()) {
    return Err(Status::Protocol("lan beacon: bad MAC (another network key?)"));
  }

  Beacon b;
  std::memcpy(b.member.bytes.data(), plain.data(), Id::kSize);
  b.listen_port = static_cast<std::uint16_t>(GetBE(plain.data() + Id::kSize, 2));
  b.protocol_version = static_cast<std::uint32_t>(GetBE(plain.data() + Id::kSize + 2, 4));
  b.sent_at_ms = GetBE(plain.data() + Id::kSize + 6, 8);

  // Sealed by a holder of the network key, but still checked: a member
  // running other software is not a reason to trust its fields.
  if (b.protocol_version != kProtocolVersion)
    return Err(
        Status::Protocol("lan beacon: protocol version " + std::to_string(b.protocol_version)));
  if (b.listen_port == 0) return Err(Status::Protocol("lan beacon: listen port 0"));
  if (b.member.IsZero()) return Err(Status::Protocol("lan beacon: all-zero member"));
  // Written to avoid overflow for any sent_at_ms and now_ms.
  if (b.sent_at_ms > now_ms) {
    if (b.sent_at_ms - now_ms > kBeaconMaxAheadMs)
      return Err(Status::Protocol("lan beacon: sent in the future"));
  } else if (now_ms - b.sent_at_ms > kBeaconMaxAgeMs) {
    return Err(Status::Protocol("lan beacon: stale"));
  }
  return b;
}

BeaconReceiver::BeaconReceiver(const NoisePsk& network_key, const Id& self, Options opts)
    : network_key_(network_key), self_(self), opts_(opts) {
  if (opts_.max_tracked == 0) opts_.max_tracked = 1;
}

Result<BeaconEvent> BeaconReceiver::OnDatagram(std::string_view bytes,
                                               const asio::ip::address& from,
                                               std::uint64_t now_ms) {
  auto beacon = OpenBeacon(network_key_, bytes, now_ms);
  if (!beacon) return Err(beacon.error());

  // An IPv4 sender seen through a dual-stack socket reads as ::ffff:a.b.c.d;
  // normalise so the dialer gets a plain IPv4 address.
  asio::ip::address addr = from;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  BeaconEvent event{BeaconVerdict::kReport,
                    {beacon->member, asio::ip::tcp::endpoint(addr, beacon->listen_port)}};
  if (beacon->member == self_) {
    event.verdict = BeaconVerdict::kOwn;
    return event;
  }

  Key key{beacon->member, addr, beacon->listen_port};
  auto it = last_report_.find(key);
  // A wall clock that went backwards makes every entry due, not mute for hours.
  if (it != last_report_.end() && it->second <= now_ms &&
      now_ms - it->second < opts_.report_every_ms) {
    event.verdict = BeaconVerdict::kReportedRecently;
    return event;
  }
  if (it != last_report_.end()) {
    it->second = now_ms;
  } else {
    if (last_report_.size() >= opts_.max_tracked) {
      // Evict the least recently reported: a flood of (replayed) beacons can
      // cost extra reports but never blocks a new member from being found.
      auto oldest = last_report_.begin();
      for (auto i = last_report_.begin(); i != last_report_.end(); ++i)
        if (i->second < oldest->second) oldest = i;
      last_report_.erase(oldest);
    }
    last_report_.emplace(key, now_ms);
  }
  return event;
}

}  // namespace praxis::net
