// Once per fuzz process: libsodium ready, logging off, ours and protobuf's
// (a line per rejected input, e.g. a string field that is not UTF-8, would
// cost more than the parse it reports on).
#pragma once

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "praxis/crypto/crypto.h"

namespace praxis::fuzz {

inline bool InitOnce() {
  static const bool done = [] {
    crypto::InitCrypto();
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  return done;
}

// A failed invariant: abort, so that libFuzzer (and the replay test) report it.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

}  // namespace praxis::fuzz
