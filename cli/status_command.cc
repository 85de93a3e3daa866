// praxis status: who this node is and what it holds.
#include <iostream>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunStatus(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_status();
  auto response = CallNode(globals, request, control::Response::kStatus);
  if (!response) return response.error();
  const control::StatusReply& s = response->status();

  if (globals.json) {
    Json gossip = Json::object();
    for (const auto& [name, value] : s.gossip()) gossip[name] = value;
    Json transfer = Json::object();
    for (const auto& [name, value] : s.transfer()) transfer[name] = value;
    PrintJson(std::cout, {{"member", HexId(s.member())},
                          {"gossip", gossip},
                          {"transfer", transfer},
                          {"listen", s.listen()},
                          {"http", s.http()},
                          {"peers", s.peers()},
                          {"groups", s.groups()},
                          {"announcements", s.announcements()},
                          {"version", s.version()},
                          {"data_dir", s.data_dir()},
                          {"key_path", s.key_path()},
                          {"imported", s.imported()},
                          {"content_bytes", s.content_bytes()},
                          {"resources", s.resources()}});
    return Status::OK();
  }
  PrintFields(std::cout, {{"member", HexId(s.member())},
                          {"listen", s.listen().empty() ? "not listening" : s.listen()},
                          {"web", s.http().empty() ? "off" : "http://" + s.http() + "/"},
                          {"peers", std::to_string(s.peers())},
                          {"groups", std::to_string(s.groups())},
                          {"announcements", std::to_string(s.announcements())},
                          {"version", s.version()},
                          {"data dir", s.data_dir()},
                          {"key", s.key_path()},
                          {"imported", s.imported() ? "yes (in each group, this node signs again "
                                                      "only once it has caught up its own log)"
                                                    : "no"},
                          {"content", HumanSize(s.content_bytes())},
                          {"resources", std::to_string(s.resources()) + " held in full"}});
  return Status::OK();
}

}  // namespace

void AddStatusCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* cmd = app.add_subcommand("status", "Show this node's member id, peers and holdings");
  cmd->callback([&globals, action] { *action = [&globals] { return RunStatus(globals); }; });
}

}  // namespace praxis::cli
