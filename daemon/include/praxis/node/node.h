// Node: one member's node. Owns the order of its own writes (DESIGN.md §3:
// seq = last durable own seq + 1 under a single local writer; one synced
// batch; concurrent local writes share one sync; acknowledged only when
// durable) and hands out the ingestor, store and key to the control API.
//
// Threading: every method runs on the node's executor (one thread). Synced
// writes run on the worker pool and complete back on the node's executor.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/thread_pool.hpp>
#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "praxis/crypto/crypto.h"
#include "praxis/node/announcement.h"
#include "praxis/node/ingestor.h"
#include "praxis/node/deny_list.h"
#include "praxis/node/invite_book.h"
#include "praxis/storage/store.h"

namespace praxis::node {

// kMeta key present when the node's identity was imported.
inline constexpr std::string_view kImportedKey = "identity_imported";
// kMeta prefix of groups whose own log this node has caught up since import.
inline constexpr std::string_view kCaughtUpPrefix = "caught_up:";

struct NodeOptions {
  std::string data_dir;
  std::string key_path;
  std::function<std::uint64_t()> now_ms;  // wall clock; Default: system clock
};

// What the member allows the node to keep (DESIGN §3; config keys of the
// same names). 0: no limit.
struct StorageLimits {
  std::uint64_t max_resource_size = 0;
  std::uint64_t quota = 0;
  std::function<Result<std::uint64_t>()> free_bytes;  // disk left; null: not checked
};

// One announcement the node's own member wants to make.
struct OwnWrite {
  std::uint32_t kind = 0;
  std::optional<Id> group;               // none for genesis and profile
  std::string body;                      // serialised body message
  storage::WriteSet extra;               // written in the same synced batch (e.g. manifests)
  std::optional<Announcement> original;  // a republish's share
  // A join into an invite-only group this node does not hold yet: signed
  // and stored as pending in the InviteBook, not judged by the ingestor
  // (the members' nodes judge it). Not dated before `not_before`.
  bool pending_join = false;
  std::uint64_t not_before = 0;
};

// Something that happened on this node, for `praxis watch`-style streams and
// benchmarks: an announcement became held here.
struct NodeEvent {
  const Announcement& announcement;
  bool own = false;              // signed by this node's member
  std::uint64_t at_unix_ms = 0;  // wall clock
  std::uint64_t at_mono_ns = 0;  // CLOCK_MONOTONIC: comparable across processes on one machine
};

class Node {
 public:
  using Done = std::function<void(Result<Announcement>)>;

  Node(asio::any_io_executor ex, asio::thread_pool& pool, storage::Store& store,
       std::unique_ptr<Ingestor> ingestor, crypto::KeyPair key, NodeOptions opts);

  // Signs and durably stores `w`, then calls done on the node's executor.
  // Writes submitted while a sync is in flight share the next sync.
  void Publish(OwnWrite w, Done done);

  // Called with each own announcement once it is durable (gossip hooks in here).
  void set_on_durable(std::function<void(const Announcement&)> fn) { on_durable_ = std::move(fn); }

  // Every announcement that becomes held (own writes once durable, network
  // and imported ones once written). Returns a token for Unwatch.
  using WatchFn = std::function<void(const NodeEvent&)>;
  std::size_t Watch(WatchFn fn);
  void Unwatch(std::size_t token);
  ~Node();

  // Runs fn on the worker pool and calls done(result) on the node's executor.
  void RunOnPool(std::function<Status()> fn, std::function<void(Status)> done);

  // Spreads a batch's verification over the worker pool and this thread,
  // returning when all of it is done (blocks the node thread meanwhile).
  ParallelFor PoolFor();

  // Calls done once no own write is queued or in flight.
  void Drain(std::function<void()> done);

  const Id& member() const { return key_.public_key(); }
  // For sealing an export only (the control API's identity export).
  const crypto::KeyPair& key() const { return key_; }
  // Whether the key was imported, and whether this node may sign into `group`:
  // an imported key signs nothing in a group until its own log there was
  // caught up from peers (DESIGN §3), so a restored backup never forks.
  bool imported() const { return imported_; }
  Status MaySignInto(const Id& log_group);
  // Reports from the network about this member's own logs (Gossip's
  // OwnLogHooks): a peer holds nothing of ours in `group` that we lack; or
  // it holds our log there up to `seq`, beyond what this node holds.
  void NoteCaughtUp(const Id& group);
  void NoteOwnLogAhead(const Id& group, std::uint64_t seq);
  // An invite addressed to this member arrived from `from`'s node: kept,
  // and reported to watchers the first time.
  void ReceiveInvite(const Announcement& invite, const Id& from);
  Ingestor& ingestor() { return *ingestor_; }
  InviteBook& invites() { return *invites_; }
  DenyList& deny() { return *deny_; }
  storage::Store& store() { return store_; }
  const NodeOptions& options() const { return opts_; }
  asio::any_io_executor executor() const { return ex_; }
  std::uint64_t NowMs() const { return opts_.now_ms(); }

  void set_listen_address(std::string a) { listen_ = std::move(a); }
  void set_storage_limits(StorageLimits l) { limits_ = std::move(l); }
  const StorageLimits& storage_limits() const { return limits_; }
  const std::string& listen_address() const { return listen_; }
  // Where the HTTP API and web page are served ("" when off), for status.
  void set_http_address(std::string a) { http_ = std::move(a); }
  const std::string& http_address() const { return http_; }

 private:
  struct Queued {
    OwnWrite w;
    Done done;
  };
  void StartBatch();
  void FinishBatch(Status written, std::vector<std::pair<Result<Announcement>, Done>> results);

  asio::any_io_executor ex_;
  asio::thread_pool& pool_;
  storage::Store& store_;
  std::unique_ptr<Ingestor> ingestor_;
  crypto::KeyPair key_;
  std::unique_ptr<InviteBook> invites_;
  std::unique_ptr<DenyList> deny_;
  NodeOptions opts_;
  std::string listen_;
  std::string http_;
  StorageLimits limits_;
  bool imported_ = false;
  std::unordered_map<Id, std::uint64_t, IdHash> own_ahead_;  // group -> seq a peer holds
  std::map<std::size_t, WatchFn> watchers_;
  std::size_t next_watch_ = 1;
  std::size_t accepted_listener_ = 0;
  void Emit(const Announcement& a, bool own);
  std::function<void(const Announcement&)> on_durable_;
  // Guarded by the node thread.
  std::deque<Queued> queue_;
  bool writing_ = false;
  std::vector<std::function<void()>> drain_waiters_;
};

}  // namespace praxis::node
