#include "praxis/net/noise.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace praxis::net {
namespace {

namespace fs = std::filesystem;

std::string Unhex(std::string_view hex) {
  auto raw = FromHexString(hex);
  EXPECT_TRUE(raw.has_value()) << "bad hex: " << hex;
  return raw.value_or("");
}

X25519KeyPair KeyFromHex(std::string_view hex) {
  auto kp = X25519KeyPair::FromSecret(Unhex(hex));
  EXPECT_TRUE(kp.has_value()) << "bad key: " << hex;
  return kp ? *kp : X25519KeyPair::Generate();
}

constexpr std::string_view kPrologue = "praxis/1 network-key-0123456789abcdef0123456789ab";

struct Peers {
  NoiseHandshake initiator;
  NoiseHandshake responder;
};

Peers NewPeers(std::string_view initiator_prologue = kPrologue,
               std::string_view responder_prologue = kPrologue) {
  crypto::InitCrypto();
  return Peers{
      NoiseHandshake(NoiseRole::kInitiator, X25519KeyPair::Generate(), initiator_prologue),
      NoiseHandshake(NoiseRole::kResponder, X25519KeyPair::Generate(), responder_prologue)};
}

// Carries one message from `from` to `to`; returns the message sent.
std::string Relay(NoiseHandshake& from, NoiseHandshake& to, std::string_view payload) {
  auto msg = from.WriteMessage(payload);
  EXPECT_TRUE(msg) << msg.error().ToString();
  if (!msg) return {};
  auto got = to.ReadMessage(*msg);
  EXPECT_TRUE(got) << got.error().ToString();
  if (got) {
    EXPECT_EQ(*got, payload);
  }
  return *msg;
}

void RunHandshake(Peers& p) {
  Relay(p.initiator, p.responder, "hello");
  Relay(p.responder, p.initiator, "who are you");
  Relay(p.initiator, p.responder, "a friend");
  ASSERT_TRUE(p.initiator.Complete());
  ASSERT_TRUE(p.responder.Complete());
}

// ------------------------------------------------------------ published vectors

// flynn/noise's vectors.txt, as Debian's golang-github-flynn-noise-dev ships it.
std::optional<fs::path> FindFlynnVectors() {
  if (const char* env = std::getenv("PRAXIS_NOISE_VECTORS"); env && fs::is_regular_file(env))
    return fs::path(env);
  const fs::path exact = "/usr/share/gocode/src/github.com/flynn/noise/vectors.txt";
  if (fs::is_regular_file(exact)) return exact;
  // Other packagings put the module under a versioned directory nearby.
  for (const char* root : {"/usr/share/gocode/src/github.com/flynn", "/usr/share/gocode/src",
                           "/usr/lib/go/src/github.com/flynn"}) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename() == "vectors.txt" &&
          it->path().string().find("flynn/noise") != std::string::npos)
        return it->path();
    }
  }
  return std::nullopt;
}

struct Vector {
  int line = 0;
  std::string name;
  std::map<std::string, std::string> fields;                  // hex values
  std::vector<std::pair<std::string, std::string>> messages;  // (payload, ciphertext) hex
};

// The file is blocks of key=value lines, each block opened by handshake=.
std::vector<Vector> ParseVectors(std::istream& in) {
  std::vector<Vector> out;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "handshake") {
      out.push_back(Vector{.line = line_no, .name = value});
      continue;
    }
    if (out.empty()) continue;
    Vector& v = out.back();
    if (key.rfind("msg_", 0) == 0) {
      auto us = key.find('_', 4);
      if (us == std::string::npos) continue;
      std::size_t index = std::stoul(key.substr(4, us - 4));
      if (v.messages.size() <= index) v.messages.resize(index + 1);
      if (key.substr(us + 1) == "payload") v.messages[index].first = value;
      if (key.substr(us + 1) == "ciphertext") v.messages[index].second = value;
      continue;
    }
    v.fields[key] = value;
  }
  return out;
}

