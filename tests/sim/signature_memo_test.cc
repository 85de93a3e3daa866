// The simulator's signature memo: keyed by (id, signature), so a forged copy
// (the same signed bytes under another signature) is refused even after the
// real one was accepted, and the real one is accepted after a forgery.
#include "praxis/node/signature_memo.h"

#include <gtest/gtest.h>

#include "praxis/node/announcement.h"
#include "testutil/authors.h"

namespace praxis::node {
namespace {

struct Installed {
  explicit Installed(SignatureMemo& m) { SetSignatureMemo(&m); }
  ~Installed() { SetSignatureMemo(nullptr); }
};

TEST(SignatureMemo, RemembersEachPairAndTellsForgeriesApart) {
  crypto::InitCrypto();
  testutil::TestAuthor alice;
  const Announcement real = alice.Genesis("memo");
  Announcement forged = real;
  forged.signature[0] = static_cast<char>(forged.signature[0] ^ 1);
  forged.verified = false;

  SignatureMemo memo;
  Installed installed(memo);
  const std::uint64_t checks = SignatureChecks();
  for (int round = 0; round < 3; ++round) {
    Announcement f = forged;
    EXPECT_FALSE(VerifyAnnouncement(f).ok());
    EXPECT_FALSE(f.verified);
    Announcement r = real;
    r.verified = false;
    EXPECT_TRUE(VerifyAnnouncement(r).ok());
    EXPECT_TRUE(r.verified);
  }
  EXPECT_EQ(SignatureChecks() - checks, 2u);  // one real check per pair
  EXPECT_EQ(memo.hits(), 4u);
  EXPECT_EQ(memo.size(), 2u);
}

TEST(SignatureMemo, WithoutOneEveryCheckIsMade) {
  crypto::InitCrypto();
  testutil::TestAuthor alice;
  const Announcement real = alice.Genesis("no memo");
  const std::uint64_t checks = SignatureChecks();
  for (int round = 0; round < 3; ++round) {
    Announcement r = real;
    EXPECT_TRUE(VerifyAnnouncement(r).ok());
  }
  EXPECT_EQ(SignatureChecks() - checks, 3u);
}

}  // namespace
}  // namespace praxis::node
