// Take back and correct (DESIGN §3): a retraction keeps its tombstone and
// drops the content unless another live share names the same root; a share
// may supersede only its author's own share.
#include <gtest/gtest.h>

#include "praxis/node/ingestor.h"
#include "praxis/node/resource.h"
#include "testutil/authors.h"
#include "testutil/content.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

using K = IngestOutcome::Kind;
using testutil::ApplyAndWrite;

class RetractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::InitCrypto();
    auto s = storage::OpenRocksStore({.path = dir_.Sub("db")});
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    auto i = Ingestor::Open(*store_, {});
    ASSERT_TRUE(i);
    ing_ = std::move(*i);
    genesis_ = alice_.Genesis("g");
    ASSERT_TRUE(Apply(genesis_).ok());
    ASSERT_TRUE(Apply(bob_.Join(genesis_.id)).ok());
  }
  IngestOutcome Apply(const Announcement& a) { return ApplyAndWrite(*ing_, *store_, a); }
  Id StoreContent(const std::string& content) {
    ResourceWriter w(*store_);
    EXPECT_TRUE(w.Append(content).ok());
    storage::WriteSet ws;
    auto info = w.Finish(ws);
    EXPECT_TRUE(store_->Write(ws, storage::Durability::kSync).ok());
    return info->root;
  }
  Announcement ShareOf(testutil::TestAuthor& who, const Id& root, const Id* supersedes = nullptr) {
    wire::Share s;
    s.set_root(root.Str());
    s.set_title("t");
    if (supersedes) s.set_supersedes(supersedes->Str());
    return who.Raw(genesis_.id, wire::KIND_SHARE, SerializeBody(s));
  }
  Announcement RetractOf(testutil::TestAuthor& who, const Id& target) {
    wire::Retract r;
    r.set_target(target.Str());
    return who.Raw(genesis_.id, wire::KIND_RETRACT, SerializeBody(r));
  }

  testutil::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Ingestor> ing_;
  testutil::TestAuthor alice_, bob_;
  Announcement genesis_;
};

TEST_F(RetractTest, RetractionDropsContentAndKeepsTheTombstone) {
  Id root = StoreContent(std::string(300 * 1024, 'r'));  // two chunks
  Announcement share = ShareOf(bob_, root);
  ASSERT_TRUE(Apply(share).ok());
  ASSERT_TRUE(*ResourceHeld(*store_, root));
  Announcement retract = RetractOf(bob_, share.id);
  ASSERT_TRUE(Apply(retract).ok());
  EXPECT_TRUE(*ing_->Retracted(share.id));
  EXPECT_FALSE(*ResourceHeld(*store_, root));
  EXPECT_TRUE(ListHeld(*store_)->empty());
  EXPECT_FALSE(LoadManifest(*store_, root));  // content is gone...
  EXPECT_TRUE(ing_->Held(share.id));          // ...the announcement and tombstone stay
  EXPECT_TRUE(ing_->Held(retract.id));
}

TEST_F(RetractTest, ContentStaysWhileAnotherLiveShareNamesIt) {
  Id root = StoreContent("shared twice");
  Announcement mine = ShareOf(bob_, root);
  Announcement theirs = ShareOf(alice_, root);
  ASSERT_TRUE(Apply(mine).ok());
  ASSERT_TRUE(Apply(theirs).ok());
  ASSERT_TRUE(Apply(RetractOf(bob_, mine.id)).ok());
  EXPECT_TRUE(*ResourceHeld(*store_, root));
}

TEST_F(RetractTest, ChunksUsedByAnotherResourceSurvive) {
  std::string common(256 * 1024, 'c');  // one whole chunk both resources contain
  Id a = StoreContent(common + "tail a");
  Id b = StoreContent(common + "tail b");
  Announcement share = ShareOf(bob_, a);
  ASSERT_TRUE(Apply(share).ok());
  ASSERT_TRUE(Apply(RetractOf(bob_, share.id)).ok());
  auto content = testutil::ReadResource(*store_, b);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, common + "tail b");
}

TEST_F(RetractTest, OnlyTheAuthorMayRetract) {
  Announcement share = ShareOf(bob_, StoreContent("x"));
  ASSERT_TRUE(Apply(share).ok());
  IngestOutcome o = Apply(RetractOf(alice_, share.id));
  EXPECT_EQ(o.kind, K::kInvalid);
  EXPECT_FALSE(*ing_->Retracted(share.id));
}

TEST_F(RetractTest, RetractionWorksAfterLeaving) {
  Announcement share = ShareOf(bob_, StoreContent("x"));
  ASSERT_TRUE(Apply(share).ok());
  ASSERT_TRUE(Apply(bob_.Leave(genesis_.id)).ok());
  EXPECT_TRUE(Apply(RetractOf(bob_, share.id)).ok());
}

TEST_F(RetractTest, SupersedesOnlyTheAuthorsOwnShare) {
  Announcement original = ShareOf(alice_, StoreContent("v1"));
  ASSERT_TRUE(Apply(original).ok());
  Id v2 = StoreContent("v2");
  EXPECT_EQ(Apply(ShareOf(bob_, v2, &original.id)).kind, K::kInvalid);
  Announcement update = ShareOf(alice_, v2, &original.id);
  ASSERT_TRUE(Apply(update).ok());
  auto later = store_->Get(storage::Column::kMeta, SupersededKey(original.id));
  ASSERT_TRUE(later && *later);
  EXPECT_EQ(**later, update.id.Str());
}

}  // namespace
}  // namespace praxis::node
