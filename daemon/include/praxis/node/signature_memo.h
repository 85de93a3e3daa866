// SignatureMemo: signature checks remembered by (id, signature). The id
// hashes the signed bytes (author included), so the pair decides validity.
// A simulator runs thousands of engines in one process, each checking the
// same few hundred announcements: installed there, one memo spares all but
// the first check of each. Production installs none and checks every time.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "praxis/storage/id.h"

namespace praxis::node {

class SignatureMemo {
 public:
  std::optional<bool> Find(const Id& id, std::string_view signature) const;
  void Put(const Id& id, std::string_view signature, bool valid);
  std::uint64_t hits() const;
  std::size_t size() const;

 private:
  static std::string Key(const Id& id, std::string_view signature);
  mutable std::mutex mu_;  // engines may verify on worker threads
  std::unordered_map<std::string, bool> known_;
  mutable std::uint64_t hits_ = 0;
};

// Installs `memo` for every VerifyAnnouncement in this process from now on
// (null: none, the default). The caller keeps it alive while installed.
void SetSignatureMemo(SignatureMemo* memo);

}  // namespace praxis::node
