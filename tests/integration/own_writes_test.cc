// The node's own writes (DESIGN §3): seq = last durable own seq + 1 under a
// single local writer; concurrent local writes share one sync; a write is
// acknowledged only after the sync that holds it returned.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>

#include "praxis/node/node.h"
#include "testutil/authors.h"
#include "testutil/io_loop.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

// A real RocksDB store that counts synced writes and can be told to fail.
class CountingStore : public storage::Store {
 public:
  explicit CountingStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}
  Result<std::optional<std::string>> Get(storage::Column c, std::string_view k) override {
    return inner_->Get(c, k);
  }
  Status Write(const storage::WriteSet& ws, storage::Durability d) override {
    if (fail_next_.exchange(false)) return Status::IOError("injected failure");
    Status s = inner_->Write(ws, d);
    if (d == storage::Durability::kSync) ++syncs_;
    return s;
  }
  Status Scan(storage::Column c, std::string_view p, const storage::ScanFn& fn,
              std::string_view start) override {
    return inner_->Scan(c, p, fn, start);
  }
  Result<std::optional<std::pair<std::string, std::string>>> Last(storage::Column c,
                                                                  std::string_view p) override {
    return inner_->Last(c, p);
  }
  Status Flush(storage::Column c) override { return inner_->Flush(c); }
  std::uint64_t ApproximateBytes(storage::Column c) override { return inner_->ApproximateBytes(c); }
  const std::string& path() const override { return inner_->path(); }

  std::atomic<int> syncs_{0};
  std::atomic<bool> fail_next_{false};

 private:
  std::unique_ptr<storage::Store> inner_;
};

class OwnWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::InitCrypto();
    auto s = storage::OpenRocksStore({.path = dir_.Sub("db")});
    ASSERT_TRUE(s);
    store_ = std::make_unique<CountingStore>(std::move(*s));
    auto ing = Ingestor::Open(*store_, {});
    ASSERT_TRUE(ing);
    node_ = std::make_unique<Node>(io_.get_executor(), pool_, *store_, std::move(*ing),
                                   crypto::KeyPair::Generate(), NodeOptions{});
  }
  void TearDown() override { pool_.join(); }

  // Runs the node's thread (this one) until done() holds; completions from
  // the pool arrive as posted handlers, so keep the context from running dry.
  void RunUntil(const std::function<bool()>& done) {
    ASSERT_TRUE(testutil::RunUntil(io_, done)) << "timed out";
  }

  Result<Announcement> PublishAndWait(OwnWrite w) {
    std::optional<Result<Announcement>> out;
    node_->Publish(std::move(w), [&](Result<Announcement> r) { out = std::move(r); });
    if (!testutil::RunUntil(io_, [&] { return out.has_value(); }))
      return Result<Announcement>(Err(Status::TimedOut("publish never completed")));
    return std::move(*out);
  }
  Id CreateGroup() {
    wire::Genesis g;
    g.set_name("g");
    auto a = PublishAndWait({.kind = wire::KIND_GENESIS, .body = SerializeBody(g)});
    EXPECT_TRUE(a);
    return a->id;
  }
  static OwnWrite ShareInto(const Id& group, int i) {
    wire::Share s;
    s.set_root(crypto::Blake2b256(std::to_string(i)).Str());
    s.set_title("t" + std::to_string(i));
    return {.kind = wire::KIND_SHARE, .group = group, .body = SerializeBody(s)};
  }

  testutil::TempDir dir_;
  asio::io_context io_;
  asio::thread_pool pool_{2};
  std::unique_ptr<CountingStore> store_;
  std::unique_ptr<Node> node_;
};

TEST_F(OwnWritesTest, ConcurrentWritesShareSyncsAndGetContiguousSeqs) {
  Id group = CreateGroup();
  const int syncs_before = store_->syncs_;
  constexpr int kWrites = 50;
  std::vector<std::uint64_t> seqs;
  std::vector<int> syncs_at_ack;
  for (int i = 0; i < kWrites; ++i) {
    node_->Publish(ShareInto(group, i), [&](Result<Announcement> r) {
      ASSERT_TRUE(r) << r.error().ToString();
      seqs.push_back(r->seq);
      syncs_at_ack.push_back(store_->syncs_);
    });
  }
  RunUntil([&] { return static_cast<int>(seqs.size()) == kWrites; });
  // Genesis is seq 1 of the group's log for its author; shares follow without gaps.
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(seqs[i], static_cast<std::uint64_t>(i + 2));
  const int used = store_->syncs_ - syncs_before;
  EXPECT_GE(used, 1);
  EXPECT_LE(used, 2) << "50 writes submitted together should share at most two syncs";
  // Every acknowledgement came after a sync had returned.
  for (int s : syncs_at_ack) EXPECT_GT(s, syncs_before);
}

