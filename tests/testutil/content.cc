#include "testutil/content.h"

#include "praxis/node/resource.h"

namespace praxis::testutil {

Result<std::string> ReadResource(storage::Store& store, const Id& root) {
  std::string out;
  Status s = node::ForEachChunk(store, root, [&](std::uint64_t, const Id& c) {
    auto bytes = node::ReadChunk(store, c);
    if (!bytes) return bytes.error();
    out += *bytes;
    return Status::OK();
  });
  if (!s.ok()) return Err(s);
  return out;
}

}  // namespace praxis::testutil
