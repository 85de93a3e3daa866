// Stage engine (DESIGN.md §5), in two forms that must agree.
//
// ComputeStage is the reference: it sorts the events and walks them once in
// canonical order, exactly as the rule is worded (CanonicalWalk).
//
// StageEngine gives the same report under any arrival order without walking
// again. What makes that possible:
// - Whether an author is a member at a position depends only on that
//   author's own joins and leaves before it. So each event's standing is
//   local to its author: a join or leave changes the standing of that
//   author's events up to their next join or leave, and nothing else.
// - Given standings, every figure is a count over events (contributors,
//   republishers, outsiders, edges) or an order statistic (the uptake median,
//   a share's first counted republish), and none needs the walk's order.
// - A threshold "k distinct authors" is met in the walk at the k-th smallest
//   of the authors' first counted positions; raising influence needs practice
//   too, so influence is raised at the later of the two.
// Tests feed both forms random histories in many arrival orders.
#include "praxis/node/stage_engine.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <queue>
#include <set>
#include <unordered_map>
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
class CanonicalWalk {
 public:
  explicit CanonicalWalk(const GroupRules& rules) : rules_(rules) {
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
  CanonicalWalk walk(rules);
  for (const StageEvent& e : events) walk.Apply(e);
  return walk.Report();
}

// ---------------------------------------------------------------------------
// The incremental engine.

namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

// One event as the engine keeps it: about half a StageEvent, with authors,
// groups and originals interned.
struct Record {
  std::uint32_t author = 0;
  std::uint64_t created = 0;
  Id id;
  StageEvent::Type type = StageEvent::Type::kShare;
  bool in_group = false;   // posted into the group (else: a republish elsewhere)
  bool passes_on = false;  // republishes another author's share of the group
  // The author's membership just before this position, as last counted.
  // Not part of the key, so the set may change it in place.
  mutable bool member = false;
  std::uint32_t log_group = 0;
  std::uint32_t original_author = kNone;
  std::uint32_t original = kNone;
  std::uint64_t seq = 0;
  std::uint64_t original_created = 0;

  bool IsMark() const {
    return type == StageEvent::Type::kJoin || type == StageEvent::Type::kLeave;
  }
  // What the event counts for at a standing `m` (CanonicalWalk::Apply, split
  // by effect).
  bool Contributes(bool m) const {
    return m && in_group &&
           (type == StageEvent::Type::kShare || type == StageEvent::Type::kRepublish);
  }
  bool CountsForPractice(bool m) const { return m && passes_on; }
  bool CountsOutside(bool m) const { return !m && passes_on && !in_group; }
};

bool Before(const Record& a, const Record& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.id < b.id;
}

// Each author's events together, each author's in canonical order.
struct AuthorThenCanonical {
  bool operator()(const Record& a, const Record& b) const {
    if (a.author != b.author) return a.author < b.author;
    return Before(a, b);
  }
};

struct CanonicalPtr {
  bool operator()(const Record* a, const Record* b) const { return Before(*a, *b); }
};

// How many of an author's events count towards one threshold, and the first.
struct Counted {
  std::uint32_t count = 0;
  const Record* first = nullptr;
};

// "At least k distinct authors": met in the canonical walk at the k-th
// smallest of the authors' first counted positions. The rank walk is cached
// and redone only when a first position moves at or below the cached one.
class Threshold {
 public:
  explicit Threshold(std::uint32_t k) : k_(k) {}

  void Add(const Record* first) {
    Touch(first);
    firsts_.insert(first);
  }
  void Remove(const Record* first) {
    Touch(first);
    firsts_.erase(first);
  }
  std::size_t size() const { return firsts_.size(); }

  // Whether the threshold is met; *at is where (nullptr: before any event,
  // which is what k = 0 means).
  bool Met(const Record** at) {
    if (k_ == 0) {
      *at = nullptr;
      return true;
    }
    if (!known_) {
      kth_ = firsts_.size() < k_ ? nullptr : *std::next(firsts_.begin(), k_ - 1);
      known_ = true;
    }
    *at = kth_;
    return kth_ != nullptr;
  }

