// New versions of a share (docs/design-notes.md "Supersede"): `share
// --replaces`, `ls` showing only the latest version and `ls --history` all of
// them, and `praxis edit`, which opens a note in $VISUAL/$EDITOR and shares
// the result as the note's new version.
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

Json FindEntry(const Json& ls, const Json& announcement) {
  for (const auto& e : ls)
    if (e["announcement"] == announcement) return e;
  return Json();
}

// An executable shell script at `path` (an editor for `praxis edit`).
void WriteScript(const std::string& path, const std::string& body) {
  WriteFile(path, "#!/bin/sh\n" + body);
  ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
}

// Environment for `praxis edit`: the editors (an empty VISUAL counts as
// unset, so a VISUAL of the test's own environment cannot interfere), and
// TMPDIR inside the test's temp dir so that the note's temporary file is
// written nowhere else.
CmdOptions EditorEnv(const std::string& editor, const std::string& tmpdir,
                     const std::string& visual = "") {
  return CmdOptions{.env = {{"EDITOR", editor}, {"VISUAL", visual}, {"TMPDIR", tmpdir}}};
}

std::string MakeDir(const TempDir& tmp, const std::string& name) {
  const std::string dir = tmp / name;
  EXPECT_EQ(::mkdir(dir.c_str(), 0700), 0) << dir;
  return dir;
}

TEST(ProcessHistory, ReplacesShowsOnlyTheLatestAndHistoryShowsAll) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("versions");
  ASSERT_TRUE(IsHexId(g));
  const Json v1 = node.ShareText("v1", g);
  ASSERT_TRUE(IsHexId(v1["announcement"]));
  const std::string path = node.tmp() / "v2.txt";
  WriteFile(path, "the second version, now a file\n");
  const Json v2 = node.ShareFile(path, g, {"--replaces", v1["announcement"]});
  ASSERT_TRUE(IsHexId(v2["announcement"])) << v2;

  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << "only the latest version is listed" << ls;
  EXPECT_EQ(ls[0]["announcement"], v2["announcement"]);
  EXPECT_EQ(ls[0]["replaces"], v1["announcement"]) << ls;
  EXPECT_EQ(ls[0]["note"], false);

  const Json history = node.JsonOf({"ls", "--history"});
  ASSERT_EQ(history.size(), 2u) << history;
  const Json old = FindEntry(history, v1["announcement"]);
  const Json cur = FindEntry(history, v2["announcement"]);
  ASSERT_TRUE(old.is_object() && cur.is_object()) << history;
  EXPECT_EQ(old["superseded"], true) << old;
  EXPECT_EQ(old["retracted"], false) << old;
  EXPECT_EQ(old["replaces"], nullptr) << old;
  EXPECT_EQ(cur["superseded"], false) << cur;
  EXPECT_EQ(cur["retracted"], false) << cur;
  EXPECT_EQ(cur["replaces"], v1["announcement"]) << cur;
  CmdResult human = node.Praxis({"ls", "--history"});
  ASSERT_TRUE(human.ok()) << human;
  EXPECT_NE(human.out.find("superseded"), std::string::npos) << human;

  // The old version is still served to whoever asks for it by id.
  CmdResult got = node.Praxis({"get", v1["announcement"], "-o", "-"});
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.out, "v1");

  // A version that was replaced cannot be replaced again (that would fork the
  // history), whether named in full or by a prefix.
  const Json before = node.JsonOf({"status"})["announcements"];
  for (const std::string& id : {v1["announcement"].get<std::string>(),
                                v1["announcement"].get<std::string>().substr(0, 8)}) {
    SCOPED_TRACE("--replaces " + id);
    EXPECT_TRUE(FailedWithOneLine(
        node.Praxis({"share", "--text", "a rival v2", "--group", g, "--replaces", id})));
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], before) << "a refused replace signed";

  // The latest one can, by a prefix too.
  const Json v3 =
      node.ShareText("v3", g, {"--replaces", v2["announcement"].get<std::string>().substr(0, 8)});
  ASSERT_TRUE(IsHexId(v3["announcement"])) << v3;
  const Json ls3 = node.JsonOf({"ls"});
  ASSERT_EQ(ls3.size(), 1u) << ls3;
  EXPECT_EQ(ls3[0]["announcement"], v3["announcement"]);
  EXPECT_EQ(ls3[0]["replaces"], v2["announcement"]);
  EXPECT_EQ(node.JsonOf({"ls", "--history"}).size(), 3u);
}

