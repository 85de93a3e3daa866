#include "praxis/storage/store.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "praxis/storage/keys.h"
#include "praxis/storage/mem_store.h"
#include "testutil/temp_dir.h"

namespace praxis::storage {
namespace {

// Conformance: what every Store must do, run against each implementation.
// RocksDB-only behaviour (reopening, locking, schema refusal) is tested
// after these.
struct StoreKind {
  const char* name;
  std::function<std::unique_ptr<Store>(testutil::TempDir&)> open;
};

class StoreConformance : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_);
    ASSERT_TRUE(store_);
  }
  testutil::TempDir dir_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreConformance,
    ::testing::Values(StoreKind{"Rocks",
                                [](testutil::TempDir& dir) -> std::unique_ptr<Store> {
                                  auto s = OpenRocksStore({.path = dir.Sub("db")});
                                  return s ? std::move(*s) : nullptr;
                                }},
                      StoreKind{"Mem", [](testutil::TempDir&) { return OpenMemStore(); }}),
    [](const ::testing::TestParamInfo<StoreKind>& i) { return std::string(i.param.name); });

TEST_P(StoreConformance, PutGetScanLastInKeyOrder) {
  Store* store = store_.get();
  Id a = *Id::FromHex(std::string(64, 'a')), g = *Id::FromHex(std::string(64, 'b'));
  WriteSet ws;
  for (std::uint64_t seq : {3, 1, 2, 10})
    ws.Put(Column::kLogs, keys::Log(a, g, seq), std::to_string(seq));
  ASSERT_TRUE(store->Write(ws, Durability::kSync).ok());

  auto v = store->Get(Column::kLogs, keys::Log(a, g, 2));
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, "2");
  EXPECT_FALSE(*store->Get(Column::kLogs, keys::Log(a, g, 4)));
  EXPECT_FALSE(*store->Get(Column::kEnvelopes, keys::Log(a, g, 2)));  // columns are apart

  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(store
                  ->Scan(Column::kLogs, keys::LogPrefix(a, g),
                         [&](std::string_view k, std::string_view) {
                           seen.push_back(keys::LogSeq(k));
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 10}));

  auto last = store->Last(Column::kLogs, keys::LogPrefix(a, g));
  ASSERT_TRUE(last && *last);
  EXPECT_EQ(keys::LogSeq((*last)->first), 10u);
  auto none = store->Last(Column::kLogs, keys::LogPrefix(g, a));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_P(StoreConformance, ChunksRoundTripAndFlush) {
  Store* store = store_.get();
  std::string chunk(256 * 1024, 'x');
  WriteSet ws;
  ws.Put(Column::kChunks, "c1", chunk);
  ASSERT_TRUE(store->Write(ws, Durability::kNoWal).ok());
  ASSERT_TRUE(store->Flush(Column::kChunks).ok());
  EXPECT_EQ(**store->Get(Column::kChunks, "c1"), chunk);
  EXPECT_GE(store->ApproximateBytes(Column::kChunks), chunk.size());
}

TEST_P(StoreConformance, AFreshStoreHoldsTheSchemaVersion) {
  auto v = store_->Get(Column::kMeta, kSchemaVersionKey);
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, std::to_string(kSchemaVersion));
}

TEST_P(StoreConformance, OverwriteAndDeleteInOneAtomicWrite) {
  WriteSet first;
  first.Put(Column::kEnvelopes, "a", "1");
  first.Put(Column::kEnvelopes, "b", "2");
  ASSERT_TRUE(store_->Write(first, Durability::kWal).ok());
  WriteSet second;
  second.Put(Column::kEnvelopes, "a", "one");
  second.Delete(Column::kEnvelopes, "b");
  second.Delete(Column::kEnvelopes, "never-written");
  second.Put(Column::kLogs, "a", "other column");
  ASSERT_TRUE(store_->Write(second, Durability::kSync).ok());
  EXPECT_EQ(**store_->Get(Column::kEnvelopes, "a"), "one");
  EXPECT_FALSE(*store_->Get(Column::kEnvelopes, "b"));
  EXPECT_EQ(**store_->Get(Column::kLogs, "a"), "other column");
  // Ops apply in order: a put after a delete of the same key wins.
  WriteSet third;
  third.Delete(Column::kEnvelopes, "a");
  third.Put(Column::kEnvelopes, "a", "again");
  ASSERT_TRUE(store_->Write(third, Durability::kNoWal).ok());
  EXPECT_EQ(**store_->Get(Column::kEnvelopes, "a"), "again");
}

