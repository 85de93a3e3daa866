#include "praxis/node/keeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "praxis/node/access.h"
#include "praxis/node/holdings.h"
#include "praxis/storage/keys.h"
#include "praxis/node/resource.h"

namespace praxis::node {

Keeper::Keeper(Node& node, PeerManager& peers, std::chrono::milliseconds retry_every)
    : node_(node),
      peers_(peers),
      retry_every_(retry_every),
      timer_(node.executor()),
      kick_(node.executor()) {}

void Keeper::Start() {
  peers_.transfer().set_on_finished([this](const FetchProgress& p) { OnFetched(p); });
  if (seed_)
    watch_ = node_.Watch([this](const NodeEvent& e) {
      // Shares and republishes are what can add to, or raise, a circle.
      const std::uint32_t k = e.announcement.kind;
      if (k == wire::KIND_SHARE || k == wire::KIND_REPUBLISH) Kick();
    });
  FetchCommitments();
  KeepCircles();
  Arm();
}

void Keeper::Stop() {
  stopped_ = true;
  timer_.cancel();
  kick_.cancel();
  if (watch_) node_.Unwatch(watch_);
  watch_ = 0;
  peers_.transfer().set_on_finished(nullptr);
}

void Keeper::Arm() {
  if (stopped_) return;
  timer_.expires_after(retry_every_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    FetchCommitments();
    KeepCircles();
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

void Keeper::Kick() {
  if (kicked_ || stopped_) return;
  kicked_ = true;
  kick_.expires_after(std::chrono::seconds(1));
  kick_.async_wait([this](const asio::error_code& ec) {
    kicked_ = false;
    if (!ec && !stopped_) KeepCircles();
  });
}

std::uint64_t Keeper::FirstSeen(const Id& group) {
  const std::string prefix = "group_seen:";
  if (!first_seen_loaded_) {
    first_seen_loaded_ = true;
    (void)node_.store().Scan(storage::Column::kMeta, prefix,
                             [&](std::string_view k, std::string_view v) {
                               auto id = Id::FromBytes(k.substr(prefix.size()));
                               if (id && v.size() == 8) first_seen_[*id] = storage::keys::ReadU64(v);
                               return true;
                             });
  }
  auto [it, fresh] = first_seen_.try_emplace(group, node_.NowMs());
  if (fresh) {
    std::string at;
    storage::keys::AppendU64(at, it->second);
    storage::WriteSet ws;
    ws.Put(storage::Column::kMeta, prefix + group.Str(), at);
    if (Status s = node_.store().Write(ws, storage::Durability::kWal); !s.ok())
      spdlog::warn("seed: cannot note when group {} was first seen: {}", group.Short(),
                   s.message());
  }
  return it->second;
}

bool Keeper::Keeps(const GroupState& g) {
  if (g.genesis.invite_only()) return false;  // its content stays with its members
  if (!policy_.groups.empty()) return policy_.groups.count(g.id) > 0;
  // Fresh keys cost nothing, time does: a circle raised by new keys
  // republishing each other waits like any other group.
  if (node_.NowMs() < FirstSeen(g.id) + policy_.min_age_ms) return false;
  return PublishesToAll(g) || g.engine->Report().members >= policy_.min_members;
}

void Keeper::KeepCircles() {
  if (!seed_) return;
  auto held = ListHeld(node_.store());
  if (!held) return;
  std::map<Id, std::uint64_t> have;
  std::uint64_t total = 0;
  for (const auto& h : *held) {
    have[h.root] = h.size;
    total += h.size;
  }
  // Circles that publish first (their catalogue is the network's now), then
  // the groups most members would reach through this seed.
  Ingestor& ing = node_.ingestor();
  std::vector<std::tuple<bool, std::uint32_t, const GroupState*>> order;
  for (const auto& [gid, g] : ing.Groups())
    if (Keeps(g)) order.emplace_back(PublishesToAll(g), g.engine->Report().members, &g);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) > std::tie(std::get<0>(b), std::get<1>(b));
  });
  const std::uint64_t quota = node_.storage_limits().quota;
  bool reached = false;
  std::uint64_t left_out = 0;
  std::size_t at_cap = 0;
  for (const auto& [circle, members, g] : order) {
    std::uint64_t in_group = 0;
    bool group_full = false;
    (void)node_.store().Scan(
        storage::Column::kGroupIndex, g->id.Str(), [&](std::string_view k, std::string_view v) {
          if (v.size() != 4 || storage::keys::ReadU32(v) != wire::KIND_SHARE) return true;
          const Id id = storage::keys::GroupIndexId(k);
          auto gone = ing.Retracted(id);
          if (!gone || *gone) return true;
          auto a = ing.Find(id);
          wire::Share s;
          if (!a || !*a || !ParseBody(**a, s)) return true;
          const Id root = *Id::FromBytes(s.root());
          if (auto h = have.find(root); h != have.end() || seed_fetching_.count(root)) {
            in_group += h != have.end() ? h->second : s.size();
            return true;
          }
          if (node_.deny().RefusesRoot(root)) return true;
          if (policy_.group_quota && in_group + s.size() > policy_.group_quota) {
            group_full = true;
            return true;
          }
          if (quota && total + s.size() > quota) {
            reached = true;
            left_out += s.size();
            return true;
          }
          if (Status st = peers_.Fetch(root); !st.ok()) {
            spdlog::debug("seed: cannot keep {}: {}", root.Short(), st.message());
            return true;
          }
          seed_fetching_.insert(root);
          total += s.size();
          in_group += s.size();
          return true;
        });
    at_cap += group_full;
  }
  groups_kept_ = order.size();
  if (at_cap > groups_at_cap_)
    spdlog::info("seed: {} group(s) hold the per-group cap of {} (seed_group_quota)", at_cap,
                 HumanBytes(policy_.group_quota));
  groups_at_cap_ = at_cap;
  if (reached && !quota_reached_)
    spdlog::warn(
        "seed quota reached: {} held of a {} quota; {} of open groups' content is not kept "
        "here (raise --quota to keep it)",
        HumanBytes(total), HumanBytes(quota), HumanBytes(left_out));
  quota_reached_ = reached;
}

void Keeper::OnFetched(const FetchProgress& p) {
  if (seed_fetching_.erase(p.root) && p.done) {
    storage::WriteSet ws;
    ws.Put(storage::Column::kMeta, SeedKeptKey(p.root), "");
    if (Status s = node_.store().Write(ws, storage::Durability::kWal); !s.ok())
      spdlog::warn("seed: cannot mark {} kept: {}", p.root.Short(), s.message());
  }
  const std::uint64_t quota = node_.storage_limits().quota;
  if (!p.done || !quota) return;
  auto freed = EvictOverQuota(node_.ingestor(), node_.store(), node_.member(), quota);
  if (!freed) spdlog::warn("quota: eviction failed: {}", freed.error().message());
}

}  // namespace praxis::node
