// Gossip: the network protocol of one node, as plain C++ driven by events and
// a clock the caller passes in (DESIGN §4). No sockets, no timers: whoever
// owns the links (PeerManager over Asio, the in-memory test network, the
// simulator) reports links going up and down, frames arriving and the time,
// and carries out what the engine asks through GossipTransport.
//
//  - Membership (HyParView is the model): an active set of links the node
//    keeps near `active_target` by dialling from a passive set of known
//    addresses (seeds, peer exchange, LAN, inbound peers' listen ports),
//    with per-address backoff; addresses persisted in the store.
//  - Dissemination (Plumtree): one spanning tree for all sources and groups.
//    A new announcement goes eagerly (full payload) to eager links and as a
//    short per-link id to lazy ones; a duplicate eager push prunes its link
//    to lazy; an advertised id still missing after `graft_timeout` grafts the
//    link back to eager and asks for it.
//  - Catch-up: one fingerprint per group on connect, heads only for groups
//    that differ, then each side streams what the other lacks, paced by the
//    link's backlog.
//  - Defences: provably bad input closes the link and refuses the member for
//    `ban_for`; deferred input asks the sender for the dependency, no
//    penalty; out-of-scope input is dropped quietly. Every per-link table is
//    capped.
//
// Threading: one thread (the node's). Time is monotonic milliseconds.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "praxis/node/ingestor.h"
#include "praxis/node/log_index.h"
#include "praxis/node/rate_limiter.h"
#include "praxis/storage/store.h"
#include "wire.pb.h"

namespace praxis::node {

using LinkId = std::uint64_t;
using Millis = std::uint64_t;  // monotonic milliseconds

enum class FoundBy : std::uint8_t { kSeed, kLan, kExchange, kInbound, kManual };
const char* FoundByName(FoundBy f);

// What the engine asks of the layer that owns the links.
class GossipTransport {
 public:
  virtual ~GossipTransport() = default;
  virtual void Send(LinkId link, std::string frame) = 0;
  // Ends the link. The engine has already forgotten it; OnLinkDown for it,
  // now or later, is ignored.
  virtual void Close(LinkId link, const Status& why) = 0;
  // Opens a link to HOST:PORT (resolved anew each time); reported back with
  // OnLinkUp(..., dialed = address) or OnDialFailed(address).
  virtual void Dial(const std::string& address) = 0;
  // Bytes queued for the link and not yet written.
  virtual std::size_t Backlog(LinkId link) const = 0;
};

struct GossipOptions {
  std::size_t active_target = 5;  // dial while fewer links than this
  std::size_t max_active = 12;    // inbound links above this are refused
  std::size_t max_passive = 200;
  std::size_t max_dialing = 3;   // dials in flight at once
  Millis ping_after = 20'000;    // nothing received this long: ping
  Millis idle_timeout = 60'000;  // nothing received this long: close
  Millis graft_timeout = 500;   // advertised id missing this long: graft (then the next advertiser)
  Millis ihave_delay = 200;     // lazy advertisements are batched this long
  std::size_t lazy_fanout = 2;  // lazy links told of each announcement (random ones)
  Millis want_delay = 250;      // a deferred one's dependency is asked for after this
  std::uint32_t slow_parent_strikes = 3;  // grafts in a row that beat a live parent: move to the faster link
  Millis ban_for = 10 * 60'000;  // a member that sent provably bad input
  Millis backoff_min = 1'000;
  Millis backoff_max = 5 * 60'000;
  Millis persist_every = 30'000;  // known addresses written at most this often
  Millis shuffle_every = 30'000;  // peer exchange with one random link (HyParView's shuffle)
  Millis sync_every = 10'000;     // digests exchanged with one random link (anti-entropy)
  Millis sync_quiet = 5'000;      // ...comparing only groups with nothing new for this long
  // A node whose active set is full swaps one outbound link for a random
  // known address this often. Without it a partition longer than the idle
  // timeout never heals: each side refills its active sets from itself and
  // then nobody wants a link across. 0: never.
  Millis rotate_every = 120'000;
  std::size_t max_bans = 10'000;
  std::size_t max_missing_per_link = 8'192;  // advertised ids awaited, first heard from a link
  std::size_t max_missing = 65'536;          // advertised ids awaited in all
  std::size_t short_window = 65'536;         // recent ids recognised by their short ids
  std::size_t max_wants_per_link = 256;      // dependency requests queued for one link
  std::size_t max_lazy_roots = 65'536;       // authors a link carries lazily
  std::size_t max_exchange = 32;             // addresses taken from one exchange
  std::size_t max_cursors_per_link = 100'000;
  std::size_t max_heads_per_link = 1'000'000;  // log heads buffered from split frames
  std::size_t max_batch = 512;                 // deliveries judged together
  std::size_t catchup_backlog = 1 << 20;       // stream catch-up while the backlog is below this
  std::uint32_t listen_port = 0;               // told to peers so they can dial back
  std::string advertise;                       // HOST:PORT peers should dial (seeds), if set
  bool seed = false;
  std::uint64_t rng_seed = 0;  // 0: from the system's randomness
  // Eager pushes accepted per author per second, and the burst saved up
  // (0: no limit). Over it, an author's pushes are deferred to catch-up, not
  // judged: logs stay contiguous, the flood just waits.
  double author_rate = 0;
  double author_burst = 0;
};

