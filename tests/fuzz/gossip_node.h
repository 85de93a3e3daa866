// One node of the in-memory gossip network (tests/testutil/gossip_net.h) with
// resource transfer attached and logging off, for targets that speak to a
// node as a peer would. Started afresh every kInputsPerStore inputs.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

#include "fuzz/scratch_store.h"
#include "praxis/node/transfer.h"
#include "testutil/gossip_net.h"

namespace praxis::fuzz {

struct GossipNode {
  testutil::GossipNet net;
  std::unique_ptr<node::Transfer> transfer;
  int inputs = 0;

  GossipNode() {
    testutil::NetNode& n = net.AddNode();
    spdlog::set_level(spdlog::level::off);  // GossipNet turns warnings back on
    transfer = std::make_unique<node::Transfer>(
        *n.store, *n.transport, *n.gossip, [](const Id&, const Id&) { return true; },
        node::TransferOptions{});
    n.gossip->set_extension(transfer.get(), net.now());
  }
  ~GossipNode() { net.node(0).gossip->set_extension(nullptr, net.now()); }
  testutil::NetNode& node() { return net.node(0); }

  // The node for this input: the same one, or a new one every so often.
  static GossipNode& ForInput() {
    // Never destroyed at exit: RocksDB's own statics may be gone by then.
    static GossipNode* g = nullptr;
    if (!g || ++g->inputs > kInputsPerStore) {
      delete g;
      g = new GossipNode();
    }
    return *g;
  }
};

}  // namespace praxis::fuzz
