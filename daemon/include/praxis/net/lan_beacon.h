// The LAN beacon (DESIGN §4, `--lan`): every few seconds a node broadcasts
// "member M listens on TCP port P" to its local IPv4 networks, sealed under a
// key derived from the network key, so that nodes of the same deployment on
// the same LAN find each other without seeds, and anyone else (another
// deployment included) can neither read nor forge a beacon.
//
// Two layers, as with FrameCodec and Session:
//  - SealBeacon / OpenBeacon / BeaconReceiver: sans I/O (no socket, no
//    clock: time is an argument), exhaustively testable and fuzzable.
//  - LanBeacon: Asio; only moves datagrams and runs the timer.
//
// Wire format (91 bytes):
//   "pxlb" | format version (1 byte) | nonce (24) | ciphertext (46) | tag (16)
// XChaCha20-Poly1305 (IETF) with the 5-byte header as associated data, under
// BLAKE2b-256 keyed with the network key over "praxis/lan-beacon/v1" (a
// domain of its own: the handshake's PSK is never used directly here).
// Plaintext: member (32) | listen port (u16) | protocol version (u32) |
// sent-at wall time in ms (u64), all big-endian.
//
// A beacon only says where to dial: the Noise handshake still authenticates
// the member, so a replayed beacon (from another address, within the
// freshness window) costs at most one failed dial, rate-limited.
//
// Threading: the free functions are thread-safe once crypto::InitCrypto()
// returned. BeaconReceiver and LanBeacon are not: one thread (the node's).
#pragma once

#include <array>
#include <asio/any_io_executor.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "praxis/net/noise.h"
#include "praxis/storage/id.h"
#include "praxis/storage/status.h"

namespace praxis::net {

inline constexpr std::uint16_t kLanBeaconPort = 7422;
inline constexpr std::uint8_t kBeaconFormatVersion = 1;
inline constexpr std::string_view kBeaconMagic = "pxlb";
inline constexpr std::size_t kBeaconNonceSize = 24;  // XChaCha20
inline constexpr std::size_t kBeaconPlaintextSize = Id::kSize + 2 + 4 + 8;
inline constexpr std::size_t kBeaconSize =
    kBeaconMagic.size() + 1 + kBeaconNonceSize + kBeaconPlaintextSize + 16;
// A beacon is accepted only while its sent-at time is within this much of
// the receiver's clock, either way: old enough to tolerate modest clock skew,
// short enough that a captured beacon soon stops working.
inline constexpr std::uint64_t kBeaconMaxAgeMs = 2 * 60 * 1000;
inline constexpr std::uint64_t kBeaconMaxAheadMs = 2 * 60 * 1000;

struct Beacon {
  Id member;                      // the sender's Ed25519 public key
  std::uint16_t listen_port = 0;  // its TCP listen port (never 0 in a valid beacon)
  std::uint32_t protocol_version = 0;
  std::uint64_t sent_at_ms = 0;  // sender's wall clock, ms since the Unix epoch

  bool operator==(const Beacon&) const = default;
};

using BeaconNonce = std::array<std::uint8_t, kBeaconNonceSize>;

// The kBeaconSize bytes to broadcast. `nonce` must never repeat under one
// network key: draw it with crypto::RandomBytes (tests pass fixed ones).
std::string SealBeacon(const NoisePsk& network_key, const Beacon& beacon, const BeaconNonce& nonce);

// The beacon in `bytes`, if it is one this network's key sealed and it is
// fresh at `now_ms` (wall clock, ms since the Unix epoch). Protocol on
// anything else: wrong length or magic, another format version, bad MAC
// (another network key, or tampered), another protocol version (the
// handshake would refuse it anyway), port 0, an all-zero member, or a sent-at
// time more than kBeaconMaxAgeMs before or kBeaconMaxAheadMs after `now_ms`.
// Any bytes at all are safe to pass.
Result<Beacon> OpenBeacon(const NoisePsk& network_key, std::string_view bytes,
                          std::uint64_t now_ms);

// Somebody to dial: the sender's IP address with its advertised TCP port.
struct BeaconSighting {
  Id member;
  asio::ip::tcp::endpoint endpoint;
};

// What BeaconReceiver decided about a valid beacon.
enum class BeaconVerdict : std::uint8_t {
  kReport,            // new, or not reported for report_every: tell the node
  kOwn,               // ours, looped back (or another node with our key: ignored too)
  kReportedRecently,  // rate-limited
};

struct BeaconEvent {
  BeaconVerdict verdict = BeaconVerdict::kReport;
  BeaconSighting sighting;
};

// The receiving side's logic: open, ignore our own beacons, and report each
// (member, address, port) at most once per report_every, so that a beacon
// every few seconds does not become a dial every few seconds. Rate-limited
// per address as well as per member, so that a replay from elsewhere cannot
// mute the real sender. At most max_tracked entries are kept (the least
// recently reported goes first), whatever arrives.
class BeaconReceiver {
 public:
  struct Options {
    std::uint64_t report_every_ms = 60 * 1000;  // Default: a minute
    std::size_t max_tracked = 256;              // Default: plenty for a LAN
  };

