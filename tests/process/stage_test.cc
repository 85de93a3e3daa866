// praxis stage GROUP (DESIGN.md §5): the stage, its raised_by and figures.
#include <set>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

std::set<std::string> Keys(const Json& object) {
  std::set<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.insert(k);
  return keys;
}

TEST(ProcessCli, StageJsonHasExactlyTheDocumentedFields) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("stages", {"--min-republishers", "2"});
  ASSERT_TRUE(IsHexId(g));

  CmdResult r = node.Praxis({"stage", g, "--json"});
  ASSERT_TRUE(r.ok()) << r;
  const Json s = r.JsonOut();
  ASSERT_TRUE(s.is_object()) << r;
  EXPECT_EQ(Keys(s), (std::set<std::string>{"group", "name", "stage", "raised_by", "republishers",
                                            "min_republishers", "outside_republishers",
                                            "min_outside", "contributors", "republisher_share",
                                            "publish_on_practice", "members", "raised_by_author",
                                            "reciprocity", "median_uptake_ms",
                                            "catalogue_public", "edges"}))
      << s;

  EXPECT_EQ(s["group"], g);
  EXPECT_EQ(s["name"], "stages");
  EXPECT_EQ(s["stage"], "network");
  EXPECT_TRUE(s["raised_by"].is_null()) << s;
  for (const char* count : {"republishers", "min_republishers", "outside_republishers",
                            "min_outside", "contributors", "members"}) {
    EXPECT_TRUE(s[count].is_number_unsigned()) << count << " in " << s;
  }
  EXPECT_TRUE(s["republisher_share"].is_number()) << s;
  EXPECT_TRUE(s["publish_on_practice"].is_boolean()) << s;

  EXPECT_EQ(s["republishers"], 0);
  EXPECT_EQ(s["min_republishers"], 2) << "--min-republishers 2";
  EXPECT_EQ(s["outside_republishers"], 0);
  EXPECT_EQ(s["min_outside"], 3) << "the documented default";
  EXPECT_EQ(s["contributors"], 0);
  EXPECT_EQ(s["republisher_share"], 0);
  EXPECT_EQ(s["publish_on_practice"], true);
  EXPECT_EQ(s["members"], 1);
}

TEST(ProcessCli, StageReflectsTheGroupsThresholdsAndDefaults) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string plain = node.CreateGroup("plain");
  const std::string tuned = node.CreateGroup(
      "tuned", {"--min-republishers", "7", "--min-outside", "5", "--no-publish-on-practice"});
  ASSERT_TRUE(IsHexId(plain) && IsHexId(tuned));

  const Json p = node.JsonOf({"stage", plain});
  EXPECT_EQ(p["min_republishers"], 3) << p;
  EXPECT_EQ(p["min_outside"], 3) << p;
  EXPECT_EQ(p["publish_on_practice"], true) << p;

  const Json t = node.JsonOf({"stage", tuned});
  EXPECT_EQ(t["min_republishers"], 7) << t;
  EXPECT_EQ(t["min_outside"], 5) << t;
  EXPECT_EQ(t["publish_on_practice"], false) << t;
}

TEST(ProcessCli, StageCountsContributorsAndAcceptsAnIdPrefix) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("contributions");
  ASSERT_TRUE(IsHexId(g));
  ASSERT_TRUE(IsHexId(node.ShareText("first", g)["announcement"]));
  ASSERT_TRUE(IsHexId(node.ShareText("second", g)["announcement"]));

  const Json full = node.JsonOf({"stage", g});
  EXPECT_EQ(full["contributors"], 1) << "one member contributed, twice" << full;
  EXPECT_EQ(full["stage"], "network");
  EXPECT_TRUE(full["raised_by"].is_null());

  // DESIGN.md §3: a unique prefix is accepted wherever an id is.
  EXPECT_EQ(node.JsonOf({"stage", g.substr(0, 10)}), full);
}

TEST(ProcessCli, StageTextSaysHowFarTheNextStageIs) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("far", {"--min-republishers", "2"});
  ASSERT_TRUE(IsHexId(g));
  CmdResult r = node.Praxis({"stage", g});
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_NE(r.out.find("network"), std::string::npos) << r;
  EXPECT_NE(r.out.find("2 more republishers"), std::string::npos) << r;
}

}  // namespace
}  // namespace praxis::process_test
