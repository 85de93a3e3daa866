// praxis group create|join|leave|invite and praxis groups (DESIGN.md §5).
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// The entry of `groups --json` for `group`, or null.
Json FindGroup(const Json& groups, const std::string& group) {
  for (const auto& g : groups)
    if (g.value("group", "") == group) return g;
  return Json();
}

TEST(ProcessCli, GroupCreateVariantsAreListedByGroups) {
  TestNode node;
  ASSERT_TRUE(node.Start());

  CmdResult open =
      node.Praxis({"group", "create", "open circle", "--tag", "rust", "--tag", "p2p",
                   "--description", "about open things", "--min-republishers", "2", "--json"});
  ASSERT_TRUE(open.ok()) << open;
  const Json o = open.JsonOut();
  ASSERT_TRUE(IsHexId(o["group"])) << o;
  EXPECT_EQ(o["publish_on_practice"], true) << o;

  const Json quiet = node.JsonOf({"group", "create", "quiet", "--no-publish-on-practice"});
  ASSERT_TRUE(IsHexId(quiet["group"])) << quiet;
  EXPECT_EQ(quiet["publish_on_practice"], false) << quiet;

  const Json closed = node.JsonOf({"group", "create", "closed", "--invite-only"});
  ASSERT_TRUE(IsHexId(closed["group"])) << closed;
  EXPECT_EQ(closed["publish_on_practice"], false) << "invite-only groups never publish";

  const Json groups = node.JsonOf({"groups"});
  ASSERT_TRUE(groups.is_array()) << groups;
  ASSERT_EQ(groups.size(), 3u) << groups;

  const Json g1 = FindGroup(groups, o["group"]);
  ASSERT_TRUE(g1.is_object()) << groups;
  EXPECT_EQ(g1["name"], "open circle");
  EXPECT_EQ(g1["stage"], "network");
  EXPECT_EQ(g1["members"], 1);
  EXPECT_EQ(g1["joined"], true);
  EXPECT_EQ(g1["invite_only"], false);
  EXPECT_EQ(g1["publish_on_practice"], true);
  EXPECT_EQ(g1["tags"], Json::array({"rust", "p2p"}));
  EXPECT_EQ(g1["description"], "about open things");

  const Json g2 = FindGroup(groups, quiet["group"]);
  ASSERT_TRUE(g2.is_object()) << groups;
  EXPECT_EQ(g2["name"], "quiet");
  EXPECT_EQ(g2["stage"], "network");
  EXPECT_EQ(g2["members"], 1);
  EXPECT_EQ(g2["publish_on_practice"], false);
  EXPECT_EQ(g2["tags"], Json::array());

  const Json g3 = FindGroup(groups, closed["group"]);
  ASSERT_TRUE(g3.is_object()) << groups;
  EXPECT_EQ(g3["name"], "closed");
  EXPECT_EQ(g3["stage"], "network");
  EXPECT_EQ(g3["members"], 1);
  EXPECT_EQ(g3["invite_only"], true);
  EXPECT_EQ(g3["publish_on_practice"], false);
}

TEST(ProcessCli, GroupCreateTextNamesTheGroup) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  CmdResult r = node.Praxis({"group", "create", "readers"});
  ASSERT_TRUE(r.ok()) << r;
  const Json groups = node.JsonOf({"groups"});
  ASSERT_EQ(groups.size(), 1u) << groups;
  EXPECT_NE(r.out.find(groups[0]["group"].get<std::string>()), std::string::npos) << r;
}

TEST(ProcessCli, LeaveStopsSharingJoinRestoresItAndPastSharesStay) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("comings and goings");
  ASSERT_TRUE(IsHexId(g));
  const Json before = node.ShareText("said while a member", g);
  ASSERT_TRUE(IsHexId(before["announcement"]));

  const Json left = node.JsonOf({"group", "leave", g});
  EXPECT_TRUE(IsHexId(left["announcement"])) << left;
  EXPECT_EQ(FindGroup(node.JsonOf({"groups"}), g)["joined"], false);

  const Json status_before = node.JsonOf({"status"});
  CmdResult refused = node.Praxis({"share", "--text", "said after leaving", "--group", g});
  EXPECT_TRUE(FailedWithOneLine(refused));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);

  // Leaving stops future contributions; it does not erase past ones.
  const Json ls = node.JsonOf({"ls", "--group", g});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], before["announcement"]);

  const Json joined = node.JsonOf({"group", "join", g});
  EXPECT_TRUE(IsHexId(joined["announcement"])) << joined;
  EXPECT_NE(joined["announcement"], left["announcement"]);
  EXPECT_EQ(FindGroup(node.JsonOf({"groups"}), g)["joined"], true);

  const Json after = node.ShareText("said after coming back", g);
  EXPECT_TRUE(IsHexId(after["announcement"])) << after;
  EXPECT_EQ(node.JsonOf({"ls", "--group", g}).size(), 2u);
}

TEST(ProcessCli, JoinOfAGroupAlreadyJoinedFails) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("already in");
  ASSERT_TRUE(IsHexId(g));
  const Json status_before = node.JsonOf({"status"});

  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"group", "join", g})));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);
}

TEST(ProcessCli, LeaveOfAGroupNotJoinedFails) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("in and out");
  ASSERT_TRUE(IsHexId(g));
  ASSERT_TRUE(node.Praxis({"group", "leave", g}).ok());
  const Json status_before = node.JsonOf({"status"});

  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"group", "leave", g})));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);
}

TEST(ProcessCli, InviteRefusesAMalformedMemberAndAcceptsAValidOne) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("by invitation", {"--invite-only"});
  ASSERT_TRUE(IsHexId(g));
  const Json status_before = node.JsonOf({"status"});

  for (const std::string& bad :
       std::vector<std::string>{"zz", "xyz!", "0123456789abcdef", std::string(63, 'a'),
                                std::string(65, 'a'), std::string(63, 'a') + "g"}) {
    SCOPED_TRACE("member " + bad);
    EXPECT_TRUE(FailedWithOneLine(node.Praxis({"group", "invite", g, bad})));
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);

  const std::string someone(64, 'c');  // a well-formed member id nobody here holds
  const Json invite = node.JsonOf({"group", "invite", g, someone});
  EXPECT_TRUE(IsHexId(invite["announcement"])) << invite;
  EXPECT_EQ(node.JsonOf({"status"})["announcements"],
            status_before["announcements"].get<int>() + 1);
}

}  // namespace
}  // namespace praxis::process_test
