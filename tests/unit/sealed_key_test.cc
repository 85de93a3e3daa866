#include "praxis/crypto/sealed_key.h"

#include <gtest/gtest.h>

namespace praxis::crypto {
namespace {

TEST(SealedKey, RoundTripsAndRefusesAWrongPassphrase) {
  InitCrypto();
  KeyPair key = KeyPair::Generate();
  auto sealed = SealKey(key, "correct horse battery staple");
  ASSERT_TRUE(sealed) << sealed.error().ToString();
  EXPECT_EQ(sealed->find(key.SecretForStorage().substr(0, 8)), std::string::npos);
  auto back = UnsealKey(*sealed, "correct horse battery staple");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->public_key(), key.public_key());
  auto wrong = UnsealKey(*sealed, "correct horse battery stapler");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("wrong passphrase"), std::string::npos);
}

TEST(SealedKey, RejectsGarbageAndTampering) {
  InitCrypto();
  EXPECT_EQ(UnsealKey("hello", "p").error().code(), Code::kCorruption);
  KeyPair key = KeyPair::Generate();
  auto sealed = SealKey(key, "p");
  ASSERT_TRUE(sealed);
  std::string bad = *sealed;
  bad[bad.size() - 3] = bad[bad.size() - 3] == '0' ? '1' : '0';  // flip a bit of the box
  EXPECT_FALSE(UnsealKey(bad, "p"));
  EXPECT_FALSE(SealKey(key, ""));
}

}  // namespace
}  // namespace praxis::crypto
