// Refusals: each bad input gives one line on stderr, a non-zero exit, and
// leaves everything as it was (DESIGN.md §7). Also the daemon's refusals to
// start, which must be just as clear.
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// What a node holds, as seen through the CLI: compared before and after a
// refused command to show that nothing was written.
struct Holdings {
  Json groups, ls, announcements;
  bool operator==(const Holdings&) const = default;
};
Holdings HoldingsOf(const TestNode& node) {
  return {node.JsonOf({"groups"}), node.JsonOf({"ls"}), node.JsonOf({"status"})["announcements"]};
}
std::ostream& operator<<(std::ostream& os, const Holdings& h) {
  return os << "announcements " << h.announcements << ", groups " << h.groups << ", ls " << h.ls;
}

// A node with one group holding one file share: something to compare against.
class Populated {
 public:
  Populated() {
    ok_ = node.Start();
    if (!ok_) return;
    group = node.CreateGroup("populated");
    file = node.tmp() / "shared.bin";
    WriteFile(file, RandomBytes(300 * 1024, 11));
    share = node.ShareFile(file, group);
    ok_ = ::testing::AssertionResult(IsHexId(group) && IsHexId(share["announcement"]));
  }
  ::testing::AssertionResult ok() const { return ok_; }

  TestNode node;
  std::string group;
  std::string file;
  Json share;

 private:
  ::testing::AssertionResult ok_ = ::testing::AssertionFailure();
};

TEST(ProcessBadInput, ShareOfAMissingFile) {
  Populated p;
  ASSERT_TRUE(p.ok());
  const Holdings before = HoldingsOf(p.node);

  const std::string missing = p.node.tmp() / "no-such-file.txt";
  EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"share", missing, "--group", p.group})));
  EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"share", p.node.tmp().path(), "--group", p.group})))
      << "a directory is not a file to share";
  EXPECT_EQ(HoldingsOf(p.node), before);
}

TEST(ProcessBadInput, UnknownGroup) {
  Populated p;
  ASSERT_TRUE(p.ok());
  const Holdings before = HoldingsOf(p.node);
  const std::string unknown_id(64, 'd');

  for (const std::string& g : {std::string("no-such-group"), unknown_id}) {
    SCOPED_TRACE("group " + g);
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"share", p.file, "--group", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"share", "--text", "hi", "--group", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"stage", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"ls", "--group", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"group", "join", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"group", "leave", g})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"group", "invite", g, std::string(64, 'a')})));
    EXPECT_TRUE(
        FailedWithOneLine(p.node.Praxis({"republish", p.share["announcement"], "--into", g})));
  }
  EXPECT_EQ(HoldingsOf(p.node), before);
}

TEST(ProcessBadInput, UnknownAnnouncement) {
  Populated p;
  ASSERT_TRUE(p.ok());
  const Holdings before = HoldingsOf(p.node);
  const std::string unknown(64, '7');  // well-formed, held nowhere
  const std::string target = p.node.tmp() / "never-written";

  EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"get", unknown, "-o", target})));
  EXPECT_FALSE(Exists(target));
  EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"republish", unknown})));
  EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"republish", unknown, "--into", p.group})));
  EXPECT_EQ(ListDir(p.node.tmp().path()),
            (std::vector<std::string>{"node", "praxisd.stderr", "praxisd.stdout", "shared.bin"}));
  EXPECT_EQ(HoldingsOf(p.node), before);
}

TEST(ProcessBadInput, MalformedIds) {
  Populated p;
  ASSERT_TRUE(p.ok());
  const Holdings before = HoldingsOf(p.node);
  const std::string target = p.node.tmp() / "never-written";

  for (const std::string& bad :
       std::vector<std::string>{"zz", "xyz!", std::string(65, 'a'), std::string(63, 'a') + "z"}) {
    SCOPED_TRACE("id " + bad);
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"get", bad, "-o", target})));
    EXPECT_FALSE(Exists(target));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"republish", bad})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"ls", "--author", bad})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"stage", bad})));
    EXPECT_TRUE(FailedWithOneLine(p.node.Praxis({"group", "invite", p.group, bad})));
  }
  EXPECT_EQ(HoldingsOf(p.node), before);
}

