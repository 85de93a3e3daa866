// Resource transfer between in-process nodes on loopback, with raw peers
// posing as holders: a holder that sends a piece failing its hash is cut off
// and refused, and the file still arrives intact from an honest one.
#include <gtest/gtest.h>

#include "praxis/crypto/crypto.h"
#include "praxis/node/resource.h"
#include "testutil/loopback_nodes.h"
#include "testutil/raw_peer.h"

namespace praxis::node {
namespace {

class TransferTest : public LoopbackTest {
 protected:
  // `holder` shares `content` into a new group; `fetcher`, not linked to it,
  // is handed the group and the share (as from another peer) and joins.
  void ShareAndJoin(TestPeer& holder, TestPeer& fetcher, const std::string& content) {
    group_ = CreateGroup(holder, "files");
    auto shared = ShareContent(holder, group_, content, "data");
    ASSERT_TRUE(shared) << shared.error().ToString();
    root_ = shared->root;
    const Announcement* share = &shared->share;
    auto genesis = holder.node->ingestor().Find(group_);
    ASSERT_TRUE(genesis && *genesis);
    std::vector<RawDelivery> handed{{(*genesis)->envelope, ""}, {share->envelope, ""}};
    for (const auto& o : fetcher.peers->IngestLocal(handed)) ASSERT_TRUE(o.ok()) << o.reason;
    join_ = Publish(fetcher, {.kind = wire::KIND_JOIN, .group = group_});
    ASSERT_TRUE(join_) << join_.error().ToString();
  }

  // Answers what `raw` was asked since the last call: it claims to hold
  // every root, and serves `serve(request)` for each piece asked.
  void Pose(testutil::RawPeer& raw, std::size_t& seen,
            const std::function<std::string(const wire::ChunkRequest&)>& serve) {
    for (; seen < raw.received().size(); ++seen) {
      const wire::PeerMessage& m = raw.received()[seen];
      wire::PeerMessage reply;
      if (m.has_have_query()) {
        reply.mutable_have_reply()->set_root(m.have_query().root());
        reply.mutable_have_reply()->set_held(true);
      } else if (m.has_chunk_request()) {
        auto* r = reply.mutable_chunk_reply();
        r->set_root(m.chunk_request().root());
        r->set_index(m.chunk_request().index());
        r->set_manifest(m.chunk_request().manifest());
        r->set_data(serve(m.chunk_request()));
        ++asked_of_raw_;
      } else {
        continue;
      }
      raw.Send(reply);
    }
  }

  Id group_, root_;
  Result<Announcement> join_ = Err(Status::NotFound("no join yet"));
  std::size_t asked_of_raw_ = 0;
};

TEST_F(TransferTest, HoldersSendingPiecesThatFailTheirHashAreCutOffAndTheFileStillArrives) {
  TestPeer& holder = AddNode();
  TestPeer& fetcher = AddNode();
  std::string content(10 * kChunkSize + 99, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 13);
  ShareAndJoin(holder, fetcher, content);

  // The first liar, alone at first, is asked for the manifest and sends
  // junk; the second sends the true manifest and chunks with one bit flipped.
  testutil::RawPeer bad_manifest(io_, Hs()), bad_chunks(io_, Hs());
  ASSERT_TRUE(bad_manifest.Connect(fetcher.address).ok());
  ASSERT_TRUE(RunUntil([&] { return fetcher.peers->peer_count() == 1; }));
  auto true_manifest = holder.store->Get(storage::Column::kManifests, root_.View());
  ASSERT_TRUE(true_manifest && *true_manifest);
  std::size_t seen1 = 0, seen2 = 0;
  auto junk = [](const wire::ChunkRequest&) { return std::string(1000, 'x'); };
  auto flipped = [&](const wire::ChunkRequest& q) {
    if (q.manifest()) return **true_manifest;
    std::string chunk = content.substr(q.index() * kChunkSize, kChunkSize);
    chunk[chunk.size() / 2] ^= 1;
    return chunk;
  };

  ASSERT_TRUE(fetcher.peers->Fetch(root_).ok());
  ASSERT_TRUE(RunUntil([&] {
    Pose(bad_manifest, seen1, junk);
    return bad_manifest.down();
  }));
  EXPECT_EQ(fetcher.peers->transfer().counters().bad_pieces, 1u);
  ASSERT_TRUE(bad_chunks.Connect(fetcher.address).ok());
  ASSERT_TRUE(RunUntil([&] {
    Pose(bad_chunks, seen2, flipped);
    return bad_chunks.down();
  }));
  EXPECT_GE(asked_of_raw_, 3u);  // the manifest twice, then a chunk
  EXPECT_EQ(fetcher.peers->transfer().counters().bad_pieces, 2u);
  EXPECT_EQ(fetcher.peers->peer_count(), 0u);
  const FetchProgress* p = fetcher.peers->transfer().Progress(root_);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->done);
  EXPECT_TRUE(p->failed.ok()) << "the fetch goes on, waiting for an honest holder";

