// LogIndex: the head of every (author, log group) log this node holds, by log
// group, with one 64-bit fingerprint per group kept current as heads move.
// Catch-up compares fingerprints first and exchanges heads only for groups
// that differ (DESIGN §4), so two nodes that agree send one digest each.
//
// A log's fingerprint term hashes (author, seq, head id, frozen): a fork on
// either side changes it, so a digest never hides a fork. The group's
// fingerprint is the XOR of its terms (updated in O(1) per move); it detects
// honest differences, it does not defend against a peer crafting collisions
// (a liar only hides its own logs from itself).
//
// Threading: the node's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>

#include "praxis/storage/id.h"
#include "praxis/storage/status.h"
#include "praxis/storage/store.h"

namespace praxis::node {

class LogIndex {
 public:
  struct Head {
    std::uint64_t seq = 0;
    Id head;
    bool frozen = false;
  };
  struct Group {
    std::map<Id, Head> logs;  // by author
    std::uint64_t fingerprint = 0;
  };

  // One pass over the logs and forks the store holds.
  static Result<LogIndex> Load(storage::Store& store);

  // Records that `author`'s log in `group` holds `seq` with id `head`; a
  // lower or equal seq changes nothing (logs only grow).
  void Advance(const Id& author, const Id& group, std::uint64_t seq, const Id& head);
  void Freeze(const Id& author, const Id& group);

  const Group* Find(const Id& group) const;
  const std::unordered_map<Id, Group, IdHash>& groups() const { return groups_; }
  std::uint64_t Fingerprint(const Id& group) const;

 private:
  static std::uint64_t Term(const Id& author, const Head& h);
  void Set(const Id& author, const Id& group, const Head& h);

  std::unordered_map<Id, Group, IdHash> groups_;
};

}  // namespace praxis::node
