// Noise_XX_25519_ChaChaPoly_BLAKE2b and Noise_XXpsk0_25519_ChaChaPoly_BLAKE2b
// (Noise Protocol Framework, revision 34) built from libsodium primitives, as a
// sans-I/O codec: bytes in, bytes out. No sockets, no clock, no globals; the
// session that owns a socket feeds it whole Noise messages (framing, i.e. the
// 2-byte length prefix, is the caller's job) and sends what it returns.
//
//   initiator                         responder
//   WriteMessage(p0) -> [psk,] e  -->  ReadMessage
//   ReadMessage      <-- e, ee, s, es  WriteMessage(p1)
//   WriteMessage(p2) -> s, se     -->  ReadMessage
//   Split() -> NoiseTransport          Split() -> NoiseTransport
//
// The prologue is mixed into the handshake hash, so two honest peers that
// disagree on it (another deployment's network key) fail at message 2: the
// initiator refuses the reply. The prologue is authenticated, not secret: the
// keys that encrypt message 2 do not depend on it, so a prober that ignores
// the MAC still reads the responder's static key and payload.
//
// With a pre-shared key (XXpsk0, spec §9) the PSK is mixed into the keys
// before the first message: message 1's payload is encrypted and
// authenticated under it (so it carries a 16-byte tag), and every key after
// it depends on the PSK. A peer with another PSK fails at message 1 (the
// responder refuses it and sends nothing), and one that obtains a message 2
// anyway (by replaying someone's message 1) cannot decrypt the responder's
// static key or payload: hiding who answered from other deployments takes the
// network key as the PSK, not only in the prologue.
//
// Threading: none of these classes is thread-safe; each belongs to one session
// on one thread. REQUIRES: crypto::InitCrypto() has been called.
//
// Errors: whatever the peer sends yields a Status, never an assert or a crash:
//   kProtocol           the bytes are provably bad (wrong length, bad MAC,
//                       all-zero DH output, over 65535 bytes);
//   kInvalidArgument    our own caller passed something too large;
//   kFailedPrecondition wrong turn, used after a failure, or nonce exhausted.
// After a Protocol error the handshake is dead (its hash may already hold
// unauthenticated bytes) and every later call fails: drop the peer. The other
// errors change no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "praxis/crypto/crypto.h"
#include "praxis/storage/id.h"
#include "praxis/storage/status.h"

namespace praxis::net {

inline constexpr std::string_view kNoiseProtocolName = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
inline constexpr std::string_view kNoisePskProtocolName = "Noise_XXpsk0_25519_ChaChaPoly_BLAKE2b";
inline constexpr std::size_t kNoiseMaxMessage = 65535;  // spec §3: every Noise message
inline constexpr std::size_t kNoiseTagSize = 16;        // Poly1305
inline constexpr std::size_t kNoiseMaxPlaintext = kNoiseMaxMessage - kNoiseTagSize;
inline constexpr std::size_t kNoiseKeySize = 32;   // ChaChaPoly key, X25519 DHLEN
inline constexpr std::size_t kNoiseHashSize = 64;  // BLAKE2b HASHLEN
inline constexpr std::size_t kNoisePskSize = 32;   // spec §9: a PSK is exactly 32 bytes

// A Noise pre-shared key (in praxis: the network key).
using NoisePsk = std::array<std::uint8_t, kNoisePskSize>;
// InvalidArgument unless `bytes` is exactly 32 bytes long.
Result<NoisePsk> NoisePskFromBytes(std::string_view bytes);

// An X25519 key pair: the Noise static key or an ephemeral. The secret is
// wiped on destruction and leaves the object only through the handshake.
class X25519KeyPair {
 public:
  static X25519KeyPair Generate();
  // Returns nullopt unless `secret` is exactly 32 bytes. The public key is
  // derived (X25519 clamps the scalar, so any 32 bytes are a valid secret).
  static std::optional<X25519KeyPair> FromSecret(std::string_view secret);

  const Id& public_key() const { return public_key_; }

  X25519KeyPair(const X25519KeyPair&) = default;
  X25519KeyPair& operator=(const X25519KeyPair&) = default;
  ~X25519KeyPair();

