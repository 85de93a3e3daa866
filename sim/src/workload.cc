#include "praxis/sim/workload.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "praxis/crypto/crypto.h"

namespace praxis::sim {

namespace {

// An author with a key drawn from the seed, keeping its logs' seq and prev.
class Author {
 public:
  Author(std::uint64_t seed, int index) : key_(KeyFrom(seed, index)) {}

  node::Announcement Next(std::optional<Id> group, std::uint32_t kind, std::string body,
                          std::uint64_t created) {
    node::Draft d{.group = group, .kind = kind, .body = std::move(body)};
    d.created = created;
    if (kind == wire::KIND_GENESIS) {
      d.seq = 1;
      node::Announcement a = node::SignDraft(key_, d);
      logs_[a.id] = {1, a.id};
      return a;
    }
    Log& log = logs_[*group];
    d.seq = log.seq + 1;
    if (log.seq) d.prev = log.head;
    node::Announcement a = node::SignDraft(key_, d);
    log = {a.seq, a.id};
    return a;
  }

 private:
  static crypto::KeyPair KeyFrom(std::uint64_t seed, int index) {
    const Id s = crypto::Blake2b256("sim author " + std::to_string(seed) + " " +
                                    std::to_string(index));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, s.bytes.data());
    auto key = crypto::KeyPair::FromSecret(
        std::string_view(reinterpret_cast<const char*>(sk), sizeof sk));
    sodium_memzero(sk, sizeof sk);
    return *key;
  }
  struct Log {
    std::uint64_t seq = 0;
    Id head;
  };
  crypto::KeyPair key_;
  std::map<Id, Log> logs_;
};

}  // namespace

Workload MakeWorkload(const WorkloadOptions& o) {
  crypto::InitCrypto();
  std::mt19937_64 rng(o.seed ^ 0x5157'6f72'6b6c'6f61ULL);
  Workload w;
  w.authors = o.groups * o.authors_per_group;
  std::vector<Author> authors;
  for (int i = 0; i < w.authors; ++i) authors.emplace_back(o.seed, i);
  // Author k belongs to group k % groups; the first of each group creates it.
  std::vector<Id> group_ids;
  for (int g = 0; g < o.groups; ++g) {
    wire::Genesis body;
    body.set_name("sim group " + std::to_string(g));
    body.set_publish_on_practice(true);
    body.set_nonce(std::to_string(o.seed) + "/" + std::to_string(g));
    const node::Millis at = o.start + static_cast<node::Millis>(g) * 100;
    auto a = authors[static_cast<std::size_t>(g)].Next(
        std::nullopt, wire::KIND_GENESIS, node::SerializeBody(body), o.epoch_ms + at);
    group_ids.push_back(a.id);
    w.items.push_back({at, g, std::move(a)});
  }
  for (int k = o.groups; k < w.authors; ++k) {
    const node::Millis at = o.start + o.join_after + rng() % 1'000;
    auto a = authors[static_cast<std::size_t>(k)].Next(
        group_ids[static_cast<std::size_t>(k % o.groups)], wire::KIND_JOIN,
        node::SerializeBody(wire::Join()), o.epoch_ms + at);
    w.items.push_back({at, k, std::move(a)});
  }
  const int shares = std::max(0, o.announcements - w.authors);
  std::vector<node::Millis> times;
  for (int s = 0; s < shares; ++s)
    times.push_back(o.start + o.share_after + rng() % std::max<node::Millis>(o.window, 1));
  std::sort(times.begin(), times.end());
  for (int s = 0; s < shares; ++s) {
    const int k = static_cast<int>(rng() % static_cast<std::uint64_t>(w.authors));
    wire::Share body;
    const std::string title = "sim share " + std::to_string(s) + " of author " + std::to_string(k);
    body.set_root(crypto::Blake2b256(title).Str());
    body.set_size(1024 + rng() % (50u << 20));
    body.set_title(title);
    body.add_tags("practice");
    body.set_filename("notes-" + std::to_string(s) + ".pdf");
    auto a = authors[static_cast<std::size_t>(k)].Next(
        group_ids[static_cast<std::size_t>(k % o.groups)], wire::KIND_SHARE,
        node::SerializeBody(body), o.epoch_ms + times[static_cast<std::size_t>(s)]);
    w.items.push_back({times[static_cast<std::size_t>(s)], k, std::move(a)});
  }
  std::stable_sort(w.items.begin(), w.items.end(),
                   [](const Planned& x, const Planned& y) { return x.at < y.at; });
  return w;
}

}  // namespace praxis::sim
