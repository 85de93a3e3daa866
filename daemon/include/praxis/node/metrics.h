// What a node tells Prometheus (issue 7; names listed in deploy/README.md).
// The exposition format is written here by hand: prometheus-cpp, which
// DESIGN names, is not packaged for Debian 12, and the text format is a few
// lines. No label carries a peer or a group: cardinality stays fixed.
//
// Threading: Render runs on the node's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "praxis/node/holdings_digest.h"
#include "praxis/node/node.h"

namespace praxis::node {

class PeerManager;

// Prometheus text format 0.0.4, one family at a time.
class Exposition {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void Family(const std::string& name, const char* type, const std::string& help);
  void Sample(const std::string& name, double value, const Labels& labels = {});
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

struct MetricsSources {
  Node& node;
  PeerManager& peers;
  const HoldingsDigest* digest;  // null: not kept (praxis_holdings_digest left out)
  std::function<Result<std::uint64_t>()> disk_free;   // bytes
  std::function<Result<std::uint64_t>()> disk_total;  // bytes
  std::function<bool()> ready;
  std::uint64_t quota = 0;
  // Figures kept elsewhere (deny list, seed keeper).
  struct Extra {
    std::string name;
    const char* type;  // "counter" | "gauge"
    std::string help;
    double value;
  };
  std::function<std::vector<Extra>()> extra;
};

std::string RenderMetrics(const MetricsSources& s);

}  // namespace praxis::node
