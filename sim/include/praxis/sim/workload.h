// Workload: who publishes what, and when, in a simulated run. A handful of
// open groups, a few authors in each (the creator and members who join),
// and shares spread over a publishing window. Keys, bodies and times all
// come from the seed, so the same seed signs the same announcements.
#pragma once

#include <cstdint>
#include <vector>

#include "praxis/node/announcement.h"
#include "praxis/node/gossip.h"

namespace praxis::sim {

struct WorkloadOptions {
  std::uint64_t seed = 1;
  int groups = 6;
  int authors_per_group = 6;  // the creator and the members who join
  int announcements = 300;    // in all: geneses, joins, then shares
  node::Millis start = 0;     // geneses go out here
  node::Millis join_after = 5'000;   // joins this long after the geneses
  node::Millis share_after = 10'000;  // shares spread over [start + this, + window]
  node::Millis window = 120'000;
  std::uint64_t epoch_ms = 0;  // wall clock at time 0 (announcements' `created`)
};

struct Planned {
  node::Millis at = 0;  // when its author publishes it
  int author = 0;
  node::Announcement a;
};

struct Workload {
  int authors = 0;
  // In publishing order per author (an author's log is published in order),
  // sorted by time overall.
  std::vector<Planned> items;
};

Workload MakeWorkload(const WorkloadOptions& o);

}  // namespace praxis::sim
