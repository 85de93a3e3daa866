#include "praxis/node/gossip.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "gossip_internal.h"
#include "praxis/crypto/crypto.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;
namespace keys = storage::keys;
using K = IngestOutcome::Kind;
using namespace gossip_internal;

const char* FoundByName(FoundBy f) {
  switch (f) {
    case FoundBy::kSeed:
      return "seed";
    case FoundBy::kLan:
      return "lan";
    case FoundBy::kExchange:
      return "exchange";
    case FoundBy::kInbound:
      return "inbound";
    case FoundBy::kManual:
      return "manual";
  }
  return "?";
}

Result<std::unique_ptr<Gossip>> Gossip::Open(Ingestor& ingestor, storage::Store& store,
                                             GossipTransport& transport, const Id& self,
                                             GossipOptions opts, Millis now) {
  auto index = LogIndex::Load(store);
  if (!index) return Err(index.error());
  std::unique_ptr<Gossip> g(
      new Gossip(ingestor, store, transport, self, std::move(opts), std::move(*index)));
  g->now_ = now;
  g->last_persist_ = now;
  g->next_shuffle_ = now + g->opts_.shuffle_every;
  g->next_rotate_ = g->opts_.rotate_every ? now + g->opts_.rotate_every : ~Millis{0};
  g->next_sync_ = now + g->opts_.sync_every;
  g->LoadKnown();
  return g;
}

Gossip::Gossip(Ingestor& ingestor, storage::Store& store, GossipTransport& transport,
               const Id& self, GossipOptions opts, LogIndex index)
    : ingestor_(ingestor),
      store_(store),
      transport_(transport),
      self_(self),
      opts_(std::move(opts)),
      index_(std::move(index)),
      rng_(opts_.rng_seed ? opts_.rng_seed : randombytes_random() * 0x100000001ull) {
  accepted_listener_ = ingestor_.AddAcceptedListener(
      [this](const Announcement& a, const Announcement* original) { Accepted(a, original); });
  author_buckets_ = AuthorBuckets(
      opts_.author_rate, opts_.author_burst > 0 ? opts_.author_burst : 10 * opts_.author_rate);
}

Gossip::~Gossip() { ingestor_.RemoveAcceptedListener(accepted_listener_); }

// ---------------------------------------------------------------- links

bool Gossip::OnLinkUp(LinkId link, const Id& member, const std::string& remote, bool inbound,
                      const std::string& dialed, Millis now) {
  now_ = now;
  if (!dialed.empty()) dialing_.erase(dialed);
  // Whatever becomes of it, the rotation's dial has answered.
  const bool rotation = !inbound && !rotating_.empty() && dialed == rotating_;
  if (rotation) rotating_.clear();
  auto refuse = [&](const Status& why) {
    ++counters_.refused_links;
    spdlog::debug("refusing link to {} ({}): {}", member.Short(), remote, why.message());
    transport_.Close(link, why);
    return false;
  };
  if (member == self_) {
    if (auto it = passive_.find(dialed); it != passive_.end()) it->second.permanent_failure = true;
    return refuse(Status::InvalidArgument("that address is this node"));
  }
  if (Banned(member, now))
    return refuse(Status::FailedPrecondition("refused for a while after bad input"));
  if (by_member_.count(member)) return refuse(Status::AlreadyExists("already linked"));

  Link l;
  l.id = link;
  l.member = member;
  l.remote = remote;
  l.inbound = inbound;
  l.since = now;
  l.last_received = now;
  if (!dialed.empty()) {
    Known& k = passive_[dialed];
    k.member = member;
    k.backoff = 0;
    k.next_try = 0;
    l.dialable = dialed;
    l.found = k.found;
  }
  if (inbound && links_.size() >= opts_.max_active) {
    // Full: tell the dialler where else to go, then close (HyParView's
    // answer to a join it cannot take).
    wire::PeerMessage x;
    auto* ex = x.mutable_exchange();
    for (const auto& [addr, k] : passive_) {
      if (ex->peers_size() >= static_cast<int>(kExchangeSent)) break;
      if (k.permanent_failure || (k.member && *k.member == member)) continue;
      auto* p = ex->add_peers();
      p->set_address(addr);
      if (k.member) p->set_member(k.member->Str());
    }
    transport_.Send(link, Encode(x));
    wire::PeerMessage bye;
    bye.mutable_bye()->set_reason("full");
    transport_.Send(link, Encode(bye));
    return refuse(Status::FailedPrecondition("no free slot"));
  }
  auto [it, _] = links_.emplace(link, std::move(l));
  by_member_[member] = link;
  if (rotation) {
    // The replacement is up: one older outbound link makes room for it.
    std::vector<Link*> older;
    for (auto& [id, other] : links_)
      if (id != link && !other.inbound) older.push_back(&other);
    if (links_.size() > opts_.active_target && !older.empty())
      Drop(*older[rng_() % older.size()], Status::Cancelled("rotated out for a new peer"));
  }
  spdlog::info("peer up {} {} ({})", member.Short(), remote, inbound ? "inbound" : "outbound");
  SendHello(it->second);
  SendDigest(it->second);
  SendExchange(it->second);
  if (ext_) ext_->OnLinkUp(link, member, now);
  SendInvites(it->second);
  if (invite_hooks_.joins_for)
    for (const std::string& env : invite_hooks_.joins_for(member)) SendJoin(member, env);
  return true;
}

