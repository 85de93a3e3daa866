// Noise_XX_25519_ChaChaPoly_BLAKE2b and its XXpsk0 variant, following the Noise spec revision 34
// section by section; see noise.h for the contract.
#include "praxis/net/noise.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace praxis::net {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kNoiseKeySize);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kNoiseTagSize);
static_assert(crypto_scalarmult_BYTES == kNoiseKeySize);
static_assert(crypto_scalarmult_SCALARBYTES == kNoiseKeySize);
static_assert(crypto_generichash_BYTES_MAX == kNoiseHashSize);

using Hash = std::array<std::uint8_t, kNoiseHashSize>;
using Key = std::array<std::uint8_t, kNoiseKeySize>;

constexpr std::size_t kBlockLen = 128;  // BLAKE2b's block, HMAC's pad width
// n = 2^64-1 is reserved (spec §5.1): a CipherState that reached it is spent.
constexpr std::uint64_t kMaxNonce = ~std::uint64_t{0};

const unsigned char* Bytes(std::string_view s) {
  // libsodium is handed a real pointer even for empty input: a default
  // string_view has data() == nullptr.
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::string_view View(const std::array<std::uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}

// HASH(): unkeyed BLAKE2b-512 over the concatenation of `parts`.
Hash Blake2b512(std::initializer_list<std::string_view> parts) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kNoiseHashSize);
  for (std::string_view p : parts) crypto_generichash_update(&st, Bytes(p), p.size());
  Hash out;
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

// HMAC-BLAKE2b (RFC 2104). libsodium has no such thing: its HMACs are SHA-2,
// and BLAKE2b's own keyed mode is not what Noise specifies.
Hash Hmac(std::string_view key, std::initializer_list<std::string_view> data) {
  std::array<std::uint8_t, kBlockLen> pad{};
  Hash hashed_key{};
  if (key.size() > kBlockLen) {  // never for Noise (keys are HASHLEN), but RFC 2104 says so
    hashed_key = Blake2b512({key});
    key = View(hashed_key);
  }
  std::memcpy(pad.data(), Bytes(key), key.size());
  for (auto& b : pad) b ^= 0x36;
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kNoiseHashSize);
  crypto_generichash_update(&st, pad.data(), pad.size());
  for (std::string_view p : data) crypto_generichash_update(&st, Bytes(p), p.size());
  Hash inner;
  crypto_generichash_final(&st, inner.data(), inner.size());
  for (auto& b : pad) b ^= 0x36 ^ 0x5c;
  Hash out = Blake2b512({View(pad), View(inner)});
  sodium_memzero(pad.data(), pad.size());
  sodium_memzero(inner.data(), inner.size());
  sodium_memzero(hashed_key.data(), hashed_key.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

// HKDF(chaining_key, input_key_material, 2), spec §4.3.
std::pair<Hash, Hash> Hkdf2(const Hash& chaining_key, std::string_view ikm) {
  Hash temp_key = Hmac(View(chaining_key), {ikm});
  const char one = 0x01, two = 0x02;
  Hash out1 = Hmac(View(temp_key), {std::string_view(&one, 1)});
  Hash out2 = Hmac(View(temp_key), {View(out1), std::string_view(&two, 1)});
  sodium_memzero(temp_key.data(), temp_key.size());
  return {out1, out2};
}

// HKDF(chaining_key, input_key_material, 3), spec §4.3.
std::array<Hash, 3> Hkdf3(const Hash& chaining_key, std::string_view ikm) {
  Hash temp_key = Hmac(View(chaining_key), {ikm});
  const char one = 0x01, two = 0x02, three = 0x03;
  std::array<Hash, 3> out;
  out[0] = Hmac(View(temp_key), {std::string_view(&one, 1)});
  out[1] = Hmac(View(temp_key), {View(out[0]), std::string_view(&two, 1)});
  out[2] = Hmac(View(temp_key), {View(out[1]), std::string_view(&three, 1)});
  sodium_memzero(temp_key.data(), temp_key.size());
  return out;
}

// HASHLEN is 64 but cipher keys are 32 bytes: spec §5.2 truncates.
Key Truncate(const Hash& h) {
  Key k;
  std::memcpy(k.data(), h.data(), k.size());
  return k;
}

// ChaChaPoly's 96-bit nonce: 32 bits of zeros || little-endian 64-bit n (§12.3).
std::array<unsigned char, 12> Nonce(std::uint64_t n) {
  std::array<unsigned char, 12> out{};
  for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<unsigned char>(n >> (8 * i));
  return out;
}

using Token = NoiseToken;

// The XX pattern and XXpsk0 (spec §9: psk at the start of the first
// message); no pre-messages.
struct MessagePattern {
  Token tokens[4];
  int count;
};
constexpr MessagePattern kXX[3] = {
    {{Token::kE}, 1},                                     // -> e
    {{Token::kE, Token::kEE, Token::kS, Token::kES}, 4},  // <- e, ee, s, es
    {{Token::kS, Token::kSE}, 2},                         // -> s, se
};
constexpr MessagePattern kXXpsk0[3] = {
    {{Token::kPsk, Token::kE}, 2},                        // -> psk, e
    {{Token::kE, Token::kEE, Token::kS, Token::kES}, 4},  // <- e, ee, s, es
    {{Token::kS, Token::kSE}, 2},                         // -> s, se
};

// Bytes a message adds around its payload: keys, and a tag on every field
// encrypted once a key is mixed in. `has_key` is the state before the message.
// In PSK mode every e also calls MixKey (spec §9).
std::size_t Overhead(const MessagePattern& m, bool has_key, bool psk_mode) {
  std::size_t n = 0;
  for (int i = 0; i < m.count; ++i) {
    switch (m.tokens[i]) {
      case Token::kE:
        n += kNoiseKeySize;
        if (psk_mode) has_key = true;
        break;
      case Token::kPsk:
        has_key = true;  // MixKeyAndHash
        break;
      case Token::kS:
        n += kNoiseKeySize + (has_key ? kNoiseTagSize : 0);
        break;
      default:  // every DH token calls MixKey (ee, es, se)
        has_key = true;
        break;
    }
  }
  return n + (has_key ? kNoiseTagSize : 0);
}

}  // namespace