// Runs one vector through both sides, comparing every byte each side emits.
// flynn's file gives one PSK for both sides as preshared_key (PSK vectors
// only); the psk0 vectors need it, the plain XX ones must not have one.
void RunVector(const Vector& v, bool psk_mode) {
  SCOPED_TRACE("vector at line " + std::to_string(v.line) + " (" + v.name + ")");
  for (const char* key : {"init_static", "resp_static", "gen_init_ephemeral", "gen_resp_ephemeral"})
    ASSERT_TRUE(v.fields.count(key)) << "missing " << key;
  ASSERT_EQ(v.fields.count("preshared_key") == 1, psk_mode);
  ASSERT_GE(v.messages.size(), 3u);
  const std::string prologue = v.fields.count("prologue") ? Unhex(v.fields.at("prologue")) : "";
  std::optional<NoisePsk> psk;
  if (psk_mode) {
    auto parsed = NoisePskFromBytes(Unhex(v.fields.at("preshared_key")));
    ASSERT_TRUE(parsed) << parsed.error().ToString();
    psk = *parsed;
  }
  X25519KeyPair init_static = KeyFromHex(v.fields.at("init_static"));
  X25519KeyPair resp_static = KeyFromHex(v.fields.at("resp_static"));
  NoiseHandshake initiator(NoiseRole::kInitiator, init_static, prologue, psk,
                           KeyFromHex(v.fields.at("gen_init_ephemeral")));
  NoiseHandshake responder(NoiseRole::kResponder, resp_static, prologue, psk,
                           KeyFromHex(v.fields.at("gen_resp_ephemeral")));

  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("handshake message " + std::to_string(i));
    const auto& [payload_hex, ciphertext_hex] = v.messages[i];
    NoiseHandshake& writer = i % 2 == 0 ? initiator : responder;
    NoiseHandshake& reader = i % 2 == 0 ? responder : initiator;
    auto msg = writer.WriteMessage(Unhex(payload_hex));
    ASSERT_TRUE(msg) << msg.error().ToString();
    EXPECT_EQ(ToHex(*msg), ciphertext_hex);
    auto payload = reader.ReadMessage(*msg);
    ASSERT_TRUE(payload) << payload.error().ToString();
    EXPECT_EQ(ToHex(*payload), payload_hex);
  }
  ASSERT_TRUE(initiator.Complete());
  ASSERT_TRUE(responder.Complete());
  EXPECT_EQ(initiator.RemoteStatic(), resp_static.public_key());
  EXPECT_EQ(responder.RemoteStatic(), init_static.public_key());
  EXPECT_EQ(initiator.HandshakeHash(), responder.HandshakeHash());
  if (v.fields.count("handshake_hash")) {
    EXPECT_EQ(ToHex(initiator.HandshakeHash()), v.fields.at("handshake_hash"));
  }

  // After the handshake the vectors alternate, initiator first (flynn's
  // vector_test.go: even transport messages use the initiator->responder key).
  auto to_responder = initiator.Split();
  auto to_initiator = responder.Split();
  ASSERT_TRUE(to_responder && to_initiator);
  for (std::size_t i = 3; i < v.messages.size(); ++i) {
    SCOPED_TRACE("transport message " + std::to_string(i));
    const auto& [payload_hex, ciphertext_hex] = v.messages[i];
    NoiseTransport& sender = (i - 3) % 2 == 0 ? *to_responder : *to_initiator;
    NoiseTransport& receiver = (i - 3) % 2 == 0 ? *to_initiator : *to_responder;
    auto c = sender.Encrypt(Unhex(payload_hex));
    ASSERT_TRUE(c) << c.error().ToString();
    EXPECT_EQ(ToHex(*c), ciphertext_hex);
    auto p = receiver.Decrypt(*c);
    ASSERT_TRUE(p) << p.error().ToString();
    EXPECT_EQ(ToHex(*p), payload_hex);
  }
}

// Runs every vector named `protocol` in flynn's file; returns how many there
// were (each one either matched byte for byte or failed the test).
int RunFlynnVectors(std::string_view protocol, bool psk_mode) {
  auto path = FindFlynnVectors();
  if (!path) return -1;
  std::ifstream in(*path);
  EXPECT_TRUE(in) << *path;
  int ran = 0;
  for (const Vector& v : ParseVectors(in)) {
    if (v.name != protocol) continue;
    RunVector(v, psk_mode);
    ++ran;
  }
  std::cout << "[   INFO   ] " << ran << " " << protocol << " vectors from " << *path << "\n";
  EXPECT_GT(ran, 0) << "no " << protocol << " vector in " << *path;
  return ran;
}

TEST(NoiseVectors, FlynnNoiseXX25519ChaChaPolyBlake2b) {
  crypto::InitCrypto();
  int ran = RunFlynnVectors(kNoiseProtocolName, /*psk_mode=*/false);
  if (ran < 0)
    GTEST_SKIP() << "flynn/noise vectors.txt absent: apt-get install golang-github-flynn-noise-dev";
  if (!HasFailure()) RecordProperty("vectors_matched", ran);
}

TEST(NoiseVectors, FlynnNoiseXXpsk025519ChaChaPolyBlake2b) {
  crypto::InitCrypto();
  int ran = RunFlynnVectors(kNoisePskProtocolName, /*psk_mode=*/true);
  if (ran < 0)
    GTEST_SKIP() << "flynn/noise vectors.txt absent: apt-get install golang-github-flynn-noise-dev";
  if (!HasFailure()) RecordProperty("vectors_matched", ran);
}

