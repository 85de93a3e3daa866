// Constants and helpers shared by the gossip engine's files (gossip.cc,
// gossip_catchup.cc, gossip_membership.cc). Private to the engine.
#pragma once

#include <string>

#include "wire.pb.h"

namespace praxis::node::gossip_internal {

inline constexpr std::size_t kDigestGroupsPerFrame = 8'000;  // ~50 bytes each: frames stay < 1 MiB
inline constexpr std::size_t kHeadsPerFrame = 8'000;         // ~80 bytes each
inline constexpr std::size_t kIHavePerFrame = 4'096;
inline constexpr std::size_t kStreamBatch = 64;   // log entries read per store scan while streaming
inline constexpr std::size_t kExchangeSent = 16;  // addresses offered in one exchange
inline constexpr std::size_t kMaxAddress = 255;
inline constexpr std::size_t kMaxWantIds = 1'024;

inline std::string Encode(const wire::PeerMessage& m) { return m.SerializeAsString(); }

// HOST:PORT with a numeric port, short enough to store.
inline bool PlausibleAddress(const std::string& a) {
  if (a.empty() || a.size() > kMaxAddress) return false;
  auto colon = a.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) return false;
  for (std::size_t i = colon + 1; i < a.size(); ++i)
    if (a[i] < '0' || a[i] > '9') return false;
  return a.size() - colon - 1 <= 5 && std::stoul(a.substr(colon + 1)) <= 65535;
}

inline std::string HostOf(const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  return host;
}

}  // namespace praxis::node::gossip_internal
