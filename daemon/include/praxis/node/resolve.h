// Turning what a person typed into ids: full hex, a unique hex prefix, or (for
// groups) a unique group name. Ambiguity lists the candidates.
#pragma once

#include <string>

#include "praxis/node/ingestor.h"

namespace praxis::node {

// REQUIRES: node thread.
Result<Id> ResolveGroup(Ingestor& ing, const std::string& text);
// An announcement held in the logs (not only as an original).
Result<Id> ResolveAnnouncement(Ingestor& ing, storage::Store& store, const std::string& text);
// What `praxis get` names: a held resource root or an announcement (full id
// or a unique prefix across both).
struct ContentRef {
  Id id;
  bool is_root = false;
};
Result<ContentRef> ResolveContent(Ingestor& ing, storage::Store& store, const std::string& text);

// A member id: full hex, or a unique prefix of a member whose announcements
// are held here.
Result<Id> ResolveMember(storage::Store& store, const std::string& text);

}  // namespace praxis::node
