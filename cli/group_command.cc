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

// join, leave and invite all answer with the id of the announcement made.
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

void AddJoinOrLeave(CLI::App& group, const GlobalOptions& globals, Action* action, bool join) {
  auto opts = std::make_shared<RefOptions>();
  CLI::App* cmd = group.add_subcommand(join ? "join" : "leave",
                                       join ? "Join an open group (or one you were invited to)"
                                            : "Leave a group; your past shares stay");
  cmd->add_option("GROUP", opts->group, "Group id (or a unique prefix)")->required();
  cmd->callback([&globals, action, opts, join] {
    *action = [&globals, opts, join] {
      control::Request request;
      control::GroupRef* ref = join ? request.mutable_group_join() : request.mutable_group_leave();
      ref->set_group(ValidUtf8(opts->group));
      return RunMembership(globals, request,
                           (join ? "joined group " : "left group ") + opts->group);
    };
  });
}

void AddInvite(CLI::App& group, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<RefOptions>();
  CLI::App* cmd = group.add_subcommand("invite", "Invite a member into an invite-only group");
  cmd->add_option("GROUP", opts->group, "Group id (or a unique prefix)")->required();
  cmd->add_option("MEMBER", opts->member, "Member id to invite")->required();
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] {
      control::Request request;
      control::GroupInviteRequest* invite = request.mutable_group_invite();
      invite->set_group(ValidUtf8(opts->group));
      invite->set_member(ValidUtf8(opts->member));
      return RunMembership(globals, request,
                           "invited " + opts->member + " into group " + opts->group);
    };
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