 private:
  friend class NoiseHandshake;  // the only user of the secret (DH)
  friend X25519KeyPair X25519FromEd25519(const crypto::KeyPair& identity);
  X25519KeyPair() = default;
  std::array<std::uint8_t, kNoiseKeySize> secret_{};
  Id public_key_;
};

// The Noise static key of a node, derived from its Ed25519 identity so that a
// node has one secret to keep (libsodium's birational map; the X25519 public
// key equals the Edwards public key mapped to Montgomery form).
X25519KeyPair X25519FromEd25519(const crypto::KeyPair& identity);

// The spec's CipherState (§5.1) for ChaChaPoly: a key and a 64-bit counter
// nonce, encoded as 32 zero bits || little-endian 64-bit n.
class CipherState {
 public:
  CipherState() = default;
  CipherState(const CipherState&) = default;
  CipherState& operator=(const CipherState&) = default;
  ~CipherState();

  void InitializeKey(const std::array<std::uint8_t, kNoiseKeySize>& key);
  bool HasKey() const { return has_key_; }

  // Without a key both return their input unchanged (spec §5.1).
  // Encrypt: FailedPrecondition once the nonce reaches 2^64-1 (reserved).
  // Decrypt: Protocol on a bad MAC or input shorter than a tag; the nonce
  // moves only on success, so a forged message does not desynchronise us.
  Result<std::string> EncryptWithAd(std::string_view ad, std::string_view plaintext);
  Result<std::string> DecryptWithAd(std::string_view ad, std::string_view ciphertext);

  std::uint64_t nonce() const { return n_; }
  void SetNonceForTest(std::uint64_t n) { n_ = n; }

 private:
  std::array<std::uint8_t, kNoiseKeySize> k_{};
  bool has_key_ = false;
  std::uint64_t n_ = 0;
};

// Both directions of an established session. Messages are the Noise
// transport messages: ciphertext || 16-byte tag, at most 65535 bytes, with an
// empty associated data. Larger application frames are split by the caller.
class NoiseTransport {
 public:
  NoiseTransport(CipherState send, CipherState receive)
      : send_(std::move(send)), receive_(std::move(receive)) {}

  // Returns the ciphertext (plaintext.size() + 16 bytes). InvalidArgument if
  // plaintext is over kNoiseMaxPlaintext; FailedPrecondition once the send
  // nonce is exhausted (2^64-1 messages: reconnect).
  Result<std::string> Encrypt(std::string_view plaintext);
  // Returns the plaintext of the next message from the peer. Protocol if the
  // message is shorter than a tag, over 65535 bytes, or fails its MAC
  // (forged, reordered, replayed or truncated); the state is unchanged then.
  Result<std::string> Decrypt(std::string_view ciphertext);

  void SetNoncesForTest(std::uint64_t send, std::uint64_t receive) {
    send_.SetNonceForTest(send);
    receive_.SetNonceForTest(receive);
  }

 private:
  CipherState send_;
  CipherState receive_;
};

// The spec's SymmetricState (§5.2) with HASH = BLAKE2b-512 and HKDF over
// HMAC-BLAKE2b (RFC 2104, BLOCKLEN 128).
class SymmetricState {
 public:
  explicit SymmetricState(std::string_view protocol_name);
  SymmetricState(const SymmetricState&) = default;
  SymmetricState& operator=(const SymmetricState&) = default;
  ~SymmetricState();

  void MixKey(const std::array<std::uint8_t, kNoiseKeySize>& input_key_material);
  void MixHash(std::string_view data);
  // Spec §5.2: ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h);
  // InitializeKey(temp_k). Used for the psk token.
  void MixKeyAndHash(std::string_view input_key_material);
  Result<std::string> EncryptAndHash(std::string_view plaintext);
  Result<std::string> DecryptAndHash(std::string_view ciphertext);
  bool HasKey() const { return cipher_.HasKey(); }
  // Returns (initiator->responder, responder->initiator), spec §5.2 Split().
  std::pair<CipherState, CipherState> Split() const;

  std::string_view h() const { return {reinterpret_cast<const char*>(h_.data()), h_.size()}; }

