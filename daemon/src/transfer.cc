#include "praxis/node/transfer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "praxis/crypto/crypto.h"
#include "praxis/node/holdings.h"
#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;

namespace {

constexpr Millis kFetchTick = 200;          // fetch timers are checked this often
constexpr std::size_t kMaxAllowedCache = 1024;
constexpr std::size_t kChunkListCache = 8;

}  // namespace

Transfer::Transfer(storage::Store& store, GossipTransport& transport, Gossip& gossip,
                   AccessFn access, TransferOptions opts)
    : store_(store),
      transport_(transport),
      gossip_(gossip),
      access_(std::move(access)),
      opts_(std::move(opts)) {}

std::string Transfer::MemberName(LinkId link) const {
  auto it = links_.find(link);
  return it == links_.end() ? "?" : it->second.Short();
}

void Transfer::Send(LinkId link, const wire::PeerMessage& m) {
  transport_.Send(link, m.SerializeAsString());
}

// ---------------------------------------------------------------- fetching

Status Transfer::Fetch(const Id& root, Millis now, bool beyond_size_limit) {
  now_ = now;
  if (auto under_way = fetches_.find(root); under_way != fetches_.end()) {
    under_way->second.beyond_size_limit |= beyond_size_limit;
    return Status::OK();
  }
  auto held = HeldSize(store_, root);
  if (!held) return held.error();
  finished_.erase(root);
  FetchState f;
  f.progress.root = root;
  f.progress.started = now;
  f.beyond_size_limit = beyond_size_limit;
  f.last_holder = now;
  if (*held) {
    f.progress.done = true;
    f.progress.finished = now;
    f.progress.manifest_known = true;
    f.progress.size = f.progress.have_bytes = f.progress.resumed_bytes = **held;
    finished_.emplace(root, f.progress);
    finished_order_.push_back(root);
    return Status::OK();
  }
  // What an earlier attempt stored is taken as it is (resume).
  if (auto top = LoadManifest(store_, root); top) {
    Status s = TakeManifest(f, 0, "");
    if (!s.ok()) return s;
  }
  auto [it, _] = fetches_.emplace(root, std::move(f));
  spdlog::info("fetching {}{}", root.Short(),
               it->second.progress.resumed_bytes
                   ? " (resuming: " + HumanBytes(it->second.progress.resumed_bytes) + " stored)"
                   : "");
  if (MaybeDone(it->second, now)) return Status::OK();  // every piece was stored already
  Query(it->second, now);
  Schedule(it->second, now);
  return Status::OK();
}

const FetchProgress* Transfer::Progress(const Id& root) const {
  if (auto it = fetches_.find(root); it != fetches_.end()) return &it->second.progress;
  if (auto it = finished_.find(root); it != finished_.end()) return &it->second;
  return nullptr;
}

void Transfer::Forget(const Id& root) {
  if (!fetches_.count(root)) finished_.erase(root);
}

void Transfer::Query(FetchState& f, Millis now) {
  for (const auto& [link, member] : links_) {
    if (f.holders.count(link)) continue;
    auto it = f.asked.find(link);
    if (it != f.asked.end() && now < it->second + opts_.requery_every) continue;
    f.asked[link] = now;
    wire::PeerMessage m;
    m.mutable_have_query()->set_root(f.progress.root.Str());
    Send(link, m);
  }
}

void Transfer::OnHaveReply(LinkId link, const wire::HaveReply& r, Millis now) {
  auto root = Id::FromBytes(r.root());
  if (!root) return gossip_.PunishLink(link, "have reply without a 32-byte root", now);
  auto it = fetches_.find(*root);
  if (it == fetches_.end()) return;  // finished meanwhile
  FetchState& f = it->second;
  f.asked[link] = now;
  if (!r.held()) {
    if (r.refused()) {
      spdlog::debug("peer {} holds {} but does not serve it here", MemberName(link),
                    root->Short());
      if (!f.refused_at) f.refused_at = now;
    }
    return;
  }
  if (f.holders.emplace(link, Holder{opts_.window_start, 0}).second) {
    f.progress.holders = f.holders.size();
    f.last_holder = now;
  }
  Schedule(f, now);
}

