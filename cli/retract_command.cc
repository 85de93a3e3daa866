// praxis retract: ask everyone to stop serving one of our announcements
// (DESIGN.md §3). It is a request, not a recall, and the output says so.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunRetract(const GlobalOptions& globals, const std::string& announcement) {
  control::Request request;
  request.mutable_retract()->set_announcement(ValidUtf8(announcement));
  auto response = CallNode(globals, request, control::Response::kRetract);
  if (!response) return response.error();
  const control::RetractReply& reply = response->retract();

  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(reply.announcement())},
                          {"target", HexId(reply.target())},
                          {"dropped_bytes", reply.dropped_bytes()}});
    return Status::OK();
  }
  std::cout << "retracted " << HexId(reply.target()) << " (retraction "
            << ShortId(reply.announcement()) << ")\n"
            << "retraction is a request: honest nodes stop serving it and drop the content;\n"
            << "anyone who already copied it keeps their copy\n"
            << "this node freed " << HumanSize(reply.dropped_bytes()) << '\n';
  return Status::OK();
}

}  // namespace

void AddRetractCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto announcement = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("retract", "Ask every node to stop serving one of your shares");
  cmd->add_option("ANNOUNCEMENT", *announcement, "Your announcement's id (or unique prefix)")
      ->required();
  cmd->footer(
      "Retraction is a request: honest nodes stop serving it and drop the content; anyone who\n"
      "already copied it keeps their copy. This node drops the content unless another of your\n"
      "shares holds the same bytes.\n"
      "JSON: {announcement (the retraction), target, dropped_bytes}.");
  cmd->callback([&globals, action, announcement] {
    *action = [&globals, announcement] { return RunRetract(globals, *announcement); };
  });
}

}  // namespace praxis::cli