 private:
  void Touch(const Record* r) {
    // A change after a known k-th leaves it the k-th.
    if (!(known_ && kth_ != nullptr && Before(*kth_, *r))) known_ = false;
  }

  std::uint32_t k_;
  std::set<const Record*, CanonicalPtr> firsts_;
  const Record* kth_ = nullptr;
  bool known_ = false;
};

// Lower median of a multiset that also loses values (the walk's
// RunningMedian only grows): lower_ holds the smaller ceil(n/2) values.
class MovingMedian {
 public:
  void Insert(std::uint64_t v) {
    if (lower_.empty() || v <= *lower_.rbegin()) {
      lower_.insert(v);
    } else {
      upper_.insert(v);
    }
    Balance();
  }
  // REQUIRES: v is held.
  void Erase(std::uint64_t v) {
    // Every value in lower_ is <= every value in upper_, so a v no greater
    // than lower_'s top is in lower_.
    if (!lower_.empty() && v <= *lower_.rbegin()) {
      lower_.erase(lower_.find(v));
    } else {
      upper_.erase(upper_.find(v));
    }
    Balance();
  }
  std::uint64_t Get() const { return lower_.empty() ? 0 : *lower_.rbegin(); }

 private:
  void Balance() {
    if (lower_.size() > upper_.size() + 1) {
      auto top = std::prev(lower_.end());
      upper_.insert(*top);
      lower_.erase(top);
    } else if (upper_.size() > lower_.size()) {
      lower_.insert(*upper_.begin());
      upper_.erase(upper_.begin());
    }
  }

  std::multiset<std::uint64_t> lower_;
  std::multiset<std::uint64_t> upper_;
};

struct AuthorState {
  Id id;
  bool member_before_any = false;  // the genesis author
  bool member_now = false;
  std::vector<const Record*> marks;  // joins and leaves, canonical order
  std::uint32_t contributions = 0;
  Counted practice;
  Counted outside;
  // Edges out of this author: original author -> counted republishes (live
  // edges only). Kept per author rather than in one map so that no insert
  // ever waits for a rehash of every edge in the group.
  std::unordered_map<std::uint32_t, std::uint32_t> passed_on;
};

// The counted member republishes of one share of the group.
struct OriginalState {
  std::vector<const Record*> counted;  // unordered
  const Record* first = nullptr;       // canonically first of counted
};

std::uint64_t UptakeOf(const Record& r) {
  return r.created > r.original_created ? r.created - r.original_created : 0;
}

// Id -> dense index, split in shards by an id byte (ids are uniform) for the
// same reason: a rehash moves one shard, not every original in the group.
class ShardedIndex {
 public:
  // Returns the index of id, and whether it is new (then it is `next`).
  std::pair<std::uint32_t, bool> Intern(const Id& id, std::uint32_t next) {
    auto [it, fresh] = shards_[id.bytes[8] % kShards].try_emplace(id, next);
    return {it->second, fresh};
  }

 private:
  static constexpr std::size_t kShards = 64;
  std::array<std::unordered_map<Id, std::uint32_t, IdHash>, kShards> shards_;
};

}  // namespace

struct StageEngine::State {
  explicit State(const GroupRules& r)
      : rules(r), practice(r.min_republishers), outside(r.min_outside) {
    AuthorState& genesis = authors[InternAuthor(r.genesis_author)];
    genesis.member_before_any = genesis.member_now = true;
    members = 1;
    InternGroup(r.group);
  }

  // REQUIRES: e bears on the group and its log is not frozen.
  bool Insert(const StageEvent& e);
  void Freeze(const Id& author, const Id& log_group, std::uint64_t from_seq);
  void Fill(StageReport* r);
  std::vector<std::pair<Id, Id>> Edges() const;

 private:
  using Records = std::set<Record, AuthorThenCanonical>;

