// praxis in pipelines and in a working directory: `share --text -` reads the
// note from stdin, `get -o -` writes the content to stdout (and, with --json,
// its JSON to stderr), and `get` without -o names the file itself in the
// current directory, never replacing anything (`praxis get --help`).
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

std::string MakeDir(const std::string& dir) {
  EXPECT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir;
  return dir;
}

// A note's text with everything a pipe may carry: NUL and other control
// bytes, invalid UTF-8, CR LF, and a trailing newline.
std::string AwkwardText() {
  std::string s = "Awkward note\n";
  static constexpr char kBytes[] = "nul:\0:one:\x01:del:\x7f:high:\xff\xfe:end";
  s += std::string(kBytes, sizeof kBytes - 1);  // the embedded NUL included
  s += "\r\nUTF-8: \xc3\xbc\xe2\x82\xac\n\n  indented\ttab\n";
  return s;
}

TEST(ProcessPipe, NoteFromStandardInputRoundTripsByteForByte) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("pipes");
  ASSERT_TRUE(IsHexId(g));

  struct Case {
    std::string what;
    std::string bytes;
  };
  // The large one is more than a pipe's buffer and more than one chunk.
  for (const Case& c : {Case{"awkward bytes", AwkwardText()}, Case{"one newline", "\n"},
                        Case{"large", RandomBytes(300 * 1024 + 5, 41) + "\n"}}) {
    SCOPED_TRACE(c.what);
    CmdResult s = node.Praxis({"share", "--text", "-", "--group", g, "--json"},
                              CmdOptions{.stdin_bytes = c.bytes});
    ASSERT_TRUE(s.ok()) << s;
    const Json reply = s.JsonOut();
    EXPECT_EQ(reply["size"], c.bytes.size()) << reply;

    CmdResult got = node.Praxis({"get", reply["announcement"], "-o", "-"});
    ASSERT_TRUE(got.ok()) << got.exit_code << ": " << got.err;
    EXPECT_EQ(got.out.size(), c.bytes.size());
    EXPECT_TRUE(got.out == c.bytes) << "the note did not come back byte for byte";
    EXPECT_EQ(got.err, "");
  }
  const Json ls = node.JsonOf({"ls", "--match", "awkward note"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["note"], true);
  EXPECT_EQ(ls[0]["title"], "Awkward note") << "the first line is the title";
}

TEST(ProcessPipe, EmptyStandardInputIsRefusedWithOneLine) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("nothing to say");
  const Json status = node.JsonOf({"status"});
  EXPECT_TRUE(FailedWithOneLine(
      node.Praxis({"share", "--text", "-", "--group", g}, CmdOptions{.stdin_bytes = ""})));
  // With no stdin at all (the harness's default is /dev/null): the same.
  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"share", "--text", "-", "--group", g})));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
}

TEST(ProcessPipe, GetToStandardOutputWithJsonPutsTheJsonOnStderr) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("quiet stdout");
  const std::string text = AwkwardText();
  CmdResult s = node.Praxis({"share", "--text", "-", "--group", g, "--json"},
                            CmdOptions{.stdin_bytes = text});
  ASSERT_TRUE(s.ok()) << s;
  const Json share = s.JsonOut();
  const std::string path = node.tmp() / "file.bin";
  const std::string content = RandomBytes(2 * 256 * 1024 + 99, 42);
  WriteFile(path, content);
  const Json file = node.ShareFile(path, g);

  for (const auto& [id, root, want] :
       {std::tuple<Json, Json, std::string>{share["announcement"], share["root"], text},
        std::tuple<Json, Json, std::string>{file["announcement"], file["root"], content}}) {
    SCOPED_TRACE("get " + id.get<std::string>());
    CmdResult r = node.Praxis({"get", id, "-o", "-", "--json"});
    ASSERT_TRUE(r.ok()) << r.exit_code << ": " << r.err;
    EXPECT_TRUE(r.out == want) << "stdout must be the content and nothing else";
    Json meta;
    try {
      meta = Json::parse(r.err);
    } catch (const std::exception& e) {
      FAIL() << "stderr is not one JSON document: " << e.what() << "\n" << r.err;
    }
    EXPECT_EQ(meta["root"], root) << meta;
    EXPECT_EQ(meta["path"], "-") << meta;
    EXPECT_EQ(meta["size"], want.size()) << meta;
  }
}

// The name `get` chose, as the test's working directory sees it.
std::string WrittenName(const Json& reply, const std::string& cwd) {
  std::string p = reply["path"];
  if (p.starts_with(cwd + "/")) p = p.substr(cwd.size() + 1);
  if (p.starts_with("./")) p = p.substr(2);
  return p;
}

