// Moving a member identity between machines (DESIGN.md §3 "Identity moves
// with its owner", docs/design-notes.md "Everyday use"): `praxis identity
// export FILE` seals the key with a passphrase, `praxisd --import-identity
// FILE --passphrase-file PF` starts a node from it, and an imported node signs
// nothing into a group whose log it has not caught up.
#include <sys/stat.h>

#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

constexpr char kPassphrase[] = "correct horse battery staple";

// A passphrase file as a careful user writes it: first line, mode 0600.
std::string PassphraseFile(const TempDir& tmp, const std::string& name, const std::string& line) {
  const std::string path = tmp / name;
  WriteFile(path, line + "\n");
  ::chmod(path.c_str(), 0600);
  return path;
}

// `identity export FILE --passphrase-file PF --json`, asserting success.
Json Export(const TestNode& node, const std::string& file, const std::string& pf) {
  return node.JsonOf({"identity", "export", file, "--passphrase-file", pf});
}

// The hex secret of a data directory's identity.key ("praxis-...-v1 HEX").
std::string SecretHex(const std::string& data_dir) {
  std::string key = ReadFile(data_dir + "/identity.key");
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  const auto space = key.rfind(' ');
  return space == std::string::npos ? key : key.substr(space + 1);
}

// Passes when a praxisd that was spawned refused to start the way a command
// fails (FailedWithOneLine): a non-zero exit of its own, no crash, no hang,
// and exactly one line on stderr.
::testing::AssertionResult RefusedWithOneLine(Daemon& d) {
  const std::optional<int> code = d.WaitExit();
  if (!code) {
    d.Kill9();
    return ::testing::AssertionFailure() << "praxisd still running; it should have refused";
  }
  return FailedWithOneLine(
      CmdResult{.argv = {"praxisd"}, .exit_code = *code, .out = "", .err = d.Stderr()});
}

TEST(ProcessIdentity, ExportWritesAPrivateSealedFileAndImportRestoresTheMember) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  const std::string member = a.Member();
  ASSERT_TRUE(IsHexId(member));
  const std::string pf = PassphraseFile(a.tmp(), "pass", kPassphrase);
  const std::string file = a.tmp() / "me.praxis-id";

  const Json exported = Export(a, file, pf);
  EXPECT_EQ(exported["member"], member) << exported;
  EXPECT_EQ(FileMode(file), 0600u) << "the sealed key must not be readable by others";
  const std::string sealed = ReadFile(file);
  ASSERT_FALSE(sealed.empty());
  const std::string secret = SecretHex(a.data_dir());
  ASSERT_GE(secret.size(), 32u);
  EXPECT_EQ(sealed.find(secret), std::string::npos) << "the export holds the key in the clear";
  EXPECT_EQ(sealed.find(secret.substr(0, 32)), std::string::npos)
      << "the export holds (part of) the key in the clear";

  // An existing export is never replaced silently; --force replaces it.
  CmdResult again = a.Praxis({"identity", "export", file, "--passphrase-file", pf});
  EXPECT_TRUE(FailedWithOneLine(again));
  EXPECT_EQ(ReadFile(file), sealed) << "the existing export was changed";
  CmdResult forced = a.Praxis({"identity", "export", file, "--passphrase-file", pf, "--force"});
  EXPECT_TRUE(forced.ok()) << forced;
  EXPECT_EQ(FileMode(file), 0600u);
  EXPECT_EQ(a.JsonOf({"status"})["imported"], false) << "exporting does not make a node imported";

  // A fresh data directory on the "new machine".
  TempDir other;
  Daemon b(other / "node", other / "praxisd");
  ASSERT_TRUE(b.Start({"--import-identity", file, "--passphrase-file", pf}));
  CmdResult st = b.Praxis({"status", "--json"});
  ASSERT_TRUE(st.ok()) << st;
  Json status = st.JsonOut();
  EXPECT_EQ(status["member"], member) << status;
  EXPECT_EQ(status["imported"], true) << status;
  EXPECT_EQ(FileMode(b.data_dir() + "/identity.key"), 0600u);
  EXPECT_EQ(SecretHex(b.data_dir()), secret) << "the imported key is not the exported one";

  // The identity stays imported across a plain restart.
  ASSERT_TRUE(b.Stop());
  ASSERT_TRUE(b.Start());
  st = b.Praxis({"status", "--json"});
  ASSERT_TRUE(st.ok()) << st;
  status = st.JsonOut();
  EXPECT_EQ(status["member"], member) << status;
  EXPECT_EQ(status["imported"], true) << "a restart forgot that the key came from elsewhere";
  CmdResult human = b.Praxis({"status"});
  ASSERT_TRUE(human.ok()) << human;
  EXPECT_NE(human.out.find("imported"), std::string::npos) << human;

  // It holds none of the old node's groups: they are unknown here.
  const std::string old_group = a.CreateGroup("left behind");
  ASSERT_TRUE(IsHexId(old_group));
  EXPECT_TRUE(FailedWithOneLine(b.Praxis({"group", "join", old_group})));
  EXPECT_TRUE(FailedWithOneLine(b.Praxis({"share", "--text", "x", "--group", old_group})));

  // A group the imported identity creates has no earlier log: it may write.
  CmdResult created = b.Praxis({"group", "create", "fresh start", "--json"});
  ASSERT_TRUE(created.ok()) << created;
  const std::string g = created.JsonOut()["group"];
  CmdResult shared =
      b.Praxis({"share", "--text", "hello from the new machine", "--group", g, "--json"});
  ASSERT_TRUE(shared.ok()) << shared;
  CmdResult ls = b.Praxis({"ls", "--json"});
  ASSERT_TRUE(ls.ok()) << ls;
  const Json listed = ls.JsonOut();
  ASSERT_EQ(listed.size(), 1u) << listed;
  EXPECT_EQ(listed[0]["author"], member);
  EXPECT_EQ(listed[0]["announcement"], shared.JsonOut()["announcement"]);
  EXPECT_TRUE(b.Stop());
}

