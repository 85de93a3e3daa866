#include "praxis/node/resource.h"

#include <gtest/gtest.h>

#include "praxis/crypto/crypto.h"
#include "testutil/content.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

using storage::Column;

class ResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::InitCrypto();
    auto s = storage::OpenRocksStore({.path = dir_.Sub("db")});
    ASSERT_TRUE(s);
    store_ = std::move(*s);
  }
  // Stores `content` fed in pieces of `piece` bytes; returns its root.
  ResourceInfo Put(const std::string& content, std::size_t piece = 1000,
                   std::size_t max_entries = kMaxManifestEntries) {
    ResourceWriter w(*store_, max_entries);
    for (std::size_t i = 0; i < content.size(); i += piece)
      EXPECT_TRUE(w.Append(std::string_view(content).substr(i, piece)).ok());
    storage::WriteSet ws;
    auto info = w.Finish(ws);
    EXPECT_TRUE(info);
    EXPECT_TRUE(store_->Write(ws, storage::Durability::kSync).ok());
    return *info;
  }
  std::string Read(const Id& root) {
    auto content = testutil::ReadResource(*store_, root);
    EXPECT_TRUE(content) << content.error().ToString();
    return content ? *content : std::string();
  }
  static std::string Content(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
    return s;
  }
  testutil::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ResourceTest, SmallNoteRoundTrips) {
  ResourceInfo info = Put("a short note");
  EXPECT_EQ(info.size, 12u);
  EXPECT_EQ(info.chunks, 1u);
  EXPECT_EQ(Read(info.root), "a short note");
  EXPECT_TRUE(*ResourceHeld(*store_, info.root));
}

TEST_F(ResourceTest, EmptyContentIsOneEmptyChunk) {
  ResourceInfo info = Put("");
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(Read(info.root), "");
}

TEST_F(ResourceTest, ChunkBoundariesDoNotDependOnHowBytesArrive) {
  std::string c = Content(3 * kChunkSize + 17);
  ResourceInfo a = Put(c, 1000), b = Put(c, kChunkSize + 3);
  EXPECT_EQ(a.root, b.root);
  EXPECT_EQ(a.chunks, 4u);
  EXPECT_EQ(Read(a.root), c);
  auto m = LoadManifest(*store_, a.root);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->chunks_size(), 4);
  EXPECT_EQ(m->chunk_size(), kChunkSize);
}

TEST_F(ResourceTest, LargeContentGetsATwoLevelManifest) {
  std::string c = Content(40 * kChunkSize + 5);  // > kChunksPerWrite: written without WAL, flushed
  ResourceInfo info = Put(c, 64 * 1024, /*max_entries=*/8);
  auto top = LoadManifest(*store_, info.root);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->chunks_size(), 0);
  EXPECT_EQ(top->children_size(), 6);  // 41 chunks / 8 per sub-manifest
  EXPECT_EQ(top->size(), c.size());
  EXPECT_EQ(Read(info.root), c);
}

TEST_F(ResourceTest, CorruptChunkIsDetectedOnRead) {
  ResourceInfo info = Put("precious");
  Id chunk;
  ASSERT_TRUE(ForEachChunk(*store_, info.root, [&](std::uint64_t, const Id& c) {
                chunk = c;
                return Status::OK();
              }).ok());
  storage::WriteSet ws;
  ws.Put(Column::kChunks, chunk.Str(), "tampered");
  ASSERT_TRUE(store_->Write(ws, storage::Durability::kSync).ok());
  auto r = ReadChunk(*store_, chunk);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kCorruption);
}

}  // namespace
}  // namespace praxis::node
