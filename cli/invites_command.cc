// praxis invites: invites into invite-only groups addressed to this member.
#include <iostream>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunInvites(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_invites();
  auto response = CallNode(globals, request, control::Response::kInvites);
  if (!response) return response.error();
  const auto& invites = response->invites().invites();
  if (globals.json) {
    Json doc = Json::array();
    for (const control::InviteEntry& e : invites)
      doc.push_back({{"group", HexId(e.group())},
                     {"group_name", e.group_name().empty() ? Json(nullptr) : Json(e.group_name())},
                     {"inviter", HexId(e.inviter())},
                     {"invite", HexId(e.invite())},
                     {"created", IsoTimeUtc(e.created_unix_ms())},
                     {"state", e.state()}});
    PrintJson(std::cout, doc);
    return Status::OK();
  }
  if (invites.empty()) {
    std::cout << "no invites for you here; a member's node delivers one when it connects to "
                 "yours, or they can give you a code for: praxis group join CODE\n";
    return Status::OK();
  }
  Table table({"GROUP", "NAME", "INVITED BY", "WHEN", "STATE"});
  for (const control::InviteEntry& e : invites)
    table.AddRow({ShortId(e.group()),
                  e.group_name().empty() ? "(known after joining)" : ForTerminal(e.group_name()),
                  ShortId(e.inviter()), IsoTimeUtc(e.created_unix_ms()), e.state()});
  table.Print(std::cout);
  bool any_open = false;
  for (const control::InviteEntry& e : invites) any_open |= e.state() == "invited";
  if (any_open) std::cout << "join with: praxis group join GROUP\n";
  return Status::OK();
}

}  // namespace

void AddInvitesCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* cmd =
      app.add_subcommand("invites", "List invites into invite-only groups addressed to you");
  cmd->callback([&globals, action] { *action = [&globals] { return RunInvites(globals); }; });
}

}  // namespace praxis::cli