TEST(ProcessIdentity, ExportRefusesAnEmptyPassphrase) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  const std::string pf = a.tmp() / "empty-pass";
  WriteFile(pf, "\n");
  const std::string file = a.tmp() / "me.praxis-id";
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"identity", "export", file, "--passphrase-file", pf})));
  EXPECT_FALSE(Exists(file)) << "a failed export left a file behind";
  EXPECT_FALSE(Exists(file + ".tmp"));
}

TEST(ProcessIdentity, WrongPassphraseStopsPraxisdWithOneLineAndLeavesNoKey) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  const std::string pf = PassphraseFile(a.tmp(), "pass", kPassphrase);
  const std::string file = a.tmp() / "me.praxis-id";
  Export(a, file, pf);
  ASSERT_TRUE(Exists(file));

  TempDir other;
  {
    Daemon b(other / "node", other / "wrong");
    b.Spawn({"--import-identity", file, "--passphrase-file",
             PassphraseFile(other, "wrong-pass", "correct horse battery stable")});
    ASSERT_TRUE(RefusedWithOneLine(b));
    EXPECT_NE(b.Stderr().find("passphrase"), std::string::npos)
        << "the line should say the passphrase is wrong: " << b.Stderr();
    EXPECT_FALSE(Exists(b.data_dir() + "/identity.key")) << "a refused import left a key behind";
  }
  {
    Daemon b(other / "node", other / "empty");
    b.Spawn({"--import-identity", file, "--passphrase-file", PassphraseFile(other, "empty", "")});
    EXPECT_TRUE(RefusedWithOneLine(b));
    EXPECT_FALSE(Exists(b.data_dir() + "/identity.key"));
  }
  {
    // One flipped digit in the sealed part: refused, never a different key.
    std::string altered = ReadFile(file);
    ASSERT_GT(altered.size(), 40u);
    char& c = altered[altered.size() - 10];
    c = c == '0' ? '1' : '0';
    WriteFile(other / "altered.praxis-id", altered);
    Daemon b(other / "node", other / "altered");
    b.Spawn({"--import-identity", other / "altered.praxis-id", "--passphrase-file", pf});
    EXPECT_TRUE(RefusedWithOneLine(b));
    EXPECT_FALSE(Exists(b.data_dir() + "/identity.key"));
  }
  {
    WriteFile(other / "not-an-export", "hello\n");
    Daemon b(other / "node", other / "garbage");
    b.Spawn({"--import-identity", other / "not-an-export", "--passphrase-file", pf});
    EXPECT_TRUE(RefusedWithOneLine(b));
    EXPECT_FALSE(Exists(b.data_dir() + "/identity.key"));
  }

  // Nothing the refused attempts did stands in the way of the right one.
  Daemon b(other / "node", other / "right");
  ASSERT_TRUE(b.Start({"--import-identity", file, "--passphrase-file", pf}));
  CmdResult st = b.Praxis({"status", "--json"});
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(st.JsonOut()["member"], a.Member());
  EXPECT_TRUE(b.Stop());
}