TEST(ProcessBadInput, UsageErrors) {
  Populated p;
  ASSERT_TRUE(p.ok());
  const Holdings before = HoldingsOf(p.node);

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"shre"},
           {"group"},
           {"group", "create"},
           {"group", "create", "zero", "--min-republishers", "0"},
           {"group", "create", "negative", "--min-outside", "-1"},
           {"group", "create", "words", "--min-republishers", "many"},
           {"share", "--group", p.group},
           {"share", p.file, "--text", "both", "--group", p.group},
           {"share", "--text", "", "--group", p.group},
           {"share", p.file},
           {"get", p.share["announcement"], "--force"},  // --force needs -o
           {"status", "--no-such-option"},
       }) {
    std::string label;
    for (const auto& a : args) label += " " + a;
    SCOPED_TRACE("praxis" + label);
    CmdResult r = p.node.Praxis(args);
    EXPECT_TRUE(FailedWithOneLine(r));
    EXPECT_EQ(r.exit_code, 2) << "usage errors exit 2" << r;
  }
  EXPECT_EQ(HoldingsOf(p.node), before);
}

TEST(ProcessBadInput, NodeNotRunning) {
  TempDir tmp;
  const std::string dir = tmp / "empty";  // no node was ever started here
  const std::string file = tmp / "file.txt";
  WriteFile(file, "content\n");
  const std::string target = tmp / "out";

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"status"},
           {"groups", "--json"},
           {"ls"},
           {"stage", std::string(64, 'a')},
           {"group", "create", "g"},
           {"share", file, "--group", std::string(64, 'a')},
           {"get", std::string(64, 'a'), "-o", target},
       }) {
    std::vector<std::string> full = {"--data-dir", dir};
    full.insert(full.end(), args.begin(), args.end());
    SCOPED_TRACE("praxis " + args[0]);
    CmdResult r = Praxis(full);
    EXPECT_TRUE(FailedWithOneLine(r));
    EXPECT_NE(r.err.find(dir), std::string::npos) << "should name the data directory" << r;
  }
  EXPECT_FALSE(Exists(dir)) << "the CLI created the data directory";
  EXPECT_EQ(ListDir(tmp.path()), (std::vector<std::string>{"file.txt"}));

  // A stopped node leaves its directory (and perhaps a stale socket) behind.
  TestNode node;
  ASSERT_TRUE(node.Start());
  ASSERT_TRUE(node.Stop());
  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"status"})));
}

TEST(ProcessBadInput, StaleSocketOfACrashedNode) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  node.Kill9();  // leaves DIR/praxis.sock with nobody listening
  CmdResult r = node.Praxis({"status"});
  EXPECT_TRUE(FailedWithOneLine(r));
  EXPECT_NE(r.err.find("no node running"), std::string::npos) << r;
  ASSERT_TRUE(node.Start()) << "a stale socket must not stop a restart";
}

TEST(ProcessBadInput, SecondDaemonOnTheSameDataDirIsRefused) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const pid_t first = node.daemon().pid();

  Daemon second(node.data_dir(), node.tmp() / "second");
  second.Spawn();
  const std::optional<int> code = second.WaitExit();
  ASSERT_TRUE(code.has_value()) << "the second praxisd kept running";
  EXPECT_NE(*code, 0);
  EXPECT_LT(*code, 128) << "crashed instead of refusing";
  CmdResult as_cmd{
      .argv = {"praxisd (second)"}, .exit_code = *code, .out = "", .err = second.Stderr()};
  EXPECT_TRUE(FailedWithOneLine(as_cmd));
  const std::regex names_pid("\\b" + std::to_string(first) + "\\b");
  EXPECT_TRUE(std::regex_search(as_cmd.err, names_pid))
      << "should name the running praxisd's pid " << first << as_cmd;

  // The first is untouched: same identity, still answering, still writing.
  const Json status = node.JsonOf({"status"});
  EXPECT_EQ(status["member"], member);
  EXPECT_EQ(ReadFile(node.data_dir() + "/praxisd.pid"), std::to_string(first) + "\n");
  EXPECT_TRUE(IsHexId(node.CreateGroup("still working")));
  EXPECT_TRUE(node.Stop());
}

