#include "praxis/node/holdings.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;
namespace keys = storage::keys;

const char* HeldForName(HeldFor why) {
  switch (why) {
    case HeldFor::kOwnShare:
      return "own-share";
    case HeldFor::kRepublish:
      return "republish";
    case HeldFor::kFetched:
      return "fetched";
    case HeldFor::kSeed:
      return "seed";
  }
  return "fetched";
}

void ForEachShareOf(Ingestor& ing, storage::Store& store, const Id& root, bool live_only,
                    const std::function<bool(const Announcement& share)>& fn) {
  (void)store.Scan(Column::kByRoot, root.Str(), [&](std::string_view k, std::string_view) {
    const Id id = keys::PairSecond(k);
    if (live_only) {
      auto gone = ing.Retracted(id);
      if (!gone || *gone) return true;
    }
    auto share = ing.Find(id);
    if (!share || !*share) return true;
    return fn(**share);
  });
}

std::string FetchedKey(const Id& root) { return "fetched:" + root.Str(); }
std::string SeedKeptKey(const Id& root) { return "seed_kept:" + root.Str(); }

std::string HumanBytes(std::uint64_t n) {
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
  return buf;
}

Result<Holding> WhyHeld(Ingestor& ing, storage::Store& store, const Id& self, const Id& root,
                        std::uint64_t size) {
  Holding h{.root = root, .size = size};
  // Its own live share first, then a republish commitment of ours, else it
  // was fetched.
  ForEachShareOf(ing, store, root, /*live_only=*/true, [&](const Announcement& share) {
    if (!h.group) h.group = share.group;
    if (share.author == self) {
      h.group = share.group;
      h.why = HeldFor::kOwnShare;
      return false;
    }
    (void)store.Scan(Column::kRepublishes, share.id.Str(),
                     [&](std::string_view, std::string_view by) {
                       if (by == self.View()) h.why = HeldFor::kRepublish;
                       return h.why != HeldFor::kRepublish;
                     });
    return true;
  });
  auto at = store.Get(Column::kMeta, FetchedKey(root));
  if (at && *at && (*at)->size() == 8) h.fetched_at_ms = keys::ReadU64(**at);
  if (h.why == HeldFor::kFetched)
    if (auto kept = store.Get(Column::kMeta, SeedKeptKey(root)); kept && *kept)
      h.why = HeldFor::kSeed;
  return h;
}

Result<std::vector<Holding>> ListHoldings(Ingestor& ing, storage::Store& store, const Id& self) {
  auto held = ListHeld(store);
  if (!held) return Err(held.error());
  std::vector<Holding> out;
  for (const auto& r : *held) {
    auto h = WhyHeld(ing, store, self, r.root, r.size);
    if (!h) return Err(h.error());
    out.push_back(*h);
  }
  return out;
}

Result<std::vector<Id>> PendingCommitments(Ingestor& ing, storage::Store& store, const Id& self) {
  // This member's republishes are in its own logs: author first in the key.
  std::vector<Id> roots;
  Status s = store.Scan(Column::kLogs, self.Str(), [&](std::string_view, std::string_view v) {
    if (v.size() < Id::kSize + 12 || keys::ReadU32(v.substr(Id::kSize + 8)) != wire::KIND_REPUBLISH)
      return true;
    auto republish = ing.Find(*Id::FromBytes(v.substr(0, Id::kSize)));
    wire::Republish r;
    if (!republish || !*republish || !ParseBody(**republish, r)) return true;
    auto oid = Id::FromBytes(r.original());
    if (!oid) return true;
    auto share = ing.Find(*oid);
    wire::Share sh;
    if (!share || !*share || !ParseBody(**share, sh)) return true;
    auto gone = ing.Retracted(*oid);
    if (gone && *gone) return true;
    auto root = Id::FromBytes(sh.root());
    if (!root) return true;
    auto held = ResourceHeld(store, *root);
    if (held && !*held && std::find(roots.begin(), roots.end(), *root) == roots.end())
      roots.push_back(*root);
    return true;
  });
  if (!s.ok()) return Err(s);
  return roots;
}

std::vector<Id> LikelyHolders(Ingestor& ing, storage::Store& store, const Id& root) {
  std::vector<Id> out;
  auto add = [&](const Id& m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  ForEachShareOf(ing, store, root, /*live_only=*/true, [&](const Announcement& share) {
    add(share.author);
    (void)store.Scan(Column::kRepublishes, share.id.Str(), [&](std::string_view, std::string_view by) {
      if (auto m = Id::FromBytes(by)) add(*m);
      return out.size() < 64;
    });
    return out.size() < 64;
  });
  return out;
}

Result<std::uint64_t> DropContent(storage::Store& store, const Id& root) {
  storage::WriteSet ws;
  auto freed = StageDrop(store, root, ws);
  if (!freed) return Err(freed.error());
  ws.Delete(Column::kMeta, FetchedKey(root));
  ws.Delete(Column::kMeta, SeedKeptKey(root));
  PRAXIS_RETURN_IF_ERROR(store.Write(ws, storage::Durability::kSync));
  PRAXIS_RETURN_IF_ERROR(store.Reclaim(Column::kChunks));
  return *freed;
}

Result<std::uint64_t> EvictOverQuota(Ingestor& ing, storage::Store& store, const Id& self,
                                     std::uint64_t quota) {
  // Sizes first (one marker each); why each is held only when over quota.
  auto held = ListHeld(store);
  if (!held) return Err(held.error());
  std::uint64_t total = 0;
  for (const auto& h : *held) total += h.size;
  if (total <= quota) return std::uint64_t{0};
  auto all = ListHoldings(ing, store, self);
  if (!all) return Err(all.error());
  std::vector<Holding> evictable;
  for (const auto& h : *all)
    if (h.why == HeldFor::kFetched) evictable.push_back(h);
  std::sort(evictable.begin(), evictable.end(),
            [](const Holding& a, const Holding& b) { return a.fetched_at_ms < b.fetched_at_ms; });
  std::uint64_t freed = 0;
  std::size_t dropped = 0;
  for (const auto& h : evictable) {
    if (total - freed <= quota) break;
    // Stage one at a time: chunks shared with a later victim are judged
    // against what is still held.
    storage::WriteSet one;
    auto n = StageDrop(store, h.root, one);
    if (!n) return Err(n.error());
    one.Delete(Column::kMeta, FetchedKey(h.root));
    PRAXIS_RETURN_IF_ERROR(store.Write(one, storage::Durability::kSync));
    freed += *n;
    ++dropped;
    spdlog::info("quota: evicted fetched content {} ({} bytes)", h.root.Short(), *n);
  }
  if (dropped) PRAXIS_RETURN_IF_ERROR(store.Reclaim(Column::kChunks));
  if (total - freed > quota)
    spdlog::warn("quota: {} bytes held, over the quota of {}: the rest is own shares and "
                 "republish commitments",
                 total - freed, quota);
  return freed;
}

}  // namespace praxis::node