TEST_P(StoreConformance, ScanHonoursPrefixStartAndEarlyStop) {
  WriteSet ws;
  for (const char* k : {"p1", "p2", "p3", "p4", "q1", "o9"}) ws.Put(Column::kPeers, k, k);
  ASSERT_TRUE(store_->Write(ws, Durability::kWal).ok());
  auto keys_of = [&](std::string_view prefix, std::string_view start, std::size_t stop_after) {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Scan(
                        Column::kPeers, prefix,
                        [&](std::string_view k, std::string_view v) {
                          EXPECT_EQ(k, v);
                          out.emplace_back(k);
                          return out.size() < stop_after;
                        },
                        start)
                    .ok());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys_of("p", "", 100), (V{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(keys_of("p", "p3", 100), (V{"p3", "p4"}));
  EXPECT_EQ(keys_of("p", "p25", 100), (V{"p3", "p4"}));
  EXPECT_EQ(keys_of("p", "", 2), (V{"p1", "p2"}));
  EXPECT_EQ(keys_of("", "", 100), (V{"o9", "p1", "p2", "p3", "p4", "q1"}));
  EXPECT_EQ(keys_of("r", "", 100), V{});
}

TEST_P(StoreConformance, AVisitorMayDeleteWhatItVisits) {
  WriteSet ws;
  for (const char* k : {"k1", "k2", "k3"}) ws.Put(Column::kByRoot, k, "");
  ASSERT_TRUE(store_->Write(ws, Durability::kWal).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->Scan(Column::kByRoot, "k",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           WriteSet del;
                           del.Delete(Column::kByRoot, std::string(k));
                           EXPECT_TRUE(store_->Write(del, Durability::kWal).ok());
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_FALSE(*store_->Get(Column::kByRoot, "k2"));
}

TEST_P(StoreConformance, LastHandlesPrefixesEndingInFF) {
  const std::string p("\x01\xff", 2);
  WriteSet ws;
  ws.Put(Column::kForks, p + "a", "1");
  ws.Put(Column::kForks, p + "\xff\xff", "2");
  ws.Put(Column::kForks, std::string("\x02", 1), "3");
  ASSERT_TRUE(store_->Write(ws, Durability::kWal).ok());
  auto last = store_->Last(Column::kForks, p);
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((*last)->second, "2");
  auto all = store_->Last(Column::kForks, "");
  ASSERT_TRUE(all && *all);
  EXPECT_EQ((*all)->second, "3");
  auto none = store_->Last(Column::kForks, std::string("\x01\xfe", 2));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(RocksStore, SurvivesReopen) {
  testutil::TempDir dir;
  {
    auto store = OpenRocksStore({.path = dir.Sub("db")});
    ASSERT_TRUE(store);
    WriteSet ws;
    ws.Put(Column::kEnvelopes, "k", "v");
    ASSERT_TRUE((*store)->Write(ws, Durability::kSync).ok());
  }
  auto store = OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_TRUE(store);
  EXPECT_EQ(**(*store)->Get(Column::kEnvelopes, "k"), "v");
}

TEST(RocksStore, SecondOpenOfTheSameDirectoryIsRefused) {
  testutil::TempDir dir;
  auto first = OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_TRUE(first);
  auto second = OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("in use"), std::string::npos) << second.error().message();
}

TEST(RocksStore, NewerSchemaVersionIsRefusedAndLeftAlone) {
  testutil::TempDir dir;
  {
    auto store = OpenRocksStore({.path = dir.Sub("db")});
    ASSERT_TRUE(store);
    WriteSet ws;
    ws.Put(Column::kMeta, std::string(kSchemaVersionKey), "99");
    ASSERT_TRUE((*store)->Write(ws, Durability::kSync).ok());
  }
  auto again = OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("schema version '99'"), std::string::npos);
  // Refusing did not rewrite it: a second attempt sees the same version.
  auto third = OpenRocksStore({.path = dir.Sub("db")});
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message().find("'99'"), std::string::npos);
}

}  // namespace
}  // namespace praxis::storage
