// Resources (DESIGN.md §3): content cut into 256 KiB chunks addressed by
// BLAKE2b-256, listed by a manifest (two levels when one would not fit a
// frame); the resource root is the top manifest's hash.
//
// Memory stays bounded whatever the content size: chunks are written as they
// fill. Not thread-safe; one writer per resource.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "praxis/storage/id.h"
#include "praxis/storage/status.h"
#include "praxis/storage/store.h"
#include "wire.pb.h"

namespace praxis::node {

inline constexpr std::size_t kChunkSize = 256 * 1024;
// 4096 hashes keep a manifest near 128 KiB, well inside one frame; a single
// level then covers 1 GiB, two levels 4 PiB.
inline constexpr std::size_t kMaxManifestEntries = 4096;
// Chunks are written without the WAL in groups of this many, then the chunk
// column is flushed before the synced batch that refers to them (DESIGN §6).
inline constexpr std::size_t kChunksPerWrite = 16;

struct ResourceInfo {
  Id root;
  std::uint64_t size = 0;
  std::uint64_t chunks = 0;
};

class ResourceWriter {
 public:
  // `max_manifest_entries` is a knob for tests of the two-level layout.
  explicit ResourceWriter(storage::Store& store,
                          std::size_t max_manifest_entries = kMaxManifestEntries)
      : store_(store), max_entries_(max_manifest_entries) {}
  // Accepts the next bytes of content.
  Status Append(std::string_view data);
  // Cuts the last chunk and builds the manifests. Their writes (and, for small
  // content, the chunks themselves) are added to `ws`, which the caller
  // writes synced together with the share that names the root.
  Result<ResourceInfo> Finish(storage::WriteSet& ws);
  std::uint64_t size() const { return size_; }

 private:
  Status CutChunk();
  Status WriteChunks();

  storage::Store& store_;
  std::size_t max_entries_;
  std::string buffer_;              // < kChunkSize bytes not yet cut
  storage::WriteSet chunk_writes_;  // cut chunks not yet written
  std::vector<Id> chunk_ids_;       // every chunk, in order
  std::uint64_t size_ = 0;
  bool wrote_without_wal_ = false;
};

// Reads a manifest by hash. NotFound when not held; Corruption when it does
// not hash to `id` or does not parse.
Result<wire::Manifest> LoadManifest(storage::Store& store, const Id& id);

// Calls fn(index, chunk id) for every chunk of the resource in order.
Status ForEachChunk(storage::Store& store, const Id& root,
                    const std::function<Status(std::uint64_t, const Id&)>& fn);

// Whether every manifest and chunk of `root` is held: a marker in kMeta,
// written in the same batch as the last piece of the resource, so the answer
// costs one lookup whatever the resource's size.
Result<bool> ResourceHeld(storage::Store& store, const Id& root);
std::string HeldKey(const Id& root);
// The content size of `root` when it is held in full (from its held marker,
// one lookup); nullopt when not held.
Result<std::optional<std::uint64_t>> HeldSize(storage::Store& store, const Id& root);

struct HeldResource {
  Id root;
  std::uint64_t size = 0;
};
// Every resource held in full, with its content size.
Result<std::vector<HeldResource>> ListHeld(storage::Store& store);

// Stages into `ws` the removal of `root`: its held marker, its manifests, and
// every chunk of it that no other held resource also uses. Returns the
// content size dropped (0 when it was not held).
Result<std::uint64_t> StageDrop(storage::Store& store, const Id& root, storage::WriteSet& ws);

// Reads one chunk and checks its hash.
Result<std::string> ReadChunk(storage::Store& store, const Id& chunk);

}  // namespace praxis::node
