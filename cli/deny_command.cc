// praxis deny: what this node will not store, serve or forward — a member, a
// group or a resource root. Persisted; `--remove` lifts it; no id lists it.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

struct DenyOptions {
  std::string id;
  std::string kind;
  bool remove = false;
};

Status RunDeny(const GlobalOptions& globals, const DenyOptions& opts) {
  control::Request request;
  auto* d = request.mutable_deny();
  d->set_id(ValidUtf8(opts.id));
  d->set_kind(opts.kind);
  d->set_remove(opts.remove);
  auto response = CallNode(globals, request, control::Response::kDeny);
  if (!response) return response.error();
  const control::DenyReply& r = response->deny();
  if (globals.json) {
    Json entries = Json::array();
    for (const control::DenyEntry& e : r.entries())
      entries.push_back({{"kind", e.kind()}, {"id", HexId(e.id())}});
    PrintJson(std::cout, {{"done", r.done().empty() ? Json(nullptr) : Json(r.done())},
                          {"denied", entries}});
    return Status::OK();
  }
  if (!r.done().empty()) std::cout << r.done() << '\n';
  if (opts.id.empty()) {
    if (r.entries().empty()) std::cout << "nothing is denied on this node\n";
    Table table({"KIND", "ID"});
    for (const control::DenyEntry& e : r.entries()) table.AddRow({e.kind(), HexId(e.id())});
    if (!table.empty()) table.Print(std::cout);
  }
  return Status::OK();
}

}  // namespace

void AddDenyCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<DenyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "deny", "Refuse to store, serve or forward a member, group or resource (no ID: list)");
  cmd->add_option("ID", opts->id, "Member, group or root id (or a unique prefix)");
  auto* m = cmd->add_flag_callback("--member", [opts] { opts->kind = "member"; }, "ID is a member");
  auto* g = cmd->add_flag_callback("--group", [opts] { opts->kind = "group"; }, "ID is a group");
  auto* r = cmd->add_flag_callback("--root", [opts] { opts->kind = "root"; },
                                   "ID is a resource root");
  m->excludes(g)->excludes(r);
  g->excludes(r);
  cmd->add_flag("--remove", opts->remove, "Lift the denial");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] {
      if (opts->remove && opts->id.empty())
        return Status::InvalidArgument("--remove needs the ID to lift");
      return RunDeny(globals, *opts);
    };
  });
}

}  // namespace praxis::cli
