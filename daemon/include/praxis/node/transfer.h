// Transfer: resources move between nodes (DESIGN §3, §4). Plain C++ driven
// by events and a clock, like Gossip, whose links it shares (LinkProtocol).
//
// Fetching: ask every link whether it holds the root (HaveQuery), take the
// manifests (top, then sub-manifests) from holders, then request chunks as
// (root, index) from every holder at once, each holder with its own window
// of requests in flight (grown on every chunk, halved on a timeout), so a
// slow holder carries few and the fast ones the rest. When only requests in
// flight remain, an idle holder asks again for the oldest of them (the end
// game), so one slow holder never holds up the last chunk. Every piece is
// checked against its hash before it is stored; a holder that sends a bad one
// is punished (link closed, member refused) and the piece asked elsewhere.
// Chunks are stored as they arrive, so a fetch started again (after a crash,
// or when every holder left) begins with what is stored.
//
// Serving: requests are queued per link and served one chunk per link in
// turn, while the link's send backlog is small and the upload token bucket
// allows, so requesters share the uplink fairly. Each request is gated by the
// root's group through `AccessFn`.
//
// Threading: one thread (the node's). Time is monotonic milliseconds.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "praxis/node/gossip.h"
#include "praxis/storage/store.h"
#include "wire.pb.h"

namespace praxis::node {

struct TransferOptions {
  std::size_t window_start = 4;  // chunk requests in flight per holder, at first
  std::size_t window_max = 32;
  Millis request_timeout = 15'000;   // a request unanswered this long goes elsewhere
  Millis straggler_after = 1'000;    // a manifest unanswered this long is asked of another holder too
  Millis locate_timeout = 60'000;    // no holder found this long: the fetch gives up
  Millis requery_every = 2'000;      // links that did not hold it are asked again
  std::uint64_t max_upload_rate = 0;    // bytes per second served, 0: unlimited
  std::uint64_t max_download_rate = 0;  // bytes per second requested, 0: unlimited
  std::size_t serve_backlog = 1 << 20;  // serve a link while its send backlog is below this
  std::size_t max_queued_per_link = 256;
  std::uint64_t max_resource_size = std::uint64_t{4} << 30;
  // Bytes free where the store lives (a seam: tests set the space left).
  // Null: not checked.
  std::function<Result<std::uint64_t>()> free_bytes;
  std::uint64_t keep_free = 64 << 20;  // never fill the disk beyond this margin
  std::size_t max_finished = 256;      // finished fetches remembered for Progress
  // Members likely to hold a root (its sharers and republishers). When no
  // linked peer holds it, those not linked are dialled (every dial_every).
  std::function<std::vector<Id>(const Id& root)> likely_holders;
  Millis dial_after = 1'000;
  Millis dial_every = 10'000;
  // Wall clock (ms since the epoch), recorded with fetched content so the
  // quota evicts the oldest first. Null: 0.
  std::function<std::uint64_t()> wall_ms;
};

struct FetchProgress {
  Id root;
  std::uint64_t size = 0;  // content bytes; 0 until the manifest is known
  std::uint64_t chunks = 0;
  std::uint64_t have_chunks = 0;
  std::uint64_t have_bytes = 0;       // content bytes stored (resumed ones included)
  std::uint64_t resumed_bytes = 0;    // of which were already stored at the start
  std::size_t holders = 0;            // links known to hold it now
  std::map<Id, std::uint64_t> bytes_from;  // content bytes received, by member
  bool manifest_known = false;
  bool planned = false;  // every manifest held: which chunks to fetch is known
  bool done = false;
  Status failed;  // not ok: the fetch gave up, with one line saying why
  Millis started = 0, finished = 0;
};

struct TransferCounters {
  std::uint64_t chunks_served = 0;
  std::uint64_t bytes_served = 0;
  std::uint64_t chunks_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bad_pieces = 0;     // failed their hash: the sender was punished
  std::uint64_t refused = 0;        // requests not served (group rules)
  std::uint64_t fetches_done = 0;
  std::uint64_t fetches_failed = 0;

  std::vector<std::pair<const char*, std::uint64_t>> Named() const {
    return {{"chunks_served", chunks_served},   {"bytes_served", bytes_served},
            {"chunks_received", chunks_received}, {"bytes_received", bytes_received},
            {"bad_pieces", bad_pieces},         {"refused", refused},
            {"fetches_done", fetches_done},     {"fetches_failed", fetches_failed}};
  }
};

class Transfer : public LinkProtocol {
 public:
  // Whether `member` may be served the resource `root` (the root's group).
  using AccessFn = std::function<bool(const Id& member, const Id& root)>;
  Transfer(storage::Store& store, GossipTransport& transport, Gossip& gossip, AccessFn access,
           TransferOptions opts);

