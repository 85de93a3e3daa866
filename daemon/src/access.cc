#include "praxis/node/access.h"

#include "praxis/node/holdings.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;

namespace {

bool Member(Ingestor& ingestor, const Id& member, const Id& group) {
  const GroupState* g = ingestor.Group(group);
  if (!g) return false;
  if (g->creator == member) return true;
  auto head = ingestor.Head(member, group);
  return head && head->member;
}

}  // namespace

bool PublishesToAll(const GroupState& g) {
  return !g.genesis.invite_only() && g.genesis.publish_on_practice() &&
         g.engine->Report().stage >= Stage::kPractice;
}

bool MayFetch(Ingestor& ingestor, storage::Store& store, const Id& member, const Id& root,
              bool seed) {
  bool allowed = false;
  ForEachShareOf(ingestor, store, root, /*live_only=*/true, [&](const Announcement& a) {
    if (!a.group) return true;
    const Id share = a.id;
    const Id group = *a.group;
    const GroupState* g = ingestor.Group(group);
    if (!g) return true;
    if (Member(ingestor, member, group) || PublishesToAll(*g) ||
        (seed && !g->genesis.invite_only())) {
      allowed = true;
      return false;
    }
    if (g->genesis.invite_only()) return true;
    // Carried into other groups: their members may fetch it too.
    (void)store.Scan(Column::kRepublishes, share.Str(), [&](std::string_view rk, std::string_view) {
      auto r = ingestor.Find(storage::keys::PairSecond(rk));
      if (r && *r && (*r)->group && Member(ingestor, member, *(*r)->group)) allowed = true;
      return !allowed;
    });
    return !allowed;
  });
  return allowed;
}

}  // namespace praxis::node