// ------------------------------------------------------------ handshake

TEST(Noise, HandshakeThenTransportBothWays) {
  crypto::InitCrypto();
  X25519KeyPair i_static = X25519KeyPair::Generate(), r_static = X25519KeyPair::Generate();
  NoiseHandshake initiator(NoiseRole::kInitiator, i_static, kPrologue);
  NoiseHandshake responder(NoiseRole::kResponder, r_static, kPrologue);
  EXPECT_FALSE(initiator.Split());
  Relay(initiator, responder, "");
  EXPECT_TRUE(responder.RemoteStatic().IsZero());  // XX: not sent yet
  Relay(responder, initiator, "payload two");
  EXPECT_EQ(initiator.RemoteStatic(), r_static.public_key());
  EXPECT_FALSE(initiator.Complete());
  Relay(initiator, responder, "payload three");
  ASSERT_TRUE(initiator.Complete() && responder.Complete());
  EXPECT_EQ(responder.RemoteStatic(), i_static.public_key());
  EXPECT_EQ(initiator.HandshakeHash().size(), kNoiseHashSize);
  EXPECT_EQ(initiator.HandshakeHash(), responder.HandshakeHash());

  auto a = initiator.Split();
  auto b = responder.Split();
  ASSERT_TRUE(a && b);
  // One transport per handshake: a second would reuse the same nonces.
  EXPECT_EQ(initiator.Split().error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(initiator.HandshakeHash(), responder.HandshakeHash());  // still there for binding
  for (int round = 0; round < 50; ++round) {
    std::string msg(round * 37, static_cast<char>('a' + round % 26));
    auto c = a->Encrypt(msg);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->size(), msg.size() + kNoiseTagSize);
    auto d = b->Decrypt(*c);
    ASSERT_TRUE(d) << d.error().ToString();
    EXPECT_EQ(*d, msg);
    auto c2 = b->Encrypt("reply " + msg);
    ASSERT_TRUE(c2);
    auto d2 = a->Decrypt(*c2);
    ASSERT_TRUE(d2) << d2.error().ToString();
    EXPECT_EQ(*d2, "reply " + msg);
  }
  // The two directions use different keys: our own message does not decrypt
  // as the peer's.
  auto mine = a->Encrypt("echo");
  ASSERT_TRUE(mine);
  EXPECT_FALSE(a->Decrypt(*mine));
}

TEST(Noise, FreshEphemeralsMakeEverySessionDifferent) {
  Peers p1 = NewPeers(), p2 = NewPeers();
  RunHandshake(p1);
  RunHandshake(p2);
  EXPECT_NE(p1.initiator.HandshakeHash(), p2.initiator.HandshakeHash());
}

TEST(Noise, TamperedHandshakeMessageFailsCleanly) {
  // Every byte of messages 2 and 3 is covered by a MAC or a DH.
  for (int which = 1; which <= 2; ++which) {
    Peers probe = NewPeers();
    Relay(probe.initiator, probe.responder, "one");
    std::string m2 = Relay(probe.responder, probe.initiator, "two");
    std::string m3 = Relay(probe.initiator, probe.responder, "three");
    const std::size_t size = which == 1 ? m2.size() : m3.size();
    for (std::size_t pos = 0; pos < size; ++pos) {
      SCOPED_TRACE("message " + std::to_string(which + 1) + " byte " + std::to_string(pos));
      Peers p = NewPeers();
      Relay(p.initiator, p.responder, "one");
      NoiseHandshake* reader = &p.initiator;
      if (which == 2) {
        Relay(p.responder, p.initiator, "two");
        reader = &p.responder;
      }
      NoiseHandshake& writer = which == 1 ? p.responder : p.initiator;
      auto msg = writer.WriteMessage(which == 1 ? "two" : "three");
      ASSERT_TRUE(msg);
      (*msg)[pos] ^= 0x01;
      auto got = reader->ReadMessage(*msg);
      ASSERT_FALSE(got);
      EXPECT_EQ(got.error().code(), Code::kProtocol) << got.error().ToString();
      EXPECT_TRUE(reader->Failed());
      EXPECT_FALSE(reader->Complete());
      EXPECT_FALSE(reader->Split());
      // A dead handshake stays dead, even for the untampered bytes.
      (*msg)[pos] ^= 0x01;
      auto again = reader->ReadMessage(*msg);
      ASSERT_FALSE(again);
      EXPECT_EQ(again.error().code(), Code::kFailedPrecondition);
      EXPECT_FALSE(reader->WriteMessage("x"));
    }
  }
}

