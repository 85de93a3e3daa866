// praxis stage: where a group stands in the life cycle of emergence
// (DESIGN.md §1, §5), and how far it is from the next stage.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

// The sentence a member most wants: what it takes to move on.
std::string NextThreshold(const control::StageReply& s) {
  if (s.stage() == "network") {
    const std::uint32_t missing =
        s.min_republishers() > s.republishers() ? s.min_republishers() - s.republishers() : 0;
    return Plural(missing, "more republisher", "more republishers") +
           " (members republishing another member's share) to become a practice circle";
  }
  if (s.stage() == "practice") {
    const std::uint32_t missing =
        s.min_outside() > s.outside_republishers() ? s.min_outside() - s.outside_republishers() : 0;
    return Plural(missing, "more outside republisher", "more outside republishers") +
           " (non-members carrying the circle's shares into other groups) to become a system "
           "of influence";
  }
  if (s.stage() == "influence") return "none: this is the last stage";
  return "unknown stage '" + s.stage() + "'";
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100.0);
  return buf;
}

Status RunStage(const GlobalOptions& globals, const std::string& group) {
  control::Request request;
  request.mutable_stage()->set_group(ValidUtf8(group));
  auto response = CallNode(globals, request, control::Response::kStage);
  if (!response) return response.error();
  const control::StageReply& s = response->stage();

  if (globals.json) {
    PrintJson(std::cout,
              {{"group", HexId(s.group())},
               {"name", s.name()},
               {"stage", s.stage()},
               {"raised_by", s.raised_by().empty() ? Json(nullptr) : Json(HexId(s.raised_by()))},
               {"republishers", s.republishers()},
               {"min_republishers", s.min_republishers()},
               {"outside_republishers", s.outside_republishers()},
               {"min_outside", s.min_outside()},
               {"contributors", s.contributors()},
               {"republisher_share", s.republisher_share()},
               {"publish_on_practice", s.publish_on_practice()},
               {"members", s.members()}});
    return Status::OK();
  }
  PrintFields(
      std::cout,
      {{"group", HexId(s.group())},
       {"name", s.name()},
       {"stage", s.stage()},
       {"raised by", s.raised_by().empty() ? "-" : HexId(s.raised_by())},
       {"members", std::to_string(s.members())},
       {"contributors", std::to_string(s.contributors())},
       {"republishers", std::to_string(s.republishers()) + " of " +
                            std::to_string(s.min_republishers()) + " needed for practice"},
       {"outside republishers", std::to_string(s.outside_republishers()) + " of " +
                                    std::to_string(s.min_outside()) + " needed for influence"},
       {"republisher share", Percent(s.republisher_share()) + " of contributors republish others"},
       {"publish on practice", s.publish_on_practice() ? "yes" : "no"},
       {"next", NextThreshold(s)}});
  return Status::OK();
}

}  // namespace

void AddStageCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto group = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "stage", "Show a group's stage, its figures, and how far it is from the next");
  cmd->add_option("GROUP", *group, "Group id (or unique prefix)")->required();
  cmd->callback([&globals, action, group] {
    *action = [&globals, group] { return RunStage(globals, *group); };
  });
}

}  // namespace praxis::cli
