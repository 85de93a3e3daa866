// Ingestor: decides what an announcement means for this node and stages its
// writes (DESIGN.md §3, §4, §5). Own announcements and those from the network
// go through the same Apply(), so a node never holds what it would refuse.
//
// Sans I/O apart from reads of the store; the caller owns when the staged
// WriteSet is written. Not thread-safe: one node thread owns it. The
// signature check is separate (VerifyAnnouncement) so the caller may run it
// on a worker pool.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "praxis/node/announcement.h"
#include "praxis/node/stage_engine.h"
#include "praxis/storage/store.h"
#include "wire.pb.h"

namespace praxis::node {

// What became of one announcement. Three outcomes matter to the network:
// provably bad (kInvalid: cut the peer off), not yet valid (kDeferred: wait,
// no penalty) and out of scope (kOutOfScope: drop quietly).
struct IngestOutcome {
  enum class Kind : std::uint8_t { kAccepted, kDuplicate, kDeferred, kInvalid, kOutOfScope, kFork };
  Kind kind = Kind::kInvalid;
  Id id;
  std::string reason;             // one line, for logs and the CLI
  std::optional<Id> waiting_for;  // kDeferred: the id whose arrival may unblock it
  bool ok() const { return kind == Kind::kAccepted; }
};
const char* OutcomeName(IngestOutcome::Kind k);

// The state of one (author, group) log as far as this node holds it.
struct LogHead {
  std::uint64_t seq = 0;  // 0: nothing held
  Id id;
  std::uint64_t created = 0;
  bool member = false;          // after the last join/leave in this log
  std::uint64_t frozen_at = 0;  // seq of a proven fork; 0 if none
};

// What the node knows of one group.
struct GroupState {
  Id id;
  Id creator;
  std::uint64_t created = 0;
  wire::Genesis genesis;
  std::unique_ptr<StageEngine> engine;
  std::uint64_t shares = 0;       // shares posted into the group
  std::uint64_t republishes = 0;  // republishes posted into the group
  // Invite-only groups: invitee -> the latest invite admitting them (members'
  // nodes send it to the invitee's node; DESIGN §4).
  std::unordered_map<Id, Id, IdHash> invites;
};

struct IngestorOptions {
  // Wall clock in ms since the Unix epoch (injectable for tests).
  std::function<std::uint64_t()> now_ms;
  // A body dated further ahead than this is deferred. Default: 15 minutes.
  std::uint64_t max_future_ms = 15 * 60 * 1000;
  // Cap on announcements waiting for a dependency. Default: 10000.
  std::size_t max_pending = 10000;
  // Cap on remembered (id, signature) failures. Default: 65536.
  std::size_t max_failed = 65536;
  // Announcements held per author and per group (every log in it); past
  // them, more are out of scope: a valid key cannot fill the disk. 0: none.
  std::uint64_t max_per_author = 0;
  std::uint64_t max_per_group = 0;
};

// One announcement as it arrives from a peer (or a benchmark): the exact
// envelope bytes and, for a republish, the original share's envelope.
struct RawDelivery {
  std::string envelope;
  std::string original;
};

// Runs fn(i) for i in [0, n), possibly in parallel; returns when all are done.
using ParallelFor = std::function<void(std::size_t n, const std::function<void(std::size_t)>& fn)>;

class Ingestor {
 public:
  // Rebuilds derived state (groups, stages) from what `store` holds.
  static Result<std::unique_ptr<Ingestor>> Open(storage::Store& store, IngestorOptions opts);

  // REQUIRES: a.verified, and original (if any) verified.
  // Checks `a` against everything held plus what is staged, and on
  // acceptance stages its writes into `ws` and updates in-memory state at once
  // (so later announcements in the same batch see it). If the batch is then
  // not written, the caller must call Reset().
  IngestOutcome Apply(const Announcement& a, const Announcement* original, storage::WriteSet& ws);

  // The network's entry point: parse, dedup, verify (through `pf`, so the
  // expensive part can run on several cores), apply in order, retry what the
  // batch itself unblocked, and write once with `durability`.
  std::vector<IngestOutcome> IngestBatch(std::span<const RawDelivery> batch,
                                         storage::Durability durability,
                                         const ParallelFor& pf = nullptr);

  // Call after a staged batch was written: its ids are now read from the
  // store. Own writes and network batches may be staged at the same time,
  // so each forgets only its own ids; the no-argument form forgets all (for
  // callers that are the only writer).
  void Committed(const std::vector<Id>& ids) {
    for (const Id& id : ids) staged_.erase(id);
  }
  void Committed() { staged_.clear(); }
  // Call when a staged batch could not be written: in-memory state is
  // reloaded from the store.
  Status Reset();

  // Lookups (held or staged).
  Result<LogHead> Head(const Id& author, const Id& log_group);
  const GroupState* Group(const Id& group) const;
  const std::map<Id, GroupState>& Groups() const { return groups_; }
  // Who shares under each tag (a share's own tags and its group's), with
  // how many shares: `praxis discover --members`. Open groups only.
  using SharersByTag = std::map<std::string, std::map<Id, std::uint32_t>>;
  const SharersByTag& sharers_by_tag() const { return sharers_by_tag_; }
  Result<std::optional<Announcement>> Find(const Id& id);  // an envelope or an original
  bool Held(const Id& id);                                 // in the logs (not only as an original)

