#include "praxis/node/resource.h"

#include <unordered_set>

#include "praxis/crypto/crypto.h"
#include "praxis/node/announcement.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;

Status ResourceWriter::Append(std::string_view data) {
  while (!data.empty()) {
    std::size_t take = std::min(data.size(), kChunkSize - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    size_ += take;
    if (buffer_.size() == kChunkSize) PRAXIS_RETURN_IF_ERROR(CutChunk());
  }
  return Status::OK();
}

Status ResourceWriter::CutChunk() {
  Id id = crypto::Blake2b256(buffer_);
  chunk_ids_.push_back(id);
  chunk_writes_.Put(Column::kChunks, id.Str(), std::move(buffer_));
  buffer_.clear();
  if (chunk_writes_.ops().size() >= kChunksPerWrite) return WriteChunks();
  return Status::OK();
}

Status ResourceWriter::WriteChunks() {
  PRAXIS_RETURN_IF_ERROR(store_.Write(chunk_writes_, storage::Durability::kNoWal));
  chunk_writes_.Clear();
  wrote_without_wal_ = true;
  return Status::OK();
}

namespace {
std::string SizeValue(std::uint64_t size) {
  std::string v;
  storage::keys::AppendU64(v, size);
  return v;
}

Id PutManifest(const wire::Manifest& m, storage::WriteSet& ws) {
  std::string bytes = SerializeBody(m);
  Id id = crypto::Blake2b256(bytes);
  ws.Put(Column::kManifests, id.Str(), std::move(bytes));
  return id;
}
}  // namespace

Result<ResourceInfo> ResourceWriter::Finish(storage::WriteSet& ws) {
  if (!buffer_.empty() || chunk_ids_.empty()) PRAXIS_RETURN_IF_ERROR(CutChunk());
  if (wrote_without_wal_) {
    // Large content: the rest goes the same way, then one flush makes it all
    // durable before the synced batch that names the root.
    if (!chunk_writes_.empty()) PRAXIS_RETURN_IF_ERROR(WriteChunks());
    PRAXIS_RETURN_IF_ERROR(store_.Flush(Column::kChunks));
  } else {
    ws.Append(std::move(chunk_writes_));
  }
  ResourceInfo info{.size = size_, .chunks = chunk_ids_.size()};
  auto single = [&](std::size_t begin, std::size_t end, std::uint64_t bytes) {
    wire::Manifest m;
    m.set_size(bytes);
    m.set_chunk_size(kChunkSize);
    for (std::size_t i = begin; i < end; ++i) m.add_chunks(chunk_ids_[i].Str());
    return m;
  };
  if (chunk_ids_.size() <= max_entries_) {
    info.root = PutManifest(single(0, chunk_ids_.size(), size_), ws);
    ws.Put(Column::kMeta, HeldKey(info.root), SizeValue(size_));
    return info;
  }
  wire::Manifest top;
  top.set_size(size_);
  top.set_chunk_size(kChunkSize);
  for (std::size_t begin = 0; begin < chunk_ids_.size(); begin += max_entries_) {
    std::size_t end = std::min(chunk_ids_.size(), begin + max_entries_);
    std::uint64_t bytes =
        std::min<std::uint64_t>(size_ - begin * kChunkSize, (end - begin) * kChunkSize);
    top.add_children(PutManifest(single(begin, end, bytes), ws).Str());
    top.add_child_sizes(bytes);
  }
  info.root = PutManifest(top, ws);
  ws.Put(Column::kMeta, HeldKey(info.root), SizeValue(size_));
  return info;
}

Result<wire::Manifest> LoadManifest(storage::Store& store, const Id& id) {
  auto bytes = store.Get(Column::kManifests, id.View());
  if (!bytes) return Err(bytes.error());
  if (!*bytes) return Err(Status::NotFound("manifest " + id.Hex() + " not held"));
  if (crypto::Blake2b256(**bytes) != id)
    return Err(Status::Corruption("manifest " + id.Hex() + " fails its hash"));
  wire::Manifest m;
  if (!m.ParseFromString(**bytes)) return Err(Status::Corruption("manifest does not parse"));
  return m;
}

Status ForEachChunk(storage::Store& store, const Id& root,
                    const std::function<Status(std::uint64_t, const Id&)>& fn) {
  auto top = LoadManifest(store, root);
  if (!top) return top.error();
  std::uint64_t index = 0;
  auto visit = [&](const wire::Manifest& m) -> Status {
    for (const auto& c : m.chunks()) {
      auto id = Id::FromBytes(c);
      if (!id) return Status::Corruption("manifest lists a malformed chunk id");
      PRAXIS_RETURN_IF_ERROR(fn(index++, *id));
    }
    return Status::OK();
  };
  PRAXIS_RETURN_IF_ERROR(visit(*top));
  for (const auto& child : top->children()) {
    auto cid = Id::FromBytes(child);
    if (!cid) return Status::Corruption("manifest lists a malformed child id");
    auto sub = LoadManifest(store, *cid);
    if (!sub) return sub.error();
    PRAXIS_RETURN_IF_ERROR(visit(*sub));
  }
  return Status::OK();
}

std::string HeldKey(const Id& root) { return "held:" + root.Str(); }

Result<bool> ResourceHeld(storage::Store& store, const Id& root) {
  auto v = store.Get(Column::kMeta, HeldKey(root));
  if (!v) return Err(v.error());
  return v->has_value();
}

Result<std::optional<std::uint64_t>> HeldSize(storage::Store& store, const Id& root) {
  auto v = store.Get(Column::kMeta, HeldKey(root));
  if (!v) return Err(v.error());
  if (!*v) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>((*v)->size() == 8 ? storage::keys::ReadU64(**v) : UINT64_MAX);
}

Result<std::vector<HeldResource>> ListHeld(storage::Store& store) {
  std::vector<HeldResource> out;
  const std::string prefix = "held:";
  Status s = store.Scan(Column::kMeta, prefix, [&](std::string_view k, std::string_view v) {
    if (auto root = Id::FromBytes(k.substr(prefix.size())))
      out.push_back({*root, v.size() == 8 ? storage::keys::ReadU64(v) : UINT64_MAX});
    return true;
  });
  if (!s.ok()) return Err(s);
  for (auto& r : out) {
    if (r.size != UINT64_MAX) continue;  // markers written before sizes were kept
    auto m = LoadManifest(store, r.root);
    r.size = m ? m->size() : 0;
  }
  return out;
}

Result<std::uint64_t> StageDrop(storage::Store& store, const Id& root, storage::WriteSet& ws) {
  auto held = ListHeld(store);
  if (!held) return Err(held.error());
  std::uint64_t size = 0;
  bool found = false;
  std::unordered_set<Id, IdHash> keep;  // chunks other held resources still need
  for (const auto& r : *held) {
    if (r.root == root) {
      found = true;
      size = r.size;
      continue;
    }
    PRAXIS_RETURN_IF_ERROR(ForEachChunk(store, r.root, [&](std::uint64_t, const Id& c) {
      keep.insert(c);
      return Status::OK();
    }));
  }
  if (!found) return std::uint64_t{0};
  PRAXIS_RETURN_IF_ERROR(ForEachChunk(store, root, [&](std::uint64_t, const Id& c) {
    if (!keep.count(c)) ws.Delete(Column::kChunks, c.Str());
    return Status::OK();
  }));
  auto top = LoadManifest(store, root);
  if (top)
    for (const auto& child : top->children()) ws.Delete(Column::kManifests, child);
  ws.Delete(Column::kManifests, root.Str());
  ws.Delete(Column::kMeta, HeldKey(root));
  return size;
}

Result<std::string> ReadChunk(storage::Store& store, const Id& chunk) {
  auto v = store.Get(Column::kChunks, chunk.View());
  if (!v) return Err(v.error());
  if (!*v) return Err(Status::NotFound("chunk " + chunk.Hex() + " not held"));
  if (crypto::Blake2b256(**v) != chunk)
    return Err(Status::Corruption("chunk " + chunk.Hex() + " fails its hash"));
  return std::move(**v);
}

}  // namespace praxis::node
