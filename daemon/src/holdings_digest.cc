#include "praxis/node/holdings_digest.h"

#include <cstring>

#include "praxis/storage/keys.h"

namespace praxis::node {

namespace {

std::uint64_t Prefix48(const Id& id) {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = v << 8 | id.bytes[static_cast<std::size_t>(i)];
  return v;
}

}  // namespace

HoldingsDigest::HoldingsDigest(Node& node) : node_(node) {
  // Named references, not a structured binding: clang 14 cannot capture those.
  for (const auto& entry : node_.ingestor().Groups()) {
    const Id& gid = entry.first;
    if (entry.second.genesis.invite_only()) continue;
    (void)node_.store().Scan(storage::Column::kGroupIndex, gid.Str(),
                             [&](std::string_view k, std::string_view) {
                               Add(gid, storage::keys::GroupIndexCreated(k),
                                   storage::keys::GroupIndexId(k));
                               return true;
                             });
  }
  watch_ = node_.Watch([this](const NodeEvent& e) {
    const Announcement& a = e.announcement;
    Add(a.LogGroup(), a.created, a.id);
  });
}

HoldingsDigest::~HoldingsDigest() { node_.Unwatch(watch_); }

void HoldingsDigest::Add(const Id& log_group, std::uint64_t created, const Id& id) {
  const GroupState* g = node_.ingestor().Group(log_group);
  if (!g || g->genesis.invite_only()) return;  // profiles, and groups kept among members
  buckets_[created / kWindowMs] ^= Prefix48(id);
}

std::uint64_t HoldingsDigest::Value(std::uint64_t now_ms) const {
  const std::uint64_t settled = now_ms / kWindowMs;  // this window and the last are in flight
  std::uint64_t v = 0;
  for (auto it = buckets_.begin(); it != buckets_.end() && it->first + 1 < settled; ++it)
    v ^= it->second;
  return v;
}

}  // namespace praxis::node
