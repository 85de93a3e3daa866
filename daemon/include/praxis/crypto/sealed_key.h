// An identity key sealed with a passphrase, for moving a member to a new
// machine (DESIGN.md §3): Argon2id (crypto_pwhash) derives a key from the
// passphrase, XSalsa20-Poly1305 (crypto_secretbox) seals the Ed25519 secret.
//
// File format (text, one line):
//   praxis-identity-export-v1 <hex: salt(16) | opslimit u64be | memlimit u64be | nonce(24) | box>
// The cost parameters travel with the file so a later version may raise them.
#pragma once

#include <string>
#include <string_view>

#include "praxis/crypto/crypto.h"

namespace praxis::crypto {

// Slow on purpose (about a second and 256 MiB): run it off the node thread.
Result<std::string> SealKey(const KeyPair& key, std::string_view passphrase);

// Fails with InvalidArgument("wrong passphrase ...") when the box does not
// open, and Corruption when the file is not an export at all.
Result<KeyPair> UnsealKey(std::string_view sealed, std::string_view passphrase);

}  // namespace praxis::crypto