struct LinkInfo {
  LinkId link = 0;
  Id member;
  std::string address;  // dialable if known, else the remote socket address
  bool inbound = false;
  FoundBy found = FoundBy::kInbound;
  Millis since = 0;
  bool eager = true;  // eager for every source
};

struct GossipCounters {
  std::uint64_t delivered = 0;       // announcements accepted from links
  std::uint64_t duplicates = 0;      // payloads received again
  std::uint64_t pushes_sent = 0;     // eager payloads sent
  std::uint64_t replies_sent = 0;    // payloads sent for a graft, want or catch-up
  std::uint64_t ihave_ids_sent = 0;  // short ids advertised
  std::uint64_t grafts_sent = 0;
  std::uint64_t prunes_sent = 0;
  std::uint64_t invalid = 0;  // provably bad input (the link was closed)
  std::uint64_t deferred = 0;
  std::uint64_t out_of_scope = 0;
  std::uint64_t forks = 0;
  std::uint64_t unknown_frames = 0;
  std::uint64_t refused_links = 0;  // banned, duplicate or over the cap
  std::uint64_t hops_total = 0;     // sum of hops of delivered announcements
  std::uint64_t rate_limited = 0;   // eager pushes deferred to catch-up (author over rate)

  // Name and value of each, for status replies and metrics.
  std::vector<std::pair<const char*, std::uint64_t>> Named() const {
    return {{"delivered", delivered},
            {"duplicates", duplicates},
            {"pushes_sent", pushes_sent},
            {"replies_sent", replies_sent},
            {"ihave_ids_sent", ihave_ids_sent},
            {"grafts_sent", grafts_sent},
            {"prunes_sent", prunes_sent},
            {"invalid", invalid},
            {"deferred", deferred},
            {"out_of_scope", out_of_scope},
            {"forks", forks},
            {"unknown_frames", unknown_frames},
            {"refused_links", refused_links},
            {"hops_total", hops_total},
            {"rate_limited", rate_limited}};
  }
};

// What the engine tells the node about the node's own logs (DESIGN §3: an
// imported identity signs nothing in a group until its log there is caught
// up; a peer showing more of our own log than we hold means the identity is
// in use elsewhere).
struct OwnLogHooks {
  // A peer's view of this group holds nothing of our log that we lack.
  std::function<void(const Id& group)> caught_up;
  // A peer holds our own log in this group up to `seq`, beyond our head.
  std::function<void(const Id& group, std::uint64_t seq)> ahead;
};

