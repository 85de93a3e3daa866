// Gossip, catch-up: one fingerprint per group on connect, heads where they
// differ, then each side streams what the other lacks, paced by the backlog.
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

// ---------------------------------------------------------------- catch-up

void Gossip::SendDigest(Link& l, bool answer, bool sync) {
  wire::PeerMessage m;
  auto flush = [&] {
    Send(l, m);
    m.mutable_digest()->clear_groups();
  };
  m.mutable_digest();  // an empty digest still says "I hold nothing"
  for (const auto& [group, g] : index_.groups()) {
    if (!InScope(l, group)) continue;
    auto* e = m.mutable_digest()->add_groups();
    e->set_group(group.Str());
    e->set_fingerprint(g.fingerprint);
    e->set_logs(static_cast<std::uint32_t>(g.logs.size()));
    if (m.digest().groups_size() >= static_cast<int>(kDigestGroupsPerFrame)) flush();
  }
  m.mutable_digest()->set_answer(answer);
  m.mutable_digest()->set_sync(sync);
  flush();  // the last frame (maybe empty: it still carries `answer`)
}

void Gossip::SendHeads(Link& l, const Id& group, bool answer) {
  l.heads_sent.insert(group);
  wire::PeerMessage m;
  auto* h = m.mutable_heads();
  h->set_group(group.Str());
  h->set_answer(answer);
  if (const LogIndex::Group* g = index_.Find(group)) {
    for (const auto& [author, head] : g->logs) {
      if (h->logs_size() >= static_cast<int>(kHeadsPerFrame)) {
        h->set_partial(true);
        Send(l, m);
        h->clear_logs();
      }
      auto* e = h->add_logs();
      e->set_author(author.Str());
      e->set_seq(head.seq);
      e->set_head(head.head.Str());
      e->set_frozen(head.frozen);
    }
  }
  h->set_partial(false);
  Send(l, m);
}

void Gossip::OnDigest(Link& l, const wire::GroupDigest& d) {
  // Anti-entropy: the peer wants ours too, so both sides compare (as on
  // connect) and each streams what the other lacks.
  if (d.answer()) SendDigest(l, false, d.sync());
  bool all_match = true;
  for (const auto& e : d.groups()) {
    auto group = Id::FromBytes(e.group());
    if (!group) continue;
    const bool match = e.fingerprint() == index_.Fingerprint(*group);
    all_match &= match;
    if (d.sync()) {
      // In a busy group the fingerprints differ by what is in flight: the
      // tree brings that; anti-entropy waits for the group to go quiet.
      auto changed = group_changed_.find(*group);
      if (changed != group_changed_.end() && now_ < changed->second + opts_.sync_quiet) continue;
    }
    if (match) {
      if (own_hooks_.caught_up && index_.Find(*group)) own_hooks_.caught_up(*group);
      continue;
    }
    // Differ: tell them our heads; each side then streams what the other lacks.
    if (InScope(l, *group)) SendHeads(l, *group);
  }
  // Groups only we hold need nothing here: our digest names them, so the
  // peer answers with its (empty) heads and we stream from those.
  // Everything this peer holds, we hold: caught up with it (readiness and
  // the catch-up lag operators watch).
  if (all_match) last_in_sync_ = std::max<Millis>(now_, 1);
}

void Gossip::OnHeads(Link& l, const wire::GroupHeads& h, Millis now) {
  auto group = Id::FromBytes(h.group());
  if (!group) return Punish(l, "heads for a malformed group id", now);
  if (!InScope(l, *group)) return;
  // A big group's heads span frames: gather them, then reconcile once.
  if (h.partial() || l.heads_partial.count(*group)) {
    l.heads_partial_logs += static_cast<std::size_t>(h.logs_size());
    if (l.heads_partial_logs > opts_.max_heads_per_link)
      return Punish(l, "more log heads than any node holds", now);
    auto& gathered = l.heads_partial[*group];
    gathered.set_group(h.group());
    gathered.mutable_logs()->MergeFrom(h.logs());
    if (h.partial()) return;
    wire::GroupHeads all = std::move(gathered);
    l.heads_partial_logs -= static_cast<std::size_t>(all.logs_size());
    l.heads_partial.erase(*group);
    // They differ from us here: answer with ours unless already sent.
    if (!l.heads_sent.count(*group) || h.answer()) SendHeads(l, *group);
    return ReconcileGroup(l, *group, all);
  }
  if (!l.heads_sent.count(*group) || h.answer()) SendHeads(l, *group);
  ReconcileGroup(l, *group, h);
}