  std::uint32_t InternAuthor(const Id& id);
  std::uint32_t InternGroup(const Id& id);
  std::uint32_t InternOriginal(const Id& id);
  bool StandingAt(const AuthorState& a, const Record& r) const;
  void SetMemberNow(AuthorState& a, bool member);
  // Counts (+1) or uncounts (-1) r at its current standing r.member.
  void Count(const Record& r, int sign);
  void Restand(const Record& r, bool member);
  void RestandUntilNextMark(Records::iterator mark);
  void RestandAll(std::uint32_t author);
  void AddCounted(Counted& c, Threshold& t, const Record& r);
  void RemoveCounted(Counted& c, Threshold& t, const Record& r, bool (Record::*counts)(bool) const);
  void AddUptake(const Record& r);
  void RemoveUptake(const Record& r);
  void AddEdge(std::uint32_t from, std::uint32_t to);
  void RemoveEdge(std::uint32_t from, std::uint32_t to);

  GroupRules rules;
  Records records;
  std::unordered_map<Id, std::uint32_t, IdHash> author_index;
  std::unordered_map<Id, std::uint32_t, IdHash> group_index;
  ShardedIndex original_index;
  std::vector<AuthorState> authors;
  std::deque<OriginalState> originals;  // a deque: growing never moves them
  std::uint32_t members = 0;
  std::uint32_t contributors = 0;
  Threshold practice;
  Threshold outside;
  std::size_t edges = 0;             // live (republisher, original author) pairs
  std::size_t reciprocal_edges = 0;  // of them, those whose reverse is live too
  MovingMedian uptake;
};

std::uint32_t StageEngine::State::InternAuthor(const Id& id) {
  auto [it, fresh] = author_index.try_emplace(id, static_cast<std::uint32_t>(authors.size()));
  if (fresh) authors.push_back(AuthorState{.id = id});
  return it->second;
}

std::uint32_t StageEngine::State::InternGroup(const Id& id) {
  return group_index.try_emplace(id, static_cast<std::uint32_t>(group_index.size())).first->second;
}

std::uint32_t StageEngine::State::InternOriginal(const Id& id) {
  auto [index, fresh] = original_index.Intern(id, static_cast<std::uint32_t>(originals.size()));
  if (fresh) originals.emplace_back();
  return index;
}

bool StageEngine::State::Insert(const StageEvent& e) {
  Record r;
  r.author = InternAuthor(e.author);
  r.created = e.created;
  r.id = e.id;
  r.type = e.type;
  r.in_group = e.group == rules.group;
  r.log_group = InternGroup(e.group);
  r.seq = e.seq;
  if (e.type == StageEvent::Type::kRepublish && e.original_group == rules.group &&
      e.original_author != e.author) {
    r.passes_on = true;
    r.original_author = InternAuthor(e.original_author);
    r.original = InternOriginal(e.original);
    r.original_created = e.original_created;
  }
  // Same id, same author and created (REQUIRES in the header): the key finds
  // duplicates.
  auto [it, fresh] = records.insert(r);
  if (!fresh) return false;
  AuthorState& a = authors[it->author];
  if (it->IsMark()) {
    auto pos = std::upper_bound(a.marks.begin(), a.marks.end(), &*it, CanonicalPtr{});
    const bool last = pos == a.marks.end();
    a.marks.insert(pos, &*it);
    if (last) SetMemberNow(a, it->type == StageEvent::Type::kJoin);
    // Arriving in log order this touches nothing: the author's later events
    // are still to come.
    RestandUntilNextMark(it);
  } else {
    it->member = StandingAt(a, *it);
    Count(*it, +1);
  }
  return true;
}

bool StageEngine::State::StandingAt(const AuthorState& a, const Record& r) const {
  auto pos = std::upper_bound(a.marks.begin(), a.marks.end(), &r, CanonicalPtr{});
  if (pos == a.marks.begin()) return a.member_before_any;
  return (*std::prev(pos))->type == StageEvent::Type::kJoin;
}

void StageEngine::State::SetMemberNow(AuthorState& a, bool member) {
  if (a.member_now == member) return;
  a.member_now = member;
  if (member) {
    ++members;
  } else {
    --members;
  }
}

void StageEngine::State::Restand(const Record& r, bool member) {
  if (r.member == member) return;
  Count(r, -1);
  r.member = member;
  Count(r, +1);
}