TEST(Noise, TamperedFirstMessageFailsAtTheInitiator) {
  // Message 1 carries no MAC; a changed byte still diverges the transcripts,
  // so the initiator refuses the reply.
  Peers p = NewPeers();
  auto m1 = p.initiator.WriteMessage("hi");
  ASSERT_TRUE(m1);
  (*m1)[m1->size() - 1] ^= 0x80;  // a payload byte: the DHs still agree, the hashes do not
  ASSERT_TRUE(p.responder.ReadMessage(*m1));
  auto m2 = p.responder.WriteMessage("");
  ASSERT_TRUE(m2);
  auto got = p.initiator.ReadMessage(*m2);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), Code::kProtocol);
}

TEST(Noise, TruncatedOrExtendedHandshakeMessagesRefused) {
  for (int which = 0; which < 3; ++which) {
    Peers probe = NewPeers();
    std::string msgs[3];
    msgs[0] = Relay(probe.initiator, probe.responder, "p0");
    msgs[1] = Relay(probe.responder, probe.initiator, "p1");
    msgs[2] = Relay(probe.initiator, probe.responder, "p2");
    for (std::size_t len = 0; len <= msgs[which].size() + 1; ++len) {
      SCOPED_TRACE("message " + std::to_string(which + 1) + " length " + std::to_string(len));
      Peers p = NewPeers();
      std::string m;
      for (int i = 0; i <= which; ++i) {
        NoiseHandshake& writer = i % 2 == 0 ? p.initiator : p.responder;
        auto w = writer.WriteMessage("p" + std::to_string(i));
        ASSERT_TRUE(w);
        m = *w;
        if (i < which) {
          ASSERT_TRUE((i % 2 == 0 ? p.responder : p.initiator).ReadMessage(m));
        }
      }
      NoiseHandshake& reader = which % 2 == 0 ? p.responder : p.initiator;
      std::string cut = m.substr(0, std::min(len, m.size()));
      if (len > m.size()) cut.push_back('\0');  // one byte too many
      auto got = reader.ReadMessage(cut);
      // Message 1's payload is in clear, so any length >= 32 is well formed.
      if (which == 0 && len >= kNoiseKeySize) {
        EXPECT_TRUE(got);
        continue;
      }
      if (len == m.size()) {
        EXPECT_TRUE(got);
        continue;
      }
      ASSERT_FALSE(got);
      EXPECT_EQ(got.error().code(), Code::kProtocol);
    }
  }
}

TEST(Noise, DifferentPrologueFailsTheHandshake) {
  // Peers with another network key: the initiator refuses the reply and
  // records no remote static key. (A prober ignoring the MAC could still read
  // it: the prologue is authenticated, not secret; see noise.h.)
  Peers p = NewPeers("praxis/1 network-key-A", "praxis/1 network-key-B");
  Relay(p.initiator, p.responder, "");
  auto m2 = p.responder.WriteMessage("");
  ASSERT_TRUE(m2);
  auto got = p.initiator.ReadMessage(*m2);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), Code::kProtocol);
  EXPECT_TRUE(p.initiator.RemoteStatic().IsZero());
  EXPECT_FALSE(p.initiator.Complete());
  EXPECT_FALSE(p.initiator.WriteMessage(""));
}

