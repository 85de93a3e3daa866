// InviteBook: what this node knows of invite-only groups it is not in yet
// (DESIGN §4, §5).
//
//  - Invites addressed to this node's member. A member's node sends the
//    signed invite envelope to the invitee's node (wire InviteNotice), or the
//    invitee pastes an invite code holding it. The envelope carries the group
//    id, the inviter and the invitee: nothing else of the group travels
//    outside it. Kept outside the logs (its `prev` is not held here).
//  - Joins this member signed into such a group before holding the group.
//    Its members' nodes hold the invite and the genesis, so they can judge
//    the join; this node cannot yet. The join is stored durably here, sent to
//    the group's members as they link up, and forgotten once it comes back
//    through the group's own log (catch-up after the members admitted it).
//    While it waits, `group join` sends the same join again rather than
//    signing a second one at the same seq (a fork of our own log).
//
// Threading: the node's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "praxis/node/ingestor.h"

namespace praxis::node {

// kMeta key of a join signed into `group` and not yet held in its log.
std::string PendingJoinKey(const Id& group);

// An invite as people carry it by hand: the signed invite envelope plus
// addresses where members may be reached. Text form: "praxis-invite:" then
// unpadded base64url of the InviteCode protobuf.
struct InviteCode {
  Announcement invite;  // verified
  std::vector<std::string> addresses;
};
std::string EncodeInviteCode(const Announcement& invite, const std::vector<std::string>& addresses);
// Provably bad codes (truncated, bad signature, not an invite) fail with one line.
Result<InviteCode> DecodeInviteCode(std::string_view text);
bool LooksLikeInviteCode(std::string_view text);

struct ReceivedInvite {
  Id invite;  // the invite announcement's id
  Id group;
  Id inviter;
  std::uint64_t created = 0;  // when the inviter signed it (ms since epoch)
  std::string envelope;
};

class InviteBook {
 public:
  // Loads what the store holds (a read failure is logged: the book is then
  // empty, and invites are sent again by members' nodes) and listens to the
  // ingestor for our own joins coming back through the logs.
  static std::unique_ptr<InviteBook> Open(storage::Store& store, Ingestor& ingestor,
                                          const Id& self);
  ~InviteBook();

  // Keeps an invite addressed to this member. REQUIRES: invite.verified.
  // Returns false when it is not for us, not an invite, or held already.
  Result<bool> Add(const Announcement& invite);
  // `from` delivered an invite into `group`: its node holds the group, so
  // it is one to send our pending join to.
  void NoteMemberOf(const Id& group, const Id& from);
  std::vector<ReceivedInvite> List() const;
  std::optional<ReceivedInvite> For(const Id& group) const;

  // The join signed into `group` and not held in its log yet, if any.
  std::optional<Announcement> PendingJoin(const Id& group) const;
  // Records a pending join once it is durable (the node wrote PendingJoinKey).
  void Pending(const Announcement& join);
  // Envelopes of pending joins to send to `member` (the inviter, or a node
  // that delivered an invite into that group).
  std::vector<std::string> JoinsFor(const Id& member) const;

 private:
  InviteBook(storage::Store& store, Ingestor& ingestor, const Id& self)
      : store_(store), ingestor_(ingestor), self_(self) {}
  Status Load();
  void OnAccepted(const Announcement& a);

  storage::Store& store_;
  Ingestor& ingestor_;
  Id self_;
  std::map<Id, ReceivedInvite> invites_;  // by group: the latest one
  std::map<Id, Announcement> pending_;    // by group
  std::map<Id, std::set<Id>> members_of_;  // group -> members whose nodes sent an invite
  std::size_t listener_ = 0;
};

}  // namespace praxis::node
