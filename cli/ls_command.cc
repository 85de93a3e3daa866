// praxis ls: the shares this node knows of, newest as the node orders them.
// Filters (--tag, --match, --since) are applied by the node; --history also
// lists the versions a later share superseded and the retracted ones.
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
  std::vector<std::string> tags;
  std::string match;
  std::string since;  // as typed; checked by kUtcTime
  bool history = false;
};

const CLI::Validator kUtcTime(
    [](std::string& value) -> std::string {
      if (ParseUtcTime(value)) return std::string();
      return "'" + value + "' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)";
    },
    "");

Json IdOrNull(const std::string& raw) { return raw.empty() ? Json(nullptr) : Json(HexId(raw)); }

Json EntryJson(const control::Entry& e, bool history) {
  Json republished_by = Json::array();
  for (const auto& member : e.republished_by()) republished_by.push_back(HexId(member));
  Json doc = {{"announcement", HexId(e.announcement())},
              {"root", HexId(e.root())},
              {"title", e.title()},
              {"author", HexId(e.author())},
              {"group", HexId(e.group())},
              {"size", e.size()},
              {"tags", std::vector<std::string>(e.tags().begin(), e.tags().end())},
              {"created", IsoTimeUtc(e.created())},
              {"held", e.held()},
              {"republished_by", republished_by},
              {"note", e.note()},
              {"replaces", IdOrNull(e.replaces())}};
  if (history) {
    doc["superseded"] = e.superseded();
    doc["retracted"] = e.retracted();
  }
  return doc;
}

// A retraction outranks a later version: the content is gone either way.
std::string State(const control::Entry& e) {
  if (e.retracted()) return "retracted";
  if (e.superseded()) return "superseded";
  return "latest";
}

Status RunLs(const GlobalOptions& globals, const LsOptions& opts) {
  control::Request request;
  control::LsRequest* ls = request.mutable_ls();
  ls->set_group(ValidUtf8(opts.group));
  ls->set_author(ValidUtf8(opts.author));
  for (const auto& tag : opts.tags) ls->add_tags(ValidUtf8(tag));
  ls->set_match(ValidUtf8(opts.match));
  if (!opts.since.empty()) ls->set_since(ParseUtcTime(opts.since).value_or(0));
  ls->set_history(opts.history);
  auto response = CallNode(globals, request, control::Response::kLs);
  if (!response) return response.error();
  const auto& entries = response->ls().entries();

  if (globals.json) {
    Json doc = Json::array();
    for (const control::Entry& e : entries) doc.push_back(EntryJson(e, opts.history));
    PrintJson(std::cout, doc);
    return Status::OK();
  }
  if (entries.empty()) {
    const bool filtered = !opts.tags.empty() || !opts.match.empty() || !opts.since.empty();
    std::cout << (filtered ? "no shares match\n" : "nothing shared here yet\n");
    return Status::OK();
  }
  std::vector<std::string> headers = {"ID",   "KIND",    "TITLE", "GROUP",      "AUTHOR",
                                      "SIZE", "CREATED", "HELD",  "REPUBLISHED"};
  if (opts.history) headers.push_back("STATE");
  Table table(std::move(headers));
  table.AlignRight(5);
  table.AlignRight(8);
  for (const control::Entry& e : entries) {
    std::string group = e.group_name().empty() ? ShortId(e.group()) : e.group_name();
    if (group.empty()) group = "-";
    const std::string author = e.author().empty() ? "-" : ShortId(e.author());
    std::vector<std::string> row = {ShortId(e.announcement()),
                                    e.note() ? "note" : "file",
                                    Ellipsize(ForTerminal(e.title()), 40),
                                    Ellipsize(ForTerminal(group), 20),
                                    author,
                                    HumanSize(e.size()),
                                    IsoTimeUtc(e.created()),
                                    e.held(),
                                    std::to_string(e.republished_by_size())};
    if (opts.history) row.push_back(State(e));
    table.AddRow(std::move(row));
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
  cmd->add_option("--tag", opts->tags, "Only shares carrying this tag (repeatable: all must match)")
      ->allow_extra_args(false);
  cmd->add_option("--match", opts->match,
                  "Only shares whose title, tags or description contain TEXT (any case)")
      ->type_name("TEXT");
  cmd->add_option("--since", opts->since,
                  "Only shares created at or after DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC")
      ->check(kUtcTime)
      ->type_name("DATE");
  cmd->add_flag("--history", opts->history,
                "Also list superseded and retracted versions (adds a STATE column, and "
                "superseded/retracted in JSON)");
  cmd->footer(
      "JSON: an array of {announcement, root, title, author, group, size, tags, created, held,\n"
      "republished_by, note, replaces}; replaces is the earlier version's announcement or null.\n"
      "With --history each entry also has superseded and retracted.");
  cmd->callback(
      [&globals, action, opts] { *action = [&globals, opts] { return RunLs(globals, *opts); }; });
}

}  // namespace praxis::cli
