// Finding shares: `praxis ls --tag`, `--match` and `--since` (`praxis ls
// --help`), alone and together with --group.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "harness.h"

namespace praxis::process_test {
namespace {

std::vector<std::string> Announcements(const Json& ls) {
  std::vector<std::string> ids;
  for (const auto& e : ls) ids.push_back(e["announcement"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Ids(std::vector<Json> shares) {
  std::vector<std::string> ids;
  for (const auto& s : shares) ids.push_back(s["announcement"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// "YYYY-MM-DDTHH:MM:SSZ" → seconds since the epoch, or -1.
std::int64_t ParseUtc(const std::string& s) {
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::string FormatUtc(std::int64_t t, const char* fmt) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

std::int64_t NowUtc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(ProcessFind, LsTagKeepsSharesCarryingEveryGivenTag) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("tagged");
  const std::string h = node.CreateGroup("also tagged");
  const Json both = node.ShareText("both tags", g, {"--tag", "pdf", "--tag", "reading"});
  const Json pdf = node.ShareText("pdf only", g, {"--tag", "pdf"});
  const Json none = node.ShareText("no tags", g);
  const Json pdf_h = node.ShareText("pdf elsewhere", h, {"--tag", "pdf"});
  ASSERT_TRUE(IsHexId(both["announcement"]) && IsHexId(pdf_h["announcement"]));

  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--tag", "pdf"})), Ids({both, pdf, pdf_h}));
  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--tag", "reading"})), Ids({both}));
  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--tag", "pdf", "--tag", "reading"})), Ids({both}))
      << "repeated --tag: all must match";
  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--tag", "pdf", "--group", h})), Ids({pdf_h}));
  EXPECT_EQ(node.JsonOf({"ls", "--tag", "pd"}), Json::array()) << "a tag matches whole";
  EXPECT_EQ(node.JsonOf({"ls", "--tag", "nowhere"}), Json::array());
  EXPECT_EQ(node.JsonOf({"ls", "--tag", "pdf", "--tag", "nowhere"}), Json::array());
  EXPECT_EQ(node.JsonOf({"ls"}).size(), 4u);
  (void)none;
}

TEST(ProcessFind, LsMatchSearchesTitleTagsAndDescriptionInAnyCase) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("searchable");
  const Json by_title = node.ShareText("Compost Basics\nthe body mentions zucchini", g);
  const Json by_tag = node.ShareText("Untitled one", g, {"--tag", "Gardening"});
  const Json by_description =
      node.ShareText("Untitled two", g, {"--description", "notes on SEED saving"});
  const std::string path = node.tmp() / "Rainfall-2024.csv";
  WriteFile(path, "month,mm\n");
  const Json by_file_name = node.ShareFile(path, g);
  const Json unrelated = node.ShareText("Something else entirely", g);
  ASSERT_TRUE(IsHexId(by_title["announcement"]) && IsHexId(unrelated["announcement"]));

  struct Case {
    std::string text;
    std::vector<std::string> want;
  };
  for (const Case& c : {
           Case{"compost", Ids({by_title})},
           Case{"COMPOST BASICS", Ids({by_title})},
           Case{"gardening", Ids({by_tag})},
           Case{"gArDeN", Ids({by_tag})},
           Case{"seed", Ids({by_description})},
           Case{"Seed Saving", Ids({by_description})},
           Case{"rainfall", Ids({by_file_name})},
           Case{"untitled", Ids({by_tag, by_description})},
           Case{"zucchini", {}},  // the body is not searched
           Case{"nowhere at all", {}},
       }) {
    SCOPED_TRACE("--match " + c.text);
    EXPECT_EQ(Announcements(node.JsonOf({"ls", "--match", c.text})), c.want);
  }
  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--match", "untitled", "--tag", "Gardening"})),
            Ids({by_tag}));
}

// "(any case)" is not only ASCII: people title their notes in their own
// language.
TEST(ProcessFind, LsMatchIgnoresCaseBeyondAscii) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("international");
  const Json cafe = node.ShareText("Café Über Alles", g);
  const Json greek = node.ShareText("Ωμέγα notes", g);
  ASSERT_TRUE(IsHexId(cafe["announcement"]) && IsHexId(greek["announcement"]));
  for (const std::string text : {"Café", "café", "CAFÉ", "über", "ÜBER"}) {
    SCOPED_TRACE("--match " + text);
    EXPECT_EQ(Announcements(node.JsonOf({"ls", "--match", text})), Ids({cafe}));
  }
  for (const std::string text : {"ωμέγα", "ΩΜΈΓΑ"}) {
    SCOPED_TRACE("--match " + text);
    EXPECT_EQ(Announcements(node.JsonOf({"ls", "--match", text})), Ids({greek}));
  }
}

TEST(ProcessFind, LsSinceKeepsSharesCreatedAtOrAfterTheDate) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("dated");
  const Json early = node.ShareText("early", g);
  ASSERT_TRUE(IsHexId(early["announcement"]));
  const Json ls1 = node.JsonOf({"ls"});
  ASSERT_EQ(ls1.size(), 1u);
  const std::string early_created = ls1[0]["created"];
  const std::int64_t t_early = ParseUtc(early_created);
  ASSERT_GT(t_early, 0) << "created is not YYYY-MM-DDTHH:MM:SSZ: " << early_created;

  // The next share must fall in a later second than the first; wait for the
  // wall clock to pass it (at most a second, polled).
  const auto deadline = std::chrono::steady_clock::now() + kLiveness;
  while (NowUtc() <= t_early && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const Json late = node.ShareText("late", g);
  const Json ls2 = node.JsonOf({"ls"});
  ASSERT_EQ(ls2.size(), 2u) << ls2;
  std::string late_created;
  for (const auto& e : ls2)
    if (e["announcement"] == late["announcement"]) late_created = e["created"];
  ASSERT_GT(ParseUtc(late_created), t_early) << ls2;

  const std::vector<std::string> all = Ids({early, late});
  struct Case {
    std::string since;
    std::vector<std::string> want;
  };
  for (const Case& c : {
           Case{"2000-01-01", all},
           Case{"1970-01-01T00:00:00Z", all},
           Case{FormatUtc(t_early, "%Y-%m-%d"), all},
           Case{early_created, all},
           Case{late_created, Ids({late})},
           Case{FormatUtc(NowUtc() + 2 * 86400, "%Y-%m-%d"), {}},
           Case{"2999-12-31T23:59:59Z", {}},
       }) {
    SCOPED_TRACE("--since " + c.since);
    EXPECT_EQ(Announcements(node.JsonOf({"ls", "--since", c.since})), c.want);
  }
  EXPECT_EQ(Announcements(node.JsonOf({"ls", "--since", late_created, "--match", "early"})),
            std::vector<std::string>{});

  for (const std::string bad : {"yesterday", "2024-13-01", "2024-02-30", "2024-01-01T00:00:00",
                                "2024-01-01 00:00:00Z", "24-01-01", ""}) {
    SCOPED_TRACE("--since '" + bad + "'");
    EXPECT_TRUE(FailedWithOneLine(node.Praxis({"ls", "--since", bad})));
  }
}

}  // namespace
}  // namespace praxis::process_test