TEST(Noise, OutOfTurnCallsRefusedWithoutHarm) {
  Peers p = NewPeers();
  auto early = p.initiator.ReadMessage(std::string(96, 'x'));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(p.responder.WriteMessage(""));
  EXPECT_FALSE(p.initiator.Failed());
  EXPECT_FALSE(p.responder.Failed());
  RunHandshake(p);  // still usable: nothing was consumed
  EXPECT_EQ(p.initiator.WriteMessage("").error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(p.responder.ReadMessage("").error().code(), Code::kFailedPrecondition);
}

TEST(Noise, AllZeroRemoteEphemeralRefused) {
  // Low-order X25519 points: every DH with them is all zeros, so the peer
  // would learn a "shared" secret without knowing a key.
  const char* kLowOrder[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  for (const char* point : kLowOrder) {
    SCOPED_TRACE(point);
    // Responder side: message 1 is read (it has no DH), but the ee DH of the
    // reply fails, so no message 2 is ever produced.
    {
      Peers p = NewPeers();
      ASSERT_TRUE(p.responder.ReadMessage(Unhex(point)));
      auto m2 = p.responder.WriteMessage("");
      ASSERT_FALSE(m2);
      EXPECT_EQ(m2.error().code(), Code::kProtocol);
      EXPECT_TRUE(p.responder.Failed());
    }
    // Initiator side: a message 2 whose e is low-order fails in ReadMessage.
    {
      Peers p = NewPeers();
      ASSERT_TRUE(p.initiator.WriteMessage(""));
      std::string m2 = Unhex(point) + std::string(kNoiseKeySize + 2 * kNoiseTagSize, '\x42');
      auto got = p.initiator.ReadMessage(m2);
      ASSERT_FALSE(got);
      EXPECT_EQ(got.error().code(), Code::kProtocol);
      EXPECT_NE(got.error().message().find("all-zero"), std::string::npos)
          << got.error().ToString();
      EXPECT_TRUE(p.initiator.Failed());
    }
  }
}

TEST(Noise, HandshakeMessageSizeLimits) {
  Peers p = NewPeers();
  // Message 1 is e (32 bytes) plus the payload in clear.
  const std::size_t max_payload = kNoiseMaxMessage - kNoiseKeySize;
  auto too_big = p.initiator.WriteMessage(std::string(max_payload + 1, 'x'));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), Code::kInvalidArgument);
  EXPECT_FALSE(p.initiator.Failed());  // refused before any state changed
  auto over = p.responder.ReadMessage(std::string(kNoiseMaxMessage + 1, 'x'));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Code::kProtocol);

  Peers q = NewPeers();
  auto biggest = q.initiator.WriteMessage(std::string(max_payload, 'x'));
  ASSERT_TRUE(biggest);
  EXPECT_EQ(biggest->size(), kNoiseMaxMessage);
  ASSERT_TRUE(q.responder.ReadMessage(*biggest));
  // Message 2 carries e, s with tag, payload tag.
  const std::size_t max2 = kNoiseMaxMessage - (2 * kNoiseKeySize + 2 * kNoiseTagSize);
  EXPECT_EQ(q.responder.WriteMessage(std::string(max2 + 1, 'y')).error().code(),
            Code::kInvalidArgument);
  auto m2 = q.responder.WriteMessage(std::string(max2, 'y'));
  ASSERT_TRUE(m2);
  EXPECT_EQ(m2->size(), kNoiseMaxMessage);
  ASSERT_TRUE(q.initiator.ReadMessage(*m2));
}

// ------------------------------------------------------------ pre-shared key (XXpsk0)

NoisePsk PskOf(char fill) {
  auto psk = NoisePskFromBytes(std::string(kNoisePskSize, fill));
  EXPECT_TRUE(psk);
  return psk.value_or(NoisePsk{});
}

TEST(NoisePsk, PskMustBeExactly32Bytes) {
  for (std::size_t len : {0u, 1u, 16u, 31u, 33u, 64u}) {
    auto psk = NoisePskFromBytes(std::string(len, 'k'));
    ASSERT_FALSE(psk) << len;
    EXPECT_EQ(psk.error().code(), Code::kInvalidArgument) << len;
  }
  auto psk = NoisePskFromBytes(std::string(kNoisePskSize, 'k'));
  ASSERT_TRUE(psk);
  NoisePsk expected;
  expected.fill('k');
  EXPECT_EQ(*psk, expected);
}

TEST(NoisePsk, SamePskCompletesAndExchangesTransportMessages) {
  crypto::InitCrypto();
  X25519KeyPair i_static = X25519KeyPair::Generate(), r_static = X25519KeyPair::Generate();
  NoiseHandshake initiator(NoiseRole::kInitiator, i_static, kPrologue, PskOf('n'));
  NoiseHandshake responder(NoiseRole::kResponder, r_static, kPrologue, PskOf('n'));
  std::string m1 = Relay(initiator, responder, "hello");
  // psk0 encrypts message 1's payload: e, then payload + tag, no clear text.
  EXPECT_EQ(m1.size(), kNoiseKeySize + 5 + kNoiseTagSize);
  EXPECT_EQ(m1.find("hello"), std::string::npos);
  std::string m2 = Relay(responder, initiator, "who are you");
  EXPECT_EQ(m2.size(), 2 * kNoiseKeySize + 11 + 2 * kNoiseTagSize);
  EXPECT_EQ(initiator.RemoteStatic(), r_static.public_key());
  Relay(initiator, responder, "a friend");
  ASSERT_TRUE(initiator.Complete() && responder.Complete());
  EXPECT_EQ(responder.RemoteStatic(), i_static.public_key());
  EXPECT_EQ(initiator.HandshakeHash(), responder.HandshakeHash());

  auto a = initiator.Split();
  auto b = responder.Split();
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 20; ++round) {
    std::string msg(round * 53, static_cast<char>('A' + round % 26));
    auto c = a->Encrypt(msg);
    ASSERT_TRUE(c);
    EXPECT_EQ(b->Decrypt(*c).value_or("?"), msg);
    auto c2 = b->Encrypt("re: " + msg);
    ASSERT_TRUE(c2);
    EXPECT_EQ(a->Decrypt(*c2).value_or("?"), "re: " + msg);
  }
}

