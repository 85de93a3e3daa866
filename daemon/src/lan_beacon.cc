// The Asio half of net/lan_beacon.h: a UDP socket and a timer. Every
// decision about a datagram is BeaconReceiver's.
#include "praxis/net/lan_beacon.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <cstring>
#include <exception>
#include <vector>

#include "praxis/crypto/crypto.h"
#include "praxis/net/secure_handshake.h"

namespace praxis::net {

namespace {

using asio::ip::udp;

std::uint64_t SystemNowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::uint32_t Ipv4Of(const sockaddr* sa) {
  sockaddr_in sin;
  std::memcpy(&sin, sa, sizeof sin);
  return ntohl(sin.sin_addr.s_addr);
}

// The directed broadcast address of every IPv4 interface that is up, or the
// limited broadcast address when there is none (see the header for why).
std::vector<asio::ip::address_v4> BroadcastTargets() {
  std::vector<asio::ip::address_v4> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
      if (!(i->ifa_flags & IFF_UP) || !(i->ifa_flags & IFF_BROADCAST) ||
          (i->ifa_flags & IFF_LOOPBACK))
        continue;
      // An address added without one (`ip addr add A/24`, no `brd`) is
      // skipped: the kernels of that subnet would not treat A|~mask as a
      // broadcast either, and sending to it would be a unicast ARP query.
      std::uint32_t brd = 0;
      if (i->ifa_broadaddr != nullptr && i->ifa_broadaddr->sa_family == AF_INET)
        brd = Ipv4Of(i->ifa_broadaddr);
      if (brd == 0) continue;
      asio::ip::address_v4 a(brd);
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
    freeifaddrs(list);
  }
  if (out.empty()) out.push_back(asio::ip::address_v4::broadcast());
  return out;
}

}  // namespace

struct LanBeacon::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, const NoisePsk& key, const Id& self, std::uint16_t port,
        FoundFn found, LanBeaconOptions o)
      : socket(ex),
        timer(ex),
        network_key(key),
        member(self),
        listen_port(port),
        on_found(std::move(found)),
        opts(std::move(o)),
        receiver(key, self,
                 {.report_every_ms = static_cast<std::uint64_t>(opts.report_every.count())}) {
    if (!opts.now_ms) opts.now_ms = SystemNowMs;
  }

  void Beat();
  void Send();
  void Receive();
  void OnDatagram(std::size_t n);

  udp::socket socket;
  asio::steady_timer timer;
  NoisePsk network_key;
  Id member;
  std::uint16_t listen_port;
  FoundFn on_found;
  LanBeaconOptions opts;
  BeaconReceiver receiver;

  bool running = false;
  bool receiving = false;
  // Bumped by Start() and Stop(): a handler of an earlier run does nothing.
  std::uint64_t epoch = 0;
  std::uint16_t bound_port = 0;
  LanBeaconStats stats;
  std::array<char, 512> buf;  // a beacon is 91 bytes; anything longer is refused by length
  udp::endpoint from;
  std::string last_send_error;  // logged once, not every beat
};

void LanBeacon::State::Beat() {
  if (!receiving) Receive();  // a receive error parks the reader until the next beat
  Send();

  auto wait = opts.interval;
  const auto span = static_cast<std::uint32_t>(std::min<std::int64_t>(wait.count() / 5, 1 << 30));
  if (span > 0) wait += std::chrono::milliseconds(randombytes_uniform(span + 1)) - wait / 10;
  timer.expires_after(wait);
  timer.async_wait([self = shared_from_this(), e = epoch](const asio::error_code& ec) {
    if (ec || e != self->epoch) return;
    self->Beat();
  });
}

void LanBeacon::State::Send() {
  Beacon b{.member = member,
           .listen_port = listen_port,
           .protocol_version = kProtocolVersion,
           .sent_at_ms = opts.now_ms()};
  BeaconNonce nonce;
  crypto::RandomBytes(nonce.data(), nonce.size());
  auto packet = std::make_shared<const std::string>(SealBeacon(network_key, b, nonce));
  for (const auto& target : BroadcastTargets()) {
    socket.async_send_to(asio::buffer(*packet), udp::endpoint(target, bound_port),
                         [self = shared_from_this(), e = epoch, packet, target](
                             const asio::error_code& ec, std::size_t) {
                           if (e != self->epoch) return;
                           if (!ec) {
                             ++self->stats.sent;
                             self->last_send_error.clear();
                             return;
                           }
                           std::string why = target.to_string() + ": " + ec.message();
                           if (why != self->last_send_error) {
                             spdlog::warn("lan beacon: cannot send to {}", why);
                             self->last_send_error = std::move(why);
                           }
                         });
  }
}

