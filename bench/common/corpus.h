// The corpus bench/ingest and bench/catchup sign: share and genesis bodies
// sized like what people post, drawn deterministically from a seed.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>

#include "common/bench_util.h"
#include "praxis/node/announcement.h"
#include "wire.pb.h"

namespace praxis::bench {

inline constexpr std::array<const char*, 32> kWords = {
    "soil",       "compost", "irrigation", "seed",    "orchard",  "grafting", "pruning",
    "beekeeping", "mulch",   "rotation",   "cover",   "crop",     "yield",    "survey",
    "method",     "field",   "notes",      "trial",   "practice", "harvest",  "storage",
    "drying",     "tools",   "repair",     "water",   "season",   "market",   "cooperative",
    "pests",      "shade",   "terrace",    "drainage"};

inline std::string Words(SplitMix& r, std::size_t n) { return Words(r, n, kWords); }

// Body of a share, sized like what people post: a title, a few tags, often a
// short description and a file name.
inline std::string ShareBody(std::uint64_t seed, std::uint64_t slot) {
  SplitMix r{seed * 0x1000193ULL ^ slot};
  wire::Share s;
  s.set_root(RandomBytes32(r));
  s.set_size(1024 + r.Below(50u << 20));
  s.set_title(fmt::format("{} {} ({})", Words(r, 1 + r.Below(3)), "notes", slot));
  for (std::uint64_t i = 0, n = 1 + r.Below(3); i < n; ++i)
    s.add_tags(kWords[r.Below(kWords.size())]);
  if (r.Below(2)) s.set_description(Words(r, r.Below(25)));
  if (r.Below(5) == 0) {
    s.set_note(true);
  } else {
    s.set_filename(fmt::format("{}-{}.pdf", kWords[r.Below(kWords.size())], slot));
  }
  return node::SerializeBody(s);
}

inline std::string GenesisBody(std::uint64_t seed, std::uint32_t g) {
  SplitMix r{seed * 0x51ULL ^ g};
  wire::Genesis m;
  m.set_name(fmt::format("{} circle {}", kWords[r.Below(kWords.size())], g));
  m.set_description(Words(r, 12));
  m.add_tags(kWords[r.Below(kWords.size())]);
  m.add_tags(kWords[r.Below(kWords.size())]);
  m.set_publish_on_practice(true);
  m.set_nonce(RandomBytes32(r).substr(0, 16));
  return node::SerializeBody(m);
}

}  // namespace praxis::bench