 private:
  std::array<std::uint8_t, kNoiseHashSize> ck_{};
  std::array<std::uint8_t, kNoiseHashSize> h_{};
  CipherState cipher_;
};

enum class NoiseRole : std::uint8_t { kInitiator, kResponder };
// The message-pattern tokens XX and XXpsk0 use (spec §7, §9); no ss.
enum class NoiseToken : std::uint8_t { kE, kS, kEE, kES, kSE, kPsk };

// The spec's HandshakeState (§5.3) for pattern XX, or XXpsk0 when given a
// PSK, with no pre-messages.
class NoiseHandshake {
 public:
  // `prologue` is bound into the handshake hash (protocol name and network key
  // in praxis). With `psk` the handshake is Noise_XXpsk0_25519_ChaChaPoly_BLAKE2b
  // (the protocol name itself differs, so it never interoperates with plain
  // XX); both sides must hold the same PSK. `ephemeral_for_test` fixes the
  // ephemeral key, for published test vectors only; otherwise a fresh one
  // comes from libsodium's RNG.
  NoiseHandshake(NoiseRole role, X25519KeyPair local_static, std::string_view prologue,
                 std::optional<NoisePsk> psk = std::nullopt,
                 std::optional<X25519KeyPair> ephemeral_for_test = std::nullopt);
  NoiseHandshake(const NoiseHandshake&) = default;
  NoiseHandshake(NoiseHandshake&&) = default;
  NoiseHandshake& operator=(const NoiseHandshake&) = default;
  NoiseHandshake& operator=(NoiseHandshake&&) = default;
  ~NoiseHandshake();  // wipes a PSK not yet mixed in

  // Builds our next handshake message around `payload`. Returns the message
  // (at most 65535 bytes). InvalidArgument if the payload would not fit;
  // FailedPrecondition if it is not our turn or the handshake failed before;
  // Protocol if a DH with the peer's keys gives all zeros (a low-order point
  // the peer sent: the handshake is then dead).
  // Payloads of message 1 (initiator's first) travel in clear without a PSK
  // (with one they are encrypted under it, but nothing authenticates the
  // initiator yet and message 1 can be replayed); later ones are encrypted,
  // and only message 3's payload goes to an authenticated peer.
  Result<std::string> WriteMessage(std::string_view payload);
  // Consumes the peer's next handshake message and returns its payload.
  // Protocol on a wrong length, a bad MAC (with a PSK: also a peer holding
  // another PSK, detected at message 1 by the responder and at message 2 by
  // the initiator), or an all-zero DH output;
  // FailedPrecondition if it is not the peer's turn or the handshake failed.
  Result<std::string> ReadMessage(std::string_view message);

  // True once all three messages have been written or read successfully.
  bool Complete() const { return next_message_ == kMessages && !failed_; }
  // True once a call failed; the handshake can never complete then.
  bool Failed() const { return failed_; }
  // The peer's static X25519 public key; all zeros until it has been read
  // (message 2 for the initiator, message 3 for the responder). Authenticated
  // only once Complete().
  Id RemoteStatic() const { return remote_static_; }
  // The handshake hash h (64 bytes): a transcript digest both sides share
  // once Complete(), for channel binding (sign it to tie an identity to this
  // session).
  std::string HandshakeHash() const { return std::string(symmetric_.h()); }

  // The transport for this session: our send and receive CipherStates.
  // FailedPrecondition unless Complete(), and on a second call: two
  // transports from one handshake would reuse (key, nonce) pairs.
  Result<NoiseTransport> Split();

 private:
  static constexpr int kMessages = 3;

  bool WeWrite(int message) const { return (message % 2 == 0) == (role_ == NoiseRole::kInitiator); }
  // MixKey(DH(local, remote)); Protocol if the output is all zeros.
  Status MixDh(const X25519KeyPair& local, const Id& remote);
  // The DH tokens ee, es, se, with the keys our role gives them.
  Status MixDhToken(NoiseToken token);
  // The psk token: MixKeyAndHash(psk), then the PSK is wiped.
  void MixPsk();
  // Marks the handshake dead if `why` is an error; returns `why`.
  Status Fail(Status why);

  NoiseRole role_;
  bool psk_mode_;
  std::optional<NoisePsk> psk_;  // until the psk token has consumed it
  X25519KeyPair static_;
  std::optional<X25519KeyPair> ephemeral_;
  Id remote_static_;
  Id remote_ephemeral_;
  SymmetricState symmetric_;
  int next_message_ = 0;  // 0..3: the next message of the pattern
  bool failed_ = false;
  bool split_ = false;
};

}  // namespace praxis::net