// Index 0: the top manifest (data empty: it is already stored); k: the k-th
// sub-manifest.
Status Transfer::TakeManifest(FetchState& f, std::uint64_t index, std::string data) {
  const Id& root = f.progress.root;
  if (!data.empty()) {
    storage::WriteSet ws;
    const Id id = index == 0 ? root : *Id::FromBytes(f.top->children(static_cast<int>(index - 1)));
    ws.Put(Column::kManifests, id.Str(), data);
    PRAXIS_RETURN_IF_ERROR(store_.Write(ws, storage::Durability::kWal));
  }
  if (index == 0) {
    auto top = LoadManifest(store_, root);
    if (!top) return top.error();
    f.top = std::move(*top);
    f.progress.size = f.top->size();
    f.progress.manifest_known = true;
    PRAXIS_RETURN_IF_ERROR(CheckSpace(f));
    f.subs.assign(static_cast<std::size_t>(f.top->children_size()), std::nullopt);
    for (int k = 0; k < f.top->children_size(); ++k) {
      auto cid = Id::FromBytes(f.top->children(k));
      if (!cid) return Status::Corruption("manifest of " + root.Short() + " is malformed");
      if (auto sub = LoadManifest(store_, *cid)) f.subs[static_cast<std::size_t>(k)] = *sub;
    }
  } else {
    auto cid = Id::FromBytes(f.top->children(static_cast<int>(index - 1)));
    auto sub = LoadManifest(store_, *cid);
    if (!sub) return sub.error();
    f.subs[index - 1] = std::move(*sub);
  }
  for (const auto& s : f.subs)
    if (!s) return Status::OK();
  return Plan(f);
}

Status Transfer::Plan(FetchState& f) {
  const Id& root = f.progress.root;
  std::vector<Id> ids;
  auto add = [&](const wire::Manifest& m) -> Status {
    for (const auto& c : m.chunks()) {
      auto id = Id::FromBytes(c);
      if (!id) return Status::Corruption("manifest of " + root.Short() + " is malformed");
      ids.push_back(*id);
    }
    return Status::OK();
  };
  PRAXIS_RETURN_IF_ERROR(add(*f.top));
  for (const auto& s : f.subs) PRAXIS_RETURN_IF_ERROR(add(*s));
  const std::uint64_t size = f.top->size();
  // Rounded up without overflow: (size + kChunkSize - 1) wraps for a size
  // near 2^64, so a manifest claiming that size with no chunks passed.
  if (ids.size() != size / kChunkSize + (size % kChunkSize != 0))
    return Status::Corruption("manifest of " + root.Short() + " lists " +
                              std::to_string(ids.size()) + " chunks for " + std::to_string(size) +
                              " bytes");
  f.chunk_ids = std::move(ids);
  f.have.assign(f.chunk_ids.size(), false);
  f.progress.chunks = f.chunk_ids.size();
  for (std::uint64_t i = 0; i < f.chunk_ids.size(); ++i) {
    auto stored = ReadChunk(store_, f.chunk_ids[i]);
    if (stored) {
      f.have[i] = true;
      ++f.progress.have_chunks;
      f.progress.have_bytes += stored->size();
    } else {
      f.needed.insert(i);
    }
  }
  f.progress.resumed_bytes = f.progress.have_bytes;
  PRAXIS_RETURN_IF_ERROR(CheckSpace(f));
  f.progress.planned = true;
  return Status::OK();
}

Status Transfer::CheckSpace(const FetchState& f) const {
  const std::uint64_t size = f.progress.size;
  if (size > opts_.max_resource_size && !f.beyond_size_limit)
    return Status::FailedPrecondition(f.progress.root.Short() + " is " + HumanBytes(size) +
                                      ", over this node's limit of " +
                                      HumanBytes(opts_.max_resource_size) +
                                      " (max_resource_size)");
  if (!opts_.free_bytes) return Status::OK();
  auto free = opts_.free_bytes();
  if (!free) return free.error();
  const std::uint64_t left = size - std::min(size, f.progress.have_bytes);
  if (*free < left + opts_.keep_free)
    return Status::FailedPrecondition("not enough disk space for " + f.progress.root.Short() +
                                      ": it needs " + HumanBytes(left) + " more, " +
                                      HumanBytes(*free) + " free (keeping " +
                                      HumanBytes(opts_.keep_free) + " spare)");
  return Status::OK();
}