  // Starts fetching `root` unless it is held or under way. Refuses at once
  // (one line) what is over the size limit or does not fit the disk, when
  // the size is already known; otherwise that is checked when the manifest
  // arrives and the fetch fails with the same line.
  // `beyond_size_limit`: the member said yes to a resource over
  // max_resource_size (a republish commitment with --yes); the disk is
  // still checked.
  Status Fetch(const Id& root, Millis now, bool beyond_size_limit = false);
  // Null when no fetch of `root` was started (or it was forgotten).
  const FetchProgress* Progress(const Id& root) const;
  void Forget(const Id& root);
  // Called once for each fetch that ends (done or failed).
  void set_on_finished(std::function<void(const FetchProgress&)> fn) {
    on_finished_ = std::move(fn);
  }
  const TransferCounters& counters() const { return counters_; }
  std::size_t active_fetches() const { return fetches_.size(); }

  // LinkProtocol
  void OnLinkUp(LinkId link, const Id& member, Millis now) override;
  void OnLinkDown(LinkId link, Millis now) override;
  void OnMessage(LinkId link, wire::PeerMessage& m, Millis now) override;
  void OnDrained(LinkId link, Millis now) override;
  void Tick(Millis now) override;
  Millis NextDeadline() const override;

 private:
  struct Holder {
    std::size_t window = 0;
    std::size_t in_flight = 0;
  };
  struct Request {  // a piece asked of a link
    LinkId link = 0;
    Millis sent = 0;
  };
  struct Piece {
    bool manifest = false;
    std::uint64_t index = 0;
    auto operator<=>(const Piece&) const = default;
  };
  struct FetchState {
    FetchProgress progress;
    bool beyond_size_limit = false;
    Millis last_holder = 0;                // when a holder was last known
    Millis refused_at = 0;                 // a peer first said it holds it but will not serve us
    Millis dialed_at = 0;                  // likely holders were last dialled
    std::map<LinkId, Holder> holders;
    std::map<LinkId, Millis> asked;        // HaveQuery sent (or answered no) at
    std::optional<wire::Manifest> top;
    std::vector<std::optional<wire::Manifest>> subs;
    std::vector<Id> chunk_ids;             // once every manifest is held
    std::vector<bool> have;
    std::set<std::uint64_t> needed;        // chunks neither held nor asked
    std::map<Piece, std::vector<Request>> in_flight;  // at most two requests each
  };
  struct Served {  // a link's queued requests
    Id member;
    std::deque<wire::ChunkRequest> queue;
    std::set<Id> allowed;  // roots this member was found allowed to fetch
    bool blocked = false;  // backlog full: waits for OnDrained
  };

  void Send(LinkId link, const wire::PeerMessage& m);
  std::string MemberName(LinkId link) const;  // short member id, for logs
  // Fetching
  void Query(FetchState& f, Millis now);
  void OnHaveReply(LinkId link, const wire::HaveReply& r, Millis now);
  void OnChunkReply(LinkId link, wire::ChunkReply& r, Millis now);
  Status TakeManifest(FetchState& f, std::uint64_t index, std::string data);
  Status Plan(FetchState& f);  // every manifest held: which chunks are needed
  Status CheckSpace(const FetchState& f) const;
  void Schedule(FetchState& f, Millis now);
  void Finish(FetchState& f, Status failed, Millis now);
  // Finishes `f` when every piece is stored; true if it did (`f` is gone).
  bool MaybeDone(FetchState& f, Millis now);
  void Retire(const Id& root);
  bool Allowed(Served& s, const Id& root);
  // Serving
  void OnHaveQuery(LinkId link, const wire::HaveQuery& q);
  void OnChunkRequest(LinkId link, wire::ChunkRequest& q, Millis now);
  void Serve(Millis now);
  std::optional<std::string> PieceBytes(const Id& root, bool manifest, std::uint64_t index);
  void Refill(Millis now);

  storage::Store& store_;
  GossipTransport& transport_;
  Gossip& gossip_;
  AccessFn access_;
  TransferOptions opts_;
  std::function<void(const FetchProgress&)> on_finished_;
  TransferCounters counters_;

  std::map<LinkId, Id> links_;
  std::map<Id, FetchState> fetches_;     // under way
  std::map<Id, FetchProgress> finished_;
  std::deque<Id> finished_order_;

  std::map<LinkId, Served> served_;
  std::deque<LinkId> ring_;  // links with queued requests, served in turn
  // Chunk lists of roots served lately (a small cache: a fetch asks for many
  // chunks of one root).
  std::map<Id, std::vector<Id>> chunk_lists_;
  std::deque<Id> chunk_list_order_;
  // Token buckets (bytes); negative: in debt until the refill catches up.
  double upload_tokens_ = 0, download_tokens_ = 0;
  Millis refilled_at_ = 0;
  Millis serve_at_ = ~Millis{0};  // the upload bucket allows serving again
  Millis now_ = 0;
};

}  // namespace praxis::node
