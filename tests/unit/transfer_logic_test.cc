// Transfer as plain logic under a fake clock: a node of the in-memory test
// network fetches from (or serves) probes that play holders and fetchers, so
// timeouts, reassignment, the end game and fair serving are checked to the
// millisecond, with no sockets and no sleeps.
#include <gtest/gtest.h>

#include <map>

#include "praxis/crypto/crypto.h"
#include "praxis/node/resource.h"
#include "praxis/node/transfer.h"
#include "testutil/gossip_net.h"

namespace praxis::node {
namespace {

using testutil::GossipNet;
using testutil::NetNode;

class TransferLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::InitCrypto();
    net_.AddNode();
  }
  void TearDown() override {
    if (transfer_) net_.node(0).gossip->set_extension(nullptr, net_.now());
  }
  // Node 0 gets a Transfer serving everyone.
  Transfer& Start(TransferOptions opts = {}) {
    NetNode& n = net_.node(0);
    transfer_ = std::make_unique<Transfer>(
        *n.store, *n.transport, *n.gossip, [](const Id&, const Id&) { return true; },
        std::move(opts));
    n.gossip->set_extension(transfer_.get(), net_.now());
    return *transfer_;
  }
  // `content`, written into node 0's store (as its own share would be).
  Id Hold(const std::string& content) {
    ResourceWriter w(*net_.node(0).store);
    EXPECT_TRUE(w.Append(content).ok());
    storage::WriteSet ws;
    auto info = w.Finish(ws);
    EXPECT_TRUE(info);
    EXPECT_TRUE(net_.node(0).store->Write(ws, storage::Durability::kSync).ok());
    return info->root;
  }
  // A second network node's store builds the resource; its pieces are what
  // honest probes serve.
  struct Source {
    Id root;
    std::string manifest;
    std::vector<std::string> chunks;
  };
  static Source Make(const std::string& content) {
    Source s;
    for (std::size_t at = 0; at < content.size(); at += kChunkSize)
      s.chunks.push_back(content.substr(at, kChunkSize));
    wire::Manifest m;
    m.set_size(content.size());
    m.set_chunk_size(kChunkSize);
    for (const auto& c : s.chunks) m.add_chunks(crypto::Blake2b256(c).Str());
    s.manifest = SerializeBody(m);
    s.root = crypto::Blake2b256(s.manifest);
    return s;
  }
  static std::string Content(std::size_t n, int seed) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + seed) >> 3);
    return out;
  }
  // A probe that holds `src`: says so, and answers requests (unless `mute`).
  int Holder(const Source& src, bool mute = false) {
    const int p = net_.AttachProbe(0, crypto::KeyPair::Generate().public_key());
    holders_[p] = {&src, mute, false, 0};
    return p;
  }
  // Answers what every holder probe was asked since the last call.
  void Answer() {
    for (auto& [p, h] : holders_) {
      const auto& inbox = net_.ProbeInbox(p);
      for (; h.seen < inbox.size(); ++h.seen) {
        const wire::PeerMessage& m = inbox[h.seen].message;
        wire::PeerMessage r;
        if (m.has_have_query()) {
          r.mutable_have_reply()->set_root(m.have_query().root());
          r.mutable_have_reply()->set_held(true);
        } else if (m.has_chunk_request() &&
                   (!h.mute || (h.serve_manifest && m.chunk_request().manifest()))) {
          const auto& q = m.chunk_request();
          auto* c = r.mutable_chunk_reply();
          c->set_root(q.root());
          c->set_index(q.index());
          c->set_manifest(q.manifest());
          c->set_data(q.manifest() ? h.src->manifest : h.src->chunks.at(q.index()));
        } else {
          continue;
        }
        net_.ProbeSend(p, r);
      }
    }
  }
  std::size_t Requests(int probe, bool manifest = false) const {
    std::size_t n = 0;
    for (const auto& f : net_.ProbeInbox(probe))
      n += f.message.has_chunk_request() && f.message.chunk_request().manifest() == manifest;
    return n;
  }
  bool Finished(const Id& root) {
    const FetchProgress* p = transfer_->Progress(root);
    return p && (p->done || !p->failed.ok());
  }

  GossipNet net_;
  std::unique_ptr<Transfer> transfer_;
  struct HolderState {
    const Source* src;
    bool mute;
    bool serve_manifest;  // when mute: still answers manifest requests
    std::size_t seen;
  };
  std::map<int, HolderState> holders_;
};