TEST(NoisePsk, PskAndPlainModesDoNotInteroperate) {
  // Different protocol names, and message 1 differs in shape: a psk0 responder
  // refuses a plain XX message 1 and vice versa the plain responder's reply
  // is refused by a psk0 initiator.
  crypto::InitCrypto();
  {
    NoiseHandshake initiator(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue);
    NoiseHandshake responder(NoiseRole::kResponder, X25519KeyPair::Generate(), kPrologue,
                             PskOf('n'));
    auto m1 = initiator.WriteMessage(std::string(kNoiseTagSize, 'p'));  // long enough
    ASSERT_TRUE(m1);
    auto got = responder.ReadMessage(*m1);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kProtocol);
  }
  {
    NoiseHandshake initiator(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue,
                             PskOf('n'));
    NoiseHandshake responder(NoiseRole::kResponder, X25519KeyPair::Generate(), kPrologue);
    auto m1 = initiator.WriteMessage("");
    ASSERT_TRUE(m1);
    ASSERT_TRUE(responder.ReadMessage(*m1));  // plain XX: message 1 has no MAC
    auto m2 = responder.WriteMessage("");
    ASSERT_TRUE(m2);
    auto got = initiator.ReadMessage(*m2);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kProtocol);
    EXPECT_TRUE(initiator.RemoteStatic().IsZero());
  }
}

TEST(NoisePsk, DifferentPskFailsAtMessageOneAndNoReplyIsMade) {
  // psk0 keys message 1's payload MAC with the PSK: the responder refuses
  // message 1 (even with an empty payload: the tag is still there), is dead,
  // and so never produces a message 2 carrying its static key.
  crypto::InitCrypto();
  for (std::string payload : {std::string(), std::string("hello")}) {
    SCOPED_TRACE("payload '" + payload + "'");
    NoiseHandshake initiator(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue,
                             PskOf('A'));
    NoiseHandshake responder(NoiseRole::kResponder, X25519KeyPair::Generate(), kPrologue,
                             PskOf('B'));
    auto m1 = initiator.WriteMessage(payload);
    ASSERT_TRUE(m1);
    auto got = responder.ReadMessage(*m1);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kProtocol) << got.error().ToString();
    EXPECT_TRUE(responder.Failed());
    EXPECT_TRUE(responder.RemoteStatic().IsZero());
    auto m2 = responder.WriteMessage("");
    ASSERT_FALSE(m2);
    EXPECT_EQ(m2.error().code(), Code::kFailedPrecondition);
    EXPECT_FALSE(responder.Split());
  }
}

TEST(NoisePsk, ProberWithoutPskCannotReadResponderStaticFromMessageTwo) {
  // The property that motivated psk0. A prober without the PSK cannot make a
  // message 1 the responder accepts (previous test), but it can replay an
  // honest initiator's message 1 and get a real message 2 back. Give the
  // prober more than it would have (the honest initiator's ephemeral secret,
  // so ee and es come out the same) and only a wrong PSK: following the
  // protocol it still fails ReadMessage of message 2 with Protocol and learns
  // no static key, because every key after message 1 depends on the PSK.
  crypto::InitCrypto();
  const X25519KeyPair ephemeral = X25519KeyPair::Generate();
  const X25519KeyPair r_static = X25519KeyPair::Generate();
  NoiseHandshake honest(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue, PskOf('n'),
                        ephemeral);
  NoiseHandshake responder(NoiseRole::kResponder, r_static, kPrologue, PskOf('n'));
  auto m1 = honest.WriteMessage("");
  ASSERT_TRUE(m1);
  ASSERT_TRUE(responder.ReadMessage(*m1));
  auto m2 = responder.WriteMessage("responder payload");
  ASSERT_TRUE(m2);
  // The responder's static key is not in message 2 in clear.
  EXPECT_EQ(m2->find(r_static.public_key().View()), std::string::npos);

  for (char wrong : {'x', '\0'}) {
    SCOPED_TRACE(std::string("prober psk fill ") + (wrong ? "x" : "zero"));
    NoiseHandshake prober(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue,
                          PskOf(wrong), ephemeral);
    auto p1 = prober.WriteMessage("");
    ASSERT_TRUE(p1);
    // Same ephemeral, so the same e on the wire; only the PSK-keyed tag differs.
    EXPECT_EQ(p1->substr(0, kNoiseKeySize), m1->substr(0, kNoiseKeySize));
    EXPECT_NE(*p1, *m1);
    auto got = prober.ReadMessage(*m2);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kProtocol) << got.error().ToString();
    EXPECT_TRUE(prober.RemoteStatic().IsZero());
    EXPECT_TRUE(prober.Failed());
    EXPECT_FALSE(prober.Complete());
    EXPECT_EQ(prober.WriteMessage("").error().code(), Code::kFailedPrecondition);
  }
  // The honest initiator, with the PSK, reads the same message 2.
  auto ok = honest.ReadMessage(*m2);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(*ok, "responder payload");
  EXPECT_EQ(honest.RemoteStatic(), r_static.public_key());
}

