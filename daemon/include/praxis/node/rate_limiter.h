// Token buckets by key (an announcement's author): `rate` tokens a second,
// at most `burst` saved up. Plain logic under a clock the caller passes in.
// Bounded: past `max_keys`, buckets that have refilled (their authors quiet)
// are forgotten first, since a fresh bucket is a full one.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "praxis/storage/id.h"

namespace praxis::node {

class AuthorBuckets {
 public:
  AuthorBuckets(double rate_per_s, double burst, std::size_t max_keys = 100'000)
      : rate_(rate_per_s), burst_(burst), max_keys_(max_keys) {}
  bool enabled() const { return rate_ > 0; }
  // Takes one token from `key`'s bucket at `now_ms`; false when it is empty.
  bool Take(const Id& key, std::uint64_t now_ms);
  // Takes one token even from an empty bucket (down to -burst): what came
  // by another path (a reply we asked for) still counts against the rate.
  void Charge(const Id& key, std::uint64_t now_ms);
  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    std::uint64_t at;
  };
  double Refilled(const Bucket& b, std::uint64_t now_ms) const;
  Bucket& Find(const Id& key, std::uint64_t now_ms);
  double rate_, burst_;
  std::size_t max_keys_;
  std::unordered_map<Id, Bucket, IdHash> buckets_;
};

}  // namespace praxis::node
