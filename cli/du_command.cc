// praxis du: what this node stores, by group and by why it keeps it (its own
// shares, republish commitments, content it fetched).
#include <iostream>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunDu(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_du();
  auto response = CallNode(globals, request, control::Response::kDu);
  if (!response) return response.error();
  const control::DuReply& du = response->du();

  if (globals.json) {
    Json entries = Json::array();
    for (const control::DuEntry& e : du.entries()) {
      entries.push_back({{"group", e.group().empty() ? Json(nullptr) : Json(HexId(e.group()))},
                         {"group_name", e.group_name()},
                         {"reason", e.reason()},
                         {"resources", e.resources()},
                         {"bytes", e.bytes()}});
    }
    PrintJson(std::cout, {{"entries", entries}, {"total_bytes", du.total_bytes()}});
    return Status::OK();
  }
  if (du.entries().empty()) {
    std::cout << "this node stores no content yet (total " << HumanSize(du.total_bytes()) << ")\n";
    return Status::OK();
  }
  Table table({"GROUP", "ID", "REASON", "RESOURCES", "SIZE"});
  table.AlignRight(3);
  table.AlignRight(4);
  for (const control::DuEntry& e : du.entries()) {
    const std::string name = e.group_name().empty() ? "-" : e.group_name();
    const std::string id = e.group().empty() ? "-" : ShortId(e.group());
    table.AddRow({Ellipsize(ForTerminal(name), 32), id, e.reason(), std::to_string(e.resources()),
                  HumanSize(e.bytes())});
  }
  // The node's own total: content kept for several reasons may sit in
  // several rows but is stored once.
  table.AddRow({"total", "", "", "", HumanSize(du.total_bytes())});
  table.Print(std::cout);
  return Status::OK();
}

}  // namespace

void AddDuCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* cmd = app.add_subcommand("du", "Show what this node stores, by group and reason");
  cmd->footer(
      "Reasons: own-share (your shares), republish (shares you committed to keep), fetched.\n"
      "Content kept for several reasons may appear in several rows; the total is what the\n"
      "node stores in all.\n"
      "JSON: {entries: [{group, group_name, reason, resources, bytes}], total_bytes}.");
  cmd->callback([&globals, action] { *action = [&globals] { return RunDu(globals); }; });
}

}  // namespace praxis::cli
