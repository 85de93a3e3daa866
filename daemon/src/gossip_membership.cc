// Gossip, membership: the passive set of known addresses, dialling with
// backoff to keep the active set full, peer exchange, persistence.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "gossip_internal.h"
#include "praxis/node/gossip.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;
namespace keys = storage::keys;
using namespace gossip_internal;

// ---------------------------------------------------------------- membership

void Gossip::AddAddress(const std::string& address, FoundBy how, Millis now,
                        std::optional<Id> member) {
  now_ = now;
  AddKnown(address, how, now, member);
  if (how == FoundBy::kSeed || how == FoundBy::kManual) {
    // Asked for by the operator: try now, whatever the backoff said.
    Known& k = passive_[address];
    k.next_try = now;
    k.permanent_failure = false;
  }
}

void Gossip::AddKnown(const std::string& address, FoundBy how, Millis now,
                      std::optional<Id> member) {
  if (!PlausibleAddress(address)) return;
  (void)now;
  auto it = passive_.find(address);
  if (it != passive_.end()) {
    if (member) it->second.member = member;
    // Seeds stay seeds; otherwise the more specific source wins.
    if (it->second.found != FoundBy::kSeed && how == FoundBy::kSeed) it->second.found = how;
    return;
  }
  if (passive_.size() >= opts_.max_passive) {
    // Evict a random entry that is neither a seed nor linked.
    std::vector<std::string> evictable;
    for (const auto& [addr, k] : passive_)
      if (k.found != FoundBy::kSeed && !(k.member && by_member_.count(*k.member)))
        evictable.push_back(addr);
    if (evictable.empty()) return;
    passive_.erase(evictable[rng_() % evictable.size()]);
  }
  Known k;
  k.member = member;
  k.found = how;
  passive_.emplace(address, k);
  passive_dirty_ = true;
}

bool Gossip::WantsDials() const {
  return links_.size() + dialing_.size() < opts_.active_target &&
         dialing_.size() < opts_.max_dialing;
}

bool Gossip::Dialable(const std::string& address, const Known& k, Millis now) const {
  if (k.permanent_failure || dialing_.count(address)) return false;
  return !(k.member &&
           (*k.member == self_ || by_member_.count(*k.member) || Banned(*k.member, now)));
}

void Gossip::MaintainActive(Millis now) {
  if (!WantsDials()) return;
  std::vector<const std::string*> candidates;
  for (const auto& [addr, k] : passive_)
    if (k.next_try <= now && Dialable(addr, k, now)) candidates.push_back(&addr);
  std::shuffle(candidates.begin(), candidates.end(), rng_);
  for (const std::string* addr : candidates) {
    if (links_.size() + dialing_.size() >= opts_.active_target ||
        dialing_.size() >= opts_.max_dialing)
      break;
    dialing_[*addr] = now;
    Known& k = passive_[*addr];
    // Until it answers, treat it as failing: a dial that never reports back
    // (a transport bug) cannot pin the address forever.
    k.next_try = now + std::max(k.backoff, opts_.backoff_min);
    transport_.Dial(*addr);
  }
}

void Gossip::Rotate(Millis now) {
  // Only a full active set rotates: one that is short dials anyway.
  if (links_.size() < opts_.active_target || !rotating_.empty() || !dialing_.empty()) return;
  std::vector<const std::string*> candidates;
  for (const auto& [addr, k] : passive_)
    if (k.next_try <= now && Dialable(addr, k, now)) candidates.push_back(&addr);
  if (candidates.empty()) return;
  const std::string& addr = *candidates[rng_() % candidates.size()];
  rotating_ = addr;
  dialing_[addr] = now;
  Known& k = passive_[addr];
  k.next_try = now + std::max(k.backoff, opts_.backoff_min);
  transport_.Dial(addr);
}

bool Gossip::DialMember(const Id& member, Millis now) {
  now_ = now;
  if (member == self_ || Banned(member, now)) return false;
  if (by_member_.count(member)) return true;
  for (auto& [addr, k] : passive_) {
    if (!k.member || *k.member != member || k.permanent_failure) continue;
    if (dialing_.count(addr)) return true;
    if (k.next_try > now) continue;  // failing lately: its backoff holds
    dialing_[addr] = now;
    k.next_try = now + std::max(k.backoff, opts_.backoff_min);
    transport_.Dial(addr);
    return true;
  }
  return false;
}