void StageEngine::State::RestandUntilNextMark(Records::iterator mark) {
  const bool member = mark->type == StageEvent::Type::kJoin;
  const std::uint32_t author = mark->author;
  for (auto it = std::next(mark); it != records.end() && it->author == author && !it->IsMark();
       ++it) {
    Restand(*it, member);
  }
}

void StageEngine::State::RestandAll(std::uint32_t author) {
  bool member = authors[author].member_before_any;
  Record probe;
  probe.author = author;  // created 0 and the zero id sort first
  for (auto it = records.lower_bound(probe); it != records.end() && it->author == author; ++it) {
    if (it->IsMark()) {
      member = it->type == StageEvent::Type::kJoin;
    } else {
      Restand(*it, member);
    }
  }
}

void StageEngine::State::Count(const Record& r, int sign) {
  AuthorState& a = authors[r.author];
  if (r.Contributes(r.member)) {
    if (sign > 0 && a.contributions++ == 0) ++contributors;
    if (sign < 0 && --a.contributions == 0) --contributors;
  }
  if (r.CountsForPractice(r.member)) {
    if (sign > 0) {
      AddCounted(a.practice, practice, r);
      AddEdge(r.author, r.original_author);
      AddUptake(r);
    } else {
      RemoveCounted(a.practice, practice, r, &Record::CountsForPractice);
      RemoveEdge(r.author, r.original_author);
      RemoveUptake(r);
    }
  }
  if (r.CountsOutside(r.member)) {
    if (sign > 0) {
      AddCounted(a.outside, outside, r);
    } else {
      RemoveCounted(a.outside, outside, r, &Record::CountsOutside);
    }
  }
}

void StageEngine::State::AddCounted(Counted& c, Threshold& t, const Record& r) {
  if (c.count++ > 0 && !Before(r, *c.first)) return;
  if (c.first != nullptr) t.Remove(c.first);
  c.first = &r;
  t.Add(&r);
}

void StageEngine::State::RemoveCounted(Counted& c, Threshold& t, const Record& r,
                                       bool (Record::*counts)(bool) const) {
  --c.count;
  if (c.first != &r) return;
  t.Remove(&r);
  c.first = nullptr;
  if (c.count == 0) return;
  // The new first is the author's next counted event after r: rare (a leave
  // or fork arriving late), and bounded by the author's own events.
  for (auto it = std::next(records.find(r)); it != records.end() && it->author == r.author; ++it) {
    if (((*it).*counts)(it->member)) {
      c.first = &*it;
      break;
    }
  }
  t.Add(c.first);
}

void StageEngine::State::AddUptake(const Record& r) {
  OriginalState& o = originals[r.original];
  o.counted.push_back(&r);
  if (o.first != nullptr && !Before(r, *o.first)) return;
  if (o.first != nullptr) uptake.Erase(UptakeOf(*o.first));
  o.first = &r;
  uptake.Insert(UptakeOf(r));
}

void StageEngine::State::RemoveUptake(const Record& r) {
  OriginalState& o = originals[r.original];
  auto it = std::find(o.counted.begin(), o.counted.end(), &r);
  *it = o.counted.back();
  o.counted.pop_back();
  if (o.first != &r) return;
  uptake.Erase(UptakeOf(r));
  o.first = nullptr;
  for (const Record* other : o.counted) {
    if (o.first == nullptr || Before(*other, *o.first)) o.first = other;
  }
  if (o.first != nullptr) uptake.Insert(UptakeOf(*o.first));
}

void StageEngine::State::AddEdge(std::uint32_t from, std::uint32_t to) {
  if (authors[from].passed_on[to]++ > 0) return;
  ++edges;
  if (authors[to].passed_on.count(from) > 0) reciprocal_edges += 2;
}

void StageEngine::State::RemoveEdge(std::uint32_t from, std::uint32_t to) {
  auto& out = authors[from].passed_on;
  auto it = out.find(to);
  if (--it->second > 0) return;
  out.erase(it);
  --edges;
  if (authors[to].passed_on.count(from) > 0) reciprocal_edges -= 2;
}

