#include "praxis/crypto/sealed_key.h"

#include <sodium.h>

#include <vector>

#include "praxis/storage/keys.h"

namespace praxis::crypto {

namespace {
constexpr std::string_view kMagic = "praxis-identity-export-v1 ";
constexpr std::size_t kSalt = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonce = crypto_secretbox_NONCEBYTES;
constexpr std::size_t kBox = crypto_secretbox_MACBYTES + kSecretKeySize;
// Upper bounds accepted from a file, so a crafted export cannot make the
// daemon allocate without limit.
constexpr std::uint64_t kMaxOps = 16, kMaxMem = 1ull << 30;

bool DeriveKey(std::string_view passphrase, const unsigned char* salt, std::uint64_t ops,
               std::uint64_t mem, unsigned char* out) {
  return crypto_pwhash(out, crypto_secretbox_KEYBYTES, passphrase.data(), passphrase.size(), salt,
                       ops, mem, crypto_pwhash_ALG_ARGON2ID13) == 0;
}
}  // namespace

Result<std::string> SealKey(const KeyPair& key, std::string_view passphrase) {
  if (passphrase.empty()) return Err(Status::InvalidArgument("an empty passphrase seals nothing"));
  const std::uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE;
  const std::uint64_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
  std::string raw(kSalt, '\0');
  RandomBytes(raw.data(), kSalt);
  storage::keys::AppendU64(raw, ops);
  storage::keys::AppendU64(raw, mem);
  std::string nonce(kNonce, '\0');
  RandomBytes(nonce.data(), kNonce);
  raw += nonce;
  unsigned char k[crypto_secretbox_KEYBYTES];
  if (!DeriveKey(passphrase, reinterpret_cast<const unsigned char*>(raw.data()), ops, mem, k))
    return Err(Status::IOError("not enough memory to derive the sealing key"));
  std::string box(kBox, '\0');
  std::string_view secret = key.SecretForStorage();
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(box.data()),
                        reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                        reinterpret_cast<const unsigned char*>(nonce.data()), k);
  sodium_memzero(k, sizeof k);
  raw += box;
  return std::string(kMagic) + ToHex(raw) + "\n";
}

Result<KeyPair> UnsealKey(std::string_view sealed, std::string_view passphrase) {
  while (!sealed.empty() &&
         (sealed.back() == '\n' || sealed.back() == '\r' || sealed.back() == ' '))
    sealed.remove_suffix(1);
  if (sealed.substr(0, kMagic.size()) != kMagic)
    return Err(Status::Corruption("not a praxis identity export"));
  auto raw = FromHexString(sealed.substr(kMagic.size()));
  if (!raw || raw->size() != kSalt + 16 + kNonce + kBox)
    return Err(Status::Corruption("identity export is damaged"));
  const auto* p = reinterpret_cast<const unsigned char*>(raw->data());
  std::uint64_t ops = storage::keys::ReadU64(raw->substr(kSalt, 8));
  std::uint64_t mem = storage::keys::ReadU64(raw->substr(kSalt + 8, 8));
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOps || mem < crypto_pwhash_MEMLIMIT_MIN ||
      mem > kMaxMem)
    return Err(Status::Corruption("identity export has out-of-range cost parameters"));
  unsigned char k[crypto_secretbox_KEYBYTES];
  if (!DeriveKey(passphrase, p, ops, mem, k))
    return Err(Status::IOError("not enough memory to derive the sealing key"));
  std::string secret(kSecretKeySize, '\0');
  int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(secret.data()),
                                      p + kSalt + 16 + kNonce, kBox, p + kSalt + 16, k);
  sodium_memzero(k, sizeof k);
  if (rc != 0)
    return Err(Status::InvalidArgument("wrong passphrase (or the export file was altered)"));
  auto kp = KeyPair::FromSecret(secret);
  sodium_memzero(secret.data(), secret.size());
  return kp;
}

}  // namespace praxis::crypto
