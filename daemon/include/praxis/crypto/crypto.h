// Thin wrappers over libsodium: BLAKE2b-256 hashing and Ed25519 signatures.
// Thread-safe once InitCrypto() has returned (sodium_init is idempotent).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "praxis/storage/id.h"
#include "praxis/storage/status.h"

namespace praxis::crypto {

inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kSecretKeySize = 64;  // libsodium's seed || public key

// Must be called before any other function here. Aborts the process if
// libsodium cannot initialise (no usable randomness): nothing safe can follow.
void InitCrypto();

Id Blake2b256(std::string_view data);

// Incremental BLAKE2b-256, for content streamed in pieces.
class Hasher {
 public:
  Hasher();
  void Update(std::string_view data);
  Id Finish();

 private:
  alignas(64) std::array<std::uint8_t, 384> state_;  // >= sizeof(crypto_generichash_state)
};

bool VerifyDetached(std::string_view signature, std::string_view message, const Id& public_key);

// An Ed25519 key pair. The secret never leaves this object except through
// SecretForStorage(): the identity file, its sealed export and the Noise
// static key derived from it (net/noise.h) are its only readers.
class KeyPair {
 public:
  static KeyPair Generate();
  // Returns Corruption unless `secret` is a 64-byte libsodium secret key whose
  // embedded public key matches the one derived from its seed.
  static Result<KeyPair> FromSecret(std::string_view secret);

  const Id& public_key() const { return public_key_; }
  std::string Sign(std::string_view message) const;  // 64 bytes
  std::string_view SecretForStorage() const {
    return {reinterpret_cast<const char*>(secret_.data()), secret_.size()};
  }

  KeyPair(const KeyPair&) = default;
  KeyPair& operator=(const KeyPair&) = default;
  ~KeyPair();

 private:
  KeyPair() = default;
  std::array<std::uint8_t, kSecretKeySize> secret_{};
  Id public_key_;
};

void RandomBytes(void* out, std::size_t n);

}  // namespace praxis::crypto