Result<NoisePsk> NoisePskFromBytes(std::string_view bytes) {
  if (bytes.size() != kNoisePskSize)
    return Err(Status::InvalidArgument("noise: a pre-shared key is exactly 32 bytes"));
  NoisePsk psk;
  std::memcpy(psk.data(), bytes.data(), psk.size());
  return psk;
}

// ---------------------------------------------------------------- key pairs

X25519KeyPair X25519KeyPair::Generate() {
  X25519KeyPair kp;
  crypto::RandomBytes(kp.secret_.data(), kp.secret_.size());
  crypto_scalarmult_base(kp.public_key_.bytes.data(), kp.secret_.data());
  return kp;
}

std::optional<X25519KeyPair> X25519KeyPair::FromSecret(std::string_view secret) {
  if (secret.size() != kNoiseKeySize) return std::nullopt;
  X25519KeyPair kp;
  std::memcpy(kp.secret_.data(), secret.data(), kNoiseKeySize);
  crypto_scalarmult_base(kp.public_key_.bytes.data(), kp.secret_.data());
  return kp;
}

X25519KeyPair::~X25519KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

X25519KeyPair X25519FromEd25519(const crypto::KeyPair& identity) {
  X25519KeyPair kp;
  crypto_sign_ed25519_sk_to_curve25519(kp.secret_.data(), Bytes(identity.SecretForStorage()));
  Id from_secret;
  crypto_scalarmult_base(from_secret.bytes.data(), kp.secret_.data());
  // A KeyPair is valid by construction (FromSecret checks its halves), so a
  // failed or disagreeing conversion means memory corruption or a libsodium
  // bug: nothing safe can follow.
  if (crypto_sign_ed25519_pk_to_curve25519(kp.public_key_.bytes.data(),
                                           identity.public_key().bytes.data()) != 0 ||
      kp.public_key_ != from_secret) {
    std::fprintf(stderr, "praxis: Ed25519 to X25519 conversion disagrees\n");
    std::abort();
  }
  return kp;
}

