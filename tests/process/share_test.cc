// praxis share, ls, get and republish on one node (DESIGN.md §3).
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// 12 whole 256 KiB chunks and a partial one.
constexpr std::size_t kFileSize = 12 * 256 * 1024 + 12345;

// The entry of `ls --json` for `announcement`, or null.
Json FindEntry(const Json& ls, const Json& announcement) {
  for (const auto& e : ls)
    if (e["announcement"] == announcement) return e;
  return Json();
}

std::vector<std::string> Announcements(const Json& ls) {
  std::vector<std::string> ids;
  for (const auto& e : ls) ids.push_back(e["announcement"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(ProcessCli, SharedFileAndNoteAreListedWithTheirFields) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string g = node.CreateGroup("library");
  ASSERT_TRUE(IsHexId(g));
  const std::string path = node.tmp() / "paper.bin";
  WriteFile(path, RandomBytes(kFileSize, 1));

  const Json file = node.ShareFile(path, g, {"--tag", "pdf", "--tag", "reading"});
  ASSERT_TRUE(IsHexId(file["announcement"])) << file;
  ASSERT_TRUE(IsHexId(file["root"])) << file;
  EXPECT_EQ(file["size"], kFileSize) << file;

  const std::string text = "First line is the title\nand the rest is the body.\n";
  const Json note = node.ShareText(text, g, {"--tag", "memo"});
  ASSERT_TRUE(IsHexId(note["announcement"])) << note;
  ASSERT_TRUE(IsHexId(note["root"])) << note;
  EXPECT_EQ(note["size"], text.size()) << note;
  EXPECT_NE(note["root"], file["root"]);

  const Json ls = node.JsonOf({"ls"});
  ASSERT_TRUE(ls.is_array()) << ls;
  ASSERT_EQ(ls.size(), 2u) << ls;

  const Json f = FindEntry(ls, file["announcement"]);
  ASSERT_TRUE(f.is_object()) << ls;
  EXPECT_EQ(f["root"], file["root"]);
  EXPECT_EQ(f["title"], "paper.bin") << "a file's title defaults to its name";
  EXPECT_EQ(f["size"], kFileSize);
  EXPECT_EQ(f["tags"], Json::array({"pdf", "reading"}));
  EXPECT_EQ(f["held"], "yes");
  EXPECT_EQ(f["republished_by"], Json::array());
  EXPECT_EQ(f["author"], member);
  EXPECT_EQ(f["group"], g);
  EXPECT_EQ(f["note"], false);

  const Json n = FindEntry(ls, note["announcement"]);
  ASSERT_TRUE(n.is_object()) << ls;
  EXPECT_EQ(n["root"], note["root"]);
  EXPECT_EQ(n["title"], "First line is the title") << "a note's title defaults to its first line";
  EXPECT_EQ(n["size"], text.size());
  EXPECT_EQ(n["tags"], Json::array({"memo"}));
  EXPECT_EQ(n["held"], "yes");
  EXPECT_EQ(n["republished_by"], Json::array());
  EXPECT_EQ(n["author"], member);
  EXPECT_EQ(n["group"], g);
  EXPECT_EQ(n["note"], true);
}

TEST(ProcessCli, LsFiltersByGroupAndByAuthor) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string a = node.CreateGroup("group a");
  const std::string b = node.CreateGroup("group b");
  ASSERT_TRUE(IsHexId(a) && IsHexId(b));
  const Json a1 = node.ShareText("one in a", a);
  const Json a2 = node.ShareText("two in a", a);
  const Json b1 = node.ShareText("one in b", b);

  const Json in_a = node.JsonOf({"ls", "--group", a});
  EXPECT_EQ(
      Announcements(in_a),
      (std::vector<std::string>{
          std::min(a1["announcement"].get<std::string>(), a2["announcement"].get<std::string>()),
          std::max(a1["announcement"].get<std::string>(), a2["announcement"].get<std::string>())}))
      << in_a;
  const Json in_b = node.JsonOf({"ls", "--group", b});
  EXPECT_EQ(Announcements(in_b), (std::vector<std::string>{b1["announcement"]})) << in_b;

  const Json mine = node.JsonOf({"ls", "--author", member});
  EXPECT_EQ(mine.size(), 3u) << mine;
  const Json nobodys = node.JsonOf({"ls", "--author", std::string(64, 'e')});
  EXPECT_EQ(nobodys, Json::array()) << "a well-formed author with no shares lists nothing";
  EXPECT_EQ(node.JsonOf({"ls", "--group", b, "--author", member}).size(), 1u);
}

TEST(ProcessCli, GetReturnsIdenticalBytesByAnnouncementAndByRoot) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("fetchers");
  ASSERT_TRUE(IsHexId(g));
  const std::string content = RandomBytes(kFileSize, 2);
  const std::string path = node.tmp() / "data.bin";
  WriteFile(path, content);
  const Json file = node.ShareFile(path, g);
  const std::string text = "a note\nwith two lines";
  const Json note = node.ShareText(text, g);
  ASSERT_TRUE(IsHexId(file["announcement"]) && IsHexId(note["announcement"]));

  struct Case {
    std::string id;
    std::string want;
  };
  int i = 0;
  for (const Case& c : {Case{file["announcement"], content}, Case{file["root"], content},
                        Case{note["announcement"], text}, Case{note["root"], text}}) {
    SCOPED_TRACE("get " + c.id);
    const std::string out = node.tmp() / ("out" + std::to_string(i++));
    CmdResult r = node.Praxis({"get", c.id, "-o", out, "--json"});
    ASSERT_TRUE(r.ok()) << r;
    const Json reply = r.JsonOut();
    EXPECT_EQ(reply["size"], c.want.size()) << reply;
    EXPECT_EQ(reply["path"], out) << reply;
    const std::string got = ReadFile(out);
    EXPECT_EQ(got.size(), c.want.size());
    EXPECT_TRUE(got == c.want) << "content differs";
  }
}

