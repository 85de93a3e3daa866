// Test authors that sign well-formed announcements and keep their own logs'
// seq/prev/created, so tests say what they mean ("alice shares into g").
#pragma once

#include <map>
#include <string>

#include "praxis/node/announcement.h"
#include "praxis/node/ingestor.h"

namespace praxis::testutil {

class TestAuthor {
 public:
  TestAuthor() : key_(crypto::KeyPair::Generate()) {}
  explicit TestAuthor(crypto::KeyPair key) : key_(std::move(key)) {}
  const Id& id() const { return key_.public_key(); }
  const crypto::KeyPair& key() const { return key_; }

  // Each call appends to this author's log in the group (or starts one).
  node::Announcement Genesis(const std::string& name, bool invite_only = false,
                             std::uint32_t min_republishers = 0, std::uint64_t created = 1000);
  node::Announcement Join(const Id& group, std::uint64_t created = 0, const Id* invite = nullptr);
  node::Announcement Leave(const Id& group, std::uint64_t created = 0);
  node::Announcement Invite(const Id& group, const Id& invitee, std::uint64_t created = 0);
  node::Announcement Share(const Id& group, const std::string& title, std::uint64_t created = 0);
  node::Announcement Republish(const Id& into, const node::Announcement& share,
                               std::uint64_t created = 0);
  // Any kind, raw body: for unknown kinds and hand-made mistakes.
  node::Announcement Raw(const Id& group, std::uint32_t kind, std::string body,
                         std::uint64_t created = 0);
  // Signs at an explicit position without touching the log state.
  node::Announcement At(const Id& group, std::uint32_t kind, std::string body, std::uint64_t seq,
                        std::optional<Id> prev, std::uint64_t created);

 private:
  struct LogState {
    std::uint64_t seq = 0;
    Id head;
    std::uint64_t created = 0;
  };
  node::Announcement Next(std::optional<Id> group, std::uint32_t kind, std::string body,
                          std::uint64_t created);
  crypto::KeyPair key_;
  std::map<Id, LogState> logs_;
};

// Verifies and applies one announcement with a fresh WriteSet, then writes it.
node::IngestOutcome ApplyAndWrite(node::Ingestor& ing, storage::Store& store,
                                  const node::Announcement& a,
                                  const node::Announcement* original = nullptr);

}  // namespace praxis::testutil