TEST(ProcessBadInput, IdentityKeyReadableByOthersIsRefused) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  ASSERT_TRUE(node.Stop());
  const std::string key = node.data_dir() + "/identity.key";
  const std::string key_bytes = ReadFile(key);

  for (const mode_t mode : {0644, 0640, 0604, 0660}) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode);
    SCOPED_TRACE(std::string("identity.key mode ") + octal);
    ASSERT_EQ(::chmod(key.c_str(), mode), 0);
    Daemon refused(node.data_dir(), node.tmp() / ("refused-" + std::string(octal)));
    refused.Spawn();
    const std::optional<int> code = refused.WaitExit();
    ASSERT_TRUE(code.has_value()) << "praxisd started with a key readable by others";
    CmdResult as_cmd{.argv = {"praxisd"}, .exit_code = *code, .out = "", .err = refused.Stderr()};
    EXPECT_TRUE(FailedWithOneLine(as_cmd));
    EXPECT_NE(as_cmd.err.find(octal), std::string::npos) << "should name the mode" << as_cmd;
    EXPECT_EQ(ReadFile(key), key_bytes) << "the key was changed";
  }

  // Fixed as told, the same identity comes back.
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  ASSERT_TRUE(node.Start());
  EXPECT_EQ(node.Member(), member);
}

TEST(ProcessBadInput, CorruptIdentityKeyIsRefused) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  ASSERT_TRUE(node.Stop());
  const std::string key = node.data_dir() + "/identity.key";
  const std::string good = ReadFile(key);
  ASSERT_FALSE(good.empty());

  const std::vector<std::pair<std::string, std::string>> corruptions = {
      {"garbage", "this is not a key\n"},
      {"empty", ""},
      {"truncated", good.substr(0, good.size() / 2)},
      {"bad hex", good.substr(0, good.size() - 4) + "zz\n"},
      {"binary", RandomBytes(154, 5)},
  };
  for (const auto& [what, bytes] : corruptions) {
    SCOPED_TRACE("identity.key " + what);
    WriteFile(key, bytes);
    ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
    Daemon refused(node.data_dir(), node.tmp() / ("corrupt-" + what));
    refused.Spawn();
    const std::optional<int> code = refused.WaitExit();
    ASSERT_TRUE(code.has_value()) << "praxisd started with a corrupt key";
    CmdResult as_cmd{.argv = {"praxisd"}, .exit_code = *code, .out = "", .err = refused.Stderr()};
    EXPECT_TRUE(FailedWithOneLine(as_cmd));
    EXPECT_TRUE(ReadFile(key) == bytes) << "the corrupt key was replaced, not refused";
  }
}

// DESIGN.md §7: the control socket is mode 0600.
TEST(ProcessBadInput, ControlSocketIsMode0600) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string sock = node.data_dir() + "/praxis.sock";
  struct stat st {};
  ASSERT_EQ(::stat(sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 077, 0u) << "others may connect";
  EXPECT_EQ(st.st_mode & 07777, 0600u) << std::oct << "mode is 0" << (st.st_mode & 07777);
}

// "Someone else's data dir": another user is turned away with one line.
TEST(ProcessBadInput, AnotherUserCannotUseTheNode) {
  const char* kSetpriv = "/usr/bin/setpriv";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the CLI as another user";
  if (::access(kSetpriv, X_OK) != 0) GTEST_SKIP() << kSetpriv << " is not installed";
  TestNode node;
  ASSERT_TRUE(node.Start());
  auto as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {kSetpriv,   "--reuid=65534", "--regid=65534", "--clear-groups",
                                     PRAXIS_BIN, "--data-dir",    node.data_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  {
    SCOPED_TRACE("data dir as praxisd left it (0700)");
    CmdResult r = as_nobody({"status"});
    EXPECT_TRUE(FailedWithOneLine(r));
  }
  {
    // Open the directories up, so that only the socket's own mode stands in the way.
    SCOPED_TRACE("data dir opened to others (0755)");
    ASSERT_EQ(::chmod(node.tmp().path().c_str(), 0755), 0);
    ASSERT_EQ(::chmod(node.data_dir().c_str(), 0755), 0);
    CmdResult r = as_nobody({"status"});
    EXPECT_TRUE(FailedWithOneLine(r));
    CmdResult create = as_nobody({"group", "create", "intruders"});
    EXPECT_TRUE(FailedWithOneLine(create));
  }
  EXPECT_EQ(node.JsonOf({"groups"}), Json::array()) << "another user changed the node";
}

}  // namespace
}  // namespace praxis::process_test
