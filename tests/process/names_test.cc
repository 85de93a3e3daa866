// What people type instead of 64 hex digits (DESIGN.md §3 "a unique prefix is
// accepted wherever an id is", docs/design-notes.md "Names"): groups by name
// or id prefix, announcements, roots and members by a unique prefix of at
// least 4 hex digits; an ambiguous name or prefix fails naming the
// candidates.
#include <algorithm>
#include <cctype>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 12); }

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

TEST(ProcessNames, AGroupCanBeNamedByItsNameOrAnIdPrefix) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("reading circle");
  const std::string other = node.CreateGroup("other");
  ASSERT_TRUE(IsHexId(g) && IsHexId(other));
  const Json in_other = node.ShareText("elsewhere", other);

  struct Way {
    std::string what;
    std::string text;
  };
  std::vector<std::string> shared;
  for (const Way& w : {Way{"name", "reading circle"}, Way{"6-digit prefix", g.substr(0, 6)},
                       Way{"4-digit prefix", g.substr(0, 4)},
                       Way{"upper-case prefix", Upper(g.substr(0, 8))}, Way{"full id", g}}) {
    SCOPED_TRACE("group given by " + w.what + ": " + w.text);
    CmdResult s = node.Praxis({"share", "--text", "via " + w.what, "--group", w.text, "--json"});
    ASSERT_TRUE(s.ok()) << s;
    shared.push_back(s.JsonOut()["announcement"]);

    CmdResult ls = node.Praxis({"ls", "--group", w.text, "--json"});
    ASSERT_TRUE(ls.ok()) << ls;
    const Json listed = ls.JsonOut();
    EXPECT_EQ(listed.size(), shared.size()) << listed;
    for (const auto& e : listed) EXPECT_EQ(e["group"], g) << e;

    CmdResult st = node.Praxis({"stage", w.text, "--json"});
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_EQ(st.JsonOut()["group"], g) << st;
    EXPECT_EQ(st.JsonOut()["name"], "reading circle") << st;
  }
  const Json all = node.JsonOf({"ls", "--group", "other"});
  ASSERT_EQ(all.size(), 1u) << "nothing may land in the other group" << all;
  EXPECT_EQ(all[0]["announcement"], in_other["announcement"]);
}

TEST(ProcessNames, TwoGroupsWithOneNameMakeTheNameAmbiguous) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string a = node.CreateGroup("twins");
  const std::string b = node.CreateGroup("twins");
  ASSERT_TRUE(IsHexId(a) && IsHexId(b));
  ASSERT_NE(a, b);
  const Json status = node.JsonOf({"status"});

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"share", "--text", "which one?", "--group", "twins"},
        std::vector<std::string>{"ls", "--group", "twins"},
        std::vector<std::string>{"stage", "twins"},
        std::vector<std::string>{"group", "leave", "twins"},
        std::vector<std::string>{"group", "join", "twins"}}) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    CmdResult r = node.Praxis(args);
    ASSERT_TRUE(FailedWithOneLine(r));
    EXPECT_NE(r.err.find(Short(a)), std::string::npos) << "the line should list both" << r;
    EXPECT_NE(r.err.find(Short(b)), std::string::npos) << "the line should list both" << r;
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);

  // Each is reachable by a prefix.
  for (const std::string& g : {a, b}) {
    const Json s = node.ShareText("this one", g.substr(0, 6));
    ASSERT_TRUE(IsHexId(s["announcement"])) << s;
    const Json ls = node.JsonOf({"ls", "--group", g.substr(0, 6)});
    ASSERT_EQ(ls.size(), 1u) << ls;
    EXPECT_EQ(ls[0]["group"], g);
  }
}

// A group's name may itself look like hex ("cafe", "2024", "beef"). When it
// is also a prefix of another group's id, taking the id silently would put a
// share into a group the user did not mean: the text is ambiguous, and the
// share must not land in the other group.
TEST(ProcessNames, AGroupNameThatIsAnotherGroupsIdPrefixIsNotSilentlyTakenAsTheId) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string a = node.CreateGroup("private diary");
  ASSERT_TRUE(IsHexId(a));
  const std::string name = a.substr(0, 4);
  const std::string b = node.CreateGroup(name);
  ASSERT_TRUE(IsHexId(b));
  ASSERT_FALSE(b.starts_with(name)) << "1 in 65536: the two ids share a prefix; run again";

  CmdResult r =
      node.Praxis({"share", "--text", "for the group named " + name, "--group", name, "--json"});
  if (r.ok()) {
    const Json ls = node.JsonOf({"ls", "--match", "for the group named"});
    ASSERT_EQ(ls.size(), 1u) << ls;
    EXPECT_EQ(ls[0]["group"], b) << "the share went into '"
                                 << "private diary"
                                 << "' (" << Short(a) << ") instead of the group named '" << name
                                 << "'";
  } else {
    EXPECT_TRUE(FailedWithOneLine(r));
    EXPECT_NE(r.err.find(Short(a)), std::string::npos) << r;
    EXPECT_NE(r.err.find(Short(b)), std::string::npos) << r;
  }
  EXPECT_EQ(node.JsonOf({"ls", "--group", a}), Json::array())
      << "a share meant for '" << name << "' landed in 'private diary'";
}

