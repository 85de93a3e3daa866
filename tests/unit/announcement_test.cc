#include "praxis/node/announcement.h"

#include <gtest/gtest.h>

#include "testutil/authors.h"

namespace praxis::node {
namespace {

class AnnouncementTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
  testutil::TestAuthor alice_;
};

TEST_F(AnnouncementTest, SignedEnvelopeDecodesToTheSameFields) {
  Announcement g = alice_.Genesis("cooks");
  auto d = DecodeAnnouncement(g.envelope);
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->id, g.id);
  EXPECT_EQ(d->author, alice_.id());
  EXPECT_EQ(d->kind, wire::KIND_GENESIS);
  EXPECT_EQ(d->LogGroup(), g.id);  // a genesis opens its own group's log
  EXPECT_FALSE(d->group.has_value());
  EXPECT_TRUE(d->verified);
}

TEST_F(AnnouncementTest, IdIsBlake2bOfDomainHeaderAndBody) {
  Announcement s = alice_.Share(alice_.Genesis("g").id, "x");
  EXPECT_EQ(s.id, crypto::Blake2b256(SignedBytes(s.header, s.body)));
  EXPECT_EQ(SignedBytes(s.header, s.body).substr(0, kAnnouncementDomain.size()),
            kAnnouncementDomain);
}

TEST_F(AnnouncementTest, TamperedBodyFailsSignature) {
  Announcement s = alice_.Share(alice_.Genesis("g").id, "original title");
  wire::Envelope env;
  ASSERT_TRUE(env.ParseFromString(s.envelope));
  std::string body = env.body();
  body[body.size() - 1] ^= 1;
  env.set_body(body);
  auto d = DecodeAnnouncement(env.SerializeAsString());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), Code::kProtocol);
  EXPECT_EQ(d.error().message(), "bad signature");
}

TEST_F(AnnouncementTest, SignatureWithoutDomainPrefixDoesNotVerify) {
  Announcement s = alice_.Genesis("g");
  wire::Envelope env;
  ASSERT_TRUE(env.ParseFromString(s.envelope));
  env.set_signature(alice_.key().Sign(env.header() + env.body()));
  EXPECT_FALSE(DecodeAnnouncement(env.SerializeAsString()));
}

TEST_F(AnnouncementTest, MalformedEnvelopesAreProtocolErrors) {
  Id group = alice_.Genesis("g").id;
  auto with_header = [&](auto edit) {
    Announcement s = alice_.At(group, wire::KIND_SHARE, "body", 2, group, 5000);
    wire::Envelope env;
    env.ParseFromString(s.envelope);
    wire::Header h;
    h.ParseFromString(env.header());
    edit(h);
    env.set_header(h.SerializeAsString());
    return ParseAnnouncement(env.SerializeAsString());
  };
  EXPECT_FALSE(ParseAnnouncement("not a protobuf \xff\xff\xff"));
  EXPECT_FALSE(ParseAnnouncement(std::string(kMaxEnvelopeBytes + 1, 'a')));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_author("short"); }));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_seq(0); }));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_seq(1); }));    // prev set at seq 1
  EXPECT_FALSE(with_header([](wire::Header& h) { h.clear_prev(); }));  // seq 2 without prev
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_body_size(99); }));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_group("abc"); }));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_kind(0); }));
  EXPECT_FALSE(with_header([](wire::Header& h) { h.set_kind(wire::KIND_GENESIS); }));
  EXPECT_TRUE(with_header([](wire::Header&) {}));  // the unedited control case parses
}

TEST_F(AnnouncementTest, UnknownKindParses) {
  Id group = alice_.Genesis("g").id;
  Announcement a = alice_.At(group, 4242, "future", 2, group, 5000);
  auto d = DecodeAnnouncement(a.envelope);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->Known());
  EXPECT_STREQ(KindName(d->kind), "unknown");
}

}  // namespace
}  // namespace praxis::node