void StageEngine::State::Freeze(const Id& author, const Id& log_group, std::uint64_t from_seq) {
  auto ai = author_index.find(author);
  auto gi = group_index.find(log_group);
  if (ai == author_index.end() || gi == group_index.end()) return;
  const std::uint32_t index = ai->second;
  AuthorState& a = authors[index];
  Record probe;
  probe.author = index;
  bool marks_changed = false;
  for (auto it = records.lower_bound(probe); it != records.end() && it->author == index;) {
    if (it->log_group != gi->second || it->seq < from_seq) {
      ++it;
      continue;
    }
    if (it->IsMark()) {
      std::erase(a.marks, &*it);
      marks_changed = true;
    } else {
      Count(*it, -1);
    }
    it = records.erase(it);
  }
  if (!marks_changed) return;
  SetMemberNow(
      a, a.marks.empty() ? a.member_before_any : a.marks.back()->type == StageEvent::Type::kJoin);
  RestandAll(index);
}

void StageEngine::State::Fill(StageReport* r) {
  const Record* practice_at = nullptr;
  const Record* outside_at = nullptr;
  r->raised_by.reset();
  if (!practice.Met(&practice_at)) {
    r->stage = Stage::kNetwork;
  } else if (!outside.Met(&outside_at)) {
    r->stage = Stage::kPractice;
    r->raised_by = practice_at ? practice_at->id : rules.group;
  } else {
    // Influence needs practice first: raised at the later of the two
    // (nullptr, met before any event, is the earliest).
    r->stage = Stage::kInfluence;
    const Record* at = practice_at == nullptr              ? outside_at
                       : outside_at == nullptr             ? practice_at
                       : Before(*practice_at, *outside_at) ? outside_at
                                                           : practice_at;
    r->raised_by = at ? at->id : rules.group;
  }
  r->republishers = static_cast<std::uint32_t>(practice.size());
  r->outside_republishers = static_cast<std::uint32_t>(outside.size());
  r->contributors = contributors;
  r->members = members;
  r->republisher_share =
      contributors == 0 ? 0.0
                        : static_cast<double>(practice.size()) / static_cast<double>(contributors);
  r->reciprocity =
      edges == 0 ? 0.0 : static_cast<double>(reciprocal_edges) / static_cast<double>(edges);
  r->median_uptake_ms = uptake.Get();
}

std::vector<std::pair<Id, Id>> StageEngine::State::Edges() const {
  std::vector<std::pair<Id, Id>> out;
  out.reserve(edges);
  for (const AuthorState& from : authors) {
    for (const auto& [to, count] : from.passed_on) out.emplace_back(from.id, authors[to].id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StageEngine::StageEngine(GroupRules rules)
    : rules_(std::move(rules)), state_(std::make_unique<State>(rules_)) {}
StageEngine::~StageEngine() = default;
StageEngine::StageEngine(StageEngine&&) noexcept = default;
StageEngine& StageEngine::operator=(StageEngine&&) noexcept = default;

bool StageEngine::Insert(const StageEvent& e) {
  if (!BearsOn(rules_, e)) return false;
  if (auto it = frozen_.find({e.author, e.group}); it != frozen_.end() && e.seq >= it->second) {
    return false;
  }
  if (!state_->Insert(e)) return false;
  report_stale_ = true;
  return true;
}

bool StageEngine::Add(const StageEvent& e) {
  const Stage before = Report().stage;
  if (!Insert(e)) return false;
  return Report().stage != before;
}

const StageReport& StageEngine::Report() const {
  if (report_stale_) {
    state_->Fill(&report_);
    report_stale_ = false;
  }
  return report_;
}

void StageEngine::FreezeLog(const Id& author, const Id& log_group, std::uint64_t from_seq) {
  auto [it, inserted] = frozen_.try_emplace({author, log_group}, from_seq);
  if (!inserted) {
    // A second fork proof further along the log changes nothing.
    if (from_seq >= it->second) return;
    it->second = from_seq;
  }
  state_->Freeze(author, log_group, from_seq);
  report_stale_ = true;
}

std::vector<std::pair<Id, Id>> StageEngine::Edges() const { return state_->Edges(); }

}  // namespace praxis::node