TEST_F(TransferLogicTest, WithNoHolderTheFetchGivesUpExactlyAtTheLocateTimeout) {
  Transfer& t = Start({.locate_timeout = 60'000});
  const Source src = Make(Content(1000, 1));
  const node::Millis t0 = net_.now();
  ASSERT_TRUE(t.Fetch(src.root, t0).ok());
  net_.RunUntil(t0 + 59'999);
  ASSERT_FALSE(Finished(src.root));
  net_.RunUntil(t0 + 60'000);
  ASSERT_TRUE(Finished(src.root));
  EXPECT_NE(t.Progress(src.root)->failed.message().find("no peer holding"), std::string::npos);
  EXPECT_EQ(t.counters().fetches_failed, 1u);
}

TEST_F(TransferLogicTest, RequestsUnansweredAtTheTimeoutAreAskedAgainWithTheWindowHalved) {
  Transfer& t = Start({.window_start = 4, .request_timeout = 5'000});
  const Source src = Make(Content(8 * kChunkSize + 3, 2));
  const int mute = Holder(src, /*mute=*/true);
  holders_[mute].serve_manifest = true;  // the manifest comes; chunks never do
  const node::Millis t0 = net_.now();
  ASSERT_TRUE(t.Fetch(src.root, t0).ok());
  // Its window: 4, and one more for the manifest it sent.
  ASSERT_TRUE(net_.RunUntilTrue([&] { Answer(); return Requests(mute) == 5; }, 1'000));
  // When they reached the probe: sent at most one link latency (<= 30 ms) before.
  node::Millis asked = 0;
  for (const auto& f : net_.ProbeInbox(mute))
    if (f.message.has_chunk_request()) asked = f.at;
  net_.RunUntil(asked + 5'000 - 31);
  Answer();
  EXPECT_EQ(Requests(mute), 5u) << "asked again before the timeout";
  net_.RunUntil(asked + 5'200);  // fetch timers are looked at every 200 ms
  Answer();
  EXPECT_EQ(Requests(mute), 7u) << "after the timeout: its window halved to 2, asked again";
  // An honest holder turns up and the fetch completes, all from it.
  const int good = Holder(src);
  ASSERT_TRUE(net_.RunUntilTrue([&] { Answer(); return Finished(src.root); }, 10'000));
  const FetchProgress* p = t.Progress(src.root);
  ASSERT_TRUE(p->failed.ok()) << p->failed.ToString();
  EXPECT_TRUE(p->done);
  EXPECT_EQ(p->bytes_from.size(), 1u);
  EXPECT_EQ(Requests(good), 9u);
  // Stored as it came: every chunk and the held marker.
  auto held = ResourceHeld(*net_.node(0).store, src.root);
  ASSERT_TRUE(held);
  EXPECT_TRUE(*held);
}

TEST_F(TransferLogicTest, TheEndGameAsksAnIdleHolderForWhatASlowOneStillOwes) {
  Transfer& t = Start({.window_start = 2, .request_timeout = 60'000});
  const Source src = Make(Content(6 * kChunkSize, 3));
  const int slow = Holder(src, /*mute=*/true);  // answers nothing (yet)
  const int fast = Holder(src);
  ASSERT_TRUE(t.Fetch(src.root, net_.now()).ok());
  // The fast holder ends up with every piece long before the slow one's
  // 60 s timeout: what the slow one was asked (the manifest after 1 s, chunks
  // at once in the end game) is asked again.
  ASSERT_TRUE(net_.RunUntilTrue([&] { Answer(); return Finished(src.root); }, 5'000));
  EXPECT_TRUE(t.Progress(src.root)->done);
  EXPECT_GE(Requests(slow), 1u) << "the slow holder was never asked: no end game shown";
  EXPECT_EQ(Requests(fast), 6u) << "the fast holder served every chunk";
}

TEST_F(TransferLogicTest, RequestsArePacedByTheDownloadRate) {
  // 12 chunks (3 MiB) at 1 MB/s: a quarter second of burst, then about 1 MB
  // of requests a second, so not done before ~2.9 s.
  Transfer& t = Start({.max_download_rate = 1'000'000});
  const Source src = Make(Content(12 * kChunkSize, 6));
  (void)Holder(src);
  const node::Millis t0 = net_.now();
  ASSERT_TRUE(t.Fetch(src.root, t0).ok());
  ASSERT_TRUE(net_.RunUntilTrue([&] { Answer(); return Finished(src.root); }, 20'000));
  ASSERT_TRUE(t.Progress(src.root)->done);
  const double seconds = static_cast<double>(net_.now() - t0) / 1000.0;
  const double mb = 12.0 * kChunkSize / 1e6;
  EXPECT_GE(seconds, mb - 0.25 - 0.3) << "faster than the download rate";
  EXPECT_LE(seconds, mb + 1.0);
}

TEST_F(TransferLogicTest, TwoFetchersAreServedInTurnWithinTheUploadRate) {
  Transfer& t = Start({.max_upload_rate = 1'000'000});
  const std::string content = Content(8 * kChunkSize, 4);
  const Id root = Hold(content);
  const int a = net_.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  const int b = net_.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  const node::Millis t0 = net_.now();
  for (int p : {a, b})
    for (std::uint64_t i = 0; i < 8; ++i) {
      wire::PeerMessage m;
      m.mutable_chunk_request()->set_root(root.Str());
      m.mutable_chunk_request()->set_index(i);
      net_.ProbeSend(p, m);
    }
  // 16 chunks of 256 KiB at 1 MB/s: about 4 s, alternating.
  ASSERT_TRUE(net_.RunUntilTrue([&] { return t.counters().chunks_served == 16; }, 20'000));
  std::vector<std::pair<node::Millis, int>> served;
  for (int p : {a, b})
    for (const auto& f : net_.ProbeInbox(p))
      if (f.message.has_chunk_reply()) {
        EXPECT_FALSE(f.message.chunk_reply().missing());
        EXPECT_EQ(crypto::Blake2b256(f.message.chunk_reply().data()),
                  crypto::Blake2b256(content.substr(f.message.chunk_reply().index() * kChunkSize,
                                                    kChunkSize)));
        served.emplace_back(f.at, p);
      }
  std::sort(served.begin(), served.end());
  ASSERT_EQ(served.size(), 16u);
  // In the first half of the time, each had its half of the chunks.
  std::map<int, int> early;
  for (std::size_t i = 0; i < 8; ++i) ++early[served[i].second];
  EXPECT_GE(early[a], 3);
  EXPECT_GE(early[b], 3);
  const double seconds = static_cast<double>(served.back().first - t0) / 1000.0;
  EXPECT_GE(seconds, 16.0 * kChunkSize / 1e6 - 0.6) << "faster than the upload rate";
  EXPECT_LE(seconds, 16.0 * kChunkSize / 1e6 + 1.0);
}

TEST_F(TransferLogicTest, ContentNotHeldOrNotAllowedIsAnsweredMissing) {
  NetNode& n = net_.node(0);
  const std::string content = Content(kChunkSize, 5);
  const Id root = Hold(content);
  const Id allowed_member = crypto::KeyPair::Generate().public_key();
  transfer_ = std::make_unique<Transfer>(
      *n.store, *n.transport, *n.gossip,
      [&](const Id& member, const Id&) { return member == allowed_member; }, TransferOptions{});
  n.gossip->set_extension(transfer_.get(), net_.now());
  const int stranger = net_.AttachProbe(0, crypto::KeyPair::Generate().public_key());
  const int member = net_.AttachProbe(0, allowed_member);
  for (int p : {stranger, member}) {
    wire::PeerMessage q;
    q.mutable_have_query()->set_root(root.Str());
    net_.ProbeSend(p, q);
    wire::PeerMessage c;
    c.mutable_chunk_request()->set_root(root.Str());
    c.mutable_chunk_request()->set_index(0);
    net_.ProbeSend(p, c);
    wire::PeerMessage beyond = c;
    beyond.mutable_chunk_request()->set_index(1);  // no such chunk
    net_.ProbeSend(p, beyond);
  }
  net_.RunUntil(net_.now() + 1'000);
  auto replies = [&](int p) {
    std::vector<wire::PeerMessage> out;
    for (const auto& f : net_.ProbeInbox(p))
      if (f.message.has_have_reply() || f.message.has_chunk_reply()) out.push_back(f.message);
    return out;
  };
  auto s = replies(stranger), m = replies(member);
  ASSERT_EQ(s.size(), 3u);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_FALSE(s[0].have_reply().held());
  EXPECT_TRUE(s[0].have_reply().refused());
  EXPECT_TRUE(s[1].chunk_reply().missing());
  EXPECT_TRUE(s[1].chunk_reply().data().empty());
  EXPECT_TRUE(m[0].have_reply().held());
  EXPECT_FALSE(m[1].chunk_reply().missing());
  EXPECT_EQ(m[1].chunk_reply().data(), content);
  EXPECT_TRUE(m[2].chunk_reply().missing());
  EXPECT_EQ(transfer_->counters().refused, 3u);  // the query and both chunks
}

}  // namespace
}  // namespace praxis::node
