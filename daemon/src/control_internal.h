// Pieces the control API's files share (control_server.cc runs the sessions;
// control_groups.cc answers the group requests). Private to the daemon.
#pragma once

#include <asio/awaitable.hpp>
#include <functional>
#include <map>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "control.pb.h"
#include "praxis/node/node.h"

namespace praxis::node {

class PeerManager;

namespace control_internal {

// Both take their argument by reference (moved from): g++12 coroutines keep
// temporaries badly, so callers keep what they pass in named locals.
asio::awaitable<Result<Announcement>> PublishAwait(Node& node, OwnWrite& w);
asio::awaitable<Status> PoolAwait(Node& node, std::function<Status()>& fn);

// Case folding beyond ASCII ("CAFÉ" finds "café").
std::string Lower(std::string_view s);

bool IsMember(Node& node, const Id& group);
// A share's title ("" when `a` is not a share).
std::string ShareTitle(const Announcement& a);
// "'name' (short id)" for messages.
std::string GroupLabel(Node& node, const Id& group);

// What one request needs: the node, and its peers when it networks.
struct Context {
  Node& node;
  PeerManager* peers;  // null: the node does not network
};

// control_groups.cc: group create, join, leave, invite; groups, invites,
// discover, stage.
asio::awaitable<Result<control::Response>> GroupCreate(Context c,
                                                       const control::GroupCreateRequest& req);
asio::awaitable<Result<control::Response>> Join(Context c, const control::GroupRef& req);
asio::awaitable<Result<control::Response>> Leave(Context c, const control::GroupRef& req);
asio::awaitable<Result<control::Response>> Invite(Context c,
                                                  const control::GroupInviteRequest& req);
Result<control::Response> Groups(Context c);
Result<control::Response> Invites(Context c);
Result<control::Response> Discover(Context c, const control::DiscoverRequest& req);
Result<control::Response> GroupStage(Context c, const control::StageRequest& req);
// control_stage.cc
Result<control::Response> News(Context c, const control::NewsRequest& req);
// control_deny.cc
Result<control::Response> Deny(Context c, const control::DenyRequest& req);
// control_backup.cc
asio::awaitable<Result<control::Response>> Backup(Context c, const control::BackupRequest& req);

}  // namespace control_internal
}  // namespace praxis::node

namespace praxis::node::control_internal {

// Turns what becomes held on the node into `praxis watch` events: one per
// announcement, plus one when a group's stage rises because of it. Keeps the
// stage each group had when last seen.
class EventFeed {
 public:
  // `only`: events bearing on this group alone.
  EventFeed(Node& node, std::optional<Id> only);
  std::vector<control::Event> On(const NodeEvent& e);

 private:
  Node& node_;
  std::optional<Id> only_;
  std::map<Id, Stage> stages_;
};

}  // namespace praxis::node::control_internal
