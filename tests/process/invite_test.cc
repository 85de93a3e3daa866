// Invite-only groups driven through praxis exactly as people would: a member
// invites an outsider, hands over the printed code, and the outsider's node
// (never connected before) joins with it and then gets everything; a
// connected non-member gets nothing; bad codes fail with one line.
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

TEST(ProcessInvites, AnOutsiderJoinsByCodeAndThenGetsEverythingWhileANonMemberGetsNothing) {
  TestNode owner, outsider, bystander;
  ASSERT_TRUE(owner.Start());
  const std::string owner_listen = owner.JsonOf({"status"})["listen"];
  ASSERT_TRUE(outsider.Start());
  ASSERT_TRUE(bystander.Start({"--seed", owner_listen}));

  const Json created = owner.JsonOf({"group", "create", "circle", "--invite-only"});
  const std::string g = created["group"];
  EXPECT_EQ(created["publish_on_practice"], false);
  const std::string path = owner.tmp().Sub("minutes.bin");
  const std::string bytes = RandomBytes(700 * 1024, 7);
  WriteFile(path, bytes);
  const Json share = owner.ShareFile(path, g);
  const std::string root = share["root"];

  // A connected non-member: nothing by group id, nothing by root.
  ASSERT_TRUE(Eventually([&] { return bystander.JsonOf({"peers"}).size() == 1; }));
  const std::string open_g = owner.CreateGroup("open");
  ASSERT_TRUE(Eventually([&] { return bystander.JsonOf({"groups"}).size() == 1; }))
      << "the open group arrives, the invite-only one never does";
  EXPECT_EQ(bystander.JsonOf({"groups"})[0]["group"], open_g);
  EXPECT_TRUE(bystander.JsonOf({"ls"}).empty());
  EXPECT_TRUE(FailedWithOneLine(bystander.Praxis({"get", root, "-o", bystander.tmp().Sub("x")})));
  EXPECT_TRUE(FailedWithOneLine(bystander.Praxis({"group", "join", g})));

  // The invite, and its code.
  const std::string guest = outsider.Member();
  const Json invite = owner.JsonOf({"group", "invite", g, guest});
  const std::string code = invite["code"];
  ASSERT_TRUE(code.starts_with("praxis-invite:")) << invite;
  CmdResult text = owner.Praxis({"group", "invite", g, bystander.Member()});
  ASSERT_TRUE(text.ok()) << text;
  EXPECT_NE(text.out.find("praxis-invite:"), std::string::npos) << text;

  // Codes that cannot work fail with one line: cut short, or someone else's.
  EXPECT_TRUE(FailedWithOneLine(outsider.Praxis({"group", "join", code.substr(0, 40)})));
  EXPECT_TRUE(FailedWithOneLine(bystander.Praxis({"group", "join", code})));

  // The outsider joins with the code: its node dials the addresses in it,
  // the owner's node admits the join, and the group follows.
  const Json joined = outsider.JsonOf({"group", "join", code});
  EXPECT_EQ(joined["pending"], true) << joined;
  EXPECT_EQ(joined["group"], g) << joined;
  ASSERT_TRUE(Eventually([&] {
    const Json groups = outsider.JsonOf({"groups"});
    for (const auto& gi : groups)
      if (gi["group"] == g && gi["joined"] == true) return true;
    return false;
  })) << outsider.JsonOf({"groups"});
  const Json invites = outsider.JsonOf({"invites"});
  ASSERT_EQ(invites.size(), 1u) << invites;
  EXPECT_EQ(invites[0]["group"], g);
  EXPECT_EQ(invites[0]["inviter"], owner.Member());
  EXPECT_EQ(invites[0]["state"], "joined");
  // Joining again is refused plainly.
  EXPECT_TRUE(FailedWithOneLine(outsider.Praxis({"group", "join", code})));

  ASSERT_TRUE(Eventually([&] { return outsider.JsonOf({"ls"}).size() == 1; }));
  const std::string out = outsider.tmp().Sub("got.bin");
  const Json got = outsider.JsonOf({"get", root, "-o", out});
  EXPECT_EQ(got["size"], bytes.size());
  EXPECT_EQ(ReadFile(out), bytes);

  // The bystander, invited too, hears of it from the owner's node (no code)
  // and joins by the group's id.
  ASSERT_TRUE(Eventually([&] { return bystander.JsonOf({"invites"}).size() == 1; }));
  EXPECT_EQ(bystander.JsonOf({"invites"})[0]["state"], "invited");
  const Json by_id = bystander.JsonOf({"group", "join", g.substr(0, 12)});
  EXPECT_EQ(by_id["pending"], true) << by_id;
  ASSERT_TRUE(Eventually([&] { return bystander.JsonOf({"ls"}).size() == 1; }));
  EXPECT_EQ(owner.JsonOf({"stage", g})["members"], 3);
}

}  // namespace
}  // namespace praxis::process_test
