// Reads a stored resource back in full, checking every chunk's hash.
#pragma once

#include <string>

#include "praxis/storage/id.h"
#include "praxis/storage/store.h"

namespace praxis::testutil {

Result<std::string> ReadResource(storage::Store& store, const Id& root);

}  // namespace praxis::testutil
