// Who may fetch a resource (DESIGN §4): content is gated by the group of
// the shares that name its root. Open-group content goes to the group's
// members (joining is free) and, once the group is a practice circle that
// publishes, to anyone; invite-only content to members only. A republish of
// an open group's share into another group also lets that group's members
// fetch it (that is what carrying work into other groups means). A seed is
// served any open group's content: it keeps it for members behind NAT, and
// joining would have admitted it anyway.
#pragma once

#include "praxis/node/ingestor.h"
#include "praxis/storage/store.h"

namespace praxis::node {

// An open group that publishes on practice and has reached it: anyone may
// fetch its resources, and seeds keep them.
bool PublishesToAll(const GroupState& g);

// `seed`: the asker is a seed (any open group's content is served to it).
bool MayFetch(Ingestor& ingestor, storage::Store& store, const Id& member, const Id& root,
              bool seed = false);

}  // namespace praxis::node