  // Refused by identity from now on: the liar comes back and is turned away.
  ASSERT_TRUE(bad_chunks.Connect(fetcher.address).ok());
  ASSERT_TRUE(RunUntil([&] { return bad_chunks.down(); }));

  // An honest holder appears: the file arrives, byte for byte.
  Connect(fetcher, holder);
  ASSERT_TRUE(RunUntil([&] {
    const FetchProgress* q = fetcher.peers->transfer().Progress(root_);
    return q && (q->done || !q->failed.ok());
  }));
  p = fetcher.peers->transfer().Progress(root_);
  ASSERT_TRUE(p->failed.ok()) << p->failed.ToString();
  EXPECT_EQ(p->bytes_from.size(), 1u);
  EXPECT_EQ(p->bytes_from.begin()->first, holder.node->member());
  std::string fetched;
  ASSERT_TRUE(ForEachChunk(*fetcher.store, root_, [&](std::uint64_t, const Id& c) {
                auto bytes = ReadChunk(*fetcher.store, c);
                if (!bytes) return bytes.error();
                fetched += *bytes;
                return Status::OK();
              }).ok());
  EXPECT_TRUE(fetched == content);
  auto held = ResourceHeld(*fetcher.store, root_);
  ASSERT_TRUE(held);
  EXPECT_TRUE(*held);
}

}  // namespace
}  // namespace praxis::node

namespace praxis::node {
namespace {

TEST_F(TransferTest, WhenNoLinkedPeerHoldsItTheSharerIsDialled) {
  // A line: holder <- middle <- fetcher, each dialling only what the test
  // says (active target 1). The fetcher learns the holder's address and
  // member id from the middle's peer exchange.
  TestPeer& holder = AddNode();
  TestPeer& middle = AddNode();
  TestPeer& fetcher = AddNode();
  std::string content(3 * kChunkSize + 5, 'c');
  ShareAndJoin(holder, fetcher, content);
  Connect(middle, holder);
  Connect(fetcher, middle);
  ASSERT_TRUE(RunUntil([&] { return holder.node->ingestor().Held(join_->id); }));
  ASSERT_EQ(fetcher.peers->peer_count(), 1u);
  ASSERT_TRUE(fetcher.peers->Fetch(root_).ok());
  ASSERT_TRUE(RunUntil([&] {
    const FetchProgress* p = fetcher.peers->transfer().Progress(root_);
    return p && (p->done || !p->failed.ok());
  }));
  const FetchProgress* p = fetcher.peers->transfer().Progress(root_);
  ASSERT_TRUE(p->failed.ok()) << p->failed.ToString();
  ASSERT_EQ(p->bytes_from.size(), 1u);
  EXPECT_EQ(p->bytes_from.begin()->first, holder.node->member());
  EXPECT_EQ(fetcher.peers->peer_count(), 2u);
}

}  // namespace
}  // namespace praxis::node
