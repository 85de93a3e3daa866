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
// order the events arrive in, without replaying. An event's standing (member
// or not at its own position) depends only on its author's joins and leaves,
// so an insert touches its own counters and, for a join or leave, only its
// author's events up to that author's next join or leave; thresholds are
// order statistics over each author's first counted position (see the
// definition file for the argument). Insert is O(log n) for every event but a
// backdated join or leave; Report is O(1) but for a threshold's rank walk
// after the set of first positions moved below it.
//
// REQUIRES of callers: an id names one announcement, so every copy of an id
// carries the same author and created (true of validated announcements).
class StageEngine {
 public:
  explicit StageEngine(GroupRules rules);
  ~StageEngine();
  StageEngine(StageEngine&&) noexcept;
  StageEngine& operator=(StageEngine&&) noexcept;

  // Adds one event; a duplicate id is ignored. Events not bearing on the group
  // are ignored. Returns true when the reported stage changed.
  bool Add(const StageEvent& e);
  // Adds one event without computing the report (the ingest path). Returns
  // true when the event was taken.
  bool Insert(const StageEvent& e);
  // Drops the author's events in log `log_group` from seq `from_seq` on (a fork
  // freezes the log: later announcements count for nothing). Costs the
  // author's events in the engine.
  void FreezeLog(const Id& author, const Id& log_group, std::uint64_t from_seq);
  const StageReport& Report() const;
  const GroupRules& Rules() const { return rules_; }
  // Who has republished whom: (republisher, original author) for counted
  // republishes, sorted.
  std::vector<std::pair<Id, Id>> Edges() const;

 private:
  // Everything derived from the events (defined in stage_engine.cc).
  struct State;

  GroupRules rules_;
  // (author, log group) -> first frozen seq. Kept so that events of a frozen
  // log arriving after the fork proof are refused too.
  std::map<std::pair<Id, Id>, std::uint64_t> frozen_;
  std::unique_ptr<State> state_;
  // Filled from state_ when asked (hence mutable).
  mutable StageReport report_;
  mutable bool report_stale_ = true;
};

}  // namespace praxis::node
