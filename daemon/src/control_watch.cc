// `praxis watch`: events as announcements become held here, and the stage
// rises they cause (DESIGN §5: the stage is recomputed as announcements
// arrive, so a rise is seen the moment its last announcement is).
#include <algorithm>

#include "control_internal.h"

namespace praxis::node::control_internal {

EventFeed::EventFeed(Node& node, std::optional<Id> only) : node_(node), only_(only) {
  for (const auto& [id, g] : node_.ingestor().Groups()) stages_[id] = g.engine->Report().stage;
}

std::vector<control::Event> EventFeed::On(const NodeEvent& ne) {
  const Announcement& a = ne.announcement;
  control::Event ev;
  ev.set_id(a.id.Str());
  ev.set_kind(a.kind);
  ev.set_group(a.LogGroup().Str());
  ev.set_author(a.author.Str());
  ev.set_own(ne.own);
  ev.set_at_unix_ms(ne.at_unix_ms);
  ev.set_at_mono_ns(ne.at_mono_ns);
  ev.set_type(KindName(a.kind));
  std::vector<Id> touched{a.LogGroup()};
  if (const GroupState* g = node_.ingestor().Group(a.LogGroup())) ev.set_group_name(g->genesis.name());
  if (a.kind == wire::KIND_SHARE) {
    ev.set_title(ShareTitle(a));
  } else if (a.kind == wire::KIND_REPUBLISH) {
    wire::Republish r;
    if (ParseBody(a, r))
      if (auto oid = Id::FromBytes(r.original()))
        if (auto o = node_.ingestor().Find(*oid); o && *o) {
          ev.set_title(ShareTitle(**o));
          ev.set_original_author((*o)->author.Str());
          if ((*o)->group) {
            ev.set_original_group((*o)->group->Str());
            touched.push_back(*(*o)->group);
          }
        }
  } else if (a.kind == wire::KIND_INVITE) {
    wire::Invite i;
    if (ParseBody(a, i)) ev.set_invitee(i.invitee());
  }

  std::vector<control::Event> out;
  auto wanted = [&](const Id& g) { return !only_ || *only_ == g; };
  if (std::any_of(touched.begin(), touched.end(), wanted)) out.push_back(ev);
  for (const Id& gid : touched) {
    const GroupState* g = node_.ingestor().Group(gid);
    if (!g) continue;
    const StageReport& rep = g->engine->Report();
    auto [it, fresh] = stages_.try_emplace(gid, Stage::kNetwork);
    if (rep.stage <= it->second) continue;
    it->second = rep.stage;
    if (!wanted(gid)) continue;
    control::Event st;
    st.set_type("stage");
    st.set_stage(StageName(rep.stage));
    st.set_group(gid.Str());
    st.set_group_name(g->genesis.name());
    if (rep.raised_by) {
      st.set_id(rep.raised_by->Str());
      if (auto r = node_.ingestor().Find(*rep.raised_by); r && *r) st.set_author((*r)->author.Str());
    }
    st.set_at_unix_ms(ne.at_unix_ms);
    st.set_at_mono_ns(ne.at_mono_ns);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace praxis::node::control_internal
