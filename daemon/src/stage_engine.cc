// Stage engine (DESIGN.md §5). ComputeStage and StageEngine share one
// Counters class that walks events in canonical order; the batch form sorts
// and walks once, the engine keeps the walk's state and extends it. That they
// run the same per-event code is what makes "same set, same report, whatever
// the arrival order" hold by construction rather than by parallel upkeep.
#include "praxis/node/stage_engine.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <queue>
#include <set>
#include <unordered_set>
#include <utility>
#include <vector>

namespace praxis::node {

namespace {

using IdSet = std::unordered_set<Id, IdHash>;

bool BearsOn(const GroupRules& rules, const StageEvent& e) {
  if (e.group == rules.group) return true;
  // A republish posted anywhere else still bears on the group of its original:
  // that is how outside uptake (influence) is seen at all.
  return e.type == StageEvent::Type::kRepublish && e.original_group == rules.group;
}

// Canonical order (DESIGN.md §5): created, then id bytes.
bool CanonicalLess(const StageEvent& a, const StageEvent& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.id < b.id;
}

// Lower median of a growing multiset in O(log n) per insert: lower_ holds the
// smaller ceil(n/2) values, so its top is the lower median.
class RunningMedian {
 public:
  void Insert(std::uint64_t v) {
    if (lower_.empty() || v <= lower_.top()) {
      lower_.push(v);
    } else {
      upper_.push(v);
    }
    if (lower_.size() > upper_.size() + 1) {
      upper_.push(lower_.top());
      lower_.pop();
    } else if (upper_.size() > lower_.size()) {
      lower_.push(upper_.top());
      upper_.pop();
    }
  }
  std::uint64_t Get() const { return lower_.empty() ? 0 : lower_.top(); }

 private:
  std::priority_queue<std::uint64_t> lower_;
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> upper_;
};

// State of the canonical walk after some prefix of the events. Every Apply is
// O(log n) (edge set, median heaps) or amortised O(1) (hash sets).
class Counters {
 public:
  explicit Counters(const GroupRules& rules) : rules_(rules) {
    members_.insert(rules.genesis_author);
    // A threshold of 0 is met before any event: the genesis itself raises the
    // group, so raised_by names the genesis announcement (the group id).
    Advance(rules.group);
  }

  // REQUIRES: e bears on the group, and every event applied so far precedes e
  // in canonical order.
  void Apply(const StageEvent& e) {
    const bool member = members_.count(e.author) > 0;
    switch (e.type) {
      case StageEvent::Type::kJoin:
        if (e.group == rules_.group) members_.insert(e.author);
        break;
      case StageEvent::Type::kLeave:
        if (e.group == rules_.group) members_.erase(e.author);
        break;
      case StageEvent::Type::kShare:
        if (e.group == rules_.group && member) contributors_.insert(e.author);
        break;
      case StageEvent::Type::kRepublish:
        ApplyRepublish(e, member);
        break;
    }
    Advance(e.id);
  }

  void Fill(StageReport* r) const {
    r->stage = stage_;
    r->raised_by = raised_by_;
    r->republishers = static_cast<std::uint32_t>(republishers_.size());
    r->outside_republishers = static_cast<std::uint32_t>(outside_.size());
    r->contributors = static_cast<std::uint32_t>(contributors_.size());
    r->members = static_cast<std::uint32_t>(members_.size());
    r->republisher_share = contributors_.empty() ? 0.0
                                                 : static_cast<double>(republishers_.size()) /
                                                       static_cast<double>(contributors_.size());
    r->reciprocity = edges_.empty() ? 0.0
                                    : static_cast<double>(reciprocal_edges_) /
                                          static_cast<double>(edges_.size());
    r->median_uptake_ms = uptake_.Get();
  }

  StageReport Report() const {
    StageReport r;
    Fill(&r);
    return r;
  }

  const std::set<std::pair<Id, Id>>& edges() const { return edges_; }

 private:
  void ApplyRepublish(const StageEvent& e, bool member) {
    if (e.group == rules_.group && member) contributors_.insert(e.author);
    if (e.original_group != rules_.group) return;
    // Passing on one's own work is not going beyond one's own needs (§1), so a
    // self-republish counts for nothing, inside or outside the circle.
    if (e.original_author == e.author) return;
    if (member) {
      republishers_.insert(e.author);
      if (edges_.emplace(e.author, e.original_author).second &&
          edges_.count({e.original_author, e.author}) > 0) {
        reciprocal_edges_ += 2;  // the new edge and its reverse both become reciprocated
      }
      // Walking in canonical order, the first counted republish of an original
      // is its earliest one, so the uptake of each share is final once seen.
      if (taken_up_.insert(e.original).second) {
        uptake_.Insert(e.created > e.original_created ? e.created - e.original_created : 0);
      }
    } else if (e.group != rules_.group) {
      outside_.insert(e.author);
    }
  }

