#include "group_view.h"

#include <string>
#include <vector>

#include "format.h"

namespace praxis::cli {

namespace {

std::string JoinTags(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) out += (out.empty() ? "" : ",") + tag;
  return out;
}

}  // namespace

Json GroupJson(const control::GroupInfo& g) {
  return {{"group", HexId(g.group())},
          {"name", g.name()},
          {"stage", g.stage()},
          {"members", g.members()},
          {"contributions", g.contributions()},
          {"invite_only", g.invite_only()},
          {"publish_on_practice", g.publish_on_practice()},
          {"tags", std::vector<std::string>(g.tags().begin(), g.tags().end())},
          {"description", g.description()},
          {"joined", g.joined()}};
}

Json GroupsJson(const GroupList& groups) {
  Json doc = Json::array();
  for (const control::GroupInfo& g : groups) doc.push_back(GroupJson(g));
  return doc;
}

void PrintGroupsTable(std::ostream& out, const GroupList& groups) {
  Table table({"GROUP", "NAME", "STAGE", "MEMBERS", "CONTRIB", "JOINED", "ACCESS", "PUBLISH",
               "TAGS"});
  table.AlignRight(3);
  table.AlignRight(4);
  for (const control::GroupInfo& g : groups) {
    table.AddRow({ShortId(g.group()), Ellipsize(ForTerminal(g.name()), 32), g.stage(),
                  std::to_string(g.members()), std::to_string(g.contributions()),
                  g.joined() ? "yes" : "no", g.invite_only() ? "invite" : "open",
                  g.publish_on_practice() ? "yes" : "no",
                  Ellipsize(ForTerminal(JoinTags(g.tags())), 40)});
  }
  table.Print(out);
}

}  // namespace praxis::cli
