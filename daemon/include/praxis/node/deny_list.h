// DenyList: what this node's operator will not store, serve or forward
// (`praxis deny MEMBER|GROUP|ROOT`; issue 7). Persisted in the store; the
// ingestor asks it for every announcement (a denied author, group, or a share
// of a denied root is out of scope: dropped quietly, never stored, so never
// forwarded), and the transfer gate for every request by root.
//
// Threading: the node's thread only.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "praxis/node/announcement.h"
#include "praxis/storage/store.h"

namespace praxis::node {

enum class DenyKind : std::uint8_t { kMember = 'm', kGroup = 'g', kRoot = 'r' };
const char* DenyKindName(DenyKind k);  // "member", "group", "root"

class DenyList {
 public:
  // Loads the persisted list (a read failure leaves it empty and is returned).
  explicit DenyList(storage::Store& store);
  Status load_status() const { return load_; }

  Status Add(DenyKind kind, const Id& id);
  // False when it was not denied.
  Result<bool> Remove(DenyKind kind, const Id& id);
  std::vector<std::pair<DenyKind, Id>> List() const;

  // Counts what it refuses (metrics).
  bool Refuses(const Announcement& a);
  bool RefusesRoot(const Id& root);
  std::uint64_t refused_announcements() const { return refused_announcements_; }
  std::uint64_t refused_requests() const { return refused_requests_; }

 private:
  std::set<Id>& Set(DenyKind k);
  storage::Store& store_;
  Status load_;
  std::set<Id> members_, groups_, roots_;
  std::uint64_t refused_announcements_ = 0;
  std::uint64_t refused_requests_ = 0;
};

}  // namespace praxis::node
