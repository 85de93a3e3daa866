#include "praxis/crypto/crypto.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace praxis::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384);
static_assert(crypto_sign_BYTES == kSignatureSize);
static_assert(crypto_sign_SECRETKEYBYTES == kSecretKeySize);
static_assert(crypto_sign_PUBLICKEYBYTES == Id::kSize);

void InitCrypto() {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "praxis: libsodium failed to initialise\n");
    std::abort();
  }
}

Id Blake2b256(std::string_view data) {
  Id out;
  crypto_generichash(out.bytes.data(), out.bytes.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return out;
}

Hasher::Hasher() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_.data()), nullptr, 0,
                          Id::kSize);
}

void Hasher::Update(std::string_view data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_.data()),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

Id Hasher::Finish() {
  Id out;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_.data()),
                           out.bytes.data(), out.bytes.size());
  return out;
}

bool VerifyDetached(std::string_view signature, std::string_view message, const Id& public_key) {
  if (signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key.bytes.data()) == 0;
}

KeyPair KeyPair::Generate() {
  KeyPair kp;
  crypto_sign_keypair(kp.public_key_.bytes.data(), kp.secret_.data());
  return kp;
}

Result<KeyPair> KeyPair::FromSecret(std::string_view secret) {
  if (secret.size() != kSecretKeySize) return Err(Status::Corruption("key has the wrong length"));
  KeyPair kp;
  // Re-derive from the seed so a file whose halves disagree is caught.
  crypto_sign_seed_keypair(kp.public_key_.bytes.data(), kp.secret_.data(),
                           reinterpret_cast<const unsigned char*>(secret.data()));
  if (std::memcmp(kp.secret_.data(), secret.data(), kSecretKeySize) != 0)
    return Err(Status::Corruption("key's public half does not match its seed"));
  return kp;
}

KeyPair::~KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

std::string KeyPair::Sign(std::string_view message) const {
  std::string sig(kSignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return sig;
}

void RandomBytes(void* out, std::size_t n) { randombytes_buf(out, n); }

}  // namespace praxis::crypto