void Transfer::Schedule(FetchState& f, Millis now) {
  if (f.holders.empty()) return;
  auto ask = [&](LinkId link, Piece p) {
    wire::PeerMessage m;
    auto* q = m.mutable_chunk_request();
    q->set_root(f.progress.root.Str());
    q->set_index(p.index);
    q->set_manifest(p.manifest);
    Send(link, m);
    f.in_flight[p].push_back({link, now});
    ++f.holders[link].in_flight;
  };
  auto free_holder = [&](std::optional<LinkId> except = std::nullopt) -> std::optional<LinkId> {
    // The holder with the most room left in its window.
    std::optional<LinkId> best;
    std::size_t room = 0;
    for (const auto& [link, h] : f.holders)
      if (h.in_flight < h.window && h.window - h.in_flight > room && link != except) {
        room = h.window - h.in_flight;
        best = link;
      }
    return best;
  };
  // Manifests first: one request each, and a second one to another holder
  // when the first is slow to answer (everything waits on them).
  auto ask_manifest = [&](std::uint64_t k) {
    auto it = f.in_flight.find({true, k});
    if (it == f.in_flight.end()) {
      if (auto l = free_holder()) ask(*l, {true, k});
    } else if (it->second.size() == 1 && now >= it->second[0].sent + opts_.straggler_after) {
      if (auto l = free_holder(it->second[0].link)) ask(*l, {true, k});
    }
  };
  if (!f.top) return ask_manifest(0);
  if (f.chunk_ids.empty() && !f.subs.empty()) {
    for (std::uint64_t k = 1; k <= f.subs.size(); ++k)
      if (!f.subs[k - 1]) ask_manifest(k);
    return;
  }
  // Chunks: one per holder in turn, lowest index first, while windows (and
  // the download bucket) allow.
  Refill(now);
  const bool limited = opts_.max_download_rate > 0;
  bool progress = true;
  while (!f.needed.empty() && progress && !(limited && download_tokens_ < 0)) {
    progress = false;
    for (auto& [link, h] : f.holders) {
      if (f.needed.empty() || (limited && download_tokens_ < 0)) break;
      if (h.in_flight >= h.window) continue;
      const std::uint64_t index = *f.needed.begin();
      f.needed.erase(f.needed.begin());
      ask(link, {false, index});
      if (limited) download_tokens_ -= static_cast<double>(kChunkSize);
      progress = true;
    }
  }
  // End game: nothing left to ask but what is in flight. An idle holder asks
  // again for the oldest piece only one holder was asked for.
  if (!f.needed.empty()) return;
  for (auto& [link, h] : f.holders) {
    if (h.in_flight > 0) continue;
    const Piece* oldest = nullptr;
    Millis when = ~Millis{0};
    for (const auto& [p, reqs] : f.in_flight)
      if (reqs.size() == 1 && reqs[0].link != link && reqs[0].sent < when) {
        when = reqs[0].sent;
        oldest = &p;
      }
    if (!oldest) break;
    ask(link, *oldest);
  }
}