  // Whether the author of `id` retracted it (a tombstone is held).
  Result<bool> Retracted(const Id& id);
  // Content bytes dropped by retractions staged since the last call.
  std::uint64_t TakeDroppedBytes() { return std::exchange(last_dropped_bytes_, 0); }

  // Listeners called by IngestBatch, after its write succeeded, for every
  // announcement it accepted, including those the batch unblocked from the
  // pending set (which its outcomes do not list). Gossip forwards from here;
  // the node's event stream reports from here.
  using AcceptedFn = std::function<void(const Announcement& a, const Announcement* original)>;
  std::size_t AddAcceptedListener(AcceptedFn fn) {
    accepted_listeners_.emplace(next_listener_, std::move(fn));
    return next_listener_++;
  }
  void RemoveAcceptedListener(std::size_t id) { accepted_listeners_.erase(id); }

  // Announcements this node refuses to hold whatever their validity (the
  // operator's deny list): judged out of scope, never stored.
  void set_refuse(std::function<bool(const Announcement&)> fn) { refuse_ = std::move(fn); }

  // Announcements refused because their author or group was at its cap.
  std::uint64_t capped_by_author() const { return capped_by_author_; }
  std::uint64_t capped_by_group() const { return capped_by_group_; }

  std::size_t pending() const { return pending_count_; }
  std::size_t max_pending() const { return opts_.max_pending; }
  std::size_t failed_remembered() const { return failed_.size(); }
  std::size_t max_failed() const { return opts_.max_failed; }
  std::uint64_t accepted_total() const { return accepted_total_; }  // announcements held

 private:
  Ingestor(storage::Store& store, IngestorOptions opts);
  Status Rebuild();
  // Apply(); `store_checked`: the caller has just found a.id absent from the store.
  IngestOutcome ApplyChecked(const Announcement& a, const Announcement* original,
                             storage::WriteSet& ws, bool store_checked);
  IngestOutcome CheckBody(const Announcement& a, const Announcement* original, const LogHead& head,
                          std::optional<Announcement>& held_original);
  void Stage(const Announcement& a, const Announcement* original_to_store,
             const Announcement* original, storage::WriteSet& ws);
  void Track(const Announcement& a, const Announcement* original);  // groups, stages
  // Why `a` is out of scope for the per-author or per-group cap, if it is.
  std::optional<std::string> OverCap(const Announcement& a);
  void CountSharer(const Announcement& share, const GroupState& g);
  void StageRetract(const Announcement& a, storage::WriteSet& ws);
  void Defer(const IngestOutcome& o, const Announcement& a, const Announcement* original);
  // The id `id` awaits, when exactly these envelope bytes are already pending.
  std::optional<Id> PendingFor(const Id& id, std::string_view envelope) const;
  IngestOutcome Fork(const Announcement& a, const Id& existing, storage::WriteSet& ws);
  Result<std::optional<std::string>> GetEnvelope(const Id& id);

  storage::Store& store_;
  IngestorOptions opts_;
  std::map<Id, GroupState> groups_;
  SharersByTag sharers_by_tag_;
  std::unordered_map<std::string, LogHead> heads_;      // key: author | log group
  std::unordered_map<Id, std::string, IdHash> staged_;  // id -> envelope, not yet written
  struct Pending {
    Announcement a;
    std::optional<Announcement> original;
  };
  std::unordered_map<Id, std::vector<Pending>, IdHash> pending_;  // by awaited id
  std::unordered_map<Id, Id, IdHash> pending_ids_;                // pending id -> awaited id
  std::size_t pending_count_ = 0;
  std::unordered_set<std::string> failed_;  // id | signature that failed to verify
  std::deque<std::string> failed_order_;
  std::uint64_t accepted_total_ = 0;
  std::unordered_map<Id, std::uint64_t, IdHash> held_by_author_, held_by_group_;
  std::uint64_t capped_by_author_ = 0, capped_by_group_ = 0;
  std::uint64_t last_dropped_bytes_ = 0;
  std::map<std::size_t, AcceptedFn> accepted_listeners_;
  std::function<bool(const Announcement&)> refuse_;
  std::size_t next_listener_ = 1;
};

// Bounds on what people type into announcements (bytes).
inline constexpr std::size_t kMaxName = 200, kMaxText = 4000, kMaxTags = 32, kMaxTag = 64;
// One line naming the field and the limit it breaks.
Status CheckTags(const google::protobuf::RepeatedPtrField<std::string>& tags);
Status CheckShareFields(const wire::Share& s);

// kMeta key of the tombstone for `id`: value = the retraction's id.
std::string RetractedKey(const Id& id);
// kMeta key present when a later share by the same author supersedes `id`:
// value = the newer share's id.
std::string SupersededKey(const Id& id);

}  // namespace praxis::node