TEST(ProcessCli, GetRefusesToOverwriteWithoutForceAndReplacesWithIt) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("careful");
  ASSERT_TRUE(IsHexId(g));
  const std::string content = RandomBytes(3 * 256 * 1024 + 7, 3);
  const std::string path = node.tmp() / "source.bin";
  WriteFile(path, content);
  const Json share = node.ShareFile(path, g);
  ASSERT_TRUE(IsHexId(share["announcement"]));

  const std::string dir = node.tmp() / "downloads";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const std::string target = dir + "/precious.txt";
  WriteFile(target, "my own precious words\n");
  const auto listing = ListDir(dir);

  CmdResult refused = node.Praxis({"get", share["announcement"], "-o", target});
  EXPECT_TRUE(FailedWithOneLine(refused));
  EXPECT_EQ(ReadFile(target), "my own precious words\n") << "the existing file was changed";
  EXPECT_EQ(ListDir(dir), listing) << "something was left beside the target";

  CmdResult forced = node.Praxis({"get", share["announcement"], "-o", target, "--force"});
  ASSERT_TRUE(forced.ok()) << forced;
  EXPECT_TRUE(ReadFile(target) == content) << "--force did not replace the file";
  EXPECT_EQ(ListDir(dir), listing) << "something was left beside the target";
}

TEST(ProcessCli, GetWritesToStandardOutputWithDashO) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("piped");
  ASSERT_TRUE(IsHexId(g));
  const std::string content = RandomBytes(2 * 256 * 1024 + 3, 4);
  const std::string path = node.tmp() / "piped.bin";
  WriteFile(path, content);
  const Json share = node.ShareFile(path, g);
  ASSERT_TRUE(IsHexId(share["announcement"]));

  CmdResult r = node.Praxis({"get", share["announcement"], "-o", "-"});
  ASSERT_TRUE(r.ok()) << r.exit_code << ": " << r.err;
  EXPECT_EQ(r.out.size(), content.size());
  EXPECT_TRUE(r.out == content) << "stdout is not the content";
}

TEST(ProcessCli, EmptyFileRoundTrips) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("nothing much");
  ASSERT_TRUE(IsHexId(g));
  const std::string path = node.tmp() / "empty.txt";
  WriteFile(path, "");
  const Json share = node.ShareFile(path, g);
  ASSERT_TRUE(IsHexId(share["announcement"])) << share;
  EXPECT_EQ(share["size"], 0);

  const std::string out = node.tmp() / "empty.out";
  CmdResult r = node.Praxis({"get", share["root"], "-o", out});
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_TRUE(Exists(out));
  EXPECT_EQ(ReadFile(out), "");
}

TEST(ProcessCli, ShareFromAPipeOfUnknownSize) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("streams");
  ASSERT_TRUE(IsHexId(g));
  const std::string fifo = node.tmp() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Running share = Spawn({PRAXIS_BIN, "--data-dir", node.data_dir(), "share", fifo, "--group", g,
                         "--title", "from a pipe", "--json"});
  const std::string content = RandomBytes(5 * 256 * 1024 + 17, 6);
  ASSERT_TRUE(WriteToFifo(fifo, content));
  CmdResult r = share.Wait();
  ASSERT_TRUE(r.ok()) << r;
  const Json reply = r.JsonOut();
  EXPECT_EQ(reply["size"], content.size()) << reply;

  const std::string out = node.tmp() / "pipe.out";
  ASSERT_TRUE(node.Praxis({"get", reply["announcement"], "-o", out}).ok());
  EXPECT_TRUE(ReadFile(out) == content);
}