void Transfer::OnChunkReply(LinkId link, wire::ChunkReply& r, Millis now) {
  auto root = Id::FromBytes(r.root());
  if (!root) return gossip_.PunishLink(link, "chunk reply without a 32-byte root", now);
  auto it = fetches_.find(*root);
  if (it == fetches_.end()) return;  // finished meanwhile (an end-game copy)
  FetchState& f = it->second;
  const Piece p{r.manifest(), r.index()};
  auto req = f.in_flight.find(p);
  if (req == f.in_flight.end()) return;  // answered already by another holder
  auto& reqs = req->second;
  auto mine = std::find_if(reqs.begin(), reqs.end(), [&](const Request& q) { return q.link == link; });
  if (mine == reqs.end()) return;  // not asked of this link (or it timed out)
  reqs.erase(mine);
  auto h = f.holders.find(link);
  if (h != f.holders.end() && h->second.in_flight) --h->second.in_flight;
  auto requeue = [&] {
    if (!reqs.empty()) return;
    f.in_flight.erase(req);
    if (!p.manifest) f.needed.insert(p.index);
  };

  if (r.missing()) {
    // No longer held there (dropped, retracted) or not served to us.
    if (h != f.holders.end()) f.holders.erase(h);
    f.progress.holders = f.holders.size();
    f.asked[link] = now;
    requeue();
    return Schedule(f, now);
  }
  // Check the piece against the hash that names it.
  Id want;
  if (p.manifest) {
    if (p.index == 0)
      want = *root;
    else if (f.top && p.index <= static_cast<std::uint64_t>(f.top->children_size()))
      want = *Id::FromBytes(f.top->children(static_cast<int>(p.index - 1)));
  } else if (p.index < f.chunk_ids.size()) {
    want = f.chunk_ids[p.index];
  }
  if (r.data().empty() || crypto::Blake2b256(r.data()) != want) {
    ++counters_.bad_pieces;
    requeue();
    spdlog::warn("peer {} sent a {} of {} failing its hash", MemberName(link),
                 p.manifest ? "manifest" : "chunk", root->Short());
    // Closing the link calls OnLinkDown, which puts back what it had in flight.
    return gossip_.PunishLink(link, std::string(p.manifest ? "manifest" : "chunk") +
                                        " failing its hash",
                              now);
  }
  // Other requests for it (end game) are now stale: their answers will be
  // ignored, so their slots are freed now.
  for (const Request& other : reqs)
    if (auto o = f.holders.find(other.link); o != f.holders.end() && o->second.in_flight)
      --o->second.in_flight;
  f.in_flight.erase(req);
  if (h != f.holders.end()) h->second.window = std::min(h->second.window + 1, opts_.window_max);
  const std::size_t bytes = r.data().size();
  Status s;
  if (p.manifest) {
    s = TakeManifest(f, p.index, std::move(*r.mutable_data()));
  } else if (!f.have[p.index]) {
    storage::WriteSet ws;
    ws.Put(Column::kChunks, want.Str(), std::move(*r.mutable_data()));
    // No WAL: the chunk reaches disk when its memtable is flushed (every
    // 8 MiB, and before the held marker); a crash loses at most the last
    // memtables' worth, which a resumed fetch asks again. The WAL would
    // write every byte twice and checksum it in software.
    s = store_.Write(ws, storage::Durability::kNoWal);
    if (s.ok()) {
      f.have[p.index] = true;
      ++f.progress.have_chunks;
      f.progress.have_bytes += bytes;
      f.progress.bytes_from[links_[link]] += bytes;
      ++counters_.chunks_received;
      counters_.bytes_received += bytes;
    }
  }
  if (!s.ok()) return Finish(f, s, now);
  if (!MaybeDone(f, now)) Schedule(f, now);
}

bool Transfer::MaybeDone(FetchState& f, Millis now) {
  if (!f.top || f.have.size() != f.chunk_ids.size() || f.progress.have_chunks != f.chunk_ids.size())
    return false;
  for (const auto& sub : f.subs)
    if (!sub) return false;
  if (f.chunk_ids.empty() && f.top->size() != 0) return false;  // not planned yet
  Finish(f, Status::OK(), now);
  return true;
}

