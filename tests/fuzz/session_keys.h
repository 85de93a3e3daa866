// A finished Noise_XX handshake between two fresh static keys, made once per
// process: the transports the frame codec target seals and opens with.
#pragma once

#include <utility>

#include "praxis/net/noise.h"

namespace praxis::fuzz {

// (initiator's transport, responder's transport). Copies start at nonce 0.
inline const std::pair<net::NoiseTransport, net::NoiseTransport>& SessionTransports() {
  static const auto pair = [] {
    using net::NoiseHandshake;
    using net::NoiseRole;
    NoiseHandshake a(NoiseRole::kInitiator, net::X25519KeyPair::Generate(), "fuzz");
    NoiseHandshake b(NoiseRole::kResponder, net::X25519KeyPair::Generate(), "fuzz");
    auto m1 = a.WriteMessage("");
    (void)b.ReadMessage(*m1);
    auto m2 = b.WriteMessage("");
    (void)a.ReadMessage(*m2);
    auto m3 = a.WriteMessage("");
    (void)b.ReadMessage(*m3);
    return std::make_pair(std::move(*a.Split()), std::move(*b.Split()));
  }();
  return pair;
}

}  // namespace praxis::fuzz
