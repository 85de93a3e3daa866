// SecureHandshake: praxis's handshake on top of the Noise codec (DESIGN §4),
// sans I/O. Noise_XXpsk0 with the 32-byte network key as the PSK (so a peer
// of another deployment learns nothing, docs/design-notes.md), the protocol
// name as prologue, the static key derived from the Ed25519 identity, and a
// payload that carries the identity, a signature binding it to the static
// key, the protocol version, feature bits and the sender's clock.
//
// Message-level: the caller moves whole handshake messages (u16 length on the
// wire, like transport messages). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "praxis/crypto/crypto.h"
#include "praxis/net/noise.h"

namespace praxis::net {

inline constexpr std::string_view kProtocolPrologue = "praxis/1";
inline constexpr std::uint32_t kProtocolVersion = 1;

// What the peer told us about itself, authenticated once the handshake is done.
struct PeerHello {
  Id member;  // Ed25519 public key
  std::uint32_t version = 0;
  std::uint64_t features = 0;
  std::uint64_t clock_ms = 0;
};

struct HandshakeOptions {
  NoisePsk network_key{};  // deployments with different keys never complete a handshake
  std::uint64_t features = 0;
  std::uint64_t clock_ms = 0;  // our wall clock when the handshake starts
};

class SecureHandshake {
 public:
  SecureHandshake(NoiseRole role, const crypto::KeyPair& identity, const HandshakeOptions& opts);

  // Initiator only, once: message 1.
  Result<std::string> Start();
  // Consumes the peer's next message; returns our reply if one is due
  // (responder: message 2 after message 1; initiator: message 3 after 2).
  // Protocol on anything wrong: bad MAC, foreign network key, a payload that
  // does not parse or whose signature does not bind the identity to the
  // Noise static key, another protocol version, or a connection to ourselves.
  Result<std::optional<std::string>> OnMessage(std::string_view message);

  bool Complete() const;
  // REQUIRES: Complete(). The peer, and the session's transport (once).
  const PeerHello& peer() const { return peer_; }
  Result<NoiseTransport> Split() { return noise_.Split(); }

 private:
  std::string Payload() const;
  Status CheckPeerPayload(std::string_view payload);

  NoiseRole role_;
  const crypto::KeyPair& identity_;
  HandshakeOptions opts_;
  NoiseHandshake noise_;
  PeerHello peer_;
  bool started_ = false;
};

}  // namespace praxis::net
