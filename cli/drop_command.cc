// praxis drop: free the content of a resource this node fetched (or committed
// to by republishing); its announcements stay. Own shares are refused: others
// fetch them from here.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunDrop(const GlobalOptions& globals, const std::string& id) {
  control::Request request;
  request.mutable_drop()->set_id(ValidUtf8(id));
  auto response = CallNode(globals, request, control::Response::kDrop);
  if (!response) return response.error();
  const control::DropReply& d = response->drop();
  if (globals.json) {
    PrintJson(std::cout, {{"root", HexId(d.root())},
                          {"freed_bytes", d.freed_bytes()},
                          {"reason", d.reason()},
                          {"warning", d.warning()}});
    return Status::OK();
  }
  if (!d.warning().empty()) std::cerr << "warning: " << ForTerminal(d.warning()) << "\n";
  std::cout << "dropped " << ShortId(d.root()) << " (" << HumanSize(d.freed_bytes())
            << " freed)\n";
  return Status::OK();
}

}  // namespace

void AddDropCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("drop", "Free the space of fetched content (its announcements stay)");
  cmd->add_option("ROOT_OR_ANNOUNCEMENT", *id,
                  "Resource root or share announcement id (or unique prefix)")
      ->required();
  cmd->footer(
      "Own shares are refused (retract them instead). Dropping content you republished ends\n"
      "your commitment to keep it, with a warning. JSON: {root, freed_bytes, reason, warning}.");
  cmd->callback([&globals, action, id] { *action = [&globals, id] { return RunDrop(globals, *id); }; });
}

}  // namespace praxis::cli
