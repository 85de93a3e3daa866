#include "praxis/net/secure_handshake.h"

#include "wire.pb.h"

namespace praxis::net {

namespace {
// Domain separation: this signature can never pass for an announcement's.
constexpr std::string_view kBindingDomain{"praxis/noise-static/v1\0", 23};

std::string BindingMessage(const Id& noise_static) {
  return std::string(kBindingDomain) + noise_static.Str();
}
}  // namespace

SecureHandshake::SecureHandshake(NoiseRole role, const crypto::KeyPair& identity,
                                 const HandshakeOptions& opts)
    : role_(role),
      identity_(identity),
      opts_(opts),
      noise_(role, X25519FromEd25519(identity), kProtocolPrologue, opts.network_key) {}

std::string SecureHandshake::Payload() const {
  wire::HandshakePayload p;
  p.set_identity(identity_.public_key().Str());
  p.set_binding(identity_.Sign(BindingMessage(X25519FromEd25519(identity_).public_key())));
  p.set_version(kProtocolVersion);
  p.set_features(opts_.features);
  p.set_clock_ms(opts_.clock_ms);
  return p.SerializeAsString();
}

Status SecureHandshake::CheckPeerPayload(std::string_view payload) {
  wire::HandshakePayload p;
  if (!p.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return Status::Protocol("handshake payload does not parse");
  auto member = Id::FromBytes(p.identity());
  if (!member) return Status::Protocol("handshake identity is not 32 bytes");
  const Id remote_static = noise_.RemoteStatic();
  if (!crypto::VerifyDetached(p.binding(), BindingMessage(remote_static), *member))
    return Status::Protocol("handshake identity is not bound to the Noise static key");
  if (*member == identity_.public_key()) return Status::Protocol("connected to ourselves");
  if (p.version() != kProtocolVersion)
    return Status::Protocol("peer speaks protocol version " + std::to_string(p.version()) +
                            ", this node " + std::to_string(kProtocolVersion));
  peer_ = {.member = *member,
           .version = p.version(),
           .features = p.features(),
           .clock_ms = p.clock_ms()};
  return Status::OK();
}

Result<std::string> SecureHandshake::Start() {
  if (role_ != NoiseRole::kInitiator || started_)
    return Err(Status::FailedPrecondition("only the initiator starts, once"));
  started_ = true;
  return noise_.WriteMessage("");  // message 1 carries nothing: nobody is authenticated yet
}

Result<std::optional<std::string>> SecureHandshake::OnMessage(std::string_view message) {
  using Out = std::optional<std::string>;
  auto payload = noise_.ReadMessage(message);
  if (!payload) return Err(payload.error());
  if (role_ == NoiseRole::kResponder && !noise_.Complete()) {
    // Message 1 read: answer with our identity in message 2.
    auto reply = noise_.WriteMessage(Payload());
    if (!reply) return Err(reply.error());
    return Out(std::move(*reply));
  }
  // Initiator after message 2, responder after message 3: the peer's payload.
  if (Status s = CheckPeerPayload(*payload); !s.ok()) return Err(s);
  if (role_ == NoiseRole::kInitiator) {
    auto reply = noise_.WriteMessage(Payload());
    if (!reply) return Err(reply.error());
    return Out(std::move(*reply));
  }
  return Out();
}

bool SecureHandshake::Complete() const { return noise_.Complete() && !peer_.member.IsZero(); }

}  // namespace praxis::net
