// A RocksDB store in a temp dir (TMPDIR: scripts/fuzz points it at tmpfs),
// for targets that drive code which reads and writes one. Targets start a
// fresh one every so many inputs, so that a run's state stays small and a
// crashing input replays on a store about as empty as the one it hit.
#pragma once

#include <memory>

#include "praxis/storage/store.h"
#include "testutil/temp_dir.h"

namespace praxis::fuzz {

inline constexpr int kInputsPerStore = 500;

struct ScratchStore {
  testutil::TempDir dir;
  std::unique_ptr<storage::Store> store;
  ScratchStore() {
    auto s = storage::OpenRocksStore({.path = dir.Sub("db"),
                                      .block_cache_bytes = 1 << 20,
                                      .write_buffer_bytes = 1 << 20,
                                      .chunk_write_buffer_bytes = 1 << 20});
    if (!s) std::abort();
    store = std::move(*s);
  }
};

}  // namespace praxis::fuzz
