// Keeper: holds this node to its storage promises (DESIGN §3). A republish
// commits the node to keep the resource: every commitment not yet held is
// fetched in the background, at start and then every `retry_every` (holders
// come and go). After each completed fetch, what is held is brought back
// within the member quota by evicting fetched content nobody here committed
// to, oldest first. Every `retry_every` it also gives back the space of
// content dropped by retractions.
//
// On a seed it also keeps open groups' content, so members who can only
// dial out reach each other's content through seeds: every practice circle
// that publishes (anyone may fetch it then), and open groups that pass the
// seed policy (enough members and old enough, or on the operator's
// allow-list), circles first, then the largest groups. Within the quota and a
// cap per group: what does not fit is not fetched, said once in the log and
// shown by praxis_seed_quota_reached.
//
// Threading: the node's thread.
#pragma once

#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>

#include "praxis/node/node.h"
#include "praxis/node/peer_manager.h"

namespace praxis::node {

// Which open groups a seed keeps the content of (issue 7).
struct SeedPolicy {
  std::uint64_t min_members = 3;
  // Measured from when this node first saw the group, not from its genesis'
  // own date (which its author chose): a sham circle of fresh keys waits.
  std::uint64_t min_age_ms = 3'600'000;
  std::set<Id> groups;                                // non-empty: only these
  std::uint64_t group_quota = std::uint64_t{1} << 30;  // per group; 0: none
};

class Keeper {
 public:
  // The quota is the node's storage_limits().quota.
  Keeper(Node& node, PeerManager& peers,
         std::chrono::milliseconds retry_every = std::chrono::minutes(1));
  // Fetches pending commitments now and arms the retry timer.
  void Start();
  void Stop();
  // Starts a fetch for every commitment not held and not under way.
  void FetchCommitments();
  // Seed role: keep open groups' content by `policy`, within the quota.
  void set_seed_policy(SeedPolicy policy) {
    seed_ = true;
    policy_ = std::move(policy);
  }
  // Whether the seed policy keeps `g`'s content now.
  bool Keeps(const GroupState& g);
  void KeepCircles();
  bool seed_quota_reached() const { return quota_reached_; }
  std::size_t seed_groups_kept() const { return groups_kept_; }
  std::size_t seed_groups_at_cap() const { return groups_at_cap_; }
  // A fetch ended: keep within the quota.
  void OnFetched(const FetchProgress& p);
  // Gives dropped content's space back when the chunk column holds much
  // more than the resources held (retractions drop content too).
  void ReclaimIfWasteful();

 private:
  void Arm();
  // A share or a stage rise in a circle: look again soon (coalesced).
  void Kick();

  Node& node_;
  PeerManager& peers_;
  std::chrono::milliseconds retry_every_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  bool seed_ = false;
  // When this node first saw each group (kMeta group_seen:), for min_age.
  std::uint64_t FirstSeen(const Id& group);
  SeedPolicy policy_;
  std::map<Id, std::uint64_t> first_seen_;
  bool first_seen_loaded_ = false;
  bool quota_reached_ = false;
  std::size_t groups_kept_ = 0;
  std::size_t groups_at_cap_ = 0;
  std::set<Id> seed_fetching_;  // roots fetched to keep a circle's catalogue
  asio::steady_timer kick_;
  bool kicked_ = false;
  std::size_t watch_ = 0;
};

}  // namespace praxis::node