TEST_F(OwnWritesTest, FailedSyncFailsTheWriteAndTheSeqIsReused) {
  Id group = CreateGroup();
  store_->fail_next_ = true;
  auto failed = PublishAndWait(ShareInto(group, 1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), Code::kIOError);
  // Nothing became durable, so the next write takes the same seq: no gap, no fork.
  auto ok = PublishAndWait(ShareInto(group, 2));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->seq, 2u);
  EXPECT_FALSE(node_->ingestor().Held(Id{}));
}

TEST_F(OwnWritesTest, ShareIntoAGroupWeDidNotJoinIsRefused) {
  // Another member's group, held here, that this node's member never joined.
  crypto::KeyPair other = crypto::KeyPair::Generate();
  wire::Genesis g;
  g.set_name("theirs");
  Announcement genesis = SignDraft(
      other, {.kind = wire::KIND_GENESIS, .seq = 1, .created = 1, .body = SerializeBody(g)});
  ASSERT_TRUE(testutil::ApplyAndWrite(node_->ingestor(), *store_, genesis).ok());
  auto r = PublishAndWait(ShareInto(genesis.id, 1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("non-member"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace praxis::node

namespace praxis::node {
namespace {

// A node started from an imported key signs nothing in a group until it has
// caught up its own log there (DESIGN §3); groups it creates itself have no
// earlier log to catch up.
TEST(ImportedIdentity, SignsOnlyIntoGroupsItHasCaughtUp) {
  crypto::InitCrypto();
  testutil::TempDir dir;
  auto s = storage::OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_TRUE(s);
  auto store = std::move(*s);
  crypto::KeyPair other = crypto::KeyPair::Generate();
  wire::Genesis g;
  g.set_name("held here");
  Announcement theirs = SignDraft(
      other, {.kind = wire::KIND_GENESIS, .seq = 1, .created = 1, .body = SerializeBody(g)});
  storage::WriteSet ws;
  ws.Put(storage::Column::kMeta, std::string(kImportedKey), "1");
  auto ing = Ingestor::Open(*store, {});
  ASSERT_TRUE(ing);
  ASSERT_TRUE((*ing)->Apply(theirs, nullptr, ws).ok());
  ASSERT_TRUE(store->Write(ws, storage::Durability::kSync).ok());
  (*ing)->Committed();

  asio::io_context io;
  asio::thread_pool pool(1);
  Node node(io.get_executor(), pool, *store, std::move(*ing), crypto::KeyPair::Generate(), {});
  ASSERT_TRUE(node.imported());
  auto publish = [&](OwnWrite w) {
    std::optional<Result<Announcement>> out;
    node.Publish(std::move(w), [&](Result<Announcement> r) { out = std::move(r); });
    if (!testutil::RunUntil(io, [&] { return out.has_value(); }))
      return Result<Announcement>(Err(Status::TimedOut("publish never completed")));
    return std::move(*out);
  };
  auto join =
      publish({.kind = wire::KIND_JOIN, .group = theirs.id, .body = SerializeBody(wire::Join())});
  ASSERT_FALSE(join);
  EXPECT_NE(join.error().message().find("caught up"), std::string::npos) << join.error().message();

  wire::Genesis mine;
  mine.set_name("new after import");
  auto created = publish({.kind = wire::KIND_GENESIS, .body = SerializeBody(mine)});
  ASSERT_TRUE(created) << created.error().ToString();
  wire::Share share;
  share.set_root(crypto::Blake2b256("x").Str());
  auto shared =
      publish({.kind = wire::KIND_SHARE, .group = created->id, .body = SerializeBody(share)});
  EXPECT_TRUE(shared) << shared.error().ToString();
  pool.join();
}

}  // namespace
}  // namespace praxis::node
