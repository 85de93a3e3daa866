// The control API's view of how groups grow (DESIGN §5): `praxis stage`
// explains a group's stage in figures, and `praxis news` says what happened
// while the member was away.
#include <algorithm>
#include <optional>

#include "control_internal.h"
#include "praxis/node/access.h"
#include "praxis/node/resolve.h"
#include "praxis/storage/keys.h"

namespace praxis::node::control_internal {

namespace {

using storage::Column;
namespace keys = storage::keys;

constexpr std::string_view kNewsCursor = "news_cursor";
constexpr int kMaxNewsItems = 500;

std::uint64_t ParseU64(const std::optional<std::string>& v) {
  return v && v->size() == 8 ? keys::ReadU64(*v) : 0;
}

}  // namespace

Result<control::Response> GroupStage(Context c, const control::StageRequest& req) {
  auto gid = ResolveGroup(c.node.ingestor(), req.group());
  if (!gid) return Err(gid.error());
  const GroupState* g = c.node.ingestor().Group(*gid);
  const StageReport& rep = g->engine->Report();
  control::Response r;
  auto* s = r.mutable_stage();
  s->set_group(gid->Str());
  s->set_name(g->genesis.name());
  s->set_stage(StageName(rep.stage));
  if (rep.raised_by) {
    s->set_raised_by(rep.raised_by->Str());
    if (auto a = c.node.ingestor().Find(*rep.raised_by); a && *a) {
      s->set_raised_by_author((*a)->author.Str());
      s->set_raised_at_unix_ms((*a)->created);
      wire::Republish rb;
      if ((*a)->kind == wire::KIND_REPUBLISH && ParseBody(**a, rb))
        if (auto oid = Id::FromBytes(rb.original()))
          if (auto o = c.node.ingestor().Find(*oid); o && *o)
            s->set_raised_by_original_author((*o)->author.Str());
    }
  }
  s->set_republishers(rep.republishers);
  s->set_min_republishers(g->engine->Rules().min_republishers);
  s->set_outside_republishers(rep.outside_republishers);
  s->set_min_outside(g->engine->Rules().min_outside);
  s->set_contributors(rep.contributors);
  s->set_republisher_share(rep.republisher_share);
  s->set_publish_on_practice(g->genesis.publish_on_practice());
  s->set_members(rep.members);
  s->set_invite_only(g->genesis.invite_only());
  s->set_reciprocity(rep.reciprocity);
  s->set_median_uptake_ms(rep.median_uptake_ms);
  for (const auto& [from, to] : g->engine->Edges()) {
    auto* e = s->add_edges();
    e->set_republisher(from.Str());
    e->set_author(to.Str());
  }
  s->set_catalogue_public(PublishesToAll(*g));
  return r;
}

Result<control::Response> News(Context c, const control::NewsRequest& req) {
  Node& node = c.node;
  storage::Store& store = node.store();
  std::uint64_t since = req.since_unix_ms();
  if (since == 0) {
    auto cursor = store.Get(Column::kMeta, kNewsCursor);
    if (!cursor) return Err(cursor.error());
    since = ParseU64(*cursor);
  }
  const std::uint64_t until = node.NowMs();
  control::Response r;
  auto* out = r.mutable_news();
  out->set_since_unix_ms(since);
  out->set_until_unix_ms(until);
  std::vector<control::NewsItem> items;
  auto group_name = [&](const Id& g) {
    const GroupState* gs = node.ingestor().Group(g);
    return gs ? gs->genesis.name() : std::string();
  };

  // Named references, not a structured binding: clang 14 cannot capture those.
  for (const auto& entry : node.ingestor().Groups()) {
    const Id& gid = entry.first;
    const GroupState& g = entry.second;
    if (!IsMember(node, gid)) continue;
    // New shares by others in the member's groups.
    Status s = store.Scan(
        Column::kGroupIndex, gid.Str(),
        [&](std::string_view k, std::string_view v) {
          if (v.size() != 4 || keys::ReadU32(v) != wire::KIND_SHARE) return true;
          auto a = node.ingestor().Find(keys::GroupIndexId(k));
          if (!a || !*a || (*a)->author == node.member()) return true;
          control::NewsItem item;
          item.set_type("share");
          item.set_at_unix_ms((*a)->created);
          item.set_group(gid.Str());
          item.set_group_name(g.genesis.name());
          item.set_who((*a)->author.Str());
          item.set_announcement((*a)->id.Str());
          item.set_title(ShareTitle(**a));
          items.push_back(std::move(item));
          return true;
        },
        keys::GroupIndex(gid, since + 1, Id{}));
    if (!s.ok()) return Err(s);
    // Stages raised since.
    const StageReport& rep = g.engine->Report();
    if (rep.stage != Stage::kNetwork && rep.raised_by)
      if (auto a = node.ingestor().Find(*rep.raised_by); a && *a && (*a)->created > since) {
        control::NewsItem item;
        item.set_type("stage");
        item.set_at_unix_ms((*a)->created);
        item.set_group(gid.Str());
        item.set_group_name(g.genesis.name());
        item.set_who((*a)->author.Str());
        item.set_announcement(rep.raised_by->Str());
        item.set_stage(StageName(rep.stage));
        items.push_back(std::move(item));
      }
  }

  // Republishes of the member's own shares, wherever they were made.
  Status s = store.Scan(Column::kLogs, node.member().Str(), [&](std::string_view, std::string_view v) {
    if (v.size() < 44 || keys::ReadU32(v.substr(40)) != wire::KIND_SHARE) return true;
    const Id share = *Id::FromBytes(v.substr(0, 32));
    std::optional<std::string> title;  // read once per share, if it was republished since
    (void)store.Scan(Column::kRepublishes, share.Str(), [&](std::string_view k, std::string_view) {
      auto a = node.ingestor().Find(keys::PairSecond(k));
      if (!a || !*a || (*a)->created <= since || (*a)->author == node.member()) return true;
      if (!title) {
        auto original = node.ingestor().Find(share);
        title = original && *original ? ShareTitle(**original) : std::string();
      }
      control::NewsItem item;
      item.set_type("republish_of_yours");
      item.set_at_unix_ms((*a)->created);
      item.set_group(a->value().LogGroup().Str());
      item.set_group_name(group_name((*a)->LogGroup()));
      item.set_who((*a)->author.Str());
      item.set_announcement((*a)->id.Str());
      item.set_title(*title);
      items.push_back(std::move(item));
      return true;
    });
    return true;
  });
  if (!s.ok()) return Err(s);

  // Invites addressed to the member.
  for (const ReceivedInvite& inv : node.invites().List()) {
    if (inv.created <= since || IsMember(node, inv.group)) continue;
    control::NewsItem item;
    item.set_type("invite");
    item.set_at_unix_ms(inv.created);
    item.set_group(inv.group.Str());
    item.set_group_name(group_name(inv.group));
    item.set_who(inv.inviter.Str());
    item.set_announcement(inv.invite.Str());
    items.push_back(std::move(item));
  }

  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.at_unix_ms() < b.at_unix_ms();
  });
  const int skip = std::max(0, static_cast<int>(items.size()) - kMaxNewsItems);
  for (int i = skip; i < static_cast<int>(items.size()); ++i) *out->add_items() = items[i];

  if (req.advance()) {
    storage::WriteSet ws;
    std::string v;
    keys::AppendU64(v, until);
    ws.Put(Column::kMeta, std::string(kNewsCursor), v);
    if (Status w = store.Write(ws, storage::Durability::kWal); !w.ok()) return Err(w);
  }
  return r;
}

}  // namespace praxis::node::control_internal