void Gossip::Wake(Millis now) {
  now_ = now;
  spdlog::info("clock jumped (the machine slept?): reconnecting now");
  for (auto& [addr, k] : passive_) {
    k.next_try = now;
    k.backoff = 0;
  }
  for (auto& [id, l] : links_) {
    wire::PeerMessage m;
    m.mutable_ping()->set_nonce(rng_());
    Send(l, m);
    l.ping_sent = now;
  }
}

// Known addresses survive restarts: kPeers maps address -> found-by byte and
// the member id when known.
void Gossip::LoadKnown() {
  (void)store_.Scan(Column::kPeers, "", [&](std::string_view k, std::string_view v) {
    std::string address(k);
    if (!PlausibleAddress(address) || v.empty()) return true;
    Known known;
    known.found = static_cast<FoundBy>(std::min<int>(v[0], static_cast<int>(FoundBy::kManual)));
    if (v.size() == 33) known.member = Id::FromBytes(v.substr(1));
    passive_.emplace(address, known);
    persisted_.insert(address);
    return passive_.size() < opts_.max_passive;
  });
}

void Gossip::Persist(Millis now) {
  storage::WriteSet ws;
  for (const auto& [addr, k] : passive_) {
    std::string v(1, static_cast<char>(k.found));
    if (k.member) v += k.member->Str();
    ws.Put(Column::kPeers, addr, v);
  }
  for (const auto& addr : persisted_)
    if (!passive_.count(addr)) ws.Delete(Column::kPeers, addr);
  last_persist_ = now;  // a failed write is retried at the next period, not at once
  if (Status s = store_.Write(ws, storage::Durability::kWal); !s.ok()) {
    spdlog::warn("cannot save known peers: {}", s.message());
    return;
  }
  persisted_.clear();
  for (const auto& [addr, k] : passive_) persisted_.insert(addr);
  passive_dirty_ = false;
}
void Gossip::OnDialFailed(const std::string& address, bool permanent, Millis now) {
  now_ = now;
  dialing_.erase(address);
  if (address == rotating_) rotating_.clear();
  auto it = passive_.find(address);
  if (it == passive_.end()) return;
  Known& k = it->second;
  k.permanent_failure = k.permanent_failure || permanent;
  k.backoff = std::clamp<Millis>(k.backoff * 2, opts_.backoff_min, opts_.backoff_max);
  // Jitter keeps a crowd that lost the same seed from returning in step.
  k.next_try = now + k.backoff / 2 + rng_() % (k.backoff / 2 + 1);
}

void Gossip::SendExchange(Link& l) {
  wire::PeerMessage m;
  auto* ex = m.mutable_exchange();
  // Linked peers first (known to be up), then a random part of the passive set.
  for (const auto& [id, other] : links_) {
    if (ex->peers_size() >= static_cast<int>(kExchangeSent) / 2) break;
    if (id == l.id || other.dialable.empty()) continue;
    auto* p = ex->add_peers();
    p->set_member(other.member.Str());
    p->set_address(other.dialable);
  }
  std::vector<const std::pair<const std::string, Known>*> pool;
  for (const auto& e : passive_)
    if (!e.second.permanent_failure && !(e.second.member && *e.second.member == l.member))
      pool.push_back(&e);
  std::shuffle(pool.begin(), pool.end(), rng_);
  for (const auto* e : pool) {
    if (ex->peers_size() >= static_cast<int>(kExchangeSent)) break;
    auto* p = ex->add_peers();
    p->set_address(e->first);
    if (e->second.member) p->set_member(e->second.member->Str());
  }
  if (ex->peers_size() > 0) Send(l, m);
}

void Gossip::OnExchange(Link& l, const wire::PeerExchange& x, Millis now) {
  std::size_t taken = 0;
  for (const auto& p : x.peers()) {
    if (taken >= opts_.max_exchange) break;  // the rest is ignored, not punished
    if (!PlausibleAddress(p.address())) continue;
    std::optional<Id> member;
    if (auto m = Id::FromBytes(p.member())) {
      if (*m == self_) continue;
      member = *m;
    }
    AddKnown(p.address(), FoundBy::kExchange, now, member);
    ++taken;
  }
  (void)l;
}

}  // namespace praxis::node
