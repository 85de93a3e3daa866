// Groups become practice circles across real praxisd processes (DESIGN §1,
// §5): eight nodes in a line or a star, a group of five members, one member
// republishing everything (still a network), two more republishing others'
// work (a practice circle, the same raised_by everywhere), three outsiders
// carrying its work into their own groups (a system of influence, the same
// figures everywhere), and a ninth node arriving late that learns all of it
// through catch-up. Watch, news and discover are checked along the way.
#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace praxis::process_test {
namespace {

using Nodes = std::vector<std::unique_ptr<TestNode>>;

// Starts `n` nodes; node i's seed is node i-1 (a line) or node 0 (a star).
Nodes StartNodes(int n, bool star) {
  Nodes nodes;
  std::vector<std::string> listen;
  for (int i = 0; i < n; ++i) {
    nodes.push_back(std::make_unique<TestNode>());
    std::vector<std::string> args;
    if (i > 0) args = {"--seed", star ? listen.front() : listen.back()};
    EXPECT_TRUE(nodes.back()->Start(args));
    listen.push_back(nodes.back()->JsonOf({"status"})["listen"]);
  }
  return nodes;
}

// Whether every node holds `count` announcements or more.
bool AllHold(const Nodes& nodes, std::uint64_t count) {
  for (const auto& n : nodes)
    if (n->JsonOf({"status"})["announcements"].get<std::uint64_t>() < count) return false;
  return true;
}

// `stage --json` without what may differ between nodes legitimately (nothing,
// so far: the whole document must agree).
Json StageOf(const TestNode& n, const std::string& g) { return n.JsonOf({"stage", g}); }

class Circles : public ::testing::TestWithParam<bool> {};

TEST_P(Circles, EightNodesRaiseAGroupToPracticeThenInfluenceAndAllAgree) {
  const bool star = GetParam();
  Nodes nodes = StartNodes(8, star);
  ASSERT_FALSE(HasFailure());
  TestNode& founder = *nodes[0];
  const std::string g = founder.CreateGroup("field notes", {"--tag", "ecology"});
  ASSERT_TRUE(IsHexId(g));
  // A watcher on the founder's node, from the start.
  Running watch = Spawn({PRAXIS_BIN, "--data-dir", founder.data_dir(), "watch", "--json"});

  // Five members (the founder and nodes 1-4); each shares a note.
  for (int i = 1; i <= 4; ++i)
    ASSERT_TRUE(Eventually([&] { return nodes[i]->Praxis({"group", "join", g}).ok(); }))
        << "node " << i << " never held the group";
  std::vector<Json> shares;
  for (int i = 0; i <= 4; ++i)
    shares.push_back(nodes[i]->ShareText("note by member " + std::to_string(i), g,
                                         {"--tag", "wetlands"}));
  // genesis + 4 joins + 5 shares
  ASSERT_TRUE(Eventually([&] { return AllHold(nodes, 10); }));

  // Member 1 republishes everything of the others: one republisher, still a network.
  for (int i : {0, 2, 3, 4}) {
    CmdResult r = nodes[1]->Praxis({"republish", shares[i]["announcement"], "--json"});
    ASSERT_TRUE(r.ok()) << r;
  }
  ASSERT_TRUE(Eventually([&] { return AllHold(nodes, 14); }));
  for (const auto& n : nodes) {
    const Json s = StageOf(*n, g);
    EXPECT_EQ(s["stage"], "network") << s;
    EXPECT_EQ(s["republishers"], 1) << s;
  }

  // Two more members pass on others' work: a practice circle.
  ASSERT_TRUE(nodes[2]->Praxis({"republish", shares[0]["announcement"]}).ok());
  ASSERT_TRUE(nodes[3]->Praxis({"republish", shares[4]["announcement"]}).ok());
  ASSERT_TRUE(Eventually([&] { return AllHold(nodes, 16); }));
  const Json practice = StageOf(founder, g);
  EXPECT_EQ(practice["stage"], "practice") << practice;
  EXPECT_TRUE(IsHexId(practice["raised_by"])) << practice;
  EXPECT_EQ(practice["catalogue_public"], true) << practice;
  for (const auto& n : nodes) EXPECT_EQ(StageOf(*n, g), practice);

  // Three outsiders carry the circle's work into their own groups.
  for (int i = 5; i <= 7; ++i) {
    const std::string own = nodes[i]->CreateGroup("reading group " + std::to_string(i));
    CmdResult r = nodes[i]->Praxis({"republish", shares[i - 5]["announcement"], "--into", own});
    ASSERT_TRUE(r.ok()) << r;
  }
  ASSERT_TRUE(Eventually([&] { return AllHold(nodes, 22); }));
  const Json influence = StageOf(founder, g);
  EXPECT_EQ(influence["stage"], "influence") << influence;
  EXPECT_EQ(influence["outside_republishers"], 3) << influence;
  EXPECT_NE(influence["raised_by"], practice["raised_by"]);
  for (const auto& n : nodes) EXPECT_EQ(StageOf(*n, g), influence);

  // A ninth node, started now, learns the same through catch-up.
  TestNode late;
  ASSERT_TRUE(late.Start({"--seed", nodes[5]->JsonOf({"status"})["listen"]}));
  ASSERT_TRUE(Eventually([&] {
    // Until catch-up brings the group, `stage` says it is unknown here.
    CmdResult r = late.Praxis({"stage", g, "--json"});
    return r.ok() && r.JsonOut() == influence;
  }));

  // Discovery across the network, from an outsider's node.
  const Json found = nodes[6]->JsonOf({"discover", "--tag", "ecology", "--stage", "influence"});
  ASSERT_EQ(found.size(), 1u) << found;
  EXPECT_EQ(found[0]["group"], g);
  EXPECT_EQ(found[0]["members"], 5);
  EXPECT_EQ(found[0]["contributions"], 11) << "5 shares and 6 republishes posted into it";
  EXPECT_TRUE(nodes[6]->JsonOf({"discover", "--tag", "ecology", "--stage", "network"}).empty());
  const Json sharers = nodes[6]->JsonOf({"discover", "--members", "--tag", "wetlands"});
  std::set<std::string> who;
  for (const auto& m : sharers) who.insert(m["member"]);
  std::set<std::string> members;
  for (int i = 0; i <= 4; ++i) members.insert(nodes[i]->Member());
  EXPECT_EQ(who, members) << sharers;

  // The founder's news: others' shares, republishes of the founder's note
  // (by members 1 and 2, and outsider 5), both stage rises; then nothing new.
  const Json news = founder.JsonOf({"news"});
  std::multiset<std::string> types;
  for (const auto& item : news["items"]) types.insert(item["type"]);
  EXPECT_EQ(types.count("share"), 4u) << news;
  EXPECT_EQ(types.count("republish_of_yours"), 3u) << news;
  EXPECT_EQ(types.count("stage"), 1u) << "the stage reached now, once: " << news;
  EXPECT_TRUE(founder.JsonOf({"news"})["items"].empty());

  // The watcher saw the stage rise to practice, then to influence.
  ASSERT_TRUE(Eventually([&] {
    return watch.StdoutSoFar().find("\"stage\":\"influence\"") != std::string::npos;
  })) << watch.StdoutSoFar();
  CmdResult w = watch.Interrupt();
  std::vector<std::string> stages;
  std::size_t republishes = 0;
  std::istringstream in(w.out);
  for (std::string line; std::getline(in, line);) {
    const Json e = Json::parse(line);
    if (e["type"] == "republish") ++republishes;
    if (e["type"] == "stage" && e["group"] == g) stages.push_back(e["stage"]);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"practice", "influence"})) << w;
  // Every republish came long after the watch started (the joins may not).
  EXPECT_EQ(republishes, 9u) << w;
}

INSTANTIATE_TEST_SUITE_P(Topologies, Circles, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Star" : "Line"; });

}  // namespace
}  // namespace praxis::process_test
