// praxis group create|join|leave|invite: the announcements that shape a
// group's membership (DESIGN.md §5).
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

struct CreateOptions {
  std::string name;
  std::vector<std::string> tags;
  std::string description;
  bool invite_only = false;
  std::uint32_t min_republishers = 0;  // 0: the node's default
  std::uint32_t min_outside = 0;       // 0: the node's default
  bool no_publish_on_practice = false;
};

struct RefOptions {
  std::string group;
  std::string member;  // invite only
};

// Thresholds of 0 would make a stage free; the contract reserves 0 for "default".
const CLI::Validator kAtLeastOne(
    [](std::string& value) -> std::string {
      unsigned long n = 0;
      std::size_t used = 0;
      try {
        n = std::stoul(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || value.empty() || value[0] == '-' || n < 1 || n > 0xFFFFFFFFul)
        return "must be a whole number of at least 1, not '" + value + "'";
      return std::string();
    },
    "");

Status RunCreate(const GlobalOptions& globals, const CreateOptions& opts) {
  control::Request request;
  control::GroupCreateRequest* create = request.mutable_group_create();
  create->set_name(ValidUtf8(opts.name));
  create->set_description(ValidUtf8(opts.description));
  for (const auto& tag : opts.tags) create->add_tags(ValidUtf8(tag));
  create->set_invite_only(opts.invite_only);
  create->set_min_republishers(opts.min_republishers);
  create->set_min_outside(opts.min_outside);
  create->set_no_publish_on_practice(opts.no_publish_on_practice);
  auto response = CallNode(globals, request, control::Response::kGroupCreate);
  if (!response) return response.error();
  const control::GroupCreateReply& reply = response->group_create();

  if (globals.json) {
    PrintJson(std::cout, {{"group", HexId(reply.group())},
                          {"publish_on_practice", reply.publish_on_practice()}});
    return Status::OK();
  }
  std::cout << "created group '" << ForTerminal(opts.name) << "' " << HexId(reply.group()) << '\n'
            << (reply.publish_on_practice()
                    ? "its catalogue will be published to the whole network once it becomes a "
                      "practice circle\n"
                    : "its catalogue stays with its members, even as a practice circle\n");
  return Status::OK();
}

// leave answers with the id of the announcement made.
Status RunMembership(const GlobalOptions& globals, const control::Request& request,
                     const std::string& done) {
  auto response = CallNode(globals, request, control::Response::kAnnouncement);
  if (!response) return response.error();
  const std::string& id = response->announcement().announcement();
  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(id)}});
    return Status::OK();
  }
  std::cout << ForTerminal(done) << " (announcement " << ShortId(id) << ")\n";
  return Status::OK();
}

void AddCreate(CLI::App& group, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<CreateOptions>();
  CLI::App* cmd = group.add_subcommand("create", "Create a group; you become its first member");
  cmd->add_option("NAME", opts->name, "Name of the group")->required();
  cmd->add_option("--tag", opts->tags, "Interest tag (repeatable)")->allow_extra_args(false);
  cmd->add_option("--description", opts->description, "What the group is about");
  cmd->add_flag("--invite-only", opts->invite_only,
                "Only invited members may join; content stays among members");
  cmd->add_option("--min-republishers", opts->min_republishers,
                  "Members republishing others' work needed to become a practice circle "
                  "(default 3)")
      ->check(kAtLeastOne)
      ->type_name("N");
  cmd->add_option("--min-outside", opts->min_outside,
                  "Outsiders carrying the circle's work elsewhere needed to become a system of "
                  "influence (default 3)")
      ->check(kAtLeastOne)
      ->type_name("N");
  cmd->add_flag("--no-publish-on-practice", opts->no_publish_on_practice,
                "Keep the catalogue with members even after the group becomes a practice circle");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunCreate(globals, *opts); };
  });
}

Status RunJoin(const GlobalOptions& globals, const std::string& group) {
  control::Request request;
  request.mutable_group_join()->set_group(ValidUtf8(group));
  auto response = CallNode(globals, request, control::Response::kAnnouncement);
  if (!response) return response.error();
  const control::AnnouncementReply& a = response->announcement();
  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(a.announcement())},
                          {"group", a.group().empty() ? Json(nullptr) : Json(HexId(a.group()))},
                          {"pending", a.pending()},
                          {"publish_on_practice", a.publish_on_practice()}});
    return Status::OK();
  }
  if (a.pending()) {
    std::cout << "join of invite-only group " << ShortId(a.group()) << " sent to its members "
              << "(announcement " << ShortId(a.announcement()) << "); the group arrives here "
              << "once a member's node admits it: see praxis invites\n";
    return Status::OK();
  }
  std::cout << "joined group " << ForTerminal(group) << " (announcement "
            << ShortId(a.announcement()) << ")\n"
            << (a.publish_on_practice()
                    ? "its catalogue will be published to the whole network once it becomes a "
                      "practice circle\n"
                    : "its catalogue stays with its members, even as a practice circle\n");
  return Status::OK();
}

void AddJoinOrLeave(CLI::App& group, const GlobalOptions& globals, Action* action, bool join) {
  auto opts = std::make_shared<RefOptions>();
  CLI::App* cmd = group.add_subcommand(
      join ? "join" : "leave",
      join ? "Join an open group, or an invite-only one with the invite code a member gave you"
           : "Leave a group; your past shares stay");
  cmd->add_option("GROUP", opts->group,
                  join ? "Group id (or a unique prefix), or an invite code (praxis-invite:...)"
                       : "Group id (or a unique prefix)")
      ->required();
  cmd->callback([&globals, action, opts, join] {
    *action = [&globals, opts, join] {
      if (join) return RunJoin(globals, opts->group);
      control::Request request;
      request.mutable_group_leave()->set_group(ValidUtf8(opts->group));
      return RunMembership(globals, request, "left group " + opts->group);
    };
  });
}

Status RunInvite(const GlobalOptions& globals, const RefOptions& opts) {
  control::Request request;
  control::GroupInviteRequest* invite = request.mutable_group_invite();
  invite->set_group(ValidUtf8(opts.group));
  invite->set_member(ValidUtf8(opts.member));
  auto response = CallNode(globals, request, control::Response::kInvite);
  if (!response) return response.error();
  const control::InviteReply& r = response->invite();
  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(r.announcement())}, {"code", r.code()}});
    return Status::OK();
  }
  std::cout << "invited " << ForTerminal(opts.member) << " into group " << ForTerminal(opts.group)
            << " (announcement " << ShortId(r.announcement()) << ")\n"
            << "their node hears of it when it connects to a member's; or give them this code "
            << "for: praxis group join CODE\n"
            << r.code() << "\n";
  return Status::OK();
}

void AddInvite(CLI::App& group, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<RefOptions>();
  CLI::App* cmd = group.add_subcommand("invite", "Invite a member into an invite-only group; prints a code to hand them");
  cmd->add_option("GROUP", opts->group, "Group id (or a unique prefix)")->required();
  cmd->add_option("MEMBER", opts->member, "Member id to invite")->required();
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunInvite(globals, *opts); };
  });
}

}  // namespace

void AddGroupCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* group = app.add_subcommand("group", "Create, join, leave or invite into a group");
  group->require_subcommand(1);
  AddCreate(*group, globals, action);
  AddJoinOrLeave(*group, globals, action, /*join=*/true);
  AddJoinOrLeave(*group, globals, action, /*join=*/false);
  AddInvite(*group, globals, action);
}

}  // namespace praxis::cli
