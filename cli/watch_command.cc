// praxis watch: what happens in the network as this node learns of it (shares,
// republishes, joins, invites, stages raised), one line per event, or one
// JSON object per line with --json. Runs until interrupted.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

std::string Quoted(const std::string& s) { return "'" + ForTerminal(s) + "'"; }

std::string GroupText(const control::Event& e) {
  return (e.group_name().empty() ? std::string() : Quoted(e.group_name()) + " ") + "(" +
         ShortId(e.group()) + ")";
}

std::string Line(const control::Event& e) {
  const std::string who = e.own() ? "you" : ShortId(e.author());
  std::string what;
  if (e.type() == "stage") {
    what = "group " + GroupText(e) + " is now " +
           (e.stage() == "practice"    ? "a practice circle"
            : e.stage() == "influence" ? "a system of influence"
                                       : e.stage()) +
           (e.author().empty() ? "" : " (raised by " + ShortId(e.author()) + "'s republish)");
  } else if (e.type() == "share") {
    what = who + " shared " + Quoted(e.title()) + " in " + GroupText(e);
  } else if (e.type() == "republish") {
    what = who + " republished " + Quoted(e.title()) + " by " + ShortId(e.original_author()) +
           " into " + GroupText(e);
  } else if (e.type() == "join" || e.type() == "leave") {
    what = who + " " + (e.type() == "join" ? "joined " : "left ") + GroupText(e);
  } else if (e.type() == "invite") {
    what = who + " invited " + ShortId(e.invitee()) + " into " + GroupText(e);
  } else if (e.type() == "genesis") {
    what = who + " created group " + GroupText(e);
  } else {
    what = who + " " + e.type() + " in " + GroupText(e);
  }
  return IsoTimeUtc(e.at_unix_ms()) + "  " + what;
}

Json EventJson(const control::Event& e) {
  Json j = {{"type", e.type()},
            {"at", IsoTimeUtc(e.at_unix_ms())},
            {"group", HexId(e.group())},
            {"group_name", e.group_name()},
            {"announcement", e.id().empty() ? Json(nullptr) : Json(HexId(e.id()))},
            {"author", e.author().empty() ? Json(nullptr) : Json(HexId(e.author()))},
            {"own", e.own()}};
  if (!e.title().empty()) j["title"] = e.title();
  if (!e.stage().empty()) j["stage"] = e.stage();
  if (!e.original_author().empty()) j["original_author"] = HexId(e.original_author());
  if (!e.original_group().empty()) j["original_group"] = HexId(e.original_group());
  if (!e.invitee().empty()) j["invitee"] = HexId(e.invitee());
  return j;
}

Status RunWatch(const GlobalOptions& globals, const std::string& group) {
  auto client = ConnectToNode(globals);
  if (!client) return client.error();
  control::Request request;
  request.mutable_watch()->set_group(ValidUtf8(group));
  if (Status s = client->Send(request); !s.ok()) return s;
  auto ack = client->ReceiveExpecting(control::Response::kAck);
  if (!ack) return ack.error();
  for (;;) {
    auto r = client->ReceiveExpecting(control::Response::kEvent);
    if (!r) return r.error();
    if (globals.json)
      std::cout << EventJson(r->event()).dump() << std::endl;
    else
      std::cout << Line(r->event()) << std::endl;
  }
}

}  // namespace

void AddWatchCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto group = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "watch", "Stream events as they arrive: shares, republishes, joins, stages raised");
  cmd->add_option("--group", *group, "Only events bearing on this group");
  cmd->callback([&globals, action, group] {
    *action = [&globals, group] { return RunWatch(globals, *group); };
  });
}

}  // namespace praxis::cli
