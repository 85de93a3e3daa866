#include "praxis/node/rate_limiter.h"

#include <algorithm>

namespace praxis::node {

double AuthorBuckets::Refilled(const Bucket& b, std::uint64_t now_ms) const {
  const double elapsed = now_ms > b.at ? static_cast<double>(now_ms - b.at) / 1000.0 : 0.0;
  return std::min(burst_, b.tokens + elapsed * rate_);
}

AuthorBuckets::Bucket& AuthorBuckets::Find(const Id& key, std::uint64_t now_ms) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      std::erase_if(buckets_, [&](const auto& kv) { return Refilled(kv.second, now_ms) >= burst_; });
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{burst_, now_ms}).first;
  }
  Bucket& b = it->second;
  b.tokens = Refilled(b, now_ms);
  b.at = now_ms;
  return b;
}

bool AuthorBuckets::Take(const Id& key, std::uint64_t now_ms) {
  if (!enabled()) return true;
  Bucket& b = Find(key, now_ms);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void AuthorBuckets::Charge(const Id& key, std::uint64_t now_ms) {
  if (!enabled()) return;
  Bucket& b = Find(key, now_ms);
  b.tokens = std::max(-burst_, b.tokens - 1.0);
}

}  // namespace praxis::node