// ---------------------------------------------------------------- CipherState

CipherState::~CipherState() { sodium_memzero(k_.data(), k_.size()); }

void CipherState::InitializeKey(const std::array<std::uint8_t, kNoiseKeySize>& key) {
  k_ = key;
  has_key_ = true;
  n_ = 0;
}

Result<std::string> CipherState::EncryptWithAd(std::string_view ad, std::string_view plaintext) {
  if (!has_key_) return std::string(plaintext);
  if (n_ == kMaxNonce) return Err(Status::FailedPrecondition("noise: nonce exhausted"));
  std::string out(plaintext.size() + kNoiseTagSize, '\0');
  auto nonce = Nonce(n_);
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data()), &len,
                                            Bytes(plaintext), plaintext.size(), Bytes(ad),
                                            ad.size(), nullptr, nonce.data(), k_.data());
  ++n_;
  return out;
}

Result<std::string> CipherState::DecryptWithAd(std::string_view ad, std::string_view ciphertext) {
  if (!has_key_) return std::string(ciphertext);
  if (ciphertext.size() < kNoiseTagSize)
    return Err(Status::Protocol("noise: message shorter than its tag"));
  if (n_ == kMaxNonce) return Err(Status::FailedPrecondition("noise: nonce exhausted"));
  std::string out(ciphertext.size() - kNoiseTagSize, '\0');
  auto nonce = Nonce(n_);
  unsigned long long len = 0;
  // out.data() is valid even when empty, so libsodium always gets a buffer.
  if (crypto_aead_chacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &len,
                                                nullptr, Bytes(ciphertext), ciphertext.size(),
                                                Bytes(ad), ad.size(), nonce.data(), k_.data()) != 0)
    return Err(Status::Protocol("noise: bad MAC"));
  ++n_;
  return out;
}

// ---------------------------------------------------------------- NoiseTransport

Result<std::string> NoiseTransport::Encrypt(std::string_view plaintext) {
  if (plaintext.size() > kNoiseMaxPlaintext)
    return Err(Status::InvalidArgument("noise: plaintext over 65519 bytes; split it"));
  return send_.EncryptWithAd({}, plaintext);
}

Result<std::string> NoiseTransport::Decrypt(std::string_view ciphertext) {
  if (ciphertext.size() > kNoiseMaxMessage)
    return Err(Status::Protocol("noise: transport message over 65535 bytes"));
  return receive_.DecryptWithAd({}, ciphertext);
}

// ---------------------------------------------------------------- SymmetricState

