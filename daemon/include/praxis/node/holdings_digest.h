// HoldingsDigest: one number per node that operators compare across seeds
// to see them converge (issue 7, deploy/README.md): the XOR of the first 6
// bytes of the id of every open-group announcement held, counting only those
// created before the previous whole 10-minute UTC window. What is still in
// flight (the current and the last window) does not count, so seeds that
// hold the same settled set show the same digest at the same time.
//
// Kept incrementally: one XOR bucket per 10-minute window of `created`,
// filled from the store at start and from each announcement as it becomes
// held; a scrape XORs the settled buckets. Threading: the node's thread.
#pragma once

#include <cstdint>
#include <map>

#include "praxis/node/node.h"

namespace praxis::node {

class HoldingsDigest {
 public:
  static constexpr std::uint64_t kWindowMs = 10 * 60 * 1000;
  // Reads what the store holds and watches the node for what arrives.
  explicit HoldingsDigest(Node& node);
  ~HoldingsDigest();
  HoldingsDigest(const HoldingsDigest&) = delete;
  HoldingsDigest& operator=(const HoldingsDigest&) = delete;

  // Below 2^48, so a Prometheus gauge (a double) carries it exactly.
  std::uint64_t Value(std::uint64_t now_ms) const;

 private:
  void Add(const Id& log_group, std::uint64_t created, const Id& id);
  Node& node_;
  std::size_t watch_ = 0;
  std::map<std::uint64_t, std::uint64_t> buckets_;  // window index -> XOR
};

}  // namespace praxis::node