void Gossip::OnLinkDown(LinkId link, Millis now) {
  now_ = now;
  auto it = links_.find(link);
  if (it == links_.end()) return;
  spdlog::info("peer down {}", it->second.member.Short());
  by_member_.erase(it->second.member);
  links_.erase(it);
  if (ext_) ext_->OnLinkDown(link, now);
}

void Gossip::set_extension(LinkProtocol* ext, Millis now) {
  ext_ = ext;
  if (ext_)
    for (const auto& [id, l] : links_) ext_->OnLinkUp(id, l.member, now);
}

void Gossip::PunishLink(LinkId link, const std::string& why, Millis now) {
  if (Link* l = FindLink(link)) Punish(*l, why, now);
}

Gossip::Link* Gossip::FindLink(LinkId id) {
  auto it = links_.find(id);
  return it == links_.end() ? nullptr : &it->second;
}

void Gossip::Punish(Link& l, const std::string& why, Millis now) {
  ++counters_.invalid;
  spdlog::warn("peer {} ({}) sent bad input, refusing it for {} s: {}", l.member.Short(), l.remote,
               opts_.ban_for / 1000, why);
  if (bans_.size() >= opts_.max_bans) {
    // Drop the ban that ends first: the table stays bounded under a flood of
    // fresh identities.
    auto first = std::min_element(bans_.begin(), bans_.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
    bans_.erase(first);
  }
  bans_[l.member] = now + opts_.ban_for;
  Drop(l, Status::Protocol(why));
}

void Gossip::Drop(Link& l, const Status& why) {
  // Forget the link before the transport hears of it: frames it still
  // delivers from this link are ignored, and `l` is gone when this returns.
  const LinkId id = l.id;
  by_member_.erase(l.member);
  links_.erase(id);
  transport_.Close(id, why);
  if (ext_) ext_->OnLinkDown(id, now_);
}

bool Gossip::Banned(const Id& member, Millis now) const {
  auto it = bans_.find(member);
  return it != bans_.end() && it->second > now;
}

// ---------------------------------------------------------------- frames

void Gossip::Send(Link& l, const wire::PeerMessage& m) { transport_.Send(l.id, Encode(m)); }

void Gossip::OnFrame(LinkId link, std::string_view frame, Millis now) {
  now_ = now;
  Link* l = FindLink(link);
  if (!l) return;
  l->last_received = now;
  l->ping_sent = 0;
  wire::PeerMessage m;
  if (!m.ParseFromArray(frame.data(), static_cast<int>(frame.size())))
    return Punish(*l, "peer message does not parse", now);
  switch (m.msg_case()) {
    case wire::PeerMessage::kHello:
      return OnHello(*l, m.hello(), now);
    case wire::PeerMessage::kDigest:
      return OnDigest(*l, m.digest());
    case wire::PeerMessage::kHeads:
      return OnHeads(*l, m.heads(), now);
    case wire::PeerMessage::kDelivery:
      return OnDelivery(*l, std::move(*m.mutable_delivery()), now);
    case wire::PeerMessage::kIhave:
      return OnIHave(*l, m.ihave(), now);
    case wire::PeerMessage::kGraft:
      return OnGraft(*l, m.graft());
    case wire::PeerMessage::kPrune: {
      auto root = Id::FromBytes(m.prune().root());
      if (!root) return Punish(*l, "prune without a 32-byte root", now);
      SetLazy(*l, *root);
      // It stops pushing this author here too: no longer a parent.
      if (auto p = parent_of_.find(*root); p != parent_of_.end() && p->second.link == l->id)
        parent_of_.erase(p);
      return;
    }
    case wire::PeerMessage::kWant:
      return OnWant(*l, m.want());
    case wire::PeerMessage::kExchange:
      return OnExchange(*l, m.exchange(), now);
    case wire::PeerMessage::kFork:
      return OnForkProof(*l, m.fork(), now);
    case wire::PeerMessage::kPing: {
      wire::PeerMessage pong;
      pong.mutable_pong()->set_nonce(m.ping().nonce());
      return Send(*l, pong);
    }
    case wire::PeerMessage::kPong:
      return;  // last_received already moved
    case wire::PeerMessage::kHaveQuery:
    case wire::PeerMessage::kHaveReply:
    case wire::PeerMessage::kChunkRequest:
    case wire::PeerMessage::kChunkReply:
      if (ext_) return ext_->OnMessage(link, m, now);
      ++counters_.unknown_frames;
      return;
    case wire::PeerMessage::kInvite:
      return OnInviteNotice(*l, m.invite(), now);
    case wire::PeerMessage::kBye:
      spdlog::debug("peer {} says bye: {}", l->member.Short(), m.bye().reason().substr(0, 200));
      return;
    default:
      // A newer peer's message type: counted and skipped (DESIGN §4).
      ++counters_.unknown_frames;
      return;
  }
}

void Gossip::SendHello(Link& l) {
  wire::PeerMessage m;
  auto* h = m.mutable_hello();
  h->set_listen_port(opts_.listen_port);
  h->set_advertise(opts_.advertise);
  h->set_role(opts_.seed ? 1 : 0);
  Send(l, m);
}

void Gossip::OnHello(Link& l, const wire::Hello& h, Millis now) {
  if (l.hello_received) return Punish(l, "second hello", now);
  if (h.listen_port() > 65535) return Punish(l, "hello listen port out of range", now);
  l.hello_received = true;
  l.seed = h.role() == 1;
  std::string dialable;
  if (!h.advertise().empty() && PlausibleAddress(h.advertise()))
    dialable = h.advertise();
  else if (h.listen_port() != 0)
    dialable = HostOf(l.remote) + ":" + std::to_string(h.listen_port());
  if (!dialable.empty() && l.dialable.empty()) {
    l.dialable = dialable;
    AddKnown(dialable, l.inbound ? FoundBy::kInbound : l.found, now, l.member);
  }
}

std::vector<Gossip::TableSize> Gossip::TableSizes() const {
  std::size_t wants_cap = 0, lazy = 0, lazy_cap = 0, cursors = 0, cursors_cap = 0;
  for (const auto& [id, l] : links_) {
    wants_cap += opts_.max_wants_per_link;
    lazy += l.lazy_roots.size();
    lazy_cap += opts_.max_lazy_roots;
    cursors += l.cursors.size();
    cursors_cap += opts_.max_cursors_per_link;
  }
  // Outbound dials in flight may complete after inbound filled the slots.
  return {{"links", links_.size(), opts_.max_active + opts_.max_dialing},
          {"passive", passive_.size(), opts_.max_passive},
          {"bans", bans_.size(), opts_.max_bans},
          {"missing", missing_.size(), opts_.max_missing},
          {"recent", recent_.size(), opts_.short_window},
          {"wants", wants_.size(), wants_cap},
          {"lazy_roots", lazy, lazy_cap},
          {"cursors", cursors, cursors_cap},
          {"deferred_from", deferred_from_.size(), opts_.max_missing},
          {"pending", ingestor_.pending(), ingestor_.max_pending()},
          {"failed_signatures", ingestor_.failed_remembered(), ingestor_.max_failed()}};
}

bool Gossip::LinkedSeed(const Id& member) const {
  auto it = by_member_.find(member);
  return it != by_member_.end() && links_.at(it->second).seed;
}

// ---------------------------------------------------------------- dissemination

bool Gossip::InScope(const Link& l, const Id& log_group) {
  // Invite-only groups replicate among their members only (DESIGN §4).
  const GroupState* g = ingestor_.Group(log_group);
  if (!g || !g->genesis.invite_only()) return true;
  if (l.member == g->creator) return true;
  auto head = ingestor_.Head(l.member, log_group);
  return head && head->member;
}

// The first 8 bytes of the id. The same on every link, so a node can tell
// that two peers advertise the same announcement and graft from one of them
// (docs/design-notes.md: why not per-link keyed ids). Ids are BLAKE2b
// outputs: making one whose first 8 bytes equal a given id's takes ~2^64
// hashes, so a short id cannot be aimed at someone else's announcement.
std::uint64_t Gossip::ShortId(const Id& id) {
  std::uint64_t out;
  std::memcpy(&out, id.bytes.data(), sizeof out);
  return out;
}

void Gossip::Remember(const Id& id) {
  const std::uint64_t sid = ShortId(id);
  if (auto m = missing_.find(sid); m != missing_.end()) {
    // Came after its advertisement (by the tree, or by a graft's answer).
    const double late = static_cast<double>(now_ - m->second.advertised_at);
    late_dev_ms_ += (std::abs(late - late_eager_ms_) - late_dev_ms_) / 4;
    late_eager_ms_ += (late - late_eager_ms_) / 8;
    if (Link* first = FindLink(m->second.first); first && first->missing_first)
      --first->missing_first;
    missing_.erase(m);
  }
  if (!recent_.emplace(sid, id).second) return;
  recent_order_.push_back(sid);
  if (recent_order_.size() > opts_.short_window) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

wire::Delivery Gossip::DeliveryOf(const Announcement& a, const Announcement* original) const {
  wire::Delivery d;
  d.set_envelope(a.envelope);
  if (original) {
    d.set_original(original->envelope);
  } else if (a.kind == wire::KIND_REPUBLISH) {
    wire::Republish r;
    if (r.ParseFromString(a.body))
      if (auto oid = Id::FromBytes(r.original()))
        if (auto o = ingestor_.Find(*oid); o && *o) d.set_original((*o)->envelope);
  }
  return d;
}

void Gossip::ScopeWidened(const Announcement& a) {
  if (a.kind != wire::KIND_JOIN || !a.group) return;
  const GroupState* g = ingestor_.Group(*a.group);
  if (!g || !g->genesis.invite_only()) return;
  for (auto& [id, l] : links_) {
    if (!(a.author == self_ || a.author == l.member) || !InScope(l, *a.group)) continue;
    // Theirs may have come (and been dropped as out of scope) before this
    // join arrived: ask for them again.
    SendHeads(l, *a.group, /*answer=*/true);
  }
}

void Gossip::OnOwn(const Announcement& a, const Announcement* original, Millis now) {
  now_ = now;
  index_.Advance(a.author, a.LogGroup(), a.seq, a.id);
  ScopeWidened(a);
  NotifyInvitee(a);
  Forward(a, original, std::nullopt, 0, now);
}

void Gossip::Accepted(const Announcement& a, const Announcement* original) {
  index_.Advance(a.author, a.LogGroup(), a.seq, a.id);
  ScopeWidened(a);
  NotifyInvitee(a);
  if (flushing_) {
    batch_accepted_.try_emplace(a.id, a, original ? std::optional(*original) : std::nullopt);
    return;
  }
  const std::uint32_t hops = ingest_from_ ? ingest_hops_ : 0;
  if (ingest_from_) {
    ++counters_.delivered;
    counters_.hops_total += hops;
  }
  Forward(a, original, ingest_from_, hops, now_);
}

void Gossip::Forward(const Announcement& a, const Announcement* original,
                     std::optional<LinkId> from, std::uint32_t hops, Millis now) {
  const Id group = a.LogGroup();
  group_changed_[group] = now;
  Remember(a.id);
  std::string frame;  // encoded once, sent to every eager link
  std::vector<Link*> lazy;
  for (auto& [id, l] : links_) {
    if (id == from || !InScope(l, group)) continue;
    if (l.lazy_roots.count(a.author)) {
      lazy.push_back(&l);
      continue;
    }
    if (frame.empty()) {
      wire::PeerMessage m;
      *m.mutable_delivery() = DeliveryOf(a, original);
      m.mutable_delivery()->set_hops(hops);
      frame = Encode(m);
    }
    transport_.Send(id, frame);
    ++counters_.pushes_sent;
  }
  // Lazy advertisements go to a few random lazy links, not all: the tree
  // carries the payload; these only let a node cut off from it notice.
  if (lazy.size() > opts_.lazy_fanout) {
    std::shuffle(lazy.begin(), lazy.end(), rng_);
    lazy.resize(opts_.lazy_fanout);
  }
  for (Link* l : lazy) {
    if (l->ihave_queue.empty()) l->ihave_due = now + opts_.ihave_delay;
    l->ihave_queue.push_back(ShortId(a.id));
  }
}

void Gossip::OnDelivery(Link& l, wire::Delivery d, Millis now) {
  if (author_buckets_.enabled() && !d.reply()) {
    // Replies (grafts, wants, catch-up) are paced by what we asked for;
    // eager pushes are where a valid key can flood.
    auto a = ParseAnnouncement(d.envelope());
    if (a && !author_buckets_.Take(a->author, now)) {
      ++counters_.rate_limited;
      const std::uint64_t sid = ShortId(a->id);
      if (limited_.insert(sid).second) {
        limited_order_.push_back(sid);
        if (limited_order_.size() > opts_.short_window) {
          limited_.erase(limited_order_.front());
          limited_order_.pop_front();
        }
      }
      return;
    }
  }
  inbox_.push_back({l.id, std::move(d)});
  if (inbox_.size() >= opts_.max_batch) Flush(now);
}

void Gossip::Flush(Millis now) {
  if (inbox_.empty() || flushing_) return;
  now_ = now;
  std::vector<Inbound> batch = std::move(inbox_);
  inbox_.clear();
  std::vector<RawDelivery> raw(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i)
    raw[i] = {batch[i].d.envelope(), batch[i].d.original()};
  flushing_ = true;
  auto outcomes = ingestor_.IngestBatch(raw, storage::Durability::kWal, pf_);
  flushing_ = false;
  auto accepted = std::move(batch_accepted_);
  batch_accepted_.clear();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Link* l = FindLink(batch[i].link);  // null if it went away (or was punished) meanwhile
    const IngestOutcome& o = outcomes[i];
    if (o.kind == K::kAccepted) {
      auto it = accepted.find(o.id);
      if (it == accepted.end()) continue;
      const std::uint32_t hops = batch[i].d.hops() + 1;
      ++counters_.delivered;
      counters_.hops_total += hops;
      const auto& [a, original] = it->second;
      if (batch[i].d.reply()) author_buckets_.Charge(a.author, now);
      if (l && batch[i].d.reply()) {
        // A reply we asked for (a graft): this link joins the source's tree,
        // unless the parent it has is still delivering (the graft only
        // outran a queue) and has not lost to the advertisements several
        // times in a row (then it is the slower path: move).
        if (slow_parent_.size() >= opts_.short_window && !slow_parent_.count(a.author))
          slow_parent_.clear();  // bounded, like parent_of_
        const bool stay = ParentAlive(a.author, l->id, now) &&
                          ++slow_parent_[a.author] < opts_.slow_parent_strikes;
        if (!stay) MoveParent(a.author, *l, now);
        if (by_reply_.insert(a.id).second) {
          by_reply_order_.push_back(a.id);
          if (by_reply_order_.size() > opts_.short_window) {
            by_reply_.erase(by_reply_order_.front());
            by_reply_order_.pop_front();
          }
        }
      } else if (l) {
        SetParent(a.author, l->id, now);
      }
      Forward(a, original ? &*original : nullptr, batch[i].link, hops, now);
      accepted.erase(it);
      continue;
    }
    Judged(l, batch[i].d, o, now);
  }
  // What the batch unblocked from the pending set came from earlier frames:
  // forwarded from the link that sent it then.
  for (const auto& [id, entry] : accepted) {
    std::optional<LinkId> from;
    std::uint32_t hops = 0;
    if (auto it = deferred_from_.find(id); it != deferred_from_.end()) {
      from = it->second.link;
      hops = it->second.hops;
      ++counters_.delivered;
      counters_.hops_total += hops;
      deferred_from_.erase(it);
    }
    Forward(entry.first, entry.second ? &*entry.second : nullptr, from, hops, now);
  }
}

void Gossip::Judged(Link* l, const wire::Delivery& d, const IngestOutcome& o, Millis now) {
  switch (o.kind) {
    case K::kAccepted:
      break;
    case K::kDuplicate:
      ++counters_.duplicates;
      if (!l) break;
      if (!d.reply() && !by_reply_.count(o.id)) {
        // Plumtree: a second eager copy means a cycle in this source's tree
        // (unless the first copy was a reply to a graft).
        // Prune even if this end is lazy already: the sender still thinks
        // the link eager (a graft and a prune crossed).
        auto parsed = ParseAnnouncement(d.envelope());
        if (!parsed) break;
        SetLazy(*l, parsed->author);
        wire::PeerMessage m;
        m.mutable_prune()->set_root(parsed->author.Str());
        Send(*l, m);
        ++counters_.prunes_sent;
      }
      break;
    case K::kInvalid:
      if (l)
        Punish(*l, "invalid announcement: " + o.reason, now);  // counts it
      else
        ++counters_.invalid;
      break;
    case K::kDeferred: {
      ++counters_.deferred;
      if (l && deferred_from_.emplace(o.id, Origin{l->id, d.hops() + 1}).second) {
        deferred_order_.push_back(o.id);
        if (deferred_order_.size() > opts_.max_missing) {
          deferred_from_.erase(deferred_order_.front());
          deferred_order_.pop_front();
        }
      }
      // Out of order is normal on a tree with several paths in flight: ask
      // the sender for the dependency only if it is still missing a little
      // later (AskWants), and only for it.
      if (!l || !o.waiting_for || l->wants_queued >= opts_.max_wants_per_link) break;
      ++l->wants_queued;
      wants_.push_back({now + std::max(opts_.want_delay, Lateness()), l->id, *o.waiting_for});
      break;
    }
    case K::kOutOfScope:
      ++counters_.out_of_scope;
      break;
    case K::kFork: {
      ++counters_.forks;
      if (auto parsed = ParseAnnouncement(d.envelope())) {
        spdlog::warn("fork: {} signed two announcements at seq {} (log frozen)",
                     parsed->author.Short(), parsed->seq);
        index_.Freeze(parsed->author, parsed->LogGroup());
        SendForkProof(parsed->author, parsed->LogGroup(), parsed->seq);
      }
      break;
    }
  }
}

void Gossip::SendForkProof(const Id& author, const Id& group, std::uint64_t seq) {
  auto proof = store_.Get(Column::kForks, keys::Log(author, group, seq));
  if (!proof || !*proof) return;
  wire::PeerMessage m;
  if (!m.mutable_fork()->ParseFromString(**proof)) return;
  std::string frame = Encode(m);
  for (auto& [id, l] : links_)
    if (InScope(l, group)) transport_.Send(id, frame);
}

void Gossip::OnForkProof(Link& l, const wire::ForkProof& p, Millis now) {
  // The ingestor judges the two envelopes like any others: the second one of
  // a true fork comes out as kFork, and a forged "proof" as invalid.
  Flush(now);  // what came before the proof is judged first
  std::array<RawDelivery, 2> raw{RawDelivery{p.first(), ""}, RawDelivery{p.second(), ""}};
  ingest_from_ = l.id;
  ingest_hops_ = 0;
  auto outcomes = ingestor_.IngestBatch(raw, storage::Durability::kWal);
  ingest_from_.reset();
  for (const auto& o : outcomes) {
    if (o.kind == K::kInvalid) return Punish(l, "invalid fork proof: " + o.reason, now);
    if (o.kind == K::kFork) {
      ++counters_.forks;
      if (auto parsed = ParseAnnouncement(p.second())) {
        index_.Freeze(parsed->author, parsed->LogGroup());
        SendForkProof(parsed->author, parsed->LogGroup(), parsed->seq);
      }
    }
  }
}

void Gossip::OnIHave(Link& l, const wire::IHave& m, Millis now) {
  for (std::uint64_t sid : m.short_ids()) {
    if (recent_.count(sid)) continue;  // held (or just sent on)
    if (limited_.count(sid)) continue;  // deferred to catch-up: no graft
    auto it = missing_.find(sid);
    if (it != missing_.end()) {
      // Another advertiser of the same announcement: next in line to graft.
      auto& ads = it->second.advertisers;
      if (ads.size() < 8 && std::find(ads.begin(), ads.end(), l.id) == ads.end())
        ads.push_back(l.id);
      continue;
    }
    if (l.missing_first >= opts_.max_missing_per_link || missing_.size() >= opts_.max_missing)
      break;  // the rest is ignored: the tree or catch-up brings it
    Missing& e = missing_[sid];
    e.advertised_at = now;
    e.deadline = now + GraftTimeout();
    e.advertisers.push_back(l.id);
    e.first = l.id;
    ++l.missing_first;
    missing_order_.emplace_back(e.deadline, sid);
  }
}

void Gossip::Repair(Millis now) {
  std::map<LinkId, wire::PeerMessage> grafts;
  while (!missing_order_.empty() && missing_order_.front().first <= now) {
    auto [deadline, sid] = missing_order_.front();
    missing_order_.pop_front();
    auto it = missing_.find(sid);
    if (it == missing_.end() || it->second.deadline != deadline) continue;  // arrived or moved
    Missing& e = it->second;
    // Graft from the first advertiser still linked; the next one gets its
    // turn one timeout later if this one does not deliver (Plumtree).
    LinkId from = 0;
    while (!e.advertisers.empty() && !from) {
      if (links_.count(e.advertisers.front())) from = e.advertisers.front();
      e.advertisers.erase(e.advertisers.begin());
    }
    if (!from) {
      if (Link* first = FindLink(e.first); first && first->missing_first) --first->missing_first;
      missing_.erase(it);
      continue;
    }
    grafts[from].mutable_graft()->add_short_ids(sid);
    e.grafted = true;
    e.deadline = now + GraftTimeout();
    missing_order_.emplace_back(e.deadline, sid);
  }
  // The link turns eager for the source once the grafted announcement (and
  // with it its author) arrives: see Flush.
  for (auto& [id, m] : grafts) {
    Link& l = links_.at(id);
    counters_.grafts_sent += m.graft().short_ids_size();
    Send(l, m);
  }
}

void Gossip::AskWants(Millis now) {
  std::map<LinkId, wire::PeerMessage> asks;
  while (!wants_.empty() && wants_.front().at <= now) {
    PendingWant w = wants_.front();
    wants_.pop_front();
    Link* l = FindLink(w.link);
    if (!l) continue;
    if (l->wants_queued) --l->wants_queued;
    if (recent_.count(ShortId(w.id)) || ingestor_.Held(w.id)) continue;  // came meanwhile
    auto& m = asks[w.link];
    bool dup = false;
    for (const auto& have : m.want().ids()) dup |= have == w.id.View();
    if (!dup) m.mutable_want()->add_ids(w.id.Str());
  }
  for (auto& [id, m] : asks) Send(links_.at(id), m);
}

Millis Gossip::Lateness() const {
  constexpr double kMaxMs = 10'000;
  return static_cast<Millis>(std::min(late_eager_ms_ + 4 * late_dev_ms_, kMaxMs));
}

void Gossip::SetParent(const Id& author, LinkId link, Millis now) {
  if (parent_of_.size() >= opts_.short_window && !parent_of_.count(author))
    parent_of_.clear();  // bounded; it refills from the next pushes
  parent_of_[author] = {link, now};
  slow_parent_.erase(author);
}

void Gossip::MoveParent(const Id& author, Link& to, Millis now) {
  if (auto p = parent_of_.find(author); p != parent_of_.end() && p->second.link != to.id)
    if (Link* old = FindLink(p->second.link)) {
      // Stop the old parent's copies: they would all be duplicates now.
      SetLazy(*old, author);
      wire::PeerMessage prune;
      prune.mutable_prune()->set_root(author.Str());
      Send(*old, prune);
      ++counters_.prunes_sent;
    }
  SetParent(author, to.id, now);
  SetEager(to, author);
  wire::PeerMessage join;
  join.mutable_graft()->add_roots(author.Str());
  Send(to, join);
}

bool Gossip::ParentAlive(const Id& author, LinkId except, Millis now) const {
  auto it = parent_of_.find(author);
  if (it == parent_of_.end() || it->second.link == except) return false;
  auto l = links_.find(it->second.link);
  if (l == links_.end() || l->second.lazy_roots.count(author)) return false;
  return now - it->second.at < 2 * GraftTimeout();
}

Millis Gossip::GraftTimeout() const { return std::max(opts_.graft_timeout, Lateness()); }

void Gossip::OnGraft(Link& l, const wire::Graft& m) {
  for (std::uint64_t sid : m.short_ids()) {
    auto it = recent_.find(sid);
    if (it == recent_.end()) continue;
    auto a = ingestor_.Find(it->second);
    if (!a || !*a || !InScope(l, (*a)->LogGroup()) || Withheld(**a)) continue;
    wire::PeerMessage reply;
    *reply.mutable_delivery() = DeliveryOf(**a, nullptr);
    reply.mutable_delivery()->set_reply(true);
    Send(l, reply);
    ++counters_.replies_sent;
  }
  std::size_t n = 0;
  for (const auto& root : m.roots()) {
    if (++n > kMaxWantIds) break;
    if (auto author = Id::FromBytes(root)) SetEager(l, *author);
  }
}

void Gossip::OnWant(Link& l, const wire::Want& w) {
  std::size_t n = 0;
  for (const auto& id_bytes : w.ids()) {
    if (++n > kMaxWantIds) break;
    auto id = Id::FromBytes(id_bytes);
    if (!id || !ingestor_.Held(*id)) continue;
    auto a = ingestor_.Find(*id);
    if (!a || !*a || !InScope(l, (*a)->LogGroup()) || Withheld(**a)) continue;
    wire::PeerMessage reply;
    *reply.mutable_delivery() = DeliveryOf(**a, nullptr);
    reply.mutable_delivery()->set_reply(true);
    Send(l, reply);
    ++counters_.replies_sent;
  }
  for (const auto& pos : w.after()) {
    auto author = Id::FromBytes(pos.author());
    auto group = Id::FromBytes(pos.log_group());
    if (!author || !group || !InScope(l, *group)) continue;
    const LogIndex::Group* g = index_.Find(*group);
    if (!g) continue;
    auto it = g->logs.find(*author);
    if (it == g->logs.end() || it->second.seq <= pos.seq()) continue;
    if (l.cursors.size() >= opts_.max_cursors_per_link) break;
    l.cursors.push_back({*author, *group, pos.seq() + 1, it->second.seq});
  }
  Stream(l);
}

// ---------------------------------------------------------------- timers

void Gossip::Tick(Millis now) {
  Flush(now);
  now_ = now;
  std::vector<std::pair<LinkId, Status>> to_close;
  for (auto& [id, l] : links_) {
    // Idle: ping, then give up exactly at the deadline.
    if (now >= l.last_received + opts_.idle_timeout) {
      to_close.emplace_back(id, Status::TimedOut("idle timeout"));
      continue;
    }
    if (now >= l.last_received + opts_.ping_after && !l.ping_sent) {
      wire::PeerMessage m;
      m.mutable_ping()->set_nonce(rng_());
      Send(l, m);
      l.ping_sent = now;
    }
    // Lazy advertisements, batched.
    if (!l.ihave_queue.empty() && now >= l.ihave_due) {
      for (std::size_t i = 0; i < l.ihave_queue.size(); i += kIHavePerFrame) {
        wire::PeerMessage m;
        auto* ids = m.mutable_ihave()->mutable_short_ids();
        std::size_t end = std::min(l.ihave_queue.size(), i + kIHavePerFrame);
        ids->Add(l.ihave_queue.begin() + static_cast<std::ptrdiff_t>(i),
                 l.ihave_queue.begin() + static_cast<std::ptrdiff_t>(end));
        counters_.ihave_ids_sent += end - i;
        Send(l, m);
      }
      l.ihave_queue.clear();
    }
  }
  for (auto& [id, why] : to_close) {
    spdlog::info("closing idle link to {}", links_.at(id).member.Short());
    Drop(links_.at(id), why);
  }
  Repair(now);
  AskWants(now);
  MaintainActive(now);
  if (now >= next_sync_) {
    // Anti-entropy: whatever the tree and its repair missed (a lost lazy
    // advertisement, a dependency asked of a peer that then left) is found
    // by comparing fingerprints with one random peer now and then.
    next_sync_ = now + opts_.sync_every;
    std::vector<Link*> ready;
    for (auto& [id, l] : links_)
      if (l.hello_received) ready.push_back(&l);
    if (!ready.empty()) SendDigest(*ready[rng_() % ready.size()], /*answer=*/true, /*sync=*/true);
  }
  if (now >= next_shuffle_) {
    // Keeps passive sets fresh: addresses learnt at connect time age, and
    // nodes that joined later are heard of only this way.
    next_shuffle_ = now + opts_.shuffle_every;
    if (!links_.empty()) {
      auto it = links_.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng_() % links_.size()));
      SendExchange(it->second);
    }
  }
  if (now >= next_rotate_) {
    next_rotate_ = now + opts_.rotate_every;
    Rotate(now);
  }
  if (passive_dirty_ && now >= last_persist_ + opts_.persist_every) Persist(now);
  if (ext_) ext_->Tick(now);
}