TEST(ProcessNames, UniquePrefixesWorkForGetRepublishRetractAndAuthor) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string home = node.CreateGroup("home");
  const std::string away = node.CreateGroup("away");
  ASSERT_TRUE(IsHexId(home) && IsHexId(away) && IsHexId(member));
  const std::string text = "reachable by a few digits";
  const Json share = node.ShareText(text, home);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  const std::string id = share["announcement"];
  const std::string root = share["root"];

  // (Five digits, not four: with a dozen ids here, four would collide once in
  // a few thousand runs.)
  for (const std::string& p :
       {id.substr(0, 5), id.substr(0, 6), Upper(id.substr(0, 6)), root.substr(0, 6)}) {
    SCOPED_TRACE("get " + p);
    CmdResult got = node.Praxis({"get", p, "-o", "-"});
    ASSERT_TRUE(got.ok()) << got;
    EXPECT_EQ(got.out, text);
  }

  const Json rep = node.JsonOf({"republish", id.substr(0, 6), "--into", away.substr(0, 6)});
  ASSERT_TRUE(IsHexId(rep["announcement"])) << rep;
  const Json in_away = node.JsonOf({"ls", "--group", "away"});
  ASSERT_EQ(in_away.size(), 1u) << in_away;
  EXPECT_EQ(in_away[0]["announcement"], id);

  for (const std::string& p :
       {member.substr(0, 4), member.substr(0, 6), Upper(member.substr(0, 8))}) {
    SCOPED_TRACE("ls --author " + p);
    const Json mine = node.JsonOf({"ls", "--author", p});
    ASSERT_EQ(mine.size(), 1u) << mine;
    EXPECT_EQ(mine[0]["author"], member);
  }

  const Json retracted = node.JsonOf({"retract", id.substr(0, 6)});
  EXPECT_EQ(retracted["target"], id) << retracted;
}

TEST(ProcessNames, PrefixesShorterThanFourDigitsAreRefusedWithOneLine) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string g = node.CreateGroup("short");
  const Json share = node.ShareText("short prefixes", g);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  const std::string id = share["announcement"];
  const Json status = node.JsonOf({"status"});

  for (std::size_t n = 1; n <= 3; ++n) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"get", id.substr(0, n), "-o", "-"},
          std::vector<std::string>{"republish", id.substr(0, n)},
          std::vector<std::string>{"retract", id.substr(0, n)},
          std::vector<std::string>{"edit", id.substr(0, n)},
          std::vector<std::string>{"share", "--text", "x", "--group", g, "--replaces",
                                   id.substr(0, n)},
          std::vector<std::string>{"ls", "--author", member.substr(0, n)}}) {
      SCOPED_TRACE(args[0] + " with " + std::to_string(n) + " digits");
      CmdResult r = node.Praxis(args, CmdOptions{.env = {{"EDITOR", "false"}, {"VISUAL", ""}}});
      EXPECT_TRUE(FailedWithOneLine(r));
      EXPECT_NE(r.err.find("short"), std::string::npos) << "say the prefix is too short" << r;
    }
    // A group is also found by name: a short prefix is just an unknown name.
    EXPECT_TRUE(FailedWithOneLine(node.Praxis({"stage", g.substr(0, n)})));
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
}

// Two notes whose resource roots share their first four hex digits. A root is
// the hash of the content's manifest, the same on every node: the texts were
// found by sharing "prefix twin N" for N up to 800 and looking for a pair.
constexpr char kTwinA[] = "prefix twin 50";
constexpr char kTwinB[] = "prefix twin 438";
constexpr char kTwinPrefix[] = "02b6";

TEST(ProcessNames, AnAmbiguousPrefixFailsListingTheCandidates) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("twins");
  const Json a = node.ShareText(kTwinA, g);
  const Json b = node.ShareText(kTwinB, g);
  ASSERT_TRUE(IsHexId(a["root"]) && IsHexId(b["root"]));
  const std::string ra = a["root"];
  const std::string rb = b["root"];
  ASSERT_TRUE(ra.starts_with(kTwinPrefix) && rb.starts_with(kTwinPrefix))
      << "the fixture texts no longer make roots sharing a prefix (did the manifest format "
         "change?): roots "
      << ra << " and " << rb << "; find two new texts";

  CmdResult r = node.Praxis({"get", kTwinPrefix, "-o", "-"});
  ASSERT_TRUE(FailedWithOneLine(r));
  EXPECT_NE(r.err.find("ambiguous"), std::string::npos) << r;
  EXPECT_NE(r.err.find(Short(ra)), std::string::npos) << "the line should list both" << r;
  EXPECT_NE(r.err.find(Short(rb)), std::string::npos) << "the line should list both" << r;

  // One more digit tells them apart.
  std::size_t n = 4;
  while (n < 64 && ra[n - 1] == rb[n - 1]) ++n;
  ASSERT_LT(n, 64u);
  CmdResult ga = node.Praxis({"get", ra.substr(0, n), "-o", "-"});
  CmdResult gb = node.Praxis({"get", rb.substr(0, n), "-o", "-"});
  ASSERT_TRUE(ga.ok()) << ga;
  ASSERT_TRUE(gb.ok()) << gb;
  EXPECT_EQ(ga.out, kTwinA);
  EXPECT_EQ(gb.out, kTwinB);
}

}  // namespace
}  // namespace praxis::process_test