SymmetricState::SymmetricState(std::string_view protocol_name) {
  // Names up to HASHLEN are used as h directly, zero-padded (§5.2).
  if (protocol_name.size() <= kNoiseHashSize) {
    std::memcpy(h_.data(), Bytes(protocol_name), protocol_name.size());
  } else {
    h_ = Blake2b512({protocol_name});
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() { sodium_memzero(ck_.data(), ck_.size()); }

void SymmetricState::MixKey(const std::array<std::uint8_t, kNoiseKeySize>& input_key_material) {
  auto [ck, temp_k] = Hkdf2(ck_, View(input_key_material));
  ck_ = ck;
  cipher_.InitializeKey(Truncate(temp_k));
  sodium_memzero(ck.data(), ck.size());
  sodium_memzero(temp_k.data(), temp_k.size());
}

void SymmetricState::MixHash(std::string_view data) { h_ = Blake2b512({View(h_), data}); }

void SymmetricState::MixKeyAndHash(std::string_view input_key_material) {
  auto out = Hkdf3(ck_, input_key_material);
  ck_ = out[0];
  MixHash(View(out[1]));
  cipher_.InitializeKey(Truncate(out[2]));
  for (Hash& h : out) sodium_memzero(h.data(), h.size());
}

Result<std::string> SymmetricState::EncryptAndHash(std::string_view plaintext) {
  auto ciphertext = cipher_.EncryptWithAd(View(h_), plaintext);
  if (ciphertext) MixHash(*ciphertext);
  return ciphertext;
}

Result<std::string> SymmetricState::DecryptAndHash(std::string_view ciphertext) {
  auto plaintext = cipher_.DecryptWithAd(View(h_), ciphertext);
  // h absorbs the ciphertext, not the plaintext, so both sides hash the same bytes.
  if (plaintext) MixHash(ciphertext);
  return plaintext;
}

std::pair<CipherState, CipherState> SymmetricState::Split() const {
  auto [k1, k2] = Hkdf2(ck_, {});
  std::pair<CipherState, CipherState> out;
  out.first.InitializeKey(Truncate(k1));
  out.second.InitializeKey(Truncate(k2));
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  return out;
}

// ---------------------------------------------------------------- NoiseHandshake

NoiseHandshake::NoiseHandshake(NoiseRole role, X25519KeyPair local_static,
                               std::string_view prologue, std::optional<NoisePsk> psk,
                               std::optional<X25519KeyPair> ephemeral_for_test)
    : role_(role),
      psk_mode_(psk.has_value()),
      psk_(std::move(psk)),
      static_(std::move(local_static)),
      ephemeral_(std::move(ephemeral_for_test)),
      symmetric_(psk_mode_ ? kNoisePskProtocolName : kNoiseProtocolName) {
  symmetric_.MixHash(prologue);
}

NoiseHandshake::~NoiseHandshake() {
  if (psk_) sodium_memzero(psk_->data(), psk_->size());
}

void NoiseHandshake::MixPsk() {
  // REQUIRES: psk_mode_ (kPsk only appears in kXXpsk0), and the token occurs
  // once per handshake, so psk_ is still there.
  if (!psk_) {
    std::fprintf(stderr, "praxis: noise: psk token without a PSK\n");
    std::abort();
  }
  symmetric_.MixKeyAndHash(View(*psk_));
  sodium_memzero(psk_->data(), psk_->size());
  psk_.reset();
}

Status NoiseHandshake::Fail(Status why) {
  if (!why.ok()) failed_ = true;
  return why;
}

Status NoiseHandshake::MixDhToken(Token token) {
  // es is always the initiator's e with the responder's s, and se the
  // initiator's s with the responder's e, whichever side computes it.
  // REQUIRES (by the turn order): our ephemeral exists before any DH token.
  const bool initiator = role_ == NoiseRole::kInitiator;
  switch (token) {
    case Token::kEE:
      return MixDh(*ephemeral_, remote_ephemeral_);
    case Token::kES:
      return initiator ? MixDh(*ephemeral_, remote_static_) : MixDh(static_, remote_ephemeral_);
    case Token::kSE:
      return initiator ? MixDh(static_, remote_ephemeral_) : MixDh(*ephemeral_, remote_static_);
    default:
      break;
  }
  std::fprintf(stderr, "praxis: noise: not a DH token\n");
  std::abort();
}

Status NoiseHandshake::MixDh(const X25519KeyPair& local, const Id& remote) {
  Key shared;
  // libsodium already returns -1 for an all-zero result; the explicit check
  // keeps the refusal (spec §12.1 allows it, DESIGN §4 demands it) visible.
  bool bad = crypto_scalarmult(shared.data(), local.secret_.data(), remote.bytes.data()) != 0 ||
             sodium_is_zero(shared.data(), shared.size());
  if (!bad) symmetric_.MixKey(shared);
  sodium_memzero(shared.data(), shared.size());
  if (bad) return Status::Protocol("noise: all-zero DH output (low-order point)");
  return Status::OK();
}

Result<std::string> NoiseHandshake::WriteMessage(std::string_view payload) {
  if (failed_) return Err(Status::FailedPrecondition("noise: handshake failed earlier"));
  if (next_message_ >= kMessages)
    return Err(Status::FailedPrecondition("noise: handshake already complete"));
  if (!WeWrite(next_message_)) return Err(Status::FailedPrecondition("noise: not our turn"));
  const MessagePattern& pattern = (psk_mode_ ? kXXpsk0 : kXX)[next_message_];
  // Checked before any state changes, so a refused payload can be retried.
  if (payload.size() > kNoiseMaxMessage - Overhead(pattern, symmetric_.HasKey(), psk_mode_))
    return Err(Status::InvalidArgument("noise: handshake payload too large"));

  std::string out;
  for (int i = 0; i < pattern.count; ++i) {
    switch (pattern.tokens[i]) {
      case Token::kE:
        if (!ephemeral_) ephemeral_ = X25519KeyPair::Generate();
        out.append(ephemeral_->public_key().View());
        symmetric_.MixHash(ephemeral_->public_key().View());
        if (psk_mode_) symmetric_.MixKey(ephemeral_->public_key().bytes);
        break;
      case Token::kPsk:
        MixPsk();
        break;
      case Token::kS: {
        auto c = symmetric_.EncryptAndHash(static_.public_key().View());
        if (!c) return Err(Fail(c.error()));
        out.append(*c);
        break;
      }
      default:
        PRAXIS_RETURN_IF_ERROR(Fail(MixDhToken(pattern.tokens[i])));
        break;
    }
  }
  auto c = symmetric_.EncryptAndHash(payload);
  if (!c) return Err(Fail(c.error()));
  out.append(*c);
  ++next_message_;
  return out;
}

Result<std::string> NoiseHandshake::ReadMessage(std::string_view message) {
  if (failed_) return Err(Status::FailedPrecondition("noise: handshake failed earlier"));
  if (next_message_ >= kMessages)
    return Err(Status::FailedPrecondition("noise: handshake already complete"));
  if (WeWrite(next_message_)) return Err(Status::FailedPrecondition("noise: not the peer's turn"));
  const MessagePattern& pattern = (psk_mode_ ? kXXpsk0 : kXX)[next_message_];
  if (message.size() > kNoiseMaxMessage)
    return Err(Fail(Status::Protocol("noise: handshake message over 65535 bytes")));
  // With the minimum length known up front, the token loop below never reads
  // past the end of `message`.
  if (message.size() < Overhead(pattern, symmetric_.HasKey(), psk_mode_))
    return Err(Fail(Status::Protocol("noise: handshake message too short")));

  std::string_view rest = message;
  for (int i = 0; i < pattern.count; ++i) {
    switch (pattern.tokens[i]) {
      case Token::kE:
        std::memcpy(remote_ephemeral_.bytes.data(), rest.data(), kNoiseKeySize);
        symmetric_.MixHash(rest.substr(0, kNoiseKeySize));
        if (psk_mode_) symmetric_.MixKey(remote_ephemeral_.bytes);
        rest.remove_prefix(kNoiseKeySize);
        break;
      case Token::kPsk:
        MixPsk();
        break;
      case Token::kS: {
        std::size_t len = kNoiseKeySize + (symmetric_.HasKey() ? kNoiseTagSize : 0);
        auto s = symmetric_.DecryptAndHash(rest.substr(0, len));
        if (!s) return Err(Fail(s.error()));
        std::memcpy(remote_static_.bytes.data(), s->data(), kNoiseKeySize);
        rest.remove_prefix(len);
        break;
      }
      default:
        PRAXIS_RETURN_IF_ERROR(Fail(MixDhToken(pattern.tokens[i])));
        break;
    }
  }
  auto payload = symmetric_.DecryptAndHash(rest);
  if (!payload) return Err(Fail(payload.error()));
  ++next_message_;
  return payload;
}

Result<NoiseTransport> NoiseHandshake::Split() {
  if (!Complete()) return Err(Status::FailedPrecondition("noise: handshake not complete"));
  if (split_) return Err(Status::FailedPrecondition("noise: transport already split off"));
  split_ = true;
  auto [initiator_to_responder, responder_to_initiator] = symmetric_.Split();
  if (role_ == NoiseRole::kInitiator)
    return NoiseTransport(std::move(initiator_to_responder), std::move(responder_to_initiator));
  return NoiseTransport(std::move(responder_to_initiator), std::move(initiator_to_responder));
}

}  // namespace praxis::net
