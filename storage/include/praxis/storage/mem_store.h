// MemStore: the Store interface over sorted in-memory maps, one per column.
// For the simulator (thousands of nodes in one process, where a RocksDB per
// node is far too heavy) and for tests that need no durability. It passes
// the same conformance tests as the RocksDB store (tests/unit/store_test.cc).
#pragma once

#include <memory>
#include <string>

#include "praxis/storage/store.h"

namespace praxis::storage {

// A new, empty store holding the current schema version, as a fresh RocksDB
// store does. `name` is what path() reports, for messages.
std::unique_ptr<Store> OpenMemStore(std::string name = "mem");

}  // namespace praxis::storage
