// praxis news: what happened while you were away — new shares in your
// groups, republishes of your work, invites to you, stages raised. The node
// keeps the cursor: `--since last` (the default) shows what is new since the
// previous `praxis news`.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

std::string Line(const control::NewsItem& n) {
  const std::string group =
      (n.group_name().empty() ? std::string() : "'" + ForTerminal(n.group_name()) + "' ") + "(" +
      ShortId(n.group()) + ")";
  std::string what;
  if (n.type() == "share")
    what = ShortId(n.who()) + " shared '" + ForTerminal(n.title()) + "' in " + group;
  else if (n.type() == "republish_of_yours")
    what = ShortId(n.who()) + " republished your '" + ForTerminal(n.title()) + "' into " + group;
  else if (n.type() == "invite")
    what = ShortId(n.who()) + " invited you into " + group + ": praxis group join " +
           ShortId(n.group());
  else if (n.type() == "stage")
    what = group + " became " +
           (n.stage() == "practice" ? std::string("a practice circle")
                                    : "a system of influence") +
           " (raised by " + ShortId(n.who()) + "'s republish)";
  else
    what = n.type() + " in " + group;
  return IsoTimeUtc(n.at_unix_ms()) + "  " + what;
}

Status RunNews(const GlobalOptions& globals, const std::string& since, bool keep) {
  control::Request request;
  auto* req = request.mutable_news();
  if (since != "last") {
    auto t = ParseUtcTime(since);
    if (!t)
      return Status::InvalidArgument("--since takes 'last' or a UTC time like 2026-11-24T09:00:00Z, "
                                     "not '" + since + "'");
    req->set_since_unix_ms(*t);
  }
  req->set_advance(!keep);
  auto response = CallNode(globals, request, control::Response::kNews);
  if (!response) return response.error();
  const control::NewsReply& r = response->news();
  if (globals.json) {
    Json items = Json::array();
    for (const control::NewsItem& n : r.items()) {
      Json j = {{"type", n.type()},
                {"at", IsoTimeUtc(n.at_unix_ms())},
                {"group", HexId(n.group())},
                {"group_name", n.group_name()},
                {"who", HexId(n.who())},
                {"announcement", HexId(n.announcement())}};
      if (!n.title().empty()) j["title"] = n.title();
      if (!n.stage().empty()) j["stage"] = n.stage();
      items.push_back(std::move(j));
    }
    PrintJson(std::cout, {{"since", r.since_unix_ms() ? Json(IsoTimeUtc(r.since_unix_ms()))
                                                      : Json(nullptr)},
                          {"until", IsoTimeUtc(r.until_unix_ms())},
                          {"items", items}});
    return Status::OK();
  }
  std::cout << "news " << (r.since_unix_ms() ? "since " + IsoTimeUtc(r.since_unix_ms()) : "")
            << (r.since_unix_ms() ? "" : "from the start") << '\n';
  if (r.items().empty()) std::cout << "nothing new\n";
  for (const control::NewsItem& n : r.items()) std::cout << Line(n) << '\n';
  return Status::OK();
}

}  // namespace

void AddNewsCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto since = std::make_shared<std::string>("last");
  auto keep = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "news", "What happened while you were away: shares, republishes of your work, invites, "
              "stages");
  cmd->add_option("--since", *since, "'last' (since the previous news) or a UTC time")
      ->default_str("last");
  cmd->add_flag("--keep", *keep, "Do not move the 'last' cursor");
  cmd->callback([&globals, action, since, keep] {
    *action = [&globals, since, keep] { return RunNews(globals, *since, *keep); };
  });
}

}  // namespace praxis::cli