// DESIGN.md §3 and `praxis get --help`: "Resource root or share announcement
// id (or unique prefix)".
TEST(ProcessCli, GetAcceptsAUniquePrefixOfAnAnnouncementOrARoot) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("prefixes");
  ASSERT_TRUE(IsHexId(g));
  const std::string text = "found by a prefix";
  const Json share = node.ShareText(text, g);
  ASSERT_TRUE(IsHexId(share["announcement"]) && IsHexId(share["root"]));

  int i = 0;
  for (const std::string& id : {share["announcement"].get<std::string>().substr(0, 12),
                                share["root"].get<std::string>().substr(0, 12)}) {
    SCOPED_TRACE("get " + id);
    const std::string out = node.tmp() / ("prefix" + std::to_string(i++));
    CmdResult r = node.Praxis({"get", id, "-o", out});
    EXPECT_TRUE(r.ok()) << r;
    EXPECT_EQ(ReadFile(out), r.ok() ? text : "");
  }
}

// `praxis ls --help`: "--author  Only this member's shares (id or unique prefix)".
TEST(ProcessCli, LsAuthorAcceptsAUniquePrefix) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string g = node.CreateGroup("by author");
  ASSERT_TRUE(IsHexId(g) && IsHexId(member));
  const Json share = node.ShareText("mine", g);
  ASSERT_TRUE(IsHexId(share["announcement"]));

  CmdResult r = node.Praxis({"ls", "--author", member.substr(0, 12), "--json"});
  ASSERT_TRUE(r.ok()) << r;
  const Json ls = r.JsonOut();
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], share["announcement"]);
}

TEST(ProcessCli, RepublishIntoAnotherGroupAndIntoItsOwnIsListed) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string home = node.CreateGroup("home");
  const std::string other = node.CreateGroup("other");
  ASSERT_TRUE(IsHexId(home) && IsHexId(other));
  const Json share = node.ShareText("worth passing on", home);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  EXPECT_EQ(FindEntry(node.JsonOf({"ls"}), share["announcement"])["republished_by"], Json::array());

  const Json into_other = node.JsonOf({"republish", share["announcement"], "--into", other});
  ASSERT_TRUE(IsHexId(into_other["announcement"])) << into_other;
  const Json into_home = node.JsonOf({"republish", share["announcement"]});
  ASSERT_TRUE(IsHexId(into_home["announcement"])) << into_home;
  EXPECT_NE(into_other["announcement"], into_home["announcement"]);

  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << "one share, listed once however often it was republished" << ls;
  const Json e = ls[0];
  EXPECT_EQ(e["announcement"], share["announcement"]);
  EXPECT_EQ(e["group"], home) << "a share keeps its own group";
  ASSERT_TRUE(e["republished_by"].is_array()) << e;
  EXPECT_NE(std::find(e["republished_by"].begin(), e["republished_by"].end(), Json(member)),
            e["republished_by"].end())
      << e;
  EXPECT_EQ(e["held"], "yes");

  // The group it was carried into lists it too.
  const Json in_other = node.JsonOf({"ls", "--group", other});
  ASSERT_EQ(in_other.size(), 1u) << in_other;
  EXPECT_EQ(in_other[0]["announcement"], share["announcement"]);

  // Republishing one's own share counts for nothing towards the stage.
  const Json stage = node.JsonOf({"stage", home});
  EXPECT_EQ(stage["stage"], "network") << stage;
  EXPECT_EQ(stage["republishers"], 0) << stage;
  EXPECT_EQ(stage["outside_republishers"], 0) << stage;
}

TEST(ProcessCli, RepublishOfSomethingNotAShareFails) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("strict");
  const std::string h = node.CreateGroup("lenient");
  ASSERT_TRUE(IsHexId(g) && IsHexId(h));
  const Json left = node.JsonOf({"group", "leave", h});
  const Json joined = node.JsonOf({"group", "join", h});
  const Json share = node.ShareText("a real share", g);
  const Json republish = node.JsonOf({"republish", share["announcement"], "--into", h});
  ASSERT_TRUE(IsHexId(left["announcement"]) && IsHexId(joined["announcement"]) &&
              IsHexId(republish["announcement"]));
  const Json status_before = node.JsonOf({"status"});

  for (const auto& [what, id] :
       std::vector<std::pair<std::string, std::string>>{{"a group (genesis)", g},
                                                        {"a join", joined["announcement"]},
                                                        {"a leave", left["announcement"]},
                                                        {"a republish", republish["announcement"]},
                                                        {"a resource root", share["root"]}}) {
    SCOPED_TRACE("republish of " + what);
    EXPECT_TRUE(FailedWithOneLine(node.Praxis({"republish", id})));
    EXPECT_TRUE(FailedWithOneLine(node.Praxis({"republish", id, "--into", h})));
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);
}

}  // namespace
}  // namespace praxis::process_test