void LanBeacon::State::Receive() {
  receiving = true;
  socket.async_receive_from(
      asio::buffer(buf), from,
      [self = shared_from_this(), e = epoch](const asio::error_code& ec, std::size_t n) {
        if (e != self->epoch) return;
        self->receiving = false;
        if (ec) {
          spdlog::warn("lan beacon: receive failed: {}", ec.message());
          return;
        }
        self->OnDatagram(n);
        if (self->running && e == self->epoch && !self->receiving) self->Receive();
      });
}

void LanBeacon::State::OnDatagram(std::size_t n) {
  ++stats.received;
  auto event = receiver.OnDatagram(std::string_view(buf.data(), n), from.address(), opts.now_ms());
  if (!event) {
    ++stats.rejected;
    spdlog::debug("lan beacon from {}: {}", from.address().to_string(), event.error().message());
    return;
  }
  switch (event->verdict) {
    case BeaconVerdict::kOwn:
      ++stats.own;
      return;
    case BeaconVerdict::kReportedRecently:
      return;
    case BeaconVerdict::kReport:
      break;
  }
  ++stats.reported;
  const BeaconSighting& s = event->sighting;
  spdlog::debug("lan beacon: {} at {}:{}", s.member.Short(), s.endpoint.address().to_string(),
                s.endpoint.port());
  if (!on_found) return;
  // The node's callback runs inside our handler: nothing may escape into Asio.
  try {
    on_found(s.member, s.endpoint);
  } catch (const std::exception& ex) {
    spdlog::error("lan beacon: on_found threw: {}", ex.what());
  } catch (...) {
    spdlog::error("lan beacon: on_found threw");
  }
}

LanBeacon::LanBeacon(asio::any_io_executor ex, const NoisePsk& network_key, const Id& member,
                     std::uint16_t listen_port, FoundFn on_found, LanBeaconOptions opts)
    : state_(std::make_shared<State>(std::move(ex), network_key, member, listen_port,
                                     std::move(on_found), std::move(opts))) {}

LanBeacon::~LanBeacon() { Stop(); }

Status LanBeacon::Start() {
  State& s = *state_;
  if (s.running) return Status::FailedPrecondition("lan beacon already started");
  if (s.listen_port == 0) return Status::InvalidArgument("lan beacon: listen port 0");
  // A zero interval would make the timer a busy loop.
  if (s.opts.interval.count() <= 0) return Status::InvalidArgument("lan beacon: interval <= 0");
  asio::error_code ec;
  s.socket.open(udp::v4(), ec);
  // Several nodes on one host each get every broadcast (Linux delivers a
  // broadcast to every socket bound to its port with SO_REUSEADDR).
  if (!ec) s.socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.socket.set_option(asio::socket_base::broadcast(true), ec);
  if (!ec) s.socket.bind(udp::endpoint(asio::ip::address_v4::any(), s.opts.udp_port), ec);
  udp::endpoint local;
  if (!ec) local = s.socket.local_endpoint(ec);
  if (ec) {
    asio::error_code ignored;
    s.socket.close(ignored);
    return Status::IOError("lan beacon: cannot use udp port " + std::to_string(s.opts.udp_port) +
                           ": " + ec.message());
  }
  s.bound_port = local.port();
  ++s.epoch;
  s.running = true;
  s.receiving = false;
  spdlog::info("lan beacon on udp port {}, every {} ms", s.bound_port, s.opts.interval.count());
  s.Beat();
  return Status::OK();
}

void LanBeacon::Stop() {
  State& s = *state_;
  if (!s.running) return;
  s.running = false;
  ++s.epoch;
  s.bound_port = 0;
  asio::error_code ec;
  s.socket.close(ec);
  s.timer.cancel();
  spdlog::info("lan beacon stopped");
}

bool LanBeacon::running() const { return state_->running; }
std::uint16_t LanBeacon::udp_port() const { return state_->bound_port; }
LanBeaconStats LanBeacon::stats() const { return state_->stats; }

}  // namespace praxis::net