TEST(NoisePsk, TamperedPskMessageOneFailsCleanly) {
  // With psk0, message 1 is authenticated by the responder: every byte counts
  // (e via MixKey, the rest via the tag).
  crypto::InitCrypto();
  NoiseHandshake probe(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue, PskOf('n'));
  const std::size_t size = probe.WriteMessage("hi").value_or("").size();
  ASSERT_EQ(size, kNoiseKeySize + 2 + kNoiseTagSize);
  for (std::size_t pos = 0; pos <= size; ++pos) {
    SCOPED_TRACE("byte " + std::to_string(pos));
    NoiseHandshake initiator(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue,
                             PskOf('n'));
    NoiseHandshake responder(NoiseRole::kResponder, X25519KeyPair::Generate(), kPrologue,
                             PskOf('n'));
    auto m1 = initiator.WriteMessage("hi");
    ASSERT_TRUE(m1);
    std::string bad = *m1;
    if (pos < size) {
      bad[pos] ^= 0x01;
    } else {
      bad.resize(kNoiseKeySize + kNoiseTagSize - 1);  // too short for e and a tag
    }
    auto got = responder.ReadMessage(bad);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kProtocol);
    EXPECT_TRUE(responder.Failed());
  }
}

TEST(NoisePsk, HandshakeMessageSizeLimits) {
  // Message 1 in psk0 is e plus an encrypted payload: one tag less room.
  crypto::InitCrypto();
  NoiseHandshake initiator(NoiseRole::kInitiator, X25519KeyPair::Generate(), kPrologue,
                           PskOf('n'));
  NoiseHandshake responder(NoiseRole::kResponder, X25519KeyPair::Generate(), kPrologue,
                           PskOf('n'));
  const std::size_t max_payload = kNoiseMaxMessage - kNoiseKeySize - kNoiseTagSize;
  auto too_big = initiator.WriteMessage(std::string(max_payload + 1, 'x'));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), Code::kInvalidArgument);
  EXPECT_FALSE(initiator.Failed());
  auto biggest = initiator.WriteMessage(std::string(max_payload, 'x'));
  ASSERT_TRUE(biggest) << biggest.error().ToString();
  EXPECT_EQ(biggest->size(), kNoiseMaxMessage);
  auto got = responder.ReadMessage(*biggest);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->size(), max_payload);
}

// ------------------------------------------------------------ transport

struct Sessions {
  NoiseTransport initiator;
  NoiseTransport responder;
};

Sessions Established() {
  Peers p = NewPeers();
  RunHandshake(p);
  auto a = p.initiator.Split();
  auto b = p.responder.Split();
  if (!a || !b) {
    ADD_FAILURE() << "handshake did not complete";
    std::abort();  // no Sessions to return; RunHandshake already said why
  }
  return Sessions{std::move(*a), std::move(*b)};
}

TEST(Noise, TransportMessageOver65535BytesRefused) {
  Sessions s = Established();
  auto largest = s.initiator.Encrypt(std::string(kNoiseMaxPlaintext, 'z'));
  ASSERT_TRUE(largest);
  EXPECT_EQ(largest->size(), kNoiseMaxMessage);
  auto too_big = s.initiator.Encrypt(std::string(kNoiseMaxPlaintext + 1, 'z'));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), Code::kInvalidArgument);

  auto over = s.responder.Decrypt(std::string(kNoiseMaxMessage + 1, 'z'));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Code::kProtocol);
  auto short_msg = s.responder.Decrypt(std::string(kNoiseTagSize - 1, 'z'));
  ASSERT_FALSE(short_msg);
  EXPECT_EQ(short_msg.error().code(), Code::kProtocol);
  // Refusals consumed no nonce: the largest message still decrypts.
  auto back = s.responder.Decrypt(*largest);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->size(), kNoiseMaxPlaintext);
}

