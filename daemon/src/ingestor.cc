#include "praxis/node/ingestor.h"

#include <algorithm>
#include <set>

#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

namespace keys = storage::keys;
using storage::Column;
using K = IngestOutcome::Kind;

std::string RetractedKey(const Id& id) { return "retracted:" + id.Str(); }
std::string SupersededKey(const Id& id) { return "superseded:" + id.Str(); }

const char* OutcomeName(IngestOutcome::Kind k) {
  switch (k) {
    case K::kAccepted:
      return "accepted";
    case K::kDuplicate:
      return "duplicate";
    case K::kDeferred:
      return "deferred";
    case K::kInvalid:
      return "invalid";
    case K::kOutOfScope:
      return "out of scope";
    case K::kFork:
      return "fork";
  }
  return "?";
}

namespace {

IngestOutcome Outcome(K kind, const Id& id, std::string reason = {},
                      std::optional<Id> waiting = std::nullopt) {
  return IngestOutcome{kind, id, std::move(reason), waiting};
}

std::string HeadKey(const Id& author, const Id& log_group) {
  return keys::LogPrefix(author, log_group);
}

// kLogs value: id | created | kind — enough to rebuild a log head (and the
// author's membership) without reading envelopes.
std::string LogValue(const Announcement& a) {
  std::string v(a.id.View());
  keys::AppendU64(v, a.created);
  keys::AppendU32(v, a.kind);
  return v;
}

void AdvanceHead(LogHead& h, const Id& id, std::uint64_t seq, std::uint64_t created,
                 std::uint32_t kind) {
  h.seq = seq;
  h.id = id;
  h.created = created;
  if (kind == wire::KIND_GENESIS || kind == wire::KIND_JOIN) h.member = true;
  if (kind == wire::KIND_LEAVE) h.member = false;
}

constexpr std::uint32_t kMaxThreshold = 100000;

bool TagsOk(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  return CheckTags(tags).ok();
}

}  // namespace

Status CheckTags(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  if (static_cast<std::size_t>(tags.size()) > kMaxTags)
    return Status::InvalidArgument("more than " + std::to_string(kMaxTags) + " tags");
  for (const auto& t : tags) {
    if (t.empty()) return Status::InvalidArgument("empty tag");
    if (t.size() > kMaxTag)
      return Status::InvalidArgument("tag longer than " + std::to_string(kMaxTag) + " bytes");
  }
  return Status::OK();
}

Status CheckShareFields(const wire::Share& s) {
  auto too_long = [](const char* field, std::size_t limit) {
    return Status::InvalidArgument(std::string(field) + " longer than " + std::to_string(limit) +
                                   " bytes");
  };
  if (s.title().size() > kMaxName) return too_long("title", kMaxName);
  if (s.filename().size() > kMaxName) return too_long("file name", kMaxName);
  if (s.description().size() > kMaxText) return too_long("description", kMaxText);
  return CheckTags(s.tags());
}

Ingestor::Ingestor(storage::Store& store, IngestorOptions opts)
    : store_(store), opts_(std::move(opts)) {
  if (!opts_.now_ms) {
    opts_.now_ms = [] {
      return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
    };
  }
}

Result<std::unique_ptr<Ingestor>> Ingestor::Open(storage::Store& store, IngestorOptions opts) {
  std::unique_ptr<Ingestor> ing(new Ingestor(store, std::move(opts)));
  if (Status s = ing->Rebuild(); !s.ok()) return Err(s);
  return ing;
}

Status Ingestor::Reset() {
  staged_.clear();
  return Rebuild();
}

