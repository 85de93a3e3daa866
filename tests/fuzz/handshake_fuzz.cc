// SecureHandshake, both roles, against a peer that the input scripts. The
// peer either sends raw messages (reaching the Noise length and MAC checks)
// or runs honest Noise with the right network key and puts the input into
// its payloads: raw payload bytes, or a HandshakePayload built from the
// input with a good or bad binding, our own identity (a self-connection) and
// any version. That is how a hostile member of the same deployment reaches
// the payload parsing and checks.
//
// Checked: no crash; a completed handshake names the identity the peer sent
// and splits once; every failure is Protocol.
#include "fuzz/fuzz_init.h"
#include "fuzz/fuzz_input.h"
#include "praxis/net/secure_handshake.h"
#include "wire.pb.h"

namespace {

using namespace praxis;
using net::NoiseHandshake;
using net::NoiseRole;
using net::SecureHandshake;

// The binding message SecureHandshake signs (kept in step with secure_handshake.cc).
std::string Binding(const crypto::KeyPair& who) {
  return std::string("praxis/noise-static/v1\0", 23) + net::X25519FromEd25519(who).public_key().Str();
}

// Keys and signatures made once: the harness's own crypto is not under test.
struct Keys {
  crypto::KeyPair node = crypto::KeyPair::Generate();  // the side under test
  crypto::KeyPair peer = crypto::KeyPair::Generate();  // the side the input plays
  net::X25519KeyPair peer_static = net::X25519FromEd25519(peer);
  std::string node_binding = node.Sign(Binding(node));
  std::string peer_binding = peer.Sign(Binding(peer));
  net::HandshakeOptions opts;
  Keys() { opts.network_key.fill(7); }
};

const Keys& K() {
  static const Keys k;
  return k;
}

// The payload the scripted peer sends: raw input, or one built from it.
std::string PeerPayload(fuzz::FuzzInput& in) {
  const std::uint8_t how = in.U8();
  if (how % 4 == 0) return in.Part();
  wire::HandshakePayload p;
  const bool self = how & 4;  // our own identity: a connection to ourselves
  const crypto::KeyPair& who = self ? K().node : K().peer;
  p.set_identity(how & 8 ? std::string(in.Bytes(in.U8() % 40)) : who.public_key().Str());
  p.set_binding(how & 16 ? std::string(in.Bytes(64)) : self ? K().node_binding : K().peer_binding);
  p.set_version(how & 32 ? in.U32() : net::kProtocolVersion);
  p.set_features(in.U64());
  p.set_clock_ms(in.U64());
  std::string out = p.SerializeAsString();
  if (how & 64) out += in.Part();  // trailing bytes: unknown fields or garbage
  return out;
}

// Flips one byte of `m` when the input asks (a tampered message).
void MaybeTamper(fuzz::FuzzInput& in, std::string& m) {
  const std::uint8_t t = in.U8();
  if (t & 1 && !m.empty()) m[in.U16() % m.size()] ^= static_cast<char>(t | 1);
}

void Check(const Result<std::optional<std::string>>& r) {
  if (!r) FUZZ_CHECK(r.error().code() == Code::kProtocol);
}

void AfterComplete(SecureHandshake& hs, const Id& expected_member) {
  FUZZ_CHECK(hs.Complete());
  FUZZ_CHECK(hs.peer().member == expected_member);
  FUZZ_CHECK(hs.peer().version == net::kProtocolVersion);
  FUZZ_CHECK(hs.Split().has_value());
  FUZZ_CHECK(!hs.Split().has_value());  // one transport per handshake
}

// Our node answers; the input plays the initiator.
void Responder(fuzz::FuzzInput& in, bool honest) {
  SecureHandshake hs(NoiseRole::kResponder, K().node, K().opts);
  if (!honest) {
    while (!in.empty() && !hs.Complete()) {
      auto r = hs.OnMessage(in.Part());
      Check(r);
      if (!r) return;
    }
    return;
  }
  NoiseHandshake peer(NoiseRole::kInitiator, K().peer_static,
                      net::kProtocolPrologue, K().opts.network_key);
  auto m1 = peer.WriteMessage(in.Part());  // message 1's payload is ignored by praxis
  if (!m1) return;
  MaybeTamper(in, *m1);
  auto m2 = hs.OnMessage(*m1);
  Check(m2);
  if (!m2 || !*m2) return;
  if (!peer.ReadMessage(**m2)) return;
  const std::string payload = PeerPayload(in);
  auto m3 = peer.WriteMessage(payload);
  if (!m3) return;
  MaybeTamper(in, *m3);
  auto done = hs.OnMessage(*m3);
  Check(done);
  if (!done) return;
  FUZZ_CHECK(!*done);  // the responder sends nothing after message 3
  wire::HandshakePayload p;
  FUZZ_CHECK(p.ParseFromString(payload));
  AfterComplete(hs, *Id::FromBytes(p.identity()));
}

// Our node dials; the input plays the responder.
void Initiator(fuzz::FuzzInput& in, bool honest) {
  SecureHandshake hs(NoiseRole::kInitiator, K().node, K().opts);
  auto m1 = hs.Start();
  FUZZ_CHECK(m1.has_value());
  if (!honest) {
    auto r = hs.OnMessage(in.Part());
    Check(r);
    if (r) Check(hs.OnMessage(in.Part()));  // anything after message 2 is out of turn
    return;
  }
  NoiseHandshake peer(NoiseRole::kResponder, K().peer_static,
                      net::kProtocolPrologue, K().opts.network_key);
  if (!peer.ReadMessage(*m1)) return;
  const std::string payload = PeerPayload(in);
  auto m2 = peer.WriteMessage(payload);
  if (!m2) return;
  MaybeTamper(in, *m2);
  auto m3 = hs.OnMessage(*m2);
  Check(m3);
  if (!m3) return;
  FUZZ_CHECK(*m3);  // the initiator answers with message 3
  FUZZ_CHECK(peer.ReadMessage(**m3).has_value());
  wire::HandshakePayload p;
  FUZZ_CHECK(p.ParseFromString(payload));
  AfterComplete(hs, *Id::FromBytes(p.identity()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  fuzz::FuzzInput in(data, size);
  const std::uint8_t mode = in.U8();
  if (mode & 1)
    Initiator(in, mode & 2);
  else
    Responder(in, mode & 2);
  return 0;
}
