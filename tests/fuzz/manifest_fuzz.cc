// Resource manifests: every reader of one. A top manifest and up to three
// sub-manifests (raw bytes, or built from the input with chunk and child
// lists that point at each other, sizes that agree or not) are stored under
// their hashes, as a fetch stores what holders send; then a fetch plans from
// them (Transfer::Fetch: parse, size and chunk-count checks, disk space,
// scheduling), and the store-side readers walk them as a held resource
// (ForEachChunk, ListHeld, HeldSize, StageDrop).
//
// Checked: no crash; a manifest accepted by the planner lists exactly the
// chunks its size needs.
#include "fuzz/fuzz_drafts.h"
#include "fuzz/fuzz_init.h"
#include "fuzz/gossip_node.h"
#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"

namespace {

using namespace praxis;
using storage::Column;

std::string ChunkId(fuzz::FuzzInput& in) {
  const std::uint8_t c = in.U8();
  if (c % 4 == 0) return std::string(in.Bytes(c >> 2));  // any length
  return crypto::Blake2b256(std::string(1, static_cast<char>(c))).Str();
}

// Manifest bytes: raw, or a wire::Manifest listing the children given.
std::string ManifestBytes(fuzz::FuzzInput& in, const std::vector<std::string>& children) {
  const std::uint8_t how = in.U8();
  if (how % 8 == 0) return in.Part();
  wire::Manifest m;
  const std::uint64_t chunks = in.U8() % 6;
  m.set_size(how & 8 ? in.U64() : chunks * node::kChunkSize - in.U16() % node::kChunkSize);
  m.set_chunk_size(how & 16 ? in.U32() : node::kChunkSize);
  for (std::uint64_t i = 0; i < chunks; ++i) m.add_chunks(ChunkId(in));
  for (const auto& c : children) {
    m.add_children(how & 32 ? ChunkId(in) : crypto::Blake2b256(c).Str());
    m.add_child_sizes(in.U32());
  }
  return node::SerializeBody(m);
}

Id Put(storage::Store& store, const std::string& bytes) {
  storage::WriteSet ws;
  const Id id = crypto::Blake2b256(bytes);
  ws.Put(Column::kManifests, id.Str(), bytes);
  FUZZ_CHECK(store.Write(ws, storage::Durability::kWal).ok());
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  fuzz::GossipNode& g = fuzz::GossipNode::ForInput();
  storage::Store& store = *g.node().store;
  fuzz::FuzzInput in(data, size);

  std::vector<std::string> children;
  for (int n = in.U8() % 4; n > 0; --n) children.push_back(ManifestBytes(in, {}));
  const std::string top = ManifestBytes(in, children);
  for (const auto& c : children) Put(store, c);
  const Id root = Put(store, top);

  // The fetch path: plan from what is stored, as a resumed fetch does.
  const bool beyond = in.Bool();
  Status s = g.transfer->Fetch(root, g.net.now(), beyond);
  if (const node::FetchProgress* p = g.transfer->Progress(root); p && p->planned)
    FUZZ_CHECK(p->chunks == (p->size / node::kChunkSize) + (p->size % node::kChunkSize != 0));
  g.net.RunUntil(g.net.now() + in.U16());
  g.transfer->Forget(root);

  // The held-resource path: the marker says held, the readers walk it.
  storage::WriteSet ws;
  std::string held;
  storage::keys::AppendU64(held, in.U64());
  ws.Put(Column::kMeta, node::HeldKey(root), in.Bool() ? held : std::string(in.Bytes(3)));
  FUZZ_CHECK(store.Write(ws, storage::Durability::kWal).ok());
  std::uint64_t seen = 0;
  (void)node::ForEachChunk(store, root, [&](std::uint64_t index, const Id&) {
    FUZZ_CHECK(index == seen++);
    return Status::OK();
  });
  (void)node::HeldSize(store, root);
  (void)node::ListHeld(store);
  storage::WriteSet drop;
  (void)node::StageDrop(store, root, drop);
  FUZZ_CHECK(store.Write(drop, storage::Durability::kWal).ok());
  return 0;
}