TEST(ProcessHistory, ReplacesRefusesWhatIsNotALiveShareOfTheSameGroup) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("here");
  const std::string h = node.CreateGroup("elsewhere");
  ASSERT_TRUE(IsHexId(g) && IsHexId(h));
  const Json live = node.ShareText("live", g);
  const Json gone = node.ShareText("gone", g);
  ASSERT_TRUE(IsHexId(node.JsonOf({"retract", gone["announcement"]})["announcement"]));
  const Json status = node.JsonOf({"status"});

  struct Case {
    std::string what;
    std::string replaces;
    std::string group;
  };
  for (const Case& c :
       {Case{"a share of another group", live["announcement"], h},
        Case{"a retracted share", gone["announcement"], g}, Case{"a genesis", g, g},
        Case{"a resource root", live["root"], g}, Case{"an unknown id", std::string(64, 'd'), g},
        Case{"a malformed id", "v1", g}}) {
    SCOPED_TRACE("--replaces " + c.what);
    EXPECT_TRUE(FailedWithOneLine(
        node.Praxis({"share", "--text", "new", "--group", c.group, "--replaces", c.replaces})));
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], live["announcement"]);
}

TEST(ProcessHistory, EditSharesWhatTheEditorWroteAsTheNewVersion) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("notebook");
  ASSERT_TRUE(IsHexId(g));
  const std::string original = "Shopping list\nmilk\neggs\n";
  const Json note =
      node.ShareText(original, g, {"--tag", "home", "--description", "weekly groceries"});
  ASSERT_TRUE(IsHexId(note["announcement"]));

  const std::string tmpdir = MakeDir(node.tmp(), "edit-tmp");
  const std::string seen = node.tmp() / "editor-saw";
  const std::string editor = node.tmp() / "editor.sh";
  WriteScript(editor, "cp \"$1\" '" + seen + "'\nprintf 'edited text' > \"$1\"\n");

  CmdResult r = node.Praxis({"edit", note["announcement"], "--json"}, EditorEnv(editor, tmpdir));
  ASSERT_TRUE(r.ok()) << r;
  const Json reply = r.JsonOut();
  EXPECT_EQ(reply["changed"], true) << reply;
  EXPECT_EQ(reply["replaces"], note["announcement"]) << reply;
  EXPECT_EQ(reply["size"], std::string("edited text").size()) << reply;
  ASSERT_TRUE(IsHexId(reply["announcement"])) << reply;
  EXPECT_NE(reply["announcement"], note["announcement"]);
  EXPECT_EQ(ReadFile(seen), original) << "the editor was not given the note's text";
  EXPECT_EQ(ListDir(tmpdir), std::vector<std::string>{}) << "edit left its temporary file";

  CmdResult got = node.Praxis({"get", reply["announcement"], "-o", "-"});
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.out, "edited text");

  // The new version keeps the title, tags, description and group.
  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  const Json e = ls[0];
  EXPECT_EQ(e["announcement"], reply["announcement"]);
  EXPECT_EQ(e["replaces"], note["announcement"]);
  EXPECT_EQ(e["title"], "Shopping list") << e;
  EXPECT_EQ(e["tags"], Json::array({"home"})) << e;
  EXPECT_EQ(e["group"], g);
  EXPECT_EQ(e["note"], true);
  const Json by_description = node.JsonOf({"ls", "--match", "weekly groceries"});
  ASSERT_EQ(by_description.size(), 1u) << "the description was not carried over" << by_description;
  EXPECT_EQ(by_description[0]["announcement"], reply["announcement"]);
  EXPECT_EQ(FindEntry(node.JsonOf({"ls", "--history"}), note["announcement"])["superseded"], true);

  // $VISUAL comes before $EDITOR; an id prefix names the note.
  const std::string visual = node.tmp() / "visual.sh";
  WriteScript(visual, "printf 'from visual' > \"$1\"\n");
  CmdResult v =
      node.Praxis({"edit", reply["announcement"].get<std::string>().substr(0, 8), "--json"},
                  EditorEnv("false", tmpdir, visual));
  ASSERT_TRUE(v.ok()) << v;
  EXPECT_EQ(v.JsonOut()["changed"], true) << v;
  CmdResult got_v = node.Praxis({"get", v.JsonOut()["announcement"], "-o", "-"});
  EXPECT_EQ(got_v.out, "from visual") << got_v;
}

