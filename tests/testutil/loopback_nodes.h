// In-process nodes on real loopback sockets for integration tests: each
// with its own RocksDB in a temp dir, a Node, and a PeerManager listening on
// 127.0.0.1; helpers to connect them, run the loop until a condition holds,
// and publish through a node.
#pragma once

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "praxis/node/peer_manager.h"
#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"
#include "testutil/io_loop.h"
#include "testutil/temp_dir.h"

namespace praxis::node {

using asio::ip::tcp;

struct TestPeer {
  testutil::TempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Node> node;
  std::unique_ptr<PeerManager> peers;
  tcp::endpoint address;
};

class LoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }
  void TearDown() override {
    for (auto& p : nodes_) p->peers->Close();
    RunFor(std::chrono::milliseconds(50));
    nodes_.clear();
    pool_.join();
  }

  struct NodeSpec {
    PeerManagerOptions options;  // gossip.active_target is set from active_target below
    std::uint8_t network = 1;
    // 1: nodes dial nobody beyond what the test connects, so a line stays a
    // line.
    std::size_t active_target = 1;
    std::optional<crypto::KeyPair> key;  // Default: a fresh identity
    bool imported = false;               // the key came from `praxis identity export`
  };
  TestPeer& AddNode(std::uint8_t network = 1) { return AddNode(NodeSpec{.network = network}); }
  TestPeer& AddNode(NodeSpec spec) {
    const std::uint8_t network = spec.network;
    auto p = std::make_unique<TestPeer>();
    auto s = storage::OpenRocksStore({.path = p->dir.Sub("db")});
    EXPECT_TRUE(s);
    p->store = std::move(*s);
    if (spec.imported) {
      storage::WriteSet ws;
      ws.Put(storage::Column::kMeta, std::string(kImportedKey), "1");
      EXPECT_TRUE(p->store->Write(ws, storage::Durability::kSync).ok());
    }
    auto ing = Ingestor::Open(*p->store, {});
    EXPECT_TRUE(ing);
    p->node =
        std::make_unique<Node>(io_.get_executor(), pool_, *p->store, std::move(*ing),
                               spec.key ? *spec.key : crypto::KeyPair::Generate(), NodeOptions{});
    net::HandshakeOptions hs;
    hs.network_key.fill(network);
    PeerManagerOptions opts = spec.options;
    opts.gossip.active_target = spec.active_target;
    auto pm = PeerManager::Open(*p->node, p->node->key(), hs, opts);
    EXPECT_TRUE(pm) << pm.error().ToString();
    p->peers = std::move(*pm);
    auto ep = p->peers->Listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    EXPECT_TRUE(ep);
    p->address = *ep;
    nodes_.push_back(std::move(p));
    return *nodes_.back();
  }
  void Connect(TestPeer& from, TestPeer& to) {
    bool done = false;
    from.peers->Connect("127.0.0.1:" + std::to_string(to.address.port()), [&](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      done = true;
    });
    ASSERT_TRUE(RunUntil([&] { return done; }));
  }
  bool RunUntil(const std::function<bool()>& cond) { return testutil::RunUntil(io_, cond); }
  void RunFor(std::chrono::milliseconds d) {
    auto guard = asio::make_work_guard(io_);
    io_.restart();
    io_.run_for(d);
  }
  Result<Announcement> Publish(TestPeer& p, OwnWrite w) {
    std::optional<Result<Announcement>> out;
    p.node->Publish(std::move(w), [&](Result<Announcement> r) { out = std::move(r); });
    EXPECT_TRUE(RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }
  Id CreateGroup(TestPeer& p, const std::string& name) {
    wire::Genesis g;
    g.set_name(name);
    g.set_nonce(name);
    auto a = Publish(p, {.kind = wire::KIND_GENESIS, .body = SerializeBody(g)});
    EXPECT_TRUE(a);
    return a->id;
  }
  Id Share(TestPeer& p, const Id& group, const std::string& title) {
    wire::Share s;
    s.set_root(crypto::Blake2b256(title).Str());
    s.set_title(title);
    auto a = Publish(p, {.kind = wire::KIND_SHARE, .group = group, .body = SerializeBody(s)});
    EXPECT_TRUE(a) << a.error().ToString();
    return a->id;
  }

  // `p` stores `content` as a resource and shares it into `group`.
  struct Shared {
    Id root;
    Announcement share;
  };
  Result<Shared> ShareContent(TestPeer& p, const Id& group, const std::string& content,
                              const std::string& title) {
    ResourceWriter w(*p.store);
    PRAXIS_RETURN_IF_ERROR(w.Append(content));
    storage::WriteSet ws;
    auto info = w.Finish(ws);
    if (!info) return Err(info.error());
    wire::Share s;
    s.set_root(info->root.Str());
    s.set_title(title);
    s.set_size(info->size);
    auto share = Publish(p, {.kind = wire::KIND_SHARE,
                             .group = group,
                             .body = SerializeBody(s),
                             .extra = std::move(ws)});
    if (!share) return Err(share.error());
    return Shared{info->root, std::move(*share)};
  }

  static net::HandshakeOptions Hs(std::uint8_t network = 1) {
    net::HandshakeOptions hs;
    hs.network_key.fill(network);
    return hs;
  }
  static std::string Addr(const TestPeer& p) {
    return "127.0.0.1:" + std::to_string(p.address.port());
  }
  static bool HoldsAll(TestPeer& p, const std::vector<Id>& ids) {
    for (const Id& id : ids)
      if (!p.node->ingestor().Held(id)) return false;
    return true;
  }
  static std::size_t Forks(TestPeer& p) {
    std::size_t n = 0;
    (void)p.store->Scan(storage::Column::kForks, "", [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
    return n;
  }
  static wire::PeerMessage DeliveryMsg(const Announcement& a, bool reply = false) {
    wire::PeerMessage m;
    m.mutable_delivery()->set_envelope(a.envelope);
    m.mutable_delivery()->set_reply(reply);
    return m;
  }

  asio::io_context io_;
  asio::thread_pool pool_{2};
  std::vector<std::unique_ptr<TestPeer>> nodes_;
};

}  // namespace praxis::node
