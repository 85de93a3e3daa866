// What this node keeps of resources, and why (DESIGN §3): its own shares,
// what it committed to by republishing, and what it merely fetched. Only the
// last kind is evicted when the member's quota is exceeded, oldest first;
// `praxis drop` frees any but own shares.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "praxis/node/ingestor.h"
#include "praxis/storage/store.h"

namespace praxis::node {

// kSeed: a seed keeps what publishing practice circles share (issue 7).
enum class HeldFor : std::uint8_t { kOwnShare, kRepublish, kFetched, kSeed };
const char* HeldForName(HeldFor why);  // "own-share", "republish", "fetched", "seed"

struct Holding {
  Id root;
  std::uint64_t size = 0;
  HeldFor why = HeldFor::kFetched;
  std::optional<Id> group;          // of the first live share naming it
  std::uint64_t fetched_at_ms = 0;  // wall clock; 0 when not fetched (or unknown)
};

// Calls fn(share) for each share held here that names `root` (only those not
// retracted when `live_only`), until fn returns false.
void ForEachShareOf(Ingestor& ing, storage::Store& store, const Id& root, bool live_only,
                    const std::function<bool(const Announcement& share)>& fn);

// kMeta key written with the held marker when a fetch completes: value = the
// wall-clock time (ms, u64), so eviction knows what is oldest.
std::string FetchedKey(const Id& root);
// kMeta key present when a seed fetched `root` to keep a practice circle's
// catalogue reachable (not evicted by the quota; the seed keeps within it).
std::string SeedKeptKey(const Id& root);

// "1.5 MiB": sizes in log lines and one-line errors.
std::string HumanBytes(std::uint64_t n);

// Why `root` (of `size` bytes) is kept here. `self`: this node's member.
Result<Holding> WhyHeld(Ingestor& ing, storage::Store& store, const Id& self, const Id& root,
                        std::uint64_t size);
// Every resource held in full, with the reason.
Result<std::vector<Holding>> ListHoldings(Ingestor& ing, storage::Store& store, const Id& self);
// Roots this member committed to by republishing whose content is not held
// yet (DESIGN §3: the node fetches them in the background).
Result<std::vector<Id>> PendingCommitments(Ingestor& ing, storage::Store& store, const Id& self);

// Removes `root`'s content (manifests, chunks no other held resource uses,
// markers; never announcements) and gives the space back. Returns the
// content size dropped (0 when it was not held).
Result<std::uint64_t> DropContent(storage::Store& store, const Id& root);
// Members that should hold `root`: the authors of live shares naming it and
// their republishers (a republish commits to keeping it).
std::vector<Id> LikelyHolders(Ingestor& ing, storage::Store& store, const Id& root);

// Drops fetched content nobody here committed to, oldest first, until what is
// held fits `quota` bytes. Returns the bytes freed.
Result<std::uint64_t> EvictOverQuota(Ingestor& ing, storage::Store& store, const Id& self,
                                     std::uint64_t quota);

}  // namespace praxis::node