TEST(Noise, TransportRefusesForgedReplayedAndReorderedMessages) {
  Sessions s = Established();
  auto c0 = s.initiator.Encrypt("first");
  auto c1 = s.initiator.Encrypt("second");
  ASSERT_TRUE(c0 && c1);
  EXPECT_EQ(s.responder.Decrypt(*c1).error().code(), Code::kProtocol);  // reordered
  std::string forged = *c0;
  forged[2] ^= 0x04;
  EXPECT_EQ(s.responder.Decrypt(forged).error().code(), Code::kProtocol);
  EXPECT_FALSE(s.responder.Decrypt(c0->substr(0, c0->size() - 1)));  // truncated
  // Failures leave the receive nonce where it was (spec §5.1).
  EXPECT_EQ(s.responder.Decrypt(*c0).value_or("?"), "first");
  EXPECT_FALSE(s.responder.Decrypt(*c0));  // replayed
  EXPECT_EQ(s.responder.Decrypt(*c1).value_or("?"), "second");
  // An empty plaintext is a valid message: just a tag.
  auto empty = s.responder.Encrypt("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), kNoiseTagSize);
  EXPECT_EQ(s.initiator.Decrypt(*empty).value_or("?"), "");
}

TEST(Noise, NonceExhaustionRefused) {
  Sessions s = Established();
  // 2^64-1 is reserved: 2^64-2 is the last usable nonce. Both ends agree on
  // its encoding, including the top byte.
  constexpr std::uint64_t kLast = ~std::uint64_t{0} - 1;
  s.initiator.SetNoncesForTest(kLast, 0);
  s.responder.SetNoncesForTest(0, kLast);
  auto last = s.initiator.Encrypt("last");
  ASSERT_TRUE(last) << last.error().ToString();
  EXPECT_EQ(s.responder.Decrypt(*last).value_or("?"), "last");
  auto spent = s.initiator.Encrypt("one more");
  ASSERT_FALSE(spent);
  EXPECT_EQ(spent.error().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(s.responder.Decrypt(*last));
}

TEST(Noise, CipherStateNonceEncodingIsLittleEndianAfterZeros) {
  // Cross-check against libsodium directly: nonce = 0^32 || LE64(n).
  crypto::InitCrypto();
  std::array<std::uint8_t, kNoiseKeySize> key;
  crypto::RandomBytes(key.data(), key.size());
  CipherState cs;
  cs.InitializeKey(key);
  const std::uint64_t n = 0x0102030405060708ull;
  cs.SetNonceForTest(n);
  auto c = cs.EncryptWithAd("ad", "plain");
  ASSERT_TRUE(c);
  unsigned char nonce[12] = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  std::string expect(5 + kNoiseTagSize, '\0');
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(expect.data()), &len,
                                            reinterpret_cast<const unsigned char*>("plain"), 5,
                                            reinterpret_cast<const unsigned char*>("ad"), 2,
                                            nullptr, nonce, key.data());
  EXPECT_EQ(*c, expect);
  EXPECT_EQ(cs.nonce(), n + 1);
  // Without a key a CipherState passes bytes through (the first XX message).
  CipherState empty;
  EXPECT_EQ(empty.EncryptWithAd("ad", "clear").value_or("?"), "clear");
}

// ------------------------------------------------------------ keys

TEST(Noise, X25519FromEd25519MatchesLibsodiumAndAuthenticates) {
  crypto::InitCrypto();
  crypto::KeyPair alice = crypto::KeyPair::Generate();
  crypto::KeyPair bob = crypto::KeyPair::Generate();
  X25519KeyPair a = X25519FromEd25519(alice);
  X25519KeyPair b = X25519FromEd25519(bob);
  // Same derivation twice, and the public half matches the secret half.
  EXPECT_EQ(X25519FromEd25519(alice).public_key(), a.public_key());
  std::string secret(kNoiseKeySize, '\0');
  crypto_sign_ed25519_sk_to_curve25519(
      reinterpret_cast<unsigned char*>(secret.data()),
      reinterpret_cast<const unsigned char*>(alice.SecretForStorage().data()));
  EXPECT_EQ(X25519KeyPair::FromSecret(secret)->public_key(), a.public_key());
  sodium_memzero(secret.data(), secret.size());
  EXPECT_NE(a.public_key(), b.public_key());
  EXPECT_NE(a.public_key(), alice.public_key());  // a different encoding, not a copy

  NoiseHandshake initiator(NoiseRole::kInitiator, a, kPrologue);
  NoiseHandshake responder(NoiseRole::kResponder, b, kPrologue);
  Relay(initiator, responder, "");
  Relay(responder, initiator, "");
  Relay(initiator, responder, "");
  ASSERT_TRUE(initiator.Complete() && responder.Complete());
  EXPECT_EQ(initiator.RemoteStatic(), b.public_key());
  EXPECT_EQ(responder.RemoteStatic(), a.public_key());
}

TEST(Noise, KeyPairFromSecretChecksLength) {
  EXPECT_FALSE(X25519KeyPair::FromSecret(std::string(31, 'k')));
  EXPECT_FALSE(X25519KeyPair::FromSecret(std::string(33, 'k')));
  EXPECT_TRUE(X25519KeyPair::FromSecret(std::string(32, 'k')));
}

}  // namespace
}  // namespace praxis::net
