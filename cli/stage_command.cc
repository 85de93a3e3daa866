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
    std::string out = Plural(missing, "more republisher", "more republishers") +
                      " (members republishing another member's share) to become a practice circle";
    if (missing == 1 && s.publish_on_practice())
      out += ": one more, and its catalogue becomes fetchable by the whole network";
    return out;
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

// Who raised it, in words.
std::string RaisedBy(const control::StageReply& s) {
  if (s.raised_by().empty()) return "-";
  std::string out = ShortId(s.raised_by());
  if (!s.raised_by_author().empty()) {
    out += ": " + ShortId(s.raised_by_author()) + " republished";
    if (!s.raised_by_original_author().empty())
      out += " " + ShortId(s.raised_by_original_author()) + "'s work";
    out += " at " + IsoTimeUtc(s.raised_at_unix_ms());
  }
  return out;
}

std::string Catalogue(const control::StageReply& s) {
  if (s.invite_only()) return "members only (invite-only group)";
  if (s.catalogue_public()) return "fetchable by anyone: a practice circle that publishes";
  if (s.publish_on_practice()) return "members only until it becomes a practice circle";
  return "members only, even as a practice circle";
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
    Json edges = Json::array();
    for (const control::StageEdge& e : s.edges())
      edges.push_back({{"republisher", HexId(e.republisher())}, {"author", HexId(e.author())}});
    PrintJson(std::cout,
              {{"group", HexId(s.group())},
               {"name", s.name()},
               {"stage", s.stage()},
               {"raised_by", s.raised_by().empty() ? Json(nullptr) : Json(HexId(s.raised_by()))},
               {"raised_by_author",
                s.raised_by_author().empty() ? Json(nullptr) : Json(HexId(s.raised_by_author()))},
               {"republishers", s.republishers()},
               {"min_republishers", s.min_republishers()},
               {"outside_republishers", s.outside_republishers()},
               {"min_outside", s.min_outside()},
               {"contributors", s.contributors()},
               {"republisher_share", s.republisher_share()},
               {"reciprocity", s.reciprocity()},
               {"median_uptake_ms", s.median_uptake_ms()},
               {"publish_on_practice", s.publish_on_practice()},
               {"catalogue_public", s.catalogue_public()},
               {"members", s.members()},
               {"edges", edges}});
    return Status::OK();
  }
  PrintFields(
      std::cout,
      {{"group", HexId(s.group())},
       {"name", s.name()},
       {"stage", s.stage()},
       {"raised by", RaisedBy(s)},
       {"members", std::to_string(s.members())},
       {"contributors", std::to_string(s.contributors())},
       {"republishers", std::to_string(s.republishers()) + " of " +
                            std::to_string(s.min_republishers()) + " needed for practice"},
       {"outside republishers", std::to_string(s.outside_republishers()) + " of " +
                                    std::to_string(s.min_outside()) + " needed for influence"},
       {"republisher share", Percent(s.republisher_share()) + " of contributors republish others"},
       {"reciprocity", Percent(s.reciprocity()) + " of republish ties go both ways"},
       {"median uptake", s.median_uptake_ms() ? std::to_string(s.median_uptake_ms() / 60000) +
                                                    " min from a share to its first republish"
                                              : "-"},
       {"catalogue", Catalogue(s)},
       {"next", NextThreshold(s)}});
  if (!s.edges().empty()) {
    std::cout << "\nwho has republished whom (members):\n";
    for (const control::StageEdge& e : s.edges())
      std::cout << "  " << ShortId(e.republisher()) << " -> " << ShortId(e.author()) << '\n';
  }
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