  BeaconReceiver(const NoisePsk& network_key, const Id& self, Options opts);
  BeaconReceiver(const NoisePsk& network_key, const Id& self)
      : BeaconReceiver(network_key, self, Options{}) {}

  // One datagram from `from`, at wall time `now_ms`: OpenBeacon's error, or
  // the beacon's sighting with the verdict; only kReport counts as a report
  // for rate limiting.
  Result<BeaconEvent> OnDatagram(std::string_view bytes, const asio::ip::address& from,
                                 std::uint64_t now_ms);

  std::size_t tracked() const { return last_report_.size(); }

 private:
  using Key = std::tuple<Id, asio::ip::address, std::uint16_t>;

  NoisePsk network_key_;
  Id self_;
  Options opts_;
  std::map<Key, std::uint64_t> last_report_;  // wall ms of the last report
};

// Counters for tests and status output.
struct LanBeaconStats {
  std::uint64_t sent = 0;      // datagrams handed to the kernel
  std::uint64_t received = 0;  // datagrams read
  std::uint64_t rejected = 0;  // not a valid, fresh beacon of this network
  std::uint64_t own = 0;       // our own, looped back
  std::uint64_t reported = 0;  // on_found calls
};

struct LanBeaconOptions {
  // UDP port to send to and receive on. Several nodes on one host may share
  // it (SO_REUSEADDR); each gets every beacon. Default: 7422.
  std::uint16_t udp_port = kLanBeaconPort;
  // Time between beacons (the first goes out at Start()); each wait is
  // jittered by up to ±10% so that nodes started together drift apart.
  // Default: 10 s.
  std::chrono::milliseconds interval{10'000};
  // See BeaconReceiver::Options.
  std::chrono::milliseconds report_every{60'000};
  // Wall clock, ms since the Unix epoch. Default: std::chrono::system_clock.
  std::function<std::uint64_t()> now_ms;
};

// Broadcasts our beacon and listens for others'. Sends to the directed
// broadcast address of every IPv4 interface that is up and broadcast-capable
// (e.g. 192.168.1.255), interfaces re-read on every beacon so that a laptop
// changing networks keeps beaconing; 255.255.255.255 only when there is none.
// (Why not only 255.255.255.255: Linux routes it by the routing table, so it
// leaves through the default route's interface alone, and on a host without
// a default route it goes nowhere. Why not multicast 239.x: it needs a group
// join per interface, and IGMP-snooping switches without a querier may drop
// it; any IPv4 LAN carries broadcast.) An interface needs a broadcast
// address configured (DHCP sets one; `ip addr add A/24` alone does not).
//
// Everything runs on `ex`, which must be a single thread. Handlers keep the
// internal state alive, so the object may be destroyed at any time (it
// stops first); on_found is never called after Stop() returned.
class LanBeacon {
 public:
  using FoundFn = std::function<void(const Id& member, const asio::ip::tcp::endpoint& at)>;

  // `listen_port` is the TCP port our node accepts peers on; on_found may be
  // empty, and may call Stop() or destroy this object.
  LanBeacon(asio::any_io_executor ex, const NoisePsk& network_key, const Id& member,
            std::uint16_t listen_port, FoundFn on_found, LanBeaconOptions opts = {});
  ~LanBeacon();
  LanBeacon(const LanBeacon&) = delete;
  LanBeacon& operator=(const LanBeacon&) = delete;

  // Opens and binds the UDP socket (0.0.0.0:udp_port), sends the first
  // beacon and starts listening. InvalidArgument if listen_port is 0 or
  // opts.interval is not positive; IOError if the socket cannot be set up
  // (e.g. the port is taken by a socket without SO_REUSEADDR);
  // FailedPrecondition if already started. Later send and receive errors are
  // logged, never fatal.
  Status Start();
  // Closes the socket and cancels the timer. Idempotent; Start() may follow.
  void Stop();

  bool running() const;
  // The bound UDP port (useful with udp_port = 0), or 0 when not running.
  std::uint16_t udp_port() const;
  LanBeaconStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace praxis::net