// Derived state is never the only copy (DESIGN §6): replay every held
// envelope. Groups first, so every other announcement finds its group.
Status Ingestor::Rebuild() {
  groups_.clear();
  heads_.clear();
  sharers_by_tag_.clear();
  held_by_author_.clear();
  held_by_group_.clear();
  accepted_total_ = 0;
  std::vector<Announcement> rest;
  Status parse_error;
  Status s = store_.Scan(Column::kEnvelopes, "", [&](std::string_view, std::string_view v) {
    auto a = ParseAnnouncement(v);
    if (!a) {
      parse_error = Status::Corruption("stored envelope does not parse: " + a.error().message());
      return false;
    }
    a->verified = true;  // checked before it was stored
    ++accepted_total_;
    if (a->kind == wire::KIND_GENESIS)
      Track(*a, nullptr);
    else
      rest.push_back(std::move(*a));
    return true;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  for (const auto& a : rest) {
    std::optional<Announcement> original;
    if (a.kind == wire::KIND_REPUBLISH) {
      wire::Republish r;
      if (ParseBody(a, r))
        if (auto id = Id::FromBytes(r.original()))
          if (auto o = Find(*id); o && *o) original = std::move(**o);
    }
    Track(a, original ? &*original : nullptr);
  }
  // Forks found earlier keep their logs frozen.
  return store_.Scan(Column::kForks, "", [&](std::string_view k, std::string_view) {
    auto author = *Id::FromBytes(k.substr(0, 32));
    auto group = *Id::FromBytes(k.substr(32, 32));
    std::uint64_t seq = keys::LogSeq(k);
    if (auto it = groups_.find(group); it != groups_.end())
      it->second.engine->FreezeLog(author, group, seq);
    return true;
  });
}

Result<std::optional<std::string>> Ingestor::GetEnvelope(const Id& id) {
  if (auto it = staged_.find(id); it != staged_.end()) return std::optional(it->second);
  return store_.Get(Column::kEnvelopes, id.View());
}

bool Ingestor::Held(const Id& id) {
  auto e = GetEnvelope(id);
  return e && e->has_value();
}

Result<std::optional<Announcement>> Ingestor::Find(const Id& id) {
  auto e = GetEnvelope(id);
  if (!e) return Err(e.error());
  if (!*e) {
    e = store_.Get(Column::kOriginals, id.View());
    if (!e) return Err(e.error());
    if (!*e) return std::optional<Announcement>();
  }
  auto a = ParseAnnouncement(**e);
  if (!a)
    return Err(Status::Corruption("stored envelope " + id.Hex() + ": " + a.error().message()));
  a->verified = true;
  return std::optional<Announcement>(std::move(*a));
}

Result<LogHead> Ingestor::Head(const Id& author, const Id& log_group) {
  std::string key = HeadKey(author, log_group);
  if (auto it = heads_.find(key); it != heads_.end()) return it->second;
  LogHead h;
  Status s = store_.Scan(Column::kLogs, key, [&](std::string_view k, std::string_view v) {
    if (v.size() < 44) return true;
    AdvanceHead(h, *Id::FromBytes(v.substr(0, 32)), keys::LogSeq(k), keys::ReadU64(v.substr(32)),
                keys::ReadU32(v.substr(40)));
    return true;
  });
  if (!s.ok()) return Err(s);
  s = store_.Scan(Column::kForks, key, [&](std::string_view k, std::string_view) {
    h.frozen_at = keys::LogSeq(k);
    return false;  // the first fork freezes the log
  });
  if (!s.ok()) return Err(s);
  heads_.emplace(std::move(key), h);
  return h;
}

const GroupState* Ingestor::Group(const Id& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second;
}

IngestOutcome Ingestor::Apply(const Announcement& a, const Announcement* original,
                              storage::WriteSet& ws) {
  return ApplyChecked(a, original, ws, /*store_checked=*/false);
}

IngestOutcome Ingestor::ApplyChecked(const Announcement& a, const Announcement* original,
                                     storage::WriteSet& ws, bool store_checked) {
  if (!a.verified) return Outcome(K::kInvalid, a.id, "signature not verified");
  if (store_checked) {
    // The caller found it absent from the store moments ago on this thread;
    // only this batch's own staging can hold it now.
    if (staged_.count(a.id)) return Outcome(K::kDuplicate, a.id);
  } else {
    auto held = GetEnvelope(a.id);
    if (!held) return Outcome(K::kDeferred, a.id, "store read failed: " + held.error().message());
    if (*held) return Outcome(K::kDuplicate, a.id);
  }
  if (refuse_ && (refuse_(a) || (original && refuse_(*original))))
    return Outcome(K::kOutOfScope, a.id, "refused by this node's deny list");
  if (auto why = OverCap(a)) return Outcome(K::kOutOfScope, a.id, *why);
  if (a.created > opts_.now_ms() + opts_.max_future_ms)
    return Outcome(K::kDeferred, a.id, "dated more than 15 minutes ahead of this node's clock");

  const Id log_group = a.LogGroup();
  auto head_or = Head(a.author, log_group);
  if (!head_or)
    return Outcome(K::kDeferred, a.id, "store read failed: " + head_or.error().message());
  LogHead head = *head_or;
  if (head.frozen_at && a.seq >= head.frozen_at)
    return Outcome(K::kOutOfScope, a.id, "log frozen at a proven fork");
  if (a.seq <= head.seq) {
    auto existing = store_.Get(Column::kLogs, keys::Log(a.author, log_group, a.seq));
    if (!existing || !*existing || (*existing)->size() < 32) {
      // Staged in this batch but not yet written: look it up among staged.
      for (const auto& [id, env] : staged_) {
        auto s = ParseAnnouncement(env);
        if (s && s->author == a.author && s->LogGroup() == log_group && s->seq == a.seq)
          return Fork(a, s->id, ws);
      }
      return Outcome(K::kDeferred, a.id, "log entry unreadable");
    }
    return Fork(a, *Id::FromBytes(std::string_view(**existing).substr(0, 32)), ws);
  }
  if (a.seq > head.seq + 1 || (a.seq > 1 && *a.prev != head.id))
    return Outcome(K::kDeferred, a.id, "previous announcement in this log not held yet", a.prev);
  if (a.created < head.created)
    return Outcome(K::kInvalid, a.id, "created goes backwards along the author's log");

  std::optional<Announcement> held_original;
  IngestOutcome checked = CheckBody(a, original, head, held_original);
  if (checked.kind != K::kAccepted) return checked;

  const Announcement* orig = original ? original : (held_original ? &*held_original : nullptr);
  Stage(a, original, orig, ws);
  LogHead& h = heads_[HeadKey(a.author, log_group)];
  h = head;
  AdvanceHead(h, a.id, a.seq, a.created, a.kind);
  Track(a, orig);
  ++accepted_total_;
  return Outcome(K::kAccepted, a.id);
}

IngestOutcome Ingestor::CheckBody(const Announcement& a, const Announcement* original,
                                  const LogHead& head, std::optional<Announcement>& held_original) {
  auto invalid = [&](std::string why) { return Outcome(K::kInvalid, a.id, std::move(why)); };
  if (a.kind == wire::KIND_GENESIS) {
    wire::Genesis g;
    if (!ParseBody(a, g)) return invalid("genesis body does not parse");
    if (g.name().empty() || g.name().size() > kMaxName)
      return invalid("group name empty or too long");
    if (g.description().size() > kMaxText) return invalid("group description too long");
    if (!TagsOk(g.tags())) return invalid("bad group tags");
    if (g.min_republishers() > kMaxThreshold || g.min_outside() > kMaxThreshold)
      return invalid("threshold out of range");
    return Outcome(K::kAccepted, a.id);
  }
  if (a.kind == wire::KIND_PROFILE) {
    wire::Profile p;
    if (!ParseBody(a, p) || p.name().size() > kMaxName || p.about().size() > kMaxText)
      return invalid("bad profile body");
    return Outcome(K::kAccepted, a.id);
  }

  auto git = groups_.find(*a.group);
  if (git == groups_.end())
    return Outcome(K::kDeferred, a.id, "group genesis not held yet", *a.group);
  const GroupState& g = git->second;
  if (a.created < g.created) return invalid("dated before the group's genesis");
  const bool member = head.member;

  switch (a.kind) {
    case wire::KIND_JOIN: {
      wire::Join j;
      if (!ParseBody(a, j)) return invalid("join body does not parse");
      if (!g.genesis.invite_only()) break;
      auto invite_id = Id::FromBytes(j.invite());
      if (!invite_id) return invalid("join of an invite-only group names no invite");
      auto inv = Find(*invite_id);
      if (!inv) return Outcome(K::kDeferred, a.id, "store read failed");
      if (!*inv) return Outcome(K::kDeferred, a.id, "invite not held yet", *invite_id);
      wire::Invite ib;
      if ((*inv)->kind != wire::KIND_INVITE || (*inv)->group != a.group || !ParseBody(**inv, ib) ||
          ib.invitee() != a.author.View())
        return invalid("join names an invite that does not admit its author");
      break;
    }
    case wire::KIND_LEAVE:
      if (!member) return invalid("leave by a non-member");
      break;
    case wire::KIND_INVITE: {
      wire::Invite i;
      if (!ParseBody(a, i) || !Id::FromBytes(i.invitee())) return invalid("bad invite body");
      if (!member) return invalid("invite by a non-member");
      break;
    }
    case wire::KIND_SHARE: {
      wire::Share s;
      if (!ParseBody(a, s)) return invalid("share body does not parse");
      if (!Id::FromBytes(s.root())) return invalid("share root is not 32 bytes");
      if (Status bad = CheckShareFields(s); !bad.ok()) return invalid(bad.message());
      if (!s.supersedes().empty()) {
        auto old_id = Id::FromBytes(s.supersedes());
        if (!old_id) return invalid("supersedes is not 32 bytes");
        auto old = Find(*old_id);
        if (!old) return Outcome(K::kDeferred, a.id, "store read failed");
        if (*old && ((*old)->author != a.author || (*old)->kind != wire::KIND_SHARE))
          return invalid("supersedes something that is not the author's own share");
      }
      if (!member) return invalid("share by a non-member of the group");
      break;
    }
    case wire::KIND_REPUBLISH: {
      wire::Republish r;
      if (!ParseBody(a, r)) return invalid("republish body does not parse");
      auto oid = Id::FromBytes(r.original());
      if (!oid) return invalid("republish original is not 32 bytes");
      if (!member) return invalid("republish by a non-member of the group");
      if (!original || original->id != *oid) {
        auto found = Find(*oid);
        if (!found) return Outcome(K::kDeferred, a.id, "store read failed");
        if (!*found) {
          if (original) return invalid("attached original does not match the republish");
          return Outcome(K::kDeferred, a.id, "republished share not held yet", *oid);
        }
        held_original = std::move(*found);
        original = &*held_original;
      }
      if (!original->verified) return invalid("attached original not verified");
      if (original->kind != wire::KIND_SHARE) return invalid("republish of something not a share");
      if (a.created < original->created) return invalid("republish dated before its original");
      auto og = groups_.find(*original->group);
      if (og == groups_.end())
        return Outcome(K::kDeferred, a.id, "original's group not held yet", *original->group);
      if (og->second.genesis.invite_only() && *original->group != *a.group)
        return invalid("a share of an invite-only group cannot be republished outside it");
      break;
    }
    case wire::KIND_RETRACT: {
      wire::Retract r;
      if (!ParseBody(a, r) || !Id::FromBytes(r.target())) return invalid("bad retract body");
      // Unknown targets are fine: the tombstone waits for them.
      auto target = Find(*Id::FromBytes(r.target()));
      if (!target) return Outcome(K::kDeferred, a.id, "store read failed");
      if (*target && (*target)->author != a.author)
        return invalid("retract of another author's announcement");
      break;
    }
    default:
      // A kind this node does not know: header-level rules only (DESIGN §3).
      if (!member) return invalid("announcement by a non-member of the group");
      break;
  }
  return Outcome(K::kAccepted, a.id);
}

void Ingestor::Stage(const Announcement& a, const Announcement* attached,
                     const Announcement* original, storage::WriteSet& ws) {
  const Id log_group = a.LogGroup();
  ws.Put(Column::kEnvelopes, a.id.Str(), a.envelope);
  ws.Put(Column::kLogs, keys::Log(a.author, log_group, a.seq), LogValue(a));
  std::string kind;
  keys::AppendU32(kind, a.kind);
  ws.Put(Column::kGroupIndex, keys::GroupIndex(log_group, a.created, a.id), kind);
  if (a.kind == wire::KIND_SHARE) {
    wire::Share s;
    if (ParseBody(a, s)) {
      ws.Put(Column::kByRoot, keys::Pair(*Id::FromBytes(s.root()), a.id), "");
      if (!s.supersedes().empty())
        ws.Put(Column::kMeta, SupersededKey(*Id::FromBytes(s.supersedes())), a.id.Str());
    }
  }
  if (a.kind == wire::KIND_RETRACT) StageRetract(a, ws);
  if (a.kind == wire::KIND_REPUBLISH && original) {
    ws.Put(Column::kRepublishes, keys::Pair(original->id, a.id), a.author.Str());
    // The original is kept beside the log indexes, never inside them.
    if (attached && !Held(original->id))
      ws.Put(Column::kOriginals, original->id.Str(), original->envelope);
  }
  staged_.emplace(a.id, a.envelope);
}

std::optional<std::string> Ingestor::OverCap(const Announcement& a) {
  auto at_cap = [](const auto& held, const Id& key, std::uint64_t cap) {
    if (!cap) return false;
    auto it = held.find(key);
    return it != held.end() && it->second >= cap;
  };
  if (at_cap(held_by_author_, a.author, opts_.max_per_author)) {
    ++capped_by_author_;
    return "its author holds this node's cap of " + std::to_string(opts_.max_per_author) +
           " announcements (max_author_announcements)";
  }
  if (at_cap(held_by_group_, a.LogGroup(), opts_.max_per_group)) {
    ++capped_by_group_;
    return "its group holds this node's cap of " + std::to_string(opts_.max_per_group) +
           " announcements (max_group_announcements)";
  }
  return std::nullopt;
}

void Ingestor::Track(const Announcement& a, const Announcement* original) {
  ++held_by_author_[a.author];
  ++held_by_group_[a.LogGroup()];
  if (a.kind == wire::KIND_GENESIS) {
    GroupState g;
    g.id = a.id;
    g.creator = a.author;
    g.created = a.created;
    ParseBody(a, g.genesis);
    GroupRules rules{.group = a.id, .genesis_author = a.author, .genesis_created = a.created};
    if (g.genesis.min_republishers()) rules.min_republishers = g.genesis.min_republishers();
    if (g.genesis.min_outside()) rules.min_outside = g.genesis.min_outside();
    g.engine = std::make_unique<StageEngine>(rules);
    groups_.emplace(a.id, std::move(g));
    return;
  }
  if (!a.group) return;
  if (a.kind == wire::KIND_INVITE) {
    wire::Invite i;
    auto it = groups_.find(*a.group);
    if (it != groups_.end() && ParseBody(a, i))
      if (auto invitee = Id::FromBytes(i.invitee())) it->second.invites[*invitee] = a.id;
    return;
  }
  StageEvent e;
  e.id = a.id;
  e.author = a.author;
  e.group = *a.group;
  e.created = a.created;
  e.seq = a.seq;
  switch (a.kind) {
    case wire::KIND_JOIN:
      e.type = StageEvent::Type::kJoin;
      break;
    case wire::KIND_LEAVE:
      e.type = StageEvent::Type::kLeave;
      break;
    case wire::KIND_SHARE:
      e.type = StageEvent::Type::kShare;
      break;
    case wire::KIND_REPUBLISH:
      if (!original || !original->group) return;
      e.type = StageEvent::Type::kRepublish;
      e.original = original->id;
      e.original_author = original->author;
      e.original_group = *original->group;
      e.original_created = original->created;
      break;
    default:
      return;  // unknown kinds and the rest do not bear on stages
  }
  if (auto it = groups_.find(e.group); it != groups_.end()) {
    GroupState& g = it->second;
    g.engine->Insert(e);
    if (a.kind == wire::KIND_SHARE) {
      ++g.shares;
      if (!g.genesis.invite_only()) CountSharer(a, g);
    }
    if (a.kind == wire::KIND_REPUBLISH) ++g.republishes;
  }
  if (e.type == StageEvent::Type::kRepublish && e.original_group != e.group)
    if (auto it = groups_.find(e.original_group); it != groups_.end()) it->second.engine->Insert(e);
}

void Ingestor::CountSharer(const Announcement& a, const GroupState& g) {
  wire::Share s;
  if (!ParseBody(a, s)) return;
  std::set<std::string> tags(g.genesis.tags().begin(), g.genesis.tags().end());
  tags.insert(s.tags().begin(), s.tags().end());
  for (const auto& t : tags) ++sharers_by_tag_[t][a.author];
}

Result<bool> Ingestor::Retracted(const Id& id) {
  auto v = store_.Get(Column::kMeta, RetractedKey(id));
  if (!v) return Err(v.error());
  return v->has_value();
}

// Honest nodes obey a retraction (DESIGN §3): the tombstone stays, the
// content goes unless another live share names the same root.
void Ingestor::StageRetract(const Announcement& a, storage::WriteSet& ws) {
  wire::Retract r;
  if (!ParseBody(a, r)) return;
  const Id target_id = *Id::FromBytes(r.target());
  ws.Put(Column::kMeta, RetractedKey(target_id), a.id.Str());
  auto target = Find(target_id);
  wire::Share share;
  if (!target || !*target || (*target)->kind != wire::KIND_SHARE || !ParseBody(**target, share))
    return;
  const Id root = *Id::FromBytes(share.root());
  bool still_named = false;
  (void)store_.Scan(Column::kByRoot, root.Str(), [&](std::string_view k, std::string_view) {
    Id other = keys::PairSecond(k);
    if (other == target_id) return true;
    auto gone = Retracted(other);
    if (gone && !*gone) still_named = true;
    return !still_named;
  });
  if (still_named) return;
  auto freed = StageDrop(store_, root, ws);
  if (freed) last_dropped_bytes_ += *freed;
}

IngestOutcome Ingestor::Fork(const Announcement& a, const Id& existing, storage::WriteSet& ws) {
  if (existing == a.id) return Outcome(K::kDuplicate, a.id);
  auto first = GetEnvelope(existing);
  if (!first || !*first) return Outcome(K::kDeferred, a.id, "fork evidence unreadable");
  wire::ForkProof proof;
  proof.set_first(**first);
  proof.set_second(a.envelope);
  const Id log_group = a.LogGroup();
  ws.Put(Column::kForks, keys::Log(a.author, log_group, a.seq), SerializeBody(proof));
  LogHead& h = heads_[HeadKey(a.author, log_group)];
  if (!h.frozen_at || a.seq < h.frozen_at) h.frozen_at = a.seq;
  if (auto it = groups_.find(log_group); it != groups_.end())
    it->second.engine->FreezeLog(a.author, log_group, a.seq);
  return Outcome(K::kFork, a.id, "author signed two announcements at seq " + std::to_string(a.seq));
}

void Ingestor::Defer(const IngestOutcome& o, const Announcement& a, const Announcement* original) {
  if (!o.waiting_for || pending_count_ >= opts_.max_pending) return;
  auto& list = pending_[*o.waiting_for];
  for (const auto& p : list)
    if (p.a.id == a.id) return;
  list.push_back({a, original ? std::optional(*original) : std::nullopt});
  pending_ids_[a.id] = *o.waiting_for;
  ++pending_count_;
}

std::optional<Id> Ingestor::PendingFor(const Id& id, std::string_view envelope) const {
  auto it = pending_ids_.find(id);
  if (it == pending_ids_.end()) return std::nullopt;
  auto list = pending_.find(it->second);
  if (list == pending_.end()) return std::nullopt;
  for (const auto& p : list->second)
    if (p.a.id == id && p.a.envelope == envelope) return it->second;
  return std::nullopt;
}

std::vector<IngestOutcome> Ingestor::IngestBatch(std::span<const RawDelivery> batch,
                                                 storage::Durability durability,
                                                 const ParallelFor& pf) {
  std::vector<IngestOutcome> out(batch.size());
  struct Item {
    Result<Announcement> a = Err(Status::Protocol("unparsed"));
    std::optional<Announcement> original;
    bool skip = false;
    bool absent = false;  // the store was read and does not hold it
    std::optional<std::size_t> copy_of;  // same bytes as an earlier item of this batch
  };
  std::vector<Item> items(batch.size());

  // Parse, hash and verify: no writes to shared state, safe in parallel.
  auto prepare = [&](std::size_t i) {
    Item& it = items[i];
    it.a = ParseAnnouncement(batch[i].envelope);
    if (!it.a) return;
    if (!batch[i].original.empty()) {
      auto o = ParseAnnouncement(batch[i].original);
      if (o) {
        // A republish usually arrives after its original, which peers attach
        // anyway. What is held was verified before it was stored, so the same
        // bytes need no second signature check (the costliest step of all).
        // Safe here: staged_ is not written while `pf` runs, and the store is
        // thread-safe.
        auto held = GetEnvelope(o->id);
        if (held && *held && **held == batch[i].original)
          o->verified = true;
        else if (Status s = VerifyAnnouncement(*o); !s.ok())
          o = Err(s);
      }
      if (!o) {
        it.a = Err(Status::Protocol("attached original: " + o.error().message()));
        return;
      }
      it.original = std::move(*o);
    }
  };
  auto verify = [&](std::size_t i) {
    Item& it = items[i];
    if (it.a && !it.skip)
      if (Status s = VerifyAnnouncement(*it.a); !s.ok()) it.a = Err(s);
  };
  if (pf)
    pf(batch.size(), prepare);
  else
    for (std::size_t i = 0; i < batch.size(); ++i) prepare(i);

  // Skip verification of what is already held, already failed, already
  // waiting in the pending set, or a second copy within this batch (cheap
  // checks first): at saturation several peers deliver the same announcement
  // within one read, and a signature check costs more than everything else.
  std::unordered_map<Id, std::size_t, IdHash> first_copy;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Item& it = items[i];
    if (!it.a) continue;
    if (auto [f, fresh] = first_copy.try_emplace(it.a->id, i); !fresh) {
      if (batch[f->second].envelope == batch[i].envelope &&
          batch[f->second].original == batch[i].original) {
        it.copy_of = f->second;
        it.skip = true;
        continue;
      }
    }
    if (auto awaited = PendingFor(it.a->id, batch[i].envelope)) {
      out[i] = Outcome(K::kDeferred, it.a->id, "waiting for a dependency (already pending)");
      out[i].waiting_for = *awaited;
      it.skip = true;
      continue;
    }
    std::string fkey = it.a->id.Str() + it.a->signature;
    if (failed_.count(fkey)) {
      out[i] = Outcome(K::kInvalid, it.a->id, "bad signature (seen before)");
      it.skip = true;
      continue;
    }
    auto held = GetEnvelope(it.a->id);
    if (held && *held) {
      out[i] = Outcome(K::kDuplicate, it.a->id);
      it.skip = true;
    }
    it.absent = held && !*held;
  }
  if (pf)
    pf(batch.size(), verify);
  else
    for (std::size_t i = 0; i < batch.size(); ++i) verify(i);

  storage::WriteSet ws;
  std::vector<Id> accepted;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Item& it = items[i];
    if (it.copy_of) {
      const IngestOutcome& first = out[*it.copy_of];
      out[i] = first.ok() ? Outcome(K::kDuplicate, first.id) : first;
      continue;
    }
    if (it.skip) continue;
    if (!it.a) {
      out[i] = Outcome(K::kInvalid, Id{}, it.a.error().message());
      if (it.a.error().message() == "bad signature") {
        auto parsed = ParseAnnouncement(batch[i].envelope);
        if (parsed) {
          out[i].id = parsed->id;
          if (failed_.size() >= opts_.max_failed) {
            failed_.erase(failed_order_.front());
            failed_order_.pop_front();
          }
          std::string fkey = parsed->id.Str() + parsed->signature;
          if (failed_.insert(fkey).second) failed_order_.push_back(std::move(fkey));
        }
      }
      continue;
    }
    out[i] = ApplyChecked(*it.a, it.original ? &*it.original : nullptr, ws, it.absent);
    if (out[i].ok()) accepted.push_back(out[i].id);
    if (out[i].kind == K::kDeferred) Defer(out[i], *it.a, it.original ? &*it.original : nullptr);
  }
  // What this batch unblocked joins it (outcomes of retried items are not reported).
  const std::size_t direct = accepted.size();
  std::vector<Pending> unblocked;
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    auto node = pending_.extract(accepted[k]);
    if (node.empty()) continue;
    for (auto& p : node.mapped()) {
      --pending_count_;
      pending_ids_.erase(p.a.id);
      IngestOutcome o = Apply(p.a, p.original ? &*p.original : nullptr, ws);
      if (o.ok()) {
        accepted.push_back(o.id);
        if (!accepted_listeners_.empty()) unblocked.push_back(std::move(p));
      }
      if (o.kind == K::kDeferred) Defer(o, p.a, p.original ? &*p.original : nullptr);
    }
  }
  if (!ws.empty()) {
    if (Status s = store_.Write(ws, durability); !s.ok()) {
      for (auto& o : out)
        if (o.ok()) o = Outcome(K::kDeferred, o.id, "store write failed: " + s.message());
      (void)Reset();
      return out;
    }
  }
  Committed(accepted);
  if (!accepted_listeners_.empty() && direct) {
    // A listener may add or remove listeners: iterate over a copy.
    auto listeners = accepted_listeners_;
    for (const auto& [id, fn] : listeners) {
      for (std::size_t i = 0; i < batch.size(); ++i)
        if (out[i].ok()) fn(*items[i].a, items[i].original ? &*items[i].original : nullptr);
      for (const auto& p : unblocked) fn(p.a, p.original ? &*p.original : nullptr);
    }
  }
  return out;
}

}  // namespace praxis::node