void Transfer::Finish(FetchState& f, Status failed, Millis now) {
  const Id root = f.progress.root;
  if (failed.ok()) failed = store_.Flush(Column::kChunks);  // every chunk on disk first
  if (failed.ok()) {
    // Then the held marker, synced.
    storage::WriteSet ws;
    std::string size;
    storage::keys::AppendU64(size, f.progress.size);
    ws.Put(Column::kMeta, HeldKey(root), size);
    std::string at;
    storage::keys::AppendU64(at, opts_.wall_ms ? opts_.wall_ms() : 0);
    ws.Put(Column::kMeta, FetchedKey(root), at);
    failed = store_.Write(ws, storage::Durability::kSync);
  }
  f.progress.finished = now;
  f.progress.holders = 0;
  if (failed.ok()) {
    f.progress.done = true;
    ++counters_.fetches_done;
    spdlog::info("fetched {} ({}) from {} peer(s) in {} ms", root.Short(),
                 HumanBytes(f.progress.size), f.progress.bytes_from.size(),
                 now - f.progress.started);
  } else {
    f.progress.failed = failed;
    ++counters_.fetches_failed;
    spdlog::warn("fetch of {} gave up: {}", root.Short(), failed.message());
  }
  FetchProgress done = std::move(f.progress);
  fetches_.erase(root);  // `f` is gone
  finished_[root] = done;
  finished_order_.push_back(root);
  while (finished_order_.size() > opts_.max_finished) {
    const Id old = finished_order_.front();
    finished_order_.pop_front();
    if (std::find(finished_order_.begin(), finished_order_.end(), old) == finished_order_.end())
      finished_.erase(old);
  }
  if (on_finished_) on_finished_(done);
}

// ---------------------------------------------------------------- serving

bool Transfer::Allowed(Served& s, const Id& root) {
  if (s.allowed.count(root)) return true;
  if (!access_ || !access_(s.member, root)) return false;
  if (s.allowed.size() >= kMaxAllowedCache) s.allowed.clear();
  s.allowed.insert(root);
  return true;
}

void Transfer::OnHaveQuery(LinkId link, const wire::HaveQuery& q) {
  auto root = Id::FromBytes(q.root());
  auto it = served_.find(link);
  if (!root || it == served_.end()) return;
  wire::PeerMessage m;
  auto* r = m.mutable_have_reply();
  r->set_root(root->Str());
  auto held = ResourceHeld(store_, *root);
  const bool allowed = Allowed(it->second, *root);
  if (!allowed) ++counters_.refused;
  r->set_held(held && *held && allowed);
  r->set_refused(!allowed);
  Send(link, m);
}

void Transfer::OnChunkRequest(LinkId link, wire::ChunkRequest& q, Millis now) {
  auto it = served_.find(link);
  if (it == served_.end()) return;
  Served& s = it->second;
  if (s.queue.size() >= opts_.max_queued_per_link) return;  // over its share: ignored
  const bool idle = s.queue.empty();
  s.queue.push_back(std::move(q));
  if (idle && !s.blocked) ring_.push_back(link);
  Serve(now);
}

std::optional<std::string> Transfer::PieceBytes(const Id& root, bool manifest,
                                                std::uint64_t index) {
  if (manifest) {
    Id id = root;
    if (index > 0) {
      auto top = LoadManifest(store_, root);
      if (!top || index > static_cast<std::uint64_t>(top->children_size())) return std::nullopt;
      auto cid = Id::FromBytes(top->children(static_cast<int>(index - 1)));
      if (!cid) return std::nullopt;
      id = *cid;
    }
    auto bytes = store_.Get(Column::kManifests, id.View());
    if (!bytes || !*bytes) return std::nullopt;
    return std::move(**bytes);
  }
  auto list = chunk_lists_.find(root);
  if (list == chunk_lists_.end()) {
    std::vector<Id> ids;
    Status s = ForEachChunk(store_, root, [&](std::uint64_t, const Id& c) {
      ids.push_back(c);
      return Status::OK();
    });
    if (!s.ok()) return std::nullopt;
    if (chunk_lists_.size() >= kChunkListCache) {
      chunk_lists_.erase(chunk_list_order_.front());
      chunk_list_order_.pop_front();
    }
    list = chunk_lists_.emplace(root, std::move(ids)).first;
    chunk_list_order_.push_back(root);
  }
  if (index >= list->second.size()) return std::nullopt;
  // No BLAKE2b here: RocksDB checks each blob's CRC on read, and the fetcher
  // checks the hash anyway (a quarter of a holder's CPU otherwise).
  auto bytes = store_.Get(Column::kChunks, list->second[index].View());
  if (!bytes || !*bytes) return std::nullopt;
  return std::move(**bytes);
}