// Invites into invite-only groups (DESIGN §4): this node's member's invites
// arrive as notices from members' nodes, and joins this member signed into
// such groups before holding them go to those members.
struct InviteHooks {
  // A member's node sent an invite addressed to this member (signature checked).
  std::function<void(const Announcement& invite, const Id& from)> received;
  // Envelopes of pending joins to send to `member` as it links up.
  std::function<std::vector<std::string>(const Id& member)> joins_for;
};

// Another protocol sharing the links (resource transfer): the engine hands
// it the frames of its kinds, tells it of links coming and going, and fires
// its timers with its own.
class LinkProtocol {
 public:
  virtual ~LinkProtocol() = default;
  virtual void OnLinkUp(LinkId link, const Id& member, Millis now) = 0;
  virtual void OnLinkDown(LinkId link, Millis now) = 0;
  // `m` holds one of the transfer messages.
  virtual void OnMessage(LinkId link, wire::PeerMessage& m, Millis now) = 0;
  virtual void OnDrained(LinkId link, Millis now) = 0;
  virtual void Tick(Millis now) = 0;
  virtual Millis NextDeadline() const = 0;
};

class Gossip {
 public:
  // Loads the log index and the persisted addresses. Installs itself as the
  // ingestor's accepted-announcement hook.
  static Result<std::unique_ptr<Gossip>> Open(Ingestor& ingestor, storage::Store& store,
                                              GossipTransport& transport, const Id& self,
                                              GossipOptions opts, Millis now);
  ~Gossip();

  // ---- events from the transport ----
  // A link finished its handshake with `member`. `dialed`: the address this
  // node dialled (outbound), empty for inbound. Returns false when the link
  // is refused (the engine has already asked the transport to close it).
  bool OnLinkUp(LinkId link, const Id& member, const std::string& remote, bool inbound,
                const std::string& dialed, Millis now);
  void OnLinkDown(LinkId link, Millis now);
  void OnFrame(LinkId link, std::string_view frame, Millis now);
  // Judges the deliveries received since the last call in one batch (one
  // store write; signatures checked through the ParallelFor, if set). The
  // transport calls it after each read; Tick and a full batch call it too.
  void Flush(Millis now);
  void set_parallel_for(ParallelFor pf) { pf_ = std::move(pf); }
  // The time, for announcements that enter through the ingestor directly
  // (imports) and are forwarded from its accepted hook.
  void set_now(Millis now) { now_ = now; }
  // A dial failed (resolve, connect or handshake). `permanent`: never retry
  // (e.g. it reached this node itself).
  void OnDialFailed(const std::string& address, bool permanent, Millis now);
  // The link's backlog fell: catch-up may stream more.
  void OnDrained(LinkId link, Millis now);

  // ---- events from the node ----
  // An own announcement is durable.
  void OnOwn(const Announcement& a, const Announcement* original, Millis now);
  // A known address (seed, LAN beacon, `praxis connect`).
  void AddAddress(const std::string& address, FoundBy how, Millis now,
                  std::optional<Id> member = std::nullopt);
  // The machine slept (the wall clock jumped ahead of the monotonic one):
  // retry every address now and probe every link.
  void Wake(Millis now);
  // Fires whatever timers are due.
  void Tick(Millis now);
  // The port this node listens on, told to peers in the hello (known only
  // once bound, which may come after Open).
  void set_listen_port(std::uint32_t port) { opts_.listen_port = port; }
  void set_own_log_hooks(OwnLogHooks hooks) { own_hooks_ = std::move(hooks); }
  void set_invite_hooks(InviteHooks hooks) { invite_hooks_ = std::move(hooks); }
  // Held announcements this node no longer serves (denied after they were
  // stored): never sent for a graft, a want or catch-up.
  void set_withhold(std::function<bool(const Announcement&)> fn) { withhold_ = std::move(fn); }
  // Sends a join held outside the logs (InviteBook) to `member` if linked.
  bool SendJoin(const Id& member, const std::string& envelope);
  // Installs the protocol that shares the links (not owned; null: none).
  // Links already up are reported to it at once.
  void set_extension(LinkProtocol* ext, Millis now);
  // Provably bad input seen by the extension: close the link and refuse its
  // member for `ban_for`.
  void PunishLink(LinkId link, const std::string& why, Millis now);
  // Dials `member` at an address learnt for it (peer exchange, inbound hello),
  // beyond the active target: the extension needs that peer (it holds a
  // resource being fetched). False when no address is known or it is banned;
  // true when linked already or a dial started.
  bool DialMember(const Id& member, Millis now);
  // The earliest time Tick has something to do.
  Millis NextDeadline() const;

