// praxis ls: the shares this node knows of, newest as the node orders them.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

struct LsOptions {
  std::string group;   // empty: all groups
  std::string author;  // empty: all authors
};

Json EntryJson(const control::Entry& e) {
  Json republished_by = Json::array();
  for (const auto& member : e.republished_by()) republished_by.push_back(HexId(member));
  return {{"announcement", HexId(e.announcement())},
          {"root", HexId(e.root())},
          {"title", e.title()},
          {"author", HexId(e.author())},
          {"group", HexId(e.group())},
          {"size", e.size()},
          {"tags", std::vector<std::string>(e.tags().begin(), e.tags().end())},
          {"created", IsoTimeUtc(e.created())},
          {"held", e.held()},
          {"republished_by", republished_by},
          {"note", e.note()}};
}

Status RunLs(const GlobalOptions& globals, const LsOptions& opts) {
  control::Request request;
  control::LsRequest* ls = request.mutable_ls();
  ls->set_group(ValidUtf8(opts.group));
  ls->set_author(ValidUtf8(opts.author));
  auto response = CallNode(globals, request, control::Response::kLs);
  if (!response) return response.error();
  const auto& entries = response->ls().entries();

  if (globals.json) {
    Json doc = Json::array();
    for (const control::Entry& e : entries) doc.push_back(EntryJson(e));
    PrintJson(std::cout, doc);
    return Status::OK();
  }
  if (entries.empty()) {
    std::cout << "nothing shared here yet\n";
    return Status::OK();
  }
  Table table({"ID", "KIND", "TITLE", "GROUP", "AUTHOR", "SIZE", "CREATED", "HELD", "REPUBLISHED"});
  table.AlignRight(5);
  table.AlignRight(8);
  for (const control::Entry& e : entries) {
    std::string group = e.group_name().empty() ? ShortId(e.group()) : e.group_name();
    if (group.empty()) group = "-";
    const std::string author = e.author().empty() ? "-" : ShortId(e.author());
    table.AddRow({ShortId(e.announcement()), e.note() ? "note" : "file",
                  Ellipsize(ForTerminal(e.title()), 40), Ellipsize(ForTerminal(group), 20), author,
                  HumanSize(e.size()), IsoTimeUtc(e.created()), e.held(),
                  std::to_string(e.republished_by_size())});
  }
  table.Print(std::cout);
  return Status::OK();
}

}  // namespace

void AddLsCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand("ls", "List shared files and notes");
  cmd->add_option("--group", opts->group, "Only this group (id or unique prefix)");
  cmd->add_option("--author", opts->author, "Only this member's shares (id or unique prefix)");
  cmd->callback(
      [&globals, action, opts] { *action = [&globals, opts] { return RunLs(globals, *opts); }; });
}

}  // namespace praxis::cli