void Transfer::Refill(Millis now) {
  if (now <= refilled_at_) return;
  const double dt = static_cast<double>(now - refilled_at_) / 1000.0;
  refilled_at_ = now;
  // Bursts of at most a quarter second (and one chunk), so a limit holds
  // over any second.
  auto refill = [&](double& tokens, std::uint64_t rate) {
    if (!rate) return;
    const double cap = std::max(static_cast<double>(rate) / 4, static_cast<double>(kChunkSize));
    tokens = std::min(cap, tokens + dt * static_cast<double>(rate));
  };
  refill(upload_tokens_, opts_.max_upload_rate);
  refill(download_tokens_, opts_.max_download_rate);
}

void Transfer::Serve(Millis now) {
  Refill(now);
  serve_at_ = ~Millis{0};
  std::size_t turns = ring_.size();
  while (!ring_.empty() && turns-- > 0) {
    if (opts_.max_upload_rate && upload_tokens_ < 0) {
      serve_at_ = now + static_cast<Millis>(std::ceil(-upload_tokens_ * 1000.0 /
                                                      static_cast<double>(opts_.max_upload_rate)));
      return;
    }
    const LinkId link = ring_.front();
    ring_.pop_front();
    auto it = served_.find(link);
    if (it == served_.end() || it->second.queue.empty()) continue;
    Served& s = it->second;
    if (transport_.Backlog(link) >= opts_.serve_backlog) {
      s.blocked = true;  // OnDrained puts it back in the ring
      continue;
    }
    wire::ChunkRequest q = std::move(s.queue.front());
    s.queue.pop_front();
    wire::PeerMessage m;
    auto* r = m.mutable_chunk_reply();
    r->set_root(q.root());
    r->set_index(q.index());
    r->set_manifest(q.manifest());
    auto root = Id::FromBytes(q.root());
    std::optional<std::string> bytes;
    if (root && Allowed(s, *root)) {
      bytes = PieceBytes(*root, q.manifest(), q.index());
    } else {
      ++counters_.refused;
    }
    if (bytes) {
      counters_.bytes_served += bytes->size();
      if (!q.manifest()) ++counters_.chunks_served;
      upload_tokens_ -= static_cast<double>(bytes->size());
      r->set_data(std::move(*bytes));
    } else {
      r->set_missing(true);
    }
    Send(link, m);
    if (!s.queue.empty()) {
      ring_.push_back(link);
      ++turns;  // one more turn for it, after the others
    }
  }
}

// ---------------------------------------------------------------- events

void Transfer::OnLinkUp(LinkId link, const Id& member, Millis now) {
  now_ = now;
  links_[link] = member;
  served_[link].member = member;
  for (auto& [root, f] : fetches_) Query(f, now);
}