  void Advance(const Id& at) {
    if (stage_ == Stage::kNetwork && republishers_.size() >= rules_.min_republishers) {
      stage_ = Stage::kPractice;
      raised_by_ = at;
    }
    // Outside republishes seen before practice still count: at the event that
    // raises practice the group may go straight on to influence.
    if (stage_ == Stage::kPractice && outside_.size() >= rules_.min_outside) {
      stage_ = Stage::kInfluence;
      raised_by_ = at;
    }
  }

  GroupRules rules_;
  IdSet members_;
  IdSet contributors_;
  IdSet republishers_;
  IdSet outside_;
  std::set<std::pair<Id, Id>> edges_;  // (republisher, original author), counted only
  std::size_t reciprocal_edges_ = 0;
  IdSet taken_up_;  // originals that already have a counted republish
  RunningMedian uptake_;
  Stage stage_ = Stage::kNetwork;
  std::optional<Id> raised_by_;
};

}  // namespace

const char* StageName(Stage s) {
  switch (s) {
    case Stage::kNetwork:
      return "network";
    case Stage::kPractice:
      return "practice";
    case Stage::kInfluence:
      return "influence";
  }
  return "unknown";
}

StageReport ComputeStage(const GroupRules& rules, std::vector<StageEvent> events) {
  IdSet seen;
  std::erase_if(
      events, [&](const StageEvent& e) { return !BearsOn(rules, e) || !seen.insert(e.id).second; });
  std::sort(events.begin(), events.end(), CanonicalLess);
  Counters counters(rules);
  for (const StageEvent& e : events) counters.Apply(e);
  return counters.Report();
}

struct StageEngine::Tally {
  explicit Tally(const GroupRules& rules) : counters(rules) {}
  Counters counters;
};

void StageEngine::TallyDeleter::operator()(Tally* t) const { delete t; }

bool StageEngine::CanonicalOrder::operator()(const StageEvent& a, const StageEvent& b) const {
  return CanonicalLess(a, b);
}

StageEngine::StageEngine(GroupRules rules) : rules_(std::move(rules)) { Replay(); }

bool StageEngine::Insert(const StageEvent& e) {
  if (!BearsOn(rules_, e)) return false;
  if (auto it = frozen_.find({e.author, e.group}); it != frozen_.end() && e.seq >= it->second) {
    return false;
  }
  if (!ids_.insert(e.id).second) return false;
  const bool at_end = events_.empty() || CanonicalLess(*events_.rbegin(), e);
  events_.insert(events_.end(), e);
  if (at_end && !dirty_) {
    tally_->counters.Apply(e);
    tally_->counters.Fill(&report_);
  } else {
    // Backdated: membership at every later position may change, so the walk
    // restarts — but only when someone asks, so a burst of out-of-order
    // arrivals (clock skew, catch-up) costs one replay, not one each.
    dirty_ = true;
  }
  return true;
}

bool StageEngine::Add(const StageEvent& e) {
  const Stage before = Report().stage;
  if (!Insert(e)) return false;
  return Report().stage != before;
}

const StageReport& StageEngine::Report() const {
  if (dirty_) Replay();
  return report_;
}

void StageEngine::FreezeLog(const Id& author, const Id& log_group, std::uint64_t from_seq) {
  auto [it, inserted] = frozen_.try_emplace({author, log_group}, from_seq);
  if (!inserted) {
    // A second fork proof further along the log changes nothing.
    if (from_seq >= it->second) return;
    it->second = from_seq;
  }
  const std::size_t erased = std::erase_if(events_, [&](const StageEvent& e) {
    if (e.author != author || e.group != log_group || e.seq < from_seq) return false;
    ids_.erase(e.id);
    return true;
  });
  if (erased > 0) dirty_ = true;
}

std::vector<std::pair<Id, Id>> StageEngine::Edges() const {
  if (dirty_) Replay();
  const auto& edges = tally_->counters.edges();
  return {edges.begin(), edges.end()};
}

void StageEngine::Replay() const {
  tally_.reset(new Tally(rules_));
  for (const StageEvent& e : events_) tally_->counters.Apply(e);
  report_ = tally_->counters.Report();
  dirty_ = false;
}

}  // namespace praxis::node