  // ---- introspection ----
  std::vector<LinkInfo> Links() const;
  std::size_t link_count() const { return links_.size(); }
  std::size_t eager_count() const;
  // Whether a link to `member` said in its hello that it is a seed. Seeds
  // keep open groups' content for members who can only dial out; joining
  // an open group is free, so serving its content to a self-declared seed
  // gives nobody anything they could not have had.
  bool LinkedSeed(const Id& member) const;
  bool IsEager(LinkId link) const;  // eager for every source
  bool IsEagerFor(LinkId link, const Id& root) const;
  bool Banned(const Id& member, Millis now) const;
  std::size_t passive_count() const { return passive_.size(); }
  std::size_t dialing_count() const { return dialing_.size(); }
  const GossipCounters& counters() const { return counters_; }
  // Entries and cap of every table a peer can make grow: what the
  // adversarial tests and the operator's metrics watch.
  struct TableSize {
    const char* name;
    std::size_t entries;
    std::size_t cap;
  };
  std::vector<TableSize> TableSizes() const;
  // When a peer's digest last showed nothing this node lacks (0: never).
  Millis last_in_sync() const { return last_in_sync_; }
  const LogIndex& log_index() const { return index_; }
  // Largest per-link table sizes (for cap checks in adversarial tests).
  std::size_t max_link_table() const;

 private:
  struct Cursor {  // catch-up: stream this log from `next` up to `last`
    Id author, group;
    std::uint64_t next = 0, last = 0;
  };
  struct Link {
    LinkId id = 0;
    Id member;
    std::string remote;
    std::string dialable;  // where this member can be dialled, if known
    bool inbound = false;
    FoundBy found = FoundBy::kInbound;
    Millis since = 0;
    Millis last_received = 0;
    Millis ping_sent = 0;  // 0: none outstanding
    bool hello_received = false;
    bool seed = false;  // said so in its hello
    // Plumtree keeps one tree per source: the authors whose announcements
    // this link carries lazily (advertisements only); every other author's
    // go eagerly. Bounded: the oldest entry goes (that author is eager again).
    std::unordered_set<Id, IdHash> lazy_roots;
    std::deque<Id> lazy_order;
    std::vector<std::uint64_t> ihave_queue;  // to advertise at ihave_due
    Millis ihave_due = 0;
    std::size_t missing_first = 0;  // entries of missing_ this link advertised first
    std::size_t wants_queued = 0;   // entries of wants_ for this link
    std::deque<Cursor> cursors;
    std::unordered_set<Id, IdHash> heads_sent;                       // groups whose heads we sent
    std::unordered_map<Id, wire::GroupHeads, IdHash> heads_partial;  // frames so far
    std::size_t heads_partial_logs = 0;
  };
  struct Known {  // one passive-set entry
    std::optional<Id> member;
    FoundBy found = FoundBy::kExchange;
    Millis next_try = 0;
    Millis backoff = 0;
    bool permanent_failure = false;
  };

  Gossip(Ingestor& ingestor, storage::Store& store, GossipTransport& transport, const Id& self,
         GossipOptions opts, LogIndex index);