void Transfer::OnLinkDown(LinkId link, Millis now) {
  now_ = now;
  links_.erase(link);
  served_.erase(link);  // its ring entries are skipped
  for (auto& [root, f] : fetches_) {
    f.asked.erase(link);
    if (f.holders.erase(link)) {
      f.progress.holders = f.holders.size();
      if (f.holders.empty()) f.last_holder = now;
    }
    for (auto it = f.in_flight.begin(); it != f.in_flight.end();) {
      auto& reqs = it->second;
      reqs.erase(std::remove_if(reqs.begin(), reqs.end(),
                                [&](const Request& q) { return q.link == link; }),
                 reqs.end());
      if (reqs.empty()) {
        if (!it->first.manifest) f.needed.insert(it->first.index);
        it = f.in_flight.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [root, f] : fetches_) Schedule(f, now);
}

void Transfer::OnMessage(LinkId link, wire::PeerMessage& m, Millis now) {
  now_ = now;
  switch (m.msg_case()) {
    case wire::PeerMessage::kHaveQuery:
      return OnHaveQuery(link, m.have_query());
    case wire::PeerMessage::kHaveReply:
      return OnHaveReply(link, m.have_reply(), now);
    case wire::PeerMessage::kChunkRequest:
      return OnChunkRequest(link, *m.mutable_chunk_request(), now);
    case wire::PeerMessage::kChunkReply:
      return OnChunkReply(link, *m.mutable_chunk_reply(), now);
    default:
      return;
  }
}

void Transfer::OnDrained(LinkId link, Millis now) {
  now_ = now;
  auto it = served_.find(link);
  if (it == served_.end() || !it->second.blocked) return;
  it->second.blocked = false;
  if (!it->second.queue.empty()) ring_.push_back(link);
  Serve(now);
}

void Transfer::Tick(Millis now) {
  now_ = now;
  if (now >= serve_at_) Serve(now);
  std::vector<std::pair<Id, Status>> give_up;
  for (auto& [root, f] : fetches_) {
    // Requests unanswered too long go elsewhere; the holder's window halves
    // (once per timeout, however many requests it held).
    std::set<LinkId> slow;
    for (auto it = f.in_flight.begin(); it != f.in_flight.end();) {
      auto& reqs = it->second;
      for (auto q = reqs.begin(); q != reqs.end();) {
        if (now < q->sent + opts_.request_timeout) {
          ++q;
          continue;
        }
        if (auto h = f.holders.find(q->link); h != f.holders.end()) {
          if (h->second.in_flight) --h->second.in_flight;
          if (slow.insert(q->link).second)
            h->second.window = std::max<std::size_t>(1, h->second.window / 2);
        }
        q = reqs.erase(q);
      }
      if (reqs.empty()) {
        if (!it->first.manifest) f.needed.insert(it->first.index);
        it = f.in_flight.erase(it);
      } else {
        ++it;
      }
    }
    if (f.holders.empty() && f.refused_at && now >= f.refused_at + opts_.requery_every &&
        opts_.likely_holders && opts_.likely_holders(root).empty()) {
      // Gated content of a group we hold nothing of (invite-only, say):
      // waiting the full minute for a holder that would serve us helps
      // nobody, but another linked peer gets one requery round to answer
      // first. A root shared in a group we are in is waited for: a refusal
      // then usually means our join has not reached that peer yet.
      give_up.emplace_back(root, Status::FailedPrecondition(
                                     "peers hold " + root.Short() +
                                     " but do not serve it to you: it belongs to a group you are "
                                     "not a member of (join it, or ask for an invite)"));
      continue;
    }
    if (f.holders.empty() && now >= f.last_holder + opts_.locate_timeout) {
      give_up.emplace_back(root, Status::NotFound("no peer holding " + root.Short() +
                                                  " answered within " +
                                                  std::to_string(opts_.locate_timeout / 1000) +
                                                  " s"));
      continue;
    }
    Query(f, now);
    if (f.holders.empty() && opts_.likely_holders && now >= f.progress.started + opts_.dial_after &&
        (!f.dialed_at || now >= f.dialed_at + opts_.dial_every)) {
      // None of the linked peers holds it: link to those likely to.
      f.dialed_at = now;
      for (const Id& member : opts_.likely_holders(root))
        if (gossip_.DialMember(member, now))
          spdlog::debug("fetch {}: dialling {}, which may hold it", root.Short(), member.Short());
    }
    Schedule(f, now);
  }
  for (auto& [root, why] : give_up)
    if (auto it = fetches_.find(root); it != fetches_.end()) Finish(it->second, why, now);
}

Millis Transfer::NextDeadline() const {
  Millis next = serve_at_;
  if (fetches_.empty()) return next;
  // Scheduling is looked at every kFetchTick; the give-up time exactly.
  next = std::min(next, now_ + kFetchTick);
  for (const auto& [root, f] : fetches_)
    if (f.holders.empty()) next = std::min(next, f.last_holder + opts_.locate_timeout);
  return next;
}

}  // namespace praxis::node