TEST(ProcessPipe, GetWithoutOutputNamesTheFileInTheWorkingDirectoryAndNeverReplaces) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("downloads");
  const std::string src = MakeDir(node.tmp() / "src");
  const std::string content = RandomBytes(256 * 1024 + 10, 43);
  WriteFile(src + "/report.pdf", content);
  const Json file = node.ShareFile(src + "/report.pdf", g);
  const Json note = node.ShareText("Shopping list\nmilk\n", g);
  ASSERT_TRUE(IsHexId(file["announcement"]) && IsHexId(note["announcement"]));

  const std::string cwd = MakeDir(node.tmp() / "cwd");
  WriteFile(cwd + "/report.pdf", "my own report, not the shared one\n");
  const auto tmp_listing = ListDir(node.tmp().path());
  const CmdOptions in_cwd{.cwd = cwd};

  struct Want {
    Json id;
    std::string name;
    std::string content;
  };
  for (const Want& w : {Want{file["announcement"], "report (1).pdf", content},
                        Want{file["announcement"], "report (2).pdf", content},
                        Want{note["announcement"], "Shopping list", "Shopping list\nmilk\n"},
                        Want{note["announcement"], "Shopping list (1)", "Shopping list\nmilk\n"}}) {
    SCOPED_TRACE("get " + w.id.get<std::string>() + " → " + w.name);
    CmdResult r = node.Praxis({"get", w.id, "--json"}, in_cwd);
    ASSERT_TRUE(r.ok()) << r;
    const Json reply = r.JsonOut();
    EXPECT_EQ(WrittenName(reply, cwd), w.name) << reply;
    EXPECT_EQ(reply["size"], w.content.size()) << reply;
    EXPECT_TRUE(ReadFile(cwd + "/" + w.name) == w.content) << "wrong content in " << w.name;
  }
  EXPECT_EQ(ReadFile(cwd + "/report.pdf"), "my own report, not the shared one\n")
      << "get replaced a file that was already there";
  EXPECT_EQ(ListDir(cwd),
            (std::vector<std::string>{"Shopping list", "Shopping list (1)", "report (1).pdf",
                                      "report (2).pdf", "report.pdf"}));
  EXPECT_EQ(ListDir(node.tmp().path()), tmp_listing) << "get wrote outside its directory";

  // By root there is no one share to take a name from: whatever name is
  // chosen, it is new and safe.
  CmdResult by_root = node.Praxis({"get", file["root"], "--json"}, in_cwd);
  ASSERT_TRUE(by_root.ok()) << by_root;
  const std::string root_name = WrittenName(by_root.JsonOut(), cwd);
  EXPECT_EQ(root_name.find('/'), std::string::npos) << root_name;
  EXPECT_FALSE(root_name.starts_with(".")) << root_name;
  EXPECT_TRUE(ReadFile(cwd + "/" + root_name) == content) << root_name;
  EXPECT_EQ(ListDir(cwd).size(), 6u);
  EXPECT_EQ(ReadFile(cwd + "/report.pdf"), "my own report, not the shared one\n");

  // Human output says where it went.
  CmdResult human = node.Praxis({"get", note["announcement"]}, in_cwd);
  ASSERT_TRUE(human.ok()) << human;
  EXPECT_NE(human.out.find("Shopping list (2)"), std::string::npos) << human;
  EXPECT_TRUE(Exists(cwd + "/Shopping list (2)"));
}

// Titles come from whoever shared: the name made from one must stay a plain
// file in the working directory.
TEST(ProcessPipe, GetWithoutOutputMakesHostileTitlesSafeNames) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("hostile");
  const std::string cwd = MakeDir(node.tmp() / "cwd");
  const auto tmp_listing = ListDir(node.tmp().path());

  for (const std::string& title : {std::string("../../escape"), std::string("/etc/passwd"),
                                   std::string(".bashrc"), std::string(".."), std::string("."),
                                   std::string("a/b/../c"), std::string("tab\there\x01\x1b[31mred"),
                                   std::string(" .hidden with space"), std::string(200, 'x')}) {
    SCOPED_TRACE("title '" + title + "'");
    const Json share = node.ShareText("content of " + title, g, {"--title", title});
    ASSERT_TRUE(IsHexId(share["announcement"])) << share;
    CmdResult r = node.Praxis({"get", share["announcement"], "--json"}, CmdOptions{.cwd = cwd});
    ASSERT_TRUE(r.ok()) << r;
    const std::string name = WrittenName(r.JsonOut(), cwd);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_FALSE(name.starts_with(".")) << name;
    EXPECT_LE(name.size(), 200u + 4) << name;  // room for " (1)"
    EXPECT_TRUE(std::none_of(name.begin(), name.end(),
                             [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        << "control characters in '" << name << "'";
    EXPECT_EQ(ReadFile(cwd + "/" + name), "content of " + title);
  }
  EXPECT_EQ(ListDir(cwd).size(), 9u);
  EXPECT_EQ(ListDir(node.tmp().path()), tmp_listing) << "get wrote outside its directory";
}

}  // namespace
}  // namespace praxis::process_test