TEST(ProcessHistory, EditWithoutAChangeSharesNothing) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("untouched");
  const Json note = node.ShareText("leave me be\n", g);
  ASSERT_TRUE(IsHexId(note["announcement"]));
  const std::string tmpdir = MakeDir(node.tmp(), "edit-tmp");
  const Json status = node.JsonOf({"status"});

  CmdResult r = node.Praxis({"edit", note["announcement"], "--json"}, EditorEnv("true", tmpdir));
  ASSERT_TRUE(r.ok()) << r;
  const Json reply = r.JsonOut();
  EXPECT_EQ(reply["changed"], false) << reply;
  EXPECT_EQ(reply["announcement"], nullptr) << reply;
  EXPECT_EQ(reply["root"], nullptr) << reply;

  CmdResult human = node.Praxis({"edit", note["announcement"]}, EditorEnv("true", tmpdir));
  ASSERT_TRUE(human.ok()) << human;
  EXPECT_NE(human.out.find("no change"), std::string::npos) << human;

  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"])
      << "an unchanged note was shared again";
  const Json ls = node.JsonOf({"ls", "--history"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["superseded"], false);
  EXPECT_EQ(ListDir(tmpdir), std::vector<std::string>{}) << "edit left its temporary file";
}

TEST(ProcessHistory, EditRefusesFilesAndFailingEditorsWithOneLine) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("not notes");
  const std::string path = node.tmp() / "report.txt";
  WriteFile(path, "a file, not a note\n");
  const Json file = node.ShareFile(path, g);
  const Json note = node.ShareText("a note", g);
  ASSERT_TRUE(IsHexId(file["announcement"]) && IsHexId(note["announcement"]));
  const std::string tmpdir = MakeDir(node.tmp(), "edit-tmp");
  const std::string ran = node.tmp() / "editor-ran";
  const std::string editor = node.tmp() / "editor.sh";
  WriteScript(editor, "touch '" + ran + "'\nprintf 'changed' > \"$1\"\n");
  const Json status = node.JsonOf({"status"});

  // A file share: refused before any editor runs.
  EXPECT_TRUE(
      FailedWithOneLine(node.Praxis({"edit", file["announcement"]}, EditorEnv(editor, tmpdir))));
  EXPECT_FALSE(Exists(ran)) << "the editor ran for a file share";
  // Not one's note at all.
  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"edit", g}, EditorEnv(editor, tmpdir))));
  EXPECT_TRUE(
      FailedWithOneLine(node.Praxis({"edit", std::string(64, 'e')}, EditorEnv(editor, tmpdir))));
  EXPECT_FALSE(Exists(ran));
  // An editor that fails: nothing is shared.
  EXPECT_TRUE(
      FailedWithOneLine(node.Praxis({"edit", note["announcement"]}, EditorEnv("false", tmpdir))));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
  const Json ls = node.JsonOf({"ls"});
  EXPECT_EQ(ls.size(), 2u) << ls;
}

// `praxis edit --help`: "Should sharing fail, the edited file is kept and its
// path printed." Editing a version that was already replaced fails at
// sharing: what the user typed must survive.
TEST(ProcessHistory, EditOfAReplacedNoteFailsAndKeepsWhatWasTyped) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("stale");
  const Json v1 = node.ShareText("first", g);
  const Json v2 = node.ShareText("second", g, {"--replaces", v1["announcement"]});
  ASSERT_TRUE(IsHexId(v2["announcement"])) << v2;
  const std::string tmpdir = MakeDir(node.tmp(), "edit-tmp");
  const std::string editor = node.tmp() / "editor.sh";
  WriteScript(editor, "printf 'precious words' > \"$1\"\n");
  const Json status = node.JsonOf({"status"});

  CmdResult r = node.Praxis({"edit", v1["announcement"]}, EditorEnv(editor, tmpdir));
  ASSERT_TRUE(FailedWithOneLine(r));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
  // Whatever the CLI did (refused before editing, or kept the edited file),
  // nothing was lost: a kept file is in TMPDIR, named on the line.
  const auto left = ListDir(tmpdir);
  for (const auto& name : left) {
    EXPECT_NE(r.err.find(name), std::string::npos) << "a kept file must be named" << r;
    EXPECT_EQ(ReadFile(tmpdir + "/" + name), "precious words");
  }
  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], v2["announcement"]);
}

}  // namespace
}  // namespace praxis::process_test
