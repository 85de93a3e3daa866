#include "praxis/node/keeper.h"

#include <spdlog/spdlog.h>

#include "praxis/node/holdings.h"
#include "praxis/node/resource.h"

namespace praxis::node {

Keeper::Keeper(Node& node, PeerManager& peers, std::chrono::milliseconds retry_every)
    : node_(node),
      peers_(peers),
      retry_every_(retry_every),
      timer_(node.executor()) {}

void Keeper::Start() {
  peers_.transfer().set_on_finished([this](const FetchProgress& p) { OnFetched(p); });
  FetchCommitments();
  Arm();
}

void Keeper::Stop() {
  stopped_ = true;
  timer_.cancel();
  peers_.transfer().set_on_finished(nullptr);
}

void Keeper::Arm() {
  if (stopped_) return;
  timer_.expires_after(retry_every_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    FetchCommitments();
    ReclaimIfWasteful();
    Arm();
  });
}

void Keeper::ReclaimIfWasteful() {
  // Retractions from the network drop content too; its space comes back once
  // the chunk column is well over what is held.
  auto held = ListHeld(node_.store());
  if (!held) return;
  std::uint64_t total = 0;
  for (const auto& h : *held) total += h.size;
  const std::uint64_t on_disk = node_.store().ApproximateBytes(storage::Column::kChunks);
  if (on_disk <= total + total / 2 + (std::uint64_t{64} << 20)) return;
  spdlog::info("reclaiming chunk space: {} on disk for {} held", HumanBytes(on_disk),
               HumanBytes(total));
  if (Status s = node_.store().Reclaim(storage::Column::kChunks); !s.ok())
    spdlog::warn("cannot reclaim chunk space: {}", s.message());
}

void Keeper::FetchCommitments() {
  auto pending = PendingCommitments(node_.ingestor(), node_.store(), node_.member());
  if (!pending) {
    spdlog::warn("cannot list republish commitments: {}", pending.error().message());
    return;
  }
  for (const Id& root : *pending) {
    const FetchProgress* p = peers_.transfer().Progress(root);
    if (p && !p->done && p->failed.ok()) continue;  // under way
    peers_.transfer().Forget(root);
    // The member said yes to keeping it when republishing: past the size
    // limit too (republish refuses that without --yes).
    if (Status s = peers_.Fetch(root, /*beyond_size_limit=*/true); !s.ok())
      spdlog::warn("cannot fetch committed content {}: {}", root.Short(), s.message());
  }
}

void Keeper::OnFetched(const FetchProgress& p) {
  const std::uint64_t quota = node_.storage_limits().quota;
  if (!p.done || !quota) return;
  auto freed = EvictOverQuota(node_.ingestor(), node_.store(), node_.member(), quota);
  if (!freed) spdlog::warn("quota: eviction failed: {}", freed.error().message());
}

}  // namespace praxis::node