Millis Gossip::NextDeadline() const {
  Millis next = ~Millis{0};
  for (const auto& [id, l] : links_) {
    next = std::min(next, l.last_received + opts_.idle_timeout);
    if (!l.ping_sent) next = std::min(next, l.last_received + opts_.ping_after);
    if (!l.ihave_queue.empty()) next = std::min(next, l.ihave_due);
  }
  // Entries whose id arrived (or whose deadline moved) are dropped from the
  // front here, so this stays O(1) amortised however often it is asked.
  while (!missing_order_.empty()) {
    auto [deadline, sid] = missing_order_.front();
    auto it = missing_.find(sid);
    if (it != missing_.end() && it->second.deadline == deadline) {
      next = std::min(next, deadline);
      break;
    }
    missing_order_.pop_front();
  }
  if (!wants_.empty()) next = std::min(next, wants_.front().at);
  if (WantsDials())
    for (const auto& [addr, k] : passive_)
      if (Dialable(addr, k, now_)) next = std::min(next, std::max(k.next_try, now_));
  if (passive_dirty_) next = std::min(next, last_persist_ + opts_.persist_every);
  if (!links_.empty()) next = std::min({next, next_shuffle_, next_sync_, next_rotate_});
  if (ext_) next = std::min(next, ext_->NextDeadline());
  return next;
}

