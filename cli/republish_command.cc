// praxis republish: endorse another member's share and commit to keeping it
// available (DESIGN.md §3); this is what raises a group's stage.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

struct RepublishOptions {
  std::string announcement;
  std::string into;  // empty: the share's own group
  bool yes = false;  // commit even over the size limit, quota or free disk
};

Status RunRepublish(const GlobalOptions& globals, const RepublishOptions& opts) {
  control::Request request;
  control::RepublishRequest* republish = request.mutable_republish();
  republish->set_announcement(ValidUtf8(opts.announcement));
  republish->set_into(ValidUtf8(opts.into));
  republish->set_yes(opts.yes);
  auto response = CallNode(globals, request, control::Response::kAnnouncement);
  if (!response) return response.error();
  const std::string& id = response->announcement().announcement();

  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(id)}});
    return Status::OK();
  }
  std::cout << "republished " << ForTerminal(opts.announcement)
            << (opts.into.empty() ? std::string() : " into " + ForTerminal(opts.into))
            << " (announcement " << ShortId(id)
            << "); this node will fetch it and keep serving it\n";
  return Status::OK();
}

}  // namespace

void AddRepublishCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<RepublishOptions>();
  CLI::App* cmd = app.add_subcommand(
      "republish", "Pass on another member's share, and keep a copy available for others");
  cmd->add_option("ANNOUNCEMENT", opts->announcement, "Share announcement id (or unique prefix)")
      ->required();
  cmd->add_option("--into", opts->into, "Republish into this group (default: the share's own)");
  cmd->add_flag("--yes", opts->yes,
                "Commit to keeping it even when it is over the size limit, the quota or the "
                "free disk");
  cmd->footer(
      "A republish commits this node to keep the content: it is fetched in the background\n"
      "(ls shows held: pending until then) and kept out of quota eviction. What would not fit\n"
      "(max_resource_size, quota, free disk) is refused unless you add --yes.");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunRepublish(globals, *opts); };
  });
}

}  // namespace praxis::cli
