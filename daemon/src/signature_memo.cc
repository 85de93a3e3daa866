#include "praxis/node/signature_memo.h"

namespace praxis::node {

std::string SignatureMemo::Key(const Id& id, std::string_view signature) {
  std::string k(id.View());
  k.append(signature);
  return k;
}

std::optional<bool> SignatureMemo::Find(const Id& id, std::string_view signature) const {
  const std::string k = Key(id, signature);
  std::lock_guard lock(mu_);
  auto it = known_.find(k);
  if (it == known_.end()) return std::nullopt;
  ++hits_;
  return it->second;
}

void SignatureMemo::Put(const Id& id, std::string_view signature, bool valid) {
  std::string k = Key(id, signature);
  std::lock_guard lock(mu_);
  known_.emplace(std::move(k), valid);
}

std::uint64_t SignatureMemo::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::size_t SignatureMemo::size() const {
  std::lock_guard lock(mu_);
  return known_.size();
}

}  // namespace praxis::node