  // Frames.
  void Send(Link& l, const wire::PeerMessage& m);
  void SendHello(Link& l);
  void OnHello(Link& l, const wire::Hello& h, Millis now);
  void OnDigest(Link& l, const wire::GroupDigest& d);
  void OnHeads(Link& l, const wire::GroupHeads& h, Millis now);
  void ReconcileGroup(Link& l, const Id& group, const wire::GroupHeads& theirs);
  void SendHeads(Link& l, const Id& group, bool answer = false);
  void OnDelivery(Link& l, wire::Delivery d, Millis now);
  void Judged(Link* l, const wire::Delivery& d, const IngestOutcome& o, Millis now);
  void OnIHave(Link& l, const wire::IHave& m, Millis now);
  void OnGraft(Link& l, const wire::Graft& m);
  void OnWant(Link& l, const wire::Want& w);
  void OnExchange(Link& l, const wire::PeerExchange& x, Millis now);
  void OnForkProof(Link& l, const wire::ForkProof& p, Millis now);
  void OnInviteNotice(Link& l, const wire::InviteNotice& n, Millis now);
  // Invites held here for the link's member into groups it has not joined.
  void SendInvites(Link& l);
  // A new invite: its invitee hears of it at once if linked.
  void NotifyInvitee(const Announcement& invite);
  void Punish(Link& l, const std::string& why, Millis now);
  void Drop(Link& l, const Status& why);

  // Dissemination.
  void Accepted(const Announcement& a, const Announcement* original);
  void Forward(const Announcement& a, const Announcement* original, std::optional<LinkId> from,
               std::uint32_t hops, Millis now);
  void Remember(const Id& id);
  void SetLazy(Link& l, const Id& root);
  static void SetEager(Link& l, const Id& root);
  static std::uint64_t ShortId(const Id& id);
  void Repair(Millis now);    // grafts what advertisers promised and nobody sent
  void AskWants(Millis now);  // asks for dependencies still missing
  wire::Delivery DeliveryOf(const Announcement& a, const Announcement* original) const;
  bool InScope(const Link& l, const Id& log_group);
  // A join widens an invite-only group's scope: reconcile it with the links
  // that are now in it.
  void ScopeWidened(const Announcement& a);
  void SendForkProof(const Id& author, const Id& group, std::uint64_t seq);

  // Catch-up.
  void SendDigest(Link& l, bool answer = false, bool sync = false);
  void Stream(Link& l);

  // Membership.
  void MaintainActive(Millis now);
  bool WantsDials() const;
  void Rotate(Millis now);
  bool Dialable(const std::string& address, const Known& k, Millis now) const;
  void AddKnown(const std::string& address, FoundBy how, Millis now, std::optional<Id> member);
  void Persist(Millis now);
  void LoadKnown();
  void SendExchange(Link& l);
  Link* FindLink(LinkId id);

  Ingestor& ingestor_;
  storage::Store& store_;
  GossipTransport& transport_;
  Id self_;
  GossipOptions opts_;
  LogIndex index_;
  std::mt19937_64 rng_;
  GossipCounters counters_;

  std::map<LinkId, Link> links_;
  std::unordered_map<Id, LinkId, IdHash> by_member_;
  std::map<std::string, Known> passive_;         // by address
  std::map<std::string, Millis> dialing_;        // address -> when dialled
  std::unordered_map<Id, Millis, IdHash> bans_;  // member -> refused until
  std::set<std::string> persisted_;
  bool passive_dirty_ = false;
  Millis last_persist_ = 0;
  Millis next_shuffle_ = 0;
  Millis next_sync_ = 0;
  Millis next_rotate_ = 0;
  std::string rotating_;  // the address dialled to replace a link, until it answers
  std::unordered_map<Id, Millis, IdHash> group_changed_;  // log group -> last new announcement
  Millis now_ = 0;                                        // time of the event being handled
  Millis last_in_sync_ = 0;