TEST(ProcessIdentity, ImportIntoADataDirHoldingAnotherIdentityIsRefused) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  const std::string pf = PassphraseFile(a.tmp(), "pass", kPassphrase);
  const std::string file = a.tmp() / "me.praxis-id";
  Export(a, file, pf);

  TestNode c;
  ASSERT_TRUE(c.Start());
  const std::string c_member = c.Member();
  ASSERT_TRUE(IsHexId(c_member));
  ASSERT_NE(c_member, a.Member());
  const Json share = c.ShareText("c's own note", c.CreateGroup("c's group"));
  ASSERT_TRUE(IsHexId(share["announcement"]));
  ASSERT_TRUE(c.Stop());
  const std::string key_before = ReadFile(c.data_dir() + "/identity.key");

  const std::size_t lines_before = CmdResult{.err = c.daemon().Stderr()}.ErrLines().size();
  c.daemon().Spawn({"--import-identity", file, "--passphrase-file", pf});
  const std::optional<int> code = c.daemon().WaitExit();
  ASSERT_TRUE(code.has_value()) << "praxisd started on a data dir holding another identity";
  EXPECT_NE(*code, 0);
  EXPECT_LT(*code, 128) << "crashed instead of refusing";
  const std::vector<std::string> lines = CmdResult{.err = c.daemon().Stderr()}.ErrLines();
  EXPECT_EQ(lines.size(), lines_before + 1) << c.daemon().Stderr();
  EXPECT_EQ(ReadFile(c.data_dir() + "/identity.key"), key_before) << "the old key was replaced";

  // The data directory is as it was.
  ASSERT_TRUE(c.Start());
  const Json status = c.JsonOf({"status"});
  EXPECT_EQ(status["member"], c_member) << status;
  EXPECT_EQ(status["imported"], false) << status;
  const Json ls = c.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], share["announcement"]);
}

// DESIGN.md §3: "A node started from an imported key signs nothing in a
// group until it has caught up its own log there, so a restored backup never
// forks its author." A data directory restored from a backup, started from
// the member's export, knows the member's old groups but must not sign into
// them: the member may have written there since the backup was taken.
TEST(ProcessIdentity, ARestoredBackupSignsNothingInGroupsItHasNotCaughtUp) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  const std::string member = a.Member();
  const std::string old_group = a.CreateGroup("old circle");
  ASSERT_TRUE(IsHexId(old_group));
  const std::string text = "written before the move";
  const Json old_share = a.ShareText(text, old_group);
  ASSERT_TRUE(IsHexId(old_share["announcement"]));
  const std::string pf = PassphraseFile(a.tmp(), "pass", kPassphrase);
  const std::string file = a.tmp() / "me.praxis-id";
  Export(a, file, pf);
  ASSERT_TRUE(a.Stop());

  ASSERT_TRUE(a.Start({"--import-identity", file, "--passphrase-file", pf}));
  Json status = a.JsonOf({"status"});
  EXPECT_EQ(status["member"], member);
  EXPECT_EQ(status["imported"], true) << status;
  const Json announcements = status["announcements"];

  // Every kind of signing into the old group is refused with one line.
  {
    CmdResult r = a.Praxis({"share", "--text", "a fork in the making", "--group", old_group});
    EXPECT_TRUE(FailedWithOneLine(r));
    EXPECT_NE(r.err.find("imported"), std::string::npos) << "the line should say why" << r;
  }
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"republish", old_share["announcement"]})));
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"retract", old_share["announcement"]})));
  EXPECT_TRUE(FailedWithOneLine(a.Praxis(
      {"share", "--text", "v2", "--group", old_group, "--replaces", old_share["announcement"]})));
  EXPECT_TRUE(FailedWithOneLine(a.Praxis({"group", "leave", old_group})));
  EXPECT_EQ(a.JsonOf({"status"})["announcements"], announcements) << "something was signed";

  // Reading is fine: the old share is listed and its content served.
  const Json ls = a.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], old_share["announcement"]);
  CmdResult got = a.Praxis({"get", old_share["announcement"], "-o", "-"});
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.out, text);

  // A new group of its own has nothing to catch up.
  const std::string fresh = a.CreateGroup("new circle");
  ASSERT_TRUE(IsHexId(fresh));
  const Json fresh_share = a.ShareText("written after the move", fresh);
  EXPECT_TRUE(IsHexId(fresh_share["announcement"])) << fresh_share;
}

}  // namespace
}  // namespace praxis::process_test
