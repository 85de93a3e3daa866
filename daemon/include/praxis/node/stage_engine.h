// Stage engine (DESIGN.md §5): the stage of one group as a pure function of
// the group's valid announcements and of the republishes that point into it.
//
// Pure logic: no I/O, no clock, no threads. Not thread-safe; the node owns one
// engine per group on its own thread. Events handed in are already validated
// (signatures, log order, membership rules at ingest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "praxis/storage/id.h"

namespace praxis::node {

enum class Stage : std::uint8_t { kNetwork = 0, kPractice = 1, kInfluence = 2 };
const char* StageName(Stage s);  // "network", "practice", "influence"

inline constexpr std::uint32_t kDefaultMinRepublishers = 3;
inline constexpr std::uint32_t kDefaultMinOutside = 3;

// What the group's genesis fixes.
struct GroupRules {
  Id group;           // = genesis announcement id
  Id genesis_author;  // a member from the genesis on
  std::uint64_t genesis_created = 0;
  std::uint32_t min_republishers = kDefaultMinRepublishers;
  std::uint32_t min_outside = kDefaultMinOutside;
};

// One valid announcement that bears on a group's stage.
struct StageEvent {
  enum class Type : std::uint8_t { kJoin, kLeave, kShare, kRepublish };
  Type type = Type::kShare;
  Id id;  // announcement id
  Id author;
  Id group;                   // group the announcement was posted into
  std::uint64_t created = 0;  // ms since epoch; canonical order is (created, id)
  std::uint64_t seq = 0;      // position in the (author, group) log
  // kRepublish only: the share it points to.
  Id original;
  Id original_author;
  Id original_group;
  std::uint64_t original_created = 0;
};

// Everything `praxis stage` reports.
struct StageReport {
  Stage stage = Stage::kNetwork;
  std::optional<Id> raised_by;             // the event at which the current stage was reached
  std::uint32_t republishers = 0;          // distinct members counted for practice
  std::uint32_t outside_republishers = 0;  // distinct non-members counted for influence
  std::uint32_t contributors = 0;          // distinct members who shared or republished
  std::uint32_t members = 0;               // members after the last event
  double republisher_share = 0;            // republishers / contributors (0 when none)
  double reciprocity = 0;              // share of republisher->author edges whose reverse exists
  std::uint64_t median_uptake_ms = 0;  // median time from a share to its first counted republish
  bool operator==(const StageReport&) const = default;
};

// Batch form: the reference definition. `events` may be in any order and may
// include events that do not bear on rules.group (they are ignored).
StageReport ComputeStage(const GroupRules& rules, std::vector<StageEvent> events);

// Incremental form: same answer as ComputeStage over the same set, whatever
// order the events arrive in. Appends in canonical order are cheap; a
// backdated insert replays.
class StageEngine {
 public:
  explicit StageEngine(GroupRules rules);
  // Adds one event; a duplicate id is ignored. Events not bearing on the group
  // are ignored. Returns true when the reported stage changed.
  bool Add(const StageEvent& e);
  // Adds one event without computing the report (the ingest path): O(log n)
  // even when it is backdated; the replay that a backdated event needs waits
  // for the next Report(). Returns true when the event was taken.
  bool Insert(const StageEvent& e);
  // Drops the author's events in log `log_group` from seq `from_seq` on (a fork
  // freezes the log: later announcements count for nothing).
  void FreezeLog(const Id& author, const Id& log_group, std::uint64_t from_seq);
  // Replays first if a backdated event or a fork arrived since the last call.
  const StageReport& Report() const;
  const GroupRules& Rules() const { return rules_; }
  // Who has republished whom: (republisher, original author) for counted republishes.
  std::vector<std::pair<Id, Id>> Edges() const;

 private:
  // Counters over a canonical prefix of the events (defined in
  // stage_engine.cc, where ComputeStage runs the very same code). Held through
  // a unique_ptr with an out-of-line deleter so the header needs no detail of
  // it; this makes the engine movable but not copyable.
  struct Tally;
  struct TallyDeleter {
    void operator()(Tally* t) const;
  };

  // Rebuilds tally_ and report_ from events_.
  void Replay() const;
  struct CanonicalOrder {
    bool operator()(const StageEvent& a, const StageEvent& b) const;
  };

  GroupRules rules_;
  // Derived from events_, recomputed lazily (hence mutable).
  mutable StageReport report_;
  mutable bool dirty_ = false;
  // The events that count: bearing on the group, distinct, not frozen, in
  // canonical (created, id) order. tally_ has applied all of them.
  std::set<StageEvent, CanonicalOrder> events_;
  std::unordered_set<Id, IdHash> ids_;  // ids in events_, for dedup
  // (author, log group) -> first frozen seq. Kept so that events of a frozen
  // log arriving after the fork proof are refused too.
  std::map<std::pair<Id, Id>, std::uint64_t> frozen_;
  mutable std::unique_ptr<Tally, TallyDeleter> tally_;
};

}  // namespace praxis::node
