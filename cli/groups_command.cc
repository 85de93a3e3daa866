// praxis groups: every group this node knows of, with its stage.
#include <iostream>
#include <string>

#include "commands.h"
#include "format.h"
#include "group_view.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunGroups(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_groups();
  auto response = CallNode(globals, request, control::Response::kGroups);
  if (!response) return response.error();
  const auto& groups = response->groups().groups();

  if (globals.json) {
    PrintJson(std::cout, GroupsJson(groups));
    return Status::OK();
  }
  if (groups.empty()) {
    std::cout << "no groups known yet; create one with: praxis group create NAME\n";
    return Status::OK();
  }
  PrintGroupsTable(std::cout, groups);
  return Status::OK();
}

}  // namespace

void AddGroupsCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* cmd = app.add_subcommand("groups", "List the groups this node knows, with stages");
  cmd->callback([&globals, action] { *action = [&globals] { return RunGroups(globals); }; });
}

}  // namespace praxis::cli
