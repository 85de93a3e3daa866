// The control API's group requests (DESIGN §5): create, join (by id or by
// invite code), leave, invite; the groups held here, the invites addressed to
// this member, and discovery across every open group this node holds.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "control_internal.h"
#include "praxis/node/peer_manager.h"
#include "praxis/node/resolve.h"

namespace praxis::node::control_internal {

namespace {

using asio::awaitable;

awaitable<Result<control::Response>> PublishReply(Node& node, OwnWrite& w) {
  Result<Announcement> a = co_await PublishAwait(node, w);
  if (!a) co_return Err(a.error());
  control::Response r;
  r.mutable_announcement()->set_announcement(a->id.Str());
  co_return r;
}

void FillGroupInfo(Node& node, const Id& id, const GroupState& g, control::GroupInfo* gi) {
  const StageReport& rep = g.engine->Report();
  gi->set_group(id.Str());
  gi->set_name(g.genesis.name());
  gi->set_stage(StageName(rep.stage));
  gi->set_members(rep.members);
  gi->set_invite_only(g.genesis.invite_only());
  gi->set_publish_on_practice(g.genesis.publish_on_practice());
  for (const auto& t : g.genesis.tags()) gi->add_tags(t);
  gi->set_description(g.genesis.description());
  gi->set_joined(IsMember(node, id));
  gi->set_contributions(g.shares + g.republishes);
}

// A group named by a prefix of its id that is known here only through an
// invite addressed to us (the group itself arrives after joining).
std::optional<Id> InvitedGroup(Node& node, const std::string& text) {
  const std::string hex = Lower(text);
  if (hex.size() < 4) return std::nullopt;
  std::optional<Id> found;
  for (const ReceivedInvite& r : node.invites().List()) {
    if (!r.group.Hex().starts_with(hex)) continue;
    if (found) return std::nullopt;  // ambiguous
    found = r.group;
  }
  return found;
}

// Where the invitee's node may reach members of `group`: this node (when
// its address is one others can dial) and linked members.
std::vector<std::string> MemberAddresses(Context c, const Id& group) {
  std::vector<std::string> out;
  const std::string& own = c.node.listen_address();
  if (!own.empty() && !own.starts_with("0.0.0.0:") && !own.starts_with("[::]:"))
    out.push_back(own);
  if (!c.peers) return out;
  for (const PeerInfo& p : c.peers->Peers()) {
    if (out.size() >= 5) break;
    auto head = c.node.ingestor().Head(p.member, group);
    if (head && head->member && !p.inbound) out.push_back(p.address);
  }
  return out;
}

// Sends a join waiting for admission to every linked node that may admit it.
void SendPendingJoin(Context c, const Announcement& join) {
  if (!c.peers) return;
  for (const PeerInfo& p : c.peers->Peers()) {
    auto joins = c.node.invites().JoinsFor(p.member);
    if (std::find(joins.begin(), joins.end(), join.envelope) != joins.end())
      c.peers->gossip().SendJoin(p.member, join.envelope);
  }
}

control::Response PendingReply(const Announcement& join) {
  control::Response r;
  r.mutable_announcement()->set_announcement(join.id.Str());
  r.mutable_announcement()->set_pending(true);
  r.mutable_announcement()->set_group(join.group->Str());
  return r;
}

}  // namespace

awaitable<Result<control::Response>> GroupCreate(Context c,
                                                 const control::GroupCreateRequest& req) {
  if (req.name().empty()) co_return Err(Status::InvalidArgument("a group needs a name"));
  wire::Genesis g;
  g.set_name(req.name());
  g.set_description(req.description());
  for (const auto& t : req.tags()) g.add_tags(t);
  g.set_invite_only(req.invite_only());
  g.set_publish_on_practice(!req.invite_only() && !req.no_publish_on_practice());
  g.set_min_republishers(req.min_republishers());
  g.set_min_outside(req.min_outside());
  std::string nonce(16, '\0');
  crypto::RandomBytes(nonce.data(), nonce.size());
  g.set_nonce(nonce);
  OwnWrite w{.kind = wire::KIND_GENESIS, .body = SerializeBody(g)};
  Result<Announcement> a = co_await PublishAwait(c.node, w);
  if (!a) co_return Err(a.error());
  spdlog::info("created group '{}' {}", req.name(), a->id.Hex());
  control::Response r;
  r.mutable_group_create()->set_group(a->id.Str());
  r.mutable_group_create()->set_publish_on_practice(g.publish_on_practice());
  co_return r;
}

awaitable<Result<control::Response>> Join(Context c, const control::GroupRef& req) {
  Node& node = c.node;
  std::optional<Id> gid;
  if (LooksLikeInviteCode(req.group())) {
    auto code = DecodeInviteCode(req.group());
    if (!code) co_return Err(code.error());
    wire::Invite body;
    ParseBody(code->invite, body);
    if (body.invitee() != node.member().View())
      co_return Err(Status::FailedPrecondition(
          "this invite admits member " + Id::FromBytes(body.invitee())->Short() +
          ", not you (" + node.member().Short() + ")"));
    auto added = node.invites().Add(code->invite);
    if (!added) co_return Err(added.error());
    node.invites().NoteMemberOf(*code->invite.group, code->invite.author);
    if (c.peers)
      for (const std::string& addr : code->addresses) c.peers->Connect(addr, [](Status) {});
    gid = *code->invite.group;
  } else {
    auto held = ResolveGroup(node.ingestor(), req.group());
    if (held) {
      gid = *held;
    } else if (auto invited = InvitedGroup(node, req.group())) {
      gid = *invited;
    } else {
      co_return Err(held.error());
    }
  }
  if (IsMember(node, *gid))
    co_return Err(Status::AlreadyExists("already a member of group " + GroupLabel(node, *gid)));
  if (auto pending = node.invites().PendingJoin(*gid)) {
    // Signed before: sent again, never signed twice (that would fork our log).
    SendPendingJoin(c, *pending);
    co_return PendingReply(*pending);
  }
  const GroupState* g = node.ingestor().Group(*gid);
  wire::Join j;
  if (g && !g->genesis.invite_only()) {
    OwnWrite w{.kind = wire::KIND_JOIN, .group = *gid, .body = SerializeBody(j)};
    Result<control::Response> r = co_await PublishReply(node, w);
    if (r) {
      r->mutable_announcement()->set_group(gid->Str());
      r->mutable_announcement()->set_publish_on_practice(g->genesis.publish_on_practice());
    }
    co_return r;
  }
  if (g) {
    // An invite in the group's log: this node holds the group and judges
    // the join itself.
    if (auto it = g->invites.find(node.member()); it != g->invites.end()) {
      j.set_invite(it->second.Str());
      OwnWrite w{.kind = wire::KIND_JOIN, .group = *gid, .body = SerializeBody(j)};
      Result<control::Response> r = co_await PublishReply(node, w);
      if (r) r->mutable_announcement()->set_group(gid->Str());
      co_return r;
    }
  }
  auto invite = node.invites().For(*gid);
  if (!invite)
    co_return Err(Status::FailedPrecondition(
        g ? "group " + GroupLabel(node, *gid) +
                " is invite-only and no invite for you is held here: ask a member for an "
                "invite code"
          : "group " + gid->Short() + " is not known here: ask a member for an invite code"));
  j.set_invite(invite->invite.Str());
  OwnWrite w{.kind = wire::KIND_JOIN,
             .group = *gid,
             .body = SerializeBody(j),
             .pending_join = true,
             .not_before = invite->created};
  Result<Announcement> a = co_await PublishAwait(node, w);
  if (!a) co_return Err(a.error());
  spdlog::info("join of invite-only group {} signed; sent to its members to admit",
               gid->Short());
  SendPendingJoin(c, *a);
  co_return PendingReply(*a);
}

awaitable<Result<control::Response>> Leave(Context c, const control::GroupRef& req) {
  auto gid = ResolveGroup(c.node.ingestor(), req.group());
  if (!gid) co_return Err(gid.error());
  if (!IsMember(c.node, *gid))
    co_return Err(Status::FailedPrecondition("not a member of group " + GroupLabel(c.node, *gid)));
  OwnWrite w{.kind = wire::KIND_LEAVE, .group = *gid, .body = SerializeBody(wire::Leave())};
  Result<control::Response> r = co_await PublishReply(c.node, w);
  co_return r;
}

awaitable<Result<control::Response>> Invite(Context c, const control::GroupInviteRequest& req) {
  auto gid = ResolveGroup(c.node.ingestor(), req.group());
  if (!gid) co_return Err(gid.error());
  auto member = ResolveMember(c.node.store(), req.member());
  if (!member) co_return Err(member.error());
  if (!IsMember(c.node, *gid))
    co_return Err(Status::FailedPrecondition("only members invite; you are not a member of group " +
                                             GroupLabel(c.node, *gid)));
  if (!c.node.ingestor().Group(*gid)->genesis.invite_only())
    co_return Err(Status::FailedPrecondition("group " + GroupLabel(c.node, *gid) +
                                             " is open: anyone may join it without an invite"));
  if (IsMember(c.node, *gid) && *member == c.node.member())
    co_return Err(Status::AlreadyExists("you are a member of it already"));
  if (auto h = c.node.ingestor().Head(*member, *gid); h && h->member)
    co_return Err(Status::AlreadyExists("member " + member->Short() + " is in group " +
                                        GroupLabel(c.node, *gid) + " already"));
  wire::Invite i;
  i.set_invitee(member->Str());
  OwnWrite w{.kind = wire::KIND_INVITE, .group = *gid, .body = SerializeBody(i)};
  Result<Announcement> a = co_await PublishAwait(c.node, w);
  if (!a) co_return Err(a.error());
  control::Response r;
  r.mutable_invite()->set_announcement(a->id.Str());
  r.mutable_invite()->set_code(EncodeInviteCode(*a, MemberAddresses(c, *gid)));
  co_return r;
}

Result<control::Response> Groups(Context c) {
  control::Response r;
  auto* out = r.mutable_groups();
  for (const auto& [id, g] : c.node.ingestor().Groups())
    FillGroupInfo(c.node, id, g, out->add_groups());
  return r;
}

Result<control::Response> Invites(Context c) {
  control::Response r;
  auto* out = r.mutable_invites();
  for (const ReceivedInvite& inv : c.node.invites().List()) {
    auto* e = out->add_invites();
    e->set_group(inv.group.Str());
    e->set_inviter(inv.inviter.Str());
    e->set_invite(inv.invite.Str());
    e->set_created_unix_ms(inv.created);
    if (const GroupState* g = c.node.ingestor().Group(inv.group)) e->set_group_name(g->genesis.name());
    e->set_state(IsMember(c.node, inv.group)                  ? "joined"
                 : c.node.invites().PendingJoin(inv.group) ? "joining"
                                                           : "invited");
  }
  return r;
}

Result<control::Response> Discover(Context c, const control::DiscoverRequest& req) {
  std::optional<Stage> stage;
  if (!req.stage().empty()) {
    for (Stage s : {Stage::kNetwork, Stage::kPractice, Stage::kInfluence})
      if (req.stage() == StageName(s)) stage = s;
    if (!stage)
      return Err(Status::InvalidArgument("unknown stage '" + req.stage() +
                                         "': expected network, practice or influence"));
  }
  std::vector<std::string> wanted;
  for (const auto& t : req.tags()) wanted.push_back(Lower(t));
  control::Response r;
  auto* out = r.mutable_discover();
  if (req.members()) {
    if (wanted.empty())
      return Err(Status::InvalidArgument("discover --members needs at least one --tag"));
    // member -> (shares per wanted tag)
    std::map<Id, std::map<std::string, std::uint32_t>> found;
    for (const auto& [tag, sharers] : c.node.ingestor().sharers_by_tag()) {
      const std::string low = Lower(tag);
      if (std::find(wanted.begin(), wanted.end(), low) == wanted.end()) continue;
      for (const auto& [member, n] : sharers) found[member][low] += n;
    }
    std::vector<std::pair<Id, std::uint32_t>> rows;
    for (const auto& [member, per_tag] : found) {
      if (per_tag.size() != wanted.size()) continue;  // every tag must match
      std::uint32_t n = 0;
      for (const auto& [t, k] : per_tag) n = std::max(n, k);
      rows.emplace_back(member, n);
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [member, n] : rows) {
      auto* m = out->add_members();
      m->set_member(member.Str());
      m->set_shares(n);
      for (const auto& t : wanted) m->add_tags(t);
    }
    return r;
  }
  std::vector<const GroupState*> rows;
  for (const auto& [id, g] : c.node.ingestor().Groups()) {
    // Invite-only groups stay with their members: listed only to them.
    if (g.genesis.invite_only() && !IsMember(c.node, id)) continue;
    if (stage && g.engine->Report().stage != *stage) continue;
    std::set<std::string> tags;
    for (const auto& t : g.genesis.tags()) tags.insert(Lower(t));
    bool all = std::all_of(wanted.begin(), wanted.end(),
                           [&](const std::string& t) { return tags.count(t) > 0; });
    if (all) rows.push_back(&g);
  }
  // Livelier first: stage, then contributions.
  std::sort(rows.begin(), rows.end(), [](const GroupState* a, const GroupState* b) {
    auto sa = a->engine->Report().stage, sb = b->engine->Report().stage;
    if (sa != sb) return sa > sb;
    return a->shares + a->republishes > b->shares + b->republishes;
  });
  for (const GroupState* g : rows) FillGroupInfo(c.node, g->id, *g, out->add_groups());
  return r;
}

}  // namespace praxis::node::control_internal