  // Set while an IngestBatch for a link runs, so the accepted hook knows
  // where the announcement came from.
  OwnLogHooks own_hooks_;
  InviteHooks invite_hooks_;
  std::function<bool(const Announcement&)> withhold_;
  bool Withheld(const Announcement& a) const { return withhold_ && withhold_(a); }
  LinkProtocol* ext_ = nullptr;
  ParallelFor pf_;
  // Short ids (the first 8 bytes of an id) of recent ids, to recognise
  // advertisements of what is held and to answer grafts.
  std::unordered_map<std::uint64_t, Id> recent_;
  std::deque<std::uint64_t> recent_order_;
  // Advertised and not held: who advertised it (in order) and when to graft
  // from the next of them. `missing_order_` holds (deadline, short id) in
  // time order; entries whose deadline moved on are skipped.
  struct Missing {
    Millis deadline = 0;
    Millis advertised_at = 0;
    bool grafted = false;
    std::vector<LinkId> advertisers;
    LinkId first = 0;
  };
  // How late eager copies come after their advertisement, smoothed with its
  // mean deviation (as TCP's retransmission timer): under load, queues make
  // the tree slower than the advertisements, and a graft timer shorter than
  // that delay only fetches duplicates. Rising queues must lengthen it at
  // once, hence the deviation term. Graft and want timers are the larger of
  // their defaults and Lateness() = mean + 4 deviations.
  double late_eager_ms_ = 0;
  double late_dev_ms_ = 0;
  // The link that last pushed (eagerly, not as a reply) an announcement of
  // each author, and when: while that parent keeps delivering, a late reply
  // to a graft does not add a second parent (a cycle, then duplicates and
  // prunes that shake the tree under load).
  struct Parent {
    LinkId link = 0;
    Millis at = 0;
  };
  std::unordered_map<Id, Parent, IdHash> parent_of_;
  bool ParentAlive(const Id& author, LinkId except, Millis now) const;
  // Replies that came first since the parent last did, by author.
  std::unordered_map<Id, std::uint32_t, IdHash> slow_parent_;
  // `to` becomes the author's parent here; the old one is pruned.
  void MoveParent(const Id& author, Link& to, Millis now);
  // Records `link` as the author's parent (the table is bounded).
  void SetParent(const Id& author, LinkId link, Millis now);
  // Ids that came as replies to grafts: their later eager copy is a
  // duplicate from a working parent, not a cycle, so it is not pruned.
  std::unordered_set<Id, IdHash> by_reply_;
  std::deque<Id> by_reply_order_;
  Millis Lateness() const;
  Millis GraftTimeout() const;
  std::unordered_map<std::uint64_t, Missing> missing_;
  mutable std::deque<std::pair<Millis, std::uint64_t>> missing_order_;  // NextDeadline trims it
  // Dependencies of deferred announcements, asked for after want_delay if
  // still missing (the tree usually brings them first).
  struct PendingWant {
    Millis at;
    LinkId link;
    Id id;
  };
  std::deque<PendingWant> wants_;
  // Where each deferred announcement came from: when its dependency arrives
  // it is forwarded like any other, not back to the link that sent it.
  struct Origin {
    LinkId link;
    std::uint32_t hops;
  };
  std::unordered_map<Id, Origin, IdHash> deferred_from_;
  std::deque<Id> deferred_order_;
  struct Inbound {
    LinkId link;
    wire::Delivery d;
  };
  std::vector<Inbound> inbox_;
  // Per-author ingest rate (GossipOptions::author_rate), and the short ids of
  // pushes deferred by it: advertisements of those are not grafted (that
  // would fetch the flood again); catch-up brings them when it is quiet.
  AuthorBuckets author_buckets_{0, 0};
  std::unordered_set<std::uint64_t> limited_;
  std::deque<std::uint64_t> limited_order_;
  // While Flush runs, what the ingestor accepted (forwarded after the batch,
  // from the link each came from).
  bool flushing_ = false;
  std::unordered_map<Id, std::pair<Announcement, std::optional<Announcement>>, IdHash>
      batch_accepted_;
  std::size_t accepted_listener_ = 0;
  std::optional<LinkId> ingest_from_;
  std::uint32_t ingest_hops_ = 0;
};

}  // namespace praxis::node