void Gossip::ReconcileGroup(Link& l, const Id& group_id, const wire::GroupHeads& h) {
  const Id* group = &group_id;
  std::unordered_map<Id, const wire::LogHeadEntry*, IdHash> theirs;
  for (const auto& e : h.logs())
    if (auto author = Id::FromBytes(e.author())) theirs[*author] = &e;
  const LogIndex::Group* mine = index_.Find(*group);
  // Our own log as this peer holds it.
  {
    auto own = theirs.find(self_);
    const std::uint64_t their_seq = own == theirs.end() ? 0 : own->second->seq();
    std::uint64_t our_seq = 0;
    if (mine)
      if (auto held = mine->logs.find(self_); held != mine->logs.end()) our_seq = held->second.seq;
    if (their_seq > our_seq) {
      if (own_hooks_.ahead) own_hooks_.ahead(*group, their_seq);
    } else if (own_hooks_.caught_up && mine) {
      own_hooks_.caught_up(*group);
    }
  }
  if (!mine) return;
  const GroupState* gs = ingestor_.Group(*group);
  std::vector<Cursor> cursors;
  for (const auto& [author, head] : mine->logs) {
    auto it = theirs.find(author);
    const std::uint64_t their_seq = it == theirs.end() ? 0 : it->second->seq();
    if (head.seq > their_seq) {
      Cursor c{author, *group, their_seq + 1, head.seq};
      // The genesis opens its creator's log: stream that log first so the
      // rest of the group is not deferred waiting for it.
      if (gs && author == gs->creator)
        cursors.insert(cursors.begin(), c);
      else
        cursors.push_back(c);
    } else if (head.seq == their_seq && it != theirs.end() &&
               it->second->head() != head.head.View()) {
      // Same seq, another id: one of us holds a fork's other branch. Send
      // ours; their ingestor turns it into a proof.
      if (auto a = ingestor_.Find(head.head); a && *a) {
        wire::PeerMessage m;
        *m.mutable_delivery() = DeliveryOf(**a, nullptr);
        m.mutable_delivery()->set_reply(true);
        Send(l, m);
      }
    }
    if (head.frozen && it != theirs.end() && !it->second->frozen()) {
      // They have not seen the fork: send the proof itself.
      std::string prefix = keys::LogPrefix(author, *group);
      (void)store_.Scan(Column::kForks, prefix, [&](std::string_view, std::string_view v) {
        wire::PeerMessage m;
        if (m.mutable_fork()->ParseFromArray(v.data(), static_cast<int>(v.size()))) Send(l, m);
        return false;
      });
    }
  }
  for (auto& c : cursors) {
    if (l.cursors.size() >= opts_.max_cursors_per_link) break;
    l.cursors.push_back(std::move(c));
  }
  Stream(l);
}

void Gossip::Stream(Link& l) {
  while (!l.cursors.empty() && transport_.Backlog(l.id) < opts_.catchup_backlog) {
    Cursor& c = l.cursors.front();
    std::vector<Id> ids;
    std::uint64_t last_seq = c.next;
    (void)store_.Scan(
        Column::kLogs, keys::LogPrefix(c.author, c.group),
        [&](std::string_view k, std::string_view v) {
          last_seq = keys::LogSeq(k);
          if (last_seq > c.last) return false;
          if (auto id = Id::FromBytes(v.substr(0, 32))) ids.push_back(*id);
          return ids.size() < kStreamBatch;
        },
        keys::Log(c.author, c.group, c.next));
    for (const Id& id : ids) {
      auto a = ingestor_.Find(id);
      if (!a || !*a) continue;
      c.next = (*a)->seq + 1;
      if (Withheld(**a)) continue;
      wire::PeerMessage m;
      *m.mutable_delivery() = DeliveryOf(**a, nullptr);
      m.mutable_delivery()->set_reply(true);
      Send(l, m);
      ++counters_.replies_sent;
    }
    if (ids.size() < kStreamBatch || c.next > c.last) l.cursors.pop_front();
  }
}

void Gossip::OnDrained(LinkId link, Millis now) {
  now_ = now;
  if (Link* l = FindLink(link)) Stream(*l);
  if (ext_) ext_->OnDrained(link, now);
}

}  // namespace praxis::node
