// Invites into invite-only groups (DESIGN §4): a member's node tells the
// invitee's node of its invite (the signed envelope: group id, inviter,
// invitee, nothing else of the group), and the invitee's join, signed before
// its node holds the group, goes to members' nodes, which judge it.
#include <spdlog/spdlog.h>

#include "praxis/node/gossip.h"

namespace praxis::node {

namespace {

std::optional<Id> InviteeOf(const Announcement& a) {
  wire::Invite i;
  if (a.kind != wire::KIND_INVITE || !a.group || !ParseBody(a, i)) return std::nullopt;
  return Id::FromBytes(i.invitee());
}

}  // namespace

void Gossip::SendInvites(Link& l) {
  for (const auto& [gid, g] : ingestor_.Groups()) {
    if (!g.genesis.invite_only()) continue;
    auto it = g.invites.find(l.member);
    if (it == g.invites.end()) continue;
    auto head = ingestor_.Head(l.member, gid);
    if (!head || head->member) continue;  // joined already
    auto invite = ingestor_.Find(it->second);
    if (!invite || !*invite) continue;
    wire::PeerMessage m;
    m.mutable_invite()->set_envelope((*invite)->envelope);
    Send(l, m);
  }
}

void Gossip::NotifyInvitee(const Announcement& a) {
  auto invitee = InviteeOf(a);
  if (!invitee) return;
  auto link = by_member_.find(*invitee);
  if (link == by_member_.end()) return;
  wire::PeerMessage m;
  m.mutable_invite()->set_envelope(a.envelope);
  Send(links_.at(link->second), m);
}

void Gossip::OnInviteNotice(Link& l, const wire::InviteNotice& n, Millis now) {
  auto a = DecodeAnnouncement(n.envelope());
  if (!a) return Punish(l, "invite notice: " + a.error().message(), now);
  auto invitee = InviteeOf(*a);
  if (!invitee) return Punish(l, "invite notice holds no invite", now);
  if (*invitee != self_) return Punish(l, "invite notice addressed to another member", now);
  if (invite_hooks_.received) invite_hooks_.received(*a, l.member);
}

bool Gossip::SendJoin(const Id& member, const std::string& envelope) {
  auto link = by_member_.find(member);
  if (link == by_member_.end()) return false;
  wire::PeerMessage m;
  m.mutable_delivery()->set_envelope(envelope);
  Send(links_.at(link->second), m);
  return true;
}

}  // namespace praxis::node
