// praxis groups: every group this node knows of, with its stage.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

std::string JoinTags(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) out += (out.empty() ? "" : ",") + tag;
  return out;
}

Status RunGroups(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_groups();
  auto response = CallNode(globals, request, control::Response::kGroups);
  if (!response) return response.error();
  const auto& groups = response->groups().groups();

  if (globals.json) {
    Json doc = Json::array();
    for (const control::GroupInfo& g : groups) {
      doc.push_back({{"group", HexId(g.group())},
                     {"name", g.name()},
                     {"stage", g.stage()},
                     {"members", g.members()},
                     {"invite_only", g.invite_only()},
                     {"publish_on_practice", g.publish_on_practice()},
                     {"tags", std::vector<std::string>(g.tags().begin(), g.tags().end())},
                     {"description", g.description()},
                     {"joined", g.joined()}});
    }
    PrintJson(std::cout, doc);
    return Status::OK();
  }
  if (groups.empty()) {
    std::cout << "no groups known yet; create one with: praxis group create NAME\n";
    return Status::OK();
  }
  Table table({"GROUP", "NAME", "STAGE", "MEMBERS", "JOINED", "ACCESS", "PUBLISH", "TAGS"});
  table.AlignRight(3);
  for (const control::GroupInfo& g : groups) {
    table.AddRow({ShortId(g.group()), Ellipsize(ForTerminal(g.name()), 32), g.stage(),
                  std::to_string(g.members()), g.joined() ? "yes" : "no",
                  g.invite_only() ? "invite" : "open", g.publish_on_practice() ? "yes" : "no",
                  Ellipsize(ForTerminal(JoinTags(g.tags())), 40)});
  }
  table.Print(std::cout);
  return Status::OK();
}

}  // namespace

void AddGroupsCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* cmd = app.add_subcommand("groups", "List the groups this node knows, with stages");
  cmd->callback([&globals, action] { *action = [&globals] { return RunGroups(globals); }; });
}

}  // namespace praxis::cli
