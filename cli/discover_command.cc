// praxis discover: groups across the network (every node holds every open
// group's announcements, so this is a local query), or the members who share
// under some tags. Stages are computed by this node, never taken on trust.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "format.h"
#include "group_view.h"
#include "output.h"

namespace praxis::cli {

namespace {

struct DiscoverOptions {
  std::vector<std::string> tags;
  std::string stage;
  bool members = false;
};

Status RunDiscover(const GlobalOptions& globals, const DiscoverOptions& opts) {
  control::Request request;
  auto* d = request.mutable_discover();
  for (const auto& t : opts.tags) d->add_tags(ValidUtf8(t));
  d->set_stage(opts.stage);
  d->set_members(opts.members);
  auto response = CallNode(globals, request, control::Response::kDiscover);
  if (!response) return response.error();
  const control::DiscoverReply& r = response->discover();
  if (opts.members) {
    if (globals.json) {
      Json doc = Json::array();
      for (const control::MemberMatch& m : r.members())
        doc.push_back({{"member", HexId(m.member())},
                       {"shares", m.shares()},
                       {"tags", std::vector<std::string>(m.tags().begin(), m.tags().end())}});
      PrintJson(std::cout, doc);
      return Status::OK();
    }
    if (r.members().empty()) {
      std::cout << "nobody shares under those tags in the open groups this node holds\n";
      return Status::OK();
    }
    Table table({"MEMBER", "SHARES"});
    table.AlignRight(1);
    for (const control::MemberMatch& m : r.members())
      table.AddRow({HexId(m.member()), std::to_string(m.shares())});
    table.Print(std::cout);
    return Status::OK();
  }
  if (globals.json) {
    PrintJson(std::cout, GroupsJson(r.groups()));
    return Status::OK();
  }
  if (r.groups().empty()) {
    std::cout << "no group matches; start one with: praxis group create NAME --tag TAG\n";
    return Status::OK();
  }
  PrintGroupsTable(std::cout, r.groups());
  return Status::OK();
}

}  // namespace

void AddDiscoverCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<DiscoverOptions>();
  CLI::App* cmd = app.add_subcommand(
      "discover", "Find groups across the network by tag and stage, or members by tag");
  cmd->add_option("--tag", opts->tags, "Interest tag; repeat to require several")
      ->allow_extra_args(false);
  cmd->add_option("--stage", opts->stage, "Only groups at this stage")
      ->check(CLI::IsMember({"network", "practice", "influence"}));
  cmd->add_flag("--members", opts->members, "List members who share under the tags instead");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunDiscover(globals, *opts); };
  });
}

}  // namespace praxis::cli