// ---------------------------------------------------------------- introspection

std::vector<LinkInfo> Gossip::Links() const {
  std::vector<LinkInfo> out;
  for (const auto& [id, l] : links_)
    out.push_back({id, l.member, l.dialable.empty() ? l.remote : l.dialable, l.inbound,
                   l.inbound ? FoundBy::kInbound : l.found, l.since, l.lazy_roots.empty()});
  return out;
}

std::size_t Gossip::eager_count() const {
  return static_cast<std::size_t>(std::count_if(
      links_.begin(), links_.end(), [](const auto& e) { return e.second.lazy_roots.empty(); }));
}

bool Gossip::IsEager(LinkId link) const {
  auto it = links_.find(link);
  return it != links_.end() && it->second.lazy_roots.empty();
}

bool Gossip::IsEagerFor(LinkId link, const Id& root) const {
  auto it = links_.find(link);
  return it != links_.end() && !it->second.lazy_roots.count(root);
}

void Gossip::SetLazy(Link& l, const Id& root) {
  if (!l.lazy_roots.insert(root).second) return;
  l.lazy_order.push_back(root);
  if (l.lazy_order.size() > opts_.max_lazy_roots) {
    l.lazy_roots.erase(l.lazy_order.front());
    l.lazy_order.pop_front();
  }
}

void Gossip::SetEager(Link& l, const Id& root) {
  // lazy_order keeps the id; it is skipped (erased again, harmlessly) when it
  // reaches the front.
  l.lazy_roots.erase(root);
}

std::size_t Gossip::max_link_table() const {
  std::size_t m = 0;
  for (const auto& [id, l] : links_)
    m = std::max({m, l.missing_first, l.wants_queued, l.cursors.size(), l.ihave_queue.size()});
  return m;
}

}  // namespace praxis::node
